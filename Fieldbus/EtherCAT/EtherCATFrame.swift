// EtherCAT frames on Ethernet (ETG.1000.4 §5): an Ethernet header with EtherType 0x88A4, a 2-byte EtherCAT
// header (length of the datagrams, type 1), then datagrams, each a 10-byte header, its data and a 2-byte working
// counter. Everything little-endian. Written into and read from caller-owned buffers: nothing here allocates.

/// Sizes and constants of the EtherCAT wire format.
public enum EtherCATWire {
    /// The EtherType of EtherCAT frames.
    public static let etherType: UInt16 = 0x88A4
    /// Ethernet header: destination, source, EtherType.
    public static let ethernetHeader = 14
    /// The EtherCAT header after it (11-bit length, type).
    public static let frameHeader = 2
    /// A datagram's header (command, index, address, length/flags, IRQ).
    public static let datagramHeader = 10
    /// The working counter after a datagram's data.
    public static let workingCounter = 2
    /// The largest Ethernet frame without FCS (1500-byte payload).
    public static let maxFrame = 1514
    /// The smallest Ethernet frame without FCS (shorter frames are padded).
    public static let minFrame = 60
    /// The most data bytes one datagram can carry in one frame.
    public static let maxDatagramData = maxFrame - ethernetHeader - frameHeader - datagramHeader - workingCounter
    /// The EtherCAT header's type for datagrams (DLPDU).
    public static let typeDatagrams: UInt8 = 1
}

/// Why a received frame or datagram was not taken.
public enum EtherCATFrameError: Error, Sendable, Equatable {
    /// Shorter than an Ethernet plus EtherCAT header.
    case truncatedFrame
    /// Not EtherType 0x88A4.
    case notEtherCAT(etherType: UInt16)
    /// The EtherCAT header's type is not 1 (datagrams): mailbox gateway or network variables.
    case unsupportedType(UInt8)
    /// The EtherCAT header's length runs past the frame.
    case lengthPastFrame(length: Int, available: Int)
    /// A datagram's header, data or working counter runs past the EtherCAT length.
    case truncatedDatagram(offset: Int)
    /// A datagram with a command number ETG.1000 does not define.
    case unknownCommand(UInt8)
    /// The last datagram says another follows (M bit), but the length ends.
    case missingDatagram(offset: Int)
}

/// One datagram as read from a frame: its header fields and where its data lies in the frame.
public struct EtherCATDatagram: Sendable, Equatable {
    public var command: EtherCATCommand
    public var index: UInt8
    /// ADP (position or station address) in the low 16 bits and ADO (register) in the high 16, or a logical
    /// address, as on the wire.
    public var address: UInt32
    public var length: Int
    /// Set by a slave when the frame circulated (passed a closed port twice).
    public var circulated: Bool
    public var irq: UInt16
    /// Offset of the data in the frame (after the Ethernet header).
    public var dataOffset: Int
    public var workingCounter: UInt16

    /// The auto-increment or configured address (ADP).
    public var adp: UInt16 { UInt16(truncatingIfNeeded: address) }
    /// The register (ADO).
    public var ado: UInt16 { UInt16(truncatingIfNeeded: address >> 16) }

    /// The address word of a physical (position, station or broadcast) command.
    public static func physical(adp: UInt16, ado: UInt16) -> UInt32 { UInt32(adp) | UInt32(ado) << 16 }

    /// The ADP of the slave at `position` (0-based) for auto-increment commands: each slave adds 1, the one
    /// that sees 0 is addressed.
    public static func autoIncrement(position: Int) -> UInt16 { UInt16(truncatingIfNeeded: -position) }
}

/// Builds one frame of datagrams in a buffer the caller owns (at least `EtherCATWire.maxFrame` bytes).
public struct EtherCATFrameWriter {
    public let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written so far (Ethernet header included).
    public private(set) var count: Int
    /// Offset of the previous datagram's header (its M bit is set when another is appended), -1 before one.
    private var last = -1

