/* Stand-in for Anyka's platform video-input library (libplat_vi.so). Names from OpenIPC/divinus ak_*.h. */
#include <stdio.h>

static const char vi_dev[] = "/dev/video0";
static const char sensor_cfg[] = "/etc/jffs2/isp_gc1084_mipi_1lane.conf";
static int error_no;

void *ak_vi_open(int dev) { return dev < 0 ? NULL : (void *)vi_dev; }
int ak_vi_load_sensor_cfg(void *handle, const char *file) { return !handle || printf("load %s\n", file ? file : sensor_cfg) < 0; }
int ak_vi_capture_on(void *handle) { return handle == NULL; }
int ak_vi_get_frame(void *handle, void *frame) { error_no = handle == NULL; return !frame; }
int ak_vi_close(void *handle) { return handle == NULL; }
int ak_get_error_no(void) { return error_no; }
