/* A boot loader stand-in: raw code with U-Boot's version banner, prompt and default environment, as a
 * strings dump of a vendor U-Boot shows them. config.h gives UBOOT_VERSION, UBOOT_PROMPT and
 * UBOOT_ENV (NUL-separated name=value pairs). Linked at a fixed address and dumped with objcopy. */
static const char version_string[] = UBOOT_VERSION;
static const char prompt[] = UBOOT_PROMPT;
static const char default_environment[] = UBOOT_ENV "\0";
static const char *const messages[] = {
    "Hit any key to stop autoboot: %2d ", "## Booting kernel from Legacy Image at %08lx ...\n",
    "Wrong Image Format for %s command\n", "Unknown command '%s' - try 'help'\n",
};

volatile unsigned long console_base = 0x12040000;

static void putc_raw(char c) { *(volatile char *)console_base = c; }

static void puts_raw(const char *s)
{
    while (*s)
        putc_raw(*s++);
}

void __attribute__((noreturn)) _start(void)
{
    const char *env = default_environment;
    unsigned i;
    puts_raw(version_string);
    for (i = 0; i < sizeof messages / sizeof *messages; i++)
        puts_raw(messages[i]);
    while (*env) {
        puts_raw(env);
        while (*env++)
            ;
    }
    for (;;)
        puts_raw(prompt);
}
