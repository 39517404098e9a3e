/* Stand-in for ThroughTek Kalay's IOTC library (libIOTCAPIs.so): IOTC_* entry points, the master
 * servers passed to IOTC_Initialize (a970891/MyWorkCamera, domain/endpoints.md 1.6) and the
 * scrambler key (domain/sdk-symbols.md). */
#include <stdio.h>
#include <string.h>

#define IOTC_ER_NoERROR 0
#define IOTC_ER_UNLICENSE (-10)

static const char *const masters[] = {
    "m4.iotcplatform.com", "m5.iotcplatform.com", "50.19.254.134", "122.248.234.207",
};
static const char scrambler_key[] = "Charlie is the designer of P2P!!";
static const char iotc_version[] = "IOTCAPIs 3.1.10.7";

int IOTC_Initialize(unsigned short port, const char *s1, const char *s2, const char *s3, const char *s4)
{
    return printf("[IOTC_Initialize] port %u masters %s %s %s %s\n", port, s1, s2, s3, s4) < 0;
}
int IOTC_Initialize2(unsigned short port)
{
    return IOTC_Initialize(port, masters[0], masters[1], masters[2], masters[3]);
}
int IOTC_Device_Login(const char *uid, const char *name, const char *pwd)
{
    if (uid == NULL || strlen(uid) != 20)
        return IOTC_ER_UNLICENSE;
    return printf("[IOTC_Device_Login] %s %s %s key=%.8s\n", uid, name, pwd ? "***" : "", scrambler_key) < 0;
}
int IOTC_Listen(unsigned timeout_ms) { return (int)(timeout_ms & 0x7f); }
int IOTC_Connect_ByUID(const char *uid) { return uid == NULL ? IOTC_ER_UNLICENSE : IOTC_ER_NoERROR; }
int IOTC_Connect_ByUID_Parallel(const char *uid, int sid) { return uid == NULL ? IOTC_ER_UNLICENSE : sid; }
int IOTC_Session_Close(int sid) { return sid < 0; }
void IOTC_Get_Version(unsigned *version) { *version = 0x03010a07u; }
int IOTC_DeInitialize(void) { return printf("%s deinit\n", iotc_version) < 0; }
