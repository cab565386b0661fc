// Schedulability analyses checked on textbook cases and, on thousands of random task sets, against
// discrete-time simulations of the schedules they reason about.

import Testing
import RealTime

/// A task set from (C, T, D, priority) tuples in integer time units.
func taskSet(_ tasks: [(UInt64, UInt64, UInt64, UInt8?)]) -> AnalysisTaskSet {
    var set = AnalysisTaskSet()
    for (c, t, d, p) in tasks {
        set.append(AnalysisTask(wcetNs: c, periodNs: t, deadlineNs: d, priority: p.map { Priority($0) }))
    }
    return set
}

/// The random cases draw from the kernel's SplitMix64.
extension SplitMix64 {
    /// A value below `n` (modulo; the bias is irrelevant for picking test cases).
    mutating func below(_ n: UInt64) -> UInt64 { next() % n }
}

func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : gcd(b, a % b) }
func lcm(_ a: UInt64, _ b: UInt64) -> UInt64 { a / gcd(a, b) * b }

/// Simulates preemptive fixed-priority scheduling from a synchronous release for `horizon` time units of
/// releases; returns each task's worst observed response time.
func simulateFixedPriority(_ tasks: [(c: UInt64, t: UInt64, p: Int)], horizon: UInt64) -> [UInt64] {
    var worst = [UInt64](repeating: 0, count: tasks.count)
    var pending = [[(release: UInt64, left: UInt64)]](repeating: [], count: tasks.count)
    var time: UInt64 = 0
    while time < horizon || pending.contains(where: { !$0.isEmpty }) {
        if time < horizon {
            for (i, task) in tasks.enumerated() where time % task.t == 0 { pending[i].append((time, task.c)) }
        }
        // Highest priority with work; its oldest job runs for one unit.
        if let i = pending.indices.filter({ !pending[$0].isEmpty }).max(by: { tasks[$0].p < tasks[$1].p }) {
            pending[i][0].left -= 1
            if pending[i][0].left == 0 {
                worst[i] = max(worst[i], time + 1 - pending[i][0].release)
                pending[i].removeFirst()
            }
        }
        time += 1
        if time > horizon * 4 { break }
    }
    return worst
}

/// Simulates EDF from a synchronous release; returns whether any job finished after its deadline.
func simulateEDFMisses(_ tasks: [(c: UInt64, t: UInt64, d: UInt64)], horizon: UInt64) -> Bool {
    var jobs: [(deadline: UInt64, left: UInt64, task: Int)] = []
    var time: UInt64 = 0
    while time < horizon || !jobs.isEmpty {
        if time < horizon {
            for (i, task) in tasks.enumerated() where time % task.t == 0 { jobs.append((time + task.d, task.c, i)) }
        }
        if let k = jobs.indices.min(by: { jobs[$0].deadline < jobs[$1].deadline }) {
            jobs[k].left -= 1
            if jobs[k].left == 0 {
                if time + 1 > jobs[k].deadline { return true }
                jobs.remove(at: k)
            }
        }
        if let late = jobs.first(where: { $0.deadline <= time }), late.left > 0 { return true }
        time += 1
    }
    return false
}

@Suite("Schedulability analysis")
struct AnalysisTests {
    @Test func liuLaylandBoundValues() {
        #expect(UtilizationBound.liuLayland(taskCount: 1) == 1.0)
        #expect(abs(UtilizationBound.liuLayland(taskCount: 2) - 0.828427) < 1e-6)
        #expect(abs(UtilizationBound.liuLayland(taskCount: 3) - 0.779763) < 1e-6)
        #expect(abs(UtilizationBound.liuLayland(taskCount: 64) - 0.696914) < 1e-5)  // → ln 2
    }

    @Test func utilizationTests() {
        var set = taskSet([(1, 4, 0, nil), (1, 5, 0, nil), (2, 10, 0, nil)])  // U = 0.65
        #expect(UtilizationBound.liuLaylandTest(&set))
        #expect(UtilizationBound.hyperbolicTest(&set))   // 1.25 · 1.2 · 1.2 = 1.8
        var heavy = taskSet([(2, 4, 0, nil), (2, 5, 0, nil)])  // U = 0.9 > 0.828; Π = 2.1
        #expect(!UtilizationBound.liuLaylandTest(&heavy))
        #expect(!UtilizationBound.hyperbolicTest(&heavy))
        #expect(UtilizationBound.edfTest(&heavy))
    }

    // @verifies SWR-RT-ANALYSIS-1
    /// Joseph & Pandya's classic set: response times 3, 6 and 20.
    @Test func classicResponseTimes() throws {
        var set = taskSet([(3, 7, 0, 3), (3, 12, 0, 2), (5, 20, 0, 1)])
        var results = InlineArray<64, ResponseTime>(repeating: ResponseTime(worstNs: nil, blockingNs: 0, jobsExamined: 0))
        #expect(try FixedPriorityAnalysis.analyze(&set, results: &results))
        #expect(results[0].worstNs == 3)
        #expect(results[1].worstNs == 6)
        #expect(results[2].worstNs == 20)
    }

