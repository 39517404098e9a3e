/* Camera application of a HiSilicon board connected to Alibaba IoT (Link Kit). */
#include <stdio.h>

int HI_MPI_SYS_Init(void);
int HI_MPI_VENC_CreateChn(int chn, const void *attr);
int IOT_Ioctl(int option, void *data);
int IOT_Linkkit_Open(int type, const void *meta);
int IOT_Linkkit_Connect(int devid);
int IOT_Linkkit_Report(int devid, int msg, const unsigned char *payload, int len);

static const char product_key[] = "a1x9K2mZ3qP";
static char mqtt_host[] = "a1x9K2mZ3qP.iot-as-mqtt.cn-shanghai.aliyuncs.com";
static const char ota_topic[] = "/ota/device/upgrade/%s/%s";
static const char config_file[] = "/mnt/data/iot.json";

int main(void)
{
    static const unsigned char props[] = "{\"CameraState\":1}";
    int dev;
    HI_MPI_SYS_Init();
    HI_MPI_VENC_CreateChn(0, product_key);
    IOT_Ioctl(1, mqtt_host);
    dev = IOT_Linkkit_Open(0, config_file);
    IOT_Linkkit_Connect(dev);
    printf(ota_topic, product_key, "cam01");
    return IOT_Linkkit_Report(dev, 0, props, sizeof props - 1);
}
