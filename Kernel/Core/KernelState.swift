// The portable kernel: static tasks, the scheduling policy, time and budgets, and system call dispatch.
// Architecture code calls in at every trap with the time and gets back the task to run; it never blocks.

/// The six argument registers of a system call.
public struct SyscallArguments: Sendable {
    /// x0-x5 (aarch64) or a0-a5 (riscv64).
    public var values: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// Arguments from registers.
    public init(_ a0: UInt64 = 0, _ a1: UInt64 = 0, _ a2: UInt64 = 0, _ a3: UInt64 = 0, _ a4: UInt64 = 0, _ a5: UInt64 = 0) {
        values = (a0, a1, a2, a3, a4, a5)
    }

    /// Argument `i` (0-5).
    public subscript(i: Int) -> UInt64 {
        switch i {
        case 0: return values.0
        case 1: return values.1
        case 2: return values.2
        case 3: return values.3
        case 4: return values.4
        default: return values.5
        }
    }
}

/// Why a task set could not be declared.
public enum TaskDeclarationError: Error, Sendable {
    /// More than `TaskID.capacity` tasks.
    case tooManyTasks
    /// A budget without a period (a budget is refilled per period).
    case budgetWithoutPeriod
    /// A relative deadline longer than the period is not supported here.
    case deadlineAfterPeriod
}

/// The whole kernel state for one scheduling policy. Every entry point is O(log n) in the number of tasks
/// or better (see docs/KERNEL.md); nothing allocates.
///
/// Non-copyable: it is large (tens of KiB), and an accidental copy on a trap path would cost more than the
/// trap itself, so the compiler is not allowed to make one.
public struct KernelState<Policy: SchedulingPolicy>: ~Copyable {
    /// Capacity of each object table.
    public static var endpointCapacity: Int { 16 }
    /// Notifications available.
    public static var notificationCapacity: Int { 16 }
    /// Message queues available.
    public static var queueCapacity: Int { 8 }
    /// Interrupt lines that can be bound to notifications.
    public static var interruptCapacity: Int { 8 }

    // The fields every kernel entry touches come first: their offsets fit in a load's immediate (the fields
    // after the task table need an extra add each).
    /// The task on the CPU, nil while idle: the scheduling decision every kernel entry returns.
    public internal(set) var current: TaskID? = nil
    /// Context switches made (a task dispatched other than the one that ran last).
    public internal(set) var switches: UInt64 = 0
    /// The raw ID of the task dispatched last (it may have blocked since), 0xFF before the first: what
    /// `switches` compares with (a byte, not a `TaskID?`: the optional's compare and store cost 20 instructions
    /// on every dispatch).
    var lastDispatched: UInt8 = 0xFF
    /// Whether task pointers are checked against the domains (set once a range is added to any domain;
    /// without domains, as in host tests of scheduling, any non-null pointer is taken).
    public internal(set) var protectionEnforced = false
    /// Task records, indexed by `TaskID`.
    public var tasks = InlineArray<64, TaskControlBlock>(repeating: TaskControlBlock())
    /// Tasks declared.
    public private(set) var taskCount = 0
    /// Tasks neither exited nor faulted.
    public internal(set) var liveTasks = 0
    var ready = Policy()
    /// Sleeping, period-waiting and throttled tasks by wake time.
    var timed = TaskHeap()
    /// Endpoint objects.
    public var endpoints = InlineArray<16, EndpointObject>(repeating: EndpointObject())
    /// Notification objects.
    public var notifications = InlineArray<16, NotificationObject>(repeating: NotificationObject())
    /// Message queue objects.
    public var queues = InlineArray<8, MessageQueueObject>(repeating: MessageQueueObject())
    /// Interrupt bindings (line → notification), `interruptCount` of them in use.
    public var interrupts = InlineArray<8, InterruptObject>(repeating: InterruptObject())
    /// Bindings made.
    public internal(set) var interruptCount = 0
    /// Bindings acknowledged since the board last collected them: bit i = `interrupts[i]`'s line to unmask.
    var unmaskRequests: UInt8 = 0
    /// Each task's protection domain (the memory it may touch), indexed by `TaskID`.
    public internal(set) var domains = InlineArray<64, ProtectionDomain>(repeating: ProtectionDomain())
    /// Memory-region objects (shared buffers, MMIO windows), `regionCount` of them in use.
    public internal(set) var regions = InlineArray<16, MemoryRegionObject>(repeating: MemoryRegionObject())
    /// Region objects declared.
    public internal(set) var regionCount = 0
    /// How task memory is copied (the board's routine switches address spaces).
    public var userCopy = UserCopy()
    /// Every task's capabilities and the audit ring.
    public var capabilities = CapabilityTable()
    /// The supervisor, fault records and pending restarts (`KernelState+Supervisor.swift`).
    public internal(set) var supervision = Supervision()
    /// Notable events for the board to print.
    public var events = KernelEventLog()

