// `orion sched analyze`: runs the policy's schedulability analysis on a task-set file. Up to 64 tasks it
// runs the kernel's own allocation-free analyses (the code admission control runs at boot); beyond that,
// and for EDF with jitter or shared resources, the host analyses.

import RealTime

/// How fixed priorities are chosen when the command asks.
public enum Assignment: String, Sendable, CaseIterable {
    /// Deadline-monotonic.
    case dm
    /// Audsley's optimal priority assignment.
    case audsley
}

/// Where the priorities the analysis used came from.
public enum PriorityOrigin: String, Sendable {
    case file
    case deadlineMonotonic = "dm"
    case audsley
    /// Audsley found no feasible order; deadline-monotonic priorities are shown instead.
    case audsleyFailed = "audsley-failed"
    /// EDF: priorities do not matter.
    case none
}

/// One task's line of the analysis.
public struct TaskAnalysis: Equatable, Sendable {
    public var name: String
    public var wcetNs: UInt64
    public var periodNs: UInt64
    public var deadlineNs: UInt64
    public var jitterNs: UInt64
    /// The priority analysed (FP), nil under EDF.
    public var priority: Int?
    /// FP: worst-case response time (nil: unbounded). EDF: nil.
    public var wcrtNs: UInt64?
    /// FP: the blocking term.
    public var blockingNs: UInt64
    /// FP: D − R (negative when late; nil when unbounded).
    public var slackNs: Int64?
    /// EDF: how much this task's WCET alone may grow with the set still schedulable (nil when not computed).
    public var wcetSlackNs: UInt64?
    /// FP: R ≤ D. EDF: the set's verdict (the demand test is a property of the whole set).
    public var schedulable: Bool
    /// EDF: whether the processor-demand test passed (nil under FP).
    public var demandOK: Bool?
}

/// The whole analysis of one file.
public struct AnalysisReport: Equatable, Sendable {
    public var path: String
    public var policy: SchedPolicy
    public var schedulable: Bool
    public var utilization: Double
    public var priorities: PriorityOrigin
    public var tasks: [TaskAnalysis]
    /// Which code ran: "kernel" (RealTime's allocation-free analyses) or "host".
    public var engine: String
    /// The largest uniform WCET scaling that stays schedulable (nil when not computed).
    public var scalingFactor: Double?
    /// FP with implicit deadlines: the Liu & Layland bound and whether U is within it and within the
    /// hyperbolic bound (sufficient tests; the verdict comes from the exact analysis).
    public var liuLaylandBound: Double?
    public var liuLaylandPass: Bool?
    public var hyperbolicPass: Bool?
    /// EDF: where demand (plus blocking) exceeded the interval, and the figures there.
    public var failingTimeNs: UInt64?
    public var demandNs: UInt64?
    public var blockingNs: UInt64?
    public var busyPeriodNs: UInt64?
    public var evaluations: Int?
    /// Remarks for the reader (ignored priorities, fallbacks).
    public var notes: [String]
}

/// Runs the analyses on checked task-set files.
public enum SchedAnalyzer {
    /// The most tasks the kernel's analyses (and the kernel) take.
    public static let kernelCapacity = AnalysisTaskSet.capacity

