// The connectionless DCE/RPC transport of PROFINET IO's acyclic services (IEC 61158-6-10 §4.10.3.2 after
// DCE 1.1 RPC chapter 12, "Connectionless RPC Protocol"): the 80-byte header on UDP port 34964, in the sender's
// data representation (drep), and the NDR header in front of the PNIO blocks of a request (ArgsMaximum,
// ArgsLength, MaximumCount, Offset, ActualCount) and of a response (PNIOStatus, ArgsLength, MaximumCount, Offset,
// ActualCount). Datagrams are read from and written to caller-owned buffers; only single-fragment messages are
// taken apart here (a fragmented one is recognisable by its header's flag, for the caller to refuse).

import Kernel

/// The packet types of connectionless DCE/RPC (PTYPE).
public enum PNRPCPacketType: UInt8, Sendable, Equatable {
    case request = 0
    case ping = 1
    case response = 2
    case fault = 3
    case working = 4
    case nocall = 5
    case reject = 6
    case ack = 7
    case clCancel = 8
    case fack = 9
    case cancelAck = 10
}

/// The first flags byte of the header (flags1). `BitFlags`, not OptionSet (whose array literal allocates).
public struct PNRPCFlags: BitFlags, Sendable, Equatable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The last fragment of a fragmented message.
    public static let lastFragment = PNRPCFlags(rawValue: 0x02)
    /// The message is fragmented (this is one of its fragments).
    public static let fragment = PNRPCFlags(rawValue: 0x04)
    /// The receiver need not acknowledge fragments.
    public static let noFack = PNRPCFlags(rawValue: 0x08)
    public static let maybe = PNRPCFlags(rawValue: 0x10)
    public static let idempotent = PNRPCFlags(rawValue: 0x20)
    public static let broadcast = PNRPCFlags(rawValue: 0x40)
}

/// The operation numbers of the PNIO interfaces.
public enum PNRPCOperation: UInt16, Sendable, Equatable {
    case connect = 0
    case release = 1
    case read = 2
    case write = 3
    case control = 4
    case readImplicit = 5
}

/// The PNIO RPC interface and object UUIDs (IEC 61158-6-10 §4.10.3.2.2).
public enum PNRPCInterface {
    /// PNIO-Device: what a controller calls on a device (connect, release, read, write, control).
    public static let device = PNUUID(0xDEA0_0001, 0x6C97, 0x11D1, 0x8271, 0x00A0_2442_DF7D)
    /// PNIO-Controller: what a device calls on its controller (ApplicationReady's CControl).
    public static let controller = PNUUID(0xDEA0_0002, 0x6C97, 0x11D1, 0x8271, 0x00A0_2442_DF7D)
    /// PNIO-Supervisor.
    public static let supervisor = PNUUID(0xDEA0_0003, 0x6C97, 0x11D1, 0x8271, 0x00A0_2442_DF7D)
    /// PNIO-ParameterServer.
    public static let parameterServer = PNUUID(0xDEA0_0004, 0x6C97, 0x11D1, 0x8271, 0x00A0_2442_DF7D)

    /// The object UUID of a PNIO instance: DEA00000-6C97-11D1-8271-{instance}{deviceID}{vendorID}.
    public static func object(instance: UInt16, deviceID: UInt16, vendorID: UInt16) -> PNUUID {
        PNUUID(0xDEA0_0000, 0x6C97, 0x11D1, 0x8271, UInt64(instance) << 32 | UInt64(deviceID) << 16 | UInt64(vendorID))
    }

    /// Whether `uuid` has the PNIO object UUID form (any instance, device and vendor).
    public static func isObject(_ uuid: PNUUID) -> Bool {
        uuid.high == object(instance: 0, deviceID: 0, vendorID: 0).high && uuid.low >> 48 == 0x8271
    }
}

/// NCA status codes a reject or fault datagram carries (DCE 1.1 RPC appendix E).
public enum PNRPCStatus {
    public static let unspecifiedReject: UInt32 = 0x1C00_0009
    public static let operationRangeError: UInt32 = 0x1C01_0002
    public static let unknownInterface: UInt32 = 0x1C01_0003
    public static let protocolError: UInt32 = 0x1C01_000B
    public static let outArgsTooBig: UInt32 = 0x1C01_0013
    public static let serverTooBusy: UInt32 = 0x1C01_0014
}

