/* The crypto port and the DPP derivations against published vectors:
 * the specification's Appendix B P-256 values (every intermediate value,
 * responder-only and mutual) and RFC 5297's AES-SIV examples. */
#include <string.h>

#include "dpp_b64.h"
#include "dpp_bootstrap.h"
#include "dpp_crypto.h"
#include "dpp_err.h"
#include "dpp_kdf.h"
#include "dpp_siv.h"
#include "test.h"
#include "test_util.h"

static const char *s_dir;
static vector_file_t s_vf;

typedef struct {
    uint8_t i_proto_priv[32], i_proto_pub[64], r_proto_priv[32], r_proto_pub[64];
    uint8_t r_boot_priv[32], r_boot_pub[64], i_boot_priv[32], i_boot_pub[64];
    uint8_t i_nonce[16], r_nonce[16];
    bool mutual;
    const json_node_t *obj;
} set_t;

static bool load_set(const char *name, set_t *s)
{
    memset(s, 0, sizeof(*s));
    if (!vector_load(&s_vf, s_dir, "dpp-appendix-b-p256.json")) return false;
    s->obj = json_get(&s_vf.doc, json_root(&s_vf.doc), name);
    if (s->obj == NULL) return false;
    s->mutual = strcmp(name, "mutual") == 0;
    bool ok = vector_hex(&s_vf, s->obj, "i_proto_private", s->i_proto_priv, 32) == 32 &&
              vector_hex(&s_vf, s->obj, "i_proto_public", s->i_proto_pub, 64) == 64 &&
              vector_hex(&s_vf, s->obj, "r_proto_private", s->r_proto_priv, 32) == 32 &&
              vector_hex(&s_vf, s->obj, "r_proto_public", s->r_proto_pub, 64) == 64 &&
              vector_hex(&s_vf, s->obj, "r_boot_private", s->r_boot_priv, 32) == 32 &&
              vector_hex(&s_vf, s->obj, "r_boot_public", s->r_boot_pub, 64) == 64 &&
              vector_hex(&s_vf, s->obj, "i_nonce", s->i_nonce, 16) == 16 &&
              vector_hex(&s_vf, s->obj, "r_nonce", s->r_nonce, 16) == 16;
    if (ok && s->mutual) {
        ok = vector_hex(&s_vf, s->obj, "i_boot_private", s->i_boot_priv, 32) == 32 &&
             vector_hex(&s_vf, s->obj, "i_boot_public", s->i_boot_pub, 64) == 64;
    }
    return ok;
}

