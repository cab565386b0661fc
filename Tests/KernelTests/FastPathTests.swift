// The kernel's fast path (`KernelState.fastSyscall`) against its general path: for every case the fast path
// short-cuts (inheritance, budgets, revoked capabilities, a restarted server, a bad pointer) the result must be
// exactly the general path's. Named cases check which path is taken; the differential test drives two kernels
// through the same random system calls — one trying the fast path first, as the boards do, one general only —
// and compares their whole observable state after every step.

import Testing
@testable import Kernel

@_cdecl("kernel_fastpath_test_noop") func fastPathTestNoop(_ arg: UInt) {}

/// Tries the fast path first and falls back to the general one, as the boards' trap handlers do.
extension KernelState {
    mutating func board(_ number: Syscall, _ a0: UInt64 = 0, _ a1: UInt64 = 0, _ a2: UInt64 = 0, _ a3: UInt64 = 0,
                        _ a4: UInt64 = 0, _ a5: UInt64 = 0, now: UInt64 = 0) -> (next: TaskID?, fast: Bool) {
        let args = SyscallArguments(a0, a1, a2, a3, a4, a5)
        if let decision = fastSyscall(number.rawValue, args, nowNs: now) { return (decision.next, true) }
        return (syscall(number.rawValue, args, nowNs: now), false)
    }
}

/// A server (priority 5, endpoint 0 to receive on), two clients and a waiter, each task with one page of its own
/// (its only domain range: protection is on), endpoint and notification capabilities in slots 0 and 1.
final class FastPathWorld {
    var k = KernelState<FixedPriorityPolicy>()
    let pages = HostPages(4)
    let server: TaskID, client: TaskID, other: TaskID, waiter: TaskID

    init(clientBudgetNs: UInt64 = 0) throws {
        server = try k.declare(TaskDescriptor(name: "server", entry: fastPathTestNoop, priority: Priority(5)))
        client = try k.declare(TaskDescriptor(name: "client", entry: fastPathTestNoop, priority: Priority(20),
                                               periodNs: clientBudgetNs == 0 ? 0 : 10 * msNs, budgetNs: clientBudgetNs))
        other = try k.declare(TaskDescriptor(name: "other", entry: fastPathTestNoop, priority: Priority(20)))
        waiter = try k.declare(TaskDescriptor(name: "waiter", entry: fastPathTestNoop, priority: Priority(30)))
        for (i, t) in [server, client, other, waiter].enumerated() {
            try k.addToDomain(t, MemoryArea(base: pages.page(i), size: page, access: .readWrite, owner: .user))
        }
        try k.capabilities.install(Capability(object: ObjectRef(kind: .endpoint, index: 0), rights: .read), at: SlotRef(task: server, slot: 0))
        for t in [client, other] {
            try k.capabilities.install(Capability(object: ObjectRef(kind: .endpoint, index: 0), rights: .write, badge: 7),
                                       at: SlotRef(task: t, slot: 0))
            try k.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: 0), rights: .write),
                                       at: SlotRef(task: t, slot: 1))
        }
        try k.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: 0), rights: .read), at: SlotRef(task: waiter, slot: 1))
    }

    /// Address of byte `offset` of task `t`'s page.
    func buffer(_ t: TaskID, _ offset: UInt64 = 0) -> UInt64 { pages.page(t.index) + offset }
    func bytes(_ t: TaskID, _ offset: Int, _ count: Int) -> [UInt8] {
        (0..<count).map { pages.base.load(fromByteOffset: t.index * 4096 + offset + $0, as: UInt8.self) }
    }
    func fill(_ t: TaskID, _ offset: Int, _ values: [UInt8]) {
        for (i, v) in values.enumerated() { pages.base.storeBytes(of: v, toByteOffset: t.index * 4096 + offset + i, as: UInt8.self) }
    }

    /// Starts the set, lets the waiter block, and puts the server in `receive`: the client runs at 1000, `other`
    /// sleeps until 2000.
    func serverWaiting() {
        #expect(k.start(nowNs: 0) == waiter)
        #expect(k.board(.wait, 1, now: 10).next == client)
        // The client and `other` (priority 20) run before the server: make them sleep until the server waits.
        #expect(k.board(.sleepUntil, 1000, now: 20).next == other)
        #expect(k.board(.sleepUntil, 2000, now: 30).next == server)
        #expect(k.board(.receive, 0, buffer(server), 64, now: 40).next == nil)
        #expect(k.timerInterrupt(nowNs: 1000) == client)
    }
}

