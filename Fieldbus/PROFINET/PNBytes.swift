// Field access for PROFINET IO's acyclic services (IEC 61158-6-10 §5.1 coding, DCE/RPC 1.1 NDR for the RPC
// header): a bounds-checked reader and writer over caller-owned raw buffers in either byte order, and the small
// value types every PDU shares (UUID, PNIOStatus; MAC addresses are the IP layer's `EthernetAddress`). The RPC header and the NDR words follow the
// sender's data representation (drep); every PNIO block is big-endian. Nothing here allocates or traps on input.

/// The byte order of a field: a DCE/RPC datagram's drep picks it for the header and NDR words, blocks are
/// always big-endian.
public enum PNByteOrder: Sendable, Equatable {
    case bigEndian
    case littleEndian
}

/// Why a field could not be read or written.
public enum PNBytesError: Error, Sendable, Equatable {
    /// Reading `needed` bytes at `offset` runs past the end of the buffer.
    case truncated(offset: Int, needed: Int)
    /// Writing `needed` bytes at `offset` runs past the end of the buffer (or a length does not fit its field).
    case noRoom(offset: Int, needed: Int)
}

/// A UUID as DCE/RPC carries it (RFC 4122 layout: time_low, time_mid, time_hi_and_version, then 8 bytes of
/// clock sequence and node). Held in the canonical (big-endian, string) order; `PNReader.uuid()` and
/// `PNWriter.uuid(_:)` swap the first three fields when the byte order is little-endian.
public struct PNUUID: Sendable, Equatable, Hashable {
    /// Bytes 0...7 of the canonical form, byte 0 in the top bits.
    public var high: UInt64
    /// Bytes 8...15 of the canonical form.
    public var low: UInt64

    /// The nil UUID (all zeros).
    public static let zero = PNUUID(high: 0, low: 0)

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The UUID written as `timeLow-timeMid-timeHigh-clock-node`, e.g. DEA00001-6C97-11D1-8271-00A02442DF7D is
    /// `PNUUID(0xDEA0_0001, 0x6C97, 0x11D1, 0x8271, 0x00A0_2442_DF7D)` (`node` keeps its low 48 bits).
    public init(_ timeLow: UInt32, _ timeMid: UInt16, _ timeHigh: UInt16, _ clock: UInt16, _ node: UInt64) {
        high = UInt64(timeLow) << 32 | UInt64(timeMid) << 16 | UInt64(timeHigh)
        low = UInt64(clock) << 48 | (node & 0xFFFF_FFFF_FFFF)
    }

    public var isZero: Bool { high == 0 && low == 0 }

    /// Byte `index` (0...15) of the canonical form.
    public subscript(index: Int) -> UInt8 {
        index < 8 ? UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index))
            : UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * (index - 8)))
    }

    /// time_low, the first field (what the PNIO interface UUIDs differ in).
    public var timeLow: UInt32 { UInt32(truncatingIfNeeded: high >> 32) }

    /// The node, the last 6 bytes (the PNIO object UUID's instance, device and vendor IDs).
    public var node: UInt64 { low & 0xFFFF_FFFF_FFFF }
}

/// PNIOStatus (IEC 61158-6-10 §5.2.6): ErrorCode, ErrorDecode, ErrorCode1, ErrorCode2. All zero is "OK". Inside
/// blocks it is four bytes in that order; in the NDR header of a response it is one unsigned32 in the drep's
/// byte order (so a little-endian sender puts ErrorCode2 first).
public struct PNIOStatus: Sendable, Equatable {
    public var errorCode: UInt8
    public var errorDecode: UInt8
    public var errorCode1: UInt8
    public var errorCode2: UInt8

    public static let ok = PNIOStatus(0, 0, 0, 0)

    public init(_ errorCode: UInt8, _ errorDecode: UInt8, _ errorCode1: UInt8, _ errorCode2: UInt8) {
        self.errorCode = errorCode
        self.errorDecode = errorDecode
        self.errorCode1 = errorCode1
        self.errorCode2 = errorCode2
    }

