/* RISC-V Sv39: the boot address space (built before any Swift runs) and the page-table pool the task
   world's kernel and task spaces are built into (Boards/arch/riscv64/AddressSpaces.swift). All of it is
   kernel data (bss). */
#if defined(__riscv)
#include <stdint.h>
#include "orion_boot.h"

extern char __kernel_text_start[], __text_end[], __rodata_start[], __rodata_end[], __image_end[];
extern char __text_start[], __kernel_text_end[], __kernel_data_start[], __kernel_data_end[];
extern char __user_pool_start[], __user_pool_end[];

#define PAGE 4096ull
#define MIB2 (2ull << 20)
#define GIB (1ull << 30)
#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define RW (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define RX (PTE_V | PTE_R | PTE_X | PTE_A)
#define RO (PTE_V | PTE_R | PTE_A)
#define IMAGE_TABLES 16

/* Boot space: root, GiB 0 (devices), its first 2 MiB (page 0 left unmapped), GiB 2 (RAM), and 4 KiB tables
   for the image (IMAGE_TABLES * 2 MiB at most). */
static uint64_t boot_tables[4 + IMAGE_TABLES][512] __attribute__((aligned(4096)));

/** Pages for the task world's tables (reset for every task set). */
static uint64_t page_pool[ORION_RV_POOL_PAGES][512] __attribute__((aligned(4096)));

/** satp of the boot space (ASID 0) and of the running task set's kernel space (ASID 0). */
uint64_t orion_rv_boot_satp;
uint64_t orion_rv_kernel_satp;

/** A stack for reporting a fault taken in S-mode inside the task world (the kernel stack may be the cause). */
uint64_t orion_rv_panic_stack[1024] __attribute__((aligned(16)));

static uint64_t leaf(uint64_t address, uint64_t flags) { return ((address >> 12) << 10) | flags; }
static uint64_t table(const void *next) { return (((uint64_t)(uintptr_t)next >> 12) << 10) | PTE_V; }

/* Rights of an image page in the boot space: code RX, read-only data R, the rest RW (W^X). */
static uint64_t image_rights(uint64_t address) {
    if (address >= (uint64_t)(uintptr_t)__kernel_text_start && address < (uint64_t)(uintptr_t)__text_end) return RX;
    if (address >= (uint64_t)(uintptr_t)__rodata_start && address < (uint64_t)(uintptr_t)__rodata_end) return RO;
    return RW;
}

// @implements SWR-KERN-MEM-1
/** Builds the boot space (kernel-only, identity): devices and PCI windows below 2 GiB, the image page by
    page with W^X, the rest of RAM and everything above it read-write, never executable; page 0 and
    OpenSBI's 2 MiB unmapped. Turns Sv39 on (ASID 0). Called by boot.S after bss is zeroed; returns 0, or
    -1 (Sv39 left off) when the image is larger than its tables. */
int orion_rv_boot_space_on(void) {
    uint64_t *root = boot_tables[0], *gib0 = boot_tables[1], *low = boot_tables[2], *gib2 = boot_tables[3];
    root[0] = table(gib0);
    gib0[0] = table(low);
    for (uint64_t i = 1; i < 512; i++) low[i] = leaf(i * PAGE, RW);       /* test device, RTC */
    for (uint64_t i = 1; i < 512; i++) gib0[i] = leaf(i * MIB2, RW);      /* PLIC, UART, PCI I/O, ECAM */
    root[1] = leaf(GIB, RW);                                               /* PCI MMIO window */
    root[2] = table(gib2);
    uint64_t start = 0x80200000ull;
    uint64_t end = ((uint64_t)(uintptr_t)__image_end + MIB2 - 1) & ~(MIB2 - 1);
    if ((end - start) / MIB2 > IMAGE_TABLES) return -1;
    int n = 0;
    for (uint64_t block = start; block < end; block += MIB2) {
        uint64_t *t = boot_tables[4 + n++];
        gib2[(block >> 21) & 511] = table(t);
        for (uint64_t i = 0; i < 512; i++) t[i] = leaf(block + i * PAGE, image_rights(block + i * PAGE));
    }
    for (uint64_t block = end; block < 3 * GIB; block += MIB2) gib2[(block >> 21) & 511] = leaf(block, RW);
    for (uint64_t i = 3; i < 512; i++) root[i] = leaf(i * GIB, RW);      /* more RAM, high PCI MMIO */
    orion_rv_boot_satp = (8ull << 60) | ((uint64_t)(uintptr_t)root >> 12);
    __asm__ volatile("csrc sstatus, %0" :: "r"(1ull << 18) : "memory");  /* SUM off */
    __asm__ volatile("csrw satp, %0; sfence.vma" :: "r"(orion_rv_boot_satp) : "memory");
    return 0;
}

uintptr_t orion_rv_page_pool_base(void) { return (uintptr_t)page_pool; }

uint64_t orion_rv_link_symbol(int which) {
    switch (which) {
    case 0: return (uint64_t)(uintptr_t)__kernel_text_start;
    case 1: return (uint64_t)(uintptr_t)__kernel_text_end;
    case 2: return (uint64_t)(uintptr_t)__text_start;
    case 3: return (uint64_t)(uintptr_t)__text_end;
    case 4: return (uint64_t)(uintptr_t)__rodata_start;
    case 5: return (uint64_t)(uintptr_t)__rodata_end;
    case 6: return (uint64_t)(uintptr_t)__kernel_data_start;
    case 7: return (uint64_t)(uintptr_t)__kernel_data_end;
    case 8: return (uint64_t)(uintptr_t)__user_pool_start;
    default: return (uint64_t)(uintptr_t)__user_pool_end;
    }
}

void orion_rv_install_kernel_space(uint64_t satp) {
    orion_rv_kernel_satp = satp;
}
#endif
