/* Volatile memory-mapped register access for the portable kernel's drivers. */
#ifndef ORION_MMIO_H
#define ORION_MMIO_H
#include <stdint.h>

/** Reads a 32-bit device register. */
static inline uint32_t orion_mmio_read32(uintptr_t address) {
    return *(volatile uint32_t *)address;
}

/** Writes a 32-bit device register. */
static inline void orion_mmio_write32(uintptr_t address, uint32_t value) {
    *(volatile uint32_t *)address = value;
}

/** Reads an 8-bit device register. */
static inline uint8_t orion_mmio_read8(uintptr_t address) {
    return *(volatile uint8_t *)address;
}

/** Writes an 8-bit device register. */
static inline void orion_mmio_write8(uintptr_t address, uint8_t value) {
    *(volatile uint8_t *)address = value;
}

/** Reads a 16-bit device register. */
static inline uint16_t orion_mmio_read16(uintptr_t address) {
    return *(volatile uint16_t *)address;
}

/** Writes a 16-bit device register. */
static inline void orion_mmio_write16(uintptr_t address, uint16_t value) {
    *(volatile uint16_t *)address = value;
}

/** Orders device accesses before and after this point (a full data barrier on the target). */
static inline void orion_mmio_barrier(void) {
#if defined(__aarch64__)
    __asm__ volatile("dsb sy" ::: "memory");
#elif defined(__riscv)
    __asm__ volatile("fence iorw, iorw" ::: "memory");
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}
#endif
