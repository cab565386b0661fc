// Scheduling policies: what "more urgent" means and the ready queue that keeps tasks in that order (FP, EDF).

/// A scheduling policy: an urgency order over tasks and the ready set kept in that order.
/// The kernel is generic over it (no existentials), so each image picks one at compile time.
public protocol SchedulingPolicy {
    /// An empty ready set.
    init()
    /// Name for banners: "fp" or "edf".
    static var name: StaticString { get }
    /// Whether the policy orders by absolute deadline (EDF) rather than by priority.
    static var ordersByDeadline: Bool { get }
    /// Whether `a` is strictly more urgent than `b` under this policy.
    static func isMoreUrgent(_ a: Urgency, than b: Urgency) -> Bool
    /// A min-heap key: smaller is more urgent (FP: 63 - priority; EDF: the deadline).
    static func heapKey(_ urgency: Urgency) -> UInt64
    /// Makes `task` ready; `atFront` puts it first among equals (used for a preempted task; EDF may ignore it).
    @discardableResult
    mutating func insert(_ task: TaskID, urgency: Urgency, atFront: Bool) -> Bool
    /// Takes `task` out of the ready set; false if it was not ready.
    @discardableResult
    mutating func remove(_ task: TaskID) -> Bool
    /// The ready task that should run next, or nil when none is ready.
    mutating func peek() -> TaskID?
    /// Whether `task` is ready.
    mutating func contains(_ task: TaskID) -> Bool
    /// How many tasks are ready.
    var count: Int { get }
    /// Takes the task `peek()` returns out and makes `task` (not ready) ready behind the tasks of its urgency,
    /// in one step (a yield's hand-over): the same as `remove(peek())` then `insert(task, urgency:, atFront:
    /// false)`. Returns the task taken out; nil, with nothing changed, when none is ready.
    mutating func exchangeFirst(queueing task: TaskID, urgency: Urgency) -> TaskID?
}

extension SchedulingPolicy {
    /// `remove` and `insert`.
    public mutating func exchangeFirst(queueing task: TaskID, urgency: Urgency) -> TaskID? {
        guard let first = peek(), !contains(task) else { return nil }
        remove(first)
        insert(task, urgency: urgency, atFront: false)
        return first
    }
}

/// Fixed-priority preemptive scheduling: the highest priority number runs, FIFO within a level; all O(1).
public struct FixedPriorityPolicy: SchedulingPolicy, Sendable {
    /// The ready tasks by level.
    public private(set) var queue = FixedPriorityReadyQueue()

    /// No task ready.
    public init() {}

    /// "fp".
    public static var name: StaticString { "fp" }

    /// Fixed priorities, not deadlines.
    public static var ordersByDeadline: Bool { false }

    /// Whether `a` has a higher priority number than `b` (deadlines are ignored).
    public static func isMoreUrgent(_ a: Urgency, than b: Urgency) -> Bool {
        a.priority > b.priority
    }

    /// 63 - priority, so the most urgent level has key 0 (out-of-range priorities also map to 0).
    public static func heapKey(_ urgency: Urgency) -> UInt64 {
        let highest = Priority.highest.raw
        let p = urgency.priority.raw
        return p >= highest ? 0 : UInt64(highest - p)
    }

    /// Queues `task` at its priority, at the head of the level when `atFront`; false if already ready; O(1).
    @discardableResult
    public mutating func insert(_ task: TaskID, urgency: Urgency, atFront: Bool) -> Bool {
        atFront
            ? queue.enqueueFront(task, priority: urgency.priority)
            : queue.enqueueBack(task, priority: urgency.priority)
    }

    /// Takes `task` out of the ready queue; false if it was not ready; O(1).
    @discardableResult
    public mutating func remove(_ task: TaskID) -> Bool { queue.remove(task) }

    /// The first task of the highest non-empty level; O(1).
    public mutating func peek() -> TaskID? { queue.peek() }

    /// Whether `task` is ready; O(1).
    public mutating func contains(_ task: TaskID) -> Bool { queue.contains(task) }

    /// How many tasks are ready.
    public var count: Int { queue.count }

    /// Head out, `task` in last at its priority, in one step; O(1).
    @inline(__always)
    public mutating func exchangeFirst(queueing task: TaskID, urgency: Urgency) -> TaskID? {
        queue.exchangeFirst(queueing: task, priority: urgency.priority)
    }
}

/// Earliest-deadline-first scheduling: the earliest absolute deadline runs, FIFO among equal deadlines;
/// a task put back `atFront` goes before the tasks with its deadline. Insert and remove O(log n), peek O(1).
public struct EDFPolicy: SchedulingPolicy, Sendable {
    /// The ready tasks keyed by absolute deadline.
    public private(set) var heap = TaskHeap()

    /// No task ready.
    public init() {}

    /// "edf".
    public static var name: StaticString { "edf" }

    /// Earliest deadline first.
    public static var ordersByDeadline: Bool { true }

    /// Whether `a`'s deadline is strictly earlier than `b`'s (priorities are ignored).
    public static func isMoreUrgent(_ a: Urgency, than b: Urgency) -> Bool {
        a.deadlineNs < b.deadlineNs
    }

    /// The absolute deadline in nanoseconds.
    public static func heapKey(_ urgency: Urgency) -> UInt64 { urgency.deadlineNs }

    /// Adds `task` under its deadline, first among equal deadlines when `atFront`; false if already ready;
    /// O(log n).
    @discardableResult
    public mutating func insert(_ task: TaskID, urgency: Urgency, atFront: Bool) -> Bool {
        heap.insert(task, key: EDFPolicy.heapKey(urgency), atFront: atFront)
    }

    /// Takes `task` out of the ready heap; false if it was not ready; O(log n).
    @discardableResult
    public mutating func remove(_ task: TaskID) -> Bool { heap.remove(task) }

    /// The ready task with the earliest deadline; O(1).
    public mutating func peek() -> TaskID? { heap.peek() }

    /// Whether `task` is ready; O(1).
    public mutating func contains(_ task: TaskID) -> Bool { heap.contains(task) }

    /// How many tasks are ready.
    public var count: Int { heap.count }
}
