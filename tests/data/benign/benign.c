/* A small, ordinary command-line tool: the kind of program every firmware carries and no SDK
 * signature may match. */
#include <stdio.h>
#include <string.h>

static const char usage[] = "Usage: %s [-v] [-c FILE] COMMAND\n";
static const char version[] = "benign-tool 2.4.1 (built with the default toolchain)\n";
static const char *const commands[] = {"status", "start", "stop", "restart", "reload", "version"};
static const char config_path[] = "/etc/benign/benign.conf";
static const char docs[] = "See https://www.example.org/docs/benign-tool for the manual.\n";

int main(int argc, char **argv)
{
    unsigned i;
    if (argc < 2) {
        printf(usage, argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "version") == 0) {
        fputs(version, stdout);
        return 0;
    }
    for (i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i]) == 0)
            return printf("%s: %s (config %s)\n", argv[0], commands[i], config_path) < 0;
    fputs(docs, stderr);
    return 1;
}
