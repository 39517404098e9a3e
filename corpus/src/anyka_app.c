/* Camera application of an Anyka AK3918EV200 board on iLnkP2P. The server list exists only as the
 * encoded init string, made at build time by firmware_audit.p2p.ilnk (config.h: ILNK_INIT_STRING). */
#include <stdio.h>

void *ak_vi_open(int dev);
int ak_vi_capture_on(void *handle);
void *ak_venc_open(const void *param);
int ak_venc_request_stream(void *handle, void *stream);
int ak_get_error_no(void);
int XQP2P_Initialize(const char *init_string);
int XQP2P_Listen(const char *did, unsigned timeout, unsigned *session);

static const char init_string[] = ILNK_INIT_STRING;
static const char did_file[] = "/etc/jffs2/did.conf";
static const char default_did[] = DEVICE_ID;

int main(int argc, char **argv)
{
    unsigned session;
    char frame[16];
    void *vi = ak_vi_open(0);
    void *venc = ak_venc_open(vi);
    ak_vi_capture_on(vi);
    ak_venc_request_stream(venc, frame);
    XQP2P_Initialize(init_string);
    printf("did from %s\n", did_file);
    XQP2P_Listen(argc > 1 ? argv[1] : default_did, 5000, &session);
    return ak_get_error_no();
}
