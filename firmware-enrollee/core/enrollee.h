/* The DPP Enrollee over our ESP-NOW binding, as a pure state machine.
 *
 * The platform (ESP-IDF glue, the host program, tests) owns the radio,
 * the timers and Wi-Fi, and calls in:
 *   enrollee_start()      begin announcing;
 *   enrollee_on_radio()   an ESP-NOW payload arrived;
 *   enrollee_on_timer()   a timer the core started has expired;
 *   enrollee_on_wifi()    the attempt to join the delivered network ended.
 * Each call returns its effects in order: set the channel, send a message
 * (fragment it with enrollee_fx_payload), start/stop a timer, deliver the
 * credentials, report a state change. The core owns no timers and no
 * clock (time comes in as now_ms, for reassembly expiry only), allocates
 * nothing, and holds everything in enrollee_t.
 *
 *   ANNOUNCING --Auth Request for our key--> AWAIT_CONFIRM --Confirm--> AWAIT_CONFIG
 *   AWAIT_CONFIG --Configuration Response--> credentials, Configuration Result
 *                --> AWAIT_WIFI --wifi result--> Connection Status Result --> DONE
 * A failed session (timeout, authenticated failure status, refused
 * configuration) goes back to ANNOUNCING on the same channel. */
#ifndef ENROLLEE_H
#define ENROLLEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel_plan.h"
#include "dpp_auth.h"
#include "dpp_bootstrap.h"
#include "dpp_config.h"
#include "espnow_binding.h"

/* Our largest message: a Configuration Request with its deviceInfo. */
#ifndef ENR_TX_MAX
#define ENR_TX_MAX 768u
#endif
/* Our Presence Announcement: action byte, DPP header, chirp hash, Bootstrapping Key. */
#define ENR_ANNOUNCE_LEN (1u + DPP_HDR_LEN + DPP_ATTR_HDR_LEN + 32u + DPP_ATTR_HDR_LEN + DPP_SPKI_COMPRESSED_LEN)
#define ENR_MAX_EFFECTS 10u
#define ENR_V2_PEERS 4u

typedef enum { ENR_TIMER_CHIRP, ENR_TIMER_RETRANSMIT, ENR_TIMER_STAGE } enr_timer_t;

typedef enum { ENR_IDLE, ENR_ANNOUNCING, ENR_AWAIT_CONFIRM, ENR_AWAIT_CONFIG, ENR_AWAIT_WIFI, ENR_DONE } enr_state_t;

typedef enum {
    ENR_FX_SET_CHANNEL,
    ENR_FX_SEND,
    ENR_FX_START_TIMER,
    ENR_FX_STOP_TIMER,
    ENR_FX_CREDENTIALS,
    ENR_FX_STATE,
    ENR_FX_IGNORED, /* a message was dropped; reason says why */
} enr_fx_type_t;

typedef struct {
    enr_fx_type_t type;
    enr_timer_t timer;  /* START/STOP_TIMER */
    uint32_t ms;        /* START_TIMER */
    uint8_t channel;    /* SET_CHANNEL */
    uint8_t dst[6];     /* SEND */
    const uint8_t *msg; /* SEND: the DPP message, valid until the next call */
    size_t len;
    uint16_t message_id;
    uint16_t payload_limit;
    bool accepts_v2;    /* SEND: our fragments say our radio receives 1470-byte payloads */
    const dpp_config_obj_t *config; /* CREDENTIALS: valid until the next call (it points into the received message) */
    enr_state_t state;              /* STATE */
    int reason;                     /* STATE, IGNORED: a dpp_err_t */
} enr_fx_t;

typedef struct {
    size_t n;
    bool overflow; /* never set by design; tests check it */
    enr_fx_t fx[ENR_MAX_EFFECTS];
} enr_effects_t;

typedef struct {
    uint8_t bootstrap_priv[32];
    /* The Configurator we pin (its URI parsed); NULL: any configurator. */
    const dpp_uri_t *pinned_configurator;
    dpp_device_info_t info;
    const uint8_t *channels; /* NULL: 1-13 */
    size_t n_channels;
    uint32_t listen_ms;         /* 0: 2000 */
    uint32_t retransmit_ms;     /* 0: 1000 */
    uint8_t max_transmissions;  /* 0: 5 */
    uint32_t auth_timeout_ms;   /* 0: 10000 */
    uint32_t config_timeout_ms; /* 0: 10000 */
    uint32_t wifi_timeout_ms;   /* 0: 30000 */
    bool announce_chirp_only;   /* leave out the Bootstrapping Key attribute */
    bool v1_only;               /* a radio that cannot receive 1470-byte payloads */
    /* Tests pin these as protocol/dpp does; NULL: fresh random values. */
    const uint8_t *fixed_proto_priv;
    const uint8_t *fixed_r_nonce;
    const uint8_t *fixed_e_nonce;
} enr_config_t;

typedef struct {
    enr_state_t state;
    int last_error;
    /* configuration */
    dpp_own_key_t own;
    dpp_peer_key_t pinned;
    bool has_pinned;
    dpp_responder_params_t rp;
    dpp_device_info_t info;
    uint32_t listen_ms, retransmit_ms, auth_timeout_ms, config_timeout_ms, wifi_timeout_ms;
    uint8_t max_transmissions;
    const uint8_t *fixed_e_nonce;
    /* radio */
    channel_plan_t plan;
    uint8_t announce[ENR_ANNOUNCE_LEN];
    size_t announce_len;
    uint16_t next_message_id;
    uint8_t v2_peers[ENR_V2_PEERS][6];
    size_t n_v2_peers;
    enow_reasm_t reasm;
    /* session */
    uint8_t peer[6];
    dpp_auth_state_t auth;
    uint8_t e_nonce[16];
    bool send_conn_status;
    uint8_t ssid[32];
    size_t ssid_len;
    dpp_config_obj_t delivered; /* what a CREDENTIALS effect points to; its strings are in the message */
    uint8_t tx[ENR_TX_MAX];
    size_t tx_len;
    uint16_t tx_message_id;
    uint8_t transmissions;
    bool retransmit_tx; /* tx is resent on the retransmit timer */
    /* the last message accepted (its hash) and whether tx answers it */
    uint8_t last_rx[32];
    bool has_last_rx, tx_answers_last_rx;
} enrollee_t;

/* DPP_OK, or the refusal of the key (DPP_E_CRYPTO_KEY_MISMATCH) or of the device info. */
int enrollee_init(enrollee_t *e, const enr_config_t *cfg);
void enrollee_start(enrollee_t *e, enr_effects_t *fx);
void enrollee_on_radio(enrollee_t *e, const uint8_t src[6], bool broadcast, uint8_t *payload, size_t len,
                       uint32_t now_ms, enr_effects_t *fx);
/* One whole DPP message (writable: it is decrypted in place). */
void enrollee_on_message(enrollee_t *e, const uint8_t src[6], uint8_t *msg, size_t len, enr_effects_t *fx);
void enrollee_on_timer(enrollee_t *e, enr_timer_t t, enr_effects_t *fx);
/* dpp_status: 0 joined; else DPP_STATUS_NO_AP, DPP_STATUS_AUTH_FAILURE ... */
void enrollee_on_wifi(enrollee_t *e, uint8_t dpp_status, enr_effects_t *fx);

/* Payload `index` of a SEND effect (out: ENOW_V2_PAYLOAD bytes); 0 past the last. */
size_t enrollee_fx_payload(const enr_fx_t *fx, size_t index, uint8_t *out);

const char *enrollee_state_name(enr_state_t s);

#endif
