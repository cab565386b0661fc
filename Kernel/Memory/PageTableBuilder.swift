// Builds page-table trees from memory ranges, into a fixed pool of 4 KiB pages (no allocation): the same
// code builds the boards' tables at boot and runs in the host tests, which walk the result back.

/// Why a range could not be mapped.
public enum MappingError: Error, Equatable, Sendable {
    /// Base or size not a multiple of 4 KiB, or size 0.
    case misaligned
    /// The range reaches past the 39-bit address space.
    case beyondAddressLimit
    /// Writable and executable at once (W^X).
    case writableAndExecutable
    /// Part of the range is mapped already.
    case alreadyMapped
    /// The page pool has no table left.
    case outOfTables
}

/// Pages for page tables: `capacity` 4 KiB-aligned pages at `base`, handed out in order and never freed
/// (the tables of a task set live until it ends; `reset` starts over for the next one).
public struct PageTablePool {
    /// The first page (4 KiB aligned; its address is also its physical address: memory is identity-mapped).
    public let base: UInt
    /// Pages in the pool.
    public let capacity: Int
    /// Pages handed out.
    public private(set) var used = 0

    /// A pool of `capacity` pages at `base` (4 KiB aligned).
    public init(base: UInt, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Hands out every page again (the tables built so far must no longer be in use).
    public mutating func reset() { used = 0 }

    /// A zeroed page, or nil when the pool is used up.
    mutating func take() -> UInt64? {
        guard used < capacity else { return nil }
        let address = base + UInt(used) * UInt(PageGeometry.pageSize)
        used += 1
        let words = UnsafeMutablePointer<UInt64>(bitPattern: address)!
        var i = 0
        while i < PageGeometry.entries {
            words[i] = 0
            i += 1
        }
        return UInt64(address)
    }
}

/// One translation tree (an address space), identity-mapped.
public struct PageTable<Format: PageTableFormat> {
    /// Physical address of the root table.
    public let root: UInt64

    /// A tree with an empty root taken from `pool`; nil when the pool is used up.
    public init?(pool: inout PageTablePool) {
        guard let page = pool.take() else { return nil }
        root = page
    }

    /// The tree whose root table is at `root` (for walking tables built elsewhere).
    public init(root: UInt64) { self.root = root }

    static func entries(_ table: UInt64) -> UnsafeMutablePointer<UInt64> {
        UnsafeMutablePointer<UInt64>(bitPattern: UInt(table))!
    }

    static func index(_ address: UInt64, level: Int) -> Int {
        Int((address >> UInt64(30 - 9 * level)) & 511)
    }

    /// Maps `range` (identity), with 2 MiB / 1 GiB blocks where alignment allows and `blocks` is set,
    /// 4 KiB pages elsewhere. Checks alignment, the address limit and W^X first; a range that meets an
    /// existing mapping fails with nothing after the overlap mapped (build from a validated plan).
    // @implements SWR-KERN-MEM-1
    public mutating func map(_ range: MemoryArea, pool: inout PageTablePool, blocks: Bool = false) throws(MappingError) {
        let page = PageGeometry.pageSize
        guard range.size > 0, range.base % page == 0, range.size % page == 0 else { throw .misaligned }
        guard range.base < PageGeometry.addressLimit, range.size <= PageGeometry.addressLimit - range.base else {
            throw .beyondAddressLimit
        }
        guard !range.access.violatesWXorX else { throw .writableAndExecutable }
        var address = range.base
        let end = range.base + range.size
        while address < end {
            var level = blocks ? 0 : 2
            while level < 2 {
                let span = PageGeometry.span(level: level)
                if address % span == 0 && end - address >= span { break }
                level += 1
            }
            try place(address, level: level, range: range, pool: &pool)
            address += PageGeometry.span(level: level)
        }
    }

    /// Writes the leaf for `address` at `level`, creating the tables above it.
    mutating func place(_ address: UInt64, level: Int, range: MemoryArea, pool: inout PageTablePool) throws(MappingError) {
        var table = root
        var l = 0
        while l < level {
            let slot = PageTable.entries(table) + PageTable.index(address, level: l)
            switch Format.decode(slot.pointee, level: l) {
            case .table(let next):
                table = next
            case .leaf:
                throw .alreadyMapped
            case .invalid:
                guard let next = pool.take() else { throw .outOfTables }
                slot.pointee = Format.tableEntry(next)
                table = next
            }
            l += 1
        }
        let slot = PageTable.entries(table) + PageTable.index(address, level: level)
        guard Format.decode(slot.pointee, level: level) == .invalid else { throw .alreadyMapped }
        slot.pointee = Format.leafEntry(address, level: level, access: range.access, type: range.type, owner: range.owner)
    }

    /// What `address` translates to: its physical address and the leaf's rights, or nil if unmapped.
    public func translate(_ address: UInt64) -> (physical: UInt64, access: MemoryAccess, type: MemoryType, owner: MemoryOwner)? {
        guard address < PageGeometry.addressLimit else { return nil }
        var table = root
        var level = 0
        while level < 3 {
            switch Format.decode(PageTable.entries(table)[PageTable.index(address, level: level)], level: level) {
            case .invalid:
                return nil
            case .table(let next):
                table = next
                level += 1
            case .leaf(let base, let access, let type, let owner):
                return (base + (address & (PageGeometry.span(level: level) - 1)), access, type, owner)
            }
        }
        return nil
    }

    /// The value for TTBR0_EL1 / satp that selects this tree under `asid`.
    public func translationBase(asid: UInt16) -> UInt64 { Format.translationBase(root: root, asid: asid) }
}
