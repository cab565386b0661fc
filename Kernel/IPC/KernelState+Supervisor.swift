// The supervisor (Hubris style): one task of the task table is told when a task faults, reads why, and
// restarts it with its generation incremented; endpoint generations make clients of the old generation fail.
//
// Generations and errors (the contract; docs/KERNEL.md repeats it):
// - Every task has a generation (`TaskControlBlock.generation`, 0 on the first run, +1 per restart).
// - Every endpoint has a generation (`EndpointObject.generation`): it counts the server generations that
//   ended on it. A server's generation ends on an endpoint it serves (the endpoint's `server`: the task that
//   last received there) when the server faults, exits, or is restarted while live. Each generation ends
//   once: a faulted task is no longer any endpoint's server, so restarting it later ends nothing more.
// - When a server's generation ends, every client blocked on it gets an error and runs again: the one whose
//   call it was handling (`blockedReply`) and every caller queued on its endpoints (`blockedSend`). The error
//   is `serverRestarted` when the server faulted while a supervisor is named or when the supervisor
//   restarted it (a new generation will serve), `serverFaulted` when it faulted without a supervisor or
//   exited (nothing will restart it). No reply is written. Invariant: every caller queued on an endpoint
//   was admitted in the endpoint's current generation.
// - An endpoint capability carries the endpoint generation it was granted in (`Capability.generation`).
//   `call` through a capability of an older generation fails with `serverRestarted` and delivers nothing,
//   until the capability is re-granted: `capCopy`/`capMint` stamp the capability they create with the
//   endpoint's current generation. Re-granting needs what granting always needs (a source capability with
//   `.grant`, a task capability with `.write` for another task's slot), so a restart changes no authority:
//   it only makes every holder of a call capability be introduced to the new generation explicitly. The
//   usual way: the supervisor holds the endpoint capability the clients' capabilities were minted from;
//   after `restartTask` it revokes that capability's children and mints fresh ones into the clients' slots.
//   `receive` does not look at generations (a server's own capability never goes stale), nor do
//   notifications and queues (they have no server).
// - A task restarted while it was itself a client leaves cleanly: out of the endpoint queue it waited in, or
//   (in `blockedReply`) its server's `servingClient` is cleared, so that server's next `reply` gets `noClient`
//   and nothing is written into the new generation's memory.

/// What kind of access faulted, as the board decodes it from the trap.
public enum FaultKind: UInt8, Sendable {
    /// No fault recorded.
    case none = 0
    /// A load from memory the task may not read.
    case read = 1
    /// A store to memory the task may not write.
    case write = 2
    /// An instruction fetch from memory the task may not execute.
    case execute = 3
    /// Anything else (an undefined or privileged instruction, a misaligned access, a cause not decoded).
    case other = 4
}

/// What the board tells the kernel about a fault.
public struct FaultInfo: Sendable {
    /// The access kind.
    public var kind: FaultKind
    /// The faulting data address (FAR_EL1 / stval), or the instruction's for an execute fault; 0 if unknown.
    public var address: UInt64

    /// A fault of `kind` at `address` (by default: not decoded, address unknown).
    public init(kind: FaultKind = .other, address: UInt64 = 0) {
        self.kind = kind
        self.address = address
    }
}

/// The last fault of one task, and how many it had.
public struct FaultRecord: Sendable {
    /// Faults since boot, over all generations.
    public var count: UInt32 = 0
    /// The generation that faulted last.
    public var generation: UInt16 = 0
    /// The last fault's access kind (`.none` before the first fault).
    public var kind: FaultKind = .none
    /// The last fault's address.
    public var address: UInt64 = 0
    /// When the last fault was taken, ns since boot.
    public var timeNs: UInt64 = 0

    /// No fault yet.
    public init() {}

    /// The record as `faultInfo` writes it: five u64 words (count, generation, kind, address, time).
    public var words: (UInt64, UInt64, UInt64, UInt64, UInt64) {
        (UInt64(count), UInt64(generation), UInt64(kind.rawValue), address, timeNs)
    }
}

