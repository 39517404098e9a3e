/* Camera application on CS2 Network PPPP. Its servers appear only inside the encoded init string,
 * made at build time by firmware_audit.p2p.cs2 (config.h: CS2_INIT_STRING). */
#include <stdio.h>

int PPPP_Initialize(const char *init_string);
int PPPP_Listen(const char *did, unsigned timeout, unsigned short port, char wakeup, const char *api_license);
int PPPP_Check(int session, void *info);
int PPPP_Close(int session);
unsigned PPPP_GetAPIVersion(char *text, int size);

static const char init_string[] = CS2_INIT_STRING;
static const char default_did[] = DEVICE_ID;
static const char api_license[] = "EFGFFB:vstarcam";
static const char lan_search[] = "UDP 32108 LAN search, server port 32100";

int main(int argc, char **argv)
{
    char version[32];
    int session;
    PPPP_GetAPIVersion(version, sizeof version);
    if (PPPP_Initialize(init_string) != 0)
        return 1;
    printf("%s %s\n", version, lan_search);
    session = PPPP_Listen(argc > 1 ? argv[1] : default_did, 60, 0, 1, api_license);
    PPPP_Check(session, version);
    return PPPP_Close(session);
}
