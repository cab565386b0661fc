// The task world on a board: builds a static task set for the portable kernel, runs it with tasks
// unprivileged (EL0 / U-mode), and connects traps, the one-shot timer and the idle loop to the kernel.

import BoardBoot
import Kernel
import RealTime

/// How a task set's run ended.
public enum TaskSetEnd: Equatable {
    /// Every task exited or faulted.
    case allTasksEnded
    /// Live tasks remain but none can ever run again (all blocked on IPC).
    case deadlock
    /// The time limit passed first.
    case timeLimit
    /// Admission control refused the task table (it is not schedulable); nothing ran.
    case refused
}

/// What a task set's run reports.
public struct TaskSetReport {
    /// Why it ended.
    public var end: TaskSetEnd
    /// Time from start to end, ns.
    public var elapsedNs: UInt64
}

/// Why a task set could not be started.
public enum TaskSetError: Error {
    /// The kernel refused a declaration.
    case declaration(TaskDeclarationError)
    /// The stacks do not fit the stack pool.
    case stackPoolExhausted
    /// The kernel refused an interrupt binding.
    case interrupt(InterruptBindingError)
    /// A protection domain or region grant was refused.
    case memory(RegionError)
}

/// Which kernel instance owns the task world.
enum ActiveKernel { case none, fixedPriority, edf }

nonisolated(unsafe) var activeKernel = ActiveKernel.none
nonisolated(unsafe) var taskNames: InlineArray<64, StaticString>? = nil

/// What a task starts from, kept so that a supervisor's restart can start it again.
struct TaskImage {
    var entry: TaskEntry? = nil
    var argument: UInt = 0
    var stackBase: UInt = 0
    var stackBytes: Int = 0
}

nonisolated(unsafe) var taskImages: InlineArray<64, TaskImage>? = nil
nonisolated(unsafe) var taskWorldEndNs: UInt64 = 0
nonisolated(unsafe) var taskWorldEnd = TaskSetEnd.allTasksEnded
nonisolated(unsafe) var runtimeFrequencyHz: UInt64 = 1
/// Counter ticks to nanoseconds, the same conversion the tasks make in `Sys.now()` (they get `encoded` in a
/// register: TPIDRRO_EL0 on aarch64, `tp` on riscv64).
nonisolated(unsafe) var runtimeClock = CounterClock(frequencyHz: 1)

/// Gives generic code in-place access to the kernel state of one policy, which lives in static storage
/// (`orion_kernel_storage`): traps mutate it through a pointer, never by copying it.
protocol KernelSlot {
    associatedtype Policy: SchedulingPolicy
}

extension KernelSlot {
    /// The kernel state (valid while this policy's task set runs).
    @inline(__always)
    static var state: UnsafeMutablePointer<KernelState<Policy>> {
        orion_kernel_storage_base().assumingMemoryBound(to: KernelState<Policy>.self)
    }

    /// Runs `body` on the kernel state in place.
    @inline(__always)
    static func with<R>(_ body: (inout KernelState<Policy>) -> R) -> R { body(&state.pointee) }

    /// Builds a fresh kernel state in the storage; false if it does not fit.
    static func reset() -> Bool {
        guard MemoryLayout<KernelState<Policy>>.size <= Int(orion_kernel_storage_size()) else { return false }
        state.initialize(to: KernelState<Policy>())
        return true
    }
}

enum FixedPrioritySlot: KernelSlot {
    typealias Policy = FixedPriorityPolicy
}

enum EDFSlot: KernelSlot {
    typealias Policy = EDFPolicy
}

// MARK: Public entry points

/// Runs a fixed-priority task set: `setup` declares tasks and installs capabilities; the run ends when every
/// task has ended, when all are blocked for good, or after `limitNs`. `inspect` sees the kernel afterwards.
public func runFixedPriorityTaskSet(
    _ system: inout System, limitNs: UInt64,
    setup: (inout KernelState<FixedPriorityPolicy>, inout TaskSetBuilder) -> Void,
    inspect: (inout KernelState<FixedPriorityPolicy>) -> Void = { _ in }
) -> TaskSetReport {
    guard FixedPrioritySlot.reset() else { return TaskSetReport(end: .allTasksEnded, elapsedNs: 0) }
    activeKernel = .fixedPriority
    let report = runTaskSet(FixedPrioritySlot.self, &system, limitNs: limitNs, setup: setup)
    FixedPrioritySlot.with { inspect(&$0) }
    activeKernel = .none
    return report
}

