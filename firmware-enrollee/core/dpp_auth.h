/* The Responder side of DPP Authentication (Wi-Fi Easy Connect 6.3), as
 * the Enrollee after its Presence Announcement: check the Authentication
 * Request, build the Authentication Response, check the Authentication
 * Confirm. Received messages are decrypted in place (see dpp_wrap.h). */
#ifndef DPP_AUTH_H
#define DPP_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "dpp_attr.h"
#include "dpp_bootstrap.h"
#include "dpp_frame.h"
#include "dpp_kdf.h"

/* The protocol version we speak: R2 (chirping, Configuration Result, Connection Status). */
#define DPP_OWN_PROTOCOL_VERSION 2

typedef struct {
    const dpp_own_key_t *own;
    /* The Configurator's bootstrapping key we pin, or NULL. */
    const dpp_peer_key_t *peer;
    /* Refuse a request that is not mutual with peer (set when pinning). */
    bool require_mutual;
    /* Tests pin these (protocol/dpp's protocolKey and nonce); NULL: fresh random ones. */
    const uint8_t *fixed_proto_priv;
    const uint8_t *fixed_r_nonce;
} dpp_responder_params_t;

typedef struct {
    bool mutual;
    uint8_t peer_version; /* min(ours, theirs) */
    uint8_t r_nonce[DPP_NONCE_LEN]; /* a failure Confirm wraps it */
    uint8_t k2[DPP_KEY_LEN];
    uint8_t ke[DPP_KEY_LEN];
    /* the Confirm's I-auth, computed with the Response: its inputs are all known then */
    uint8_t i_auth[DPP_KEY_LEN];
} dpp_auth_state_t;

/* The hashes a request names, before any elliptic-curve work. */
int dpp_peek_auth_request(const dpp_msg_t *m, const uint8_t **r_hash, const uint8_t **i_hash);

/* Request -> Response (written to w). On failure nothing is kept. */
int dpp_process_auth_request(const dpp_responder_params_t *p, const dpp_msg_t *m, dpp_auth_state_t *st,
                             dpp_wbuf_t *w);

/* DPP_OK: authenticated (st->ke is the session key). DPP_E_AUTH_STATUS_FAILURE:
 * a genuine failure Confirm (wrapped with k2 around our R-nonce). */
int dpp_process_auth_confirm(const dpp_responder_params_t *p, dpp_auth_state_t *st, const dpp_msg_t *m);

#endif
