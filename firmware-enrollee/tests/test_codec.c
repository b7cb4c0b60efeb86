/* Codecs: base64, the URI, JSON and the Configuration Object, the
 * configAttrib and Connection Status objects, the Presence Announcement. */
#include <stdio.h>
#include <string.h>

#include "dpp_b64.h"
#include "dpp_bootstrap.h"
#include "dpp_config.h"
#include "dpp_crypto.h"
#include "dpp_err.h"
#include "dpp_frame.h"
#include "dpp_json.h"
#include "test.h"
#include "test_util.h"

static void base64(void)
{
    uint8_t out[16];
    char text[32];
    CHECK_EQ_INT(dpp_b64_decode("YWJj", 4, out, sizeof(out)), 3);
    CHECK_EQ_INT(dpp_b64_decode("YWI=", 4, out, sizeof(out)), 2);
    CHECK_EQ_INT(dpp_b64_decode("YQ==", 4, out, sizeof(out)), 1);
    CHECK_EQ_INT(dpp_b64_decode("YR==", 4, out, sizeof(out)), -1); /* non-canonical bits */
    CHECK_EQ_INT(dpp_b64_decode("YQ=", 3, out, sizeof(out)), -1);
    CHECK_EQ_INT(dpp_b64_decode("YWJ", 3, out, sizeof(out)), -1);  /* padding missing */
    CHECK_EQ_INT(dpp_b64_decode("Y===", 4, out, sizeof(out)), -1);
    CHECK_EQ_INT(dpp_b64_decode("YW-_", 4, out, sizeof(out)), -1); /* url alphabet in std */
    CHECK_EQ_INT(dpp_b64url_decode("YW-_", 4, out, sizeof(out)), 3);
    CHECK_EQ_INT(dpp_b64url_decode("YQ", 2, out, sizeof(out)), 1);
    CHECK_EQ_INT(dpp_b64url_decode("YQ==", 4, out, sizeof(out)), 1); /* padding tolerated */
    CHECK_EQ_INT(dpp_b64url_decode("YR", 2, out, sizeof(out)), -1);
    CHECK_EQ_INT(dpp_b64url_decode("Y", 1, out, sizeof(out)), -1);
    CHECK_EQ_INT(dpp_b64url_decode("", 0, out, sizeof(out)), 0);
    const uint8_t in[5] = {0xfb, 0xff, 0x01, 0x02, 0x03};
    CHECK_EQ_INT(dpp_b64url_encode(in, 5, text, sizeof(text)), 7);
    CHECK(strcmp(text, "-_8BAgM") == 0);
    CHECK_EQ_INT(dpp_b64_encode(in, 5, text, sizeof(text)), 8);
    CHECK(strcmp(text, "+/8BAgM=") == 0);
    CHECK_EQ_INT(dpp_b64_encode(in, 5, text, 8), -1); /* no room for the NUL */
}

static int uri(const char *s, dpp_uri_t *u)
{
    return dpp_uri_parse(s, strlen(s), u);
}

#define HOSTAP_K "K:MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=;"

