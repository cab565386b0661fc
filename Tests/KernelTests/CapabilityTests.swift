// Capability table and audit ring: each operation and error, exact audit entries, and seeded random sequences against a model.

import Testing
@testable import Kernel

/// Slot `slot` of task `task`.
private func ref(_ task: UInt8, _ slot: UInt8) -> SlotRef { SlotRef(task: TaskID(task), slot: CapSlot(slot)) }

private let t0 = TaskID(0)
private let t1 = TaskID(1)
private let readWrite = Rights.read.union(.write)
private let readGrant = Rights.read.union(.grant)
private let endpoint0 = ObjectRef(kind: .endpoint, index: 0)
private let allSlots = Array(0..<CapabilityTable.slotCount)

/// The global index of `ref` as the tests compute it (nil outside the table).
private func globalIndex(_ ref: SlotRef) -> Int? {
    guard ref.task.index < TaskID.capacity, ref.slot.index < CapabilityTable.slotsPerTask else { return nil }
    return ref.task.index * CapabilityTable.slotsPerTask + ref.slot.index
}

/// The slot at global index `i`.
private func slotRef(_ i: Int) -> SlotRef {
    SlotRef(task: TaskID(UInt8(i / CapabilityTable.slotsPerTask)), slot: CapSlot(UInt8(i % CapabilityTable.slotsPerTask)))
}

/// Checks the newest audit entry field by field; its sequence must be the last one appended.
private func expectLatest(
    _ table: CapabilityTable, _ actor: TaskID, _ operation: AuditOperation, _ slot: SlotRef, _ outcome: AuditOutcome,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let expected = AuditEntry(
        sequence: UInt32(table.audit.totalAppended - 1), actor: actor, operation: operation, slot: slot, outcome: outcome)
    #expect(table.audit.latest == expected, sourceLocation: sourceLocation)
}

/// The first broken rule of the derivation tree over the slots `slots` (global indices), or nil:
/// empty slots are unlinked; roots have no siblings; a child names its parent, has its parent's object,
/// no more rights and the parent's badge if it had one; child lists are doubly linked and end; every
/// occupied slot is reached exactly once from the roots (no cycles, nothing detached).
/// (`inout` only to read in place: at -Onone a by-value table is copied element by element.)
private func treeViolation(_ table: inout CapabilityTable, slots: [Int]) -> String? {
    let none = DerivationNode.none
    let inSet = Set(slots)
    var occupied = 0
    for i in slots {
        let node = table.nodes[i]
        guard let cap = node.capability else {
            if node.parent != none || node.firstChild != none || node.nextSibling != none || node.previousSibling != none {
                return "empty slot \(i) is still linked"
            }
            continue
        }
        occupied += 1
        if node.parent == none {
            if node.nextSibling != none || node.previousSibling != none { return "root \(i) has siblings" }
        } else {
            let p = Int(node.parent)
            guard inSet.contains(p), let parentCap = table.nodes[p].capability else { return "slot \(i): parent \(p) is empty" }
            if cap.object != parentCap.object { return "slot \(i) names another object than its parent \(p)" }
            if !parentCap.rights.isSuperset(of: cap.rights) { return "slot \(i) has more rights than its parent \(p)" }
            if parentCap.isBadged && cap.badge != parentCap.badge { return "slot \(i) lost its parent's badge" }
        }
        var previous = none
        var child = node.firstChild
        var steps = 0
        while child != none {
            steps += 1
            if steps > CapabilityTable.slotCount { return "child list of \(i) does not end" }
            guard inSet.contains(Int(child)) else { return "slot \(i) links to unused slot \(child)" }
            let childNode = table.nodes[Int(child)]
            if childNode.parent != UInt16(i) { return "child \(child) of \(i) names parent \(childNode.parent)" }
            if childNode.previousSibling != previous { return "child \(child) of \(i): previous sibling is wrong" }
            previous = child
            child = childNode.nextSibling
        }
    }
    var visited = Set<Int>()
    var reached = 0
    for root in slots where table.nodes[root].capability != nil && table.nodes[root].parent == none {
        var stack = [root]
        while let j = stack.popLast() {
            if !visited.insert(j).inserted { return "slot \(j) is reached twice" }
            reached += 1
            var child = table.nodes[j].firstChild
            while child != none {
                stack.append(Int(child))
                child = table.nodes[Int(child)].nextSibling
            }
        }
    }
    if reached != occupied { return "\(occupied - reached) occupied slots are not reachable from a root" }
    return nil
}

