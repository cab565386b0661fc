// Either end of an AR's alarm CR (IEC 61158-6-10). The device's: alarm notifications to the controller over Ethernet
// (frame ID 0xFE01 low priority, 0xFC01 high, with the AlarmCR's VLAN priority tags), each an RTA DATA-PDU that
// the controller acknowledges twice: by transport (an ACK-PDU, or an ack number in its own DATA-PDU) and by
// application (its AlarmAck block in a DATA-PDU, which the device acknowledges by transport in turn). One
// alarm per priority is under way at a time (RTA window 1); later ones wait in a short queue. A DATA-PDU not
// acknowledged within the RTA timeout is sent again, up to RTARetries times; then the AR has to end. An ERR-PDU
// from the controller ends the AR; the device sends one when it ends the AR itself (its PNIO status says why).
// The controller's end is the same machine the other way round: it takes notifications (`.notification`) and
// queues their AlarmAck (`acknowledge`), which goes out as its DATA-PDU.
//
// Sequence numbers as p-net and profinet-py keep them: each side starts sending with 0xFFFF and expects 0xFFFF,
// "the last one" starting as 0xFFFE, and counts on modulo 0x8000. No allocation: the queue is fixed.

/// What an alarm CR was set up with in the connect.
public struct PNAlarmCRConfig: Sendable, Equatable {
    /// This end's LocalAlarmReference and the other end's (the device's is in its AlarmCRBlockRes, the
    /// controller's in its AlarmCRBlockReq).
    public var localReference: UInt16
    public var remoteReference: UInt16
    /// The other end's MAC address (for the device: the controller's).
    public var controllerMAC: EthernetAddress
    /// RTATimeoutFactor × 100 ms.
    public var timeoutNs: UInt64
    /// RTARetries: sends of a DATA-PDU after the first (3...15).
    public var retries: Int
    public var tagHigh: PNTagHeader
    public var tagLow: PNTagHeader

    public init(localReference: UInt16, remoteReference: UInt16, controllerMAC: EthernetAddress, timeoutNs: UInt64,
                retries: Int, tagHigh: PNTagHeader = PNTagHeader(priority: 6), tagLow: PNTagHeader = PNTagHeader(priority: 5)) {
        self.localReference = localReference
        self.remoteReference = remoteReference
        self.controllerMAC = controllerMAC
        self.timeoutNs = timeoutNs
        self.retries = retries
        self.tagHigh = tagHigh
        self.tagLow = tagLow
    }

    /// From the connect's AlarmCRBlockReq (timeout factor and retries clamped to what the standard allows).
    public init(_ request: PNAlarmCRBlockRequest, localReference: UInt16, controllerMAC: EthernetAddress) {
        let factor = request.rtaTimeoutFactor == 0 ? 1 : UInt64(request.rtaTimeoutFactor)
        var retries = Int(request.rtaRetries)
        if retries < 3 { retries = 3 }
        if retries > 15 { retries = 15 }
        self.init(localReference: localReference, remoteReference: request.localAlarmReference, controllerMAC: controllerMAC,
                  timeoutNs: factor * 100_000_000, retries: retries, tagHigh: request.tagHeaderHigh, tagLow: request.tagHeaderLow)
    }
}

/// What the alarm CR did so far.
public struct PNAlarmCounters: Sendable, Equatable {
    /// Notifications sent (first sends), their repeats, and those the controller acknowledged by AlarmAck.
    public var sent: UInt64 = 0
    public var repeated: UInt64 = 0
    public var acknowledged: UInt64 = 0
    /// Alarms refused because their priority's queue was full.
    public var queueFull: UInt64 = 0
    /// Notifications taken from the other end (the controller's count), and AlarmAcks sent for them.
    public var notifications: UInt64 = 0
    public var acksSent: UInt64 = 0
    /// RTA-PDUs taken (ACK, DATA, NACK, ERR) and dropped (malformed, another AR's references, out of sequence).
    public var received: UInt64 = 0
    public var malformed: UInt64 = 0
    public var nacks: UInt64 = 0
    public var outOfSequence: UInt64 = 0
    public init() {}
}

/// What one received RTA-PDU or one poll meant for the AR.
public enum PNAlarmEvent: Sendable, Equatable {
    case none
    /// The controller acknowledged this alarm (its AlarmAck, with its PNIO status).
    case acknowledged(PNAlarmAck)
    /// The device sent this alarm (the controller queues its AlarmAck with `acknowledge`).
    case notification(PNAlarmNotification)
    /// The controller ended the AR with an ERR-PDU carrying this status.
    case aborted(PNIOStatus)
    /// A DATA-PDU went unacknowledged through every retry: the AR must end.
    case transportFailed
}

