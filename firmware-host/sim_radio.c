#include "sim_radio.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

const uint8_t sr_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t magic[4] = {'E', 'S', 'N', 'R'};

void sr_put_header(uint8_t *d, uint8_t type, const uint8_t src[6], const uint8_t dst[6], uint8_t channel,
                   int8_t rssi, uint16_t seq)
{
    memcpy(d, magic, 4);
    d[4] = 1;
    d[5] = type;
    memcpy(d + 6, src, 6);
    memcpy(d + 12, dst, 6);
    d[18] = channel;
    d[19] = (uint8_t)rssi;
    d[20] = (uint8_t)seq;
    d[21] = (uint8_t)(seq >> 8);
}

bool sr_parse(const uint8_t *d, size_t len, sr_dgram_t *out)
{
    if (len < SR_HDR || memcmp(d, magic, 4) != 0 || d[4] != 1) return false;
    out->type = d[5];
    out->src = d + 6;
    out->dst = d + 12;
    out->channel = d[18];
    out->rssi = (int8_t)d[19];
    out->seq = (uint16_t)(d[20] | (d[21] << 8));
    out->body = d + SR_HDR;
    out->body_len = len - SR_HDR;
    return true;
}

bool sr_node_open(sr_node_t *n, uint16_t hub_port)
{
    n->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (n->fd < 0) return false;
    struct sockaddr_in local;
    memset(&local, 0, sizeof(local));
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct sockaddr_in hub = local;
    hub.sin_port = htons(hub_port);
    return bind(n->fd, (struct sockaddr *)&local, sizeof(local)) == 0 &&
           connect(n->fd, (struct sockaddr *)&hub, sizeof(hub)) == 0;
}

int sr_node_send(const sr_node_t *n, uint8_t *d, uint8_t type, const uint8_t dst[6], uint16_t seq,
                 size_t body_len)
{
    sr_put_header(d, type, n->mac, dst, n->channel, 0, seq);
    size_t len = SR_HDR + body_len;
    for (int tries = 0; tries < 2; tries++) {
        ssize_t sent = send(n->fd, d, len, 0);
        if (sent == (ssize_t)len) return 0;
        /* ECONNREFUSED reports an earlier datagram that found no hub; try once more */
        if (sent < 0 && errno != ECONNREFUSED && errno != EINTR) break;
    }
    return -1;
}

void sr_node_join(sr_node_t *n, uint64_t now_ms)
{
    uint8_t d[SR_HDR + 1];
    d[SR_HDR] = n->join_flags;
    (void)sr_node_send(n, d, SR_JOIN, sr_broadcast, 0, 1);
    n->next_join_ms = now_ms + SR_JOIN_INTERVAL_MS;
}

void sr_node_leave(const sr_node_t *n)
{
    uint8_t d[SR_HDR];
    (void)sr_node_send(n, d, SR_LEAVE, sr_broadcast, 0, 0);
}

bool sr_node_recv(const sr_node_t *n, uint8_t *buf, size_t cap, sr_dgram_t *d)
{
    for (;;) {
        ssize_t len = recv(n->fd, buf, cap, MSG_DONTWAIT);
        if (len < 0) return false; /* EAGAIN, or ECONNREFUSED from a send to an absent hub */
        if (sr_parse(buf, (size_t)len, d)) return true;
    }
}
