#include "espnow_binding.h"

#include <string.h>

#include "dpp_err.h"

#define V1_FULL (ENOW_V1_PAYLOAD - ENOW_HDR_LEN)
#define V2_FULL (ENOW_V2_PAYLOAD - ENOW_HDR_LEN)

int enow_parse_fragment(const uint8_t *p, size_t len, size_t max_payload, enow_fragment_t *f)
{
    if (len <= ENOW_HDR_LEN) return DPP_E_ESPNOW_NO_DATA;
    if (len > max_payload) return DPP_E_ESPNOW_PAYLOAD_TOO_LARGE;
    if ((p[0] & ENOW_VERSION_MASK) != ENOW_BINDING_V1 || (p[0] & ENOW_RESERVED_FLAGS) != 0)
        return DPP_E_ESPNOW_BAD_VERSION;
    f->accepts_v2 = (p[0] & ENOW_FLAG_ACCEPTS_V2) != 0;
    if (p[1] != ENOW_KIND_DPP) return DPP_E_ESPNOW_BAD_KIND;
    f->message_id = (uint16_t)(p[2] | (p[3] << 8));
    f->index = p[4];
    f->count = p[5];
    if (f->count == 0 || f->index >= f->count) return DPP_E_ESPNOW_BAD_INDEX;
    if (f->count > ENOW_MAX_FRAGMENTS) return DPP_E_ESPNOW_TOO_MANY_FRAGMENTS;
    f->data = p + ENOW_HDR_LEN;
    f->len = len - ENOW_HDR_LEN;
    if (f->index < f->count - 1) {
        if (len != ENOW_V1_PAYLOAD && len != ENOW_V2_PAYLOAD) return DPP_E_ESPNOW_NOT_FULL;
        if ((size_t)(f->count - 1) * f->len >= ENOW_MAX_DPP_MESSAGE) return DPP_E_ESPNOW_TOO_MANY_FRAGMENTS;
    }
    return DPP_OK;
}

size_t enow_fragment_count(size_t msg_len, size_t limit)
{
    if ((limit != ENOW_V1_PAYLOAD && limit != ENOW_V2_PAYLOAD) || msg_len == 0 || msg_len > ENOW_MAX_DPP_MESSAGE) {
        return 0;
    }
    size_t full = limit - ENOW_HDR_LEN;
    return (msg_len + full - 1) / full;
}

size_t enow_fragment_payload(const uint8_t *msg, size_t msg_len, uint16_t id, size_t limit, size_t index,
                             uint8_t *out)
{
    size_t count = enow_fragment_count(msg_len, limit);
    if (index >= count) return 0;
    size_t full = limit - ENOW_HDR_LEN;
    size_t off = index * full;
    size_t n = msg_len - off < full ? msg_len - off : full;
    out[0] = ENOW_BINDING_V1;
    out[1] = ENOW_KIND_DPP;
    out[2] = (uint8_t)id;
    out[3] = (uint8_t)(id >> 8);
    out[4] = (uint8_t)index;
    out[5] = (uint8_t)count;
    memcpy(out + ENOW_HDR_LEN, msg + off, n);
    return ENOW_HDR_LEN + n;
}

void enow_reasm_init(enow_reasm_t *r, size_t max_payload)
{
    memset(r, 0, sizeof(*r));
    r->max_payload = max_payload == ENOW_V1_PAYLOAD ? ENOW_V1_PAYLOAD : ENOW_V2_PAYLOAD;
}

/* Whether sizes (0: not known yet) can make one message that fits: the
 * final fragment no larger than a full one, the whole within both limits.
 * An unknown full size is the smallest the final fragment allows. */
static bool sizes_fit(size_t count, size_t full, size_t last)
{
    if (count == 1) return true;
    if (last == 0) last = 1;
    if (full == 0) full = last > V1_FULL ? V2_FULL : V1_FULL;
    size_t total = (count - 1) * full + last;
    return last <= full && total <= ENOW_MAX_DPP_MESSAGE;
}

static bool fits_buffer(size_t count, size_t full, size_t last)
{
    if (last == 0) last = 1;
    if (full == 0) full = last > V1_FULL ? V2_FULL : V1_FULL;
    return (count - 1) * full + last <= ENOW_REASM_MAX_MESSAGE;
}

