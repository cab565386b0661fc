// Fuzz target of the portable PROFINET IO RPC codec: the input as a received DCE/RPC datagram (header, NDR
// header, the blocks of its arguments, every block parser, an implicit read's answer), as an RTA-PDU of an alarm frame, and as a bare body of
// blocks. Whatever parses stays inside the input, within its fixed capacities, and reads back the same after it
// is written out again.

import Fieldbus
import PROFINETTool

enum FuzzPROFINET {
    static func rpc(_ input: UnsafeRawBufferPointer) {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 8)
        defer { scratch.deallocate() }
        if let d = try? PNRPCDatagram(parsing: input) {
            invariant(within(d.body, input), "the body lies outside the datagram")
            invariant(d.body.count == Int(d.header.bodyLength), "a body of another length than the header says")
            headerRoundTrip(d, scratch)
            // A commissioning tool's implicit read: the record data stays inside the datagram, and I&M0 in it parses
            // within its bounds.
            if let (header, data) = try? PNImplicitRead.readResponse(input) {
                invariant(within(data, input) && data.count == Int(header.recordDataLength), "record data outside the datagram")
                _ = try? PNImplicitRead.im0(data)
            }
            if let request = try? d.request() {
                invariant(within(request.args, d.body) && request.args.count == Int(request.argsLength), "args outside the body")
                body(request.args, scratch)
                connectRequest(request.args, scratch)
            }
            if let response = try? d.response() {
                invariant(within(response.args, d.body) && response.args.count == Int(response.argsLength), "args outside the body")
                connectResponse(response.args, scratch)
            }
        }
        if let rta = try? PNRTAHeader(parsing: input) {
            let sdu = rta.varPart(of: input)
            invariant(within(sdu, input) && sdu.count == Int(rta.varPartLength), "the RTA-SDU lies outside the PDU")
            body(sdu, scratch)
        }
        body(input, scratch)
    }

    /// `--alarm TYPE:SLOT[.SUBSLOT][@SECONDS]`: what parses is within bounds and reads back the same from its text.
    static func alarmArguments(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        guard let a = try? PNScheduledAlarm.parse(text) else { return }
        invariant(a.slot <= 0x7FFF && a.subslot != 0 && a.afterMs <= PNScheduledAlarm.maxAfterMs, "out of bounds: \(text.debugDescription)")
        invariant((try? PNScheduledAlarm.parse(a.text)) == a, "\(a.text) does not read back as \(text.debugDescription)")
    }

    /// The device's storage file: what parses is written out and reads back the same.
    static func storageFile(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        guard let storage = try? PNStorageFile.parse(text, path: "fuzz.conf") else { return }
        let again = PNStorageFile.format(storage)
        invariant((try? PNStorageFile.parse(again, path: "again.conf")) == storage, "\(text.debugDescription) does not read back from \(again.debugDescription)")
    }

    /// Whether `inner` lies inside `outer`.
    static func within(_ inner: UnsafeRawBufferPointer, _ outer: UnsafeRawBufferPointer) -> Bool {
        guard inner.count > 0 else { return true }
        guard let i = inner.baseAddress, let o = outer.baseAddress else { return false }
        return i >= o && i + inner.count <= o + outer.count
    }

    /// The header written again (with the same body after it) reads back the same.
    static func headerRoundTrip(_ d: PNRPCDatagram, _ scratch: UnsafeMutableRawBufferPointer) {
        var w = PNWriter(scratch)
        do {
            try d.header.write(to: &w)
            try w.bytes(d.body)
        } catch {
            invariant(false, "a received datagram does not fit 8 KiB")
        }
        let again = try? PNRPCHeader(parsing: w.written)
        invariant(again == d.header, "the RPC header does not read back")
    }

    /// Every block of `args` through every parser that takes its type; each parsed block written again reads back
    /// the same.
    static func body(_ args: UnsafeRawBufferPointer, _ scratch: UnsafeMutableRawBufferPointer) {
        var reader = PNBlockReader(args)
        var count = 0
        while let block = try? reader.next() {
            count += 1
            invariant(count <= args.count / PNBlock.headerSize, "more blocks than the body holds")
            invariant(within(block.content, args) && block.content.count == Int(block.length) - 2, "a block outside the body")
            invariant(block.offset + block.size == reader.offset, "the reader did not move past the block")
            parse(block, scratch)
            // Record data after a read or write header is taken by its length.
            if let header = try? PNRecordRequest(parsing: block), header.isWrite {
                if let data = try? reader.data(Int(header.recordDataLength)) {
                    invariant(within(data, args), "record data outside the body")
                }
            }
        }
    }

    static func parse(_ block: PNBlock, _ scratch: UnsafeMutableRawBufferPointer) {
        if let v = try? PNARBlockRequest(parsing: block) {
            invariant(v.stationName.count <= PNARBlockRequest.maxStationName, "a station name past its capacity")
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNARBlockRequest(parsing: $0) }) == v, "ARBlockReq")
        }
        if let v = try? PNARBlockResponse(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNARBlockResponse(parsing: $0) }) == v, "ARBlockRes")
        }
        if let v = try? PNIOCRBlockRequest(parsing: block) {
            invariant(v.apis.count <= PNIOCRBlockRequest.maxAPIs && v.dataObjects.count <= PNIOCRBlockRequest.capacity
                      && v.iocs.count <= PNIOCRBlockRequest.capacity, "an IOCR past its capacity")
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNIOCRBlockRequest(parsing: $0) }) == v, "IOCRBlockReq")
        }
        if let v = try? PNIOCRBlockResponse(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNIOCRBlockResponse(parsing: $0) }) == v, "IOCRBlockRes")
        }
        if let v = try? PNAlarmCRBlockRequest(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNAlarmCRBlockRequest(parsing: $0) }) == v, "AlarmCRBlockReq")
        }
        if let v = try? PNAlarmCRBlockResponse(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNAlarmCRBlockResponse(parsing: $0) }) == v, "AlarmCRBlockRes")
        }
        var expected = PNExpectedSubmodules()
        if (try? expected.append(parsing: block)) != nil {
            invariant(expected.count <= PNExpectedSubmodules.capacity, "expected submodules past their capacity")
            let back = again(expected, scratch, { try $0.write(to: &$1) }, { b in
                var e = PNExpectedSubmodules()
                try e.append(parsing: b)
                return e
            })
            invariant(back == expected, "ExpectedSubmoduleBlockReq")
        } else {
            invariant(expected.count == 0, "a refused block left submodules behind")
        }
        if let v = try? PNModuleDiff(parsing: block) {
            invariant(v.modules.count <= PNModuleDiff.capacity && v.submodules.count <= PNModuleDiff.capacity, "a module diff past its capacity")
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNModuleDiff(parsing: $0) }) == v, "ModuleDiffBlock")
        }
        if let v = try? PNControlBlock(parsing: block) {
            invariant(PNControlBlock.isControl(v.blockType), "a control block of another type")
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNControlBlock(parsing: $0) }) == v, "control block")
        }
        if let v = try? PNRecordRequest(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNRecordRequest(parsing: $0) }) == v, "read/write request header")
        }
        if let v = try? PNRecordResponse(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNRecordResponse(parsing: $0) }) == v, "read/write response header")
        }
        if let v = try? PNIM0(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNIM0(parsing: $0) }) == v, "I&M0")
        }
        if let v = try? PNIM1(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNIM1(parsing: $0) }) == v, "I&M1")
        }
        if let v = try? PNIM2(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNIM2(parsing: $0) }) == v, "I&M2")
        }
        if let v = try? PNIM3(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNIM3(parsing: $0) }) == v, "I&M3")
        }
        if let v = try? PNIM4(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNIM4(parsing: $0) }) == v, "I&M4")
        }
        if var v = try? PNAlarmNotification(parsing: block) {
            invariant(v.itemData.lowerBound >= 0 && v.itemData.upperBound <= block.content.count, "alarm item data outside the block")
            let data = UnsafeRawBufferPointer(rebasing: block.content[v.itemData])
            var back = again(v, scratch, { try $0.write(to: &$1, manufacturerData: data) }, { try PNAlarmNotification(parsing: $0) })
            back?.itemData = 0..<0
            v.itemData = 0..<0
            invariant(back == v, "AlarmNotification")
        }
        if let v = try? PNAlarmAck(parsing: block) {
            invariant(again(v, scratch, { try $0.write(to: &$1) }, { try PNAlarmAck(parsing: $0) }) == v, "AlarmAck")
        }
    }

    /// `value` written into `scratch` and parsed again (nil when either fails).
    static func again<T>(_ value: T, _ scratch: UnsafeMutableRawBufferPointer, _ write: (T, inout PNWriter) throws -> Void,
                         _ parse: (PNBlock) throws -> T) -> T? {
        var w = PNWriter(scratch)
        do {
            try write(value, &w)
            var r = PNBlockReader(w.written)
            guard let b = try r.next(), r.isAtEnd else { return nil }
            return try parse(b)
        } catch {
            return nil
        }
    }

    static func connectRequest(_ args: UnsafeRawBufferPointer, _ scratch: UnsafeMutableRawBufferPointer) {
        guard let c = try? PNConnectRequest(parsing: args) else { return }
        invariant(c.iocrs.count <= PNConnectRequest.maxIOCRs && c.expected.count <= PNExpectedSubmodules.capacity, "a connect past its capacity")
        var w = PNWriter(scratch)
        guard (try? c.write(to: &w)) != nil else { return invariant(false, "a parsed connect does not fit 8 KiB") }
        guard let back = try? PNConnectRequest(parsing: w.written) else { return invariant(false, "a written connect does not read back") }
        // Several ExpectedSubmoduleBlockReqs are written as one, with the same submodules in the same order.
        invariant(back.ar == c.ar && back.iocrs == c.iocrs && back.alarmCR == c.alarmCR && back.expected == c.expected,
                  "a connect does not read back the same")
        invariant(back.unknownBlocks == 0, "unknown blocks written out")
    }

    static func connectResponse(_ args: UnsafeRawBufferPointer, _ scratch: UnsafeMutableRawBufferPointer) {
        guard let r = try? PNConnectResponse(parsing: args) else { return }
        invariant(r.iocrs.count <= PNConnectRequest.maxIOCRs, "a connect response past its capacity")
        var w = PNWriter(scratch)
        guard (try? r.write(to: &w)) != nil else { return invariant(false, "a parsed connect response does not fit 8 KiB") }
        let back = try? PNConnectResponse(parsing: w.written)
        invariant(back?.ar == r.ar && back?.iocrs == r.iocrs && back?.alarmCR == r.alarmCR && back?.moduleDiff == r.moduleDiff,
                  "a connect response does not read back the same")
    }
}

