/* Where the enrollee announces itself: each channel of a list in turn
 * (default 1-13, or the C: channels of its own URI), listening on each
 * after the announcement as DPP's chirping does. When a configurator
 * answers, the enrollee stays on that channel (the plan is not advanced
 * while a session runs, and a failed session resumes from there). */
#ifndef CHANNEL_PLAN_H
#define CHANNEL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define CHANNEL_PLAN_MAX 14u

typedef struct {
    uint8_t ch[CHANNEL_PLAN_MAX];
    size_t n;
    size_t idx;
} channel_plan_t;

/* channels NULL or n 0: 1-13. Channels outside 1-14 and repeats are dropped. */
void channel_plan_init(channel_plan_t *p, const uint8_t *channels, size_t n);
uint8_t channel_plan_current(const channel_plan_t *p);
/* Move to the next channel (wrapping) and return it. */
uint8_t channel_plan_next(channel_plan_t *p);

#endif
