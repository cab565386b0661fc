// The task model the schedulability analyses work on: WCET, period, deadline, jitter, priority, critical sections.

/// A critical section: the task holds `resource` for up to `lengthNs`.
public struct CriticalSection: Equatable, Sendable {
    /// Resource index (0 ..< `AnalysisTaskSet.resourceCapacity`).
    public var resource: UInt8
    /// Longest time the resource is held, ns.
    public var lengthNs: UInt64

    /// A section on `resource` of `lengthNs`.
    public init(resource: UInt8, lengthNs: UInt64) {
        self.resource = resource
        self.lengthNs = lengthNs
    }
}

/// One task as the analyses see it (all times in ns).
public struct AnalysisTask: Equatable, Sendable {
    /// Worst-case execution time C.
    public var wcetNs: UInt64
    /// Period or minimum inter-arrival time T.
    public var periodNs: UInt64
    /// Relative deadline D (may exceed T for fixed-priority analysis).
    public var deadlineNs: UInt64
    /// Release jitter J.
    public var jitterNs: UInt64
    /// Fixed priority, larger is more urgent; nil until assigned.
    public var priority: Priority?
    /// Critical sections (at most `AnalysisTask.sectionCapacity`).
    public var sections = InlineArray<4, CriticalSection>(repeating: CriticalSection(resource: 0, lengthNs: 0))
    /// Sections in use.
    public var sectionCount = 0
    /// The most sections a task can declare.
    public static let sectionCapacity = 4

    /// A task with C, T, D (D = T when 0), J and an optional priority.
    public init(wcetNs: UInt64, periodNs: UInt64, deadlineNs: UInt64 = 0, jitterNs: UInt64 = 0, priority: Priority? = nil) {
        self.wcetNs = wcetNs
        self.periodNs = periodNs
        self.deadlineNs = deadlineNs == 0 ? periodNs : deadlineNs
        self.jitterNs = jitterNs
        self.priority = priority
    }

    /// Adds a critical section; false when full.
    @discardableResult
    public mutating func add(_ section: CriticalSection) -> Bool {
        guard sectionCount < AnalysisTask.sectionCapacity else { return false }
        sections[sectionCount] = section
        sectionCount += 1
        return true
    }

    public static func == (lhs: AnalysisTask, rhs: AnalysisTask) -> Bool {
        guard lhs.wcetNs == rhs.wcetNs, lhs.periodNs == rhs.periodNs, lhs.deadlineNs == rhs.deadlineNs,
              lhs.jitterNs == rhs.jitterNs, lhs.priority == rhs.priority, lhs.sectionCount == rhs.sectionCount else { return false }
        var i = 0
        while i < lhs.sectionCount {
            if lhs.sections[i] != rhs.sections[i] { return false }
            i += 1
        }
        return true
    }
}

/// Why a task set cannot be analysed.
public enum AnalysisError: Error, Equatable, Sendable {
    /// More than 64 tasks.
    case tooManyTasks
    /// A task with a zero period or zero WCET.
    case invalidTask(index: Int)
    /// Fixed-priority analysis of a task without a priority.
    case missingPriority(index: Int)
}

/// Up to 64 tasks, stored inline (the analyses allocate nothing, so the kernel can run them at boot).
public struct AnalysisTaskSet: Sendable {
    /// The most tasks a set holds.
    public static let capacity = 64
    /// Resources critical sections may name.
    public static let resourceCapacity = 16
    var storage = InlineArray<64, AnalysisTask>(repeating: AnalysisTask(wcetNs: 0, periodNs: 0))
    /// Tasks in the set.
    public private(set) var count = 0

    /// An empty set.
    public init() {}

    /// Appends a task; false when full.
    @discardableResult
    public mutating func append(_ task: AnalysisTask) -> Bool {
        guard count < AnalysisTaskSet.capacity else { return false }
        storage[count] = task
        count += 1
        return true
    }

    /// Task `index` (0 ..< count). Mutating so that it reads in place.
    public subscript(index: Int) -> AnalysisTask {
        mutating get { storage[index] }
        set { storage[index] = newValue }
    }

    /// Checks every task has C > 0 and T > 0 (and a priority when `needPriorities`).
    public mutating func validate(needPriorities: Bool) throws(AnalysisError) {
        var i = 0
        while i < count {
            if storage[i].wcetNs == 0 || storage[i].periodNs == 0 || storage[i].deadlineNs == 0 { throw .invalidTask(index: i) }
            if needPriorities && storage[i].priority == nil { throw .missingPriority(index: i) }
            i += 1
        }
    }

    /// Total utilization Σ C/T.
    public mutating func utilization() -> Double {
        var u = 0.0
        var i = 0
        while i < count {
            u += Double(storage[i].wcetNs) / Double(storage[i].periodNs)
            i += 1
        }
        return u
    }
}
