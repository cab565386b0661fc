// ISO-TP sender and receiver over a simulated link and clock: round trips, frame layouts, flow control,
// timeouts and protocol faults.

import Testing
@testable import Fieldbus

private let sourceId: UInt32 = 0x7E0
private let targetId: UInt32 = 0x7E8

/// Sender side (transmits on 0x7E0, listens on 0x7E8) and receiver side (the mirror image).
private func configs(fd: Bool = false, txDL: Int? = nil, padding: ISOTPPadding = .none, bs: UInt8 = 0,
                     stMin: UInt8 = 0) -> (ISOTPConfig, ISOTPConfig) {
    (ISOTPConfig(txId: sourceId, rxId: targetId, fd: fd, txDataLength: txDL, padding: padding),
     ISOTPConfig(txId: targetId, rxId: sourceId, fd: fd, padding: padding, blockSize: bs, stMin: stMin))
}

private func testMessage(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) } }

/// What a simulated transfer left: the data frames with their send times, the flow control frames, the
/// received message and the events.
private struct Transfer {
    var dataFrames: [CANFrame] = []
    var dataTimes: [UInt64] = []
    var flowControl: [CANFrame] = []
    var flowControlTimes: [UInt64] = []
    var received: [UInt8]?
    var senderEvents: [ISOTPEvents] = []
    var receiverEvents: [ISOTPEvents] = []
    var sent: Bool { senderEvents.contains { $0.sent } }
}