static void check_set(const char *name)
{
    set_t s;
    CHECK(load_set(name, &s));
    const char *hex;
    uint8_t pub[64], mx[32], mx2[32], nx[32], nx2[32], lx[32], sum[32], k1[32], k2[32], ke[32], tag[32];

    /* every private key belongs to its public key */
    CHECK(dpp_p256_public(s.i_proto_priv, pub) == 0 && memcmp(pub, s.i_proto_pub, 64) == 0);
    CHECK(dpp_p256_public(s.r_proto_priv, pub) == 0 && memcmp(pub, s.r_proto_pub, 64) == 0);
    CHECK(dpp_p256_public(s.r_boot_priv, pub) == 0 && memcmp(pub, s.r_boot_pub, 64) == 0);
    if (s.mutual) CHECK(dpp_p256_public(s.i_boot_priv, pub) == 0 && memcmp(pub, s.i_boot_pub, 64) == 0);

    /* M.x from both sides: bR*PI (ours) and pI*BR (the initiator's) */
    CHECK(dpp_p256_ecdh_x(s.r_boot_priv, s.i_proto_pub, mx) == 0);
    CHECK(dpp_p256_ecdh_x(s.i_proto_priv, s.r_boot_pub, mx2) == 0);
    CHECK_HEX(mx, 32, vector_str(&s_vf, s.obj, "mx"));
    CHECK(memcmp(mx, mx2, 32) == 0);
    /* N.x: pR*PI and pI*PR */
    CHECK(dpp_p256_ecdh_x(s.r_proto_priv, s.i_proto_pub, nx) == 0);
    CHECK(dpp_p256_ecdh_x(s.i_proto_priv, s.r_proto_pub, nx2) == 0);
    CHECK_HEX(nx, 32, vector_str(&s_vf, s.obj, "nx"));
    CHECK(memcmp(nx, nx2, 32) == 0);

    CHECK(dpp_derive_k1(mx, k1) == 0);
    CHECK_HEX(k1, 32, vector_str(&s_vf, s.obj, "k1"));
    CHECK(dpp_derive_k2(nx, k2) == 0);
    CHECK_HEX(k2, 32, vector_str(&s_vf, s.obj, "k2"));

    dpp_auth_tag_inputs_t t = {s.i_nonce, s.r_nonce, s.i_proto_pub, s.r_proto_pub, s.r_boot_pub, NULL, false};
    if (s.mutual) {
        /* L.x = ((bR + pR) mod q) * BI, the responder's way */
        CHECK(dpp_p256_add_scalars(s.r_boot_priv, s.r_proto_priv, sum) == 0);
        CHECK(dpp_p256_ecdh_x(sum, s.i_boot_pub, lx) == 0);
        CHECK_HEX(lx, 32, vector_str(&s_vf, s.obj, "lx"));
        t.mutual = true;
        t.bi_x = s.i_boot_pub;
    }
    CHECK(dpp_derive_ke(s.i_nonce, s.r_nonce, mx, nx, s.mutual ? lx : NULL, ke) == 0);
    CHECK_HEX(ke, 32, vector_str(&s_vf, s.obj, "ke"));
    CHECK(dpp_compute_r_auth(&t, tag) == 0);
    CHECK_HEX(tag, 32, vector_str(&s_vf, s.obj, "r_auth"));
    CHECK(dpp_compute_i_auth(&t, tag) == 0);
    CHECK_HEX(tag, 32, vector_str(&s_vf, s.obj, "i_auth"));

    /* the bootstrapping keys' DER as the URI publishes them (compressed SPKI) */
    dpp_own_key_t own;
    uint8_t spki[DPP_SPKI_COMPRESSED_LEN];
    CHECK(dpp_own_key_init(&own, s.r_boot_priv) == 0);
    dpp_own_key_der(&own, spki);
    CHECK_HEX(spki, sizeof(spki), vector_str(&s_vf, s.obj, "r_asn1"));
    if (s.mutual) {
        CHECK(dpp_own_key_init(&own, s.i_boot_priv) == 0);
        dpp_own_key_der(&own, spki);
        CHECK_HEX(spki, sizeof(spki), vector_str(&s_vf, s.obj, "i_asn1"));
        dpp_peer_key_t peer;
        uint8_t der[64];
        size_t n = vector_hex(&s_vf, s.obj, "i_asn1", der, sizeof(der));
        CHECK(dpp_peer_key_from_der(&peer, der, n) == 0);
        CHECK(memcmp(peer.pub, s.i_boot_pub, 64) == 0);
    }
    (void)hex;
}

static void appendix_b_responder_only(void) { check_set("responder_only"); }
static void appendix_b_mutual(void) { check_set("mutual"); }

static void rfc5297_a1(void)
{
    uint8_t key[32], ad[24], pt[14], out[30], back[14];
    hex_decode("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", key, 32);
    hex_decode("101112131415161718191a1b1c1d1e1f2021222324252627", ad, 24);
    hex_decode("112233445566778899aabbccddee", pt, 14);
    dpp_span_t a = {ad, 24};
    CHECK(dpp_siv_encrypt(key, &a, 1, pt, 14, out) == 0);
    CHECK_HEX(out, 30, "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c");
    CHECK(dpp_siv_decrypt(key, &a, 1, out, 30, back) == 0);
    CHECK(memcmp(back, pt, 14) == 0);
    /* in place, both ways */
    uint8_t buf[30];
    memcpy(buf + 16, pt, 14);
    CHECK(dpp_siv_encrypt(key, &a, 1, buf + 16, 14, buf) == 0);
    CHECK(memcmp(buf, out, 30) == 0);
    CHECK(dpp_siv_decrypt(key, &a, 1, buf, 30, buf) == 0 && memcmp(buf, pt, 14) == 0);
}

static void rfc5297_a2(void)
{
    uint8_t key[32], ad1[40], ad2[10], nonce[16], pt[47], out[63], back[47];
    hex_decode("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f", key, 32);
    hex_decode("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100", ad1, 40);
    hex_decode("102030405060708090a0", ad2, 10);
    hex_decode("09f911029d74e35bd84156c5635688c0", nonce, 16);
    hex_decode("7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553", pt, 47);
    dpp_span_t a[3] = {{ad1, 40}, {ad2, 10}, {nonce, 16}};
    CHECK(dpp_siv_encrypt(key, a, 3, pt, 47, out) == 0);
    CHECK_HEX(out, 63,
              "7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64"
              "ad544a272e9c485b62a3fd5c0d");
    CHECK(dpp_siv_decrypt(key, a, 3, out, 63, back) == 0 && memcmp(back, pt, 47) == 0);
}