/// Timer interrupts the differential test took on the fast path (its tests run one at a time per seed).
nonisolated(unsafe) var timerFastHits = 0

@Suite("Kernel fast path", .serialized)
struct FastPathTests {
    // @verifies SWR-KERN-IPC-1
    @Test func callAndReplyReceiveTakeTheFastPathWithInheritance() throws {
        let w = try FastPathWorld()
        w.serverWaiting()
        w.fill(w.client, 0, Array(1...32))
        // call: the waiting server gets the message and the client's priority, and runs at once.
        let call = w.k.board(.call, 0, w.buffer(w.client), 32, w.buffer(w.client, 512), 64, now: 1100)
        #expect(call.fast && call.next == w.server)
        #expect(w.k.takeResult(of: w.server)! == (32, 7))
        #expect(w.bytes(w.server, 0, 32) == Array(1...32))
        #expect(w.k.tasks[w.server.index].effectivePriority == Priority(20))
        #expect(w.k.tasks[w.client.index].state == .blockedReply)
        // replyReceive: the reply lands in the client's buffer, the server drops back to 5 and waits again.
        w.fill(w.server, 100, [9, 8, 7])
        let answer = w.k.board(.replyReceive, w.buffer(w.server, 100), 3, 0, w.buffer(w.server), 64, now: 1200)
        #expect(answer.fast && answer.next == w.client)
        #expect(w.k.takeResult(of: w.client)! == (3, 0))
        #expect(w.bytes(w.client, 512, 3) == [9, 8, 7])
        #expect(w.k.tasks[w.server.index].effectivePriority == Priority(5))
        #expect(w.k.tasks[w.server.index].state == .blockedReceive)
        #expect(w.k.tasks[w.client.index].cpuNs == 10 + 100)  // charged on both entries (10-20, 1000-1100)
    }

    /// A client whose call would queue behind an equally urgent ready task, or a server with a queued caller,
    /// takes the general path (the fast path only short-cuts a hand-over to the most urgent task).
    // @verifies SWR-KERN-SCHED-1
    @Test func aHandOverThatIsNotToTheMostUrgentTaskTakesTheGeneralPath() throws {
        let w = try FastPathWorld()
        w.serverWaiting()
        // The waiter (30) wakes by a signal from the client: it is more urgent, so the fast path switches to it.
        let signal = w.k.board(.signal, 1, 4, now: 1100)
        #expect(signal.fast && signal.next == w.waiter)
        #expect(w.k.takeResult(of: w.waiter)! == (0, 4))
        #expect(w.k.tasks[w.client.index].state == .ready)
        // The waiter yields with nobody as urgent: it goes on (fast).
        let yield = w.k.board(.yield, now: 1150)
        #expect(yield.fast && yield.next == w.waiter)
        // It waits again: the client runs; `other` wakes at 2000 and is ready at the client's priority.
        #expect(w.k.board(.wait, 1, now: 1160).next == w.client)
        #expect(w.k.timerInterrupt(nowNs: 2000) == w.client)
        let yieldToEqual = w.k.board(.yield, now: 2010)
        #expect(yieldToEqual.fast && yieldToEqual.next == w.other)
        // `other` wakes the waiter again; the waiter sleeps; a signal with nobody waiting leaves the bits in the word.
        let wake = w.k.board(.signal, 1, 2, now: 2020)
        #expect(wake.fast && wake.next == w.waiter)
        #expect(w.k.takeResult(of: w.waiter)! == (0, 2))
        #expect(w.k.board(.sleepUntil, 9000, now: 2030).next == w.other)  // first among its equals when preempted
        let lone = w.k.board(.signal, 1, 8, now: 2040)
        #expect(lone.fast && lone.next == w.other)
        #expect(w.k.notifications[0].word == 8)
    }

