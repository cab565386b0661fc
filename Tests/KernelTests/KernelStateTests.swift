// The portable kernel driven on the host by a virtual clock: periodic task sets, budgets, preemption.

import Testing
@testable import Kernel

@_cdecl("kernel_test_noop") func kernelTestNoop(_ arg: UInt) {}

/// Runs periodic tasks that each need `wcet[i]` ns per job on the kernel with a virtual clock until `untilNs`.
/// A task "executes" by advancing the clock; finishing a job is the waitForNextPeriod system call.
func simulate<P: SchedulingPolicy>(_ kernel: inout KernelState<P>, wcet: [UInt64], untilNs: UInt64) {
    var remaining = wcet
    var now: UInt64 = 0
    var current = kernel.start(nowNs: now)
    var steps = 0
    while now < untilNs, steps < 1_000_000 {
        steps += 1
        let timer = kernel.nextTimerDeadlineNs() ?? UInt64.max
        if current == nil {
            guard timer != UInt64.max else { return }
            now = timer
            current = kernel.timerInterrupt(nowNs: now)
            continue
        }
        let c = current!.index
        let finish = now + remaining[c]
        if finish <= timer {
            now = finish
            remaining[c] = wcet[c]
            current = kernel.syscall(Syscall.waitForNextPeriod.rawValue, SyscallArguments(), nowNs: now)
        } else {
            remaining[c] -= timer - now
            now = timer
            current = kernel.timerInterrupt(nowNs: now)
        }
    }
}

let msNs: UInt64 = 1_000_000

@Suite("Kernel state")
struct KernelStateTests {
    @Test func startPicksTheMostUrgentTask() throws {
        var k = KernelState<FixedPriorityPolicy>()
        _ = try k.declare(TaskDescriptor(name: "a", entry: kernelTestNoop, priority: Priority(10)))
        _ = try k.declare(TaskDescriptor(name: "b", entry: kernelTestNoop, priority: Priority(20)))
        #expect(k.start(nowNs: 1000) == 1)
    }

    // @verifies SWR-KERN-SCHED-1
    @Test func edfMeetsEveryDeadlineAtHighUtilization() throws {
        var k = KernelState<EDFPolicy>()
        for period in [4 * msNs, 6 * msNs, 10 * msNs] {
            _ = try k.declare(TaskDescriptor(name: "t", entry: kernelTestNoop, periodNs: period))
        }
        // U = 1/4 + 2/6 + 3.9/10 = 0.973: schedulable by EDF, not by rate-monotonic priorities.
        simulate(&k, wcet: [1 * msNs, 2 * msNs, 3_900_000], untilNs: 600 * msNs)
        for i in 0..<3 {
            #expect(k.tasks[i].deadlineMisses == 0, "task \(i) missed \(k.tasks[i].deadlineMisses)")
            #expect(k.tasks[i].jobsCompleted > 50)
        }
    }

    @Test func fixedPriorityMissesWhatEDFMeets() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let periods = [4 * msNs, 6 * msNs, 10 * msNs]
        for (i, period) in periods.enumerated() {
            _ = try k.declare(TaskDescriptor(name: "t", entry: kernelTestNoop, priority: Priority(UInt8(30 - i)), periodNs: period))
        }
        simulate(&k, wcet: [1 * msNs, 2 * msNs, 3_900_000], untilNs: 600 * msNs)
        #expect(k.tasks[2].deadlineMisses > 0)
        #expect(k.tasks[0].deadlineMisses == 0)
    }

    // @verifies SWR-KERN-FAULT-1
    @Test func faultStopsOnlyTheFaultingTask() throws {
        var k = KernelState<FixedPriorityPolicy>()
        _ = try k.declare(TaskDescriptor(name: "bad", entry: kernelTestNoop, priority: Priority(20), periodNs: 4 * msNs))
        _ = try k.declare(TaskDescriptor(name: "good", entry: kernelTestNoop, priority: Priority(10), periodNs: 4 * msNs))
        #expect(k.start(nowNs: 0) == 0)
        // The high-priority task raises an exception 1 ms into its first job: it is stopped for good and the
        // other task runs at once.
        #expect(k.fault(nowNs: msNs) == 1)
        #expect(k.tasks[0].state == .faulted)
        // The survivor keeps its period; the faulted task is never released again.
        var now = msNs
        var current: TaskID? = 1
        for _ in 0..<5 {
            now += msNs / 2
            current = k.syscall(Syscall.waitForNextPeriod.rawValue, SyscallArguments(), nowNs: now)
            #expect(current == nil)
            let next = k.nextTimerDeadlineNs()
            #expect(next != nil)
            now = next ?? now
            current = k.timerInterrupt(nowNs: now)
            #expect(current == 1)
        }
        #expect(k.tasks[0].state == .faulted)
        #expect(k.tasks[1].jobsCompleted == 5)
        #expect(k.tasks[1].deadlineMisses == 0)
    }

    // @verifies SWR-KERN-BUDGET-1
    @Test func budgetThrottlesAnOverrunningTask() throws {
        var k = KernelState<FixedPriorityPolicy>()
        _ = try k.declare(TaskDescriptor(name: "greedy", entry: kernelTestNoop, priority: Priority(30), periodNs: 10 * msNs, budgetNs: 1 * msNs))
        _ = try k.declare(TaskDescriptor(name: "victim", entry: kernelTestNoop, priority: Priority(20), periodNs: 10 * msNs))
        simulate(&k, wcet: [12 * msNs, 2 * msNs], untilNs: 200 * msNs)
        #expect(k.tasks[0].budgetOverruns > 10)
        #expect(k.tasks[1].deadlineMisses == 0)
        // The throttled task got at most its budget per period.
        #expect(k.tasks[0].cpuNs <= 21 * msNs)
    }
}

