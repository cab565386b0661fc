// Kernel IPC objects: synchronous endpoints, notifications and fixed-capacity message queues.

/// A synchronous rendezvous point: callers wait (most urgent first) until a server receives.
public struct EndpointObject: Sendable {
    /// Blocked callers, keyed by their policy urgency (FIFO among equals).
    public var callers = TaskHeap()
    /// The server blocked in `receive`, if any.
    public var receiver: TaskID? = nil
    /// The task that last received here; it inherits the urgency of waiting callers.
    public var server: TaskID? = nil
    /// Counts the server generations that ended here (its server faulted, exited or was restarted);
    /// endpoint capabilities stamped with an older value fail with `serverRestarted` (see
    /// `KernelState+Supervisor.swift`).
    public internal(set) var generation: UInt16 = 0

    /// An idle endpoint.
    public init() {}
}

/// A word of bits that signals OR into and a wait takes (and clears).
public struct NotificationObject: Sendable {
    /// Pending bits.
    public var word: UInt64 = 0
    /// Blocked waiters, most urgent first.
    public var waiters = TaskHeap()

    /// A notification with no bits set.
    public init() {}
}

/// A FIFO of up to `MessageQueueObject.capacity` messages of up to 64 bytes, copied in and out.
public struct MessageQueueObject: Sendable {
    /// Messages held at most.
    public static let capacity = 8
    var storage = InlineArray<512, UInt8>(repeating: 0)  // capacity * ipcMessageLimit
    var lengths = InlineArray<8, UInt8>(repeating: 0)
    /// Index of the oldest message.
    public private(set) var head = 0
    /// Messages held.
    public private(set) var count = 0
    /// Tasks blocked sending to a full queue.
    public var senders = TaskHeap()
    /// Tasks blocked receiving from an empty queue.
    public var receivers = TaskHeap()

    /// An empty queue.
    public init() {}

    /// Copies `length` bytes from `address` in as the newest message; false when full.
    public mutating func push(from address: UInt, length: Int) -> Bool {
        guard count < MessageQueueObject.capacity, length <= ipcMessageLimit else { return false }
        let slot = (head + count) % MessageQueueObject.capacity
        copyIn(slot: slot, from: address, length: length)
        count += 1
        return true
    }

    /// Copies the oldest message out to `address` (at most `capacity` bytes); returns its full length, nil when empty.
    public mutating func pop(to address: UInt, capacity: Int) -> Int? {
        guard count > 0 else { return nil }
        let length = Int(lengths[head])
        let n = min(length, capacity)
        if n > 0, let destination = UnsafeMutablePointer<UInt8>(bitPattern: address) {
            var i = 0
            while i < n {
                destination[i] = storage[head * ipcMessageLimit + i]
                i += 1
            }
        }
        head = (head + 1) % MessageQueueObject.capacity
        count -= 1
        return length
    }

    private mutating func copyIn(slot: Int, from address: UInt, length: Int) {
        if length > 0, let source = UnsafePointer<UInt8>(bitPattern: address) {
            var i = 0
            while i < length {
                storage[slot * ipcMessageLimit + i] = source[i]
                i += 1
            }
        }
        lengths[slot] = UInt8(length)
    }
}
