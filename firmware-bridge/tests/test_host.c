/* test-host: runs build-host/bridge-host against a scripted radio hub (a
 * UDP socket on 127.0.0.1) and talks to it over its pty, as the daemon
 * would: boot HELLO, negotiation, RX, TX and TX_STATUS through the hub,
 * SET_CHANNEL (re-JOIN), PING, close and re-open of the port, STATS,
 * --v2, --baud throttling, SIGTERM (LEAVE, link removed, exit 0).
 * usage: test-host PATH/TO/bridge-host */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"
#include "deframer.h"
#include "hub.h"
#include "proc.h"
#include "proto.h"

static const uint8_t BRIDGE_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0xb0, 0x01};
static const uint8_t PEER_MAC[6] = {0x7c, 0xdf, 0xa1, 0x00, 0x00, 0x01};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- the hub ---------------------------------------------------------------- */

/* Wait for a datagram of `type` from the bridge; returns its length (its bytes in d). */
static ssize_t hub_wait(t_hub_t *h, uint8_t type, uint8_t *d, size_t cap, int timeout_ms)
{
    uint64_t deadline = t_now_ms() + (uint64_t)timeout_ms;
    sr_dgram_t g;
    while (t_now_ms() < deadline) {
        if (t_hub_recv(h, d, cap, &g, (uint32_t)(deadline - t_now_ms())) && g.type == type) {
            return (ssize_t)(SR_HDR + g.body_len);
        }
    }
    return -1;
}

/* ---- the bridge process and its pty ----------------------------------------------- */

typedef struct {
    pid_t pid;
    int out; /* its stdout */
    char pty[128];
    int fd; /* our end: the pty slave */
    deframer_t df;
    uint8_t msg[PROTO_FRAME_LIMIT];
    size_t msg_len;
} dut_t;

static bool dut_start(dut_t *u, const char *exe, char *const extra[])
{
    int pfd[2];
    if (pipe(pfd) != 0) return false;
    (void)fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)exe;
    for (int i = 0; extra[i] != NULL && n < 30; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    u->pid = t_spawn(exe, argv, pfd[1]);
    close(pfd[1]);
    u->out = pfd[0];
    /* first line: "PTY /dev/pts/N" */
    char line[160];
    size_t len = 0;
    uint64_t deadline = t_now_ms() + 3000;
    while (len < sizeof(line) - 1 && t_now_ms() < deadline) {
        struct pollfd p = {.fd = u->out, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) continue;
        char c;
        if (read(u->out, &c, 1) != 1) break;
        if (c == '\n') break;
        line[len++] = c;
    }
    line[len] = '\0';
    if (strncmp(line, "PTY /dev/", 9) != 0 || strlen(line + 4) >= sizeof(u->pty)) {
        fprintf(stderr, "  first line was \"%s\"\n", line);
        return false;
    }
    strcpy(u->pty, line + 4);
    u->fd = -1;
    return true;
}

