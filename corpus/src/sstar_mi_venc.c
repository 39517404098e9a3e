/* Stand-in for SigmaStar's MI video encoder library (libmi_venc.so). */
typedef int MI_S32;

static const char venc_dev[] = "/dev/mi_venc";

MI_S32 MI_VENC_CreateChn(int chn, const void *attr) { return chn < 0 || !attr || venc_dev[0] != '/'; }
MI_S32 MI_VENC_StartRecvPic(int chn) { return chn < 0; }
MI_S32 MI_VENC_StopRecvPic(int chn) { return chn < 0; }
MI_S32 MI_VENC_GetStream(int chn, void *stream, int timeout) { return chn < 0 || !stream || timeout < -1; }
MI_S32 MI_VENC_ReleaseStream(int chn, void *stream) { return chn < 0 || !stream; }
MI_S32 MI_VENC_DestroyChn(int chn) { return chn < 0; }