/// Why `setSupervisor` refused.
public enum SupervisorError: Error, Equatable, Sendable {
    /// No such task.
    case invalidTask
    /// No such notification.
    case invalidNotification
    /// Bits 0 would never wake the supervisor.
    case noBits
}

/// The supervisor named in the task table, the fault records, and the restarts the board has to carry out.
public struct Supervision: Sendable {
    /// The supervisor task, if the task table names one.
    public internal(set) var supervisor: TaskID? = nil
    /// The notification a fault signals.
    public internal(set) var notification = NotificationID(0)
    /// The bits it signals.
    public internal(set) var bits: UInt64 = 0
    /// Each task's fault record, indexed by `TaskID`.
    public internal(set) var records = InlineArray<64, FaultRecord>(repeating: FaultRecord())
    /// Restarted tasks whose memory and registers the board has not reset yet: bit i = task i.
    public internal(set) var restartRequests: UInt64 = 0
    /// Restarts made since boot.
    public internal(set) var restarts: UInt32 = 0

    /// No supervisor, no faults.
    public init() {}
}

extension KernelState {
    // MARK: Boot

    /// Names `task` the supervisor: every fault of another task ORs `bits` into notification `notification`
    /// (give the supervisor a capability with `.read` for it to `wait` on), and only it may `restartTask`.
    /// Boot time only; a later call replaces the earlier one.
    // @implements SWR-KERN-MEM-4
    public mutating func setSupervisor(_ task: TaskID, notification: Int, bits: UInt64) throws(SupervisorError) {
        guard task.index < taskCount else { throw .invalidTask }
        guard notification >= 0, notification < KernelState.notificationCapacity else { throw .invalidNotification }
        guard bits != 0 else { throw .noBits }
        supervision.supervisor = task
        supervision.notification = NotificationID(UInt8(notification))
        supervision.bits = bits
    }

    /// Whether `task` is the named supervisor. (`mutating` only so that it reads the state in place, as
    /// `nextTimerDeadlineNs` explains.)
    mutating func isSupervisor(_ task: TaskID) -> Bool {
        supervision.supervisor == task
    }

    // MARK: Board interface

    /// The next task `restart` reset in the kernel whose memory and registers the board must now reset,
    /// or nil. Lowest task index first; each request is handed out once.
    ///
    /// The board takes every request after each kernel entry, before it resumes any task (in
    /// `TaskRuntime.resume`, beside `takeLineToUnmask`, and before it writes the pending result of the task
    /// to run: the restarted task may be that task, with no pending result). For each task it:
    /// 1. re-prepares the task's frame exactly as at task-set start: `TaskFrames.prepare(index, entry:,
    ///    argument:, stackTop:)` (the board keeps each task's entry, argument and stack range from declare
    ///    time for this; `TaskSetBuilder.declare` does not keep them today), then frame word 100 = the task's
    ///    translation value again (`prepare` clears every word); nothing of the old registers survives;
    /// 2. zeroes the task's whole stack (the guard page below stays unmapped). With protection on, the
    ///    kernel space maps no task memory: zero it through the task's address space, as the user-copy
    ///    routine does (switch TTBR0/satp to the task's, with SUM set around it on riscv64; switch back);
    /// 3. leaves shared regions and MMIO windows alone (they belong to other tasks too) and the page tables
    ///    as they are (the domain is unchanged, so no TLB maintenance is needed).
    /// The task does not run before its release (`restart` time + its declared offset), so the board has
    /// until then; taking the requests before the next resume is simply the one place that is always early
    /// enough. Bounded: one frame and one stack per request.
    public mutating func takeRestartRequest() -> TaskID? {
        guard supervision.restartRequests != 0 else { return nil }
        let i = supervision.restartRequests.trailingZeroBitCount
        supervision.restartRequests &= ~(UInt64(1) << UInt64(i))
        return TaskID(UInt8(i))
    }

