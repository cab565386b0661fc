// Host-side schedulability analyses for what the kernel's allocation-free code does not take: task sets
// beyond its 64 tasks, and EDF with release jitter or shared resources (stack resource policy). The
// fixed-priority analysis computes exactly what `FixedPriorityAnalysis.responseTime` computes (tests
// compare them on thousands of sets); it is faster on large sets because it visits tasks in priority order
// and starts each fixed-point iteration from a proven lower bound instead of from C.

import RealTime

/// A critical section for the host analyses.
public struct HostSection: Equatable, Sendable {
    public var resource: Int
    public var lengthNs: UInt64
    public init(resource: Int, lengthNs: UInt64) {
        self.resource = resource
        self.lengthNs = lengthNs
    }
}

/// A task for the host analyses (any number of tasks, integer priorities, larger more urgent).
public struct HostTask: Equatable, Sendable {
    public var wcetNs: UInt64
    public var periodNs: UInt64
    public var deadlineNs: UInt64
    public var jitterNs: UInt64
    public var priority: Int
    public var sections: [HostSection]

    public init(wcetNs: UInt64, periodNs: UInt64, deadlineNs: UInt64, jitterNs: UInt64 = 0, priority: Int = 0, sections: [HostSection] = []) {
        self.wcetNs = wcetNs
        self.periodNs = periodNs
        self.deadlineNs = deadlineNs
        self.jitterNs = jitterNs
        self.priority = priority
        self.sections = sections
    }
}

/// The EDF verdict of the host demand test.
public struct HostEDFVerdict: Equatable, Sendable {
    public var schedulable: Bool
    /// Interval length t where demand plus blocking exceeded t.
    public var failingTimeNs: UInt64?
    /// The demand h(t) there.
    public var demandNs: UInt64?
    /// The blocking term B(t) there.
    public var blockingNs: UInt64?
    /// Length of the synchronous busy period with jitter (the test covers intervals up to the larger of it
    /// and the longest relative deadline); nil when it does not end.
    public var busyPeriodNs: UInt64?
    /// Demand evaluations made.
    public var evaluations: Int
    /// Why the test failed without a failing interval (utilization, jitter), if so.
    public var reason: String?
}

/// Response-time analysis and the EDF processor-demand test on arrays.
public enum HostAnalysis {
    /// Response times beyond this are unbounded (as in the kernel's analysis).
    public static let horizonNs: UInt64 = FixedPriorityAnalysis.horizonNs

    // MARK: Fixed priority

    /// The blocking term of every task under the priority ceiling / stack resource policy: the longest
    /// critical section of a lower-priority task on a resource whose ceiling is at least the task's priority.
    public static func blockingTerms(_ tasks: [HostTask]) -> [UInt64] {
        var ceiling: [Int: Int] = [:]
        for task in tasks {
            for s in task.sections { ceiling[s.resource] = max(ceiling[s.resource] ?? Int.min, task.priority) }
        }
        // A section of task j on r blocks the tasks with priority in (p_j, ceiling(r)].
        var blockers: [(low: Int, high: Int, length: UInt64)] = []
        for task in tasks {
            for s in task.sections where ceiling[s.resource]! > task.priority {
                blockers.append((task.priority, ceiling[s.resource]!, s.lengthNs))
            }
        }
        return tasks.map { task in
            var worst: UInt64 = 0
            for b in blockers where b.low < task.priority && task.priority <= b.high { worst = max(worst, b.length) }
            return worst
        }
    }

    /// The worst-case response time of every task (tasks of equal or higher priority interfere; jitter,
    /// blocking and deadlines beyond the period are handled as in `FixedPriorityAnalysis`).
    public static func responseTimes(_ tasks: [HostTask]) -> [ResponseTime] {
        let n = tasks.count
        let blocking = blockingTerms(tasks)
        // Most urgent first; ties keep file order.
        let order = tasks.indices.sorted { tasks[$0].priority != tasks[$1].priority ? tasks[$0].priority > tasks[$1].priority : $0 < $1 }
        let c = order.map { tasks[$0].wcetNs }
        let t = order.map { tasks[$0].periodNs }
        let j = order.map { tasks[$0].jitterNs }
        var results = [ResponseTime](repeating: ResponseTime(worstNs: nil, blockingNs: 0, jobsExamined: 0), count: n)
        // g_k: the least fixed point of task k's first-job window without blocking. A task of strictly lower
        // priority than k has hp ⊇ hp(k) ∪ {k}, so its own window is at least g_k + C: no fixed point lies
        // below, and the iteration may start there (Davis, Zabos & Burns 2008 use the same kind of bound).
        var bestAbove: UInt64 = 0   // max g over tasks of strictly higher priority than the current level
        var levelBest: UInt64 = 0   // max g over the current level so far
        var position = 0
        while position < n {
            // End of this priority level (tasks with equal priority interfere with each other).
            var levelEnd = position
            while levelEnd < n && tasks[order[levelEnd]].priority == tasks[order[position]].priority { levelEnd += 1 }
            for p in position..<levelEnd {
                let i = order[p]
                let (result, window) = responseTime(i, p, levelEnd, c, t, j, blocking[i], tasks, startNoBlocking: bestAbove)
                results[i] = result
                if let window { levelBest = max(levelBest, window) }
            }
            bestAbove = max(bestAbove, levelBest)
            levelBest = 0
            position = levelEnd
        }
        return results
    }

