// The schedule simulator: hand-worked traces, published task sets with known response times, the stack
// resource policy, and cross-checks against the analyses on thousands of seeded random task sets.

import Testing
import RealTime

/// A fixed-priority or EDF simulation of `tasks` with `options`.
func simulate<P: SchedulingPolicy>(_ policy: P.Type, _ tasks: [SimulatedTask], _ options: SimulationOptions) throws -> SimulationResult {
    try Simulator<P>(tasks: tasks).run(options)
}

/// A compact rendering of a trace for comparisons: "time task kind".
func describe(_ trace: [JobEvent]) -> [String] {
    trace.map { event in
        let kind: String
        switch event.kind {
        case .release: kind = "release"
        case .start: kind = "start"
        case .preempt: kind = "preempt"
        case .resume: kind = "resume"
        case .lock(let r): kind = "lock\(r)"
        case .unlock(let r): kind = "unlock\(r)"
        case .finish: kind = "finish"
        case .deadlineMiss: kind = "miss"
        }
        return "\(event.timeNs) \(event.task) \(kind)"
    }
}

/// The analyses' view of simulated tasks.
func analysisSet(_ tasks: [SimulatedTask], priorities: Bool = true) -> AnalysisTaskSet {
    var set = AnalysisTaskSet()
    for task in tasks {
        var a = AnalysisTask(wcetNs: task.wcetNs, periodNs: task.periodNs, deadlineNs: task.deadlineNs, jitterNs: task.jitterNs,
                             priority: priorities ? task.priority : nil)
        for section in task.sections { a.add(section) }
        set.append(a)
    }
    return set
}

/// Least common multiple of the periods.
func hyperperiod(_ tasks: [SimulatedTask]) -> UInt64 {
    func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : gcd(b, a % b) }
    return tasks.reduce(UInt64(1)) { $0 / gcd($0, $1.periodNs) * $1.periodNs }
}

@Suite("Schedule simulator")
struct SimulationTests {
    // MARK: Hand-worked schedules

