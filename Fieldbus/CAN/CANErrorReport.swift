// SocketCAN error frames (linux/can/error.h) decoded into a typed report, and described as candump -e does.

import Kernel

/// Controller status bits of an error frame (`data[1]`, `CAN_ERR_CRTL_*`).
public struct CANControllerStatus: BitFlags, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let rxOverflow = CANControllerStatus(rawValue: 0x01)
    public static let txOverflow = CANControllerStatus(rawValue: 0x02)
    public static let rxWarning = CANControllerStatus(rawValue: 0x04)
    public static let txWarning = CANControllerStatus(rawValue: 0x08)
    public static let rxPassive = CANControllerStatus(rawValue: 0x10)
    public static let txPassive = CANControllerStatus(rawValue: 0x20)
    /// Recovered to error active.
    public static let active = CANControllerStatus(rawValue: 0x40)
}

/// Protocol violation type bits of an error frame (`data[2]`, `CAN_ERR_PROT_*`).
public struct CANProtocolErrorType: BitFlags, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bit = CANProtocolErrorType(rawValue: 0x01)
    public static let form = CANProtocolErrorType(rawValue: 0x02)
    public static let stuff = CANProtocolErrorType(rawValue: 0x04)
    /// Unable to send a dominant bit.
    public static let bit0 = CANProtocolErrorType(rawValue: 0x08)
    /// Unable to send a recessive bit.
    public static let bit1 = CANProtocolErrorType(rawValue: 0x10)
    public static let overload = CANProtocolErrorType(rawValue: 0x20)
    public static let activeError = CANProtocolErrorType(rawValue: 0x40)
    /// The error occurred while transmitting.
    public static let onTransmit = CANProtocolErrorType(rawValue: 0x80)
}

/// The error state a controller reports, from the controller status bits and the bus-off class.
public enum CANErrorState: Equatable, Sendable {
    case active
    case warning
    case passive
    case busOff
}

/// A decoded SocketCAN error frame: the classes in its id and the details in its eight data bytes.
public struct CANErrorReport: Equatable, Sendable {
    /// The error classes reported (`can_id & CAN_ERR_MASK`).
    public var classes: CANErrorClass
    /// Bit position where arbitration was lost (data[0], 0 = unspecified); meaningful with `.lostArbitration`.
    public var arbitrationLostBit: UInt8
    /// Controller status (data[1]); meaningful with `.controller`.
    public var controller: CANControllerStatus
    /// Protocol violation type (data[2]); meaningful with `.protocolViolation`.
    public var protocolType: CANProtocolErrorType
    /// Protocol violation location (data[3], a `CAN_ERR_PROT_LOC_*` code).
    public var protocolLocation: UInt8
    /// Transceiver status (data[4], a `CAN_ERR_TRX_*` code).
    public var transceiver: UInt8
    /// Transmit error counter (data[6]).
    public var txErrorCount: UInt8
    /// Receive error counter (data[7]).
    public var rxErrorCount: UInt8

    /// An empty report (no classes).
    public init() {
        classes = CANErrorClass()
        arbitrationLostBit = 0
        controller = CANControllerStatus()
        protocolType = CANProtocolErrorType()
        protocolLocation = 0
        transceiver = 0
        txErrorCount = 0
        rxErrorCount = 0
    }

    /// Decodes an error frame; nil for a data or remote frame.
    // @implements SWR-CAN-ERR-1
    public init?(_ frame: CANFrame) {
        guard frame.isError else { return nil }
        var f = frame
        self.init(canId: f.socketCANId, data: &f.data, length: Int(f.length))
    }

    /// Decodes SocketCAN's `can_id` and data bytes of an error frame (bytes beyond `length` read as 0).
    public init(canId: UInt32, data: inout InlineArray<64, UInt8>, length: Int) {
        self.init()
        classes = CANErrorClass(rawValue: canId & CANFrame.extendedMask)
        var bytes = InlineArray<8, UInt8>(repeating: 0)
        var i = 0
        while i < 8 && i < length {
            bytes[i] = data[i]
            i += 1
        }
        arbitrationLostBit = bytes[0]
        controller = CANControllerStatus(rawValue: bytes[1])
        protocolType = CANProtocolErrorType(rawValue: bytes[2])
        protocolLocation = bytes[3]
        transceiver = bytes[4]
        txErrorCount = bytes[6]
        rxErrorCount = bytes[7]
    }

    /// The worst error state the report shows (bus-off > passive > warning > active).
    public var state: CANErrorState {
        if classes.contains(.busOff) { return .busOff }
        if controller.contains(.rxPassive) || controller.contains(.txPassive) { return .passive }
        if controller.contains(.rxWarning) || controller.contains(.txWarning) { return .warning }
        return .active
    }

