// The ISO-TP receiver: reassembles single frames and first + consecutive frames into a caller-provided
// buffer, answers with flow control, and checks sequence numbers and the N_Cr timer.

/// Receives ISO-TP messages into a buffer the caller owns (static storage on a board, an allocation on a
/// host). Feed it every frame from the bus with `receive` and call `tick` at (or after) `nextDeadlineNs`;
/// when an event reports `receivedLength`, the message is in `message` until the next single or first frame
/// arrives (or `consume()`). A sender and a receiver can share one link and one stream of frames: each
/// ignores the frames that are not its business.
/// Behaviour follows Linux's can-isotp where the standard leaves room: the first frame's length fixes
/// RX_DL, only the last consecutive frame may be shorter, FF_DL values Linux accepts are accepted, a message
/// longer than the buffer is refused with FC overflow; where Linux stays silent the receiver reports
/// (an aborted reception is `.unexpectedPDU`).
public struct ISOTPReceiver {
    public enum State: Equatable, Sendable {
        case idle
        /// Inside a multi-frame message, waiting for consecutive frames.
        case receiving
    }

    public let config: ISOTPConfig
    public private(set) var state: State = .idle
    let buffer: UnsafeMutableRawBufferPointer

    /// Length of the message being received (FF_DL).
    public private(set) var expectedLength: Int = 0
    /// Bytes received so far.
    public private(set) var receivedCount: Int = 0
    var sequence: UInt8 = 0
    var rxDataLength: Int = 8
    var blockCount: Int = 0
    var deadline: UInt64 = 0
    var pending: CANFrame = CANFrame()
    var hasPending = false
    var pendingSince: UInt64 = 0
    var pendingIsOverflow = false
    /// The length of the complete message in the buffer, if one is there.
    public private(set) var completedLength: Int?

    /// A receiver writing messages into `buffer` (messages longer than it are refused with FC overflow).
    public init(config: ISOTPConfig, buffer: UnsafeMutableRawBufferPointer) {
        self.config = config
        self.buffer = buffer
    }

    /// The last complete message, valid until the next single/first frame or `consume()`.
    public var message: UnsafeRawBufferPointer? {
        guard let n = completedLength else { return nil }
        return UnsafeRawBufferPointer(rebasing: buffer[0..<n])
    }

    /// Marks the complete message as taken.
    public mutating func consume() { completedLength = nil }

    /// When `tick` has something to do: the N_Cr deadline, or at once when a flow control frame waits for
    /// the link. Nil when nothing is running.
    public var nextDeadlineNs: UInt64? {
        if hasPending { return pendingSince }
        return state == .receiving ? deadline : nil
    }

    /// Feeds a frame from the bus. Flow control and frames for other ids are ignored.
    // @implements SWR-CAN-ISOTP-1
    public mutating func receive<Link: CANFrameLink>(_ frame: CANFrame, nowNs: UInt64,
                                                     link: inout Link) -> ISOTPEvents {
        var f = frame
        guard config.isForUs(&f) else { return .none }
        var events = ISOTPEvents()
        // A consecutive frame after N_Cr ran out is late even if no tick came in between.
        if state == .receiving && !hasPending && nowNs >= deadline {
            abort()
            events.error = .timeoutCr
        }
        switch f.data[0] & 0xF0 {
        case ISOTPFrame.singleFrame:
            receiveSingle(&f, events: &events)
        case ISOTPFrame.firstFrame:
            receiveFirst(&f, nowNs: nowNs, link: &link, events: &events)
        case ISOTPFrame.consecutiveFrame:
            receiveConsecutive(&f, nowNs: nowNs, link: &link, events: &events)
        default:
            break
        }
        return events
    }

    /// Advances time: retries a flow control frame the link refused (failing with `.timeoutAr` after N_Ar)
    /// and ends a reception whose next consecutive frame is later than N_Cr with `.timeoutCr`.
    // @implements SWR-CAN-ISOTP-2
    public mutating func tick<Link: CANFrameLink>(nowNs: UInt64, link: inout Link) -> ISOTPEvents {
        if hasPending {
            if link.send(&pending) {
                hasPending = false
                if pendingIsOverflow { return ISOTPEvents(error: .bufferOverflow) }
                deadline = nowNs &+ config.nCrNs
                return .none
            }
            if nowNs >= pendingSince &+ config.nAsNs {
                let wasOverflow = pendingIsOverflow
                hasPending = false
                abort()
                return ISOTPEvents(error: wasOverflow ? .bufferOverflow : .timeoutAr)
            }
            return .none
        }
        if state == .receiving && nowNs >= deadline {
            abort()
            return ISOTPEvents(error: .timeoutCr)
        }
        return .none
    }