    /// A (C=1, T=4, prio 2) and B (C=3, T=6, prio 1) from a synchronous release, worked by hand. At 4 B
    /// completes and A is released in the same instant: the completion comes first.
    @Test func fixedPriorityTraceByHand() throws {
        let tasks = [SimulatedTask(wcetNs: 1, periodNs: 4, priority: Priority(2)),
                     SimulatedTask(wcetNs: 3, periodNs: 6, priority: Priority(1))]
        let result = try simulate(FixedPriorityPolicy.self, tasks, SimulationOptions(untilNs: 12, arrivalsBeforeNs: 12))
        #expect(describe(result.trace) == [
            "0 0 release", "0 1 release", "0 0 start",
            "1 0 finish", "1 1 start",
            "4 1 finish", "4 0 release", "4 0 start", "5 0 finish",
            "6 1 release", "6 1 start",
            "8 0 release", "8 1 preempt", "8 0 start", "9 0 finish", "9 1 resume",
            "10 1 finish",
        ])
        #expect(result.tasks[0].worstResponseNs == 1)
        #expect(result.tasks[1].worstResponseNs == 4)  // both jobs: 0 → 4 and 6 → 10
        #expect(result.tasks[1].preemptions == 1)
        #expect(result.busyNs == 9)
        #expect(result.endNs == 10)  // no arrivals at or after 12, nothing pending after 10
        #expect(result.contextSwitches == 6)
        #expect(result.totalMisses == 0)
    }

    /// The same two tasks under EDF with deadlines that invert the fixed priorities.
    @Test func edfFollowsAbsoluteDeadlines() throws {
        let tasks = [SimulatedTask(wcetNs: 1, periodNs: 4, deadlineNs: 4, priority: Priority(2)),
                     SimulatedTask(wcetNs: 2, periodNs: 6, deadlineNs: 3, priority: Priority(1))]
        let result = try simulate(EDFPolicy.self, tasks, SimulationOptions(untilNs: 6, arrivalsBeforeNs: 6))
        // At 0: deadlines 4 and 3, so B runs first despite its lower priority.
        #expect(Array(describe(result.trace).prefix(6)) == ["0 0 release", "0 1 release", "0 1 start", "2 1 finish", "2 0 start", "3 0 finish"])
        #expect(result.totalMisses == 0)
    }

    /// A job that cannot make its deadline is flagged at the deadline and still completes.
    @Test func missesAreFlaggedAtTheDeadline() throws {
        let tasks = [SimulatedTask(wcetNs: 3, periodNs: 5, priority: Priority(2)),
                     SimulatedTask(wcetNs: 3, periodNs: 10, deadlineNs: 5, priority: Priority(1))]
        let result = try simulate(FixedPriorityPolicy.self, tasks, SimulationOptions(untilNs: 10, arrivalsBeforeNs: 10))
        let lines = describe(result.trace)
        #expect(lines.contains("5 1 miss"))
        #expect(lines.contains("9 1 finish"))  // 0-3 A, 3-5 B, 5-8 A, 8-9 B
        #expect(result.tasks[1].missed == 1)
        #expect(result.tasks[1].worstResponseNs == 9)
        #expect(result.jobs.first { $0.task == 1 }?.missed == true)
    }

    /// A job finishing exactly at its deadline meets it.
    @Test func finishingAtTheDeadlineIsNotAMiss() throws {
        let tasks = [SimulatedTask(wcetNs: 2, periodNs: 4, priority: Priority(2)),
                     SimulatedTask(wcetNs: 2, periodNs: 4, priority: Priority(1))]
        let result = try simulate(FixedPriorityPolicy.self, tasks, SimulationOptions(untilNs: 40))
        #expect(result.totalMisses == 0)
        #expect(result.tasks[1].worstResponseNs == 4)
    }

    /// Offsets shift arrivals; equal priorities run first come, first served.
    @Test func offsetsAndFIFOAmongEquals() throws {
        let tasks = [SimulatedTask(wcetNs: 2, periodNs: 10, offsetNs: 1, priority: Priority(1)),
                     SimulatedTask(wcetNs: 2, periodNs: 10, offsetNs: 0, priority: Priority(1))]
        let result = try simulate(FixedPriorityPolicy.self, tasks, SimulationOptions(untilNs: 10))
        #expect(describe(result.trace) == ["0 1 release", "0 1 start", "1 0 release", "2 1 finish", "2 0 start", "4 0 finish"])
        #expect(result.tasks[0].worstResponseNs == 3)
    }

    // MARK: Stack resource policy

    /// L locks r at 0 for 3; H (uses r) and M (does not) arrive at 1. Under the priority ceiling neither may
    /// preempt L inside its critical section; H then runs, then M. H is blocked for 2 = B_H.
    @Test func ceilingBlocksOnceAndOnlyForOneSection() throws {
        let r = CriticalSection(resource: 0, lengthNs: 3)
        let tasks = [SimulatedTask(wcetNs: 2, periodNs: 100, offsetNs: 1, priority: Priority(3), sections: [CriticalSection(resource: 0, lengthNs: 1)]),
                     SimulatedTask(wcetNs: 2, periodNs: 100, offsetNs: 1, priority: Priority(2)),
                     SimulatedTask(wcetNs: 4, periodNs: 100, priority: Priority(1), sections: [r])]
        let result = try simulate(FixedPriorityPolicy.self, tasks, SimulationOptions(untilNs: 100))
        #expect(describe(result.trace) == [
            "0 2 release", "0 2 start", "0 2 lock0",
            "1 0 release", "1 1 release",
            "3 2 unlock0", "3 2 preempt", "3 0 start", "3 0 lock0", "4 0 unlock0", "5 0 finish",
            "5 1 start", "7 1 finish", "7 2 resume", "8 2 finish",
        ])
        #expect(result.tasks[0].worstResponseNs == 4)  // C 2 + blocking 2
        #expect(result.protocolViolations == 0)
        // The analysis' blocking term for H is L's section on r: 3 (the simulation realised 2 of it).
        var set = analysisSet(tasks)
        #expect(FixedPriorityAnalysis.blocking(&set, task: 0) == 3)
        #expect(FixedPriorityAnalysis.blocking(&set, task: 1) == 3)  // M is blocked too (ceiling 3 ≥ 2)
    }

    /// A task whose level is above the ceiling preempts a critical section; one at the ceiling waits.
    @Test func tasksAboveTheCeilingPreempt() throws {
        let tasks = [SimulatedTask(wcetNs: 1, periodNs: 100, offsetNs: 1, priority: Priority(5)),
                     SimulatedTask(wcetNs: 4, periodNs: 100, priority: Priority(1), sections: [CriticalSection(resource: 3, lengthNs: 4)]),
                     SimulatedTask(wcetNs: 1, periodNs: 100, offsetNs: 2, priority: Priority(2), sections: [CriticalSection(resource: 3, lengthNs: 1)])]
        let result = try simulate(FixedPriorityPolicy.self, tasks, SimulationOptions(untilNs: 100))
        #expect(describe(result.trace) == [
            "0 1 release", "0 1 start", "0 1 lock3",
            "1 0 release", "1 1 preempt", "1 0 start", "2 0 finish",
            "2 2 release", "2 1 resume",
            "5 1 unlock3", "5 1 finish", "5 2 start", "5 2 lock3", "6 2 unlock3", "6 2 finish",
        ])
        #expect(result.tasks[0].worstResponseNs == 1)  // priority 5 is above ceiling 2: never blocked
        #expect(result.tasks[2].worstResponseNs == 4)
        #expect(result.protocolViolations == 0)
    }

    /// Under EDF the preemption levels follow relative deadlines: a job with an earlier deadline but a level
    /// at or below the system ceiling waits for the critical section to end.
    @Test func edfStackResourcePolicy() throws {
        // L: D 20, holds r for 4 from 0. H: D 5, uses r, arrives at 1 → waits until 4. X: D 3, no r, level
        // above r's ceiling → preempts at 2.
        let tasks = [SimulatedTask(wcetNs: 1, periodNs: 100, deadlineNs: 5, offsetNs: 1, sections: [CriticalSection(resource: 0, lengthNs: 1)]),
                     SimulatedTask(wcetNs: 5, periodNs: 100, deadlineNs: 20, sections: [CriticalSection(resource: 0, lengthNs: 4)]),
                     SimulatedTask(wcetNs: 1, periodNs: 100, deadlineNs: 3, offsetNs: 2)]
        let simulator = try Simulator<EDFPolicy>(tasks: tasks)
        #expect(simulator.preemptionLevels == [1, 0, 2])
        #expect(simulator.ceilings[0] == 1)
        let result = simulator.run(SimulationOptions(untilNs: 100))
        #expect(describe(result.trace) == [
            "0 1 release", "0 1 start", "0 1 lock0",
            "1 0 release",
            "2 2 release", "2 1 preempt", "2 2 start", "3 2 finish", "3 1 resume",
            "5 1 unlock0", "5 1 preempt", "5 0 start", "5 0 lock0", "6 0 unlock0", "6 0 finish",
            "6 1 resume", "7 1 finish",
        ])
        #expect(result.tasks[0].worstResponseNs == 5)  // arrived 1, done 6: just meets D 5
        #expect(result.totalMisses == 0)
        #expect(result.protocolViolations == 0)
    }

    // MARK: Published task sets

    /// Burns & Wellings, "Real-Time Systems and Programming Languages" (response-time analysis example):
    /// a (T 7, C 3), b (T 12, C 3), c (T 20, C 5), rate-monotonic: R = 3, 6, 20.
    @Test func burnsWellingsResponseTimes() throws {
        let tasks = [SimulatedTask(wcetNs: 3, periodNs: 7, priority: Priority(3)),
                     SimulatedTask(wcetNs: 3, periodNs: 12, priority: Priority(2)),
                     SimulatedTask(wcetNs: 5, periodNs: 20, priority: Priority(1))]
        let h = hyperperiod(tasks)
        let result = try simulate(FixedPriorityPolicy.self, tasks, SimulationOptions(untilNs: 10 * h, arrivalsBeforeNs: h))
        #expect(result.tasks.map(\.worstResponseNs) == [3, 6, 20])
        #expect(result.totalMisses == 0)
    }

    /// Lehoczky (RTSS 1990), "Fixed priority scheduling of periodic task sets with arbitrary deadlines":
    /// τ1 (C 26, T 70) over τ2 (C 62, T 100, D > T). τ2's level-2 busy period holds seven jobs with
    /// response times 114, 102, 116, 104, 118, 106, 94: the worst is the fifth job's, not the first's.
    @Test func lehoczkyArbitraryDeadlines() throws {
        let tasks = [SimulatedTask(wcetNs: 26, periodNs: 70, priority: Priority(2)),
                     SimulatedTask(wcetNs: 62, periodNs: 100, deadlineNs: 120, priority: Priority(1))]
        let result = try simulate(FixedPriorityPolicy.self, tasks, SimulationOptions(untilNs: 10_000, arrivalsBeforeNs: 700))
        let responses = result.jobs.filter { $0.task == 1 }.compactMap(\.responseNs)
        #expect(responses == [114, 102, 116, 104, 118, 106, 94])
        var set = analysisSet(tasks)
        #expect(FixedPriorityAnalysis.responseTime(&set, task: 1).worstNs == 118)
        #expect(FixedPriorityAnalysis.responseTime(&set, task: 1).jobsExamined == 7)
    }

    /// Buttazzo, "Rate Monotonic vs. EDF: Judgment Day" (Real-Time Systems 29, 2005), Fig. 1: τ1 (C 2, T 5)
    /// and τ2 (C 4, T 7), U ≈ 0.97. Rate-monotonic misses τ2's first deadline (R2 = 8 > 7); EDF meets all.
    @Test func buttazzoRMVersusEDF() throws {
        let tasks = [SimulatedTask(wcetNs: 2, periodNs: 5, priority: Priority(2)),
                     SimulatedTask(wcetNs: 4, periodNs: 7, priority: Priority(1))]
        let h = hyperperiod(tasks)
        let fp = try simulate(FixedPriorityPolicy.self, tasks, SimulationOptions(untilNs: h))
        #expect(fp.tasks[1].missed > 0)
        #expect(describe(fp.trace).contains("7 1 miss"))
        #expect(fp.jobs.first { $0.task == 1 }?.responseNs == 8)
        let edf = try simulate(EDFPolicy.self, tasks, SimulationOptions(untilNs: 4 * h))
        #expect(edf.totalMisses == 0)
        var set = analysisSet(tasks, priorities: false)
        #expect(try EDFAnalysis.qpa(&set).schedulable)
        var fpSet = analysisSet(tasks)
        #expect(FixedPriorityAnalysis.responseTime(&fpSet, task: 1).worstNs == 8)
    }

    // MARK: Execution times, jitter, seeds

    @Test func seededSamplingIsDeterministicAndInRange() throws {
        let tasks = [SimulatedTask(wcetNs: 10, periodNs: 40, jitterNs: 7, bcetNs: 4, priority: Priority(2)),
                     SimulatedTask(wcetNs: 12, periodNs: 50, jitterNs: 30, bcetNs: 2, priority: Priority(1))]
        let options = SimulationOptions(untilNs: 20_000, executionTimes: .uniform, jitter: .uniform, seed: 42)
        let a = try simulate(FixedPriorityPolicy.self, tasks, options)
        let b = try simulate(FixedPriorityPolicy.self, tasks, options)
        #expect(a.trace == b.trace)
        var other = options
        other.seed = 43
        #expect(try simulate(FixedPriorityPolicy.self, tasks, other).trace != a.trace)
        var executions = Set<UInt64>()
        var jitters = Set<UInt64>()
        var previousRelease = [UInt64](repeating: 0, count: 2)
        for job in a.jobs {
            let task = tasks[job.task]
            #expect(job.executionNs >= task.bcetNs && job.executionNs <= task.wcetNs)
            #expect(job.releaseNs >= job.arrivalNs && job.releaseNs <= job.arrivalNs + task.jitterNs)
            #expect(job.releaseNs >= previousRelease[job.task])
            previousRelease[job.task] = job.releaseNs
            #expect(job.deadlineNs == job.arrivalNs + task.deadlineNs)
            if job.task == 0 { executions.insert(job.executionNs); jitters.insert(job.releaseNs - job.arrivalNs) }
        }
        #expect(executions.count == 7)  // every value of 4...10 is drawn over 500 jobs
        #expect(jitters.count == 8)     // 0...7
    }

    @Test func generatorIsUniform() {
        var rng = SplitMix64(seed: 7)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[Int(rng.uniform(10, 15) - 10)] += 1 }
        for c in counts { #expect(c > 9_500 && c < 10_500, "\(counts)") }
        #expect(rng.uniform(5, 5) == 5)
        #expect(rng.uniform(9, 3) == 9)
        var a = SplitMix64(seed: 0)
        var b = SplitMix64(seed: 0)
        #expect(a.next() == b.next())
        #expect(a.next() != SplitMix64(seed: 1).state)
    }

    @Test func rejectsWhatItCannotSimulate() {
        #expect(throws: SimulationError.tooManyTasks(count: 65)) {
            _ = try Simulator<FixedPriorityPolicy>(tasks: [SimulatedTask](repeating: SimulatedTask(wcetNs: 1, periodNs: 100), count: 65))
        }
        #expect(throws: SimulationError.invalidTask(index: 0, reason: "zero period")) {
            _ = try Simulator<EDFPolicy>(tasks: [SimulatedTask(wcetNs: 1, periodNs: 0)])
        }
        #expect(throws: SimulationError.invalidTask(index: 1, reason: "critical sections longer than the WCET")) {
            _ = try Simulator<EDFPolicy>(tasks: [SimulatedTask(wcetNs: 1, periodNs: 4),
                                                 SimulatedTask(wcetNs: 2, periodNs: 4, sections: [CriticalSection(resource: 0, lengthNs: 3)])])
        }
        #expect(throws: SimulationError.invalidTask(index: 0, reason: "BCET above WCET")) {
            _ = try Simulator<EDFPolicy>(tasks: [SimulatedTask(wcetNs: 1, periodNs: 4, bcetNs: 2)])
        }
    }

    // MARK: Cross-checks against the analyses

    /// Fixed priorities, synchronous release, WCET execution, no jitter or resources: over the hyperperiod
    /// the worst observed response time of every task equals the response-time analysis (D up to 2T).
    // @verifies SWR-KERN-ADMIT-1
    @Test func fixedPriorityWorstResponseEqualsAnalysis() throws {
        var rng = SplitMix64(seed: 0x51A1_0001)
        let periods: [UInt64] = [4, 5, 6, 8, 10, 12, 15, 20, 24, 30]
        var checked = 0
        var multiJob = 0
        for round in 0..<2_000 {
            let n = 2 + Int(rng.uniform(0, 3))
            var tasks: [SimulatedTask] = []
            for i in 0..<n {
                let t = periods[Int(rng.uniform(0, UInt64(periods.count - 1)))] * 1_000
                let c = rng.uniform(1, t / 2)
                let d = rng.uniform(c, 2 * t)
                tasks.append(SimulatedTask(wcetNs: c, periodNs: t, deadlineNs: d, priority: Priority(UInt8(n - i))))
            }
            let u = tasks.reduce(0.0) { $0 + Double($1.wcetNs) / Double($1.periodNs) }
            guard u <= 1.0 else { continue }
            let h = hyperperiod(tasks)
            let result = try simulate(FixedPriorityPolicy.self, tasks,
                                      SimulationOptions(untilNs: 64 * h, arrivalsBeforeNs: h, recordsTrace: false))
            var set = analysisSet(tasks)
            for i in tasks.indices {
                let analysed = FixedPriorityAnalysis.responseTime(&set, task: i)
                #expect(analysed.worstNs == result.tasks[i].worstResponseNs, "round \(round) task \(i): \(tasks)")
                if analysed.jobsExamined > 1 { multiJob += 1 }
            }
            checked += 1
        }
        #expect(checked > 800)
        #expect(multiJob > 50)  // the arbitrary-deadline path was exercised
    }

    /// Fixed priorities with everything the analysis bounds: release jitter, offsets, sampled execution
    /// times, shared resources under the ceiling protocol, equal priorities. No observed response time
    /// exceeds the analysed one, and sets the analysis accepts never miss.
    // @verifies SWR-KERN-ADMIT-1
    // @verifies SWR-RT-ANALYSIS-1
    @Test func fixedPriorityResponsesNeverExceedTheBound() throws {
        var rng = SplitMix64(seed: 0x51A1_0002)
        let periods: [UInt64] = [4, 5, 6, 8, 10, 12, 15, 20]
        var accepted = 0
        var blockedSets = 0
        for round in 0..<1_500 {
            let n = 2 + Int(rng.uniform(0, 4))
            var tasks: [SimulatedTask] = []
            for _ in 0..<n {
                let t = periods[Int(rng.uniform(0, UInt64(periods.count - 1)))] * 100
                let c = rng.uniform(1, t / 3)
                var task = SimulatedTask(wcetNs: c, periodNs: t, deadlineNs: rng.uniform(c, 2 * t),
                                         jitterNs: rng.uniform(0, 1) == 0 ? 0 : rng.uniform(0, t / 4),
                                         offsetNs: rng.uniform(0, 1) == 0 ? 0 : rng.uniform(0, t), bcetNs: rng.uniform(1, c),
                                         priority: Priority(UInt8(rng.uniform(1, UInt64(n)))))
                for resource in 0..<2 where rng.uniform(0, 2) == 0 && task.sections.count < 2 {
                    let room = task.wcetNs - task.sections.reduce(0) { $0 + $1.lengthNs }
                    if room > 0 { task.sections.append(CriticalSection(resource: UInt8(resource), lengthNs: rng.uniform(1, room))) }
                }
                tasks.append(task)
            }
            var set = analysisSet(tasks)
            let bounds = tasks.indices.map { FixedPriorityAnalysis.responseTime(&set, task: $0) }
            if bounds.contains(where: { $0.blockingNs > 0 }) { blockedSets += 1 }
            let h = hyperperiod(tasks)
            let result = try simulate(FixedPriorityPolicy.self, tasks,
                                      SimulationOptions(untilNs: 4 * h + 4_000, arrivalsBeforeNs: 3 * h, executionTimes: .uniform,
                                                        jitter: .uniform, seed: rng.next(), recordsTrace: false))
            #expect(result.protocolViolations == 0)
            for i in tasks.indices {
                if let bound = bounds[i].worstNs, let observed = result.tasks[i].worstResponseNs {
                    #expect(observed <= bound, "round \(round) task \(i): observed \(observed) > bound \(bound) in \(tasks)")
                }
            }
            if bounds.indices.allSatisfy({ bounds[$0].meets(tasks[$0].deadlineNs) }) {
                accepted += 1
                #expect(result.totalMisses == 0, "round \(round): analysis accepts \(tasks) but the simulation missed")
            }
        }
        #expect(accepted > 300)
        #expect(blockedSets > 300)
    }

    /// EDF, synchronous release, WCET execution (constrained deadlines): QPA accepts exactly the sets the
    /// simulation of the synchronous busy period shows without a miss; with offsets and sampled execution
    /// times an accepted set still never misses.
    // @verifies SWR-KERN-ADMIT-1
    // @verifies SWR-RT-ANALYSIS-1
    @Test func edfMissesExactlyWhenQPARejects() throws {
        var rng = SplitMix64(seed: 0x51A1_0003)
        let periods: [UInt64] = [4, 5, 6, 8, 10, 12, 15, 20]
        var schedulable = 0
        var unschedulable = 0
        for round in 0..<2_000 {
            let n = 2 + Int(rng.uniform(0, 3))
            var tasks: [SimulatedTask] = []
            for _ in 0..<n {
                let t = periods[Int(rng.uniform(0, UInt64(periods.count - 1)))] * 10
                let c = rng.uniform(1, t / 2)
                tasks.append(SimulatedTask(wcetNs: c, periodNs: t, deadlineNs: rng.uniform(c, t), bcetNs: rng.uniform(1, c)))
            }
            let u = tasks.reduce(0.0) { $0 + Double($1.wcetNs) / Double($1.periodNs) }
            guard u <= 1.0 else { continue }
            var set = analysisSet(tasks, priorities: false)
            let verdict = try EDFAnalysis.qpa(&set)
            let h = hyperperiod(tasks)
            let synchronous = try simulate(EDFPolicy.self, tasks, SimulationOptions(untilNs: 4 * h, arrivalsBeforeNs: h, recordsTrace: false))
            #expect(verdict.schedulable == (synchronous.totalMisses == 0), "round \(round): \(tasks)")
            if verdict.schedulable {
                schedulable += 1
                var shifted = tasks
                for i in shifted.indices { shifted[i].offsetNs = rng.uniform(0, shifted[i].periodNs) }
                let sampled = try simulate(EDFPolicy.self, shifted,
                                           SimulationOptions(untilNs: 4 * h, arrivalsBeforeNs: 3 * h, executionTimes: .uniform,
                                                             seed: rng.next(), recordsTrace: false))
                #expect(sampled.totalMisses == 0, "round \(round): \(shifted)")
            } else {
                unschedulable += 1
            }
        }
        #expect(schedulable > 300 && unschedulable > 100)
    }
}
