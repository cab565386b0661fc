// ISO-TP (ISO 15765-2) configuration, results and the frame link the state machines send through.

/// Where ISO-TP frames go: a CAN driver's transmit queue, a SocketCAN socket, a simulated bus.
/// `send` returns false when the frame could not be queued now; the state machine retries on its next
/// `tick` until its N_As/N_Ar time runs out. The frame is `inout` so large frames are never copied.
public protocol CANFrameLink {
    mutating func send(_ frame: inout CANFrame) -> Bool
}

/// How ISO-TP fills the unused bytes of a frame.
public enum ISOTPPadding: Equatable, Sendable {
    /// No padding: classic frames are as long as their content (minimum DLC); CAN FD frames longer than
    /// 8 bytes are filled up to the next FD length with 0xCC, as Linux does.
    case none
    /// Frames shorter than 8 bytes are filled up to 8, longer FD frames up to the next FD length, with this
    /// byte (Linux's CAN_ISOTP_TX_PADDING with txpad_content).
    case pad(UInt8)
}

/// Why an ISO-TP transfer ended without its message (ISO 15765-2's N_Result values, plus local causes).
public enum ISOTPError: Error, Equatable, Sendable {
    /// N_TIMEOUT_A: the link did not take a frame within N_As (sender) or N_Ar (receiver's flow control).
    case timeoutAs
    case timeoutAr
    /// N_TIMEOUT_Bs: no flow control frame within N_Bs after a first frame, a block or a wait frame.
    case timeoutBs
    /// N_TIMEOUT_Cr: no consecutive frame within N_Cr.
    case timeoutCr
    /// N_WRONG_SN: a consecutive frame carried the wrong sequence number.
    case wrongSequenceNumber
    /// N_UNEXP_PDU: a single or first frame arrived while a message was being received; that message was
    /// dropped (the new frame starts a new reception).
    case unexpectedPDU
    /// N_BUFFER_OVFLW: the receiver's buffer is smaller than the message (the receiver sent FC overflow), or
    /// the sender got FC overflow from its peer.
    case bufferOverflow
    /// N_WFT_OVRN: more consecutive FC wait frames than `maxWaitFrames`.
    case waitLimit
    /// N_INVALID_FS: a flow control frame with a reserved flow status.
    case invalidFlowStatus
    /// A flow control frame shorter than its 3 bytes.
    case malformedFlowControl
    /// `start` while a transfer is running.
    case busy
    /// A message of 0 bytes or above 2^32 − 1, which ISO-TP cannot carry.
    case invalidLength
    /// A configuration ISO-TP cannot run (TX_DL not 8 or a CAN FD length, FD length on classic CAN, an id too large).
    case invalidConfig
}

/// What one call into a sender or receiver produced.
public struct ISOTPEvents: Equatable, Sendable {
    /// A transfer ended in this error (for a receiver: a partly received message was dropped).
    public var error: ISOTPError?
    /// Receiver: a complete message of this many bytes is in the buffer (`ISOTPReceiver.message`).
    public var receivedLength: Int?
    /// Sender: the last frame of the message was handed to the link.
    public var sent: Bool

    public init(error: ISOTPError? = nil, receivedLength: Int? = nil, sent: Bool = false) {
        self.error = error
        self.receivedLength = receivedLength
        self.sent = sent
    }

    /// Nothing happened.
    public static let none = ISOTPEvents()
    /// Whether nothing happened.
    public var isEmpty: Bool { error == nil && receivedLength == nil && !sent }
}

/// One ISO-TP channel with normal addressing: the ids, the frame format and the protocol parameters.
/// Defaults are Linux's can-isotp defaults (BS 0, STmin 0, no padding, 1 s timeouts).
public struct ISOTPConfig: Equatable, Sendable {
    /// Identifier this side transmits on (first/single/consecutive frames, and our flow control).
    public var txId: UInt32
    /// Identifier this side receives on (the peer's data frames and flow control).
    public var rxId: UInt32
    /// 29-bit identifiers for `txId`/`rxId` (default: whether the id needs more than 11 bits).
    public var txExtended: Bool
    public var rxExtended: Bool
    /// Send and accept CAN FD frames (like an isotp socket with CAN_ISOTP_LL_OPTS mtu 72). Classic and FD
    /// frames are never mixed: the other kind is ignored on receive.
    public var fd: Bool
    /// TX_DL: the longest frame sent, 8 for classic CAN, 8...64 (an FD length) on CAN FD.
    public var txDataLength: Int
    /// Set the bit rate switch on transmitted FD frames.
    public var bitRateSwitch: Bool
    /// Padding of transmitted frames (and of our flow control frames).
    public var padding: ISOTPPadding
    /// Block size this side asks for in its flow control (0 = no further flow control).
    public var blockSize: UInt8
    /// STmin this side asks for, raw encoding: 0x00...0x7F ms, 0xF1...0xF9 = 100...900 µs.
    public var stMin: UInt8
    /// If set, the gap between our consecutive frames, in ns, instead of the peer's STmin
    /// (Linux's CAN_ISOTP_FORCE_TXSTMIN).
    public var forcedTxGapNs: UInt64?
    /// Most FC wait frames accepted in a row before giving up with `.waitLimit` (N_WFTmax); 0 = no limit.
    public var maxWaitFrames: Int
    /// N_As / N_Ar: how long the link may refuse a frame.
    public var nAsNs: UInt64
    /// N_Bs: how long the sender waits for flow control.
    public var nBsNs: UInt64
    /// N_Cr: how long the receiver waits for the next consecutive frame.
    public var nCrNs: UInt64

