// System call dispatch: each call goes to the operation of the object it names (Kernel/IPC: +Endpoints,
// +Notifications, +Queues, +Supervisor; Kernel/Capabilities/KernelState+Capabilities; Kernel/Core: +Interrupts,
// +Diagnostics). The time calls name no object and are handled here.

extension KernelState {
    /// Runs one system call for `caller` (the running task).
    mutating func dispatch(_ call: Syscall, caller: TaskID, _ args: SyscallArguments, nowNs: UInt64) {
        let c = caller.index
        switch call {
        case .yield:
            finish(caller)
            tasks[c].state = .ready
            ready.insert(caller, urgency: tasks[c].urgency, atFront: false)
            current = nil
        case .now:
            finish(caller, Int64(bitPattern: nowNs), 0)
        case .sleepUntil:
            finish(caller)
            let wake = args[0]
            if wake > nowNs {
                tasks[c].state = .sleeping
                tasks[c].wakeNs = wake
                timed.insert(caller, key: wake)
                current = nil
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
        case .callShort:
            callEndpoint(caller, slot: args[0], words: MessageWords(args[2], args[3], args[4], args[5]), length: Int(clamping: args[1]))
        case .receiveShort:
            receive(caller, slot: args[0], buffer: 0, capacity: ipcShortMessageLimit, short: true)
        case .replyReceiveShort:
            if reply(caller, message: 0, length: Int(clamping: args[0]), short: MessageWords(args[2], args[3], args[4], args[5])) {
                receive(caller, slot: args[1], buffer: 0, capacity: ipcShortMessageLimit, short: true)
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

    mutating func waitForNextPeriod(_ caller: TaskID, nowNs: UInt64) {
        let c = caller.index
        guard tasks[c].periodNs != 0 else {
            finish(caller, error: .invalidArgument)
            return
        }
        finish(caller)
        tasks[c].jobsCompleted &+= 1
        if nowNs > tasks[c].deadlineNs {
            tasks[c].deadlineMisses &+= 1
            events.record(KernelEvent(timeNs: nowNs, task: caller, kind: .deadlineMiss))
        }
        let next = tasks[c].releaseNs &+ tasks[c].periodNs
        if next <= nowNs {
            // Late: the next job is already released.
            startJob(c, releaseNs: next)
            tasks[c].state = .ready
            ready.insert(caller, urgency: tasks[c].urgency, atFront: false)
        } else {
            tasks[c].state = .waitingForPeriod
            tasks[c].wakeNs = next
            timed.insert(caller, key: next)
        }
        current = nil
    }
}
