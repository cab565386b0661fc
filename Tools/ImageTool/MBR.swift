// Reading a Master Boot Record: the partition table of an SD card image or a card, to find the FAT boot
// partition `orion flash` reads the manifest from.

/// One primary partition entry.
public struct MBRPartition: Sendable, Equatable {
    /// 1...4.
    public let number: Int
    /// Whether the boot flag (0x80) is set.
    public let bootable: Bool
    /// The partition type (0x0C: FAT32 with LBA).
    public let type: UInt8
    /// First sector (512 bytes each).
    public let firstSector: UInt32
    /// Length in sectors.
    public let sectors: UInt32

    /// Byte offset of the partition.
    public var byteOffset: UInt64 { UInt64(firstSector) * 512 }
    /// Length in bytes.
    public var byteCount: UInt64 { UInt64(sectors) * 512 }
}

/// A parsed MBR: its used primary entries.
public struct MBR: Sendable, Equatable {
    /// The entries with a non-zero type, in table order.
    public let partitions: [MBRPartition]
    /// The 32-bit disk identifier at offset 440.
    public let diskID: UInt32

    /// FAT32 with LBA addressing, the type of the Pi's boot partition.
    public static let fat32LBA: UInt8 = 0x0C

    /// Parses the first sector. Throws when it is shorter than 512 bytes, lacks the 0x55AA signature, has a
    /// boot flag other than 0x00/0x80, an empty used entry, or a partition running past `diskBytes` (when known)
    /// or overlapping another.
    // @implements SWR-FLASH-MBR-1
    public init(sector: [UInt8], diskBytes: UInt64? = nil) throws(ImageToolError) {
        guard sector.count >= 512 else { throw ImageToolError("no partition table: the first sector is \(sector.count) bytes, not 512") }
        guard sector[510] == 0x55, sector[511] == 0xAA else { throw ImageToolError("no MBR partition table (no 0x55AA signature)") }
        func le32(_ at: Int) -> UInt32 {
            UInt32(sector[at]) | UInt32(sector[at + 1]) << 8 | UInt32(sector[at + 2]) << 16 | UInt32(sector[at + 3]) << 24
        }
        var found: [MBRPartition] = []
        for index in 0..<4 {
            let entry = 446 + index * 16
            let type = sector[entry + 4]
            if type == 0 { continue }
            let flag = sector[entry]
            guard flag == 0 || flag == 0x80 else { throw ImageToolError("MBR entry \(index + 1): boot flag 0x\(String(flag, radix: 16)) (0x00 or 0x80)") }
            let first = le32(entry + 8), count = le32(entry + 12)
            guard first > 0, count > 0 else { throw ImageToolError("MBR entry \(index + 1): type set but start \(first), length \(count)") }
            let end = UInt64(first) + UInt64(count)
            if let diskBytes, end * 512 > diskBytes {
                throw ImageToolError("MBR entry \(index + 1): ends at byte \(end * 512), past the end of the disk (\(diskBytes) bytes)")
            }
            for other in found where UInt64(first) < UInt64(other.firstSector) + UInt64(other.sectors) && UInt64(other.firstSector) < end {
                throw ImageToolError("MBR entries \(other.number) and \(index + 1) overlap")
            }
            found.append(MBRPartition(number: index + 1, bootable: flag == 0x80, type: type, firstSector: first, sectors: count))
        }
        partitions = found
        diskID = le32(440)
    }

    /// The Pi boot partition: the first FAT32-LBA entry.
    public var bootPartition: MBRPartition? { partitions.first { $0.type == Self.fat32LBA } }
}