    /// Restarts `task`: its generation is incremented, its kernel state goes back to what `declare` and
    /// `start` gave it (released again at `nowNs` + its declared offset with a full budget, base priority,
    /// no IPC state, no pending result; live again if it had faulted or exited), and a restart request
    /// asks the board to reset its registers and stack (`takeRestartRequest`). A task that was live has its
    /// service ended first (its clients get `serverRestarted`, its endpoints' generations move on) and
    /// leaves any call it was making. Its fault record, CPU time and job counters are kept (diagnostics
    /// over all generations); so is its capability space (the boot-time grants are fixed; anything the task
    /// itself changed stays changed). Returns the new generation.
    ///
    /// Bounded: O(endpoints + tasks · log tasks): each endpoint once, each task at most once out of a heap.
    /// Refuses (`invalidArgument`) an undeclared task.
    // @implements SWR-KERN-MEM-4
    @discardableResult
    public mutating func restart(_ task: TaskID, nowNs: UInt64) throws(SyscallError) -> UInt16 {
        guard task.index < taskCount else { throw .invalidArgument }
        let t = task.index
        switch tasks[t].state {
        case .faulted, .exited:
            liveTasks += 1
        default:
            let state = tasks[t].state
            unlink(task)
            leaveCall(task, from: state, blockedOn: tasks[t].blockedOn)
            endService(of: task, error: .serverRestarted)
            if current == task { current = nil }
        }
        let old = tasks[t]
        var fresh = TaskControlBlock()
        fresh.state = .waitingForPeriod
        fresh.basePriority = old.basePriority
        fresh.effectivePriority = old.basePriority
        fresh.periodNs = old.periodNs
        fresh.relativeDeadlineNs = old.relativeDeadlineNs
        fresh.budgetNs = old.budgetNs
        fresh.privileged = old.privileged
        fresh.offsetNs = old.offsetNs
        fresh.generation = old.generation &+ 1
        fresh.cpuNs = old.cpuNs
        fresh.jobsCompleted = old.jobsCompleted
        fresh.deadlineMisses = old.deadlineMisses
        fresh.budgetOverruns = old.budgetOverruns
        fresh.wakeNs = nowNs &+ old.offsetNs
        tasks[t] = fresh
        timed.insert(task, key: fresh.wakeNs)
        supervision.restartRequests |= UInt64(1) << UInt64(t)
        supervision.restarts &+= 1
        return fresh.generation
    }

    // MARK: Kernel internals

    /// Records a fault of `task` (`retire` calls this) and tells the supervisor, unless it is the one.
    // @implements SWR-KERN-MEM-4
    mutating func recordFault(_ task: TaskID, _ info: FaultInfo, nowNs: UInt64) {
        let t = task.index
        supervision.records[t].count &+= 1
        supervision.records[t].generation = tasks[t].generation
        supervision.records[t].kind = info.kind
        supervision.records[t].address = info.address
        supervision.records[t].timeNs = nowNs
        guard let supervisor = supervision.supervisor, supervisor != task else { return }
        notifications[supervision.notification.index].word |= supervision.bits
        wakeWaiter(supervision.notification)
    }

    /// Ends `server`'s generation on everything it serves: the client whose call it handles and every caller
    /// queued on an endpoint it serves get `error` and are made ready; those endpoints' generations move on
    /// and they have no server until a task receives there again. O(endpoints + tasks · log tasks).
    // @implements SWR-KERN-MEM-4
    mutating func endService(of server: TaskID, error: SyscallError) {
        let s = server.index
        if let client = tasks[s].servingClient {
            tasks[s].servingClient = nil
            finish(client, error: error)
            makeReady(client)
        }
        var e = 0
        while e < KernelState.endpointCapacity {
            if endpoints[e].server == server {
                endpoints[e].server = nil
                endpoints[e].generation &+= 1
                while let caller = endpoints[e].callers.popMin() {
                    finish(caller, error: error)
                    makeReady(caller)
                }
            }
            e += 1
        }
    }

