// RISC-V S-mode pieces: the SBI timer tick and the trap dispatcher.

#if arch(riscv64)
import BoardBoot
import Kernel

/// The PLIC and this hart's S-mode context, when the board has one (device interrupts for tasks).
nonisolated(unsafe) var rvPLIC: PLIC? = nil
nonisolated(unsafe) var rvPLICContext: UInt = 1
/// Whether the task world arms its one-shot timer with `stimecmp` (Sstc) rather than an SBI call (an M-mode
/// round trip of a few hundred instructions): set from the devicetree when the task set starts.
nonisolated(unsafe) var rvUseSstc = false
nonisolated(unsafe) var rvTickInterval: UInt64 = 0
nonisolated(unsafe) var rvNextDeadline: UInt64 = 0

/// The supervisor timer driven through SBI `set_timer`, as a periodic tick.
enum SBITimer {
    /// Starts a tick at `hz` from the `time` CSR running at `frequency`.
    static func start(hz: UInt64, frequency: UInt64) {
        rvTickInterval = max(1, frequency / hz)
        rvNextDeadline = orion_rv_time() &+ rvTickInterval
        SBI.setTimer(rvNextDeadline)
        orion_rv_sie_set(1 << 5)        // STIE
        orion_rv_sstatus_set(1 << 1)    // SIE
    }

    /// Counts a tick and asks for the next one a whole interval after the last.
    static func tick() {
        timerTicks &+= 1
        rvNextDeadline &+= rvTickInterval
        let now = orion_rv_time()
        if rvNextDeadline <= now { rvNextDeadline = now &+ rvTickInterval }
        SBI.setTimer(rvNextDeadline)
    }
}

/// Called by the trap entry with the saved frame: [ra, t0-t2, a0-a7, t3-t6, sepc, scause, sstatus, s0, fcsr].
@_cdecl("orion_rv_trap")
func orionRVTrap(_ frame: UnsafeMutablePointer<UInt64>) {
    let cause = frame[17]
    if cause == (1 << 63) | 5 {
        SBITimer.tick()
        return
    }
    var console = faultConsole ?? .ns16550(NS16550(base: 0x1000_0000))
    if let (kind, access) = rvFaultKind(cause) {  // the boot code touched memory the boot space does not map
        console.write("\nKERNEL PANIC: ")
        console.write(kind)
        console.write(" ")
        console.write(access)
        console.write(" at ")
        console.write(hex: orion_rv_stval())
        console.write(" in S-mode (boot)")
    }
    console.write("\nFAULT: scause=")
    console.write(hex: cause)
    console.write(" sepc=")
    console.write(hex: frame[16])
    console.write(" stval=")
    console.write(hex: orion_rv_stval())
    console.write(" ra=")
    console.write(hex: frame[0])
    console.newline()
    GuestExit.exit(faultExitStatus, platform: Platform())
}
#endif
