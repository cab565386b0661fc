/* AArch64 MMU: the boards' physical maps, the boot address space (built and switched on by the start code
   before any Swift runs, so Swift may use unaligned accesses and exclusives on cached memory), and the
   page-table pool the task world's kernel and task spaces are built in (Boards/arch/aarch64/AArch64AddressSpaces.swift).
   Runs with the MMU off until the last step, where every access is Device-nGnRnE and must be aligned: every
   function here is compiled for strict alignment (the pragma below). Not the toolset's -mstrict-align: SwiftPM
   hands the C flags to swiftc as well, and there it turned every kernel field access the compiler could not
   prove aligned into byte loads and stores. */
#if defined(__aarch64__)
#pragma clang attribute push (__attribute__((target("strict-align"))), apply_to = function)
#include "orion_a64_mmu.h"

/* Descriptor bits (VMSAv8-64 stage 1, 4 KiB granule), as Kernel/Memory/PageTableFormat.swift writes them. */
#define D_VALID (1ull << 0)
#define D_TABLE (1ull << 1)            /* table at levels 1-2, page at level 3 */
#define D_NORMAL ((1ull << 2) | (3ull << 8))  /* MAIR index 1, inner shareable */
#define D_READ_ONLY (1ull << 7)        /* AP[2] */
#define D_ACCESS (1ull << 10)
#define D_NOT_GLOBAL (1ull << 11)
#define D_PXN (1ull << 53)
#define D_UXN (1ull << 54)
#define D_ADDRESS 0x0000FFFFFFFFF000ull

#define BOOT_ASID 255ull  /* tasks use 1-64, the kernel space 0 */
#define BOOT_TABLES 24

/* qemu virt: flash, GIC, UART, RTC, virtio, PCIe MMIO/PIO windows below 1 GiB; RAM from 1 GiB (3 GiB
   mapped, for -m up to 3072); the high PCIe ECAM at 0x40_1000_0000 (its 64-bit MMIO window at 512 GiB lies
   beyond the 39-bit space: BARs are assigned from the 32-bit window). */
const struct orion_a64_region orion_a64_map_qemu_virt[] = {
    { 0x00000000ull, 0x40000000ull, ORION_A64_REGION_DEVICE },
    { 0x40000000ull, 0xC0000000ull, ORION_A64_REGION_RAM },
    { 0x4000000000ull, 0x40000000ull, ORION_A64_REGION_DEVICE },
    { 0, 0, ORION_A64_REGION_END },
};
/* raspi3b: RAM below the peripherals at 0x3F00_0000, the BCM2836 local interrupt block at 0x4000_0000. */
const struct orion_a64_region orion_a64_map_raspi3b[] = {
    { 0x00000000ull, 0x3F000000ull, ORION_A64_REGION_RAM },
    { 0x3F000000ull, 0x01000000ull, ORION_A64_REGION_DEVICE },
    { 0x40000000ull, 0x00200000ull, ORION_A64_REGION_DEVICE },
    { 0, 0, ORION_A64_REGION_END },
};
/* raspi4b: RAM from 0 (the low GiB and, on 2-4 GiB models, above it) up to the peripherals; peripherals,
   ARM local block and GIC-400 (0xFF84_1000) in the top 64 MiB below 4 GiB. */
const struct orion_a64_region orion_a64_map_raspi4b[] = {
    { 0x00000000ull, 0xFC000000ull, ORION_A64_REGION_RAM },
    { 0xFC000000ull, 0x04000000ull, ORION_A64_REGION_DEVICE },
    { 0, 0, ORION_A64_REGION_END },
};

extern char __kernel_text_start[], __kernel_text_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __kernel_data_start[], __kernel_data_end[];
extern char __user_pool_start[], __user_pool_end[];

/** Tables of the boot space (zeroed with the rest of bss before orion_a64_mmu_boot runs). */
static uint64_t boot_tables[BOOT_TABLES][512] __attribute__((aligned(4096)));
static int boot_tables_used;
static const struct orion_a64_region *boot_map;

