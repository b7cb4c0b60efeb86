#include "enrollee.h"

#include <string.h>

#include "dpp_crypto.h"
#include "dpp_err.h"
#include "dpp_frame.h"

static const uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

const char *enrollee_state_name(enr_state_t s)
{
    switch (s) {
    case ENR_IDLE: return "idle";
    case ENR_ANNOUNCING: return "announcing";
    case ENR_AWAIT_CONFIRM: return "awaitAuthConfirm";
    case ENR_AWAIT_CONFIG: return "awaitConfigResponse";
    case ENR_AWAIT_WIFI: return "awaitConnectionAttempt";
    case ENR_DONE: return "done";
    default: return "unknown";
    }
}

static enr_fx_t *push(enr_effects_t *fx, enr_fx_type_t type)
{
    if (fx->n == ENR_MAX_EFFECTS) {
        fx->overflow = true;
        return NULL;
    }
    enr_fx_t *f = &fx->fx[fx->n++];
    memset(f, 0, sizeof(*f));
    f->type = type;
    return f;
}

static void start_timer(enr_effects_t *fx, enr_timer_t t, uint32_t ms)
{
    enr_fx_t *f = push(fx, ENR_FX_START_TIMER);
    if (f) { f->timer = t; f->ms = ms; }
}

static void stop_timer(enr_effects_t *fx, enr_timer_t t)
{
    enr_fx_t *f = push(fx, ENR_FX_STOP_TIMER);
    if (f) f->timer = t;
}

static void set_state(enrollee_t *e, enr_effects_t *fx, enr_state_t s, int reason)
{
    e->state = s;
    enr_fx_t *f = push(fx, ENR_FX_STATE);
    if (f) { f->state = s; f->reason = reason; }
}

static void ignored(enrollee_t *e, enr_effects_t *fx, int reason)
{
    e->last_error = reason;
    enr_fx_t *f = push(fx, ENR_FX_IGNORED);
    if (f) f->reason = reason;
}

static bool is_v2_peer(const enrollee_t *e, const uint8_t mac[6])
{
    for (size_t i = 0; i < e->n_v2_peers; i++) {
        if (memcmp(e->v2_peers[i], mac, 6) == 0) return true;
    }
    return false;
}

/* A peer that says in its fragments' header that it receives v2 (or sent a longer-than-v1
   payload) may be sent 1470-byte payloads. */
static void note_v2_peer(enrollee_t *e, const uint8_t mac[6])
{
    if (is_v2_peer(e, mac)) return;
    if (e->n_v2_peers < ENR_V2_PEERS) {
        memcpy(e->v2_peers[e->n_v2_peers++], mac, 6);
    } else {
        memmove(e->v2_peers[0], e->v2_peers[1], 6 * (ENR_V2_PEERS - 1));
        memcpy(e->v2_peers[ENR_V2_PEERS - 1], mac, 6);
    }
}

/* A peer whose fragments stop saying so (another device under its MAC) gets v1 payloads again. */
static void forget_v2_peer(enrollee_t *e, const uint8_t mac[6])
{
    for (size_t i = 0; i < e->n_v2_peers; i++) {
        if (memcmp(e->v2_peers[i], mac, 6) != 0) continue;
        memmove(e->v2_peers[i], e->v2_peers[i + 1], 6 * (e->n_v2_peers - i - 1));
        e->n_v2_peers--;
        return;
    }
}

static void send_bytes(enrollee_t *e, enr_effects_t *fx, const uint8_t dst[6], const uint8_t *msg, size_t len,
                       uint16_t message_id)
{
    enr_fx_t *f = push(fx, ENR_FX_SEND);
    if (!f) return;
    memcpy(f->dst, dst, 6);
    f->msg = msg;
    f->len = len;
    f->message_id = message_id;
    bool bcast = memcmp(dst, broadcast_mac, 6) == 0;
    f->payload_limit = (uint16_t)(!bcast && is_v2_peer(e, dst) ? ENOW_V2_PAYLOAD : ENOW_V1_PAYLOAD);
    f->accepts_v2 = e->reasm.max_payload == ENOW_V2_PAYLOAD;
}