    // @verifies SWR-KERN-BUDGET-1
    @Test func theFastPathChargesBudgetsAndLeavesAnOverrunToTheGeneralPath() throws {
        let w = try FastPathWorld(clientBudgetNs: 500)
        w.serverWaiting()
        #expect(w.k.tasks[w.client.index].remainingBudgetNs == 490)  // it ran 10-20
        // The client's call is fast and charges 100 ns; the timer may move (a budgeted task left the CPU).
        let decision = w.k.fastSyscall(Syscall.call.rawValue, SyscallArguments(0, w.buffer(w.client), 0, w.buffer(w.client, 512), 64), nowNs: 1100)
        #expect(decision?.next == w.server && decision?.timerMayMove == true)
        #expect(w.k.tasks[w.client.index].remainingBudgetNs == 390)
        let back = w.k.board(.replyReceive, 0, 0, 0, w.buffer(w.server), 64, now: 1150)
        #expect(back.fast && back.next == w.client)
        // A yield with 90 ns used of 390 is fast and charged.
        #expect(w.k.board(.yield, now: 1240).fast)
        #expect(w.k.tasks[w.client.index].remainingBudgetNs == 300)
        // 300 ns left at 1240: a yield at 1540 finds it used up — the fast path refuses, the general path throttles.
        #expect(w.k.fastSyscall(Syscall.yield.rawValue, SyscallArguments(), nowNs: 1540) == nil)
        #expect(w.k.tasks[w.client.index].remainingBudgetNs == 300)  // nothing changed by the refusal
        // (The general path carries the yield out first, with the client the only ready task it runs again; the
        // timer, due at once, throttles it.)
        let general = w.k.board(.yield, now: 1540)
        #expect(!general.fast && general.next == w.client)
        #expect(w.k.nextTimerDeadlineNs() == 1540)
        #expect(w.k.timerInterrupt(nowNs: 1540) == nil)
        #expect(w.k.tasks[w.client.index].state == .throttled)
        #expect(w.k.tasks[w.client.index].budgetOverruns == 1)
    }

    // @verifies SWR-KERN-CAP-1
    @Test func aRevokedOrWrongCapabilityGetsTheGeneralPathsError() throws {
        let w = try FastPathWorld()
        w.serverWaiting()
        // The client deletes its endpoint capability: the call is refused as invalid, on the general path.
        #expect(w.k.board(.capDelete, 0, now: 1100).next == w.client)
        _ = w.k.takeResult(of: w.client)
        let call = w.k.board(.call, 0, w.buffer(w.client), 8, w.buffer(w.client, 512), 64, now: 1200)
        #expect(!call.fast && call.next == w.client)
        #expect(w.k.takeResult(of: w.client)!.0 == -SyscallError.invalidCapability.rawValue)
        // A notification slot used as an endpoint: wrong object, general path.
        let wrong = w.k.board(.call, 1, w.buffer(w.client), 8, w.buffer(w.client, 512), 64, now: 1300)
        #expect(!wrong.fast)
        #expect(w.k.takeResult(of: w.client)!.0 == -SyscallError.wrongObject.rawValue)
        #expect(w.k.tasks[w.server.index].state == .blockedReceive)  // the server saw nothing
    }

    // @verifies SWR-KERN-MEM-2
    @Test func aBadPointerGetsBadAddressFromTheGeneralPath() throws {
        let w = try FastPathWorld()
        w.serverWaiting()
        // The message in the server's page, then a reply buffer in the waiter's: neither is the client's.
        for (message, reply) in [(w.buffer(w.server), w.buffer(w.client, 512)), (w.buffer(w.client), w.buffer(w.waiter))] {
            let call = w.k.board(.call, 0, message, 8, reply, 64, now: 1100)
            #expect(!call.fast && call.next == w.client)
            #expect(w.k.takeResult(of: w.client)!.0 == -SyscallError.badAddress.rawValue)
        }
        #expect(w.k.tasks[w.server.index].state == .blockedReceive)
    }

    // @verifies SWR-KERN-MEM-4
    @Test func aCallToARestartedServersEndpointIsRefusedOnTheGeneralPath() throws {
        let w = try FastPathWorld()
        w.serverWaiting()
        // The server faults (it is blocked: make it the running task by a call it serves, then fault).
        #expect(w.k.board(.call, 0, w.buffer(w.client), 0, w.buffer(w.client, 512), 64, now: 1100).next == w.server)
        _ = w.k.fault(nowNs: 1200)
        // Its client was told; its endpoint's generation moved on, so the client's old capability is stale.
        #expect(w.k.takeResult(of: w.client)!.0 == -SyscallError.serverFaulted.rawValue)
        #expect(w.k.current == w.client)
        let call = w.k.board(.call, 0, w.buffer(w.client), 0, w.buffer(w.client, 512), 64, now: 1300)
        #expect(!call.fast)
    }

