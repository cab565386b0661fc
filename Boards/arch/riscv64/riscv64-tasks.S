/* RISC-V task switching: entering the kernel from U-mode (ecall, interrupt, fault), resuming a task's saved
   frame, and entering/leaving the task world from the boot context.
   Frame layout (u64 words): 0 unused, 1-31 x1-x31, 32 sepc, 33 sstatus, 34 fcsr, 35 spare, 36-67 f0-f31
   (fcsr and f0-f31 valid only while the saved sstatus.FS is not Off: lazy FP, see the entry),
   100 the task's satp (its address space, ASID = index + 1).
   sscratch holds the current frame's address while a task runs and 0 while the kernel runs, so a trap
   taken in S-mode inside the task world (a kernel bug) is told apart and reported as a kernel panic.
   Everything that runs in S-mode while a task space is active (trap entry up to the switch to the kernel
   space, exit from the switch to the task space on, the user copy) is in .text.kernel_entry: task spaces
   map only that code privileged (S-mode cannot execute U pages). */
#if defined(__riscv)
    .section .text.kernel_entry, "ax"

    .balign 4
    .global orion_rv_user_entry
orion_rv_user_entry:
    csrrw   t6, sscratch, t6            /* t6 = frame, sscratch = the user's t6 */
    beqz    t6, orion_rv_kernel_trap    /* sscratch 0: taken in S-mode */
    sd      x1, 8(t6)
    sd      x2, 16(t6)
    sd      x3, 24(t6)
    sd      x4, 32(t6)
    sd      x5, 40(t6)
    sd      x6, 48(t6)
    sd      x7, 56(t6)
    sd      x8, 64(t6)
    sd      x9, 72(t6)
    sd      x10, 80(t6)
    sd      x11, 88(t6)
    sd      x12, 96(t6)
    sd      x13, 104(t6)
    sd      x14, 112(t6)
    sd      x15, 120(t6)
    sd      x16, 128(t6)
    sd      x17, 136(t6)
    sd      x18, 144(t6)
    sd      x19, 152(t6)
    sd      x20, 160(t6)
    sd      x21, 168(t6)
    sd      x22, 176(t6)
    sd      x23, 184(t6)
    sd      x24, 192(t6)
    sd      x25, 200(t6)
    sd      x26, 208(t6)
    sd      x27, 216(t6)
    sd      x28, 224(t6)
    sd      x29, 232(t6)
    sd      x30, 240(t6)
    csrr    t5, sscratch
    sd      t5, 248(t6)                 /* the user's t6 (x31) */
    csrw    sscratch, zero              /* the kernel runs: S-mode traps now go to orion_rv_kernel_trap */
    csrr    t5, sepc
    sd      t5, 256(t6)
    csrr    t5, sstatus
// @implements SWR-KERN-FP-1
    /* Lazy FP (sstatus.FS): a task's f registers are saved only when it wrote them since they were loaded
       (FS = Dirty), and the frame then says Clean; a task that never used FP runs with FS = Off and traps on
       its first FP instruction (orion_rv_user_trap turns FP on for it and retries the instruction). */
    srli    t4, t5, 13
    andi    t4, t4, 3
    li      t3, 3
    bne     t4, t3, 1f
    fsd     f0, 288(t6)
    fsd     f1, 296(t6)
    fsd     f2, 304(t6)
    fsd     f3, 312(t6)
    fsd     f4, 320(t6)
    fsd     f5, 328(t6)
    fsd     f6, 336(t6)
    fsd     f7, 344(t6)
    fsd     f8, 352(t6)
    fsd     f9, 360(t6)
    fsd     f10, 368(t6)
    fsd     f11, 376(t6)
    fsd     f12, 384(t6)
    fsd     f13, 392(t6)
    fsd     f14, 400(t6)
    fsd     f15, 408(t6)
    fsd     f16, 416(t6)
    fsd     f17, 424(t6)
    fsd     f18, 432(t6)
    fsd     f19, 440(t6)
    fsd     f20, 448(t6)
    fsd     f21, 456(t6)
    fsd     f22, 464(t6)
    fsd     f23, 472(t6)
    fsd     f24, 480(t6)
    fsd     f25, 488(t6)
    fsd     f26, 496(t6)
    fsd     f27, 504(t6)
    fsd     f28, 512(t6)
    fsd     f29, 520(t6)
    fsd     f30, 528(t6)
    fsd     f31, 536(t6)
    frcsr   t4
    sd      t4, 272(t6)
    li      t4, 0x2000                  /* Dirty -> Clean: the frame holds them now */
    not     t4, t4
    and     t5, t5, t4
