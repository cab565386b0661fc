// Exact response-time analysis for fixed-priority preemptive scheduling with release jitter, blocking
// (stack resource policy / priority ceilings) and arbitrary deadlines (level-i busy period, several jobs).

/// The analysis result for one task.
public struct ResponseTime: Equatable, Sendable {
    /// Worst-case response time, or nil when it exceeds the horizon (the busy period does not end).
    public var worstNs: UInt64?
    /// Blocking term used (longest critical section of a lower-priority task on a resource whose ceiling
    /// is at least this task's priority).
    public var blockingNs: UInt64
    /// Jobs of the task in its longest level-i busy period.
    public var jobsExamined: Int

    /// A result (also used to fill result tables before analysis).
    public init(worstNs: UInt64?, blockingNs: UInt64, jobsExamined: Int) {
        self.worstNs = worstNs
        self.blockingNs = blockingNs
        self.jobsExamined = jobsExamined
    }

    /// Whether the worst response fits the deadline `deadlineNs`.
    public func meets(_ deadlineNs: UInt64) -> Bool { worstNs.map { $0 <= deadlineNs } ?? false }
}

/// Response-time analysis (Joseph & Pandya; Audsley et al. with jitter; Lehoczky / Tindell for D > T).
public enum FixedPriorityAnalysis {
    /// Response times beyond this are reported as unbounded.
    public static let horizonNs: UInt64 = 1 << 50

    /// The SRP/PCP blocking term of task `i`.
    public static func blocking(_ set: inout AnalysisTaskSet, task i: Int) -> UInt64 {
        guard let mine = set[i].priority else { return 0 }
        // Ceiling of each resource: the highest priority among its users.
        var ceilings = InlineArray<16, Int>(repeating: -1)
        var j = 0
        while j < set.count {
            let task = set[j]
            var s = 0
            while s < task.sectionCount {
                let r = Int(task.sections[s].resource)
                if r < AnalysisTaskSet.resourceCapacity, let p = task.priority { ceilings[r] = max(ceilings[r], Int(p.raw)) }
                s += 1
            }
            j += 1
        }
        var worst: UInt64 = 0
        j = 0
        while j < set.count {
            let task = set[j]
            if j != i, let p = task.priority, p < mine {
                var s = 0
                while s < task.sectionCount {
                    let r = Int(task.sections[s].resource)
                    if r < AnalysisTaskSet.resourceCapacity, ceilings[r] >= Int(mine.raw) {
                        worst = max(worst, task.sections[s].lengthNs)
                    }
                    s += 1
                }
            }
            j += 1
        }
        return worst
    }

    // @implements SWR-RT-ANALYSIS-1
    /// Worst-case response time of task `i`; tasks of equal or higher priority interfere (FIFO among
    /// equals is not assumed to favour `i`).
    public static func responseTime(_ set: inout AnalysisTaskSet, task i: Int) -> ResponseTime {
        let me = set[i]
        let mine = me.priority ?? Priority.lowest
        let b = blocking(&set, task: i)
        // With level-i utilization above 1 the busy period never ends: the response time is unbounded.
        var levelUtilization = Double(me.wcetNs) / Double(me.periodNs)
        var k = 0
        while k < set.count {
            let other = set[k]
            if k != i, let p = other.priority, p >= mine { levelUtilization += Double(other.wcetNs) / Double(other.periodNs) }
            k += 1
        }
        if levelUtilization > 1.0 { return ResponseTime(worstNs: nil, blockingNs: b, jobsExamined: 0) }
        var worst: UInt64 = 0
        var q: UInt64 = 0
        while q < 100_000 {
            // Smallest w with w = B + (q+1)C + Σ_hp ceil((w + Jj) / Tj) Cj.
            var w = b &+ (q + 1) &* me.wcetNs
            var steps = 0
            while true {
                var next = b &+ (q + 1) &* me.wcetNs
                var j = 0
                while j < set.count {
                    let other = set[j]
                    if j != i, let p = other.priority, p >= mine {
                        let releases = (w &+ other.jitterNs &+ other.periodNs - 1) / other.periodNs
                        next &+= releases &* other.wcetNs
                    }
                    j += 1
                }
                if next > horizonNs || steps > 1_000_000 {
                    return ResponseTime(worstNs: nil, blockingNs: b, jobsExamined: Int(q) + 1)
                }
                if next == w { break }
                w = next
                steps += 1
            }
            let release = q &* me.periodNs
            worst = max(worst, w &+ me.jitterNs &- min(release, w &+ me.jitterNs))
            // The busy period goes on if the next job is released (with jitter) before this one ends.
            let nextRelease = (q + 1) &* me.periodNs
            if w &+ me.jitterNs <= nextRelease { return ResponseTime(worstNs: worst, blockingNs: b, jobsExamined: Int(q) + 1) }
            if nextRelease > horizonNs { break }
            q += 1
        }
        return ResponseTime(worstNs: nil, blockingNs: b, jobsExamined: Int(q))
    }

    /// Analyses every task into `results`; returns whether all meet their deadlines.
    public static func analyze(_ set: inout AnalysisTaskSet, results: inout InlineArray<64, ResponseTime>) throws(AnalysisError) -> Bool {
        try set.validate(needPriorities: true)
        var ok = true
        var i = 0
        while i < set.count {
            let result = responseTime(&set, task: i)
            results[i] = result
            if !result.meets(set[i].deadlineNs) { ok = false }
            i += 1
        }
        return ok
    }

    /// Whether every task meets its deadline.
    public static func isSchedulable(_ set: inout AnalysisTaskSet) -> Bool {
        var i = 0
        while i < set.count {
            let deadline = set[i].deadlineNs
            if !responseTime(&set, task: i).meets(deadline) { return false }
            i += 1
        }
        return true
    }
}
