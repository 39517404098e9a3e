/* Stand-in for Novatek's HDAL library (libhdal.so): hd_* entry points of the HDAL samples. */
#include <stdio.h>

typedef int HD_RESULT;

static const char hdal_version[] = "HDAL_VERSION: 01.00.2103250 (NT98566)";

HD_RESULT hd_common_init(unsigned sys_config) { return printf("%s %u\n", hdal_version, sys_config) < 0; }
HD_RESULT hd_common_uninit(void) { return 0; }
HD_RESULT hd_videocap_init(void) { return 0; }
HD_RESULT hd_videoproc_init(void) { return 0; }
HD_RESULT hd_videoenc_init(void) { return 0; }
HD_RESULT hd_videoenc_open(unsigned in_id, unsigned out_id, unsigned *path) { *path = in_id ^ out_id; return 0; }
HD_RESULT hd_videoenc_pull_out_buf(unsigned path, void *buf, int wait_ms) { return !buf || wait_ms < -1 || path == 0xffffffffu; }