/* A time in the past of one already seen counts as that one (wrap-safe). */
static uint32_t tick(enow_reasm_t *r, uint32_t now)
{
    if (!r->clock_set || (int32_t)(now - r->clock_ms) > 0) {
        r->clock_ms = now;
        r->clock_set = true;
    }
    return r->clock_ms;
}

static void release_done(enow_reasm_t *r)
{
    for (size_t i = 0; i < ENOW_REASM_SLOTS; i++) {
        if (r->slots[i].state == SLOT_DONE) r->slots[i].state = SLOT_FREE;
    }
}

size_t enow_reasm_expire(enow_reasm_t *r, uint32_t now_ms)
{
    uint32_t now = tick(r, now_ms);
    size_t n = 0;
    for (size_t i = 0; i < ENOW_REASM_SLOTS; i++) {
        enow_partial_t *p = &r->slots[i];
        if (p->state == SLOT_PARTIAL && now - p->first_ms >= ENOW_PARTIAL_EXPIRY_MS) {
            p->state = SLOT_FREE;
            n++;
        }
    }
    r->counters.expired += (uint32_t)n;
    return n;
}

size_t enow_reasm_partials(const enow_reasm_t *r)
{
    size_t n = 0;
    for (size_t i = 0; i < ENOW_REASM_SLOTS; i++) n += r->slots[i].state == SLOT_PARTIAL;
    return n;
}

static enow_source_ids_t *source_ids(enow_reasm_t *r, const uint8_t src[6])
{
    for (size_t i = 0; i < ENOW_REMEMBERED_SOURCES; i++) {
        if (r->sources[i].used && memcmp(r->sources[i].src, src, 6) == 0) return &r->sources[i];
    }
    return NULL;
}

static bool completed_before(enow_reasm_t *r, const uint8_t src[6], uint16_t id)
{
    enow_source_ids_t *s = source_ids(r, src);
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        if (s->ids[i] == id) return true;
    }
    return false;
}

/* Remember a completed id; the least recently completing source makes room. */
static void remember(enow_reasm_t *r, const uint8_t src[6], uint16_t id)
{
    enow_source_ids_t *s = source_ids(r, src);
    if (s == NULL) {
        s = &r->sources[0];
        for (size_t i = 0; i < ENOW_REMEMBERED_SOURCES; i++) {
            if (!r->sources[i].used) { s = &r->sources[i]; break; }
            if (r->sources[i].order < s->order) s = &r->sources[i];
        }
        memset(s, 0, sizeof(*s));
        s->used = true;
        memcpy(s->src, src, 6);
    }
    s->order = r->next_order++;
    s->ids[s->head] = id;
    s->head = (uint8_t)((s->head + 1) % ENOW_COMPLETED_IDS);
    if (s->n < ENOW_COMPLETED_IDS) s->n++;
}

static enow_partial_t *find_partial(enow_reasm_t *r, const uint8_t src[6], uint16_t id)
{
    for (size_t i = 0; i < ENOW_REASM_SLOTS; i++) {
        enow_partial_t *p = &r->slots[i];
        if (p->state == SLOT_PARTIAL && p->message_id == id && memcmp(p->src, src, 6) == 0) return p;
    }
    return NULL;
}

/* A free slot, evicting the source's oldest at its bound, then the oldest of all. */
static enow_partial_t *make_room(enow_reasm_t *r, const uint8_t src[6])
{
    enow_partial_t *oldest_src = NULL, *oldest = NULL, *free_slot = NULL;
    size_t of_src = 0;
    for (size_t i = 0; i < ENOW_REASM_SLOTS; i++) {
        enow_partial_t *p = &r->slots[i];
        if (p->state != SLOT_PARTIAL) {
            if (free_slot == NULL) free_slot = p;
            continue;
        }
        if (oldest == NULL || p->order < oldest->order) oldest = p;
        if (memcmp(p->src, src, 6) == 0) {
            of_src++;
            if (oldest_src == NULL || p->order < oldest_src->order) oldest_src = p;
        }
    }
    if (of_src >= ENOW_MAX_PARTIALS_PER_SOURCE) {
        oldest_src->state = SLOT_FREE;
        r->counters.evicted++;
        return oldest_src;
    }
    if (free_slot != NULL) return free_slot;
    oldest->state = SLOT_FREE;
    r->counters.evicted++;
    return oldest;
}

