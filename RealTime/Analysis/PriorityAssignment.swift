// Priority assignment when a task set gives none: deadline-monotonic, or Audsley's optimal algorithm.

/// Assigns fixed priorities (0 least urgent ... count−1 most urgent).
public enum PriorityAssignment {
    /// Deadline-monotonic: shorter relative deadline → higher priority (ties: shorter period, then order).
    public static func deadlineMonotonic(_ set: inout AnalysisTaskSet) {
        var order = InlineArray<64, Int>(repeating: 0)
        var n = 0
        while n < set.count { order[n] = n; n += 1 }
        // Insertion sort, most urgent first (n ≤ 64).
        var i = 1
        while i < n {
            let candidate = order[i]
            var j = i - 1
            while j >= 0 && precedes(&set, candidate, order[j]) {
                order[j + 1] = order[j]
                j -= 1
            }
            order[j + 1] = candidate
            i += 1
        }
        var rank = 0
        while rank < n {
            set[order[rank]].priority = Priority(UInt8(n - 1 - rank))
            rank += 1
        }
    }

    static func precedes(_ set: inout AnalysisTaskSet, _ a: Int, _ b: Int) -> Bool {
        let x = set[a]
        let y = set[b]
        if x.deadlineNs != y.deadlineNs { return x.deadlineNs < y.deadlineNs }
        if x.periodNs != y.periodNs { return x.periodNs < y.periodNs }
        return a < b
    }

    /// Audsley's optimal priority assignment with response-time analysis: from the lowest level up, give
    /// the level to any unassigned task that meets its deadline there with all other unassigned tasks above
    /// it. Returns false (priorities then undefined) when no assignment exists.
    public static func audsley(_ set: inout AnalysisTaskSet) -> Bool {
        let n = set.count
        var assigned = InlineArray<64, Bool>(repeating: false)
        var level = 0
        while level < n {
            var found = false
            var candidate = 0
            while candidate < n && !found {
                if !assigned[candidate] {
                    // Everyone unassigned sits above the level being filled.
                    var k = 0
                    while k < n {
                        if !assigned[k] { set[k].priority = Priority(63) }
                        k += 1
                    }
                    set[candidate].priority = Priority(UInt8(level))
                    if FixedPriorityAnalysis.responseTime(&set, task: candidate).meets(set[candidate].deadlineNs) {
                        assigned[candidate] = true
                        found = true
                    }
                }
                candidate += 1
            }
            if !found { return false }
            level += 1
        }
        return true
    }
}

/// How far execution times can grow before the set stops being schedulable.
public enum Sensitivity {
    /// Which test decides schedulability.
    public enum Policy: Sendable {
        /// Response-time analysis with the set's priorities.
        case fixedPriority
        /// EDF processor demand (QPA).
        case edf
    }

    /// The largest factor (in parts per million, 1_000_000 = ×1.0) by which every WCET can be scaled with
    /// the set still schedulable under `policy`; 0 when even the smallest scaling fails. Binary search,
    /// exact to 1 ppm.
    public static func scalingFactorPPM(_ set: inout AnalysisTaskSet, policy: Policy) -> UInt64 {
        var original = InlineArray<64, UInt64>(repeating: 0)
        var i = 0
        while i < set.count { original[i] = set[i].wcetNs; i += 1 }
        var low: UInt64 = 0
        var high: UInt64 = 1_000_000
        // Grow the upper end until it fails (utilization > 1 always fails).
        while high < 64_000_000 && schedulable(&set, &original, scaledBy: high, policy) { low = high; high *= 2 }
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if schedulable(&set, &original, scaledBy: mid, policy) { low = mid } else { high = mid }
        }
        i = 0
        while i < set.count { set[i].wcetNs = original[i]; i += 1 }
        return low
    }

    /// Whether the set is schedulable with every WCET scaled by `ppm` (rounded up, at least 1 ns).
    static func schedulable(_ set: inout AnalysisTaskSet, _ original: inout InlineArray<64, UInt64>,
                            scaledBy ppm: UInt64, _ policy: Policy) -> Bool {
        var k = 0
        while k < set.count {
            set[k].wcetNs = max(1, (original[k] &* ppm &+ 999_999) / 1_000_000)
            k += 1
        }
        switch policy {
        case .fixedPriority: return FixedPriorityAnalysis.isSchedulable(&set)
        case .edf: return (try? EDFAnalysis.qpa(&set))?.schedulable ?? false
        }
    }
}
