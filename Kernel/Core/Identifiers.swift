// Typed identifiers the kernel's tables are indexed by: tasks, kernel objects, capability slots, priorities.
// "None" is always `nil` of an Optional (`TaskID?` for idle, `EndpointID?` for no endpoint), never a magic
// index.

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

/// An index into one of the kernel's static object tables; each kind has its own type, so an endpoint
/// index cannot be used where a notification is meant.
public protocol KernelObjectID: Equatable, Hashable, Sendable {
    /// The table index.
    var raw: UInt8 { get }
    /// The object at table index `raw`.
    init(_ raw: UInt8)
}

extension KernelObjectID {
    /// The table index as an `Int`.
    public var index: Int { Int(raw) }
}

/// A synchronous IPC endpoint (index into `KernelState.endpoints`).
public struct EndpointID: KernelObjectID {
    public let raw: UInt8
    public init(_ raw: UInt8) { self.raw = raw }
}

/// A notification word (index into `KernelState.notifications`).
public struct NotificationID: KernelObjectID {
    public let raw: UInt8
    public init(_ raw: UInt8) { self.raw = raw }
}

/// A message queue (index into `KernelState.queues`).
public struct QueueID: KernelObjectID {
    public let raw: UInt8
    public init(_ raw: UInt8) { self.raw = raw }
}

/// A slot in one task's capability space (0 ..< `CapabilityTable.slotsPerTask`); tasks name their
/// capabilities by slot in every system call.
public struct CapSlot: Equatable, Hashable, Sendable, ExpressibleByIntegerLiteral {
    /// The slot index.
    public let raw: UInt8
    /// Slot `raw`.
    public init(_ raw: UInt8) { self.raw = raw }
    /// Slot `value` (tables and tests write slots as literals).
    public init(integerLiteral value: UInt8) { self.raw = value }
    /// The slot index as an `Int`.
    public var index: Int { Int(raw) }
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
