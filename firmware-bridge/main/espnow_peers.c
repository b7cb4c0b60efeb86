#include "espnow_peers.h"

#include <stdbool.h>
#include <string.h>

#include "esp_now.h"
#include "esp_wifi.h"
#include "sdkconfig.h"

#define MAX_PEERS CONFIG_BRIDGE_MAX_PEERS
_Static_assert(MAX_PEERS >= 1 && MAX_PEERS < ESP_NOW_MAX_TOTAL_PEER_NUM, "one peer slot is the broadcast peer");

static const uint8_t BROADCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

typedef struct {
    uint8_t mac[6];
    uint32_t last_used;
    bool used;
} peer_slot_t;

static peer_slot_t s_peers[MAX_PEERS];
static uint32_t s_clock;

static esp_err_t add_peer(const uint8_t mac[6])
{
    esp_now_peer_info_t p;
    memset(&p, 0, sizeof(p));
    memcpy(p.peer_addr, mac, 6);
    p.channel = 0; /* the current channel */
    p.ifidx = WIFI_IF_STA;
    p.encrypt = false; /* DPP secures its own messages */
    esp_err_t err = esp_now_add_peer(&p);
    return err == ESP_ERR_ESPNOW_EXIST ? ESP_OK : err;
}

esp_err_t espnow_peers_init(void)
{
    memset(s_peers, 0, sizeof(s_peers));
    return add_peer(BROADCAST);
}

esp_err_t espnow_peers_ensure(const uint8_t mac[6])
{
    if (memcmp(mac, BROADCAST, 6) == 0) {
        return ESP_OK;
    }
    s_clock++;
    peer_slot_t *victim = &s_peers[0];
    for (size_t i = 0; i < MAX_PEERS; i++) {
        peer_slot_t *s = &s_peers[i];
        if (s->used && memcmp(s->mac, mac, 6) == 0) {
            s->last_used = s_clock;
            return ESP_OK;
        }
        if (!s->used) {
            if (victim->used) {
                victim = s;
            }
        } else if (victim->used && s->last_used < victim->last_used) {
            victim = s;
        }
    }
    if (victim->used) {
        (void)esp_now_del_peer(victim->mac); /* least recently used */
        victim->used = false;
    }
    esp_err_t err = add_peer(mac);
    if (err == ESP_ERR_ESPNOW_FULL) {
        /* someone else added peers: give up one more of ours and retry */
        for (size_t i = 0; i < MAX_PEERS && err == ESP_ERR_ESPNOW_FULL; i++) {
            if (s_peers[i].used) {
                (void)esp_now_del_peer(s_peers[i].mac);
                s_peers[i].used = false;
                err = add_peer(mac);
            }
        }
    }
    if (err == ESP_OK) {
        memcpy(victim->mac, mac, 6);
        victim->last_used = s_clock;
        victim->used = true;
    }
    return err;
}