/// Runs one message from a sender to a receiver over a lossless, instant link, advancing the simulated clock
/// to the next deadline whenever nothing is in flight.
private func transfer(_ message: [UInt8], sender senderConfig: ISOTPConfig, receiver receiverConfig: ISOTPConfig,
                      bufferSize: Int? = nil) throws -> Transfer {
    var result = Transfer()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize ?? max(message.count, 1), alignment: 1)
    defer { buffer.deallocate() }
    var sender = ISOTPSender(config: senderConfig)
    var receiver = ISOTPReceiver(config: receiverConfig, buffer: buffer)
    var toReceiver = RecordingLink()
    var toSender = RecordingLink()
    var now: UInt64 = 0
    let start = try message.withUnsafeBytes { bytes in
        try sender.start(bytes, nowNs: 0, link: &toReceiver)
    }
    result.senderEvents.append(start)
    try message.withUnsafeBytes { _ in
        for _ in 0..<2_000_000 {
            while !toReceiver.frames.isEmpty || !toSender.frames.isEmpty {
                let times = toReceiver.times
                for (i, f) in toReceiver.take().enumerated() {
                    result.dataFrames.append(f)
                    result.dataTimes.append(times[i])
                    let e = receiver.receive(f, nowNs: now, link: &toSender)
                    if !e.isEmpty { result.receiverEvents.append(e) }
                    if e.receivedLength != nil { result.received = Array(try #require(receiver.message)) }
                }
                toReceiver.times.removeAll()
                let fcTimes = toSender.times
                for (i, f) in toSender.take().enumerated() {
                    result.flowControl.append(f)
                    result.flowControlTimes.append(fcTimes[i])
                    let e = sender.receive(f, nowNs: now, link: &toReceiver)
                    if !e.isEmpty { result.senderEvents.append(e) }
                }
                toSender.times.removeAll()
            }
            let deadlines = [sender.nextDeadlineNs, receiver.nextDeadlineNs].compactMap { $0 }
            guard let next = deadlines.min() else { return }
            now = max(now, next)
            toReceiver.now = now
            toSender.now = now
            let s = sender.tick(nowNs: now, link: &toReceiver)
            if !s.isEmpty { result.senderEvents.append(s) }
            let r = receiver.tick(nowNs: now, link: &toSender)
            if !r.isEmpty { result.receiverEvents.append(r) }
        }
        Issue.record("transfer did not end")
    }
    return result
}

struct LinkMode: Sendable, CustomStringConvertible {
    var fd: Bool
    var padding: ISOTPPadding
    var description: String { "\(fd ? "FD" : "classic") \(padding == .none ? "unpadded" : "padded")" }
}

private let modes = [LinkMode(fd: false, padding: .none), LinkMode(fd: false, padding: .pad(0xAA)),
                     LinkMode(fd: true, padding: .none), LinkMode(fd: true, padding: .pad(0x55))]

// @verifies SWR-CAN-ISOTP-1
@Suite struct ISOTPRoundTripTests {
    @Test(arguments: [1, 7, 8, 62, 63, 4095, 4096, 70_000], modes)
    func roundTrip(size: Int, mode: LinkMode) throws {
        let (s, r) = configs(fd: mode.fd, padding: mode.padding)
        let message = testMessage(size)
        let t = try transfer(message, sender: s, receiver: r)
        #expect(t.received == message)
        #expect(t.sent && t.senderEvents.allSatisfy { $0.error == nil } && t.receiverEvents.allSatisfy { $0.error == nil })
        for f in t.dataFrames + t.flowControl {
            #expect(f.isFD == mode.fd)
            #expect(mode.fd ? CANDLC.isFDLength(Int(f.length)) : f.length <= 8)
            if case .pad = mode.padding { #expect(f.length >= 8, "padded frames are at least 8 bytes") }
        }
        // Frame count: one SF, or FF + ceil((n - FF payload) / CF payload).
        let txDL = mode.fd ? 64 : 8
        let ffPayload = txDL - (size > 4095 ? 6 : 2)
        let singleMax = mode.fd ? 62 : 7
        let expected = size <= singleMax ? 1 : 1 + (size - ffPayload + txDL - 2) / (txDL - 1)
        #expect(t.dataFrames.count == expected)
    }

    @Test func emptyMessageIsRefusedLikeLinux() {
        var sender = ISOTPSender(config: configs().0)
        var link = RecordingLink()
        #expect(throws: ISOTPError.invalidLength) {
            try [UInt8]().withUnsafeBytes { b in _ = try sender.start(b, nowNs: 0, link: &link) }
        }
        #expect(link.frames.isEmpty && !sender.isBusy)
    }

    @Test func singleFrameLayouts() throws {
        // Classic, unpadded: minimum DLC.
        var t = try transfer([1, 2, 3], sender: configs().0, receiver: configs().1)
        #expect(payload(t.dataFrames[0]) == [0x03, 1, 2, 3])
        // Classic, padded: 8 bytes.
        t = try transfer([1, 2, 3], sender: configs(padding: .pad(0xAA)).0, receiver: configs(padding: .pad(0xAA)).1)
        #expect(payload(t.dataFrames[0]) == [0x03, 1, 2, 3, 0xAA, 0xAA, 0xAA, 0xAA])
        // FD, 7 bytes: still the short form in 8 bytes (Linux's SF_DL escape optimisation).
        t = try transfer(testMessage(7), sender: configs(fd: true).0, receiver: configs(fd: true).1)
        #expect(t.dataFrames[0].length == 8 && t.dataFrames[0].data[0] == 0x07)
        // FD, 8 bytes: escape (0x00, length) and mandatory padding to 12 with 0xCC.
        t = try transfer(testMessage(8), sender: configs(fd: true).0, receiver: configs(fd: true).1)
        #expect(payload(t.dataFrames[0]) == [0x00, 8] + testMessage(8) + [0xCC, 0xCC])
        #expect(t.received == testMessage(8))
    }

    @Test func firstFrameLengthEncodings() throws {
        var t = try transfer(testMessage(4095), sender: configs().0, receiver: configs().1)
        #expect(Array(payload(t.dataFrames[0]).prefix(2)) == [0x1F, 0xFF])
        t = try transfer(testMessage(4096), sender: configs().0, receiver: configs().1)
        #expect(Array(payload(t.dataFrames[0]).prefix(6)) == [0x10, 0x00, 0x00, 0x00, 0x10, 0x00])
        t = try transfer(testMessage(70_000), sender: configs(fd: true).0, receiver: configs(fd: true).1)
        #expect(Array(payload(t.dataFrames[0]).prefix(6)) == [0x10, 0x00, 0x00, 0x01, 0x11, 0x70])
        #expect(t.dataFrames[0].length == 64)
        // Sequence numbers run 1...15, 0, 1...
        let sns = t.dataFrames.dropFirst().prefix(17).map { $0.data[0] }
        #expect(sns == (1...15).map { 0x20 | UInt8($0) } + [0x20, 0x21])
    }

    @Test func smallerTxDLOnFD() throws {
        let s = ISOTPConfig(txId: sourceId, rxId: targetId, fd: true, txDataLength: 16)
        let t = try transfer(testMessage(100), sender: s, receiver: configs(fd: true).1)
        #expect(t.received == testMessage(100) && t.dataFrames.allSatisfy { $0.length <= 16 })
    }
}

// @verifies SWR-CAN-ISOTP-3
@Suite struct ISOTPFlowControlTests {
    @Test(arguments: [(UInt8(0), UInt8(5)), (4, 0), (3, 0xF3), (8, 2), (1, 0x80)])
    func blockSizeAndSTminAreHonoured(bs: UInt8, stMin: UInt8) throws {
        let (s, r) = configs(bs: bs, stMin: stMin)
        let message = testMessage(300)
        let t = try transfer(message, sender: s, receiver: r)
        #expect(t.received == message)
        let cfTimes = Array(t.dataTimes.dropFirst())
        let cfCount = cfTimes.count
        // One FC after the FF, one after every full block that is not the last frame.
        let blocks = bs == 0 ? 1 : (cfCount + Int(bs) - 1) / Int(bs)
        #expect(t.flowControl.count == blocks)
        #expect(t.flowControl.allSatisfy { payload($0) == [0x30, bs, stMin] })
        // Within a block, consecutive frames are at least STmin apart (by the simulated clock).
        let gap = ISOTPSTmin.nanoseconds(stMin)
        for i in 1..<cfCount where bs == 0 || i % Int(bs) != 0 {
            #expect(cfTimes[i] - cfTimes[i - 1] >= gap, "CF \(i)")
            #expect(cfTimes[i] - cfTimes[i - 1] == gap, "no slower than needed either")
        }
    }

    @Test func stMinEncodings() {
        #expect(ISOTPSTmin.nanoseconds(0) == 0 && ISOTPSTmin.nanoseconds(0x7F) == 127_000_000)
        #expect(ISOTPSTmin.nanoseconds(0xF1) == 100_000 && ISOTPSTmin.nanoseconds(0xF9) == 900_000)
        for reserved: UInt8 in [0x80, 0xF0, 0xFA, 0xFF] { #expect(ISOTPSTmin.nanoseconds(reserved) == 127_000_000) }
    }

    /// A sender after its first frame of a 20-byte message, with the link that saw it.
    private func senderWaitingForFC(maxWait: Int = 16) throws -> (ISOTPSender, RecordingLink, [UInt8]) {
        var c = configs().0
        c.maxWaitFrames = maxWait
        var sender = ISOTPSender(config: c)
        var link = RecordingLink()
        let message = testMessage(20)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 20, alignment: 1)
        storage.copyBytes(from: message)
        _ = try sender.start(UnsafeRawBufferPointer(storage), nowNs: 0, link: &link)
        #expect(sender.state == .waitingForFlowControl && link.frames.count == 1)
        return (sender, link, message)
    }

    @Test func waitFramesRestartNBsThenContinue() throws {
        var (sender, link, _) = try senderWaitingForFC()
        let wait = try frame(targetId, [0x31, 0, 0])
        #expect(sender.receive(wait, nowNs: 900_000_000, link: &link).isEmpty)
        #expect(sender.nextDeadlineNs == 1_900_000_000)
        #expect(sender.tick(nowNs: 1_500_000_000, link: &link).isEmpty, "the wait frame restarted N_Bs")
        #expect(sender.receive(wait, nowNs: 1_800_000_000, link: &link).isEmpty)
        let e = sender.receive(try frame(targetId, [0x30, 0, 0]), nowNs: 2_700_000_000, link: &link)
        #expect(e.sent && link.frames.count == 3 && sender.waitFramesReceived == 2)
    }

    @Test func tooManyWaitFrames() throws {
        var (sender, link, _) = try senderWaitingForFC(maxWait: 2)
        let wait = try frame(targetId, [0x31, 0, 0])
        #expect(sender.receive(wait, nowNs: 1, link: &link).isEmpty)
        #expect(sender.receive(wait, nowNs: 2, link: &link).isEmpty)
        #expect(sender.receive(wait, nowNs: 3, link: &link).error == .waitLimit)
        #expect(!sender.isBusy)
    }

    @Test func overflowAndReservedFlowStatus() throws {
        var (sender, link, _) = try senderWaitingForFC()
        #expect(sender.receive(try frame(targetId, [0x32, 0, 0]), nowNs: 1, link: &link).error == .bufferOverflow)
        (sender, link, _) = try senderWaitingForFC()
        #expect(sender.receive(try frame(targetId, [0x33, 0, 0]), nowNs: 1, link: &link).error == .invalidFlowStatus)
        (sender, link, _) = try senderWaitingForFC()
        #expect(sender.receive(try frame(targetId, [0x30, 0]), nowNs: 1, link: &link).error == .malformedFlowControl)
        (sender, link, _) = try senderWaitingForFC()
        // Other ids and other frame kinds are not flow control for us.
        #expect(sender.receive(try frame(0x123, [0x30, 0, 0]), nowNs: 1, link: &link).isEmpty)
        #expect(sender.receive(try frame(targetId, [0x30, 0, 0], fd: true), nowNs: 1, link: &link).isEmpty)
        #expect(sender.receive(try frame(targetId, [0x21, 0, 0]), nowNs: 1, link: &link).isEmpty)
        #expect(sender.state == .waitingForFlowControl)
    }

    @Test func receiverRefusesMessageLargerThanItsBuffer() throws {
        let (s, r) = configs()
        let t = try transfer(testMessage(100), sender: s, receiver: r, bufferSize: 50)
        #expect(t.received == nil)
        #expect(t.flowControl.count == 1 && t.flowControl[0].data[0] == 0x32)
        #expect(t.receiverEvents.map(\.error) == [.bufferOverflow])
        #expect(t.senderEvents.compactMap(\.error) == [.bufferOverflow])
    }

    @Test func busySenderRefusesASecondMessage() throws {
        var (sender, link, message) = try senderWaitingForFC()
        #expect(throws: ISOTPError.busy) {
            try message.withUnsafeBytes { b in _ = try sender.start(b, nowNs: 1, link: &link) }
        }
    }
}