/// Runs an EDF task set (see `runFixedPriorityTaskSet`).
public func runEDFTaskSet(
    _ system: inout System, limitNs: UInt64,
    setup: (inout KernelState<EDFPolicy>, inout TaskSetBuilder) -> Void,
    inspect: (inout KernelState<EDFPolicy>) -> Void = { _ in }
) -> TaskSetReport {
    guard EDFSlot.reset() else { return TaskSetReport(end: .allTasksEnded, elapsedNs: 0) }
    activeKernel = .edf
    let report = runTaskSet(EDFSlot.self, &system, limitNs: limitNs, setup: setup)
    EDFSlot.with { inspect(&$0) }
    activeKernel = .none
    return report
}

/// Declares tasks into the kernel and prepares their stacks and first register frames.
public struct TaskSetBuilder {
    var stackOffset = 0
    /// An area every task declared from now on is granted (read, write) in `everyTaskSlot`.
    var everyTaskArea: MemoryArea? = nil
    var everyTaskSlot: CapSlot = 0
    /// The first error met, if any (later declarations are then ignored).
    public internal(set) var error: TaskSetError?

    /// Declares `descriptor`; returns its ID, or nil after an error.
    /// Its protection domain: all code (read, execute), read-only data, and its stack (read, write) above an
    /// unmapped guard page; stacks are whole pages.
    @discardableResult
    public mutating func declare<P: SchedulingPolicy>(_ descriptor: TaskDescriptor, in kernel: inout KernelState<P>) -> TaskID? {
        guard error == nil else { return nil }
        let page = Int(PageGeometry.pageSize)
        let size = (max(descriptor.stackBytes, 1024) + page - 1) & ~(page - 1)
        guard stackOffset + page + size <= 1024 * 1024 else {
            error = .stackPoolExhausted
            return nil
        }
        let id: TaskID
        do throws(TaskDeclarationError) {
            id = try kernel.declare(descriptor)
        } catch {
            self.error = .declaration(error)
            return nil
        }
        stackOffset += page  // the guard page below the stack stays unmapped
        let stackBase = UInt(orion_task_stack_base()) + UInt(stackOffset)
        stackOffset += size
        let stackTop = stackBase + UInt(size)
        TaskFrames.prepare(id.index, entry: descriptor.entry, argument: descriptor.argument, stackTop: stackTop)
        #if hasFeature(Embedded)
        do throws(RegionError) {
            try kernel.addToDomain(id, ImageLayout.code)
            try kernel.addToDomain(id, ImageLayout.readOnlyData)
            try kernel.addToDomain(id, MemoryArea(base: UInt64(stackBase), size: UInt64(size), access: .readWrite, owner: .user))
        } catch {
            self.error = .memory(error)
            return nil
        }
        #endif
        if let area = everyTaskArea { grant(area, rights: Rights.read.union(.write), to: id, slot: everyTaskSlot, in: &kernel) }
        if taskImages == nil { taskImages = InlineArray<64, TaskImage>(repeating: TaskImage()) }
        taskImages![id.index] = TaskImage(entry: descriptor.entry, argument: descriptor.argument, stackBase: stackBase, stackBytes: size)
        if taskNames == nil { taskNames = InlineArray<64, StaticString>(repeating: "") }
        taskNames![id.index] = descriptor.name
        return id
    }

