/* A scripted platform for the bridge core: captures serial output and radio
 * sends, and lets a test block the port, fail sends and move the clock. */
#ifndef BRIDGE_FAKE_PLATFORM_H
#define BRIDGE_FAKE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge.h"

#define FAKE_OUT_CAP (1u << 20)
#define FAKE_SENDS 64u

typedef struct {
    uint16_t handle;
    uint8_t dst[PROTO_MAC_LEN];
    uint8_t payload[PROTO_MAX_PAYLOAD];
    size_t len;
} fake_send_t;

typedef struct {
    /* serial */
    uint8_t *out; /* FAKE_OUT_CAP bytes */
    size_t out_len;
    size_t parse_pos;
    bool blocked;         /* serial_write takes nothing */
    size_t write_chunk;   /* >0: at most this many bytes per serial_write call */
    bool discard_output;  /* fuzzing: count bytes, keep a window only */
    deframer_t host_df;   /* parses the output as a host would */
    unsigned long out_frames_bad; /* output frames the host deframer refused */
    unsigned long out_types[256]; /* discard_output: messages seen, by type */

    /* radio */
    fake_send_t sends[FAKE_SENDS];
    size_t nsends; /* total; sends[(n-1) % FAKE_SENDS] is the last */
    int send_rc;
    uint8_t channel;
    int set_channel_rc;
    uint8_t mac[PROTO_MAC_LEN];
    uint16_t caps;
    uint16_t max_payload;

    uint32_t now;
} fake_t;

void fake_init(fake_t *f);
void fake_free(fake_t *f);
bridge_platform_t fake_platform(fake_t *f);
/* bridge_init with the fake and a standard config (channel 6). */
void fake_bridge_init(bridge_t *b, fake_t *f);
/* Next message the bridge wrote (bytes without CRC), parsed as a host
 * would; false if none is complete. */
bool fake_next(fake_t *f, uint8_t *msg, size_t cap, size_t *len);
/* Next message decoded into *m (payload pointers into an internal buffer
 * valid until the next call). */
bool fake_next_msg(fake_t *f, proto_msg_t *m);
/* Drop all output so far. */
void fake_drain(fake_t *f);
/* Send a message to the bridge as the host would (framed). */
size_t fake_host_send(bridge_t *b, const proto_msg_t *m);
size_t fake_host_send_raw(bridge_t *b, const uint8_t *msg, size_t len);
/* HOST_HELLO(version, version) and consume the HELLO answer. */
bool fake_negotiate_version(bridge_t *b, fake_t *f, uint8_t version);
/* The same with the bridge's own (highest) version. */
bool fake_negotiate(bridge_t *b, fake_t *f);
const fake_send_t *fake_last_send(const fake_t *f);

#endif
