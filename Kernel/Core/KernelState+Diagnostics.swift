// Diagnostic system calls for privileged tasks: reading the capability audit ring and a task's counters.

extension KernelState {
    /// Writes audit entry `index` (oldest held = 0) as 16 bytes: sequence u32, actor, operation, task, slot,
    /// outcome (0 granted, 1 denied, 2 removed), error code, count u16, padding; returns entries ever appended.
    mutating func auditRead(_ caller: TaskID, index: UInt64, buffer: UInt) {
        guard tasks[caller.index].privileged else {
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
        bytes[7] = entry.slot.slot.raw
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
    mutating func taskInfo(_ caller: TaskID, index: UInt64, buffer: UInt) {
        guard tasks[caller.index].privileged else {
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
