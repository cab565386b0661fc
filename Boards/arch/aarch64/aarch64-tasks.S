/* AArch64 task switching: entering the kernel from EL0 (system call, IRQ, fault), resuming a task's saved
   frame, and entering/leaving the task world from the boot context.
   Frame layout (u64 words, see TaskFrames in Boards/common/TaskArch.swift): 0-30 x0-x30, 31 sp_el0,
   32 elr_el1, 33 spsr_el1, 34 fpsr, 35 fpcr, 36-99 q0-q31. The current frame's address lives in TPIDR_EL1. */
#if defined(__aarch64__)
    .section .text.orion_a64_tasks, "ax"

/* Entered from the lower-EL vectors with the user's x0/x1 pushed on SP_EL1 and the vector kind in x0. */
    .global orion_a64_user_entry
orion_a64_user_entry:
    mrs     x1, tpidr_el1
    stp     x2, x3, [x1, #16]
    stp     x4, x5, [x1, #32]
    stp     x6, x7, [x1, #48]
    stp     x8, x9, [x1, #64]
    stp     x10, x11, [x1, #80]
    stp     x12, x13, [x1, #96]
    stp     x14, x15, [x1, #112]
    stp     x16, x17, [x1, #128]
    stp     x18, x19, [x1, #144]
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    ldp     x2, x3, [sp], #16          /* the user's x0, x1 */
    stp     x2, x3, [x1, #0]
    mrs     x2, sp_el0
    stp     x30, x2, [x1, #240]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [x1, #256]
    mrs     x2, fpsr
    mrs     x3, fpcr
    stp     x2, x3, [x1, #272]
    add     x2, x1, #288
    stp     q0, q1, [x2, #0]
    stp     q2, q3, [x2, #32]
    stp     q4, q5, [x2, #64]
    stp     q6, q7, [x2, #96]
    stp     q8, q9, [x2, #128]
    stp     q10, q11, [x2, #160]
    stp     q12, q13, [x2, #192]
    stp     q14, q15, [x2, #224]
    stp     q16, q17, [x2, #256]
    stp     q18, q19, [x2, #288]
    stp     q20, q21, [x2, #320]
    stp     q22, q23, [x2, #352]
    stp     q24, q25, [x2, #384]
    stp     q26, q27, [x2, #416]
    stp     q28, q29, [x2, #448]
    stp     q30, q31, [x2, #480]
    bl      orion_a64_user_trap         /* (kind, frame) -> frame to resume */
    /* fall through */

/* Resumes the frame in x0 at EL0. */
    .global orion_a64_resume
orion_a64_resume:
    msr     tpidr_el1, x0
    add     x2, x0, #288
    ldp     q0, q1, [x2, #0]
    ldp     q2, q3, [x2, #32]
    ldp     q4, q5, [x2, #64]
    ldp     q6, q7, [x2, #96]
    ldp     q8, q9, [x2, #128]
    ldp     q10, q11, [x2, #160]
    ldp     q12, q13, [x2, #192]
    ldp     q14, q15, [x2, #224]
    ldp     q16, q17, [x2, #256]
    ldp     q18, q19, [x2, #288]
    ldp     q20, q21, [x2, #320]
    ldp     q22, q23, [x2, #352]
    ldp     q24, q25, [x2, #384]
    ldp     q26, q27, [x2, #416]
    ldp     q28, q29, [x2, #448]
    ldp     q30, q31, [x2, #480]
    ldp     x2, x3, [x0, #272]
    msr     fpsr, x2
    msr     fpcr, x3
    ldp     x2, x3, [x0, #256]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x30, x2, [x0, #240]
    msr     sp_el0, x2
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldp     x0, x1, [x0, #0]
    eret

/* orion_a64_run_tasks(): saves the boot context, asks the kernel for the first frame
   (orion_task_world_first_frame) and resumes it at EL0. Returns (0) when the kernel calls
   orion_a64_return_to_boot. */
    .global orion_a64_run_tasks
orion_a64_run_tasks:
    adrp    x9, orion_boot_context
    add     x9, x9, :lo12:orion_boot_context
    stp     x19, x20, [x9, #0]
    stp     x21, x22, [x9, #16]
    stp     x23, x24, [x9, #32]
    stp     x25, x26, [x9, #48]
    stp     x27, x28, [x9, #64]
    stp     x29, x30, [x9, #80]
    mov     x10, sp
    str     x10, [x9, #96]
    stp     d8, d9, [x9, #112]
    stp     d10, d11, [x9, #128]
    stp     d12, d13, [x9, #144]
    stp     d14, d15, [x9, #160]
    bl      orion_task_world_first_frame
    b       orion_a64_resume

/* orion_a64_return_to_boot(): back to the caller of orion_a64_run_tasks, on its stack. */
    .global orion_a64_return_to_boot
orion_a64_return_to_boot:
    adrp    x9, orion_boot_context
    add     x9, x9, :lo12:orion_boot_context
    ldp     x19, x20, [x9, #0]
    ldp     x21, x22, [x9, #16]
    ldp     x23, x24, [x9, #32]
    ldp     x25, x26, [x9, #48]
    ldp     x27, x28, [x9, #64]
    ldp     x29, x30, [x9, #80]
    ldr     x10, [x9, #96]
    mov     sp, x10
    ldp     d8, d9, [x9, #112]
    ldp     d10, d11, [x9, #128]
    ldp     d12, d13, [x9, #144]
    ldp     d14, d15, [x9, #160]
    mov     x0, #0
    ret

/* Where a task's entry function returns to (at EL0): the exitTask system call. */
    .global orion_a64_task_exit_stub
orion_a64_task_exit_stub:
    mov     x8, #21
    svc     #0
    b       orion_a64_task_exit_stub
#endif