/// Why a datagram was not taken.
public enum PNRPCError: Error, Sendable, Equatable {
    /// Shorter than the 80-byte header.
    case truncatedHeader(available: Int)
    /// RPC version other than 4 (connectionless).
    case badVersion(UInt8)
    /// A packet type DCE/RPC's connectionless protocol does not define.
    case unknownPacketType(UInt8)
    /// The drep's integer representation is neither big- (0) nor little-endian (1).
    case badDataRepresentation(UInt8)
    /// The header's fragment length runs past the datagram.
    case bodyPastDatagram(length: Int, available: Int)
    /// The body is shorter than the 20-byte NDR header.
    case truncatedNDR(available: Int)
    /// ArgsLength runs past the body.
    case argsPastBody(length: UInt32, available: Int)
    /// The NDR array does not describe the arguments: Offset not 0, or ActualCount not ArgsLength.
    case inconsistentNDR(argsLength: UInt32, offset: UInt32, actualCount: UInt32)
}

/// The connectionless DCE/RPC header.
public struct PNRPCHeader: Sendable, Equatable {
    /// Its size on the wire.
    public static let size = 80
    public static let version: UInt8 = 4

    public var packetType: PNRPCPacketType
    public var flags: PNRPCFlags
    /// flags2: bit 1 is cancel pending.
    public var flags2: UInt8
    /// The drep's integer representation: the byte order of this header and of the NDR words.
    public var byteOrder: PNByteOrder
    /// The drep's character representation (0 ASCII) and floating point representation (0 IEEE).
    public var characterEncoding: UInt8
    public var floatingPoint: UInt8
    /// The serial number (serial_hi, serial_lo): the fragment count of the message for a fragmented one.
    public var serialNumber: UInt16
    public var objectUUID: PNUUID
    public var interfaceUUID: PNUUID
    public var activityUUID: PNUUID
    public var serverBootTime: UInt32
    public var interfaceVersion: UInt32
    public var sequenceNumber: UInt32
    public var opnum: UInt16
    public var interfaceHint: UInt16
    public var activityHint: UInt16
    /// The fragment length: the body after this header.
    public var bodyLength: UInt16
    public var fragmentNumber: UInt16
    public var authProtocol: UInt8

    /// A request (or another packet) header; `bodyLength` is set by `PNRPCWriter.finish()`.
    public init(packetType: PNRPCPacketType = .request, opnum: UInt16, objectUUID: PNUUID,
                interfaceUUID: PNUUID = PNRPCInterface.device, activityUUID: PNUUID, sequenceNumber: UInt32,
                byteOrder: PNByteOrder = .littleEndian, flags: PNRPCFlags = .idempotent,
                serverBootTime: UInt32 = 0, interfaceVersion: UInt32 = 1) {
        self.packetType = packetType
        self.flags = flags
        self.flags2 = 0
        self.byteOrder = byteOrder
        self.characterEncoding = 0
        self.floatingPoint = 0
        self.serialNumber = 0
        self.objectUUID = objectUUID
        self.interfaceUUID = interfaceUUID
        self.activityUUID = activityUUID
        self.serverBootTime = serverBootTime
        self.interfaceVersion = interfaceVersion
        self.sequenceNumber = sequenceNumber
        self.opnum = opnum
        self.interfaceHint = 0xFFFF
        self.activityHint = 0xFFFF
        self.bodyLength = 0
        self.fragmentNumber = 0
        self.authProtocol = 0
    }

    /// The operation, when `opnum` is one of the PNIO interface's.
    public var operation: PNRPCOperation? { PNRPCOperation(rawValue: opnum) }

    /// Part of a fragmented message (this codec takes single-fragment messages only).
    public var isFragment: Bool { flags.contains(.fragment) }

    /// The header of the answer to this request: same activity, sequence number, operation, object and interface,
    /// byte order; packet type `type` (a response by default), no fragment, no fragment acknowledgement asked.
    public func answer(_ type: PNRPCPacketType = .response) -> PNRPCHeader {
        var h = self
        h.packetType = type
        h.flags = PNRPCFlags.noFack.union(.idempotent)
        h.flags2 = 0
        h.serialNumber = 0
        h.fragmentNumber = 0
        h.bodyLength = 0
        h.authProtocol = 0
        return h
    }