    /// The fixed priorities to analyse and where they come from: the file's (all or none), or the
    /// assignment asked for (deadline-monotonic when the file gives none).
    public static func priorities(_ spec: TaskSetSpec, assignment: Assignment?) throws(SchedInputError) -> ([Int], PriorityOrigin) {
        let given = spec.tasks.filter { $0.priority != nil }.count
        if assignment == nil && given == spec.tasks.count { return (spec.tasks.map { $0.priority! }, .file) }
        if assignment == nil && given > 0 {
            let missing = spec.tasks.first { $0.priority == nil }!
            throw SchedInputError(path: spec.path, line: missing.line,
                                  message: "task '\(missing.name)' has no priority while others do: give every task a priority, or none (deadline-monotonic), or pass --assign")
        }
        let dm = HostAnalysis.deadlineMonotonic(hostTasks(spec, priorities: nil))
        guard assignment == .audsley else { return (dm, .deadlineMonotonic) }
        guard spec.tasks.count <= kernelCapacity else {
            throw SchedInputError(path: spec.path, line: spec.tasksLine,
                                  message: "Audsley's assignment runs the kernel's analysis, which takes at most \(kernelCapacity) tasks (this set has \(spec.tasks.count)); use --assign dm")
        }
        var set = kernelSet(spec, priorities: nil)
        guard PriorityAssignment.audsley(&set) else { return (dm, .audsleyFailed) }
        var out: [Int] = []
        for i in 0..<set.count { out.append(Int(set[i].priority!.raw)) }
        return (out, .audsley)
    }

    /// The kernel's task set for `spec` (at most 64 tasks).
    public static func kernelSet(_ spec: TaskSetSpec, priorities: [Int]?) -> AnalysisTaskSet {
        var set = AnalysisTaskSet()
        for (i, task) in spec.tasks.enumerated() {
            var a = AnalysisTask(wcetNs: task.wcetNs, periodNs: task.periodNs, deadlineNs: task.deadlineNs, jitterNs: task.jitterNs,
                                 priority: priorities.map { Priority(UInt8($0[i])) })
            for use in task.resources { a.add(CriticalSection(resource: UInt8(spec.resourceIndex(use.name)), lengthNs: use.lengthNs)) }
            set.append(a)
        }
        return set
    }

    /// The host analyses' tasks for `spec`.
    public static func hostTasks(_ spec: TaskSetSpec, priorities: [Int]?) -> [HostTask] {
        spec.tasks.enumerated().map { i, task in
            HostTask(wcetNs: task.wcetNs, periodNs: task.periodNs, deadlineNs: task.deadlineNs, jitterNs: task.jitterNs,
                     priority: priorities?[i] ?? 0,
                     sections: task.resources.map { HostSection(resource: spec.resourceIndex($0.name), lengthNs: $0.lengthNs) })
        }
    }

    /// Analyses `spec` under `policy` (the file's when nil).
    public static func analyze(_ spec: TaskSetSpec, policy: SchedPolicy? = nil, assignment: Assignment? = nil) throws(SchedInputError) -> AnalysisReport {
        let policy = policy ?? spec.policy
        if policy == .edf {
            if assignment != nil {
                throw SchedInputError(path: spec.path, line: 1, message: "--assign chooses fixed priorities; it does not apply to EDF")
            }
            return analyzeEDF(spec)
        }
        return try analyzeFixedPriority(spec, assignment: assignment)
    }

    static func utilization(_ spec: TaskSetSpec) -> Double {
        var u = 0.0
        for task in spec.tasks { u += Double(task.wcetNs) / Double(task.periodNs) }
        return u
    }

