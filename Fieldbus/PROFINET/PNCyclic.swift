// PROFINET RT_CLASS_1 cyclic frames (IEC 61158-6-10 §4.7): an Ethernet frame of EtherType 0x8892 (after an
// optional 802.1Q tag, priority 6 for RT), the FrameID the connect gave the IOCR, the C_SDU (IO data with each
// submodule's IOPS, and the consumer statuses, at the offsets of the IOCR block; at least 40 bytes), then the APDU
// status: CycleCounter (31.25 us units), DataStatus and TransferStatus. Read and written in caller-owned buffers.

/// Constants of RT frames.
public enum PNRTWire {
    public static let etherType: UInt16 = 0x8892
    /// The smallest C_SDU (shorter data is padded).
    public static let minCSDU = 40
    /// The largest C_SDU of an untagged frame.
    public static let maxCSDU = 1440
    /// CycleCounter, DataStatus, TransferStatus.
    public static let apduStatus = 4
    /// RT_CLASS_1 frame IDs (unicast and multicast).
    public static let rtClass1First: UInt16 = 0x8000
    public static let rtClass1Last: UInt16 = 0xFBFF
    /// IOPS/IOCS: good (by the provider or consumer), and bad.
    public static let good: UInt8 = 0x80
    public static let bad: UInt8 = 0x00
    /// A send clock of 1 is 31.25 us.
    public static let clockNs: UInt64 = 31_250
}

/// DataStatus bits (IEC 61158-6-10 §4.7.2.1.3).
public enum PNDataStatus {
    public static let primary: UInt8 = 0x01
    public static let redundancy: UInt8 = 0x02
    public static let dataValid: UInt8 = 0x04
    /// ProviderState: run (0: stop).
    public static let run: UInt8 = 0x10
    /// StationProblemIndicator: 1 normal, 0 a problem (diagnosis pending).
    public static let stationOK: UInt8 = 0x20
    public static let ignore: UInt8 = 0x40
    /// What a healthy provider sends: primary, data valid, run, no problem.
    public static let normal: UInt8 = primary | dataValid | run | stationOK
}

/// Why a received frame is not an RT frame.
public enum PNRTFrameError: Error, Sendable, Equatable {
    case truncated
    case notPROFINET(etherType: UInt16)
    /// A PROFINET frame outside the RT_CLASS_1 range (DCP, alarms, PTCP).
    case notCyclic(frameID: UInt16)
}

/// An RT frame as read: its FrameID, where its C_SDU lies and its APDU status.
public struct PNRTFrame: Sendable, Equatable {
    public var source: EthernetAddress
    public var frameID: UInt16
    /// Offset of the C_SDU in the frame.
    public var dataOffset: Int
    /// Bytes from the C_SDU to the APDU status (the C_SDU with any padding).
    public var dataLength: Int
    public var cycleCounter: UInt16
    public var dataStatus: UInt8
    public var transferStatus: UInt8

    /// Reads `frame` (Ethernet header included). The APDU status is the last 4 bytes: a frame carries no FCS here,
    /// and a short frame the sender padded to 60 bytes still has its status at its end only when the C_SDU was
    /// padded to 40 bytes, as the standard requires.
    // @implements SWR-PN-RT-1
    public init(reading frame: UnsafeRawBufferPointer) throws(PNRTFrameError) {
        guard frame.count >= 14 + 2 + PNRTWire.apduStatus else { throw .truncated }
        var o = 12
        var type = UInt16(frame[o]) << 8 | UInt16(frame[o + 1])
        if type == 0x8100 {
            o += 4
            guard frame.count >= o + 2 + 2 + PNRTWire.apduStatus else { throw .truncated }
            type = UInt16(frame[o]) << 8 | UInt16(frame[o + 1])
        }
        guard type == PNRTWire.etherType else { throw .notPROFINET(etherType: type) }
        o += 2
        let id = UInt16(frame[o]) << 8 | UInt16(frame[o + 1])
        guard id >= PNRTWire.rtClass1First && id <= PNRTWire.rtClass1Last else { throw .notCyclic(frameID: id) }
        source = EthernetAddress.read(frame, at: 6)
        frameID = id
        dataOffset = o + 2
        let status = frame.count - PNRTWire.apduStatus
        dataLength = status - dataOffset
        cycleCounter = UInt16(frame[status]) << 8 | UInt16(frame[status + 1])
        dataStatus = frame[status + 2]
        transferStatus = frame[status + 3]
    }
}

