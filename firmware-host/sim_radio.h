/* The simulated ESP-NOW air of docs/simulated-radio.md, in C: its datagrams
 * (version 1) and a node's socket. The firmwares' host programs
 * (bridge-host, enrollee-host) are nodes; their tests play the hub with the
 * same datagram code. A node talks only to the hub on 127.0.0.1. */
#ifndef SIM_RADIO_H
#define SIM_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SR_HDR 22u
#define SR_JOIN 1u
#define SR_FRAME 2u
#define SR_TX_STATUS 3u
#define SR_LEAVE 4u
/* JOIN flags */
#define SR_JOIN_V2 0x01u            /* the node receives ESP-NOW v2 (1470-byte) payloads */
#define SR_JOIN_NO_BROADCASTS 0x02u /* a device needs only unicast */
/* The hub answers nothing, so a node JOINs again this often (in case the hub restarted). */
#define SR_JOIN_INTERVAL_MS 2000u

extern const uint8_t sr_broadcast[6];

typedef struct {
    uint8_t type;
    const uint8_t *src, *dst; /* 6 bytes each, inside the datagram */
    uint8_t channel;
    int8_t rssi;
    uint16_t seq;
    const uint8_t *body;
    size_t body_len;
} sr_dgram_t;

/* The header of a datagram, into d[0..SR_HDR). */
void sr_put_header(uint8_t *d, uint8_t type, const uint8_t src[6], const uint8_t dst[6], uint8_t channel,
                   int8_t rssi, uint16_t seq);
/* A version-1 datagram's fields, pointing into d; false for anything else. */
bool sr_parse(const uint8_t *d, size_t len, sr_dgram_t *out);

typedef struct {
    int fd;
    uint8_t mac[6];
    uint8_t channel;    /* the channel it joined on */
    uint8_t join_flags; /* SR_JOIN_* */
    uint64_t next_join_ms;
} sr_node_t;

/* The socket: bound to 127.0.0.1, connected to 127.0.0.1:hub_port. false with errno set. */
bool sr_node_open(sr_node_t *n, uint16_t hub_port);
/* d holds body_len bytes of body after SR_HDR; its header is written here (from this node, on
 * its channel). 0, or -1 if it could not be sent. */
int sr_node_send(const sr_node_t *n, uint8_t *d, uint8_t type, const uint8_t dst[6], uint16_t seq,
                 size_t body_len);
/* JOIN on n->channel (again to change channel); the next one is due SR_JOIN_INTERVAL_MS later. */
void sr_node_join(sr_node_t *n, uint64_t now_ms);
void sr_node_leave(const sr_node_t *n);
/* The next datagram waiting, without blocking (malformed ones are skipped); false when none. */
bool sr_node_recv(const sr_node_t *n, uint8_t *buf, size_t cap, sr_dgram_t *d);

#endif
