// The ISO-TP sender: segments one message into a single frame or a first frame and consecutive frames, and
// follows the receiver's flow control (block size, STmin, wait, overflow) under the N_As and N_Bs timers.

/// Sends one ISO-TP message at a time. Event-driven: call `start` with the message, then `receive` with
/// every frame from the bus and `tick` at (or after) `nextDeadlineNs`; each returns what happened.
/// The message bytes stay the caller's and must stay valid until the transfer ends.
/// Behaviour follows Linux's can-isotp where the standard leaves room: BS/STmin are taken from the first
/// clear-to-send flow control of a message, reserved STmin values mean 127 ms, the first consecutive frame
/// after a flow control goes out at once and the next ones STmin apart.
public struct ISOTPSender {
    public enum State: Equatable, Sendable {
        /// No transfer running.
        case idle
        /// A first frame or a block went out; flow control is due within N_Bs.
        case waitingForFlowControl
        /// Sending consecutive frames.
        case sending
    }

    public let config: ISOTPConfig
    public private(set) var state: State = .idle

    var message: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    /// Bytes of the message already handed to the link.
    public private(set) var offset: Int = 0
    var sequence: UInt8 = 0
    /// Consecutive frames sent in the current block.
    var blockCount: Int = 0
    /// The block size and gap from the first flow control (nil until then).
    var peerBlockSize: Int = 0
    var gapNs: UInt64 = 0
    var haveParameters = false
    var waitCount = 0
    /// A frame the link refused, to retry (the frame kind tells what to do once it is out).
    var pending: CANFrame = CANFrame()
    var hasPending = false
    var pendingSince: UInt64 = 0
    /// When the next consecutive frame may go (sending) or flow control must have come (waiting).
    var deadline: UInt64 = 0
    /// Frames handed to the link for this message (for callers counting bus load).
    public private(set) var framesSent: Int = 0
    /// Flow control wait frames received for this message.
    public private(set) var waitFramesReceived: Int = 0

    public init(config: ISOTPConfig) {
        self.config = config
    }

    /// Whether a transfer is running.
    public var isBusy: Bool { state != .idle }

    /// When `tick` has something to do: a consecutive frame due, a flow control timeout, or a refused frame
    /// to retry (then the retry is due at once). Nil when idle.
    public var nextDeadlineNs: UInt64? {
        if state == .idle { return nil }
        if hasPending { return pendingSince }
        return deadline
    }

    /// Starts sending `message` (1 byte ... 2^32 − 1 bytes), sending the single or first frame now.
    /// Returns `sent` for a message that fits a single frame (and was taken by the link).
    // @implements SWR-CAN-ISOTP-1
    public mutating func start<Link: CANFrameLink>(_ message: UnsafeRawBufferPointer, nowNs: UInt64,
                                                   link: inout Link) throws(ISOTPError) -> ISOTPEvents {
        guard state == .idle else { throw .busy }
        guard config.isValid else { throw .invalidConfig }
        guard message.count > 0, UInt64(message.count) <= UInt64(UInt32.max) else { throw .invalidLength }
        self.message = message
        offset = 0
        framesSent = 0
        waitFramesReceived = 0
        waitCount = 0
        haveParameters = false
        blockCount = 0
        let txDL = config.txDataLength
        var escape = txDL > 8 ? 1 : 0
        var frame = ISOTPFrame.make(config)
        if message.count <= txDL - 1 - escape {
            // Single frame; the escape byte is only needed when the content does not fit 8 bytes.
            if message.count <= 7 { escape = 0 }
            let pci = 1 + escape
            if escape == 0 {
                frame.data[0] = ISOTPFrame.singleFrame | UInt8(message.count)
            } else {
                frame.data[0] = ISOTPFrame.singleFrame
                frame.data[1] = UInt8(message.count)
            }
            copy(into: &frame, at: pci, count: message.count)
            ISOTPFrame.finish(&frame, contentLength: pci + message.count, full: pci + message.count == txDL,
                              config: config)
            state = .sending
            return transmit(&frame, nowNs: nowNs, link: &link)
        }
        // First frame: 12-bit length, or 0 and a 32-bit length above 4095.
        let pci: Int
        if message.count > 4095 {
            let n = UInt32(message.count)
            frame.data[0] = ISOTPFrame.firstFrame
            frame.data[1] = 0
            frame.data[2] = UInt8(truncatingIfNeeded: n >> 24)
            frame.data[3] = UInt8(truncatingIfNeeded: n >> 16)
            frame.data[4] = UInt8(truncatingIfNeeded: n >> 8)
            frame.data[5] = UInt8(truncatingIfNeeded: n)
            pci = 6
        } else {
            frame.data[0] = ISOTPFrame.firstFrame | UInt8(message.count >> 8)
            frame.data[1] = UInt8(truncatingIfNeeded: message.count)
            pci = 2
        }
        copy(into: &frame, at: pci, count: txDL - pci)
        ISOTPFrame.finish(&frame, contentLength: txDL, full: true, config: config)
        sequence = 1
        state = .waitingForFlowControl
        return transmit(&frame, nowNs: nowNs, link: &link)
    }

