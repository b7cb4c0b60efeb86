/*
 * P-256 ECDH, AES-SIV, SHA-256 and HKDF-SHA256 for DPP, calling the libcrypto that node itself carries: node exports
 * OpenSSL's symbols, so nothing is linked here and both sides use the same library.
 *
 * Why: node:crypto's ECDH.computeSecret checks our own key pair on every call (an order check and
 * priv·G = pub, about 1.5 extra scalar multiplications), and an AES-SIV built from node's Cipher
 * objects creates several of them per operation; node's Hash and Hmac objects cost more to make
than the few blocks they hash. Each function below is the bare libcrypto call.
 *
 * Bytes as in protocol/dpp/crypto/p256.ts: points are x‖y (64 bytes, no 0x04), scalars 32 bytes
 * big-endian; AES-SIV output is V (16 bytes) ‖ C, keys are K1 (S2V) ‖ K2 (CTR), RFC 5297.
 * Every argument's type and length is checked before its bytes are read.
 */
#define NAPI_VERSION 8
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

/* Bumped whenever an exported function changes, so a stale build is refused by the loader. */
#define DPP_CRYPTO_ABI 3

#define COORD_LEN 32
#define POINT_LEN 64
#define SIV_TAG_LEN 16
/* RFC 5297 §7: S2V takes at most 126 AD components besides the plaintext. */
#define SIV_MAX_AD 126
#define SHA256_LEN 32
#define SHA256_BLOCK 64
/* sha256(parts): at most this many parts (DPP's tags hash seven). */
#define SHA256_MAX_PARTS 16

/* Per node environment (main thread or worker): created once at load, freed with the env. */
typedef struct {
  EC_GROUP *group;
  /* AES-128/192/256-SIV for 32/48/64-byte keys; NULL when this OpenSSL does not offer them. */
  EVP_CIPHER *siv[3];
  EVP_MD *sha256;
} dpp_state;

/* The error is ours to report: leave nothing on OpenSSL's queue for node's next call to find. */
static napi_value fail(napi_env env, const char *message) {
  ERR_clear_error();
  napi_throw_error(env, "ERR_DPP_NATIVE_CRYPTO", message);
  return NULL;
}

static napi_value fail_type(napi_env env, const char *message) {
  ERR_clear_error();
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

static napi_value fail_range(napi_env env, const char *message) {
  ERR_clear_error();
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return NULL;
}

static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv,
                     dpp_state **state) {
  size_t argc = want;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok) return false;
  if (argc < want) {
    fail_type(env, "missing argument");
    return false;
  }
  *state = data;
  return true;
}

/* The bytes of a Uint8Array (a Buffer is one); false with a TypeError pending otherwise. */
static bool get_bytes(napi_env env, napi_value value, const char *what, const uint8_t **bytes,
                      size_t *length) {
  static const uint8_t empty[1] = {0};
  bool is_typed = false;
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
    return false;
  }
  /* An empty array may have no storage; OpenSSL wants a non-NULL pointer even for 0 bytes. */
  *bytes = data != NULL ? data : empty;
  return true;
}

static bool get_fixed(napi_env env, napi_value value, size_t want, const char *type_message,
                      const char *length_message, const uint8_t **bytes) {
  size_t length = 0;
  if (!get_bytes(env, value, type_message, bytes, &length)) return false;
  if (length != want) {
    fail_range(env, length_message);
    return false;
  }
  return true;
}

/* A new Uint8Array of `length` bytes; *bytes points at its storage. */
static napi_value new_bytes(napi_env env, size_t length, uint8_t **bytes) {
  napi_value buffer, array;
  void *data = NULL;
  if (napi_create_arraybuffer(env, length, &data, &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_uint8_array, length, buffer, 0, &array) != napi_ok)
    return NULL;
  *bytes = data;
  return array;
}

static napi_value copy_bytes(napi_env env, const uint8_t *source, size_t length) {
  uint8_t *target = NULL;
  napi_value array = new_bytes(env, length, &target);
  if (array != NULL) memcpy(target, source, length);
  return array;
}

/*
 * The bytes of each Uint8Array in a JS array of at most `max`: elements first, since reading them
 * may run JS, which must not run once we hold byte pointers. False with an error pending.
 */