    /// After `unlink` took `task` (which was in `state`, blocked on `object`) out of its queue: if it was
    /// making a call, its server forgets it and stops inheriting its urgency, so nothing is written into
    /// its memory later.
    mutating func leaveCall(_ task: TaskID, from state: TaskState, blockedOn object: UInt8) {
        switch state {
        case .blockedSend:
            refreshInheritance(endpoints[Int(object)].server)
        case .blockedReply:
            if tasks[Int(object)].servingClient == task {
                tasks[Int(object)].servingClient = nil
                refreshInheritance(TaskID(object))
            }
        default:
            break
        }
    }

    /// Whether the endpoint capability in `caller`'s `slot` (already looked up: endpoint `e`) was granted in
    /// the endpoint's current generation. (`mutating` only so that it reads the state in place: a borrowed
    /// read of the capability table can copy all of it onto the kernel stack.)
    mutating func endpointCapabilityIsCurrent(_ caller: TaskID, slot: UInt64, endpoint: EndpointID) -> Bool {
        guard let capability = capabilities.peek(SlotRef(task: caller, slot: CapSlot(UInt8(truncatingIfNeeded: slot)))) else {
            return false
        }
        return capability.generation == endpoints[endpoint.index].generation
    }

    /// Stamps the endpoint capability just copied or minted into `ref` with its endpoint's current
    /// generation (this is what re-grants a capability after a restart); other kinds are left alone.
    mutating func stampGeneration(at ref: SlotRef) {
        guard let capability = capabilities.peek(ref), capability.object.kind == .endpoint,
              Int(capability.object.index) < KernelState.endpointCapacity else { return }
        capabilities.setGeneration(endpoints[Int(capability.object.index)].generation, at: ref)
    }

    // MARK: System calls

    /// `faultInfo(taskIndex, buffer)`: writes task `taskIndex`'s fault record (`FaultRecord.words`, 40 bytes)
    /// and returns (0, its current generation). The supervisor or a privileged task only.
    // @implements SWR-KERN-MEM-4
    mutating func faultInfo(_ caller: TaskID, index: UInt64, buffer: UInt) {
        guard tasks[caller.index].privileged || isSupervisor(caller) else {
            finish(caller, error: .notPrivileged)
            return
        }
        guard index < UInt64(taskCount) else {
            finish(caller, error: .invalidArgument)
            return
        }
        guard userCanAccess(caller, buffer, length: 40, .write) else {
            finish(caller, error: .badAddress)
            return
        }
        let t = Int(index)
        var words = supervision.records[t].words
        withUnsafeBytes(of: &words) { raw in
            copyToUser(caller, from: raw.baseAddress!, to: buffer, length: 40)
        }
        finish(caller, 0, UInt64(tasks[t].generation))
    }

    /// `restartTask(taskIndex)`: the supervisor restarts another task (`restart`); returns (0, its new
    /// generation). A task released at once (offset 0) is ready when the call returns.
    // @implements SWR-KERN-MEM-4
    mutating func restartTask(_ caller: TaskID, index: UInt64, nowNs: UInt64) {
        guard isSupervisor(caller) else {
            finish(caller, error: .notPrivileged)
            return
        }
        guard index < UInt64(taskCount), index != UInt64(caller.raw) else {
            finish(caller, error: .invalidArgument)
            return
        }
        do throws(SyscallError) {
            let generation = try restart(TaskID(UInt8(index)), nowNs: nowNs)
            finish(caller, 0, UInt64(generation))
        } catch {
            finish(caller, error: error)
        }
        releaseDue(nowNs: nowNs)
    }
}

extension CapabilityTable {
    /// Rewrites the generation of the capability in `ref` (the kernel re-granting an endpoint capability);
    /// not audited (the copy or mint that made it was). O(1).
    mutating func setGeneration(_ generation: UInt16, at ref: SlotRef) {
        guard let i = CapabilityTable.index(of: ref), let cap = nodes[i].capability else { return }
        nodes[i].capability = Capability(object: cap.object, rights: cap.rights, badge: cap.badge, generation: generation)
    }
}
