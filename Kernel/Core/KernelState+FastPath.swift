// The fast path (seL4's fastpath.c, by conditions rather than by code): the system calls a real-time task makes
// in its loop — yield, now, signal, and a call or replyReceive whose partner is already waiting — handled without the
// general entry's work (release scan, budget enforcement, general dispatch, general scheduling), when a few
// checks show that work would change nothing. Any check that fails sends the call down the general path with
// nothing changed, so every error, audit record, throttle and release happens exactly as there.

/// What the fast path decided.
public struct FastPathDecision: Sendable {
    /// The task to run (the caller, or the task the call handed the CPU to).
    public var next: TaskID
    /// Whether the one-shot timer's deadline may have moved (a task with a budget was switched in or out).
    public var timerMayMove: Bool
}

extension KernelState {
    /// Message bytes the fast path copies: every message (`ipcMessageLimit`); the copy is one bounded piece.
    public static var fastMessageLimit: Int { ipcMessageLimit }

    /// Handles system call `number` on the fast path, or returns nil — with nothing changed — when the general
    /// path (`syscall`) must handle it. Taken when: a task is running, no sleeper, period or throttle is due at
    /// `nowNs`, the caller's budget (if any) lasts past `nowNs`, and the call-specific conditions below hold.
    /// Gives exactly the general path's result: the same task runs next, with the same results, queues,
    /// inheritance and accounting.
    // @implements SWR-KERN-SCHED-1, SWR-KERN-BUDGET-1, SWR-KERN-IPC-1
    @inline(__always)
    public mutating func fastSyscall(_ number: UInt64, _ args: SyscallArguments, nowNs: UInt64) -> FastPathDecision? {
        guard let caller = current else { return nil }
        let c = caller.index
        guard tasks[c].state == .running, nowNs >= tasks[c].dispatchedAtNs else { return nil }
        if let due = timed.peekKey(), due <= nowNs { return nil }  // a release is due: the general path runs the scan
        let used = nowNs - tasks[c].dispatchedAtNs
        // A budget used up at this instant is throttled by the general path (after the call is carried out).
        if tasks[c].budgetNs != 0 && tasks[c].remainingBudgetNs <= used { return nil }
        switch number {
        case Syscall.yield.rawValue:
            return fastYield(caller, used: used, nowNs: nowNs)
        case Syscall.now.rawValue:
            if let top = ready.peek(), Policy.isMoreUrgent(tasks[top.index].urgency, than: tasks[c].urgency) { return nil }
            fastAccount(caller, used: used, nowNs: nowNs)
            finish(caller, Int64(bitPattern: nowNs), 0)
            return FastPathDecision(next: caller, timerMayMove: false)
        case Syscall.signal.rawValue:
            return fastSignal(caller, slot: args[0], bits: args[1], used: used, nowNs: nowNs)
        case Syscall.call.rawValue:
            return fastCall(caller, slot: args[0], message: UInt(args[1]), length: args[2], reply: UInt(args[3]),
                            replyCapacity: Int64(bitPattern: args[4]), used: used, nowNs: nowNs)
        case Syscall.replyReceive.rawValue:
            return fastReplyReceive(caller, message: UInt(args[0]), length: args[1], slot: args[2], buffer: UInt(args[3]),
                                    capacity: Int64(bitPattern: args[4]), used: used, nowNs: nowNs)
        case Syscall.callShort.rawValue:
            return fastCallShort(caller, slot: args[0], length: args[1], words: MessageWords(args[2], args[3], args[4], args[5]),
                                 used: used, nowNs: nowNs)
        case Syscall.replyReceiveShort.rawValue:
            return fastReplyReceiveShort(caller, length: args[0], slot: args[1], words: MessageWords(args[2], args[3], args[4], args[5]),
                                         used: used, nowNs: nowNs)
        default:
            return nil
        }
    }

    // MARK: Calls

