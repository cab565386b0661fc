// The device's alarm CR against a controller modelled on profinet-py's AlarmListener and p-net's RTA: alarm frames
// (tag, frame ID, RTA header, AlarmNotification), transport acknowledgement by ACK-PDU or in a DATA-PDU, the
// AlarmAck ending an alarm, repeats after the RTA timeout and the transport failure after the last retry, NACKs
// for out-of-sequence PDUs, repeats of taken PDUs acknowledged again, the controller's ERR-PDU, foreign PDUs
// dropped, the queue's bound, and the device's own ERR-PDU.

import Testing
@testable import Fieldbus

private let deviceMAC = EthernetAddress(0x02, 0, 0, 0, 0x12, 0x34)
private let controllerMAC = EthernetAddress(0x02, 0, 0, 0, 0x00, 0xAA)

private func alarmCR() -> PNAlarmCR {
    PNAlarmCR(config: PNAlarmCRConfig(localReference: 0x0001, remoteReference: 0x0042, controllerMAC: controllerMAC,
                                      timeoutNs: 100_000_000, retries: 3))
}

private func processAlarm(slot: UInt16 = 1, high: Bool = false) -> PNAlarmNotification {
    PNAlarmNotification(highPriority: high, alarmType: PNAlarmType.process, slot: slot, subslot: 1, moduleIdent: 0x30,
                        submoduleIdent: 0x130, specifier: PNAlarmSpecifier(sequenceNumber: 0), usi: 0x0001)
}

/// A frame the device sent, taken apart.
private struct SentFrame {
    var destination: EthernetAddress
    var tag: UInt16
    var frameID: UInt16
    var rta: PNRTAHeader
    var notification: PNAlarmNotification?
    var errStatus: PNIOStatus?
}

private func poll(_ cr: inout PNAlarmCR, at now: UInt64) -> (SentFrame?, PNAlarmEvent) {
    var frame = [UInt8](repeating: 0xEE, count: 1514)
    let (n, event) = frame.withUnsafeMutableBytes { cr.poll(nowNs: now, mac: deviceMAC, into: $0) }
    guard n > 0 else { return (nil, event) }
    #expect(n >= 64)
    let bytes = Array(frame[0..<n])
    let rta: PNRTAHeader = try! bytes.withUnsafeBytes { try PNRTAHeader(parsing: UnsafeRawBufferPointer(rebasing: $0[20...])) }
    var notification: PNAlarmNotification? = nil
    var err: PNIOStatus? = nil
    bytes.withUnsafeBytes { raw in
        let sdu = rta.varPart(of: UnsafeRawBufferPointer(rebasing: raw[20...]))
        if rta.type == PNRTAHeader.typeData {
            var r = PNBlockReader(sdu)
            notification = try? PNAlarmNotification(parsing: try #require(try r.next()))
        } else if rta.type == PNRTAHeader.typeERR, sdu.count == 4 {
            err = PNIOStatus(sdu[0], sdu[1], sdu[2], sdu[3])
        }
    }
    func u16(_ i: Int) -> UInt16 { UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]) }
    #expect(Array(bytes[6..<12]) == [0x02, 0, 0, 0, 0x12, 0x34] && u16(12) == 0x8100 && u16(16) == 0x8892)
    return (SentFrame(destination: EthernetAddress(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]), tag: u16(14),
                      frameID: u16(18), rta: rta, notification: notification, errStatus: err), event)
}

/// An RTA-PDU of the controller (what follows the frame ID).
private func pdu(type: UInt8, tack: Bool = false, send: UInt16, ack: UInt16, dst: UInt16 = 0x0001, src: UInt16 = 0x0042,
                 body: ((inout PNWriter) throws(PNBytesError) -> Void)? = nil) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 512)
    let n: Int = bytes.withUnsafeMutableBytes { raw in
        var w = PNWriter(raw)
        try! PNRTAHeader(destinationEndpoint: dst, sourceEndpoint: src, type: type, tack: tack, sendSequenceNumber: send,
                         ackSequenceNumber: ack).write(to: &w)
        if let body { try! body(&w) }
        let length = UInt16(w.count - PNRTAHeader.size)
        raw[10] = UInt8(length >> 8)
        raw[11] = UInt8(length & 0xFF)
        return w.count
    }
    return Array(bytes[0..<n])
}

