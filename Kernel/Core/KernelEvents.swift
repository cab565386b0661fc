// A bounded log of notable kernel events (budget overruns, deadline misses, faults, exits) for the board to print.

/// What happened.
public enum KernelEventKind: UInt8, Sendable {
    /// A task used up its budget and was throttled.
    case budgetOverrun
    /// A job finished after its deadline.
    case deadlineMiss
    /// A task faulted and was stopped.
    case fault
    /// A task returned from its entry function.
    case exit
}

/// One logged event.
public struct KernelEvent: Sendable {
    /// When, ns since boot.
    public var timeNs: UInt64
    /// Which task.
    public var task: TaskID
    /// What.
    public var kind: KernelEventKind
}

/// A ring of the last `KernelEventLog.capacity` events; `drain` hands them out once.
public struct KernelEventLog: Sendable {
    /// Events kept before the oldest unread one is dropped.
    public static let capacity = 32
    var entries = InlineArray<32, KernelEvent>(repeating: KernelEvent(timeNs: 0, task: TaskID(0), kind: .exit))
    var start = 0
    /// Unread events.
    public private(set) var count = 0
    /// Events dropped because the ring was full.
    public private(set) var dropped: UInt32 = 0

    /// An empty log.
    public init() {}

    /// Records an event (O(1)).
    public mutating func record(_ event: KernelEvent) {
        if count == KernelEventLog.capacity {
            start = (start + 1) % KernelEventLog.capacity
            count -= 1
            dropped &+= 1
        }
        entries[(start + count) % KernelEventLog.capacity] = event
        count += 1
    }

    /// Takes the oldest unread event.
    public mutating func next() -> KernelEvent? {
        guard count > 0 else { return nil }
        let event = entries[start]
        start = (start + 1) % KernelEventLog.capacity
        count -= 1
        return event
    }
}
