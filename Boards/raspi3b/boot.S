/* raspi3b entry (kernel8.img at 0x80000): all four cores arrive here, at EL2; secondaries are parked. */
#if defined(__aarch64__)
#include "../common/aarch64-start.inc"
    .section .text.boot.raspi3b, "ax"
    .global _start_raspi3b
_start_raspi3b:
    mov     x19, x0                     /* ATAG list or devicetree address */
    mrs     x1, mpidr_el1
    and     x1, x1, #3
    cbnz    x1, park                    /* cores 1-3 wait here */
    A64_KERNEL_START orion_raspi3b_start
park:
    wfe
    b       park
#endif
