/* qemu-virt-riscv64 entry: OpenSBI jumps here in S-mode with the hart ID in a0 and the devicetree in a1. */
#if defined(__riscv)
    .section .text.boot.qemu_virt_riscv64, "ax"
    .global _start_qemu_virt_riscv64
_start_qemu_virt_riscv64:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    mv      s0, a0
    mv      s1, a1
    la      sp, __stack_top
    la      t0, __bss_start
    la      t1, __bss_end
0:  bgeu    t0, t1, 1f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       0b
1:  call    orion_rv_boot_space_on      /* Sv39 on (the boot space) before any Swift runs */
    li      t0, (1 << 13)               /* sstatus.FS = Initial: Swift code uses the FP registers */
    csrs    sstatus, t0
    fscsr   zero
    la      t0, orion_rv_trap_entry
    csrw    stvec, t0
    mv      a0, s0
    mv      a1, s1
    call    orion_qemu_virt_riscv64_start
2:  wfi
    j       2b
#endif
