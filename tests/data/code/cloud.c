/* A small camera-like program for the disassembly tests: a function that uses a host name
 * directly, one that reaches host names through a table of pointers, and calls of imported functions. */
#include <stdio.h>
#include <string.h>

static const char *const relay_hosts[] = {"relay1.vendor-cloud.cn", "relay2.vendor-cloud.cn", "relay3.vendor-cloud.cn"};

__attribute__((noinline)) int report_home(int port)
{
    return printf("https://api.vendor-cloud.cn:%d/report\n", port);
}

__attribute__((noinline)) int start_relays(unsigned n)
{
    int sum = 0;
    for (unsigned i = 0; i < 3 && i < n; i++)
        sum += (int)strlen(relay_hosts[i]);
    return sum;
}

int main(int argc, char **argv)
{
    (void)argv;
    return report_home(443) + start_relays((unsigned)argc);
}
