/* Compiled by `make size` only: the bss of this object is sizeof(bridge_t),
 * the RAM one bridge instance takes on the target. */
#include "bridge.h"

bridge_t bridge_instance;