// @verifies SWR-CAN-ISOTP-2
@Suite struct ISOTPTimeoutTests {
    @Test func lostFlowControlEndsWithNBs() throws {
        var sender = ISOTPSender(config: configs().0)
        var link = RecordingLink()
        let message = testMessage(20)
        _ = try message.withUnsafeBytes { b in try sender.start(b, nowNs: 5, link: &link) }
        #expect(sender.nextDeadlineNs == 1_000_000_005)
        #expect(sender.tick(nowNs: 1_000_000_004, link: &link).isEmpty)
        #expect(sender.tick(nowNs: 1_000_000_005, link: &link).error == .timeoutBs)
        #expect(!sender.isBusy && sender.nextDeadlineNs == nil)
    }

    @Test func lateFlowControlWithoutTickIsATimeout() throws {
        var sender = ISOTPSender(config: configs().0)
        var link = RecordingLink()
        let message = testMessage(20)
        _ = try message.withUnsafeBytes { b in try sender.start(b, nowNs: 0, link: &link) }
        #expect(sender.receive(try frame(targetId, [0x30, 0, 0]), nowNs: 1_200_000_000, link: &link).error == .timeoutBs)
        #expect(link.frames.count == 1, "no consecutive frame after a late flow control")
    }

    /// A receiver that took a first frame of a 20-byte message (6 bytes in) and answered with FC.
    private func receiverAfterFirstFrame(_ buffer: UnsafeMutableRawBufferPointer) throws -> (ISOTPReceiver, RecordingLink) {
        var receiver = ISOTPReceiver(config: configs().1, buffer: buffer)
        var link = RecordingLink()
        let e = receiver.receive(try frame(sourceId, [0x10, 20, 1, 2, 3, 4, 5, 6]), nowNs: 0, link: &link)
        #expect(e.isEmpty && link.frames.count == 1 && receiver.state == .receiving)
        return (receiver, link)
    }