/// The DCP side: the input as a received Ethernet frame, handed to a device (which answers, filters or counts it)
/// and to the controller's response readers. A reply stays in its buffer and is itself a well-formed DCP frame; the
/// device's name and IP suite stay valid whatever the frame set.
enum FuzzPROFINETDCP {
    static let device = EthernetAddress(0x02, 0x00, 0x00, 0x00, 0x12, 0x34)

    static func frame(_ input: UnsafeRawBufferPointer) {
        var model = PNDeviceModel(vendorID: 0xFEED, deviceID: 2, typeOfStation: PNFixedString("orion-io"),
                                  identification: PNIdentification(vendorID: 0xFEED, orderID: PNFixedString("X"), serialNumber: PNFixedString("1")))
        try? model.add(PNSubmoduleSlot(slot: 1, subslot: 1, moduleIdent: 0x30, submoduleIdent: 0x130, inputLength: 1))
        var stored = PNDCPStoredState()
        Array("orion-dev".utf8).withUnsafeBufferPointer { stored.name.set($0) }
        var dcp = PNDCPDevice(mac: device, model: model, stored: stored)
        let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        defer { reply.deallocate() }
        // The frame as sent, and again with the destination made the device's own (Get/Set reach it then).
        var copy = Array(input)
        for round in 0..<2 {
            if round == 1 {
                guard copy.count >= 6 else { break }
                let own = [device.b0, device.b1, device.b2, device.b3, device.b4, device.b5]
                for i in 0..<6 { copy[i] = own[i] }
            }
            let outcome = copy.withUnsafeBytes { dcp.handle(frame: $0, reply: reply) }
            invariant(outcome.replyLength >= 0 && outcome.replyLength <= 1514, "reply of \(outcome.replyLength) bytes")
            invariant(outcome.delayNs <= 6400 * 10_000_000, "response delay \(outcome.delayNs)")
            if outcome.replyLength > 0 {
                let answer = UnsafeRawBufferPointer(rebasing: reply[0..<outcome.replyLength])
                guard var r = try? PNDCPFrameReader(frame: answer) else {
                    invariant(false, "the device's reply does not read back")
                    return
                }
                var blocks = 0
                while let b = try? r.nextBlock() {
                    invariant(b.offset + b.length <= answer.count, "reply block past the frame")
                    blocks += 1
                }
                invariant(blocks <= 700, "more reply blocks than a frame holds")
            }
            var bytes = [UInt8]()
            for i in 0..<dcp.name.count { bytes.append(dcp.name.bytes[i]) }
            invariant(bytes.withUnsafeBytes { PNStationName.isValid($0) }, "the device took an invalid name")
            invariant(dcp.ip.isValid, "the device took an invalid IP suite")
        }
        _ = try? PNDCPController.readIdentity(input, xid: 0)
        if input.count >= 22 {
            let xid = UInt32(input[18]) << 24 | UInt32(input[19]) << 16 | UInt32(input[20]) << 8 | UInt32(input[21])
            _ = try? PNDCPController.readIdentity(input, xid: xid)
            _ = try? PNDCPController.readSetResponse(input, xid: xid, device: EthernetAddress.read(input, at: 6)) { r in
                invariant(r.error != nil || r.code > 6, "block error \(r.code) not named")
            }
        }
    }
}