/// The first capability among `slots` whose object, rights or badge did not come from one of `roots`, or nil.
private func originViolation(_ table: inout CapabilityTable, slots: [Int], roots: [Capability]) -> String? {
    for i in slots {
        guard let cap = table.nodes[i].capability else { continue }
        guard let root = roots.first(where: { $0.object == cap.object }) else { return "slot \(i) names an object no root named" }
        if !root.rights.isSuperset(of: cap.rights) { return "slot \(i) has rights its root lacks" }
        if root.isBadged && cap.badge != root.badge { return "slot \(i) changed its root's badge" }
    }
    return nil
}

/// What one operation did: nothing returned, a refusal, a count removed, or a capability found.
private enum StepResult: Equatable {
    case done
    case refused(CapabilityError)
    case removed(Int)
    case found(Capability)
}

/// A plain reference model: each slot's capability and the global index of its derivation parent.
private struct CapabilityModel {
    var caps = [Capability?](repeating: nil, count: CapabilityTable.slotCount)
    var parents = [Int?](repeating: nil, count: CapabilityTable.slotCount)
    /// The slots the random test uses; no other slot is ever filled.
    let used: [Int]

    /// The refusal (and the slot it names) a copy, mint or move from `from` to `to` must get, or nil.
    func transferRefusal(_ from: SlotRef, _ to: SlotRef) -> (CapabilityError, SlotRef)? {
        guard let f = globalIndex(from) else { return (.invalidSlot, from) }
        guard let t = globalIndex(to) else { return (.invalidSlot, to) }
        guard let cap = caps[f] else { return (.emptySlot, from) }
        guard cap.rights.contains(.grant) else { return (.insufficientRights, from) }
        guard caps[t] == nil else { return (.slotOccupied, to) }
        return nil
    }

    /// Every slot whose ancestors include `i`.
    func descendants(of i: Int) -> [Int] {
        used.filter { j in
            var p = parents[j]
            while let q = p {
                if q == i { return true }
                p = parents[q]
            }
            return false
        }
    }

    mutating func derive(_ cap: Capability, from f: Int, to t: Int) {
        caps[t] = cap
        parents[t] = f
    }

    mutating func move(from f: Int, to t: Int) {
        caps[t] = caps[f]
        parents[t] = parents[f]
        caps[f] = nil
        parents[f] = nil
        for j in used where parents[j] == f { parents[j] = t }
    }

    mutating func delete(_ i: Int) {
        for j in used where parents[j] == i { parents[j] = parents[i] }
        caps[i] = nil
        parents[i] = nil
    }
}

/// Runs `body`, returning the capability error it threw, or nil.
private func refusal(_ body: () throws(CapabilityError) -> Void) -> CapabilityError? {
    do { try body() } catch { return error }
    return nil
}

@Suite struct CapabilityTests {
    @Test func sizesAndRights() {
        #expect(CapabilityTable.slotCount == TaskID.capacity * CapabilityTable.slotsPerTask)
        #expect(Rights(rawValue: 0xFF) == .all)
        #expect(Rights.all.contains(.read) && Rights.all.contains(.write) && Rights.all.contains(.grant))
        #expect(Rights.read.union(.write).union(.grant) == .all)
        #expect(readGrant.intersection(readWrite) == .read)
        #expect(Rights().isEmpty && !Rights.read.isEmpty)
        #expect(!readWrite.isSuperset(of: .grant))
        #expect(!ref(64, 0).isValid && !ref(0, 16).isValid && ref(63, 15).isValid)
    }

    @Test func installThenLookup() throws {
        var table = CapabilityTable()
        let cap = Capability(object: endpoint0, rights: .all)
        try table.install(cap, at: ref(0, 0))
        #expect(table.audit.totalAppended == 1)
        expectLatest(table, AuditEntry.kernelActor, .install, ref(0, 0), .granted)
        #expect(table.parent(of: ref(0, 0)) == nil)

        let found = try table.lookup(ref(0, 0), kind: .endpoint, requiring: readWrite, actor: t0)
        #expect(found == cap)
        #expect(table.audit.totalAppended == 1, "a successful lookup is not audited")
    }

    @Test func installRefusals() throws {
        var table = CapabilityTable()
        let cap = Capability(object: endpoint0, rights: .all)
        try table.install(cap, at: ref(0, 0))
        #expect(throws: CapabilityError.slotOccupied) { try table.install(cap, at: ref(0, 0)) }
        expectLatest(table, AuditEntry.kernelActor, .install, ref(0, 0), .denied(.slotOccupied))
        #expect(throws: CapabilityError.invalidSlot) { try table.install(cap, at: ref(0, 16)) }
        expectLatest(table, AuditEntry.kernelActor, .install, ref(0, 16), .denied(.invalidSlot))
        #expect(table.audit.totalAppended == 3)
    }