    /// Binds device interrupt `line` (GIC INTID / PLIC source) to notification `notification`: when it
    /// fires, the kernel masks it and signals `bits`. Returns the binding index for an `.interrupt`
    /// capability (`interruptAck` unmasks the line), or nil after an error (printed, and nothing runs).
    @discardableResult
    public mutating func bindInterrupt<P: SchedulingPolicy>(line: UInt32, notification: Int, bits: UInt64,
                                                             in kernel: inout KernelState<P>) -> Int? {
        guard error == nil else { return nil }
        do throws(InterruptBindingError) {
            return try kernel.bindInterrupt(line: line, notification: notification, bits: bits)
        } catch {
            self.error = .interrupt(error)
            return nil
        }
    }
}

// MARK: Running

func runTaskSet<Slot: KernelSlot>(
    _ slot: Slot.Type, _ system: inout System, limitNs: UInt64,
    setup: (inout KernelState<Slot.Policy>, inout TaskSetBuilder) -> Void
) -> TaskSetReport {
    runtimeFrequencyHz = system.platform.timerFrequencyHz ?? 1
    runtimeClock = CounterClock(frequencyHz: runtimeFrequencyHz)
    taskFrameBase = orion_task_frame(0)
    #if arch(riscv64)
    rvUseSstc = system.platform.hasSstc
    #endif
    var builder = TaskSetBuilder()
    Slot.with { setup(&$0, &builder) }
    if let error = builder.error {
        system.console.write("task set rejected: ")
        switch error {
        case .stackPoolExhausted: system.console.write("stacks exceed the 1 MiB pool")
        case .declaration(let reason):
            switch reason {
            case .tooManyTasks: system.console.write("more than 64 tasks")
            case .budgetWithoutPeriod: system.console.write("a budget without a period")
            case .deadlineAfterPeriod: system.console.write("a deadline after the period")
            }
        case .interrupt(let reason):
            switch reason {
            case .tooManyBindings: system.console.write("more than 8 interrupt bindings")
            case .lineAlreadyBound: system.console.write("an interrupt line bound twice")
            case .invalidNotification: system.console.write("an interrupt bound to no notification")
            case .noBits: system.console.write("an interrupt binding without bits")
            }
        case .memory(let reason):
            system.console.write("memory: ")
            switch reason {
            case .tooManyRegions: system.console.write("more than 16 memory regions")
            case .invalidArgument: system.console.write("a region grant names no region or task, or no rights")
            case .domain(.full): system.console.write("a task's domain holds more than 12 ranges")
            case .domain(.misaligned): system.console.write("a range is not whole pages")
            case .domain(.writableAndExecutable): system.console.write("a range is writable and executable")
            case .domain(.overlaps): system.console.write("a task is granted overlapping ranges")
            case .capability: system.console.write("the region capability's slot is taken")
            }
        }
        system.console.newline()
        return TaskSetReport(end: .allTasksEnded, elapsedNs: 0)
    }
    guard Slot.with({ admit($0, console: &system.console) }) else {
        return TaskSetReport(end: .refused, elapsedNs: 0)
    }
    #if arch(riscv64) || arch(arm64)
    guard Slot.with({ Arch.buildAddressSpaces(&$0, taskCount: $0.taskCount) }) else {
        return TaskSetReport(end: .allTasksEnded, elapsedNs: 0)
    }
    #endif
    var lines = InlineArray<8, UInt32>(repeating: 0)
    let lineCount = Slot.with { kernel in
        var i = 0
        while i < kernel.interruptCount {
            lines[i] = kernel.interrupts[i].line
            i += 1
        }
        return i
    }
    Arch.enterTaskWorld(lines: lines, count: lineCount)
    armedTimerTicks = 0
    let start = runtimeNowNs()
    taskWorldEndNs = start &+ limitNs
    taskWorldEnd = .allTasksEnded
    taskWorldFirst = Slot.with { $0.start(nowNs: start) }
    Arch.runTasks()
    let elapsed = runtimeNowNs() &- start
    Arch.leaveTaskWorld(system: system, lines: lines, count: lineCount)
    return TaskSetReport(end: taskWorldEnd, elapsedNs: elapsed)
}

/// Nanoseconds since boot from the architecture's counter.
func runtimeNowNs() -> UInt64 { runtimeNs(ticks: systemCounter()) }

