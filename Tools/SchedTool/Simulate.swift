// `orion sched simulate`: runs a task-set file through the simulator with the kernel's policy types.

import RealTime

/// One simulation of a file, with the analysis bounds beside it.
public struct SimulationRun: Sendable {
    public var spec: TaskSetSpec
    public var policy: SchedPolicy
    /// Priorities used (FP) and where they came from.
    public var priorities: [Int]?
    public var priorityOrigin: PriorityOrigin
    public var untilNs: UInt64
    public var seed: UInt64
    public var result: SimulationResult
    /// The analysis' worst-case response time per task (FP; nil when unbounded or under EDF).
    public var boundsNs: [UInt64?]
    /// The analysis' verdict for the set.
    public var analysisSchedulable: Bool
}

/// Simulates checked task-set files.
public enum SchedSimulator {
    /// The most jobs one run may release: a run stays within a few seconds and about 50 MB (2,000,000
    /// took 30 s and 380 MB in a debug build).
    public static let maximumJobs: UInt64 = 200_000
    /// The most tasks one run takes (the kernel's ready queues hold that many).
    public static let maximumTasks = TaskID.capacity

    /// Simulates `spec` under `policy` (the file's when nil) from 0 to `untilNs`. Jobs of tasks that declare
    /// a `bcet` run for a time drawn from bcet ... wcet, and jitter is drawn from 0 ... jitter, with the
    /// generator seeded by `seed`; everything else runs at its worst case.
    public static func run(_ spec: TaskSetSpec, policy: SchedPolicy? = nil, assignment: Assignment? = nil,
                           untilNs: UInt64, seed: UInt64, recordsTrace: Bool = true) throws(SchedInputError) -> SimulationRun {
        let policy = policy ?? spec.policy
        guard spec.tasks.count <= TaskID.capacity else {
            throw SchedInputError(path: spec.path, line: spec.tasksLine,
                                  message: "the simulator runs the kernel's ready queues, which hold at most \(TaskID.capacity) tasks (this set has \(spec.tasks.count))")
        }
        guard untilNs > 0 else { throw SchedInputError(path: spec.path, line: 1, message: "--until must be longer than zero") }
        var jobs: UInt64 = 0
        for task in spec.tasks { jobs = jobs &+ untilNs / task.periodNs &+ 1 }
        guard jobs <= maximumJobs else {
            throw SchedInputError(path: spec.path, line: spec.tasksLine,
                                  message: "--until \(Durations.format(untilNs)) would release about \(jobs) jobs; the simulator takes at most \(maximumJobs) per run (shorten --until)")
        }
        let report = try SchedAnalyzer.analyze(spec, policy: policy, assignment: assignment)
        var priorities: [Int]?
        if policy == .fp { priorities = report.tasks.map { $0.priority ?? 0 } }
        let tasks = spec.tasks.enumerated().map { i, task in
            SimulatedTask(wcetNs: task.wcetNs, periodNs: task.periodNs, deadlineNs: task.deadlineNs, jitterNs: task.jitterNs,
                          offsetNs: task.offsetNs, bcetNs: task.bcetNs, priority: Priority(UInt8(priorities?[i] ?? 0)),
                          sections: task.resources.map { CriticalSection(resource: UInt8(spec.resourceIndex($0.name)), lengthNs: $0.lengthNs) })
        }
        let options = SimulationOptions(untilNs: untilNs, executionTimes: .uniform, jitter: .uniform, seed: seed, recordsTrace: recordsTrace)
        let result: SimulationResult
        do {
            switch policy {
            case .fp: result = try Simulator<FixedPriorityPolicy>(tasks: tasks).run(options)
            case .edf: result = try Simulator<EDFPolicy>(tasks: tasks).run(options)
            }
        } catch {
            // The file checks rule these out; report rather than trap if one slips through.
            switch error {
            case .tooManyTasks(let count):
                throw SchedInputError(path: spec.path, line: spec.tasksLine, message: "too many tasks to simulate (\(count))")
            case .invalidTask(let index, let reason):
                throw SchedInputError(path: spec.path, line: spec.tasks[index].line, message: "task '\(spec.tasks[index].name)' cannot be simulated: \(reason)")
            }
        }
        return SimulationRun(spec: spec, policy: policy, priorities: priorities, priorityOrigin: report.priorities, untilNs: untilNs,
                             seed: seed, result: result, boundsNs: report.tasks.map(\.wcrtNs), analysisSchedulable: report.schedulable)
    }
}
