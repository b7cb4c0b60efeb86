/* The Bluetooth LE carrier on NimBLE. Everything after start runs in
 * NimBLE's host task (sync, GAP events, the URI's reads, the idle timer),
 * so the connection state needs no lock; start and stop run in the
 * enrollee's tasks, before the host task exists and after it has ended. */
#include "ble_advertise.h"

#include <string.h>

#include "ble_discovery.h"
#include "dpp_err.h"
#include "esp_log.h"
#include "host/ble_gap.h"
#include "host/ble_gatt.h"
#include "host/ble_hs.h"
#include "host/ble_hs_mbuf.h"
#include "host/util/util.h"
#include "nimble/nimble_port.h"
#include "nimble/nimble_port_freertos.h"
#include "sdkconfig.h"
#include "services/gap/ble_svc_gap.h"
#include "services/gatt/ble_svc_gatt.h"

#if !defined(CONFIG_BT_NIMBLE_ROLE_PERIPHERAL) || !defined(CONFIG_BT_NIMBLE_ROLE_BROADCASTER) || \
    !defined(CONFIG_BT_NIMBLE_GATT_SERVER)
#error "Bluetooth LE discovery needs NimBLE's peripheral and broadcaster roles and GATT server (NimBLE Options)"
#endif

static const char *TAG = "dpp-ble";

#define ADV_ITVL BLE_GAP_ADV_ITVL_MS(CONFIG_DPP_ENROLLEE_BLE_ADV_INTERVAL_MS)
#if defined(CONFIG_BT_NIMBLE_EXT_ADV)
#define ADV_INSTANCE 0
#endif

static uint8_t s_adv[BLE_DISC_ADV_LEN];
static uint8_t s_uri[BLE_DISC_URI_MAX];
static uint16_t s_uri_len;
static uint8_t s_own_addr_type;
static uint16_t s_conn = BLE_HS_CONN_HANDLE_NONE;
static struct ble_npl_callout s_idle;
static ble_npl_time_t s_idle_ticks;
static bool s_started;

static int uri_access(uint16_t conn_handle, uint16_t attr_handle, struct ble_gatt_access_ctxt *ctxt, void *arg);
static int on_gap_event(struct ble_gap_event *ev, void *arg);

static const ble_uuid128_t SERVICE_UUID = BLE_UUID128_INIT(BLE_DISC_SERVICE_UUID_LE);
static const ble_uuid128_t URI_UUID = BLE_UUID128_INIT(BLE_DISC_URI_CHAR_UUID_LE);

/* Read only, no security: the URI is public by design (it is on the box). NimBLE refuses
   writes itself, since the characteristic has no write flag. */
static const struct ble_gatt_chr_def s_characteristics[] = {
    {.uuid = &URI_UUID.u, .access_cb = uri_access, .flags = BLE_GATT_CHR_F_READ},
    {0},
};
static const struct ble_gatt_svc_def s_services[] = {
    {.type = BLE_GATT_SVC_TYPE_PRIMARY, .uuid = &SERVICE_UUID.u, .characteristics = s_characteristics},
    {0},
};

static int uri_access(uint16_t conn_handle, uint16_t attr_handle, struct ble_gatt_access_ctxt *ctxt, void *arg)
{
    (void)conn_handle;
    (void)attr_handle;
    (void)arg;
    if (ctxt->op != BLE_GATT_ACCESS_OP_READ_CHR) return BLE_ATT_ERR_REQ_NOT_SUPPORTED;
    ble_npl_callout_reset(&s_idle, s_idle_ticks); /* a read is what keeps a connection open */
    /* the whole value each time: NimBLE cuts a Read Blob's part out at its offset */
    return os_mbuf_append(ctxt->om, s_uri, s_uri_len) == 0 ? 0 : BLE_ATT_ERR_INSUFFICIENT_RES;
}

/* From sync, a disconnection or a failed connection attempt. Advertising ends by itself when a
   central connects, so at most one connection is ever open. */
static void advertise(void)
{
#if defined(CONFIG_BT_NIMBLE_EXT_ADV)
    int rc = ble_gap_ext_adv_start(ADV_INSTANCE, 0, 0);
#else
    struct ble_gap_adv_params p;
    memset(&p, 0, sizeof(p));
    p.conn_mode = BLE_GAP_CONN_MODE_UND; /* ADV_IND: connectable, undirected */
    p.disc_mode = BLE_GAP_DISC_MODE_GEN;
    p.itvl_min = ADV_ITVL;
    p.itvl_max = ADV_ITVL;
    int rc = ble_gap_adv_start(s_own_addr_type, NULL, BLE_HS_FOREVER, &p, on_gap_event, NULL);
#endif
    /* EDISABLED: the host is stopping (its last disconnection comes here too) */
    if (rc != 0 && rc != BLE_HS_EALREADY && rc != BLE_HS_EDISABLED) {
        ESP_LOGE(TAG, "advertising did not start (NimBLE %d)", rc);
    }
}

