/* A kernel module stand-in: a relocatable ELF whose .modinfo section carries what modinfo shows.
 * config.h gives MODNAME, VERMAGIC, LICENSE and DESCRIPTION. */
#define MODINFO(tag, value) \
    static const char modinfo_##tag[] __attribute__((section(".modinfo"), used, aligned(1))) = #tag "=" value

MODINFO(license, LICENSE);
MODINFO(description, DESCRIPTION);
MODINFO(vermagic, VERMAGIC);
MODINFO(name, MODNAME);
MODINFO(depends, "");

struct module { char name[56]; };
struct module __this_module __attribute__((section(".gnu.linkonce.this_module"))) = { MODNAME };

int init_module(void) { return 0; }
void cleanup_module(void) {}