static void uri_policy(void)
{
    dpp_uri_t u;
    CHECK_EQ_INT(uri("DPP:" HOSTAP_K ";", &u), 0);
    CHECK_EQ_INT(u.n_channels, 0);
    CHECK_EQ_INT(uri("DPP:C:81/1,6,11,115/36;" HOSTAP_K ";", &u), 0);
    CHECK_EQ_INT(u.n_channels, 3);
    CHECK(u.channels[0] == 1 && u.channels[1] == 6 && u.channels[2] == 11);
    CHECK_EQ_INT(uri("DPP:C:81/1,115/36,;" HOSTAP_K ";", &u), 0); /* trailing comma */
    CHECK_EQ_INT(uri("DPP:C:81/1,,6;" HOSTAP_K ";", &u), DPP_E_URI_BAD_CHANNEL);
    CHECK_EQ_INT(uri("DPP:C:6;" HOSTAP_K ";", &u), DPP_E_URI_BAD_CHANNEL); /* no class */
    CHECK_EQ_INT(uri("DPP:C:81/0;" HOSTAP_K ";", &u), DPP_E_URI_BAD_CHANNEL);
    CHECK_EQ_INT(uri("DPP:E:future;" HOSTAP_K ";", &u), 0); /* unknown token ignored */
    CHECK_EQ_INT(uri("DPP:M:00a0b0c0d0e0;" HOSTAP_K HOSTAP_K ";", &u), DPP_E_URI_DUPLICATE_TOKEN);
    CHECK_EQ_INT(uri("DPP:" HOSTAP_K, &u), DPP_E_URI_SYNTAX);     /* no ;; */
    CHECK_EQ_INT(uri("dpp:" HOSTAP_K ";", &u), DPP_E_URI_SYNTAX);
    CHECK_EQ_INT(uri("DPP:x:1;" HOSTAP_K ";", &u), DPP_E_URI_SYNTAX);
    CHECK_EQ_INT(uri("DPP:I:x;;", &u), DPP_E_URI_MISSING_KEY);
    CHECK_EQ_INT(uri("DPP:K:MDkw!;;", &u), DPP_E_URI_BAD_KEY);
    /* a P-384 key: refused for its curve */
    CHECK_EQ_INT(uri("DPP:K:MEYwEAYHKoZIzj0CAQYFK4EEACIDMgAD+n9/Xd7iJ5xM/MlHWMDsI/SvXkp2VTTZtLFTyZ4Ygxx1gxjrV29P2EBiqoWpGRzg;;", &u),
                 DPP_E_URI_UNSUPPORTED_CURVE);
    /* our own URI round-trips */
    uint8_t priv[32], pub[64];
    CHECK(dpp_p256_keygen(priv, pub) == 0);
    dpp_own_key_t own;
    CHECK(dpp_own_key_init(&own, priv) == 0);
    char text[DPP_URI_MAX_LEN];
    const uint8_t ch[2] = {6, 14};
    size_t n = dpp_uri_format(&own, ch, 2, text, sizeof(text));
    CHECK(n != (size_t)-1 && strncmp(text, "DPP:C:81/6,82/14;K:", 19) == 0);
    CHECK_EQ_INT(dpp_uri_parse(text, n, &u), 0);
    CHECK(memcmp(u.key.hash, own.hash, 32) == 0 && memcmp(u.key.pub, own.pub, 64) == 0);
    CHECK(u.n_channels == 2 && u.channels[0] == 6 && u.channels[1] == 14);
}

static void spki_refusals(void)
{
    uint8_t der[64], pub[64];
    uint8_t priv[32];
    CHECK(dpp_p256_keygen(priv, pub) == 0);
    dpp_own_key_t own;
    dpp_own_key_init(&own, priv);
    uint8_t spki[DPP_SPKI_COMPRESSED_LEN];
    dpp_own_key_der(&own, spki);
    memcpy(der, spki, 59);
    CHECK_EQ_INT(dpp_spki_parse(der, 59, pub), 0);
    CHECK_EQ_INT(dpp_spki_parse(der, 58, pub), DPP_E_KEY_BAD_ENCODING);
    der[26] = 0x05; /* not a SEC1 compressed prefix */
    CHECK_EQ_INT(dpp_spki_parse(der, 59, pub), DPP_E_KEY_BAD_ENCODING);
    memcpy(der, spki, 59);
    der[22] = 0x08; /* prime256v1 -> another curve OID */
    CHECK_EQ_INT(dpp_spki_parse(der, 59, pub), DPP_E_URI_UNSUPPORTED_CURVE);
    memcpy(der, spki, 59);
    der[27] ^= 0xff; /* x not on the curve (most values) */
    int rc = dpp_spki_parse(der, 59, pub);
    CHECK(rc == DPP_E_KEY_NOT_ON_CURVE || rc == 0);
    memcpy(der, spki, 59);
    der[25] = 0x01; /* BIT STRING with unused bits */
    CHECK_EQ_INT(dpp_spki_parse(der, 59, pub), DPP_E_KEY_BAD_ENCODING);
}

static int obj(const char *json, dpp_config_obj_t *o)
{
    static char buf[12000];
    size_t n = strlen(json);
    memcpy(buf, json, n);
    return dpp_parse_config_obj(buf, n, o);
}