/// Nanoseconds in `ticks` counter ticks (a counter value, or a difference of two).
@inline(__always)
func runtimeNs(ticks counter: UInt64) -> UInt64 {
    runtimeClock.nanoseconds(ticks: counter)  // one multiplication on the QEMU boards (a whole number of ns a tick)
}

/// Counter ticks at `ns` (rounded up so the timer never fires early).
func ticks(atNs ns: UInt64) -> UInt64 {
    runtimeClock.ticks(atNs: ns)
}

/// Picks the frame to resume: waits (interrupts masked, WFI) while nothing is ready, writes pending system
/// call results into the chosen task's frame, programs the one-shot timer, or leaves the task world.
func resume<Slot: KernelSlot>(_ slot: Slot.Type, _ chosen: TaskID?) -> UnsafeMutablePointer<UInt64> {
    var decision = chosen
    while true {
        drainEvents(Slot.self)
        while let task = Slot.with({ $0.takeRestartRequest() }) { restartTaskImage(Slot.self, task.index) }
        while let line = Slot.with({ $0.takeLineToUnmask() }) { Arch.unmaskInterrupt(line) }
        let now = runtimeNowNs()
        if now >= taskWorldEndNs {
            taskWorldEnd = .timeLimit
            Arch.returnToBoot()
        }
        if decision != nil { break }
        let (live, progress) = Slot.with { ($0.liveTasks, $0.canProgress) }
        if live == 0 {
            taskWorldEnd = .allTasksEnded
            Arch.returnToBoot()
        }
        if !progress {
            taskWorldEnd = .deadlock
            Arch.returnToBoot()
        }
        programTimer(Slot.self)
        if let line = Arch.waitForInterrupt() {
            decision = Slot.with { $0.interrupt(line: line, nowNs: runtimeNowNs()) }
        } else {
            let counter = systemCounter()  // first thing after the idle wait saw the timer fire
            probeTimerLatency(counter: counter)
            armedTimerTicks = 0
            let now = runtimeNs(ticks: counter)
            if let fast = Slot.state.pointee.fastTimer(nowNs: now) { return fastResume(Slot.self, fast) }
            decision = Slot.with { $0.timerInterrupt(nowNs: now) }
        }
    }
    guard let next = decision else { Arch.returnToBoot() }
    if let (r0, r1, words) = Slot.with({ $0.takeResultAndWords(of: next) }) {
        TaskFrames.setResult(next.index, r0, r1)
        if words { TaskFrames.setWords(next.index, Slot.with { $0.tasks[next.index].shortWords }) }
    }
    programTimer(Slot.self)
    return TaskFrames.frame(next.index)
}

/// Starts task `index` again from its image after the kernel restarted it (a supervisor's `restartTask`):
/// its stack zeroed (through the task's own address space, as every copy into task memory), its frame back at
/// the entry with its argument (keeping the translation base in word 100). Bounded by the stack size.
// @implements SWR-KERN-MEM-4
func restartTaskImage<Slot: KernelSlot>(_ slot: Slot.Type, _ index: Int) {
    guard let images = taskImages, let entry = images[index].entry else { return }
    let image = images[index]
    var zeros: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    withUnsafeBytes(of: &zeros) { raw in
        var done = 0
        while done < image.stackBytes {
            Slot.with { $0.zeroTaskMemory(TaskID(UInt8(index)), image.stackBase + UInt(done), zeros: raw.baseAddress!, length: 64) }
            done += 64
        }
    }
    let translation = TaskFrames.frame(index)[100]
    TaskFrames.prepare(index, entry: entry, argument: image.argument, stackTop: image.stackBase + UInt(image.stackBytes))
    TaskFrames.frame(index)[100] = translation
}

/// The compare value the timer holds (0 after it fired): re-arming is skipped when nothing changed, which
/// saves an SBI call (an M-mode round trip) on most RISC-V kernel exits.
nonisolated(unsafe) var armedTimerTicks: UInt64 = 0