    /// Drops a reception in progress.
    public mutating func abort() {
        state = .idle
        hasPending = false
    }

    // MARK: - Frame kinds

    mutating func startNew(events: inout ISOTPEvents) {
        if state == .receiving {
            if events.error == nil { events.error = .unexpectedPDU }
            abort()
        }
        completedLength = nil
    }

    // @implements SWR-CAN-ISOTP-1
    mutating func receiveSingle(_ f: inout CANFrame, events: inout ISOTPEvents) {
        let length = Int(f.length)
        var pci = 1
        var size = Int(f.data[0] & 0x0F)
        if length > 8 {
            // On an FD frame longer than 8 bytes only the escape form (SF_DL 0, length in byte 1) is valid.
            guard size == 0 else { return }
            pci = 2
            size = Int(f.data[1])
        }
        guard size > 0, size <= length - pci else { return }
        startNew(events: &events)
        guard size <= buffer.count else {
            if events.error == nil { events.error = .bufferOverflow }
            return
        }
        var i = 0
        while i < size {
            buffer[i] = f.data[pci + i]
            i += 1
        }
        completedLength = size
        events.receivedLength = size
    }

    mutating func receiveFirst<Link: CANFrameLink>(_ f: inout CANFrame, nowNs: UInt64, link: inout Link,
                                                   events: inout ISOTPEvents) {
        let length = Int(f.length)
        let rxDL = ISOTPFrame.paddedLength(length)
        // A first frame uses the whole frame; its length is the sender's TX_DL.
        guard length == rxDL else { return }
        var size = Int(f.data[0] & 0x0F) << 8 | Int(f.data[1])
        var pci = 2
        if size == 0 {
            size = Int(f.data[2]) << 24 | Int(f.data[3]) << 16 | Int(f.data[4]) << 8 | Int(f.data[5])
            pci = 6
        }
        let escape = rxDL > 8 ? 1 : 0
        // Linux's lower bound: a message this short would have gone in a single frame.
        guard size + escape + pci >= rxDL else { return }
        startNew(events: &events)
        if size > buffer.count {
            sendFlowControl(status: 2, nowNs: nowNs, link: &link)
            if !hasPending, events.error == nil { events.error = .bufferOverflow }
            return
        }
        rxDataLength = rxDL
        expectedLength = size
        receivedCount = 0
        let n = min(rxDL - pci, size)
        var i = 0
        while i < n {
            buffer[i] = f.data[pci + i]
            i += 1
        }
        receivedCount = n
        if receivedCount >= expectedLength {
            completedLength = size
            events.receivedLength = size
            return
        }
        sequence = 1
        blockCount = 0
        state = .receiving
        sendFlowControl(status: 0, nowNs: nowNs, link: &link)
    }

    // @implements SWR-CAN-ISOTP-1
    mutating func receiveConsecutive<Link: CANFrameLink>(_ f: inout CANFrame, nowNs: UInt64, link: inout Link,
                                                         events: inout ISOTPEvents) {
        guard state == .receiving, !hasPending else { return }
        let length = Int(f.length)
        let remaining = expectedLength - receivedCount
        // Never longer than the first frame; shorter only when it is the last one.
        guard length <= rxDataLength else { return }
        if length < rxDataLength && remaining > rxDataLength - 1 { return }
        guard f.data[0] & 0x0F == sequence else {
            abort()
            events.error = .wrongSequenceNumber
            return
        }
        sequence = (sequence + 1) & 0x0F
        let n = min(length - 1, remaining)
        var i = 0
        while i < n {
            buffer[receivedCount + i] = f.data[1 + i]
            i += 1
        }
        receivedCount += n
        if receivedCount >= expectedLength {
            state = .idle
            completedLength = expectedLength
            events.receivedLength = expectedLength
            return
        }
        blockCount += 1
        if config.blockSize > 0 && blockCount >= Int(config.blockSize) {
            sendFlowControl(status: 0, nowNs: nowNs, link: &link)
        } else {
            deadline = nowNs &+ config.nCrNs
        }
    }

    /// Sends flow control (0 clear to send, 2 overflow) with our BS and STmin, and restarts N_Cr.
    mutating func sendFlowControl<Link: CANFrameLink>(status: UInt8, nowNs: UInt64, link: inout Link) {
        var frame = ISOTPFrame.make(config)
        frame.data[0] = ISOTPFrame.flowControl | status
        frame.data[1] = config.blockSize
        frame.data[2] = config.stMin
        ISOTPFrame.finish(&frame, contentLength: 3, full: false, config: config)
        blockCount = 0
        pendingIsOverflow = status == 2
        if link.send(&frame) {
            deadline = nowNs &+ config.nCrNs
            return
        }
        pending = frame
        hasPending = true
        pendingSince = nowNs
    }
}