    /// Two kernels, one trying the fast path first (as the boards do), one general only, driven through the same
    /// random system calls and time steps: after every step their whole observable state must be the same.
    // @verifies SWR-KERN-SCHED-1, SWR-KERN-IPC-1, SWR-KERN-BUDGET-1
    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func fastAndGeneralPathsAgree(seed: UInt64) throws {
        var fast: [Syscall: Int] = [:]
        timerFastHits = 0
        var rng = seed &* 0x9E37_79B9_7F4A_7C15
        var steps = 0
        var runs = 0
        while steps < 16000 {  // a run ends when every task exited or blocked for good; then a fresh one
            runs += 1
            if seed % 2 == 0 {
                try differential(FixedPriorityPolicy.self, rng: &rng, steps: &steps, fast: &fast, preferShort: runs % 2 == 0)
            } else {
                try differential(EDFPolicy.self, rng: &rng, steps: &steps, fast: &fast, preferShort: runs % 2 == 0)
            }
        }
        for call in [Syscall.yield, .signal, .call, .replyReceive, .now, .callShort, .replyReceiveShort] {
            #expect(fast[call, default: 0] > 20, "the scenario should take the fast path for \(call) (took it \(fast[call, default: 0]) times in \(runs) runs)")
        }
        #expect(timerFastHits > 20, "the scenario should take the timer fast path (took it \(timerFastHits) times)")
    }

    /// A timer interrupt as the boards take it: the fast path first.
    func timer<P: SchedulingPolicy>(_ k: inout KernelState<P>, now: UInt64, fast: inout [Syscall: Int]) -> TaskID? {
        if let decision = k.fastTimer(nowNs: now) {
            timerFastHits += 1
            return decision.next
        }
        return k.timerInterrupt(nowNs: now)
    }

    func differential<P: SchedulingPolicy>(_ policy: P.Type, rng: inout UInt64, steps: inout Int, fast: inout [Syscall: Int],
                                                  preferShort: Bool) throws {
        var a = KernelState<P>()
        var b = KernelState<P>()
        let pa = HostPages(6), pb = HostPages(6)
        try build(&a, pa)
        try build(&b, pb)
        var state = rng
        defer { rng = state }
        func next(_ n: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % n
        }
        var now: UInt64 = 0
        var ca = a.start(nowNs: now)
        let cb = b.start(nowNs: now)
        #expect(ca == cb)
        var local = 0
        while local < 1500 {
            local += 1
            steps += 1
            let deadline = a.nextTimerDeadlineNs()
            guard let running = ca else {
                guard let d = deadline else { return }  // everything blocked for good
                now = max(now, d)
                ca = timer(&a, now: now, fast: &fast)
                #expect(ca == b.timerInterrupt(nowNs: now))
                try compare(&a, pa, &b, pb, step: steps)
                continue
            }
            // Time moves on; now and then past the timer's deadline (a call entering just before the interrupt).
            now += next(4) == 0 ? 0 : next(3000)
            if let d = deadline, now > d, next(3) != 0 { now = d }
            if next(12) == 0 || (deadline.map { now >= $0 } ?? false && next(2) == 0) {
                ca = timer(&a, now: now, fast: &fast)
                #expect(ca == b.timerInterrupt(nowNs: now))
                try compare(&a, pa, &b, pb, step: steps)
                continue
            }
            let (number, args) = randomCall(running, now: now, preferShort: preferShort, next: next)
            let argsA = relocate(args, to: pa)
            let argsB = relocate(args, to: pb)
            let before = a.nextTimerDeadlineNs()
            if let decision = a.fastSyscall(number.rawValue, argsA, nowNs: now) {
                fast[number, default: 0] += 1
                ca = decision.next
                if !decision.timerMayMove {
                    #expect(a.nextTimerDeadlineNs() == before, "step \(steps): \(number) moved the timer unannounced")
                }
            } else {
                ca = a.syscall(number.rawValue, argsA, nowNs: now)
            }
            let nb = b.syscall(number.rawValue, argsB, nowNs: now)
            #expect(ca == nb, "step \(steps): \(number) by task \(running.index) at \(now): \(String(describing: ca)) vs \(String(describing: nb))")
            try compare(&a, pa, &b, pb, step: steps)
            if ca != nb { return }
        }
    }