/// Arms the one-shot timer for the kernel's next deadline (never later than the end of the run).
func programTimer<Slot: KernelSlot>(_ slot: Slot.Type) {
    let deadline = min(Slot.with { $0.nextTimerDeadlineNs() } ?? UInt64.max, taskWorldEndNs)
    let target = ticks(atNs: deadline)
    if target != armedTimerTicks {
        Arch.setTimer(ticks: target)
        armedTimerTicks = target
        // Read after the write: a compare value the counter had already reached (or reached while the
        // write was under way, e.g. during the SBI call) is late.
        if timerLatencyProbe != nil { armedTimerLate = systemCounter() >= target }
    }
}

// MARK: Timer interrupt latency

/// Where timer-interrupt latencies go (`installTimerLatencyProbe`); nil when nobody measures them.
nonisolated(unsafe) var timerLatencyProbe: UnsafeMutablePointer<LatencyHistogram>? = nil

/// Whether the counter had already reached `armedTimerTicks` when it was written (kept only while a
/// probe is installed). Such a timer fires as soon as it is armed, not when the counter reaches it.
nonisolated(unsafe) var armedTimerLate = false

/// Measures timer-interrupt latency from now on into `probe` (nil: stop): the time from the moment the
/// counter reaches the one-shot timer's compare value to the moment the kernel handles the interrupt
/// (the top of the trap handler, which on the GIC boards runs after the acknowledge that tells the timer
/// from device lines, or the idle loop seeing the timer fire), in nanoseconds at the counter's resolution. The record must stay valid until the probe is removed; the kernel writes it with
/// interrupts masked, so read it only after the task set ended or the probe was removed.
///
/// A sample is taken only when the timer really fired for the deadline it holds: a compare value is armed
/// (not 0, which means it fired and was handled), the counter has reached it (not a spurious interrupt
/// taken for the timer), and it lay in the future when it was written (a deadline already past when armed
/// fires at once, and its distance to the deadline is the kernel's lateness, not interrupt latency).
/// A deadline that passes while the kernel runs with interrupts masked counts from the deadline: that
/// masked time is part of the latency. Costs one load and compare per timer interrupt when no probe is
/// installed.
public func installTimerLatencyProbe(_ probe: UnsafeMutablePointer<LatencyHistogram>?) {
    armedTimerLate = true  // the value armed now was written without a check
    timerLatencyProbe = probe
}

/// Records the latency of the timer interrupt being handled, `counter` being the counter read on entry.
@inline(__always)
func probeTimerLatency(counter: UInt64) {
    guard let probe = timerLatencyProbe else { return }
    let armed = armedTimerTicks
    guard armed != 0, !armedTimerLate, counter >= armed else { return }
    probe.pointee.record(nanoseconds: runtimeNs(ticks: counter &- armed))
}

/// Prints what the kernel logged since the last trap (overruns, misses, faults).
func drainEvents<Slot: KernelSlot>(_ slot: Slot.Type) {
    guard Slot.state.pointee.events.count > 0 else { return }
    while let event = Slot.with({ $0.events.next() }) {
        guard var console = faultConsole else { continue }
        switch event.kind {
        case .budgetOverrun: console.write("kernel: budget overrun, throttled: ")
        case .deadlineMiss: console.write("kernel: deadline miss: ")
        case .fault: console.write("kernel: task stopped after a fault: ")
        case .exit: continue
        }
        console.write(taskName(event.task.index))
        console.write(" at ")
        console.write(decimal: event.timeNs / 1000)
        console.write("us\n")
        faultConsole = console
    }
}

/// The declared name of task `index`.
func taskName(_ index: Int) -> StaticString {
    guard index >= 0, index < TaskID.capacity, let names = taskNames else { return "?" }
    return names[index]
}