static void siv_refuses_tampering(void)
{
    uint8_t key[32], pt[40], out[56], back[40];
    memset(key, 7, sizeof(key));
    for (int i = 0; i < 40; i++) pt[i] = (uint8_t)i;
    static const uint8_t hdr[6] = {0x50, 0x6f, 0x9a, 0x1a, 0x01, 0x0b};
    dpp_span_t ad[2] = {{hdr, 6}, {NULL, 0}};
    CHECK(dpp_siv_encrypt(key, ad, 2, pt, 40, out) == 0);
    /* every single-bit change to V or C is refused, and the output wiped */
    for (size_t bit = 0; bit < sizeof(out) * 8; bit += 13) {
        uint8_t t[56];
        memcpy(t, out, 56);
        t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        memset(back, 0xaa, sizeof(back));
        CHECK_EQ_INT(dpp_siv_decrypt(key, ad, 2, t, 56, back), DPP_E_CRYPTO_UNWRAP_FAILED);
        CHECK(back[0] == 0 && back[39] == 0);
    }
    /* an empty AD component is not the same as none */
    CHECK_EQ_INT(dpp_siv_decrypt(key, ad, 1, out, 56, back), DPP_E_CRYPTO_UNWRAP_FAILED);
    CHECK_EQ_INT(dpp_siv_decrypt(key, ad, 2, out, 15, back), DPP_E_CRYPTO_UNWRAP_FAILED);
    /* the empty plaintext (S2V's padded case) round-trips */
    uint8_t v[16];
    CHECK(dpp_siv_encrypt(key, ad, 2, NULL, 0, v) == 0);
    CHECK(dpp_siv_decrypt(key, ad, 2, v, 16, back) == 0);
}

static void hashes_of_the_hostap_uri_key(void)
{
    /* field notes: hostap's test URI key, its key hash and chirp hash */
    dpp_uri_t uri;
    const char *s = "DPP:K:MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=;;";
    CHECK_EQ_INT(dpp_uri_parse(s, strlen(s), &uri), 0);
    CHECK_HEX(uri.key.hash, 32, "bc4cbe2a7f4735f6db5ea817ee468d46110e47fa58833f4ecaacce775b657302");
    /* the chirp hash is over the DER as the URI carries it */
    const char *k = s + strlen("DPP:K:");
    uint8_t der[DPP_SPKI_MAX_LEN], chirp[32];
    size_t der_len = dpp_b64_decode(k, (size_t)(strchr(k, ';') - k), der, sizeof(der));
    CHECK(der_len == DPP_SPKI_COMPRESSED_LEN);
    dpp_span_t parts[2] = {{(const uint8_t *)"chirp", 5}, {der, der_len}};
    CHECK(dpp_sha256(parts, 2, chirp) == 0);
    CHECK_HEX(chirp, 32, "826b2bffc761da0840bdde90a504fc1f2a243c77e2ed054d4ba2774f4ee571d3");
}

static void point_checks(void)
{
    uint8_t priv[32], pub[64], x[32];
    CHECK(dpp_p256_keygen(priv, pub) == 0);
    uint8_t bad[64];
    memcpy(bad, pub, 64);
    bad[63] ^= 1; /* off the curve */
    CHECK_EQ_INT(dpp_p256_ecdh_x(priv, bad, x), DPP_E_CRYPTO_BAD_POINT);
    uint8_t zero[64] = {0};
    CHECK_EQ_INT(dpp_p256_ecdh_x(priv, zero, x), DPP_E_CRYPTO_BAD_POINT);
    uint8_t z[32] = {0};
    CHECK(dpp_p256_public(z, pub) != 0); /* scalar 0 is no key */
    uint8_t sec1[33];
    sec1[0] = 0x05;
    memcpy(sec1 + 1, pub, 32);
    CHECK_EQ_INT(dpp_p256_decode_sec1(sec1, 33, bad), DPP_E_CRYPTO_BAD_POINT);
    /* fresh keys and nonces differ */
    uint8_t p2[32], q2[64], n1[16], n2[16];
    CHECK(dpp_p256_keygen(p2, q2) == 0 && memcmp(p2, priv, 32) != 0);
    CHECK(dpp_random(n1, 16) == 0 && dpp_random(n2, 16) == 0 && memcmp(n1, n2, 16) != 0);
}

