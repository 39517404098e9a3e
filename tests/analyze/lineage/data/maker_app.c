/* A small camera daemon standing in for a maker's application (no vendor code). Two versions of
 * it are built from this one file: version 1, and version 2 (-DVERSION2) which changes a few
 * functions and adds others, as a maker's next firmware release does. See make.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

static const char VENDOR[] = "AcmeVision Technology Co., Ltd";
static const char CLOUD[] = "https://api.acmevision-cloud.example/v1/device";

struct ring { unsigned char data[256]; unsigned head, tail; };
struct config { char key[32][32]; char value[32][64]; int count; };
struct frame { unsigned seq; unsigned ts; unsigned len; unsigned char payload[512]; };

NOINLINE unsigned crc32_update(unsigned crc, const unsigned char *p, unsigned n) {
    crc = ~crc;
    while (n--) { crc ^= *p++; for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1)); }
    return ~crc;
}

NOINLINE int base64_encode(const unsigned char *in, int n, char *out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int o = 0;
    for (int i = 0; i < n; i += 3) {
        unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = t[v >> 18 & 63]; out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < n ? t[v >> 6 & 63] : '='; out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

NOINLINE int base64_decode(const char *in, unsigned char *out) {
    int o = 0, bits = 0; unsigned acc = 0;
    for (; *in && *in != '='; in++) {
        int c = *in, v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 :
                c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
        if (v < 0) return -1;
        acc = acc << 6 | v; bits += 6;
        if (bits >= 8) { bits -= 8; out[o++] = acc >> bits & 0xff; }
    }
    return o;
}

NOINLINE int ring_put(struct ring *r, const unsigned char *p, unsigned n) {
    unsigned i = 0;
    for (; i < n && ((r->head + 1) & 255) != r->tail; i++) { r->data[r->head] = p[i]; r->head = (r->head + 1) & 255; }
    return i;
}

NOINLINE int ring_get(struct ring *r, unsigned char *p, unsigned n) {
    unsigned i = 0;
    for (; i < n && r->tail != r->head; i++) { p[i] = r->data[r->tail]; r->tail = (r->tail + 1) & 255; }
    return i;
}

NOINLINE char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) *--e = 0;
    return s;
}

NOINLINE int config_parse(struct config *c, char *text) {
    c->count = 0;
    for (char *line = strtok(text, "\n"); line && c->count < 32; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        if (!eq || *trim(line) == '#') continue;
        *eq = 0;
        strncpy(c->key[c->count], trim(line), 31);
        strncpy(c->value[c->count], trim(eq + 1), 63);
        c->count++;
    }
    return c->count;
}

NOINLINE const char *config_get(const struct config *c, const char *key, const char *fallback) {
    for (int i = 0; i < c->count; i++)
        if (strcmp(c->key[i], key) == 0) return c->value[i];
    return fallback;
}

NOINLINE int config_int(const struct config *c, const char *key, int fallback) {
    const char *v = config_get(c, key, NULL);
    if (!v) return fallback;
    int sign = 1, n = 0;
    if (*v == '-') { sign = -1; v++; }
    while (*v >= '0' && *v <= '9') n = n * 10 + (*v++ - '0');
    return sign * n;
}

NOINLINE int url_escape(const char *in, char *out, int size) {
    static const char hex[] = "0123456789ABCDEF";
    int o = 0;
    for (; *in && o + 4 < size; in++) {
        unsigned char ch = *in;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-_.~", ch))
            out[o++] = ch;
        else { out[o++] = '%'; out[o++] = hex[ch >> 4]; out[o++] = hex[ch & 15]; }
    }
    out[o] = 0;
    return o;
}

NOINLINE int build_register_url(char *out, int size, const char *uid, int channel) {
    char escaped[128];
    url_escape(uid, escaped, sizeof escaped);
    return snprintf(out, size, "%s/register?uid=%s&ch=%d&vendor=%s", CLOUD, escaped, channel, VENDOR);
}

NOINLINE int frame_pack(struct frame *f, unsigned seq, unsigned ts, const unsigned char *p, unsigned n) {
    if (n > sizeof f->payload) n = sizeof f->payload;
    f->seq = seq; f->ts = ts; f->len = n;
    memcpy(f->payload, p, n);
    return (int)(12 + n);
}

NOINLINE unsigned frame_checksum(const struct frame *f) {
    unsigned sum = f->seq * 31 + f->ts * 17 + f->len;
    for (unsigned i = 0; i < f->len; i++) sum = (sum << 5 | sum >> 27) ^ f->payload[i];
    return sum;
}

NOINLINE int nal_find(const unsigned char *p, int n, int from) {
    for (int i = from; i + 3 < n; i++)
        if (p[i] == 0 && p[i + 1] == 0 && (p[i + 2] == 1 || (p[i + 2] == 0 && p[i + 3] == 1))) return i;
    return -1;
}

NOINLINE int nal_type_count(const unsigned char *p, int n, int counts[32]) {
    int at = nal_find(p, n, 0), total = 0;
    while (at >= 0) {
        int start = at + (p[at + 2] == 1 ? 3 : 4);
        if (start < n) { counts[p[start] & 31]++; total++; }
        at = nal_find(p, n, start);
    }
    return total;
}

NOINLINE int motion_score(const unsigned char *a, const unsigned char *b, int w, int h, int threshold) {
    int changed = 0;
    for (int y = 0; y < h; y += 2)
        for (int x = 0; x < w; x += 2) {
            int d = a[y * w + x] - b[y * w + x];
            if (d < 0) d = -d;
            if (d > threshold) changed++;
        }
    return changed * 400 / (w * h);
}

NOINLINE void ptz_step(int *pan, int *tilt, int dir, int speed) {
    switch (dir) {
    case 0: *tilt += speed; break;
    case 1: *tilt -= speed; break;
    case 2: *pan -= speed; break;
    case 3: *pan += speed; break;
    default: break;
    }
    if (*pan < 0) *pan += 3600;
    if (*pan >= 3600) *pan -= 3600;
    if (*tilt < -450) *tilt = -450;
    if (*tilt > 900) *tilt = 900;
}

NOINLINE int parse_ipv4(const char *s, unsigned char out[4]) {
    for (int i = 0; i < 4; i++) {
        int v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) { v = v * 10 + (*s++ - '0'); digits++; }
        if (!digits || v > 255) return -1;
        out[i] = v;
        if (i < 3 && *s++ != '.') return -1;
    }
    return *s ? -1 : 0;
}

NOINLINE int format_mac(const unsigned char mac[6], char *out) {
    return sprintf(out, "%02X:%02X:%02X:%02X:%02X:%02X", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

NOINLINE unsigned hash_password(const char *user, const char *password) {
    unsigned h = 5381;
    for (const char *p = user; *p; p++) h = h * 33 + *p;
    h ^= 0x5bd1e995;
    for (const char *p = password; *p; p++) h = (h * 33) ^ *p;
    return h;
}

NOINLINE int check_login(const struct config *c, const char *user, const char *password) {
    const char *stored = config_get(c, "admin_hash", "0");
    unsigned want = (unsigned)strtoul(stored, NULL, 16);
    return hash_password(user, password) == want && strcmp(user, config_get(c, "admin_user", "admin")) == 0;
}

NOINLINE int osd_time(char *out, int size, unsigned seconds, int zone_minutes) {
    long t = (long)seconds + zone_minutes * 60L;
    int s = t % 60, m = t / 60 % 60, h = t / 3600 % 24;
    long days = t / 86400;
    return snprintf(out, size, "day %ld %02d:%02d:%02d", days, h, m, s);
}

NOINLINE int schedule_active(const unsigned char week[7][48], int day, int half_hour) {
    if (day < 0 || day > 6 || half_hour < 0 || half_hour > 47) return 0;
    return week[day][half_hour] != 0;
}

#ifdef VERSION2
NOINLINE int ring_peek(const struct ring *r, unsigned offset) {
    unsigned used = (r->head - r->tail) & 255;
    if (offset >= used) return -1;
    return r->data[(r->tail + offset) & 255];
}

NOINLINE int wifi_quality(int rssi) {
    if (rssi >= -50) return 100;
    if (rssi <= -100) return 0;
    return 2 * (rssi + 100);
}

NOINLINE int upgrade_verify(const unsigned char *image, unsigned n, unsigned expected) {
    if (n < 64 || memcmp(image, "ACMEFW", 6) != 0) return -1;
    return crc32_update(0, image + 64, n - 64) == expected ? 0 : -2;
}
#endif

int main(int argc, char **argv) {
    struct config cfg; struct ring ring = {0}; struct frame frame;
    char text[] = "uid = ACME-000123-ABCDE\nchannel=1\nadmin_user=admin\n";
    char url[512], b64[64], mac[32], clock[64];
    unsigned char raw[48], ip[4], macb[6] = {0x00, 0x12, 0x34, 0x56, 0x78, 0x9a};
    int counts[32] = {0}, pan = 0, tilt = 0;
    static unsigned char week[7][48], a[64 * 64], b[64 * 64];
    config_parse(&cfg, text);
    build_register_url(url, sizeof url, config_get(&cfg, "uid", "none"), config_int(&cfg, "channel", 0));
    base64_encode((const unsigned char *)VENDOR, 12, b64);
    base64_decode(b64, raw);
    ring_put(&ring, raw, 12);
    ring_get(&ring, raw, 6);
    frame_pack(&frame, 1, 2, raw, 6);
    parse_ipv4(argc > 1 ? argv[1] : "192.168.1.10", ip);
    format_mac(macb, mac);
    osd_time(clock, sizeof clock, 86399, 480);
    ptz_step(&pan, &tilt, argc & 3, 5);
    printf("%s %u %u %d %d %d %s %s %d %d\n", url, frame_checksum(&frame), crc32_update(0, raw, 6),
           nal_type_count(raw, 6, counts), motion_score(a, b, 64, 64, 10), check_login(&cfg, "admin", "x"),
           mac, clock, schedule_active(week, 1, 2), pan + tilt);
#ifdef VERSION2
    printf("%d %d %d\n", ring_peek(&ring, 0), wifi_quality(-70), upgrade_verify(raw, 6, 0));
#endif
    return 0;
}
