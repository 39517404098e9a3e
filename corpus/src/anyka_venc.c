/* Stand-in for Anyka's video encoder library (libmpi_venc.so). */
static const char venc_name[] = "akvenc 4.0.00";

void *ak_venc_open(const void *param) { return param ? (void *)venc_name : 0; }
int ak_venc_request_stream(void *handle, void *stream) { return !handle || !stream; }
int ak_venc_release_stream(void *handle, void *stream) { return !handle || !stream; }
int ak_venc_close(void *handle) { return !handle; }
