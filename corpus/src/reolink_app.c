/* Camera application of a Reolink camera on Novatek, with the Baichuan UDP P2P relay host list
 * (thirtythreeforty/neolink P2P_RELAY_HOSTNAMES, domain/endpoints.md 1.7). */
#include <stdio.h>

int hd_common_init(unsigned sys_config);
int hd_videocap_init(void);
int hd_videoenc_init(void);
int hd_videoenc_open(unsigned in_id, unsigned out_id, unsigned *path);
int vendor_isp_init(void);

static const char *const relay_hosts[] = {
    "p2p.reolink.com",  "p2p1.reolink.com", "p2p2.reolink.com", "p2p3.reolink.com",
    "p2p6.reolink.com", "p2p7.reolink.com", "p2p8.reolink.com", "p2p9.reolink.com",
    "p2p14.reolink.com", "p2p15.reolink.com",
};
static const char *const cloud_hosts[] = { "pushx.reolink.com", "devices-apis.reolink.com", "apis.reolink.com" };
static const char c2m_query[] = "<P2P><C2M_Q><uid>%s</uid><p>MAC</p></C2M_Q></P2P>";
static const int baichuan_port = 9000;

int main(int argc, char **argv)
{
    unsigned i, path;
    hd_common_init(0);
    vendor_isp_init();
    hd_videocap_init();
    hd_videoenc_init();
    hd_videoenc_open(0, 0, &path);
    for (i = 0; i < sizeof relay_hosts / sizeof *relay_hosts; i++)
        printf("relay %s:9999\n", relay_hosts[i]);
    for (i = 0; i < sizeof cloud_hosts / sizeof *cloud_hosts; i++)
        printf("https://%s/\n", cloud_hosts[i]);
    printf(c2m_query, argc > 1 ? argv[1] : "95270000ABCDEFGH");
    printf("\nbaichuan tcp %d\n", baichuan_port);
    return 0;
}