static void config_object(void)
{
    dpp_config_obj_t o;
    CHECK_EQ_INT(obj("{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"factory-floor\"},\"cred\":{\"akm\":\"psk\","
                     "\"pass\":\"secret-passphrase\"},\"lwm2m_bundle\":\"gaIAZi8wLzEvMAN4\"}",
                     &o),
                 0);
    CHECK(o.ssid_len == 13 && memcmp(o.ssid, "factory-floor", 13) == 0);
    CHECK(o.akm == DPP_AKM_PSK && o.has_pass && strcmp(o.pass, "secret-passphrase") == 0);
    CHECK(o.lwm2m_bundle != NULL);
    CHECK_HEX(o.lwm2m_bundle, o.lwm2m_bundle_len, "81a200662f302f312f300378");
    /* ssid64, psk_hex, unknown members anywhere, whitespace */
    CHECK_EQ_INT(obj(" { \"discovery\" : {\"ssid64\":\"_wBh\",\"x\":[1,{\"y\":null}]}, \"wi-fi_tech\":\"infra\","
                     "\"cred\":{\"akm\":\"psk\",\"psk_hex\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
                     "\"signedConnector\":\"x\"},\"extra\":-1.5e3 } ",
                     &o),
                 0);
    CHECK(o.ssid_len == 3 && o.ssid[0] == 0xff && o.ssid[2] == 'a' && !o.has_pass && o.psk_hex[0] == '0');
    CHECK(o.lwm2m_bundle == NULL);
    CHECK_EQ_INT(obj("{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"a\\u00e9\\ud83d\\ude00\"},\"cred\":{\"akm\":"
                     "\"sae\",\"pass\":\"p\"}}",
                     &o),
                 0);
    CHECK(o.akm == DPP_AKM_SAE && o.pass_len == 1);
    CHECK_HEX(o.ssid, o.ssid_len, "61c3a9f09f9880");
    CHECK_EQ_INT(obj("{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk+sae\",\"pass\":"
                     "\"12345678\"}}",
                     &o),
                 0);
    CHECK(o.akm == DPP_AKM_PSK_SAE);

    /* refusals */
    const char *bad_object[] = {
        "{\"wi-fi_tech\":\"mesh\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\"}}",
        "{\"wi-fi_tech\":\"infra\",\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\",\"ssid64\":\"cw\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"123456789012345678901234567890123\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"dpp\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"1234567\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\\n\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"sae\",\"psk_hex\":\"0011\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\",\"psk_hex\":\"xyz\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\"}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\",\"pass\":12345678}}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\"},\"lwm2m_bundle\":\"\"}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\"},\"lwm2m_bundle\":\"YR\"}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\"},\"lwm2m_bundle\":7}",
        "{\"wi-fi_tech\":\"infra\",\"discovery\":\"s\",\"cred\":{\"akm\":\"psk\",\"pass\":\"12345678\"}}",
    };
    for (size_t i = 0; i < sizeof(bad_object) / sizeof(bad_object[0]); i++) {
        int rc = obj(bad_object[i], &o);
        if (rc != DPP_E_CONFIG_BAD_OBJECT) fprintf(stderr, "    case %zu: %d\n", i, rc);
        CHECK_EQ_INT(rc, DPP_E_CONFIG_BAD_OBJECT);
    }
    const char *bad_json[] = {
        "", "[]", "{", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":01}", "{\"a\":tru}", "{\"a\":\"\\x\"}", "{\"a\":\"\x01\"}",
        "{\"a\":1} x", "{\"a\":\"\xc3\x28\"}", "{\"a\":\"\\ud800\"}x",
        "{\"wi-fi_tech\":\"infra\",\"wi-fi_tech\":\"infra\"}", /* a member we read, twice */
        "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
    };
    for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
        int rc = obj(bad_json[i], &o);
        if (rc != DPP_E_DECODE_BAD_JSON) fprintf(stderr, "    json case %zu: %d\n", i, rc);
        CHECK_EQ_INT(rc, DPP_E_DECODE_BAD_JSON);
    }
    /* a bundle of 4097 bytes once decoded is too large */
    static char big[6000];
    int n = snprintf(big, sizeof(big),
                     "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\",\"pass\":"
                     "\"12345678\"},\"lwm2m_bundle\":\"");
    for (int i = 0; i < 5464; i++) big[n++] = 'A'; /* 4098 bytes */
    big[n++] = '"';
    big[n++] = '}';
    big[n] = '\0';
    CHECK_EQ_INT(obj(big, &o), DPP_E_CONFIG_TOO_LARGE);
    static char huge[9000];
    memset(huge, ' ', sizeof(huge) - 1);
    huge[0] = '{';
    huge[sizeof(huge) - 2] = '}';
    huge[sizeof(huge) - 1] = '\0';
    CHECK_EQ_INT(obj(huge, &o), DPP_E_CONFIG_TOO_LARGE);
}

