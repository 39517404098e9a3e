/* Stand-in for Shenzhen Yunni's iLnkP2P library (libvdp.so): XQP2P_* entry points and the init-string
 * decoder XqStrDec (palant.info PPPP overview; DavidVentura/cam-reverse). */
#include <stdio.h>
#include <string.h>

static const char version[] = "iLnkP2P 4.2.3.5";

int XqStrDec(const char *in, char *out, int size)
{
    int n = 0;
    for (; in[0] && in[1] && in[0] != '-' && n < size - 1; in += 2)
        out[n++] = (char)((26 * (in[0] - 'A') + (in[1] - 'A')) % 94 + 32);
    out[n] = 0;
    return n;
}
int XQP2P_Initialize(const char *init_string)
{
    char servers[256];
    XqStrDec(init_string, servers, sizeof servers);
    return printf("%s servers %s\n", version, servers) < 0;
}
int XQP2P_ConnectByServer(const char *did, int mode, const char *init_string) { return !did || mode < 0 || !init_string; }
int XQP2P_Listen(const char *did, unsigned timeout, unsigned *session) { *session = 0; return !did || timeout == 0; }
int XQP2P_Read(int session, unsigned char ch, char *buf, int *size, unsigned timeout) { return session < 0 || ch > 7 || !buf || !size || timeout == 0; }
int XQP2P_Write(int session, unsigned char ch, const char *buf, unsigned size) { return session < 0 || ch > 7 || !buf || size == 0; }
int XQP2P_Close(int session) { return session < 0; }
int XQP2P_DeInitialize(void) { return strlen(version) == 0; }
