// AArch64 pieces every Arm board shares: the EL1 physical generic timer tick and the exception dispatcher.

#if arch(arm64)
import BoardBoot
import Kernel

/// Where IRQs are acknowledged on this board.
enum A64InterruptRoute {
    /// Nothing set up yet: an IRQ is unexpected.
    case none
    /// A GICv2 (qemu virt): the timer is INTID `timerID`.
    case gicv2(GICv2, timerID: UInt32)
    /// The BCM2836 per-core interrupt block (raspi3b).
    case bcmLocal(LocalIntc)
}

nonisolated(unsafe) var a64Route = A64InterruptRoute.none
nonisolated(unsafe) var a64TickInterval: UInt64 = 0
nonisolated(unsafe) var a64NextDeadline: UInt64 = 0

/// The EL1 physical timer (CNTP) as a periodic tick.
enum GenericTimer {
    /// Starts a tick at `hz` from a counter running at `frequency`.
    static func start(hz: UInt64, frequency: UInt64) {
        a64TickInterval = max(1, frequency / hz)
        a64NextDeadline = orion_a64_cntpct() &+ a64TickInterval
        orion_a64_set_cntp_cval(a64NextDeadline)
        orion_a64_set_cntp_ctl(1)
    }

    /// Counts a tick and sets the next deadline a whole interval after the last (no drift).
    static func tick() {
        timerTicks &+= 1
        a64NextDeadline &+= a64TickInterval
        let now = orion_a64_cntpct()
        if a64NextDeadline <= now { a64NextDeadline = now &+ a64TickInterval }
        orion_a64_set_cntp_cval(a64NextDeadline)
    }
}

/// Called by the vector table for every exception: `kind` is the vector index (5 = IRQ from the kernel).
@_cdecl("orion_a64_exception")
func orionA64Exception(_ kind: UInt64, _ frame: UnsafeMutablePointer<UInt64>) {
    if kind == 5 || kind == 9 {
        switch a64Route {
        case .gicv2(let gic, let timerID):
            let ack = gic.acknowledge()
            if ack & 0x3FF == timerID { GenericTimer.tick() }
            gic.endOfInterrupt(ack)
            return
        case .bcmLocal(let intc):
            if intc.timerPending(core: 0) { GenericTimer.tick() }
            return
        case .none:
            break
        }
    }
    a64Fault(kind, frame)
}

/// Prints a register dump for an unexpected exception (the kernel's own: a task's goes to the task world)
/// and ends the machine with `faultExitStatus`. Runs in the boot space (the vector switched to it).
// @implements SWR-KERN-MEM-3
func a64Fault(_ kind: UInt64, _ frame: UnsafeMutablePointer<UInt64>) -> Never {
    var console = faultConsole ?? .pl011(PL011(base: 0x0900_0000))
    console.write("\nKERNEL PANIC: exception in the kernel")
    let esr = orion_a64_esr()
    if a64IsAbort(esr) {
        console.write(": ")
        _ = a64WriteAbort(esr: esr, far: orion_a64_far(), to: &console)
    }
    console.write(" (ELR_EL1=")
    console.write(hex: frame[31])
    console.write(")")
    console.write("\nFAULT: exception vector ")
    console.write(decimal: kind)
    console.write(" ESR_EL1=")
    console.write(hex: orion_a64_esr())
    console.write(" FAR_EL1=")
    console.write(hex: orion_a64_far())
    console.write(" ELR_EL1=")
    console.write(hex: frame[31])
    console.newline()
    writeRegisters(frame, count: 31, to: &console)
    GuestExit.exit(faultExitStatus, platform: Platform())
}
#endif