static void objects_we_send(void)
{
    uint8_t buf[512];
    dpp_wbuf_t w;
    /* exactly what JSON.stringify gives for encodeConfigurationRequest */
    dpp_device_info_t info = {"sim", "Simulated", "SIM-1", "SN-\"7\"\\", NULL};
    dpp_wbuf_init(&w, buf, sizeof(buf));
    CHECK_EQ_INT(dpp_build_config_attrib(&w, &info), 0);
    const char *want = "{\"name\":\"sim\",\"wi-fi_tech\":\"infra\",\"netRole\":\"sta\",\"deviceInfo\":{\"manufacturer\":"
                       "\"Simulated\",\"model\":\"SIM-1\",\"serial\":\"SN-\\\"7\\\"\\\\\"}}";
    CHECK(w.len == strlen(want) && memcmp(buf, want, w.len) == 0);
    dpp_device_info_t bare = {"bench", NULL, NULL, NULL, NULL};
    dpp_wbuf_init(&w, buf, sizeof(buf));
    CHECK_EQ_INT(dpp_build_config_attrib(&w, &bare), 0);
    want = "{\"name\":\"bench\",\"wi-fi_tech\":\"infra\",\"netRole\":\"sta\"}";
    CHECK(w.len == strlen(want) && memcmp(buf, want, w.len) == 0);
    dpp_device_info_t ctl = {"x", NULL, "a\tb", NULL, NULL};
    dpp_wbuf_init(&w, buf, sizeof(buf));
    CHECK_EQ_INT(dpp_build_config_attrib(&w, &ctl), DPP_E_CONFIG_BAD_REQUEST);
    /* encodeConnectionStatus({result, ssid}) */
    dpp_wbuf_init(&w, buf, sizeof(buf));
    CHECK_EQ_INT(dpp_build_conn_status_json(&w, 0, (const uint8_t *)"factory-floor", 13), 0);
    want = "{\"result\":0,\"ssid64\":\"ZmFjdG9yeS1mbG9vcg\"}";
    CHECK(w.len == strlen(want) && memcmp(buf, want, w.len) == 0);
    dpp_wbuf_init(&w, buf, sizeof(buf));
    CHECK_EQ_INT(dpp_build_conn_status_json(&w, 10, NULL, 0), 0);
    CHECK(w.len == 13 && memcmp(buf, "{\"result\":10}", 13) == 0);
}

static void presence_announcement(void)
{
    uint8_t priv[32], pub[64], buf[200];
    CHECK(dpp_p256_keygen(priv, pub) == 0);
    dpp_own_key_t own;
    dpp_own_key_init(&own, priv);
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, buf, sizeof(buf));
    CHECK_EQ_INT(dpp_build_presence_announcement(&w, &own, true), 0);
    /* 7 + 36 + 63 bytes: one 250-byte payload with the 6-byte fragment header (112) */
    CHECK_EQ_INT(w.len, 106);
    dpp_msg_t m;
    CHECK_EQ_INT(dpp_msg_decode(buf, w.len, &m), 0);
    CHECK(m.kind == DPP_MSG_FRAME && m.frame_type == DPP_FT_PRESENCE_ANNOUNCEMENT && m.attrs.n == 2);
    uint8_t own_chirp[32];
    CHECK(dpp_own_key_chirp(&own, own_chirp) == 0);
    CHECK(m.attrs.a[0].id == DPP_ATTR_R_BOOTSTRAP_KEY_HASH && memcmp(m.attrs.a[0].val, own_chirp, 32) == 0);
    CHECK(m.attrs.a[1].id == DPP_ATTR_BOOTSTRAP_KEY && m.attrs.a[1].len == 59);
    /* the configurator's check: SHA-256("chirp" | DER) is the chirp hash */
    uint8_t chirp[32];
    dpp_span_t parts[2] = {{(const uint8_t *)"chirp", 5}, {m.attrs.a[1].val, 59}};
    CHECK(dpp_sha256(parts, 2, chirp) == 0 && memcmp(chirp, own_chirp, 32) == 0);
    dpp_wbuf_init(&w, buf, sizeof(buf));
    CHECK_EQ_INT(dpp_build_presence_announcement(&w, &own, false), 0);
    CHECK_EQ_INT(w.len, 43);
}

void group_codec(void)
{
    t_run("codec: base64 and base64url, canonical only", base64);
    t_run("codec: DPP URI policy (tokens, channels, key) and our own URI", uri_policy);
    t_run("codec: SubjectPublicKeyInfo refusals", spki_refusals);
    t_run("codec: Configuration Object accepted forms and each refusal", config_object);
    t_run("codec: configAttrib and Connection Status as JSON.stringify writes them", objects_we_send);
    t_run("codec: Presence Announcement with the Bootstrapping Key attribute", presence_announcement);
}
