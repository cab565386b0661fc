/* qemu-virt-aarch64 entry: QEMU jumps here at EL1 (or EL2/EL3 with virtualization/secure on) with the DTB in x0. */
#if defined(__aarch64__)
#include "../arch/aarch64/aarch64-start.inc"
    .section .text.boot.qemu_virt_aarch64, "ax"
    .global _start_qemu_virt_aarch64
_start_qemu_virt_aarch64:
    mov     x19, x0                     /* devicetree address (0 for a bare-metal ELF: see the board README) */
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cbnz    x1, park                    /* only CPU 0 boots the kernel (PSCI keeps the others off) */
    A64_KERNEL_START orion_qemu_virt_aarch64_start, orion_a64_map_qemu_virt
park:
    wfe
    b       park
#endif
