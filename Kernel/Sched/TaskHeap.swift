// A binary min-heap of task IDs keyed by a 64-bit value (EDF's ready queue, timer queues), with FIFO ties.

/// A binary min-heap of up to `TaskID.capacity` distinct tasks, ordered by key and then by insertion order,
/// so tasks with equal keys come out first in, first out. Fixed storage, no heap allocation; the heap is at
/// most 6 levels deep below the root, so every O(log n) operation does at most 6 swaps (plus one move on removal).
/// Back insertions count sequence numbers up from 2^63, front insertions count down from below it: 2^63 each
/// before they wrap (about 290 years at one insertion per nanosecond).
public struct TaskHeap: Sendable {
    /// The marker in `position` for a task that is not in the heap.
    static let absent: UInt8 = 0xFF
    /// The first sequence number given to a task inserted at the back; front insertions count down from below it.
    static let firstBackSequence: UInt64 = 1 << 63

    /// The heap itself: `heap[0 ..< count]` holds task indices, each no more urgent than its children.
    var heap = InlineArray<64, UInt8>(repeating: 0)
    /// For each task index, its slot in `heap`, or `absent`.
    var position = InlineArray<64, UInt8>(repeating: 0xFF)
    /// For each task index in the heap, its key.
    var keys = InlineArray<64, UInt64>(repeating: 0)
    /// For each task index in the heap, its insertion sequence (the tie-break between equal keys).
    var sequences = InlineArray<64, UInt64>(repeating: 0)
    /// The sequence the next back insertion gets (counts up).
    var nextBackSequence: UInt64 = TaskHeap.firstBackSequence
    /// The sequence the next front insertion gets (counts down).
    var nextFrontSequence: UInt64 = TaskHeap.firstBackSequence - 1

    /// How many tasks are in the heap.
    public private(set) var count = 0

    /// An empty heap.
    public init() {}

    /// Whether the heap holds no task; O(1).
    public var isEmpty: Bool { count == 0 }

    /// Whether `task` is in the heap; O(1).
    public mutating func contains(_ task: TaskID) -> Bool {
        task.index < TaskID.capacity && position[task.index] != TaskHeap.absent
    }

    /// The key `task` is held under, or nil when it is not in the heap; O(1).
    public mutating func key(of task: TaskID) -> UInt64? {
        contains(task) ? keys[task.index] : nil
    }

    /// Adds `task` under `key`, after every task with the same key (or before them all when `atFront`);
    /// false if it is already in the heap or not a valid task; O(log n), at most 6 swaps.
    @discardableResult
    public mutating func insert(_ task: TaskID, key: UInt64, atFront: Bool = false) -> Bool {
        guard task.index < TaskID.capacity, position[task.index] == TaskHeap.absent else { return false }
        let t = task.index
        keys[t] = key
        if atFront {
            sequences[t] = nextFrontSequence
            nextFrontSequence &-= 1
        } else {
            sequences[t] = nextBackSequence
            nextBackSequence &+= 1
        }
        heap[count] = task.raw
        position[t] = UInt8(count)
        count += 1
        siftUp(count - 1)
        return true
    }

    /// Takes `task` out of the heap; false if it was not there; O(log n), the last task moves in, then at most 6 swaps.
    @discardableResult
    public mutating func remove(_ task: TaskID) -> Bool {
        guard contains(task) else { return false }
        removeSlot(Int(position[task.index]))
        return true
    }

    /// The most urgent task (smallest key, earliest inserted among equals), or nil when empty; O(1).
    public mutating func peek() -> TaskID? {
        count == 0 ? nil : TaskID(heap[0])
    }

    /// The least key after the most urgent task's (the smaller of the root's children' keys), or nil with fewer
    /// than two tasks; O(1).
    public mutating func secondKey() -> UInt64? {
        guard count > 1 else { return nil }
        let left = keys[Int(heap[1])]
        guard count > 2 else { return left }
        return min(left, keys[Int(heap[2])])
    }

    /// The key of the most urgent task, or nil when empty; O(1).
    public mutating func peekKey() -> UInt64? {
        count == 0 ? nil : keys[Int(heap[0])]
    }

    /// Removes and returns the most urgent task, or nil when empty; O(log n), like `remove`.
    public mutating func popMin() -> TaskID? {
        guard count > 0 else { return nil }
        let task = TaskID(heap[0])
        removeSlot(0)
        return task
    }

    /// Gives `task` a new key, keeping its insertion sequence, and restores heap order; false if it is not in
    /// the heap; O(log n), at most 6 swaps.
    @discardableResult
    public mutating func update(_ task: TaskID, key: UInt64) -> Bool {
        guard contains(task) else { return false }
        keys[task.index] = key
        restoreOrder(of: task.index)
        return true
    }

    // MARK: Heap mechanics

    /// Whether the task in heap slot `a` must come out before the one in slot `b`.
    mutating func precedes(_ a: Int, _ b: Int) -> Bool {
        let ta = Int(heap[a])
        let tb = Int(heap[b])
        if keys[ta] != keys[tb] { return keys[ta] < keys[tb] }
        return sequences[ta] < sequences[tb]
    }

    /// Exchanges heap slots `a` and `b` and records the tasks' new positions.
    mutating func swapSlots(_ a: Int, _ b: Int) {
        let ta = heap[a]
        let tb = heap[b]
        heap[a] = tb
        heap[b] = ta
        position[Int(tb)] = UInt8(a)
        position[Int(ta)] = UInt8(b)
    }

    /// Moves the task in `slot` towards the root while it precedes its parent.
    mutating func siftUp(_ slot: Int) {
        var i = slot
        while i > 0 {
            let parent = (i - 1) / 2
            guard precedes(i, parent) else { return }
            swapSlots(i, parent)
            i = parent
        }
    }

    /// Moves the task in `slot` towards the leaves while a child precedes it.
    mutating func siftDown(_ slot: Int) {
        var i = slot
        while true {
            let left = 2 * i + 1
            guard left < count else { return }
            let right = left + 1
            let child = right < count && precedes(right, left) ? right : left
            guard precedes(child, i) else { return }
            swapSlots(i, child)
            i = child
        }
    }

    /// Removes the task in heap slot `slot`: the last task takes its place and moves up or down.
    mutating func removeSlot(_ slot: Int) {
        let last = count - 1
        let removed = Int(heap[slot])
        if slot != last { swapSlots(slot, last) }
        position[removed] = TaskHeap.absent
        count = last
        if slot < count { restoreOrder(of: Int(heap[slot])) }
    }

    /// Moves task index `t`, whose key or slot just changed, up or down until the heap is in order again.
    mutating func restoreOrder(of t: Int) {
        siftUp(Int(position[t]))
        siftDown(Int(position[t]))
    }
}