/// Writes RT frames of one IOCR into a caller-owned buffer: the header once, then the C_SDU in place and the
/// status for each cycle.
public struct PNRTFrameWriter {
    public let buffer: UnsafeMutableRawBufferPointer
    /// Offset of the C_SDU.
    public let dataOffset: Int
    /// The C_SDU's length as sent (the IOCR's DataLength, at least 40).
    public let dataLength: Int
    /// The whole frame's length.
    public var frameLength: Int { dataOffset + dataLength + PNRTWire.apduStatus }

    /// A frame to `destination` from `source` with `frameID` and a C_SDU of `dataLength` bytes (zeroed), tagged
    /// with VLAN 0 priority 6 when `vlan`. nil when it does not fit the buffer or one frame.
    public init?(buffer: UnsafeMutableRawBufferPointer, destination: EthernetAddress, source: EthernetAddress,
                 frameID: UInt16, dataLength: Int, vlan: Bool = false) {
        let length = max(dataLength, PNRTWire.minCSDU)
        let header = vlan ? 18 : 14
        guard dataLength >= 0, length <= PNRTWire.maxCSDU, header + 2 + length + PNRTWire.apduStatus <= buffer.count else { return nil }
        self.buffer = buffer
        destination.write(buffer, at: 0)
        source.write(buffer, at: 6)
        var o = 12
        if vlan {
            buffer[12] = 0x81; buffer[13] = 0x00
            buffer[14] = 0xC0; buffer[15] = 0x00  // PCP 6, VID 0
            o = 16
        }
        buffer[o] = 0x88
        buffer[o + 1] = 0x92
        buffer[o + 2] = UInt8(frameID >> 8)
        buffer[o + 3] = UInt8(frameID & 0xFF)
        dataOffset = o + 4
        self.dataLength = length
        for i in dataOffset..<(dataOffset + length + PNRTWire.apduStatus) { buffer[i] = 0 }
    }

    /// Sets the APDU status of the next frame.
    public func setStatus(cycleCounter: UInt16, dataStatus: UInt8, transferStatus: UInt8 = 0) {
        let s = dataOffset + dataLength
        buffer[s] = UInt8(cycleCounter >> 8)
        buffer[s + 1] = UInt8(cycleCounter & 0xFF)
        buffer[s + 2] = dataStatus
        buffer[s + 3] = transferStatus
    }

    /// The C_SDU, to fill in place.
    public var data: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: buffer[dataOffset..<(dataOffset + dataLength)]) }

    /// The frame to send.
    public var frame: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[0..<frameLength]) }
}

/// Counters of a consumer (the frames it takes from its provider).
public struct PNRTCounters: Sendable, Equatable {
    public var received: UInt64 = 0
    /// Frames of this IOCR with the wrong length, or from another source: dropped.
    public var malformed: UInt64 = 0
    /// Frames whose cycle counter did not advance (repeated or old): dropped.
    public var stale: UInt64 = 0
    /// Frames with DataValid clear or the provider in stop: counted, their data not taken.
    public var invalid: UInt64 = 0
    public var sent: UInt64 = 0
    public init() {}
}

/// The cycle counter's distance from `old` to `new`, in 31.25 us units (it wraps at 65536).
public func pnCycleDistance(from old: UInt16, to new: UInt16) -> UInt16 { new &- old }
