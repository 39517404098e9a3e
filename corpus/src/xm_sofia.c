/* Stand-in for Sofia, the main application of Xiongmai (XMeye) cameras and DVRs.
 * Cloud hosts, ports and protocol message names from domain/endpoints.md 1.3 and
 * domain/rebranding-traces.md (johndoe31415/numenworld-ipcam, KostasEreksonas/Besder-..., OpenIPC). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef XM530
int XM_MPI_SYS_Init(void);
int XM_MPI_ISP_Init(void);
int XM_MPI_ISP_SensorRegister(const char *name);
int XM_MPI_VENC_CreateChn(int chn, const void *attr);
#define CHIP "XM530"
#else
int HI_MPI_SYS_Init(void);
int HI_MPI_SYS_GetChipId(unsigned int *id);
int HI_MPI_VB_Init(void);
int HI_MPI_VI_EnableDev(int dev);
int HI_MPI_VENC_CreateChn(int chn, const void *attr);
int HI_MPI_ISP_Init(int pipe);
int HI_MPI_ISP_Run(int pipe);
#define CHIP "HI3516EV300"
#endif

static const char *const cloud_hosts[] = {
    "pub-cfg.secu100.net",
    "mac.secu100.net",
    "access-dss.secu100.net",
    "caps.xmcsrv.net",
    "logsvr.xmcsrv.net",
    "pub-dss-hls.secu100.net",
    "upgrade.secu100.net",
    "pub-status.secu100.net:7605",
    "push.umeye.cn",
};

static const char *const messages[] = {
    "MSG_DSS_CFG_QUERY_REQ", "MSG_XM_DNS_MULTIQUERY_REQ", "MSG_DEV_REGISTER_REQ", "REPORT_CAPS_DEV_INFO_REQ",
};

static const char upload_url[] = "http://logsvr.xmcsrv.net/upload";
static const char getcfg_url[] = "http://logsvr.xmcsrv.net/getcfg";
static const char upgrade_list[] = "http://120.92.92.241/list";
static const char nat_default[] = "{ \"NetWork.Nat\" : { \"NatEnable\" : true, \"Addr\" : \"secu100.net\", \"Port\" : 8086 } }";
static const char agent_cfg[] = "{ \"AgentServerPort\":\"6611\", \"DomainName\":\"pub-dss-hls.secu100.net\" }";
static const char register_fmt[] =
    "{ \"Name\" : \"MSG_DEV_REGISTER_REQ\", \"SerialNumber\" : \"%s\", \"Area\" : \"Asia:China:Default\", "
    "\"OemID\" : \"General\", \"RewriteOemID\" : \"General\", \"HardWare\" : \"%s_50H20AI\" }";
static const char http_server[] = "Server: uc-httpd 1.0.0";
static const char rtsp_banner[] = "H264DVR rtspd 1.0";
static const char *const board_files[] = {
    "/mnt/mtd/Config/Account1", "/mnt/mtd/Config/SerialNumber", "/mnt/custom/ProductDefinition",
    "/proc/xm/xminfo", "/dev/xm_watchdog",
};
static const int dvrip_port = 34567;
static const char build_path[] = "/home/share/jenkins/General/Sofia/Build/Sofia.cpp";

static void start_media(void)
{
#ifdef XM530
    XM_MPI_SYS_Init();
    XM_MPI_ISP_SensorRegister("X50");
    XM_MPI_ISP_Init();
    XM_MPI_VENC_CreateChn(0, rtsp_banner);
#else
    unsigned int id = 0;
    HI_MPI_SYS_Init();
    HI_MPI_SYS_GetChipId(&id);
    HI_MPI_VB_Init();
    HI_MPI_VI_EnableDev(0);
    HI_MPI_ISP_Init(0);
    HI_MPI_ISP_Run(0);
    HI_MPI_VENC_CreateChn(0, rtsp_banner);
#endif
}

int main(int argc, char **argv)
{
    char buf[512];
    unsigned i;
    printf("Sofia %s built from %s\n", CHIP, build_path);
    for (i = 0; i < sizeof board_files / sizeof *board_files; i++)
        if (access(board_files[i], R_OK) != 0)
            printf("missing %s\n", board_files[i]);
    start_media();
    for (i = 0; i < sizeof cloud_hosts / sizeof *cloud_hosts; i++)
        printf("resolve %s for %s\n", cloud_hosts[i], messages[i % 4]);
    snprintf(buf, sizeof buf, register_fmt, argc > 1 ? argv[1] : "5a8ddedd3c1e7674", CHIP);
    printf("%s\n%s\n%s\n%s\n%s\n%s\n", buf, upload_url, getcfg_url, upgrade_list, nat_default, agent_cfg);
    printf("%s\nDVRIP listening on %d (%s)\n", http_server, dvrip_port, rtsp_banner);
    return strlen(buf) == 0;
}