private func receive(_ cr: inout PNAlarmCR, _ bytes: [UInt8], high: Bool = false, from: EthernetAddress = controllerMAC) -> PNAlarmEvent {
    bytes.withUnsafeBytes { cr.receive($0, highPriority: high, from: from) }
}

private func expectRaised(_ raised: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(raised, "the queue refused the alarm", sourceLocation: sourceLocation)
}

@Suite("PROFINET alarm CR (RTA)")
struct PROFINETAlarmTests {
    // @verifies SWR-PN-ALARM-1
    @Test("An alarm goes out as a tagged DATA-PDU and ends with the controller's transport ACK and AlarmAck")
    func alarmAndAcknowledgements() throws {
        var cr = alarmCR()
        #expect(cr.nextDeadlineNs == .max && cr.pending == 0)
        expectRaised(cr.raise(processAlarm()))
        #expect(cr.nextDeadlineNs == 0 && cr.pending == 1)
        let (first, _) = poll(&cr, at: 1_000)
        let f = try #require(first)
        #expect(f.destination == controllerMAC && f.tag == 0xA000 && f.frameID == 0xFE01)
        #expect(f.rta.destinationEndpoint == 0x0042 && f.rta.sourceEndpoint == 0x0001 && f.rta.version == 1)
        #expect(f.rta.type == PNRTAHeader.typeData && f.rta.tack && f.rta.windowSize == 1)
        #expect(f.rta.sendSequenceNumber == 0xFFFF && f.rta.ackSequenceNumber == 0xFFFE)
        let n = try #require(f.notification)
        #expect(n.alarmType == PNAlarmType.process && n.slot == 1 && n.subslot == 1 && n.specifier.sequenceNumber == 0 && n.usi == 1)
        // Nothing more until the RTA timeout.
        let quiet = poll(&cr, at: 2_000).0
        #expect(quiet == nil && cr.nextDeadlineNs == 1_000 + 100_000_000)
        // The transport ACK, then the AlarmAck in a DATA-PDU (profinet-py: its first send number is 0xFFFF, and it
        // acknowledges our 0xFFFF in it too).
        let acked = receive(&cr, pdu(type: PNRTAHeader.typeACK, send: 0xFFFE, ack: 0xFFFF))
        #expect(acked == .none && cr.nextDeadlineNs == .max)
        let ack = PNAlarmAck(acknowledging: n)
        let event = receive(&cr, pdu(type: PNRTAHeader.typeData, tack: true, send: 0xFFFF, ack: 0xFFFF) { w throws(PNBytesError) in
            try ack.write(to: &w)
        })
        #expect(event == .acknowledged(ack))
        #expect(cr.counters.acknowledged == 1 && cr.pending == 0)
        // The device acknowledges the controller's DATA-PDU.
        let (tack, _) = poll(&cr, at: 3_000)
        let t = try #require(tack)
        #expect(t.rta.type == PNRTAHeader.typeACK && !t.rta.tack && t.rta.ackSequenceNumber == 0xFFFF && t.rta.sendSequenceNumber == 0xFFFF)
        #expect(t.notification == nil)
        // The next alarm: send number 0 and alarm sequence number 1.
        expectRaised(cr.raise(processAlarm(slot: 3)))
        let (second, _) = poll(&cr, at: 4_000)
        let s = try #require(second)
        #expect(s.rta.sendSequenceNumber == 0 && s.rta.ackSequenceNumber == 0xFFFF && s.notification?.specifier.sequenceNumber == 1)
    }

    // @verifies SWR-PN-ALARM-1
    @Test("Unacknowledged DATA-PDUs are repeated after the RTA timeout; after the last retry the AR must end")
    func repeatsThenTransportFailure() throws {
        var cr = alarmCR()
        expectRaised(cr.raise(processAlarm()))
        var now: UInt64 = 1_000
        let (first, _) = poll(&cr, at: now)
        #expect(first?.rta.sendSequenceNumber == 0xFFFF)
        for _ in 0..<3 {
            now += 100_000_000
            let (again, event) = poll(&cr, at: now)
            #expect(event == .none && again?.rta.sendSequenceNumber == 0xFFFF && again?.notification?.specifier.sequenceNumber == 0)
        }
        #expect(cr.counters.sent == 1 && cr.counters.repeated == 3)
        now += 100_000_000
        let (none, failed) = poll(&cr, at: now)
        #expect(none == nil && failed == .transportFailed)
        // A NACK makes the one under way go again at once.
        var other = alarmCR()
        expectRaised(other.raise(processAlarm()))
        _ = poll(&other, at: 1_000)
        let nacked = receive(&other, pdu(type: PNRTAHeader.typeNACK, send: 0xFFFE, ack: 0xFFFE))
        #expect(nacked == .none)
        #expect(other.nextDeadlineNs == 0 && other.counters.nacks == 1)
        let resent = poll(&other, at: 2_000).0
        #expect(resent?.rta.sendSequenceNumber == 0xFFFF)
    }

