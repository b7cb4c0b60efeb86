/* What the firmwares' host programs (bridge-host, enrollee-host) do alike
 * around their core: options, a monotonic clock, and stopping on a signal
 * from inside a poll() loop. */
#ifndef HOST_CLI_H
#define HOST_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* AA:BB:CC:DD:EE:FF, exactly */
bool cli_parse_mac(const char *s, uint8_t mac[6]);
/* A decimal in [lo, hi], nothing after it */
bool cli_parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
uint64_t cli_mono_us(void);
/* SIGTERM, SIGINT and SIGHUP make the returned descriptor readable (poll it with the rest);
 * SIGPIPE is ignored. On Linux the parent's death sends SIGTERM. -1 if the pipe cannot be made. */
int cli_stop_signals(void);

#endif