    /// The status as the unsigned32 the NDR header carries (ErrorCode in the top byte).
    public init(value: UInt32) {
        self.init(UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                  UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
    }

    public var value: UInt32 {
        UInt32(errorCode) << 24 | UInt32(errorDecode) << 16 | UInt32(errorCode1) << 8 | UInt32(errorCode2)
    }

    public var isOK: Bool { value == 0 }

    // ErrorCode values: which service answers.
    public static let errorCodeRTA: UInt8 = 0xCF
    public static let errorCodeAlarmAck: UInt8 = 0xDA
    public static let errorCodeConnect: UInt8 = 0xDB
    public static let errorCodeRelease: UInt8 = 0xDC
    public static let errorCodeControl: UInt8 = 0xDD
    public static let errorCodeRead: UInt8 = 0xDE
    public static let errorCodeWrite: UInt8 = 0xDF
    // ErrorDecode values: how ErrorCode1/2 are to be read.
    public static let decodePNIORW: UInt8 = 0x80
    public static let decodePNIO: UInt8 = 0x81
    public static let decodeManufacturer: UInt8 = 0x82
}

/// Where byte `index` (0...7) of a UUID's canonical form lies on the wire: the first three fields (4, 2 and 2
/// bytes) are integers in the drep's byte order.
@inline(__always)
func uuidWireIndex(_ index: Int, _ order: PNByteOrder) -> Int {
    guard order == .littleEndian else { return index }
    return index < 4 ? 3 - index : (index < 6 ? 9 - index : 13 - index)
}

/// Reads fields from a received buffer, each checked against its end.
// @implements SWR-PN-RPC-1
public struct PNReader {
    public let buffer: UnsafeRawBufferPointer
    /// Where the next field starts.
    public private(set) var offset: Int
    /// The byte order of the multi-byte fields read next.
    public var order: PNByteOrder

    public init(_ buffer: UnsafeRawBufferPointer, order: PNByteOrder = .bigEndian) {
        self.buffer = buffer
        self.offset = 0
        self.order = order
    }

    /// Bytes not read yet.
    public var remaining: Int { buffer.count - offset }

    public var isAtEnd: Bool { offset >= buffer.count }

    /// Checks that `count` more bytes are there and returns where they start.
    @inline(__always)
    private mutating func take(_ count: Int) throws(PNBytesError) -> Int {
        guard count >= 0, count <= buffer.count - offset else { throw .truncated(offset: offset, needed: count) }
        let at = offset
        offset += count
        return at
    }

    public mutating func u8() throws(PNBytesError) -> UInt8 {
        let at = try take(1)
        return buffer[at]
    }

    public mutating func u16() throws(PNBytesError) -> UInt16 {
        let at = try take(2)
        let a = UInt16(buffer[at]), b = UInt16(buffer[at + 1])
        return order == .bigEndian ? a << 8 | b : b << 8 | a
    }

    public mutating func u32() throws(PNBytesError) -> UInt32 {
        let at = try take(4)
        var v: UInt32 = 0
        for i in 0..<4 {
            let b = UInt32(buffer[order == .bigEndian ? at + i : at + 3 - i])
            v = v << 8 | b
        }
        return v
    }

    /// A UUID: time_low, time_mid and time_hi_and_version in the current byte order, the rest as bytes.
    public mutating func uuid() throws(PNBytesError) -> PNUUID {
        let at = try take(16)
        var high: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(buffer[at + uuidWireIndex(i, order)]) }
        var low: UInt64 = 0
        for i in 8..<16 { low = low << 8 | UInt64(buffer[at + i]) }
        return PNUUID(high: high, low: low)
    }

    /// A MAC address, in transmission order.
    public mutating func mac() throws(PNBytesError) -> EthernetAddress {
        let at = try take(6)
        return EthernetAddress.read(buffer, at: at)
    }

    /// The next `count` bytes, as a slice of the buffer.
    public mutating func bytes(_ count: Int) throws(PNBytesError) -> UnsafeRawBufferPointer {
        let at = try take(count)
        return UnsafeRawBufferPointer(rebasing: buffer[at..<(at + count)])
    }

    public mutating func skip(_ count: Int) throws(PNBytesError) {
        _ = try take(count)
    }
}

/// Writes fields into a buffer the caller owns, each checked against its end.
public struct PNWriter {
    public let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written so far (where the next field goes).
    public private(set) var count: Int
    /// The byte order of the multi-byte fields written next.
    public var order: PNByteOrder

    public init(_ buffer: UnsafeMutableRawBufferPointer, order: PNByteOrder = .bigEndian) {
        self.buffer = buffer
        self.count = 0
        self.order = order
    }

