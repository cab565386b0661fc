/* AArch64 memory protection: the boot address space, the page-table pool of the task world, the translation
   values the trap entry and exit switch between, and the user-copy routine (Boards/arch/aarch64). */
#ifndef ORION_A64_MMU_H
#define ORION_A64_MMU_H
#include <stdint.h>
#include <stdbool.h>

#if defined(__aarch64__)
/** What a board region of the boot map holds. */
enum { ORION_A64_REGION_END = 0, ORION_A64_REGION_RAM = 1, ORION_A64_REGION_DEVICE = 2 };

/** One region of a board's physical map (base and size multiples of 4 KiB); a table ends with kind END. */
struct orion_a64_region {
    uint64_t base;
    uint64_t size;
    uint64_t kind;
};

/** The boards' physical maps (Boards/arch/aarch64/aarch64-mmu.c), passed to the start macro. */
extern const struct orion_a64_region orion_a64_map_qemu_virt[];
extern const struct orion_a64_region orion_a64_map_raspi3b[];
extern const struct orion_a64_region orion_a64_map_raspi4b[];

/** Builds the boot space for `map` and turns the MMU and caches on (start code, before any Swift runs). */
void orion_a64_mmu_boot(const struct orion_a64_region *map);

/** The map the boot space was built from (its device regions are the kernel space's devices). */
const struct orion_a64_region *orion_a64_boot_map(void);

/** Page-aligned ranges of the image (link.ld symbols). */
struct orion_a64_layout {
    uint64_t kernelTextStart, kernelTextEnd;  /* privileged entry text: vectors, trap entry/exit, user copy */
    uint64_t textStart, textEnd;              /* all other code */
    uint64_t rodataStart, rodataEnd;
    uint64_t kernelDataStart, kernelDataEnd;  /* data, bss, boot stack, page tables, frames, kernel state */
    uint64_t userPoolStart, userPoolEnd;      /* task stacks, shared pool, application storage */
};

/** The image's ranges. */
struct orion_a64_layout orion_a64_image_layout(void);

/** The page-table pool the task world's tables are built in (4 KiB pages). */
uintptr_t orion_a64_page_pool_base(void);
/** Pages in the pool. */
intptr_t orion_a64_page_pool_pages(void);

/** TTBR0_EL1 of the boot space. */
extern uint64_t orion_a64_boot_ttbr0;
/** TTBR0_EL1 the trap entry switches to (the kernel space of the running task set; the boot space before). */
extern uint64_t orion_a64_kernel_ttbr0;

/** Makes `kernel_ttbr0` the kernel space and drops every stale translation (new tables were written). */
void orion_a64_install_spaces(uint64_t kernel_ttbr0);

/** The user-copy routine (entry text): copies `length` bytes between `user` in task `task`'s address space
    and `kernel_address` (to the user when `to_user`), switching TTBR0 to the task's space and back. */
void orion_a64_user_copy(uint8_t task, uintptr_t user, uintptr_t kernel_address, intptr_t length, bool to_user);
/** Copies `length` bytes (at most 64) from `from` in task `from_task`'s address space to `to` in task `to_task`'s,
    through the kernel stack (aarch64-tasks.S); both ranges checked by the kernel first. */
void orion_a64_task_copy(uint8_t from_task, uintptr_t from, uint8_t to_task, uintptr_t to, intptr_t length);
#endif

#endif