/// A trap from a task: a system call, the timer, or a fault. Returns the frame to resume.
func handleTaskTrap<Slot: KernelSlot>(_ slot: Slot.Type, _ trap: TaskTrap, frame: UnsafeMutablePointer<UInt64>) -> UnsafeMutablePointer<UInt64> {
    let counter = systemCounter()
    let now = runtimeNs(ticks: counter)
    let next: TaskID?
    switch trap {
    case .syscall(let number, let args):
        if number == Syscall.debugWrite.rawValue, let caller = Slot.with({ $0.current }) {
            let ok = debugWrite(Slot.self, caller, address: UInt(args[0]), length: Int(clamping: args[1]))
            TaskFrames.setResult(caller.index, ok ? 0 : -SyscallError.badAddress.rawValue, 0)
            return frame
        }
        if number == Syscall.exitMachine.rawValue, let caller = Slot.with({ $0.current }),
           Slot.with({ $0.tasks[caller.index].privileged }) {
            GuestExit.exit(Int32(truncatingIfNeeded: args[0]), platform: Platform())
        }
        next = Slot.with { $0.syscall(number, args, nowNs: now) }
    case .timer:
        probeTimerLatency(counter: counter)
        armedTimerTicks = 0
        if let fast = Slot.state.pointee.fastTimer(nowNs: now) { return fastResume(Slot.self, fast) }
        next = Slot.with { $0.timerInterrupt(nowNs: now) }
    case .interrupt(let line):
        next = Slot.with { $0.interrupt(line: line, nowNs: now) }
    case .fault:
        let current = Slot.with { $0.current?.index ?? -1 }  // a fault comes from a running task
        Arch.reportFault(taskName: taskName(current), task: current, frame: frame)
        let info = Arch.faultInfo()
        next = Slot.with { $0.fault(nowNs: now, info: info) }
    }
    return resume(Slot.self, next)
}

/// The system-call fast path, called by the trap entry (aarch64-tasks.S, riscv64-tasks.S) for every system call
/// before the general handler: the frame to resume, or nil (nothing changed) for the general path.
/// `counter` is the system counter read on entry (CNTPCT_EL0 / `time`).
@_cdecl("orion_fast_syscall")
func orionFastSyscall(_ frame: UnsafeMutablePointer<UInt64>, _ counter: UInt64) -> UnsafeMutablePointer<UInt64>? {
    #if arch(arm64)
    return fastTaskSyscall(frame[8], SyscallArguments(frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]), counter: counter)
    #elseif arch(riscv64)
    guard let next = fastTaskSyscall(frame[17], SyscallArguments(frame[10], frame[11], frame[12], frame[13], frame[14], frame[15]),
                                     counter: counter) else {
        return nil
    }
    frame[32] &+= 4  // the caller goes on after its ecall, whenever it runs again
    return next
    #else
    return nil
    #endif
}

/// `orion_fast_syscall` for `callShort` only (the trap entry picks it by the call number): a function of its
/// own, so that the path does not pay for the registers every other call's path needs saved.
@_cdecl("orion_fast_call_short")
func orionFastCallShort(_ frame: UnsafeMutablePointer<UInt64>, _ counter: UInt64) -> UnsafeMutablePointer<UInt64>? {
    fastShortSyscall(Syscall.callShort.rawValue, frame, counter: counter)
}

/// `orion_fast_syscall` for `replyReceiveShort` only (see `orion_fast_call_short`).
@_cdecl("orion_fast_reply_receive_short")
func orionFastReplyReceiveShort(_ frame: UnsafeMutablePointer<UInt64>, _ counter: UInt64) -> UnsafeMutablePointer<UInt64>? {
    fastShortSyscall(Syscall.replyReceiveShort.rawValue, frame, counter: counter)
}

@inline(__always)
func fastShortSyscall(_ number: UInt64, _ frame: UnsafeMutablePointer<UInt64>, counter: UInt64) -> UnsafeMutablePointer<UInt64>? {
    switch activeKernel {
    case .fixedPriority: return fastShortSyscall(FixedPrioritySlot.self, number, frame, counter: counter)
    case .edf: return fastShortSyscall(EDFSlot.self, number, frame, counter: counter)
    case .none: return nil
    }
}

