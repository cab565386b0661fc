// Capability values and the names around them: object kinds and references, slot references, errors.

/// The kinds of kernel object a capability can name.
public enum ObjectKind: UInt8, Sendable {
    /// A synchronous IPC endpoint.
    case endpoint
    /// An asynchronous notification word.
    case notification
    /// A message queue.
    case queue
    /// A task (start, stop, change its priority).
    case task
    /// The kernel's capability audit log.
    case auditLog
    /// A device interrupt line bound to a notification (acknowledge it to unmask the line).
    case interrupt
    /// A range of memory (shared buffer, MMIO window) mapped into the holder's address space at boot; read
    /// and write rights say how. Fixed once the task set runs: it cannot be copied, moved or deleted.
    case memoryRegion
}

/// One kernel object: its kind and its index in that kind's static table.
public struct ObjectRef: Equatable, Sendable {
    /// The kind of object.
    public let kind: ObjectKind
    /// The index in the kernel's table of objects of that kind.
    public let index: UInt8

    /// The object at `index` in the table of `kind`.
    public init(kind: ObjectKind, index: UInt8) {
        self.kind = kind
        self.index = index
    }
}

/// The right to use one object in some ways; only the kernel holds these values, tasks name them by slot.
public struct Capability: Equatable, Sendable {
    /// The object this capability names.
    public let object: ObjectRef
    /// What the holder may do with the object.
    public let rights: Rights
    /// A value the object's receiver sees to tell senders apart; 0 means unbadged.
    public let badge: UInt64
    /// For an endpoint: the endpoint's generation when this capability was granted (installed, copied or
    /// minted); a call through it fails once the endpoint's server generation has ended. 0 for other kinds.
    public let generation: UInt16

    /// A capability for `object` with `rights` and `badge` (0: unbadged), granted in endpoint `generation`.
    public init(object: ObjectRef, rights: Rights, badge: UInt64 = 0, generation: UInt16 = 0) {
        self.object = object
        self.rights = rights
        self.badge = badge
        self.generation = generation
    }

    /// Whether a badge is set (then every capability derived from this one carries it too).
    public var isBadged: Bool { badge != 0 }
}

/// A slot in a task's capability space: the task and the slot index (0 ..< `CapabilityTable.slotsPerTask`).
public struct SlotRef: Equatable, Hashable, Sendable {
    /// The task owning the slot.
    public let task: TaskID
    /// The slot within that task's slots.
    public let slot: CapSlot

    /// Slot `slot` of `task`.
    public init(task: TaskID, slot: CapSlot) {
        self.task = task
        self.slot = slot
    }

    /// Whether both the task and the slot index are inside the table.
    public var isValid: Bool {
        task.index < TaskID.capacity && slot.index < CapabilityTable.slotsPerTask
    }
}

/// Why the capability table refused an operation.
public enum CapabilityError: UInt8, Error, Equatable, Sendable {
    /// The task or the slot index is outside the table.
    case invalidSlot
    /// The slot holds no capability.
    case emptySlot
    /// The destination slot already holds a capability.
    case slotOccupied
    /// The capability names a different kind of object than the operation needs.
    case wrongObjectKind
    /// The capability lacks a right the operation needs.
    case insufficientRights
    /// The source is badged and a different badge was asked for.
    case badgeAlreadySet
}
