// One CAN 2.0 or CAN FD frame, stored inline (no allocation), with the DLC/length mapping of both.

/// The data length code of a CAN frame and the payload lengths it stands for.
public enum CANDLC {
    /// The payload lengths CAN FD allows above 8 bytes, indexed by DLC 9...15.
    @usableFromInline static let fdLengths: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (12, 16, 20, 24, 32, 48, 64)

    /// Payload length for a 4-bit DLC: 0...8 for classic CAN (DLC 9...15 also mean 8), up to 64 for FD.
    public static func length(forDLC dlc: UInt8, fd: Bool) -> UInt8 {
        let code = dlc & 0x0F
        if code <= 8 { return code }
        guard fd else { return 8 }
        switch code {
        case 9: return fdLengths.0
        case 10: return fdLengths.1
        case 11: return fdLengths.2
        case 12: return fdLengths.3
        case 13: return fdLengths.4
        case 14: return fdLengths.5
        default: return fdLengths.6
        }
    }

    /// The smallest DLC whose length holds `length` bytes (lengths above 64 give 15).
    public static func dlc(forLength length: Int) -> UInt8 {
        if length <= 8 { return UInt8(max(length, 0)) }
        if length <= 12 { return 9 }
        if length <= 16 { return 10 }
        if length <= 20 { return 11 }
        if length <= 24 { return 12 }
        if length <= 32 { return 13 }
        if length <= 48 { return 14 }
        return 15
    }

    /// The length a payload of `length` bytes occupies on the bus: itself up to 8, else the next FD length.
    public static func paddedLength(_ length: Int) -> Int {
        Int(Self.length(forDLC: dlc(forLength: length), fd: true))
    }

    /// Whether `length` is one of CAN FD's lengths (0...8, 12, 16, 20, 24, 32, 48, 64).
    public static func isFDLength(_ length: Int) -> Bool {
        length >= 0 && length <= 64 && paddedLength(length) == length
    }
}

/// Why a frame could not be built.
public enum CANFrameError: Error, Equatable, Sendable {
    /// The identifier does not fit 11 bits (standard) or 29 bits (extended).
    case identifierTooLarge
    /// More data than the frame kind carries (8 classic, 64 FD), or an FD length that is not a valid FD size.
    case badLength
    /// A remote frame with data, or a remote CAN FD frame (FD has no remote frames).
    case badRemoteFrame
}

/// A CAN 2.0A/B or CAN FD frame. Error frames (as SocketCAN reports bus errors) set `isError`.
public struct CANFrame: Sendable {
    /// SocketCAN's flag bits in a 32-bit `can_id`: extended, remote, error.
    public static let extendedFlag: UInt32 = 0x8000_0000
    public static let remoteFlag: UInt32 = 0x4000_0000
    public static let errorFlag: UInt32 = 0x2000_0000
    /// Mask of a standard (11-bit) and an extended (29-bit) identifier.
    public static let standardMask: UInt32 = 0x7FF
    public static let extendedMask: UInt32 = 0x1FFF_FFFF
    /// SocketCAN's CAN FD flag bits (`canfd_frame.flags`).
    public static let fdBitRateSwitch: UInt8 = 0x01
    public static let fdErrorStateIndicator: UInt8 = 0x02
    public static let fdFrameFlag: UInt8 = 0x04

    /// The identifier (11 or 29 bits; for an error frame, the error class bits).
    public var id: UInt32
    /// 29-bit identifier (CAN 2.0B).
    public var isExtended: Bool
    /// Remote transmission request (classic CAN only).
    public var isRemote: Bool
    /// An error frame: `id` holds the error classes, the data their details (see `CANErrorReport`).
    public var isError: Bool
    /// A CAN FD frame.
    public var isFD: Bool
    /// CAN FD bit rate switch: the data phase runs at the data bitrate.
    public var bitRateSwitch: Bool
    /// CAN FD error state indicator: the sender is error passive.
    public var errorStateIndicator: Bool
    /// Payload length in bytes (for a remote frame: the requested length, the DLC).
    public private(set) var length: UInt8
    /// Payload bytes; only the first `length` count.
    public var data: InlineArray<64, UInt8>

