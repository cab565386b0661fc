// Architecture half of the task world: register frames, entering EL0/U-mode, traps, the one-shot timer.

import BoardBoot
import KernelSupport
import Kernel

/// `orion_task_frame(0)`, kept once the first task set starts (a C call per frame lookup cost 10 instructions
/// on every kernel exit).
nonisolated(unsafe) var taskFrameBase: UnsafeMutablePointer<UInt64>? = nil

/// Saved register frames of the tasks (storage in task-storage.c, layout in the *-tasks.S files).
enum TaskFrames {
    /// Words per frame.
    static var words: Int { 102 }

    /// The frame of task `index`.
    @inline(__always)
    static func frame(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        base.advanced(by: index &* words)
    }

    /// The first frame (`orion_task_frames`, task-storage.c).
    static var base: UnsafeMutablePointer<UInt64> {
        @inline(__always) get { taskFrameBase.unsafelyUnwrapped }  // set before any frame is prepared
    }

    /// A fresh frame: the task starts at `entry(argument)` unprivileged, on its own stack, returning into
    /// the exit stub.
    static func prepare(_ index: Int, entry: TaskEntry, argument: UInt, stackTop: UInt) {
        let f = frame(index)
        var i = 0
        while i < words {
            f[i] = 0
            i += 1
        }
        let entryAddress = UInt64(UInt(bitPattern: unsafeBitCast(entry, to: UnsafeRawPointer.self)))
        #if arch(arm64)
        f[0] = UInt64(argument)
        f[30] = orion_a64_task_exit_address()
        f[31] = UInt64(stackTop)
        f[32] = entryAddress
        f[33] = 0  // SPSR: EL0t, interrupts unmasked
        #elseif arch(riscv64)
        f[1] = orion_rv_task_exit_address()
        f[2] = UInt64(stackTop)
        f[4] = runtimeClock.encoded  // tp: the clock word `Sys.now()` converts counter ticks with
        f[10] = UInt64(argument)
        f[32] = entryAddress
        // sstatus: SPP = U, SPIE = 1 (interrupts on after sret), FS = Off (lazy FP: on at its first use), SIE = 0.
        f[33] = (orion_rv_sstatus() & ~(UInt64(1) << 8) & ~(UInt64(3) << 13) & ~UInt64(2)) | (1 << 5)
        #endif
    }

    /// Writes a system call's two results into task `index`'s registers.
    static func setResult(_ index: Int, _ r0: Int64, _ r1: UInt64) {
        let f = frame(index)
        #if arch(arm64)
        f[0] = UInt64(bitPattern: r0)
        f[1] = r1
        #elseif arch(riscv64)
        f[10] = UInt64(bitPattern: r0)
        f[11] = r1
        #endif
    }

    /// Writes a short message delivered by a system call into task `index`'s x2-x5 / a2-a5.
    @inline(__always)
    static func setWords(_ index: Int, _ words: MessageWords) {
        #if arch(arm64)
        let f = frame(index).advanced(by: 2)
        #else
        let f = frame(index).advanced(by: 12)
        #endif
        f[0] = words.w0
        f[1] = words.w1
        f[2] = words.w2
        f[3] = words.w3
    }
}

/// Per-architecture operations of the task world.
enum Arch {
    /// The access kind and address of the fault being handled, decoded from the trap registers (aarch64
    /// ESR_EL1/FAR_EL1 for data and instruction aborts from EL0; riscv64 scause/stval for page and access
    /// faults); `.other` for any other cause.
    static func faultInfo() -> FaultInfo {
        #if arch(arm64)
        let esr = orion_a64_esr()
        switch esr >> 26 {
        case 0x24: return FaultInfo(kind: esr & (1 << 6) != 0 ? .write : .read, address: orion_a64_far())
        case 0x20: return FaultInfo(kind: .execute, address: orion_a64_far())
        default: return FaultInfo(kind: .other, address: 0)
        }
        #elseif arch(riscv64)
        switch rvLastCause {
        case 12, 1: return FaultInfo(kind: .execute, address: orion_rv_stval())
        case 13, 5: return FaultInfo(kind: .read, address: orion_rv_stval())
        case 15, 7: return FaultInfo(kind: .write, address: orion_rv_stval())
        default: return FaultInfo(kind: .other, address: 0)
        }
        #else
        return FaultInfo()
        #endif
    }

    /// Masks interrupts for the kernel and stops the boot-time tick; enables the device interrupt lines
    /// bound to notifications (`lines`, `count` of them) at the interrupt controller.
    static func enterTaskWorld(lines: InlineArray<8, UInt32>, count: Int) {
        #if arch(arm64)
        orion_a64_irq_disable()
        // Tasks read the time and the cycle counter without a system call: the physical counter and the PMU
        // cycle counter readable at EL0, and the clock word (`CounterClock.encoded`) in TPIDRRO_EL0 (read-only at EL0).
        orion_a64_set_cntkctl(1)  // EL0PCTEN
        orion_a64_enable_user_cycle_counter()
        orion_a64_set_tpidrro(runtimeClock.encoded)
        #elseif arch(riscv64)
        orion_rv_sstatus_clear(1 << 1)
        // U-mode may read cycle, time and instret (OpenSBI lets S-mode delegate them); the clock word is in
        // each task's `tp` (TaskFrames.prepare).
        orion_rv_set_scounteren(0b111)
        #endif
        var i = 0
        while i < count {
            unmaskInterrupt(lines[i])
            i += 1
        }
        #if arch(riscv64)
        if count > 0 && rvPLIC != nil { orion_rv_sie_set(1 << 9) }  // SEIE: external interrupts trap
        #endif
    }