1:  sd      t5, 264(t6)
    li      t4, 0x2000                  /* the kernel may use FP itself: FS at least Initial while it runs */
    csrs    sstatus, t4
    ld      t5, orion_rv_kernel_satp    /* the kernel space (ASID 0); no sfence: distinct ASIDs */
    csrw    satp, t5
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    ld      sp, orion_rv_kernel_sp
    mv      a0, t6
    csrr    t0, scause                  /* an ecall tries the system-call fast path first */
    li      t1, 8
    bne     t0, t1, 2f
    mv      s1, a0                      /* (the task's s1 is in its frame) */
    rdtime  a1                          /* the time of the call */
    li      t0, 26                      /* callShort (26) and replyReceiveShort (28) have fast paths of their own */
    bgeu    a7, t0, 3f
4:  call    orion_fast_syscall          /* (frame, counter) -> frame to resume, or 0: the general path */
    bnez    a0, orion_rv_resume
    j       5f
3:  bne     a7, t0, 6f
    call    orion_fast_call_short
    bnez    a0, orion_rv_resume
    j       5f
6:  li      t0, 28
    bne     a7, t0, 4b
    call    orion_fast_reply_receive_short
    bnez    a0, orion_rv_resume
5:
    mv      a0, s1
2:  call    orion_rv_user_trap          /* (frame) -> frame to resume */
    /* fall through */

/* Resumes the frame in a0 in U-mode. */
    .global orion_rv_resume
orion_rv_resume:
    mv      t6, a0
    csrw    sscratch, t6
    ld      t5, 800(t6)                 /* word 100: the task's address space */
    csrw    satp, t5
    ld      t5, 264(t6)                 /* the task's sstatus: with FS Off it has no FP state to load */
    srli    t4, t5, 13
    andi    t4, t4, 3
    beqz    t4, 2f
    li      t4, 0x2000                  /* FS on for the loads (the run-tasks path comes from boot code) */
    csrs    sstatus, t4
    fld     f0, 288(t6)
    fld     f1, 296(t6)
    fld     f2, 304(t6)
    fld     f3, 312(t6)
    fld     f4, 320(t6)
    fld     f5, 328(t6)
    fld     f6, 336(t6)
    fld     f7, 344(t6)
    fld     f8, 352(t6)
    fld     f9, 360(t6)
    fld     f10, 368(t6)
    fld     f11, 376(t6)
    fld     f12, 384(t6)
    fld     f13, 392(t6)
    fld     f14, 400(t6)
    fld     f15, 408(t6)
    fld     f16, 416(t6)
    fld     f17, 424(t6)
    fld     f18, 432(t6)
    fld     f19, 440(t6)
    fld     f20, 448(t6)
    fld     f21, 456(t6)
    fld     f22, 464(t6)
    fld     f23, 472(t6)
    fld     f24, 480(t6)
    fld     f25, 488(t6)
    fld     f26, 496(t6)
    fld     f27, 504(t6)
    fld     f28, 512(t6)
    fld     f29, 520(t6)
    fld     f30, 528(t6)
    fld     f31, 536(t6)
    ld      t5, 272(t6)
    fscsr   t5
