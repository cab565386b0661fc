// PROFINET DCP, the Discovery and basic Configuration Protocol (IEC 61158-6-10 §4.3): Ethernet frames of
// EtherType 0x8892 with frame IDs 0xFEFC (Hello), 0xFEFD (Get/Set), 0xFEFE (Identify request, to the multicast
// 01:0E:CF:00:00:00) and 0xFEFF (Identify response). After the frame ID: ServiceID, ServiceType, Xid,
// ResponseDelay, DCPDataLength, then blocks of Option, Suboption, DCPBlockLength and data, each padded to an even
// length. Everything big-endian. Read from and written into caller-owned buffers: nothing allocates.

/// Constants of the DCP wire format.
public enum PNDCPWire {
    public static let etherType: UInt16 = 0x8892
    public static let frameHello: UInt16 = 0xFEFC
    public static let frameGetSet: UInt16 = 0xFEFD
    public static let frameIdentifyRequest: UInt16 = 0xFEFE
    public static let frameIdentifyResponse: UInt16 = 0xFEFF
    /// The destination of Identify requests (and Hello).
    public static let identifyMulticast = EthernetAddress(0x01, 0x0E, 0xCF, 0x00, 0x00, 0x00)
    public static let helloMulticast = EthernetAddress(0x01, 0x0E, 0xCF, 0x00, 0x00, 0x01)
    /// Ethernet header (14) + frame ID (2) + DCP header (10).
    public static let headerLength = 26
    public static let ethernetHeader = 14
    public static let maxFrame = 1514
    public static let minFrame = 60

    public static let serviceGet: UInt8 = 3
    public static let serviceSet: UInt8 = 4
    public static let serviceIdentify: UInt8 = 5
    public static let serviceHello: UInt8 = 6
    public static let typeRequest: UInt8 = 0
    public static let typeResponseSuccess: UInt8 = 1
    /// A response saying the service is not supported (ServiceType bit 2 with the response bit).
    public static let typeResponseNotSupported: UInt8 = 5

    // Options and suboptions.
    public static let optionIP: UInt8 = 1
    public static let optionDeviceProperties: UInt8 = 2
    public static let optionDHCP: UInt8 = 3
    public static let optionControl: UInt8 = 5
    public static let optionDeviceInitiative: UInt8 = 6
    public static let optionAll: UInt8 = 0xFF

    public static let subIPMAC: UInt8 = 1
    public static let subIPParameter: UInt8 = 2
    public static let subIPSuite: UInt8 = 3
    public static let subDeviceVendor: UInt8 = 1
    public static let subNameOfStation: UInt8 = 2
    public static let subDeviceID: UInt8 = 3
    public static let subDeviceRole: UInt8 = 4
    public static let subDeviceOptions: UInt8 = 5
    public static let subAliasName: UInt8 = 6
    public static let subDeviceInstance: UInt8 = 7
    public static let subOEMDeviceID: UInt8 = 8
    public static let subControlStart: UInt8 = 1
    public static let subControlStop: UInt8 = 2
    public static let subControlSignal: UInt8 = 3
    public static let subControlResponse: UInt8 = 4
    public static let subControlFactoryReset: UInt8 = 5
    public static let subControlResetToFactory: UInt8 = 6
    public static let subAll: UInt8 = 0xFF

    /// BlockQualifier bit 0 of a Set: keep the value across a power cycle.
    public static let qualifierPermanent: UInt16 = 0x0001
    /// BlockInfo of the IP parameter: an address is set (bit 0), by DHCP (bit 1), in conflict (bit 7).
    public static let ipInfoSet: UInt16 = 0x0001
    public static let ipInfoDHCP: UInt16 = 0x0002
    public static let ipInfoConflict: UInt16 = 0x0080
    /// The SignalValue that flashes the device's LED once (1 Hz for 3 s).
    public static let signalFlashOnce: UInt16 = 0x0100
}

/// BlockError of a Set response (Control/Response block).
public enum PNDCPBlockError: UInt8, Sendable {
    case none = 0
    case optionNotSupported = 1
    case suboptionNotSupported = 2
    case suboptionNotSet = 3
    case resourceError = 4
    case setNotPossibleLocalReasons = 5
    case setNotPossibleInOperation = 6
}

/// Why a received frame is not taken as DCP.
public enum PNDCPFrameError: Error, Sendable, Equatable {
    /// Shorter than the Ethernet, frame ID and DCP headers.
    case truncated
    /// Not EtherType 0x8892 (after a VLAN tag, if any).
    case notPROFINET(etherType: UInt16)
    /// A PROFINET frame ID outside 0xFEFC...0xFEFF: not DCP (RT data, alarms).
    case notDCP(frameID: UInt16)
    /// DCPDataLength runs past the frame.
    case lengthPastFrame(length: Int, available: Int)
    /// A block's header or data runs past DCPDataLength.
    case truncatedBlock(offset: Int)
}

