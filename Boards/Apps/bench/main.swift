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
struct Bench {
    var start: UInt64 = 0
    var end: UInt64 = 0
    var stamp: UInt64 = 0
    var total: UInt64 = 0
    var worst: UInt64 = 0
    var count: UInt64 = 0
}

@inline(__always) func bench(_ arg: UInt) -> UnsafeMutablePointer<Bench> { UnsafeMutablePointer<Bench>(bitPattern: arg)! }

@_cdecl("bench_now") func benchNow(_ arg: UInt) {
    let b = bench(arg)
    b.pointee.start = Sys.now()
    var i = 0
    while i < rounds { _ = Sys.now(); i += 1 }
    b.pointee.end = Sys.now()
    b.pointee.count = UInt64(rounds) + 1
}

@_cdecl("bench_yield_first") func benchYieldFirst(_ arg: UInt) {
    let b = bench(arg)
    b.pointee.start = Sys.now()
    var i = 0
    while i < rounds { Sys.yield(); i += 1 }
}

@_cdecl("bench_yield_second") func benchYieldSecond(_ arg: UInt) {
    var i = 0
    while i < rounds { Sys.yield(); i += 1 }
    let b = bench(arg)
    b.pointee.end = Sys.now()
    b.pointee.count = UInt64(2 * rounds)
}

@_cdecl("bench_server") func benchServer(_ arg: UInt) {
    var buffer = InlineArray<64, UInt8>(repeating: 0)
    withUnsafeMutableBytes(of: &buffer) { b in
        var (length, _) = Sys.receive(0, buffer: b.baseAddress, capacity: 64)
        while length > 0 {
            (length, _) = Sys.replyReceive(message: b.baseAddress, length: Int(length), 0, buffer: b.baseAddress, capacity: 64)
        }
        _ = Sys.reply(message: nil, length: 0)
    }
}

@_cdecl("bench_client") func benchClient(_ arg: UInt) {
    let b = bench(arg)
    var message = InlineArray<64, UInt8>(repeating: 7)
    var reply = InlineArray<64, UInt8>(repeating: 0)
    withUnsafeMutableBytes(of: &message) { m in
        withUnsafeMutableBytes(of: &reply) { r in
            _ = Sys.call(0, message: m.baseAddress, length: 64, reply: r.baseAddress, replyCapacity: 64)  // warm up
            b.pointee.start = Sys.now()
            var i = 0
            while i < rounds {
                _ = Sys.call(0, message: m.baseAddress, length: 64, reply: r.baseAddress, replyCapacity: 64)
                i += 1
            }
            b.pointee.end = Sys.now()
            b.pointee.count = UInt64(rounds)
            _ = Sys.call(0, message: m.baseAddress, length: 0, reply: r.baseAddress, replyCapacity: 64)
        }
    }
}

@_cdecl("bench_waiter") func benchWaiter(_ arg: UInt) {
    let b = bench(arg)
    var i = 0
    while i < rounds {
        _ = Sys.wait(0)
        let latency = Sys.now() &- b.pointee.stamp
        b.pointee.total &+= latency
        b.pointee.worst = max(b.pointee.worst, latency)
        b.pointee.count += 1
        i += 1
    }
}

@_cdecl("bench_signaller") func benchSignaller(_ arg: UInt) {
    let b = bench(arg)
    var i = 0
    while i < rounds {
        b.pointee.stamp = Sys.now()
        _ = Sys.signal(0, bits: 1)
        i += 1
    }
}

@_cdecl("bench_sleeper") func benchSleeper(_ arg: UInt) {
    let b = bench(arg)
    var i = 0
    while i < rounds / 10 {
        let target = Sys.now() &+ 100_000
        Sys.sleep(untilNs: target)
        let latency = Sys.now() &- target
        b.pointee.total &+= latency
        b.pointee.worst = max(b.pointee.worst, latency)
        b.pointee.count += 1
        i += 1
    }
}

