#ifndef CCRC32C_H
#define CCRC32C_H
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU computes CRC-32C in hardware (x86-64 SSE4.2 or AArch64 CRC), else 0.
int ccrc32c_hardware_available(void);

/// Continues a CRC-32C over `len` bytes: `crc` is the running value *before* the final inversion
/// (start with 0xFFFFFFFF, invert the result at the end). Only call when hardware is available.
uint32_t ccrc32c_update_hw(uint32_t crc, const void *data, size_t len);

#endif
