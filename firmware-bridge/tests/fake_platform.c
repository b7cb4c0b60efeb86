#include "fake_platform.h"

#include <stdlib.h>
#include <string.h>

static size_t f_serial_write(void *ctx, const uint8_t *data, size_t len)
{
    fake_t *f = ctx;
    if (f->blocked) {
        return 0;
    }
    if (f->write_chunk > 0 && len > f->write_chunk) {
        len = f->write_chunk;
    }
    if (f->discard_output) {
        /* keep parsing as a host would, but store nothing */
        for (size_t i = 0; i < len; i++) {
            deframer_event_t ev = deframer_push(&f->host_df, data[i]);
            if (ev == DEFRAMER_MESSAGE) {
                proto_msg_t m;
                if (proto_decode(f->host_df.msg, f->host_df.msg_len, &m) == PROTO_OK) {
                    f->out_types[m.type]++;
                } else {
                    f->out_frames_bad++;
                }
            } else if (ev != DEFRAMER_NONE) {
                f->out_frames_bad++;
            }
        }
        f->out_len += len;
        return len;
    }
    if (f->out_len + len > FAKE_OUT_CAP) {
        len = FAKE_OUT_CAP - f->out_len;
    }
    memcpy(f->out + f->out_len, data, len);
    f->out_len += len;
    return len;
}

static int f_radio_send(void *ctx, uint16_t handle, const uint8_t dst[PROTO_MAC_LEN], const uint8_t *payload,
                        size_t len)
{
    fake_t *f = ctx;
    fake_send_t *s = &f->sends[f->nsends % FAKE_SENDS];
    s->handle = handle;
    memcpy(s->dst, dst, PROTO_MAC_LEN);
    memcpy(s->payload, payload, len);
    s->len = len;
    f->nsends++;
    return f->send_rc;
}

static int f_set_channel(void *ctx, uint8_t ch)
{
    fake_t *f = ctx;
    if (f->set_channel_rc == 0) {
        f->channel = ch;
    }
    return f->set_channel_rc;
}

static uint32_t f_uptime(void *ctx) { return ((fake_t *)ctx)->now; }

static void f_mac(void *ctx, uint8_t mac[PROTO_MAC_LEN]) { memcpy(mac, ((fake_t *)ctx)->mac, PROTO_MAC_LEN); }

static uint16_t f_caps(void *ctx) { return ((fake_t *)ctx)->caps; }

static uint16_t f_max_payload(void *ctx) { return ((fake_t *)ctx)->max_payload; }

void fake_init(fake_t *f)
{
    uint8_t *out = f->out != NULL ? f->out : malloc(FAKE_OUT_CAP);
    memset(f, 0, sizeof(*f));
    f->out = out;
    deframer_init(&f->host_df, DEFRAMER_ACCEPT_TO_HOST);
    static const uint8_t mac[PROTO_MAC_LEN] = {0x24, 0x6f, 0x28, 0xa1, 0xb2, 0xc3};
    memcpy(f->mac, mac, PROTO_MAC_LEN);
    f->channel = 6;
    f->caps = PROTO_CAP_USB_CDC; /* as in the HELLO vector */
    f->max_payload = 250;
    f->now = 1000;
}

void fake_free(fake_t *f)
{
    free(f->out);
    f->out = NULL;
}

bridge_platform_t fake_platform(fake_t *f)
{
    bridge_platform_t p = {
        .ctx = f,
        .serial_write = f_serial_write,
        .radio_send = f_radio_send,
        .set_channel = f_set_channel,
        .uptime_ms = f_uptime,
        .get_mac = f_mac,
        .capabilities = f_caps,
        .max_payload = f_max_payload,
    };
    return p;
}

void fake_bridge_init(bridge_t *b, fake_t *f)
{
    bridge_platform_t p = fake_platform(f);
    bridge_config_t cfg = {.channel = f->channel, .firmware = "dpp-bridge 0.1.0", .tx_timeout_ms = 500};
    bridge_init(b, &p, &cfg);
}

bool fake_next(fake_t *f, uint8_t *msg, size_t cap, size_t *len)
{
    while (f->parse_pos < f->out_len) {
        deframer_event_t ev = deframer_push(&f->host_df, f->out[f->parse_pos++]);
        if (ev == DEFRAMER_MESSAGE) {
            if (f->host_df.msg_len > cap) {
                return false;
            }
            memcpy(msg, f->host_df.msg, f->host_df.msg_len);
            *len = f->host_df.msg_len;
            return true;
        }
        if (ev != DEFRAMER_NONE) {
            f->out_frames_bad++;
        }
    }
    return false;
}

bool fake_next_msg(fake_t *f, proto_msg_t *m)
{
    static uint8_t buf[PROTO_FRAME_LIMIT];
    size_t len = 0;
    if (!fake_next(f, buf, sizeof(buf), &len)) {
        return false;
    }
    return proto_decode(buf, len, m) == PROTO_OK;
}

void fake_drain(fake_t *f)
{
    uint8_t buf[PROTO_FRAME_LIMIT];
    size_t len;
    while (fake_next(f, buf, sizeof(buf), &len)) {
    }
}

size_t fake_host_send_raw(bridge_t *b, const uint8_t *msg, size_t len)
{
    uint8_t wire[PROTO_FRAME_MAX_WIRE(PROTO_FRAME_LIMIT)];
    size_t n = proto_frame_encode(msg, len, wire, sizeof(wire));
    size_t done = bridge_on_serial_bytes(b, wire, n);
    return done == n ? n : done;
}

size_t fake_host_send(bridge_t *b, const proto_msg_t *m)
{
    uint8_t msg[PROTO_FRAME_LIMIT];
    size_t len = 0;
    if (proto_encode(m, msg, sizeof(msg), &len) != PROTO_OK) {
        return 0;
    }
    return fake_host_send_raw(b, msg, len);
}

bool fake_negotiate_version(bridge_t *b, fake_t *f, uint8_t version)
{
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_HOST_HELLO;
    m.u.host_hello.max_version = version;
    m.u.host_hello.min_version = version;
    fake_drain(f);
    fake_host_send(b, &m);
    proto_msg_t r;
    return fake_next_msg(f, &r) && r.type == PROTO_HELLO && r.u.hello.version == version;
}

bool fake_negotiate(bridge_t *b, fake_t *f) { return fake_negotiate_version(b, f, PROTO_VERSION); }

const fake_send_t *fake_last_send(const fake_t *f)
{
    return f->nsends == 0 ? NULL : &f->sends[(f->nsends - 1u) % FAKE_SENDS];
}