@Suite("Kernel state, chatty tasks")
struct ChattyTests {
    /// Like `simulate`, but every task makes a `now` system call every 10 µs of its execution.
    @Test func edfWithFrequentSyscalls() throws {
        var k = KernelState<EDFPolicy>()
        for period in [4 * msNs, 6 * msNs, 10 * msNs] {
            _ = try k.declare(TaskDescriptor(name: "t", entry: kernelTestNoop, periodNs: period))
        }
        let wcet: [UInt64] = [1 * msNs, 1_500_000, 2_500_000]
        var remaining = wcet
        var now: UInt64 = 0
        var current = k.start(nowNs: now)
        while now < 300 * msNs {
            let timer = k.nextTimerDeadlineNs() ?? UInt64.max
            if current == nil { now = timer; current = k.timerInterrupt(nowNs: now); continue }
            let c = current!.index
            let step = min(10_000, remaining[c])
            if now + step > timer { remaining[c] -= timer - now; now = timer; current = k.timerInterrupt(nowNs: now); continue }
            now += step
            remaining[c] -= step
            if remaining[c] == 0 {
                remaining[c] = wcet[c]
                current = k.syscall(Syscall.waitForNextPeriod.rawValue, SyscallArguments(), nowNs: now)
            } else {
                current = k.syscall(Syscall.now.rawValue, SyscallArguments(), nowNs: now)
            }
        }
        for i in 0..<3 {
            #expect(k.tasks[i].deadlineMisses == 0, "task \(i): \(k.tasks[i].deadlineMisses) misses, cpu \(k.tasks[i].cpuNs)")
        }
    }
}

/// Drives system calls on the host as if the given task had trapped (it must be the running task).
extension KernelState {
    mutating func call(_ number: Syscall, _ a0: UInt64 = 0, _ a1: UInt64 = 0, _ a2: UInt64 = 0, _ a3: UInt64 = 0,
                       _ a4: UInt64 = 0, now: UInt64 = 0) -> TaskID? {
        syscall(number.rawValue, SyscallArguments(a0, a1, a2, a3, a4), nowNs: now)
    }
}

@Suite("Kernel IPC")
struct KernelIPCTests {
    func endpoint(_ index: UInt8, _ rights: Rights, badge: UInt64 = 0) -> Capability {
        Capability(object: ObjectRef(kind: .endpoint, index: index), rights: rights, badge: badge)
    }

