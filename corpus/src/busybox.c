/* A BusyBox stand-in: the multi-call banner and applet names a strings dump of the real one shows.
 * config.h gives BUSYBOX_BANNER (version and build date, which carries the build time zone). */
#include <stdio.h>
#include <string.h>

static const char banner[] = BUSYBOX_BANNER;
static const char *const applets[] = {
    "ash", "cat", "cp", "echo", "grep", "ifconfig", "insmod", "ls", "mount", "ntpd", "ping", "ps", "rm",
    "sh", "telnetd", "tftp", "udhcpc", "umount", "wget",
};

int main(int argc, char **argv)
{
    const char *name = strrchr(argv[0], '/');
    unsigned i;
    name = name ? name + 1 : argv[0];
    for (i = 0; i < sizeof applets / sizeof *applets; i++)
        if (strcmp(name, applets[i]) == 0)
            return 0;
    printf("%s multi-call binary.\nUsage: busybox [function [arguments]...]\n", banner);
    return argc > 1;
}