    /// Server (0), two clients (1, 2: equal priority, one with a budget), a waiter (3), a sleeper-signaller (4),
    /// and a supervisor (5) that restarts faulted tasks; each task owns page i of `pages`.
    func build<P: SchedulingPolicy>(_ k: inout KernelState<P>, _ pages: HostPages) throws {
        let names: [(Priority, UInt64, UInt64)] = [(Priority(8), 0, 0), (Priority(12), 4 * msNs, 1 * msNs), (Priority(12), 0, 0),
                                                   (Priority(20), 2 * msNs, 0), (Priority(16), 0, 0), (Priority(30), 0, 0)]
        for (priority, period, budget) in names {
            let t = try k.declare(TaskDescriptor(name: "t", entry: fastPathTestNoop, priority: priority, periodNs: period,
                                                 relativeDeadlineNs: period, budgetNs: budget))
            try k.addToDomain(t, MemoryArea(base: pages.page(t.index), size: page, access: .readWrite, owner: .user))
        }
        func install(_ task: UInt8, _ slot: UInt8, _ kind: ObjectKind, _ index: UInt8, _ rights: Rights, badge: UInt64 = 0) throws {
            try k.capabilities.install(Capability(object: ObjectRef(kind: kind, index: index), rights: rights, badge: badge),
                                       at: SlotRef(task: TaskID(task), slot: CapSlot(slot)))
        }
        try install(0, 0, .endpoint, 0, .read)
        for t: UInt8 in [1, 2, 4] {
            try install(t, 0, .endpoint, 0, Rights.write.union(.grant), badge: UInt64(t))
            try install(t, 1, .notification, 0, .write)
            try install(t, 2, .endpoint, 0, .read)  // wrong right for a call
        }
        try install(3, 1, .notification, 0, .read)
        try install(5, 1, .notification, 1, .read)
        try k.setSupervisor(TaskID(5), notification: 1, bits: 1)
    }

    /// A system call for `task`, mostly the ones its role makes (serve, call, signal, wait), with lengths and
    /// pointers sometimes out of bounds, slots sometimes wrong, and capabilities sometimes deleted.
    /// Pointers are offsets into the pages with bit 62 set (`relocate` makes them addresses).
    func randomCall(_ task: TaskID, now: UInt64, preferShort: Bool, next: (UInt64) -> UInt64) -> (Syscall, SyscallArguments) {
        let own = UInt64(task.index) * 4096
        func pointer() -> UInt64 {
            if next(20) == 0 { return 0 }  // null
            return (1 << 62) | (next(10) == 0 ? UInt64(next(6)) * 4096 + 128 : own + 64 * next(8))  // another task's page, or its own
        }
        func length() -> UInt64 { [0, 1, 8, 31, 32, 33, 64, 64, 65][Int(next(9))] }
        func shortLength() -> UInt64 { [0, 1, 7, 8, 9, 31, 32, 32, 33][Int(next(9))] }
        func word() -> UInt64 { (next(1 << 31) << 33 | next(1 << 31) << 2 | next(4)) & ~(1 << 62) }  // not a pointer (`relocate`)
        let roll = next(100)
        // Most calls are of the run's kind (short or through buffers), so that both fast paths are taken; the
        // rest mix the kinds (a short client of a buffer server and the other way round: the general path).
        let short = next(8) == 0 ? !preferShort : preferShort
        switch (task.index, roll) {
        case (0, 0..<45) where short:
            return (.replyReceiveShort, SyscallArguments(shortLength(), next(8) == 0 ? 1 : 0, word(), word(), word(), word()))
        case (0, 0..<45): return (.replyReceive, SyscallArguments(pointer(), length(), next(8) == 0 ? 1 : 0, pointer(), length()))
        case (0, 45..<60) where short: return (.receiveShort, SyscallArguments(next(8) == 0 ? 1 : 0))
        case (0, 45..<60): return (.receive, SyscallArguments(0, pointer(), length()))
        case (0, 60..<70): return (.reply, SyscallArguments(pointer(), length()))
        case (1, 0..<50) where short, (2, 0..<50) where short, (4, 0..<30) where short:
            return (.callShort, SyscallArguments(next(10) == 0 ? next(4) : 0, shortLength(), word(), word(), word(), word()))
        case (1, 0..<50), (2, 0..<50), (4, 0..<30):
            return (.call, SyscallArguments(next(10) == 0 ? next(4) : 0, pointer(), length(), pointer(), next(10) == 0 ? 16 : 64))
        case (3, 0..<60): return (.wait, SyscallArguments(next(10) == 0 ? 0 : 1))
        case (3, 60..<80): return (.waitForNextPeriod, SyscallArguments())
        case (4, 30..<70): return (.sleepUntil, SyscallArguments(now + next(4000)))
        case (5, 0..<40): return (.restartTask, SyscallArguments(next(6)))
        case (5, 40..<80): return (.wait, SyscallArguments(1))
        default: break
        }
        switch next(10) {
        case 0, 1, 2: return (.yield, SyscallArguments())
        case 3, 4: return (.signal, SyscallArguments(next(5) == 0 ? 0 : 1, next(3)))
        case 5: return (.now, SyscallArguments())
        case 6: return (.sleepUntil, SyscallArguments(now + next(5000)))
        case 7: return (.waitUntil, SyscallArguments(1, now + next(8000)))
        case 8: return (next(4) == 0 ? .capDelete : .capRevoke, SyscallArguments(next(3)))
        default: return (next(8) == 0 ? .exitTask : .yield, SyscallArguments())
        }
    }

