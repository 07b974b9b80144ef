// Hardware CRC-32C (Castagnoli) for TSEncoding.CRC32C. The Swift code keeps a portable
// slicing-by-8 implementation and uses this only when the CPU has the instructions; tests
// compare both on random inputs.
#include "ccrc32c.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

int ccrc32c_hardware_available(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & bit_SSE4_2) != 0;
}

__attribute__((target("sse4.2")))
uint32_t ccrc32c_update_hw(uint32_t crc, const void *data, size_t len) {
    const unsigned char *p = (const unsigned char *)data;
    uint64_t c = crc;
    while (len > 0 && ((uintptr_t)p & 7) != 0) { c = __builtin_ia32_crc32qi((uint32_t)c, *p++); len--; }
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        len -= 8;
    }
    while (len > 0) { c = __builtin_ia32_crc32qi((uint32_t)c, *p++); len--; }
    return (uint32_t)c;
}

#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>

int ccrc32c_hardware_available(void) { return 1; }

uint32_t ccrc32c_update_hw(uint32_t crc, const void *data, size_t len) {
    const unsigned char *p = (const unsigned char *)data;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        crc = __crc32cd(crc, v);
        p += 8;
        len -= 8;
    }
    while (len > 0) { crc = __crc32cb(crc, *p++); len--; }
    return crc;
}

#else

int ccrc32c_hardware_available(void) { return 0; }

uint32_t ccrc32c_update_hw(uint32_t crc, const void *data, size_t len) {
    (void)data; (void)len;
    return crc;
}

#endif
