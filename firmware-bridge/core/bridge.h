/* The bridge logic of docs/bridge-serial.md as an event-driven state machine.
 *
 * The platform (ESP-IDF glue, host build, tests) owns the serial port, the
 * radio and the clock, and calls in:
 *   bridge_on_serial_bytes()     bytes arrived from the host;
 *   bridge_on_radio_receive()    an ESP-NOW frame arrived;
 *   bridge_on_radio_send_done()  the radio finished a send;
 *   bridge_on_tick()             periodically (send timeouts);
 *   bridge_pump()                when the serial port can take more bytes.
 * The bridge calls out through bridge_platform_t. Every call runs to
 * completion and never blocks; serial_write() must not block either (it
 * returns how many bytes it took).
 *
 * Memory is fixed at compile time (bridge_t holds every queue); nothing is
 * allocated. All functions must be called from one thread/task. */
#ifndef BRIDGE_BRIDGE_H
#define BRIDGE_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deframer.h"
#include "proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TX credits granted by HELLO (txQueue). */
#ifndef BRIDGE_TX_CREDITS
#define BRIDGE_TX_CREDITS 16u
#endif

/* RX messages waiting for the serial port. When it is full, a unicast frame
 * (a device in a session talking to us) takes the place of the oldest queued
 * broadcast (announcements, of which a flood brings any number); a broadcast,
 * or a unicast frame finding only unicast frames queued, is dropped. Every
 * drop is counted in rxDropped and, by kind, in rxDroppedBroadcast or
 * rxDroppedUnicast. At most 255 (slot indices are bytes). */
#ifndef BRIDGE_RX_QUEUE_LEN
#define BRIDGE_RX_QUEUE_LEN 16u
#endif

/* Largest ESP-NOW payload the queues can hold. 1470 (ESP-NOW v2) by
 * default; a v1-only build may set 250 to save RAM. */
#ifndef BRIDGE_PAYLOAD_CAP
#define BRIDGE_PAYLOAD_CAP PROTO_MAX_PAYLOAD
#endif

/* Replies waiting for the serial port. Room for one TX_STATUS per credit is
 * always kept free (see bridge_on_serial_bytes), so this must exceed
 * BRIDGE_TX_CREDITS. */
#ifndef BRIDGE_CTRL_QUEUE_LEN
#define BRIDGE_CTRL_QUEUE_LEN (BRIDGE_TX_CREDITS + 8u)
#endif

/* A send with no completion after this long is reported as TX_STATUS 5. */
#ifndef BRIDGE_TX_TIMEOUT_MS
#define BRIDGE_TX_TIMEOUT_MS 2000u
#endif

/* Largest reply (ERROR with a 64-byte detail). */
#define BRIDGE_CTRL_MSG_MAX (PROTO_ERROR_FIXED + PROTO_DETAIL_MAX)

typedef struct {
    void *ctx;
    /* Write up to len bytes to the host; returns how many were taken (0..len).
     * Must not block. */
    size_t (*serial_write)(void *ctx, const uint8_t *data, size_t len);
    /* Start sending one ESP-NOW frame. Returns 0 if started: exactly one
     * bridge_on_radio_send_done(handle, ...) should follow (a missing one is
     * caught by the timeout). Non-zero: not started (TX_STATUS 5). The
     * payload need not outlive the call. */
    int (*radio_send)(void *ctx, uint16_t handle, const uint8_t dst[PROTO_MAC_LEN], const uint8_t *payload,
                      size_t len);
    /* Switch the radio to channel 1..14. Returns 0 on success. */
    int (*set_channel)(void *ctx, uint8_t channel);
    /* Milliseconds since boot (wraps after 49 days; wrap-safe). */
    uint32_t (*uptime_ms)(void *ctx);
    /* The radio's MAC address. */
    void (*get_mac)(void *ctx, uint8_t mac[PROTO_MAC_LEN]);
    /* HELLO.capabilities bits (PROTO_CAP_*). */
    uint16_t (*capabilities)(void *ctx);
    /* Largest ESP-NOW payload the radio sends (250, or 1470 for v2). */
    uint16_t (*max_payload)(void *ctx);
} bridge_platform_t;

typedef struct {
    uint8_t channel;           /* the radio's channel at boot */
    const char *firmware;      /* HELLO.firmware, <= 32 bytes of UTF-8 */
    uint32_t tx_timeout_ms;    /* 0: BRIDGE_TX_TIMEOUT_MS */
} bridge_config_t;

typedef struct {
    uint16_t len;
    uint8_t msg[BRIDGE_CTRL_MSG_MAX];
} bridge_ctrl_slot_t;

typedef struct {
    uint16_t len;
    bool broadcast;
    uint8_t msg[PROTO_RX_FIXED + BRIDGE_PAYLOAD_CAP];
} bridge_rx_slot_t;

typedef struct {
    uint16_t tx_id;
    uint16_t len;
    uint8_t dst[PROTO_MAC_LEN];
    uint8_t payload[BRIDGE_PAYLOAD_CAP];
} bridge_tx_slot_t;

typedef struct {
    bridge_platform_t plat;
    bridge_config_t cfg;
    char firmware[PROTO_FIRMWARE_MAX + 1];

    deframer_t df;
    bool negotiated;
    uint8_t version;
    uint8_t channel;
    uint8_t mac[PROTO_MAC_LEN];
    uint16_t max_payload;
    uint16_t capabilities;

    /* serial output: the frame being written, then replies, then RX */
    uint8_t wire[PROTO_FRAME_MAX_WIRE(PROTO_RX_FIXED + BRIDGE_PAYLOAD_CAP)];
    size_t wire_len;
    size_t wire_off;
    bool wire_is_rx;
    bool wire_rx_broadcast; /* the kind of the RX being written, if wire_is_rx */
    bool need_delimiter;
    bridge_ctrl_slot_t ctrl[BRIDGE_CTRL_QUEUE_LEN];
    size_t ctrl_head, ctrl_count;
    uint32_t ctrl_overflow; /* replies lost; stays 0 by design (diagnostic) */
    /* The RX queue: slots, and their order. rx_order[(rx_head + i) % LEN] for
     * i < rx_count are the queued slots, oldest first; the other entries name
     * the free slots (rx_order is always a permutation of 0..LEN-1). A
     * broadcast is evicted from the middle by moving bytes of rx_order, not
     * the slots' 1.5 KB each. */
    bridge_rx_slot_t rx[BRIDGE_RX_QUEUE_LEN];
    uint8_t rx_order[BRIDGE_RX_QUEUE_LEN];
    size_t rx_head, rx_count;
    size_t rx_broadcast_queued; /* how many of the queued frames are broadcasts */

    /* TX: queued frames, then the one at the radio */
    bridge_tx_slot_t tx[BRIDGE_TX_CREDITS];
    size_t tx_head, tx_count;
    struct {
        bool active;
        bool current; /* false: sent before the last HOST_HELLO; no TX_STATUS */
        uint16_t handle;
        uint16_t tx_id;
        uint32_t started_ms;
    } inflight;
    uint16_t next_handle;

    /* counters (STATS); rxDropped is the sum of the two by kind */
    uint32_t rx_frames, rx_dropped_broadcast, rx_dropped_unicast, tx_frames, tx_acked, tx_failed, rx_high_water;

    bool in_pump, pump_again;
} bridge_t;

/* Initialise and queue the boot HELLO (preceded by a 0x00 that flushes
 * whatever boot text the host has seen). */
void bridge_init(bridge_t *b, const bridge_platform_t *plat, const bridge_config_t *cfg);

/* Feed bytes from the host. Returns how many were consumed: less than len
 * when the reply queue is full (the host is not reading); call again with
 * the rest after bridge_pump() made progress. */
size_t bridge_on_serial_bytes(bridge_t *b, const uint8_t *data, size_t len);

void bridge_on_radio_receive(bridge_t *b, const uint8_t src[PROTO_MAC_LEN], int8_t rssi, uint8_t channel,
                             bool broadcast, const uint8_t *payload, size_t len);
void bridge_on_radio_send_done(bridge_t *b, uint16_t handle, bool acked);
void bridge_on_tick(bridge_t *b);
/* Write pending output and start the next radio send. */
void bridge_pump(bridge_t *b);

/* The host closed and re-opened the port (USB DTR, pty re-opened): drop
 * pending output and any partial input, and wait for HOST_HELLO again. */
void bridge_on_serial_reconnect(bridge_t *b);

/* Frames the platform dropped before they reached the core (its own queue
 * between the radio callback and the bridge task was full), by kind. */
void bridge_count_rx_dropped(bridge_t *b, uint32_t broadcast, uint32_t unicast);

/* The fourteen STATS counters of version 2, in wire order (STAT_* indices);
 * a version-1 STATS carries the first twelve. */
void bridge_get_stats(const bridge_t *b, uint32_t out[PROTO_STATS_COUNT]);

/* Something is waiting for the serial port. */
bool bridge_output_pending(const bridge_t *b);
/* TX messages accepted and not yet answered (credits in use). */
size_t bridge_credits_in_use(const bridge_t *b);

#ifdef __cplusplus
}
#endif

#endif
