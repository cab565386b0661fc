// The system call library tasks use (runs unprivileged, enters the kernel with SVC / ECALL).

import BoardBoot
import Kernel

/// System calls, as a task calls them. Results follow the kernel ABI: a negative first value is `-SyscallError`.
public enum Sys {
    @inline(__always)
    static func raw(_ call: Syscall, _ a0: UInt64 = 0, _ a1: UInt64 = 0, _ a2: UInt64 = 0,
                    _ a3: UInt64 = 0, _ a4: UInt64 = 0, _ a5: UInt64 = 0) -> (Int64, UInt64) {
        #if arch(arm64) || arch(riscv64)
        let r = orion_syscall(call.rawValue, a0, a1, a2, a3, a4, a5)
        return (r.r0, r.r1)
        #else
        return (-SyscallError.unknownCall.rawValue, 0)
        #endif
    }

    /// The error in a result, if it is one.
    public static func error(_ value: Int64) -> SyscallError? {
        value < 0 ? SyscallError(rawValue: -value) : nil
    }

    /// Gives the CPU to the next task of equal urgency.
    public static func yield() { _ = raw(.yield) }

    /// Nanoseconds since boot, read in the task without entering the kernel: the architecture counter
    /// (CNTPCT_EL0 / `rdtime`) converted with the kernel's own clock word (TPIDRRO_EL0 / `tp`), so the value is
    /// exactly the kernel's time.
    @inline(__always)
    public static func now() -> UInt64 {
        #if arch(arm64)
        return CounterClock.nanoseconds(ticks: orion_a64_cntpct(), encoded: orion_a64_tpidrro())
        #elseif arch(riscv64)
        return CounterClock.nanoseconds(ticks: orion_rv_time(), encoded: orion_rv_tp())
        #else
        return UInt64(bitPattern: raw(.now).0)
        #endif
    }

    /// Nanoseconds since boot through the `now` system call (what `now()` did before it read the counter).
    public static func nowBySystemCall() -> UInt64 { UInt64(bitPattern: raw(.now).0) }

    /// The CPU's cycle counter (PMCCNTR_EL0 / `rdcycle`), read without entering the kernel; under QEMU
    /// `-icount shift=0` it counts one per instruction, which is what the benchmarks measure with.
    @inline(__always)
    public static func cycles() -> UInt64 {
        #if arch(arm64)
        return orion_a64_cycles()
        #elseif arch(riscv64)
        return orion_rv_cycles()
        #else
        return 0
        #endif
    }

    /// Sleeps until `ns` since boot.
    public static func sleep(untilNs ns: UInt64) { _ = raw(.sleepUntil, ns) }

    /// Ends this job and waits for the next release.
    public static func waitForNextPeriod() { _ = raw(.waitForNextPeriod) }

    /// Calls the server behind endpoint `slot` with `length` bytes at `message`; the reply lands in `reply`.
    /// Returns the reply length or a negative error.
    public static func call(_ slot: UInt8, message: UnsafeRawPointer?, length: Int,
                            reply: UnsafeMutableRawPointer?, replyCapacity: Int) -> Int64 {
        raw(.call, UInt64(slot), address(message), UInt64(length), address(reply), UInt64(replyCapacity)).0
    }

    /// Waits for a call on endpoint `slot`; returns (length or negative error, badge).
    public static func receive(_ slot: UInt8, buffer: UnsafeMutableRawPointer?, capacity: Int) -> (Int64, UInt64) {
        raw(.receive, UInt64(slot), address(buffer), UInt64(capacity))
    }

    /// Replies to the client being served.
    public static func reply(message: UnsafeRawPointer?, length: Int) -> Int64 {
        raw(.reply, address(message), UInt64(length)).0
    }

    /// Replies, then waits for the next call on endpoint `slot` (one kernel entry).
    public static func replyReceive(message: UnsafeRawPointer?, length: Int, _ slot: UInt8,
                                    buffer: UnsafeMutableRawPointer?, capacity: Int) -> (Int64, UInt64) {
        raw(.replyReceive, address(message), UInt64(length), UInt64(slot), address(buffer), UInt64(capacity))
    }

    @inline(__always)
    static func raw6(_ call: Syscall, _ a0: UInt64, _ a1: UInt64, _ words: MessageWords) -> (Int64, UInt64, MessageWords) {
        #if arch(arm64) || arch(riscv64)
        let r = orion_syscall6(call.rawValue, a0, a1, words.w0, words.w1, words.w2, words.w3)
        return (r.r0, r.r1, MessageWords(r.r2, r.r3, r.r4, r.r5))
        #else
        return (-SyscallError.unknownCall.rawValue, 0, MessageWords())
        #endif
    }

    /// Calls endpoint `slot` with a short message (`length` ≤ `ipcShortMessageLimit` bytes of `message`) in
    /// registers; returns (reply length or negative error, the reply's first 32 bytes). Nothing is read from or
    /// written to memory by the kernel: seL4's message registers. The server may answer from registers or a buffer.
    public static func callShort(_ slot: UInt8, _ message: MessageWords, length: Int) -> (Int64, MessageWords) {
        let r = raw6(.callShort, UInt64(slot), UInt64(length), message)
        return (r.0, r.2)
    }

    /// Waits for a call on endpoint `slot` with the message in registers; returns (length or negative error,
    /// badge, the message's first 32 bytes).
    public static func receiveShort(_ slot: UInt8) -> (Int64, UInt64, MessageWords) {
        raw6(.receiveShort, UInt64(slot), 0, MessageWords())
    }

