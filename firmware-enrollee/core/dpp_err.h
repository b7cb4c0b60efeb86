/* The one error type of the enrollee core: a numeric code, grouped by area
 * in blocks of 100 with the same numbers as protocol/errors.ts, so a log
 * line from the device and one from the daemon name a refusal alike.
 * 512-529 are C-only refinements of EspNowBadFragment (511): the
 * TypeScript parser reports all of them as 511. */
#ifndef DPP_ERR_H
#define DPP_ERR_H

typedef enum {
    DPP_OK = 0,

    /* 100-199: decoding untrusted bytes */
    DPP_E_DECODE_TRUNCATED = 100,
    DPP_E_DECODE_OVERSIZED = 101,
    DPP_E_DECODE_BAD_HEADER = 102,
    DPP_E_DECODE_ATTRIBUTE_OVERRUN = 104,
    DPP_E_DECODE_DUPLICATE_ATTRIBUTE = 105,
    DPP_E_DECODE_MISSING_ATTRIBUTE = 106,
    DPP_E_DECODE_UNEXPECTED_ATTRIBUTE = 107,
    DPP_E_DECODE_ATTRIBUTE_ORDER = 108,
    DPP_E_DECODE_BAD_ATTRIBUTE_LENGTH = 109,
    DPP_E_DECODE_BAD_VALUE = 110,
    DPP_E_DECODE_TRAILING_BYTES = 111,
    DPP_E_DECODE_BAD_JSON = 112,
    DPP_E_DECODE_BAD_GAS = 113,

    /* 200-299: bootstrapping URI and keys */
    DPP_E_URI_SYNTAX = 200,
    DPP_E_URI_MISSING_KEY = 201,
    DPP_E_URI_BAD_KEY = 202,
    DPP_E_URI_UNSUPPORTED_CURVE = 203,
    DPP_E_URI_BAD_CHANNEL = 204,
    DPP_E_URI_DUPLICATE_TOKEN = 209,
    DPP_E_KEY_NOT_ON_CURVE = 211,
    DPP_E_KEY_BAD_ENCODING = 212,

    /* 300-399: cryptography and authentication */
    DPP_E_CRYPTO_UNWRAP_FAILED = 300,
    DPP_E_CRYPTO_BAD_AUTH_TAG = 301,
    DPP_E_CRYPTO_BAD_POINT = 302,
    DPP_E_CRYPTO_KEY_MISMATCH = 303,
    DPP_E_AUTH_NOT_FOR_US = 304,
    DPP_E_AUTH_MUTUAL_REQUIRED = 305,
    DPP_E_AUTH_STATUS_FAILURE = 307,
    DPP_E_AUTH_NONCE_MISMATCH = 308,
    DPP_E_AUTH_CAPABILITIES = 309,
    DPP_E_AUTH_VERSION = 310,
    DPP_E_AUTH_TIMEOUT = 311,
    DPP_E_AUTH_UNEXPECTED_FRAME = 312,
    DPP_E_CRYPTO_LIBRARY = 399, /* C only: the crypto backend failed (not the peer's fault) */

    /* 400-499: configuration exchange */
    DPP_E_CONFIG_BAD_REQUEST = 400,
    DPP_E_CONFIG_BAD_OBJECT = 401,
    DPP_E_CONFIG_REJECTED = 402,
    DPP_E_CONFIG_TOO_LARGE = 403,

    /* 500-599: transports and framing */
    DPP_E_TRANSPORT_FRAME_TOO_LARGE = 500,
    DPP_E_ESPNOW_BAD_FRAGMENT = 511,
    DPP_E_ESPNOW_NO_DATA = 512,
    DPP_E_ESPNOW_PAYLOAD_TOO_LARGE = 513,
    DPP_E_ESPNOW_BAD_VERSION = 514,
    DPP_E_ESPNOW_BAD_KIND = 515,
    DPP_E_ESPNOW_BAD_INDEX = 516,
    DPP_E_ESPNOW_TOO_MANY_FRAGMENTS = 517,
    DPP_E_ESPNOW_NOT_FULL = 518,
    DPP_E_ESPNOW_COUNT_MISMATCH = 519,
    DPP_E_ESPNOW_SIZE_MISMATCH = 520,
    DPP_E_ESPNOW_MESSAGE_TOO_LARGE = 521,
    DPP_E_ESPNOW_DUPLICATE = 522,
} dpp_err_t;

/* "DecodeTruncated" etc., for logs; "unknown" for other values. */
const char *dpp_err_name(dpp_err_t e);

#endif
