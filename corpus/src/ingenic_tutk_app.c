/* Camera application of an Ingenic T31 board on ThroughTek Kalay (dynamic IOTC and AV libraries). */
#include <stdio.h>

int IMP_System_Init(void);
int IMP_ISP_Open(void);
int IMP_FrameSource_CreateChn(int chn, const void *attr);
int IMP_Encoder_CreateChn(int chn, const void *attr);
int IMP_System_Bind(const void *src, const void *dst);
int IOTC_Initialize2(unsigned short port);
int IOTC_Device_Login(const char *uid, const char *name, const char *pwd);
int IOTC_Listen(unsigned timeout_ms);
int IOTC_DeInitialize(void);
int avInitialize(int max_channels);
int avServStart(int sid, const char *user, const char *pwd, unsigned timeout, unsigned type, unsigned char ch);
int avSendIOCtrl(int ch, unsigned type, const char *data, int size);

static const char uid_file[] = "/system/etc/p2p.conf";
static const char sensor[] = "gc2053";

int main(int argc, char **argv)
{
    const char *uid = argc > 1 ? argv[1] : "E7KA9B4WXZ2F5H6J111A";
    int sid, ch;
    IMP_System_Init();
    IMP_ISP_Open();
    IMP_FrameSource_CreateChn(0, sensor);
    IMP_Encoder_CreateChn(0, sensor);
    IMP_System_Bind(uid_file, sensor);
    IOTC_Initialize2(0);
    avInitialize(4);
    IOTC_Device_Login(uid, "ipc", "admin");
    sid = IOTC_Listen(0);
    ch = avServStart(sid, "admin", "888888", 30, 0, 0);
    avSendIOCtrl(ch, 0x0301, uid_file, sizeof uid_file);
    return IOTC_DeInitialize();
}