    /// The pointer arguments (offsets marked with bit 62) made into addresses in `pages`.
    func relocate(_ args: SyscallArguments, to pages: HostPages) -> SyscallArguments {
        var v = args
        func move(_ x: UInt64) -> UInt64 { x & (1 << 62) != 0 ? pages.address + (x & ~(1 << 62)) : x }
        v.values = (move(args[0]), move(args[1]), move(args[2]), move(args[3]), move(args[4]), args[5])
        return v
    }

    /// Everything either kernel shows: the running task, every task's record (addresses as offsets into its
    /// pages), the ready and timed structures' heads, endpoints, notifications, the timer, events, and memory.
    func compare<P: SchedulingPolicy>(_ a: inout KernelState<P>, _ pa: HostPages, _ b: inout KernelState<P>, _ pb: HostPages,
                                      step: Int) throws {
        let fa = fingerprint(&a, pa), fb = fingerprint(&b, pb)
        if fa != fb {
            let i = (0..<min(fa.count, fb.count)).first { fa[$0] != fb[$0] } ?? min(fa.count, fb.count)
            Issue.record("step \(step): state differs at word \(i): \(i < fa.count ? fa[i] : 0) vs \(i < fb.count ? fb[i] : 0)")
        }
        #expect(memcmp(pa.base, pb.base, 6 * 4096) == 0, "step \(step): task memory differs")
    }

    func fingerprint<P: SchedulingPolicy>(_ k: inout KernelState<P>, _ pages: HostPages) -> [UInt64] {
        func offset(_ address: UInt) -> UInt64 {
            let a = UInt64(address)
            return a >= pages.address && a < pages.address + 6 * 4096 ? a - pages.address : a
        }
        var f: [UInt64] = [UInt64(k.current?.raw ?? 0xFF), k.switches, UInt64(k.liveTasks), UInt64(k.events.count),
                           k.nextTimerDeadlineNs() ?? 0, UInt64(k.ready.count), UInt64(k.ready.peek()?.raw ?? 0xFF),
                           UInt64(k.timed.count), k.timed.peekKey() ?? 0, UInt64(k.timed.peek()?.raw ?? 0xFF)]
        for i in 0..<k.taskCount {
            let t = k.tasks[i]
            f += [UInt64(t.state.rawValue), UInt64(t.effectivePriority.raw), t.effectiveDeadlineNs, t.cpuNs, t.remainingBudgetNs,
                  t.dispatchedAtNs, t.wakeNs, t.releaseNs, UInt64(bitPattern: t.result0), t.result1, UInt64(t.pendingResult),
                  t.shortIPC ? 1 : 0, t.shortWords.w0, t.shortWords.w1, t.shortWords.w2, t.shortWords.w3,
                  UInt64(t.servingClient?.raw ?? 0xFF), UInt64(t.servedEndpoint?.raw ?? 0xFF), UInt64(t.blockedOn),
                  offset(t.bufferAddress), UInt64(t.bufferLength), offset(t.replyAddress), UInt64(t.replyCapacity),
                  t.callBadge, UInt64(t.budgetOverruns), UInt64(t.generation), t.waitTimed ? 1 : 0,
                  UInt64(k.ready.contains(TaskID(UInt8(i))) ? 1 : 0)]
        }
        for e in 0..<2 {
            f += [UInt64(k.endpoints[e].receiver?.raw ?? 0xFF), UInt64(k.endpoints[e].server?.raw ?? 0xFF),
                  UInt64(k.endpoints[e].callers.count), UInt64(k.endpoints[e].callers.peek()?.raw ?? 0xFF),
                  UInt64(k.endpoints[e].generation)]
        }
        for n in 0..<2 {
            f += [k.notifications[n].word, UInt64(k.notifications[n].waiters.count), UInt64(k.notifications[n].waiters.peek()?.raw ?? 0xFF)]
        }
        return f
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