/* Send tx as a new message (a fresh messageId), to the session's peer. */
static void send_tx(enrollee_t *e, enr_effects_t *fx, bool retransmit_on_timer)
{
    e->tx_message_id = e->next_message_id++;
    e->transmissions = 1;
    e->retransmit_tx = retransmit_on_timer;
    send_bytes(e, fx, e->peer, e->tx, e->tx_len, e->tx_message_id);
    if (retransmit_on_timer) start_timer(fx, ENR_TIMER_RETRANSMIT, e->retransmit_ms);
}

/* A repeat is another transmission of the same message: a new messageId,
 * since the receiver remembers completed ids (docs/espnow-binding.md). */
static void resend_tx(enrollee_t *e, enr_effects_t *fx)
{
    e->tx_message_id = e->next_message_id++;
    send_bytes(e, fx, e->peer, e->tx, e->tx_len, e->tx_message_id);
}

static void announce(enrollee_t *e, enr_effects_t *fx)
{
    send_bytes(e, fx, broadcast_mac, e->announce, e->announce_len, e->next_message_id++);
    start_timer(fx, ENR_TIMER_CHIRP, e->listen_ms);
}

static void start_announcing(enrollee_t *e, enr_effects_t *fx, int reason)
{
    e->has_last_rx = false;
    e->tx_answers_last_rx = false;
    e->tx_len = 0;
    dpp_wipe(&e->auth, sizeof(e->auth));
    set_state(e, fx, ENR_ANNOUNCING, reason);
    announce(e, fx);
}

static void end_session(enrollee_t *e, enr_effects_t *fx, int reason)
{
    stop_timer(fx, ENR_TIMER_RETRANSMIT);
    stop_timer(fx, ENR_TIMER_STAGE);
    e->last_error = reason;
    /* stay on this channel: a configurator was here */
    start_announcing(e, fx, reason);
}

int enrollee_init(enrollee_t *e, const enr_config_t *cfg)
{
    memset(e, 0, sizeof(*e));
    int rc = dpp_crypto_init();
    if (rc != 0) return rc;
    if ((rc = dpp_own_key_init(&e->own, cfg->bootstrap_priv)) != 0) return rc;
    if (cfg->pinned_configurator != NULL) {
        e->pinned = cfg->pinned_configurator->key;
        e->has_pinned = true;
    }
    e->rp.own = &e->own;
    e->rp.peer = e->has_pinned ? &e->pinned : NULL;
    e->rp.require_mutual = e->has_pinned;
    e->rp.fixed_proto_priv = cfg->fixed_proto_priv;
    e->rp.fixed_r_nonce = cfg->fixed_r_nonce;
    e->fixed_e_nonce = cfg->fixed_e_nonce;
    e->info = cfg->info;
    e->listen_ms = cfg->listen_ms ? cfg->listen_ms : 2000;
    e->retransmit_ms = cfg->retransmit_ms ? cfg->retransmit_ms : 1000;
    e->max_transmissions = cfg->max_transmissions ? cfg->max_transmissions : 5;
    e->auth_timeout_ms = cfg->auth_timeout_ms ? cfg->auth_timeout_ms : 10000;
    e->config_timeout_ms = cfg->config_timeout_ms ? cfg->config_timeout_ms : 10000;
    e->wifi_timeout_ms = cfg->wifi_timeout_ms ? cfg->wifi_timeout_ms : 30000;
    channel_plan_init(&e->plan, cfg->channels, cfg->n_channels);
    enow_reasm_init(&e->reasm, cfg->v1_only ? ENOW_V1_PAYLOAD : ENOW_V2_PAYLOAD);
    /* the device info must make a Configuration Request that fits tx: one is built there (under
       the zero key; tx_len stays 0) */
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, e->tx, sizeof(e->tx));
    if (dpp_build_config_request(&w, e->auth.ke, e->e_nonce, &e->info) != 0) return DPP_E_CONFIG_BAD_REQUEST;
    dpp_wbuf_init(&w, e->announce, sizeof(e->announce));
    if ((rc = dpp_build_presence_announcement(&w, &e->own, !cfg->announce_chirp_only)) != 0) return rc;
    e->announce_len = w.len;
    /* messageIds start at a random value at boot */
    uint8_t r[2];
    if ((rc = dpp_random(r, 2)) != 0) return rc;
    e->next_message_id = (uint16_t)(r[0] | (r[1] << 8));
    e->state = ENR_IDLE;
    return DPP_OK;
}

