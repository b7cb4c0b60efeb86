/* enrollee-host: the enrollee core on a POSIX host, as a device on the
 * simulated ESP-NOW air of docs/simulated-radio.md (a UDP client of the
 * radio hub on 127.0.0.1). Nothing but 127.0.0.1 is ever addressed.
 *
 * It announces itself on its channel plan, is provisioned by whatever
 * configurator answers (or only the pinned one), "joins" the simulated
 * access point given by --ap (the SSID and passphrase must match; joining
 * moves the radio to the AP's channel, as a real device's radio does),
 * and reports the result in its Connection Status Result.
 *
 * stdout, one line per event (for tests and logs):
 *   URI <its DPP URI>            first line
 *   STATE <state> <code>
 *   CHANNEL <n>
 *   CREDENTIALS <ssid hex> <akm> <passphrase or psk hex, hex>
 *   BUNDLE <lwm2m bundle hex>
 *   WIFI <dpp status> <channel>
 *   IGNORED <code> <name>
 * One thread, one poll() loop; SIGTERM/SIGINT send LEAVE and exit. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dpp_crypto.h"
#include "dpp_err.h"
#include "enrollee.h"
#include "host_cli.h"
#include "sim_radio.h"

#define DEFAULT_RADIO_PORT 47474
#define NO_DEADLINE UINT64_MAX

typedef struct {
    /* options */
    uint16_t radio_port;
    bool v2;
    bool verbose;
    bool exit_when_done;
    const char *ap_ssid;
    char ap_pass[130];
    uint8_t ap_channel;
    uint32_t join_ms;
    /* radio: our MAC, channel and JOIN flags are the node's */
    sr_node_t node;
    uint16_t seq;
    /* timers of the core, and the simulated Wi-Fi join */
    uint64_t deadline[3];
    uint64_t wifi_at;
    uint8_t wifi_status;
    bool done;
    uint64_t t0_us;
} host_t;

static host_t H;
static enrollee_t E;

static uint64_t now_ms(void) { return (cli_mono_us() - H.t0_us) / 1000u; }

static void print_hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

/* ---- radio: a node of the simulated air ------------------------------------------- */

static void set_channel(uint8_t ch)
{
    if (ch == H.node.channel) return;
    H.node.channel = ch;
    sr_node_join(&H.node, now_ms()); /* the hub routes by the channel a node joined on */
    printf("CHANNEL %u\n", ch);
}

/* ---- effects ---------------------------------------------------------------------- */

/* The simulated AP accepts its own SSID and passphrase (or the PSK of it, not modelled). */
static uint8_t try_join(const dpp_config_obj_t *c)
{
    size_t n = strlen(H.ap_ssid);
    if (c->ssid_len != n || memcmp(c->ssid, H.ap_ssid, n) != 0) return DPP_STATUS_NO_AP;
    if (!c->has_pass || strcmp(c->pass, H.ap_pass) != 0) return DPP_STATUS_AUTH_FAILURE;
    return DPP_STATUS_OK;
}

static void apply(const enr_effects_t *fx)
{
    static const char *akm[] = {"psk", "sae", "psk+sae"};
    uint64_t now = now_ms();
    for (size_t i = 0; i < fx->n; i++) {
        const enr_fx_t *f = &fx->fx[i];
        switch (f->type) {
        case ENR_FX_SET_CHANNEL:
            set_channel(f->channel);
            break;
        case ENR_FX_START_TIMER:
            H.deadline[f->timer] = now + f->ms;
            break;
        case ENR_FX_STOP_TIMER:
            H.deadline[f->timer] = NO_DEADLINE;
            break;
        case ENR_FX_STATE:
            printf("STATE %s %d\n", enrollee_state_name(f->state), f->reason);
            if (f->state == ENR_DONE) H.done = true;
            break;
        case ENR_FX_IGNORED:
            if (H.verbose) printf("IGNORED %d %s\n", f->reason, dpp_err_name((dpp_err_t)f->reason));
            break;
        case ENR_FX_SEND: {
            static uint8_t d[SR_HDR + ENOW_V2_PAYLOAD];
            size_t n;
            for (size_t k = 0; (n = enrollee_fx_payload(f, k, d + SR_HDR)) > 0; k++) {
                (void)sr_node_send(&H.node, d, SR_FRAME, f->dst, ++H.seq, n);
            }
            break;
        }
        case ENR_FX_CREDENTIALS: {
            const dpp_config_obj_t *c = f->config;
            printf("CREDENTIALS ");
            print_hex(c->ssid, c->ssid_len);
            printf(" %s ", akm[c->akm]);
            if (c->has_pass) print_hex((const uint8_t *)c->pass, c->pass_len);
            else printf("%s", c->psk_hex);
            printf("\n");
            if (c->lwm2m_bundle != NULL) {
                printf("BUNDLE ");
                print_hex(c->lwm2m_bundle, c->lwm2m_bundle_len);
                printf("\n");
            }
            /* joining takes a while; the verdict comes back as an input */
            H.wifi_status = H.ap_ssid != NULL ? try_join(c) : DPP_STATUS_NO_AP;
            H.wifi_at = now + H.join_ms;
            break;
        }
        }
    }
    fflush(stdout);
}

