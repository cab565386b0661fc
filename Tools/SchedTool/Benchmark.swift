// The analysis benchmark (`orion sched bench`): response-time analysis and QPA on large random task sets.

import Foundation
import RealTime

/// Timings of the analyses on random task sets.
public enum SchedBenchmark {
    /// What one benchmark run measured.
    public struct Figures: Sendable {
        /// "implicit" (D = T) or "constrained" deadlines.
        public var deadlines: String
        public var tasks: Int
        public var runs: Int
        /// Milliseconds per analysis of the whole set, one entry per run.
        public var rtaMs: [Double]
        public var qpaMs: [Double]
        /// Sets the analyses found schedulable.
        public var rtaSchedulable: Int
        public var qpaSchedulable: Int
        /// Mean QPA demand evaluations.
        public var qpaEvaluations: Double
        /// The kernel's own allocation-free analyses on 64-task sets, for comparison.
        public var kernelRtaMs: [Double]
        public var kernelQpaMs: [Double]
        public var fpUtilization: Double
        public var edfUtilization: Double
    }

    /// A uniform double in [0, 1).
    static func unit(_ rng: inout SplitMix64) -> Double { Double(rng.next() >> 11) / 9_007_199_254_740_992.0 }

    /// UUniFast (Bini & Buttazzo 2005): `n` task utilizations summing to `total`, uniformly distributed.
    public static func uunifast(_ n: Int, total: Double, _ rng: inout SplitMix64) -> [Double] {
        var out: [Double] = []
        var remaining = total
        for i in 1..<max(n, 1) {
            let next = remaining * pow(unit(&rng), 1.0 / Double(n - i))
            out.append(remaining - next)
            remaining = next
        }
        out.append(remaining)
        return out
    }

    /// A random implicit-deadline set: UUniFast utilizations, periods log-uniform in 1 ms ... 1 s (whole µs,
    /// as Emberson, Stafford & Davis recommend for evaluations), deadline-monotonic priorities.
    /// With `constrained`, each deadline is drawn from C + (T − C)/2 ... T instead of being T.
    public static func randomSet(tasks n: Int, utilization: Double, seed: UInt64, constrained: Bool = false) -> [HostTask] {
        var rng = SplitMix64(seed: seed)
        let utilizations = uunifast(n, total: utilization, &rng)
        var tasks: [HostTask] = []
        for u in utilizations {
            let periodUs = (exp(log(1_000.0) + unit(&rng) * (log(1_000_000.0) - log(1_000.0)))).rounded()
            let period = UInt64(periodUs) * 1_000
            let wcet = min(max(1, UInt64((u * Double(period)).rounded())), period)
            let deadline = constrained ? wcet + (period - wcet) / 2 + rng.uniform(0, (period - wcet) / 2) : period
            tasks.append(HostTask(wcetNs: wcet, periodNs: period, deadlineNs: deadline))
        }
        let priorities = HostAnalysis.deadlineMonotonic(tasks)
        for i in tasks.indices { tasks[i].priority = priorities[i] }
        return tasks
    }

    static func milliseconds(_ d: Duration) -> Double {
        let (seconds, attoseconds) = d.components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }

    /// Runs RTA (U = `fpUtilization`) and QPA (U = `edfUtilization`) on `runs` fresh sets of `tasks` tasks.
    public static func run(tasks: Int = 1_000, runs: Int = 10, seed: UInt64 = 1, constrained: Bool = false,
                           fpUtilization: Double = 0.8, edfUtilization: Double = 0.9) -> Figures {
        let clock = ContinuousClock()
        var figures = Figures(deadlines: constrained ? "constrained" : "implicit", tasks: tasks, runs: runs, rtaMs: [], qpaMs: [],
                              rtaSchedulable: 0, qpaSchedulable: 0, qpaEvaluations: 0, kernelRtaMs: [], kernelQpaMs: [],
                              fpUtilization: fpUtilization, edfUtilization: edfUtilization)
        var evaluations = 0
        for k in 0..<runs {
            let fpSet = randomSet(tasks: tasks, utilization: fpUtilization, seed: seed &+ UInt64(k), constrained: constrained)
            var responses: [ResponseTime] = []
            let rta = clock.measure { responses = HostAnalysis.responseTimes(fpSet) }
            figures.rtaMs.append(milliseconds(rta))
            if responses.indices.allSatisfy({ responses[$0].meets(fpSet[$0].deadlineNs) }) { figures.rtaSchedulable += 1 }

            let edfSet = randomSet(tasks: tasks, utilization: edfUtilization, seed: seed &+ 1_000 &+ UInt64(k), constrained: constrained)
            var verdict = HostEDFVerdict(schedulable: false, evaluations: 0)
            let qpa = clock.measure { verdict = HostAnalysis.edf(edfSet) }
            figures.qpaMs.append(milliseconds(qpa))
            if verdict.schedulable { figures.qpaSchedulable += 1 }
            evaluations += verdict.evaluations

            // The kernel's analyses at their capacity (64 tasks).
            let small = randomSet(tasks: AnalysisTaskSet.capacity, utilization: fpUtilization, seed: seed &+ 2_000 &+ UInt64(k), constrained: constrained)
            var set = AnalysisTaskSet()
            for t in small { set.append(AnalysisTask(wcetNs: t.wcetNs, periodNs: t.periodNs, deadlineNs: t.deadlineNs, priority: Priority(UInt8(t.priority)))) }
            figures.kernelRtaMs.append(milliseconds(clock.measure {
                for i in 0..<set.count { _ = FixedPriorityAnalysis.responseTime(&set, task: i) }
            }))
            figures.kernelQpaMs.append(milliseconds(clock.measure { _ = try? EDFAnalysis.qpa(&set) }))
        }
        figures.qpaEvaluations = Double(evaluations) / Double(max(runs, 1))
        return figures
    }

    /// The figures as text: median and worst per analysis.
    public static func text(_ f: Figures) -> String {
        func summary(_ values: [Double]) -> String {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return "-" }
            return "median \(SchedReports.fixed(sorted[sorted.count / 2], 3)) ms, worst \(SchedReports.fixed(sorted.last!, 3)) ms"
        }
        var out = "\(f.deadlines) deadlines, \(f.runs) random sets per line:\n"
        out += "  response-time analysis, \(f.tasks) tasks, U \(SchedReports.fixed(f.fpUtilization, 2)), DM: \(summary(f.rtaMs)); \(f.rtaSchedulable)/\(f.runs) schedulable\n"
        out += "  QPA (EDF), \(f.tasks) tasks, U \(SchedReports.fixed(f.edfUtilization, 2)): \(summary(f.qpaMs)); \(f.qpaSchedulable)/\(f.runs) schedulable, \(SchedReports.fixed(f.qpaEvaluations, 0)) demand evaluations on average\n"
        out += "  kernel analyses, \(AnalysisTaskSet.capacity) tasks: RTA \(summary(f.kernelRtaMs)); QPA \(summary(f.kernelQpaMs))\n"
        return out
    }
}