    /// One task's analysis. `p` is its sorted position; positions below `hpEnd` other than `p` interfere.
    /// Returns the result and the first job's window without blocking (for the lower bounds of later tasks).
    static func responseTime(_ i: Int, _ p: Int, _ hpEnd: Int, _ c: [UInt64], _ t: [UInt64], _ j: [UInt64], _ b: UInt64,
                             _ tasks: [HostTask], startNoBlocking bestAbove: UInt64) -> (ResponseTime, UInt64?) {
        let me = tasks[i]
        // Level utilization in the kernel's summation order (the task itself, then the others in file order),
        // so the two analyses agree even where U is exactly 1 in floating point.
        var levelUtilization = Double(me.wcetNs) / Double(me.periodNs)
        for k in tasks.indices where k != i && tasks[k].priority >= me.priority {
            levelUtilization += Double(tasks[k].wcetNs) / Double(tasks[k].periodNs)
        }
        if levelUtilization > 1.0 { return (ResponseTime(worstNs: nil, blockingNs: b, jobsExamined: 0), nil) }

        /// Smallest w ≥ start with w = base + Σ_hp ceil((w + J)/T)·C, or nil beyond the horizon.
        func fixedPoint(base: UInt64, start: UInt64) -> UInt64? {
            var w = start
            var steps = 0
            while true {
                var next = base
                var k = 0
                while k < hpEnd {
                    if k != p { next &+= ((w &+ j[k] &+ t[k] - 1) / t[k]) &* c[k] }
                    k += 1
                }
                if next > horizonNs || steps > 1_000_000 { return nil }
                if next == w { return w }
                w = next
                steps += 1
            }
        }

        // First job, no blocking: start from the best bound of the levels above.
        guard let window0 = fixedPoint(base: me.wcetNs, start: max(me.wcetNs, bestAbove &+ me.wcetNs)) else {
            return (ResponseTime(worstNs: nil, blockingNs: b, jobsExamined: 1), nil)
        }
        var worst: UInt64 = 0
        var previous: UInt64 = 0
        var q: UInt64 = 0
        while q < 100_000 {
            let base = b &+ (q + 1) &* me.wcetNs
            let start = q == 0 ? window0 &+ b : previous &+ me.wcetNs
            guard let w = fixedPoint(base: base, start: start) else {
                return (ResponseTime(worstNs: nil, blockingNs: b, jobsExamined: Int(q) + 1), window0)
            }
            previous = w
            let release = q &* me.periodNs
            worst = max(worst, w &+ me.jitterNs &- min(release, w &+ me.jitterNs))
            let nextRelease = (q + 1) &* me.periodNs
            if w &+ me.jitterNs <= nextRelease { return (ResponseTime(worstNs: worst, blockingNs: b, jobsExamined: Int(q) + 1), window0) }
            if nextRelease > horizonNs { break }
            q += 1
        }
        return (ResponseTime(worstNs: nil, blockingNs: b, jobsExamined: Int(q)), window0)
    }

    /// Deadline-monotonic priorities (shorter deadline, then shorter period, then file order more urgent):
    /// n−1 for the most urgent down to 0, as `PriorityAssignment.deadlineMonotonic` gives.
    public static func deadlineMonotonic(_ tasks: [HostTask]) -> [Int] {
        let order = tasks.indices.sorted {
            let a = tasks[$0], b = tasks[$1]
            if a.deadlineNs != b.deadlineNs { return a.deadlineNs < b.deadlineNs }
            if a.periodNs != b.periodNs { return a.periodNs < b.periodNs }
            return $0 < $1
        }
        var priorities = [Int](repeating: 0, count: tasks.count)
        for (rank, i) in order.enumerated() { priorities[i] = tasks.count - 1 - rank }
        return priorities
    }

