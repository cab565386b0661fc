/* Static storage for the task world: saved register frames, the stack pool, the boot context. */
#include <stdint.h>

/* Task memory lives in `.user_pool` (see each board's link.ld): page-aligned, never mapped in the kernel's
   own address space, mapped into a task's only where its protection domain says. */
#define ORION_USER_POOL(name) __attribute__((section(".user_pool." name), aligned(4096)))

/** One saved register frame per task (layout in aarch64-tasks.S / riscv64-tasks.S; word 100: the task's
    translation base, TTBR0_EL1 or satp). */
uint64_t orion_task_frames[64][102] __attribute__((aligned(16)));
/** Stacks for the tasks of a task set, carved at boot in declaration order, each above an unmapped guard page. */
uint8_t orion_task_stack_pool[1024 * 1024] ORION_USER_POOL("stacks");
/** Memory tasks share with each other or with the boot code (TaskMemory.swift hands it out in pages). */
uint8_t orion_shared_pool[256 * 1024] ORION_USER_POOL("shared");
/** Callee-saved registers and stack pointer of the code that started the task world. */
uint64_t orion_boot_context[32] __attribute__((aligned(16)));
/** RISC-V: the kernel's stack pointer for traps from U-mode. */
uint64_t orion_rv_kernel_sp;
/** The kernel's state (one KernelState instance for the running task set), addressed in place from Swift. */
uint8_t orion_kernel_storage[512 * 1024] __attribute__((aligned(64)));
/** An application's large tables (see orion_boot.h); kept only in images that use it. */
uint64_t orion_app_storage[40 * 1024] ORION_USER_POOL("app");
