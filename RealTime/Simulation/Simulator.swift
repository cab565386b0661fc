// A discrete-event schedule simulator in virtual time (integer ns), driven by the kernel's own scheduling
// policy types: the ready set is a `SchedulingPolicy` (FixedPriorityPolicy or EDFPolicy) and the dispatch
// rule is the kernel's (keep the running task unless a ready one is strictly more urgent; a preempted task
// goes back first among its equals). Resources follow the stack resource policy (Baker 1991) with the
// preemption levels of the analyses: under FP the priority, under EDF the order of relative deadlines.
// A job that has not started yet may start only when its level is above the system ceiling, which blocks
// every task at most once, for at most one critical section of a less urgent task: the blocking term the
// response-time analysis uses.

#if !hasFeature(Embedded)

/// Simulates a task set under `Policy` and records what every job did.
public struct Simulator<Policy: SchedulingPolicy> {
    /// The tasks, indexed as in the trace.
    public let tasks: [SimulatedTask]
    /// Each task's preemption level (stack resource policy): its priority under a fixed-priority policy;
    /// under EDF, higher for shorter relative deadlines (equal deadlines share a level).
    public let preemptionLevels: [Int]
    /// Each resource's ceiling: the highest preemption level among the tasks that use it (−1: unused).
    public let ceilings: [Int]

    /// A simulator for `tasks` (at most `TaskID.capacity`, since the kernel's ready queues hold that many).
    public init(tasks: [SimulatedTask]) throws(SimulationError) {
        guard tasks.count <= TaskID.capacity else { throw .tooManyTasks(count: tasks.count) }
        for (i, task) in tasks.enumerated() {
            if task.periodNs == 0 { throw .invalidTask(index: i, reason: "zero period") }
            if task.wcetNs == 0 { throw .invalidTask(index: i, reason: "zero WCET") }
            if task.deadlineNs == 0 { throw .invalidTask(index: i, reason: "zero deadline") }
            if task.bcetNs > task.wcetNs { throw .invalidTask(index: i, reason: "BCET above WCET") }
            if Int(task.priority.raw) >= Priority.levels { throw .invalidTask(index: i, reason: "priority out of range") }
            var total: UInt64 = 0
            for section in task.sections {
                let (sum, overflow) = total.addingReportingOverflow(section.lengthNs)
                if overflow || sum > task.wcetNs { throw .invalidTask(index: i, reason: "critical sections longer than the WCET") }
                total = sum
            }
        }
        self.tasks = tasks
        var levels: [Int] = []
        if Policy.ordersByDeadline {
            for task in tasks { levels.append(tasks.filter { $0.deadlineNs > task.deadlineNs }.map(\.deadlineNs).uniqueCount) }
        } else {
            levels = tasks.map { Int($0.priority.raw) }
        }
        preemptionLevels = levels
        var ceilings = [Int](repeating: -1, count: 256)
        for (i, task) in tasks.enumerated() {
            for section in task.sections { ceilings[Int(section.resource)] = max(ceilings[Int(section.resource)], levels[i]) }
        }
        self.ceilings = ceilings
    }

    /// Runs the simulation from time 0 with `options`.
    public func run(_ options: SimulationOptions) -> SimulationResult {
        var engine = SimulationEngine<Policy>(self, options)
        return engine.run()
    }
}

extension Array where Element == UInt64 {
    /// How many distinct values the array holds.
    var uniqueCount: Int { Set(self).count }
}

/// A job in its task's queue.
struct SimulatedJob {
    var number: Int
    var arrivalNs: UInt64
    var releaseNs: UInt64
    var deadlineNs: UInt64
    var executionNs: UInt64
    var doneNs: UInt64 = 0
    var started = false
    var missed = false
    /// The resource it holds now and where (in executed ns) that critical section ends.
    var holding: UInt8?
    var holdEndNs: UInt64 = 0
    /// Its index in the result's job records, or −1.
    var record: Int
}

/// The state of one run.
struct SimulationEngine<Policy: SchedulingPolicy> {
    let tasks: [SimulatedTask]
    let levels: [Int]
    let ceilings: [Int]
    let options: SimulationOptions
    var rng: SplitMix64
    /// The kernel's ready set: tasks whose oldest pending job is released, minus the running task and the
    /// tasks held back by the system ceiling.
    var ready = Policy()
    /// Pending jobs of each task, oldest first; the first `releasedCount[i]` are released.
    var queues: [[SimulatedJob]]
    var releasedCount: [Int]
    var nextArrivalNs: [UInt64]
    var arrivals: [Int]
    var lastReleaseNs: [UInt64]
    /// Tasks whose next job may not start yet because their preemption level is not above the system ceiling.
    var held: [Int] = []
    /// Locked resources, in locking order.
    var locked: [UInt8] = []
    var lockedBy = [Int](repeating: -1, count: 256)
    var running: Int?
    var lastRun: Int?
    var now: UInt64 = 0
    var result: SimulationResult