2:
    ld      t5, 256(t6)
    csrw    sepc, t5
    ld      t5, 264(t6)
    csrw    sstatus, t5
    ld      x1, 8(t6)
    ld      x2, 16(t6)
    ld      x3, 24(t6)
    ld      x4, 32(t6)
    ld      x5, 40(t6)
    ld      x6, 48(t6)
    ld      x7, 56(t6)
    ld      x8, 64(t6)
    ld      x9, 72(t6)
    ld      x10, 80(t6)
    ld      x11, 88(t6)
    ld      x12, 96(t6)
    ld      x13, 104(t6)
    ld      x14, 112(t6)
    ld      x15, 120(t6)
    ld      x16, 128(t6)
    ld      x17, 136(t6)
    ld      x18, 144(t6)
    ld      x19, 152(t6)
    ld      x20, 160(t6)
    ld      x21, 168(t6)
    ld      x22, 176(t6)
    ld      x23, 184(t6)
    ld      x24, 192(t6)
    ld      x25, 200(t6)
    ld      x26, 208(t6)
    ld      x27, 216(t6)
    ld      x28, 224(t6)
    ld      x29, 232(t6)
    ld      x30, 240(t6)
    ld      x31, 248(t6)
    sret

/* A trap taken in S-mode while the task world runs (sscratch was 0): the kernel faulted. Back to the
   kernel space, onto the panic stack, and orion_rv_kernel_panic(scause, sepc, stval) ends the machine. */
orion_rv_kernel_trap:
    ld      t6, orion_rv_kernel_satp
    csrw    satp, t6
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, orion_rv_panic_stack + 8192
    csrr    a0, scause
    csrr    a1, sepc
    csrr    a2, stval
    call    orion_rv_kernel_panic
0:  j       0b

/* orion_rv_task_copy(from task a0, from a1, to task a2, to a3, length a4 <= 64): an IPC message from one task's
   memory to another's in one call: into a 64-byte buffer on the kernel stack in the source task's space, out of
   it in the destination's (SUM set only meanwhile), then back to the kernel space. Words when a side is
   8-aligned, bytes otherwise (a granted range may be device memory). */
// @implements SWR-KERN-MEM-2
    .global orion_rv_task_copy
orion_rv_task_copy:
    beqz    a4, 9f
    li      t6, 64
    bleu    a4, t6, 0f
    mv      a4, t6
0:  la      t0, orion_task_frames
    li      t1, 102 * 8
    mul     t2, a0, t1
    add     t2, t2, t0
    ld      t2, 800(t2)                 /* the source's satp */
    mul     t3, a2, t1
    add     t3, t3, t0
    ld      t3, 800(t3)                 /* the destination's */
    beqz    t2, 9f
    beqz    t3, 9f
    addi    sp, sp, -64
    csrr    t4, satp
    li      t1, (1 << 18)               /* sstatus.SUM */
    csrs    sstatus, t1
    csrw    satp, t2
    mv      t5, sp
    mv      t6, a4
    andi    a5, a1, 7
    bnez    a5, 2f
    li      a6, 16
0:  bltu    t6, a6, 1f                  /* in: word pairs */
    ld      a5, 0(a1)
    ld      a7, 8(a1)
    sd      a5, 0(t5)
    sd      a7, 8(t5)
    addi    a1, a1, 16
    addi    t5, t5, 16
    addi    t6, t6, -16
    j       0b
1:  li      a6, 8                       /* in: a word */
    bltu    t6, a6, 2f
    ld      a5, 0(a1)
    sd      a5, 0(t5)
    addi    a1, a1, 8
    addi    t5, t5, 8
    addi    t6, t6, -8
2:  beqz    t6, 3f                      /* in: bytes */
    lbu     a5, 0(a1)
    sb      a5, 0(t5)
    addi    a1, a1, 1
    addi    t5, t5, 1
    addi    t6, t6, -1
    j       2b