    /// An empty classic data frame with a standard identifier 0.
    public init() {
        id = 0
        isExtended = false
        isRemote = false
        isError = false
        isFD = false
        bitRateSwitch = false
        errorStateIndicator = false
        length = 0
        data = InlineArray(repeating: 0)
    }

    /// A data frame. `extended` defaults to whether `id` needs more than 11 bits.
    public init(id: UInt32, extended: Bool? = nil, fd: Bool = false, bitRateSwitch: Bool = false,
                errorStateIndicator: Bool = false, data bytes: UnsafeBufferPointer<UInt8>) throws(CANFrameError) {
        self.init()
        let ext = extended ?? (id > CANFrame.standardMask)
        guard id <= (ext ? CANFrame.extendedMask : CANFrame.standardMask) else { throw .identifierTooLarge }
        guard bytes.count <= (fd ? 64 : 8), !fd || CANDLC.isFDLength(bytes.count) else { throw .badLength }
        guard fd || (!bitRateSwitch && !errorStateIndicator) else { throw .badLength }
        self.id = id
        isExtended = ext
        isFD = fd
        self.bitRateSwitch = bitRateSwitch
        self.errorStateIndicator = errorStateIndicator
        length = UInt8(bytes.count)
        for i in 0..<bytes.count { data[i] = bytes[i] }
    }

    /// A remote frame requesting `length` bytes (0...8).
    public static func remote(id: UInt32, extended: Bool? = nil, length: UInt8 = 0) throws(CANFrameError) -> CANFrame {
        let ext = extended ?? (id > CANFrame.standardMask)
        guard id <= (ext ? CANFrame.extendedMask : CANFrame.standardMask) else { throw .identifierTooLarge }
        guard length <= 8 else { throw .badRemoteFrame }
        var frame = CANFrame()
        frame.id = id
        frame.isExtended = ext
        frame.isRemote = true
        frame.length = length
        return frame
    }

    /// Sets the payload length (for frames filled through `data`), checking it against the frame kind.
    public mutating func setLength(_ newLength: Int) throws(CANFrameError) {
        guard newLength >= 0, newLength <= (isFD ? 64 : 8), !isFD || CANDLC.isFDLength(newLength) else { throw .badLength }
        length = UInt8(newLength)
    }

    /// The DLC sent on the bus for this frame's length.
    public var dlc: UInt8 { CANDLC.dlc(forLength: Int(length)) }

    /// The identifier with SocketCAN's flag bits, as `can_id` in `struct can_frame` and in filters.
    public var socketCANId: UInt32 {
        var value = id & (isExtended || isError ? CANFrame.extendedMask : CANFrame.standardMask)
        if isExtended { value |= CANFrame.extendedFlag }
        if isRemote { value |= CANFrame.remoteFlag }
        if isError { value |= CANFrame.errorFlag }
        return value
    }

    /// Splits a SocketCAN `can_id` into identifier and flags (data and length are left as they are).
    public mutating func setSocketCANId(_ value: UInt32) {
        isExtended = value & CANFrame.extendedFlag != 0
        isRemote = value & CANFrame.remoteFlag != 0
        isError = value & CANFrame.errorFlag != 0
        id = value & (isExtended || isError ? CANFrame.extendedMask : CANFrame.standardMask)
    }

    /// `canfd_frame.flags` for this frame.
    public var socketCANFDFlags: UInt8 {
        (bitRateSwitch ? CANFrame.fdBitRateSwitch : 0) | (errorStateIndicator ? CANFrame.fdErrorStateIndicator : 0)
            | (isFD ? CANFrame.fdFrameFlag : 0)
    }

    /// Byte `i` of the payload (0 beyond `length`).
    public func byte(_ i: Int) -> UInt8 { i < Int(length) ? data[i] : 0 }

    /// Whether two frames are the same on the bus: identifier, flags and the first `length` bytes.
    public func sameFrame(as other: CANFrame) -> Bool {
        guard id == other.id, isExtended == other.isExtended, isRemote == other.isRemote, isError == other.isError,
              isFD == other.isFD, bitRateSwitch == other.bitRateSwitch,
              errorStateIndicator == other.errorStateIndicator, length == other.length else { return false }
        if isRemote { return true }
        for i in 0..<Int(length) where data[i] != other.data[i] { return false }
        return true
    }
}
