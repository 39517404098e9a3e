/* Stand-in for sonia, the main application of Dahua cameras, with its Easy4IP P2P (PTCP) client.
 * Main server and request paths from khoanguyen-3fc/dh-p2p (domain/endpoints.md 1.2). */
#include <stdio.h>

int HI_MPI_SYS_Init(void);
int HI_MPI_VENC_CreateChn(int chn, const void *attr);
int HI_MPI_ISP_Init(int pipe);

static const char p2p_main_server[] = "www.easy4ipcloud.com";
static const int p2p_main_port = 8800;
static const char *const p2p_requests[] = {
    "/probe/p2psrv", "/online/p2psrv/%s", "/probe/device/%s", "/online/relay",
};
static const char *const cloud_hosts[] = {
    "iotaccess.easy4ipcloud.com:10001",
    "das.easy4ipcloud.com",
    "openapi-fk.easy4ip.com",
};
static const char ptcp_banner[] = "PTCP/1.0 P2PClient %s";
static const int sdk_port = 37777;
static const char magic_box[] = "/cgi-bin/magicBox.cgi?action=getSystemInfo";
static const char plugin[] = "DHWebClientPlugin";

int main(int argc, char **argv)
{
    unsigned i;
    HI_MPI_SYS_Init();
    HI_MPI_ISP_Init(0);
    HI_MPI_VENC_CreateChn(0, plugin);
    printf("%s:%d\n", p2p_main_server, p2p_main_port);
    for (i = 0; i < sizeof p2p_requests / sizeof *p2p_requests; i++)
        printf(p2p_requests[i], argc > 1 ? argv[1] : "6G0A2B3PAZ12345");
    for (i = 0; i < sizeof cloud_hosts / sizeof *cloud_hosts; i++)
        printf("register %s\n", cloud_hosts[i]);
    printf(ptcp_banner, "2.0");
    printf("\nTCP %d\n%s\n", sdk_port, magic_box);
    return 0;
}