    /// Writes the description candump -e prints after `ERRORFRAME`: the class names joined by `separator`
    /// with their details in braces, e.g. `controller-problem{rx-error-warning},error-counter-tx-rx{{0}{97}}`.
    // @implements SWR-CAN-ERR-1
    public func describe<Sink: ByteSink>(into sink: inout Sink, separator: StaticString = ",") {
        var first = true
        var bit: UInt32 = 1
        var index = 0
        while index < 10 {
            if classes.rawValue & bit != 0 {
                if !first { sink.write(separator) }
                first = false
                sink.write(CANErrorReport.className(index))
                switch index {
                case 1:
                    sink.write("{at bit ")
                    sink.write(decimal: UInt64(arbitrationLostBit))
                    sink.write("}")
                case 2:
                    sink.write("{")
                    writeBits(controller.rawValue, names: CANErrorReport.controllerName, count: 7, into: &sink)
                    sink.write("}")
                case 3:
                    sink.write("{{")
                    writeBits(protocolType.rawValue, names: CANErrorReport.protocolTypeName, count: 8, into: &sink)
                    sink.write("}{")
                    if protocolLocation > 0 && protocolLocation < 32 {
                        sink.write(CANErrorReport.locationName(protocolLocation))
                    }
                    sink.write("}}")
                case 9:
                    writeCounters(into: &sink)
                default:
                    break
                }
            }
            bit <<= 1
            index += 1
        }
        if !classes.contains(.counters) && (txErrorCount != 0 || rxErrorCount != 0) {
            sink.write(separator)
            sink.write("error-counter-tx-rx")
            writeCounters(into: &sink)
        }
    }

    func writeCounters<Sink: ByteSink>(into sink: inout Sink) {
        sink.write("{{")
        sink.write(decimal: UInt64(txErrorCount))
        sink.write("}{")
        sink.write(decimal: UInt64(rxErrorCount))
        sink.write("}}")
    }

    func writeBits<Sink: ByteSink>(_ bits: UInt8, names: (Int) -> StaticString, count: Int, into sink: inout Sink) {
        var first = true
        var i = 0
        while i < count {
            if bits & (1 << UInt8(i)) != 0 {
                if !first { sink.write(",") }
                first = false
                sink.write(names(i))
            }
            i += 1
        }
    }

    /// candump's name for error class bit `index`.
    public static func className(_ index: Int) -> StaticString {
        switch index {
        case 0: return "tx-timeout"
        case 1: return "lost-arbitration"
        case 2: return "controller-problem"
        case 3: return "protocol-violation"
        case 4: return "transceiver-status"
        case 5: return "no-acknowledgement-on-tx"
        case 6: return "bus-off"
        case 7: return "bus-error"
        case 8: return "restarted-after-bus-off"
        default: return "error-counter-tx-rx"
        }
    }

    static func controllerName(_ index: Int) -> StaticString {
        switch index {
        case 0: return "rx-overflow"
        case 1: return "tx-overflow"
        case 2: return "rx-error-warning"
        case 3: return "tx-error-warning"
        case 4: return "rx-error-passive"
        case 5: return "tx-error-passive"
        default: return "back-to-error-active"
        }
    }

    static func protocolTypeName(_ index: Int) -> StaticString {
        switch index {
        case 0: return "single-bit-error"
        case 1: return "frame-format-error"
        case 2: return "bit-stuffing-error"
        case 3: return "tx-dominant-bit-error"
        case 4: return "tx-recessive-bit-error"
        case 5: return "bus-overload"
        case 6: return "active-error"
        default: return "error-on-tx"
        }
    }

    /// candump's name for a protocol violation location code (0...31).
    public static func locationName(_ code: UInt8) -> StaticString {
        switch code {
        case 0x02: return "id.28-to-id.21"
        case 0x03: return "start-of-frame"
        case 0x04: return "bit-srtr"
        case 0x05: return "bit-ide"
        case 0x06: return "id.20-to-id.18"
        case 0x07: return "id.17-to-id.13"
        case 0x08: return "crc-sequence"
        case 0x09: return "reserved-bit-0"
        case 0x0A: return "data-field"
        case 0x0B: return "data-length-code"
        case 0x0C: return "bit-rtr"
        case 0x0D: return "reserved-bit-1"
        case 0x0E: return "id.4-to-id.0"
        case 0x0F: return "id.12-to-id.5"
        case 0x11: return "active-error-flag"
        case 0x12: return "intermission"
        case 0x13: return "tolerate-dominant-bits"
        case 0x16: return "passive-error-flag"
        case 0x17: return "error-delimiter"
        case 0x18: return "crc-delimiter"
        case 0x19: return "acknowledge-slot"
        case 0x1A: return "end-of-frame"
        case 0x1B: return "acknowledge-delimiter"
        case 0x1C: return "overload-flag"
        default: return "unspecified"
        }
    }
}

/// A fixed-size text buffer that is a `ByteSink`: what a caller without heap writes descriptions into.
/// Bytes beyond the capacity are dropped and counted in `overflow`.
public struct CANTextBuffer: ByteSink, Sendable {
    public static let capacity = 256
    public var bytes: InlineArray<256, UInt8>
    public private(set) var count: Int
    public private(set) var overflow: Int

    public init() {
        bytes = InlineArray(repeating: 0)
        count = 0
        overflow = 0
    }

    public mutating func put(_ byte: UInt8) {
        if count < CANTextBuffer.capacity {
            bytes[count] = byte
            count += 1
        } else {
            overflow += 1
        }
    }

    /// Empties the buffer.
    public mutating func clear() {
        count = 0
        overflow = 0
    }

    /// Whether the text equals the literal `text`.
    public func equals(_ text: StaticString) -> Bool {
        var copy = self
        return copy.equalsInPlace(text)
    }

    /// `equals` without copying the buffer.
    public mutating func equalsInPlace(_ text: StaticString) -> Bool {
        guard text.utf8CodeUnitCount == count else { return false }
        let p = text.utf8Start
        var i = 0
        while i < count {
            if p[i] != bytes[i] { return false }
            i += 1
        }
        return true
    }
}
