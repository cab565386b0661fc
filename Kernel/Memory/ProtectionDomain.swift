// A task's protection domain: the ranges it may touch, declared before the task set starts. The page-table
// builder maps exactly these (plus the kernel's privileged ranges), and the kernel checks every pointer a
// task passes against them, so the tables and the checks cannot disagree.

/// Why a range was not added to a domain.
public enum DomainError: Error, Equatable, Sendable {
    /// `ProtectionDomain.capacity` ranges already.
    case full
    /// Base or size not a multiple of 4 KiB, size 0, or past the end of the address space.
    case misaligned
    /// Writable and executable at once.
    case writableAndExecutable
    /// Shares a byte with a range the domain holds already.
    case overlaps
}

/// The ranges one task may touch (all owned by the user, checked when added).
public struct ProtectionDomain: Sendable {
    /// The most ranges a domain holds.
    public static var capacity: Int { 12 }
    var storage = InlineArray<12, MemoryArea>(repeating: MemoryArea(base: 0, size: 0, access: MemoryAccess(), owner: .user))
    /// Ranges held.
    public private(set) var count = 0

    /// An empty domain.
    public init() {}

    /// Range `i` (0 ..< count).
    public subscript(i: Int) -> MemoryArea { storage[i] }

    /// Adds `range` (made user-owned).
    // @implements SWR-KERN-MEM-1
    public mutating func add(_ range: MemoryArea) throws(DomainError) {
        var range = range
        range.owner = .user
        guard count < ProtectionDomain.capacity else { throw .full }
        let page = PageGeometry.pageSize
        guard range.size > 0, range.base % page == 0, range.size % page == 0,
              !range.base.addingReportingOverflow(range.size).overflow else { throw .misaligned }
        guard !range.access.violatesWXorX else { throw .writableAndExecutable }
        var i = 0
        while i < count {
            if storage[i].overlaps(range) { throw .overlaps }
            i += 1
        }
        storage[count] = range
        count += 1
    }

    /// The range that held the last access checked: looked at first next time (a task's system calls mostly
    /// name the same buffers). Only a hint: the range it names is checked like any other.
    var lastHit = 0

    /// Whether `address ..< address + length` lies inside one range that allows `access` (ranges never
    /// overlap, so at most one holds it). Length 0 is always allowed (nothing is touched). (`mutating` so that
    /// the ranges are read in place — a borrowed read of `storage[i]` copied all twelve ranges on every step of
    /// the loop — and to keep the hint.)
    // @implements SWR-KERN-MEM-2
    @inline(__always)
    public mutating func allows(_ address: UInt64, length: UInt64, _ access: MemoryAccess) -> Bool {
        if length == 0 { return true }
        let h = lastHit
        if h < count, address >= storage[h].base {
            let offset = address - storage[h].base
            if offset < storage[h].size && length <= storage[h].size - offset { return storage[h].access.contains(access) }
        }
        return search(address, length: length, access)
    }

    /// `allows` by looking at every range (and remembering the one that holds the access).
    mutating func search(_ address: UInt64, length: UInt64, _ access: MemoryAccess) -> Bool {
        var i = 0
        while i < count {
            if storage[i].contains(address, length: length) {
                lastHit = i
                return storage[i].access.contains(access)
            }
            i += 1
        }
        return false
    }

    /// `allows`, on a copy (for tools and tests that hold the domain as a constant).
    public func permits(_ address: UInt64, length: UInt64, _ access: MemoryAccess) -> Bool {
        var copy = self
        return copy.allows(address, length: length, access)
    }

    /// Maps every range into `table`.
    public func map<F: PageTableFormat>(into table: inout PageTable<F>, pool: inout PageTablePool) throws(MappingError) {
        var i = 0
        while i < count {
            try table.map(storage[i], pool: &pool)
            i += 1
        }
    }
}