    @Test func lookupDenialsAreAudited() throws {
        var table = CapabilityTable()
        try table.install(Capability(object: endpoint0, rights: .read), at: ref(0, 0))
        let cases: [(SlotRef, ObjectKind, Rights, CapabilityError)] = [
            (ref(64, 0), .endpoint, .read, .invalidSlot),
            (ref(0, 16), .endpoint, .read, .invalidSlot),
            (ref(0, 1), .endpoint, .read, .emptySlot),
            (ref(0, 0), .queue, .read, .wrongObjectKind),
            (ref(0, 0), .endpoint, .write, .insufficientRights),
            (ref(0, 0), .endpoint, readGrant, .insufficientRights),
        ]
        for (slot, kind, rights, error) in cases {
            #expect(throws: error) { _ = try table.lookup(slot, kind: kind, requiring: rights, actor: t1) }
            expectLatest(table, t1, .lookup, slot, .denied(error))
        }
        #expect(table.audit.totalAppended == 1 + UInt64(cases.count))
    }

    @Test func copyDerivesAChild() throws {
        var table = CapabilityTable()
        let root = Capability(object: endpoint0, rights: .all, badge: 7)
        try table.install(root, at: ref(0, 0))
        try table.copy(from: ref(0, 0), to: ref(1, 3), actor: t0)
        #expect(table.capability(at: ref(1, 3)) == root)
        #expect(table.parent(of: ref(1, 3)) == ref(0, 0))
        expectLatest(table, t0, .copy, ref(1, 3), .granted)
        try table.copy(from: ref(1, 3), to: ref(2, 0), actor: t1)
        #expect(table.parent(of: ref(2, 0)) == ref(1, 3))
        expectLatest(table, t1, .copy, ref(2, 0), .granted)
        #expect(treeViolation(&table, slots: allSlots) == nil)
    }

    @Test func copyRefusals() throws {
        var table = CapabilityTable()
        try table.install(Capability(object: endpoint0, rights: .all), at: ref(0, 0))
        try table.install(Capability(object: endpoint0, rights: readWrite), at: ref(0, 1))
        let cases: [(SlotRef, SlotRef, CapabilityError, SlotRef)] = [
            (ref(64, 0), ref(0, 5), .invalidSlot, ref(64, 0)),
            (ref(0, 0), ref(0, 200), .invalidSlot, ref(0, 200)),
            (ref(0, 2), ref(0, 5), .emptySlot, ref(0, 2)),
            (ref(0, 1), ref(0, 5), .insufficientRights, ref(0, 1)),
            (ref(0, 0), ref(0, 1), .slotOccupied, ref(0, 1)),
        ]
        for (from, to, error, blamed) in cases {
            #expect(throws: error) { try table.copy(from: from, to: to, actor: t0) }
            expectLatest(table, t0, .copy, blamed, .denied(error))
        }
        #expect(table.capability(at: ref(0, 5)) == nil)
        #expect(table.capability(at: ref(0, 1))?.rights == readWrite)
        #expect(treeViolation(&table, slots: allSlots) == nil)
    }

    @Test func mintNarrowsRightsAndSetsBadgesOnce() throws {
        var table = CapabilityTable()
        try table.install(Capability(object: endpoint0, rights: .all), at: ref(0, 0))
        try table.mint(from: ref(0, 0), to: ref(0, 1), rights: readWrite, badge: 5, actor: t0)
        #expect(table.capability(at: ref(0, 1)) == Capability(object: endpoint0, rights: readWrite, badge: 5))
        #expect(table.parent(of: ref(0, 1)) == ref(0, 0))
        expectLatest(table, t0, .mint, ref(0, 1), .granted)

        // Without grant nothing can be derived, not even fewer rights.
        #expect(throws: CapabilityError.insufficientRights) {
            try table.mint(from: ref(0, 1), to: ref(0, 2), rights: .read, badge: 0, actor: t0)
        }
        expectLatest(table, t0, .mint, ref(0, 1), .denied(.insufficientRights))

        // Asking for more than the source holds yields only what it holds.
        let queue = ObjectRef(kind: .queue, index: 3)
        try table.install(Capability(object: queue, rights: readGrant), at: ref(1, 0))
        try table.mint(from: ref(1, 0), to: ref(1, 1), rights: .all, badge: 9, actor: t1)
        #expect(table.capability(at: ref(1, 1)) == Capability(object: queue, rights: readGrant, badge: 9))

