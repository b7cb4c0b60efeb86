/* The configuration exchange after authentication (Wi-Fi Easy Connect 6.4),
 * Enrollee side, keyed by ke:
 *   Configuration Request    GAS Initial Request, query = {E-nonce, configAttrib}ke  (no AD)
 *   Configuration Response   GAS Initial Response, query = Status, {E-nonce, ConfigObj..., [SendConnStatus]}ke
 *                            (AD = the attributes before Wrapped Data)
 *   Configuration Result     frame 11: {Status, E-nonce}ke        (AD = header, one empty component)
 *   Connection Status Result frame 12: {E-nonce, ConnStatus}ke    (AD = header, one empty component)
 * and the Presence Announcement (frame 13) with the chirp hash and the
 * Bootstrapping Key attribute 0x100F (docs/espnow-binding.md). */
#ifndef DPP_CONFIG_H
#define DPP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpp_attr.h"
#include "dpp_bootstrap.h"
#include "dpp_frame.h"

/* Limits of protocol/dpp/config-object.ts. */
#define DPP_MAX_JSON_LEN 8192u
#define DPP_MAX_LWM2M_BUNDLE_LEN 4096u
#define DPP_DEVICE_INFO_MAX 64u

/* The Enrollee's configAttrib: name, wi-fi_tech "infra", netRole "sta" and
 * our deviceInfo member {manufacturer, model, serial, firmware}; NULL
 * members are left out, as encodeConfigurationRequest does. */
typedef struct {
    const char *name;
    const char *manufacturer;
    const char *model;
    const char *serial;
    const char *firmware;
} dpp_device_info_t;

int dpp_build_config_attrib(dpp_wbuf_t *w, const dpp_device_info_t *info);

int dpp_build_presence_announcement(dpp_wbuf_t *w, const dpp_own_key_t *own, bool with_key);
/* The configAttrib is written in place inside w, then wrapped there. */
int dpp_build_config_request(dpp_wbuf_t *w, const uint8_t ke[32], const uint8_t e_nonce[16],
                             const dpp_device_info_t *info);

typedef struct {
    uint8_t status;
    bool send_conn_status;
    /* the first Configuration Object, decrypted in place inside the message */
    uint8_t *config_obj;
    size_t config_obj_len;
} dpp_config_response_t;

/* Decrypts the message's wrapped data in place (msg must be writable). */
int dpp_parse_config_response(const uint8_t ke[32], const uint8_t e_nonce[16], dpp_msg_t *msg,
                              dpp_config_response_t *out);

int dpp_build_config_result(dpp_wbuf_t *w, const uint8_t ke[32], const uint8_t e_nonce[16], uint8_t status);
int dpp_build_conn_status_result(dpp_wbuf_t *w, const uint8_t ke[32], const uint8_t e_nonce[16],
                                 const uint8_t *conn_status_json, size_t json_len);
/* {"result":N[,"ssid64":"..."]}, as encodeConnectionStatus writes it. */
int dpp_build_conn_status_json(dpp_wbuf_t *w, uint8_t result, const uint8_t *ssid, size_t ssid_len);

typedef enum { DPP_AKM_PSK, DPP_AKM_SAE, DPP_AKM_PSK_SAE } dpp_akm_t;

/* Every member points into the object's text, decoded in place there:
 * valid as long as the text is. */
typedef struct {
    const uint8_t *ssid; /* 1-32 bytes */
    size_t ssid_len;
    dpp_akm_t akm;
    bool has_pass;    /* else psk_hex */
    const char *pass; /* NUL-terminated; SAE passwords are up to 128 bytes */
    size_t pass_len;
    const char *psk_hex; /* NUL-terminated, 64 hex digits */
    const uint8_t *lwm2m_bundle; /* NULL if absent */
    size_t lwm2m_bundle_len;
} dpp_config_obj_t;

/* A Configuration Object for an infrastructure station with legacy
 * credentials; text is modified (its strings are decoded in place).
 * DPP_E_DECODE_BAD_JSON, DPP_E_CONFIG_BAD_OBJECT or DPP_E_CONFIG_TOO_LARGE. */
int dpp_parse_config_obj(char *text, size_t len, dpp_config_obj_t *out);

#endif
