/* The hub's end of the simulated radio for the host integration tests: one
 * UDP socket on 127.0.0.1 (an ephemeral port, given to the program under
 * test as --radio-port) that scripts what the air delivers. Datagrams as
 * firmware-host/sim_radio.h has them. */
#ifndef DPP_TEST_HUB_H
#define DPP_TEST_HUB_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_radio.h"

typedef struct {
    int fd;
    uint16_t port;
    struct sockaddr_in node; /* the node last heard */
    bool have_node;
} t_hub_t;

bool t_hub_open(t_hub_t *h);
/* The next datagram from a node within wait_ms, parsed into d (its bytes in buf). */
bool t_hub_recv(t_hub_t *h, uint8_t *buf, size_t cap, sr_dgram_t *d, uint32_t wait_ms);
/* A datagram to the node last heard. */
void t_hub_send(const t_hub_t *h, uint8_t type, const uint8_t src[6], const uint8_t dst[6], uint8_t channel,
                int8_t rssi, uint16_t seq, const uint8_t *body, size_t len);

#endif