/** Tables of the task world's spaces: the kernel space and one per task, rebuilt for every task set. */
// @implements SWR-KERN-MEM-1
static uint8_t page_pool[768][4096] __attribute__((aligned(4096)));

uint64_t orion_a64_boot_ttbr0;
uint64_t orion_a64_kernel_ttbr0;

static uint64_t *boot_table(void) {
    if (boot_tables_used >= BOOT_TABLES) return 0;
    return boot_tables[boot_tables_used++];
}

/* Maps [base, end) identity with `attributes`, with 1 GiB / 2 MiB blocks where aligned. 0 when out of tables. */
static int boot_map_range(uint64_t *root, uint64_t base, uint64_t end, uint64_t attributes) {
    while (base < end) {
        int level = 0;  /* 0: 1 GiB, 1: 2 MiB, 2: 4 KiB */
        while (level < 2) {
            uint64_t span = 1ull << (30 - 9 * level);
            if ((base & (span - 1)) == 0 && end - base >= span) break;
            level++;
        }
        uint64_t *table = root;
        for (int l = 0; l < level; l++) {
            uint64_t *entry = &table[(base >> (30 - 9 * l)) & 511];
            if ((*entry & D_VALID) == 0) {
                uint64_t *next = boot_table();
                if (!next) return 0;
                *entry = (uint64_t)(uintptr_t)next | D_TABLE | D_VALID;
            }
            table = (uint64_t *)(uintptr_t)(*entry & D_ADDRESS);
        }
        table[(base >> (30 - 9 * level)) & 511] = base | attributes | D_VALID | (level == 2 ? D_TABLE : 0);
        base += 1ull << (30 - 9 * level);
    }
    return 1;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Privileged attributes of the boot space. */
#define A_DATA (D_NORMAL | D_ACCESS | D_NOT_GLOBAL | D_PXN | D_UXN)
#define A_CODE (D_NORMAL | D_ACCESS | D_NOT_GLOBAL | D_READ_ONLY | D_UXN)
#define A_RODATA (D_NORMAL | D_ACCESS | D_NOT_GLOBAL | D_READ_ONLY | D_PXN | D_UXN)
#define A_DEVICE (D_ACCESS | D_NOT_GLOBAL | D_PXN | D_UXN)

/* The boot space: RAM write-back cached and never executable except the image's code, the image's rodata
   read-only, devices Device-nGnRE; nothing else is mapped. */
// @implements SWR-KERN-MEM-1
static int build_boot_space(uint64_t *root, const struct orion_a64_region *map) {
    uint64_t image_start = (uint64_t)(uintptr_t)__text_start;
    uint64_t image_end = (uint64_t)(uintptr_t)__user_pool_end;
    int ok = 1;
    ok &= boot_map_range(root, (uintptr_t)__text_start, (uintptr_t)__text_end, A_CODE);
    ok &= boot_map_range(root, (uintptr_t)__kernel_text_start, (uintptr_t)__kernel_text_end, A_CODE);
    ok &= boot_map_range(root, (uintptr_t)__rodata_start, (uintptr_t)__rodata_end, A_RODATA);
    ok &= boot_map_range(root, (uintptr_t)__kernel_data_start, (uintptr_t)__user_pool_end, A_DATA);
    for (const struct orion_a64_region *r = map; r->kind != ORION_A64_REGION_END; r++) {
        uint64_t end = r->base + r->size;
        if (r->kind == ORION_A64_REGION_DEVICE) {
            ok &= boot_map_range(root, r->base, end, A_DEVICE);
            continue;
        }
        /* RAM around the image */
        ok &= boot_map_range(root, r->base, min_u64(end, image_start), A_DATA);
        ok &= boot_map_range(root, max_u64(r->base, image_end), end, A_DATA);
    }
    return ok;
}

/* Never returns when the boot tables do not suffice (a build error of this file): waits for a debugger. */
static void boot_stop(void) {
    for (;;) __asm__ volatile("wfe");
}

void orion_a64_mmu_boot(const struct orion_a64_region *map) {
    boot_map = map;
    uint64_t *root = boot_table();
    if (!root || !build_boot_space(root, map)) boot_stop();
    /* The tables were written with the MMU and caches off: drop any stale cached copy of them. */
    for (int t = 0; t < boot_tables_used; t++) {
        for (int offset = 0; offset < 4096; offset += 64) {
            __asm__ volatile("dc ivac, %0" :: "r"((uintptr_t)boot_tables[t] + offset) : "memory");
        }
    }
    __asm__ volatile("dsb sy" ::: "memory");
    uint64_t mair = 0x04ull | (0xFFull << 8);  /* 0: Device-nGnRE, 1: Normal write-back */
    uint64_t tcr = 25ull                        /* T0SZ: 39-bit addresses, walk from level 1 */
        | (1ull << 8) | (1ull << 10)            /* IRGN0, ORGN0: write-back write-allocate walks */
        | (3ull << 12)                          /* SH0: inner shareable */
        | (0ull << 14)                          /* TG0: 4 KiB */
        | (1ull << 23)                          /* EPD1: no TTBR1 walks */
        | (2ull << 32);                         /* IPS: 40-bit physical (virt's ECAM at 0x40_1000_0000) */
    orion_a64_boot_ttbr0 = (uint64_t)(uintptr_t)root | (BOOT_ASID << 48);
    orion_a64_kernel_ttbr0 = orion_a64_boot_ttbr0;
    __asm__ volatile(
        "msr mair_el1, %0\n"
        "msr tcr_el1, %1\n"
        "msr ttbr0_el1, %2\n"
        "isb\n"
        "tlbi vmalle1\n"
        "ic iallu\n"
        "dsb nsh\n"
        "isb\n" :: "r"(mair), "r"(tcr), "r"(orion_a64_boot_ttbr0) : "memory");
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr |= (1ull << 0) | (1ull << 2) | (1ull << 12);  /* M, C, I */
    sctlr &= ~((1ull << 1) | (1ull << 19));             /* A (alignment checks), WXN */
    __asm__ volatile("msr sctlr_el1, %0\n isb" :: "r"(sctlr) : "memory");
}

const struct orion_a64_region *orion_a64_boot_map(void) { return boot_map; }

struct orion_a64_layout orion_a64_image_layout(void) {
    struct orion_a64_layout l;
    l.kernelTextStart = (uintptr_t)__kernel_text_start;
    l.kernelTextEnd = (uintptr_t)__kernel_text_end;
    l.textStart = (uintptr_t)__text_start;
    l.textEnd = (uintptr_t)__text_end;
    l.rodataStart = (uintptr_t)__rodata_start;
    l.rodataEnd = (uintptr_t)__rodata_end;
    l.kernelDataStart = (uintptr_t)__kernel_data_start;
    l.kernelDataEnd = (uintptr_t)__kernel_data_end;
    l.userPoolStart = (uintptr_t)__user_pool_start;
    l.userPoolEnd = (uintptr_t)__user_pool_end;
    return l;
}

uintptr_t orion_a64_page_pool_base(void) { return (uintptr_t)page_pool; }
intptr_t orion_a64_page_pool_pages(void) { return sizeof(page_pool) / sizeof(page_pool[0]); }

void orion_a64_install_spaces(uint64_t kernel_ttbr0) {
    orion_a64_kernel_ttbr0 = kernel_ttbr0;
    /* Tables of the previous task set may be cached under the ASIDs the new one reuses. */
    __asm__ volatile("dsb ishst\n tlbi vmalle1\n dsb ish\n isb" ::: "memory");
}
#pragma clang attribute pop
#endif