    public init(txId: UInt32, rxId: UInt32, extended: Bool? = nil, fd: Bool = false, txDataLength: Int? = nil,
                bitRateSwitch: Bool = false, padding: ISOTPPadding = .none, blockSize: UInt8 = 0, stMin: UInt8 = 0,
                forcedTxGapNs: UInt64? = nil, maxWaitFrames: Int = 16, nAsNs: UInt64 = 1_000_000_000,
                nBsNs: UInt64 = 1_000_000_000, nCrNs: UInt64 = 1_000_000_000) {
        self.txId = txId
        self.rxId = rxId
        txExtended = extended ?? (txId > CANFrame.standardMask)
        rxExtended = extended ?? (rxId > CANFrame.standardMask)
        self.fd = fd
        self.txDataLength = txDataLength ?? (fd ? 64 : 8)
        self.bitRateSwitch = bitRateSwitch
        self.padding = padding
        self.blockSize = blockSize
        self.stMin = stMin
        self.forcedTxGapNs = forcedTxGapNs
        self.maxWaitFrames = maxWaitFrames
        self.nAsNs = nAsNs
        self.nBsNs = nBsNs
        self.nCrNs = nCrNs
    }

    /// Whether the configuration can run: TX_DL 8 on classic CAN, a CAN FD length of at least 8 on FD, ids
    /// that fit their width.
    public var isValid: Bool {
        let txOK = txId <= (txExtended ? CANFrame.extendedMask : CANFrame.standardMask)
        let rxOK = rxId <= (rxExtended ? CANFrame.extendedMask : CANFrame.standardMask)
        let dlOK = fd ? (txDataLength >= 8 && CANDLC.isFDLength(txDataLength)) : txDataLength == 8
        return txOK && rxOK && dlOK && maxWaitFrames >= 0
    }

    /// Whether `frame` is addressed to this channel: the receive id, its width, and the configured frame kind.
    @inlinable
    public func isForUs(_ frame: inout CANFrame) -> Bool {
        frame.id == rxId && frame.isExtended == rxExtended && !frame.isRemote && !frame.isError && frame.isFD == fd
            && frame.length > 0
    }
}

/// STmin: the raw byte of a flow control frame and the gap it stands for.
public enum ISOTPSTmin {
    /// The minimum gap in nanoseconds for a raw STmin byte: 0x00...0x7F are milliseconds, 0xF1...0xF9 are
    /// 100...900 µs, and every reserved value counts as 0x7F (127 ms), as ISO 15765-2 says.
    // @implements SWR-CAN-ISOTP-3
    @inlinable
    public static func nanoseconds(_ raw: UInt8) -> UInt64 {
        if raw <= 0x7F { return UInt64(raw) * 1_000_000 }
        if raw >= 0xF1 && raw <= 0xF9 { return UInt64(raw - 0xF0) * 100_000 }
        return 127 * 1_000_000
    }
}

/// Frame layout helpers shared by sender and receiver.
@usableFromInline
enum ISOTPFrame {
    @usableFromInline static let singleFrame: UInt8 = 0x00
    @usableFromInline static let firstFrame: UInt8 = 0x10
    @usableFromInline static let consecutiveFrame: UInt8 = 0x20
    @usableFromInline static let flowControl: UInt8 = 0x30
    /// Linux's fill byte for the mandatory padding of FD frames when no padding byte is configured.
    @usableFromInline static let defaultPad: UInt8 = 0xCC

    /// Linux's padlen(): the frame length a padded frame of `length` bytes gets (at least 8).
    @inlinable
    static func paddedLength(_ length: Int) -> Int {
        length <= 8 ? 8 : CANDLC.paddedLength(length)
    }

    /// An empty frame on `config`'s transmit id.
    @inlinable
    static func make(_ config: ISOTPConfig) -> CANFrame {
        var frame = CANFrame()
        frame.id = config.txId
        frame.isExtended = config.txExtended
        frame.isFD = config.fd
        frame.bitRateSwitch = config.fd && config.bitRateSwitch
        return frame
    }

    /// Sets the frame's length to `contentLength` plus the padding `config` asks for when the content does
    /// not fill TX_DL, filling the padding with the pad byte.
    @inlinable
    static func finish(_ frame: inout CANFrame, contentLength: Int, full: Bool, config: ISOTPConfig) {
        var length = contentLength
        var pad: UInt8 = defaultPad
        if !full {
            switch config.padding {
            case .pad(let byte):
                length = paddedLength(contentLength)
                pad = byte
            case .none:
                if contentLength > 8 { length = paddedLength(contentLength) }
            }
        }
        var i = contentLength
        while i < length {
            frame.data[i] = pad
            i += 1
        }
        // Lengths here are valid for the frame kind: ≤ 8, or an FD length on FD.
        try? frame.setLength(length)
    }
}
