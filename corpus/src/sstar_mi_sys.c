/* Stand-in for SigmaStar's MI system library (libmi_sys.so). Names from OpenIPC/divinus i6_sys.h. */
#include <stdio.h>
#include <string.h>

typedef int MI_S32;
typedef struct { char version[128]; } MI_SYS_Version_t;

static const char mi_version[] = "MI_SYS_VERSION: Infinity6E 2.07.0 (SStar SSC335)";

MI_S32 MI_SYS_Init(void) { return printf("%s\n", mi_version) < 0; }
MI_S32 MI_SYS_Exit(void) { return 0; }
MI_S32 MI_SYS_GetVersion(MI_SYS_Version_t *v) { strcpy(v->version, mi_version); return 0; }
MI_S32 MI_SYS_BindChnPort(const void *src, const void *dst, unsigned src_fps, unsigned dst_fps) { return src == dst || src_fps < dst_fps; }
MI_S32 MI_SYS_UnBindChnPort(const void *src, const void *dst) { return src == dst; }
MI_S32 MI_SYS_SetChnOutputPortDepth(const void *port, unsigned user, unsigned depth) { return !port || user > depth; }
