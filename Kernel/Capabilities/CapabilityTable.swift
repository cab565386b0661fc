// Every task's capability slots in one table, their derivation tree (seL4's CDT, kept small) and the audit ring.

/// One slot: the capability it holds, if any, and its links in the derivation tree (global slot indices).
struct DerivationNode: Sendable {
    /// The link value meaning "no slot".
    static let none: UInt16 = .max
    /// An empty, unlinked slot.
    static let empty = DerivationNode(
        capability: nil, parent: none, firstChild: none, nextSibling: none, previousSibling: none)

    /// The capability held, or nil when the slot is empty.
    var capability: Capability?
    /// The slot this capability was derived from; `none` for a root.
    var parent: UInt16
    /// The first of the capabilities derived from this one.
    var firstChild: UInt16
    /// The next capability with the same parent (roots have no siblings).
    var nextSibling: UInt16
    /// The previous capability with the same parent.
    var previousSibling: UInt16
}

/// The kernel's capability table: `slotsPerTask` slots for each of `TaskID.capacity` tasks, the derivation
/// tree linking every derived capability to the one it came from, and the audit ring. Tasks name
/// capabilities only by slot index, so they cannot forge them; every grant, removal and denial is audited.
public struct CapabilityTable: Sendable {
    /// Slots each task owns.
    public static let slotsPerTask = 16
    /// Slots in the whole table (`TaskID.capacity * slotsPerTask`).
    public static let slotCount = 1024

    /// The slots, task by task: slot `s` of task `t` is at `t * slotsPerTask + s`.
    var nodes = InlineArray<1024, DerivationNode>(repeating: .empty)
    /// Every grant, removal and denial, newest last.
    public private(set) var audit = AuditRing()

    /// A table with every slot empty.
    public init() {}

    // MARK: Reading without checks

    /// The kind of object the capability in `ref` names, nil when the slot is empty or invalid; not audited;
    /// O(1). (`mutating` only so that the kernel's trap path reads the table in place instead of copying it.)
    public mutating func kind(at ref: SlotRef) -> ObjectKind? {
        guard let i = CapabilityTable.index(of: ref) else { return nil }
        return nodes[i].capability?.object.kind
    }

    /// `capability(at:)` for the kernel's trap path: `mutating` only so that the table is read in place (a
    /// borrowed read copies the whole table, 24 KB, first).
    public mutating func peek(_ ref: SlotRef) -> Capability? {
        guard let i = CapabilityTable.index(of: ref) else { return nil }
        return nodes[i].capability
    }

    /// The capability in `ref`, or nil when the slot is empty or invalid; for the kernel itself, not audited; O(1).
    public func capability(at ref: SlotRef) -> Capability? {
        guard let i = CapabilityTable.index(of: ref) else { return nil }
        return nodes[i].capability
    }

    /// The slot `ref`'s capability was derived from, or nil for a root, an empty or an invalid slot; O(1).
    public func parent(of ref: SlotRef) -> SlotRef? {
        guard let i = CapabilityTable.index(of: ref) else { return nil }
        let p = nodes[i].parent
        return p == DerivationNode.none ? nil : CapabilityTable.slotRef(Int(p))
    }

    // MARK: Operations

    /// Installs a boot-time original (a derivation root) in an empty slot; audited; O(1).
    public mutating func install(_ cap: Capability, at ref: SlotRef) throws(CapabilityError) {
        let actor = AuditEntry.kernelActor
        guard let i = CapabilityTable.index(of: ref) else { throw deny(.invalidSlot, .install, ref, actor) }
        guard nodes[i].capability == nil else { throw deny(.slotOccupied, .install, ref, actor) }
        nodes[i].capability = cap
        audit.append(actor: actor, operation: .install, slot: ref, outcome: .granted)
    }

    /// The capability in `ref` if it names an object of `kind` and holds at least `rights`; O(1).
    /// A refusal is audited, a success is not (lookups are too frequent).
    // @implements SWR-KERN-CAP-1
    public mutating func lookup(
        _ ref: SlotRef, kind: ObjectKind, requiring rights: Rights, actor: TaskID
    ) throws(CapabilityError) -> Capability {
        guard let i = CapabilityTable.index(of: ref) else { throw deny(.invalidSlot, .lookup, ref, actor) }
        guard let cap = nodes[i].capability else { throw deny(.emptySlot, .lookup, ref, actor) }
        guard cap.object.kind == kind else { throw deny(.wrongObjectKind, .lookup, ref, actor) }
        guard cap.rights.isSuperset(of: rights) else { throw deny(.insufficientRights, .lookup, ref, actor) }
        return cap
    }

