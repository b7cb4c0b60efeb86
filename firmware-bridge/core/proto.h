/* Bridge serial protocol, versions 1 and 2 (docs/bridge-serial.md): message codec
 * and frame encoding. Portable C11, no allocation.
 *
 * Decoded variable-length fields (payload, firmware, detail) point into the
 * decoded buffer: they are valid as long as that buffer is. */
#ifndef BRIDGE_PROTO_H
#define BRIDGE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cobs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version 2 adds two STATS counters (received frames dropped, by kind); a
 * version-1 session gets the twelve of version 1. */
#define PROTO_VERSION 2u
#define PROTO_MIN_VERSION 1u

/* Host -> bridge types have bit 7 set; bridge -> host types have it clear. */
enum {
    PROTO_HOST_HELLO = 0x81,
    PROTO_HELLO = 0x01,
    PROTO_RX = 0x02,
    PROTO_TX = 0x83,
    PROTO_TX_STATUS = 0x04,
    PROTO_SET_CHANNEL = 0x85,
    PROTO_CHANNEL = 0x06,
    PROTO_PING = 0x87,
    PROTO_PONG = 0x08,
    PROTO_GET_STATS = 0x89,
    PROTO_STATS = 0x0A,
    PROTO_ERROR = 0x0B,
};
#define PROTO_DIR_TO_BRIDGE 0x80u

/* TX_STATUS.status */
enum {
    PROTO_TX_ACKED = 0,
    PROTO_TX_NO_ACK = 1,
    PROTO_TX_NO_CREDIT = 2,
    PROTO_TX_TOO_LARGE = 3,
    PROTO_TX_MALFORMED = 4,
    PROTO_TX_RADIO_ERROR = 5,
};

/* CHANNEL.status */
enum { PROTO_CHANNEL_OK = 0, PROTO_CHANNEL_INVALID = 1 };

/* ERROR.code */
enum {
    PROTO_ERR_CODE_UNKNOWN_TYPE = 1,
    PROTO_ERR_CODE_MALFORMED = 2,
    PROTO_ERR_CODE_VERSION = 3,
    PROTO_ERR_CODE_INTERNAL = 4,
};

/* HELLO.capabilities bits */
#define PROTO_CAP_ESPNOW_V2 (1u << 0)
#define PROTO_CAP_USB_CDC (1u << 1)
#define PROTO_CAP_SIMULATED (1u << 2)

/* RX.flags bits */
#define PROTO_RX_FLAG_BROADCAST (1u << 0)

#define PROTO_MAC_LEN 6u
#define PROTO_MAX_PAYLOAD 1470u /* ESP-NOW v2 */
#define PROTO_V1_PAYLOAD 250u   /* ESP-NOW v1 */
#define PROTO_FIRMWARE_MAX 32u
#define PROTO_DETAIL_MAX 64u
#define PROTO_STATS_COUNT 14u    /* version 2 */
#define PROTO_STATS_COUNT_V1 12u /* version 1: the first twelve */

/* Fixed parts of the variable-length messages (type byte included). */
#define PROTO_HELLO_FIXED 15u
#define PROTO_RX_FIXED 10u
#define PROTO_TX_FIXED 9u
#define PROTO_ERROR_FIXED 2u

/* Largest valid message (RX with a 1470-byte payload) and its wire frame. */
#define PROTO_MAX_MESSAGE (PROTO_RX_FIXED + PROTO_MAX_PAYLOAD)
#define PROTO_CRC_LEN 4u
#define PROTO_FRAME_MAX_WIRE(msg_len) (COBS_MAX_ENCODED_LEN((msg_len) + PROTO_CRC_LEN) + 1u)
#define PROTO_MAX_WIRE PROTO_FRAME_MAX_WIRE(PROTO_MAX_MESSAGE)

/* Receivers drop frames longer than this many bytes (COBS-encoded, without
 * the 0x00 delimiter). */
#define PROTO_FRAME_LIMIT 2048u

/* STATS counter indices, in wire order. */
enum {
    STAT_RX_FRAMES = 0,
    STAT_RX_DROPPED,
    STAT_TX_FRAMES,
    STAT_TX_ACKED,
    STAT_TX_FAILED,
    STAT_SERIAL_BAD_CRC,
    STAT_SERIAL_BAD_FRAMING,
    STAT_SERIAL_OVERSIZE,
    STAT_SERIAL_UNKNOWN_TYPE,
    STAT_RX_QUEUE_DEPTH,
    STAT_TX_QUEUE_DEPTH,
    STAT_RX_QUEUE_HIGH_WATER,
    /* version 2 */
    STAT_RX_DROPPED_BROADCAST,
    STAT_RX_DROPPED_UNICAST,
};