/// The short-message fast path for one kernel: written so that the path makes no call it must come back from
/// (the timer is re-armed by a tail call), so the compiler saves no registers for it.
@inline(__always)
func fastShortSyscall<Slot: KernelSlot>(_ slot: Slot.Type, _ number: UInt64, _ frame: UnsafeMutablePointer<UInt64>,
                                        counter: UInt64) -> UnsafeMutablePointer<UInt64>? {
    #if arch(arm64)
    let args = SyscallArguments(frame[0], frame[1], frame[2], frame[3], frame[4], frame[5])
    #elseif arch(riscv64)
    let args = SyscallArguments(frame[10], frame[11], frame[12], frame[13], frame[14], frame[15])
    #else
    let args = SyscallArguments()
    #endif
    guard let decision = Slot.state.pointee.fastSyscall(number, args, nowNs: runtimeNs(ticks: counter)) else { return nil }
    #if arch(riscv64)
    frame[32] &+= 4  // the caller goes on after its ecall, whenever it runs again
    #endif
    let next = decision.next
    if let (r0, r1, words) = Slot.state.pointee.takeResultAndWords(of: next) {
        TaskFrames.setResult(next.index, r0, r1)
        if words { TaskFrames.setWords(next.index, Slot.state.pointee.tasks[next.index].shortWords) }
    }
    let resume = TaskFrames.frame(next.index)
    if decision.timerMayMove { return programTimer(Slot.self, then: resume) }
    return resume
}

/// `programTimer`, then `frame` (a tail call for the fast paths).
@inline(never)
func programTimer<Slot: KernelSlot>(_ slot: Slot.Type, then frame: UnsafeMutablePointer<UInt64>) -> UnsafeMutablePointer<UInt64> {
    programTimer(Slot.self)
    return frame
}

/// The fast path for a system call (`KernelState.fastSyscall`): the frame to resume, or nil when the general
/// path must handle the call (nothing changed then). Skips what the general exit does for work only the
/// general path creates (events to print, restarts, lines to unmask, the end of the run, which the armed
/// timer catches), and re-arms the timer only when a task with a budget was switched.
@inline(__always)
func fastTaskSyscall(_ number: UInt64, _ args: SyscallArguments, counter: UInt64) -> UnsafeMutablePointer<UInt64>? {
    switch activeKernel {
    case .fixedPriority: return fastTaskSyscall(FixedPrioritySlot.self, number, args, counter: counter)
    case .edf: return fastTaskSyscall(EDFSlot.self, number, args, counter: counter)
    case .none: return nil
    }
}

@inline(__always)
func fastTaskSyscall<Slot: KernelSlot>(_ slot: Slot.Type, _ number: UInt64, _ args: SyscallArguments,
                                       counter: UInt64) -> UnsafeMutablePointer<UInt64>? {
    let now = runtimeNs(ticks: counter)
    guard let decision = Slot.state.pointee.fastSyscall(number, args, nowNs: now) else { return nil }
    return fastResume(Slot.self, decision)
}

/// The frame to resume after a fast-path decision: the next task's pending result written, the timer re-armed
/// if its deadline may have moved.
@inline(__always)
func fastResume<Slot: KernelSlot>(_ slot: Slot.Type, _ decision: FastPathDecision) -> UnsafeMutablePointer<UInt64> {
    let next = decision.next
    if let (r0, r1, words) = Slot.state.pointee.takeResultAndWords(of: next) {
        TaskFrames.setResult(next.index, r0, r1)
        if words { TaskFrames.setWords(next.index, Slot.state.pointee.tasks[next.index].shortWords) }
    }
    if decision.timerMayMove { programTimer(Slot.self) }
    return TaskFrames.frame(next.index)
}

/// What brought a task into the kernel.
enum TaskTrap {
    case syscall(UInt64, SyscallArguments)
    case timer
    /// A device interrupt line, already masked at the controller.
    case interrupt(UInt32)
    case fault
}

