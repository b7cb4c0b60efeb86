/* test-host: runs build-host/enrollee-host against a scripted radio hub (a
 * UDP socket on 127.0.0.1) that also plays the configurator (the test
 * configurator of test_peer.c): the channel plan (JOIN per channel, an
 * announcement on each), a whole provisioning on the channel where the
 * configurator listens, the move to the AP's channel before the Connection
 * Status Result, a wrong passphrase reported as such, a pinned device
 * ignoring another configurator, and LEAVE on exit.
 * Waits are generous deadlines for events, never measured durations.
 * usage: test-host PATH/TO/enrollee-host */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dpp_crypto.h"
#include "dpp_frame.h"
#include "espnow_binding.h"
#include "hub.h"
#include "proc.h"
#include "test_peer.h"

#define WAIT_MS 10000u
static const uint8_t DEVICE_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0xe0, 0x07};
static const uint8_t CFGR_MAC[6] = {0x02, 0xcf, 0x00, 0x00, 0x00, 0x01};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const char *s_exe;
static char s_dir[64];

/* ---- the hub ---------------------------------------------------------------- */

typedef struct {
    t_hub_t air;
    uint8_t node_channel; /* from its last JOIN */
    bool left;
    uint16_t cfgr_msg_id;
    enow_reasm_t reasm;
} hub_t;

typedef struct {
    uint8_t type, channel;
    uint8_t src[6], dst[6];
    uint8_t body[1600];
    size_t len;
} dgram_t;

static bool hub_open(hub_t *h)
{
    memset(h, 0, sizeof(*h));
    enow_reasm_init(&h->reasm, ENOW_V2_PAYLOAD);
    return t_hub_open(&h->air);
}

/* The next datagram from the node (JOINs and LEAVEs are noted and returned too). */
static bool hub_recv(hub_t *h, dgram_t *d, uint32_t wait_ms)
{
    uint8_t buf[SR_HDR + 1600];
    sr_dgram_t g;
    if (!t_hub_recv(&h->air, buf, sizeof(buf), &g, wait_ms)) return false;
    d->type = g.type;
    memcpy(d->src, g.src, 6);
    memcpy(d->dst, g.dst, 6);
    d->channel = g.channel;
    d->len = g.body_len;
    memcpy(d->body, g.body, d->len);
    if (d->type == SR_JOIN) h->node_channel = d->channel;
    else if (d->type == SR_LEAVE) h->left = true;
    return true;
}

/* The next whole DPP message the node sends (fragments reassembled). */
static bool hub_recv_message(hub_t *h, uint8_t *msg, size_t *len, uint8_t dst[6], uint8_t *channel, uint32_t wait_ms)
{
    uint64_t until = t_now_ms() + wait_ms;
    dgram_t d;
    while (t_now_ms() < until) {
        if (!hub_recv(h, &d, (uint32_t)(until - t_now_ms()))) return false;
        if (d.type != SR_FRAME) continue;
        uint8_t *m;
        size_t ml;
        if (enow_reasm_push(&h->reasm, d.src, d.body, d.len, (uint32_t)t_now_ms(), &m, &ml) == 0 && m != NULL) {
            memcpy(msg, m, ml);
            *len = ml;
            memcpy(dst, d.dst, 6);
            *channel = d.channel;
            return true;
        }
    }
    return false;
}

/* Send a configurator message to the node, fragmented, on its channel. */
static void hub_send(hub_t *h, const uint8_t *msg, size_t len)
{
    uint8_t payload[ENOW_V1_PAYLOAD];
    size_t count = enow_fragment_count(len, ENOW_V1_PAYLOAD);
    uint16_t id = h->cfgr_msg_id++;
    for (size_t i = 0; i < count; i++) {
        size_t n = enow_fragment_payload(msg, len, id, ENOW_V1_PAYLOAD, i, payload);
        t_hub_send(&h->air, SR_FRAME, CFGR_MAC, DEVICE_MAC, h->node_channel, -50, 0, payload, n);
    }
}

/* An announcement from the node on this channel. */
static bool wait_announcement(hub_t *h, uint8_t channel)
{
    uint8_t msg[512], dst[6], ch;
    size_t len;
    uint64_t until = t_now_ms() + WAIT_MS;
    while (t_now_ms() < until) {
        if (!hub_recv_message(h, msg, &len, dst, &ch, (uint32_t)(until - t_now_ms()))) return false;
        if (ch == channel && memcmp(dst, BCAST, 6) == 0 && len > 7 && msg[6] == DPP_FT_PRESENCE_ANNOUNCEMENT)
            return true;
    }
    return false;
}

/* ---- the device process ----------------------------------------------------- */

