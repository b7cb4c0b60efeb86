/* DPP messages as DPP over TCP and our ESP-NOW binding carry them: the
 * Public Action frame body without its category byte (0x04).
 *   0x09 vendor specific: OUI 50 6f 9a, type 0x1a, crypto suite 1, frame type, attributes
 *   0x0a-0x0d GAS Initial/Comeback Request/Response (the Configuration exchange)
 * The decoder is total: any bytes give a message or an error code. */
#ifndef DPP_FRAME_H
#define DPP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "dpp_attr.h"

#define DPP_PA_VENDOR_SPECIFIC 0x09
#define DPP_PA_GAS_INITIAL_REQ 0x0a
#define DPP_PA_GAS_INITIAL_RESP 0x0b
#define DPP_PA_GAS_COMEBACK_REQ 0x0c
#define DPP_PA_GAS_COMEBACK_RESP 0x0d

#define DPP_OUI_TYPE 0x1a
#define DPP_CRYPTO_SUITE 0x01
/* OUI | OUI type | crypto suite | frame type: the first AD component. */
#define DPP_HDR_LEN 6u
/* Largest message we accept (docs/espnow-binding.md). */
#define DPP_MAX_MESSAGE_LEN 16384u
/* DPP Advertisement Protocol element: id 108, len 8, 0x7f, WFA DPP. */
#define DPP_ADV_PROTO_LEN 10u
extern const uint8_t dpp_adv_proto[DPP_ADV_PROTO_LEN];

enum {
    DPP_FT_AUTH_REQ = 0,
    DPP_FT_AUTH_RESP = 1,
    DPP_FT_AUTH_CONF = 2,
    DPP_FT_CONFIG_RESULT = 11,
    DPP_FT_CONN_STATUS_RESULT = 12,
    DPP_FT_PRESENCE_ANNOUNCEMENT = 13,
};

typedef enum {
    DPP_MSG_FRAME,
    DPP_MSG_GAS_INITIAL_REQ,
    DPP_MSG_GAS_INITIAL_RESP,
    DPP_MSG_GAS_COMEBACK_REQ,
    DPP_MSG_GAS_COMEBACK_RESP,
} dpp_msg_kind_t;

typedef struct {
    dpp_msg_kind_t kind;
    /* DPP frames */
    uint8_t frame_type;
    const uint8_t *header; /* DPP_HDR_LEN bytes */
    const uint8_t *body;   /* attributes */
    size_t body_len;
    /* GAS */
    uint8_t dialog_token;
    uint16_t status_code;
    uint16_t comeback_delay;
    uint8_t fragment_id;
    const uint8_t *query;
    size_t query_len;
    /* DPP frames' attributes (a GAS frame's query attributes, once parsed); last, so the
     * decoder clears the fields above without touching 64 entries */
    dpp_attrs_t attrs;
} dpp_msg_t;

int dpp_msg_decode(const uint8_t *p, size_t len, dpp_msg_t *m);

/* 09 50 6f 9a 1a 01 <type>: the start of every DPP frame we send. */
void dpp_put_frame_start(dpp_wbuf_t *w, uint8_t frame_type);
/* The 6-byte AD header of a frame type. */
void dpp_frame_header(uint8_t frame_type, uint8_t out[DPP_HDR_LEN]);

#endif
