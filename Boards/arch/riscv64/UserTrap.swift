// RISC-V traps from U-mode: dispatching ecalls, the timer, PLIC sources and faults to the task world.

import BoardBoot
import Kernel

#if arch(riscv64)
nonisolated(unsafe) var rvLastCause: UInt64 = 0

/// Claims the PLIC's pending source, completes it (while still enabled, or the PLIC ignores the
/// completion) and masks it until the task's `interruptAck`; nil when nothing was pending.
// @implements SWR-KERN-IRQ-1
func claimDeviceInterrupt() -> UInt32? {
    guard let plic = rvPLIC else { return nil }
    let source = plic.claim(context: rvPLICContext)
    guard source != 0 else { return nil }
    plic.complete(source, context: rvPLICContext)
    plic.disable(source, context: rvPLICContext)
    return source
}

/// Trap from U-mode (ecall, timer interrupt, fault); returns the frame to resume.
@_cdecl("orion_rv_user_trap")
func orionRVUserTrap(_ frame: UnsafeMutablePointer<UInt64>) -> UnsafeMutablePointer<UInt64> {
    let cause = orion_rv_scause()
    rvLastCause = cause
    if cause == 8 {  // ecall from U-mode
        frame[32] &+= 4
        let args = SyscallArguments(frame[10], frame[11], frame[12], frame[13], frame[14], frame[15])
        return handleTaskTrap(.syscall(frame[17], args), frame: frame)
    }
    if cause == (1 << 63) | 5 { return handleTaskTrap(.timer, frame: frame) }
    // @implements SWR-KERN-FP-1
    if cause == 2 && (frame[33] >> 13) & 3 == 0 {
        // An illegal instruction from a task whose FP is off: its first FP instruction. FP on (Initial: its
        // f registers load from the frame, zeros at first) and the instruction again; a truly illegal one
        // traps again with FP on and is a fault.
        frame[33] |= 1 << 13
        return frame
    }
    if cause == (1 << 63) | 9 {  // supervisor external interrupt: a PLIC source (none: spurious, as the timer)
        if let line = claimDeviceInterrupt() { return handleTaskTrap(.interrupt(line), frame: frame) }
        return handleTaskTrap(.timer, frame: frame)
    }
    return handleTaskTrap(.fault, frame: frame)
}
/// The cause part of a task's fault report: `page fault <read|write|execute> at 0x<stval>` for page and
/// access faults (a task touching memory outside its domain), else the raw cause; then sepc.
// @implements SWR-KERN-MEM-3
func rvDescribeFault(_ console: inout Console, frame: UnsafeMutablePointer<UInt64>) {
    if let (kind, access) = rvFaultKind(rvLastCause) {
        console.write(kind)
        console.write(" ")
        console.write(access)
        console.write(" at ")
        console.write(hex: orion_rv_stval())
    } else {
        console.write("scause=")
        console.write(hex: rvLastCause)
        console.write(" stval=")
        console.write(hex: orion_rv_stval())
    }
    console.write(" sepc=")
    console.write(hex: frame[32])
}
#endif
