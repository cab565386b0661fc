// The fixed-priority ready queue: one FIFO of tasks per priority level and a bitmap of non-empty levels.

/// Ready tasks by fixed priority: for each of `Priority.levels` levels a FIFO kept as an intrusive doubly
/// linked list over task indices, and a bitmap of the non-empty levels, so every operation is O(1).
public struct FixedPriorityReadyQueue: Sendable {
    /// The link value meaning "no task" (also the level of a task that is not queued).
    static let none: UInt8 = 0xFF

    /// For each level, its first task index, or `none`.
    var head = InlineArray<64, UInt8>(repeating: 0xFF)
    /// For each level, its last task index, or `none`.
    var tail = InlineArray<64, UInt8>(repeating: 0xFF)
    /// For each queued task index, the task after it in its level, or `none`.
    var next = InlineArray<64, UInt8>(repeating: 0xFF)
    /// For each queued task index, the task before it in its level, or `none`.
    var prev = InlineArray<64, UInt8>(repeating: 0xFF)
    /// For each task index, the level it is queued at, or `none`.
    var level = InlineArray<64, UInt8>(repeating: 0xFF)
    /// Bit `p` is set when level `p` holds at least one task.
    public private(set) var bitmap: UInt64 = 0

    /// How many tasks are queued.
    public private(set) var count = 0

    /// An empty queue.
    public init() {}

    /// Whether no task is queued; O(1).
    public var isEmpty: Bool { count == 0 }

    /// Whether `task` is queued; O(1).
    public mutating func contains(_ task: TaskID) -> Bool {
        task.index < TaskID.capacity && level[unchecked: task.index] != FixedPriorityReadyQueue.none
    }

    /// The priority `task` is queued at, or nil when it is not queued; O(1).
    public mutating func priority(of task: TaskID) -> Priority? {
        contains(task) ? Priority(level[task.index]) : nil
    }

    /// Queues `task` last among the tasks of `priority`; false if it is already queued or either argument is
    /// out of range; O(1).
    @discardableResult
    public mutating func enqueueBack(_ task: TaskID, priority: Priority) -> Bool {
        guard canEnqueue(task, priority) else { return false }
        linkLast(task.index, Int(priority.raw))
        return true
    }

    /// Links task index `t` (< 64, not queued) last at level `p` (< 64). (Unchecked subscripts: every index
    /// here is a task index or a level the callers checked, or a link, which holds one or `none`.)
    @inline(__always)
    mutating func linkLast(_ t: Int, _ p: Int) {
        let last = tail[unchecked: p]
        level[unchecked: t] = UInt8(truncatingIfNeeded: p)
        prev[unchecked: t] = last
        next[unchecked: t] = FixedPriorityReadyQueue.none
        if last == FixedPriorityReadyQueue.none { head[unchecked: p] = UInt8(truncatingIfNeeded: t) } else { next[unchecked: Int(last)] = UInt8(truncatingIfNeeded: t) }
        tail[unchecked: p] = UInt8(truncatingIfNeeded: t)
        markQueued(p)
    }

    /// Takes the first task of the most urgent level out and queues `task` (not queued) last at `priority`
    /// in one step: a yield handing the CPU to the first ready task; O(1). Returns the task taken out (nil,
    /// with nothing changed, when the queue is empty or `task`/`priority` is out of range or `task` queued).
    @inline(__always)
    public mutating func exchangeFirst(queueing task: TaskID, priority: Priority) -> TaskID? {
        guard bitmap != 0, canEnqueue(task, priority) else { return nil }
        let p = 63 - bitmap.leadingZeroBitCount
        let first = Int(head[unchecked: p])
        let after = next[unchecked: first]
        head[unchecked: p] = after
        if after == FixedPriorityReadyQueue.none {
            tail[unchecked: p] = FixedPriorityReadyQueue.none
            bitmap &= ~(UInt64(1) << UInt64(p))
        } else {
            prev[unchecked: Int(after)] = FixedPriorityReadyQueue.none
        }
        level[unchecked: first] = FixedPriorityReadyQueue.none
        next[unchecked: first] = FixedPriorityReadyQueue.none
        count -= 1
        linkLast(task.index, Int(priority.raw))
        return TaskID(UInt8(truncatingIfNeeded: first))
    }

    /// Queues `task` first among the tasks of `priority` (where a preempted task goes back); false if it is
    /// already queued or either argument is out of range; O(1).
    @discardableResult
    public mutating func enqueueFront(_ task: TaskID, priority: Priority) -> Bool {
        guard canEnqueue(task, priority) else { return false }
        let t = task.raw
        let p = Int(priority.raw)
        let first = head[p]
        level[Int(t)] = priority.raw
        prev[Int(t)] = FixedPriorityReadyQueue.none
        next[Int(t)] = first
        if first == FixedPriorityReadyQueue.none { tail[p] = t } else { prev[Int(first)] = t }
        head[p] = t
        markQueued(p)
        return true
    }

    /// Takes `task` out of its level wherever it is in the FIFO; false if it was not queued; O(1).
    @discardableResult
    public mutating func remove(_ task: TaskID) -> Bool {
        guard contains(task) else { return false }
        let t = task.index
        let p = Int(level[unchecked: t])
        let before = prev[unchecked: t]
        let after = next[unchecked: t]
        if before == FixedPriorityReadyQueue.none { head[unchecked: p] = after } else { next[unchecked: Int(before)] = after }
        if after == FixedPriorityReadyQueue.none { tail[unchecked: p] = before } else { prev[unchecked: Int(after)] = before }
        level[unchecked: t] = FixedPriorityReadyQueue.none
        next[unchecked: t] = FixedPriorityReadyQueue.none
        prev[unchecked: t] = FixedPriorityReadyQueue.none
        if head[unchecked: p] == FixedPriorityReadyQueue.none { bitmap &= ~(UInt64(1) << UInt64(p)) }
        count -= 1
        return true
    }

    /// The first task of the most urgent non-empty level, or nil when empty; O(1) (one count-leading-zeros).
    public mutating func peek() -> TaskID? {
        guard bitmap != 0 else { return nil }
        let p = 63 - bitmap.leadingZeroBitCount
        return TaskID(head[unchecked: p])
    }

    /// Removes and returns what `peek()` would return, or nil when empty; O(1).
    public mutating func popFirst() -> TaskID? {
        guard let task = peek() else { return nil }
        remove(task)
        return task
    }

    // MARK: Helpers

    /// Whether `task` and `priority` are in range and `task` is not queued yet.
    mutating func canEnqueue(_ task: TaskID, _ priority: Priority) -> Bool {
        task.index < TaskID.capacity && Int(priority.raw) < Priority.levels && !contains(task)
    }

    /// Counts a newly linked task and marks level `p` non-empty.
    @inline(__always)
    mutating func markQueued(_ p: Int) {
        bitmap |= UInt64(1) << UInt64(p)
        count += 1
    }
}