    /// An empty kernel.
    public init() {}

    // MARK: Boot

    /// Declares the next task; returns its ID. Boot time only.
    public mutating func declare(_ descriptor: TaskDescriptor) throws(TaskDeclarationError) -> TaskID {
        guard taskCount < TaskID.capacity else { throw .tooManyTasks }
        guard descriptor.budgetNs == 0 || descriptor.periodNs != 0 else { throw .budgetWithoutPeriod }
        guard descriptor.periodNs == 0 || descriptor.relativeDeadlineNs <= descriptor.periodNs else { throw .deadlineAfterPeriod }
        let id = TaskID(UInt8(taskCount))
        var tcb = TaskControlBlock()
        tcb.state = .waitingForPeriod
        tcb.basePriority = descriptor.priority
        tcb.effectivePriority = descriptor.priority
        tcb.periodNs = descriptor.periodNs
        tcb.relativeDeadlineNs = descriptor.effectiveRelativeDeadlineNs
        tcb.budgetNs = descriptor.budgetNs
        tcb.privileged = descriptor.privileged
        tcb.wakeNs = descriptor.offsetNs
        tcb.offsetNs = descriptor.offsetNs
        tasks[id.index] = tcb
        taskCount += 1
        liveTasks += 1
        return id
    }

    /// Schedules every task's first release at `startNs` + its offset and picks the first task.
    public mutating func start(nowNs: UInt64) -> TaskID? {
        var i = 0
        while i < taskCount {
            tasks[i].wakeNs &+= nowNs
            timed.insert(TaskID(UInt8(i)), key: tasks[i].wakeNs)
            i += 1
        }
        releaseDue(nowNs: nowNs)
        return schedule(nowNs: nowNs)
    }

    // MARK: Entry points

    /// Handles a timer interrupt: charges the running task, releases due tasks, reschedules.
    public mutating func timerInterrupt(nowNs: UInt64) -> TaskID? {
        charge(nowNs: nowNs)
        releaseDue(nowNs: nowNs)
        return schedule(nowNs: nowNs)
    }

    /// Stops the running task after a fault (the board has printed its registers); `info` (what the board
    /// decoded: access kind and address) goes into the task's fault record and the supervisor is told.
    // @implements SWR-KERN-FAULT-1
    public mutating func fault(nowNs: UInt64, info: FaultInfo = FaultInfo()) -> TaskID? {
        let faulting = current  // before charging: a budget running out at this instant must not hide the fault
        charge(nowNs: nowNs)
        if let task = faulting {
            retire(task, as: .faulted, nowNs: nowNs, fault: info)
        }
        releaseDue(nowNs: nowNs)
        return schedule(nowNs: nowNs)
    }

    /// Handles system call `number` from the running task; returns the task to run next.
    /// The call is carried out even if the caller's budget ran out on the way in; the throttle follows it.
    public mutating func syscall(_ number: UInt64, _ args: SyscallArguments, nowNs: UInt64) -> TaskID? {
        account(nowNs: nowNs)
        releaseDue(nowNs: nowNs)
        guard let caller = current, tasks[caller.index].state == .running else {
            return schedule(nowNs: nowNs)
        }
        if let call = Syscall(rawValue: number) {
            dispatch(call, caller: caller, args, nowNs: nowNs)
        } else {
            finish(caller, error: .unknownCall)
        }
        enforceBudget(nowNs: nowNs)
        return schedule(nowNs: nowNs)
    }

    /// When the timer must fire next: the earliest wake-up, or the running task's budget running out.
    /// (`mutating` only so that it reads the state in place: a borrowed read here made the compiler copy
    /// the task table on every trap.)
    public mutating func nextTimerDeadlineNs() -> UInt64? {
        var deadline = timed.peekKey()
        if let c = current?.index, tasks[c].budgetNs != 0, tasks[c].state == .running {
            let expiry = tasks[c].dispatchedAtNs &+ tasks[c].remainingBudgetNs
            deadline = min(deadline ?? expiry, expiry)
        }
        return deadline
    }

    /// Whether any task could still run (ready, running or waiting on time). False means every live task
    /// is blocked on IPC with nobody left to wake it.
    /// (`mutating` only so that it reads the state in place; see `running`.)
    public var canProgress: Bool {
        mutating get { current != nil || ready.count > 0 || timed.count > 0 || interruptCanWake }
    }

