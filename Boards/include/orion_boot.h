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

/** Executes an instruction only the kernel may execute (reads CurrentEL / sstatus): faults in a task. */
static inline uint64_t orion_privileged_probe(void) {
    uint64_t v = 0;
#if defined(__aarch64__)
    __asm__ volatile("mrs %0, CurrentEL" : "=r"(v) :: "memory");
#elif defined(__riscv)
    __asm__ volatile("csrr %0, sstatus" : "=r"(v) :: "memory");
#endif
    return v;
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
/** EL1 physical timer control (CNTP_CTL_EL0): bit 2 is ISTATUS, the timer condition. */
static inline uint64_t orion_a64_cntp_ctl(void) { uint64_t v; __asm__ volatile("mrs %0, cntp_ctl_el0" : "=r"(v) :: "memory"); return v; }
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
/** Sstc: writes the supervisor timer compare (stimecmp, CSR 0x14D); the timer interrupt is pending while
    time >= stimecmp, and writing a later value clears it. Only where the hart has Sstc and M-mode enabled it
    (menvcfg.STCE; OpenSBI does when the devicetree's riscv,isa names sstc), else the write traps. */
static inline void orion_rv_set_stimecmp(uint64_t v) { __asm__ volatile("csrw 0x14d, %0" :: "r"(v) : "memory"); }
/** The cycle counter (rdcycle): one count per instruction under QEMU -icount shift=0. */
static inline uint64_t orion_rv_cycles(void) { uint64_t v; __asm__ volatile("rdcycle %0" : "=r"(v)); return v; }
/** The thread pointer register (a task's clock factor). */
static inline uint64_t orion_rv_tp(void) { uint64_t v; __asm__ volatile("mv %0, tp" : "=r"(v)); return v; }
/** Sets scounteren: which counters U-mode may read (bit 0 cycle, 1 time, 2 instret). */
static inline void orion_rv_set_scounteren(uint64_t v) { __asm__ volatile("csrw scounteren, %0" :: "r"(v) : "memory"); }
/** Sets bits in `sie`. */
static inline void orion_rv_sie_set(uint64_t bits) { __asm__ volatile("csrs sie, %0" :: "r"(bits) : "memory"); }
/** Sets bits in `sstatus`. */
static inline void orion_rv_sstatus_set(uint64_t bits) { __asm__ volatile("csrs sstatus, %0" :: "r"(bits) : "memory"); }
/** Clears bits in `sstatus`. */
static inline void orion_rv_sstatus_clear(uint64_t bits) { __asm__ volatile("csrc sstatus, %0" :: "r"(bits) : "memory"); }
/** Waits for an interrupt. */
static inline void orion_rv_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
/** `scause`. */
static inline uint64_t orion_rv_scause(void) { uint64_t v; __asm__ volatile("csrr %0, scause" : "=r"(v)); return v; }
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

/** Saved register frames, one per task (100 words each). */
extern uint64_t orion_task_frames[64][102];
/** The stack pool tasks' stacks are carved from. */
extern uint8_t orion_task_stack_pool[1024 * 1024];

/** The saved frame of task `index`. */
static inline uint64_t *orion_task_frame(int index) { return orion_task_frames[index]; }
/** Storage the running kernel state lives in. */
extern uint8_t orion_kernel_storage[512 * 1024];
/** Address of the kernel state storage. */
static inline void *orion_kernel_storage_base(void) { return orion_kernel_storage; }
/** Size of the kernel state storage. */
static inline uintptr_t orion_kernel_storage_size(void) { return sizeof(orion_kernel_storage); }
/** Start of the task stack pool. */
static inline uintptr_t orion_task_stack_base(void) { return (uintptr_t)orion_task_stack_pool; }
/** Static storage for an application's large tables (jitter's histograms), in the user pool (zeroed before
    the first task set runs); images that do
    not use it lose it to --gc-sections. Swift globals of this size would be initialised lazily (swift_once,
    exclusive loads and stores), so apps take it from here. */
extern uint64_t orion_app_storage[40 * 1024];
/** Address of the application storage. */
static inline uint64_t *orion_app_storage_base(void) { return orion_app_storage; }
/** Size of the application storage in 64-bit words. */
static inline uintptr_t orion_app_storage_words(void) { return sizeof(orion_app_storage) / sizeof(uint64_t); }
/** Pages tasks share with each other or with the boot code (handed out by Boards/common/TaskMemory.swift). */
extern uint8_t orion_shared_pool[256 * 1024];
/** Start of the shared pool. */
static inline uintptr_t orion_shared_pool_base(void) { return (uintptr_t)orion_shared_pool; }
/** Size of the shared pool in bytes. */
static inline uintptr_t orion_shared_pool_size(void) { return sizeof(orion_shared_pool); }

/* The image's layout (page-aligned symbols of each board's link.ld; weak, so a host build, which has no such
   script, links with them at 0). */
#define ORION_LAYOUT_SYMBOL __attribute__((weak))
extern char __text_start[] ORION_LAYOUT_SYMBOL, __text_end[] ORION_LAYOUT_SYMBOL;
extern char __rodata_start[] ORION_LAYOUT_SYMBOL, __rodata_end[] ORION_LAYOUT_SYMBOL;
extern char __kernel_data_start[] ORION_LAYOUT_SYMBOL, __kernel_data_end[] ORION_LAYOUT_SYMBOL;
extern char __user_pool_start[] ORION_LAYOUT_SYMBOL, __user_pool_end[] ORION_LAYOUT_SYMBOL;
extern char __kernel_text_start[] ORION_LAYOUT_SYMBOL;
/** The kernel's privileged-only entry text (trap entry and exit, the user-copy routine). */
static inline uintptr_t orion_layout_kernel_text_start(void) { return (uintptr_t)__kernel_text_start; }
/** Code: [start, end). */
static inline uintptr_t orion_layout_text_start(void) { return (uintptr_t)__text_start; }
static inline uintptr_t orion_layout_text_end(void) { return (uintptr_t)__text_end; }
/** Read-only data. */
static inline uintptr_t orion_layout_rodata_start(void) { return (uintptr_t)__rodata_start; }
static inline uintptr_t orion_layout_rodata_end(void) { return (uintptr_t)__rodata_end; }
/** The kernel's data: data, bss, the boot stack. */
static inline uintptr_t orion_layout_kernel_data_start(void) { return (uintptr_t)__kernel_data_start; }
static inline uintptr_t orion_layout_kernel_data_end(void) { return (uintptr_t)__kernel_data_end; }
/** Task memory: stack pool, shared pool, app storage. */
static inline uintptr_t orion_layout_user_pool_start(void) { return (uintptr_t)__user_pool_start; }
static inline uintptr_t orion_layout_user_pool_end(void) { return (uintptr_t)__user_pool_end; }

/** Two result registers of a system call. */
typedef struct { int64_t r0; uint64_t r1; } orion_sysret;
/** The results of a short-message system call: x0-x5 / a0-a5. */
typedef struct { int64_t r0; uint64_t r1, r2, r3, r4, r5; } orion_sysret6;

#if defined(__aarch64__)
/** Saves the boot context and resumes the first task at EL0; returns when the kernel calls orion_a64_return_to_boot. */
int64_t orion_a64_run_tasks(void);
/** Returns to the caller of orion_a64_run_tasks (never returns here). */
void orion_a64_return_to_boot(void) __attribute__((noreturn));
/** The code a task's entry function returns to. */
void orion_a64_task_exit_stub(void);
/** Address of the exit stub. */
static inline uint64_t orion_a64_task_exit_address(void) { return (uint64_t)(uintptr_t)&orion_a64_task_exit_stub; }
/** Sets CNTKCTL_EL1 (EL0 access to the counters). */
static inline void orion_a64_set_cntkctl(uint64_t v) { __asm__ volatile("msr cntkctl_el1, %0; isb" :: "r"(v) : "memory"); }
/** Sets TPIDRRO_EL0 (read-only at EL0: the clock factor tasks convert counter ticks with). */
static inline void orion_a64_set_tpidrro(uint64_t v) { __asm__ volatile("msr tpidrro_el0, %0" :: "r"(v) : "memory"); }
/** TPIDRRO_EL0, from EL0 too. */
static inline uint64_t orion_a64_tpidrro(void) { uint64_t v; __asm__ volatile("mrs %0, tpidrro_el0" : "=r"(v)); return v; }
/** Starts the PMU cycle counter (PMCR_EL0.E, PMCNTENSET_EL0.C) and lets EL0 read it (PMUSERENR_EL0.EN). */
static inline void orion_a64_enable_user_cycle_counter(void) {
    uint64_t pmcr;
    __asm__ volatile("mrs %0, pmcr_el0" : "=r"(pmcr));
    __asm__ volatile("msr pmcr_el0, %0; msr pmcntenset_el0, %1; msr pmuserenr_el0, %2; isb"
                     :: "r"(pmcr | 1), "r"((uint64_t)1 << 31), "r"((uint64_t)1) : "memory");
}
/** The PMU cycle counter (PMCCNTR_EL0): one count per instruction under QEMU -icount shift=0. */
static inline uint64_t orion_a64_cycles(void) { uint64_t v; __asm__ volatile("mrs %0, pmccntr_el0" : "=r"(v)); return v; }

/** Selftest probes (EL0, aarch64-tasks.S): fill d0-d31 from `seed`, yield, count the registers changed; the OR of
    q0-q31 as a task's first FP use sees them. */
uint64_t orion_a64_fp_probe(uint64_t seed);
uint64_t orion_a64_fp_first_look(void);

/** System call with six arguments (SVC #0, number in x8). */
static inline orion_sysret orion_syscall(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
    register uint64_t x0 __asm__("x0") = a0;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    register uint64_t x4 __asm__("x4") = a4;
    register uint64_t x5 __asm__("x5") = a5;
    register uint64_t x8 __asm__("x8") = n;
    __asm__ volatile("svc #0" : "+r"(x0), "+r"(x1) : "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x8) : "memory");
    orion_sysret r = { (int64_t)x0, x1 };
    return r;
}

/** System call with six arguments and six results (the short-message calls: the message in x2-x5 both ways). */
static inline orion_sysret6 orion_syscall6(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
    register uint64_t x0 __asm__("x0") = a0;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    register uint64_t x4 __asm__("x4") = a4;
    register uint64_t x5 __asm__("x5") = a5;
    register uint64_t x8 __asm__("x8") = n;
    __asm__ volatile("svc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5) : "r"(x8) : "memory");
    orion_sysret6 r = { (int64_t)x0, x1, x2, x3, x4, x5 };
    return r;
}
#endif

#if defined(__riscv)
/** Saves the boot context and resumes the first task in U-mode; returns when the kernel calls orion_rv_return_to_boot. */
int64_t orion_rv_run_tasks(void);
/** Returns to the caller of orion_rv_run_tasks (never returns here). */
void orion_rv_return_to_boot(void) __attribute__((noreturn));
/** The code a task's entry function returns to. */
void orion_rv_task_exit_stub(void);
/** Address of the exit stub. */
static inline uint64_t orion_rv_task_exit_address(void) { return (uint64_t)(uintptr_t)&orion_rv_task_exit_stub; }
/** Sv39 (Boards/arch/riscv64/sv39.c, riscv64-tasks.S): pages in the task world's page-table pool. */
#define ORION_RV_POOL_PAGES 384
/** The first page of the task world's page-table pool. */
uintptr_t orion_rv_page_pool_base(void);
/** A link symbol: 0/1 kernel text, 2/3 text, 4/5 rodata, 6/7 kernel data, 8/9 user pool (start/end). */
uint64_t orion_rv_link_symbol(int which);
/** Sets the satp the trap entry switches to (the running task set's kernel space). */
void orion_rv_install_kernel_space(uint64_t satp);
/** The user-copy routine (privileged entry text): copies `length` bytes between `user` in task `task`'s
    address space (satp from its frame word 100, SUM set only around the copy) and `kernel`. */
void orion_rv_user_copy(uint8_t task, uintptr_t user, uintptr_t kernel, intptr_t length, _Bool to_user);
/** Copies `length` bytes (at most 64) from `from` in task `from_task`'s address space to `to` in task `to_task`'s,
    through the kernel stack (SUM set only around it); both ranges checked by the kernel first. */
void orion_rv_task_copy(uint8_t from_task, uintptr_t from, uint8_t to_task, uintptr_t to, intptr_t length);
/** Whether the supervisor timer interrupt is pending (sip.STIP). */
static inline int orion_rv_timer_pending(void) { uint64_t v; __asm__ volatile("csrr %0, sip" : "=r"(v)); return (v >> 5) & 1; }
/** Whether a supervisor external interrupt is pending (sip.SEIP). */
static inline int orion_rv_external_pending(void) { uint64_t v; __asm__ volatile("csrr %0, sip" : "=r"(v)); return (v >> 9) & 1; }
/** Clears bits of sie. */
static inline void orion_rv_sie_clear(uint64_t bits) { __asm__ volatile("csrc sie, %0" :: "r"(bits) : "memory"); }
/** Reads sstatus. */
static inline uint64_t orion_rv_sstatus(void) { uint64_t v; __asm__ volatile("csrr %0, sstatus" : "=r"(v)); return v; }

/** Selftest probes (U-mode, riscv64-tasks.S): fill f0-f31 from `seed`, yield, count the registers changed; the OR
    of f0-f31 as a task's first FP use sees them. */
uint64_t orion_rv_fp_probe(uint64_t seed);
uint64_t orion_rv_fp_first_look(void);

/** System call with six arguments (ECALL, number in a7). */
static inline orion_sysret orion_syscall(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
    register uint64_t r0 __asm__("a0") = a0;
    register uint64_t r1 __asm__("a1") = a1;
    register uint64_t r2 __asm__("a2") = a2;
    register uint64_t r3 __asm__("a3") = a3;
    register uint64_t r4 __asm__("a4") = a4;
    register uint64_t r5 __asm__("a5") = a5;
    register uint64_t r7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7) : "memory");
    orion_sysret r = { (int64_t)r0, r1 };
    return r;
}

/** System call with six arguments and six results (the short-message calls: the message in a2-a5 both ways). */
static inline orion_sysret6 orion_syscall6(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
    register uint64_t r0 __asm__("a0") = a0;
    register uint64_t r1 __asm__("a1") = a1;
    register uint64_t r2 __asm__("a2") = a2;
    register uint64_t r3 __asm__("a3") = a3;
    register uint64_t r4 __asm__("a4") = a4;
    register uint64_t r5 __asm__("a5") = a5;
    register uint64_t r7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5) : "r"(r7) : "memory");
    orion_sysret6 r = { (int64_t)r0, r1, r2, r3, r4, r5 };
    return r;
}
#endif

/* AArch64 MMU (Boards/arch/aarch64): included here so that a module cache built before the header existed
   is rebuilt (a new file in the umbrella folder alone does not invalidate it). */
#include "orion_a64_mmu.h"

#endif
