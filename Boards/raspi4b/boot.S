/* raspi4b entry (kernel8.img at 0x80000): core 0 arrives here at EL2 with the devicetree (or, under QEMU
   without -dtb, an ATAG list) in x0; cores 1-3 wait in the firmware's spin table and are parked. */
#if defined(__aarch64__)
#include "../arch/aarch64/aarch64-start.inc"
    .section .text.boot.raspi4b, "ax"
    .global _start_raspi4b
_start_raspi4b:
    mov     x19, x0                     /* devicetree (or ATAG list) address */
    mrs     x1, mpidr_el1
    and     x1, x1, #3
    cbnz    x1, park                    /* a core other than 0 that starts here waits here */
    A64_RELEASE_SPIN_TABLE park         /* cores 1-3 leave the firmware's spin table for `park` */
    A64_KERNEL_START orion_raspi4b_start, orion_a64_map_raspi4b
park:
    msr     daifset, #0xf               /* nothing is routed to these cores: WFI sleeps for good */
    wfi
    b       park
#endif