    /// Takes the pending result registers of `task` (the board writes them into its saved frame).
    public mutating func takeResult(of task: TaskID) -> (Int64, UInt64)? {
        guard let (r0, r1, _) = takeResultAndWords(of: task) else { return nil }
        return (r0, r1)
    }

    /// Takes the pending result registers of `task`, and whether its `shortWords` go with them (a short message
    /// delivered to it: the board writes them into x2-x5 / a2-a5).
    @inline(__always)
    public mutating func takeResultAndWords(of task: TaskID) -> (Int64, UInt64, Bool)? {
        let pending = tasks[task.index].pendingResult
        guard pending != 0 else { return nil }
        tasks[task.index].pendingResult = 0
        return (tasks[task.index].result0, tasks[task.index].result1, pending == 2)
    }

    // MARK: Time and budgets

    /// Charges the running task for the time since it was dispatched, then throttles it if its budget is gone.
    mutating func charge(nowNs: UInt64) {
        account(nowNs: nowNs)
        enforceBudget(nowNs: nowNs)
    }

    /// Charges the running task for the time since it was dispatched.
    mutating func account(nowNs: UInt64) {
        guard let t = current?.index else { return }
        let used = nowNs >= tasks[t].dispatchedAtNs ? nowNs - tasks[t].dispatchedAtNs : 0
        tasks[t].cpuNs &+= used
        tasks[t].dispatchedAtNs = nowNs
        if tasks[t].budgetNs != 0 {
            tasks[t].remainingBudgetNs = tasks[t].remainingBudgetNs > used ? tasks[t].remainingBudgetNs - used : 0
        }
    }

    /// Throttles the running task until its next period when its budget is used up (counted and logged).
    // @implements SWR-KERN-BUDGET-1
    mutating func enforceBudget(nowNs: UInt64) {
        guard let task = current else { return }
        let t = task.index
        if tasks[t].budgetNs != 0 && tasks[t].remainingBudgetNs == 0 && tasks[t].state == .running {
            tasks[t].budgetOverruns &+= 1
            events.record(KernelEvent(timeNs: nowNs, task: task, kind: .budgetOverrun))
            tasks[t].state = .throttled
            tasks[t].wakeNs = tasks[t].releaseNs &+ tasks[t].periodNs
            timed.insert(task, key: tasks[t].wakeNs)
            current = nil
        }
    }

    /// Makes every task whose wake time has come ready; period waits and throttling start a new job.
    mutating func releaseDue(nowNs: UInt64) {
        while let key = timed.peekKey(), key <= nowNs, let task = timed.popMin() {
            let t = task.index
            switch tasks[t].state {
            case .waitingForPeriod, .throttled:
                startJob(t, releaseNs: tasks[t].wakeNs)
            case .blockedNotification:
                // A `waitUntil` whose deadline came first: back with no bits.
                notifications[Int(tasks[t].blockedOn)].waiters.remove(task)
                tasks[t].waitTimed = false
                finish(task, 0, 0)
            default:
                break
            }
            makeReady(task)
        }
    }

    /// A new job: release time, absolute deadline, full budget.
    mutating func startJob(_ t: Int, releaseNs: UInt64) {
        tasks[t].releaseNs = releaseNs
        tasks[t].deadlineNs = releaseNs &+ tasks[t].relativeDeadlineNs
        tasks[t].effectiveDeadlineNs = tasks[t].deadlineNs
        tasks[t].remainingBudgetNs = tasks[t].budgetNs
        refreshInheritance(TaskID(UInt8(t)))
    }

    // MARK: Scheduling

    /// Puts `task` in the ready structure (behind tasks of equal urgency).
    mutating func makeReady(_ task: TaskID, atFront: Bool = false) {
        tasks[task.index].state = .ready
        ready.insert(task, urgency: tasks[task.index].urgency, atFront: atFront)
    }

    /// Keeps the running task unless a ready task is more urgent; otherwise dispatches the most urgent.
    // @implements SWR-KERN-SCHED-1
    mutating func schedule(nowNs: UInt64) -> TaskID? {
        if let running = current, tasks[running.index].state == .running {
            guard let top = ready.peek(), Policy.isMoreUrgent(tasks[top.index].urgency, than: tasks[running.index].urgency) else {
                return running
            }
            makeReady(running, atFront: true)  // preempted: first among its equals
        }
        if let next = ready.peek() {
            ready.remove(next)
            tasks[next.index].state = .running
            tasks[next.index].dispatchedAtNs = nowNs
            current = next
            countSwitch(to: next)
        } else {
            current = nil
        }
        return current
    }