    // @verifies SWR-PN-ALARM-1
    @Test("Out-of-sequence DATA-PDUs get a NACK, a repeat of a taken one a new ACK; an ERR-PDU ends the AR")
    func sequenceErrorsAndAbort() throws {
        var cr = alarmCR()
        let early = receive(&cr, pdu(type: PNRTAHeader.typeData, tack: true, send: 0x0005, ack: 0xFFFE))
        #expect(early == .none)
        #expect(cr.counters.outOfSequence == 1)
        let (nack, _) = poll(&cr, at: 1)
        #expect(nack?.rta.type == PNRTAHeader.typeNACK && nack?.rta.ackSequenceNumber == 0xFFFE)
        // An AlarmAck for no alarm: taken by transport (acknowledged), nothing acknowledged by application.
        let stray = PNAlarmAck(acknowledging: processAlarm())
        let strayEvent = receive(&cr, pdu(type: PNRTAHeader.typeData, tack: true, send: 0xFFFF, ack: 0xFFFE) { w throws(PNBytesError) in
            try stray.write(to: &w)
        })
        #expect(strayEvent == .none)
        let strayAck = poll(&cr, at: 2).0
        #expect(strayAck?.rta.ackSequenceNumber == 0xFFFF)
        // The same PDU again: acknowledged again, not taken twice.
        let repeated = receive(&cr, pdu(type: PNRTAHeader.typeData, tack: true, send: 0xFFFF, ack: 0xFFFE))
        #expect(repeated == .none)
        let (again, _) = poll(&cr, at: 3)
        #expect(again?.rta.type == PNRTAHeader.typeACK && again?.rta.ackSequenceNumber == 0xFFFF)
        #expect(cr.counters.acknowledged == 0)
        // The controller aborts.
        let abort = receive(&cr, pdu(type: PNRTAHeader.typeERR, send: 0xFFFE, ack: 0xFFFF) { w throws(PNBytesError) in
            try w.u8(0xCF); try w.u8(0x81); try w.u8(0xFD); try w.u8(0x0D)
        })
        #expect(abort == .aborted(PNIOStatus(0xCF, 0x81, 0xFD, 0x0D)))
    }

    // @verifies SWR-PN-ALARM-1
    @Test("PDUs of another AR, another sender or malformed ones are dropped; the queue is bounded")
    func foreignAndBounds() throws {
        var cr = alarmCR()
        expectRaised(cr.raise(processAlarm()))
        _ = poll(&cr, at: 1)
        let ackFrame = pdu(type: PNRTAHeader.typeACK, send: 0xFFFE, ack: 0xFFFF)
        let events = [receive(&cr, ackFrame, from: EthernetAddress(0x02, 9, 9, 9, 9, 9)),
                      receive(&cr, pdu(type: PNRTAHeader.typeACK, send: 0xFFFE, ack: 0xFFFF, dst: 0x0002)),
                      receive(&cr, pdu(type: PNRTAHeader.typeACK, send: 0xFFFE, ack: 0xFFFF, src: 0x0043)),
                      receive(&cr, Array(ackFrame[0..<7]))]
        #expect(events == [.none, .none, .none, .none])
        #expect(cr.counters.malformed == 4 && cr.nextDeadlineNs != .max, "still waiting for its ACK")
        // One under way and four queued per priority; the fifth is refused.
        for i in 0..<4 { expectRaised(cr.raise(processAlarm(slot: UInt16(i + 2)))) }
        let refused = !cr.raise(processAlarm())
        #expect(refused && cr.counters.queueFull == 1 && cr.pending == 5)
        // The high-priority channel is apart: its own queue, frame ID and tag.
        expectRaised(cr.raise(processAlarm(high: true)))
        let (high, _) = poll(&cr, at: 2)
        #expect(high?.frameID == 0xFC01 && high?.tag == 0xC000 && high?.rta.sendSequenceNumber == 0xFFFF)
    }

