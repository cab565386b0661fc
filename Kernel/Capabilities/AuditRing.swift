// A bounded record of capability grants, removals and denials: the newest 64 entries, the oldest overwritten first.

/// The capability operation an audit entry records.
public enum AuditOperation: UInt8, Sendable {
    /// A boot-time original was installed.
    case install
    /// A capability was looked up for use (only failures are recorded).
    case lookup
    /// A capability was copied.
    case copy
    /// A capability was derived with fewer rights or a badge.
    case mint
    /// A capability was moved to another slot.
    case move
    /// A slot was emptied.
    case delete
    /// Every capability derived from one was deleted.
    case revoke
}

/// How an audited operation ended.
public enum AuditOutcome: Equatable, Sendable {
    /// A capability was installed, copied, minted or moved.
    case granted
    /// The operation was refused for this reason.
    case denied(CapabilityError)
    /// This many capabilities were deleted.
    case removed(Int)
}

/// One audited capability operation.
public struct AuditEntry: Equatable, Sendable {
    /// The actor recorded for what the kernel does on its own behalf (boot-time installs, clean-up).
    public static let kernelActor = TaskID(UInt8.max)

    /// The position of this entry among every entry ever appended (wraps after 2^32).
    public let sequence: UInt32
    /// The task that asked for the operation, or `kernelActor`.
    public let actor: TaskID
    /// What was asked for.
    public let operation: AuditOperation
    /// The slot acted on: the destination of a grant, the slot whose check failed for a denial.
    public let slot: SlotRef
    /// How it ended.
    public let outcome: AuditOutcome

    /// An entry with every field given.
    public init(sequence: UInt32, actor: TaskID, operation: AuditOperation, slot: SlotRef, outcome: AuditOutcome) {
        self.sequence = sequence
        self.actor = actor
        self.operation = operation
        self.slot = slot
        self.outcome = outcome
    }
}

/// The newest `capacity` audit entries in fixed storage; when full, appending overwrites the oldest.
public struct AuditRing: Sendable {
    /// The most entries held at once.
    public static let capacity = 64

    var storage = InlineArray<64, AuditEntry>(repeating: AuditEntry(
        sequence: 0, actor: AuditEntry.kernelActor, operation: .lookup,
        slot: SlotRef(task: AuditEntry.kernelActor, slot: 0), outcome: .granted))
    /// Storage index of the oldest entry held.
    var oldest = 0
    /// The number of entries held (at most `capacity`).
    public private(set) var count = 0
    /// Every entry ever appended, held or not.
    public private(set) var totalAppended: UInt64 = 0
    /// Entries overwritten before anyone could read them.
    public private(set) var lost: UInt64 = 0

    /// An empty ring.
    public init() {}

    /// Records an operation, stamping the next sequence number; O(1). Returns the entry.
    @discardableResult
    public mutating func append(actor: TaskID, operation: AuditOperation, slot: SlotRef, outcome: AuditOutcome) -> AuditEntry {
        let entry = AuditEntry(
            sequence: UInt32(truncatingIfNeeded: totalAppended), actor: actor,
            operation: operation, slot: slot, outcome: outcome)
        if count < AuditRing.capacity {
            storage[(oldest + count) % AuditRing.capacity] = entry
            count += 1
        } else {
            storage[oldest] = entry
            oldest = (oldest + 1) % AuditRing.capacity
            lost += 1
        }
        totalAppended += 1
        return entry
    }

    /// The `i`th entry held, oldest first (0 ..< `count`), or nil outside that range; O(1).
    public func entry(_ i: Int) -> AuditEntry? {
        guard i >= 0 && i < count else { return nil }
        return storage[(oldest + i) % AuditRing.capacity]
    }

    /// The newest entry, or nil when none was appended.
    public var latest: AuditEntry? { entry(count - 1) }
}
