/* enrollee-vectors: runs the enrollee core on fixed keys and nonces and
 * prints every effect, so another implementation can check that the same
 * inputs give the same bytes (test/enrollee/c-enrollee.test.ts compares
 * with protocol/dpp).
 *
 * Commands on stdin, one per line (HEX is lowercase or uppercase hex):
 *   boot_priv HEX | proto_priv HEX | r_nonce HEX | e_nonce HEX
 *   message_id N          the first messageId (normally random at boot)
 *   channels 1,6,11       the channel plan
 *   pin URI               pin the configurator of this DPP URI
 *   name|manufacturer|model|serial|firmware TEXT   device info
 *   start                 init and start (after the parameters)
 *   rx MAC HEX            a DPP message from MAC (12 hex digits)
 *   radio MAC HEX         one ESP-NOW payload from MAC
 *   wifi STATUS           the Wi-Fi attempt ended with this DPP status
 *   timer chirp|retransmit|stage
 * Output, one line per effect:
 *   channel N | timer start NAME MS | timer stop NAME | state NAME CODE | ignored CODE
 *   send MAC LIMIT ID HEX, then one "payload HEX" line per ESP-NOW fragment
 *   credentials SSIDHEX AKM PASS|PSKHEX BUNDLEHEX|-
 *   uri URI (after start)
 *   ble_adv HEX, ble_uri TEXT (after start): the Bluetooth LE advertisement and the URI
 *     characteristic's value (core/ble_discovery.c)
 *   error TEXT (a bad command; exit status 2) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ble_discovery.h"
#include "dpp_err.h"
#include "enrollee.h"
#include "test_util.h"

static enrollee_t s_e;
static enr_config_t s_cfg;
static char s_info[5][80];
static uint8_t s_proto[32], s_rnonce[16], s_enonce[16], s_channels[14];
static dpp_uri_t s_pin;
static long s_message_id = -1;
static uint8_t s_msg[ENOW_MAX_DPP_MESSAGE + 1];

static const char *timer_name(enr_timer_t t)
{
    return t == ENR_TIMER_CHIRP ? "chirp" : t == ENR_TIMER_RETRANSMIT ? "retransmit" : "stage";
}

static void print_hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

static void emit(const enr_effects_t *fx)
{
    for (size_t i = 0; i < fx->n; i++) {
        const enr_fx_t *f = &fx->fx[i];
        switch (f->type) {
        case ENR_FX_SET_CHANNEL: printf("channel %u\n", f->channel); break;
        case ENR_FX_START_TIMER: printf("timer start %s %u\n", timer_name(f->timer), (unsigned)f->ms); break;
        case ENR_FX_STOP_TIMER: printf("timer stop %s\n", timer_name(f->timer)); break;
        case ENR_FX_STATE: printf("state %s %d\n", enrollee_state_name(f->state), f->reason); break;
        case ENR_FX_IGNORED: printf("ignored %d\n", f->reason); break;
        case ENR_FX_CREDENTIALS: {
            const dpp_config_obj_t *c = f->config;
            static const char *akm[] = {"psk", "sae", "psk+sae"};
            printf("credentials ");
            print_hex(c->ssid, c->ssid_len);
            printf(" %s %s ", akm[c->akm], c->has_pass ? "pass" : "psk_hex");
            if (c->has_pass) print_hex((const uint8_t *)c->pass, c->pass_len);
            else printf("%s", c->psk_hex);
            printf(" ");
            if (c->lwm2m_bundle) print_hex(c->lwm2m_bundle, c->lwm2m_bundle_len);
            else printf("-");
            printf("\n");
            break;
        }
        case ENR_FX_SEND: {
            printf("send ");
            print_hex(f->dst, 6);
            printf(" %u %u ", f->payload_limit, f->message_id);
            print_hex(f->msg, f->len);
            printf("\n");
            uint8_t p[ENOW_V2_PAYLOAD];
            size_t n;
            for (size_t k = 0; (n = enrollee_fx_payload(f, k, p)) > 0; k++) {
                printf("payload ");
                print_hex(p, n);
                printf("\n");
            }
            break;
        }
        }
    }
    fflush(stdout);
}

/* The Bluetooth LE carrier of the same key and channels as the uri line. */
static void print_ble(const uint8_t *channels, size_t n)
{
    uint8_t adv[BLE_DISC_ADV_LEN], value[BLE_DISC_URI_MAX];
    size_t len = 0;
    if (ble_discovery_adv(&s_e.own, adv, sizeof(adv)) == DPP_OK) {
        printf("ble_adv ");
        print_hex(adv, sizeof(adv));
        printf("\n");
    }
    if (ble_discovery_uri_value(&s_e.own, channels, n, value, sizeof(value), &len) == DPP_OK)
        printf("ble_uri %.*s\n", (int)len, (const char *)value);
}

