// PNIO blocks (IEC 61158-6-10 §5.2.1, BlockHeader): every argument of a connect, release, control, read or write
// and every alarm is a block of BlockType (2 bytes), BlockLength (2, counting from the version bytes on),
// BlockVersionHigh and BlockVersionLow, then its content; all big-endian whatever the RPC's drep. Here: the block
// type numbers, the errors of block parsing, a reader that walks the blocks of a body (unknown ones can be skipped
// by their length) and the writer's side of the header. The blocks themselves are in PNBlocks*.swift.

/// Block type numbers (IEC 61158-6-10 Table "BlockType").
public enum PNBlockType {
    public static let alarmNotificationHigh: UInt16 = 0x0001
    public static let alarmNotificationLow: UInt16 = 0x0002
    public static let iodWriteReqHeader: UInt16 = 0x0008
    public static let iodReadReqHeader: UInt16 = 0x0009
    public static let im0: UInt16 = 0x0020
    public static let im1: UInt16 = 0x0021
    public static let im2: UInt16 = 0x0022
    public static let im3: UInt16 = 0x0023
    public static let im4: UInt16 = 0x0024
    public static let arBlockReq: UInt16 = 0x0101
    public static let iocrBlockReq: UInt16 = 0x0102
    public static let alarmCRBlockReq: UInt16 = 0x0103
    public static let expectedSubmoduleBlockReq: UInt16 = 0x0104
    /// IODControlReq of the connect phase: PrmEnd.
    public static let iodControlReqPrmEnd: UInt16 = 0x0110
    /// IODControlReq after a plug: PrmEnd.
    public static let iodControlReqPlugPrmEnd: UInt16 = 0x0111
    /// IOXControlReq of the connect phase: ApplicationReady (the device's CControl).
    public static let ioxControlReqApplicationReady: UInt16 = 0x0112
    /// IOXControlReq after a plug: ApplicationReady.
    public static let ioxControlReqPlugApplicationReady: UInt16 = 0x0113
    public static let releaseBlockReq: UInt16 = 0x0114
    public static let ioxControlReqCompanion: UInt16 = 0x0116
    public static let ioxControlReqRTClass3: UInt16 = 0x0117
    public static let iodControlReqPrmBegin: UInt16 = 0x0118
    public static let maintenanceItem: UInt16 = 0x0F00
    public static let alarmAckHigh: UInt16 = 0x8001
    public static let alarmAckLow: UInt16 = 0x8002
    public static let iodWriteResHeader: UInt16 = 0x8008
    public static let iodReadResHeader: UInt16 = 0x8009
    public static let arBlockRes: UInt16 = 0x8101
    public static let iocrBlockRes: UInt16 = 0x8102
    public static let alarmCRBlockRes: UInt16 = 0x8103
    public static let moduleDiffBlock: UInt16 = 0x8104
    public static let iodControlResPrmEnd: UInt16 = 0x8110
    public static let ioxControlResApplicationReady: UInt16 = 0x8112
    public static let releaseBlockRes: UInt16 = 0x8114

    /// A response's type is its request's with the top bit set.
    public static let responseBit: UInt16 = 0x8000
}

/// Why a block (or a body of blocks) was not taken. Offsets count from the start of the block's header.
public enum PNBlockError: Error, Sendable, Equatable {
    /// Fewer than the 6 bytes of a block header are left at `offset` of the body.
    case truncatedHeader(offset: Int)
    /// The block's length runs past the end of the body.
    case lengthPastEnd(blockType: UInt16, length: Int, available: Int)
    /// The block's length is too short for its version bytes, or its fields do not fill it exactly.
    case badLength(blockType: UInt16, length: Int)
    /// A field at `offset` runs past the end of the block.
    case truncated(blockType: UInt16, offset: Int)
    /// A version this codec does not read (every block here is version 1.0).
    case badVersion(blockType: UInt16, high: UInt8, low: UInt8)
    /// A block of this type where another (or none) was expected.
    case unexpectedBlock(UInt16)
    /// A block the body must hold is not there.
    case missingBlock(UInt16)
    /// More entries (or name bytes) than the fixed storage holds.
    case tooMany(blockType: UInt16, count: Int, capacity: Int)
    /// The field at `offset` holds a value the block cannot have (a data description of no direction, a
    /// module without submodules, an API listed twice...).
    case badValue(blockType: UInt16, offset: Int)
    /// Record data after a read or write header runs past the end of the body.
    case dataPastEnd(length: Int, available: Int)
}