    /// Reads and checks the header at the start of `datagram`.
    // @implements SWR-PN-RPC-1
    public init(parsing datagram: UnsafeRawBufferPointer) throws(PNRPCError) {
        guard datagram.count >= Self.size else { throw .truncatedHeader(available: datagram.count) }
        guard datagram[0] == Self.version else { throw .badVersion(datagram[0]) }
        // Only the 5 low bits are the type (DCE 1.1 §12.5.2.2).
        guard let type = PNRPCPacketType(rawValue: datagram[1] & 0x1F) else { throw .unknownPacketType(datagram[1]) }
        let integer = datagram[4] >> 4
        guard integer <= 1 else { throw .badDataRepresentation(datagram[4]) }
        var r = PNReader(datagram, order: integer == 0 ? .bigEndian : .littleEndian)
        do {
            try r.skip(4)
            let drep0 = try r.u8()
            floatingPoint = try r.u8()
            try r.skip(1)
            let serialHigh = try r.u8()
            objectUUID = try r.uuid()
            interfaceUUID = try r.uuid()
            activityUUID = try r.uuid()
            serverBootTime = try r.u32()
            interfaceVersion = try r.u32()
            sequenceNumber = try r.u32()
            opnum = try r.u16()
            interfaceHint = try r.u16()
            activityHint = try r.u16()
            bodyLength = try r.u16()
            fragmentNumber = try r.u16()
            authProtocol = try r.u8()
            serialNumber = UInt16(serialHigh) << 8 | UInt16(try r.u8())
            characterEncoding = drep0 & 0x0F
        } catch {
            throw .truncatedHeader(available: datagram.count)  // not reached: the size was checked above
        }
        packetType = type
        flags = PNRPCFlags(rawValue: datagram[2])
        flags2 = datagram[3]
        byteOrder = r.order
        guard Self.size + Int(bodyLength) <= datagram.count else {
            throw .bodyPastDatagram(length: Int(bodyLength), available: datagram.count - Self.size)
        }
    }

    /// Writes the 80 bytes of the header in its own byte order.
    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let saved = w.order
        w.order = byteOrder
        defer { w.order = saved }
        try w.u8(Self.version)
        try w.u8(packetType.rawValue)
        try w.u8(flags.rawValue)
        try w.u8(flags2)
        try w.u8((byteOrder == .littleEndian ? 0x10 : 0x00) | (characterEncoding & 0x0F))
        try w.u8(floatingPoint)
        try w.u8(0)
        try w.u8(UInt8(truncatingIfNeeded: serialNumber >> 8))
        try w.uuid(objectUUID)
        try w.uuid(interfaceUUID)
        try w.uuid(activityUUID)
        try w.u32(serverBootTime)
        try w.u32(interfaceVersion)
        try w.u32(sequenceNumber)
        try w.u16(opnum)
        try w.u16(interfaceHint)
        try w.u16(activityHint)
        try w.u16(bodyLength)
        try w.u16(fragmentNumber)
        try w.u8(authProtocol)
        try w.u8(UInt8(truncatingIfNeeded: serialNumber))
    }
}

/// A received datagram: its header and body (the fragment's `bodyLength` bytes; an authentication trailer
/// after it is not part of the body).
public struct PNRPCDatagram {
    public let header: PNRPCHeader
    public let body: UnsafeRawBufferPointer

    /// Checks the header of `datagram` and finds its body.
    public init(parsing datagram: UnsafeRawBufferPointer) throws(PNRPCError) {
        header = try PNRPCHeader(parsing: datagram)
        body = UnsafeRawBufferPointer(rebasing: datagram[PNRPCHeader.size..<(PNRPCHeader.size + Int(header.bodyLength))])
    }

    /// The body as a PNIO request: the NDR header and the arguments (the blocks).
    public func request() throws(PNRPCError) -> PNNDRRequest {
        try PNNDRRequest(parsing: body, order: header.byteOrder)
    }

    /// The body as a PNIO response: status, NDR header and the arguments (the blocks).
    public func response() throws(PNRPCError) -> PNNDRResponse {
        try PNNDRResponse(parsing: body, order: header.byteOrder)
    }
}

/// The NDR header of a PNIO request (PNIOServiceReqPDU) and the arguments it describes.
public struct PNNDRRequest {
    public static let size = 20
    /// The most argument bytes the caller takes in the response.
    public var argsMaximum: UInt32
    public var argsLength: UInt32
    public var maximumCount: UInt32
    public var offset: UInt32
    public var actualCount: UInt32
    /// The `argsLength` bytes after the header: the request's blocks.
    public var args: UnsafeRawBufferPointer

    /// Reads the NDR header of `body` in the datagram's byte order and checks it against the body.
    // @implements SWR-PN-RPC-1
    public init(parsing body: UnsafeRawBufferPointer, order: PNByteOrder) throws(PNRPCError) {
        guard body.count >= Self.size else { throw .truncatedNDR(available: body.count) }
        var r = PNReader(body, order: order)
        do {
            argsMaximum = try r.u32()
            argsLength = try r.u32()
            maximumCount = try r.u32()
            offset = try r.u32()
            actualCount = try r.u32()
        } catch { throw .truncatedNDR(available: body.count) }
        args = try ndrArgs(body, argsLength: argsLength, offset: offset, actualCount: actualCount)
    }
}

/// The NDR header of a PNIO response (PNIOServiceResPDU) and the arguments it describes.
public struct PNNDRResponse {
    public static let size = 20
    /// The outcome (an unsigned32 in the drep's byte order).
    public var status: PNIOStatus
    public var argsLength: UInt32
    public var maximumCount: UInt32
    public var offset: UInt32
    public var actualCount: UInt32
    /// The `argsLength` bytes after the header: the response's blocks.
    public var args: UnsafeRawBufferPointer