static bool get_byte_list(napi_env env, napi_value list, uint32_t max, const char *type_message,
                          const char *count_message, napi_value *elements, const uint8_t **bytes,
                          size_t *lengths, uint32_t *count) {
  bool is_array = false;
  if (napi_is_array(env, list, &is_array) != napi_ok || !is_array) {
    fail_type(env, type_message);
    return false;
  }
  if (napi_get_array_length(env, list, count) != napi_ok) return false;
  if (*count > max) {
    fail_range(env, count_message);
    return false;
  }
  for (uint32_t i = 0; i < *count; i++)
    if (napi_get_element(env, list, i, &elements[i]) != napi_ok) return false;
  for (uint32_t i = 0; i < *count; i++)
    if (!get_bytes(env, elements[i], type_message, &bytes[i], &lengths[i])) return false;
  return true;
}

/*
 * A private scalar, refused unless 0 < k < n. BN_FLG_CONSTTIME as OpenSSL sets it on its own
 * private keys. NULL on success, else the reason; *k is freed by the caller either way.
 */
static const char *scalar_from(const dpp_state *s, const uint8_t bytes[COORD_LEN], BIGNUM **k) {
  *k = BN_bin2bn(bytes, COORD_LEN, NULL);
  if (*k == NULL) return "out of memory";
  BN_set_flags(*k, BN_FLG_CONSTTIME);
  if (BN_is_zero(*k) || BN_cmp(*k, EC_GROUP_get0_order(s->group)) >= 0)
    return "private key is not a valid P-256 scalar (0 or not below the group order)";
  return NULL;
}

/*
 * x‖y into a point. oct2point already refuses coordinates ≥ p and points off the curve; the
 * explicit check keeps the refusal independent of the curve method. Infinity has no 64-byte form.
 */
static bool point_from(const dpp_state *s, const uint8_t xy[POINT_LEN], EC_POINT *p, BN_CTX *ctx) {
  uint8_t sec1[1 + POINT_LEN];
  sec1[0] = POINT_CONVERSION_UNCOMPRESSED;
  memcpy(sec1 + 1, xy, POINT_LEN);
  return EC_POINT_oct2point(s->group, p, sec1, sizeof sec1, ctx) == 1 &&
         EC_POINT_is_on_curve(s->group, p, ctx) == 1;
}

/*
 * Scalar multiplications below go through EC_POINT_mul: on P-256 that is OpenSSL's nistz256 code
 * (x86-64, arm64), otherwise its Montgomery ladder; both run in time independent of the scalar.
 */

/* k·G as x‖y. */
static bool public_of(const dpp_state *s, const BIGNUM *k, BN_CTX *ctx, uint8_t out[POINT_LEN]) {
  uint8_t sec1[1 + POINT_LEN];
  EC_POINT *q = EC_POINT_new(s->group);
  bool ok = q != NULL && EC_POINT_mul(s->group, q, k, NULL, NULL, ctx) == 1 &&
            EC_POINT_point2oct(s->group, q, POINT_CONVERSION_UNCOMPRESSED, sec1, sizeof sec1,
                               ctx) == sizeof sec1;
  if (ok) memcpy(out, sec1 + 1, POINT_LEN);
  EC_POINT_free(q);
  return ok;
}

/* generateKeyPair() → { privateKey: 32 bytes, publicKey: x‖y }, k uniform in [1, n-1]. */
static napi_value generate_key_pair(napi_env env, napi_callback_info info) {
  dpp_state *s = NULL;
  napi_value result = NULL, private_key, public_key;
  uint8_t priv[COORD_LEN], pub[POINT_LEN];
  void *data = NULL;
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, &data) != napi_ok) return NULL;
  s = data;

  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *k = BN_new();
  /* [0, n-1] from OpenSSL's private DRBG; 0 is drawn again (probability ~2^-256). */
  bool ok = ctx != NULL && k != NULL;
  do {
    ok = ok && BN_priv_rand_range(k, EC_GROUP_get0_order(s->group)) == 1;
  } while (ok && BN_is_zero(k));
  if (ok) {
    BN_set_flags(k, BN_FLG_CONSTTIME);
    ok = BN_bn2binpad(k, priv, COORD_LEN) == COORD_LEN && public_of(s, k, ctx, pub);
  }
  if (ok) {
    bool built = (private_key = copy_bytes(env, priv, COORD_LEN)) != NULL &&
                 (public_key = copy_bytes(env, pub, POINT_LEN)) != NULL &&
                 napi_create_object(env, &result) == napi_ok &&
                 napi_set_named_property(env, result, "privateKey", private_key) == napi_ok &&
                 napi_set_named_property(env, result, "publicKey", public_key) == napi_ok;
    if (!built) result = NULL;
  }
  OPENSSL_cleanse(priv, sizeof priv);
  BN_clear_free(k);
  BN_CTX_free(ctx);
  if (!ok) return fail(env, "P-256 key generation failed");
  return result;
}

/* publicKeyOf(privateKey) → x‖y. */
static napi_value public_key_of(napi_env env, napi_callback_info info) {
  dpp_state *s = NULL;
  napi_value argv[1], result = NULL;
  const uint8_t *priv = NULL;
  uint8_t pub[POINT_LEN];
  if (!get_args(env, info, 1, argv, &s) ||
      !get_fixed(env, argv[0], COORD_LEN, "privateKey must be a Uint8Array",
                 "privateKey must be 32 bytes", &priv))
    return NULL;

  BIGNUM *k = NULL;
  BN_CTX *ctx = BN_CTX_new();
  const char *error = ctx == NULL ? "out of memory" : scalar_from(s, priv, &k);
  if (error == NULL && !public_of(s, k, ctx, pub)) error = "P-256 scalar multiplication failed";
  if (error == NULL) result = copy_bytes(env, pub, POINT_LEN);
  BN_clear_free(k);
  BN_CTX_free(ctx);
  if (error != NULL) return fail_range(env, error);
  return result;
}

/* isOnCurve(point) → true when point is x‖y of a point on P-256 (any other length: false). */
static napi_value is_on_curve(napi_env env, napi_callback_info info) {
  dpp_state *s = NULL;
  napi_value argv[1], result = NULL;
  const uint8_t *xy = NULL;
  size_t length = 0;
  if (!get_args(env, info, 1, argv, &s) ||
      !get_bytes(env, argv[0], "point must be a Uint8Array", &xy, &length))
    return NULL;

  bool on_curve = false;
  if (length == POINT_LEN) {
    BN_CTX *ctx = BN_CTX_new();
    EC_POINT *p = EC_POINT_new(s->group);
    if (ctx == NULL || p == NULL) {
      EC_POINT_free(p);
      BN_CTX_free(ctx);
      return fail(env, "out of memory");
    }
    on_curve = point_from(s, xy, p, ctx);
    EC_POINT_free(p);
    BN_CTX_free(ctx);
    ERR_clear_error();
  }
  napi_get_boolean(env, on_curve, &result);
  return result;
}

/* ecdhX(privateKey, point) → x of privateKey·point; throws for an invalid key or point. */
static napi_value ecdh_x(napi_env env, napi_callback_info info) {
  dpp_state *s = NULL;
  napi_value argv[2], result = NULL;
  const uint8_t *priv = NULL, *peer = NULL;
  uint8_t x_bytes[COORD_LEN];
  if (!get_args(env, info, 2, argv, &s) ||
      !get_fixed(env, argv[0], COORD_LEN, "privateKey must be a Uint8Array",
                 "privateKey must be 32 bytes", &priv) ||
      !get_fixed(env, argv[1], POINT_LEN, "point must be a Uint8Array",
                 "point must be 64 bytes (x‖y)", &peer))
    return NULL;

  BIGNUM *k = NULL;
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *x = BN_new();
  EC_POINT *p = EC_POINT_new(s->group);
  EC_POINT *r = EC_POINT_new(s->group);
  bool out_of_range = false;
  const char *error = NULL;
  if (ctx == NULL || x == NULL || p == NULL || r == NULL)
    error = "out of memory";
  else if ((error = scalar_from(s, priv, &k)) != NULL)
    out_of_range = true;
  else if (!point_from(s, peer, p, ctx))
    error = "point is not on P-256";
  else if (EC_POINT_mul(s->group, r, NULL, p, k, ctx) != 1)
    error = "P-256 scalar multiplication failed";
  else if (EC_POINT_is_at_infinity(s->group, r))
    error = "ECDH result is the point at infinity";
  else if (EC_POINT_get_affine_coordinates(s->group, r, x, NULL, ctx) != 1 ||
           BN_bn2binpad(x, x_bytes, COORD_LEN) != COORD_LEN)
    error = "P-256 scalar multiplication failed";
  else
    result = copy_bytes(env, x_bytes, COORD_LEN);

  /* k and the shared point are secrets; the peer's point is not. */
  OPENSSL_cleanse(x_bytes, sizeof x_bytes);
  BN_clear_free(k);
  BN_clear_free(x);
  EC_POINT_clear_free(r);
  EC_POINT_free(p);
  BN_CTX_free(ctx);
  if (error != NULL) return out_of_range ? fail_range(env, error) : fail(env, error);
  return result;
}

/*
 * decodeSec1Point(sec1) → x‖y from a compressed (33 bytes) or uncompressed (65 bytes) SEC1 point;
 * throws for anything that is not a point on P-256. Bootstrapping keys arrive compressed: this is
 * the square root that decompresses them, on the group made once instead of one per call.
 */
static napi_value decode_sec1_point(napi_env env, napi_callback_info info) {
  dpp_state *s = NULL;
  napi_value argv[1], result = NULL;
  const uint8_t *sec1 = NULL;
  size_t length = 0;
  uint8_t full[1 + POINT_LEN];
  if (!get_args(env, info, 1, argv, &s) ||
      !get_bytes(env, argv[0], "point must be a Uint8Array", &sec1, &length))
    return NULL;
  if (length != 1 + COORD_LEN && length != 1 + POINT_LEN)
    return fail_range(env, "a SEC1 point on P-256 is 33 or 65 bytes");

  BN_CTX *ctx = BN_CTX_new();
  EC_POINT *p = EC_POINT_new(s->group);
  bool ok = ctx != NULL && p != NULL &&
            EC_POINT_oct2point(s->group, p, sec1, length, ctx) == 1 &&
            EC_POINT_is_on_curve(s->group, p, ctx) == 1 &&
            EC_POINT_point2oct(s->group, p, POINT_CONVERSION_UNCOMPRESSED, full, sizeof full,
                               ctx) == sizeof full;
  if (ok) result = copy_bytes(env, full + 1, POINT_LEN);
  EC_POINT_free(p);
  BN_CTX_free(ctx);
  if (!ok) return fail(env, "not a point on P-256");
  return result;
}

/*
 * aesSivEncrypt(key, plaintext, ad[]) → V ‖ C; aesSivDecrypt(key, sealed, ad[]) → plaintext or
 * null. OpenSSL's SIV takes a vector of AD as one EVP_CipherUpdate(ctx, NULL, …) per component,
 * in order, before the data. It refuses an empty plaintext (the caller handles that case).
 */
static napi_value aes_siv(napi_env env, napi_callback_info info, bool encrypt) {
  dpp_state *s = NULL;
  napi_value argv[3], result = NULL, components[SIV_MAX_AD];
  const uint8_t *key = NULL, *input = NULL, *ad[SIV_MAX_AD];
  size_t key_len = 0, input_len = 0, ad_len[SIV_MAX_AD];
  uint32_t ad_count = 0;
  if (!get_args(env, info, 3, argv, &s)) return NULL;
  if (!get_byte_list(env, argv[2], SIV_MAX_AD, "ad must be an array of Uint8Array",
                     "AES-SIV takes at most 126 AD components", components, ad, ad_len,
                     &ad_count))
    return NULL;
  if (!get_bytes(env, argv[0], "key must be a Uint8Array", &key, &key_len) ||
      !get_bytes(env, argv[1],
                 encrypt ? "plaintext must be a Uint8Array" : "sealed must be a Uint8Array",
                 &input, &input_len))
    return NULL;
  for (uint32_t i = 0; i < ad_count; i++)
    if (ad_len[i] > INT_MAX) return fail_range(env, "AES-SIV AD component too long");
  if (key_len != 32 && key_len != 48 && key_len != 64)
    return fail_range(env, "AES-SIV key must be 32, 48 or 64 bytes");
  const EVP_CIPHER *cipher = s->siv[key_len / 16 - 2];
  if (cipher == NULL) return fail(env, "AES-SIV is not available in this OpenSSL");
  if (input_len > INT_MAX - SIV_TAG_LEN) return fail_range(env, "AES-SIV input too long");
  if (!encrypt && input_len < SIV_TAG_LEN) {
    napi_get_null(env, &result);
    return result;
  }
  if (input_len == (encrypt ? 0 : SIV_TAG_LEN))
    return fail_range(env, "AES-SIV with an empty plaintext is not supported here");

  size_t out_len = encrypt ? SIV_TAG_LEN + input_len : input_len - SIV_TAG_LEN;
  const uint8_t *data = encrypt ? input : input + SIV_TAG_LEN;
  int data_len = (int)(encrypt ? input_len : out_len);
  uint8_t *out = NULL;
  napi_value array = new_bytes(env, out_len, &out);
  if (array == NULL) return NULL;
  uint8_t *text = encrypt ? out + SIV_TAG_LEN : out;

  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  bool ok = ctx != NULL && EVP_CipherInit_ex2(ctx, cipher, key, NULL, encrypt, NULL) == 1;
  /* Decryption: the expected V goes in first; the data update checks it. */
  if (ok && !encrypt)
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, SIV_TAG_LEN, (void *)input) == 1;
  bool ready = ok;
  for (uint32_t i = 0; ok && i < ad_count; i++)
    ok = EVP_CipherUpdate(ctx, NULL, &n, ad[i], (int)ad_len[i]) == 1;
  if (ok) ok = EVP_CipherUpdate(ctx, text, &n, data, data_len) == 1;
  if (ok) ok = EVP_CipherFinal_ex(ctx, text + n, &n) == 1;
  if (ok && encrypt) ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, SIV_TAG_LEN, out) == 1;
  EVP_CIPHER_CTX_free(ctx);
  ERR_clear_error();

  if (ok) return array;
  OPENSSL_cleanse(out, out_len);
  if (!ready) return fail(env, "AES-SIV initialisation failed");
  if (encrypt) return fail(env, "AES-SIV encryption failed");
  napi_get_null(env, &result); /* V did not verify */
  return result;
}

static napi_value aes_siv_encrypt(napi_env env, napi_callback_info info) {
  return aes_siv(env, info, true);
}

static napi_value aes_siv_decrypt(napi_env env, napi_callback_info info) {
  return aes_siv(env, info, false);
}

/* SHA-256 of the concatenation of parts[0..count); false if libcrypto failed. */
static bool sha256_parts(const dpp_state *s, const uint8_t *const *parts, const size_t *lengths,
                         size_t count, uint8_t out[SHA256_LEN]) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  bool ok = ctx != NULL && EVP_DigestInit_ex2(ctx, s->sha256, NULL) == 1;
  for (size_t i = 0; ok && i < count; i++) ok = EVP_DigestUpdate(ctx, parts[i], lengths[i]) == 1;
  unsigned int n = 0;
  if (ok) ok = EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == SHA256_LEN;
  EVP_MD_CTX_free(ctx);
  return ok;
}

/* HMAC-SHA256 (RFC 2104) of the concatenation of data[0..count), with two digests. */
static bool hmac_sha256(const dpp_state *s, const uint8_t *key, size_t key_len,
                        const uint8_t *const *data, const size_t *lengths, size_t count,
                        uint8_t out[SHA256_LEN]) {
  uint8_t block[SHA256_BLOCK] = {0}, pad[SHA256_BLOCK], inner[SHA256_LEN];
  if (key_len > SHA256_BLOCK) {
    const uint8_t *k[1] = {key};
    if (!sha256_parts(s, k, &key_len, 1, block)) return false;
  } else {
    memcpy(block, key, key_len);
  }
  const uint8_t *parts[SHA256_MAX_PARTS + 1];
  size_t part_lengths[SHA256_MAX_PARTS + 1];
  for (size_t i = 0; i < SHA256_BLOCK; i++) pad[i] = block[i] ^ 0x36;
  parts[0] = pad;
  part_lengths[0] = SHA256_BLOCK;
  for (size_t i = 0; i < count; i++) {
    parts[i + 1] = data[i];
    part_lengths[i + 1] = lengths[i];
  }
  bool ok = sha256_parts(s, parts, part_lengths, count + 1, inner);
  for (size_t i = 0; i < SHA256_BLOCK; i++) pad[i] = block[i] ^ 0x5c;
  parts[1] = inner;
  part_lengths[1] = SHA256_LEN;
  ok = ok && sha256_parts(s, parts, part_lengths, 2, out);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(inner, sizeof inner);
  return ok;
}

/* sha256(parts[]) → the 32-byte digest of the parts, in order. */
static napi_value sha256(napi_env env, napi_callback_info info) {
  dpp_state *s = NULL;
  napi_value argv[1], elements[SHA256_MAX_PARTS];
  const uint8_t *parts[SHA256_MAX_PARTS];
  size_t lengths[SHA256_MAX_PARTS];
  uint32_t count = 0;
  if (!get_args(env, info, 1, argv, &s) ||
      !get_byte_list(env, argv[0], SHA256_MAX_PARTS, "parts must be an array of Uint8Array",
                     "sha256 takes at most 16 parts", elements, parts, lengths, &count))
    return NULL;
  uint8_t digest[SHA256_LEN];
  if (!sha256_parts(s, parts, lengths, count, digest)) return fail(env, "SHA-256 failed");
  return copy_bytes(env, digest, SHA256_LEN);
}

