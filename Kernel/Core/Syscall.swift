// System call numbers and error codes: the contract between unprivileged tasks and the kernel.

/// System calls, by number (x8 on aarch64, a7 on riscv64; arguments in x0-x5 / a0-a5; results in x0, x1, and for
/// the short-message calls also x2-x5 / a2-a5).
public enum Syscall: UInt64, Sendable {
    /// Gives the CPU to the next ready task of the same urgency.
    case yield = 0
    /// Sleeps until the absolute time in x0 (ns since boot).
    case sleepUntil = 1
    /// Ends the current job; sleeps until the next release.
    case waitForNextPeriod = 2
    /// Returns the time in ns since boot.
    case now = 3
    /// call(endpointSlot, message, length, replyBuffer, replyCapacity) -> reply length.
    case call = 4
    /// receive(endpointSlot, buffer, capacity) -> (length, badge).
    case receive = 5
    /// reply(message, length).
    case reply = 6
    /// replyReceive(message, length, endpointSlot, buffer, capacity) -> (length, badge).
    case replyReceive = 7
    /// signal(notificationSlot, bits).
    case signal = 8
    /// wait(notificationSlot) -> bits.
    case wait = 9
    /// queueSend(queueSlot, message, length).
    case queueSend = 10
    /// queueReceive(queueSlot, buffer, capacity) -> length.
    case queueReceive = 11
    /// capCopy(fromSlot, toTaskSlot or 0xFF (`ownTaskSlot`) for self, toSlot).
    case capCopy = 12
    /// capMint(fromSlot, toTaskSlot or 0xFF, toSlot, rights, badge).
    case capMint = 13
    /// capMove(fromSlot, toSlot) within the caller's CSpace.
    case capMove = 14
    /// capDelete(slot).
    case capDelete = 15
    /// capRevoke(slot) -> number of capabilities removed.
    case capRevoke = 16
    /// auditRead(index, entryBuffer) -> total entries appended (privileged tasks only).
    case auditRead = 17
    /// debugWrite(text, length): console output (handled by the board).
    case debugWrite = 18
    /// exitMachine(status): ends QEMU (privileged tasks only; handled by the board).
    case exitMachine = 19
    /// taskInfo(taskIndex, infoBuffer): state and counters of a task.
    case taskInfo = 20
    /// Ends the calling task (also reached by returning from the entry function).
    case exitTask = 21
    /// interruptAck(interruptSlot): the device is serviced, unmask its line (the board does it on the way out).
    case interruptAck = 22
    /// waitUntil(notificationSlot, deadlineNs) -> bits: `wait`, but back with bits 0 at the deadline.
    case waitUntil = 23
    /// faultInfo(taskIndex, recordBuffer) -> (0, current generation): the task's fault record as five u64
    /// words (`FaultRecord.words`); the supervisor or a privileged task only.
    case faultInfo = 24
    /// restartTask(taskIndex) -> new generation: the supervisor only; see `KernelState.restart`.
    case restartTask = 25
    /// callShort(endpointSlot, length, w0, w1, w2, w3) -> reply length, with the reply in x2-x5 / a2-a5: `call`
    /// with a message of at most `ipcShortMessageLimit` bytes carried in registers both ways (`MessageWords`),
    /// seL4's message registers. The server may receive it either way; so may the reply come.
    case callShort = 26
    /// receiveShort(endpointSlot) -> (length, badge), with the message in x2-x5 / a2-a5 (its first
    /// `ipcShortMessageLimit` bytes; the length is the whole message's).
    case receiveShort = 27
    /// replyReceiveShort(length, endpointSlot, w0, w1, w2, w3) -> (length, badge), with the next message in
    /// x2-x5 / a2-a5: `replyReceive` with the reply and the next message in registers.
    case replyReceiveShort = 28
}

extension Syscall {
    /// The `toTaskSlot` argument of `capCopy`/`capMint` that names the calling task itself.
    public static let ownTaskSlot: UInt64 = 0xFF
}

/// Why a system call failed; returned negated in the first result register.
public enum SyscallError: Int64, Error, Sendable {
    /// No such system call.
    case unknownCall = 1
    /// The slot is out of range or empty.
    case invalidCapability = 2
    /// The capability is for another kind of object.
    case wrongObject = 3
    /// The capability lacks a right the operation needs.
    case insufficientRights = 4
    /// A message longer than 64 bytes, or a buffer too small.
    case badLength = 5
    /// `reply` without a client to reply to.
    case noClient = 6
    /// The server stopped for good while handling or queueing this call: it faulted in an image without a
    /// supervisor, or it exited. Nothing will restart it.
    case serverFaulted = 7
    /// The destination slot is occupied.
    case slotOccupied = 8
    /// The operation needs a privileged task.
    case notPrivileged = 9
    /// An argument is out of range (task index, time in the past for a deadline, ...).
    case invalidArgument = 10
    /// A badge cannot be changed once set.
    case badgeAlreadySet = 11
    /// A buffer does not lie in memory the caller may read (or write, for a result): nothing was copied.
    case badAddress = 12
    /// The server's generation ended: it faulted while a supervisor is named (which is told and may restart
    /// it), or the supervisor restarted it, while this call was queued or being handled; or the endpoint
    /// capability used was granted before the server's last generation ended (it fails until re-granted).
    /// The reply buffer was not written. See `KernelState+Supervisor.swift`.
    case serverRestarted = 13
}

/// The most bytes an IPC message carries.
public let ipcMessageLimit = 64

/// The most bytes a short message (`callShort`, `receiveShort`, `replyReceiveShort`) carries in registers.
public let ipcShortMessageLimit = 32

/// A short message: up to `ipcShortMessageLimit` bytes in four registers, byte `i` in bits `8 * (i % 8)` of word
/// `i / 8` (the bytes of a little-endian buffer loaded word by word). The kernel passes on only the message's
/// length of it: the bytes past it arrive as zeros.
public struct MessageWords: Sendable, Equatable {
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    @inline(__always)
    public init(_ w0: UInt64 = 0, _ w1: UInt64 = 0, _ w2: UInt64 = 0, _ w3: UInt64 = 0) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// The first `count` bytes (0...32), the rest zero.
    @inline(__always)
    public func prefix(_ count: Int) -> MessageWords {
        if count >= ipcShortMessageLimit { return self }
        if count <= 0 { return MessageWords() }
        @inline(__always) func keep(_ word: UInt64, _ index: Int) -> UInt64 {
            let bytes = count &- index &* 8
            if bytes >= 8 { return word }
            if bytes <= 0 { return 0 }
            return word & ((1 &<< UInt64(bytes &* 8)) &- 1)
        }
        return MessageWords(keep(w0, 0), keep(w1, 1), keep(w2, 2), keep(w3, 3))
    }
}