    @Test func missingConsecutiveFrameEndsWithNCr() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
        defer { buffer.deallocate() }
        var (receiver, link) = try receiverAfterFirstFrame(buffer)
        #expect(receiver.receive(try frame(sourceId, [0x21, 7, 8, 9, 10, 11, 12, 13]), nowNs: 500_000_000, link: &link).isEmpty)
        #expect(receiver.nextDeadlineNs == 1_500_000_000, "N_Cr restarts with every consecutive frame")
        #expect(receiver.tick(nowNs: 1_499_999_999, link: &link).isEmpty)
        #expect(receiver.tick(nowNs: 1_500_000_000, link: &link).error == .timeoutCr)
        #expect(receiver.state == .idle && receiver.message == nil)
    }

    @Test func lateConsecutiveFrameIsATimeoutEvenWithoutTick() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
        defer { buffer.deallocate() }
        var (receiver, link) = try receiverAfterFirstFrame(buffer)
        let e = receiver.receive(try frame(sourceId, [0x21, 7, 8, 9, 10, 11, 12, 13]), nowNs: 1_000_000_001, link: &link)
        #expect(e.error == .timeoutCr && e.receivedLength == nil && receiver.state == .idle)
    }

    @Test func linkThatRefusesFramesEndsWithNAs() throws {
        var sender = ISOTPSender(config: configs().0)
        var link = RecordingLink()
        link.refuseNext = 1_000
        let message = testMessage(3)
        let e = try message.withUnsafeBytes { b in try sender.start(b, nowNs: 0, link: &link) }
        #expect(e.isEmpty && sender.nextDeadlineNs == 0, "a refused frame is retried at once")
        #expect(sender.tick(nowNs: 500_000_000, link: &link).isEmpty)
        #expect(sender.tick(nowNs: 1_000_000_000, link: &link).error == .timeoutAs)
        // A link that takes the frame on a retry completes the transfer.
        link.refuseNext = 1
        _ = try message.withUnsafeBytes { b in try sender.start(b, nowNs: 0, link: &link) }
        #expect(sender.tick(nowNs: 10, link: &link).sent && link.frames.count == 1)
    }
}