static void radio_receive(void)
{
    static uint8_t buf[SR_HDR + 2048];
    sr_dgram_t d;
    for (int budget = 0; budget < 256 && sr_node_recv(&H.node, buf, sizeof(buf), &d); budget++) {
        if (d.type != SR_FRAME) continue;
        bool bcast = memcmp(d.dst, sr_broadcast, 6) == 0;
        if (!bcast && memcmp(d.dst, H.node.mac, 6) != 0) continue;
        enr_effects_t fx;
        memset(&fx, 0, sizeof(fx));
        enrollee_on_radio(&E, d.src, bcast, (uint8_t *)d.body, d.body_len, (uint32_t)now_ms(), &fx);
        apply(&fx);
    }
}

static void run_due(void)
{
    uint64_t now = now_ms();
    for (int t = 0; t < 3; t++) {
        if (H.deadline[t] != NO_DEADLINE && now >= H.deadline[t]) {
            H.deadline[t] = NO_DEADLINE;
            enr_effects_t fx;
            memset(&fx, 0, sizeof(fx));
            enrollee_on_timer(&E, (enr_timer_t)t, &fx);
            apply(&fx);
        }
    }
    if (H.wifi_at != NO_DEADLINE && now >= H.wifi_at) {
        H.wifi_at = NO_DEADLINE;
        /* a joined station is on the AP's channel: so is its ESP-NOW radio */
        if (H.wifi_status == DPP_STATUS_OK) set_channel(H.ap_channel);
        printf("WIFI %u %u\n", H.wifi_status, H.node.channel);
        enr_effects_t fx;
        memset(&fx, 0, sizeof(fx));
        enrollee_on_wifi(&E, H.wifi_status, &fx);
        apply(&fx);
    }
}

/* ---- options ---------------------------------------------------------------------- */

/* Read a file's first line, without its newline. */
static bool read_line(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return false;
    bool ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    if (ok) out[strcspn(out, "\r\n")] = '\0';
    return ok;
}

static int hexval(char c)
{
    return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* The bootstrapping key: 64 hex digits in FILE; made (mode 0600) on first start, as a device
 * makes its key on first boot and keeps it. */
static bool load_or_make_key(const char *path, uint8_t priv[32])
{
    char text[80];
    if (read_line(path, text, sizeof(text))) {
        if (strlen(text) != 64) return false;
        for (int i = 0; i < 32; i++) {
            int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);
            if (hi < 0 || lo < 0) return false;
            priv[i] = (uint8_t)(hi * 16 + lo);
        }
        return true;
    }
    uint8_t pub[64];
    if (errno != ENOENT || dpp_p256_keygen(priv, pub) != 0) return false;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return false;
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return false;
    }
    for (int i = 0; i < 32; i++) fprintf(f, "%02x", priv[i]);
    fprintf(f, "\n");
    return fclose(f) == 0;
}

