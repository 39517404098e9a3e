/* Stand-in for davinci, the main application of Hikvision cameras.
 * Hosts from domain/endpoints.md 1.1; recovery defaults from scottlamb/hikvision-tftpd. */
#include <stdio.h>
#include <string.h>

int HI_MPI_SYS_Init(void);
int HI_MPI_VENC_CreateChn(int chn, const void *attr);
int HI_MPI_ISP_Init(int pipe);

static const char *const platform_hosts[] = {
    "dev.ezvizru.com",
    "litedev.hik-connect.com",
    "dev.hik-connect.com",
};
static const char open_api[] = "https://open.ys7.com/api/lapp/device/info";
static const char ezviz_response[] =
    "<EZVIZ version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">"
    "<enabled>false</enabled><registerStatus>false</registerStatus>"
    "<hostName>litedev.hik-connect.com</hostName></EZVIZ>";
static const char *const isapi_paths[] = {
    "/ISAPI/System/deviceInfo", "/ISAPI/System/Network/EZVIZ", "/SDK/activateStatus", "/doc/page/login.asp",
};
static const char web_server[] = "Server: App-webs/";
static const char sadp_group[] = "239.255.255.250";
static const int sadp_port = 37020;
static const char security_module[] = "/home/app/modules/digicapkeyArm.ko";
static const char cert_path[] = "/home/app/ssl/servercert.pem";
static const char key_path[] = "/home/app/ssl/serverkey.pem";

int main(void)
{
    unsigned i;
    HI_MPI_SYS_Init();
    HI_MPI_ISP_Init(0);
    HI_MPI_VENC_CreateChn(0, web_server);
    printf("insmod %s\nTLS %s %s\n", security_module, cert_path, key_path);
    for (i = 0; i < sizeof platform_hosts / sizeof *platform_hosts; i++)
        printf("platform access server %s\n", platform_hosts[i]);
    for (i = 0; i < sizeof isapi_paths / sizeof *isapi_paths; i++)
        printf("route %s\n", isapi_paths[i]);
    printf("%s\n%s\nSADP %s:%d\n", open_api, ezviz_response, sadp_group, sadp_port);
    return 0;
}