/// One block of a body as found by `PNBlockReader`.
public struct PNBlock {
    public static let headerSize = 6

    public var type: UInt16
    /// BlockLength: the version bytes and the content.
    public var length: UInt16
    public var versionHigh: UInt8
    public var versionLow: UInt8
    /// Where the block's header starts in the body it was read from.
    public var offset: Int
    /// The `length - 2` bytes after the version bytes.
    public var content: UnsafeRawBufferPointer

    public init(type: UInt16, length: UInt16, versionHigh: UInt8, versionLow: UInt8, offset: Int,
                content: UnsafeRawBufferPointer) {
        self.type = type
        self.length = length
        self.versionHigh = versionHigh
        self.versionLow = versionLow
        self.offset = offset
        self.content = content
    }

    /// The block's size on the wire, header included.
    public var size: Int { 4 + Int(length) }

    /// Checks that this is a version 1.0 block of type `expected`.
    public func expect(_ expected: UInt16) throws(PNBlockError) {
        guard type == expected else { throw .unexpectedBlock(type) }
        try expectVersion()
    }

    /// Checks that this is a version 1.0 block.
    public func expectVersion() throws(PNBlockError) {
        guard versionHigh == 1, versionLow == 0 else { throw .badVersion(blockType: type, high: versionHigh, low: versionLow) }
    }
}

/// Walks the blocks of a request or response body (the NDR arguments), checking each header's length against
/// the body; a block nobody parses is skipped by its length.
// @implements SWR-PN-RPC-1
public struct PNBlockReader {
    public let body: UnsafeRawBufferPointer
    /// Where the next block starts.
    public private(set) var offset: Int

    public init(_ body: UnsafeRawBufferPointer) {
        self.body = body
        self.offset = 0
    }

    public var isAtEnd: Bool { offset >= body.count }

    /// The next block, or nil at the end of the body. After an error the reader stays where it was.
    public mutating func next() throws(PNBlockError) -> PNBlock? {
        let left = body.count - offset
        if left <= 0 { return nil }
        guard left >= PNBlock.headerSize else { throw .truncatedHeader(offset: offset) }
        let type = UInt16(body[offset]) << 8 | UInt16(body[offset + 1])
        let length = UInt16(body[offset + 2]) << 8 | UInt16(body[offset + 3])
        guard length >= 2 else { throw .badLength(blockType: type, length: Int(length)) }
        guard 4 + Int(length) <= left else { throw .lengthPastEnd(blockType: type, length: Int(length), available: left - 4) }
        let start = offset + PNBlock.headerSize
        let end = offset + 4 + Int(length)
        let block = PNBlock(type: type, length: length, versionHigh: body[offset + 4], versionLow: body[offset + 5],
                            offset: offset, content: UnsafeRawBufferPointer(rebasing: body[start..<end]))
        offset = end
        return block
    }

    /// The next `count` bytes as they are (the record data after an IODWriteReqHeader or IODReadResHeader).
    public mutating func data(_ count: Int) throws(PNBlockError) -> UnsafeRawBufferPointer {
        let left = body.count - offset
        guard count >= 0, count <= left else { throw .dataPastEnd(length: count, available: left) }
        let slice = UnsafeRawBufferPointer(rebasing: body[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// The rest of the body, unread.
    public var rest: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: body[min(offset, body.count)...]) }
}

extension PNWriter {
    /// Starts a block: its header with the length left open; returns where the block starts, for `endBlock`.
    /// Blocks are big-endian: the writer's byte order becomes big-endian.
    public mutating func beginBlock(_ type: UInt16, versionHigh: UInt8 = 1, versionLow: UInt8 = 0) throws(PNBytesError) -> Int {
        order = .bigEndian
        let start = count
        try u16(type)
        try u16(0)
        try u8(versionHigh)
        try u8(versionLow)
        return start
    }

    /// Ends the block begun at `start`: fills in its length.
    public mutating func endBlock(_ start: Int) throws(PNBytesError) {
        let length = count - start - 4
        guard length >= 2, length <= Int(UInt16.max) else { throw .noRoom(offset: start, needed: length) }
        let saved = order
        order = .bigEndian
        defer { order = saved }
        try set16(at: start + 2, UInt16(length))
    }

