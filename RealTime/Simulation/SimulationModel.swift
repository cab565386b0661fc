// What the schedule simulator takes (tasks, options) and what it gives back (a job trace and per-task figures).
// Host-side: it uses arrays, so it is left out of Embedded builds (the boards run the real kernel instead).

#if !hasFeature(Embedded)

/// One periodic (or sporadic, simulated at its minimum inter-arrival time) task, all times in ns.
public struct SimulatedTask: Equatable, Sendable {
    /// Worst-case execution time C.
    public var wcetNs: UInt64
    /// Best-case execution time (equal to `wcetNs` unless execution times are sampled).
    public var bcetNs: UInt64
    /// Period T: job k arrives at `offsetNs + k·T`.
    public var periodNs: UInt64
    /// Relative deadline D, counted from the arrival (may exceed T).
    public var deadlineNs: UInt64
    /// Release jitter J: a job is released up to J after its arrival.
    public var jitterNs: UInt64
    /// Arrival of the first job.
    public var offsetNs: UInt64
    /// Fixed priority (used by the fixed-priority policy; larger is more urgent).
    public var priority: Priority
    /// Critical sections, run one after another at the start of every job, in this order.
    public var sections: [CriticalSection]

    /// A task; `deadlineNs` 0 means D = T, `bcetNs` nil means the WCET.
    public init(wcetNs: UInt64, periodNs: UInt64, deadlineNs: UInt64 = 0, jitterNs: UInt64 = 0, offsetNs: UInt64 = 0,
                bcetNs: UInt64? = nil, priority: Priority = .lowest, sections: [CriticalSection] = []) {
        self.wcetNs = wcetNs
        self.bcetNs = bcetNs ?? wcetNs
        self.periodNs = periodNs
        self.deadlineNs = deadlineNs == 0 ? periodNs : deadlineNs
        self.jitterNs = jitterNs
        self.offsetNs = offsetNs
        self.priority = priority
        self.sections = sections
    }

    /// The task the analyses see, with an offset and a best case added (no priority becomes the lowest).
    public init(_ task: AnalysisTask, offsetNs: UInt64 = 0, bcetNs: UInt64? = nil) {
        var sections: [CriticalSection] = []
        var s = 0
        while s < task.sectionCount { sections.append(task.sections[s]); s += 1 }
        self.init(wcetNs: task.wcetNs, periodNs: task.periodNs, deadlineNs: task.deadlineNs, jitterNs: task.jitterNs,
                  offsetNs: offsetNs, bcetNs: bcetNs, priority: task.priority ?? .lowest, sections: sections)
    }
}

/// Why a task list cannot be simulated.
public enum SimulationError: Error, Equatable, Sendable {
    /// More tasks than the kernel's ready queues hold (`TaskID.capacity`).
    case tooManyTasks(count: Int)
    /// Task `index` has a zero period, WCET or deadline, a best case above its worst case, or critical
    /// sections longer in total than its WCET.
    case invalidTask(index: Int, reason: String)
}

/// How the simulator picks execution times and release jitter.
public struct SimulationOptions: Sendable {
    /// Execution time of each job.
    public enum ExecutionTimes: Sendable {
        /// Every job runs for its task's WCET.
        case worstCase
        /// Drawn uniformly from BCET ... WCET with the seeded generator.
        case uniform
    }

    /// Release jitter of each job.
    public enum Jitter: Sendable {
        /// Released at its arrival.
        case none
        /// Released at arrival + j, j drawn uniformly from 0 ... J (releases of a task stay in order).
        case uniform
    }

    /// The simulation stops at this time (events at exactly this time still happen).
    public var untilNs: UInt64
    /// Jobs arrive only before this time (defaults to `untilNs`); a larger `untilNs` lets the backlog drain.
    public var arrivalsBeforeNs: UInt64
    /// Execution-time model.
    public var executionTimes: ExecutionTimes
    /// Jitter model.
    public var jitter: Jitter
    /// Seed of the generator used by the sampled models.
    public var seed: UInt64
    /// Whether to keep the event trace and the job records (statistics are always kept).
    public var recordsTrace: Bool