3:  csrw    satp, t3
    mv      t5, sp
    mv      t6, a4
    andi    a5, a3, 7
    bnez    a5, 5f
    li      a6, 16
7:  bltu    t6, a6, 4f                  /* out: word pairs */
    ld      a5, 0(t5)
    ld      a7, 8(t5)
    sd      a5, 0(a3)
    sd      a7, 8(a3)
    addi    a3, a3, 16
    addi    t5, t5, 16
    addi    t6, t6, -16
    j       7b
4:  li      a6, 8                       /* out: a word */
    bltu    t6, a6, 5f
    ld      a5, 0(t5)
    sd      a5, 0(a3)
    addi    a3, a3, 8
    addi    t5, t5, 8
    addi    t6, t6, -8
5:  beqz    t6, 6f                      /* out: bytes */
    lbu     a5, 0(t5)
    sb      a5, 0(a3)
    addi    a3, a3, 1
    addi    t5, t5, 1
    addi    t6, t6, -1
    j       5b
6:  csrc    sstatus, t1
    csrw    satp, t4
    addi    sp, sp, 64
9:  ret

/* orion_rv_user_copy(task, user, kernel, length, toUser): switches to task's address space (satp from its
   frame word 100), sets SUM for the copy only, copies (words when all three are 8-aligned), clears SUM and
   switches back. The kernel calls it only for a range it checked against the task's domain; the kernel
   buffer lies in kernel data, mapped privileged in every task space. */
// @implements SWR-KERN-MEM-2
    .global orion_rv_user_copy
orion_rv_user_copy:
    la      t0, orion_task_frames
    li      t1, 102 * 8
    mul     t1, a0, t1
    add     t0, t0, t1
    ld      t0, 800(t0)
    csrr    t2, satp
    mv      t3, a1                      /* source: user */
    mv      t4, a2                      /* destination: kernel */
    beqz    a4, 1f
    mv      t3, a2
    mv      t4, a1
1:  li      t1, (1 << 18)               /* sstatus.SUM */
    csrw    satp, t0
    csrs    sstatus, t1
    or      t5, t3, t4
    or      t5, t5, a3
    andi    t5, t5, 7
    bnez    t5, 3f
2:  beqz    a3, 4f                      /* words */
    ld      t5, 0(t3)
    sd      t5, 0(t4)
    addi    t3, t3, 8
    addi    t4, t4, 8
    addi    a3, a3, -8
    j       2b
3:  beqz    a3, 4f                      /* bytes */
    lbu     t5, 0(t3)
    sb      t5, 0(t4)
    addi    t3, t3, 1
    addi    t4, t4, 1
    addi    a3, a3, -1
    j       3b
4:  csrc    sstatus, t1
    csrw    satp, t2
    ret

    .section .text.orion_rv_tasks, "ax"

/* orion_rv_run_tasks(): saves the boot context, points stvec at the task entry, asks the kernel for the
   first frame (orion_task_world_first_frame) and resumes it.
   Returns (0) when the kernel calls orion_rv_return_to_boot. */
    .global orion_rv_run_tasks
orion_rv_run_tasks:
    la      t0, orion_boot_context
    sd      ra, 0(t0)
    sd      sp, 8(t0)
    sd      s0, 16(t0)
    sd      s1, 24(t0)
    sd      s2, 32(t0)
    sd      s3, 40(t0)
    sd      s4, 48(t0)
    sd      s5, 56(t0)
    sd      s6, 64(t0)
    sd      s7, 72(t0)
    sd      s8, 80(t0)
    sd      s9, 88(t0)
    sd      s10, 96(t0)
    sd      s11, 104(t0)
    fsd     fs0, 112(t0)
    fsd     fs1, 120(t0)
    fsd     fs2, 128(t0)
    fsd     fs3, 136(t0)
    fsd     fs4, 144(t0)
    fsd     fs5, 152(t0)
    fsd     fs6, 160(t0)
    fsd     fs7, 168(t0)
    fsd     fs8, 176(t0)
    fsd     fs9, 184(t0)
    fsd     fs10, 192(t0)
    fsd     fs11, 200(t0)
    addi    t1, sp, -64                 /* the kernel's trap stack continues below the boot frames */
    la      t2, orion_rv_kernel_sp
    sd      t1, 0(t2)
    csrw    sscratch, zero              /* the kernel runs */
    la      t1, orion_rv_user_entry
    csrw    stvec, t1
    ld      t1, orion_rv_kernel_satp    /* the task set's kernel space; its tables are new: one sfence.vma */
    csrw    satp, t1
    sfence.vma
    call    orion_task_world_first_frame
    tail    orion_rv_resume