/// What a DATA-PDU carries: the device's notification, or the controller's AlarmAck.
enum PNAlarmSDU: Sendable, Equatable {
    case notification(PNAlarmNotification)
    case ack(PNAlarmAck)
}

/// One priority's RTA sender and receiver, and its queue.
struct PNRTAChannel: Sendable {
    static let queueCapacity = 4
    static let mask: UInt16 = 0x7FFF

    /// The sequence number of the DATA-PDU being sent (or next to be sent) and of the last one acknowledged.
    var sendSeq: UInt16 = 0xFFFF
    var sendSeqO: UInt16 = 0xFFFE
    /// The sequence number expected of the controller's next DATA-PDU, and of the last one taken.
    var expSeq: UInt16 = 0xFFFF
    var expSeqO: UInt16 = 0xFFFE
    /// The alarm under way: sent and not yet acknowledged by transport (`unacked`), or waiting for the AlarmAck.
    var current: PNAlarmSDU? = nil
    var unacked = false
    var retriesLeft = 0
    var resendNs: UInt64 = 0
    /// The next alarm sequence number (11 bits).
    var alarmSequence: UInt16 = 0
    var queue = InlineArray<4, PNAlarmSDU>(repeating: .ack(PNAlarmAck(highPriority: false, alarmType: 0, slot: 0, subslot: 0,
                                                                      specifier: PNAlarmSpecifier(rawValue: 0))))
    var queued = 0
    /// A transport ACK to send (for a DATA-PDU the controller sent).
    var ackDue = false
    var nackDue = false

    static func next(_ n: UInt16) -> UInt16 { (n &+ 1) & mask }

    mutating func take(ack number: UInt16) {
        guard unacked, number == sendSeq else { return }
        unacked = false
        sendSeqO = sendSeq
        sendSeq = Self.next(sendSeq)
        // An AlarmAck is done once it arrived; a notification waits for the AlarmAck.
        if case .ack = current { current = nil }
    }
}

/// The device's alarm CR for one AR.
public struct PNAlarmCR: Sendable {
    public let config: PNAlarmCRConfig
    public private(set) var counters = PNAlarmCounters()
    var low = PNRTAChannel()
    var high = PNRTAChannel()

    public init(config: PNAlarmCRConfig) {
        self.config = config
    }

    /// Where the RTA-PDU of an alarm frame (frame ID 0xFC01 or 0xFE01, with or without a VLAN tag) starts, and
    /// whether it is high priority; nil for any other frame.
    public static func alarmPDU(in frame: UnsafeRawBufferPointer) -> (offset: Int, high: Bool)? {
        guard frame.count >= 16 else { return nil }
        var at = 12
        if frame[12] == 0x81 && frame[13] == 0x00 {
            guard frame.count >= 20 else { return nil }
            at = 16
        }
        guard frame[at] == 0x88 && frame[at + 1] == 0x92 else { return nil }
        let id = UInt16(frame[at + 2]) << 8 | UInt16(frame[at + 3])
        guard id == PNRTAHeader.frameIDHigh || id == PNRTAHeader.frameIDLow else { return nil }
        return (at + 4, id == PNRTAHeader.frameIDHigh)
    }

    /// Queues `alarm` (its specifier's sequence number is set when it is sent); false when its priority's queue is
    /// full (counted).
    public mutating func raise(_ alarm: PNAlarmNotification) -> Bool {
        if alarm.highPriority { return Self.enqueue(&high, .notification(alarm), &counters) }
        return Self.enqueue(&low, .notification(alarm), &counters)
    }

    /// The controller's end: queues the AlarmAck of `notification` with `status`; false when the queue is full.
    public mutating func acknowledge(_ notification: PNAlarmNotification, status: PNIOStatus = .ok) -> Bool {
        let ack = PNAlarmAck(acknowledging: notification, status: status)
        if notification.highPriority { return Self.enqueue(&high, .ack(ack), &counters) }
        return Self.enqueue(&low, .ack(ack), &counters)
    }

    private static func enqueue(_ c: inout PNRTAChannel, _ alarm: PNAlarmSDU, _ counters: inout PNAlarmCounters) -> Bool {
        guard c.queued < PNRTAChannel.queueCapacity else {
            counters.queueFull &+= 1
            return false
        }
        c.queue[c.queued] = alarm
        c.queued += 1
        return true
    }

    /// Alarms under way or waiting, of both priorities.
    public var pending: Int {
        low.queued + high.queued + (low.current == nil ? 0 : 1) + (high.current == nil ? 0 : 1)
    }