    /// Options; by default WCET execution, no jitter, arrivals up to the end, trace kept.
    public init(untilNs: UInt64, arrivalsBeforeNs: UInt64? = nil, executionTimes: ExecutionTimes = .worstCase,
                jitter: Jitter = .none, seed: UInt64 = 0, recordsTrace: Bool = true) {
        self.untilNs = untilNs
        self.arrivalsBeforeNs = arrivalsBeforeNs ?? untilNs
        self.executionTimes = executionTimes
        self.jitter = jitter
        self.seed = seed
        self.recordsTrace = recordsTrace
    }
}

/// Something that happened to a job.
public struct JobEvent: Equatable, Sendable {
    /// What happened.
    public enum Kind: Equatable, Sendable {
        /// The job became ready (its arrival plus its jitter).
        case release
        /// It ran for the first time.
        case start
        /// A more urgent task took the processor from it.
        case preempt
        /// It ran again after a preemption.
        case resume
        /// It locked a resource (its critical section begins).
        case lock(resource: UInt8)
        /// It unlocked the resource.
        case unlock(resource: UInt8)
        /// It completed.
        case finish
        /// Its deadline passed before it completed (it still runs to completion).
        case deadlineMiss
    }

    /// When, ns since the start of the simulation.
    public var timeNs: UInt64
    /// Task index (position in the simulator's task list).
    public var task: Int
    /// Job number within the task, from 0.
    public var job: Int
    /// What happened.
    public var kind: Kind

    /// An event.
    public init(timeNs: UInt64, task: Int, job: Int, kind: Kind) {
        self.timeNs = timeNs
        self.task = task
        self.job = job
        self.kind = kind
    }
}

/// One job as it went.
public struct JobRecord: Equatable, Sendable {
    /// Task index.
    public var task: Int
    /// Job number within the task.
    public var job: Int
    /// Arrival (the period boundary; the deadline counts from here).
    public var arrivalNs: UInt64
    /// Release (arrival plus jitter).
    public var releaseNs: UInt64
    /// Absolute deadline.
    public var deadlineNs: UInt64
    /// Execution time it was given.
    public var executionNs: UInt64
    /// Completion, or nil when it had not completed by the end.
    public var finishNs: UInt64?
    /// Whether its deadline passed before it completed (nil finish with a deadline after the end: not known).
    public var missed: Bool

    /// Response time (finish − arrival), or nil when it had not completed.
    public var responseNs: UInt64? { finishNs.map { $0 - arrivalNs } }
}

/// Per-task figures of a run.
public struct TaskStatistics: Equatable, Sendable {
    /// Jobs released.
    public var released = 0
    /// Jobs completed.
    public var finished = 0
    /// Jobs whose deadline passed before they completed.
    public var missed = 0
    /// Times a job of the task was preempted.
    public var preemptions = 0
    /// Longest response time of a completed job (finish − arrival), nil when none completed.
    public var worstResponseNs: UInt64?
    /// Shortest response time of a completed job.
    public var bestResponseNs: UInt64?
    /// Jobs released but not completed when the simulation ended.
    public var unfinished = 0

    /// No jobs yet.
    public init() {}
}

/// What a run produced.
public struct SimulationResult: Sendable {
    /// Figures per task, in task order.
    public var tasks: [TaskStatistics]
    /// Every event in time order (empty unless `recordsTrace`).
    public var trace: [JobEvent]
    /// Every job released, in release order (empty unless `recordsTrace`).
    public var jobs: [JobRecord]
    /// When the simulation ended (`untilNs`, or earlier when every job was done and no more arrive).
    public var endNs: UInt64
    /// Time the processor was busy.
    public var busyNs: UInt64
    /// Dispatches of a different task than the one running before.
    public var contextSwitches: Int
    /// Times the stack resource policy's invariant was broken (a task started below the system ceiling, or
    /// found its resource locked). The simulator counts these instead of trapping; it should always be 0.
    public var protocolViolations: Int

    /// Deadline misses of all tasks.
    public var totalMisses: Int { tasks.reduce(0) { $0 + $1.missed } }
}

#endif