/* orion_rv_return_to_boot(): back to the caller of orion_rv_run_tasks, with the kernel trap vector restored. */
    .global orion_rv_return_to_boot
orion_rv_return_to_boot:
    la      t1, orion_rv_trap_entry
    csrw    stvec, t1
    ld      t1, orion_rv_boot_satp      /* back to the boot space (ASID 0 as the kernel space: flush) */
    csrw    satp, t1
    sfence.vma
    la      t0, orion_boot_context
    ld      ra, 0(t0)
    ld      sp, 8(t0)
    ld      s0, 16(t0)
    ld      s1, 24(t0)
    ld      s2, 32(t0)
    ld      s3, 40(t0)
    ld      s4, 48(t0)
    ld      s5, 56(t0)
    ld      s6, 64(t0)
    ld      s7, 72(t0)
    ld      s8, 80(t0)
    ld      s9, 88(t0)
    ld      s10, 96(t0)
    ld      s11, 104(t0)
    fld     fs0, 112(t0)
    fld     fs1, 120(t0)
    fld     fs2, 128(t0)
    fld     fs3, 136(t0)
    fld     fs4, 144(t0)
    fld     fs5, 152(t0)
    fld     fs6, 160(t0)
    fld     fs7, 168(t0)
    fld     fs8, 176(t0)
    fld     fs9, 184(t0)
    fld     fs10, 192(t0)
    fld     fs11, 200(t0)
    li      a0, 0
    ret

/* Where a task's entry function returns to (in U-mode): the exitTask system call. */
    .global orion_rv_task_exit_stub
orion_rv_task_exit_stub:
    li      a7, 21
    ecall
    j       orion_rv_task_exit_stub
/* orion_rv_fp_probe(seed) -> registers changed (U-mode, for the selftest): fills f0-f31 with seed, seed + 1, ...,
   yields, and counts the registers that no longer hold their value. The first call is the task's first FP use. */
    .section .text.orion_rv_fp_probe, "ax"
    .global orion_rv_fp_probe
orion_rv_fp_probe:
    addi    sp, sp, -96
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11
    fsd     fs\r, (\r * 8)(sp)
    .endr
    mv      t1, a0
    mv      t0, a0
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fmv.d.x f\r, t0
    addi    t0, t0, 1
    .endr
    li      a7, 0                       /* yield */
    ecall
    li      t2, 0
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fmv.x.d t3, f\r
    sub     t3, t3, t1
    snez    t3, t3
    add     t2, t2, t3
    addi    t1, t1, 1
    .endr
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11
    fld     fs\r, (\r * 8)(sp)
    .endr
    addi    sp, sp, 96
    mv      a0, t2
    ret

/* orion_rv_fp_first_look() -> the OR of f0-f31 (U-mode, for the selftest): a task's first FP use sees zeros, never
   what another task or the kernel left in the registers. */
    .section .text.orion_rv_fp_first_look, "ax"
    .global orion_rv_fp_first_look
orion_rv_fp_first_look:
    li      a0, 0
    .irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fmv.x.d t0, f\r
    or      a0, a0, t0
    .endr
    ret
#endif