    // MARK: EDF

    /// The processor-demand test for EDF with release jitter and stack-resource-policy blocking
    /// (Baruah, Rosier & Howell 1990; Spuri 1996 for jitter; Baker 1991 / Baruah 2006 for SRP blocking),
    /// walked downwards QPA-style (Zhang & Burns 2009) within the stretches where the blocking term is constant.
    ///
    /// With D' = D − J, the demand of jobs that must complete within an interval of length t is
    /// h(t) = Σ_{D'ᵢ ≤ t} (⌊(t − D'ᵢ)/Tᵢ⌋ + 1)·Cᵢ, and the blocking a job with a later deadline can add is
    /// B(t) = max{ section of j on r : Dⱼ > t, and some task k with D'ₖ ≤ t has Dₖ ≥ min D over r's users }
    /// (preemption levels by relative deadline). Schedulable iff h(t) + B(t) ≤ t for every t up to
    /// max(L, D_max), where L = Σ ⌈(L + Jᵢ)/Tᵢ⌉·Cᵢ is the synchronous busy period with jitter: an interval
    /// longer than D_max cannot contain blocking (the blocking job's deadline would lie beyond it), so beyond
    /// D_max only the demand matters, and demand beyond L never exceeds the interval.
    ///
    /// `budget` bounds the busy-period iterations plus demand evaluations; a run that exceeds it reports
    /// not schedulable with the reason "analysis budget exceeded" (used by the sensitivity searches, which
    /// probe utilizations within 1 ppm of 1, where the busy period grows without bound).
    public static func edf(_ tasks: [HostTask], budget: Int = Int.max) -> HostEDFVerdict {
        var work = 0
        return edf(tasks, budget: budget, work: &work)
    }

    /// `edf(_:budget:)`, adding the busy-period iterations and demand evaluations it made to `work`.
    static func edf(_ tasks: [HostTask], budget: Int, work: inout Int) -> HostEDFVerdict {
        var steps = 0
        var evaluations = 0
        defer { work += steps + evaluations }
        var u = 0.0
        for task in tasks { u += Double(task.wcetNs) / Double(task.periodNs) }
        if u > 1.0 {
            return HostEDFVerdict(schedulable: false, evaluations: 0, reason: "utilization above 1")
        }
        for task in tasks where task.jitterNs >= task.deadlineNs {
            return HostEDFVerdict(schedulable: false, evaluations: 0, reason: "a task's jitter is not below its deadline")
        }
        let dPrime = tasks.map { $0.deadlineNs - $0.jitterNs }
        let blocking = BlockingFunction(tasks, dPrime)
        // Synchronous busy period with jitter.
        var w: UInt64 = 0
        for task in tasks { w &+= task.wcetNs }
        while true {
            var next: UInt64 = 0
            for task in tasks { next &+= ((w &+ task.jitterNs &+ task.periodNs - 1) / task.periodNs) &* task.wcetNs }
            if next == w { break }
            steps += 1
            if next > horizonNs || steps > 10_000_000 {
                return HostEDFVerdict(schedulable: false, evaluations: 0, reason: "the busy period does not end within \(horizonNs) ns")
            }
            if steps > budget { return HostEDFVerdict(schedulable: false, evaluations: 0, reason: "analysis budget exceeded") }
            w = next
        }
        let busy = w
        var dMin = UInt64.max
        var dMax: UInt64 = 0
        for d in dPrime { dMin = min(dMin, d) }
        for task in tasks { dMax = max(dMax, task.deadlineNs) }
        let bound = max(busy, dMax)

        func demand(_ t: UInt64) -> UInt64 {
            var total: UInt64 = 0
            for (k, task) in tasks.enumerated() where t >= dPrime[k] {
                total &+= ((t - dPrime[k]) / task.periodNs + 1) &* task.wcetNs
            }
            return total
        }
        /// The largest absolute deadline k·Tᵢ + D'ᵢ strictly below `t`.
        func deadline(below t: UInt64) -> UInt64? {
            var best: UInt64?
            for (k, task) in tasks.enumerated() where dPrime[k] < t {
                let m = (t - dPrime[k] - 1) / task.periodNs
                best = max(best ?? 0, m &* task.periodNs &+ dPrime[k])
            }
            return best
        }

        guard var t = deadline(below: bound &+ 1) else {
            return HostEDFVerdict(schedulable: true, busyPeriodNs: busy, evaluations: 0)
        }
        while true {
            let h = demand(t)
            let (beta, stretchStart) = blocking.value(at: t)
            evaluations += 1
            if steps + evaluations > budget {
                return HostEDFVerdict(schedulable: false, busyPeriodNs: busy, evaluations: evaluations, reason: "analysis budget exceeded")
            }
            if h &+ beta > t {
                return HostEDFVerdict(schedulable: false, failingTimeNs: t, demandNs: h, blockingNs: beta, busyPeriodNs: busy, evaluations: evaluations)
            }
            // Within [stretchStart, t] the blocking is beta, so h + beta ≤ t' for every t' in [h + beta, t].
            let g = h &+ beta
            if g <= dMin && stretchStart <= dMin {
                return HostEDFVerdict(schedulable: true, busyPeriodNs: busy, evaluations: evaluations)
            }
            var candidate: UInt64
            if g < t {
                candidate = g
            } else if let earlier = deadline(below: t) {
                candidate = earlier
            } else {
                return HostEDFVerdict(schedulable: true, busyPeriodNs: busy, evaluations: evaluations)
            }
            if candidate < stretchStart {
                // Everything down to the stretch start is fine; continue below it, where B may be larger.
                guard let earlier = deadline(below: stretchStart) else {
                    return HostEDFVerdict(schedulable: true, busyPeriodNs: busy, evaluations: evaluations)
                }
                candidate = earlier
            }
            if candidate < dMin { return HostEDFVerdict(schedulable: true, busyPeriodNs: busy, evaluations: evaluations) }
            t = candidate
        }
    }

