/* The few C library symbols a freestanding image needs (the compiler emits calls to them); not built for the host. */
#if !defined(__linux__)
#include <stddef.h>
#include <stdint.h>
#if defined(__aarch64__)
/* Strict alignment (these may run before the MMU is on, when all memory is Device): the word loops only
   touch aligned words anyway, and the byte loops must not become unaligned wide accesses. No FP/SIMD
   registers (+nosimd): tasks call these, and a task's first FP/SIMD instruction gives it FP state that every
   switch then saves and loads (lazy FP, aarch64-tasks.S). */
#pragma clang attribute push (__attribute__((target("strict-align,+nosimd"))), apply_to = function)
#endif

void *memset(void *dst, int value, size_t n) {
    unsigned char *d = dst;
    while (n && ((uintptr_t)d & 7)) { *d++ = (unsigned char)value; n--; }
    uint64_t word = (unsigned char)value;
    word |= word << 8; word |= word << 16; word |= word << 32;
    for (; n >= 8; n -= 8, d += 8) *(uint64_t *)d = word;
    while (n--) *d++ = (unsigned char)value;
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
        while (n && ((uintptr_t)d & 7)) { *d++ = *s++; n--; }
        for (; n >= 8; n -= 8, d += 8, s += 8) *(uint64_t *)d = *(const uint64_t *)s;
    }
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    /* Apart (the usual case: IPC copies through the kernel's bounce buffer): the word-wise memcpy. */
    if (d + n <= s || s + n <= d) return memcpy(dst, src, n);
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--) *--d = *--s;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) return *x < *y ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}
#endif

#if !defined(__linux__)
/* Embedded Swift's runtime prints trap messages with putchar: route them to the kernel console. */
void orion_console_putc(int c);
int putchar(int c) {
    orion_console_putc(c);
    return c;
}
#endif

#if !defined(__linux__)
/* Reference counting entry points that debug builds of non-escaping closures call. Images are built with
   -no-allocations, so no heap object can exist: every object is a stack context or immortal, and counting
   references to it has nothing to do. */
void *swift_retain(void *object) { return object; }
void swift_release(void *object) { (void)object; }
#if defined(__aarch64__)
#pragma clang attribute pop
#endif
#endif