    /// Counts a context switch when `next` is not the task that ran last.
    @inline(__always)
    mutating func countSwitch(to next: TaskID) {
        if next.raw != lastDispatched {
            switches &+= 1
            lastDispatched = next.raw
        }
    }

    /// Stops `task` (fault or exit) until the supervisor restarts it, and unblocks whoever depended on it:
    /// its clients get `serverRestarted` when it faulted with a supervisor named, else `serverFaulted`
    /// (`endService`). A fault is recorded and the supervisor told.
    mutating func retire(_ task: TaskID, as state: TaskState, nowNs: UInt64, fault info: FaultInfo = FaultInfo()) {
        let t = task.index
        unlink(task)
        events.record(KernelEvent(timeNs: nowNs, task: task, kind: state == .faulted ? .fault : .exit))
        let restartable = state == .faulted && supervision.supervisor != nil
        endService(of: task, error: restartable ? .serverRestarted : .serverFaulted)
        tasks[t].state = state
        liveTasks -= 1
        if current == task { current = nil }
        if state == .faulted { recordFault(task, info, nowNs: nowNs) }
    }

    /// Removes `task` from whatever queue it sits in.
    mutating func unlink(_ task: TaskID) {
        let t = task.index
        let id = task
        let object = Int(tasks[t].blockedOn)  // an index into the table its state names
        switch tasks[t].state {
        case .ready: ready.remove(id)
        case .sleeping, .waitingForPeriod, .throttled: timed.remove(id)
        case .blockedSend: endpoints[object].callers.remove(id)
        case .blockedReceive: endpoints[object].receiver = nil
        case .blockedNotification:
            notifications[object].waiters.remove(id)
            if tasks[t].waitTimed {
                timed.remove(id)
                tasks[t].waitTimed = false
            }
        case .blockedQueueSend: queues[object].senders.remove(id)
        case .blockedQueueReceive: queues[object].receivers.remove(id)
        default: break
        }
    }

    /// Recomputes a server's effective urgency from its own, its current client's and its waiting callers'.
    /// Bounded: a chain of servers calling servers is followed at most `TaskID.capacity` steps.
    // @implements SWR-KERN-IPC-1
    mutating func refreshInheritance(_ task: TaskID?) {
        var next: TaskID? = task
        var steps = 0
        while let t = next, steps < TaskID.capacity {
            steps += 1
            let i = t.index
            var priority = tasks[i].basePriority
            var deadline = tasks[i].deadlineNs
            if let client = tasks[i].servingClient {
                priority = max(priority, tasks[client.index].effectivePriority)
                deadline = min(deadline, tasks[client.index].effectiveDeadlineNs)
            }
            if let e = tasks[i].servedEndpoint?.index, endpoints[e].server == t, let top = endpoints[e].callers.peek() {
                priority = max(priority, tasks[top.index].effectivePriority)
                deadline = min(deadline, tasks[top.index].effectiveDeadlineNs)
            }
            if priority == tasks[i].effectivePriority && deadline == tasks[i].effectiveDeadlineNs { return }
            tasks[i].effectivePriority = priority
            tasks[i].effectiveDeadlineNs = deadline
            // Re-file the task wherever its urgency is a key.
            let id = t
            let object = Int(tasks[i].blockedOn)
            switch tasks[i].state {
            case .ready:
                ready.remove(id)
                ready.insert(id, urgency: tasks[i].urgency, atFront: false)
                return
            case .blockedSend:
                endpoints[object].callers.update(id, key: Policy.heapKey(tasks[i].urgency))
                next = endpoints[object].server  // its server may inherit in turn
            case .blockedReply:
                next = TaskID(tasks[i].blockedOn)  // the server handling its call inherits in turn
            default:
                return
            }
        }
    }

    // MARK: Results

    /// Sets `task`'s result registers.
    mutating func finish(_ task: TaskID, _ value0: Int64 = 0, _ value1: UInt64 = 0) {
        tasks[task.index].result0 = value0
        tasks[task.index].result1 = value1
        tasks[task.index].pendingResult = 1
    }

    /// Sets `task`'s result registers and the short message that comes with them (in `shortWords`).
    @inline(__always)
    mutating func finish(_ task: TaskID, _ value0: Int64, _ value1: UInt64, words: MessageWords) {
        tasks[task.index].result0 = value0
        tasks[task.index].result1 = value1
        tasks[task.index].shortWords = words
        tasks[task.index].pendingResult = 2
    }

    /// Sets `task`'s result to an error.
    mutating func finish(_ task: TaskID, error: SyscallError) {
        finish(task, -error.rawValue, 0)
    }
}
