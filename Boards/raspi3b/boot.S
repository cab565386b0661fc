/* raspi3b entry (kernel8.img at 0x80000): all four cores arrive here, at EL2; secondaries are parked. */
#if defined(__aarch64__)
    .section .text.boot.raspi3b, "ax"
    .global _start_raspi3b
_start_raspi3b:
    mov     x19, x0                     /* devicetree address, 0 when the firmware passed none */
    mrs     x1, mpidr_el1
    and     x1, x1, #3
    cbnz    x1, park                    /* cores 1-3 wait here */
    bl      orion_a64_enter_el1
    ldr     x1, =__stack_top
    mov     sp, x1
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
0:  cmp     x1, x2
    b.hs    1f
    str     xzr, [x1], #8
    b       0b
1:  mov     x1, #(3 << 20)              /* CPACR_EL1.FPEN */
    msr     cpacr_el1, x1
    ldr     x1, =orion_a64_vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    bl      orion_raspi3b_start
park:
    wfe
    b       park
#endif