    /// `yield`: the caller goes behind the ready tasks of its urgency; the first of them runs.
    @inline(__always)
    mutating func fastYield(_ caller: TaskID, used: UInt64, nowNs: UInt64) -> FastPathDecision {
        // The general path queues the caller last and runs the most urgent: the caller again unless a ready
        // task is at least as urgent.
        fastAccount(caller, used: used, nowNs: nowNs)
        finish(caller)
        guard let top = ready.peek(), !Policy.isMoreUrgent(tasks[caller.index].urgency, than: tasks[top.index].urgency) else {
            return FastPathDecision(next: caller, timerMayMove: false)
        }
        tasks[caller.index].state = .ready
        _ = ready.exchangeFirst(queueing: caller, urgency: tasks[caller.index].urgency)
        return fastDispatch(top, after: caller, nowNs: nowNs)
    }

    /// `signal`: ORs the bits in; a waiter (without a timeout) takes the word and, when it is more urgent than
    /// the caller and every ready task, runs at once while the caller goes first among its equals.
    @inline(__always)
    mutating func fastSignal(_ caller: TaskID, slot: UInt64, bits: UInt64, used: UInt64, nowNs: UInt64) -> FastPathDecision? {
        guard let (n, badge, _) = fastObject(caller, slot: slot, kind: .notification, rights: .write,
                                          capacity: KernelState.notificationCapacity) else { return nil }
        let word = notifications[n].word | bits | badge
        guard word != 0, let waiter = notifications[n].waiters.peek() else {
            // Nobody to wake: the bits wait in the word, the caller goes on (no ready task is more urgent than
            // the running one between kernel entries; checked all the same).
            if let top = ready.peek(), Policy.isMoreUrgent(tasks[top.index].urgency, than: tasks[caller.index].urgency) { return nil }
            fastAccount(caller, used: used, nowNs: nowNs)
            finish(caller)
            notifications[n].word = word
            return FastPathDecision(next: caller, timerMayMove: false)
        }
        let w = waiter.index
        // A waiter with a timeout sits in the timed heap too (the timer moves): the general path.
        guard !tasks[w].waitTimed, Policy.isMoreUrgent(tasks[w].urgency, than: tasks[caller.index].urgency) else { return nil }
        if let top = ready.peek(), !Policy.isMoreUrgent(tasks[w].urgency, than: tasks[top.index].urgency) { return nil }
        fastAccount(caller, used: used, nowNs: nowNs)
        finish(caller)
        _ = notifications[n].waiters.popMin()
        notifications[n].word = 0
        finish(waiter, 0, word)
        makeReady(caller, atFront: true)  // preempted: first among its equals
        return fastDispatch(waiter, after: caller, nowNs: nowNs)
    }

    /// `call` with at most `fastMessageLimit` bytes to an endpoint whose server is waiting in `receive`, when
    /// the server (inheriting the caller's urgency) is more urgent than every ready task: the message goes
    /// straight into the server's buffer and the server runs; the caller waits for the reply.
    @_transparent
    mutating func fastCall(_ caller: TaskID, slot: UInt64, message: UInt, length: UInt64, reply: UInt, replyCapacity: Int64,
                           used: UInt64, nowNs: UInt64) -> FastPathDecision? {
        guard length <= UInt64(KernelState.fastMessageLimit), replyCapacity >= 0 else { return nil }
        guard let (e, badge, generation) = fastObject(caller, slot: slot, kind: .endpoint, rights: .write,
                                                      capacity: KernelState.endpointCapacity),
              generation == endpoints[e].generation,  // else granted before the server's last generation ended
              let server = endpoints[e].receiver, !tasks[server.index].shortIPC else { return nil }
        let capacity = min(Int(replyCapacity), ipcMessageLimit)
        let n = Int(length)
        guard userCanAccess(caller, message, length: n, .read), userCanAccess(caller, reply, length: capacity, .write) else { return nil }
        let c = caller.index
        let s = server.index
        // The server inherits the caller's urgency (it has no other client and no queued caller: it was waiting).
        let priority = max(tasks[s].basePriority, tasks[c].effectivePriority)
        let deadline = min(tasks[s].deadlineNs, tasks[c].effectiveDeadlineNs)
        if let top = ready.peek(),
           !Policy.isMoreUrgent(Urgency(priority: priority, deadlineNs: deadline), than: tasks[top.index].urgency) { return nil }
        fastAccount(caller, used: used, nowNs: nowNs)
        tasks[c].shortIPC = false
        tasks[c].bufferAddress = message
        tasks[c].bufferLength = n
        tasks[c].callBadge = badge
        tasks[c].replyAddress = reply
        tasks[c].replyCapacity = capacity
        tasks[c].state = .blockedReply
        tasks[c].blockedOn = server.raw
        endpoints[e].receiver = nil
        let count = min(n, tasks[s].bufferLength)
        if count > 0 { copyMessage(from: caller, message, to: server, tasks[s].bufferAddress, length: count) }
        finish(server, Int64(n), badge)
        tasks[s].servingClient = caller
        tasks[s].servedEndpoint = EndpointID(UInt8(e))
        endpoints[e].server = server
        tasks[s].effectivePriority = priority
        tasks[s].effectiveDeadlineNs = deadline
        return fastDispatch(server, after: caller, nowNs: nowNs)
    }

    /// `replyReceive` with at most `fastMessageLimit` bytes of reply, when no caller is queued on the endpoint
    /// and the client is more urgent than every ready task: the reply goes straight into the client's buffer,
    /// the server waits in `receive`, the client runs.
    @_transparent
    mutating func fastReplyReceive(_ caller: TaskID, message: UInt, length: UInt64, slot: UInt64, buffer: UInt, capacity: Int64,
                                   used: UInt64, nowNs: UInt64) -> FastPathDecision? {
        let c = caller.index
        guard let client = tasks[c].servingClient, length <= UInt64(KernelState.fastMessageLimit), capacity >= 0,
              !tasks[client.index].shortIPC else { return nil }
        guard let (e, _, _) = fastObject(caller, slot: slot, kind: .endpoint, rights: .read,
                                      capacity: KernelState.endpointCapacity),
              endpoints[e].callers.count == 0, endpoints[e].receiver == nil else { return nil }
        let n = Int(length)
        let bufferLength = min(Int(capacity), ipcMessageLimit)
        guard userCanAccess(caller, message, length: n, .read), userCanAccess(caller, buffer, length: bufferLength, .write) else { return nil }
        let k = client.index
        // Without its client (and with no caller queued) the server is back to its own urgency.
        let priority = tasks[c].basePriority
        let deadline = tasks[c].deadlineNs
        if let top = ready.peek(), !Policy.isMoreUrgent(tasks[k].urgency, than: tasks[top.index].urgency) { return nil }
        fastAccount(caller, used: used, nowNs: nowNs)
        let count = min(n, tasks[k].replyCapacity)
        if count > 0 { copyMessage(from: caller, message, to: client, tasks[k].replyAddress, length: count) }
        finish(client, Int64(n), 0)
        tasks[c].servingClient = nil
        tasks[c].effectivePriority = priority
        tasks[c].effectiveDeadlineNs = deadline
        tasks[c].shortIPC = false
        tasks[c].bufferAddress = buffer
        tasks[c].bufferLength = bufferLength
        tasks[c].servedEndpoint = EndpointID(UInt8(e))
        tasks[c].state = .blockedReceive
        tasks[c].blockedOn = UInt8(e)
        endpoints[e].server = caller
        endpoints[e].receiver = caller
        return fastDispatch(client, after: caller, nowNs: nowNs)
    }