    /// Takes one RTA-PDU of the controller: `pdu` is what follows the frame ID of a frame from `source`. What it
    /// meant; acknowledgements it calls for go out at the next `poll`.
    // @implements SWR-PN-ALARM-1
    public mutating func receive(_ pdu: UnsafeRawBufferPointer, highPriority: Bool, from source: EthernetAddress) -> PNAlarmEvent {
        guard source == config.controllerMAC, let h = try? PNRTAHeader(parsing: pdu), h.version == 1,
              h.destinationEndpoint == config.localReference, h.sourceEndpoint == config.remoteReference else {
            counters.malformed &+= 1
            return .none
        }
        counters.received &+= 1
        if highPriority { return Self.receive(&high, h, pdu, &counters) }
        return Self.receive(&low, h, pdu, &counters)
    }

    private static func receive(_ c: inout PNRTAChannel, _ h: PNRTAHeader, _ pdu: UnsafeRawBufferPointer,
                                _ counters: inout PNAlarmCounters) -> PNAlarmEvent {
        switch h.type {
        case PNRTAHeader.typeACK:
            c.take(ack: h.ackSequenceNumber)
            return .none
        case PNRTAHeader.typeNACK:
            // The controller missed a PDU: the one under way goes again at once.
            counters.nacks &+= 1
            if c.unacked { c.resendNs = 0 }
            return .none
        case PNRTAHeader.typeERR:
            let sdu = h.varPart(of: pdu)
            let status = sdu.count >= 4 ? PNIOStatus(sdu[0], sdu[1], sdu[2], sdu[3]) : PNIOStatus(0xCF, 0x81, 0xFD, 0x02)
            return .aborted(status)
        case PNRTAHeader.typeData:
            if h.sendSequenceNumber == c.expSeqO {
                // A repeat of what was taken: acknowledge it again.
                c.ackDue = true
                return .none
            }
            guard h.sendSequenceNumber == c.expSeq else {
                counters.outOfSequence &+= 1
                c.nackDue = true
                return .none
            }
            c.expSeqO = c.expSeq
            c.expSeq = PNRTAChannel.next(c.expSeq)
            c.take(ack: h.ackSequenceNumber)
            c.ackDue = true
            // The SDU: an AlarmAck of the alarm under way ends it; a notification is the controller's to acknowledge.
            var reader = PNBlockReader(h.varPart(of: pdu))
            guard let block = try? reader.next() else {
                counters.malformed &+= 1
                return .none
            }
            if let notification = try? PNAlarmNotification(parsing: block) {
                counters.notifications &+= 1
                return .notification(notification)
            }
            guard let ack = try? PNAlarmAck(parsing: block) else {
                counters.malformed &+= 1
                return .none
            }
            guard case .notification(let current)? = c.current, !c.unacked, ack.alarmType == current.alarmType, ack.api == current.api,
                  ack.slot == current.slot, ack.subslot == current.subslot,
                  ack.specifier.sequenceNumber == current.specifier.sequenceNumber else {
                counters.outOfSequence &+= 1
                return .none
            }
            c.current = nil
            counters.acknowledged &+= 1
            return .acknowledged(ack)
        default:
            counters.malformed &+= 1
            return .none
        }
    }

    /// Writes the next frame due at `nowNs` into `frame` (from `mac`; ≥ 1514 bytes take any): a transport ACK or
    /// NACK, a repeat of an unacknowledged DATA-PDU, or the next queued alarm. Its length (0: nothing due), and
    /// `.transportFailed` when a DATA-PDU ran out of retries. Call until it returns 0.
    public mutating func poll(nowNs: UInt64, mac: EthernetAddress, into frame: UnsafeMutableRawBufferPointer) -> (Int, PNAlarmEvent) {
        for priority in 0..<2 {
            let isHigh = priority == 0
            var c = isHigh ? high : low
            defer { if isHigh { high = c } else { low = c } }
            if c.ackDue || c.nackDue {
                let type = c.nackDue ? PNRTAHeader.typeNACK : PNRTAHeader.typeACK
                c.ackDue = false
                c.nackDue = false
                return (write(frame, mac: mac, high: isHigh, type: type, tack: false, send: c.sendSeqO, ack: c.expSeqO, alarm: nil), .none)
            }
            if c.unacked, let current = c.current, nowNs >= c.resendNs {
                guard c.retriesLeft > 0 else {
                    c.unacked = false
                    c.current = nil
                    return (0, .transportFailed)
                }
                c.retriesLeft -= 1
                c.resendNs = nowNs &+ config.timeoutNs
                counters.repeated &+= 1
                return (write(frame, mac: mac, high: isHigh, type: PNRTAHeader.typeData, tack: true, send: c.sendSeq, ack: c.expSeqO,
                              alarm: current), .none)
            }
            if c.current == nil && c.queued > 0 {
                var alarm = c.queue[0]
                var k = 1
                while k < c.queued {
                    c.queue[k - 1] = c.queue[k]
                    k += 1
                }
                c.queued -= 1
                if case .notification(var n) = alarm {
                    let flags = n.specifier.rawValue & ~0x07FF
                    n.specifier = PNAlarmSpecifier(rawValue: flags | (c.alarmSequence & 0x07FF))
                    c.alarmSequence = (c.alarmSequence &+ 1) & 0x07FF
                    alarm = .notification(n)
                    counters.sent &+= 1
                } else {
                    counters.acksSent &+= 1
                }
                c.current = alarm
                c.unacked = true
                c.retriesLeft = config.retries
                c.resendNs = nowNs &+ config.timeoutNs
                return (write(frame, mac: mac, high: isHigh, type: PNRTAHeader.typeData, tack: true, send: c.sendSeq, ack: c.expSeqO,
                              alarm: alarm), .none)
            }
        }
        return (0, .none)
    }

