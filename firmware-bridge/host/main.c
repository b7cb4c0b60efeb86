/* bridge-host: the bridge core on a POSIX host, for tests and demos.
 *
 * Serial port: a pseudo-terminal. Its slave path is printed on stdout as
 * the first line, "PTY /dev/pts/N" (and --link PATH makes a symlink to it).
 * Radio: a UDP client of the simulated-radio hub of docs/simulated-radio.md
 * on 127.0.0.1:--radio-port. Nothing but 127.0.0.1 is ever addressed.
 *
 * One thread, one poll() loop. SIGTERM/SIGINT exit cleanly (LEAVE is sent,
 * the link removed). When the program on the other end of the pty closes
 * it, the bridge keeps running and serves the next one that opens it. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "bridge.h"
#include "host_cli.h"
#include "sim_radio.h"

#ifndef BRIDGE_VERSION
#error "BRIDGE_VERSION comes from version.txt (Makefile)"
#endif
#define FIRMWARE_NAME "dpp-bridge-host " BRIDGE_VERSION
#define DEFAULT_RADIO_PORT 47474
#define DEFAULT_CHANNEL 6
#define HUP_RECHECK_MS 50u
#define TICK_MS 20u

typedef struct {
    /* options */
    uint16_t radio_port;
    unsigned long baud; /* 0: unthrottled */
    bool v2;
    const char *link;
    bool verbose;

    /* serial (pty master) */
    int master;
    char slave[128];
    bool hung_up;
    bool ever_connected;
    uint64_t hup_check_at;
    bool want_pollout;
    double tokens;
    uint64_t tokens_at_us;
    uint8_t in[4096];
    size_t in_len, in_off;

    /* radio: our MAC, channel and JOIN flags are the node's */
    sr_node_t node;

    uint64_t t0_us;
} host_t;

static host_t H;
static bridge_t B;

/* ---- utilities ----------------------------------------------------------------- */

static uint64_t now_ms64(void) { return (cli_mono_us() - H.t0_us) / 1000u; }

static void log_msg(const char *fmt, const char *arg)
{
    if (H.verbose) {
        fprintf(stderr, "bridge-host: ");
        fprintf(stderr, fmt, arg);
        fputc('\n', stderr);
    }
}

/* ---- radio: a node of the simulated air ------------------------------------------- */

static void sr_receive(void)
{
    static uint8_t buf[SR_HDR + 2048];
    sr_dgram_t d;
    for (int budget = 0; budget < 256 && sr_node_recv(&H.node, buf, sizeof(buf), &d); budget++) {
        if (d.type == SR_FRAME) {
            const bool bcast = memcmp(d.dst, sr_broadcast, PROTO_MAC_LEN) == 0;
            if (!bcast && memcmp(d.dst, H.node.mac, PROTO_MAC_LEN) != 0) {
                continue;
            }
            if (memcmp(d.src, H.node.mac, PROTO_MAC_LEN) == 0) {
                continue; /* our own frame */
            }
            bridge_on_radio_receive(&B, d.src, d.rssi, d.channel, bcast, d.body, d.body_len);
        } else if (d.type == SR_TX_STATUS && d.body_len >= 1) {
            bridge_on_radio_send_done(&B, d.seq, d.body[0] == 0);
        }
    }
}

/* ---- serial: pty master ------------------------------------------------------- */

static void refill_tokens(void)
{
    if (H.baud == 0) {
        return;
    }
    const uint64_t t = cli_mono_us();
    const double rate = (double)H.baud / 10.0; /* 10 bits per byte */
    double burst = rate / 200.0;               /* 5 ms worth */
    if (burst < 16.0) {
        burst = 16.0;
    }
    H.tokens += (double)(t - H.tokens_at_us) * rate / 1e6;
    if (H.tokens > burst) {
        H.tokens = burst;
    }
    H.tokens_at_us = t;
}