static bool dut_open(dut_t *u)
{
    u->fd = open(u->pty, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (u->fd < 0) return false;
    struct termios t;
    if (tcgetattr(u->fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(u->fd, TCSANOW, &t);
    }
    deframer_init(&u->df, DEFRAMER_ACCEPT_TO_HOST);
    return true;
}

static void dut_close(dut_t *u)
{
    if (u->fd >= 0) close(u->fd);
    u->fd = -1;
}

static bool dut_send(dut_t *u, const proto_msg_t *m)
{
    uint8_t msg[PROTO_FRAME_LIMIT], wire[PROTO_MAX_WIRE + 8];
    size_t len = 0;
    if (proto_encode(m, msg, sizeof(msg), &len) != PROTO_OK) return false;
    size_t n = proto_frame_encode(msg, len, wire, sizeof(wire));
    size_t off = 0;
    uint64_t deadline = t_now_ms() + 2000;
    while (off < n && t_now_ms() < deadline) {
        ssize_t w = write(u->fd, wire + off, n - off);
        if (w > 0) off += (size_t)w;
        else usleep(1000);
    }
    return off == n;
}

/* Next message from the bridge (decoded into *m), within timeout_ms. */
static bool dut_next(dut_t *u, proto_msg_t *m, int timeout_ms)
{
    uint64_t deadline = t_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        uint8_t b;
        ssize_t n = read(u->fd, &b, 1);
        if (n == 1) {
            if (deframer_push(&u->df, b) == DEFRAMER_MESSAGE) {
                memcpy(u->msg, u->df.msg, u->df.msg_len);
                u->msg_len = u->df.msg_len;
                return proto_decode(u->msg, u->msg_len, m) == PROTO_OK;
            }
            continue;
        }
        uint64_t t = t_now_ms();
        if (t >= deadline) return false;
        struct pollfd p = {.fd = u->fd, .events = POLLIN};
        poll(&p, 1, (int)(deadline - t));
    }
}

/* Next message of a given type, skipping others. */
static bool dut_expect(dut_t *u, uint8_t type, proto_msg_t *m, int timeout_ms)
{
    uint64_t deadline = t_now_ms() + (uint64_t)timeout_ms;
    while (t_now_ms() < deadline) {
        if (dut_next(u, m, (int)(deadline - t_now_ms())) && m->type == type) return true;
    }
    fprintf(stderr, "  no %s within %d ms\n", proto_type_name(type), timeout_ms);
    return false;
}

static int dut_stop(dut_t *u)
{
    dut_close(u);
    int code = t_reap(u->pid, true, 3000);
    close(u->out);
    return code;
}

static void host_hello(dut_t *u)
{
    proto_msg_t m = {.type = PROTO_HOST_HELLO};
    m.u.host_hello.max_version = PROTO_VERSION;
    m.u.host_hello.min_version = PROTO_MIN_VERSION;
    dut_send(u, &m);
}

static bool get_stats(dut_t *u, uint32_t c[PROTO_STATS_COUNT])
{
    proto_msg_t m = {.type = PROTO_GET_STATS}, r;
    if (!dut_send(u, &m) || !dut_expect(u, PROTO_STATS, &r, 2000)) return false;
    memcpy(c, r.u.stats.counters, sizeof(r.u.stats.counters));
    return r.u.stats.count == PROTO_STATS_COUNT; /* a version-2 session */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test-host PATH/TO/bridge-host\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    const char *exe = argv[1];
    t_hub_t hub;
    if (!t_hub_open(&hub)) {
        perror("hub");
        return 1;
    }
    char port[16], link[256];
    snprintf(port, sizeof(port), "%u", hub.port);
    snprintf(link, sizeof(link), "/tmp/bridge-host-test-%ld.tty", (long)getpid());
    uint8_t d[2048];
    proto_msg_t m, r;
    dut_t u;
    memset(&u, 0, sizeof(u));

    /* 1. start: PTY line, link, JOIN, boot HELLO */
    char *args1[] = {"--mac", "02:00:00:00:b0:01", "--channel", "6", "--radio-port", port, "--link", link, NULL};
    CHECK(dut_start(&u, exe, args1));
    char target[160] = "";
    ssize_t tl = readlink(link, target, sizeof(target) - 1);
    if (tl > 0) target[tl] = '\0';
    CHECK(strcmp(target, u.pty) == 0);
    ssize_t n = hub_wait(&hub, 1, d, sizeof(d), 3000);
    CHECK(n == 23 && memcmp(d + 6, BRIDGE_MAC, 6) == 0 && d[18] == 6 && d[22] == 0);
    CHECK(dut_open(&u));
    CHECK(dut_next(&u, &r, 2000) && r.type == PROTO_HELLO && r.u.hello.version == PROTO_VERSION &&
          r.u.hello.max_payload == 250 && r.u.hello.capabilities == PROTO_CAP_SIMULATED &&
          r.u.hello.channel == 6 && r.u.hello.tx_queue == 16 && memcmp(r.u.hello.mac, BRIDGE_MAC, 6) == 0);
    host_hello(&u);
    CHECK(dut_expect(&u, PROTO_HELLO, &r, 2000) && r.u.hello.version == PROTO_VERSION);
    t_end("host: PTY line, --link, JOIN, boot HELLO, negotiation");

    /* 2. radio -> RX */
    const uint8_t payload[] = {0x10, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x50, 0x6f, 0x9a, 0x1a, 0x01, 0x0d};
    t_hub_send(&hub, 2, PEER_MAC, BRIDGE_MAC, 6, -42, 9, payload, sizeof(payload));
    CHECK(dut_expect(&u, PROTO_RX, &r, 2000) && r.u.rx.rssi == -42 && r.u.rx.channel == 6 && r.u.rx.flags == 0 &&
          memcmp(r.u.rx.src, PEER_MAC, 6) == 0 &&
          r.u.rx.payload_len == sizeof(payload) && memcmp(r.u.rx.payload, payload, sizeof(payload)) == 0);
    t_hub_send(&hub, 2, PEER_MAC, BCAST, 6, -70, 10, payload, 5);
    CHECK(dut_expect(&u, PROTO_RX, &r, 2000) && r.u.rx.flags == PROTO_RX_FLAG_BROADCAST && r.u.rx.payload_len == 5);
    t_end("host: hub FRAME -> RX (unicast and broadcast)");

    /* 3. TX -> hub FRAME -> hub TX_STATUS -> TX_STATUS */
    memset(&m, 0, sizeof(m));
    m.type = PROTO_TX;
    m.u.tx.tx_id = 77;
    memcpy(m.u.tx.dst, PEER_MAC, 6);
    m.u.tx.payload = payload;
    m.u.tx.payload_len = sizeof(payload);
    CHECK(dut_send(&u, &m));
    n = hub_wait(&hub, 2, d, sizeof(d), 2000);
    CHECK(n == 22 + (ssize_t)sizeof(payload) && memcmp(d + 6, BRIDGE_MAC, 6) == 0 && memcmp(d + 12, PEER_MAC, 6) == 0 &&
          d[18] == 6 && memcmp(d + 22, payload, sizeof(payload)) == 0);
    uint16_t seq = (uint16_t)(d[20] | (d[21] << 8));
    uint8_t st = 0;
    t_hub_send(&hub, 3, BRIDGE_MAC, PEER_MAC, 6, 0, seq, &st, 1);
    CHECK(dut_expect(&u, PROTO_TX_STATUS, &r, 2000) && r.u.tx_status.tx_id == 77 && r.u.tx_status.status == 0);
    m.u.tx.tx_id = 78;
    CHECK(dut_send(&u, &m));
    n = hub_wait(&hub, 2, d, sizeof(d), 2000);
    seq = (uint16_t)(d[20] | (d[21] << 8));
    st = 1;
    t_hub_send(&hub, 3, BRIDGE_MAC, PEER_MAC, 6, 0, seq, &st, 1);
    CHECK(dut_expect(&u, PROTO_TX_STATUS, &r, 2000) && r.u.tx_status.tx_id == 78 && r.u.tx_status.status == 1);
    t_end("host: TX -> hub FRAME, hub TX_STATUS -> TX_STATUS (acked, not acked)");

    /* 4. SET_CHANNEL re-JOINs; PING */
    memset(&m, 0, sizeof(m));
    m.type = PROTO_SET_CHANNEL;
    m.u.set_channel.channel = 11;
    CHECK(dut_send(&u, &m));
    CHECK(dut_expect(&u, PROTO_CHANNEL, &r, 2000) && r.u.channel.channel == 11 && r.u.channel.status == 0);
    /* skip periodic JOINs that may still say channel 6 */
    uint64_t jd = t_now_ms() + 3000;
    do {
        n = hub_wait(&hub, 1, d, sizeof(d), 1000);
    } while (n > 0 && d[18] != 11 && t_now_ms() < jd);
    CHECK(n == 23 && d[18] == 11);
    memset(&m, 0, sizeof(m));
    m.type = PROTO_PING;
    m.u.ping.nonce = 0xdeadbeef;
    CHECK(dut_send(&u, &m));
    CHECK(dut_expect(&u, PROTO_PONG, &r, 2000) && r.u.pong.nonce == 0xdeadbeef);
    t_end("host: SET_CHANNEL (re-JOIN on channel 11), PING/PONG");

    /* 5. the host closes the port; the bridge keeps running; a new session works */
    dut_close(&u);
    usleep(200 * 1000);
    t_hub_send(&hub, 2, PEER_MAC, BRIDGE_MAC, 11, -50, 11, payload, 3); /* while closed */
    usleep(100 * 1000);
    CHECK(dut_open(&u));
    host_hello(&u);
    CHECK(dut_next(&u, &r, 2000) && r.type == PROTO_HELLO && r.u.hello.channel == 11); /* nothing stale first */
    uint32_t c[PROTO_STATS_COUNT] = {0};
    CHECK(get_stats(&u, c));
    CHECK(c[STAT_TX_FRAMES] == 2 && c[STAT_TX_ACKED] == 1 && c[STAT_TX_FAILED] == 1 && c[STAT_RX_FRAMES] == 3 &&
          c[STAT_SERIAL_BAD_CRC] == 0 && c[STAT_SERIAL_BAD_FRAMING] == 0);
    /* reopen once more right away */
    dut_close(&u);
    CHECK(dut_open(&u));
    host_hello(&u);
    CHECK(dut_expect(&u, PROTO_HELLO, &r, 2000));
    t_end("host: port closed and re-opened twice, bridge keeps running");

    /* 6. SIGTERM: LEAVE, link removed, exit 0 */
    int code = dut_stop(&u);
    CHECK(code == 0);
    n = hub_wait(&hub, 4, d, sizeof(d), 2000);
    CHECK(n == 22 && memcmp(d + 6, BRIDGE_MAC, 6) == 0);
    struct stat sb;
    CHECK(lstat(link, &sb) != 0);
    t_end("host: SIGTERM exits 0, sends LEAVE, removes the link");

    /* 7. --v2 and --baud 9600: 1470-byte payloads, throttled output */
    char *args2[] = {"--mac", "02:00:00:00:b0:01", "--radio-port", port, "--v2", "--baud", "9600", NULL};
    memset(&u, 0, sizeof(u));
    CHECK(dut_start(&u, exe, args2));
    n = hub_wait(&hub, 1, d, sizeof(d), 3000);
    CHECK(n == 23 && d[22] == 1);
    CHECK(dut_open(&u));
    host_hello(&u);
    CHECK(dut_expect(&u, PROTO_HELLO, &r, 2000) && r.u.hello.max_payload == 1470 &&
          r.u.hello.capabilities == (PROTO_CAP_SIMULATED | PROTO_CAP_ESPNOW_V2));
    static uint8_t big[1470];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (uint8_t)i;
    uint64_t t0 = t_now_ms();
    t_hub_send(&hub, 2, PEER_MAC, BRIDGE_MAC, 6, -30, 1, big, sizeof(big));
    CHECK(dut_expect(&u, PROTO_RX, &r, 4000) && r.u.rx.payload_len == 1470 && memcmp(r.u.rx.payload, big, 1470) == 0);
    uint64_t dt = t_now_ms() - t0;
    /* ~1490 wire bytes at 960 bytes/s: about 1.5 s. The lower bound is the throttling; the upper
     * one only catches a stall (a loaded machine may take longer, never shorter). */
    CHECK(dt >= 1200 && dt <= 30000);
    printf("     note: 1470-byte RX at --baud 9600 took %llu ms (expected about 1550)\n", (unsigned long long)dt);
    CHECK(dut_stop(&u) == 0);
    t_end("host: --v2 (1470-byte RX) and --baud 9600 throttling");

    close(hub.fd);
    return t_summary();
}