    /// Feeds a frame from the bus; only flow control on the receive id matters to a sender.
    // @implements SWR-CAN-ISOTP-3
    // @implements SWR-CAN-ISOTP-2
    public mutating func receive<Link: CANFrameLink>(_ frame: CANFrame, nowNs: UInt64,
                                                     link: inout Link) -> ISOTPEvents {
        var f = frame
        guard config.isForUs(&f), f.data[0] & 0xF0 == ISOTPFrame.flowControl else { return .none }
        guard state == .waitingForFlowControl, !hasPending else { return .none }
        // A flow control after N_Bs ran out is too late, even if no tick came in between.
        if nowNs >= deadline { return fail(.timeoutBs) }
        guard f.length >= 3 else { return fail(.malformedFlowControl) }
        switch f.data[0] & 0x0F {
        case 0:
            waitCount = 0
            if !haveParameters {
                haveParameters = true
                peerBlockSize = Int(f.data[1])
                gapNs = config.forcedTxGapNs ?? ISOTPSTmin.nanoseconds(f.data[2])
            }
            blockCount = 0
            state = .sending
            deadline = nowNs
            return sendDue(nowNs: nowNs, link: &link)
        case 1:
            waitCount += 1
            waitFramesReceived += 1
            if config.maxWaitFrames > 0 && waitCount > config.maxWaitFrames { return fail(.waitLimit) }
            deadline = nowNs &+ config.nBsNs
            return .none
        case 2:
            return fail(.bufferOverflow)
        default:
            return fail(.invalidFlowStatus)
        }
    }

    /// Advances time: sends consecutive frames that are due, retries a refused frame, and ends the transfer
    /// with `.timeoutBs`/`.timeoutAs` when flow control or the link is late.
    // @implements SWR-CAN-ISOTP-2
    public mutating func tick<Link: CANFrameLink>(nowNs: UInt64, link: inout Link) -> ISOTPEvents {
        if state == .idle { return .none }
        if hasPending {
            if link.send(&pending) {
                hasPending = false
                return afterSend(nowNs: nowNs, link: &link)
            }
            if nowNs >= pendingSince &+ config.nAsNs { return fail(.timeoutAs) }
            return .none
        }
        switch state {
        case .waitingForFlowControl:
            return nowNs >= deadline ? fail(.timeoutBs) : .none
        case .sending:
            return sendDue(nowNs: nowNs, link: &link)
        case .idle:
            return .none
        }
    }

    /// Abandons the transfer (nothing more is sent).
    public mutating func cancel() {
        state = .idle
        hasPending = false
        message = UnsafeRawBufferPointer(start: nil, count: 0)
    }

    // MARK: - Internals

    mutating func fail(_ error: ISOTPError) -> ISOTPEvents {
        cancel()
        return ISOTPEvents(error: error)
    }

    /// Sends every consecutive frame whose time has come (a burst when STmin is 0), up to the block end.
    mutating func sendDue<Link: CANFrameLink>(nowNs: UInt64, link: inout Link) -> ISOTPEvents {
        while state == .sending && !hasPending && nowNs >= deadline {
            var frame = ISOTPFrame.make(config)
            frame.data[0] = ISOTPFrame.consecutiveFrame | sequence
            sequence = (sequence + 1) & 0x0F
            let space = config.txDataLength - 1
            let n = min(message.count - offset, space)
            copy(into: &frame, at: 1, count: n)
            ISOTPFrame.finish(&frame, contentLength: 1 + n, full: n == space, config: config)
            blockCount += 1
            let events = transmit(&frame, nowNs: nowNs, link: &link)
            if !events.isEmpty { return events }
        }
        return .none
    }

    /// Hands a frame to the link (keeping it for retries when refused) and moves the state on.
    mutating func transmit<Link: CANFrameLink>(_ frame: inout CANFrame, nowNs: UInt64,
                                               link: inout Link) -> ISOTPEvents {
        if link.send(&frame) { return afterSend(nowNs: nowNs, link: &link) }
        pending = frame
        hasPending = true
        pendingSince = nowNs
        return .none
    }

    /// What follows a frame the link took: the end of the message, a flow control wait, or the next gap.
    // @implements SWR-CAN-ISOTP-3
    mutating func afterSend<Link: CANFrameLink>(nowNs: UInt64, link: inout Link) -> ISOTPEvents {
        framesSent += 1
        if state == .waitingForFlowControl {
            // The first frame (or a refused one that finally went): flow control is due within N_Bs.
            deadline = nowNs &+ config.nBsNs
            return .none
        }
        if offset >= message.count {
            cancel()
            return ISOTPEvents(sent: true)
        }
        if peerBlockSize > 0 && blockCount >= peerBlockSize {
            state = .waitingForFlowControl
            deadline = nowNs &+ config.nBsNs
            return .none
        }
        deadline = nowNs &+ gapNs
        return .none
    }

    mutating func copy(into frame: inout CANFrame, at index: Int, count: Int) {
        var i = 0
        while i < count {
            frame.data[index + i] = message[offset]
            offset += 1
            i += 1
        }
    }
}
