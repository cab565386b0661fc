// EDF schedulability with constrained deadlines: the processor-demand criterion checked with QPA
// (Zhang & Burns), up to the synchronous busy period.

/// The outcome of the EDF test.
public struct EDFVerdict: Equatable, Sendable {
    /// Whether every deadline is met.
    public var schedulable: Bool
    /// Where demand exceeded supply (h(t) > t), if it did.
    public var failingTimeNs: UInt64?
    /// The demand h(t) at `failingTimeNs`.
    public var demandNs: UInt64?
    /// Length of the synchronous busy period (nil when U > 1).
    public var busyPeriodNs: UInt64?
    /// Demand evaluations QPA needed.
    public var evaluations: Int
}

/// Processor-demand analysis for EDF (D ≤ T).
public enum EDFAnalysis {
    /// h(t): the execution demand of jobs released at 0 or later with deadlines at or before t.
    public static func demand(_ set: inout AnalysisTaskSet, at t: UInt64) -> UInt64 {
        var total: UInt64 = 0
        var i = 0
        while i < set.count {
            let task = set[i]
            if t >= task.deadlineNs {
                total &+= ((t - task.deadlineNs) / task.periodNs + 1) &* task.wcetNs
            }
            i += 1
        }
        return total
    }

    /// The length of the synchronous busy period (w = Σ ceil(w/Tᵢ)Cᵢ), or nil when U > 1 or it exceeds 2^50 ns.
    public static func busyPeriod(_ set: inout AnalysisTaskSet) -> UInt64? {
        guard set.utilization() <= 1.0 else { return nil }
        var w: UInt64 = 0
        var i = 0
        while i < set.count { w &+= set[i].wcetNs; i += 1 }
        var steps = 0
        while steps < 1_000_000 {
            var next: UInt64 = 0
            i = 0
            while i < set.count {
                let task = set[i]
                next &+= ((w + task.periodNs - 1) / task.periodNs) &* task.wcetNs
                i += 1
            }
            if next == w { return w }
            if next > (1 << 50) { return nil }
            w = next
            steps += 1
        }
        return nil
    }

    /// The largest absolute deadline k·Tᵢ + Dᵢ strictly below `t`, or nil if there is none.
    static func deadline(below t: UInt64, _ set: inout AnalysisTaskSet) -> UInt64? {
        var best: UInt64?
        var i = 0
        while i < set.count {
            let task = set[i]
            if task.deadlineNs < t {
                let k = (t - task.deadlineNs - 1) / task.periodNs
                let d = k &* task.periodNs &+ task.deadlineNs
                best = max(best ?? 0, d)
            }
            i += 1
        }
        return best
    }

    // @implements SWR-RT-ANALYSIS-1
    /// QPA: walks t down from the busy-period end; schedulable iff h(t) ≤ t all the way to d_min.
    public static func qpa(_ set: inout AnalysisTaskSet) throws(AnalysisError) -> EDFVerdict {
        try set.validate(needPriorities: false)
        guard let busy = busyPeriod(&set) else {
            return EDFVerdict(schedulable: false, failingTimeNs: nil, demandNs: nil, busyPeriodNs: nil, evaluations: 0)
        }
        var dMin = UInt64.max
        var i = 0
        while i < set.count { dMin = min(dMin, set[i].deadlineNs); i += 1 }
        var evaluations = 0
        // Deadlines at or before the busy-period end matter: start just after it.
        guard var t = deadline(below: busy &+ 1, &set) else {
            return EDFVerdict(schedulable: true, failingTimeNs: nil, demandNs: nil, busyPeriodNs: busy, evaluations: 0)
        }
        while true {
            let h = demand(&set, at: t)
            evaluations += 1
            if h > t {
                return EDFVerdict(schedulable: false, failingTimeNs: t, demandNs: h, busyPeriodNs: busy, evaluations: evaluations)
            }
            if h <= dMin {
                return EDFVerdict(schedulable: true, failingTimeNs: nil, demandNs: nil, busyPeriodNs: busy, evaluations: evaluations)
            }
            if h < t {
                t = h
            } else if let earlier = deadline(below: t, &set) {
                t = earlier
            } else {
                return EDFVerdict(schedulable: true, failingTimeNs: nil, demandNs: nil, busyPeriodNs: busy, evaluations: evaluations)
            }
        }
    }
}