    /// Reads the NDR header of `body` in the datagram's byte order and checks it against the body.
    // @implements SWR-PN-RPC-1
    public init(parsing body: UnsafeRawBufferPointer, order: PNByteOrder) throws(PNRPCError) {
        guard body.count >= Self.size else { throw .truncatedNDR(available: body.count) }
        var r = PNReader(body, order: order)
        do {
            status = PNIOStatus(value: try r.u32())
            argsLength = try r.u32()
            maximumCount = try r.u32()
            offset = try r.u32()
            actualCount = try r.u32()
        } catch { throw .truncatedNDR(available: body.count) }
        args = try ndrArgs(body, argsLength: argsLength, offset: offset, actualCount: actualCount)
    }
}

/// The arguments after a 20-byte NDR header, checked against the body and the array description.
private func ndrArgs(_ body: UnsafeRawBufferPointer, argsLength: UInt32, offset: UInt32,
                     actualCount: UInt32) throws(PNRPCError) -> UnsafeRawBufferPointer {
    let available = body.count - PNNDRRequest.size
    guard UInt64(argsLength) <= UInt64(available) else { throw .argsPastBody(length: argsLength, available: available) }
    guard offset == 0, actualCount == argsLength else {
        throw .inconsistentNDR(argsLength: argsLength, offset: offset, actualCount: actualCount)
    }
    let start = PNNDRRequest.size
    return UnsafeRawBufferPointer(rebasing: body[start..<(start + Int(argsLength))])
}

/// Builds one PNIO request or response datagram in a buffer the caller owns: the header and NDR header first
/// (lengths left open), then the blocks through `args`, then `finish()` fills in the lengths.
public struct PNRPCWriter {
    public let buffer: UnsafeMutableRawBufferPointer
    /// Where the blocks go: big-endian, starting after the NDR header.
    public var args: PNWriter
    private let header: PNRPCHeader

    /// Starts a request (`header.packetType` should be `.request`) that accepts `argsMaximum` argument bytes in
    /// its response; MaximumCount is `argsMaximum` too, as controllers send it.
    public init(buffer: UnsafeMutableRawBufferPointer, request header: PNRPCHeader,
                argsMaximum: UInt32) throws(PNBytesError) {
        var w = PNWriter(buffer)
        try header.write(to: &w)
        w.order = header.byteOrder
        try w.u32(argsMaximum)
        try w.u32(0)
        try w.u32(argsMaximum)
        try w.u32(0)
        try w.u32(0)
        self.buffer = buffer
        self.header = header
        args = PNWriter(UnsafeMutableRawBufferPointer(rebasing: buffer[w.count...]))
    }

    /// Starts a response with `status`; `maximumCount` is the request's ArgsMaximum.
    public init(buffer: UnsafeMutableRawBufferPointer, response header: PNRPCHeader, status: PNIOStatus,
                maximumCount: UInt32) throws(PNBytesError) {
        var w = PNWriter(buffer)
        try header.write(to: &w)
        w.order = header.byteOrder
        try w.u32(status.value)
        try w.u32(0)
        try w.u32(maximumCount)
        try w.u32(0)
        try w.u32(0)
        self.buffer = buffer
        self.header = header
        args = PNWriter(UnsafeMutableRawBufferPointer(rebasing: buffer[w.count...]))
    }

    /// Fills in the fragment length, ArgsLength and ActualCount; returns the datagram's length.
    public func finish() throws(PNBytesError) -> Int {
        let argsLength = args.count
        let body = PNNDRRequest.size + argsLength
        guard body <= Int(UInt16.max) else { throw .noRoom(offset: PNRPCHeader.size, needed: body) }
        var w = PNWriter(buffer, order: header.byteOrder, written: PNRPCHeader.size + PNNDRRequest.size)
        try w.set16(at: 74, UInt16(body))
        try w.set32(at: PNRPCHeader.size + 4, UInt32(argsLength))
        try w.set32(at: PNRPCHeader.size + 16, UInt32(argsLength))
        return PNRPCHeader.size + body
    }

    /// Writes a datagram without PNIO arguments: a ping, working, nocall, ack or cancel-ack (no body), or a reject
    /// or fault carrying `ncaStatus` (see `PNRPCStatus`). Returns its length.
    public static func writeBare(buffer: UnsafeMutableRawBufferPointer, header: PNRPCHeader,
                                 ncaStatus: UInt32? = nil) throws(PNBytesError) -> Int {
        var h = header
        h.bodyLength = ncaStatus == nil ? 0 : 4
        var w = PNWriter(buffer)
        try h.write(to: &w)
        if let ncaStatus {
            w.order = h.byteOrder
            try w.u32(ncaStatus)
        }
        return w.count
    }
}
