/* Streaming deframer for the bridge serial link: bytes in, complete messages
 * out. Frames are COBS(message || CRC-32 LE) || 0x00 (docs/bridge-serial.md).
 *
 * Each non-empty frame ends in exactly one outcome:
 *   DEFRAMER_MESSAGE       a message of a type this end accepts;
 *   DEFRAMER_UNKNOWN_TYPE  CRC good, type not accepted   (serialUnknownType);
 *   DEFRAMER_BAD_CRC       CRC mismatch                   (serialBadCrc);
 *   DEFRAMER_BAD_FRAMING   COBS invalid, or decoded frame shorter than a
 *                          type byte plus the CRC          (serialBadFraming);
 *   DEFRAMER_OVERSIZE      more than 2048 encoded bytes   (serialOversize),
 *                          reported when byte 2049 arrives; the rest of the
 *                          frame up to the next 0x00 is dropped.
 * Empty frames (0x00 0x00) are ignored. Fixed 2048-byte buffer, no allocation. */
#ifndef BRIDGE_DEFRAMER_H
#define BRIDGE_DEFRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DEFRAMER_ACCEPT_ALL,       /* every type of the table (tests, tools) */
    DEFRAMER_ACCEPT_TO_BRIDGE, /* host -> bridge types only (the bridge) */
    DEFRAMER_ACCEPT_TO_HOST,   /* bridge -> host types only (a host) */
} deframer_accept_t;

typedef enum {
    DEFRAMER_NONE = 0,
    DEFRAMER_MESSAGE,
    DEFRAMER_UNKNOWN_TYPE,
    DEFRAMER_BAD_CRC,
    DEFRAMER_BAD_FRAMING,
    DEFRAMER_OVERSIZE,
} deframer_event_t;

typedef struct {
    uint32_t bad_crc;
    uint32_t bad_framing;
    uint32_t oversize;
    uint32_t unknown_type;
} deframer_counters_t;

typedef struct {
    uint8_t buf[PROTO_FRAME_LIMIT];
    size_t len;
    bool discarding; /* oversize: drop until the next 0x00 */
    deframer_accept_t accept;
    deframer_counters_t counters;
    /* After DEFRAMER_MESSAGE or DEFRAMER_UNKNOWN_TYPE: the message without
     * its CRC (inside buf), valid until the next deframer_push(). */
    const uint8_t *msg;
    size_t msg_len;
} deframer_t;

void deframer_init(deframer_t *d, deframer_accept_t accept);
/* Drop a partial frame (e.g. after the link was re-opened); keeps counters. */
void deframer_reset(deframer_t *d);
/* Feed one byte. */
deframer_event_t deframer_push(deframer_t *d, uint8_t byte);
/* True if the next 0x00 would complete a non-empty frame. */
static inline bool deframer_frame_pending(const deframer_t *d) { return d->len > 0 || d->discarding; }
/* Does this end accept messages of this type? */
bool deframer_accepts(const deframer_t *d, uint8_t type);

#ifdef __cplusplus
}
#endif

#endif
