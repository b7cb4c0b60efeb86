/* A test-only Configurator (DPP Initiator) built from the core's codecs,
 * so the enrollee can be driven through whole sessions in C. It mirrors
 * protocol/dpp/auth-initiator.ts and buildConfigurationResponse. The
 * initiator's L = bI*(BR + PR) needs a point addition the enrollee never
 * does, so that one step calls OpenSSL directly. */
#ifndef ENROLLEE_TEST_PEER_H
#define ENROLLEE_TEST_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpp_bootstrap.h"

typedef struct {
    dpp_own_key_t boot;     /* the configurator's bootstrapping key */
    dpp_peer_key_t enrollee;
    bool name_own_key;      /* send the I-hash (mutual if the enrollee knows us) */
    uint8_t version;        /* Protocol Version attribute; 0: none (version 1) */
    uint8_t i_caps;
    uint8_t i_proto_priv[32], i_proto_pub[64];
    uint8_t i_nonce[16];
    uint8_t mx[32], k1[32], k2[32], ke[32];
    uint8_t r_nonce[16], r_proto_pub[64];
    bool mutual;
    uint8_t peer_version;
} test_cfgr_t;

/* Keys: boot_priv for the configurator; enrollee_pub its peer. proto_priv/nonce NULL: random. */
void test_cfgr_init(test_cfgr_t *c, const uint8_t boot_priv[32], const uint8_t enrollee_priv[32],
                    const uint8_t *proto_priv, const uint8_t *i_nonce);
size_t test_build_auth_request(test_cfgr_t *c, uint8_t *out, size_t cap);
/* 0 or a dpp_err_t; checks R-auth and derives ke. msg is decrypted in place. */
int test_process_auth_response(test_cfgr_t *c, uint8_t *msg, size_t len);
size_t test_build_auth_confirm(test_cfgr_t *c, uint8_t status, uint8_t *out, size_t cap);
/* The Configuration Request's E-nonce and configAttrib (NUL-terminated). */
int test_parse_config_request(test_cfgr_t *c, uint8_t *msg, size_t len, uint8_t e_nonce[16], uint8_t *dialog,
                              char *attrib, size_t cap);
size_t test_build_config_response(test_cfgr_t *c, const uint8_t e_nonce[16], uint8_t dialog, uint8_t status,
                                  const char *config_obj, bool send_conn_status, uint8_t *out, size_t cap);
/* Configuration Result: its status; Connection Status Result: its JSON (NUL-terminated). */
int test_parse_config_result(test_cfgr_t *c, const uint8_t e_nonce[16], uint8_t *msg, size_t len, uint8_t *status);
int test_parse_conn_status(test_cfgr_t *c, const uint8_t e_nonce[16], uint8_t *msg, size_t len, char *json,
                           size_t cap);

#endif
