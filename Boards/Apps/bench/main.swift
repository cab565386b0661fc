// Guest app `bench`: kernel latency benchmarks, printed as `name: N ns` lines (Zephyr latency_measure style).
// Under `orion run --icount` virtual time is one ns per instruction, so the figures are instruction counts
// and repeat exactly.

import BoardBoot
import Kernel
import Boards

#if hasFeature(Embedded)

/// Rounds of each measurement.
var rounds: Int { 1000 }

/// The capability slot every benchmark task holds its `Bench` block in (slot 0 is the endpoint or notification).
var benchSlot: UInt8 { 15 }

/// Shared between the benchmark tasks and the printer: a block of the shared pool, granted to every task.
/// Every figure is a sample of the CPU's cycle counter, read in the task (`Sys.cycles()`, one count per
/// instruction under `--icount`), minus the cost of reading it (`overhead`).
struct Bench {
    /// Cycles at the start of the sample in flight (another task ends it).
    var stamp: UInt64 = 0
    var total: UInt64 = 0
    var worst: UInt64 = 0
    var best: UInt64 = UInt64.max
    var count: UInt64 = 0
    /// Cycles two back-to-back counter reads apart (subtracted from every sample).
    var overhead: UInt64 = 0
    /// Cycle count minus the virtual time in ns (the timer benchmark's calibration).
    var offset: UInt64 = 0
    /// Message length of the IPC benchmark.
    var length: Int = 0
    /// Set when the measuring task is done: the other tasks stop.
    var done: UInt64 = 0
    /// The IPC benchmark's buffers, filled here by the boot code: the tasks only name them (as seL4's benchmark
    /// tasks only set message registers), so they never use FP/SIMD and carry no FP state (lazy FP). The
    /// FP-task row measures what FP state adds.
    var message = InlineArray<64, UInt8>(repeating: 7)
    var reply = InlineArray<64, UInt8>(repeating: 0)
    var serverBuffer = InlineArray<64, UInt8>(repeating: 0)
    /// What the FP tasks compute (keeps their FP work).
    var fpValue: Double = 1

    mutating func record(_ cycles: UInt64) {
        let value = cycles > overhead ? cycles - overhead : 0
        total &+= value
        worst = max(worst, value)
        best = min(best, value)
        count += 1
    }

    /// Measures `overhead`: the least of a few empty samples.
    mutating func calibrate() {
        var least = UInt64.max
        var i = 0
        while i < 16 {
            let t0 = Sys.cycles()
            let t1 = Sys.cycles()
            least = min(least, t1 &- t0)
            i += 1
        }
        overhead = least
    }
}

@inline(__always) func bench(_ arg: UInt) -> UnsafeMutablePointer<Bench> { UnsafeMutablePointer<Bench>(bitPattern: arg)! }

@_cdecl("bench_now_user") func benchNowUser(_ arg: UInt) {
    let b = bench(arg)
    b.pointee.calibrate()
    var i = 0
    while i < rounds {
        let t0 = Sys.cycles()
        let value = Sys.now()
        let t1 = Sys.cycles()
        b.pointee.stamp &+= value  // keeps the read
        b.pointee.record(t1 &- t0)
        i += 1
    }
}

@_cdecl("bench_now_syscall") func benchNowSyscall(_ arg: UInt) {
    let b = bench(arg)
    b.pointee.calibrate()
    var i = 0
    while i < rounds {
        let t0 = Sys.cycles()
        let value = Sys.nowBySystemCall()
        let t1 = Sys.cycles()
        b.pointee.stamp &+= value
        b.pointee.record(t1 &- t0)
        i += 1
    }
}

/// Two of these at the same priority: each sample is one switch, from the yield of one to the other running.
@_cdecl("bench_yield") func benchYield(_ arg: UInt) {
    let b = bench(arg)
    if b.pointee.overhead == 0 { b.pointee.calibrate() }
    var i = 0
    while i < rounds {
        let now = Sys.cycles()
        if b.pointee.stamp != 0 { b.pointee.record(now &- b.pointee.stamp) }
        b.pointee.stamp = Sys.cycles()
        Sys.yield()
        i += 1
    }
    let now = Sys.cycles()
    if b.pointee.stamp != 0 && b.pointee.count < UInt64(2 * rounds) { b.pointee.record(now &- b.pointee.stamp) }
    b.pointee.stamp = 0
}

