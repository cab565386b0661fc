// How a mapping is written into a page-table entry on each architecture: aarch64 VMSAv8-64 stage 1
// descriptors (4 KiB granule) and RISC-V Sv39 entries. Both are three-level trees of 512 entries.

/// One level's entry, read back (for checks and the host tests).
public enum PageTableEntry: Equatable, Sendable {
    /// Nothing mapped.
    case invalid
    /// A pointer to the next level's table at this physical address.
    case table(UInt64)
    /// A leaf (page or block) mapping this physical address with these rights.
    case leaf(UInt64, MemoryAccess, MemoryType, MemoryOwner)
}

/// An architecture's encoding of page-table entries.
public protocol PageTableFormat {
    /// The entry pointing at the next-level table at `address`.
    static func tableEntry(_ address: UInt64) -> UInt64
    /// The leaf at `level` (0: 1 GiB block, 1: 2 MiB block, 2: 4 KiB page) mapping `address`.
    static func leafEntry(_ address: UInt64, level: Int, access: MemoryAccess, type: MemoryType, owner: MemoryOwner) -> UInt64
    /// Reads an entry back.
    static func decode(_ entry: UInt64, level: Int) -> PageTableEntry
    /// The translation-base register value selecting the tree at `root` with address-space ID `asid`
    /// (TTBR0_EL1 / satp).
    static func translationBase(root: UInt64, asid: UInt16) -> UInt64
}

/// aarch64 stage 1, 4 KiB granule, T0SZ = 25 (the walk starts at level 1, which is our level 0).
/// MAIR_EL1 must hold Device-nGnRE at index 0 and Normal write-back at index 1. Every entry is
/// non-global (nG): each address space, the kernel's included, is tagged with its ASID.
public enum AArch64PageTables: PageTableFormat {
    static let valid: UInt64 = 1 << 0
    static let tableOrPage: UInt64 = 1 << 1
    static let accessFlag: UInt64 = 1 << 10
    static let notGlobal: UInt64 = 1 << 11
    static let innerShareable: UInt64 = 3 << 8
    static let el0Accessible: UInt64 = 1 << 6  // AP[1]
    static let readOnly: UInt64 = 1 << 7  // AP[2]
    static let privilegedExecuteNever: UInt64 = 1 << 53
    static let userExecuteNever: UInt64 = 1 << 54
    static let addressMask: UInt64 = 0x0000_FFFF_FFFF_F000

    public static func tableEntry(_ address: UInt64) -> UInt64 { (address & addressMask) | tableOrPage | valid }

    public static func leafEntry(_ address: UInt64, level: Int, access: MemoryAccess, type: MemoryType, owner: MemoryOwner) -> UInt64 {
        var entry = (address & addressMask) | valid | accessFlag | notGlobal
        if level == 2 { entry |= tableOrPage }
        switch type {
        case .normal: entry |= (1 << 2) | innerShareable  // AttrIndx 1
        case .device: break  // AttrIndx 0
        }
        if !access.contains(.write) { entry |= readOnly }
        let executable = access.contains(.execute) && type == .normal
        switch owner {
        case .kernel:
            entry |= userExecuteNever
            if !executable { entry |= privilegedExecuteNever }
        case .user:
            entry |= el0Accessible | privilegedExecuteNever
            if !executable { entry |= userExecuteNever }
        }
        return entry
    }

    public static func decode(_ entry: UInt64, level: Int) -> PageTableEntry {
        guard entry & valid != 0 else { return .invalid }
        if level < 2 && entry & tableOrPage != 0 { return .table(entry & addressMask) }
        if level == 2 && entry & tableOrPage == 0 { return .invalid }  // reserved encoding at level 3
        var access = MemoryAccess.read
        if entry & readOnly == 0 { access = access.union(.write) }
        let owner: MemoryOwner = entry & el0Accessible != 0 ? .user : .kernel
        let executeNever = owner == .user ? userExecuteNever : privilegedExecuteNever
        if entry & executeNever == 0 { access = access.union(.execute) }
        let type: MemoryType = (entry >> 2) & 7 == 1 ? .normal : .device
        return .leaf(entry & addressMask, access, type, owner)
    }

    public static func translationBase(root: UInt64, asid: UInt16) -> UInt64 {
        (root & addressMask) | (UInt64(asid) << 48)
    }
}

/// RISC-V Sv39. Memory types come from the platform's PMAs (no Svpbmt on QEMU 7.2): the type is not
/// encoded. A and D are preset, so no access/dirty fault is ever taken. No entry is global.
public enum Sv39PageTables: PageTableFormat {
    static let valid: UInt64 = 1 << 0
    static let readable: UInt64 = 1 << 1
    static let writable: UInt64 = 1 << 2
    static let executable: UInt64 = 1 << 3
    static let user: UInt64 = 1 << 4
    static let accessed: UInt64 = 1 << 6
    static let dirty: UInt64 = 1 << 7

    static func number(_ address: UInt64) -> UInt64 { ((address >> 12) & 0xFFF_FFFF_FFFF) << 10 }

    public static func tableEntry(_ address: UInt64) -> UInt64 { number(address) | valid }

    public static func leafEntry(_ address: UInt64, level: Int, access: MemoryAccess, type: MemoryType, owner: MemoryOwner) -> UInt64 {
        var entry = number(address) | valid | accessed | dirty | readable  // W without R is reserved
        if access.contains(.write) { entry |= writable }
        if access.contains(.execute) && type == .normal { entry |= executable }
        if owner == .user { entry |= user }
        return entry
    }

    public static func decode(_ entry: UInt64, level: Int) -> PageTableEntry {
        guard entry & valid != 0 else { return .invalid }
        let address = ((entry >> 10) & 0xFFF_FFFF_FFFF) << 12
        if entry & (readable | writable | executable) == 0 { return level < 2 ? .table(address) : .invalid }
        var access = MemoryAccess()
        if entry & readable != 0 { access = access.union(.read) }
        if entry & writable != 0 { access = access.union(.write) }
        if entry & executable != 0 { access = access.union(.execute) }
        return .leaf(address, access, .normal, entry & user != 0 ? .user : .kernel)
    }

    public static func translationBase(root: UInt64, asid: UInt16) -> UInt64 {
        (8 << 60) | (UInt64(asid) << 44) | (root >> 12)
    }
}