static int refuse(enow_reasm_t *r, int code)
{
    if (code == DPP_E_ESPNOW_DUPLICATE) r->counters.duplicate++;
    else r->counters.malformed++;
    return code;
}

/* Put the final fragment where it belongs once the full size is known. */
static void place_last(enow_partial_t *p)
{
    size_t at = (size_t)(p->count - 1) * p->full_size;
    memmove(p->buf + at, p->buf + ENOW_REASM_MAX_MESSAGE - p->last_size, p->last_size);
}

int enow_reasm_push(enow_reasm_t *r, const uint8_t src[6], uint8_t *payload, size_t len, uint32_t now_ms,
                    uint8_t **msg, size_t *msg_len)
{
    *msg = NULL;
    *msg_len = 0;
    release_done(r);
    r->counters.received++;
    enow_reasm_expire(r, now_ms);
    uint32_t now = r->clock_ms;
    enow_fragment_t f;
    int rc = enow_parse_fragment(payload, len, r->max_payload, &f);
    if (rc != 0) return refuse(r, rc);
    if (completed_before(r, src, f.message_id)) return refuse(r, DPP_E_ESPNOW_DUPLICATE);
    bool is_final = f.index == f.count - 1;
    enow_partial_t *p = find_partial(r, src, f.message_id);
    if (p != NULL) {
        if (f.count != p->count) return refuse(r, DPP_E_ESPNOW_COUNT_MISMATCH);
        if (p->have[f.index / 8] & (1u << (f.index % 8))) return refuse(r, DPP_E_ESPNOW_DUPLICATE);
        size_t full = is_final ? p->full_size : f.len;
        size_t last = is_final ? f.len : p->last_size;
        if (!is_final && p->full_size != 0 && p->full_size != f.len) return refuse(r, DPP_E_ESPNOW_SIZE_MISMATCH);
        if (!sizes_fit(p->count, full, last)) return refuse(r, DPP_E_ESPNOW_SIZE_MISMATCH);
        if (!fits_buffer(p->count, full, last)) return refuse(r, DPP_E_ESPNOW_MESSAGE_TOO_LARGE);
    } else {
        size_t full = is_final ? 0 : f.len, last = is_final ? f.len : 0;
        if (!sizes_fit(f.count, full, last)) return refuse(r, DPP_E_ESPNOW_SIZE_MISMATCH);
        r->counters.started++;
        if (f.count == 1) {
            /* the only fragment: the message is the payload's data, in place */
            r->counters.accepted++;
            r->counters.completed++;
            remember(r, src, f.message_id);
            *msg = payload + ENOW_HDR_LEN;
            *msg_len = f.len;
            return DPP_OK;
        }
        if (!fits_buffer(f.count, full, last)) {
            r->counters.started--;
            return refuse(r, DPP_E_ESPNOW_MESSAGE_TOO_LARGE);
        }
        p = make_room(r, src);
        p->state = SLOT_PARTIAL;
        memcpy(p->src, src, 6);
        p->message_id = f.message_id;
        p->count = f.count;
        p->received = 0;
        p->full_size = 0;
        p->last_size = 0;
        p->first_ms = now;
        p->order = r->next_order++;
        memset(p->have, 0, sizeof(p->have));
    }
    r->counters.accepted++;
    if (is_final) {
        p->last_size = (uint16_t)f.len;
        if (p->full_size != 0) {
            memcpy(p->buf + (size_t)f.index * p->full_size, f.data, f.len);
        } else {
            memcpy(p->buf + ENOW_REASM_MAX_MESSAGE - f.len, f.data, f.len);
        }
    } else {
        if (p->full_size == 0) {
            p->full_size = (uint16_t)f.len;
            if (p->last_size != 0) place_last(p);
        }
        memcpy(p->buf + (size_t)f.index * p->full_size, f.data, f.len);
    }
    p->have[f.index / 8] |= (uint8_t)(1u << (f.index % 8));
    p->received++;
    if (p->received < p->count) return DPP_OK;
    p->state = SLOT_DONE;
    r->counters.completed++;
    remember(r, src, p->message_id);
    *msg = p->buf;
    *msg_len = (size_t)(p->count - 1) * p->full_size + p->last_size;
    return DPP_OK;
}