/// The fixed part of a DCP frame.
public struct PNDCPHeader: Sendable, Equatable {
    public var destination: EthernetAddress
    public var source: EthernetAddress
    public var frameID: UInt16
    public var serviceID: UInt8
    public var serviceType: UInt8
    public var xid: UInt32
    /// ResponseDelayFactor in an Identify request; reserved (0) elsewhere.
    public var responseDelay: UInt16
    public var dataLength: Int
    /// Offset of the first block in the frame.
    public var dataOffset: Int

    public init(destination: EthernetAddress, source: EthernetAddress, frameID: UInt16, serviceID: UInt8,
                serviceType: UInt8, xid: UInt32, responseDelay: UInt16 = 0) {
        self.destination = destination
        self.source = source
        self.frameID = frameID
        self.serviceID = serviceID
        self.serviceType = serviceType
        self.xid = xid
        self.responseDelay = responseDelay
        dataLength = 0
        dataOffset = PNDCPWire.headerLength
    }

    public var isRequest: Bool { serviceType == PNDCPWire.typeRequest }
}

/// One block as read from a frame: option, suboption, and where its data lies (after the length field; for
/// responses that is BlockInfo first, for Set requests BlockQualifier first).
public struct PNDCPBlock: Sendable, Equatable {
    public var option: UInt8
    public var suboption: UInt8
    /// Offset of the block's data in the frame.
    public var offset: Int
    public var length: Int
}

