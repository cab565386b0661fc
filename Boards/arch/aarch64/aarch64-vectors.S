/* AArch64: drop from EL3/EL2 to EL1, the EL1 exception vector table, and IRQ/fault entry into Swift. */
#if defined(__aarch64__)

/* orion_a64_enter_el1: returns (to x30) at EL1h with IRQs masked, whatever EL it was called at.
   Clobbers x9. EL1 gets the EL1 physical timer and counter (CNTHCTL_EL2) and runs AArch64 (HCR_EL2.RW). */
    .section .text.orion_a64_enter_el1, "ax"
    .global orion_a64_enter_el1
orion_a64_enter_el1:
    mrs     x9, CurrentEL
    lsr     x9, x9, #2
    cmp     x9, #3
    b.ne    1f
    mov     x9, #0x531                  /* SCR_EL3: NS | RES1(4,5) | HCE | RW; SMD */
    msr     scr_el3, x9
    mov     x9, #0x3c9                  /* EL2h, DAIF masked */
    msr     spsr_el3, x9
    adr     x9, 1f
    msr     elr_el3, x9
    eret
1:  mrs     x9, CurrentEL
    lsr     x9, x9, #2
    cmp     x9, #2
    b.ne    2f
    mov     x9, #3                      /* CNTHCTL_EL2: EL1PCTEN | EL1PCEN */
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr
    mov     x9, #(1 << 31)              /* HCR_EL2.RW: EL1 is AArch64 */
    msr     hcr_el2, x9
    mov     x9, #0x3c5                  /* EL1h, DAIF masked */
    msr     spsr_el2, x9
    adr     x9, 2f
    msr     elr_el2, x9
    eret
2:  ret

/* Saves x0-x18, x29, x30, q0-q31, FPSR/FPCR, ELR/SPSR: everything a C/Swift call may clobber. */
.macro SAVE_CONTEXT
    /* x0/x1 were saved by the vector stub, x0 now holds the vector kind. */
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x9, elr_el1
    stp     x30, x9, [sp, #240]
    add     x10, sp, #256
    stp     q0, q1, [x10, #0]
    stp     q2, q3, [x10, #32]
    stp     q4, q5, [x10, #64]
    stp     q6, q7, [x10, #96]
    stp     q8, q9, [x10, #128]
    stp     q10, q11, [x10, #160]
    stp     q12, q13, [x10, #192]
    stp     q14, q15, [x10, #224]
    stp     q16, q17, [x10, #256]
    stp     q18, q19, [x10, #288]
    stp     q20, q21, [x10, #320]
    stp     q22, q23, [x10, #352]
    stp     q24, q25, [x10, #384]
    stp     q26, q27, [x10, #416]
    stp     q28, q29, [x10, #448]
    stp     q30, q31, [x10, #480]
    mrs     x19, spsr_el1
    mrs     x20, fpsr
    mrs     x21, fpcr
.endm

.macro RESTORE_CONTEXT
    msr     spsr_el1, x19
    msr     fpsr, x20
    msr     fpcr, x21
    add     x10, sp, #256
    ldp     q0, q1, [x10, #0]
    ldp     q2, q3, [x10, #32]
    ldp     q4, q5, [x10, #64]
    ldp     q6, q7, [x10, #96]
    ldp     q8, q9, [x10, #128]
    ldp     q10, q11, [x10, #160]
    ldp     q12, q13, [x10, #192]
    ldp     q14, q15, [x10, #224]
    ldp     q16, q17, [x10, #256]
    ldp     q18, q19, [x10, #288]
    ldp     q20, q21, [x10, #320]
    ldp     q22, q23, [x10, #352]
    ldp     q24, q25, [x10, #384]
    ldp     q26, q27, [x10, #416]
    ldp     q28, q29, [x10, #448]
    ldp     q30, q31, [x10, #480]
    ldp     x30, x9, [sp, #240]
    msr     elr_el1, x9
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #(32 * 8 + 32 * 16)
.endm

/* One vector (at most 32 instructions): make the frame, save x0/x1, pass the kind to the common path. */
.macro VECTOR kind
    .balign 0x80
    sub     sp, sp, #(32 * 8 + 32 * 16)
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       orion_a64_common_entry
.endm

/* A lower-EL vector: stash the user's x0/x1 on SP_EL1 and save the task frame (aarch64-tasks.S). */
.macro USER_VECTOR kind
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x0, #\kind
    b       orion_a64_user_entry
.endm

/* Saves the rest, calls orion_a64_exception(kind, frame) in the boot space (the exception may come from a
   task space, where the kernel's Swift code is not mapped), restores everything and the address space it
   came from, returns from the exception. In the privileged entry text (.kernel_entry, link.ld). */
    .section .kernel_entry.orion_a64_common_entry, "ax"
orion_a64_common_entry:
    SAVE_CONTEXT
    mrs     x22, ttbr0_el1              /* x22 is callee-saved: kept across the call */
    adrp    x9, orion_a64_boot_ttbr0
    ldr     x9, [x9, :lo12:orion_a64_boot_ttbr0]
    msr     ttbr0_el1, x9
    isb
    mov     x1, sp
    bl      orion_a64_exception
    msr     ttbr0_el1, x22
    isb
    RESTORE_CONTEXT
    eret

    .section .kernel_entry.orion_a64_vectors, "ax"
    .balign 0x800
    .global orion_a64_vectors
orion_a64_vectors:
    /* Current EL with SP_EL0 */
    VECTOR 0
    VECTOR 1
    VECTOR 2
    VECTOR 3
    /* Current EL with SP_ELx: kernel code */
    VECTOR 4
    VECTOR 5
    VECTOR 6
    VECTOR 7
    /* Lower EL, AArch64: tasks at EL0 (system calls, IRQs, faults) */
    USER_VECTOR 8
    USER_VECTOR 9
    USER_VECTOR 10
    USER_VECTOR 11
    /* Lower EL, AArch32 */
    VECTOR 12
    VECTOR 13
    VECTOR 14
    VECTOR 15
#endif
