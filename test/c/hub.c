#include "hub.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "proc.h"

bool t_hub_open(t_hub_t *h)
{
    memset(h, 0, sizeof(*h));
    h->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(h->fd, (struct sockaddr *)&a, &len) != 0) {
        return false;
    }
    h->port = ntohs(a.sin_port);
    return true;
}

bool t_hub_recv(t_hub_t *h, uint8_t *buf, size_t cap, sr_dgram_t *d, uint32_t wait_ms)
{
    uint64_t until = t_now_ms() + wait_ms;
    for (;;) {
        uint64_t now = t_now_ms();
        if (now >= until) return false;
        struct pollfd p = {.fd = h->fd, .events = POLLIN};
        if (poll(&p, 1, (int)(until - now)) <= 0) continue;
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(h->fd, buf, cap, 0, (struct sockaddr *)&from, &fl);
        if (n < 0 || !sr_parse(buf, (size_t)n, d)) continue;
        h->node = from;
        h->have_node = true;
        return true;
    }
}

void t_hub_send(const t_hub_t *h, uint8_t type, const uint8_t src[6], const uint8_t dst[6], uint8_t channel,
                int8_t rssi, uint16_t seq, const uint8_t *body, size_t len)
{
    uint8_t d[SR_HDR + 1600];
    if (len > sizeof(d) - SR_HDR) return;
    sr_put_header(d, type, src, dst, channel, rssi, seq);
    memcpy(d + SR_HDR, body, len);
    (void)sendto(h->fd, d, SR_HDR + len, 0, (const struct sockaddr *)&h->node, sizeof(h->node));
}
