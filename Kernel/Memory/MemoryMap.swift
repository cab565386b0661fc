// What a protection domain is made of: ranges of memory with their access rights and memory type,
// identity-mapped (virtual address = physical address) on every board.

/// What may be done with a range of memory: read, write, execute (bit set, no OptionSet: see BitFlags).
public struct MemoryAccess: BitFlags, Hashable, Sendable {
    /// Bits: 0 read, 1 write, 2 execute.
    public let rawValue: UInt8
    /// Access from a bit pattern; bits that name nothing are dropped.
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0b111 }
    /// Loads.
    public static let read = MemoryAccess(rawValue: 1)
    /// Stores.
    public static let write = MemoryAccess(rawValue: 2)
    /// Instruction fetches.
    public static let execute = MemoryAccess(rawValue: 4)
    /// Read and write (data, stacks, shared buffers, MMIO windows).
    public static let readWrite = MemoryAccess(rawValue: 3)
    /// Read and execute (code).
    public static let readExecute = MemoryAccess(rawValue: 5)
    /// Writable and executable at once: never mapped (W^X).
    public var violatesWXorX: Bool { contains(.write) && contains(.execute) }
}

/// The memory type of a range.
public enum MemoryType: UInt8, Sendable {
    /// RAM: cached, write-back (aarch64 MAIR index 1; riscv64: the PMA of RAM).
    case normal
    /// Device registers: aarch64 Device-nGnRE (MAIR index 0), never executable; riscv64: the PMA of I/O.
    case device
}

/// Who may use a mapping.
public enum MemoryOwner: UInt8, Sendable {
    /// Privileged only (EL1 / S-mode): the kernel.
    case kernel
    /// The task (EL0 / U-mode); on aarch64 the kernel can still execute user code pages (never write them).
    case user
}

/// One identity-mapped range: `base ..< base + size` (both multiples of 4 KiB) with its rights.
public struct MemoryArea: Equatable, Sendable {
    /// First byte (4 KiB aligned).
    public var base: UInt64
    /// Bytes (a multiple of 4 KiB, not 0).
    public var size: UInt64
    /// Rights of the owner.
    public var access: MemoryAccess
    /// Normal or device memory.
    public var type: MemoryType
    /// Kernel or task.
    public var owner: MemoryOwner

    /// A range; see the field docs for the alignment rules `PageTableBuilder.map` checks.
    public init(base: UInt64, size: UInt64, access: MemoryAccess, type: MemoryType = .normal, owner: MemoryOwner) {
        self.base = base
        self.size = size
        self.access = access
        self.type = type
        self.owner = owner
    }

    /// One past the last byte (saturating).
    public var end: UInt64 { base.addingReportingOverflow(size).overflow ? UInt64.max : base + size }

    /// Whether `address ..< address + length` lies inside this range (a zero length never does).
    public func contains(_ address: UInt64, length: UInt64) -> Bool {
        guard length > 0, address >= base else { return false }
        let (last, overflow) = address.addingReportingOverflow(length - 1)
        return !overflow && last < end
    }

    /// Whether the two ranges share a byte.
    public func overlaps(_ other: MemoryArea) -> Bool { base < other.end && other.base < end }
}

/// Page geometry shared by both architectures: 4 KiB pages, three levels of 512 entries, 39-bit
/// addresses (aarch64 T0SZ = 25 starting at level 1; riscv64 Sv39).
public enum PageGeometry {
    /// A page: 4 KiB.
    public static let pageSize: UInt64 = 4096
    /// Entries per table.
    public static let entries = 512
    /// Bytes one entry covers at level 0 (root, 1 GiB), 1 (2 MiB) and 2 (4 KiB).
    public static func span(level: Int) -> UInt64 { UInt64(1) << UInt64(30 - 9 * level) }
    /// Addresses at and above this are not translated (39 bits).
    public static let addressLimit: UInt64 = 1 << 39
    /// `value` rounded up to a whole page (saturating at the last page).
    public static func roundUp(_ value: UInt64) -> UInt64 {
        value > UInt64.max - (pageSize - 1) ? UInt64.max & ~(pageSize - 1) : (value + pageSize - 1) & ~(pageSize - 1)
    }
    /// `value` rounded down to a page boundary.
    public static func roundDown(_ value: UInt64) -> UInt64 { value & ~(pageSize - 1) }
}
