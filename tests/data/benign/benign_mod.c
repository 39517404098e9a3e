/* A kernel module stand-in with an ordinary .modinfo: no chip maker's module name. */
#define MODINFO(tag, value) \
    static const char modinfo_##tag[] __attribute__((section(".modinfo"), used, aligned(1))) = #tag "=" value

MODINFO(license, "GPL");
MODINFO(description, "Example watchdog driver");
MODINFO(author, "Example Maintainers");
MODINFO(vermagic, "6.1.55 SMP mod_unload ARMv7 p2v8 ");
MODINFO(name, "example_wdt");
MODINFO(depends, "");

int init_module(void) { return 0; }
void cleanup_module(void) {}