    // @verifies SWR-PN-ALARM-1
    @Test("The device's ERR-PDU carries the reason the AR ended")
    func deviceAbort() throws {
        let cr = alarmCR()
        var frame = [UInt8](repeating: 0, count: 1514)
        let n = frame.withUnsafeMutableBytes { cr.writeAbort(PNIOStatus(0xCF, 0x81, 0xFD, 0x05), mac: deviceMAC, into: $0) }
        #expect(n == 64)
        let rta = try frame.withUnsafeBytes { try PNRTAHeader(parsing: UnsafeRawBufferPointer(rebasing: $0[20..<n])) }
        #expect(rta.type == PNRTAHeader.typeERR && rta.varPartLength == 4 && rta.destinationEndpoint == 0x0042)
        #expect(Array(frame[32..<36]) == [0xCF, 0x81, 0xFD, 0x05] && frame[18] == 0xFE && frame[19] == 0x01)
    }

    // @verifies SWR-PN-ALARM-1
    @Test("The controller's end takes the notification and acknowledges it; both ends agree on every sequence number")
    func bothEnds() throws {
        var device = alarmCR()
        var controller = PNAlarmCR(config: PNAlarmCRConfig(localReference: 0x0042, remoteReference: 0x0001, controllerMAC: deviceMAC,
                                                            timeoutNs: 100_000_000, retries: 3))
        var frame = [UInt8](repeating: 0, count: 1514)
        /// Every frame `from` has due goes to `to`; the events `to` reported.
        func deliver(_ from: inout PNAlarmCR, _ fromMAC: EthernetAddress, to: inout PNAlarmCR) -> [PNAlarmEvent] {
            var events: [PNAlarmEvent] = []
            while true {
                let (n, _) = frame.withUnsafeMutableBytes { from.poll(nowNs: 1, mac: fromMAC, into: $0) }
                if n == 0 { return events }
                let high = frame[18] == 0xFC
                events.append(frame.withUnsafeBytes { to.receive(UnsafeRawBufferPointer(rebasing: $0[20..<n]), highPriority: high, from: fromMAC) })
            }
        }
        for round in 0..<3 {
            expectRaised(device.raise(processAlarm(slot: UInt16(round + 1), high: round == 1)))
            let taken = deliver(&device, deviceMAC, to: &controller)
            guard case .notification(let n)? = taken.first else {
                Issue.record("no notification in round \(round): \(taken)")
                return
            }
            #expect(n.slot == UInt16(round + 1) && n.highPriority == (round == 1))
            // The controller's transport ACK, then its AlarmAck; the device's transport ACK of that.
            let acknowledged = controller.acknowledge(n)
            #expect(acknowledged)
            let back = deliver(&controller, controllerMAC, to: &device)
            #expect(back.contains(.acknowledged(PNAlarmAck(acknowledging: n))), "round \(round): \(back)")
            _ = deliver(&device, deviceMAC, to: &controller)
            #expect(device.pending == 0 && device.nextDeadlineNs == .max && controller.nextDeadlineNs == .max, "round \(round)")
        }
        #expect(device.counters.acknowledged == 3 && controller.counters.notifications == 3 && controller.counters.acksSent == 3)
        #expect(device.counters.outOfSequence == 0 && controller.counters.outOfSequence == 0 && device.counters.repeated == 0)
    }

    @Test("The configuration comes from the connect's AlarmCRBlockReq, its timeout factor and retries within bounds")
    func configFromRequest() {
        var request = PNAlarmCRBlockRequest(localAlarmReference: 0x0007)
        request.rtaTimeoutFactor = 2
        request.rtaRetries = 1
        let c = PNAlarmCRConfig(request, localReference: 1, controllerMAC: controllerMAC)
        #expect(c.remoteReference == 7 && c.timeoutNs == 200_000_000 && c.retries == 3)
        request.rtaRetries = 99
        #expect(PNAlarmCRConfig(request, localReference: 1, controllerMAC: controllerMAC).retries == 15)
    }
}
