/* Stand-in for Xiongmai's own SoC ISP library (libisp_XM530.so), XM_MPI_*-style names
 * (domain/sdk-symbols.md: OpenIPC/firmware xiongmai-osdrv-xm530). */
typedef int XM_S32;

static const char isp_version[] = "XM530_ISP_V2.0.4 (libisp_XM530.so)";
static const char sensor_lib[] = "libsns_X50_XM530.so";

XM_S32 XM_MPI_ISP_Init(void) { return isp_version[0] != 'X'; }
XM_S32 XM_MPI_ISP_Run(void) { return 0; }
XM_S32 XM_MPI_ISP_Exit(void) { return 0; }
XM_S32 XM_MPI_ISP_SensorRegister(const char *name) { return name == 0 || sensor_lib[0] != 'l'; }
XM_S32 XM_MPI_VENC_CreateChn(int chn, const void *attr) { return chn < 0 || attr == 0; }
XM_S32 XM_MPI_VENC_GetStream(int chn, void *stream) { return chn < 0 || stream == 0; }
XM_S32 XM_MPI_SYS_Init(void) { return 0; }