static void hmac_and_hkdf_vectors(void)
{
    uint8_t out[32], ikm[22], salt[13], info[10];
    /* RFC 4231 test case 2 */
    dpp_span_t data = {(const uint8_t *)"what do ya want for nothing?", 28};
    CHECK(dpp_hmac_sha256((const uint8_t *)"Jefe", 4, &data, 1, out) == 0);
    CHECK_HEX(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* RFC 5869 test cases 1 and 3 (the first 32 bytes of OKM; case 3 has no salt and no info) */
    memset(ikm, 0x0b, sizeof(ikm));
    for (int i = 0; i < 13; i++) salt[i] = (uint8_t)i;
    for (int i = 0; i < 10; i++) info[i] = (uint8_t)(0xf0 + i);
    CHECK(dpp_hkdf_sha256(salt, 13, ikm, 22, info, 10, out) == 0);
    CHECK_HEX(out, 32, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
    CHECK(dpp_hkdf_sha256(NULL, 0, ikm, 22, NULL, 0, out) == 0);
    CHECK_HEX(out, 32, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
    /* HMAC with the empty key (HKDF's empty salt) */
    uint8_t zero_key[32] = {0}, a[32];
    CHECK(dpp_hmac_sha256(NULL, 0, &data, 1, out) == 0 && dpp_hmac_sha256(zero_key, 32, &data, 1, a) == 0);
    CHECK(memcmp(out, a, 32) == 0);
}

static void compressed_points(void)
{
    uint8_t priv[32], pub[64], back[64], sec1[33];
    CHECK(dpp_p256_keygen(priv, pub) == 0);
    sec1[0] = (uint8_t)(2 + (pub[63] & 1));
    memcpy(sec1 + 1, pub, 32);
    CHECK(dpp_p256_decode_sec1(sec1, 33, back) == 0 && memcmp(back, pub, 64) == 0);
    sec1[0] ^= 1; /* the other y */
    CHECK(dpp_p256_decode_sec1(sec1, 33, back) == 0 && memcmp(back, pub, 32) == 0 && memcmp(back + 32, pub + 32, 32) != 0);
    /* about half of all x have no point: each is refused, each other one decodes to a usable point */
    int refused = 0, decoded = 0;
    for (int k = 0; k < 24; k++) {
        sec1[32] = (uint8_t)(sec1[32] + 1);
        int rc = dpp_p256_decode_sec1(sec1, 33, back);
        uint8_t x[32];
        if (rc == 0) {
            decoded++;
            CHECK(dpp_p256_ecdh_x(priv, back, x) == 0);
        } else {
            refused++;
            CHECK_EQ_INT(rc, DPP_E_CRYPTO_BAD_POINT);
        }
    }
    CHECK(refused > 0 && decoded > 0);
    /* x = p is no coordinate */
    memset(sec1 + 1, 0xff, 32);
    CHECK_EQ_INT(dpp_p256_decode_sec1(sec1, 33, back), DPP_E_CRYPTO_BAD_POINT);
}

void group_crypto(const char *vectors_dir)
{
    s_dir = vectors_dir;
    CHECK(dpp_crypto_init() == 0);
    t_run("crypto: Appendix B P-256 responder-only, every intermediate value", appendix_b_responder_only);
    t_run("crypto: Appendix B P-256 mutual, every intermediate value", appendix_b_mutual);
    t_run("crypto: RFC 5297 A.1 AES-SIV (deterministic), also in place", rfc5297_a1);
    t_run("crypto: RFC 5297 A.2 AES-SIV (three AD components)", rfc5297_a2);
    t_run("crypto: AES-SIV refuses tampered data, AD and lengths", siv_refuses_tampering);
    t_run("crypto: key hash and chirp hash of hostap's test key", hashes_of_the_hostap_uri_key);
    t_run("crypto: points off the curve and bad scalars are refused", point_checks);
    t_run("crypto: RFC 4231 HMAC and RFC 5869 HKDF (with and without salt)", hmac_and_hkdf_vectors);
    t_run("crypto: compressed points decode, both y, non-residues refused", compressed_points);
}
