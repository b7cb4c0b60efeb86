/* The fuzz tests' random numbers: xorshift64*, deterministic from a seed, so
 * a run does not depend on the machine and a failure can be replayed. */
#ifndef DPP_TEST_RNG_H
#define DPP_TEST_RNG_H

#include <stdint.h>

void t_rng_seed(uint64_t seed); /* not 0 */
uint32_t t_rnd(void);
/* uniform enough in [0, n); 0 for n 0 */
uint32_t t_below(uint32_t n);

#endif