    /// When `poll` next has something to do (UInt64.max: nothing).
    public var nextDeadlineNs: UInt64 {
        func due(_ c: PNRTAChannel) -> UInt64 {
            if c.ackDue || c.nackDue || (c.current == nil && c.queued > 0) { return 0 }
            return c.unacked ? c.resendNs : UInt64.max
        }
        return min(due(low), due(high))
    }

    /// The ERR-PDU that ends the AR with `status` (low priority), in `frame`; its length.
    public func writeAbort(_ status: PNIOStatus, mac: EthernetAddress, into frame: UnsafeMutableRawBufferPointer) -> Int {
        var w = PNWriter(frame)
        do throws(PNBytesError) {
            let start = try header(&w, mac: mac, high: false)
            try PNRTAHeader(destinationEndpoint: config.remoteReference, sourceEndpoint: config.localReference, type: PNRTAHeader.typeERR,
                            sendSequenceNumber: low.sendSeqO, ackSequenceNumber: low.expSeqO, varPartLength: 4).write(to: &w)
            try w.u8(status.errorCode)
            try w.u8(status.errorDecode)
            try w.u8(status.errorCode1)
            try w.u8(status.errorCode2)
            return Self.pad(frame, w.count, from: start)
        } catch {
            return 0
        }
    }

    /// Ethernet header with the AlarmCR's tag and the frame ID; the offset after it.
    private func header(_ w: inout PNWriter, mac: EthernetAddress, high: Bool) throws(PNBytesError) -> Int {
        w.order = .bigEndian
        try Self.put(config.controllerMAC, &w)
        try Self.put(mac, &w)
        try w.u16(0x8100)
        try w.u16((high ? config.tagHigh : config.tagLow).rawValue)
        try w.u16(0x8892)
        try w.u16(high ? PNRTAHeader.frameIDHigh : PNRTAHeader.frameIDLow)
        return w.count
    }

    private func write(_ frame: UnsafeMutableRawBufferPointer, mac: EthernetAddress, high: Bool, type: UInt8, tack: Bool,
                       send: UInt16, ack: UInt16, alarm: PNAlarmSDU?) -> Int {
        var w = PNWriter(frame)
        do throws(PNBytesError) {
            let start = try header(&w, mac: mac, high: high)
            let rta = w.count
            try PNRTAHeader(destinationEndpoint: config.remoteReference, sourceEndpoint: config.localReference, type: type,
                            tack: tack, sendSequenceNumber: send, ackSequenceNumber: ack).write(to: &w)
            if let alarm {
                switch alarm {
                case .notification(let n): try n.write(to: &w)
                case .ack(let a): try a.write(to: &w)
                }
                let length = UInt16(w.count - rta - PNRTAHeader.size)
                frame[rta + 10] = UInt8(length >> 8)
                frame[rta + 11] = UInt8(length & 0xFF)
            }
            return Self.pad(frame, w.count, from: start)
        } catch {
            return 0
        }
    }

    private static func put(_ m: EthernetAddress, _ w: inout PNWriter) throws(PNBytesError) {
        try w.u8(m.b0)
        try w.u8(m.b1)
        try w.u8(m.b2)
        try w.u8(m.b3)
        try w.u8(m.b4)
        try w.u8(m.b5)
    }

    /// Pads a frame to Ethernet's 60 bytes (64 with the tag's 4, less the FCS).
    private static func pad(_ frame: UnsafeMutableRawBufferPointer, _ count: Int, from start: Int) -> Int {
        var n = count
        while n < 64 && n < frame.count {
            frame[n] = 0
            n += 1
        }
        return n
    }
}