void enrollee_start(enrollee_t *e, enr_effects_t *fx)
{
    if (e->state != ENR_IDLE) return;
    enr_fx_t *f = push(fx, ENR_FX_SET_CHANNEL);
    if (f) f->channel = channel_plan_current(&e->plan);
    start_announcing(e, fx, DPP_OK);
}

/* Accepted: remember it so a byte-identical repeat gets the same answer. */
static void accepted(enrollee_t *e, const uint8_t hash[32], bool answered)
{
    memcpy(e->last_rx, hash, 32);
    e->has_last_rx = true;
    e->tx_answers_last_rx = answered;
}

static void on_auth_request(enrollee_t *e, const uint8_t src[6], const dpp_msg_t *m, const uint8_t hash[32],
                            enr_effects_t *fx)
{
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, e->tx, sizeof(e->tx));
    int rc = dpp_process_auth_request(&e->rp, m, &e->auth, &w);
    if (rc != 0) {
        ignored(e, fx, rc);
        return; /* not for us, or not acceptable: keep announcing */
    }
    memcpy(e->peer, src, 6);
    e->tx_len = w.len;
    stop_timer(fx, ENR_TIMER_CHIRP);
    set_state(e, fx, ENR_AWAIT_CONFIRM, DPP_OK);
    start_timer(fx, ENR_TIMER_STAGE, e->auth_timeout_ms);
    send_tx(e, fx, true);
    accepted(e, hash, true);
}

static void on_auth_confirm(enrollee_t *e, const dpp_msg_t *m, const uint8_t hash[32], enr_effects_t *fx)
{
    int rc = dpp_process_auth_confirm(&e->rp, &e->auth, m);
    if (rc == DPP_E_AUTH_STATUS_FAILURE) {
        end_session(e, fx, rc);
        return;
    }
    if (rc != 0) {
        ignored(e, fx, rc);
        return;
    }
    if (e->fixed_e_nonce != NULL) {
        memcpy(e->e_nonce, e->fixed_e_nonce, 16);
    } else if ((rc = dpp_random(e->e_nonce, 16)) != 0) {
        end_session(e, fx, rc);
        return;
    }
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, e->tx, sizeof(e->tx));
    rc = dpp_build_config_request(&w, e->auth.ke, e->e_nonce, &e->info);
    if (rc != 0) {
        end_session(e, fx, rc);
        return;
    }
    e->tx_len = w.len;
    set_state(e, fx, ENR_AWAIT_CONFIG, DPP_OK);
    start_timer(fx, ENR_TIMER_STAGE, e->config_timeout_ms);
    send_tx(e, fx, true);
    accepted(e, hash, true);
}

/* Configuration Result (version 2 peers only), then wait for Wi-Fi or finish. */
static void report_result(enrollee_t *e, uint8_t status, const uint8_t hash[32], enr_effects_t *fx)
{
    stop_timer(fx, ENR_TIMER_RETRANSMIT);
    bool answered = false;
    if (e->auth.peer_version >= 2) {
        dpp_wbuf_t w;
        dpp_wbuf_init(&w, e->tx, sizeof(e->tx));
        if (dpp_build_config_result(&w, e->auth.ke, e->e_nonce, status) == 0) {
            e->tx_len = w.len;
            send_tx(e, fx, false); /* resent only when the Response is repeated */
            answered = true;
        }
    }
    accepted(e, hash, answered);
}