/* SSID:PASS_FILE:CHANNEL, split from the right (an SSID may hold ':'). */
static bool parse_ap(char *spec)
{
    char *c = strrchr(spec, ':');
    if (c == NULL) return false;
    *c = '\0';
    char *p = strrchr(spec, ':');
    if (p == NULL) return false;
    *p = '\0';
    unsigned long ch;
    if (!cli_parse_ulong(c + 1, 1, 14, &ch) || !read_line(p + 1, H.ap_pass, sizeof(H.ap_pass))) return false;
    H.ap_ssid = spec;
    H.ap_channel = (uint8_t)ch;
    return spec[0] != '\0';
}

static bool parse_channels(char *list, uint8_t *out, size_t *n)
{
    *n = 0;
    for (char *t = strtok(list, ","); t != NULL; t = strtok(NULL, ",")) {
        unsigned long ch;
        if (*n == CHANNEL_PLAN_MAX || !cli_parse_ulong(t, 1, 14, &ch)) return false;
        out[(*n)++] = (uint8_t)ch;
    }
    return *n > 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: enrollee-host --key FILE --serial S [--channels LIST] [--ap SSID:PASS_FILE:CHANNEL]\n"
            "                     [--pin-configurator URI] [--mac AA:BB:CC:DD:EE:FF] [--radio-port PORT]\n"
            "                     [--model M] [--listen-ms MS] [--join-ms MS] [--v2] [--exit-when-done]\n"
            "                     [--verbose]\n"
            "FILE holds the bootstrapping private key as 64 hex digits; it is made if missing.\n"
            "LIST: channels 1-14, e.g. 1,6,11 (default 1-13). The radio hub is 127.0.0.1:PORT (default %d).\n",
            DEFAULT_RADIO_PORT);
}