/// Two of these at the same priority, each with FP state (a floating-point step per round): what lazy FP
/// adds to a switch when both tasks use FP.
@_cdecl("bench_yield_fp") func benchYieldFP(_ arg: UInt) {
    let b = bench(arg)
    if b.pointee.overhead == 0 { b.pointee.calibrate() }
    var i = 0
    while i < rounds {
        let now = Sys.cycles()
        if b.pointee.stamp != 0 { b.pointee.record(now &- b.pointee.stamp) }
        b.pointee.fpValue = b.pointee.fpValue * 1.000_001 + 0.5
        b.pointee.stamp = Sys.cycles()
        Sys.yield()
        i += 1
    }
    let now = Sys.cycles()
    if b.pointee.stamp != 0 && b.pointee.count < UInt64(2 * rounds) { b.pointee.record(now &- b.pointee.stamp) }
    b.pointee.stamp = 0
}

@_cdecl("bench_server") func benchServer(_ arg: UInt) {
    let b = bench(arg)
    let m = withUnsafeMutablePointer(to: &b.pointee.serverBuffer) { UnsafeMutableRawPointer($0) }  // in the shared block: stable
    var (length, _) = Sys.receive(0, buffer: m, capacity: 64)
    while length >= 0 && b.pointee.done == 0 {
        (length, _) = Sys.replyReceive(message: m, length: Int(length), 0, buffer: m, capacity: 64)
    }
    _ = Sys.reply(message: nil, length: 0)
}

@_cdecl("bench_client") func benchClient(_ arg: UInt) {
    let b = bench(arg)
    b.pointee.calibrate()
    let length = b.pointee.length
    let m = withUnsafeMutablePointer(to: &b.pointee.message) { UnsafeMutableRawPointer($0) }  // in the shared block: stable
    let r = withUnsafeMutablePointer(to: &b.pointee.reply) { UnsafeMutableRawPointer($0) }  // in the shared block: stable
    _ = Sys.call(0, message: m, length: length, reply: r, replyCapacity: 64)  // warm up
    var i = 0
    while i < rounds {
        let t0 = Sys.cycles()
        _ = Sys.call(0, message: m, length: length, reply: r, replyCapacity: 64)
        let t1 = Sys.cycles()
        b.pointee.record(t1 &- t0)
        i += 1
    }
    b.pointee.done = 1
    _ = Sys.call(0, message: m, length: 0, reply: r, replyCapacity: 64)
}

/// The short-message server: the message and the reply in registers (`receiveShort`, `replyReceiveShort`),
/// as seL4's benchmark passes up to 4 message registers.
@_cdecl("bench_server_short") func benchServerShort(_ arg: UInt) {
    let b = bench(arg)
    var (length, _, words) = Sys.receiveShort(0)
    while length >= 0 && b.pointee.done == 0 {
        (length, _, words) = Sys.replyReceiveShort(words, length: Int(length), 0)
    }
    _ = Sys.reply(message: nil, length: 0)
}

@_cdecl("bench_client_short") func benchClientShort(_ arg: UInt) {
    let b = bench(arg)
    b.pointee.calibrate()
    let length = b.pointee.length
    let message = MessageWords(0x0707_0707_0707_0707, 0x0707_0707_0707_0707, 0x0707_0707_0707_0707, 0x0707_0707_0707_0707)
    _ = Sys.callShort(0, message, length: length)  // warm up
    var i = 0
    while i < rounds {
        let t0 = Sys.cycles()
        _ = Sys.callShort(0, message, length: length)
        let t1 = Sys.cycles()
        b.pointee.record(t1 &- t0)
        i += 1
    }
    b.pointee.done = 1
    _ = Sys.callShort(0, message, length: 0)
}

@_cdecl("bench_waiter") func benchWaiter(_ arg: UInt) {
    let b = bench(arg)
    b.pointee.calibrate()
    var i = 0
    while i < rounds {
        _ = Sys.wait(0)
        b.pointee.record(Sys.cycles() &- b.pointee.stamp)
        i += 1
    }
}

@_cdecl("bench_signaller") func benchSignaller(_ arg: UInt) {
    let b = bench(arg)
    var i = 0
    while i < rounds {
        b.pointee.stamp = Sys.cycles()
        _ = Sys.signal(0, bits: 1)
        i += 1
    }
}

