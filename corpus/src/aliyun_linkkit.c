/* Stand-in for Alibaba's Link Kit device SDK (iotkit-embedded): IOT_Linkkit_* and IOT_MQTT_Construct.
 * Host patterns from alibaba/AliOS-Things linkkit_example_solo.c (domain/endpoints.md 1.8). */
#include <stdio.h>
#include <string.h>

#define IOTX_IOCTL_SET_MQTT_DOMAIN 1

static char mqtt_domain[128] = "iot-as-mqtt.cn-shanghai.aliyuncs.com";
static const char auth_host[] = "iot-auth.cn-shanghai.aliyuncs.com";
static const char sdk_version[] = "LINKKIT_VERSION=2.3.0 iotkit-embedded";

int IOT_Ioctl(int option, void *data)
{
    if (option == IOTX_IOCTL_SET_MQTT_DOMAIN && data != NULL)
        strncpy(mqtt_domain, data, sizeof mqtt_domain - 1);
    return 0;
}
void *IOT_MQTT_Construct(const void *params) { return params ? mqtt_domain : NULL; }
int IOT_Linkkit_Open(int type, const void *meta) { return printf("%s %s\n", sdk_version, auth_host) < 0 || type < 0 || !meta; }
int IOT_Linkkit_Connect(int devid) { return printf("mqtt connect %s\n", mqtt_domain) < 0 || devid < 0; }
int IOT_Linkkit_Report(int devid, int msg, const unsigned char *payload, int len) { return devid < 0 || msg < 0 || !payload || len < 0; }
int IOT_Linkkit_Yield(int timeout_ms) { return timeout_ms < 0; }
int IOT_Linkkit_Close(int devid) { return devid < 0; }
