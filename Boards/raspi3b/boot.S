/* raspi3b entry (kernel8.img at 0x80000): core 0 arrives here at EL2; cores 1-3 are released here and parked. */
#if defined(__aarch64__)
#include "../arch/aarch64/aarch64-start.inc"
    .section .text.boot.raspi3b, "ax"
    .global _start_raspi3b
_start_raspi3b:
    mov     x19, x0                     /* ATAG list or devicetree address */
    mrs     x1, mpidr_el1
    and     x1, x1, #3
    cbnz    x1, park                    /* cores 1-3, if they start here, wait here */
    A64_RELEASE_SPIN_TABLE park         /* cores 1-3 leave the firmware's spin table for `park` */
    A64_KERNEL_START orion_raspi3b_start, orion_a64_map_raspi3b
park:
    msr     daifset, #0xf               /* nothing is routed to these cores: WFI sleeps for good */
    wfi
    b       park
#endif