static void on_config_response(enrollee_t *e, dpp_msg_t *m, const uint8_t hash[32], enr_effects_t *fx)
{
    dpp_config_response_t resp;
    int rc = dpp_parse_config_response(e->auth.ke, e->e_nonce, m, &resp);
    if (rc != 0) {
        ignored(e, fx, rc);
        return;
    }
    if (resp.status != DPP_STATUS_OK) {
        end_session(e, fx, DPP_E_CONFIG_REJECTED);
        return;
    }
    dpp_config_obj_t *obj = &e->delivered;
    rc = dpp_parse_config_obj((char *)resp.config_obj, resp.config_obj_len, obj);
    if (rc != 0) {
        dpp_wipe(obj, sizeof(*obj));
        /* tell the configurator why, then announce again (the Result's bytes stay in tx until the next call) */
        report_result(e, DPP_STATUS_CONFIG_REJECTED, hash, fx);
        end_session(e, fx, rc);
        return;
    }
    memcpy(e->ssid, obj->ssid, obj->ssid_len);
    e->ssid_len = obj->ssid_len;
    e->send_conn_status = resp.send_conn_status;
    enr_fx_t *f = push(fx, ENR_FX_CREDENTIALS);
    if (f) f->config = obj;
    report_result(e, DPP_STATUS_OK, hash, fx);
    if (e->send_conn_status && e->auth.peer_version >= 2) {
        set_state(e, fx, ENR_AWAIT_WIFI, DPP_OK);
        start_timer(fx, ENR_TIMER_STAGE, e->wifi_timeout_ms);
    } else {
        stop_timer(fx, ENR_TIMER_STAGE);
        set_state(e, fx, ENR_DONE, DPP_OK);
    }
}

/* The credentials of a CREDENTIALS effect live until the next call. */
static void forget_delivered(enrollee_t *e)
{
    if (e->delivered.ssid_len != 0) dpp_wipe(&e->delivered, sizeof(e->delivered));
}

void enrollee_on_message(enrollee_t *e, const uint8_t src[6], uint8_t *msg, size_t len, enr_effects_t *fx)
{
    forget_delivered(e);
    if (e->state == ENR_IDLE) return;
    bool in_session = e->state != ENR_ANNOUNCING;
    if (in_session && memcmp(src, e->peer, 6) != 0) {
        ignored(e, fx, DPP_E_AUTH_UNEXPECTED_FRAME); /* another configurator, or anyone else */
        return;
    }
    uint8_t hash[32];
    dpp_span_t whole = {msg, len};
    if (dpp_sha256(&whole, 1, hash) != 0) return;
    if (in_session && e->has_last_rx && memcmp(hash, e->last_rx, 32) == 0) {
        /* the peer missed our answer: send the same one again, not a recomputed one */
        if (e->tx_answers_last_rx) resend_tx(e, fx);
        return;
    }
    dpp_msg_t m;
    int rc = dpp_msg_decode(msg, len, &m);
    if (rc != 0) {
        ignored(e, fx, rc);
        return;
    }
    bool is_frame = m.kind == DPP_MSG_FRAME;
    switch (e->state) {
    case ENR_ANNOUNCING:
        if (is_frame && m.frame_type == DPP_FT_AUTH_REQ) on_auth_request(e, src, &m, hash, fx);
        else ignored(e, fx, DPP_E_AUTH_UNEXPECTED_FRAME);
        return;
    case ENR_AWAIT_CONFIRM:
        if (is_frame && m.frame_type == DPP_FT_AUTH_CONF) on_auth_confirm(e, &m, hash, fx);
        else ignored(e, fx, DPP_E_AUTH_UNEXPECTED_FRAME);
        return;
    case ENR_AWAIT_CONFIG:
        if (m.kind == DPP_MSG_GAS_INITIAL_RESP) on_config_response(e, &m, hash, fx);
        else ignored(e, fx, DPP_E_AUTH_UNEXPECTED_FRAME);
        return;
    default:
        ignored(e, fx, DPP_E_AUTH_UNEXPECTED_FRAME);
        return;
    }
}