/// Sleeps until absolute times (whole ticks of the counter, so the timer fires exactly then) and records
/// the cycles from that time to running again. The cycle counter is put on the time axis first: spin until
/// the clock ticks, and take the cycle count there (to within the few instructions of one spin).
@_cdecl("bench_sleeper") func benchSleeper(_ arg: UInt) {
    let b = bench(arg)
    let first = Sys.now()
    var edge = first
    while edge == first { edge = Sys.now() }
    b.pointee.offset = Sys.cycles() &- edge
    var i = 0
    while i < rounds / 10 {
        let target = Sys.now() &+ 100_000
        Sys.sleep(untilNs: target)
        let woke = Sys.cycles() &- b.pointee.offset
        b.pointee.record(woke &- target)
        i += 1
    }
    b.pointee.done = 1
}

/// A ready task that keeps the CPU busy (the timer interrupts it) until the measurement is done.
@_cdecl("bench_spinner") func benchSpinner(_ arg: UInt) {
    let b = bench(arg)
    while b.pointee.done == 0 {}
}

/// Prints `name: mean ns (min A, max B)`, or `name: mean ns` when the figure is one value.
func printLine(_ system: UnsafeMutablePointer<System>, _ name: StaticString, _ b: Bench) {
    system.pointee.console.write(name)
    system.pointee.console.write(": ")
    system.pointee.console.write(decimal: b.total / max(b.count, 1))
    system.pointee.console.write(" ns (min ")
    system.pointee.console.write(decimal: b.count == 0 ? 0 : b.best)
    system.pointee.console.write(", max ")
    system.pointee.console.write(decimal: b.worst)
    system.pointee.console.write(")\n")
}

func printLine(_ system: UnsafeMutablePointer<System>, _ name: StaticString, _ value: UInt64) {
    system.pointee.console.write(name)
    system.pointee.console.write(": ")
    system.pointee.console.write(decimal: value)
    system.pointee.console.write(" ns\n")
}

/// Runs `body` with a fresh `Bench` in the shared pool (its address as the tasks' argument, its pages to grant
/// with `shareWithEveryTask`): the tasks reach only their own stacks and what they are granted.
func measure(_ system: UnsafeMutablePointer<System>, length: Int = 0, _ body: (UInt, MemoryArea, inout System) -> Void) -> Bench {
    var b = Bench()
    b.length = length
    _ = withSharedMemory(&b) { p, area in body(UInt(bitPattern: p), area, &system.pointee) }
    return b
}

/// Cost of peek + remove + re-insert of the most urgent of 32 ready tasks, straight on the policy (EL1).
func pickNext<P: SchedulingPolicy>(_ policy: P.Type, _ system: UnsafeMutablePointer<System>) -> UInt64 {
    var ready = P()
    var urgencies = InlineArray<32, Urgency>(repeating: Urgency(priority: Priority(0), deadlineNs: 0))
    var i = 0
    var seed: UInt64 = 0x2545_F491_4F6C_DD1D
    while i < 32 {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        urgencies[i] = Urgency(priority: Priority(UInt8(truncatingIfNeeded: seed >> 58)), deadlineNs: seed >> 20)
        _ = ready.insert(TaskID(UInt8(i)), urgency: urgencies[i], atFront: false)
        i += 1
    }
    let start = system.pointee.counter()
    var n = 0
    while n < rounds {
        if let top = ready.peek() {
            _ = ready.remove(top)
            urgencies[top.index].deadlineNs &+= 1_000_000
            _ = ready.insert(top, urgency: urgencies[top.index], atFront: false)
        }
        n += 1
    }
    let ticks = system.pointee.counter() &- start
    return Nanoseconds(ticks: ticks, frequencyHz: system.pointee.platform.timerFrequencyHz ?? 1).value / UInt64(rounds)
}

