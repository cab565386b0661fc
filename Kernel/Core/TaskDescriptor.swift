// The static declaration of a task (Hubris style): everything about it is fixed before the kernel starts.

/// The code a task runs: a C-callable function taking the descriptor's `argument`.
public typealias TaskEntry = @convention(c) (UInt) -> Void

/// One entry of an image's task table.
public struct TaskDescriptor {
    /// Name printed in fault reports and logs.
    public var name: StaticString
    /// Entry point; returning from it ends the task.
    public var entry: TaskEntry
    /// Passed to `entry`.
    public var argument: UInt
    /// Stack size in bytes (rounded up to 16).
    public var stackBytes: Int
    /// Fixed priority (used by the fixed-priority policy and as the tie-breaker nowhere else).
    public var priority: Priority
    /// Release period in ns; 0 for a task that is released once at start.
    public var periodNs: UInt64
    /// Relative deadline in ns; 0 means "equal to the period" (or no deadline for aperiodic tasks).
    public var relativeDeadlineNs: UInt64
    /// Execution budget per period in ns; 0 means unlimited.
    public var budgetNs: UInt64
    /// Offset of the first release from the start, ns.
    public var offsetNs: UInt64
    /// May read the audit ring and end the machine.
    public var privileged: Bool

    /// A task declaration; only `name` and `entry` are required.
    public init(name: StaticString, entry: TaskEntry, argument: UInt = 0, stackBytes: Int = 8192,
                priority: Priority = Priority(1), periodNs: UInt64 = 0, relativeDeadlineNs: UInt64 = 0,
                budgetNs: UInt64 = 0, offsetNs: UInt64 = 0, privileged: Bool = false) {
        self.name = name
        self.entry = entry
        self.argument = argument
        self.stackBytes = stackBytes
        self.priority = priority
        self.periodNs = periodNs
        self.relativeDeadlineNs = relativeDeadlineNs
        self.budgetNs = budgetNs
        self.offsetNs = offsetNs
        self.privileged = privileged
    }

    /// The deadline relative to each release (the period when not given; "never" for aperiodic tasks without one).
    public var effectiveRelativeDeadlineNs: UInt64 {
        if relativeDeadlineNs != 0 { return relativeDeadlineNs }
        return periodNs != 0 ? periodNs : UInt64.max / 4
    }
}