static void hang_up(void)
{
    if (H.hung_up) {
        return;
    }
    H.hung_up = true;
    H.want_pollout = false;
    H.in_len = H.in_off = 0;
    /* Nobody holds the slave: drop what it had not read yet, so the next
     * program to open it starts clean. */
    (void)tcflush(H.master, TCIOFLUSH);
    H.hup_check_at = now_ms64() + HUP_RECHECK_MS;
    log_msg("%s closed by the host", H.slave);
}

static void check_reconnect(void)
{
    struct pollfd p = {.fd = H.master, .events = POLLIN};
    if (poll(&p, 1, 0) >= 0 && (p.revents & POLLHUP) == 0) {
        H.hung_up = false;
        H.want_pollout = false;
        if (H.ever_connected) {
            bridge_on_serial_reconnect(&B);
        }
        H.ever_connected = true;
        log_msg("%s opened by the host", H.slave);
    } else {
        H.hup_check_at = now_ms64() + HUP_RECHECK_MS;
    }
}

static size_t p_serial_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (H.hung_up) {
        return 0;
    }
    size_t allowed = len;
    if (H.baud != 0) {
        refill_tokens();
        if (H.tokens < 1.0) {
            return 0;
        }
        if ((double)allowed > H.tokens) {
            allowed = (size_t)H.tokens;
        }
    }
    ssize_t n = write(H.master, data, allowed);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            H.want_pollout = true;
        } else {
            hang_up();
        }
        return 0;
    }
    if (H.baud != 0) {
        H.tokens -= (double)n;
    }
    if ((size_t)n < allowed) {
        H.want_pollout = true;
    }
    return (size_t)n;
}

static void serial_read(void)
{
    if (H.in_off < H.in_len) {
        return; /* the bridge has not taken the previous chunk yet */
    }
    ssize_t n = read(H.master, H.in, sizeof(H.in));
    if (n > 0) {
        H.in_len = (size_t)n;
        H.in_off = 0;
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        hang_up(); /* EIO: the slave side was closed */
    }
}

static void serial_feed(void)
{
    if (H.in_off < H.in_len) {
        H.in_off += bridge_on_serial_bytes(&B, H.in + H.in_off, H.in_len - H.in_off);
        if (H.in_off >= H.in_len) {
            H.in_off = H.in_len = 0;
        }
    }
}

static int open_pty(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
        perror("bridge-host: posix_openpt");
        return -1;
    }
    const char *s = ptsname(m);
    if (s == NULL || strlen(s) >= sizeof(H.slave)) {
        perror("bridge-host: ptsname");
        return -1;
    }
    strcpy(H.slave, s);
    struct termios t;
    if (tcgetattr(m, &t) == 0) {
        cfmakeraw(&t); /* no echo, no CR/LF translation: a clean 8-bit link */
        (void)tcsetattr(m, TCSANOW, &t);
    }
    int fl = fcntl(m, F_GETFL);
    if (fl < 0 || fcntl(m, F_SETFL, fl | O_NONBLOCK) != 0) {
        perror("bridge-host: fcntl");
        return -1;
    }
    return m;
}

/* ---- platform for the core ------------------------------------------------------- */

static int p_radio_send(void *ctx, uint16_t handle, const uint8_t dst[PROTO_MAC_LEN], const uint8_t *payload,
                        size_t len)
{
    (void)ctx;
    static uint8_t d[SR_HDR + PROTO_MAX_PAYLOAD];
    if (len > PROTO_MAX_PAYLOAD) {
        return -1;
    }
    memcpy(d + SR_HDR, payload, len);
    return sr_node_send(&H.node, d, SR_FRAME, dst, handle, len);
}

static int p_set_channel(void *ctx, uint8_t channel)
{
    (void)ctx;
    H.node.channel = channel;
    sr_node_join(&H.node, now_ms64()); /* JOIN again: the hub moves us to the new channel */
    return 0;
}

static uint32_t p_uptime_ms(void *ctx)
{
    (void)ctx;
    return (uint32_t)now_ms64();
}