    /// Checks h(t) + B(t) ≤ t at every absolute deadline up to the busy period, one by one: the reference
    /// the QPA-style walk of `edf` is tested against. Nil when more than `limit` points would be needed.
    public static func edfExhaustive(_ tasks: [HostTask], limit: Int = 1_000_000) -> Bool? {
        let verdict = edf(tasks)
        guard let busy = verdict.busyPeriodNs else { return verdict.reason == nil ? verdict.schedulable : false }
        let dPrime = tasks.map { $0.deadlineNs - $0.jitterNs }
        let blocking = BlockingFunction(tasks, dPrime)
        let bound = max(busy, tasks.map(\.deadlineNs).max() ?? 0)
        var points: [UInt64] = []
        for (k, task) in tasks.enumerated() {
            var t = dPrime[k]
            while t <= bound {
                points.append(t)
                if points.count > limit { return nil }
                t += task.periodNs
            }
        }
        for t in points {
            var h: UInt64 = 0
            for (k, task) in tasks.enumerated() where t >= dPrime[k] { h += ((t - dPrime[k]) / task.periodNs + 1) * task.wcetNs }
            if h + blocking.value(at: t).value > t { return false }
        }
        return true
    }
}

/// B(t) of the EDF demand test as a step function: constant on stretches that start at a deadline D'ₖ
/// (where another task's jobs join the interval) or at a relative deadline Dⱼ (where j stops being able to block).
struct BlockingFunction {
    /// Stretch starts, ascending, with the value on [start, next start).
    var starts: [UInt64] = [0]
    var values: [UInt64] = [0]
    var maximum: UInt64 = 0

    init(_ tasks: [HostTask], _ dPrime: [UInt64]) {
        var minUserDeadline: [Int: UInt64] = [:]
        for task in tasks {
            for s in task.sections { minUserDeadline[s.resource] = min(minUserDeadline[s.resource] ?? UInt64.max, task.deadlineNs) }
        }
        guard !minUserDeadline.isEmpty else { return }
        var breaks = Set<UInt64>([0])
        for (k, task) in tasks.enumerated() {
            breaks.insert(dPrime[k])
            breaks.insert(task.deadlineNs)
        }
        starts = breaks.sorted()
        values = starts.map { t in
            // Largest D among the tasks whose jobs are in an interval of length t.
            var reach: UInt64? = nil
            for (k, task) in tasks.enumerated() where dPrime[k] <= t { reach = max(reach ?? 0, task.deadlineNs) }
            guard let reach else { return 0 }
            var worst: UInt64 = 0
            for task in tasks where task.deadlineNs > t {
                for s in task.sections where minUserDeadline[s.resource]! <= reach { worst = max(worst, s.lengthNs) }
            }
            return worst
        }
        maximum = values.max() ?? 0
    }

    /// B(t) and the start of the stretch holding t.
    func value(at t: UInt64) -> (value: UInt64, start: UInt64) {
        // Last start ≤ t (binary search).
        var low = 0
        var high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= t { low = mid } else { high = mid - 1 }
        }
        return (values[low], starts[low])
    }
}
