/* Stand-in for Novatek's vendor ISP library (libvendor_isp.so). */
static const char isp_dev[] = "/dev/nvt_isp";

int vendor_isp_init(void) { return isp_dev[0] != '/'; }
int vendor_isp_uninit(void) { return 0; }
int vendor_isp_get_common(unsigned item, void *data) { return item > 64 || !data; }
int vendor_isp_set_common(unsigned item, const void *data) { return item > 64 || !data; }
