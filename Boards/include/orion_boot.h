/* Boot-time interface between board assembly/C and the Swift board code: CPU register access and entry points. */
#ifndef ORION_BOOT_H
#define ORION_BOOT_H
#include <stdint.h>

/** Implemented by the guest application (Swift, `@_cdecl("orion_app_main")`); returns the exit status. */
int32_t orion_app_main(void *system);

/** Executes an undefined instruction (to prove that faults are caught and reported). */
static inline void orion_undefined_instruction(void) {
#if defined(__aarch64__)
    __asm__ volatile("udf #0" ::: "memory");
#elif defined(__riscv)
    __asm__ volatile("unimp" ::: "memory");
#endif
}

#if defined(__aarch64__)
/** Counter frequency of the Arm generic timer (CNTFRQ_EL0). */
static inline uint64_t orion_a64_cntfrq(void) { uint64_t v; __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v)); return v; }
/** Physical counter (CNTPCT_EL0), ordered after earlier instructions. */
static inline uint64_t orion_a64_cntpct(void) { uint64_t v; __asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(v) :: "memory"); return v; }
/** Sets the EL1 physical timer compare value (CNTP_CVAL_EL0). */
static inline void orion_a64_set_cntp_cval(uint64_t v) { __asm__ volatile("msr cntp_cval_el0, %0; isb" :: "r"(v) : "memory"); }
/** Sets the EL1 physical timer control (CNTP_CTL_EL0): bit 0 enable, bit 1 mask. */
static inline void orion_a64_set_cntp_ctl(uint64_t v) { __asm__ volatile("msr cntp_ctl_el0, %0; isb" :: "r"(v) : "memory"); }
/** Unmasks IRQs at the CPU. */
static inline void orion_a64_irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
/** Masks IRQs at the CPU. */
static inline void orion_a64_irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
/** Waits for an interrupt. */
static inline void orion_a64_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
/** Exception syndrome (ESR_EL1). */
static inline uint64_t orion_a64_esr(void) { uint64_t v; __asm__ volatile("mrs %0, esr_el1" : "=r"(v)); return v; }
/** Faulting address (FAR_EL1). */
static inline uint64_t orion_a64_far(void) { uint64_t v; __asm__ volatile("mrs %0, far_el1" : "=r"(v)); return v; }
/** Current exception level (0-3). */
static inline uint64_t orion_a64_current_el(void) { uint64_t v; __asm__ volatile("mrs %0, CurrentEL" : "=r"(v)); return (v >> 2) & 3; }
/** Arm semihosting call (HLT #0xF000): operation in w0, parameter block in x1; returns x0. */
static inline uint64_t orion_a64_semihost(uint64_t op, uint64_t param) {
    register uint64_t x0 __asm__("x0") = op;
    register uint64_t x1 __asm__("x1") = param;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    return x0;
}
#endif

#if defined(__riscv)
/** The `time` CSR (ticks at the devicetree's timebase-frequency). */
static inline uint64_t orion_rv_time(void) { uint64_t v; __asm__ volatile("rdtime %0" : "=r"(v)); return v; }
/** Sets bits in `sie`. */
static inline void orion_rv_sie_set(uint64_t bits) { __asm__ volatile("csrs sie, %0" :: "r"(bits) : "memory"); }
/** Sets bits in `sstatus`. */
static inline void orion_rv_sstatus_set(uint64_t bits) { __asm__ volatile("csrs sstatus, %0" :: "r"(bits) : "memory"); }
/** Clears bits in `sstatus`. */
static inline void orion_rv_sstatus_clear(uint64_t bits) { __asm__ volatile("csrc sstatus, %0" :: "r"(bits) : "memory"); }
/** Waits for an interrupt. */
static inline void orion_rv_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
/** `stval` (faulting address or instruction). */
static inline uint64_t orion_rv_stval(void) { uint64_t v; __asm__ volatile("csrr %0, stval" : "=r"(v)); return v; }

/** Result of an SBI call: error in a0, value in a1. */
typedef struct { int64_t error; int64_t value; } orion_sbiret;

/** SBI call (v0.2+ calling convention): extension in a7, function in a6. */
static inline orion_sbiret orion_rv_sbi_call(uint64_t ext, uint64_t fn, uint64_t arg0, uint64_t arg1, uint64_t arg2) {
    register uint64_t a0 __asm__("a0") = arg0;
    register uint64_t a1 __asm__("a1") = arg1;
    register uint64_t a2 __asm__("a2") = arg2;
    register uint64_t a6 __asm__("a6") = fn;
    register uint64_t a7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    orion_sbiret r = { (int64_t)a0, (int64_t)a1 };
    return r;
}
#endif

#endif
