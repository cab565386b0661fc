// Scheduler data structures: hand-picked orderings, then seeded random operation sequences against array models.

import Testing
@testable import Kernel

private func t(_ raw: UInt8) -> TaskID { TaskID(raw) }
private func p(_ raw: UInt8) -> Priority { Priority(raw) }

/// `condition` itself: wraps `#expect` arguments that call mutating methods, which the macro cannot capture.
private func holds(_ condition: Bool) -> Bool { condition }

/// Pops every task of `queue` in order (at most one more than it can hold, so a broken queue cannot hang).
private func drain(_ queue: inout FixedPriorityReadyQueue) -> [UInt8] {
    var out: [UInt8] = []
    while out.count <= TaskID.capacity, let task = queue.popFirst() { out.append(task.raw) }
    return out
}

/// Pops every task of `heap` in order (at most one more than it can hold).
private func drain(_ heap: inout TaskHeap) -> [UInt8] {
    var out: [UInt8] = []
    while out.count <= TaskID.capacity, let task = heap.popMin() { out.append(task.raw) }
    return out
}

/// Takes the ready tasks of `policy` out in the order it would run them (at most one more than it can hold).
private func drain<P: SchedulingPolicy>(_ policy: inout P) -> [UInt8] {
    var out: [UInt8] = []
    while out.count <= TaskID.capacity, let task = policy.peek() {
        out.append(task.raw)
        guard policy.remove(task) else { break }
    }
    return out
}

@Suite struct SchedulerTests {
    // MARK: FixedPriorityReadyQueue