// @verifies SWR-CAN-ISOTP-1
@Suite struct ISOTPProtocolFaultTests {
    @Test func wrongSequenceNumberDropsTheMessage() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
        defer { buffer.deallocate() }
        var receiver = ISOTPReceiver(config: configs().1, buffer: buffer)
        var link = RecordingLink()
        _ = receiver.receive(try frame(sourceId, [0x10, 20, 1, 2, 3, 4, 5, 6]), nowNs: 0, link: &link)
        let e = receiver.receive(try frame(sourceId, [0x22, 7, 8, 9, 10, 11, 12, 13]), nowNs: 1, link: &link)
        #expect(e.error == .wrongSequenceNumber && receiver.state == .idle)
        // The right frame afterwards does not resurrect the message.
        #expect(receiver.receive(try frame(sourceId, [0x21, 7, 8, 9, 10, 11, 12, 13]), nowNs: 2, link: &link).isEmpty)
    }

    @Test func newSingleOrFirstFrameMidMessageIsUnexpected() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
        defer { buffer.deallocate() }
        var receiver = ISOTPReceiver(config: configs().1, buffer: buffer)
        var link = RecordingLink()
        _ = receiver.receive(try frame(sourceId, [0x10, 20, 1, 2, 3, 4, 5, 6]), nowNs: 0, link: &link)
        var e = receiver.receive(try frame(sourceId, [0x02, 0xAB, 0xCD]), nowNs: 1, link: &link)
        #expect(e.error == .unexpectedPDU && e.receivedLength == 2)
        #expect(receiver.message.map(Array.init) == [0xAB, 0xCD])
        _ = receiver.receive(try frame(sourceId, [0x10, 20, 1, 2, 3, 4, 5, 6]), nowNs: 2, link: &link)
        e = receiver.receive(try frame(sourceId, [0x10, 9, 9, 8, 7, 6, 5, 4]), nowNs: 3, link: &link)
        #expect(e.error == .unexpectedPDU && receiver.state == .receiving && receiver.expectedLength == 9)
        e = receiver.receive(try frame(sourceId, [0x21, 3, 2, 1]), nowNs: 4, link: &link)
        #expect(e.receivedLength == 9 && receiver.message.map(Array.init) == [9, 8, 7, 6, 5, 4, 3, 2, 1])
    }

    @Test func strayAndMalformedFramesAreIgnored() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
        defer { buffer.deallocate() }
        var receiver = ISOTPReceiver(config: configs().1, buffer: buffer)
        var link = RecordingLink()
        let ignored: [CANFrame] = [
            try frame(sourceId, [0x21, 1, 2, 3]),              // CF while idle
            try frame(sourceId, [0x30, 0, 0]),                 // FC is the sender's business
            try frame(sourceId, [0x00, 1]),                    // SF_DL 0 on classic CAN
            try frame(sourceId, [0x05, 1, 2]),                 // SF_DL beyond the frame
            try frame(sourceId, [0x10, 20, 1, 2, 3, 4, 5]),    // FF shorter than the frame
            try frame(sourceId, [0x10, 3, 1, 2, 3, 4, 5, 6]),  // FF_DL that fits a single frame
            try frame(0x123, [0x01, 1]),                       // another id
            try frame(sourceId, [0x01, 1], fd: true),          // FD frame on a classic channel
        ]
        for f in ignored { #expect(receiver.receive(f, nowNs: 0, link: &link).isEmpty, "\(payload(f))") }
        #expect(link.frames.isEmpty && receiver.state == .idle)
        // Inside a message: a CF longer than the FF, and a short CF that is not the last, are ignored.
        _ = receiver.receive(try frame(sourceId, [0x10, 20, 1, 2, 3, 4, 5, 6]), nowNs: 0, link: &link)
        #expect(receiver.receive(try frame(sourceId, [0x21, 7, 8]), nowNs: 1, link: &link).isEmpty)
        #expect(receiver.receivedCount == 6 && receiver.state == .receiving)
    }

    @Test func invalidConfigurationsAreRefused() {
        for c in [ISOTPConfig(txId: 0x800, rxId: 1, extended: false), ISOTPConfig(txId: 1, rxId: 2, txDataLength: 12),
                  ISOTPConfig(txId: 1, rxId: 2, fd: true, txDataLength: 13)] {
            var sender = ISOTPSender(config: c)
            var link = RecordingLink()
            #expect(throws: ISOTPError.invalidConfig) {
                try [UInt8(1)].withUnsafeBytes { b in _ = try sender.start(b, nowNs: 0, link: &link) }
            }
        }
    }
}
