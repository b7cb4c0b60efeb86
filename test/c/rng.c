#include "rng.h"

static uint64_t state = 1;

void t_rng_seed(uint64_t seed) { state = seed; }

uint32_t t_rnd(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (uint32_t)((state * 0x2545F4914F6CDD1Dull) >> 32);
}

uint32_t t_below(uint32_t n) { return n == 0 ? 0 : t_rnd() % n; }
