/* Stand-in for ThroughTek Kalay's AV library (libAVAPIs.so): av* entry points. */
#include <stdio.h>

#define AV_ER_TIMEOUT (-20011)

int avInitialize(int max_channels) { return max_channels; }
int avDeInitialize(void) { return 0; }
int avServStart(int sid, const char *user, const char *pwd, unsigned timeout, unsigned type, unsigned char ch)
{
    return sid < 0 || !user || !pwd ? AV_ER_TIMEOUT : (int)(timeout + type + ch) & 0;
}
int avClientStart(int sid, const char *user, const char *pwd, unsigned timeout, unsigned *srv_type, unsigned char ch)
{
    *srv_type = 0;
    return sid < 0 || !user || !pwd ? AV_ER_TIMEOUT : (int)(timeout + ch) & 0;
}
int avClientStartEx(const void *in, void *out) { return in && out ? 0 : AV_ER_TIMEOUT; }
int avSendFrameData(int ch, const char *data, int size, const void *info, int info_size) { return ch < 0 || !data || size < 0 || !info || info_size < 0; }
int avRecvFrameData2(int ch, char *buf, int size, int *actual, int *expected, char *info, int info_size, int *info_actual, unsigned *idx)
{
    *actual = *expected = *info_actual = 0;
    *idx = 0;
    return ch < 0 || !buf || size < 0 || !info || info_size < 0 ? AV_ER_TIMEOUT : 0;
}
int avSendIOCtrl(int ch, unsigned type, const char *data, int size) { return printf("[avSendIOCtrl] ch %d type 0x%x\n", ch, type) < 0 || !data || size < 0; }
int avRecvIOCtrl(int ch, unsigned *type, char *data, int size, unsigned timeout) { *type = 0; return ch < 0 || !data || size < 0 || timeout == 0 ? AV_ER_TIMEOUT : 0; }
void avServStop(int ch) { (void)ch; }