/*
 * hkdfSha256(salt, ikm, info) → RFC 5869 HKDF-SHA256 with one output block (L = 32):
 * PRK = HMAC(salt, IKM), OKM = HMAC(PRK, info ‖ 0x01). An empty salt is a zero-length key.
 */
static napi_value hkdf_sha256(napi_env env, napi_callback_info info) {
  dpp_state *s = NULL;
  napi_value argv[3];
  const uint8_t *salt = NULL, *ikm = NULL, *label = NULL;
  size_t salt_len = 0, ikm_len = 0, label_len = 0;
  if (!get_args(env, info, 3, argv, &s)) return NULL;
  if (!get_bytes(env, argv[0], "salt must be a Uint8Array", &salt, &salt_len) ||
      !get_bytes(env, argv[1], "ikm must be a Uint8Array", &ikm, &ikm_len) ||
      !get_bytes(env, argv[2], "info must be a Uint8Array", &label, &label_len))
    return NULL;
  static const uint8_t one[1] = {1};
  uint8_t prk[SHA256_LEN], okm[SHA256_LEN];
  const uint8_t *extract[1] = {ikm}, *expand[2] = {label, one};
  size_t extract_len[1] = {ikm_len}, expand_len[2] = {label_len, 1};
  bool ok = hmac_sha256(s, salt, salt_len, extract, extract_len, 1, prk) &&
            hmac_sha256(s, prk, SHA256_LEN, expand, expand_len, 2, okm);
  OPENSSL_cleanse(prk, sizeof prk);
  if (!ok) return fail(env, "HKDF-SHA256 failed");
  napi_value result = copy_bytes(env, okm, SHA256_LEN);
  OPENSSL_cleanse(okm, sizeof okm);
  return result;
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  dpp_state *s = data;
  for (size_t i = 0; i < 3; i++) EVP_CIPHER_free(s->siv[i]);
  EVP_MD_free(s->sha256);
  EC_GROUP_free(s->group);
  free(s);
}

NAPI_MODULE_INIT() {
  static const char *const siv_names[3] = {"AES-128-SIV", "AES-192-SIV", "AES-256-SIV"};
  dpp_state *s = calloc(1, sizeof *s);
  if (s == NULL) return fail(env, "out of memory");
  s->group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  bool siv = true;
  for (size_t i = 0; i < 3; i++) {
    s->siv[i] = EVP_CIPHER_fetch(NULL, siv_names[i], NULL);
    siv = siv && s->siv[i] != NULL;
  }
  s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (s->group == NULL || s->sha256 == NULL ||
      napi_set_instance_data(env, s, free_state, NULL) != napi_ok) {
    free_state(env, s, NULL);
    return fail(env, "P-256 or SHA-256 is not available in this OpenSSL");
  }
  ERR_clear_error();

  napi_value abi, has_siv;
  if (napi_create_uint32(env, DPP_CRYPTO_ABI, &abi) != napi_ok ||
      napi_get_boolean(env, siv, &has_siv) != napi_ok)
    return NULL;
  const napi_property_descriptor properties[] = {
      {"abi", NULL, NULL, NULL, NULL, abi, napi_enumerable, NULL},
      {"aesSiv", NULL, NULL, NULL, NULL, has_siv, napi_enumerable, NULL},
      {"generateKeyPair", NULL, generate_key_pair, NULL, NULL, NULL, napi_enumerable, s},
      {"publicKeyOf", NULL, public_key_of, NULL, NULL, NULL, napi_enumerable, s},
      {"isOnCurve", NULL, is_on_curve, NULL, NULL, NULL, napi_enumerable, s},
      {"ecdhX", NULL, ecdh_x, NULL, NULL, NULL, napi_enumerable, s},
      {"decodeSec1Point", NULL, decode_sec1_point, NULL, NULL, NULL, napi_enumerable, s},
      {"aesSivEncrypt", NULL, aes_siv_encrypt, NULL, NULL, NULL, napi_enumerable, s},
      {"aesSivDecrypt", NULL, aes_siv_decrypt, NULL, NULL, NULL, napi_enumerable, s},
      {"sha256", NULL, sha256, NULL, NULL, NULL, napi_enumerable, s},
      {"hkdfSha256", NULL, hkdf_sha256, NULL, NULL, NULL, napi_enumerable, s},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0],
                             properties) != napi_ok)
    return NULL;
  return exports;
}
