/* One enrollee_t in .bss, so `size` reports the core's RAM. */
#include "enrollee.h"

enrollee_t sizeof_enrollee_instance;