    /// Restores the boot-time tick after the task world ended; masks the bound device lines again.
    static func leaveTaskWorld(system: System, lines: InlineArray<8, UInt32>, count: Int) {
        var i = 0
        while i < count {
            maskInterrupt(lines[i])
            i += 1
        }
        #if arch(riscv64)
        orion_rv_sie_clear(1 << 9)
        #endif
        let hz = system.tickHz
        #if arch(arm64)
        if hz > 0 {
            GenericTimer.start(hz: hz, frequency: runtimeFrequencyHz)
            orion_a64_irq_enable()
        }
        #elseif arch(riscv64)
        if hz > 0 { SBITimer.start(hz: hz, frequency: runtimeFrequencyHz) }
        #endif
    }

    /// Enters the task world (the first frame comes from `orion_task_world_first_frame`); returns when the
    /// kernel leaves it.
    static func runTasks() {
        #if arch(arm64)
        _ = orion_a64_run_tasks()
        #elseif arch(riscv64)
        _ = orion_rv_run_tasks()
        #endif
    }

    /// Leaves the task world, back to the caller of `runTasks`.
    static func returnToBoot() -> Never {
        #if arch(arm64)
        orion_a64_return_to_boot()
        #elseif arch(riscv64)
        orion_rv_return_to_boot()
        #else
        while true {}
        #endif
    }

    /// Arms the one-shot timer at counter value `ticks`.
    static func setTimer(ticks: UInt64) {
        #if arch(arm64)
        orion_a64_set_cntp_cval(ticks)
        orion_a64_set_cntp_ctl(1)
        #elseif arch(riscv64)
        if rvUseSstc { orion_rv_set_stimecmp(ticks) } else { SBI.setTimer(ticks) }
        #endif
    }

    /// Idles (interrupts masked: WFI still wakes on a pending one) until the timer has fired (nil) or a
    /// device line fired (its number; the line is masked and its claim completed).
    static func waitForInterrupt() -> UInt32? {
        #if arch(arm64)
        while orion_a64_cntp_ctl() & 4 == 0 {
            if case .gicv2(let gic, let timerID) = a64Route {
                let ack = gic.acknowledge()
                let id = ack & 0x3FF
                if id < 1020 {
                    if id != timerID { return takeDeviceInterrupt(gic, ack) }
                    gic.endOfInterrupt(ack)
                    continue
                }
            }
            orion_a64_wfi()
        }
        return nil
        #elseif arch(riscv64)
        while orion_rv_timer_pending() == 0 {
            if orion_rv_external_pending() != 0, let line = claimDeviceInterrupt() { return line }
            orion_rv_wfi()
        }
        return nil
        #else
        return nil
        #endif
    }

    /// Unmasks device line `line` at the interrupt controller (nothing on controllers without device lines).
    static func unmaskInterrupt(_ line: UInt32) {
        #if arch(arm64)
        if case .gicv2(let gic, _) = a64Route { gic.enableShared(line) }
        #elseif arch(riscv64)
        rvPLIC?.enable(line, context: rvPLICContext)
        #endif
    }

    /// Masks device line `line` at the interrupt controller.
    static func maskInterrupt(_ line: UInt32) {
        #if arch(arm64)
        if case .gicv2(let gic, _) = a64Route { gic.disable(line) }
        #elseif arch(riscv64)
        rvPLIC?.disable(line, context: rvPLICContext)
        #endif
    }

    /// Prints the fault report for a task: cause, address, registers.
    // @implements SWR-KERN-FAULT-1
    static func reportFault(taskName: StaticString, task: Int, frame: UnsafeMutablePointer<UInt64>) {
        guard var console = faultConsole else { return }
        console.write("\nFAULT in task ")
        console.write(taskName)
        console.write(" (#")
        console.write(decimal: task)
        console.write("): ")
        #if arch(arm64)
        if a64WriteAbort(esr: orion_a64_esr(), far: orion_a64_far(), to: &console) { console.write("; ") }
        console.write("ESR_EL1=")
        console.write(hex: orion_a64_esr())
        console.write(" FAR_EL1=")
        console.write(hex: orion_a64_far())
        console.write(" ELR_EL1=")
        console.write(hex: frame[32])
        console.write(" SP_EL0=")
        console.write(hex: frame[31])
        let registers = 31
        #elseif arch(riscv64)
        rvDescribeFault(&console, frame: frame)
        let registers = 32
        #else
        let registers = 0
        #endif
        console.newline()
        writeRegisters(frame, count: registers, to: &console)
        console.write("task stopped; the others keep running\n")
        faultConsole = console
    }
}