    static func analyzeFixedPriority(_ spec: TaskSetSpec, assignment: Assignment?) throws(SchedInputError) -> AnalysisReport {
        let (priorities, origin) = try self.priorities(spec, assignment: assignment)
        let n = spec.tasks.count
        var results: [ResponseTime]
        var engine = "kernel"
        var scaling: Double?
        var notes: [String] = []
        if origin == .audsleyFailed {
            notes.append("Audsley's algorithm found no priority order that makes the set schedulable; deadline-monotonic priorities are shown")
        }
        if n <= kernelCapacity {
            var set = kernelSet(spec, priorities: priorities)
            results = (0..<n).map { FixedPriorityAnalysis.responseTime(&set, task: $0) }
            scaling = Double(Sensitivity.scalingFactorPPM(&set, policy: .fixedPriority)) / 1_000_000
        } else {
            engine = "host"
            results = HostAnalysis.responseTimes(hostTasks(spec, priorities: priorities))
            notes.append("more than \(kernelCapacity) tasks: analysed with the host code (the kernel's table holds \(kernelCapacity))")
        }
        var tasks: [TaskAnalysis] = []
        for (i, task) in spec.tasks.enumerated() {
            let r = results[i]
            tasks.append(TaskAnalysis(name: task.name, wcetNs: task.wcetNs, periodNs: task.periodNs, deadlineNs: task.deadlineNs,
                                      jitterNs: task.jitterNs, priority: priorities[i], wcrtNs: r.worstNs, blockingNs: r.blockingNs,
                                      slackNs: r.worstNs.map { Int64(task.deadlineNs) - Int64($0) }, wcetSlackNs: nil,
                                      schedulable: r.meets(task.deadlineNs), demandOK: nil))
        }
        var report = AnalysisReport(path: spec.path, policy: .fp, schedulable: tasks.allSatisfy(\.schedulable), utilization: utilization(spec),
                                    priorities: origin, tasks: tasks, engine: engine, scalingFactor: scaling, notes: notes)
        if spec.tasks.allSatisfy({ $0.deadlineNs == $0.periodNs }) {
            let bound = UtilizationBound.liuLayland(taskCount: n)
            report.liuLaylandBound = bound
            report.liuLaylandPass = report.utilization <= bound
            var product = 1.0
            for task in spec.tasks { product *= Double(task.wcetNs) / Double(task.periodNs) + 1.0 }
            report.hyperbolicPass = product <= 2.0
        }
        return report
    }

    static func analyzeEDF(_ spec: TaskSetSpec) -> AnalysisReport {
        let n = spec.tasks.count
        var notes: [String] = []
        if spec.tasks.contains(where: { $0.priority != nil }) { notes.append("EDF ignores the priorities in the file") }
        let useKernel = n <= kernelCapacity && !spec.hasJitter && !spec.hasResources
        var schedulable: Bool
        var failing: UInt64?
        var demand: UInt64?
        var blocking: UInt64?
        var busy: UInt64?
        var evaluations: Int
        var reason: String?
        var scaling: Double?
        let hosts = hostTasks(spec, priorities: nil)
        // The sensitivity searches probe utilizations within 1 ppm of 1, where the busy period (and so
        // the test) grows without bound; they run the host test (equal to the kernel's QPA where both apply)
        // with a budget, so a probe that exceeds it counts as unschedulable and the figures stay safe.
        let check: ([HostTask]) -> Bool = { HostAnalysis.edf($0, budget: 20_000).schedulable }
        if n <= kernelCapacity { scaling = scalingFactor(hosts, check) }
        if useKernel {
            var set = kernelSet(spec, priorities: nil)
            // The set was checked on reading (C, T, D > 0), so the analysis does not throw.
            if let verdict = try? EDFAnalysis.qpa(&set) {
                (schedulable, failing, demand, busy, evaluations) = (verdict.schedulable, verdict.failingTimeNs, verdict.demandNs,
                                                                       verdict.busyPeriodNs, verdict.evaluations)
                if busy == nil { reason = "utilization above 1" }
            } else {
                (schedulable, evaluations, reason) = (false, 0, "the task set is not valid for the analysis")
            }
        } else {
            let verdict = HostAnalysis.edf(hosts)
            (schedulable, failing, demand, blocking, busy, evaluations, reason) = (verdict.schedulable, verdict.failingTimeNs, verdict.demandNs,
                                                                                   verdict.blockingNs, verdict.busyPeriodNs, verdict.evaluations, verdict.reason)
            if n <= kernelCapacity {
                let what = [spec.hasResources ? "shared resources" : nil, spec.hasJitter ? "release jitter" : nil].compactMap { $0 }
                notes.append("EDF with \(what.joined(separator: " and ")): analysed with the host demand test (the kernel's QPA has no blocking or jitter terms)")
            } else {
                notes.append("more than \(kernelCapacity) tasks: analysed with the host code (the kernel's table holds \(kernelCapacity))")
            }
        }
        if let reason { notes.append("not schedulable: \(reason)") }
        var tasks: [TaskAnalysis] = []
        // Each task's search gets an equal share of the work; one that runs out keeps the largest slack
        // proven so far (a lower bound, never above the exact value).
        let share = max(1, slackWork / max(1, n * n))  // demand-test steps per task (each costs about n terms)
        var cutShort = 0
        for (i, task) in spec.tasks.enumerated() {
            var slack: UInt64?
            if schedulable && n <= kernelCapacity {
                let (value, exact) = wcetSlack(hosts, i, steps: share)
                slack = value
                if !exact { cutShort += 1 }
            }
            tasks.append(TaskAnalysis(name: task.name, wcetNs: task.wcetNs, periodNs: task.periodNs, deadlineNs: task.deadlineNs,
                                      jitterNs: task.jitterNs, priority: nil, wcrtNs: nil, blockingNs: 0, slackNs: nil, wcetSlackNs: slack,
                                      schedulable: schedulable, demandOK: schedulable))
        }
        return AnalysisReport(path: spec.path, policy: .edf, schedulable: schedulable, utilization: utilization(spec), priorities: .none,
                              tasks: tasks, engine: useKernel ? "kernel" : "host", scalingFactor: scaling, liuLaylandBound: nil,
                              liuLaylandPass: nil, hyperbolicPass: nil, failingTimeNs: failing, demandNs: demand, blockingNs: blocking,
                              busyPeriodNs: busy, evaluations: evaluations,
                              notes: notes + (cutShort > 0 ? ["C slack of \(cutShort) task(s) is a lower bound: the search reached its share of the analysis budget"] : []))
    }