/// The device's connection manager fed a stream of datagrams and frames: each record of the input is a length byte
/// pair, a kind (RPC datagram, RT frame, clock step) and the bytes. Whatever arrives, replies stay in their buffer,
/// cyclic frames read back as RT frames of the AR's input frame ID, and the AR's state stays consistent.
enum FuzzPROFINETDevice {
    static func stream(_ input: UnsafeRawBufferPointer) {
        var model = PNDeviceModel(vendorID: 0xFEED, deviceID: 2, typeOfStation: PNFixedString("orion-io"),
                                  identification: PNIdentification(vendorID: 0xFEED, orderID: PNFixedString("X"), serialNumber: PNFixedString("1")))
        try? model.add(PNSubmoduleSlot(slot: 1, subslot: 1, moduleIdent: 0x30, submoduleIdent: 0x130, inputLength: 1))
        try? model.add(PNSubmoduleSlot(slot: 2, subslot: 1, moduleIdent: 0x31, submoduleIdent: 0x131, outputLength: 2))
        let inputs = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
        let outputs = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
        let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        defer { inputs.deallocate(); outputs.deallocate(); reply.deallocate() }
        inputs.initializeMemory(as: UInt8.self, repeating: 0)
        outputs.initializeMemory(as: UInt8.self, repeating: 0)
        let mac = EthernetAddress(0x02, 0, 0, 0, 0x12, 0x34)
        var cm = PNConnection(inputImage: inputs, outputImage: outputs, seed: 1)
        var now: UInt64 = 1_000_000_000
        var o = 0
        while o + 3 <= input.count {
            let length = Int(input[o]) << 8 | Int(input[o + 1])
            let kind = input[o + 2]
            o += 3
            let n = min(length, input.count - o)
            let item = UnsafeRawBufferPointer(rebasing: input[o..<(o + n)])
            o += n
            switch kind % 5 {
            case 3:
                _ = cm.receiveAlarm(item)
            case 4:
                // The platform raises an alarm on a submodule the input picks.
                let slot = UInt16(n % 3)
                _ = cm.raise(PNAlarmNotification(highPriority: n & 4 != 0, alarmType: PNAlarmType.process, slot: slot, subslot: 1,
                                                 moduleIdent: 0x30, submoduleIdent: 0x130, specifier: PNAlarmSpecifier(sequenceNumber: 0),
                                                 usi: UInt16(n)))
            case 0:
                let m = cm.receiveRPC(item, from: 0x0A00_0001, port: 0xC000, model: model, mac: mac, nowNs: now, reply: reply)
                invariant(m >= 0 && m <= reply.count, "reply of \(m) bytes")
                if m > 0 { invariant((try? PNRPCDatagram(parsing: UnsafeRawBufferPointer(rebasing: reply[0..<m]))) != nil, "a reply that does not parse") }
            case 1:
                _ = cm.receiveCyclic(item, model: model, nowNs: now)
            default:
                now &+= UInt64(n) * 1_000_000
            }
            let ready = cm.applicationReadyRequest(nowNs: now, model: model, into: reply)
            invariant(ready >= 0 && ready <= reply.count, "ApplicationReady of \(ready) bytes")
            let f = cm.cyclicFrame(nowNs: now, model: model, mac: mac, into: reply)
            if f > 0 {
                let rt = try? PNRTFrame(reading: UnsafeRawBufferPointer(rebasing: reply[0..<f]))
                invariant(rt != nil && rt?.frameID == cm.input?.frameID, "an input frame that does not read back")
            }
            // Alarm frames: a bounded number per step, each a tagged alarm frame whose RTA header reads back.
            var frames = 0
            while frames < 8 {
                let a = cm.alarmFrame(nowNs: now, mac: mac, into: reply)
                if a == 0 { break }
                frames += 1
                invariant(a >= 64 && a <= reply.count && reply[16] == 0x88 && reply[17] == 0x92, "an alarm frame of \(a) bytes")
                invariant((try? PNRTAHeader(parsing: UnsafeRawBufferPointer(rebasing: reply[20..<a]))) != nil, "an RTA header that does not read back")
            }
            invariant(frames < 8, "alarm frames without end")
            invariant((cm.state == .idle) == (cm.input == nil), "state \(cm.state) with input CR \(String(describing: cm.input?.frameID))")
        }
    }
}