typedef struct {
    pid_t pid;
    char out[256];
} proc_t;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static bool spawn(proc_t *p, const hub_t *h, const char *ap_pass, const char *pin)
{
    char port[16], key[128], pass[128], ap[192];
    snprintf(port, sizeof(port), "%u", h->air.port);
    snprintf(key, sizeof(key), "%s/key", s_dir);
    snprintf(pass, sizeof(pass), "%s/pass", s_dir);
    snprintf(p->out, sizeof(p->out), "%s/out", s_dir);
    write_file(pass, ap_pass);
    snprintf(ap, sizeof(ap), "lab:ap:%s:11", pass); /* an SSID with a ':' in it */
    const char *argv[32];
    int n = 0;
    argv[n++] = s_exe;
    argv[n++] = "--key";
    argv[n++] = key;
    argv[n++] = "--serial";
    argv[n++] = "SN-7";
    argv[n++] = "--channels";
    argv[n++] = "3,6";
    argv[n++] = "--ap";
    argv[n++] = ap;
    argv[n++] = "--radio-port";
    argv[n++] = port;
    argv[n++] = "--mac";
    argv[n++] = "02:00:00:00:e0:07";
    argv[n++] = "--listen-ms";
    argv[n++] = "100";
    argv[n++] = "--join-ms";
    argv[n++] = "0";
    argv[n++] = "--exit-when-done";
    if (pin != NULL) {
        argv[n++] = "--pin-configurator";
        argv[n++] = pin;
    }
    argv[n] = NULL;
    int fd = open(p->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    p->pid = t_spawn(s_exe, (char *const *)argv, fd);
    close(fd);
    return p->pid > 0;
}

/* Wait for the process to exit (after SIGTERM if kill_it); its exit status. */
static int finish(proc_t *p, bool kill_it)
{
    return t_reap(p->pid, kill_it, WAIT_MS);
}

static bool output_has(const proc_t *p, const char *line_prefix)
{
    FILE *f = fopen(p->out, "r");
    char line[8192];
    bool found = false;
    while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL) {
        found = strncmp(line, line_prefix, strlen(line_prefix)) == 0;
    }
    if (f != NULL) fclose(f);
    return found;
}

/* ---- cases ------------------------------------------------------------------ */

static uint8_t s_device_priv[32], s_cfgr_priv[32];

static void make_keys(void)
{
    uint8_t pub[64];
    char key[128], hex[65];
    dpp_p256_keygen(s_device_priv, pub);
    dpp_p256_keygen(s_cfgr_priv, pub);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", s_device_priv[i]);
    snprintf(key, sizeof(key), "%s/key", s_dir);
    write_file(key, hex);
}

/* Provision the device through the hub; the Connection Status JSON it reports, and the channel of that frame. */
static bool provision(hub_t *h, char *conn_status, size_t cap, uint8_t *status_channel)
{
    static test_cfgr_t c;
    test_cfgr_init(&c, s_cfgr_priv, s_device_priv, NULL, NULL);
    uint8_t msg[4096], dst[6], ch, e_nonce[16], dialog, result = 0xff;
    size_t len;
    char attrib[512];
    size_t n = test_build_auth_request(&c, msg, sizeof(msg));
    hub_send(h, msg, n);
    do {
        if (!hub_recv_message(h, msg, &len, dst, &ch, WAIT_MS)) return false;
    } while (memcmp(dst, CFGR_MAC, 6) != 0); /* announcements still in flight */
    CHECK(test_process_auth_response(&c, msg, len) == 0);
    n = test_build_auth_confirm(&c, 0, msg, sizeof(msg));
    hub_send(h, msg, n);
    if (!hub_recv_message(h, msg, &len, dst, &ch, WAIT_MS)) return false;
    CHECK(test_parse_config_request(&c, msg, len, e_nonce, &dialog, attrib, sizeof(attrib)) == 0);
    CHECK(strstr(attrib, "\"serial\":\"SN-7\"") != NULL);
    n = test_build_config_response(&c, e_nonce, dialog, 0,
                                   "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"lab:ap\"},\"cred\":{\"akm\":\"psk\","
                                   "\"pass\":\"lab passphrase\"},\"lwm2m_bundle\":\"gaIAZi8wLzEvMAN4\"}",
                                   true, msg, sizeof(msg));
    hub_send(h, msg, n);
    if (!hub_recv_message(h, msg, &len, dst, &ch, WAIT_MS)) return false;
    CHECK(test_parse_config_result(&c, e_nonce, msg, len, &result) == 0 && result == 0);
    if (!hub_recv_message(h, msg, &len, dst, &ch, WAIT_MS)) return false;
    *status_channel = ch;
    return test_parse_conn_status(&c, e_nonce, msg, len, conn_status, cap) == 0;
}