    /// `callShort` to an endpoint whose server waits in a short receive, on the conditions of `fastCall`: the
    /// message goes from the caller's registers to the server's; no memory is touched.
    @_transparent
    mutating func fastCallShort(_ caller: TaskID, slot: UInt64, length: UInt64, words: MessageWords,
                                used: UInt64, nowNs: UInt64) -> FastPathDecision? {
        guard length <= UInt64(ipcShortMessageLimit) else { return nil }
        guard let (e, badge, generation) = fastObject(caller, slot: slot, kind: .endpoint, rights: .write,
                                                      capacity: KernelState.endpointCapacity),
              generation == endpoints[e].generation,  // else granted before the server's last generation ended
              let server = endpoints[e].receiver, tasks[server.index].shortIPC else { return nil }
        let c = caller.index
        let s = server.index
        let priority = max(tasks[s].basePriority, tasks[c].effectivePriority)
        let deadline = min(tasks[s].deadlineNs, tasks[c].effectiveDeadlineNs)
        if let top = ready.peek(),
           !Policy.isMoreUrgent(Urgency(priority: priority, deadlineNs: deadline), than: tasks[top.index].urgency) { return nil }
        fastAccount(caller, used: used, nowNs: nowNs)
        let n = Int(length)
        let message = words.prefix(n)
        tasks[c].shortIPC = true
        tasks[c].shortWords = message
        tasks[c].bufferAddress = 0
        tasks[c].bufferLength = n
        tasks[c].callBadge = badge
        tasks[c].replyAddress = 0
        tasks[c].replyCapacity = ipcShortMessageLimit
        tasks[c].state = .blockedReply
        tasks[c].blockedOn = server.raw
        endpoints[e].receiver = nil
        finish(server, Int64(n), badge, words: message)
        tasks[s].servingClient = caller
        tasks[s].servedEndpoint = EndpointID(UInt8(e))
        endpoints[e].server = server
        tasks[s].effectivePriority = priority
        tasks[s].effectiveDeadlineNs = deadline
        return fastDispatch(server, after: caller, nowNs: nowNs)
    }

    /// `replyReceiveShort` to a client waiting in `callShort`, on the conditions of `fastReplyReceive`: the
    /// reply goes from the server's registers to the client's, the server waits in a short receive.
    @_transparent
    mutating func fastReplyReceiveShort(_ caller: TaskID, length: UInt64, slot: UInt64, words: MessageWords,
                                        used: UInt64, nowNs: UInt64) -> FastPathDecision? {
        let c = caller.index
        guard let client = tasks[c].servingClient, length <= UInt64(ipcShortMessageLimit), tasks[client.index].shortIPC else { return nil }
        guard let (e, _, _) = fastObject(caller, slot: slot, kind: .endpoint, rights: .read,
                                         capacity: KernelState.endpointCapacity),
              endpoints[e].callers.count == 0, endpoints[e].receiver == nil else { return nil }
        let k = client.index
        let priority = tasks[c].basePriority
        let deadline = tasks[c].deadlineNs
        if let top = ready.peek(), !Policy.isMoreUrgent(tasks[k].urgency, than: tasks[top.index].urgency) { return nil }
        fastAccount(caller, used: used, nowNs: nowNs)
        let n = Int(length)
        finish(client, Int64(n), 0, words: words.prefix(n))  // a short client's reply capacity is the whole short message
        tasks[c].servingClient = nil
        tasks[c].effectivePriority = priority
        tasks[c].effectiveDeadlineNs = deadline
        tasks[c].shortIPC = true
        tasks[c].bufferAddress = 0
        tasks[c].bufferLength = ipcShortMessageLimit
        tasks[c].servedEndpoint = EndpointID(UInt8(e))
        tasks[c].state = .blockedReceive
        tasks[c].blockedOn = UInt8(e)
        endpoints[e].server = caller
        endpoints[e].receiver = caller
        return fastDispatch(client, after: caller, nowNs: nowNs)
    }

    // MARK: Timer

