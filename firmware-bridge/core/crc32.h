/* CRC-32 as used by the bridge serial framing (docs/bridge-serial.md):
 * IEEE 802.3 / zlib, reflected, polynomial 0xEDB88320, init 0xFFFFFFFF,
 * final XOR 0xFFFFFFFF. Portable C11, no allocation. */
#ifndef BRIDGE_CRC32_H
#define BRIDGE_CRC32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CRC32_INIT 0xFFFFFFFFu

/* Streaming form: state = CRC32_INIT; state = crc32_update(state, ...);
 * crc = crc32_final(state). */
uint32_t crc32_update(uint32_t state, const uint8_t *data, size_t len);
static inline uint32_t crc32_final(uint32_t state) { return state ^ 0xFFFFFFFFu; }

/* One-shot CRC-32 of a buffer (crc32("123456789") == 0xCBF43926). */
uint32_t crc32_ieee(const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif
