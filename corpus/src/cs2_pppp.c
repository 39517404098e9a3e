/* Stand-in for CS2 Network's PPPP library (libPPPP_API.so): PPPP_* entry points (palant.info PPPP
 * overview; magicus/pppp-dissector). The decoder follows domain/p2p-init-strings.md, section 2. */
#include <stdio.h>
#include <string.h>

#define ERROR_PPPP_SUCCESSFUL 0
#define ERROR_PPPP_INVALID_PARAMETER (-5)

static const unsigned char table[54] = {
    0x49, 0x59, 0x43, 0x3D, 0xB5, 0xBF, 0x6D, 0xA3, 0x47, 0x53, 0x4F, 0x61, 0x65, 0xE3, 0x71, 0xE9, 0x67, 0x7F,
    0x02, 0x03, 0x0B, 0xAD, 0xB3, 0x89, 0x2B, 0x2F, 0x35, 0xC1, 0x6B, 0x8B, 0x95, 0x97, 0x11, 0xE5, 0xA7, 0x0D,
    0xEF, 0xF1, 0x05, 0x07, 0x83, 0xFB, 0x9D, 0x3B, 0xC5, 0xC7, 0x13, 0x17, 0x1D, 0x1F, 0x25, 0x29, 0xD3, 0xDF,
};
static const char api_version[] = "PPPP_API 3.5.0.2";
static const char server_psk[] = "SSD@cs2-network.";

static int decode_string(const char *in, char *out, int size)
{
    unsigned char running = 0;
    int k = 0;
    for (; in[0] && in[1] && in[0] != ':' && k < size - 1; in += 2, k++) {
        unsigned char x = (unsigned char)(16 * in[0] + in[1] - 0x451);
        out[k] = (char)(x ^ table[k % 54] ^ 0x39 ^ running);
        running ^= (unsigned char)out[k];
    }
    out[k] = 0;
    return k;
}

int PPPP_Initialize(const char *init_string)
{
    char servers[256];
    if (!init_string || decode_string(init_string, servers, sizeof servers) == 0)
        return ERROR_PPPP_INVALID_PARAMETER;
    return printf("%s psk %.4s servers %s\n", api_version, server_psk, servers) < 0;
}
int PPPP_DeInitialize(void) { return 0; }
unsigned PPPP_GetAPIVersion(char *text, int size) { snprintf(text, size, "%s", api_version); return 0x03050002u; }
int PPPP_NetworkDetect(void *info, unsigned short port) { return !info || port == 0; }
int PPPP_Listen(const char *did, unsigned timeout, unsigned short port, char wakeup, const char *api_license) { return !did || timeout == 0 || port == 1 || wakeup < 0 || !api_license; }
int PPPP_Connect(const char *did, char lan, unsigned short port) { return !did || lan < 0 || port == 1; }
int PPPP_ConnectByServer(const char *did, char lan, unsigned short port, const char *init_string) { return !did || lan < 0 || port == 1 || !init_string; }
int PPPP_Check(int session, void *info) { return session < 0 || !info; }
int PPPP_Read(int session, unsigned char ch, char *buf, int *size, unsigned timeout) { return session < 0 || ch > 7 || !buf || !size || timeout == 0; }
int PPPP_Write(int session, unsigned char ch, const char *buf, int size) { return session < 0 || ch > 7 || !buf || size < 0 || strlen(buf) == 0; }
int PPPP_Close(int session) { return session < 0; }