    init(_ simulator: Simulator<Policy>, _ options: SimulationOptions) {
        tasks = simulator.tasks
        levels = simulator.preemptionLevels
        ceilings = simulator.ceilings
        self.options = options
        rng = SplitMix64(seed: options.seed)
        let n = tasks.count
        queues = [[SimulatedJob]](repeating: [], count: n)
        releasedCount = [Int](repeating: 0, count: n)
        nextArrivalNs = tasks.map(\.offsetNs)
        arrivals = [Int](repeating: 0, count: n)
        lastReleaseNs = [UInt64](repeating: 0, count: n)
        result = SimulationResult(tasks: [TaskStatistics](repeating: TaskStatistics(), count: n), trace: [], jobs: [],
                                  endNs: 0, busyNs: 0, contextSwitches: 0, protocolViolations: 0)
    }

    mutating func run() -> SimulationResult {
        while true {
            let next = nextEventTime()
            if next == UInt64.max {
                result.endNs = now  // nothing is pending and nothing more arrives
                break
            }
            if next > options.untilNs {
                advance(to: options.untilNs)
                result.endNs = options.untilNs
                break
            }
            advance(to: next)
            // Same-instant order: completions (a job finishing exactly at its deadline meets it), deadline
            // checks, arrivals, releases, then one scheduling decision.
            completeSegment()
            checkDeadlines()
            arrive()
            release()
            dispatch()
            lockIfAtSection()
        }
        for i in tasks.indices { result.tasks[i].unfinished = releasedCount[i] }
        return result
    }

    // MARK: Time

    /// The earliest future event: an arrival, a release, a deadline or the end of the running segment.
    func nextEventTime() -> UInt64 {
        var next = UInt64.max
        for i in tasks.indices {
            if nextArrivalNs[i] < options.arrivalsBeforeNs { next = min(next, nextArrivalNs[i]) }
            if releasedCount[i] < queues[i].count { next = min(next, queues[i][releasedCount[i]].releaseNs) }
            if let job = queues[i].first(where: { !$0.missed }) { next = min(next, job.deadlineNs) }
        }
        if let r = running {
            let job = queues[r][0]
            let end = job.holding != nil ? job.holdEndNs : segment(r, job).endNs
            next = min(next, now + (end - job.doneNs))
        }
        return next
    }

    /// Moves the clock to `t`, the running job executing meanwhile.
    mutating func advance(to t: UInt64) {
        guard t > now else { return }
        if let r = running {
            queues[r][0].doneNs += t - now
            result.busyNs += t - now
        }
        now = t
    }

    /// The segment of the job's execution that `doneNs` lies in: where it ends (in executed ns) and the
    /// resource it holds (nil for the non-critical rest). Critical sections come first, in declared order,
    /// each as long as declared or as the job's execution time leaves room for.
    func segment(_ t: Int, _ job: SimulatedJob) -> (endNs: UInt64, resource: UInt8?) {
        var start: UInt64 = 0
        for section in tasks[t].sections {
            let end = start + min(section.lengthNs, job.executionNs - start)
            if end > start && job.doneNs < end { return (end, section.resource) }
            start = end
        }
        return (job.executionNs, nil)
    }

    // MARK: Events

    mutating func record(_ kind: JobEvent.Kind, _ t: Int, _ job: Int) {
        if options.recordsTrace { result.trace.append(JobEvent(timeNs: now, task: t, job: job, kind: kind)) }
    }

    /// The stack resource policy's system ceiling: the highest ceiling of a locked resource, −1 when none is.
    var systemCeiling: Int {
        var c = -1
        for r in locked { c = max(c, ceilings[Int(r)]) }
        return c
    }

    /// Ends the running job's critical section or the job itself when its segment is complete.
    mutating func completeSegment() {
        guard let r = running else { return }
        let job = queues[r][0]
        if let resource = job.holding, job.doneNs == job.holdEndNs {
            queues[r][0].holding = nil
            lockedBy[Int(resource)] = -1
            locked.removeAll { $0 == resource }
            record(.unlock(resource: resource), r, job.number)
            releaseHeld()
        }
        guard queues[r][0].doneNs == job.executionNs else { return }
        finish(r)
    }

    mutating func finish(_ t: Int) {
        let job = queues[t].removeFirst()
        releasedCount[t] -= 1
        running = nil
        record(.finish, t, job.number)
        let response = now - job.arrivalNs
        result.tasks[t].finished += 1
        result.tasks[t].worstResponseNs = max(result.tasks[t].worstResponseNs ?? 0, response)
        result.tasks[t].bestResponseNs = min(result.tasks[t].bestResponseNs ?? UInt64.max, response)
        if job.record >= 0 { result.jobs[job.record].finishNs = now }
        // A backlogged task's next job is already released.
        if releasedCount[t] > 0 { makeReady(t) }
    }