int main(int argc, char **argv)
{
    static const uint8_t default_mac[6] = {0x02, 0x00, 0x00, 0x00, 0xe0, 0x01};
    static dpp_uri_t pin;
    static uint8_t channels[CHANNEL_PLAN_MAX];
    enr_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(H.node.mac, default_mac, 6);
    H.radio_port = DEFAULT_RADIO_PORT;
    H.join_ms = 100;
    const char *key_path = NULL, *serial = NULL, *model = "enrollee-host";
    cfg.info.name = "enrollee";
    cfg.info.manufacturer = "dpp-configurator";
    cfg.info.firmware = "enrollee-host 0.1.0";
    if (dpp_crypto_init() != 0) {
        fprintf(stderr, "enrollee-host: crypto backend unavailable\n");
        return 1;
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        unsigned long n = 0;
        bool takes = v != NULL;
        if (strcmp(a, "--key") == 0 && takes) {
            key_path = v;
        } else if (strcmp(a, "--serial") == 0 && takes) {
            serial = v;
        } else if (strcmp(a, "--model") == 0 && takes) {
            model = v;
        } else if (strcmp(a, "--channels") == 0 && takes) {
            if (!parse_channels(v, channels, &cfg.n_channels)) {
                fprintf(stderr, "enrollee-host: --channels wants a list of 1..14, e.g. 1,6,11\n");
                return 2;
            }
            cfg.channels = channels;
        } else if (strcmp(a, "--ap") == 0 && takes) {
            if (!parse_ap(v)) {
                fprintf(stderr, "enrollee-host: --ap wants SSID:PASS_FILE:CHANNEL with a readable PASS_FILE\n");
                return 2;
            }
        } else if (strcmp(a, "--pin-configurator") == 0 && takes) {
            int rc = dpp_uri_parse(v, strlen(v), &pin);
            if (rc != 0) {
                fprintf(stderr, "enrollee-host: --pin-configurator: E%d %s\n", rc, dpp_err_name((dpp_err_t)rc));
                return 2;
            }
            cfg.pinned_configurator = &pin;
        } else if (strcmp(a, "--mac") == 0 && takes) {
            if (!cli_parse_mac(v, H.node.mac)) {
                fprintf(stderr, "enrollee-host: --mac wants AA:BB:CC:DD:EE:FF\n");
                return 2;
            }
        } else if (strcmp(a, "--radio-port") == 0 && takes) {
            if (!cli_parse_ulong(v, 1, 65535, &n)) {
                fprintf(stderr, "enrollee-host: --radio-port wants 1..65535\n");
                return 2;
            }
            H.radio_port = (uint16_t)n;
        } else if (strcmp(a, "--listen-ms") == 0 && takes) {
            if (!cli_parse_ulong(v, 10, 600000, &n)) {
                fprintf(stderr, "enrollee-host: --listen-ms wants 10..600000\n");
                return 2;
            }
            cfg.listen_ms = (uint32_t)n;
        } else if (strcmp(a, "--join-ms") == 0 && takes) {
            if (!cli_parse_ulong(v, 0, 600000, &n)) {
                fprintf(stderr, "enrollee-host: --join-ms wants 0..600000\n");
                return 2;
            }
            H.join_ms = (uint32_t)n;
        } else if (strcmp(a, "--v2") == 0) {
            H.v2 = true;
            continue;
        } else if (strcmp(a, "--exit-when-done") == 0) {
            H.exit_when_done = true;
            continue;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            H.verbose = true;
            continue;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "enrollee-host: unknown or incomplete option %s\n", a);
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (key_path == NULL || serial == NULL) {
        usage(stderr);
        return 2;
    }
    if (!load_or_make_key(key_path, cfg.bootstrap_priv)) {
        fprintf(stderr, "enrollee-host: --key %s: not 64 hex digits, and cannot be made\n", key_path);
        return 2;
    }
    cfg.info.serial = serial;
    cfg.info.model = model;
    cfg.v1_only = !H.v2;
    int rc = enrollee_init(&E, &cfg);
    dpp_wipe(cfg.bootstrap_priv, sizeof(cfg.bootstrap_priv));
    if (rc != 0) {
        fprintf(stderr, "enrollee-host: E%d %s\n", rc, dpp_err_name((dpp_err_t)rc));
        return 2;
    }

    H.t0_us = cli_mono_us();
    for (int t = 0; t < 3; t++) H.deadline[t] = NO_DEADLINE;
    H.wifi_at = NO_DEADLINE;
    int stop_fd = cli_stop_signals();
    if (stop_fd < 0) {
        perror("enrollee-host: pipe");
        return 1;
    }
    /* radio: 127.0.0.1 only; a device needs no broadcasts */
    H.node.join_flags = (uint8_t)((H.v2 ? SR_JOIN_V2 : 0u) | SR_JOIN_NO_BROADCASTS);
    if (!sr_node_open(&H.node, H.radio_port)) {
        perror("enrollee-host: udp 127.0.0.1");
        return 1;
    }

    char uri[DPP_URI_MAX_LEN];
    if (dpp_uri_format(&E.own, E.plan.ch, cfg.channels != NULL ? E.plan.n : 0, uri, sizeof(uri)) == (size_t)-1) {
        return 1;
    }
    printf("URI %s\n", uri);
    H.node.channel = channel_plan_current(&E.plan);
    sr_node_join(&H.node, now_ms());
    printf("CHANNEL %u\n", H.node.channel);
    enr_effects_t fx;
    memset(&fx, 0, sizeof(fx));
    enrollee_start(&E, &fx);
    apply(&fx);

    bool stop = false;
    while (!stop && !(H.exit_when_done && H.done)) {
        run_due();
        uint64_t now = now_ms();
        if (now >= H.node.next_join_ms) sr_node_join(&H.node, now); /* the hub answers nothing: repeat */
        uint64_t next = H.node.next_join_ms;
        for (int t = 0; t < 3; t++) next = H.deadline[t] < next ? H.deadline[t] : next;
        next = H.wifi_at < next ? H.wifi_at : next;
        int timeout = next > now ? (int)(next - now) : 0;
        struct pollfd fds[2] = {{.fd = stop_fd, .events = POLLIN}, {.fd = H.node.fd, .events = POLLIN}};
        int prc = poll(fds, 2, timeout);
        if (prc < 0 && errno != EINTR) {
            perror("enrollee-host: poll");
            break;
        }
        if (prc > 0 && (fds[0].revents & POLLIN) != 0) stop = true;
        if (prc > 0 && (fds[1].revents & (POLLIN | POLLERR)) != 0) radio_receive();
    }
    sr_node_leave(&H.node);
    close(H.node.fd);
    return 0;
}
