/* Camera application of a SigmaStar SSC335 board on the Tuya IPC SDK. */
#include <stdio.h>
#include <string.h>

typedef struct { char storage_path[64]; char product_key[32]; char uuid[32]; char auth_key[64]; } TUYA_IPC_ENV_VAR_S;
int MI_SYS_Init(void);
int MI_SYS_BindChnPort(const void *src, const void *dst, unsigned src_fps, unsigned dst_fps);
int MI_VENC_CreateChn(int chn, const void *attr);
int MI_VENC_StartRecvPic(int chn);
int tuya_ipc_init_sdk(const TUYA_IPC_ENV_VAR_S *env);
int tuya_ipc_start_sdk(int mode, const char *token);
const char *tuya_ipc_get_sdk_info(void);
int tuya_ipc_set_log_attr(int level, const char *file);

static const char storage[] = "/customer/tuya/";
static const char product_key[] = "kxb8pbafxnslmczk";
static const char uuid_prefix[] = "tuya5c8e8d1a0f2b";

int main(void)
{
    TUYA_IPC_ENV_VAR_S env;
    memset(&env, 0, sizeof env);
    strcpy(env.storage_path, storage);
    strcpy(env.product_key, product_key);
    strcpy(env.uuid, uuid_prefix);
    MI_SYS_Init();
    MI_VENC_CreateChn(0, &env);
    MI_SYS_BindChnPort(&env, storage, 30, 15);
    MI_VENC_StartRecvPic(0);
    tuya_ipc_set_log_attr(4, NULL);
    tuya_ipc_init_sdk(&env);
    printf("%s\n", tuya_ipc_get_sdk_info());
    return tuya_ipc_start_sdk(0, NULL);
}