    /// The demand-test work (steps × tasks) all C-slack searches of one analysis may do together: without
    /// a bound, 32 tasks took 8 s and 64 tasks 26 s (debug build).
    public static let slackWork = 6_000_000

    /// The largest x (found within `steps` busy-period iterations and demand evaluations in all) with task
    /// `i`'s WCET + x still schedulable (at most D − C), by bisection; and whether the search finished
    /// within them. A probe over what is left counts as unschedulable, so the value is never above the
    /// exact slack.
    static func wcetSlack(_ tasks: [HostTask], _ i: Int, steps: Int) -> (UInt64, Bool) {
        var low: UInt64 = 0
        var high = tasks[i].deadlineNs - tasks[i].wcetNs + 1  // first value known (or assumed) to fail
        var trial = tasks
        var left = steps
        var exact = true
        while high - low > 1 {
            if left <= 0 { return (low, false) }
            let mid = low + (high - low) / 2
            trial[i].wcetNs = tasks[i].wcetNs + mid
            // The same per-probe budget as the scaling-factor search, or what is left of the share.
            let budget = min(20_000, left)
            var work = 0
            let verdict = HostAnalysis.edf(trial, budget: budget, work: &work)
            if verdict.reason == "analysis budget exceeded" && budget < 20_000 { exact = false }
            left -= max(1, work)
            if verdict.schedulable { low = mid } else { high = mid }
        }
        return (low, exact)
    }

    /// The largest uniform WCET scaling (to 1 ppm) that stays schedulable, like `Sensitivity.scalingFactorPPM`.
    static func scalingFactor(_ tasks: [HostTask], _ check: ([HostTask]) -> Bool) -> Double {
        func ok(_ ppm: UInt64) -> Bool {
            var trial = tasks
            for k in trial.indices { trial[k].wcetNs = max(1, (tasks[k].wcetNs &* ppm &+ 999_999) / 1_000_000) }
            return check(trial)
        }
        var low: UInt64 = 0
        var high: UInt64 = 1_000_000
        while high < 64_000_000 && ok(high) { low = high; high *= 2 }
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if ok(mid) { low = mid } else { high = mid }
        }
        return Double(low) / 1_000_000
    }
}