    /// Starts a frame from `source` to `destination` (broadcast by default, as masters send).
    public init(buffer: UnsafeMutableRawBufferPointer, source: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8),
                destination: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)) {
        precondition(buffer.count >= EtherCATWire.maxFrame)
        self.buffer = buffer
        buffer[0] = destination.0; buffer[1] = destination.1; buffer[2] = destination.2
        buffer[3] = destination.3; buffer[4] = destination.4; buffer[5] = destination.5
        buffer[6] = source.0; buffer[7] = source.1; buffer[8] = source.2
        buffer[9] = source.3; buffer[10] = source.4; buffer[11] = source.5
        buffer[12] = UInt8(EtherCATWire.etherType >> 8)
        buffer[13] = UInt8(EtherCATWire.etherType & 0xFF)
        count = EtherCATWire.ethernetHeader + EtherCATWire.frameHeader
    }

    /// Room left for another datagram's data.
    public var dataRoom: Int {
        max(0, EtherCATWire.maxFrame - count - EtherCATWire.datagramHeader - EtherCATWire.workingCounter)
    }

    /// Appends a datagram of `length` data bytes, zeroed, and returns the offset of its data in the frame (fill
    /// it through `buffer`); nil when it does not fit.
    public mutating func append(_ command: EtherCATCommand, index: UInt8, address: UInt32, length: Int) -> Int? {
        guard length >= 0,
              count + EtherCATWire.datagramHeader + length + EtherCATWire.workingCounter <= EtherCATWire.maxFrame else { return nil }
        if last >= 0 { buffer[last + 7] |= 0x80 }  // M: another datagram follows
        let h = count
        buffer[h] = command.rawValue
        buffer[h + 1] = index
        setU32(h + 2, address)
        setU16(h + 6, UInt16(length))  // 11-bit length; R, C and M clear
        setU16(h + 8, 0)
        let data = h + EtherCATWire.datagramHeader
        for i in 0..<(length + EtherCATWire.workingCounter) { buffer[data + i] = 0 }
        last = h
        count = data + length + EtherCATWire.workingCounter
        let payload = count - EtherCATWire.ethernetHeader - EtherCATWire.frameHeader
        setU16(EtherCATWire.ethernetHeader, UInt16(payload) | UInt16(EtherCATWire.typeDatagrams) << 12)
        return data
    }

    /// The frame's length on the wire: padded with zeros to the Ethernet minimum.
    public mutating func finish() -> Int {
        while count < EtherCATWire.minFrame {
            buffer[count] = 0
            count += 1
        }
        return count
    }

    private func setU16(_ offset: Int, _ value: UInt16) {
        buffer[offset] = UInt8(truncatingIfNeeded: value)
        buffer[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    private func setU32(_ offset: Int, _ value: UInt32) {
        setU16(offset, UInt16(truncatingIfNeeded: value))
        setU16(offset + 2, UInt16(truncatingIfNeeded: value >> 16))
    }
}

/// Reads the datagrams of a received frame, checking every length against the frame.
// @implements SWR-ECAT-FRAME-1
public struct EtherCATFrameReader {
    public let frame: UnsafeRawBufferPointer
    /// Where the datagrams end (the EtherCAT header's length, checked against the frame).
    public let end: Int
    private var offset: Int
    private var more = true

    /// Checks the Ethernet and EtherCAT headers of `frame` (Ethernet header included, FCS not).
    public init(frame: UnsafeRawBufferPointer) throws(EtherCATFrameError) {
        guard frame.count >= EtherCATWire.ethernetHeader + EtherCATWire.frameHeader else { throw .truncatedFrame }
        let etherType = UInt16(frame[12]) << 8 | UInt16(frame[13])
        guard etherType == EtherCATWire.etherType else { throw .notEtherCAT(etherType: etherType) }
        let header = UInt16(frame[14]) | UInt16(frame[15]) << 8
        let type = UInt8(header >> 12)
        guard type == EtherCATWire.typeDatagrams else { throw .unsupportedType(type) }
        let length = Int(header & 0x7FF)
        let start = EtherCATWire.ethernetHeader + EtherCATWire.frameHeader
        guard start + length <= frame.count else { throw .lengthPastFrame(length: length, available: frame.count - start) }
        self.frame = frame
        self.end = start + length
        self.offset = start
    }

    /// The next datagram, or nil after the last (the one without the M bit).
    public mutating func next() throws(EtherCATFrameError) -> EtherCATDatagram? {
        guard more else { return nil }
        let h = offset
        guard h + EtherCATWire.datagramHeader <= end else {
            throw h == end && h > EtherCATWire.ethernetHeader + EtherCATWire.frameHeader ? .missingDatagram(offset: h) : .truncatedDatagram(offset: h)
        }
        guard let command = EtherCATCommand(rawValue: frame[h]) else { throw .unknownCommand(frame[h]) }
        let flags = u16(h + 6)
        let length = Int(flags & 0x7FF)
        let data = h + EtherCATWire.datagramHeader
        guard data + length + EtherCATWire.workingCounter <= end else { throw .truncatedDatagram(offset: h) }
        more = flags & 0x8000 != 0
        offset = data + length + EtherCATWire.workingCounter
        return EtherCATDatagram(command: command, index: frame[h + 1], address: u32(h + 2), length: length,
                                circulated: flags & 0x4000 != 0, irq: u16(h + 8), dataOffset: data,
                                workingCounter: u16(data + length))
    }

    /// The little-endian 16-bit value at `offset` of the frame (the caller checked the bounds).
    public func u16(_ offset: Int) -> UInt16 { UInt16(frame[offset]) | UInt16(frame[offset + 1]) << 8 }

    /// The little-endian 32-bit value at `offset` of the frame (the caller checked the bounds).
    public func u32(_ offset: Int) -> UInt32 { UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16 }
}