@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    system.pointee.console.write("bench: kernel latency on ")
    system.pointee.console.write(system.pointee.board)
    system.pointee.console.write(" (ns; instructions under --icount)\n")
    let limit: UInt64 = 2_000_000_000

    let now = measure(system) { arg, area, sys in
        _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
            b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
            b.declare(TaskDescriptor(name: "now", entry: benchNowUser, argument: arg), in: &k)
        }
    }
    printLine(system, "now from user mode", now)

    let syscall = measure(system) { arg, area, sys in
        _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
            b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
            b.declare(TaskDescriptor(name: "now-syscall", entry: benchNowSyscall, argument: arg), in: &k)
        }
    }
    printLine(system, "syscall round trip (now)", syscall)

    let yield = measure(system) { arg, area, sys in
        _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
            b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
            b.declare(TaskDescriptor(name: "yield-1", entry: benchYield, argument: arg, priority: Priority(10)), in: &k)
            b.declare(TaskDescriptor(name: "yield-2", entry: benchYield, argument: arg, priority: Priority(10)), in: &k)
        }
    }
    printLine(system, "context switch (yield, same priority)", yield)

    let yieldFP = measure(system) { arg, area, sys in
        _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
            b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
            b.declare(TaskDescriptor(name: "yield-fp-1", entry: benchYieldFP, argument: arg, priority: Priority(10)), in: &k)
            b.declare(TaskDescriptor(name: "yield-fp-2", entry: benchYieldFP, argument: arg, priority: Priority(10)), in: &k)
        }
    }
    printLine(system, "context switch (yield, same priority, FP tasks)", yieldFP)

    // Through buffers (64, 32, 0 bytes), then in registers (32, 0 bytes).
    let lengths: InlineArray<5, Int> = [64, 32, 0, 32, 0]
    for index in lengths.indices {
        let length = lengths[index]
        let short = index >= 3
        let ipc = measure(system, length: length) { arg, area, sys in
            _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
                b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
                let server = b.declare(TaskDescriptor(name: "server", entry: short ? benchServerShort : benchServer, argument: arg,
                                                      priority: Priority(20)), in: &k)
                let client = b.declare(TaskDescriptor(name: "client", entry: short ? benchClientShort : benchClient, argument: arg,
                                                      priority: Priority(10)), in: &k)
                if let server { try? k.capabilities.install(Capability(object: ObjectRef(kind: .endpoint, index: 0), rights: .read, badge: 0), at: SlotRef(task: server, slot: 0)) }
                if let client { try? k.capabilities.install(Capability(object: ObjectRef(kind: .endpoint, index: 0), rights: .write, badge: 0), at: SlotRef(task: client, slot: 0)) }
            }
        }
        switch (length, short) {
        case (64, _): printLine(system, "ipc call+reply round trip (64 bytes)", ipc)
        case (32, false): printLine(system, "ipc call+reply round trip (32 bytes)", ipc)
        case (_, false): printLine(system, "ipc call+reply round trip (0 bytes)", ipc)
        case (32, true): printLine(system, "ipc call+reply round trip (32 bytes in registers)", ipc)
        default: printLine(system, "ipc call+reply round trip (0 bytes in registers)", ipc)
        }
    }

    let notify = measure(system) { arg, area, sys in
        _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
            b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
            let waiter = b.declare(TaskDescriptor(name: "waiter", entry: benchWaiter, argument: arg, priority: Priority(20)), in: &k)
            let signaller = b.declare(TaskDescriptor(name: "signaller", entry: benchSignaller, argument: arg, priority: Priority(10)), in: &k)
            if let waiter { try? k.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: 0), rights: .read, badge: 0), at: SlotRef(task: waiter, slot: 0)) }
            if let signaller { try? k.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: 0), rights: .write, badge: 0), at: SlotRef(task: signaller, slot: 0)) }
        }
    }
    printLine(system, "notification signal -> wake", notify)

    // Timer interrupt -> task running with 1, 8 and 32 ready tasks: the sleeper alone (the CPU idles until
    // the timer), then with 7 and 31 spinners ready at a lower priority (the timer interrupts one of them).
    let readyCounts: InlineArray<3, Int> = [1, 8, 32]
    for index in readyCounts.indices {
        let ready = readyCounts[index]
        let timer = measure(system) { arg, area, sys in
            _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
                b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
                b.declare(TaskDescriptor(name: "sleeper", entry: benchSleeper, argument: arg, stackBytes: 4096, priority: Priority(30)), in: &k)
                var spinners = 1
                while spinners < ready {
                    b.declare(TaskDescriptor(name: "spinner", entry: benchSpinner, argument: arg, stackBytes: 4096, priority: Priority(5)), in: &k)
                    spinners += 1
                }
            }
        }
        switch ready {
        case 1: printLine(system, "timer interrupt -> task running", timer)
        case 8: printLine(system, "timer interrupt -> task running (8 ready)", timer)
        default: printLine(system, "timer interrupt -> task running (32 ready)", timer)
        }
    }

    printLine(system, "fp pick-next (32 ready)", pickNext(FixedPriorityPolicy.self, system))
    printLine(system, "edf pick-next (32 ready)", pickNext(EDFPolicy.self, system))
    system.pointee.console.write("bench: done\n")
    return 0
}
#else
print("orion-app-bench is a board image: run it with `orion run --board qemu-virt-aarch64 --app bench --icount`")
#endif
