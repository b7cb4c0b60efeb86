/* The ESP-NOW binding: the shared fragment vectors (the same file the
 * TypeScript tests read), then reassembly's bounds one by one. */
#include <string.h>

#include "dpp_err.h"
#include "espnow_binding.h"
#include "test.h"
#include "test_util.h"

static const char *s_dir;
static vector_file_t s_vf;
static const uint8_t mac_a[6] = {2, 0, 0, 0, 0, 0xa}, mac_b[6] = {2, 0, 0, 0, 0, 0xb};

static void shared_vectors(void)
{
    static uint8_t msg[2000], frags[3][260], out[ENOW_V2_PAYLOAD];
    CHECK(vector_load(&s_vf, s_dir, "espnow-fragments.json"));
    const json_node_t *root = json_root(&s_vf.doc);
    size_t n = vector_hex(&s_vf, root, "message", msg, sizeof(msg));
    CHECK_EQ_INT(n, 600);
    const json_node_t *id = json_get(&s_vf.doc, root, "messageId");
    const json_node_t *limit = json_get(&s_vf.doc, root, "payloadLimit");
    const json_node_t *list = json_get(&s_vf.doc, root, "fragments");
    CHECK(id != NULL && limit != NULL && list != NULL);
    if (id == NULL || limit == NULL || list == NULL) return;
    size_t count = enow_fragment_count(n, (size_t)limit->num);
    CHECK_EQ_INT(count, list->count);
    size_t flen[3];
    for (size_t i = 0; i < count && i < 3; i++) {
        const json_node_t *f = json_at(&s_vf.doc, list, i);
        flen[i] = hex_decode(f->str, frags[i], sizeof(frags[i]));
        size_t len = enow_fragment_payload(msg, n, (uint16_t)id->num, (size_t)limit->num, i, out);
        CHECK(len == flen[i] && memcmp(out, frags[i], len) == 0);
    }
    /* reassembled in order, reversed, and with repeats */
    static enow_reasm_t r;
    static const size_t orders[3][5] = {{0, 1, 2, 9, 9}, {2, 1, 0, 9, 9}, {1, 1, 2, 2, 0}};
    for (int o = 0; o < 3; o++) {
        enow_reasm_init(&r, ENOW_V2_PAYLOAD);
        uint8_t *got = NULL;
        size_t got_len = 0;
        for (int k = 0; k < 5 && orders[o][k] != 9; k++) {
            uint8_t copy[260];
            size_t i = orders[o][k];
            memcpy(copy, frags[i], flen[i]);
            int rc = enow_reasm_push(&r, mac_a, copy, flen[i], 100, &got, &got_len);
            CHECK(rc == 0 || rc == DPP_E_ESPNOW_DUPLICATE);
        }
        CHECK(got != NULL && got_len == 600 && memcmp(got, msg, 600) == 0);
        CHECK_EQ_INT(r.counters.completed, 1);
        CHECK_EQ_INT(r.counters.duplicate, o == 2 ? 2 : 0);
        /* a late repeat of a completed message's fragment is a duplicate too */
        uint8_t copy[260];
        memcpy(copy, frags[0], flen[0]);
        CHECK_EQ_INT(enow_reasm_push(&r, mac_a, copy, flen[0], 200, &got, &got_len), DPP_E_ESPNOW_DUPLICATE);
        CHECK(got == NULL);
    }
}

/* A message of n bytes (byte i = i*7+seed) as payloads under limit. */
static size_t payloads(size_t n, uint16_t id, size_t limit, uint8_t seed, uint8_t p[][ENOW_V2_PAYLOAD], size_t *lens)
{
    static uint8_t msg[ENOW_MAX_DPP_MESSAGE];
    for (size_t i = 0; i < n; i++) msg[i] = (uint8_t)(i * 7 + seed);
    size_t count = enow_fragment_count(n, limit);
    for (size_t i = 0; i < count; i++) lens[i] = enow_fragment_payload(msg, n, id, limit, i, p[i]);
    return count;
}

static bool is_message(const uint8_t *m, size_t len, size_t n, uint8_t seed)
{
    if (m == NULL || len != n) return false;
    for (size_t i = 0; i < n; i++) {
        if (m[i] != (uint8_t)(i * 7 + seed)) return false;
    }
    return true;
}

static void v2_and_single_fragments(void)
{
    static uint8_t p[12][ENOW_V2_PAYLOAD];
    size_t lens[12];
    static enow_reasm_t r;
    uint8_t *m;
    size_t ml;
    enow_reasm_init(&r, ENOW_V2_PAYLOAD);
    CHECK_EQ_INT(payloads(3000, 7, ENOW_V2_PAYLOAD, 1, p, lens), 3);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[2], lens[2], 0, &m, &ml), 0); /* the final one first */
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[0], lens[0], 0, &m, &ml), 0);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[1], lens[1], 0, &m, &ml), 0);
    CHECK(is_message(m, ml, 3000, 1));
    /* one fragment: returned in place */
    CHECK_EQ_INT(payloads(100, 8, ENOW_V1_PAYLOAD, 2, p, lens), 1);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[0], lens[0], 0, &m, &ml), 0);
    CHECK(m == p[0] + ENOW_HDR_LEN && is_message(m, ml, 100, 2));
    /* a v1 receiver refuses a v2 payload */
    enow_reasm_init(&r, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(payloads(3000, 9, ENOW_V2_PAYLOAD, 1, p, lens), 3);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[0], lens[0], 0, &m, &ml), DPP_E_ESPNOW_PAYLOAD_TOO_LARGE);
    /* the largest message, 16384 bytes in 68 v1 fragments, is beyond our 8 KiB buffer */
    CHECK_EQ_INT(enow_fragment_count(16384, ENOW_V1_PAYLOAD), 68);
    CHECK_EQ_INT(enow_fragment_count(16385, ENOW_V1_PAYLOAD), 0);
    CHECK_EQ_INT(enow_fragment_count(16384, ENOW_V2_PAYLOAD), 12);
}