func printLine(_ system: UnsafeMutablePointer<System>, _ name: StaticString, _ value: UInt64) {
    system.pointee.console.write(name)
    system.pointee.console.write(": ")
    system.pointee.console.write(decimal: value)
    system.pointee.console.write(" ns\n")
}

/// Runs `body` with a fresh `Bench` in the shared pool (its address as the tasks' argument, its pages to grant
/// with `shareWithEveryTask`): the tasks reach only their own stacks and what they are granted.
func measure(_ system: UnsafeMutablePointer<System>, _ body: (UInt, MemoryArea, inout System) -> Void) -> Bench {
    var b = Bench()
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
            b.declare(TaskDescriptor(name: "now", entry: benchNow, argument: arg), in: &k)
        }
    }
    printLine(system, "syscall round trip (now)", (now.end &- now.start) / max(now.count, 1))

    let yield = measure(system) { arg, area, sys in
        _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
            b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
            b.declare(TaskDescriptor(name: "yield-1", entry: benchYieldFirst, argument: arg, priority: Priority(10)), in: &k)
            b.declare(TaskDescriptor(name: "yield-2", entry: benchYieldSecond, argument: arg, priority: Priority(10)), in: &k)
        }
    }
    printLine(system, "context switch (yield, same priority)", (yield.end &- yield.start) / max(yield.count, 1))

    let ipc = measure(system) { arg, area, sys in
        _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
            b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
            let server = b.declare(TaskDescriptor(name: "server", entry: benchServer, argument: arg, priority: Priority(20)), in: &k)
            let client = b.declare(TaskDescriptor(name: "client", entry: benchClient, argument: arg, priority: Priority(10)), in: &k)
            if let server { try? k.capabilities.install(Capability(object: ObjectRef(kind: .endpoint, index: 0), rights: .read, badge: 0), at: SlotRef(task: server, slot: 0)) }
            if let client { try? k.capabilities.install(Capability(object: ObjectRef(kind: .endpoint, index: 0), rights: .write, badge: 0), at: SlotRef(task: client, slot: 0)) }
        }
    }
    printLine(system, "ipc call+reply round trip (64 bytes)", (ipc.end &- ipc.start) / max(ipc.count, 1))

    let notify = measure(system) { arg, area, sys in
        _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
            b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
            let waiter = b.declare(TaskDescriptor(name: "waiter", entry: benchWaiter, argument: arg, priority: Priority(20)), in: &k)
            let signaller = b.declare(TaskDescriptor(name: "signaller", entry: benchSignaller, argument: arg, priority: Priority(10)), in: &k)
            if let waiter { try? k.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: 0), rights: .read, badge: 0), at: SlotRef(task: waiter, slot: 0)) }
            if let signaller { try? k.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: 0), rights: .write, badge: 0), at: SlotRef(task: signaller, slot: 0)) }
        }
    }
    printLine(system, "notification signal -> wake", notify.total / max(notify.count, 1))

    let timer = measure(system) { arg, area, sys in
        _ = runFixedPriorityTaskSet(&sys, limitNs: limit) { k, b in
            b.shareWithEveryTask(area, slot: CapSlot(benchSlot))
            b.declare(TaskDescriptor(name: "sleeper", entry: benchSleeper, argument: arg, priority: Priority(30)), in: &k)
        }
    }
    printLine(system, "timer interrupt -> task running", timer.total / max(timer.count, 1))
    printLine(system, "timer interrupt -> task running (max)", timer.worst)

    printLine(system, "fp pick-next (32 ready)", pickNext(FixedPriorityPolicy.self, system))
    printLine(system, "edf pick-next (32 ready)", pickNext(EDFPolicy.self, system))
    system.pointee.console.write("bench: done\n")
    return 0
}
#else
print("orion-app-bench is a board image: run it with `orion run --board qemu-virt-aarch64 --app bench --icount`")
#endif