@inline(__always) func pnRead16(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt16 { UInt16(b[o]) << 8 | UInt16(b[o + 1]) }
@inline(__always) func pnRead32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 {
    UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
}

/// Reads a received DCP frame: the header, then its blocks one by one, each within DCPDataLength.
// @implements SWR-PN-DCP-1
public struct PNDCPFrameReader {
    public let frame: UnsafeRawBufferPointer
    public let header: PNDCPHeader
    private var next: Int
    private let end: Int

    /// Checks the headers of `frame` (Ethernet header included, a VLAN tag is skipped).
    public init(frame: UnsafeRawBufferPointer) throws(PNDCPFrameError) {
        guard frame.count >= PNDCPWire.headerLength else { throw .truncated }
        var o = 12
        var etherType = pnRead16(frame, o)
        if etherType == 0x8100 {
            guard frame.count >= PNDCPWire.headerLength + 4 else { throw .truncated }
            o += 4
            etherType = pnRead16(frame, o)
        }
        guard etherType == PNDCPWire.etherType else { throw .notPROFINET(etherType: etherType) }
        o += 2
        let frameID = pnRead16(frame, o)
        guard frameID >= PNDCPWire.frameHello && frameID <= PNDCPWire.frameIdentifyResponse else { throw .notDCP(frameID: frameID) }
        var h = PNDCPHeader(destination: EthernetAddress.read(frame, at: 0), source: EthernetAddress.read(frame, at: 6),
                            frameID: frameID, serviceID: frame[o + 2], serviceType: frame[o + 3],
                            xid: pnRead32(frame, o + 4), responseDelay: pnRead16(frame, o + 8))
        let length = Int(pnRead16(frame, o + 10))
        h.dataOffset = o + 12
        h.dataLength = length
        guard h.dataOffset + length <= frame.count else {
            throw .lengthPastFrame(length: length, available: frame.count - h.dataOffset)
        }
        self.frame = frame
        header = h
        next = h.dataOffset
        end = h.dataOffset + length
    }

    /// The next block, or nil after the last; a block running past DCPDataLength is an error.
    public mutating func nextBlock() throws(PNDCPFrameError) -> PNDCPBlock? {
        if next >= end { return nil }
        guard next + 4 <= end else { throw .truncatedBlock(offset: next) }
        let length = Int(pnRead16(frame, next + 2))
        let data = next + 4
        guard data + length <= end else { throw .truncatedBlock(offset: next) }
        let block = PNDCPBlock(option: frame[next], suboption: frame[next + 1], offset: data, length: length)
        next = data + length + (length & 1)  // padding to an even length (absent after the last block: fine)
        return block
    }
}

/// Builds a DCP frame in a caller-owned buffer (at least `PNDCPWire.maxFrame` bytes).
public struct PNDCPFrameWriter {
    public let buffer: UnsafeMutableRawBufferPointer
    public private(set) var count: Int
    /// Set when a block did not fit: the frame is incomplete and must not be sent.
    public private(set) var overflowed = false
    private let dataOffset: Int

    public init(buffer: UnsafeMutableRawBufferPointer, header: PNDCPHeader) {
        precondition(buffer.count >= PNDCPWire.maxFrame)
        self.buffer = buffer
        header.destination.write(buffer, at: 0)
        header.source.write(buffer, at: 6)
        buffer[12] = 0x88
        buffer[13] = 0x92
        buffer[14] = UInt8(header.frameID >> 8)
        buffer[15] = UInt8(header.frameID & 0xFF)
        buffer[16] = header.serviceID
        buffer[17] = header.serviceType
        for i in 0..<4 { buffer[18 + i] = UInt8(truncatingIfNeeded: header.xid >> (24 - 8 * UInt32(i))) }
        buffer[22] = UInt8(header.responseDelay >> 8)
        buffer[23] = UInt8(header.responseDelay & 0xFF)
        buffer[24] = 0
        buffer[25] = 0
        count = PNDCPWire.headerLength
        dataOffset = PNDCPWire.headerLength
    }

    /// Starts a block; returns the offset of its data, or nil when `length` does not fit (the frame is then
    /// marked overflowed). The caller writes `length` bytes there.
    public mutating func block(option: UInt8, suboption: UInt8, length: Int) -> Int? {
        let padded = length + (length & 1)
        guard !overflowed, length <= 0xFFFF, count + 4 + padded <= PNDCPWire.maxFrame else {
            overflowed = true
            return nil
        }
        buffer[count] = option
        buffer[count + 1] = suboption
        buffer[count + 2] = UInt8(length >> 8)
        buffer[count + 3] = UInt8(length & 0xFF)
        let data = count + 4
        if length & 1 == 1 { buffer[data + length] = 0 }
        count = data + padded
        return data
    }

    /// A block whose data is a 16-bit prefix (BlockInfo or BlockQualifier) and `bytes`.
    public mutating func block(option: UInt8, suboption: UInt8, prefix: UInt16, bytes: UnsafeRawBufferPointer) {
        guard let o = block(option: option, suboption: suboption, length: 2 + bytes.count) else { return }
        put16(prefix, at: o)
        for i in 0..<bytes.count { buffer[o + 2 + i] = bytes[i] }
    }

    /// A block of a 16-bit prefix and 16-bit values.
    public mutating func block(option: UInt8, suboption: UInt8, prefix: UInt16, _ a: UInt16, _ b: UInt16? = nil) {
        guard let o = block(option: option, suboption: suboption, length: b == nil ? 4 : 6) else { return }
        put16(prefix, at: o)
        put16(a, at: o + 2)
        if let b { put16(b, at: o + 4) }
    }

    /// Appends a bare 16-bit value to the data (a Get request's option/suboption pairs have no block header).
    public mutating func append16(_ v: UInt16) {
        guard !overflowed, count + 2 <= PNDCPWire.maxFrame else {
            overflowed = true
            return
        }
        put16(v, at: count)
        count += 2
    }

    public func put16(_ v: UInt16, at o: Int) {
        buffer[o] = UInt8(v >> 8)
        buffer[o + 1] = UInt8(v & 0xFF)
    }

    public func put32(_ v: UInt32, at o: Int) {
        for i in 0..<4 { buffer[o + i] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(i))) }
    }

    /// Fills in DCPDataLength and pads the frame to Ethernet's minimum; the frame's length.
    public mutating func finish() -> Int {
        let length = count - dataOffset
        buffer[24] = UInt8(length >> 8)
        buffer[25] = UInt8(length & 0xFF)
        while count < PNDCPWire.minFrame {
            buffer[count] = 0
            count += 1
        }
        return count
    }
}

/// An IPv4 suite as DCP carries it (IP parameter: address, mask, gateway; host byte order here).
public struct PNIPSuite: Sendable, Equatable {
    public var address: UInt32
    public var netmask: UInt32
    public var gateway: UInt32

    public init(address: UInt32 = 0, netmask: UInt32 = 0, gateway: UInt32 = 0) {
        self.address = address
        self.netmask = netmask
        self.gateway = gateway
    }

    public var isZero: Bool { address == 0 && netmask == 0 && gateway == 0 }

    /// Whether this is an IP suite a device may take (IEC 61158-6-10 §4.3.1.4.21.5): all zero (no address), or
    /// a contiguous netmask, a host address that is neither the network nor the broadcast address nor in
    /// 0/8, 127/8 or 224/3, and a gateway that is 0 or in the same subnet.
    public var isValid: Bool {
        if isZero { return true }
        let inverted = ~netmask
        guard netmask != 0, inverted & (inverted &+ 1) == 0 else { return false }  // 1s then 0s
        let first = address >> 24
        guard first != 0, first != 127, first < 224 else { return false }
        let host = address & inverted
        guard host != 0, host != inverted else { return false }
        if gateway != 0 && gateway & netmask != address & netmask { return false }
        return true
    }
}
