/* raspi3b entry (kernel8.img at 0x80000): core 0 arrives here at EL2; cores 1-3 are released here and parked. */
#if defined(__aarch64__)
#include "../common/aarch64-start.inc"
    .section .text.boot.raspi3b, "ax"
    .global _start_raspi3b
_start_raspi3b:
    mov     x19, x0                     /* ATAG list or devicetree address */
    mrs     x1, mpidr_el1
    and     x1, x1, #3
    cbnz    x1, park                    /* cores 1-3, if they start here, wait here */
    /* The firmware holds cores 1-3 in a loop polling the spin table at 0xe0/0xe8/0xf0 (a WFE loop that an
       emulator runs as a busy wait, taking host CPU from core 0). Release them into `park`. */
    ldr     x1, =park
    mov     x2, #0xe0
    str     x1, [x2]
    str     x1, [x2, #8]
    str     x1, [x2, #16]
    dsb     sy
    sev
    A64_KERNEL_START orion_raspi3b_start
park:
    msr     daifset, #0xf               /* nothing is routed to these cores: WFI sleeps for good */
    wfi
    b       park
#endif
