// The kernel's per-task record: state, timing, budget accounting and IPC bookkeeping.

/// What a task is doing.
public enum TaskState: UInt8, Sendable {
    /// Not declared (unused table slot).
    case unused
    /// Waiting to be picked.
    case ready
    /// On the CPU.
    case running
    /// In `sleep(until:)` or waiting for its first release.
    case sleeping
    /// Finished its job; waiting for the next period.
    case waitingForPeriod
    /// Out of budget until its next period.
    case throttled
    /// In `call`, waiting for a server to receive.
    case blockedSend
    /// In `call`, received by a server, waiting for the reply.
    case blockedReply
    /// In `receive`, waiting for a caller.
    case blockedReceive
    /// In `wait` on a notification.
    case blockedNotification
    /// Sending to a full queue.
    case blockedQueueSend
    /// Receiving from an empty queue.
    case blockedQueueReceive
    /// Stopped after a fault.
    case faulted
    /// Returned from its entry function.
    case exited
}

/// Per-task kernel state (no pointers to other records: tasks are named by `TaskID`).
public struct TaskControlBlock: Sendable {
    /// Current state.
    public var state: TaskState = .unused
    /// Declared priority.
    public var basePriority = Priority.lowest
    /// Priority including inheritance from clients waiting on a server.
    public var effectivePriority = Priority.lowest
    /// Declared period (0 = released once).
    public var periodNs: UInt64 = 0
    /// Declared relative deadline.
    public var relativeDeadlineNs: UInt64 = 0
    /// Declared budget per period (0 = unlimited).
    public var budgetNs: UInt64 = 0
    /// May read the audit ring.
    public var privileged = false
    /// Declared offset of the first release from the start (a restart releases the task again this long
    /// after the restart).
    public internal(set) var offsetNs: UInt64 = 0
    /// Incremented (wrapping) each time the supervisor restarts the task; 0 for the first run.
    public internal(set) var generation: UInt16 = 0
    /// Release time of the current job.
    public var releaseNs: UInt64 = 0
    /// Absolute deadline of the current job.
    public var deadlineNs: UInt64 = UInt64.max
    /// Deadline including inheritance (EDF).
    public var effectiveDeadlineNs: UInt64 = UInt64.max
    /// Budget left in the current period.
    public var remainingBudgetNs: UInt64 = 0
    /// When the task was last put on the CPU.
    public var dispatchedAtNs: UInt64 = 0
    /// When a sleeping/throttled/period-waiting task wakes.
    public var wakeNs: UInt64 = 0
    /// CPU time used in total.
    public var cpuNs: UInt64 = 0
    /// Jobs finished (calls to `waitForNextPeriod`).
    public var jobsCompleted: UInt32 = 0
    /// Jobs that finished after their deadline.
    public var deadlineMisses: UInt32 = 0
    /// Times the budget ran out.
    public var budgetOverruns: UInt32 = 0

    // IPC bookkeeping.
    /// The object the task is blocked on: an index into the table its state names (endpoint, notification or
    /// queue; in `blockedReply`, the server's `TaskID`). Read together with `state`, never alone.
    public var blockedOn: UInt8 = 0
    /// In `blockedNotification`: also in the timed heap until `wakeNs` (a `waitUntil`).
    public var waitTimed = false
    /// The message buffer of a blocked call/send, or the receive buffer of a blocked receive.
    public var bufferAddress: UInt = 0
    /// Length of the message in `bufferAddress` (send side) or capacity (receive side).
    public var bufferLength: Int = 0
    /// Where a caller wants its reply.
    public var replyAddress: UInt = 0
    /// Capacity of the reply buffer.
    public var replyCapacity: Int = 0
    /// The badge of the capability a blocked caller used.
    public var callBadge: UInt64 = 0
    /// For a server: the client whose call it is handling.
    public var servingClient: TaskID? = nil
    /// For a server: the endpoint it last received on (its callers' urgency is inherited).
    public var servedEndpoint: EndpointID? = nil
    /// Whether the task's endpoint IPC is a short one (`callShort`, `receiveShort`, `replyReceiveShort`): its
    /// message and its reply or received message are in `shortWords`, not in buffers. Set by each endpoint call.
    public var shortIPC = false
    /// A short message: the one a blocked `callShort` sends (then the reply it gets), or the one a short receive
    /// got. Written to the task's registers x2-x5 / a2-a5 with its result when `resultHasWords`.
    public var shortWords = MessageWords()

    /// Values the task gets in its first two result registers when it next runs.
    public var result0: Int64 = 0
    /// Second result register.
    public var result1: UInt64 = 0
    /// What must be written to the task's registers before it runs: nothing (0), `result0`/`result1` (1), or
    /// those and `shortWords` (2: a short message was delivered to it). One byte, so that setting a result is
    /// one store.
    public var pendingResult: UInt8 = 0
    /// Whether `result0`/`result1` must be written to the task's registers before it runs.
    public var hasPendingResult: Bool { pendingResult != 0 }
    /// Whether the pending result also carries `shortWords`.
    public var resultHasWords: Bool { pendingResult == 2 }

    /// An unused record.
    public init() {}

    /// The urgency a scheduling policy orders this task by.
    public var urgency: Urgency { Urgency(priority: effectivePriority, deadlineNs: effectiveDeadlineNs) }
}
