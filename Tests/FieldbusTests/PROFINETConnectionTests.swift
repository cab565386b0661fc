// The device's connection manager on a virtual clock: Connect against the model (module diff for what differs, one
// AR at a time, refused AR types), PrmEnd and the ApplicationReady the device sends (retried, confirmed), cyclic
// frames both ways (outputs taken, stale and foreign frames dropped, inputs with IOPS), the watchdog, Release,
// record reads (I&M0 with and without an AR) and malformed datagrams. Requests are written with the block codecs.

import Testing
@testable import Fieldbus

private let deviceMAC = EthernetAddress(0x02, 0, 0, 0, 0x12, 0x34)
private let controllerMAC = EthernetAddress(0x02, 0, 0, 0, 0x00, 0xAA)
private let controllerIP: UInt32 = 0x0A4D_0101
private let arUUID = PNUUID(0x1234_5678, 0x9ABC, 0x4DEF, 0x8001, 0x0000_0000_0042)

private func model() -> PNDeviceModel {
    var m = PNDeviceModel(vendorID: 0xFEED, deviceID: 2, typeOfStation: PNFixedString("orion-io"),
                          identification: PNIdentification(vendorID: 0xFEED, orderID: PNFixedString("ORION-IO-1"), serialNumber: PNFixedString("0001")))
    try! m.add(PNSubmoduleSlot(slot: 1, subslot: 1, moduleIdent: 0x30, submoduleIdent: 0x130, inputLength: 1))
    try! m.add(PNSubmoduleSlot(slot: 2, subslot: 1, moduleIdent: 0x31, submoduleIdent: 0x131, outputLength: 2))
    return m
}

