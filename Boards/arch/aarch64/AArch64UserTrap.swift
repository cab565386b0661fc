// AArch64 traps from EL0: system calls, interrupts and faults of tasks handed to the kernel.

#if arch(arm64)
import BoardBoot
import Kernel

/// Trap from EL0: vector 8 (synchronous: SVC or fault) or 9 (IRQ); returns the frame to resume.
@_cdecl("orion_a64_user_trap")
func orionA64UserTrap(_ kind: UInt64, _ frame: UnsafeMutablePointer<UInt64>) -> UnsafeMutablePointer<UInt64> {
    switch kind {
    case 8 where orion_a64_esr() >> 26 == 0x15:  // SVC from AArch64
        let args = SyscallArguments(frame[0], frame[1], frame[2], frame[3], frame[4], frame[5])
        return handleTaskTrap(.syscall(frame[8], args), frame: frame)
    // @implements SWR-KERN-FP-1
    case 8 where orion_a64_esr() >> 26 == 0x07 && frame[101] == 0:
        // The task's first FP/SIMD instruction (CPACR_EL1.FPEN traps EL0 while a task without FP state
        // runs): it has FP state from now on, loaded from its frame (zeros) on the way back; the
        // instruction runs again.
        frame[101] = 1
        return frame
    case 9:
        // The timer PPI, a device SPI (masked and handed to the kernel), or spurious (1023: as the timer,
        // which only reschedules).
        if case .gicv2(let gic, let timerID) = a64Route {
            let ack = gic.acknowledge()
            let id = ack & 0x3FF
            if id < 1020 && id != timerID {
                return handleTaskTrap(.interrupt(takeDeviceInterrupt(gic, ack)), frame: frame)
            }
            if id < 1020 { gic.endOfInterrupt(ack) }
        }
        return handleTaskTrap(.timer, frame: frame)
    default:
        return handleTaskTrap(.fault, frame: frame)
    }
}

/// Masks an acknowledged device interrupt at the GIC and ends it there; returns its INTID. The line stays
/// masked until the task's `interruptAck`.
// @implements SWR-KERN-IRQ-1
func takeDeviceInterrupt(_ gic: GICv2, _ ack: UInt32) -> UInt32 {
    let id = ack & 0x3FF
    gic.disable(id)
    gic.endOfInterrupt(ack)
    return id
}
#endif