    /// Copies the capability in `from` (which needs `.grant`) into the empty slot `to`, as its child in the
    /// derivation tree with the same rights and badge; audited; O(1).
    public mutating func copy(from: SlotRef, to: SlotRef, actor: TaskID) throws(CapabilityError) {
        let (source, destination, cap) = try checkedTransfer(from: from, to: to, operation: .copy, actor: actor)
        derive(cap, from: source, to: destination)
        audit.append(actor: actor, operation: .copy, slot: to, outcome: .granted)
    }

    /// Derives into the empty slot `to` a child of the capability in `from` (which needs `.grant`) holding
    /// `rights ∩ source rights`. An unbadged source gives the child `badge` (0: unbadged); a badged source
    /// passes its own badge on and refuses any other non-zero `badge` with `.badgeAlreadySet`. Audited; O(1).
    public mutating func mint(
        from: SlotRef, to: SlotRef, rights: Rights, badge: UInt64, actor: TaskID
    ) throws(CapabilityError) {
        let (source, destination, cap) = try checkedTransfer(from: from, to: to, operation: .mint, actor: actor)
        if cap.isBadged && badge != 0 && badge != cap.badge {
            throw deny(.badgeAlreadySet, .mint, from, actor)
        }
        let child = Capability(
            object: cap.object, rights: rights.intersection(cap.rights), badge: cap.isBadged ? cap.badge : badge,
            generation: cap.generation)
        derive(child, from: source, to: destination)
        audit.append(actor: actor, operation: .mint, slot: to, outcome: .granted)
    }

    /// Moves the capability in `from` (which needs `.grant`) into the empty slot `to`; it keeps its place in
    /// the derivation tree (its parent, siblings and children now refer to `to`). Audited.
    /// O(k) for k direct children (each child's parent link is rewritten), O(1) for a leaf.
    public mutating func move(from: SlotRef, to: SlotRef, actor: TaskID) throws(CapabilityError) {
        let (source, destination, _) = try checkedTransfer(from: from, to: to, operation: .move, actor: actor)
        let node = nodes[source]
        let newIndex = UInt16(destination)
        nodes[destination] = node
        nodes[source] = .empty
        if node.previousSibling != DerivationNode.none {
            nodes[Int(node.previousSibling)].nextSibling = newIndex
        } else if node.parent != DerivationNode.none {
            nodes[Int(node.parent)].firstChild = newIndex
        }
        if node.nextSibling != DerivationNode.none {
            nodes[Int(node.nextSibling)].previousSibling = newIndex
        }
        var child = node.firstChild
        var steps = 0
        while child != DerivationNode.none && steps < CapabilityTable.slotCount {
            nodes[Int(child)].parent = newIndex
            child = nodes[Int(child)].nextSibling
            steps += 1
        }
        audit.append(actor: actor, operation: .move, slot: to, outcome: .granted)
    }

    /// Empties `ref`; capabilities derived from it move up to its parent (or become roots). No right is
    /// needed: a task may always drop what it holds. Audited. O(k) for k direct children, O(1) for a leaf.
    public mutating func delete(_ ref: SlotRef, actor: TaskID) throws(CapabilityError) {
        guard let i = CapabilityTable.index(of: ref) else { throw deny(.invalidSlot, .delete, ref, actor) }
        guard nodes[i].capability != nil else { throw deny(.emptySlot, .delete, ref, actor) }
        remove(i)
        audit.append(actor: actor, operation: .delete, slot: ref, outcome: .removed(1))
    }

    /// Deletes every capability derived, directly or not, from the one in `ref` (which stays), without
    /// recursion; returns how many were deleted. Audited once. O(d) for d descendants.
    @discardableResult
    public mutating func revoke(_ ref: SlotRef, actor: TaskID) throws(CapabilityError) -> Int {
        guard let root = CapabilityTable.index(of: ref) else { throw deny(.invalidSlot, .revoke, ref, actor) }
        guard nodes[root].capability != nil else { throw deny(.emptySlot, .revoke, ref, actor) }
        // Post-order walk: go down first children to a leaf, delete it, go back to its parent. Each
        // descendant is entered once and deleted once, so 2 * slotCount steps always suffice.
        var removed = 0
        var current = root
        var steps = 0
        while steps <= 2 * CapabilityTable.slotCount {
            steps += 1
            let child = nodes[current].firstChild
            if child != DerivationNode.none {
                current = Int(child)
                continue
            }
            if current == root { break }
            let parent = Int(nodes[current].parent)
            remove(current)
            removed += 1
            current = parent
        }
        audit.append(actor: actor, operation: .revoke, slot: ref, outcome: .removed(removed))
        return removed
    }