/// A connection manager with its images, on a virtual clock.
private final class Harness {
    let inputs = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 8)
    let outputs = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 8)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    var cm: PNConnection
    let model = Fieldbus_model()
    var now: UInt64 = 1_000_000_000
    var sequence: UInt32 = 0

    init() {
        inputs.initializeMemory(as: UInt8.self, repeating: 0)
        outputs.initializeMemory(as: UInt8.self, repeating: 0)
        cm = PNConnection(inputImage: inputs, outputImage: outputs, seed: 7)
    }

    deinit {
        inputs.deallocate()
        outputs.deallocate()
        buffer.deallocate()
    }

    /// Sends a request of `opnum` whose arguments `body` writes; the device's answer (empty: none).
    func call(_ opnum: PNRPCOperation, interface: PNUUID = PNRPCInterface.device,
              _ body: (inout PNWriter) throws(PNBytesError) -> Void) -> [UInt8] {
        sequence += 1
        let header = PNRPCHeader(opnum: opnum.rawValue, objectUUID: PNRPCInterface.object(instance: 1, deviceID: 2, vendorID: 0xFEED),
                                 interfaceUUID: interface, activityUUID: PNUUID(high: 0xAC71, low: UInt64(sequence)), sequenceNumber: sequence)
        var request = [UInt8](repeating: 0, count: 2048)
        let n: Int = request.withUnsafeMutableBytes { raw in
            var w = try! PNRPCWriter(buffer: raw, request: header, argsMaximum: 1024)
            try! body(&w.args)
            return try! w.finish()
        }
        return datagram(Array(request[0..<n]))
    }

    func datagram(_ bytes: [UInt8]) -> [UInt8] {
        let m = bytes.withUnsafeBytes { cm.receiveRPC($0, from: controllerIP, port: 0xC001, model: model, mac: deviceMAC, nowNs: now, reply: buffer) }
        return Array(buffer[0..<m])
    }

    /// A Connect with an input and an output CR for `expected` (slot, subslot, module, submodule, in, out).
    func connect(_ expected: [(UInt16, UInt16, UInt32, UInt32, UInt16, UInt16)], arType: UInt16 = PNARType.ioCARSingle,
                 uuid: PNUUID = arUUID) -> [UInt8] {
        let ar = PNARBlockRequest(arType: arType, arUUID: uuid, sessionKey: 1, initiatorMAC: controllerMAC,
                                  initiatorObjectUUID: PNRPCInterface.object(instance: 1, deviceID: 1, vendorID: 0x1234),
                                  stationName: PNFixedString("controller"))
        var c = PNConnectRequest(ar: ar)
        var input = PNIOCRBlockRequest(iocrType: PNIOCRType.input, reference: 1, dataLength: 40, frameID: 0xC001,
                                       sendClockFactor: 32, reductionRatio: 1, watchdogFactor: 3)
        var output = PNIOCRBlockRequest(iocrType: PNIOCRType.output, reference: 2, dataLength: 40, frameID: 0xFFFF,
                                        sendClockFactor: 32, reductionRatio: 1, watchdogFactor: 3)
        var inOffset: UInt16 = 0, outOffset: UInt16 = 0
        for e in expected {
            if e.5 > 0 {
                try! output.addDataObject(PNIOCREntry(slot: e.0, subslot: e.1, frameOffset: outOffset))
                outOffset += e.5 + 1
                try! input.addIOCS(PNIOCREntry(slot: e.0, subslot: e.1, frameOffset: inOffset))
                inOffset += 1
            } else {
                try! input.addDataObject(PNIOCREntry(slot: e.0, subslot: e.1, frameOffset: inOffset))
                inOffset += e.4 + 1
                try! output.addIOCS(PNIOCREntry(slot: e.0, subslot: e.1, frameOffset: outOffset))
                outOffset += 1
            }
            try! c.expected.append(PNExpectedSubmodule(PNSubmoduleSlot(slot: e.0, subslot: e.1, moduleIdent: e.2, submoduleIdent: e.3,
                                                                       inputLength: e.4, outputLength: e.5)))
        }
        try! c.add(input)
        try! c.add(output)
        c.alarmCR = PNAlarmCRBlockRequest(localAlarmReference: 3)
        return call(.connect) { w throws(PNBytesError) in try c.write(to: &w) }
    }

    static let proper: [(UInt16, UInt16, UInt32, UInt32, UInt16, UInt16)] = [
        (0, 1, 1, 1, 0, 0), (0, 0x8000, 1, 0x8000, 0, 0), (0, 0x8001, 1, 0x8001, 0, 0),
        (1, 1, 0x30, 0x130, 1, 0), (2, 1, 0x31, 0x131, 0, 2),
    ]

    /// Connect with `proper`, PrmEnd, ApplicationReady confirmed: the AR exchanges data.
    func toData(alarmCR: PNAlarmCRBlockRequest = PNAlarmCRBlockRequest(localAlarmReference: 3)) {
        _ = connect(Harness.proper)
        _ = control(PNBlockType.iodControlReqPrmEnd, .prmEnd)
        let ready = cm.applicationReadyRequest(nowNs: now, model: model, into: buffer)
        let request = Array(buffer[0..<ready])
        var confirm = [UInt8](repeating: 0, count: 512)
        let m = request.withUnsafeBytes { raw in
            let d = try! PNRPCDatagram(parsing: raw)
            var r = PNBlockReader(try! d.request().args)
            let block = try! PNControlBlock(parsing: try! r.next()!)
            return confirm.withUnsafeMutableBytes { out in
                var w = try! PNRPCWriter(buffer: out, response: d.header.answer(), status: .ok, maximumCount: 512)
                try! block.answer().write(to: &w.args)
                return try! w.finish()
            }
        }
        _ = datagram(Array(confirm[0..<m]))
    }

    /// The controller's RTA-PDU in an alarm frame (low priority, tagged as profinet-py tags it).
    func alarmFrame(type: UInt8, tack: Bool = false, send: UInt16, ack: UInt16, from source: EthernetAddress = controllerMAC,
                    _ body: ((inout PNWriter) throws(PNBytesError) -> Void)? = nil) -> Bool {
        var frame = [UInt8](repeating: 0, count: 256)
        let n: Int = frame.withUnsafeMutableBytes { raw in
            let header: [UInt8] = [0x02, 0, 0, 0, 0x12, 0x34, source.b0, source.b1, source.b2, source.b3, source.b4, source.b5,
                                   0x81, 0x00, 0xA0, 0x00, 0x88, 0x92, 0xFE, 0x01]
            for (i, b) in header.enumerated() { raw[i] = b }
            var w = PNWriter(UnsafeMutableRawBufferPointer(rebasing: raw[20...]))
            try! PNRTAHeader(destinationEndpoint: PNConnection.localAlarmReference, sourceEndpoint: 3, type: type, tack: tack,
                             sendSequenceNumber: send, ackSequenceNumber: ack).write(to: &w)
            if let body { try! body(&w) }
            let length = UInt16(w.count - PNRTAHeader.size)
            raw[30] = UInt8(length >> 8)
            raw[31] = UInt8(length & 0xFF)
            return 20 + w.count
        }
        return frame.withUnsafeBytes { cm.receiveAlarm(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }

    /// The next alarm frame the device sends: its RTA header and AlarmNotification or ERR status.
    func nextAlarmFrame() -> (PNRTAHeader, PNAlarmNotification?, [UInt8])? {
        let n = cm.alarmFrame(nowNs: now, mac: deviceMAC, into: buffer)
        guard n > 0 else { return nil }
        let pdu = UnsafeRawBufferPointer(rebasing: buffer[20..<n])
        let h = try! PNRTAHeader(parsing: pdu)
        var r = PNBlockReader(h.varPart(of: pdu))
        let notification = h.type == PNRTAHeader.typeData ? (try? r.next()).flatMap { $0 }.flatMap { try? PNAlarmNotification(parsing: $0) } : nil
        return (h, notification, Array(h.varPart(of: pdu)))
    }

    func control(_ type: UInt16, _ command: PNControlCommand, uuid: PNUUID = arUUID) -> [UInt8] {
        call(type == PNBlockType.releaseBlockReq ? .release : .control) { w throws(PNBytesError) in
            try PNControlBlock(blockType: type, arUUID: uuid, sessionKey: 1, command: command).write(to: &w)
        }
    }

    /// The controller's output frame with `data` for slot 2 (IOPS good) and `counter`.
    func outputFrame(_ data: [UInt8], counter: UInt16, from source: EthernetAddress = controllerMAC, frameID: UInt16? = nil,
                     status: UInt8 = PNDataStatus.normal) -> Bool {
        var frame = [UInt8](repeating: 0, count: 128)
        return frame.withUnsafeMutableBytes { raw in
            let w = PNRTFrameWriter(buffer: raw, destination: deviceMAC, source: source, frameID: frameID ?? cm.output!.frameID, dataLength: 40)!
            // Output CR layout of `proper`: the five IOCS of the inputs first (offsets 0...3), then slot 2's data.
            w.data[4] = data[0]
            w.data[5] = data[1]
            w.data[6] = PNRTWire.good
            w.setStatus(cycleCounter: counter, dataStatus: status)
            return cm.receiveCyclic(w.frame, model: model, nowNs: now)
        }
    }
}

private func Fieldbus_model() -> PNDeviceModel { model() }

private func responseStatus(_ reply: [UInt8]) throws -> PNIOStatus {
    try reply.withUnsafeBytes { raw in
        let d = try PNRPCDatagram(parsing: raw)
        return try d.response().status
    }
}

private func connectResponse(_ reply: [UInt8]) throws -> PNConnectResponse {
    try reply.withUnsafeBytes { raw in
        let d = try PNRPCDatagram(parsing: raw)
        return try PNConnectResponse(parsing: d.response().args)
    }
}

@Suite("PROFINET connection manager")
struct PROFINETConnectionTests {
    // @verifies SWR-PN-AR-1
    @Test("Connect, PrmEnd, ApplicationReady (retried until confirmed), cyclic data, Release")
    func wholeAR() throws {
        let h = Harness()
        let reply = h.connect(Harness.proper)
        #expect(try responseStatus(reply).isOK)
        let response = try connectResponse(reply)
        #expect(response.ar.arUUID == arUUID && response.ar.responderMAC == deviceMAC)
        #expect(response.iocrs.count == 2 && response.moduleDiff == nil)
        #expect(response.iocrs[0].frameID == 0xC001)  // the controller's input frame ID kept
        #expect(response.iocrs[1].frameID >= 0xC000 && response.iocrs[1].frameID != 0xC001)  // output ID assigned
        #expect(h.cm.state == .waitPrmEnd)

        #expect(try responseStatus(h.control(PNBlockType.iodControlReqPrmEnd, .prmEnd)).isOK)
        #expect(h.cm.state == .waitApplicationReady)
        // The device calls the controller: ApplicationReady on the controller interface, with the AR's UUID.
        let ready = h.cm.applicationReadyRequest(nowNs: h.now, model: h.model, into: h.buffer)
        #expect(ready > 0)
        let request = Array(h.buffer[0..<ready])
        let (header, control) = try request.withUnsafeBytes { raw in
            let d = try PNRPCDatagram(parsing: raw)
            var r = PNBlockReader(try d.request().args)
            return (d.header, try PNControlBlock(parsing: try #require(try r.next())))
        }
        #expect(header.interfaceUUID == PNRPCInterface.controller && header.opnum == PNRPCOperation.control.rawValue)
        #expect(control.blockType == PNBlockType.ioxControlReqApplicationReady && control.arUUID == arUUID && control.command.contains(.applicationReady))
        // Not again before a second has passed; then again, the same activity.
        #expect(h.cm.applicationReadyRequest(nowNs: h.now + 500_000_000, model: h.model, into: h.buffer) == 0)
        h.now += 1_000_000_001
        #expect(h.cm.applicationReadyRequest(nowNs: h.now, model: h.model, into: h.buffer) == ready)
        // The controller confirms: a response of the same activity.
        var confirm = [UInt8](repeating: 0, count: 512)
        let m = confirm.withUnsafeMutableBytes { raw in
            var w = try! PNRPCWriter(buffer: raw, response: header.answer(), status: .ok, maximumCount: 512)
            try! control.answer().write(to: &w.args)
            return try! w.finish()
        }
        #expect(h.datagram(Array(confirm[0..<m])).isEmpty)
        #expect(h.cm.state == .data)

        // Outputs taken from the controller's frame; a repeated cycle counter is stale; another sender is malformed.
        #expect(h.outputFrame([0x12, 0x34], counter: 32))
        #expect(h.outputs[0] == 0x12 && h.outputs[1] == 0x34 && h.cm.outputsChanged)
        #expect(h.outputFrame([0x56, 0x78], counter: 32))
        #expect(h.cm.counters.rt.stale == 1 && h.outputs[0] == 0x12)
        #expect(h.outputFrame([0x56, 0x78], counter: 64, from: EthernetAddress(0x02, 0, 0, 0, 0, 0x66)))
        #expect(h.cm.counters.rt.malformed == 1 && h.outputs[0] == 0x12)
        // A frame with DataValid clear is counted, its data not taken.
        #expect(h.outputFrame([0x9A, 0xBC], counter: 96, status: PNDataStatus.primary | PNDataStatus.run))
        #expect(h.cm.counters.rt.invalid == 1 && h.outputs[0] == 0x12)
        // Another frame ID is not this AR's.
        #expect(!h.outputFrame([1, 2], counter: 128, frameID: 0xC123))

        // The input frame: slot 1's byte with IOPS good, the IOCS of slot 2 good, cycle counter 32 per 1 ms.
        h.inputs[0] = 0x5A
        let n = h.cm.cyclicFrame(nowNs: h.now, model: h.model, mac: deviceMAC, into: h.buffer)
        #expect(n == 14 + 2 + 40 + 4)
        let frame = try PNRTFrame(reading: UnsafeRawBufferPointer(rebasing: h.buffer[0..<n]))
        #expect(frame.frameID == 0xC001 && frame.cycleCounter == 32 && frame.dataStatus == PNDataStatus.normal)
        // Input CR layout: DAP, interface, port (IOPS only), slot 1 data + IOPS, then slot 2's IOCS.
        let d = frame.dataOffset
        #expect(Array(h.buffer[d..<(d + 6)]) == [0x80, 0x80, 0x80, 0x5A, 0x80, 0x80])
        // Not again within the same period.
        #expect(h.cm.cyclicFrame(nowNs: h.now + 500_000, model: h.model, mac: deviceMAC, into: h.buffer) == 0)

        #expect(try responseStatus(h.control(PNBlockType.releaseBlockReq, .release)).isOK)
        #expect(h.cm.state == .idle && h.cm.lastEnd == .released)
    }

    // @verifies SWR-PN-AR-1
    @Test("A wrong or missing module is answered with a ModuleDiffBlock; its data is not exchanged")
    func moduleDiff() throws {
        let h = Harness()
        var expected = Harness.proper
        expected[4] = (2, 1, 0x99, 0x131, 0, 2)  // another module in slot 2
        expected.append((5, 1, 0x40, 0x140, 1, 0))  // a slot the device does not have
        let response = try connectResponse(h.connect(expected))
        let diff = try #require(response.moduleDiff)
        #expect(diff.modules.count == 2)
        #expect(diff.modules[0].slot == 2 && diff.modules[0].state == .wrongModule && diff.modules[0].moduleIdent == 0x31)
        #expect(diff.modules[1].slot == 5 && diff.modules[1].state == .noModule)
        #expect(h.cm.counters.moduleDiffs == 1 && h.cm.state == .waitPrmEnd)
        #expect(h.outputFrame([0x12, 0x34], counter: 32))
        #expect(h.outputs[0] == 0 && !h.cm.outputsChanged)
    }

    // @verifies SWR-PN-AR-1
    @Test("One AR at a time; IOSAR and other AR types are refused with the connect's PNIO status")
    func refusals() throws {
        let h = Harness()
        let sar = try responseStatus(h.connect(Harness.proper, arType: PNARType.ioSAR))
        #expect(sar == PNIOStatus(0xDB, 0x81, 0x01, 0x04))
        #expect(try responseStatus(h.connect(Harness.proper)).isOK)
        let second = try responseStatus(h.connect(Harness.proper, uuid: PNUUID(high: 1, low: 2)))
        #expect(second == PNIOStatus(0xDB, 0x81, 0x40, 0x04))
        // A control for another AR is refused, the AR stays.
        #expect(try responseStatus(h.control(PNBlockType.iodControlReqPrmEnd, .prmEnd, uuid: PNUUID(high: 9, low: 9))) == PNIOStatus(0xDD, 0x81, 0x14, 0x05))
        #expect(h.cm.state == .waitPrmEnd && h.cm.counters.connectsRefused == 2)
    }

    // @verifies SWR-PN-RT-1
    @Test("The watchdog ends the AR when the controller's frames stop; a new connect is then taken")
    func watchdog() throws {
        let h = Harness()
        #expect(try responseStatus(h.connect(Harness.proper)).isOK)
        #expect(h.outputFrame([1, 2], counter: 32))
        // Before ApplicationReady the controller may pause while it parameterizes: 3 s of grace, then the watchdog.
        h.now += 2_000_000_000
        _ = h.cm.cyclicFrame(nowNs: h.now, model: h.model, mac: deviceMAC, into: h.buffer)
        #expect(h.cm.state == .waitPrmEnd)
        h.now += 2_000_000_000
        _ = h.cm.cyclicFrame(nowNs: h.now, model: h.model, mac: deviceMAC, into: h.buffer)
        #expect(h.cm.state == .idle && h.cm.lastEnd == .watchdog && h.cm.counters.watchdogExpired == 1)
        #expect(try responseStatus(h.connect(Harness.proper, uuid: PNUUID(high: 3, low: 4))).isOK)
    }

    // @verifies SWR-PN-AR-1
    @Test("I&M0 is read without an AR (implicit); an explicit read needs the AR; other indexes and slots are refused")
    func records() throws {
        let h = Harness()
        let implicit = h.call(.readImplicit) { w throws(PNBytesError) in
            try PNRecordRequest(read: 1, slot: 0, subslot: 1, index: 0xAFF0, maxLength: 4096).write(to: &w)
        }
        let im0: PNIM0 = try implicit.withUnsafeBytes { raw in
            let d = try PNRPCDatagram(parsing: raw)
            var r = PNBlockReader(try d.response().args)
            _ = try PNRecordResponse(parsing: try #require(try r.next()))
            return try PNIM0(parsing: try #require(try r.next()))
        }
        #expect(im0.identification == h.model.identification)
        // An explicit read needs the AR.
        let noAR = h.call(.read) { w throws(PNBytesError) in
            try PNRecordRequest(read: 2, arUUID: arUUID, slot: 0, subslot: 1, index: 0xAFF0, maxLength: 4096).write(to: &w)
        }
        #expect(try responseStatus(noAR) == PNIOStatus(0xDE, 0x80, 0xB7, 0x00))
        let badIndex = h.call(.readImplicit) { w throws(PNBytesError) in
            try PNRecordRequest(read: 3, slot: 0, subslot: 1, index: 0x1234, maxLength: 4096).write(to: &w)
        }
        #expect(try responseStatus(badIndex) == PNIOStatus(0xDE, 0x80, 0xB0, 0x00))
        let badSlot = h.call(.readImplicit) { w throws(PNBytesError) in
            try PNRecordRequest(read: 4, slot: 9, subslot: 1, index: 0xAFF0, maxLength: 4096).write(to: &w)
        }
        #expect(try responseStatus(badSlot) == PNIOStatus(0xDE, 0x80, 0xB2, 0x00))
    }

    // @verifies SWR-PN-IM-1
    @Test("I&M1-4 are written within the AR and read back, implicitly too; bad writes are refused with their reason")
    func identificationAndMaintenanceRecords() throws {
        let h = Harness()
        func read(_ index: UInt16, sequence: UInt16, implicit: Bool = true) throws -> (PNIOStatus, [UInt8]) {
            let reply = h.call(implicit ? .readImplicit : .read) { w throws(PNBytesError) in
                try PNRecordRequest(read: sequence, arUUID: implicit ? .zero : arUUID, slot: 0, subslot: 1, index: index, maxLength: 4096).write(to: &w)
            }
            return try reply.withUnsafeBytes { raw in
                let d = try PNRPCDatagram(parsing: raw)
                let response = try d.response()
                guard response.status.isOK else { return (response.status, []) }
                var r = PNBlockReader(response.args)
                let header = try PNRecordResponse(parsing: try #require(try r.next()))
                return (response.status, Array(try r.data(Int(header.recordDataLength))))
            }
        }
        func write(_ index: UInt16, sequence: UInt16, slot: UInt16 = 0, _ body: (inout PNWriter) throws(PNBytesError) -> Void) throws -> PNIOStatus {
            var data = [UInt8](repeating: 0, count: 256)
            let n: Int = data.withUnsafeMutableBytes { raw in
                var w = PNWriter(raw)
                try! body(&w)
                return w.count
            }
            let reply = h.call(.write) { w throws(PNBytesError) in
                try PNRecordRequest(write: sequence, arUUID: arUUID, slot: slot, subslot: 1, index: index, length: UInt32(n)).write(to: &w)
                for i in 0..<n { try w.u8(data[i]) }
            }
            return try responseStatus(reply)
        }
        // Empty before anything was written (spaces, as I&M strings are padded).
        let (fresh, empty) = try read(0xAFF1, sequence: 1)
        #expect(fresh.isOK)
        let parsedEmpty = try empty.withUnsafeBytes { raw in
            var r = PNBlockReader(raw)
            return try PNIM1(parsing: try #require(try r.next()))
        }
        #expect(parsedEmpty == PNIM1())
        h.toData()
        let im1 = PNIM1(tagFunction: PNFixedString("conveyor 3"), tagLocation: PNFixedString("hall B"))
        #expect(try write(0xAFF1, sequence: 2) { w throws(PNBytesError) in try im1.write(to: &w) }.isOK)
        #expect(h.cm.im.im1 == im1 && h.cm.imChanged)
        h.cm.imChanged = false
        let im2 = PNIM2(date: PNFixedString("2026-12-07 23:45"))
        #expect(try write(0xAFF2, sequence: 3) { w throws(PNBytesError) in try im2.write(to: &w) }.isOK)
        // Read back, explicitly in the AR and implicitly.
        for implicit in [false, true] {
            let (status, bytes) = try read(0xAFF1, sequence: 4, implicit: implicit)
            #expect(status.isOK)
            let back = try bytes.withUnsafeBytes { raw in
                var r = PNBlockReader(raw)
                return try PNIM1(parsing: try #require(try r.next()))
            }
            #expect(back == im1)
        }
        let (_, date) = try read(0xAFF2, sequence: 5)
        #expect(try date.withUnsafeBytes { raw in var r = PNBlockReader(raw); return try PNIM2(parsing: try #require(try r.next())) } == im2)
        #expect(h.cm.imChanged)
        h.cm.imChanged = false
        // I&M0 is the device's own; the block must be the record's; the data exactly one block; a plugged submodule.
        #expect(try write(0xAFF0, sequence: 6) { w throws(PNBytesError) in try PNIM0(h.model.identification).write(to: &w) }
                == PNIOStatus(0xDF, 0x80, 0xB6, 0x00))
        #expect(try write(0xAFF1, sequence: 7) { w throws(PNBytesError) in try im2.write(to: &w) } == PNIOStatus(0xDF, 0x80, 0xB8, 0x00))
        #expect(try write(0xAFF1, sequence: 8) { w throws(PNBytesError) in try im1.write(to: &w); try w.u8(0) } == PNIOStatus(0xDF, 0x80, 0xB1, 0x00))
        #expect(try write(0xAFF1, sequence: 9, slot: 9) { w throws(PNBytesError) in try im1.write(to: &w) } == PNIOStatus(0xDF, 0x80, 0xB2, 0x00))
        #expect(h.cm.im.im1 == im1 && !h.cm.imChanged, "refused writes change nothing")
    }

    // @verifies SWR-PN-RPC-1
    @Test("A commissioning tool's implicit read (PNImplicitRead) gets the device's I&M0; a refused one its PNIO status")
    func implicitReadClient() throws {
        let h = Harness()
        let read = PNImplicitRead(vendorID: 0xFEED, deviceID: 2)
        func ask(slot: UInt16, sequence: UInt32) throws -> [UInt8] {
            var request = [UInt8](repeating: 0, count: 1500)
            let n = try request.withUnsafeMutableBytes { b throws(PNControllerError) in
                try read.writeRequest(into: b, activity: PNUUID(high: 0x5EAD, low: 1), sequence: sequence, slot: slot, subslot: 1, index: 0xAFF0)
            }
            return h.datagram(Array(request[0..<n]))
        }
        let answer = try ask(slot: 0, sequence: 7)
        try answer.withUnsafeBytes { raw in
            #expect(PNControllerAR.isAnswer(raw, activity: PNUUID(high: 0x5EAD, low: 1), sequence: 7))
            #expect(!PNControllerAR.isAnswer(raw, activity: PNUUID(high: 0x5EAD, low: 1), sequence: 8))
            let (header, data) = try PNImplicitRead.readResponse(raw)
            #expect(header.index == 0xAFF0 && header.slot == 0 && header.subslot == 1 && data.count == Int(header.recordDataLength))
            let im0 = try PNImplicitRead.im0(data)
            #expect(im0.identification == h.model.identification && im0.versionMajor == 1 && im0.versionMinor == 1)
        }
        let refused = try ask(slot: 9, sequence: 8)
        refused.withUnsafeBytes { raw in
            #expect(throws: PNControllerError.refused(PNIOStatus(0xDE, 0x80, 0xB2, 0x00))) { try PNImplicitRead.readResponse(raw) }
        }
        // Record data that is not an I&M0 block.
        [UInt8](repeating: 0, count: 8).withUnsafeBytes { raw in
            #expect(throws: PNControllerError.self) { try PNImplicitRead.im0(raw) }
        }
    }

    // @verifies SWR-PN-ALARM-1
    @Test("Alarms go out only while the AR exchanges data and end with the AlarmAck; the watchdog ends the AR with an ERR-PDU")
    func alarms() throws {
        let h = Harness()
        let alarm = PNAlarmNotification(alarmType: PNAlarmType.process, slot: 1, subslot: 1, moduleIdent: 0x30, submoduleIdent: 0x130,
                                        specifier: PNAlarmSpecifier(sequenceNumber: 0), usi: 1)
        let early = h.cm.raise(alarm)
        #expect(!early && h.cm.counters.alarmsRefused == 1, "no AR yet")
        h.toData()
        #expect(h.cm.state == .data)
        let raised = h.cm.raise(alarm)
        #expect(raised && h.cm.nextAlarmDeadlineNs == 0)
        let (rta, notification, _) = try #require(h.nextAlarmFrame())
        #expect(rta.type == PNRTAHeader.typeData && rta.destinationEndpoint == 3 && rta.sourceEndpoint == PNConnection.localAlarmReference)
        #expect(notification?.alarmType == PNAlarmType.process && notification?.slot == 1)
        #expect(h.nextAlarmFrame() == nil)
        // Transport ACK and AlarmAck (in one DATA-PDU, its ack number taking ours), then the device's ACK of it.
        let ack = PNAlarmAck(acknowledging: try #require(notification))
        #expect(h.alarmFrame(type: PNRTAHeader.typeData, tack: true, send: 0xFFFF, ack: 0xFFFF) { w throws(PNBytesError) in try ack.write(to: &w) })
        #expect(h.cm.lastAlarmAck == ack && h.cm.counters.alarmsAcknowledged == 1)
        #expect(h.nextAlarmFrame()?.0.type == PNRTAHeader.typeACK)
        // Another station's alarm frame is taken (it is an alarm frame) but changes nothing.
        #expect(h.alarmFrame(type: PNRTAHeader.typeERR, send: 0xFFFF, ack: 0xFFFF, from: EthernetAddress(0x02, 7, 7, 7, 7, 7)))
        #expect(h.cm.state == .data)
        // The controller's frames stop: the watchdog ends the AR and the device says so on the alarm CR.
        h.now += 1_000_000_000
        _ = h.cm.cyclicFrame(nowNs: h.now, model: h.model, mac: deviceMAC, into: h.buffer)
        #expect(h.cm.state == .idle && h.cm.lastEnd == .watchdog)
        let (err, _, status) = try #require(h.nextAlarmFrame())
        #expect(err.type == PNRTAHeader.typeERR && status == [0xCF, 0x81, 0xFD, 0x05])
        #expect(h.nextAlarmFrame() == nil)
    }

    // @verifies SWR-PN-ALARM-1
    @Test("An ERR-PDU from the controller ends the AR; an AlarmCRBlockReq outside the standard's bounds is refused")
    func alarmAbortAndBadAlarmCR() throws {
        let h = Harness()
        h.toData()
        #expect(h.alarmFrame(type: PNRTAHeader.typeERR, send: 0xFFFE, ack: 0xFFFE) { w throws(PNBytesError) in
            try w.u8(0xCF); try w.u8(0x81); try w.u8(0xFD); try w.u8(0x0D)
        })
        #expect(h.cm.state == .idle && h.cm.lastEnd == .abortedByController)
        #expect(h.nextAlarmFrame() == nil, "no ERR-PDU back for an AR the controller ended")
        // Alarm CRs this device does not take: over UDP, RTA retries or timeout out of range, a wrong tag.
        var udp = PNAlarmCRBlockRequest(localAlarmReference: 3, properties: PNAlarmCRProperties(rawValue: 2))
        udp.lt = 0x0800
        let cases: [(PNAlarmCRBlockRequest, UInt8)] = [
            (udp, 5),
            (PNAlarmCRBlockRequest(localAlarmReference: 3, rtaTimeoutFactor: 0), 7),
            (PNAlarmCRBlockRequest(localAlarmReference: 3, rtaRetries: 2), 8),
            (PNAlarmCRBlockRequest(localAlarmReference: 3, maxAlarmDataLength: 100), 10),
            (PNAlarmCRBlockRequest(localAlarmReference: 3, tagHeaderHigh: PNTagHeader(priority: 5)), 11),
            (PNAlarmCRBlockRequest(localAlarmReference: 3, tagHeaderLow: PNTagHeader(priority: 5, vlanID: 9)), 12),
        ]
        for (request, field) in cases {
            #expect(PNConnection.alarmCRProblem(request) == field)
        }
        #expect(PNConnection.alarmCRProblem(PNAlarmCRBlockRequest(localAlarmReference: 3)) == nil)
    }

    // @verifies SWR-PN-AR-1
    @Test("Malformed datagrams are counted; requests to another interface or operation are rejected")
    func malformed() throws {
        let h = Harness()
        #expect(h.datagram([0x04, 0x00, 0x01]).isEmpty)
        #expect(h.cm.counters.malformed == 1)
        let other = h.call(.connect, interface: PNRPCInterface.supervisor) { _ throws(PNBytesError) in }
        let type = other.withUnsafeBytes { (try? PNRPCHeader(parsing: $0))?.packetType }
        #expect(type == .reject && h.cm.counters.malformed == 2)
        // A connect whose blocks do not parse: refused, counted, no AR.
        let bad = h.call(.connect) { w throws(PNBytesError) in try w.u16(0x0101); try w.u16(0x0FFF) }
        #expect(try responseStatus(bad) == PNIOStatus(0xDB, 0x81, 0x40, 0x02))
        #expect(h.cm.state == .idle && h.cm.counters.malformed == 3)
    }
}