typedef struct {
    uint8_t max_version;
    uint8_t min_version;
} proto_host_hello_t;

typedef struct {
    uint8_t version;
    uint8_t min_version;
    uint8_t mac[PROTO_MAC_LEN];
    uint8_t channel;
    uint16_t max_payload;
    uint16_t capabilities;
    uint8_t tx_queue;
    const uint8_t *firmware; /* UTF-8, not NUL-terminated */
    size_t firmware_len;     /* <= PROTO_FIRMWARE_MAX */
} proto_hello_t;

typedef struct {
    uint8_t src[PROTO_MAC_LEN];
    int8_t rssi;
    uint8_t channel;
    uint8_t flags;
    const uint8_t *payload;
    size_t payload_len; /* 1 .. PROTO_MAX_PAYLOAD */
} proto_rx_t;

typedef struct {
    uint16_t tx_id;
    uint8_t dst[PROTO_MAC_LEN];
    const uint8_t *payload;
    size_t payload_len; /* 1 .. PROTO_MAX_PAYLOAD */
} proto_tx_t;

typedef struct {
    uint16_t tx_id;
    uint8_t status;
} proto_tx_status_t;

typedef struct {
    uint8_t channel;
} proto_set_channel_t;

typedef struct {
    uint8_t channel;
    uint8_t status;
} proto_channel_t;

typedef struct {
    uint32_t nonce;
} proto_ping_t;

typedef struct {
    uint32_t nonce;
    uint32_t uptime_ms;
} proto_pong_t;

typedef struct {
    uint32_t counters[PROTO_STATS_COUNT];
    uint8_t count; /* PROTO_STATS_COUNT_V1 or PROTO_STATS_COUNT on the wire */
} proto_stats_t;

typedef struct {
    uint8_t code;
    const uint8_t *detail; /* UTF-8, not NUL-terminated */
    size_t detail_len;     /* <= PROTO_DETAIL_MAX */
} proto_error_t;

typedef struct {
    uint8_t type;
    union {
        proto_host_hello_t host_hello;
        proto_hello_t hello;
        proto_rx_t rx;
        proto_tx_t tx;
        proto_tx_status_t tx_status;
        proto_set_channel_t set_channel;
        proto_channel_t channel;
        proto_ping_t ping;
        proto_pong_t pong;
        proto_stats_t stats;
        proto_error_t error;
    } u;
} proto_msg_t;

typedef enum {
    PROTO_OK = 0,
    PROTO_E_EMPTY,        /* zero-length message: no type byte */
    PROTO_E_UNKNOWN_TYPE, /* type byte not in the table */
    PROTO_E_MALFORMED,    /* wrong length, bad text, payload empty */
    PROTO_E_TOO_LARGE,    /* RX/TX payload over PROTO_MAX_PAYLOAD */
    PROTO_E_INVALID,      /* encoder: a field is out of range */
    PROTO_E_BUFFER,       /* encoder: output buffer too small */
} proto_result_t;

/* True for the twelve types of the table. */
bool proto_type_known(uint8_t type);
/* True for the host -> bridge types of the table. */
bool proto_type_to_bridge(uint8_t type);
/* Name of a known type ("HOST_HELLO", ...), or "UNKNOWN". */
const char *proto_type_name(uint8_t type);

/* Decode one message (without its CRC). Total over any input: never reads
 * outside buf[0..len), always returns a result. On PROTO_E_MALFORMED and
 * PROTO_E_TOO_LARGE for a TX of at least 3 bytes, out->u.tx.tx_id is set,
 * so the bridge can answer with a TX_STATUS. Fixed-size messages must have
 * exactly their size, except HOST_HELLO, which may carry trailing bytes (a
 * later protocol version may add fields, and must still be able to
 * negotiate down). STATS has one of two sizes: 12 counters (version 1) or
 * 14 (version 2); u.stats.count says which. */
proto_result_t proto_decode(const uint8_t *buf, size_t len, proto_msg_t *out);

/* Encode one message (without CRC). Checks every field's range. */
proto_result_t proto_encode(const proto_msg_t *msg, uint8_t *out, size_t cap, size_t *out_len);

/* COBS(msg || CRC-32(msg) little-endian) || 0x00. Returns the wire length,
 * or 0 if `cap` is too small. */
size_t proto_frame_encode(const uint8_t *msg, size_t len, uint8_t *out, size_t cap);

/* Strict UTF-8 check (shortest forms only, no surrogates, <= U+10FFFF). */
bool proto_utf8_valid(const uint8_t *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif
