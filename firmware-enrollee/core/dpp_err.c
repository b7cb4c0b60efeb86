#include "dpp_err.h"

const char *dpp_err_name(dpp_err_t e)
{
    switch (e) {
    case DPP_OK: return "Ok";
    case DPP_E_DECODE_TRUNCATED: return "DecodeTruncated";
    case DPP_E_DECODE_OVERSIZED: return "DecodeOversized";
    case DPP_E_DECODE_BAD_HEADER: return "DecodeBadHeader";
    case DPP_E_DECODE_ATTRIBUTE_OVERRUN: return "DecodeAttributeOverrun";
    case DPP_E_DECODE_DUPLICATE_ATTRIBUTE: return "DecodeDuplicateAttribute";
    case DPP_E_DECODE_MISSING_ATTRIBUTE: return "DecodeMissingAttribute";
    case DPP_E_DECODE_UNEXPECTED_ATTRIBUTE: return "DecodeUnexpectedAttribute";
    case DPP_E_DECODE_ATTRIBUTE_ORDER: return "DecodeAttributeOrder";
    case DPP_E_DECODE_BAD_ATTRIBUTE_LENGTH: return "DecodeBadAttributeLength";
    case DPP_E_DECODE_BAD_VALUE: return "DecodeBadValue";
    case DPP_E_DECODE_TRAILING_BYTES: return "DecodeTrailingBytes";
    case DPP_E_DECODE_BAD_JSON: return "DecodeBadJson";
    case DPP_E_DECODE_BAD_GAS: return "DecodeBadGas";
    case DPP_E_URI_SYNTAX: return "UriSyntax";
    case DPP_E_URI_MISSING_KEY: return "UriMissingKey";
    case DPP_E_URI_BAD_KEY: return "UriBadKey";
    case DPP_E_URI_UNSUPPORTED_CURVE: return "UriUnsupportedCurve";
    case DPP_E_URI_BAD_CHANNEL: return "UriBadChannel";
    case DPP_E_URI_DUPLICATE_TOKEN: return "UriDuplicateToken";
    case DPP_E_KEY_NOT_ON_CURVE: return "KeyNotOnCurve";
    case DPP_E_KEY_BAD_ENCODING: return "KeyBadEncoding";
    case DPP_E_CRYPTO_UNWRAP_FAILED: return "CryptoUnwrapFailed";
    case DPP_E_CRYPTO_BAD_AUTH_TAG: return "CryptoBadAuthTag";
    case DPP_E_CRYPTO_BAD_POINT: return "CryptoBadPoint";
    case DPP_E_CRYPTO_KEY_MISMATCH: return "CryptoKeyMismatch";
    case DPP_E_AUTH_NOT_FOR_US: return "AuthNotForUs";
    case DPP_E_AUTH_MUTUAL_REQUIRED: return "AuthMutualRequired";
    case DPP_E_AUTH_STATUS_FAILURE: return "AuthStatusFailure";
    case DPP_E_AUTH_NONCE_MISMATCH: return "AuthNonceMismatch";
    case DPP_E_AUTH_CAPABILITIES: return "AuthCapabilities";
    case DPP_E_AUTH_VERSION: return "AuthVersion";
    case DPP_E_AUTH_TIMEOUT: return "AuthTimeout";
    case DPP_E_AUTH_UNEXPECTED_FRAME: return "AuthUnexpectedFrame";
    case DPP_E_CRYPTO_LIBRARY: return "CryptoLibrary";
    case DPP_E_CONFIG_BAD_REQUEST: return "ConfigBadRequest";
    case DPP_E_CONFIG_BAD_OBJECT: return "ConfigBadObject";
    case DPP_E_CONFIG_REJECTED: return "ConfigRejected";
    case DPP_E_CONFIG_TOO_LARGE: return "ConfigTooLarge";
    case DPP_E_TRANSPORT_FRAME_TOO_LARGE: return "TransportFrameTooLarge";
    case DPP_E_ESPNOW_BAD_FRAGMENT: return "EspNowBadFragment";
    case DPP_E_ESPNOW_NO_DATA: return "EspNowNoData";
    case DPP_E_ESPNOW_PAYLOAD_TOO_LARGE: return "EspNowPayloadTooLarge";
    case DPP_E_ESPNOW_BAD_VERSION: return "EspNowBadVersion";
    case DPP_E_ESPNOW_BAD_KIND: return "EspNowBadKind";
    case DPP_E_ESPNOW_BAD_INDEX: return "EspNowBadIndex";
    case DPP_E_ESPNOW_TOO_MANY_FRAGMENTS: return "EspNowTooManyFragments";
    case DPP_E_ESPNOW_NOT_FULL: return "EspNowNotFull";
    case DPP_E_ESPNOW_COUNT_MISMATCH: return "EspNowCountMismatch";
    case DPP_E_ESPNOW_SIZE_MISMATCH: return "EspNowSizeMismatch";
    case DPP_E_ESPNOW_MESSAGE_TOO_LARGE: return "EspNowMessageTooLarge";
    case DPP_E_ESPNOW_DUPLICATE: return "EspNowDuplicate";
    default: return "unknown";
    }
}