    /// Marks every pending job whose deadline has come as missed.
    mutating func checkDeadlines() {
        for t in tasks.indices {
            for k in queues[t].indices where !queues[t][k].missed && queues[t][k].deadlineNs <= now {
                queues[t][k].missed = true
                result.tasks[t].missed += 1
                record(.deadlineMiss, t, queues[t][k].number)
                if queues[t][k].record >= 0 { result.jobs[queues[t][k].record].missed = true }
            }
        }
    }

    /// Creates the jobs that arrive now, with their execution time and release jitter.
    mutating func arrive() {
        for t in tasks.indices {
            while nextArrivalNs[t] <= now && nextArrivalNs[t] < options.arrivalsBeforeNs {
                let task = tasks[t]
                let arrival = nextArrivalNs[t]
                let execution = options.executionTimes == .uniform ? rng.uniform(task.bcetNs, task.wcetNs) : task.wcetNs
                let jitter = options.jitter == .uniform ? rng.uniform(0, task.jitterNs) : 0
                let releaseTime = max(arrival &+ jitter, lastReleaseNs[t])  // a task's jobs stay in order
                lastReleaseNs[t] = releaseTime
                var recordIndex = -1
                let deadline = arrival &+ task.deadlineNs
                if options.recordsTrace {
                    recordIndex = result.jobs.count
                    result.jobs.append(JobRecord(task: t, job: arrivals[t], arrivalNs: arrival, releaseNs: releaseTime,
                                                 deadlineNs: deadline, executionNs: max(execution, 1), finishNs: nil, missed: false))
                }
                queues[t].append(SimulatedJob(number: arrivals[t], arrivalNs: arrival, releaseNs: releaseTime, deadlineNs: deadline,
                                              executionNs: max(execution, 1), record: recordIndex))
                arrivals[t] += 1
                let (following, overflow) = arrival.addingReportingOverflow(task.periodNs)
                nextArrivalNs[t] = overflow ? UInt64.max : following
            }
        }
    }

    /// Releases the jobs whose release time has come; a task whose oldest job is released becomes ready.
    mutating func release() {
        for t in tasks.indices {
            while releasedCount[t] < queues[t].count && queues[t][releasedCount[t]].releaseNs <= now {
                releasedCount[t] += 1
                result.tasks[t].released += 1
                record(.release, t, queues[t][releasedCount[t] - 1].number)
                if releasedCount[t] == 1 && running != t { makeReady(t) }
            }
        }
    }

    // MARK: Scheduling

    /// The urgency the kernel would file task `t` under: its priority and its oldest job's deadline.
    func urgency(_ t: Int) -> Urgency {
        Urgency(priority: tasks[t].priority, deadlineNs: queues[t][0].deadlineNs)
    }

    /// Puts task `t` in the ready set, or holds it back while the system ceiling forbids its job to start.
    mutating func makeReady(_ t: Int) {
        if !queues[t][0].started && levels[t] <= systemCeiling {
            held.append(t)
            return
        }
        ready.insert(TaskID(UInt8(t)), urgency: urgency(t), atFront: false)
    }

    /// Moves the held tasks the (lowered) system ceiling no longer blocks into the ready set, in the order
    /// they were held.
    mutating func releaseHeld() {
        let ceiling = systemCeiling
        var still: [Int] = []
        for t in held {
            if levels[t] > ceiling { ready.insert(TaskID(UInt8(t)), urgency: urgency(t), atFront: false) } else { still.append(t) }
        }
        held = still
    }

    /// The kernel's decision: keep the running task unless a ready task is strictly more urgent (then the
    /// running one goes back first among its equals); with nothing running, dispatch the most urgent.
    mutating func dispatch() {
        if let c = running {
            guard let top = ready.peek(), Policy.isMoreUrgent(urgency(top.index), than: urgency(c)) else { return }
            ready.insert(TaskID(UInt8(c)), urgency: urgency(c), atFront: true)
            result.tasks[c].preemptions += 1
            record(.preempt, c, queues[c][0].number)
            running = nil
        }
        guard let next = ready.peek() else { return }
        ready.remove(next)
        let t = next.index
        running = t
        if lastRun != t { result.contextSwitches += 1 }
        lastRun = t
        if queues[t][0].started {
            record(.resume, t, queues[t][0].number)
        } else {
            if levels[t] <= systemCeiling { result.protocolViolations += 1 }
            queues[t][0].started = true
            record(.start, t, queues[t][0].number)
        }
    }

    /// Locks the resource of the critical section the running job is about to enter.
    mutating func lockIfAtSection() {
        guard let r = running, queues[r][0].holding == nil else { return }
        let segment = segment(r, queues[r][0])
        guard let resource = segment.resource else { return }
        if lockedBy[Int(resource)] != -1 { result.protocolViolations += 1 } else { locked.append(resource) }
        lockedBy[Int(resource)] = r
        queues[r][0].holding = resource
        queues[r][0].holdEndNs = segment.endNs
        record(.lock(resource: resource), r, queues[r][0].number)
    }
}

#endif