    /// Handles a timer interrupt on the fast path, or returns nil — with nothing changed — when the general path
    /// (`timerInterrupt`) must. Taken when exactly one task is due, it is a sleeper or a periodic task starting
    /// its next job (without inheritance: it serves no client), it is more urgent than every ready task and
    /// than the running one (whose budget lasts past `nowNs`): it goes straight to the CPU, the running task
    /// first among its equals in the ready queue. The same outcome as the general path, without queueing the
    /// released task only to take it out again.
    // @implements SWR-KERN-SCHED-1, SWR-KERN-BUDGET-1
    @inline(__always)
    public mutating func fastTimer(nowNs: UInt64) -> FastPathDecision? {
        guard let due = timed.peekKey(), due <= nowNs, let task = timed.peek() else { return nil }
        if let second = timed.secondKey(), second <= nowNs { return nil }  // more than one release: the general scan
        let t = task.index
        let urgency: Urgency
        switch tasks[t].state {
        case .sleeping:
            urgency = tasks[t].urgency
        case .waitingForPeriod where tasks[t].servingClient == nil && tasks[t].servedEndpoint == nil:
            urgency = Urgency(priority: tasks[t].basePriority, deadlineNs: tasks[t].wakeNs &+ tasks[t].relativeDeadlineNs)
        default:
            return nil  // a throttled task, a timed wait, or a server whose urgency inheritance recomputes
        }
        if let top = ready.peek(), !Policy.isMoreUrgent(urgency, than: tasks[top.index].urgency) { return nil }
        if let running = current {
            let r = running.index
            guard tasks[r].state == .running, nowNs >= tasks[r].dispatchedAtNs,
                  Policy.isMoreUrgent(urgency, than: tasks[r].urgency) else { return nil }
            let used = nowNs - tasks[r].dispatchedAtNs
            if tasks[r].budgetNs != 0 && tasks[r].remainingBudgetNs <= used { return nil }
            fastAccount(running, used: used, nowNs: nowNs)
            makeReady(running, atFront: true)  // preempted: first among its equals
        }
        _ = timed.popMin()
        if tasks[t].state == .waitingForPeriod { startJob(t, releaseNs: tasks[t].wakeNs) }
        tasks[t].state = .running
        tasks[t].dispatchedAtNs = nowNs
        current = task
        countSwitch(to: task)
        return FastPathDecision(next: task, timerMayMove: true)
    }

    // MARK: Helpers

    /// Charges the caller for the time since it was dispatched (its budget lasts past now: checked on entry).
    @inline(__always)
    mutating func fastAccount(_ caller: TaskID, used: UInt64, nowNs: UInt64) {
        let c = caller.index
        tasks[c].cpuNs &+= used
        tasks[c].dispatchedAtNs = nowNs
        if tasks[c].budgetNs != 0 { tasks[c].remainingBudgetNs -= used }
    }

    /// Runs `next` (not queued) in place of `previous` (already queued or blocked).
    @inline(__always)
    mutating func fastDispatch(_ next: TaskID, after previous: TaskID, nowNs: UInt64) -> FastPathDecision {
        tasks[next.index].state = .running
        tasks[next.index].dispatchedAtNs = nowNs
        current = next
        countSwitch(to: next)
        return FastPathDecision(next: next, timerMayMove: tasks[next.index].budgetNs != 0 || tasks[previous.index].budgetNs != 0)
    }

    /// The object index, badge and generation stamp of `caller`'s capability in `slot` when it names a `kind`
    /// object inside its table with `rights`; nil otherwise (the general lookup then reports and audits the refusal).
    @inline(__always)
    mutating func fastObject(_ caller: TaskID, slot: UInt64, kind: ObjectKind, rights: Rights, capacity: Int)
        -> (index: Int, badge: UInt64, generation: UInt16)? {
        guard slot < UInt64(CapabilityTable.slotsPerTask),
              let capability = capabilities.peek(SlotRef(task: caller, slot: CapSlot(UInt8(slot)))),
              capability.object.kind == kind, capability.rights.isSuperset(of: rights),
              Int(capability.object.index) < capacity else { return nil }
        return (Int(capability.object.index), capability.badge, capability.generation)
    }
}
