/* A statically linked, stripped TUTK agent: no libc, no symbol table, no dynamic section. What is left
 * to recognise it by are its strings: the IOTC log tags, the master servers and the scrambler key.
 * Built with -static -nostdlib -s; _start makes the write and exit system calls itself. */

static const char *const masters[] = {
    "m4.iotcplatform.com", "m5.iotcplatform.com", "50.19.254.134", "122.248.234.207",
};
static const char *const tags[] = {
    "[IOTC_Initialize2] start\n", "[IOTC_Device_Login] UID login\n", "[avServStart] channel 0\n",
    "[IOTC_Listen] wait\n", "IOTC_ER_NETWORK_UNREACHABLE\n", "AV_ER_TIMEOUT\n",
};
static const char scrambler_key[] = "Charlie is the designer of P2P!!";

#if defined(__mips__)
static long sys3(long nr, long a, long b, long c)
{
    register long v0 __asm__("$2") = nr;
    register long a0 __asm__("$4") = a;
    register long a1 __asm__("$5") = b;
    register long a2 __asm__("$6") = c;
    register long a3 __asm__("$7");
    __asm__ volatile("syscall" : "+r"(v0), "=r"(a3) : "r"(a0), "r"(a1), "r"(a2)
                     : "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory");
    return v0;
}
#define NR_WRITE 4004
#define NR_EXIT 4001
#elif defined(__arm__)
static long sys3(long nr, long a, long b, long c)
{
    register long r7 __asm__("r7") = nr;
    register long r0 __asm__("r0") = a;
    register long r1 __asm__("r1") = b;
    register long r2 __asm__("r2") = c;
    __asm__ volatile("svc 0" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2) : "memory");
    return r0;
}
#define NR_WRITE 4
#define NR_EXIT 1
#endif

static unsigned long length(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

static void say(const char *s) { sys3(NR_WRITE, 1, (long)s, (long)length(s)); }

static int iotc_login(const char *master)
{
    say(tags[0]);
    say(master);
    say(tags[1]);
    return master[0] == scrambler_key[0];
}

void __attribute__((noreturn)) _start(void)
{
    unsigned i;
    int rc = 0;
    for (i = 0; i < sizeof masters / sizeof *masters; i++)
        rc |= iotc_login(masters[i]);
    for (i = 2; i < sizeof tags / sizeof *tags; i++)
        say(tags[i]);
    sys3(NR_EXIT, rc, 0, 0);
    for (;;)
        ;
}
