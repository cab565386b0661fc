// System call handlers: time, IPC (endpoints, notifications, queues) and capability operations.

extension KernelState {
    /// Runs one system call for `caller` (the running task).
    mutating func dispatch(_ call: Syscall, caller: UInt8, _ args: SyscallArguments, nowNs: UInt64) {
        let c = Int(caller)
        switch call {
        case .yield:
            finish(caller)
            tasks[c].state = .ready
            ready.insert(TaskID(caller), urgency: tasks[c].urgency, atFront: false)
            current = TaskControlBlock.none
        case .now:
            finish(caller, Int64(bitPattern: nowNs), 0)
        case .sleepUntil:
            finish(caller)
            let wake = args[0]
            if wake > nowNs {
                tasks[c].state = .sleeping
                tasks[c].wakeNs = wake
                timed.insert(TaskID(caller), key: wake)
                current = TaskControlBlock.none
            }
        case .waitForNextPeriod:
            waitForNextPeriod(caller, nowNs: nowNs)
        case .call:
            callEndpoint(caller, slot: args[0], message: UInt(args[1]), length: Int(clamping: args[2]),
                 reply: UInt(args[3]), replyCapacity: Int(clamping: args[4]))
        case .receive:
            receive(caller, slot: args[0], buffer: UInt(args[1]), capacity: Int(clamping: args[2]))
        case .reply:
            if reply(caller, message: UInt(args[0]), length: Int(clamping: args[1])) { finish(caller) }
        case .replyReceive:
            if reply(caller, message: UInt(args[0]), length: Int(clamping: args[1])) {
                receive(caller, slot: args[2], buffer: UInt(args[3]), capacity: Int(clamping: args[4]))
            }
        case .signal:
            signal(caller, slot: args[0], bits: args[1])
        case .wait:
            wait(caller, slot: args[0])
        case .waitUntil:
            wait(caller, slot: args[0], deadlineNs: args[1], nowNs: nowNs)
        case .interruptAck:
            acknowledgeInterrupt(caller, slot: args[0])
        case .queueSend:
            queueSend(caller, slot: args[0], message: UInt(args[1]), length: Int(clamping: args[2]))
        case .queueReceive:
            queueReceive(caller, slot: args[0], buffer: UInt(args[1]), capacity: Int(clamping: args[2]))
        case .capCopy, .capMint, .capMove, .capDelete, .capRevoke:
            capabilityCall(call, caller: caller, args)
        case .auditRead:
            auditRead(caller, index: args[0], buffer: UInt(args[1]))
        case .taskInfo:
            taskInfo(caller, index: args[0], buffer: UInt(args[1]))
        case .exitTask:
            retire(caller, as: .exited, nowNs: nowNs)
        case .faultInfo:
            faultInfo(caller, index: args[0], buffer: UInt(args[1]))
        case .restartTask:
            restartTask(caller, index: args[0], nowNs: nowNs)
        case .debugWrite, .exitMachine:
            // The board handles these before calling the kernel; reaching here means it does not.
            finish(caller, error: .unknownCall)
        }
    }

    // MARK: Time

    mutating func waitForNextPeriod(_ caller: UInt8, nowNs: UInt64) {
        let c = Int(caller)
        guard tasks[c].periodNs != 0 else {
            finish(caller, error: .invalidArgument)
            return
        }
        finish(caller)
        tasks[c].jobsCompleted &+= 1
        if nowNs > tasks[c].deadlineNs {
            tasks[c].deadlineMisses &+= 1
            events.record(KernelEvent(timeNs: nowNs, task: TaskID(caller), kind: .deadlineMiss))
        }
        let next = tasks[c].releaseNs &+ tasks[c].periodNs
        if next <= nowNs {
            // Late: the next job is already released.
            startJob(c, releaseNs: next)
            tasks[c].state = .ready
            ready.insert(TaskID(caller), urgency: tasks[c].urgency, atFront: false)
        } else {
            tasks[c].state = .waitingForPeriod
            tasks[c].wakeNs = next
            timed.insert(TaskID(caller), key: next)
        }
        current = TaskControlBlock.none
    }

    // MARK: Diagnostics

    /// Writes audit entry `index` (oldest held = 0) as 16 bytes: sequence u32, actor, operation, task, slot,
    /// outcome (0 granted, 1 denied, 2 removed), error code, count u16, padding; returns entries ever appended.
    mutating func auditRead(_ caller: UInt8, index: UInt64, buffer: UInt) {
        guard tasks[Int(caller)].privileged else {
            finish(caller, error: .notPrivileged)
            return
        }
        let total = capabilities.audit.totalAppended
        guard userCanAccess(caller, buffer, length: 16, .write) else {
            finish(caller, -SyscallError.badAddress.rawValue, total)
            return
        }
        guard index < UInt64(capabilities.audit.count), let entry = capabilities.audit.entry(Int(index)) else {
            finish(caller, -SyscallError.invalidArgument.rawValue, total)
            return
        }
        var bytes = InlineArray<16, UInt8>(repeating: 0)
        bytes[0] = UInt8(truncatingIfNeeded: entry.sequence)
        bytes[1] = UInt8(truncatingIfNeeded: entry.sequence >> 8)
        bytes[2] = UInt8(truncatingIfNeeded: entry.sequence >> 16)
        bytes[3] = UInt8(truncatingIfNeeded: entry.sequence >> 24)
        bytes[4] = entry.actor.raw
        bytes[5] = entry.operation.rawValue
        bytes[6] = entry.slot.task.raw
        bytes[7] = entry.slot.slot
        switch entry.outcome {
        case .granted:
            bytes[8] = 0
        case .denied(let error):
            bytes[8] = 1
            bytes[9] = UInt8(truncatingIfNeeded: SyscallError(error).rawValue)
        case .removed(let count):
            bytes[8] = 2
            bytes[10] = UInt8(truncatingIfNeeded: count)
            bytes[11] = UInt8(truncatingIfNeeded: count >> 8)
        }
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            var i = 0
            while i < 16 {
                raw[i] = bytes[i]
                i += 1
            }
            copyToUser(caller, from: UnsafeRawPointer(raw.baseAddress!), to: buffer, length: 16)
        }
        finish(caller, 0, total)
    }

    /// Writes a task's state and counters as five u64 words: state, jobs, misses, overruns, cpu ns.
    mutating func taskInfo(_ caller: UInt8, index: UInt64, buffer: UInt) {
        guard tasks[Int(caller)].privileged else {
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
        var info: (UInt64, UInt64, UInt64, UInt64, UInt64) = (
            UInt64(tasks[t].state.rawValue), UInt64(tasks[t].jobsCompleted), UInt64(tasks[t].deadlineMisses),
            UInt64(tasks[t].budgetOverruns), tasks[t].cpuNs)
        withUnsafeBytes(of: &info) { raw in
            copyToUser(caller, from: raw.baseAddress!, to: buffer, length: 40)
        }
        finish(caller)
    }
}