static void bounds(void)
{
    static uint8_t p[40][ENOW_V2_PAYLOAD];
    size_t lens[40];
    static enow_reasm_t r;
    uint8_t *m;
    size_t ml;
    enow_reasm_init(&r, ENOW_V2_PAYLOAD);
    /* expiry: 2 s after the first fragment */
    payloads(600, 1, ENOW_V1_PAYLOAD, 3, p, lens);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[0], lens[0], 1000, &m, &ml), 0);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[1], lens[1], 2999, &m, &ml), 0);
    CHECK_EQ_INT(enow_reasm_partials(&r), 1);
    CHECK_EQ_INT(enow_reasm_expire(&r, 3000), 1);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[2], lens[2], 3000, &m, &ml), 0);
    CHECK(m == NULL); /* its message expired: this final fragment starts a new partial */
    CHECK_EQ_INT(r.counters.expired, 1);
    /* a clock that goes back counts as the latest seen */
    CHECK_EQ_INT(enow_reasm_expire(&r, 10), 0);
    /* eviction: a third partial message evicts the oldest of two slots */
    enow_reasm_init(&r, ENOW_V2_PAYLOAD);
    for (uint16_t id = 10; id < 13; id++) {
        payloads(600, id, ENOW_V1_PAYLOAD, (uint8_t)id, p, lens);
        CHECK_EQ_INT(enow_reasm_push(&r, id == 11 ? mac_b : mac_a, p[0], lens[0], 0, &m, &ml), 0);
    }
    CHECK_EQ_INT(r.counters.evicted, ENOW_REASM_SLOTS == 2 ? 1 : 0);
    CHECK_EQ_INT(enow_reasm_partials(&r), ENOW_REASM_SLOTS < 3 ? ENOW_REASM_SLOTS : 3);
    /* the newest (id 12) completes */
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[1], lens[1], 0, &m, &ml), 0);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[2], lens[2], 0, &m, &ml), 0);
    CHECK(is_message(m, ml, 600, 12));
    /* the message pointer is released by the next call */
    CHECK_EQ_INT(enow_reasm_partials(&r), 1);
    /* a message larger than the buffer is refused at its first fragment */
    enow_reasm_init(&r, ENOW_V2_PAYLOAD);
    size_t c = payloads(ENOW_REASM_MAX_MESSAGE + 1, 20, ENOW_V1_PAYLOAD, 4, p, lens);
    /* a full fragment alone could still be a message that fits; its final fragment tells */
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[0], lens[0], 0, &m, &ml), 0);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[c - 1], lens[c - 1], 0, &m, &ml), DPP_E_ESPNOW_MESSAGE_TOO_LARGE);
    enow_reasm_init(&r, ENOW_V2_PAYLOAD);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[c - 1], lens[c - 1], 0, &m, &ml), DPP_E_ESPNOW_MESSAGE_TOO_LARGE);
    c = payloads(ENOW_REASM_MAX_MESSAGE + 300, 21, ENOW_V1_PAYLOAD, 4, p, lens);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[0], lens[0], 0, &m, &ml), DPP_E_ESPNOW_MESSAGE_TOO_LARGE);
    /* ids remembered per source, and only the last 32 */
    enow_reasm_init(&r, ENOW_V2_PAYLOAD);
    for (uint16_t id = 0; id < 40; id++) {
        payloads(10, id, ENOW_V1_PAYLOAD, 0, p, lens);
        CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[0], lens[0], 0, &m, &ml), 0);
    }
    payloads(10, 39, ENOW_V1_PAYLOAD, 0, p, lens);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[0], lens[0], 0, &m, &ml), DPP_E_ESPNOW_DUPLICATE);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_b, p[0], lens[0], 0, &m, &ml), 0); /* same id, other source */
    payloads(10, 3, ENOW_V1_PAYLOAD, 0, p, lens);
    CHECK_EQ_INT(enow_reasm_push(&r, mac_a, p[0], lens[0], 0, &m, &ml), 0); /* forgotten after 32 */
}

void group_espnow(const char *vectors_dir)
{
    s_dir = vectors_dir;
    t_run("espnow: shared fragment vectors, reassembled in any order with repeats", shared_vectors);
    t_run("espnow: v2 payloads, one-fragment messages, payload limits", v2_and_single_fragments);
    t_run("espnow: expiry, eviction, size bound, remembered ids", bounds);
}
