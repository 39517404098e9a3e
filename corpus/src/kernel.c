/* A kernel stand-in: raw code with the `Linux version` banner, the default command line and the
 * board's own boot messages, the strings an auditor reads from a real kernel image. config.h gives
 * LINUX_BANNER, LINUX_CMDLINE and LINUX_MESSAGES. */
static const char linux_banner[] = LINUX_BANNER "\n";
static const char default_cmdline[] = LINUX_CMDLINE;
static const char board_messages[] = LINUX_MESSAGES;
static const char *const boot_messages[] = {
    "Booting Linux on physical CPU 0x0\n", "Kernel command line: %s\n", "VFS: Mounted root (%s filesystem) readonly on device %d:%d.\n",
    "Freeing unused kernel memory: %ldK\n", "Run %s as init process\n",
};

volatile unsigned long early_console = 0x12040000;

static void early_puts(const char *s)
{
    while (*s)
        *(volatile char *)early_console = *s++;
}

void __attribute__((noreturn)) _start(void)
{
    unsigned i;
    early_puts(linux_banner);
    early_puts(default_cmdline);
    early_puts(board_messages);
    for (i = 0; i < sizeof boot_messages / sizeof *boot_messages; i++)
        early_puts(boot_messages[i]);
    for (;;)
        ;
}