    /// Replies with a short message from registers, then waits for the next call on endpoint `slot` with it in
    /// registers (one kernel entry); returns (length or negative error, badge, the message's first 32 bytes).
    public static func replyReceiveShort(_ reply: MessageWords, length: Int, _ slot: UInt8) -> (Int64, UInt64, MessageWords) {
        raw6(.replyReceiveShort, UInt64(length), UInt64(slot), reply)
    }

    /// ORs `bits` (and the capability's badge) into notification `slot`.
    public static func signal(_ slot: UInt8, bits: UInt64) -> Int64 { raw(.signal, UInt64(slot), bits).0 }

    /// Waits for notification `slot`; returns (0 or negative error, bits).
    public static func wait(_ slot: UInt8) -> (Int64, UInt64) { raw(.wait, UInt64(slot)) }

    /// Waits for notification `slot` until `ns` since boot; returns (0 or negative error, bits), bits 0 when
    /// the time came first.
    public static func wait(_ slot: UInt8, untilNs ns: UInt64) -> (Int64, UInt64) { raw(.waitUntil, UInt64(slot), ns) }

    /// Acknowledges the interrupt behind capability `slot`: the device is serviced, unmask the line.
    public static func interruptAck(_ slot: UInt8) -> Int64 { raw(.interruptAck, UInt64(slot)).0 }

    /// Sends `length` bytes to queue `slot` (blocks while it is full).
    public static func queueSend(_ slot: UInt8, message: UnsafeRawPointer?, length: Int) -> Int64 {
        raw(.queueSend, UInt64(slot), address(message), UInt64(length)).0
    }

    /// Receives the oldest message of queue `slot` (blocks while it is empty); returns its length.
    public static func queueReceive(_ slot: UInt8, buffer: UnsafeMutableRawPointer?, capacity: Int) -> Int64 {
        raw(.queueReceive, UInt64(slot), address(buffer), UInt64(capacity)).0
    }

    /// Copies capability `from` to slot `to` of the task named by task capability `taskSlot` (0xFF: self).
    public static func capCopy(_ from: UInt8, toTask taskSlot: UInt8 = 0xFF, slot to: UInt8) -> Int64 {
        raw(.capCopy, UInt64(from), UInt64(taskSlot), UInt64(to)).0
    }

    /// Mints a narrowed and/or badged copy of `from` into slot `to` (of `taskSlot`'s task, 0xFF: self).
    public static func capMint(_ from: UInt8, toTask taskSlot: UInt8 = 0xFF, slot to: UInt8, rights: Rights, badge: UInt64) -> Int64 {
        raw(.capMint, UInt64(from), UInt64(taskSlot), UInt64(to), UInt64(rights.rawValue), badge).0
    }

    /// Moves capability `from` to slot `to` of this task.
    public static func capMove(_ from: UInt8, to: UInt8) -> Int64 { raw(.capMove, UInt64(from), UInt64(to)).0 }

    /// Deletes capability `slot`.
    public static func capDelete(_ slot: UInt8) -> Int64 { raw(.capDelete, UInt64(slot)).0 }

    /// Deletes everything derived from capability `slot`; returns how many.
    public static func capRevoke(_ slot: UInt8) -> Int64 { raw(.capRevoke, UInt64(slot)).0 }

    /// Reads audit entry `index` (16 bytes into `buffer`); returns (0 or negative error, entries ever appended).
    public static func auditRead(_ index: Int, buffer: UnsafeMutableRawPointer?) -> (Int64, UInt64) {
        raw(.auditRead, UInt64(index), address(buffer))
    }

    /// Reads task `index`'s state and counters (5 words into `buffer`).
    public static func taskInfo(_ index: Int, buffer: UnsafeMutableRawPointer?) -> Int64 {
        raw(.taskInfo, UInt64(index), address(buffer)).0
    }

    /// Reads task `index`'s fault record (5 words into `buffer`: faults, generation that faulted last, kind
    /// (`FaultKind`), address, time ns); returns (0 or negative error, the task's current generation). The
    /// supervisor or a privileged task only.
    public static func faultInfo(_ index: Int, buffer: UnsafeMutableRawPointer?) -> (Int64, UInt64) {
        raw(.faultInfo, UInt64(index), address(buffer))
    }

    /// Restarts task `index` (the supervisor only): its kernel state is reset, the board resets its
    /// registers and stack; returns (0 or negative error, its new generation).
    public static func restartTask(_ index: Int) -> (Int64, UInt64) {
        raw(.restartTask, UInt64(index))
    }

    /// Writes text to the console.
    public static func write(_ text: StaticString) {
        _ = raw(.debugWrite, UInt64(UInt(bitPattern: text.utf8Start)), UInt64(text.utf8CodeUnitCount))
    }

    /// Writes raw bytes to the console.
    public static func write(bytes: UnsafeRawPointer, count: Int) {
        _ = raw(.debugWrite, address(bytes), UInt64(count))
    }

    /// Ends the machine with `status` (privileged tasks only).
    public static func exitMachine(_ status: Int32) { _ = raw(.exitMachine, UInt64(UInt32(bitPattern: status))) }

    /// Ends the calling task.
    public static func exitTask() { _ = raw(.exitTask) }

    @inline(__always)
    static func address(_ pointer: UnsafeRawPointer?) -> UInt64 { UInt64(UInt(bitPattern: pointer)) }

    @inline(__always)
    static func address(_ pointer: UnsafeMutableRawPointer?) -> UInt64 { UInt64(UInt(bitPattern: pointer)) }
}
