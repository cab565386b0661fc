/* Static storage for the task world: saved register frames, the stack pool, the boot context.
   Task memory (stacks, shared pool, application storage) lives in `.user_pool` sections, which every board's
   link.ld places in the page-aligned user pool (__user_pool_start ..< __user_pool_end). */
#include <stdint.h>

/** One saved register frame per task (layout in aarch64-tasks.S / riscv64-tasks.S). */
uint64_t orion_task_frames[64][102] __attribute__((aligned(16)));
/** Stacks for the tasks of a task set, carved at boot in declaration order. */
uint8_t orion_task_stack_pool[1024 * 1024] __attribute__((aligned(4096), section(".user_pool.stacks")));
/** Callee-saved registers and stack pointer of the code that started the task world. */
uint64_t orion_boot_context[32] __attribute__((aligned(16)));
/** RISC-V: the kernel's stack pointer for traps from U-mode. */
uint64_t orion_rv_kernel_sp;
/** The kernel's state (one KernelState instance for the running task set), addressed in place from Swift. */
uint8_t orion_kernel_storage[512 * 1024] __attribute__((aligned(64)));
/** An application's large tables (see orion_boot.h); kept only in images that use it. */
uint64_t orion_app_storage[40 * 1024] __attribute__((aligned(4096), section(".user_pool.app")));
/** Memory tasks share (TaskSetBuilder.share), in the user pool: never mapped in the kernel's space. */
uint8_t orion_shared_pool[256 * 1024] __attribute__((aligned(4096), section(".user_pool.shared")));
