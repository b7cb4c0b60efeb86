#include "key_store.h"

#include "dpp_crypto.h"
#include "nvs.h"

#define NVS_NAMESPACE "dpp_enrollee"
#define NVS_KEY "boot_key"

esp_err_t key_store_load_or_make(uint8_t priv[32])
{
    nvs_handle_t h;
    esp_err_t err = nvs_open(NVS_NAMESPACE, NVS_READWRITE, &h);
    if (err != ESP_OK) return err;
    size_t len = 32;
    err = nvs_get_blob(h, NVS_KEY, priv, &len);
    if (err == ESP_OK && len != 32) err = ESP_ERR_INVALID_SIZE;
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        /* first boot: the key is made here and stays here */
        uint8_t pub[64];
        err = dpp_p256_keygen(priv, pub) == 0 ? ESP_OK : ESP_FAIL;
        if (err == ESP_OK) err = nvs_set_blob(h, NVS_KEY, priv, 32);
        if (err == ESP_OK) err = nvs_commit(h);
    }
    nvs_close(h);
    if (err != ESP_OK) dpp_wipe(priv, 32);
    return err;
}

esp_err_t key_store_erase(void)
{
    nvs_handle_t h;
    esp_err_t err = nvs_open(NVS_NAMESPACE, NVS_READWRITE, &h);
    if (err != ESP_OK) return err;
    err = nvs_erase_key(h, NVS_KEY);
    if (err == ESP_ERR_NVS_NOT_FOUND) err = ESP_OK;
    if (err == ESP_OK) err = nvs_commit(h);
    nvs_close(h);
    return err;
}