/// Writes the running task's text to the console (at most 256 bytes a call), copied in 64-byte pieces after
/// the range is checked against the task's domain; false (nothing written) when the task may not read it.
// @implements SWR-KERN-MEM-2
func debugWrite<Slot: KernelSlot>(_ slot: Slot.Type, _ task: TaskID, address: UInt, length: Int) -> Bool {
    let total = min(max(length, 0), 256)
    guard Slot.with({ $0.userCanAccess(task, address, length: total, .read) }) else { return false }
    guard var console = faultConsole else { return true }
    var piece: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    var done = 0
    while done < total {
        let n = min(64, total - done)
        withUnsafeMutableBytes(of: &piece) { raw in
            _ = Slot.with { $0.copyFromTask(task, address + UInt(done), to: raw.baseAddress!, length: n) }
            var i = 0
            while i < n {
                console.put(raw[i])
                i += 1
            }
        }
        done += n
    }
    faultConsole = console
    return true
}

nonisolated(unsafe) var taskWorldFirst: TaskID? = nil

/// Called by the run-tasks assembly once the boot context is saved: the frame of the first task.
@_cdecl("orion_task_world_first_frame")
func orionTaskWorldFirstFrame() -> UnsafeMutablePointer<UInt64> {
    switch activeKernel {
    case .fixedPriority: return resume(FixedPrioritySlot.self, taskWorldFirst)
    case .edf: return resume(EDFSlot.self, taskWorldFirst)
    case .none: Arch.returnToBoot()
    }
}

/// Dispatches a trap to the active kernel instance.
func handleTaskTrap(_ trap: TaskTrap, frame: UnsafeMutablePointer<UInt64>) -> UnsafeMutablePointer<UInt64> {
    switch activeKernel {
    case .fixedPriority: return handleTaskTrap(FixedPrioritySlot.self, trap, frame: frame)
    case .edf: return handleTaskTrap(EDFSlot.self, trap, frame: frame)
    case .none: return frame
    }
}

// MARK: Admission control

/// Runs the policy's schedulability analysis on the periodic tasks that declare a budget (the budget is
/// the WCET the kernel enforces) and refuses an unschedulable table, printing which task fails and by how
/// much. Tasks without a period or budget are not analysed (the kernel cannot bound them).
// @implements SWR-KERN-ADMIT-1
func admit<P: SchedulingPolicy>(_ kernel: borrowing KernelState<P>, console: inout Console) -> Bool {
    var set = AnalysisTaskSet()
    var index = InlineArray<64, Int>(repeating: 0)
    var t = 0
    while t < kernel.taskCount {
        let tcb = kernel.tasks[t]
        if tcb.periodNs != 0 && tcb.budgetNs != 0 {
            index[set.count] = t
            set.append(AnalysisTask(wcetNs: tcb.budgetNs, periodNs: tcb.periodNs, deadlineNs: tcb.relativeDeadlineNs,
                                    priority: tcb.basePriority))
        }
        t += 1
    }
    guard set.count > 0 else { return true }
    if P.ordersByDeadline {
        guard let verdict = try? EDFAnalysis.qpa(&set) else { return true }
        if verdict.schedulable { return true }
        console.write("admission: refused (edf): ")
        if let at = verdict.failingTimeNs, let demand = verdict.demandNs {
            console.write("demand ")
            console.write(decimal: demand / 1000)
            console.write("us exceeds the ")
            console.write(decimal: at / 1000)
            console.write("us available by ")
            console.write(decimal: (demand - at) / 1000)
            console.write("us\n")
        } else {
            console.write("utilization above 1\n")
        }
        return false
    }
    var ok = true
    var i = 0
    while i < set.count {
        let deadline = set[i].deadlineNs
        let result = FixedPriorityAnalysis.responseTime(&set, task: i)
        if !result.meets(deadline) {
            ok = false
            console.write("admission: refused (fp): task ")
            console.write(taskName(index[i]))
            if let worst = result.worstNs {
                console.write(" response ")
                console.write(decimal: worst / 1000)
                console.write("us exceeds its deadline ")
                console.write(decimal: deadline / 1000)
                console.write("us by ")
                console.write(decimal: (worst - deadline) / 1000)
                console.write("us\n")
            } else {
                console.write(" has no bounded response time (utilization above 1 at its level)\n")
            }
        }
        i += 1
    }
    return ok
}
