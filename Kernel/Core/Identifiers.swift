// Typed identifiers the kernel's tables are indexed by: tasks and priorities.

/// A task's index in the kernel's static task table (0 ..< `TaskID.capacity`).
public struct TaskID: Equatable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral {
    /// The most tasks an image can declare.
    public static let capacity = 64
    /// The table index.
    public let raw: UInt8

    /// The task at table index `raw` (must be below `capacity`).
    public init(_ raw: UInt8) { self.raw = raw }

    /// Task `value` (a literal table index, as tests and tables write them).
    public init(integerLiteral value: UInt8) { self.raw = value }

    /// The table index as an `Int`.
    public var index: Int { Int(raw) }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.raw < rhs.raw }
}

/// A fixed priority: 0 (least urgent) ... 63 (most urgent), as SCHED_FIFO numbers grow with urgency.
public struct Priority: Equatable, Hashable, Comparable, Sendable {
    /// The number of levels.
    public static let levels = 64
    /// The most urgent level.
    public static let highest = Priority(63)
    /// The least urgent level.
    public static let lowest = Priority(0)
    /// The level, 0 ... 63.
    public let raw: UInt8

    /// Level `raw` (must be below `levels`).
    public init(_ raw: UInt8) { self.raw = raw }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.raw < rhs.raw }
}

/// What a scheduling policy orders tasks by: FP looks at `priority`, EDF at `deadline` (absolute, ns).
public struct Urgency: Equatable, Sendable {
    /// Fixed priority (used by the fixed-priority policy).
    public var priority: Priority
    /// Absolute deadline in nanoseconds since boot (used by EDF).
    public var deadlineNs: UInt64

    /// An urgency with both parts.
    public init(priority: Priority, deadlineNs: UInt64) {
        self.priority = priority
        self.deadlineNs = deadlineNs
    }
}
