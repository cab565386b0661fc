/* qemu-virt-aarch64 entry: QEMU jumps here at EL1 (or EL2/EL3 with virtualization/secure on) with the DTB in x0. */
#if defined(__aarch64__)
    .section .text.boot.qemu_virt_aarch64, "ax"
    .global _start_qemu_virt_aarch64
_start_qemu_virt_aarch64:
    mov     x19, x0                     /* devicetree address */
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cbnz    x1, park                    /* only CPU 0 boots the kernel (PSCI keeps the others off) */
    bl      orion_a64_enter_el1
    ldr     x1, =__stack_top
    mov     sp, x1
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
0:  cmp     x1, x2
    b.hs    1f
    str     xzr, [x1], #8
    b       0b
1:  mov     x1, #(3 << 20)              /* CPACR_EL1.FPEN: Swift code uses FP/SIMD registers */
    msr     cpacr_el1, x1
    ldr     x1, =orion_a64_vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    bl      orion_qemu_virt_aarch64_start
park:
    wfe
    b       park
#endif
