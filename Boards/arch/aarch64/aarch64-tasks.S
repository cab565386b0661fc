/* AArch64 task switching: entering the kernel from EL0 (system call, IRQ, fault), resuming a task's saved
   frame, and entering/leaving the task world from the boot context.
   Frame layout (u64 words, see TaskFrames in Boards/common/TaskArch.swift): 0-30 x0-x30, 31 sp_el0,
   32 elr_el1, 33 spsr_el1, 34 fpsr, 35 fpcr, 36-99 q0-q31 (34-99 valid only once word 101 is set), 100 the task's
   TTBR0_EL1 (its address space, ASID = index + 1), 101 non-zero once the task has used FP/SIMD (lazy FP). The current frame's address lives in TPIDR_EL1.
   Entry and exit run under a task's address space, so they live in the privileged entry text
   (.kernel_entry, link.ld): entry saves the frame and switches to the kernel space, exit switches to the
   resumed task's space. No TLB maintenance on a switch: every space has its own ASID and its tables do not
   change while the task set runs. */
#if defined(__aarch64__)
#define FRAME_TTBR0 800
#define FRAME_FP 808
    .section .kernel_entry.orion_a64_tasks, "ax"

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
// @implements SWR-KERN-FP-1
    /* Lazy FP/SIMD: only a task that has used FP (word 101 set at its first use, which traps: CPACR_EL1.FPEN
       lets EL0 use FP only while such a task runs) has FP state to save. The kernel may use FP itself: the
       registers of a task without FP state are never looked at (its first use loads them from its frame). */
    ldr     x2, [x1, #FRAME_FP]
    cbz     x2, 1f
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
1:
    adrp    x2, orion_a64_kernel_ttbr0  /* the kernel space: no task memory mapped */
    ldr     x2, [x2, :lo12:orion_a64_kernel_ttbr0]
    msr     ttbr0_el1, x2
    isb
    cmp     x0, #8                      /* an SVC tries the system-call fast path first */
    b.ne    2f
    mrs     x2, esr_el1
    lsr     x2, x2, #26
    cmp     x2, #0x15
    b.ne    2f
    mov     x19, x1                     /* (the task's x19 is in its frame) */
    mov     x0, x1
    mrs     x1, cntpct_el0              /* the time of the call */
    cmp     x8, #26                     /* callShort (26) and replyReceiveShort (28) have fast paths of their own */
    b.hs    3f
4:  bl      orion_fast_syscall          /* (frame, counter) -> frame to resume, or 0: the general path */
    cbnz    x0, orion_a64_resume
    b       5f
3:  b.ne    6f
    bl      orion_fast_call_short
    cbnz    x0, orion_a64_resume
    b       5f
6:  cmp     x8, #28
    b.ne    4b
    bl      orion_fast_reply_receive_short
    cbnz    x0, orion_a64_resume
5:
    mov     x0, #8
    mov     x1, x19
2:  bl      orion_a64_user_trap         /* (kind, frame) -> frame to resume */
    /* fall through */

/* Resumes the frame in x0 at EL0, in the task's address space (frame word 100; a frame without one runs in
   the kernel space, where the task can touch nothing and faults at once). */
    .global orion_a64_resume
orion_a64_resume:
    msr     tpidr_el1, x0
    ldr     x2, [x0, #FRAME_TTBR0]
    cbnz    x2, 1f
    adrp    x2, orion_a64_kernel_ttbr0
    ldr     x2, [x2, :lo12:orion_a64_kernel_ttbr0]
1:  msr     ttbr0_el1, x2
    isb
    ldr     x2, [x0, #FRAME_FP]         /* FP/SIMD at EL0 only for a task that uses it (FPEN 3, else 1) */
    mrs     x3, cpacr_el1
    bic     x4, x3, #(3 << 20)
    cbz     x2, 2f
    orr     x4, x4, #(3 << 20)
    cmp     x4, x3
    b.eq    1f
    msr     cpacr_el1, x4
    isb
1:
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
    b       3f
2:  orr     x4, x4, #(1 << 20)
    cmp     x4, x3
    b.eq    3f
    msr     cpacr_el1, x4
    isb
3:
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
    adrp    x9, orion_a64_kernel_ttbr0  /* the kernel runs in its own space inside the task world */
    ldr     x9, [x9, :lo12:orion_a64_kernel_ttbr0]
    msr     ttbr0_el1, x9
    isb
    bl      orion_task_world_first_frame
    b       orion_a64_resume

/* orion_a64_return_to_boot(): back to the caller of orion_a64_run_tasks, on its stack, in the boot space. */
    .global orion_a64_return_to_boot
orion_a64_return_to_boot:
    adrp    x9, orion_a64_boot_ttbr0
    ldr     x9, [x9, :lo12:orion_a64_boot_ttbr0]
    msr     ttbr0_el1, x9
    isb
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

/* orion_a64_task_copy(from task w0, from x1, to task w2, to x3, length x4 <= 64): an IPC message from one task's
   memory to another's in one call: into a 64-byte buffer on the kernel stack (privileged, mapped in every space)
   in the source task's space, out of it in the destination's, then back to the kernel space. Words when a side
   is 8-aligned, bytes otherwise (a granted range may be device memory). */
// @implements SWR-KERN-MEM-2
    .global orion_a64_task_copy
orion_a64_task_copy:
    cbz     x4, 9f
    cmp     x4, #64
    mov     x5, #64
    csel    x4, x4, x5, ls
    and     x0, x0, #0xff
    and     x2, x2, #0xff
    adrp    x5, orion_task_frames
    add     x5, x5, :lo12:orion_task_frames
    mov     x6, #(102 * 8)
    madd    x7, x0, x6, x5
    ldr     x7, [x7, #FRAME_TTBR0]
    madd    x8, x2, x6, x5
    ldr     x8, [x8, #FRAME_TTBR0]
    cbz     x7, 9f                      /* no address space: nothing to copy */
    cbz     x8, 9f
    sub     sp, sp, #64
    mrs     x9, ttbr0_el1
    msr     ttbr0_el1, x7
    isb
    mov     x10, sp
    mov     x11, x4
    tst     x1, #7
    b.ne    2f
0:  cmp     x11, #16                    /* in: word pairs */
    b.lo    1f
    ldp     x12, x13, [x1], #16
    stp     x12, x13, [x10], #16
    sub     x11, x11, #16
    b       0b
1:  cmp     x11, #8                     /* in: a word */
    b.lo    2f
    ldr     x12, [x1], #8
    str     x12, [x10], #8
    sub     x11, x11, #8
2:  cbz     x11, 3f                     /* in: bytes */
    ldrb    w12, [x1], #1
    strb    w12, [x10], #1
    sub     x11, x11, #1
    b       2b
3:  msr     ttbr0_el1, x8
    isb
    mov     x10, sp
    mov     x11, x4
    tst     x3, #7
    b.ne    5f
7:  cmp     x11, #16                    /* out: word pairs */
    b.lo    4f
    ldp     x12, x13, [x10], #16
    stp     x12, x13, [x3], #16
    sub     x11, x11, #16
    b       7b
4:  cmp     x11, #8                     /* out: a word */
    b.lo    5f
    ldr     x12, [x10], #8
    str     x12, [x3], #8
    sub     x11, x11, #8
5:  cbz     x11, 6f                     /* out: bytes */
    ldrb    w12, [x10], #1
    strb    w12, [x3], #1
    sub     x11, x11, #1
    b       5b
6:  msr     ttbr0_el1, x9
    isb
    add     sp, sp, #64
9:  ret

/* orion_a64_user_copy(task w0, user x1, kernel x2, length x3, to_user w4): copies between task memory and
   the kernel's in the task's address space (its TTBR0 from frame word 100), then switches back. The kernel
   checked the range against the task's domain first; the kernel side (its stack, its data) is mapped
   privileged in every task space. Byte copies, or 8-byte ones when both sides are aligned (a granted range
   may be device memory). */
// @implements SWR-KERN-MEM-2
    .global orion_a64_user_copy
orion_a64_user_copy:
    and     x0, x0, #0xff
    adrp    x5, orion_task_frames
    add     x5, x5, :lo12:orion_task_frames
    mov     x6, #(102 * 8)
    madd    x5, x0, x6, x5
    ldr     x6, [x5, #FRAME_TTBR0]
    cbz     x6, 9f                      /* no address space: nothing to copy from */
    tst     w4, #0xff
    csel    x7, x1, x2, eq              /* source: user unless to_user */
    csel    x8, x2, x1, eq              /* destination */
    mrs     x9, ttbr0_el1
    msr     ttbr0_el1, x6
    isb
    orr     x10, x7, x8
    tst     x10, #7
    b.ne    2f
1:  cmp     x3, #8
    b.lo    2f
    ldr     x10, [x7], #8
    str     x10, [x8], #8
    sub     x3, x3, #8
    b       1b
2:  cbz     x3, 3f
    ldrb    w10, [x7], #1
    strb    w10, [x8], #1
    sub     x3, x3, #1
    b       2b
3:  msr     ttbr0_el1, x9
    isb
9:  ret

/* orion_a64_fp_probe(seed) -> registers changed (EL0, for the selftest): fills d0-d31 with seed, seed + 1, ...,
   yields, and counts the registers that no longer hold their value. The first call is the task's first FP use. */
    .section .text.orion_a64_fp_probe, "ax"
    .global orion_a64_fp_probe
orion_a64_fp_probe:
    stp     d8, d9, [sp, #-64]!
    stp     d10, d11, [sp, #16]
    stp     d12, d13, [sp, #32]
    stp     d14, d15, [sp, #48]
    mov     x10, x0
    mov     x9, x0
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fmov    d\r, x9
    add     x9, x9, #1
    .endr
    mov     x8, #0                      /* yield */
    svc     #0
    mov     x11, #0
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fmov    x12, d\r
    cmp     x12, x10
    cinc    x11, x11, ne
    add     x10, x10, #1
    .endr
    ldp     d10, d11, [sp, #16]
    ldp     d12, d13, [sp, #32]
    ldp     d14, d15, [sp, #48]
    ldp     d8, d9, [sp], #64
    mov     x0, x11
    ret

/* orion_a64_fp_first_look() -> the OR of q0-q31 (EL0, for the selftest): a task's first FP use sees zeros,
   never what another task or the kernel left in the registers. */
    .section .text.orion_a64_fp_first_look, "ax"
    .global orion_a64_fp_first_look
orion_a64_fp_first_look:
    orr     v0.16b, v0.16b, v1.16b
    .irp r, 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    orr     v0.16b, v0.16b, v\r\().16b
    .endr
    fmov    x0, d0
    mov     x1, v0.d[1]
    orr     x0, x0, x1
    ret

/* Where a task's entry function returns to (at EL0): the exitTask system call. Runs at EL0, so it lives in
   the ordinary text (mapped user-executable in task spaces). */
    .section .text.orion_a64_task_exit, "ax"
    .global orion_a64_task_exit_stub
orion_a64_task_exit_stub:
    mov     x8, #21
    svc     #0
    b       orion_a64_task_exit_stub
#endif