    /// Jitter and SRP blocking, worked by hand: R = 2, 6, 10.
    @Test func jitterAndBlocking() {
        var set = AnalysisTaskSet()
        set.append(AnalysisTask(wcetNs: 1, periodNs: 4, jitterNs: 1, priority: Priority(3)))
        var middle = AnalysisTask(wcetNs: 2, periodNs: 6, priority: Priority(2))
        middle.add(CriticalSection(resource: 0, lengthNs: 1))
        set.append(middle)
        var low = AnalysisTask(wcetNs: 3, periodNs: 12, priority: Priority(1))
        low.add(CriticalSection(resource: 0, lengthNs: 2))
        set.append(low)
        #expect(FixedPriorityAnalysis.blocking(&set, task: 0) == 0)  // r0's ceiling (2) is below priority 3
        #expect(FixedPriorityAnalysis.blocking(&set, task: 1) == 2)
        #expect(FixedPriorityAnalysis.responseTime(&set, task: 0).worstNs == 2)
        #expect(FixedPriorityAnalysis.responseTime(&set, task: 1).worstNs == 6)
        #expect(FixedPriorityAnalysis.responseTime(&set, task: 2).worstNs == 10)
    }

    @Test func overloadIsUnbounded() {
        var set = taskSet([(3, 4, 0, 2), (3, 5, 0, 1)])
        #expect(FixedPriorityAnalysis.responseTime(&set, task: 1).worstNs == nil)
        #expect(throws: AnalysisError.missingPriority(index: 0)) {
            var unprioritised = taskSet([(1, 4, 0, nil)])
            var results = InlineArray<64, ResponseTime>(repeating: ResponseTime(worstNs: nil, blockingNs: 0, jobsExamined: 0))
            _ = try FixedPriorityAnalysis.analyze(&unprioritised, results: &results)
        }
    }

    // @verifies SWR-RT-ANALYSIS-1
    /// RTA (arbitrary deadlines, several jobs per busy period) equals the worst response a simulation of
    /// the synchronous release observes, on 3,000 random task sets with U ≤ 1.
    @Test func responseTimesMatchSimulation() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var checked = 0
        for round in 0..<3_000 {
            let n = 2 + Int(rng.below(3))
            let periods: [UInt64] = [4, 5, 6, 8, 10, 12, 15, 20, 24, 30]
            var tasks: [(c: UInt64, t: UInt64, p: Int)] = []
            for i in 0..<n {
                let t = periods[Int(rng.below(UInt64(periods.count)))]
                tasks.append((1 + rng.below(t / 2), t, n - i))
            }
            let u = tasks.reduce(0.0) { $0 + Double($1.c) / Double($1.t) }
            guard u <= 1.0 else { continue }
            let hyper = tasks.reduce(UInt64(1)) { lcm($0, $1.t) }
            let simulated = simulateFixedPriority(tasks, horizon: hyper)
            var set = taskSet(tasks.map { ($0.c, $0.t, 2 * $0.t, UInt8($0.p)) })
            for i in 0..<n {
                #expect(FixedPriorityAnalysis.responseTime(&set, task: i).worstNs == simulated[i],
                        "round \(round) task \(i) of \(tasks)")
            }
            checked += 1
        }
        #expect(checked > 1_000)
    }

    // @verifies SWR-RT-ANALYSIS-1
    /// QPA (Zhang & Burns, "Schedulability Analysis for Real-Time Systems with EDF Scheduling", IEEE
    /// Trans. Computers 58(9), 2009) on a constrained set worked by hand (not one of the paper's own
    /// examples, which were not at hand): h(t) = sum of (floor((t - D)/T) + 1) * C over tasks with D <= t.
    // @verifies SWR-RT-ANALYSIS-1
    @Test func qpaWorkedByHand() throws {
        // (C, T, D): U = 2/6 + 2/8 + 3/12 = 0.83. Busy period: 7 -> 9 -> 11 -> 11. QPA starts at the last
        // deadline before 11, t = 10: h(10) = 4 + 2 + 3 = 9 < 10, so t = 9; h(9) = 2 + 2 = 4, which is not
        // above the smallest deadline 4: schedulable.
        var ok = AnalysisTaskSet()
        for (c, t, d) in [(2, 6, 4), (2, 8, 5), (3, 12, 10)] as [(UInt64, UInt64, UInt64)] {
            ok.append(AnalysisTask(wcetNs: c, periodNs: t, deadlineNs: d))
        }
        let verdict = try EDFAnalysis.qpa(&ok)
        #expect(verdict.schedulable)
        #expect(verdict.busyPeriodNs == 11)
        #expect(EDFAnalysis.demand(&ok, at: 10) == 9)
        #expect(EDFAnalysis.demand(&ok, at: 9) == 4)

        // The third task needs 5 instead of 3: U = 1.0, busy period 9 -> 20 -> 24 -> 24. The last deadline
        // before 24 is 22 (tasks 1 and 3): h(22) = 4*2 + 3*2 + 2*5 = 24 > 22, so QPA stops at once there
        // (h(10) = 11 > 10 is a violation too; QPA walks down from the end and reports the first it meets).
        var overloaded = AnalysisTaskSet()
        for (c, t, d) in [(2, 6, 4), (2, 8, 5), (5, 12, 10)] as [(UInt64, UInt64, UInt64)] {
            overloaded.append(AnalysisTask(wcetNs: c, periodNs: t, deadlineNs: d))
        }
        let miss = try EDFAnalysis.qpa(&overloaded)
        #expect(!miss.schedulable)
        #expect(miss.busyPeriodNs == 24)
        #expect(miss.failingTimeNs == 22)
        #expect(miss.demandNs == 24)
        #expect(EDFAnalysis.demand(&overloaded, at: 10) == 11)
    }

    /// QPA's verdict equals an EDF simulation from the synchronous release on 3,000 random constrained sets.
    @Test func qpaMatchesSimulation() throws {
        var rng = SplitMix64(seed: 0x5EED_0002)
        var schedulable = 0
        var unschedulable = 0
        for round in 0..<3_000 {
            let n = 2 + Int(rng.below(3))
            let periods: [UInt64] = [4, 5, 6, 8, 10, 12, 15, 20]
            var tasks: [(c: UInt64, t: UInt64, d: UInt64)] = []
            for _ in 0..<n {
                let t = periods[Int(rng.below(UInt64(periods.count)))]
                let c = 1 + rng.below(t / 2)
                let d = c + rng.below(t - c + 1)
                tasks.append((c, t, d))
            }
            let u = tasks.reduce(0.0) { $0 + Double($1.c) / Double($1.t) }
            guard u <= 1.2 else { continue }
            let hyper = tasks.reduce(UInt64(1)) { lcm($0, $1.t) }
            let missed = simulateEDFMisses(tasks, horizon: hyper + tasks.map(\.d).max()!)
            var set = taskSet(tasks.map { ($0.c, $0.t, $0.d, nil) })
            let verdict = try EDFAnalysis.qpa(&set)
            #expect(verdict.schedulable == !missed, "round \(round): \(tasks) QPA \(verdict.schedulable), simulation missed \(missed)")
            if verdict.schedulable { schedulable += 1 } else { unschedulable += 1 }
        }
        #expect(schedulable > 300 && unschedulable > 300)
    }

    /// Audsley is optimal: whenever deadline-monotonic priorities work, it finds an assignment, and every
    /// assignment it returns passes response-time analysis.
    @Test func audsleyIsAtLeastAsGoodAsDeadlineMonotonic() {
        var rng = SplitMix64(seed: 0x5EED_0003)
        var dmWins = 0
        var audsleyOnly = 0
        for _ in 0..<2_000 {
            var tasks: [(UInt64, UInt64, UInt64, UInt8?)] = []
            for _ in 0..<(2 + Int(rng.below(4))) {
                let t = 4 + rng.below(30)
                let c = 1 + rng.below(t / 3)
                tasks.append((c, t, c + rng.below(2 * t), nil))
            }
            var dm = taskSet(tasks)
            // Jitter breaks DM's optimality, so add some.
            for i in 0..<dm.count where rng.below(2) == 0 { dm[i].jitterNs = rng.below(dm[i].periodNs / 2) }
            var opa = dm
            PriorityAssignment.deadlineMonotonic(&dm)
            let dmOK = FixedPriorityAnalysis.isSchedulable(&dm)
            let opaOK = PriorityAssignment.audsley(&opa)
            if dmOK { dmWins += 1; #expect(opaOK) }
            if opaOK { #expect(FixedPriorityAnalysis.isSchedulable(&opa)) }
            if opaOK && !dmOK { audsleyOnly += 1 }
        }
        #expect(dmWins > 100)
        #expect(audsleyOnly > 0)
    }

    @Test func deadlineMonotonicOrder() {
        var set = taskSet([(1, 10, 9, nil), (1, 10, 3, nil), (1, 8, 9, nil)])
        PriorityAssignment.deadlineMonotonic(&set)
        #expect(set[1].priority == Priority(2))
        #expect(set[2].priority == Priority(1))  // same deadline as task 0, shorter period
        #expect(set[0].priority == Priority(0))
    }

    @Test func sensitivityFindsTheScalingLimit() {
        var one = taskSet([(2, 10, 0, 1)])
        #expect(Sensitivity.scalingFactorPPM(&one, policy: .fixedPriority) == 5_000_000)
        #expect(Sensitivity.scalingFactorPPM(&one, policy: .edf) == 5_000_000)
        #expect(one[0].wcetNs == 2)  // restored
        var classic = taskSet([(3, 7, 0, 3), (3, 12, 0, 2), (5, 20, 0, 1)])
        let factor = Sensitivity.scalingFactorPPM(&classic, policy: .fixedPriority)
        #expect(factor >= 1_000_000 && factor < 1_100_000)  // R3 = 20 = D3: almost no slack
    }
}