void enrollee_on_radio(enrollee_t *e, const uint8_t src[6], bool broadcast, uint8_t *payload, size_t len,
                       uint32_t now_ms, enr_effects_t *fx)
{
    /* a configurator answers by unicast; broadcasts are other devices' announcements */
    forget_delivered(e);
    if (broadcast || e->state == ENR_IDLE) return;
    uint8_t *msg;
    size_t msg_len;
    int rc = enow_reasm_push(&e->reasm, src, payload, len, now_ms, &msg, &msg_len);
    if (rc != 0) {
        if (rc != DPP_E_ESPNOW_DUPLICATE) ignored(e, fx, rc);
        return;
    }
    /* It sent a longer-than-v1 payload, or said in the header that its radio receives them; only
       a radio that speaks v2 itself may send it one. */
    if (e->reasm.max_payload == ENOW_V2_PAYLOAD) {
        if (len > ENOW_V1_PAYLOAD || (payload[0] & ENOW_FLAG_ACCEPTS_V2) != 0) note_v2_peer(e, src);
        else forget_v2_peer(e, src);
    }
    if (msg != NULL) enrollee_on_message(e, src, msg, msg_len, fx);
}

void enrollee_on_timer(enrollee_t *e, enr_timer_t t, enr_effects_t *fx)
{
    forget_delivered(e);
    switch (t) {
    case ENR_TIMER_CHIRP:
        if (e->state != ENR_ANNOUNCING) return;
        {
            uint8_t before = channel_plan_current(&e->plan);
            uint8_t next = channel_plan_next(&e->plan);
            if (next != before) {
                enr_fx_t *f = push(fx, ENR_FX_SET_CHANNEL);
                if (f) f->channel = next;
            }
        }
        announce(e, fx);
        return;
    case ENR_TIMER_RETRANSMIT:
        if (!e->retransmit_tx || e->transmissions >= e->max_transmissions ||
            (e->state != ENR_AWAIT_CONFIRM && e->state != ENR_AWAIT_CONFIG)) {
            return;
        }
        e->transmissions++;
        resend_tx(e, fx);
        start_timer(fx, ENR_TIMER_RETRANSMIT, e->retransmit_ms);
        return;
    case ENR_TIMER_STAGE:
        if (e->state == ENR_AWAIT_WIFI) {
            /* the credentials are delivered: without a Wi-Fi verdict there is nothing to report */
            stop_timer(fx, ENR_TIMER_RETRANSMIT);
            set_state(e, fx, ENR_DONE, DPP_E_AUTH_TIMEOUT);
            return;
        }
        if (e->state == ENR_AWAIT_CONFIRM || e->state == ENR_AWAIT_CONFIG) {
            end_session(e, fx, DPP_E_AUTH_TIMEOUT);
        }
        return;
    }
}

void enrollee_on_wifi(enrollee_t *e, uint8_t dpp_status, enr_effects_t *fx)
{
    forget_delivered(e);
    if (e->state != ENR_AWAIT_WIFI) return;
    uint8_t json[64];
    dpp_wbuf_t j, w;
    dpp_wbuf_init(&j, json, sizeof(json));
    dpp_build_conn_status_json(&j, dpp_status, e->ssid, e->ssid_len);
    dpp_wbuf_init(&w, e->tx, sizeof(e->tx));
    stop_timer(fx, ENR_TIMER_STAGE);
    if (!j.overflow && dpp_build_conn_status_result(&w, e->auth.ke, e->e_nonce, json, j.len) == 0) {
        e->tx_len = w.len;
        /* it answers the Configuration Response from now on, as the Result did */
        send_tx(e, fx, false);
    }
    set_state(e, fx, ENR_DONE, DPP_OK);
}

size_t enrollee_fx_payload(const enr_fx_t *fx, size_t index, uint8_t *out)
{
    if (fx->type != ENR_FX_SEND) return 0;
    size_t n = enow_fragment_payload(fx->msg, fx->len, fx->message_id, fx->payload_limit, index, out);
    if (n > 0 && fx->accepts_v2) out[0] |= ENOW_FLAG_ACCEPTS_V2;
    return n;
}