static void provisioned_then_moves_to_the_ap_channel(void)
{
    hub_t h;
    proc_t p;
    CHECK(hub_open(&h));
    make_keys();
    CHECK(spawn(&p, &h, "lab passphrase\n", NULL));
    /* the plan: channel 3, then 6, where the configurator listens */
    CHECK(wait_announcement(&h, 3));
    CHECK(wait_announcement(&h, 6));
    CHECK(h.node_channel == 6);
    char json[256];
    uint8_t ch = 0;
    CHECK(provision(&h, json, sizeof(json), &ch));
    /* joined: the radio followed the AP to channel 11, so the Result went out there */
    CHECK(ch == 11 && h.node_channel == 11);
    CHECK(strcmp(json, "{\"result\":0,\"ssid64\":\"bGFiOmFw\"}") == 0);
    CHECK(finish(&p, false) == 0);
    dgram_t d;
    while (!h.left && hub_recv(&h, &d, WAIT_MS)) {
    }
    CHECK(h.left);
    CHECK(output_has(&p, "URI DPP:C:81/3,81/6;K:"));
    CHECK(output_has(&p, "CREDENTIALS 6c61623a6170 psk 6c61622070617373706872617365"));
    CHECK(output_has(&p, "BUNDLE 81a200662f302f312f300378"));
    CHECK(output_has(&p, "WIFI 0 11"));
    CHECK(output_has(&p, "STATE done 0"));
    close(h.air.fd);
    t_end("host: announces on its plan, is provisioned on 6, joins the AP and reports from channel 11");
}

static void wrong_passphrase_is_reported(void)
{
    hub_t h;
    proc_t p;
    CHECK(hub_open(&h));
    CHECK(spawn(&p, &h, "another passphrase\n", NULL)); /* the key file from the first case is kept */
    CHECK(wait_announcement(&h, 6));
    char json[256];
    uint8_t ch = 0;
    CHECK(provision(&h, json, sizeof(json), &ch));
    CHECK(ch == 6); /* not joined: still on the configurator's channel */
    CHECK(strcmp(json, "{\"result\":2,\"ssid64\":\"bGFiOmFw\"}") == 0); /* AUTH_FAILURE */
    CHECK(finish(&p, false) == 0);
    CHECK(output_has(&p, "WIFI 2 6"));
    close(h.air.fd);
    t_end("host: a passphrase the AP refuses is reported as AUTH_FAILURE from the same channel");
}

/* A device without a key file makes one (mode 0600) and keeps it across restarts. */
static void key_made_on_first_start_and_kept(void)
{
    char key[128], uri1[512] = "", uri2[512] = "";
    snprintf(key, sizeof(key), "%s/key", s_dir);
    CHECK(unlink(key) == 0);
    for (int run = 0; run < 2; run++) {
        hub_t h;
        proc_t p;
        CHECK(hub_open(&h));
        CHECK(spawn(&p, &h, "lab passphrase\n", NULL));
        CHECK(wait_announcement(&h, 3));
        CHECK(finish(&p, true) == 0);
        FILE *f = fopen(p.out, "r");
        char *uri = run == 0 ? uri1 : uri2;
        if (f != NULL) {
            if (fgets(uri, 512, f) == NULL) uri[0] = '\0';
            fclose(f);
        }
        close(h.air.fd);
    }
    struct stat st;
    CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(strncmp(uri1, "URI DPP:", 8) == 0 && strcmp(uri1, uri2) == 0);
    t_end("host: a missing key file is made (0600) on first start and the same key used after");
}

static void pinned_device_ignores_another_configurator(void)
{
    hub_t h;
    proc_t p;
    CHECK(hub_open(&h));
    /* pin a configurator whose key is not the test configurator's */
    uint8_t other[32], pub[64];
    dpp_p256_keygen(other, pub);
    dpp_own_key_t k;
    dpp_own_key_init(&k, other);
    char uri[DPP_URI_MAX_LEN];
    CHECK(dpp_uri_format(&k, NULL, 0, uri, sizeof(uri)) != (size_t)-1);
    CHECK(spawn(&p, &h, "lab passphrase\n", uri));
    CHECK(wait_announcement(&h, 6));
    static test_cfgr_t c;
    test_cfgr_init(&c, s_cfgr_priv, s_device_priv, NULL, NULL);
    c.name_own_key = true;
    uint8_t msg[1024];
    size_t n = test_build_auth_request(&c, msg, sizeof(msg));
    hub_send(&h, msg, n);
    /* it answers nothing and keeps announcing: three more announcements, no unicast */
    int announcements = 0;
    bool unicast = false;
    uint8_t dst[6], ch;
    size_t len;
    while (announcements < 3 && hub_recv_message(&h, msg, &len, dst, &ch, WAIT_MS)) {
        if (memcmp(dst, BCAST, 6) == 0) announcements++;
        else unicast = true;
    }
    CHECK(announcements == 3 && !unicast);
    CHECK(finish(&p, true) == 0); /* SIGTERM: a clean exit */
    CHECK(!output_has(&p, "STATE awaitAuthConfirm"));
    close(h.air.fd);
    t_end("host: a device pinning another configurator answers nothing and keeps announcing");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test-host PATH/TO/enrollee-host\n");
        return 2;
    }
    s_exe = argv[1];
    snprintf(s_dir, sizeof(s_dir), "/tmp/enrollee-host-test.XXXXXX");
    if (mkdtemp(s_dir) == NULL || dpp_crypto_init() != 0) return 1;
    signal(SIGPIPE, SIG_IGN);
    provisioned_then_moves_to_the_ap_channel();
    wrong_passphrase_is_reported();
    pinned_device_ignores_another_configurator();
    key_made_on_first_start_and_kept();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", s_dir);
    (void)!system(cmd);
    return t_summary();
}
