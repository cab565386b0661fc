// Capability system calls: looking up the object a slot names (every IPC operation starts here) and
// copy, mint, move, delete and revoke on the caller's CSpace; capability errors as system-call errors.

extension KernelState {
    // MARK: Lookup

    /// The object index named by `slot` in `caller`'s CSpace, if it is of `kind` with `rights`; else sets the error.
    // @implements SWR-KERN-CAP-1
    mutating func object(_ caller: TaskID, slot: UInt64, kind: ObjectKind, rights: Rights) -> (index: Int, badge: UInt64)? {
        guard slot < UInt64(CapabilityTable.slotsPerTask) else {
            finish(caller, error: .invalidCapability)
            return nil
        }
        do throws(CapabilityError) {
            let capability = try capabilities.lookup(SlotRef(task: caller, slot: CapSlot(UInt8(slot))), kind: kind,
                                                     requiring: rights, actor: caller)
            return (Int(capability.object.index), capability.badge)
        } catch {
            finish(caller, error: SyscallError(error))
            return nil
        }
    }

    /// The endpoint named by `slot` in `caller`'s CSpace, with the capability's badge; else sets the error.
    @inline(__always)
    mutating func endpoint(_ caller: TaskID, slot: UInt64, rights: Rights) -> (id: EndpointID, badge: UInt64)? {
        typedObject(caller, slot: slot, kind: .endpoint, rights: rights, capacity: KernelState.endpointCapacity)
    }

    /// The notification named by `slot` in `caller`'s CSpace, with the capability's badge; else sets the error.
    @inline(__always)
    mutating func notification(_ caller: TaskID, slot: UInt64, rights: Rights) -> (id: NotificationID, badge: UInt64)? {
        typedObject(caller, slot: slot, kind: .notification, rights: rights, capacity: KernelState.notificationCapacity)
    }

    /// The message queue named by `slot` in `caller`'s CSpace; else sets the error.
    @inline(__always)
    mutating func queue(_ caller: TaskID, slot: UInt64, rights: Rights) -> QueueID? {
        let found: (id: QueueID, badge: UInt64)? = typedObject(caller, slot: slot, kind: .queue, rights: rights,
                                                               capacity: KernelState.queueCapacity)
        return found?.id
    }

    /// `object`, typed, and inside its table (a capability naming an index past the table is refused like
    /// an empty slot).
    @inline(__always)
    private mutating func typedObject<ID: KernelObjectID>(_ caller: TaskID, slot: UInt64, kind: ObjectKind, rights: Rights,
                                                          capacity: Int) -> (id: ID, badge: UInt64)? {
        guard let (index, badge) = object(caller, slot: slot, kind: kind, rights: rights) else { return nil }
        guard index < capacity else {
            finish(caller, error: .invalidCapability)
            return nil
        }
        return (ID(UInt8(index)), badge)
    }

    // MARK: CSpace operations

    /// The destination task of a copy/mint: the caller itself (`Syscall.ownTaskSlot`) or the task named by a task
    /// capability with `.write`.
    mutating func destinationTask(_ caller: TaskID, taskSlot: UInt64) -> TaskID? {
        if taskSlot == Syscall.ownTaskSlot { return caller }
        guard let (t, _) = object(caller, slot: taskSlot, kind: .task, rights: .write) else { return nil }
        guard t < taskCount else {
            finish(caller, error: .invalidArgument)
            return nil
        }
        return TaskID(UInt8(t))
    }

    mutating func capabilityCall(_ call: Syscall, caller: TaskID, _ args: SyscallArguments) {
        let me = caller
        func slot(_ value: UInt64) -> CapSlot? { value < UInt64(CapabilityTable.slotsPerTask) ? CapSlot(UInt8(value)) : nil }
        guard let source = slot(args[0]) else {
            finish(caller, error: .invalidCapability)
            return
        }
        let from = SlotRef(task: me, slot: source)
        // Region capabilities are fixed at boot: the page tables were built from them.
        if capabilities.kind(at: from) == .memoryRegion {
            finish(caller, error: .invalidArgument)
            return
        }
        do throws(CapabilityError) {
            var removed = 0
            switch call {
            case .capCopy, .capMint:
                guard let target = destinationTask(caller, taskSlot: args[1]) else { return }
                guard let destination = slot(args[2]) else {
                    finish(caller, error: .invalidCapability)
                    return
                }
                let to = SlotRef(task: target, slot: destination)
                if call == .capCopy {
                    try capabilities.copy(from: from, to: to, actor: me)
                } else {
                    try capabilities.mint(from: from, to: to, rights: Rights(rawValue: UInt8(truncatingIfNeeded: args[3])),
                                          badge: args[4], actor: me)
                }
                stampGeneration(at: to)
            case .capMove:
                guard let destination = slot(args[1]) else {
                    finish(caller, error: .invalidCapability)
                    return
                }
                try capabilities.move(from: from, to: SlotRef(task: me, slot: destination), actor: me)
            case .capDelete:
                try capabilities.delete(from, actor: me)
            default:
                removed = try capabilities.revoke(from, actor: me)
            }
            finish(caller, Int64(removed), 0)
        } catch {
            finish(caller, error: SyscallError(error))
        }
    }
}

extension SyscallError {
    /// The system-call error for a capability-table error.
    public init(_ error: CapabilityError) {
        switch error {
        case .invalidSlot, .emptySlot: self = .invalidCapability
        case .slotOccupied: self = .slotOccupied
        case .wrongObjectKind: self = .wrongObject
        case .insufficientRights: self = .insufficientRights
        case .badgeAlreadySet: self = .badgeAlreadySet
        }
    }
}
