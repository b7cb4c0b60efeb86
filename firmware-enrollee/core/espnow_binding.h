/* Our ESP-NOW binding of DPP (docs/espnow-binding.md): each payload is
 *   0  1  binding version and flags: 0x10
 *   1  1  kind: 0x01 DPP message fragment
 *   2  2  messageId, little-endian (random at boot, +1 per message sent)
 *   4  1  fragmentIndex
 *   5  1  fragmentCount (1..68)
 *   6  .. fragment data; all but the last fragment full (244 or 1464 bytes)
 * and the receiver reassembles with fixed memory: ENOW_REASM_SLOTS partial
 * messages of at most ENOW_REASM_MAX_MESSAGE bytes, 2 s expiry, and the
 * last 32 completed ids of the last ENOW_REMEMBERED_SOURCES sources. */
#ifndef ESPNOW_BINDING_H
#define ESPNOW_BINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENOW_BINDING_V1 0x10u
/* Header flag: the sender's radio receives ESP-NOW v2 (1470-byte) payloads. */
#define ENOW_FLAG_ACCEPTS_V2 0x01u
#define ENOW_VERSION_MASK 0xf0u
#define ENOW_RESERVED_FLAGS 0x0eu
#define ENOW_KIND_DPP 0x01u
#define ENOW_HDR_LEN 6u
#define ENOW_V1_PAYLOAD 250u
#define ENOW_V2_PAYLOAD 1470u
#define ENOW_MAX_DPP_MESSAGE 16384u
/* ceil(16384 / 244) */
#define ENOW_MAX_FRAGMENTS 68u
#define ENOW_PARTIAL_EXPIRY_MS 2000u
#define ENOW_COMPLETED_IDS 32u
#define ENOW_MAX_PARTIALS_PER_SOURCE 4u

/* An enrollee talks to one configurator at a time: two partial messages
 * (its own and a stray one) are enough, and the largest message our
 * daemon sends it (a Configuration Response with a 4 KiB LwM2M bundle,
 * about 5.9 KiB) fits 8 KiB. Both are build options. */
#ifndef ENOW_REASM_SLOTS
#define ENOW_REASM_SLOTS 2u
#endif
#ifndef ENOW_REASM_MAX_MESSAGE
#define ENOW_REASM_MAX_MESSAGE 8192u
#endif
#ifndef ENOW_REMEMBERED_SOURCES
#define ENOW_REMEMBERED_SOURCES 4u
#endif

typedef struct {
    uint16_t message_id;
    uint8_t index;
    uint8_t count;
    const uint8_t *data;
    size_t len;
    bool accepts_v2; /* the sender said its radio receives 1470-byte payloads */
} enow_fragment_t;

/* Every check that needs no other fragment. Error codes 512-518 (see dpp_err.h). */
int enow_parse_fragment(const uint8_t *payload, size_t len, size_t max_payload, enow_fragment_t *f);

/* Fragments of a message of msg_len bytes under a payload limit (250 or 1470); 0 if it cannot be sent. */
size_t enow_fragment_count(size_t msg_len, size_t payload_limit);
/* Payload `index` of the message into out (payload_limit bytes); returns its length. */
size_t enow_fragment_payload(const uint8_t *msg, size_t msg_len, uint16_t message_id, size_t payload_limit,
                             size_t index, uint8_t *out);

typedef struct {
    uint32_t received, accepted, malformed, duplicate, started, completed, evicted, expired;
} enow_counters_t;

typedef enum { SLOT_FREE, SLOT_PARTIAL, SLOT_DONE } enow_slot_state_t;

typedef struct {
    enow_slot_state_t state;
    uint8_t src[6];
    uint16_t message_id;
    uint8_t count, received;
    uint16_t full_size; /* data bytes of a non-final fragment; 0: none seen yet */
    uint16_t last_size; /* data bytes of the final fragment; 0: not seen yet */
    uint32_t first_ms;
    uint32_t order; /* age: smaller is older */
    uint8_t have[(ENOW_MAX_FRAGMENTS + 7) / 8];
    /* the final fragment waits at the end of buf until the full size is known */
    uint8_t buf[ENOW_REASM_MAX_MESSAGE];
} enow_partial_t;

typedef struct {
    bool used;
    uint8_t src[6];
    uint8_t n, head;
    uint32_t order; /* recency of the last completion */
    uint16_t ids[ENOW_COMPLETED_IDS];
} enow_source_ids_t;

typedef struct {
    size_t max_payload;
    uint32_t clock_ms;
    bool clock_set;
    uint32_t next_order;
    enow_partial_t slots[ENOW_REASM_SLOTS];
    enow_source_ids_t sources[ENOW_REMEMBERED_SOURCES];
    enow_counters_t counters;
} enow_reasm_t;

void enow_reasm_init(enow_reasm_t *r, size_t max_payload);

/* Take one payload (writable: a one-fragment message is returned in place,
 * at payload + 6). DPP_OK with *msg set when it completes a message (valid
 * until the next call on r), DPP_OK with *msg NULL when stored, or the
 * code of a refused fragment (counted as malformed or duplicate). */
int enow_reasm_push(enow_reasm_t *r, const uint8_t src[6], uint8_t *payload, size_t len, uint32_t now_ms,
                    uint8_t **msg, size_t *msg_len);

/* Drop partial messages 2 s old; returns how many. */
size_t enow_reasm_expire(enow_reasm_t *r, uint32_t now_ms);
size_t enow_reasm_partials(const enow_reasm_t *r);

#endif