    // @verifies SWR-KERN-IPC-1
    @Test func callReceiveReplyCopiesOnceAndInheritsPriority() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let server = try k.declare(TaskDescriptor(name: "server", entry: kernelTestNoop, priority: Priority(1)))
        let client = try k.declare(TaskDescriptor(name: "client", entry: kernelTestNoop, priority: Priority(30)))
        try? k.capabilities.install(endpoint(0, .read), at: SlotRef(task: server, slot: 0))
        try? k.capabilities.install(endpoint(0, .write, badge: 9), at: SlotRef(task: client, slot: 0))
        var message: [UInt8] = Array(0..<64)
        var serverBuffer = [UInt8](repeating: 0, count: 64)
        var reply = [UInt8](repeating: 0, count: 64)
        var answer: [UInt8] = Array(repeating: 0xAB, count: 16)
        let m = message.withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
        let sb = serverBuffer.withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
        let rb = reply.withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
        let ab = answer.withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
        #expect(k.start(nowNs: 0) == client)           // most urgent first
        // The client calls before the server waits: it blocks until the server receives.
        #expect(k.call(.call, 0, m, 64, rb, 64) == server)
        #expect(k.tasks[client.index].state == .blockedSend)
        #expect(k.call(.receive, 0, sb, 64) == server)
        #expect(k.takeResult(of: server)! == (64, 9))   // length and badge
        #expect(k.tasks[server.index].effectivePriority == Priority(30))  // serving a priority-30 client
        #expect(serverBuffer == message)
        #expect(k.call(.reply, ab, 16) == client)       // the client is more urgent than the server's own 1
        #expect(k.takeResult(of: client)! == (16, 0))
        #expect(reply.prefix(16).allSatisfy { $0 == 0xAB })
        #expect(k.tasks[server.index].effectivePriority == Priority(1))
        // Over 64 bytes is refused; a slot without the right is denied.
        #expect(k.call(.call, 0, m, 65, rb, 64) == client)
        #expect(k.takeResult(of: client)!.0 == -SyscallError.badLength.rawValue)
        #expect(k.call(.call, 5, m, 1, rb, 64) == client)
        #expect(k.takeResult(of: client)!.0 == -SyscallError.invalidCapability.rawValue)
        _ = (message, serverBuffer, reply, answer)
    }

    /// Inheritance follows a chain of servers: a client C calls server S1, which calls server S2. When a more
    /// urgent task D later waits on S1's endpoint, S1 (blocked on S2's reply) and S2 both rise to D's priority;
    /// when an even more urgent F waits while S1 is queued (not yet received) on S2's endpoint, S1's place in
    /// that queue and S2's priority follow F. Unwinding the replies drops each server back to what it still serves.
    // @verifies SWR-KERN-IPC-1
    @Test func inheritanceFollowsAChainOfServers() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let s2 = try k.declare(TaskDescriptor(name: "s2", entry: kernelTestNoop, priority: Priority(10)))
        let s1 = try k.declare(TaskDescriptor(name: "s1", entry: kernelTestNoop, priority: Priority(20)))
        let c = try k.declare(TaskDescriptor(name: "c", entry: kernelTestNoop, priority: Priority(30)))
        let d = try k.declare(TaskDescriptor(name: "d", entry: kernelTestNoop, priority: Priority(40)))
        let f = try k.declare(TaskDescriptor(name: "f", entry: kernelTestNoop, priority: Priority(50)))
        for client in [c, d, f] { try k.capabilities.install(endpoint(0, .write), at: SlotRef(task: client, slot: 0)) }
        try k.capabilities.install(endpoint(0, .read), at: SlotRef(task: s1, slot: 0))
        try k.capabilities.install(endpoint(1, .write), at: SlotRef(task: s1, slot: 1))
        try k.capabilities.install(endpoint(1, .read), at: SlotRef(task: s2, slot: 0))
        var buffers = [[UInt8]](repeating: [UInt8](repeating: 0, count: 8), count: 5)
        let address = (0..<5).map { i in buffers[i].withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) } }
        func priority(_ t: TaskID) -> Priority { k.tasks[t.index].effectivePriority }

        #expect(k.start(nowNs: 0) == f)
        #expect(k.call(.sleepUntil, 2 * msNs) == d)                   // f comes back at 2 ms
        #expect(k.call(.sleepUntil, 1 * msNs) == c)                   // d comes back at 1 ms
        #expect(k.call(.call, 0, address[2], 8, address[2], 8) == s1) // nobody receives yet: c queues
        #expect(k.call(.receive, 0, address[1], 8) == s1)             // s1 takes c's call
        #expect(priority(s1) == Priority(30))
        #expect(k.call(.call, 1, address[1], 8, address[1], 8) == s2) // s1 queues on s2's endpoint
        #expect(k.call(.receive, 0, address[0], 8) == s2)             // s2 takes s1's call
        #expect(priority(s2) == Priority(30))                             // through s1, from c

        // d wakes, preempts s2 and waits on s1's endpoint: s1 is blocked on s2's reply, so both rise.
        #expect(k.timerInterrupt(nowNs: 1 * msNs) == d)
        #expect(k.call(.call, 0, address[3], 8, address[3], 8, now: 1 * msNs) == s2)
        #expect(k.tasks[d.index].state == .blockedSend)
        #expect(priority(s1) == Priority(40))
        #expect(priority(s2) == Priority(40))

        // s2 replies; s1 (still serving c, with d waiting) calls s2 again while s2 is busy, not receiving.
        #expect(k.call(.reply, address[0], 8, now: 1 * msNs) == s1)
        #expect(priority(s2) == Priority(10))
        #expect(k.call(.call, 1, address[1], 8, address[1], 8, now: 1 * msNs) == s2)
        #expect(k.tasks[s1.index].state == .blockedSend)
        #expect(priority(s2) == Priority(40))                             // a waiting caller lifts s2 too

        // f wakes and waits on s1's endpoint: s1, queued on s2's endpoint, rises, and so does s2.
        #expect(k.timerInterrupt(nowNs: 2 * msNs) == f)
        #expect(k.call(.call, 0, address[4], 8, address[4], 8, now: 2 * msNs) == s2)
        #expect(priority(s1) == Priority(50))
        #expect(priority(s2) == Priority(50))

        // Unwind: s2 serves s1 and replies; s1 replies to c and keeps f's priority while f and d wait.
        #expect(k.call(.receive, 0, address[0], 8, now: 2 * msNs) == s2)
        #expect(k.call(.reply, address[0], 8, now: 2 * msNs) == s1)
        #expect(priority(s2) == Priority(10))
        #expect(k.call(.reply, address[1], 8, now: 2 * msNs) == s1)
        #expect(priority(s1) == Priority(50))
        #expect(k.call(.receive, 0, address[1], 8, now: 2 * msNs) == s1)  // f first: most urgent caller
        #expect(k.call(.reply, address[1], 8, now: 2 * msNs) == f)
        #expect(priority(s1) == Priority(40))                             // d still waits
        _ = buffers
    }

    /// Under EDF a server inherits its client's absolute deadline, and gives it back after the reply.
    // @verifies SWR-KERN-IPC-1
    @Test func edfServerInheritsTheClientsDeadline() throws {
        var k = KernelState<EDFPolicy>()
        let server = try k.declare(TaskDescriptor(name: "server", entry: kernelTestNoop, relativeDeadlineNs: 100 * msNs))
        let client = try k.declare(TaskDescriptor(name: "client", entry: kernelTestNoop, relativeDeadlineNs: 5 * msNs))
        try k.capabilities.install(endpoint(0, .read), at: SlotRef(task: server, slot: 0))
        try k.capabilities.install(endpoint(0, .write), at: SlotRef(task: client, slot: 0))
        var buffer = [UInt8](repeating: 0, count: 8)
        let b = buffer.withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
        #expect(k.start(nowNs: 0) == client)                          // the earlier deadline first
        #expect(k.call(.call, 0, b, 8, b, 8) == server)
        #expect(k.call(.receive, 0, b, 8) == server)
        #expect(k.tasks[server.index].effectiveDeadlineNs == k.tasks[client.index].deadlineNs)
        #expect(k.tasks[server.index].effectiveDeadlineNs < k.tasks[server.index].deadlineNs)
        #expect(k.call(.reply, b, 0) == client)
        #expect(k.tasks[server.index].effectiveDeadlineNs == k.tasks[server.index].deadlineNs)
        _ = buffer
    }

    @Test func notificationsAccumulateAndWakeTheMostUrgentWaiter() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let low = try k.declare(TaskDescriptor(name: "low", entry: kernelTestNoop, priority: Priority(5)))
        let high = try k.declare(TaskDescriptor(name: "high", entry: kernelTestNoop, priority: Priority(20)))
        let signaller = try k.declare(TaskDescriptor(name: "signaller", entry: kernelTestNoop, priority: Priority(1)))
        let note = ObjectRef(kind: .notification, index: 2)
        for task in [low, high] { try? k.capabilities.install(Capability(object: note, rights: .read, badge: 0), at: SlotRef(task: task, slot: 0)) }
        try? k.capabilities.install(Capability(object: note, rights: .write, badge: 0x100), at: SlotRef(task: signaller, slot: 0))
        #expect(k.start(nowNs: 0) == high)
        #expect(k.call(.wait, 0) == low)               // high blocks
        #expect(k.call(.wait, 0) == signaller)         // low blocks
        #expect(k.call(.signal, 0, 0x3) == high)       // the most urgent waiter wakes, with bits | badge
        #expect(k.takeResult(of: high)! == (0, 0x103))
        #expect(k.tasks[low.index].state == .blockedNotification)
    }

    @Test func queueBlocksWhenFullAndKeepsOrder() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let producer = try k.declare(TaskDescriptor(name: "producer", entry: kernelTestNoop, priority: Priority(20)))
        let consumer = try k.declare(TaskDescriptor(name: "consumer", entry: kernelTestNoop, priority: Priority(10)))
        let queue = ObjectRef(kind: .queue, index: 1)
        try? k.capabilities.install(Capability(object: queue, rights: .write, badge: 0), at: SlotRef(task: producer, slot: 0))
        try? k.capabilities.install(Capability(object: queue, rights: .read, badge: 0), at: SlotRef(task: consumer, slot: 0))
        var byte: [UInt8] = [0]
        var out: [UInt8] = [0xFF]
        let bp = byte.withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
        let op = out.withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
        #expect(k.start(nowNs: 0) == producer)
        for i in 0..<MessageQueueObject.capacity {
            byte[0] = UInt8(i)
            #expect(k.call(.queueSend, 0, bp, 1) == producer)
        }
        byte[0] = 99
        #expect(k.call(.queueSend, 0, bp, 1) == consumer)   // full: the producer blocks
        #expect(k.tasks[producer.index].state == .blockedQueueSend)
        #expect(k.call(.queueReceive, 0, op, 1) == producer)  // room again: the producer's message goes in
        #expect(out[0] == 0)
        #expect(k.takeResult(of: consumer)! == (1, 0))
        _ = byte
    }
}