static void p_get_mac(void *ctx, uint8_t mac[PROTO_MAC_LEN])
{
    (void)ctx;
    memcpy(mac, H.node.mac, PROTO_MAC_LEN);
}

static uint16_t p_capabilities(void *ctx)
{
    (void)ctx;
    return (uint16_t)(PROTO_CAP_SIMULATED | (H.v2 ? PROTO_CAP_ESPNOW_V2 : 0u));
}

static uint16_t p_max_payload(void *ctx)
{
    (void)ctx;
    return H.v2 ? (uint16_t)PROTO_MAX_PAYLOAD : (uint16_t)PROTO_V1_PAYLOAD;
}

/* ---- main ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bridge-host [--mac AA:BB:CC:DD:EE:FF] [--channel 1-14] [--radio-port PORT]\n"
            "                   [--baud B] [--v2] [--link PATH] [--verbose]\n"
            "The first line on stdout is \"PTY <slave path>\". The radio hub is 127.0.0.1:PORT\n"
            "(default %d). --baud throttles the pty output to B/10 bytes per second.\n",
            DEFAULT_RADIO_PORT);
}

static void remove_link(void)
{
    if (H.link == NULL) {
        return;
    }
    char target[sizeof(H.slave)];
    ssize_t n = readlink(H.link, target, sizeof(target) - 1);
    if (n > 0) {
        target[n] = '\0';
        if (strcmp(target, H.slave) == 0) {
            (void)unlink(H.link);
        }
    }
}

int main(int argc, char **argv)
{
    static const uint8_t default_mac[PROTO_MAC_LEN] = {0x02, 0x00, 0x00, 0x00, 0xb0, 0x01};
    memcpy(H.node.mac, default_mac, PROTO_MAC_LEN);
    H.node.channel = DEFAULT_CHANNEL;
    H.radio_port = DEFAULT_RADIO_PORT;
    H.master = -1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        unsigned long n = 0;
        if (strcmp(a, "--mac") == 0 && v != NULL) {
            if (!cli_parse_mac(v, H.node.mac)) {
                fprintf(stderr, "bridge-host: --mac wants AA:BB:CC:DD:EE:FF\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--channel") == 0 && v != NULL) {
            if (!cli_parse_ulong(v, 1, 14, &n)) {
                fprintf(stderr, "bridge-host: --channel wants 1..14\n");
                return 2;
            }
            H.node.channel = (uint8_t)n;
            i++;
        } else if (strcmp(a, "--radio-port") == 0 && v != NULL) {
            if (!cli_parse_ulong(v, 1, 65535, &n)) {
                fprintf(stderr, "bridge-host: --radio-port wants 1..65535\n");
                return 2;
            }
            H.radio_port = (uint16_t)n;
            i++;
        } else if (strcmp(a, "--baud") == 0 && v != NULL) {
            if (!cli_parse_ulong(v, 10, 100000000, &n)) {
                fprintf(stderr, "bridge-host: --baud wants 10..100000000\n");
                return 2;
            }
            H.baud = n;
            i++;
        } else if (strcmp(a, "--link") == 0 && v != NULL) {
            H.link = v;
            i++;
        } else if (strcmp(a, "--v2") == 0) {
            H.v2 = true;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            H.verbose = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bridge-host: unknown or incomplete option %s\n", a);
            usage(stderr);
            return 2;
        }
    }

    H.t0_us = cli_mono_us();
    H.tokens_at_us = H.t0_us;

    int stop_fd = cli_stop_signals();
    if (stop_fd < 0) {
        perror("bridge-host: pipe");
        return 1;
    }
    signal(SIGHUP, SIG_IGN);

    /* radio: 127.0.0.1 only */
    H.node.join_flags = H.v2 ? SR_JOIN_V2 : 0u;
    if (!sr_node_open(&H.node, H.radio_port)) {
        perror("bridge-host: udp 127.0.0.1");
        return 1;
    }
    int sz = 1 << 20;
    (void)setsockopt(H.node.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));

    /* serial: pty */
    H.master = open_pty();
    if (H.master < 0) {
        return 1;
    }
    if (H.link != NULL) {
        struct stat st;
        if (lstat(H.link, &st) == 0) {
            if (!S_ISLNK(st.st_mode)) {
                fprintf(stderr, "bridge-host: --link %s exists and is not a symlink\n", H.link);
                return 2;
            }
            (void)unlink(H.link);
        }
        if (symlink(H.slave, H.link) != 0) {
            perror("bridge-host: symlink");
            return 1;
        }
    }
    printf("PTY %s\n", H.slave);
    fflush(stdout);

    /* Until a program opens the slave, the master reports a hangup. */
    H.hung_up = true;
    H.hup_check_at = 0;

    const bridge_platform_t plat = {
        .ctx = NULL,
        .serial_write = p_serial_write,
        .radio_send = p_radio_send,
        .set_channel = p_set_channel,
        .uptime_ms = p_uptime_ms,
        .get_mac = p_get_mac,
        .capabilities = p_capabilities,
        .max_payload = p_max_payload,
    };
    const bridge_config_t cfg = {.channel = H.node.channel, .firmware = FIRMWARE_NAME, .tx_timeout_ms = 0};
    sr_node_join(&H.node, now_ms64());
    bridge_init(&B, &plat, &cfg);
    log_msg("serial port %s", H.slave);

    bool stop = false;
    while (!stop) {
        uint64_t now = now_ms64();
        if (H.hung_up && now >= H.hup_check_at) {
            check_reconnect();
        }
        if (now >= H.node.next_join_ms) {
            sr_node_join(&H.node, now); /* the hub answers nothing: repeat, in case it (re)started after us */
        }
        serial_feed();
        bridge_on_tick(&B);

        struct pollfd fds[3];
        nfds_t nf = 0;
        fds[nf++] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
        fds[nf++] = (struct pollfd){.fd = H.node.fd, .events = POLLIN};
        int master_idx = -1;
        if (!H.hung_up) {
            short ev = 0;
            if (H.in_off >= H.in_len) {
                ev |= POLLIN;
            }
            if (H.want_pollout && bridge_output_pending(&B)) {
                ev |= POLLOUT;
            }
            master_idx = (int)nf;
            fds[nf++] = (struct pollfd){.fd = H.master, .events = ev};
        }

        int timeout = (int)TICK_MS;
        now = now_ms64();
        if (H.hung_up) {
            int t = H.hup_check_at > now ? (int)(H.hup_check_at - now) : 0;
            timeout = t < timeout ? t : timeout;
        }
        if (!H.hung_up && bridge_output_pending(&B) && !H.want_pollout && H.baud != 0) {
            timeout = 1; /* waiting for throttle tokens */
        }
        if (H.in_off < H.in_len) {
            timeout = 1; /* input waits for output to drain */
        }

        int rc = poll(fds, nf, timeout);
        if (rc < 0 && errno != EINTR) {
            perror("bridge-host: poll");
            break;
        }
        if (rc > 0 && (fds[0].revents & POLLIN) != 0) {
            stop = true;
        }
        if (rc > 0 && (fds[1].revents & (POLLIN | POLLERR)) != 0) {
            sr_receive();
        }
        if (rc > 0 && master_idx >= 0) {
            const short re = fds[master_idx].revents;
            if ((re & POLLOUT) != 0) {
                H.want_pollout = false;
            }
            if ((re & POLLIN) != 0) {
                serial_read(); /* pending data is read before a hangup is noticed */
            } else if ((re & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
                hang_up();
            }
        }
        serial_feed();
        bridge_pump(&B);
    }

    sr_node_leave(&H.node);
    remove_link();
    close(H.master);
    close(H.node.fd);
    log_msg("%s", "stopped");
    return 0;
}