        // A badged source keeps its badge: 0 and the same badge are accepted, another one is refused.
        try table.mint(from: ref(1, 1), to: ref(1, 2), rights: .all, badge: 0, actor: t1)
        #expect(table.capability(at: ref(1, 2))?.badge == 9)
        try table.mint(from: ref(1, 1), to: ref(1, 3), rights: .read, badge: 9, actor: t1)
        #expect(table.capability(at: ref(1, 3)) == Capability(object: queue, rights: .read, badge: 9))
        #expect(throws: CapabilityError.badgeAlreadySet) {
            try table.mint(from: ref(1, 1), to: ref(1, 4), rights: .read, badge: 10, actor: t1)
        }
        expectLatest(table, t1, .mint, ref(1, 1), .denied(.badgeAlreadySet))
        #expect(table.capability(at: ref(1, 4)) == nil)

        // Copy, mint and move share the slot checks.
        #expect(throws: CapabilityError.slotOccupied) {
            try table.mint(from: ref(1, 0), to: ref(1, 1), rights: .read, badge: 0, actor: t1)
        }
        expectLatest(table, t1, .mint, ref(1, 1), .denied(.slotOccupied))
        #expect(treeViolation(&table, slots: allSlots) == nil)
    }

    @Test func moveKeepsThePlaceInTheTree() throws {
        var table = CapabilityTable()
        try table.install(Capability(object: endpoint0, rights: .all), at: ref(0, 0))
        try table.copy(from: ref(0, 0), to: ref(0, 1), actor: t0)  // A
        try table.copy(from: ref(0, 0), to: ref(0, 2), actor: t0)  // B, A's sibling
        try table.copy(from: ref(0, 1), to: ref(1, 0), actor: t0)  // C, child of A
        try table.copy(from: ref(0, 1), to: ref(1, 1), actor: t0)  // D, child of A
        try table.move(from: ref(0, 1), to: ref(2, 5), actor: t1)
        expectLatest(table, t1, .move, ref(2, 5), .granted)
        #expect(table.capability(at: ref(0, 1)) == nil)
        #expect(table.parent(of: ref(2, 5)) == ref(0, 0))
        #expect(table.parent(of: ref(1, 0)) == ref(2, 5))
        #expect(table.parent(of: ref(1, 1)) == ref(2, 5))
        #expect(treeViolation(&table, slots: allSlots) == nil)

        // Its former children are still its descendants.
        #expect(try table.revoke(ref(2, 5), actor: t1) == 2)
        #expect(table.capability(at: ref(0, 2)) != nil)

        // A root moves as a root, its children follow.
        try table.move(from: ref(0, 0), to: ref(3, 0), actor: t0)
        #expect(table.parent(of: ref(3, 0)) == nil)
        #expect(table.parent(of: ref(2, 5)) == ref(3, 0))
        #expect(table.parent(of: ref(0, 2)) == ref(3, 0))
        #expect(treeViolation(&table, slots: allSlots) == nil)

        try table.mint(from: ref(3, 0), to: ref(3, 1), rights: .read, badge: 0, actor: t0)
        #expect(throws: CapabilityError.insufficientRights) { try table.move(from: ref(3, 1), to: ref(3, 2), actor: t0) }
        expectLatest(table, t0, .move, ref(3, 1), .denied(.insufficientRights))
        #expect(throws: CapabilityError.slotOccupied) { try table.move(from: ref(3, 0), to: ref(3, 0), actor: t0) }
        expectLatest(table, t0, .move, ref(3, 0), .denied(.slotOccupied))
    }

    @Test func deleteReparentsChildren() throws {
        var table = CapabilityTable()
        try table.install(Capability(object: endpoint0, rights: .all), at: ref(0, 0))  // R
        try table.copy(from: ref(0, 0), to: ref(0, 1), actor: t0)  // A
        try table.copy(from: ref(0, 0), to: ref(0, 4), actor: t0)  // A's sibling
        try table.copy(from: ref(0, 1), to: ref(0, 2), actor: t0)  // C under A
        try table.copy(from: ref(0, 1), to: ref(0, 3), actor: t0)  // D under A
        try table.delete(ref(0, 1), actor: t1)
        expectLatest(table, t1, .delete, ref(0, 1), .removed(1))
        #expect(table.capability(at: ref(0, 1)) == nil)
        #expect(table.parent(of: ref(0, 2)) == ref(0, 0))
        #expect(table.parent(of: ref(0, 3)) == ref(0, 0))
        #expect(treeViolation(&table, slots: allSlots) == nil)

        try table.delete(ref(0, 0), actor: t0)
        for slot: UInt8 in 2...4 { #expect(table.parent(of: ref(0, slot)) == nil, "slot \(slot) is a root now") }
        #expect(treeViolation(&table, slots: allSlots) == nil)

        #expect(throws: CapabilityError.emptySlot) { try table.delete(ref(0, 0), actor: t0) }
        expectLatest(table, t0, .delete, ref(0, 0), .denied(.emptySlot))
        #expect(throws: CapabilityError.invalidSlot) { try table.delete(ref(99, 0), actor: t0) }
        expectLatest(table, t0, .delete, ref(99, 0), .denied(.invalidSlot))
    }

    @Test func revokeRemovesEveryDescendantOnly() throws {
        var table = CapabilityTable()
        let other = ObjectRef(kind: .notification, index: 1)
        try table.install(Capability(object: endpoint0, rights: .all), at: ref(0, 0))  // R
        try table.copy(from: ref(0, 0), to: ref(1, 0), actor: t0)  // R > A
        try table.copy(from: ref(1, 0), to: ref(1, 1), actor: t0)  // A > C
        try table.copy(from: ref(1, 1), to: ref(1, 2), actor: t0)  // C > E
        try table.copy(from: ref(0, 0), to: ref(2, 0), actor: t0)  // R > B
        try table.install(Capability(object: other, rights: .all), at: ref(3, 0))  // S
        try table.copy(from: ref(3, 0), to: ref(3, 1), actor: t0)  // S > T

        #expect(try table.revoke(ref(1, 2), actor: t0) == 0)
        expectLatest(table, t0, .revoke, ref(1, 2), .removed(0))
        #expect(try table.revoke(ref(0, 0), actor: t1) == 4)
        expectLatest(table, t1, .revoke, ref(0, 0), .removed(4))
        #expect(table.capability(at: ref(0, 0)) != nil)
        for slot in [ref(1, 0), ref(1, 1), ref(1, 2), ref(2, 0)] { #expect(table.capability(at: slot) == nil) }
        #expect(table.capability(at: ref(3, 1)) != nil)
        #expect(table.nodes[0].firstChild == DerivationNode.none)
        #expect(treeViolation(&table, slots: allSlots) == nil)

        #expect(throws: CapabilityError.emptySlot) { try table.revoke(ref(1, 0), actor: t0) }
        expectLatest(table, t0, .revoke, ref(1, 0), .denied(.emptySlot))
        #expect(throws: CapabilityError.invalidSlot) { try table.revoke(ref(0, 99), actor: t0) }
        expectLatest(table, t0, .revoke, ref(0, 99), .denied(.invalidSlot))
    }

    @Test func longestChainIsRevokedWithoutRecursion() throws {
        var table = CapabilityTable()
        try table.install(Capability(object: endpoint0, rights: .all), at: slotRef(0))
        for i in 1..<CapabilityTable.slotCount {
            try table.copy(from: slotRef(i - 1), to: slotRef(i), actor: t0)
        }
        #expect(treeViolation(&table, slots: allSlots) == nil)
        try table.delete(slotRef(500), actor: t0)
        #expect(table.parent(of: slotRef(501)) == slotRef(499))
        #expect(try table.revoke(slotRef(0), actor: t0) == CapabilityTable.slotCount - 2)
        #expect(treeViolation(&table, slots: allSlots) == nil)
        #expect(table.audit.count == AuditRing.capacity)
        #expect(table.audit.lost == table.audit.totalAppended - UInt64(AuditRing.capacity))
    }

    @Test func deleteAllEmptiesOneTask() throws {
        var table = CapabilityTable()
        try table.install(Capability(object: endpoint0, rights: .all), at: ref(0, 0))
        try table.copy(from: ref(0, 0), to: ref(5, 0), actor: t0)
        try table.copy(from: ref(5, 0), to: ref(5, 7), actor: t0)
        try table.copy(from: ref(5, 7), to: ref(6, 0), actor: t0)
        #expect(table.deleteAll(of: TaskID(5)) == 2)
        expectLatest(table, AuditEntry.kernelActor, .delete, ref(5, 7), .removed(1))
        #expect(table.parent(of: ref(6, 0)) == ref(0, 0))
        #expect(table.deleteAll(of: TaskID(5)) == 0)
        #expect(table.deleteAll(of: TaskID(200)) == 0)
        #expect(treeViolation(&table, slots: allSlots) == nil)
    }

    @Test func auditRingOverwritesTheOldest() {
        var ring = AuditRing()
        #expect(ring.latest == nil && ring.entry(0) == nil && ring.count == 0)
        for i in 0..<70 {
            let entry = ring.append(actor: TaskID(UInt8(i % 64)), operation: .copy, slot: ref(0, 1), outcome: .granted)
            #expect(entry.sequence == UInt32(i))
        }
        #expect(ring.count == AuditRing.capacity)
        #expect(ring.totalAppended == 70)
        #expect(ring.lost == 6)
        #expect(ring.entry(0)?.sequence == 6)
        #expect(ring.entry(0)?.actor == TaskID(6))
        #expect(ring.entry(63) == ring.latest)
        #expect(ring.latest?.sequence == 69)
        #expect(ring.entry(64) == nil && ring.entry(-1) == nil)
        for i in 0..<AuditRing.capacity { #expect(ring.entry(i)?.sequence == UInt32(6 + i)) }
    }

    /// 10,000 seeded sequences of 12 random operations on four tasks' slots, each step checked against the
    /// model (result, audit entry, every slot's capability and parent) and against the tree invariants.
    // @verifies SWR-KERN-CAP-1
    @Test func randomSequencesKeepTheInvariants() {
        let tasks: [UInt8] = [0, 1, 2, 63]
        let used = tasks.flatMap { t in (0..<CapabilityTable.slotsPerTask).map { Int(t) * CapabilityTable.slotsPerTask + $0 } }
        var isUsed = [Bool](repeating: false, count: CapabilityTable.slotCount)
        for i in used { isUsed[i] = true }
        let sequences = 10_000
        let stepsPerSequence = 12
        var sequencesPassed = 0
        var revokesWithDescendants = 0
        var operationsRun = [String: Int]()

        sequenceLoop: for sequence in 0..<sequences {
            let seed = 0xCA9_0000 &+ UInt64(sequence)
            var rng = SplitMix64(seed: seed)
            var table = CapabilityTable()
            var model = CapabilityModel(used: used)

            // Three roots naming different objects, all able to grant.
            var roots: [Capability] = []
            for k in 0..<3 {
                let cap = Capability(
                    object: ObjectRef(kind: ObjectKind(rawValue: UInt8(rng.next() % 5))!, index: UInt8(k)),
                    rights: Rights.grant.union(Rights(rawValue: UInt8(rng.next() % 8))),
                    badge: rng.next() % 2 == 0 ? 0 : 1 + rng.next() % 3)
                var slot = used[Int(rng.next() % UInt64(used.count))]
                while model.caps[slot] != nil { slot = used[Int(rng.next() % UInt64(used.count))] }
                do throws(CapabilityError) { try table.install(cap, at: slotRef(slot)) } catch {
                    Issue.record("seed \(seed) (sequence \(sequence)): install failed: \(error)")
                    break sequenceLoop
                }
                model.caps[slot] = cap
                roots.append(cap)
            }

            for step in 0..<stepsPerSequence {
                let operation = RandomStep.random(&rng, model: model, tasks: tasks)
                operationsRun[operation.name, default: 0] += 1
                let appendedBefore = table.audit.totalAppended
                var revoked: [Int] = []
                if case .revoke(let at, _) = operation, let i = globalIndex(at), model.caps[i] != nil {
                    revoked = model.descendants(of: i)
                    if !revoked.isEmpty { revokesWithDescendants += 1 }
                }
                let (expected, expectedAudit) = operation.apply(to: &model)
                let actual = operation.apply(to: &table)

                var problem: String?
                if actual != expected {
                    problem = "\(operation): got \(actual), the model says \(expected)"
                } else if let expectedAudit {
                    let entry = AuditEntry(
                        sequence: UInt32(appendedBefore), actor: operation.actor, operation: expectedAudit.0,
                        slot: expectedAudit.1, outcome: expectedAudit.2)
                    if table.audit.totalAppended != appendedBefore + 1 || table.audit.latest != entry {
                        problem = "\(operation): audit entry \(String(describing: table.audit.latest)), expected \(entry)"
                    }
                } else if table.audit.totalAppended != appendedBefore {
                    problem = "\(operation): a successful lookup was audited"
                }
                problem = problem ?? modelViolation(&table, model)
                problem = problem ?? treeViolation(&table, slots: used)
                problem = problem ?? originViolation(&table, slots: used, roots: roots)
                if problem == nil, case .revoke(let at, _) = operation, let i = globalIndex(at) {
                    problem = revokeViolation(&table, revoked: i, descendants: revoked, slots: used)
                }
                if let problem {
                    Issue.record("seed \(seed) (sequence \(sequence)) step \(step): \(problem)")
                    break sequenceLoop
                }
            }
            for i in 0..<CapabilityTable.slotCount where !isUsed[i] && table.nodes[i].capability != nil {
                Issue.record("seed \(seed) (sequence \(sequence)): slot \(i) was filled but never named")
                break sequenceLoop
            }
            sequencesPassed += 1
        }
        // Every sequence ran, and the random mix reached every operation and non-trivial revokes.
        guard sequencesPassed == sequences else { return }
        #expect(operationsRun.count == 6 && operationsRun.values.allSatisfy { $0 > 10_000 }, "\(operationsRun)")
        #expect(revokesWithDescendants > 1_000)
    }
}

/// The first slot among the model's slots whose capability or parent differs from the model, or nil.
private func modelViolation(_ table: inout CapabilityTable, _ model: CapabilityModel) -> String? {
    for i in model.used {
        let node = table.nodes[i]
        let parent = node.parent == DerivationNode.none ? nil : Int(node.parent)
        if node.capability != model.caps[i] || parent != model.parents[i] {
            return "slot \(i) holds \(String(describing: node.capability)) under \(String(describing: parent)), "
                + "the model \(String(describing: model.caps[i])) under \(String(describing: model.parents[i]))"
        }
    }
    return nil
}

/// After revoking slot `revoked`: each of its former `descendants` is empty, it has no children, and no
/// occupied slot still has it as an ancestor; else what is wrong.
private func revokeViolation(_ table: inout CapabilityTable, revoked: Int, descendants: [Int], slots: [Int]) -> String? {
    for d in descendants where table.nodes[d].capability != nil { return "revoked descendant \(d) is still present" }
    if table.nodes[revoked].firstChild != DerivationNode.none { return "the revoked capability still has children" }
    for i in slots where table.nodes[i].capability != nil {
        var p = table.nodes[i].parent
        var hops = 0
        while p != DerivationNode.none && hops < CapabilityTable.slotCount {
            if Int(p) == revoked { return "slot \(i) still descends from the revoked slot" }
            p = table.nodes[Int(p)].parent
            hops += 1
        }
    }
    return nil
}

/// One random operation of the property test, with its arguments and actor.
private enum RandomStep: CustomStringConvertible {
    case copy(SlotRef, SlotRef, TaskID)
    case mint(SlotRef, SlotRef, Rights, UInt64, TaskID)
    case move(SlotRef, SlotRef, TaskID)
    case delete(SlotRef, TaskID)
    case revoke(SlotRef, TaskID)
    case lookup(SlotRef, ObjectKind, Rights, TaskID)

    /// Slots outside the table, used now and then.
    static let invalidRefs = [ref(64, 0), ref(1, 16), ref(255, 255)]

    /// A random operation: sources are mostly occupied slots, destinations any slot, 1 in 40 slots invalid.
    static func random(_ rng: inout SplitMix64, model: CapabilityModel, tasks: [UInt8]) -> RandomStep {
        func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func anySlot() -> SlotRef {
            below(40) == 0 ? invalidRefs[below(invalidRefs.count)] : slotRef(model.used[below(model.used.count)])
        }
        var from = anySlot()
        if below(5) != 0 {
            let occupied = model.used.filter { model.caps[$0] != nil }
            if !occupied.isEmpty { from = slotRef(occupied[below(occupied.count)]) }
        }
        let to = anySlot()
        let actor = TaskID(tasks[below(tasks.count)])
        let rights = Rights(rawValue: UInt8(below(8)))
        switch below(6) {
        case 0: return .copy(from, to, actor)
        case 1: return .mint(from, to, rights, below(2) == 0 ? 0 : UInt64(1 + below(3)), actor)
        case 2: return .move(from, to, actor)
        case 3: return .delete(from, actor)
        case 4: return .revoke(from, actor)
        default:
            // Half the lookups ask for the kind the slot holds, so some succeed.
            var kind = ObjectKind(rawValue: UInt8(below(5)))!
            if below(2) == 0, let i = globalIndex(from), let cap = model.caps[i] { kind = cap.object.kind }
            return .lookup(from, kind, rights, actor)
        }
    }

    var name: String {
        switch self {
        case .copy: "copy"
        case .mint: "mint"
        case .move: "move"
        case .delete: "delete"
        case .revoke: "revoke"
        case .lookup: "lookup"
        }
    }

    var actor: TaskID {
        switch self {
        case .copy(_, _, let a), .mint(_, _, _, _, let a), .move(_, _, let a), .delete(_, let a),
             .revoke(_, let a), .lookup(_, _, _, let a): a
        }
    }

    var description: String {
        switch self {
        case .copy(let f, let t, let a): "copy \(f) -> \(t) by \(a.raw)"
        case .mint(let f, let t, let r, let b, let a): "mint \(f) -> \(t) rights \(r.rawValue) badge \(b) by \(a.raw)"
        case .move(let f, let t, let a): "move \(f) -> \(t) by \(a.raw)"
        case .delete(let s, let a): "delete \(s) by \(a.raw)"
        case .revoke(let s, let a): "revoke \(s) by \(a.raw)"
        case .lookup(let s, let k, let r, let a): "lookup \(s) kind \(k) rights \(r.rawValue) by \(a.raw)"
        }
    }

    /// Runs the operation on the table.
    func apply(to table: inout CapabilityTable) -> StepResult {
        do throws(CapabilityError) {
            switch self {
            case .copy(let f, let t, let a): try table.copy(from: f, to: t, actor: a)
            case .mint(let f, let t, let r, let b, let a): try table.mint(from: f, to: t, rights: r, badge: b, actor: a)
            case .move(let f, let t, let a): try table.move(from: f, to: t, actor: a)
            case .delete(let s, let a): try table.delete(s, actor: a)
            case .revoke(let s, let a): return .removed(try table.revoke(s, actor: a))
            case .lookup(let s, let k, let r, let a): return .found(try table.lookup(s, kind: k, requiring: r, actor: a))
            }
            return .done
        } catch {
            return .refused(error)
        }
    }

    /// Runs the operation on the model: the result the table must give, and the operation, slot and outcome
    /// of the audit entry it must append (nil for a successful lookup).
    func apply(to model: inout CapabilityModel) -> (StepResult, (AuditOperation, SlotRef, AuditOutcome)?) {
        switch self {
        case .copy(let from, let to, _), .mint(let from, let to, _, _, _), .move(let from, let to, _):
            let operation: AuditOperation
            switch self {
            case .copy: operation = .copy
            case .mint: operation = .mint
            default: operation = .move
            }
            var refusal = model.transferRefusal(from, to)
            if refusal == nil, case .mint(_, _, _, let badge, _) = self, let cap = model.caps[globalIndex(from)!],
               cap.isBadged && badge != 0 && badge != cap.badge {
                refusal = (.badgeAlreadySet, from)
            }
            if let (error, blamed) = refusal { return (.refused(error), (operation, blamed, .denied(error))) }
            let f = globalIndex(from)!
            let t = globalIndex(to)!
            let cap = model.caps[f]!
            switch self {
            case .copy: model.derive(cap, from: f, to: t)
            case .mint(_, _, let rights, let badge, _):
                let child = Capability(
                    object: cap.object, rights: rights.intersection(cap.rights), badge: cap.isBadged ? cap.badge : badge)
                model.derive(child, from: f, to: t)
            default: model.move(from: f, to: t)
            }
            return (.done, (operation, to, .granted))
        case .delete(let at, _), .revoke(let at, _):
            let isDelete = if case .delete = self { true } else { false }
            let operation: AuditOperation = isDelete ? .delete : .revoke
            guard let i = globalIndex(at) else { return (.refused(.invalidSlot), (operation, at, .denied(.invalidSlot))) }
            guard model.caps[i] != nil else { return (.refused(.emptySlot), (operation, at, .denied(.emptySlot))) }
            if isDelete {
                model.delete(i)
                return (.done, (operation, at, .removed(1)))
            }
            let descendants = model.descendants(of: i)
            for d in descendants {
                model.caps[d] = nil
                model.parents[d] = nil
            }
            return (.removed(descendants.count), (operation, at, .removed(descendants.count)))
        case .lookup(let at, let kind, let rights, _):
            var error: CapabilityError?
            if let i = globalIndex(at) {
                if let cap = model.caps[i] {
                    if cap.object.kind != kind {
                        error = .wrongObjectKind
                    } else if !cap.rights.isSuperset(of: rights) {
                        error = .insufficientRights
                    } else {
                        return (.found(cap), nil)
                    }
                } else {
                    error = .emptySlot
                }
            } else {
                error = .invalidSlot
            }
            return (.refused(error!), (.lookup, at, .denied(error!)))
        }
    }
}