@Suite("Kernel IPC wake-up order")
struct KernelWakeOrderTests {
    /// Random priorities block on one queue; each message then goes to the most urgent receiver still
    /// waiting (FIFO among equals), and no receiver ever holds more than one message (the queue's bound).
    // @verifies SWR-KERN-IPC-1
    @Test func queueReceiversWakeMostUrgentFirst() throws {
        var rng = SplitMix64(seed: 0x0A_11CE)
        for round in 0..<200 {
            var k = KernelState<FixedPriorityPolicy>()
            let receivers = 2 + Int(rng.next() % 10)
            var priorities: [UInt8] = []
            for _ in 0..<receivers {
                let p = UInt8(10 + rng.next() % 5)  // few levels, so ties happen
                priorities.append(p)
                _ = try k.declare(TaskDescriptor(name: "r", entry: kernelTestNoop, priority: Priority(p)))
            }
            let sender = try k.declare(TaskDescriptor(name: "s", entry: kernelTestNoop, priority: Priority(1)))
            let queue = ObjectRef(kind: .queue, index: 0)
            for i in 0..<receivers {
                try k.capabilities.install(Capability(object: queue, rights: .read), at: SlotRef(task: TaskID(UInt8(i)), slot: 0))
            }
            try k.capabilities.install(Capability(object: queue, rights: .write), at: SlotRef(task: sender, slot: 0))
            var buffers = [[UInt8]](repeating: [0xFF], count: receivers)
            var blockOrder: [Int] = []
            var current = k.start(nowNs: 0)
            // Every receiver runs (most urgent first) and blocks on the empty queue.
            while current != sender {
                let r = current!.index
                blockOrder.append(r)
                let address = buffers[r].withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
                current = k.call(.queueReceive, 0, address, 1)
            }
            // Expected wake order: by priority (high first), FIFO (block order) among equals.
            let expected = blockOrder.enumerated().sorted {
                priorities[$0.element] != priorities[$1.element] ? priorities[$0.element] > priorities[$1.element] : $0.offset < $1.offset
            }.map { $0.element }
            var woken: [Int] = []
            var byte: [UInt8] = [0]
            for m in 0..<receivers {
                byte[0] = UInt8(m)
                let address = byte.withUnsafeMutableBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
                #expect(k.current == sender, "round \(round)")
                let next = k.call(.queueSend, 0, address, 1)
                woken.append(next!.index)
                #expect(buffers[next!.index][0] == UInt8(m), "round \(round): receiver \(next) got the wrong message")
                // The woken receiver (more urgent than the sender) runs; let it end so the sender continues.
                #expect(k.call(.exitTask) == sender)
            }
            #expect(woken == expected, "round \(round): woke \(woken), expected \(expected)")
        }
    }
}