    /// A writer over `buffer` whose first `written` bytes are already filled (to patch them, or append after).
    public init(_ buffer: UnsafeMutableRawBufferPointer, order: PNByteOrder = .bigEndian, written: Int) {
        self.buffer = buffer
        self.count = max(0, min(written, buffer.count))
        self.order = order
    }

    /// Room left.
    public var remaining: Int { buffer.count - count }

    /// What has been written, as a read-only view.
    public var written: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[0..<count]) }

    @inline(__always)
    private mutating func take(_ n: Int) throws(PNBytesError) -> Int {
        guard n >= 0, n <= buffer.count - count else { throw .noRoom(offset: count, needed: n) }
        let at = count
        count += n
        return at
    }

    public mutating func u8(_ v: UInt8) throws(PNBytesError) {
        let at = try take(1)
        buffer[at] = v
    }

    public mutating func u16(_ v: UInt16) throws(PNBytesError) {
        let at = try take(2)
        store16(at, v)
    }

    public mutating func u32(_ v: UInt32) throws(PNBytesError) {
        let at = try take(4)
        store32(at, v)
    }

    /// A UUID: the first three fields in the current byte order, the rest as bytes.
    public mutating func uuid(_ u: PNUUID) throws(PNBytesError) {
        let at = try take(16)
        for i in 0..<8 { buffer[at + uuidWireIndex(i, order)] = u[i] }
        for i in 8..<16 { buffer[at + i] = u[i] }
    }

    /// A MAC address, in transmission order.
    public mutating func mac(_ m: EthernetAddress) throws(PNBytesError) {
        let at = try take(6)
        m.write(buffer, at: at)
    }

    public mutating func bytes(_ source: UnsafeRawBufferPointer) throws(PNBytesError) {
        let at = try take(source.count)
        for i in 0..<source.count { buffer[at + i] = source[i] }
    }

    /// `n` zero bytes (padding, reserved fields).
    public mutating func zeros(_ n: Int) throws(PNBytesError) {
        let at = try take(n)
        for i in 0..<n { buffer[at + i] = 0 }
    }

    /// Overwrites the 16-bit field at `offset` (already written) in the current byte order.
    public mutating func set16(at offset: Int, _ v: UInt16) throws(PNBytesError) {
        guard offset >= 0, offset <= count - 2 else { throw .noRoom(offset: offset, needed: 2) }
        store16(offset, v)
    }

    /// Overwrites the 32-bit field at `offset` (already written) in the current byte order.
    public mutating func set32(at offset: Int, _ v: UInt32) throws(PNBytesError) {
        guard offset >= 0, offset <= count - 4 else { throw .noRoom(offset: offset, needed: 4) }
        store32(offset, v)
    }

    private func store16(_ at: Int, _ v: UInt16) {
        let hi = UInt8(truncatingIfNeeded: v >> 8), lo = UInt8(truncatingIfNeeded: v)
        buffer[at] = order == .bigEndian ? hi : lo
        buffer[at + 1] = order == .bigEndian ? lo : hi
    }

    private func store32(_ at: Int, _ v: UInt32) {
        for i in 0..<4 {
            let b = UInt8(truncatingIfNeeded: v >> UInt32(24 - 8 * i))
            buffer[order == .bigEndian ? at + i : at + 3 - i] = b
        }
    }
}

/// An element of a `PNList`: a value with an empty default the storage is filled with.
public protocol PNListElement {
    init()
}

/// A list of at most `capacity` elements in fixed storage (the parsed form of a block's repeated entries).
public struct PNList<let capacity: Int, Element: PNListElement> {
    private var storage: InlineArray<capacity, Element>
    public private(set) var count: Int

    public init() {
        storage = InlineArray(repeating: Element())
        count = 0
    }

    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count >= capacity }

    /// Element `index` (below `count`).
    public subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count)
            return storage[index]
        }
        set {
            precondition(index >= 0 && index < count)
            storage[index] = newValue
        }
    }

    /// Adds `element` at the end; false (and nothing added) when the list is full.
    @discardableResult
    public mutating func append(_ element: Element) -> Bool {
        guard count < capacity else { return false }
        storage[count] = element
        count += 1
        return true
    }

    public mutating func removeAll() {
        for i in 0..<count { storage[i] = Element() }
        count = 0
    }
}

extension PNList: Equatable where Element: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a.storage[i] != b.storage[i] { return false }
        return true
    }
}

extension PNList: Sendable where Element: Sendable {}