    /// A fixed-length visible string: its `capacity` bytes, padded with spaces.
    public mutating func string<let n: Int>(_ s: PNFixedString<n>) throws(PNBytesError) {
        for i in 0..<n { try u8(s.bytes[i]) }
    }
}

/// Reads the fields of one block's content, naming the block in its errors.
struct PNBlockFields {
    var reader: PNReader
    let block: PNBlock

    init(_ block: PNBlock) {
        self.block = block
        self.reader = PNReader(block.content)
    }

    var type: UInt16 { block.type }
    var remaining: Int { reader.remaining }
    /// The offset of the next field from the start of the block's header.
    var offset: Int { PNBlock.headerSize + reader.offset }

    private func truncated(_ error: PNBytesError) -> PNBlockError {
        switch error {
        case .truncated(let at, _), .noRoom(let at, _): return .truncated(blockType: block.type, offset: PNBlock.headerSize + at)
        }
    }

    mutating func u8() throws(PNBlockError) -> UInt8 {
        do { return try reader.u8() } catch { throw truncated(error) }
    }

    mutating func u16() throws(PNBlockError) -> UInt16 {
        do { return try reader.u16() } catch { throw truncated(error) }
    }

    mutating func u32() throws(PNBlockError) -> UInt32 {
        do { return try reader.u32() } catch { throw truncated(error) }
    }

    mutating func uuid() throws(PNBlockError) -> PNUUID {
        do { return try reader.uuid() } catch { throw truncated(error) }
    }

    mutating func mac() throws(PNBlockError) -> EthernetAddress {
        do { return try reader.mac() } catch { throw truncated(error) }
    }

    mutating func bytes(_ n: Int) throws(PNBlockError) -> UnsafeRawBufferPointer {
        do { return try reader.bytes(n) } catch { throw truncated(error) }
    }

    mutating func skip(_ n: Int) throws(PNBlockError) {
        do { try reader.skip(n) } catch { throw truncated(error) }
    }

    /// A fixed-length visible string of `n` bytes; trailing spaces and NULs are padding.
    mutating func string<let n: Int>() throws(PNBlockError) -> PNFixedString<n> {
        let raw = try bytes(n)
        var used = n
        while used > 0 && (raw[used - 1] == 0x20 || raw[used - 1] == 0x00) { used -= 1 }
        var s = PNFixedString<n>()
        s.set(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: used))
        return s
    }

    /// The error for a bad value in the field that started at `offset` (a block offset from `self.offset`).
    func bad(at offset: Int) -> PNBlockError { .badValue(blockType: block.type, offset: offset) }

    /// Checks that the fields filled the block exactly.
    func end() throws(PNBlockError) {
        guard reader.isAtEnd else { throw .badLength(blockType: block.type, length: Int(block.length)) }
    }
}

// MARK: - Bit fields shared by several blocks

/// A VLAN tag header of an IOCR or alarm CR (IOCRTagHeader, AlarmCRTagHeaderHigh/Low): priority in bits
/// 13...15, VLAN ID in bits 0...11.
public struct PNTagHeader: Sendable, Equatable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(priority: UInt8, vlanID: UInt16 = 0) { rawValue = UInt16(priority & 7) << 13 | (vlanID & 0x0FFF) }
    public var priority: UInt8 { UInt8(rawValue >> 13) }
    public var vlanID: UInt16 { rawValue & 0x0FFF }
}

/// The sequence number and diagnosis state of an alarm (AlarmSpecifier).
public struct PNAlarmSpecifier: Sendable, Equatable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(sequenceNumber: UInt16, channelDiagnosis: Bool = false, manufacturerDiagnosis: Bool = false,
                submoduleDiagnosis: Bool = false, arDiagnosis: Bool = false) {
        rawValue = sequenceNumber & 0x07FF
        if channelDiagnosis { rawValue |= 0x0800 }
        if manufacturerDiagnosis { rawValue |= 0x1000 }
        if submoduleDiagnosis { rawValue |= 0x2000 }
        if arDiagnosis { rawValue |= 0x8000 }
    }
    /// 0...2047, counted per alarm priority.
    public var sequenceNumber: UInt16 { rawValue & 0x07FF }
    public var channelDiagnosis: Bool { rawValue & 0x0800 != 0 }
    public var manufacturerDiagnosis: Bool { rawValue & 0x1000 != 0 }
    public var submoduleDiagnosis: Bool { rawValue & 0x2000 != 0 }
    public var arDiagnosis: Bool { rawValue & 0x8000 != 0 }
}

extension UInt32: PNListElement {}