static int fail(const char *what)
{
    printf("error %s\n", what);
    return 2;
}

static bool hex_arg(const char *arg, uint8_t *out, size_t want)
{
    return hex_decode(arg, out, want) == want;
}

int main(void)
{
    static char line[2 * (ENOW_MAX_DPP_MESSAGE + 64)];
    bool started = false;
    const char **info[5] = {&s_cfg.info.name, &s_cfg.info.manufacturer, &s_cfg.info.model, &s_cfg.info.serial,
                            &s_cfg.info.firmware};
    static const char *info_keys[5] = {"name", "manufacturer", "model", "serial", "firmware"};
    s_cfg.info.name = "enrollee";
    while (fgets(line, sizeof(line), stdin) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *arg = strchr(line, ' ');
        if (arg != NULL) *arg++ = '\0';
        const char *a = arg != NULL ? arg : "";
        enr_effects_t fx;
        memset(&fx, 0, sizeof(fx));
        bool handled = false;
        for (int k = 0; k < 5; k++) {
            if (strcmp(line, info_keys[k]) == 0) {
                snprintf(s_info[k], sizeof(s_info[k]), "%s", a);
                *info[k] = s_info[k];
                handled = true;
            }
        }
        if (handled || line[0] == '\0' || line[0] == '#') continue;
        if (strcmp(line, "boot_priv") == 0) {
            if (!hex_arg(a, s_cfg.bootstrap_priv, 32)) return fail("boot_priv");
        } else if (strcmp(line, "proto_priv") == 0) {
            if (!hex_arg(a, s_proto, 32)) return fail("proto_priv");
            s_cfg.fixed_proto_priv = s_proto;
        } else if (strcmp(line, "r_nonce") == 0) {
            if (!hex_arg(a, s_rnonce, 16)) return fail("r_nonce");
            s_cfg.fixed_r_nonce = s_rnonce;
        } else if (strcmp(line, "e_nonce") == 0) {
            if (!hex_arg(a, s_enonce, 16)) return fail("e_nonce");
            s_cfg.fixed_e_nonce = s_enonce;
        } else if (strcmp(line, "message_id") == 0) {
            s_message_id = strtol(a, NULL, 10);
        } else if (strcmp(line, "channels") == 0) {
            s_cfg.n_channels = 0;
            for (char *t = strtok((char *)a, ","); t != NULL && s_cfg.n_channels < 14; t = strtok(NULL, ","))
                s_channels[s_cfg.n_channels++] = (uint8_t)atoi(t);
            s_cfg.channels = s_channels;
        } else if (strcmp(line, "pin") == 0) {
            int rc = dpp_uri_parse(a, strlen(a), &s_pin);
            if (rc != 0) return fail(dpp_err_name((dpp_err_t)rc));
            s_cfg.pinned_configurator = &s_pin;
        } else if (strcmp(line, "start") == 0) {
            int rc = enrollee_init(&s_e, &s_cfg);
            if (rc != 0) return fail(dpp_err_name((dpp_err_t)rc));
            if (s_message_id >= 0) s_e.next_message_id = (uint16_t)s_message_id;
            char uri[DPP_URI_MAX_LEN];
            if (dpp_uri_format(&s_e.own, s_e.plan.ch, s_cfg.channels ? s_e.plan.n : 0, uri, sizeof(uri)) !=
                (size_t)-1)
                printf("uri %s\n", uri);
            print_ble(s_cfg.channels ? s_e.plan.ch : NULL, s_cfg.channels ? s_e.plan.n : 0);
            enrollee_start(&s_e, &fx);
            started = true;
        } else if (!started) {
            return fail("start first");
        } else if (strcmp(line, "rx") == 0 || strcmp(line, "radio") == 0) {
            uint8_t mac[6];
            char *hex = strchr(a, ' ');
            if (hex == NULL) return fail("rx MAC HEX");
            *hex++ = '\0';
            size_t n = hex_decode(hex, s_msg, sizeof(s_msg));
            if (!hex_arg(a, mac, 6) || n == (size_t)-1) return fail("rx MAC HEX");
            if (line[1] == 'x') enrollee_on_message(&s_e, mac, s_msg, n, &fx);
            else enrollee_on_radio(&s_e, mac, false, s_msg, n, 0, &fx);
        } else if (strcmp(line, "wifi") == 0) {
            enrollee_on_wifi(&s_e, (uint8_t)atoi(a), &fx);
        } else if (strcmp(line, "timer") == 0) {
            enr_timer_t t = strcmp(a, "chirp") == 0 ? ENR_TIMER_CHIRP
                            : strcmp(a, "retransmit") == 0 ? ENR_TIMER_RETRANSMIT : ENR_TIMER_STAGE;
            enrollee_on_timer(&s_e, t, &fx);
        } else {
            return fail(line);
        }
        emit(&fx);
    }
    return 0;
}
