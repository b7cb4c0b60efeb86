/* The bootstrapping key in NVS: made on first use, never exported. */
#ifndef DPP_ENROLLEE_KEY_STORE_H
#define DPP_ENROLLEE_KEY_STORE_H

#include <stdint.h>

#include "esp_err.h"

esp_err_t key_store_load_or_make(uint8_t priv[32]);
esp_err_t key_store_erase(void);

#endif
