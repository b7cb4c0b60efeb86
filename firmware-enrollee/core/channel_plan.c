#include "channel_plan.h"

void channel_plan_init(channel_plan_t *p, const uint8_t *channels, size_t n)
{
    p->n = 0;
    p->idx = 0;
    for (size_t i = 0; channels != NULL && i < n && p->n < CHANNEL_PLAN_MAX; i++) {
        uint8_t c = channels[i];
        int dup = 0;
        for (size_t k = 0; k < p->n; k++) dup |= p->ch[k] == c;
        if (c >= 1 && c <= 14 && !dup) p->ch[p->n++] = c;
    }
    if (p->n == 0) {
        for (uint8_t c = 1; c <= 13; c++) p->ch[p->n++] = c;
    }
}

uint8_t channel_plan_current(const channel_plan_t *p)
{
    return p->ch[p->idx];
}

uint8_t channel_plan_next(channel_plan_t *p)
{
    p->idx = (p->idx + 1) % p->n;
    return p->ch[p->idx];
}
