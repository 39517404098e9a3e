/* The domestic vendor's own camera daemon: ONVIF, RTSP and a web server, written against open
 * standards. It is full of references that look like endpoints but are not: XML namespaces, W3C,
 * SOAP and ONVIF schema URLs, licence URLs, library names, version and OID strings, private,
 * loopback, multicast and documentation addresses, and example domains. None is a server it contacts. */
#include <stdio.h>
#include <string.h>

static const char *const namespaces[] = {
    "http://www.w3.org/2003/05/soap-envelope",
    "http://www.w3.org/2001/XMLSchema",
    "http://www.w3.org/2001/XMLSchema-instance",
    "http://www.w3.org/2005/08/addressing",
    "http://schemas.xmlsoap.org/ws/2005/04/discovery",
    "http://docs.oasis-open.org/wsn/b-2",
    "http://www.onvif.org/ver10/schema",
    "http://www.onvif.org/ver10/device/wsdl",
    "http://www.onvif.org/ver20/media/wsdl",
    "http://www.onvif.org/ver10/network/wsdl",
};
static const char *const scopes[] = {
    "onvif://www.onvif.org/type/video_encoder",
    "onvif://www.onvif.org/Profile/Streaming",
    "onvif://www.onvif.org/name/MUSTERCAM_MC-2040",
    "onvif://www.onvif.org/hardware/MC-2040",
};
static const char *const libraries[] = { "libc.so.6", "libssl.so.3", "libcrypto.so.3", "libz.so.1", "ld-linux-armhf.so.3" };
static const char *const versions[] = {
    "MUSTERCAM firmware 2.4.1.0", "OpenSSL 3.0.11 19 Sep 2023", "live555 2023.11.08", "lighttpd/1.4.69",
    "OID 1.3.6.1.4.1.99999.1.2", "sha256WithRSAEncryption 1.2.840.113549.1.1.11",
};
static const char *const addresses[] = {
    "0.0.0.0", "127.0.0.1", "192.168.1.108", "10.0.0.1", "172.16.0.1", "255.255.255.0",
    "169.254.1.1", "239.255.255.250:3702", "192.0.2.10", "198.51.100.7", "203.0.113.5", "::1",
};
static const char *const docs[] = {
    "https://www.gnu.org/licenses/gpl-2.0.html", "http://www.apache.org/licenses/LICENSE-2.0",
    "rtsp://192.168.1.108:554/stream1", "http://camera.example.com/onvif/device_service",
    "support@example.com", "localhost", "ntp.example.org",
};
static const char manufacturer[] = "Muster Sicherheit GmbH";
static const char model[] = "MC-2040";

int main(int argc, char **argv)
{
    unsigned i;
    printf("GetDeviceInformation: %s %s\n", manufacturer, model);
    for (i = 0; i < sizeof namespaces / sizeof *namespaces; i++)
        printf("xmlns:ns%u=\"%s\"\n", i, namespaces[i]);
    for (i = 0; i < sizeof scopes / sizeof *scopes; i++)
        printf("scope %s\n", scopes[i]);
    for (i = 0; i < sizeof libraries / sizeof *libraries; i++)
        printf("dlopen %s\n", libraries[i]);
    for (i = 0; i < sizeof versions / sizeof *versions; i++)
        printf("%s\n", versions[i]);
    for (i = 0; i < sizeof addresses / sizeof *addresses; i++)
        printf("addr %s\n", addresses[i]);
    for (i = 0; i < sizeof docs / sizeof *docs; i++)
        printf("see %s\n", docs[i]);
    return argc > 1 && strcmp(argv[1], "-v") == 0;
}
