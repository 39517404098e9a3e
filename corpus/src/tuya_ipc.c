/* Stand-in for the Tuya IPC SDK (libtuya_iot.so). API names from TuyaInc/TUYA_IPC_SDK tuya_ipc_api.h;
 * MQTT hosts from openLuat/LuatOS iotcloud.lua (domain/endpoints.md 1.8); a2.* from tuya_url.h. */
#include <stdio.h>
#include <string.h>

typedef int OPERATE_RET;
typedef struct { char storage_path[64]; char product_key[32]; char uuid[32]; char auth_key[64]; } TUYA_IPC_ENV_VAR_S;

static const char *const mqtt_hosts[] = { "m1.tuyacn.com", "m1.tuyaeu.com", "m1.tuyaus.com" };
static const char *const atop_hosts[] = { "a2.tuyacn.com", "a2.tuyaeu.com", "a2.tuyaus.com" };
static const char sdk_info[] = "< TUYA IOT SDK V:4.9.5 BS:40.00_PT:2.2_LAN:3.3_CAD:1.0.2_CD:1.0.0 >";
static int region;

OPERATE_RET tuya_mqtt_init(const char *host, int port) { return printf("mqtt %s:%d\n", host, port) < 0; }
OPERATE_RET tuya_ipc_init_sdk(const TUYA_IPC_ENV_VAR_S *env)
{
    return env == NULL || printf("%s storage %s\n", sdk_info, env->storage_path) < 0;
}
OPERATE_RET tuya_ipc_start_sdk(int mode, const char *token)
{
    printf("https://%s/d.json token %s\n", atop_hosts[region], token ? token : "");
    return tuya_mqtt_init(mqtt_hosts[region], 8883) || mode < 0;
}
const char *tuya_ipc_get_sdk_info(void) { return sdk_info; }
OPERATE_RET tuya_ipc_set_log_attr(int level, const char *file) { region = level & 1; return file != NULL && strlen(file) == 0; }
