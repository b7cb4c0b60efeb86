/* DPP attributes: TLVs with a 2-byte little-endian id and a 2-byte
 * little-endian length. Ids and status codes carry the specification's
 * numbers (Wi-Fi Easy Connect, tables 30/31), as hostap's dpp.h does. */
#ifndef DPP_ATTR_H
#define DPP_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    DPP_ATTR_STATUS = 0x1000,
    DPP_ATTR_I_BOOTSTRAP_KEY_HASH = 0x1001,
    DPP_ATTR_R_BOOTSTRAP_KEY_HASH = 0x1002,
    DPP_ATTR_I_PROTOCOL_KEY = 0x1003,
    DPP_ATTR_WRAPPED_DATA = 0x1004,
    DPP_ATTR_I_NONCE = 0x1005,
    DPP_ATTR_I_CAPABILITIES = 0x1006,
    DPP_ATTR_R_NONCE = 0x1007,
    DPP_ATTR_R_CAPABILITIES = 0x1008,
    DPP_ATTR_R_PROTOCOL_KEY = 0x1009,
    DPP_ATTR_I_AUTH_TAG = 0x100a,
    DPP_ATTR_R_AUTH_TAG = 0x100b,
    DPP_ATTR_CONFIG_OBJ = 0x100c,
    DPP_ATTR_CONNECTOR = 0x100d,
    DPP_ATTR_CONFIG_ATTR_OBJ = 0x100e,
    DPP_ATTR_BOOTSTRAP_KEY = 0x100f,
    DPP_ATTR_ENROLLEE_NONCE = 0x1014,
    DPP_ATTR_CHANNEL = 0x1018,
    DPP_ATTR_PROTOCOL_VERSION = 0x1019,
    DPP_ATTR_SEND_CONN_STATUS = 0x101b,
    DPP_ATTR_CONN_STATUS = 0x101c,
};

enum {
    DPP_STATUS_OK = 0,
    DPP_STATUS_NOT_COMPATIBLE = 1,
    DPP_STATUS_AUTH_FAILURE = 2,
    DPP_STATUS_UNWRAP_FAILURE = 3,
    DPP_STATUS_BAD_GROUP = 4,
    DPP_STATUS_CONFIGURE_FAILURE = 5,
    DPP_STATUS_RESPONSE_PENDING = 6,
    DPP_STATUS_INVALID_CONNECTOR = 7,
    DPP_STATUS_NO_MATCH = 8,
    DPP_STATUS_CONFIG_REJECTED = 9,
    DPP_STATUS_NO_AP = 10,
};

/* Capabilities bits in I-capabilities / R-capabilities. */
#define DPP_CAPAB_ENROLLEE 0x01u
#define DPP_CAPAB_CONFIGURATOR 0x02u

#define DPP_ATTR_HDR_LEN 4u
/* No message we handle needs more; a flood of tiny TLVs is refused. */
#define DPP_MAX_ATTRIBUTES 64u

typedef struct {
    uint16_t id;
    uint16_t len;
    const uint8_t *val; /* into the decoded bytes */
} dpp_attr_t;

typedef struct {
    size_t n;
    dpp_attr_t a[DPP_MAX_ATTRIBUTES];
} dpp_attrs_t;

/* Split bytes into TLVs. Total: DPP_OK, DPP_E_DECODE_TRUNCATED (header cut
 * short), DPP_E_DECODE_ATTRIBUTE_OVERRUN (length past the end) or
 * DPP_E_DECODE_OVERSIZED (more than 64). */
int dpp_attrs_decode(const uint8_t *p, size_t len, dpp_attrs_t *out);

/* One attribute a message defines: len < 0 means any length. */
typedef struct {
    uint16_t id;
    int16_t len;
    bool optional;
} dpp_attr_rule_t;

/* hostap's dpp_check_attrs, per message: found[i] is the attribute of
 * rule i or NULL when optional and absent. Duplicates, missing mandatory
 * attributes and wrong fixed lengths are refused; unknown ids ignored. */
int dpp_attrs_pick(const dpp_attrs_t *attrs, const dpp_attr_rule_t *rules, size_t n, const dpp_attr_t **found);

/* Wrapped Data must be the last attribute. *before_len: bytes of the
 * attributes before it (the second AD component). */
int dpp_split_wrapped(const dpp_attrs_t *attrs, size_t *before_len, const dpp_attr_t **wrapped);

/* A bounded writer: writes past cap set overflow and are dropped. */
typedef struct {
    uint8_t *p;
    size_t cap;
    size_t len;
    bool overflow;
} dpp_wbuf_t;

void dpp_wbuf_init(dpp_wbuf_t *w, uint8_t *p, size_t cap);
void dpp_wbuf_put(dpp_wbuf_t *w, const void *data, size_t len);
void dpp_wbuf_u8(dpp_wbuf_t *w, uint8_t v);
void dpp_wbuf_u16le(dpp_wbuf_t *w, uint16_t v);
void dpp_put_attr(dpp_wbuf_t *w, uint16_t id, const void *val, size_t len);
/* Reserve an attribute of len bytes; returns where its value goes (NULL on overflow). */
uint8_t *dpp_reserve_attr(dpp_wbuf_t *w, uint16_t id, size_t len);

#endif
