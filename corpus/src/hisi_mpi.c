/* Stand-in for HiSilicon's MPP library (libmpi.so): the exported HI_MPI_* entry points of the media
 * process platform, with trivial bodies. Symbol names from domain/sdk-symbols.md (OpenIPC/divinus). */
#include <stdio.h>
#include <string.h>

typedef int HI_S32;
typedef unsigned int HI_U32;

static const char mpp_version[] = "HI_VERSION=Hi3516EV200_MPP_V1.0.1.2 B030 Release";
static const char sys_dev[] = "/dev/sys";
static HI_U32 chip_id = 0x3516E300;

HI_S32 HI_MPI_SYS_Init(void) { return printf("[%s] %s open %s\n", __func__, mpp_version, sys_dev) < 0; }
HI_S32 HI_MPI_SYS_Exit(void) { return 0; }
HI_S32 HI_MPI_SYS_SetConfig(const void *conf) { return conf == NULL; }
HI_S32 HI_MPI_SYS_GetChipId(HI_U32 *id) { *id = chip_id; return 0; }
HI_S32 HI_MPI_SYS_GetVersion(char *buf) { strcpy(buf, mpp_version); return 0; }
HI_S32 HI_MPI_SYS_Bind(const void *src, const void *dst) { return src == dst; }
HI_S32 HI_MPI_VB_Init(void) { return 0; }
HI_S32 HI_MPI_VB_SetConfig(const void *conf) { return conf == NULL; }
HI_S32 HI_MPI_VI_SetDevAttr(int dev, const void *attr) { return dev < 0 || attr == NULL; }
HI_S32 HI_MPI_VI_EnableDev(int dev) { return dev < 0; }
HI_S32 HI_MPI_VI_EnableChn(int pipe, int chn) { return pipe < 0 || chn < 0; }
HI_S32 HI_MPI_VENC_CreateChn(int chn, const void *attr) { return chn < 0 || attr == NULL; }
HI_S32 HI_MPI_VENC_StartRecvFrame(int chn, const void *param) { return chn < 0 || param == NULL; }
HI_S32 HI_MPI_VENC_GetStream(int chn, void *stream, int block) { return chn < 0 || stream == NULL || block < -1; }
HI_S32 HI_MPI_VENC_ReleaseStream(int chn, void *stream) { return chn < 0 || stream == NULL; }
HI_S32 HI_MPI_VENC_DestroyChn(int chn) { return chn < 0; }
