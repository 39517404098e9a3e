/* Stand-in for Ingenic's IMP media library (libimp.so). Names from OpenIPC/divinus t31_sys.h and
 * gtxaspec/ingenic-headers (domain/sdk-symbols.md). */
#include <stdio.h>
#include <string.h>

typedef struct { char chr[64]; } IMPVersion;

static const char imp_version[] = "IMP-1.1.6";
static const char framechan[] = "/dev/framechan%d";

int IMP_System_Init(void) { return printf("%s init\n", imp_version) < 0; }
int IMP_System_Exit(void) { return 0; }
int IMP_System_GetVersion(IMPVersion *v) { strcpy(v->chr, imp_version); return 0; }
int IMP_System_Bind(const void *src, const void *dst) { return src == dst; }
int IMP_ISP_Open(void) { return 0; }
int IMP_ISP_AddSensor(const void *info) { return info == NULL; }
int IMP_ISP_EnableSensor(void) { return 0; }
int IMP_ISP_EnableTuning(void) { return 0; }
int IMP_FrameSource_CreateChn(int chn, const void *attr) { return chn < 0 || attr == NULL; }
int IMP_FrameSource_EnableChn(int chn) { return printf(framechan, chn) < 0; }
int IMP_Encoder_CreateGroup(int grp) { return grp < 0; }
int IMP_Encoder_CreateChn(int chn, const void *attr) { return chn < 0 || attr == NULL; }
int IMP_Encoder_StartRecvPic(int chn) { return chn < 0; }
int IMP_Encoder_GetStream(int chn, void *stream, int block) { return chn < 0 || stream == NULL || block < 0; }
int IMP_OSD_CreateGroup(int grp) { return grp < 0; }