    @Test func fixedPriorityIsFIFOWithinALevel() {
        var q = FixedPriorityReadyQueue()
        #expect(q.isEmpty && q.peek() == nil && q.popFirst() == nil)
        for raw: UInt8 in [4, 9, 1, 30] { #expect(holds(q.enqueueBack(t(raw), priority: p(5)))) }
        #expect(q.count == 4)
        #expect(q.peek() == t(4))
        #expect(drain(&q) == [4, 9, 1, 30])
        #expect(q.count == 0 && q.bitmap == 0)
    }

    @Test func fixedPriorityHigherLevelFirst() {
        var q = FixedPriorityReadyQueue()
        q.enqueueBack(t(1), priority: p(3))
        q.enqueueBack(t(2), priority: p(40))
        q.enqueueBack(t(3), priority: p(3))
        q.enqueueBack(t(4), priority: p(41))
        q.enqueueBack(t(5), priority: p(40))
        #expect(q.priority(of: t(2)) == p(40))
        #expect(q.priority(of: t(6)) == nil)
        #expect(drain(&q) == [4, 2, 5, 1, 3])
    }

    @Test func fixedPriorityFrontInsertion() {
        var q = FixedPriorityReadyQueue()
        q.enqueueBack(t(1), priority: p(7))
        q.enqueueBack(t(2), priority: p(7))
        #expect(holds(q.enqueueFront(t(3), priority: p(7))))
        #expect(q.peek() == t(3))
        // Into an empty level the front task is also the tail: a later back insertion follows it.
        #expect(holds(q.enqueueFront(t(10), priority: p(9))))
        q.enqueueBack(t(11), priority: p(9))
        #expect(drain(&q) == [10, 11, 3, 1, 2])
    }

    @Test func fixedPriorityRemovalFromHeadMiddleAndTail() {
        var q = FixedPriorityReadyQueue()
        for raw: UInt8 in 0..<5 { q.enqueueBack(t(raw), priority: p(20)) }
        #expect(holds(q.remove(t(2))))  // middle
        #expect(holds(!q.remove(t(2))))
        #expect(!q.contains(t(2)) && q.priority(of: t(2)) == nil)
        #expect(holds(q.remove(t(0))))  // head
        #expect(q.peek() == t(1))
        #expect(holds(q.remove(t(4))))  // tail
        #expect(q.count == 2)
        q.enqueueBack(t(2), priority: p(20))  // re-queued at the back of the level
        #expect(drain(&q) == [1, 3, 2])
        #expect(holds(!q.remove(t(1))))
    }

    @Test func fixedPriorityEdgeLevelsZeroAnd63() {
        var q = FixedPriorityReadyQueue()
        q.enqueueBack(t(8), priority: .lowest)
        #expect(q.bitmap == 1)
        #expect(q.peek() == t(8))
        q.enqueueBack(t(9), priority: .highest)
        #expect(q.bitmap == UInt64(1) << 63 | 1)
        #expect(q.peek() == t(9))
        #expect(holds(q.remove(t(9))))
        #expect(q.bitmap == 1 && q.peek() == t(8))
        #expect(q.popFirst() == t(8))
        #expect(q.bitmap == 0 && q.peek() == nil)
        q.enqueueBack(t(63), priority: .highest)
        #expect(q.bitmap == 1 << 63 && q.peek() == t(63))
    }

    @Test func fixedPriorityRejectsDuplicatesAndOutOfRange() {
        var q = FixedPriorityReadyQueue()
        #expect(holds(q.enqueueBack(t(5), priority: p(10))))
        #expect(holds(!q.enqueueBack(t(5), priority: p(12))))
        #expect(holds(!q.enqueueFront(t(5), priority: p(10))))
        #expect(q.priority(of: t(5)) == p(10) && q.count == 1)
        #expect(holds(!q.enqueueBack(t(64), priority: p(1))))
        #expect(holds(!q.enqueueFront(t(255), priority: p(1))))
        #expect(holds(!q.enqueueBack(t(6), priority: p(64))))
        #expect(!q.contains(t(64)) && !q.remove(t(200)))
        #expect(q.count == 1)
    }

    @Test func fixedPriorityHoldsAllTasksAtEveryLevel() {
        var q = FixedPriorityReadyQueue()
        for raw: UInt8 in 0..<64 { #expect(holds(q.enqueueBack(t(raw), priority: p(raw)))) }
        #expect(q.bitmap == .max && q.count == 64)
        #expect(drain(&q) == Array((0..<64).reversed()))
    }

    // MARK: TaskHeap

    @Test func heapPopsInKeyOrder() {
        var h = TaskHeap()
        #expect(h.isEmpty && h.peek() == nil && h.peekKey() == nil && h.popMin() == nil)
        let keys: [UInt64] = [50, 10, 40, 20, 30, .max, 0]
        for (i, key) in keys.enumerated() { #expect(holds(h.insert(t(UInt8(i)), key: key))) }
        #expect(h.count == 7)
        #expect(h.peek() == t(6) && h.peekKey() == 0)
        #expect(h.key(of: t(5)) == .max)
        #expect(drain(&h) == [6, 1, 3, 4, 2, 0, 5])
    }

    @Test func heapEqualKeysComeOutFIFO() {
        var h = TaskHeap()
        for raw: UInt8 in [7, 3, 9, 1, 60] { h.insert(t(raw), key: 10) }
        h.insert(t(2), key: 5)
        #expect(drain(&h) == [2, 7, 3, 9, 1, 60])
    }

    @Test func heapFrontInsertionGoesBeforeEqualKeys() {
        var h = TaskHeap()
        h.insert(t(1), key: 10)
        h.insert(t(2), key: 10)
        h.insert(t(3), key: 10, atFront: true)
        h.insert(t(4), key: 10, atFront: true)
        h.insert(t(5), key: 9)
        #expect(drain(&h) == [5, 4, 3, 1, 2])
    }

    @Test func heapUpdateChangesKeyAndKeepsSequence() {
        var h = TaskHeap()
        h.insert(t(0), key: 10)
        h.insert(t(1), key: 10)
        h.insert(t(2), key: 20)
        #expect(holds(h.update(t(2), key: 10)))
        #expect(h.key(of: t(2)) == 10)
        #expect(holds(h.update(t(0), key: 30)))
        #expect(h.peek() == t(1))
        // Back to 10: task 0 was inserted first, so it leads the equal keys again.
        #expect(holds(h.update(t(0), key: 10)))
        #expect(h.peek() == t(0))
        #expect(holds(!h.update(t(3), key: 1)))
        #expect(drain(&h) == [0, 1, 2])
    }

    @Test func heapRemovalFromTheMiddle() {
        var h = TaskHeap()
        for raw: UInt8 in 0..<10 { h.insert(t(raw), key: UInt64(raw) * 3) }
        #expect(holds(h.remove(t(4))))
        #expect(holds(!h.remove(t(4))))
        #expect(!h.contains(t(4)) && h.key(of: t(4)) == nil)
        #expect(holds(h.remove(t(0))))
        #expect(holds(h.remove(t(9))))
        #expect(h.count == 7)
        #expect(drain(&h) == [1, 2, 3, 5, 6, 7, 8])
    }

    @Test func heapRejectsDuplicatesAndOutOfRange() {
        var h = TaskHeap()
        #expect(holds(h.insert(t(3), key: 8)))
        #expect(holds(!h.insert(t(3), key: 1)))
        #expect(h.key(of: t(3)) == 8)
        #expect(holds(!h.insert(t(64), key: 0)))
        #expect(!h.contains(t(64)) && !h.remove(t(64)) && !h.update(t(64), key: 0) && h.key(of: t(99)) == nil)
        #expect(h.count == 1)
    }

    @Test func heapHoldsEveryTask() {
        var h = TaskHeap()
        for raw: UInt8 in 0..<64 { #expect(holds(h.insert(t(raw), key: UInt64(64 - raw)))) }
        #expect(h.count == 64)
        #expect(drain(&h) == Array((0..<64).reversed()))
    }

    // MARK: Policies

    @Test func policyNamesAndOrders() {
        #expect("\(FixedPriorityPolicy.name)" == "fp")
        #expect("\(EDFPolicy.name)" == "edf")
        let urgent = Urgency(priority: p(50), deadlineNs: 9_000)
        let relaxed = Urgency(priority: p(10), deadlineNs: 1_000)
        #expect(FixedPriorityPolicy.isMoreUrgent(urgent, than: relaxed))
        #expect(!FixedPriorityPolicy.isMoreUrgent(relaxed, than: urgent))
        #expect(!FixedPriorityPolicy.isMoreUrgent(urgent, than: urgent))
        #expect(EDFPolicy.isMoreUrgent(relaxed, than: urgent))
        #expect(!EDFPolicy.isMoreUrgent(urgent, than: relaxed))
        #expect(!EDFPolicy.isMoreUrgent(relaxed, than: relaxed))
        #expect(FixedPriorityPolicy.heapKey(Urgency(priority: .highest, deadlineNs: 5)) == 0)
        #expect(FixedPriorityPolicy.heapKey(Urgency(priority: .lowest, deadlineNs: 5)) == 63)
        #expect(EDFPolicy.heapKey(urgent) == 9_000)
    }

    @Test func heapKeyAgreesWithUrgency() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        for _ in 0..<2_000 {
            let a = Urgency(priority: p(UInt8(rng.next() % 64)), deadlineNs: rng.next() % 50)
            let b = Urgency(priority: p(UInt8(rng.next() % 64)), deadlineNs: rng.next() % 50)
            #expect(FixedPriorityPolicy.isMoreUrgent(a, than: b) == (a.priority.raw > b.priority.raw))
            #expect(FixedPriorityPolicy.isMoreUrgent(a, than: b)
                == (FixedPriorityPolicy.heapKey(a) < FixedPriorityPolicy.heapKey(b)))
            #expect(EDFPolicy.isMoreUrgent(a, than: b) == (a.deadlineNs < b.deadlineNs))
            #expect(EDFPolicy.isMoreUrgent(a, than: b) == (EDFPolicy.heapKey(a) < EDFPolicy.heapKey(b)))
        }
    }

    @Test func fixedPriorityPolicyRunsPreemptedTaskFirst() {
        var fp = FixedPriorityPolicy()
        fp.insert(t(1), urgency: Urgency(priority: p(5), deadlineNs: 0), atFront: false)
        fp.insert(t(2), urgency: Urgency(priority: p(5), deadlineNs: 0), atFront: false)
        fp.insert(t(3), urgency: Urgency(priority: p(5), deadlineNs: 0), atFront: true)
        fp.insert(t(4), urgency: Urgency(priority: p(2), deadlineNs: 0), atFront: true)
        #expect(holds(!fp.insert(t(1), urgency: Urgency(priority: p(60), deadlineNs: 0), atFront: false)))
        #expect(fp.count == 4 && fp.contains(t(4)))
        #expect(drain(&fp) == [3, 1, 2, 4])
    }

    @Test func edfPolicyOrdersByDeadlineWithFIFOTies() {
        var edf = EDFPolicy()
        // Priorities are ignored; equal deadlines keep arrival order; `atFront` goes before equals.
        edf.insert(t(1), urgency: Urgency(priority: p(63), deadlineNs: 300), atFront: false)
        edf.insert(t(2), urgency: Urgency(priority: p(0), deadlineNs: 100), atFront: false)
        edf.insert(t(3), urgency: Urgency(priority: p(9), deadlineNs: 100), atFront: false)
        edf.insert(t(4), urgency: Urgency(priority: p(9), deadlineNs: 200), atFront: false)
        edf.insert(t(5), urgency: Urgency(priority: p(9), deadlineNs: 200), atFront: true)
        #expect(holds(!edf.insert(t(2), urgency: Urgency(priority: p(0), deadlineNs: 1), atFront: false)))
        #expect(edf.count == 5)
        #expect(drain(&edf) == [2, 3, 5, 4, 1])
    }

    // MARK: Random sequences against models

    /// `secondKey` is the second smallest key held (the timer fast path's "only one release is due").
    // @verifies SWR-KERN-SCHED-1
    @Test func heapSecondKeyIsTheNextKeyInOrder() {
        var rng = SplitMix64(seed: 0x5EC0_4D)
        for _ in 0..<2000 {
            var heap = TaskHeap()
            var keys: [UInt64] = []
            for t in 0..<Int(rng.next() % 20) {
                let key = rng.next() % 8
                heap.insert(TaskID(UInt8(t)), key: key)
                keys.append(key)
            }
            for _ in 0..<Int(rng.next() % 5) where !keys.isEmpty {
                let victim = Int(rng.next() % UInt64(keys.count))
                if heap.remove(TaskID(UInt8(victim))) { keys[victim] = .max }
            }
            let held = keys.filter { $0 != .max }.sorted()
            #expect(heap.secondKey() == (held.count > 1 ? held[1] : nil))
        }
    }

    // @verifies SWR-KERN-SCHED-1
    @Test func taskHeapMatchesModel() {
        runModelCheck(TaskHeap.self, baseSeed: 0x7A5C_4EA9)
    }

    // @verifies SWR-KERN-SCHED-1
    @Test func fixedPriorityQueueMatchesModel() {
        runModelCheck(FixedPriorityReadyQueue.self, baseSeed: 0xF1_0ED9)
    }

    // @verifies SWR-KERN-SCHED-1
    @Test func fixedPriorityPolicyMatchesModel() {
        runModelCheck(PolicySubject<FixedPriorityPolicy>.self, baseSeed: 0xF9_9011)
    }

    // @verifies SWR-KERN-SCHED-1
    @Test func edfPolicyMatchesModel() {
        runModelCheck(PolicySubject<EDFPolicy>.self, baseSeed: 0xEDF_0001)
    }
}

// MARK: - Model checking

/// The reference: ready tasks in one array, in tie-break order (back insertions appended, front insertions
/// prepended); the next task is the first one with the smallest rank (smaller rank = more urgent).
private struct OrderModel {
    struct Entry {
        var task: UInt8
        var rank: UInt64
    }
    var entries: [Entry] = []

    func index(of task: UInt8) -> Int? {
        for i in entries.indices where entries[i].task == task { return i }
        return nil
    }

    /// Where the next task is in `entries`.
    func bestIndex() -> Int? {
        var best: Int? = nil
        for i in entries.indices where best == nil || entries[i].rank < entries[best!].rank { best = i }
        return best
    }

    mutating func insert(_ task: UInt8, rank: UInt64, atFront: Bool) -> Bool {
        guard task < 64, index(of: task) == nil else { return false }
        let entry = Entry(task: task, rank: rank)
        if atFront { entries.insert(entry, at: 0) } else { entries.append(entry) }
        return true
    }

    mutating func remove(_ task: UInt8) -> Bool {
        guard let i = index(of: task) else { return false }
        entries.remove(at: i)
        return true
    }

    mutating func pop() -> UInt8? {
        guard let i = bestIndex() else { return nil }
        return entries.remove(at: i).task
    }

    /// The next task out, `task` in last: nil (nothing changed) when empty, or `task` is held or outside the table.
    mutating func exchange(_ task: UInt8, rank: UInt64) -> UInt8? {
        guard task < 64, index(of: task) == nil, bestIndex() != nil else { return nil }
        let first = pop()
        _ = insert(task, rank: rank, atFront: false)
        return first
    }

    mutating func update(_ task: UInt8, rank: UInt64) -> Bool {
        guard let i = index(of: task) else { return false }
        entries[i].rank = rank
        return true
    }

    /// The first task at or after `start` (wrapping around) that the model does not hold, or nil when full.
    func absentTask(from start: UInt8) -> UInt8? {
        var held: UInt64 = 0
        for entry in entries { held |= UInt64(1) << UInt64(entry.task) }
        for k in 0..<UInt8(64) {
            let task = (start &+ k) % 64
            if held & (UInt64(1) << UInt64(task)) == 0 { return task }
        }
        return nil
    }

    /// What a correct structure reports; ranks only when `withRanks`.
    func observe(probe: UInt8, withRanks: Bool) -> Observation {
        var seen = Observation(peek: nil, count: entries.count, members: 0, probeIsMember: false)
        for entry in entries { seen.members |= UInt64(1) << UInt64(entry.task) }
        seen.probeIsMember = probe < 64 && index(of: probe) != nil
        if let best = bestIndex() {
            seen.peek = entries[best].task
            if withRanks { seen.peekRank = entries[best].rank }
        }
        if withRanks, let i = index(of: probe) { seen.probeRank = entries[i].rank }
        return seen
    }
}

/// What a structure says about itself after a step: compared whole against the model.
private struct Observation: Equatable, CustomStringConvertible {
    /// `peek()`.
    var peek: UInt8?
    /// `count`.
    var count: Int
    /// Bit i set when `contains(TaskID(i))`, for every task 0 ..< 64.
    var members: UInt64
    /// `contains` of the step's probe task (which may be outside the table).
    var probeIsMember: Bool
    /// The rank of the peeked task (the heap's `peekKey()`, the queue's priority), for structures that tell.
    var peekRank: UInt64? = nil
    /// The rank of the probe task (`key(of:)`, `priority(of:)`), for structures that tell.
    var probeRank: UInt64? = nil

    var description: String {
        "peek \(peek.map { "\($0)" } ?? "nil") count \(count) members 0x\(String(members, radix: 16)) "
            + "probe member \(probeIsMember) peek rank \(peekRank.map { "\($0)" } ?? "nil") "
            + "probe rank \(probeRank.map { "\($0)" } ?? "nil")"
    }
}

/// One of the structures under test, seen through ranks (smaller = more urgent) so one model fits all.
private protocol ModelSubject {
    init()
    /// Whether the structure has `update` (only the heap does).
    static var canUpdate: Bool { get }
    /// Whether `observe` reports ranks (the policies do not tell them).
    static var reportsRanks: Bool { get }
    /// A rank this structure can hold, often repeated so ties are common.
    static func randomRank(_ rng: inout SplitMix64) -> UInt64
    mutating func insert(_ task: TaskID, rank: UInt64, atFront: Bool) -> Bool
    mutating func remove(_ task: TaskID) -> Bool
    mutating func pop() -> TaskID?
    /// The structure's one-step "first out, `task` in last" (`exchangeFirst`).
    mutating func exchange(_ task: TaskID, rank: UInt64) -> TaskID?
    mutating func update(_ task: TaskID, rank: UInt64) -> Bool
    /// Peek, count, `contains` of every task and of `probe`, and ranks where the structure tells them.
    mutating func observe(probe: TaskID) -> Observation
    /// A broken internal invariant, described, or nil.
    mutating func invariantProblem() -> String?
}

/// `contains` of every task 0 ..< 64 as a bit set.
private func members(_ contains: (TaskID) -> Bool) -> UInt64 {
    var bits: UInt64 = 0
    var raw: UInt8 = 0
    while raw < 64 {
        if contains(TaskID(raw)) { bits |= UInt64(1) << UInt64(raw) }
        raw += 1
    }
    return bits
}

/// A key or deadline: mostly a few small values (many ties), sometimes anything, sometimes an extreme.
private func randomKey(_ rng: inout SplitMix64) -> UInt64 {
    switch rng.next() % 8 {
    case 0: return rng.next()
    case 1: return rng.next() % 2 == 0 ? 0 : .max
    default: return rng.next() % 12
    }
}

/// A fixed-priority rank (63 - priority): mostly a few middle levels, sometimes the edge levels 0 and 63.
private func randomLevelRank(_ rng: inout SplitMix64) -> UInt64 {
    rng.next() % 4 == 0 ? (rng.next() % 2 == 0 ? 0 : 63) : 28 + rng.next() % 6
}

extension TaskHeap: ModelSubject {
    fileprivate static var canUpdate: Bool { true }
    fileprivate static var reportsRanks: Bool { true }
    fileprivate static func randomRank(_ rng: inout SplitMix64) -> UInt64 { randomKey(&rng) }
    fileprivate mutating func insert(_ task: TaskID, rank: UInt64, atFront: Bool) -> Bool {
        insert(task, key: rank, atFront: atFront)
    }
    fileprivate mutating func pop() -> TaskID? { popMin() }
    fileprivate mutating func exchange(_ task: TaskID, rank: UInt64) -> TaskID? {
        guard task.index < TaskID.capacity, !contains(task), let first = popMin() else { return nil }
        insert(task, key: rank)
        return first
    }
    fileprivate mutating func update(_ task: TaskID, rank: UInt64) -> Bool { update(task, key: rank) }
    fileprivate mutating func observe(probe: TaskID) -> Observation {
        Observation(
            peek: peek()?.raw, count: count, members: members({ var copy = self; return copy.contains($0) }), probeIsMember: contains(probe),
            peekRank: peekKey(), probeRank: key(of: probe))
    }

    /// Checks heap order, the position table, and `isEmpty`.
    fileprivate mutating func invariantProblem() -> String? {
        if isEmpty != (count == 0) { return "isEmpty disagrees with count" }
        var positioned = 0
        for task in 0..<TaskID.capacity where position[task] != TaskHeap.absent { positioned += 1 }
        if positioned != count { return "\(positioned) tasks have positions, count is \(count)" }
        for slot in 0..<count {
            let task = Int(heap[slot])
            if Int(position[task]) != slot { return "position[\(task)] = \(position[task]), heap slot \(slot)" }
            if slot > 0 && precedes(slot, (slot - 1) / 2) { return "heap slot \(slot) precedes its parent" }
        }
        return nil
    }
}

/// Rank r is priority 63 - r.
extension FixedPriorityReadyQueue: ModelSubject {
    fileprivate static var canUpdate: Bool { false }
    fileprivate static var reportsRanks: Bool { true }
    fileprivate static func randomRank(_ rng: inout SplitMix64) -> UInt64 { randomLevelRank(&rng) }
    fileprivate mutating func insert(_ task: TaskID, rank: UInt64, atFront: Bool) -> Bool {
        let priority = Priority(UInt8(63 - rank))
        return atFront ? enqueueFront(task, priority: priority) : enqueueBack(task, priority: priority)
    }
    fileprivate mutating func pop() -> TaskID? { popFirst() }
    fileprivate mutating func exchange(_ task: TaskID, rank: UInt64) -> TaskID? {
        exchangeFirst(queueing: task, priority: Priority(UInt8(63 - rank)))
    }
    fileprivate mutating func update(_ task: TaskID, rank: UInt64) -> Bool { false }
    fileprivate mutating func observe(probe: TaskID) -> Observation {
        let snapshot = self
        let rank = { (task: TaskID) -> UInt64? in var copy = snapshot; return copy.priority(of: task).map { 63 - UInt64($0.raw) } }
        return Observation(
            peek: peek()?.raw, count: count, members: members({ var copy = self; return copy.contains($0) }), probeIsMember: contains(probe),
            peekRank: peek().flatMap(rank), probeRank: rank(probe))
    }

    /// Checks every level's links, tail and bitmap bit, and the total count.
    fileprivate mutating func invariantProblem() -> String? {
        if isEmpty != (count == 0) { return "isEmpty disagrees with count" }
        var total = 0
        for p in 0..<Priority.levels {
            var task = head[p]
            var previous = FixedPriorityReadyQueue.none
            var length = 0
            while task != FixedPriorityReadyQueue.none {
                if level[Int(task)] != UInt8(p) { return "task \(task) is linked at level \(p)" }
                if prev[Int(task)] != previous { return "task \(task) has the wrong prev link" }
                previous = task
                task = next[Int(task)]
                length += 1
                if length > TaskID.capacity { return "level \(p) has a cycle" }
            }
            if tail[p] != previous { return "level \(p) has the wrong tail" }
            if (bitmap >> UInt64(p)) & 1 != (length > 0 ? 1 : 0) { return "bitmap bit \(p) is wrong" }
            total += length
        }
        return total == count ? nil : "\(total) tasks linked, count is \(count)"
    }
}

/// A policy driven only through `SchedulingPolicy`; the urgency part the policy ignores is junk.
private struct PolicySubject<P: SchedulingPolicy>: ModelSubject {
    var policy = P()
    /// FP rank r is priority 63 - r; EDF rank is the deadline.
    static var isFixedPriority: Bool { "\(P.name)" == "fp" }
    static var canUpdate: Bool { false }
    static var reportsRanks: Bool { false }
    static func randomRank(_ rng: inout SplitMix64) -> UInt64 {
        isFixedPriority ? randomLevelRank(&rng) : randomKey(&rng)
    }
    mutating func insert(_ task: TaskID, rank: UInt64, atFront: Bool) -> Bool {
        let junk = UInt64(task.raw) &* 0x9E37_79B9_7F4A_7C15
        let urgency = Self.isFixedPriority
            ? Urgency(priority: Priority(UInt8(63 - rank)), deadlineNs: junk)
            : Urgency(priority: Priority(UInt8(junk >> 58)), deadlineNs: rank)
        return policy.insert(task, urgency: urgency, atFront: atFront)
    }
    mutating func remove(_ task: TaskID) -> Bool { policy.remove(task) }
    mutating func exchange(_ task: TaskID, rank: UInt64) -> TaskID? {
        guard task.index < TaskID.capacity else { return nil }  // the kernel only passes task IDs of its table
        return policy.exchangeFirst(queueing: task, urgency: urgency(task, rank: rank))
    }
    func urgency(_ task: TaskID, rank: UInt64) -> Urgency {
        let junk = UInt64(task.raw) &* 0x9E37_79B9_7F4A_7C15
        return Self.isFixedPriority
            ? Urgency(priority: Priority(UInt8(63 - rank)), deadlineNs: junk)
            : Urgency(priority: Priority(UInt8(junk >> 58)), deadlineNs: rank)
    }
    mutating func pop() -> TaskID? {
        guard let task = policy.peek() else { return nil }
        return policy.remove(task) ? task : nil
    }
    mutating func update(_ task: TaskID, rank: UInt64) -> Bool { false }
    mutating func observe(probe: TaskID) -> Observation {
        Observation(
            peek: policy.peek()?.raw, count: policy.count, members: members({ var copy = policy; return copy.contains($0) }),
            probeIsMember: policy.contains(probe))
    }
    mutating func invariantProblem() -> String? { nil }
}

/// How many random sequences each structure runs.
private let sequencesPerStructure = 10_000

/// Runs `sequencesPerStructure` random sequences, each from its own seed, stopping at the first disagreement.
private func runModelCheck<S: ModelSubject>(_: S.Type, baseSeed: UInt64) {
    var seeds = SplitMix64(seed: baseSeed)
    for sequence in 0..<sequencesPerStructure {
        let seed = seeds.next()
        if let problem = runSequence(S.self, seed: seed) {
            Issue.record("\(S.self) sequence \(sequence), seed 0x\(String(seed, radix: 16)): \(problem)")
            return
        }
    }
}

/// One step of a random sequence (described only when a check fails).
private enum Operation: CustomStringConvertible {
    case insert(UInt8, rank: UInt64, atFront: Bool)
    case update(UInt8, rank: UInt64)
    case remove(UInt8)
    case pop
    case exchange(UInt8, rank: UInt64)

    var description: String {
        switch self {
        case .insert(let task, let rank, let atFront): "insert(\(task), rank \(rank), atFront \(atFront))"
        case .update(let task, let rank): "update(\(task), rank \(rank))"
        case .remove(let task): "remove(\(task))"
        case .pop: "pop()"
        case .exchange(let task, let rank): "exchange(\(task), rank \(rank))"
        }
    }
}

/// One random sequence of operations from `seed`, compared with the model after every step; the first
/// disagreement, or nil. To reproduce a failure, call this with the seed from the message.
private func runSequence<S: ModelSubject>(_: S.Type, seed: UInt64) -> String? {
    var rng = SplitMix64(seed: seed)
    var subject = S()
    var model = OrderModel()
    // Most sequences are short; one in ten is long and mostly inserts, so the structure fills up to all 64
    // tasks. Half end by popping everything (and once more from the empty structure).
    let long = rng.next() % 10 == 0
    let steps = long ? 60 + Int(rng.next() % 60) : 1 + Int(rng.next() % 16)
    let insertPercent = long ? 60 + rng.next() % 39 : 35 + rng.next() % 50
    let drainAtEnd = rng.next() % 2 == 0
    var step = 0
    var poppedEmpty = false
    while step < steps || (drainAtEnd && !poppedEmpty) {
        // Mostly a task of the table; now and then one outside it.
        let raw = rng.next() % 32 == 0 ? UInt8(64 + rng.next() % 192) : UInt8(rng.next() % 64)
        let roll = step < steps ? rng.next() % 100 : 100
        let otherwise = rng.next() % 10  // when not inserting: 0 update, 1 ... 6 remove, 7 exchange, 8 and 9 pop
        let operation: Operation
        let agreed: Bool
        if roll < insertPercent {
            // Half the time a task the model does not hold, so the structure can fill up.
            let task = rng.next() % 2 == 0 ? model.absentTask(from: raw) ?? raw : raw
            let rank = S.randomRank(&rng)
            let atFront = rng.next() % 4 == 0
            operation = .insert(task, rank: rank, atFront: atFront)
            agreed = subject.insert(TaskID(task), rank: rank, atFront: atFront)
                == model.insert(task, rank: rank, atFront: atFront)
        } else if roll < 100 && otherwise == 0 && S.canUpdate {
            let rank = S.randomRank(&rng)
            operation = .update(raw, rank: rank)
            agreed = subject.update(TaskID(raw), rank: rank) == model.update(raw, rank: rank)
        } else if roll < 100 && otherwise == 7 {
            // Mostly a task the model does not hold (the kernel hands over to a task that is not ready).
            let task = rng.next() % 4 != 0 ? model.absentTask(from: raw) ?? raw : raw
            let rank = S.randomRank(&rng)
            operation = .exchange(task, rank: rank)
            agreed = subject.exchange(TaskID(task), rank: rank)?.raw == model.exchange(task, rank: rank)
        } else if roll < 100 && otherwise < 8 {
            // Half the time a task the model holds, so removals mostly hit.
            let victim = rng.next() % 2 == 0 && !model.entries.isEmpty
                ? model.entries[Int(rng.next() % UInt64(model.entries.count))].task : raw
            operation = .remove(victim)
            agreed = subject.remove(TaskID(victim)) == model.remove(victim)
        } else {
            operation = .pop
            let want = model.pop()
            agreed = subject.pop()?.raw == want
            poppedEmpty = step >= steps && want == nil
        }
        if !agreed { return "step \(step) \(operation): result differs from the model" }
        let got = subject.observe(probe: TaskID(raw))
        let want = model.observe(probe: raw, withRanks: S.reportsRanks)
        if got != want { return "after step \(step) \(operation): got \(got); model \(want)" }
        step += 1
    }
    if let problem = subject.invariantProblem() { return "at the end: \(problem)" }
    return nil
}