    /// Deletes every capability `task` holds (for a stopped task), each audited as a delete; returns how
    /// many. O(slotsPerTask + their direct children).
    @discardableResult
    public mutating func deleteAll(of task: TaskID, actor: TaskID = AuditEntry.kernelActor) -> Int {
        guard task.index < TaskID.capacity else { return 0 }
        var removed = 0
        var slot = 0
        while slot < CapabilityTable.slotsPerTask {
            let i = task.index * CapabilityTable.slotsPerTask + slot
            if nodes[i].capability != nil {
                remove(i)
                audit.append(actor: actor, operation: .delete, slot: CapabilityTable.slotRef(i), outcome: .removed(1))
                removed += 1
            }
            slot += 1
        }
        return removed
    }

    // MARK: Helpers

    /// The global index of a valid `ref`, or nil.
    static func index(of ref: SlotRef) -> Int? {
        guard ref.isValid else { return nil }
        return ref.task.index * slotsPerTask + ref.slot.index
    }

    /// The slot at global index `i`.
    static func slotRef(_ i: Int) -> SlotRef {
        SlotRef(task: TaskID(UInt8(i / slotsPerTask)), slot: CapSlot(UInt8(i % slotsPerTask)))
    }

    /// Audits a refusal and returns its error, for `throw deny(...)`.
    mutating func deny(_ error: CapabilityError, _ operation: AuditOperation, _ slot: SlotRef, _ actor: TaskID) -> CapabilityError {
        audit.append(actor: actor, operation: operation, slot: slot, outcome: .denied(error))
        return error
    }

    /// The global indices of a copy, mint or move and the source capability, after checking (and, on failure,
    /// auditing) that both slots are valid, the source holds a capability with `.grant` and the destination is empty.
    mutating func checkedTransfer(
        from: SlotRef, to: SlotRef, operation: AuditOperation, actor: TaskID
    ) throws(CapabilityError) -> (Int, Int, Capability) {
        guard let source = CapabilityTable.index(of: from) else { throw deny(.invalidSlot, operation, from, actor) }
        guard let destination = CapabilityTable.index(of: to) else { throw deny(.invalidSlot, operation, to, actor) }
        guard let cap = nodes[source].capability else { throw deny(.emptySlot, operation, from, actor) }
        guard cap.rights.contains(.grant) else { throw deny(.insufficientRights, operation, from, actor) }
        guard nodes[destination].capability == nil else { throw deny(.slotOccupied, operation, to, actor) }
        return (source, destination, cap)
    }

    /// Puts `cap` in the empty slot `destination` as the first child of `source`; O(1).
    mutating func derive(_ cap: Capability, from source: Int, to destination: Int) {
        let oldFirst = nodes[source].firstChild
        nodes[destination] = DerivationNode(
            capability: cap, parent: UInt16(source), firstChild: DerivationNode.none,
            nextSibling: oldFirst, previousSibling: DerivationNode.none)
        if oldFirst != DerivationNode.none {
            nodes[Int(oldFirst)].previousSibling = UInt16(destination)
        }
        nodes[source].firstChild = UInt16(destination)
    }

    /// Empties slot `i` and unlinks it; its children take its place under its parent, or become roots.
    mutating func remove(_ i: Int) {
        let node = nodes[i]
        let none = DerivationNode.none
        nodes[i] = .empty
        var child = node.firstChild
        var last = none
        var steps = 0
        if node.parent == none {
            // A root has no siblings; its children become roots, which have none either.
            while child != none && steps < CapabilityTable.slotCount {
                let next = nodes[Int(child)].nextSibling
                nodes[Int(child)].parent = none
                nodes[Int(child)].nextSibling = none
                nodes[Int(child)].previousSibling = none
                child = next
                steps += 1
            }
            return
        }
        // The children, in order, take the node's place in its parent's child list.
        while child != none && steps < CapabilityTable.slotCount {
            nodes[Int(child)].parent = node.parent
            last = child
            child = nodes[Int(child)].nextSibling
            steps += 1
        }
        let hasChildren = last != none
        if hasChildren {
            nodes[Int(node.firstChild)].previousSibling = node.previousSibling
            nodes[Int(last)].nextSibling = node.nextSibling
        }
        // What now follows the node's previous sibling, and what now precedes its next one.
        let head = hasChildren ? node.firstChild : node.nextSibling
        let tail = hasChildren ? last : node.previousSibling
        if node.previousSibling != none {
            nodes[Int(node.previousSibling)].nextSibling = head
        } else {
            nodes[Int(node.parent)].firstChild = head
        }
        if node.nextSibling != none {
            nodes[Int(node.nextSibling)].previousSibling = tail
        }
    }
}