/* The advertisement's bytes as core/ble_discovery.c built them, set once per sync. */
static int set_advertisement(void)
{
#if defined(CONFIG_BT_NIMBLE_EXT_ADV)
    /* a legacy ADV_IND through the extended API: legacy_pdu + connectable + scannable */
    struct ble_gap_ext_adv_params p;
    memset(&p, 0, sizeof(p));
    p.legacy_pdu = 1;
    p.connectable = 1;
    p.scannable = 1;
    p.itvl_min = ADV_ITVL;
    p.itvl_max = ADV_ITVL;
    p.own_addr_type = s_own_addr_type;
    p.primary_phy = BLE_HCI_LE_PHY_1M;
    p.secondary_phy = BLE_HCI_LE_PHY_1M;
    p.tx_power = 127; /* the controller's choice */
    int rc = ble_gap_ext_adv_configure(ADV_INSTANCE, &p, NULL, on_gap_event, NULL);
    if (rc != 0) return rc;
    struct os_mbuf *data = ble_hs_mbuf_from_flat(s_adv, sizeof(s_adv));
    return data == NULL ? BLE_HS_ENOMEM : ble_gap_ext_adv_set_data(ADV_INSTANCE, data); /* it frees data */
#else
    return ble_gap_adv_set_data(s_adv, sizeof(s_adv));
#endif
}

static void on_sync(void)
{
    int rc = ble_hs_util_ensure_addr(0); /* the chip's public address */
    if (rc == 0) rc = ble_hs_id_infer_auto(0, &s_own_addr_type);
    if (rc == 0) rc = set_advertisement();
    if (rc != 0) {
        ESP_LOGE(TAG, "not advertising: NimBLE %d", rc);
        return;
    }
    ESP_LOGI(TAG, "advertising the DPP URI every %d ms", CONFIG_DPP_ENROLLEE_BLE_ADV_INTERVAL_MS);
    advertise();
}

static void on_reset(int reason)
{
    /* the controller reset: the next sync sets the advertisement again */
    ESP_LOGW(TAG, "NimBLE host reset (%d)", reason);
}

static int on_gap_event(struct ble_gap_event *ev, void *arg)
{
    (void)arg;
    switch (ev->type) {
    case BLE_GAP_EVENT_CONNECT:
        if (ev->connect.status != 0) {
            advertise();
        } else {
            s_conn = ev->connect.conn_handle;
            ble_npl_callout_reset(&s_idle, s_idle_ticks);
        }
        return 0;
    case BLE_GAP_EVENT_DISCONNECT:
        s_conn = BLE_HS_CONN_HANDLE_NONE;
        ble_npl_callout_stop(&s_idle);
        advertise();
        return 0;
    default:
        return 0;
    }
}

/* No read for CONFIG_DPP_ENROLLEE_BLE_IDLE_MS: the central is done, or only holding the device. */
static void on_idle(struct ble_npl_event *ev)
{
    (void)ev;
    if (s_conn == BLE_HS_CONN_HANDLE_NONE) return;
    ESP_LOGD(TAG, "connection idle: ended");
    (void)ble_gap_terminate(s_conn, BLE_ERR_REM_USER_CONN_TERM);
}

static void host_task(void *arg)
{
    (void)arg;
    nimble_port_run(); /* returns once nimble_port_stop() has stopped the host */
    nimble_port_freertos_deinit();
}

esp_err_t ble_advertise_start(const dpp_own_key_t *own, const uint8_t *channels, size_t n_channels)
{
    if (s_started) return ESP_ERR_INVALID_STATE;
    size_t uri_len = 0;
    int rc = ble_discovery_adv(own, s_adv, sizeof(s_adv));
    if (rc == 0) rc = ble_discovery_uri_value(own, channels, n_channels, s_uri, sizeof(s_uri), &uri_len);
    if (rc != 0) {
        ESP_LOGE(TAG, "E%d %s", rc, dpp_err_name((dpp_err_t)rc));
        return ESP_ERR_INVALID_SIZE;
    }
    s_uri_len = (uint16_t)uri_len;
    s_conn = BLE_HS_CONN_HANDLE_NONE;
    esp_err_t err = nimble_port_init();
    if (err != ESP_OK) return err;
    ble_hs_cfg.sync_cb = on_sync;
    ble_hs_cfg.reset_cb = on_reset;
    ble_svc_gap_init();
    ble_svc_gatt_init();
    rc = ble_gatts_count_cfg(s_services);
    if (rc == 0) rc = ble_gatts_add_svcs(s_services);
    if (rc != 0) {
        ESP_LOGE(TAG, "GATT service not registered: NimBLE %d", rc);
        (void)nimble_port_deinit();
        return ESP_FAIL;
    }
    ble_npl_callout_init(&s_idle, nimble_port_get_dflt_eventq(), on_idle, NULL);
    s_idle_ticks = ble_npl_time_ms_to_ticks32(CONFIG_DPP_ENROLLEE_BLE_IDLE_MS);
    s_started = true;
    nimble_port_freertos_init(host_task);
    return ESP_OK;
}

void ble_advertise_stop(void)
{
    if (!s_started) return;
    /* the host ends the connection and the advertising, then leaves nimble_port_run */
    int rc = nimble_port_stop();
    if (rc != 0) {
        ESP_LOGE(TAG, "NimBLE did not stop (%d): Bluetooth stays on", rc);
        return;
    }
    ble_npl_callout_stop(&s_idle);
    ble_npl_callout_deinit(&s_idle);
    esp_err_t err = nimble_port_deinit();
    if (err != ESP_OK) ESP_LOGW(TAG, "NimBLE deinit: %s", esp_err_to_name(err));
    s_started = false;
    ESP_LOGI(TAG, "Bluetooth LE discovery ended");
}
