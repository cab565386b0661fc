// The device's connection manager (IEC 61158-6-10 §5.6, CMDEV) and its one application relation: Connect (checked
// against the device model, with a ModuleDiffBlock where the controller expects another configuration), record
// Read/Write (I&M0 also as an implicit read without an AR), PrmEnd, the device's ApplicationReady to the
// controller (retried until confirmed), Release; then RT_CLASS_1 cyclic data: the input frame sent each cycle,
// the output frame taken from the controller, and the watchdog that ends the AR when the controller stops.

import Kernel

/// Where the AR is.
public enum PNARState: UInt8, Sendable, Equatable {
    /// No AR.
    case idle
    /// Connected; waiting for the controller's PrmEnd.
    case waitPrmEnd
    /// PrmEnd answered; ApplicationReady sent to the controller, not yet confirmed.
    case waitApplicationReady
    /// ApplicationReady confirmed: cyclic data in operation.
    case data
}

/// Why the last AR ended.
public enum PNAREnd: UInt8, Sendable, Equatable {
    case none
    /// The controller released it.
    case released
    /// No output frame came within the watchdog time.
    case watchdog
    /// The controller never confirmed ApplicationReady.
    case applicationReadyTimeout
    /// The controller connected again (a new AR replaced the old one).
    case replaced
    /// The controller sent an ERR-RTA-PDU on the alarm CR.
    case abortedByController
    /// An alarm went unacknowledged by transport through every RTA retry.
    case alarmTimeout
}

/// Counters of the connection manager.
public struct PNCMCounters: Sendable, Equatable {
    public var connects: UInt64 = 0
    /// Connects refused (AR type, IOCRs, no room).
    public var connectsRefused: UInt64 = 0
    /// Connects answered with a module diff.
    public var moduleDiffs: UInt64 = 0
    public var reads: UInt64 = 0
    public var writes: UInt64 = 0
    public var controls: UInt64 = 0
    public var releases: UInt64 = 0
    public var watchdogExpired: UInt64 = 0
    /// Datagrams that did not parse, or that named another interface or an operation not offered: dropped or
    /// rejected.
    public var malformed: UInt64 = 0
    public var rt = PNRTCounters()
    /// Reaction times: from an output frame that changed the outputs to the next input frame sent (which carries
    /// the application's answer when it copies or computes its inputs in between, as `orion pn device --echo` does).
    public var reactions: UInt64 = 0
    public var reactionMinNs: UInt64 = UInt64.max
    public var reactionMaxNs: UInt64 = 0
    public var reactionSumNs: UInt64 = 0
    /// Alarms the platform raised (queued), refused (no AR in data exchange, or the queue full), and the ones the
    /// controller acknowledged by AlarmAck.
    public var alarmsRaised: UInt64 = 0
    public var alarmsRefused: UInt64 = 0
    public var alarmsAcknowledged: UInt64 = 0
    public init() {}
}

/// One IOCR as the device runs it.
public struct PNIOCR: Sendable {
    public var frameID: UInt16
    public var dataLength: Int
    /// Cycle time in ns (SendClockFactor × ReductionRatio × 31.25 us).
    public var periodNs: UInt64
    /// Cycle counter step per frame.
    public var counterStep: UInt16
    public var watchdogFactor: UInt16
    public var request: PNIOCRBlockRequest
}

/// The device's AR and the data of its cyclic frames.
public struct PNConnection {
    public private(set) var state: PNARState = .idle
    public private(set) var lastEnd: PNAREnd = .none
    public private(set) var counters = PNCMCounters()
    public private(set) var arUUID = PNUUID.zero
    public private(set) var sessionKey: UInt16 = 0
    public private(set) var controllerMAC = EthernetAddress.zero
    public private(set) var controllerIP: UInt32 = 0
    /// The controller's CMInitiatorObjectUUID (ApplicationReady goes to that object).
    private var controllerObject = PNUUID.zero
    public private(set) var input: PNIOCR?
    public private(set) var output: PNIOCR?
    /// Input data of every submodule, concatenated in model order (the platform fills it); outputs likewise.
    public let inputImage: UnsafeMutableRawBufferPointer
    public let outputImage: UnsafeMutableRawBufferPointer
    /// I&M1–4 (the platform sets them from its storage at start); a controller's write within its AR changes them
    /// and sets `imChanged` (the platform clears it once it stored them).
    public var im = PNIMRecords()
    public var imChanged = false
    /// The AR's alarm CR (the last AR's after it ended, for its counters; nil before the first connect).
    public private(set) var alarms: PNAlarmCR?
    /// The last AlarmAck the controller sent (the platform may clear it).
    public var lastAlarmAck: PNAlarmAck?
    /// The ERR-RTA-PDU still to send for an AR the device ended, with its reason.
    private var abortDue = false
    private var abortStatus = PNIOStatus.ok
    /// Set when an output frame changed the output image (the platform clears it).
    public var outputsChanged = false
    /// Whether the controller's last output frame said its data is valid and it runs.
    public private(set) var outputsValid = false

    /// Submodules the controller expects otherwise than they are (slot << 16 | subslot): their data is not
    /// exchanged, their IOPS is bad.
    private var wrong = InlineArray<32, UInt32>(repeating: 0)
    private var wrongCount = 0
    /// When an output frame last changed the outputs and no input frame has gone out since (0: none pending).
    private var outputChangeNs: UInt64 = 0
    private var nextSendNs: UInt64 = 0
    private var cycleCounter: UInt16 = 0
    private var lastOutputNs: UInt64 = 0
    private var lastOutputCounter: UInt16 = 0
    private var haveOutput = false
    private var applicationReadyDueNs: UInt64 = 0
    private var applicationReadyTries = 0
    private var applicationReadySequence: UInt32 = 0
    private var applicationReadyActivity = PNUUID.zero
    private var activitySeed: UInt64

    /// A connection manager with images of at least the model's total input and output lengths.
    public init(inputImage: UnsafeMutableRawBufferPointer, outputImage: UnsafeMutableRawBufferPointer, seed: UInt64) {
        self.inputImage = inputImage
        self.outputImage = outputImage
        activitySeed = seed | 1
    }

    /// Offset of `s`'s input (or output) data in the image.
    public static func imageOffset(of index: Int, in model: PNDeviceModel, output: Bool) -> Int {
        var o = 0
        for i in 0..<index { o += Int(output ? model[i].outputLength : model[i].inputLength) }
        return o
    }

    /// Total input and output bytes of `model`.
    public static func imageSizes(_ model: PNDeviceModel) -> (input: Int, output: Int) {
        var i = 0, o = 0
        for k in 0..<model.count {
            i += Int(model[k].inputLength)
            o += Int(model[k].outputLength)
        }
        return (i, o)
    }

    // MARK: RPC

    /// Handles one RPC datagram from `address`:`port`; an answer (if any) is written into `reply` and its length
    /// returned (0: nothing to send).
    // @implements SWR-PN-AR-1
    public mutating func receiveRPC(_ datagram: UnsafeRawBufferPointer, from address: UInt32, port: UInt16,
                                    model: PNDeviceModel, mac: EthernetAddress, nowNs: UInt64,
                                    reply: UnsafeMutableRawBufferPointer) -> Int {
        let d: PNRPCDatagram
        do throws(PNRPCError) {
            d = try PNRPCDatagram(parsing: datagram)
        } catch {
            counters.malformed += 1
            return 0
        }
        let h = d.header
        if h.packetType == .response && h.interfaceUUID == PNRPCInterface.controller {
            confirmApplicationReady(d, nowNs: nowNs)
            return 0
        }
        if h.packetType == .ping {
            return (try? PNRPCWriter.writeBare(buffer: reply, header: h.answer(.nocall))) ?? 0
        }
        guard h.packetType == .request else {
            counters.malformed += 1
            return 0
        }
        guard h.interfaceUUID == PNRPCInterface.device, !h.isFragment, let op = h.operation else {
            counters.malformed += 1
            let status = h.interfaceUUID == PNRPCInterface.device ? PNRPCStatus.operationRangeError : PNRPCStatus.unknownInterface
            return (try? PNRPCWriter.writeBare(buffer: reply, header: h.answer(.reject), ncaStatus: status)) ?? 0
        }
        let request: PNNDRRequest
        do throws(PNRPCError) {
            request = try d.request()
        } catch {
            counters.malformed += 1
            return (try? PNRPCWriter.writeBare(buffer: reply, header: h.answer(.reject), ncaStatus: PNRPCStatus.protocolError)) ?? 0
        }
        let maximum = request.argsMaximum
        switch op {
        case .connect:
            return connect(request.args, header: h, maximum: maximum, from: address, model: model, mac: mac, nowNs: nowNs, reply: reply)
        case .release, .control:
            return control(request.args, header: h, maximum: maximum, nowNs: nowNs, reply: reply)
        case .read, .readImplicit:
            return record(request.args, header: h, maximum: maximum, implicit: op == .readImplicit, model: model, reply: reply)
        case .write:
            return record(request.args, header: h, maximum: maximum, implicit: false, model: model, reply: reply)
        }
    }

    private func respond(_ h: PNRPCHeader, status: PNIOStatus, maximum: UInt32, reply: UnsafeMutableRawBufferPointer,
                         _ body: (inout PNWriter) throws(PNBytesError) -> Void) -> Int {
        do throws(PNBytesError) {
            var w = try PNRPCWriter(buffer: reply, response: h.answer(), status: status, maximumCount: maximum)
            try body(&w.args)
            return try w.finish()
        } catch {
            return 0
        }
    }

    private mutating func refuse(_ h: PNRPCHeader, _ status: PNIOStatus, maximum: UInt32, reply: UnsafeMutableRawBufferPointer) -> Int {
        counters.connectsRefused += 1
        return respond(h, status: status, maximum: maximum, reply: reply) { _ throws(PNBytesError) in }
    }

    private mutating func connect(_ args: UnsafeRawBufferPointer, header h: PNRPCHeader, maximum: UInt32, from address: UInt32,
                                  model: PNDeviceModel, mac: EthernetAddress, nowNs: UInt64,
                                  reply: UnsafeMutableRawBufferPointer) -> Int {
        counters.connects += 1
        let c: PNConnectRequest
        do throws(PNBlockError) {
            c = try PNConnectRequest(parsing: args)
        } catch {
            counters.malformed += 1
            // ErrorCode1 0x40 CMRPC, ErrorCode2 0x02: "wrong length / argument" of the connect.
            return refuse(h, PNIOStatus(PNIOStatus.errorCodeConnect, PNIOStatus.decodePNIO, 0x40, 0x02), maximum: maximum, reply: reply)
        }
        // IOCARSingle only (IOSAR and the RT_CLASS_3 / system redundancy ARs are not offered): ARBlockReq, ARType.
        guard c.ar.arType == PNARType.ioCARSingle else {
            return refuse(h, PNIOStatus(PNIOStatus.errorCodeConnect, PNIOStatus.decodePNIO, 0x01, 0x04), maximum: maximum, reply: reply)
        }
        if state != .idle && c.ar.arUUID != arUUID {
            // One AR at a time: CMRPC "out of AR resources".
            return refuse(h, PNIOStatus(PNIOStatus.errorCodeConnect, PNIOStatus.decodePNIO, 0x40, 0x04), maximum: maximum, reply: reply)
        }
        // One input and one output IOCR of RT_CLASS_1 whose entries lie within their frames.
        var inputCR: PNIOCRBlockRequest?
        var outputCR: PNIOCRBlockRequest?
        for i in 0..<c.iocrs.count {
            let cr = c.iocrs[i]
            guard cr.properties.rtClass == 1 || cr.properties.rtClass == 2, fits(cr) else {
                return refuse(h, PNIOStatus(PNIOStatus.errorCodeConnect, PNIOStatus.decodePNIO, 0x02, 0x05), maximum: maximum, reply: reply)
            }
            if cr.iocrType == PNIOCRType.input && inputCR == nil { inputCR = cr } else if cr.iocrType == PNIOCRType.output && outputCR == nil { outputCR = cr } else {
                return refuse(h, PNIOStatus(PNIOStatus.errorCodeConnect, PNIOStatus.decodePNIO, 0x02, 0x04), maximum: maximum, reply: reply)
            }
        }
        guard let inCR = inputCR, let outCR = outputCR, let alarmCR = c.alarmCR else {
            return refuse(h, PNIOStatus(PNIOStatus.errorCodeConnect, PNIOStatus.decodePNIO, 0x02, 0x04), maximum: maximum, reply: reply)
        }
        // The alarm CR as IEC 61158-6-10 bounds it (ErrorCode1 0x03: AlarmCRBlockReq, ErrorCode2: the field); alarms
        // go over Ethernet only, so a CR over UDP is refused at its LT field.
        if let field = Self.alarmCRProblem(alarmCR) {
            return refuse(h, PNIOStatus(PNIOStatus.errorCodeConnect, PNIOStatus.decodePNIO, 0x03, field), maximum: maximum, reply: reply)
        }
        // Expected against real: what differs goes into the ModuleDiffBlock (the AR is established all the same).
        var diff = PNModuleDiff()
        for i in 0..<c.expected.count {
            let e = c.expected[i]
            let real = model.submodule(api: e.api, slot: e.slot, subslot: e.subslot)
            let realModule = model.moduleIdent(api: e.api, slot: e.slot)
            if realModule != e.moduleIdent {
                if !diffHas(diff, slot: e.slot) {
                    try? diff.add(PNModuleDiffModule(api: e.api, slot: e.slot, moduleIdent: realModule ?? 0,
                                                     state: realModule == nil ? .noModule : .wrongModule))
                }
                continue
            }
            if real == nil || real!.submoduleIdent != e.submoduleIdent || real!.inputLength != e.input.length || real!.outputLength != e.output.length {
                if !diffHas(diff, slot: e.slot) {
                    try? diff.add(PNModuleDiffModule(api: e.api, slot: e.slot, moduleIdent: realModule ?? 0, state: .properModule))
                }
                try? diff.add(PNModuleDiffSubmodule(api: e.api, slot: e.slot, subslot: e.subslot, submoduleIdent: real?.submoduleIdent ?? 0,
                                                    state: PNSubmoduleState(identInfo: real == nil ? PNSubmoduleState.identNoSubmodule : PNSubmoduleState.identWrong)))
            }
        }
        if !diff.isEmpty { counters.moduleDiffs += 1 }
        wrongCount = 0
        for i in 0..<c.expected.count {
            let e = c.expected[i]
            let real = model.submodule(api: e.api, slot: e.slot, subslot: e.subslot)
            let same = real != nil && model.moduleIdent(api: e.api, slot: e.slot) == e.moduleIdent && real!.submoduleIdent == e.submoduleIdent
                && real!.inputLength == e.input.length && real!.outputLength == e.output.length
            if !same && wrongCount < 32 {
                wrong[wrongCount] = UInt32(e.slot) << 16 | UInt32(e.subslot)
                wrongCount += 1
            }
        }
        if state != .idle { lastEnd = .replaced }
        arUUID = c.ar.arUUID
        sessionKey = c.ar.sessionKey
        controllerMAC = c.ar.initiatorMAC
        controllerIP = address
        controllerObject = c.ar.initiatorObjectUUID
        // A frame ID the controller leaves open (0xFFFF, or outside RT_CLASS_1) is the device's to assign: the
        // consumer of an output CR assigns its ID in RT_CLASS_1; two distinct IDs from the unicast range.
        func open(_ id: UInt16) -> Bool { id < PNRTWire.rtClass1First || id > PNRTWire.rtClass1Last }
        let inID = open(inCR.frameID) ? (open(outCR.frameID) || outCR.frameID != 0xC000 ? 0xC000 : 0xC001) : inCR.frameID
        let outID = open(outCR.frameID) ? (inID == 0xC010 ? 0xC011 : 0xC010) : outCR.frameID
        input = iocr(inCR, frameID: inID)
        output = iocr(outCR, frameID: outID)
        alarms = PNAlarmCR(config: PNAlarmCRConfig(alarmCR, localReference: Self.localAlarmReference, controllerMAC: c.ar.initiatorMAC))
        lastAlarmAck = nil
        abortDue = false
        state = .waitPrmEnd
        cycleCounter = 0
        haveOutput = false
        outputsValid = false
        lastOutputNs = nowNs
        nextSendNs = nowNs
        var response = PNConnectResponse(ar: PNARBlockResponse(answering: c.ar, responderMAC: mac))
        try? response.add(PNIOCRBlockResponse(iocrType: inCR.iocrType, reference: inCR.reference, frameID: input!.frameID))
        try? response.add(PNIOCRBlockResponse(iocrType: outCR.iocrType, reference: outCR.reference, frameID: outID))
        response.alarmCR = PNAlarmCRBlockResponse(localAlarmReference: Self.localAlarmReference, maxAlarmDataLength: alarmCR.maxAlarmDataLength)
        if !diff.isEmpty { response.moduleDiff = diff }
        return respond(h, status: .ok, maximum: maximum, reply: reply) { w throws(PNBytesError) in try response.write(to: &w) }
    }

    /// The device's LocalAlarmReference.
    public static let localAlarmReference: UInt16 = 0x0001

    /// The ErrorCode2 of the first field of `r` outside what IEC 61158-6-10 (and this device) allow, or nil.
    static func alarmCRProblem(_ r: PNAlarmCRBlockRequest) -> UInt8? {
        if r.alarmCRType != 1 { return 4 }
        if r.properties.transportUDP || r.lt != 0x8892 { return 5 }
        if r.rtaTimeoutFactor < 1 || r.rtaTimeoutFactor > 100 { return 7 }
        if r.rtaRetries < 3 || r.rtaRetries > 15 { return 8 }
        if r.maxAlarmDataLength < 200 || r.maxAlarmDataLength > 1432 { return 10 }
        if r.tagHeaderHigh.vlanID != 0 || r.tagHeaderHigh.priority != 6 { return 11 }
        if r.tagHeaderLow.vlanID != 0 || r.tagHeaderLow.priority != 5 { return 12 }
        return nil
    }

    private func diffHas(_ d: PNModuleDiff, slot: UInt16) -> Bool {
        for i in 0..<d.modules.count where d.modules[i].slot == slot { return true }
        return false
    }

    private func fits(_ cr: PNIOCRBlockRequest) -> Bool {
        let length = Int(cr.dataLength)
        guard length >= PNRTWire.minCSDU, length <= PNRTWire.maxCSDU, cr.sendClockFactor > 0, cr.reductionRatio > 0 else { return false }
        for i in 0..<cr.dataObjects.count where Int(cr.dataObjects[i].frameOffset) >= length { return false }
        for i in 0..<cr.iocs.count where Int(cr.iocs[i].frameOffset) >= length { return false }
        return true
    }

    private func iocr(_ cr: PNIOCRBlockRequest, frameID: UInt16) -> PNIOCR {
        let step = UInt32(cr.sendClockFactor) * UInt32(cr.reductionRatio)
        return PNIOCR(frameID: frameID, dataLength: Int(cr.dataLength), periodNs: UInt64(step) * PNRTWire.clockNs,
                      counterStep: UInt16(truncatingIfNeeded: step), watchdogFactor: max(cr.watchdogFactor, 1), request: cr)
    }

    private mutating func control(_ args: UnsafeRawBufferPointer, header h: PNRPCHeader, maximum: UInt32, nowNs: UInt64,
                                  reply: UnsafeMutableRawBufferPointer) -> Int {
        var reader = PNBlockReader(args)
        let block: PNControlBlock
        do throws(PNBlockError) {
            guard let b = try reader.next() else { throw .missingBlock(PNBlockType.iodControlReqPrmEnd) }
            block = try PNControlBlock(parsing: b)
        } catch {
            counters.malformed += 1
            return respond(h, status: PNIOStatus(PNIOStatus.errorCodeControl, PNIOStatus.decodePNIO, 0x14, 0x00), maximum: maximum, reply: reply) { _ throws(PNBytesError) in }
        }
        // The AR must be ours (ErrorCode1 0x14: IODControlReq, ErrorCode2 0x05: ARUUID unknown).
        guard state != .idle, block.arUUID == arUUID else {
            return respond(h, status: PNIOStatus(PNIOStatus.errorCodeControl, PNIOStatus.decodePNIO, 0x14, 0x05), maximum: maximum, reply: reply) { _ throws(PNBytesError) in }
        }
        counters.controls += 1
        if block.blockType == PNBlockType.releaseBlockReq {
            counters.releases += 1
            end(.released)
        } else if block.blockType == PNBlockType.iodControlReqPrmEnd && block.command.contains(.prmEnd) {
            if state == .waitPrmEnd {
                state = .waitApplicationReady
                applicationReadyTries = 0
                applicationReadyDueNs = nowNs  // sent at the next poll, after this answer
            }
        } else {
            return respond(h, status: PNIOStatus(PNIOStatus.errorCodeControl, PNIOStatus.decodePNIO, 0x14, 0x02), maximum: maximum, reply: reply) { _ throws(PNBytesError) in }
        }
        let answer = block.answer()
        return respond(h, status: .ok, maximum: maximum, reply: reply) { w throws(PNBytesError) in try answer.write(to: &w) }
    }

    private mutating func record(_ args: UnsafeRawBufferPointer, header h: PNRPCHeader, maximum: UInt32, implicit: Bool,
                                 model: PNDeviceModel, reply: UnsafeMutableRawBufferPointer) -> Int {
        var reader = PNBlockReader(args)
        let request: PNRecordRequest
        do throws(PNBlockError) {
            guard let b = try reader.next() else { throw .missingBlock(PNBlockType.iodReadReqHeader) }
            request = try PNRecordRequest(parsing: b)
        } catch {
            counters.malformed += 1
            return respond(h, status: PNIOStatus(PNIOStatus.errorCodeRead, PNIOStatus.decodePNIORW, 0xB0, 0x00), maximum: maximum, reply: reply) { _ throws(PNBytesError) in }
        }
        let errorCode = request.isWrite ? PNIOStatus.errorCodeWrite : PNIOStatus.errorCodeRead
        // An explicit read or write belongs to the AR (ErrorCode1 0xB7: "access: invalid AR").
        if !implicit && (state == .idle || request.arUUID != arUUID) {
            let status = PNIOStatus(errorCode, PNIOStatus.decodePNIORW, 0xB7, 0x00)
            return respond(h, status: status, maximum: maximum, reply: reply) { w throws(PNBytesError) in
                try PNRecordResponse(answering: request, recordDataLength: 0, status: status).write(to: &w)
            }
        }
        let isIM = request.index >= 0xAFF0 && request.index <= 0xAFF4
        let plugged = model.submodule(api: request.api, slot: request.slot, subslot: request.subslot) != nil
        if request.isWrite {
            counters.writes += 1
            guard isIM else {
                // Parameter records are taken (the submodules here have none to check); the data is not kept.
                return respond(h, status: .ok, maximum: maximum, reply: reply) { w throws(PNBytesError) in
                    try PNRecordResponse(answering: request, recordDataLength: request.recordDataLength).write(to: &w)
                }
            }
            // @implements SWR-PN-IM-1
            // I&M1–4 of a plugged submodule are kept (I&M0 is the device's own: access denied); the data must be
            // exactly the record's block (0xB1: write length error, 0xB8: invalid parameter).
            func refuse(_ code: UInt8) -> Int {
                let status = PNIOStatus(PNIOStatus.errorCodeWrite, PNIOStatus.decodePNIORW, code, 0x00)
                return respond(h, status: status, maximum: maximum, reply: reply) { w throws(PNBytesError) in
                    try PNRecordResponse(answering: request, recordDataLength: 0, status: status).write(to: &w)
                }
            }
            guard plugged else { return refuse(0xB2) }
            guard request.index != 0xAFF0 else { return refuse(0xB6) }
            guard let data = try? reader.data(Int(request.recordDataLength)) else { return refuse(0xB1) }
            var records = PNBlockReader(data)
            guard let block = try? records.next(), records.offset == data.count else { return refuse(0xB1) }
            var written = im
            switch request.index {
            case 0xAFF1: guard let v = try? PNIM1(parsing: block) else { return refuse(0xB8) }; written.im1 = v
            case 0xAFF2: guard let v = try? PNIM2(parsing: block) else { return refuse(0xB8) }; written.im2 = v
            case 0xAFF3: guard let v = try? PNIM3(parsing: block) else { return refuse(0xB8) }; written.im3 = v
            default: guard let v = try? PNIM4(parsing: block) else { return refuse(0xB8) }; written.im4 = v
            }
            if written != im {
                im = written
                imChanged = true
            }
            return respond(h, status: .ok, maximum: maximum, reply: reply) { w throws(PNBytesError) in
                try PNRecordResponse(answering: request, recordDataLength: request.recordDataLength).write(to: &w)
            }
        }
        counters.reads += 1
        // I&M0 (0xAFF0) of any plugged submodule: the device's identification; I&M1–4 (0xAFF1–0xAFF4): what was
        // written into it.
        guard isIM, plugged else {
            // 0xB0: "access: invalid index", 0xB2: "invalid slot/subslot".
            let code: UInt8 = isIM ? 0xB2 : 0xB0
            let status = PNIOStatus(PNIOStatus.errorCodeRead, PNIOStatus.decodePNIORW, code, 0x00)
            return respond(h, status: status, maximum: maximum, reply: reply) { w throws(PNBytesError) in
                try PNRecordResponse(answering: request, recordDataLength: 0, status: status).write(to: &w)
            }
        }
        let records = im
        let identification = model.identification
        let index = request.index
        return respond(h, status: .ok, maximum: maximum, reply: reply) { w throws(PNBytesError) in
            // The header first with a length filled in once the block is written.
            let headerAt = w.count
            try PNRecordResponse(answering: request, recordDataLength: 0).write(to: &w)
            let blockAt = w.count
            switch index {
            case 0xAFF0: try PNIM0(identification).write(to: &w)
            case 0xAFF1: try records.im1.write(to: &w)
            case 0xAFF2: try records.im2.write(to: &w)
            case 0xAFF3: try records.im3.write(to: &w)
            default: try records.im4.write(to: &w)
            }
            let length = UInt32(w.count - blockAt)
            var again = PNWriter(w.buffer, order: w.order, written: headerAt)
            try PNRecordResponse(answering: request, recordDataLength: length).write(to: &again)
        }
    }

    // MARK: ApplicationReady (the device calls the controller)

    /// Writes the ApplicationReady request when one is due; its length (0: none due). It goes to the controller's
    /// IP address, UDP port 34964.
    public mutating func applicationReadyRequest(nowNs: UInt64, model: PNDeviceModel, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard state == .waitApplicationReady, nowNs >= applicationReadyDueNs else { return 0 }
        if applicationReadyTries >= 10 {
            end(.applicationReadyTimeout)
            return 0
        }
        applicationReadyTries += 1
        applicationReadyDueNs = nowNs &+ 1_000_000_000  // again after 1 s without a confirmation
        if applicationReadyTries == 1 {
            applicationReadySequence &+= 1
            applicationReadyActivity = nextActivity()
        }
        let object = PNRPCInterface.object(instance: model.instance, deviceID: model.deviceID, vendorID: model.vendorID)
        var header = PNRPCHeader(opnum: PNRPCOperation.control.rawValue, objectUUID: controllerObject.isZero ? object : controllerObject,
                                 interfaceUUID: PNRPCInterface.controller, activityUUID: applicationReadyActivity,
                                 sequenceNumber: applicationReadySequence, byteOrder: .littleEndian)
        header.flags = PNRPCFlags.idempotent
        let block = PNControlBlock(blockType: PNBlockType.ioxControlReqApplicationReady, arUUID: arUUID, sessionKey: sessionKey,
                                   command: .applicationReady)
        do throws(PNBytesError) {
            var w = try PNRPCWriter(buffer: buffer, request: header, argsMaximum: 512)
            try block.write(to: &w.args)
            return try w.finish()
        } catch {
            return 0
        }
    }

    private mutating func confirmApplicationReady(_ d: PNRPCDatagram, nowNs: UInt64) {
        guard state == .waitApplicationReady, d.header.activityUUID == applicationReadyActivity,
              let r = try? d.response(), r.status.isOK else { return }
        state = .data
        lastOutputNs = nowNs
    }

    private mutating func nextActivity() -> PNUUID {
        // xorshift: distinct activities per call; a time-and-MAC UUID is not needed for matching.
        activitySeed ^= activitySeed << 13
        activitySeed ^= activitySeed >> 7
        activitySeed ^= activitySeed << 17
        return PNUUID(high: activitySeed, low: activitySeed &* 0x9E37_79B9_7F4A_7C15)
    }

    // MARK: Cyclic data

    /// Takes an output frame of the AR (from the controller, with the output IOCR's frame ID); false when the
    /// frame is not one (the caller offers it elsewhere).
    // @implements SWR-PN-RT-1
    public mutating func receiveCyclic(_ frame: UnsafeRawBufferPointer, model: PNDeviceModel, nowNs: UInt64) -> Bool {
        guard state != .idle, let out = output else { return false }
        guard let rt = try? PNRTFrame(reading: frame) else {
            // Too short for the APDU status but carrying the AR's frame ID: a broken frame of this IOCR.
            if frame.count >= 16 && frame[12] == 0x88 && frame[13] == 0x92 && (UInt16(frame[14]) << 8 | UInt16(frame[15])) == out.frameID {
                counters.rt.malformed += 1
                return true
            }
            return false
        }
        guard rt.frameID == out.frameID else { return false }
        guard rt.source == controllerMAC, rt.dataLength >= out.dataLength else {
            counters.rt.malformed += 1
            return true
        }
        if haveOutput && pnCycleDistance(from: lastOutputCounter, to: rt.cycleCounter) == 0 {
            counters.rt.stale += 1
            return true
        }
        counters.rt.received += 1
        haveOutput = true
        lastOutputCounter = rt.cycleCounter
        lastOutputNs = nowNs
        let valid = rt.dataStatus & PNDataStatus.dataValid != 0 && rt.dataStatus & PNDataStatus.run != 0
        outputsValid = valid
        guard valid else {
            counters.rt.invalid += 1
            return true
        }
        // Each output submodule's data object: its data, then its IOPS.
        for i in 0..<out.request.dataObjects.count {
            let e = out.request.dataObjects[i]
            guard let index = modelIndex(model, e.api, e.slot, e.subslot) else { continue }
            let n = Int(model[index].outputLength)
            guard n > 0 else { continue }
            let at = rt.dataOffset + Int(e.frameOffset)
            guard at + n + 1 <= rt.dataOffset + rt.dataLength, frame[at + n] == PNRTWire.good else { continue }
            let image = Self.imageOffset(of: index, in: model, output: true)
            for k in 0..<n where outputImage[image + k] != frame[at + k] {
                outputImage[image + k] = frame[at + k]
                outputsChanged = true
                if outputChangeNs == 0 { outputChangeNs = nowNs }
            }
        }
        return true
    }

    /// Marks a submodule pulled (its data is no longer exchanged, its IOPS bad) or plugged again; false when that is
    /// already so, or the list of such submodules is full.
    public mutating func setPulled(slot: UInt16, subslot: UInt16, _ pulled: Bool) -> Bool {
        let key = UInt32(slot) << 16 | UInt32(subslot)
        if pulled {
            guard !isWrong(slot, subslot), wrongCount < 32 else { return false }
            wrong[wrongCount] = key
            wrongCount += 1
            return true
        }
        for i in 0..<wrongCount where wrong[i] == key {
            wrong[i] = wrong[wrongCount - 1]
            wrongCount -= 1
            return true
        }
        return false
    }

    private func isWrong(_ slot: UInt16, _ subslot: UInt16) -> Bool {
        let key = UInt32(slot) << 16 | UInt32(subslot)
        for i in 0..<wrongCount where wrong[i] == key { return true }
        return false
    }

    private func modelIndex(_ model: PNDeviceModel, _ api: UInt32, _ slot: UInt16, _ subslot: UInt16) -> Int? {
        guard !isWrong(slot, subslot) else { return nil }
        for i in 0..<model.count where model[i].api == api && model[i].slot == slot && model[i].subslot == subslot { return i }
        return nil
    }

    /// Writes the input frame when one is due (its length, 0 when none); ends the AR when the controller's output
    /// frames stopped for longer than the watchdog time.
    public mutating func cyclicFrame(nowNs: UInt64, model: PNDeviceModel, mac: EthernetAddress,
                                     into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard state != .idle, let inCR = input, let out = output else { return 0 }
        // Watchdog: the controller's frames (armed from the connect; the first frame comes within the same time).
        let watchdogNs = out.periodNs * UInt64(out.watchdogFactor)
        let startupNs: UInt64 = state == .data ? watchdogNs : max(watchdogNs, 3_000_000_000)
        if nowNs > lastOutputNs &+ startupNs && (haveOutput || state == .data) {
            counters.watchdogExpired += 1
            abort(.watchdog, PNIOStatus(0xCF, 0x81, 0xFD, 0x05))
            return 0
        }
        guard nowNs >= nextSendNs else { return 0 }
        // The next send time keeps the period; after a long gap it restarts from now rather than bursting.
        nextSendNs = nextSendNs &+ inCR.periodNs
        if nextSendNs <= nowNs { nextSendNs = nowNs &+ inCR.periodNs }
        guard let w = PNRTFrameWriter(buffer: buffer, destination: controllerMAC, source: mac, frameID: inCR.frameID,
                                      dataLength: inCR.dataLength) else { return 0 }
        let data = w.data
        for i in 0..<inCR.request.dataObjects.count {
            let e = inCR.request.dataObjects[i]
            // A wrong or missing submodule: its data stays zero and its IOPS bad (zero).
            guard let index = modelIndex(model, e.api, e.slot, e.subslot) else { continue }
            let n = Int(model[index].inputLength)
            let at = Int(e.frameOffset)
            guard at + n + 1 <= data.count else { continue }
            let image = Self.imageOffset(of: index, in: model, output: false)
            for k in 0..<n { data[at + k] = inputImage[image + k] }
            data[at + n] = PNRTWire.good
        }
        for i in 0..<inCR.request.iocs.count {
            let at = Int(inCR.request.iocs[i].frameOffset)
            if at < data.count { data[at] = PNRTWire.good }
        }
        cycleCounter &+= inCR.counterStep
        w.setStatus(cycleCounter: cycleCounter, dataStatus: PNDataStatus.normal)
        counters.rt.sent += 1
        if outputChangeNs != 0 {
            let reaction = nowNs &- outputChangeNs
            outputChangeNs = 0
            counters.reactions += 1
            counters.reactionSumNs &+= reaction
            counters.reactionMinNs = min(counters.reactionMinNs, reaction)
            counters.reactionMaxNs = max(counters.reactionMaxNs, reaction)
        }
        return w.frameLength
    }

    /// When the next cyclic frame or timeout is due (UInt64.max without an AR).
    public var nextDeadlineNs: UInt64 {
        guard state != .idle, let out = output else { return UInt64.max }
        var next = nextSendNs
        if state == .waitApplicationReady { next = min(next, applicationReadyDueNs) }
        let watchdogNs = out.periodNs * UInt64(out.watchdogFactor)
        return min(next, lastOutputNs &+ watchdogNs &+ 1)
    }

    /// Ends the AR and sends the controller an ERR-RTA-PDU on the alarm CR with `status` (at the next
    /// `alarmFrame`): the watchdog (CF 81 FD 05, consumer DHT expired), an alarm's transport (CF 81 FD 08).
    // @implements SWR-PN-ALARM-1
    public mutating func abort(_ why: PNAREnd, _ status: PNIOStatus) {
        guard state != .idle else { return }
        end(why)
        abortDue = alarms != nil
        abortStatus = status
    }

    // MARK: Alarms

    /// Queues `alarm` for the controller: only while the AR exchanges data (after ApplicationReady); false when
    /// there is none or the queue of its priority is full.
    // @implements SWR-PN-ALARM-1
    public mutating func raise(_ alarm: PNAlarmNotification) -> Bool {
        guard state == .data, alarms != nil, alarms!.raise(alarm) else {
            counters.alarmsRefused += 1
            return false
        }
        counters.alarmsRaised += 1
        return true
    }

    /// Takes an alarm frame of the AR (frame ID 0xFC01 or 0xFE01, from the controller); false when the frame is
    /// not one. An AlarmAck is kept in `lastAlarmAck`; an ERR-PDU ends the AR.
    // @implements SWR-PN-ALARM-1
    public mutating func receiveAlarm(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard let (at, high) = PNAlarmCR.alarmPDU(in: frame) else { return false }
        guard state != .idle, alarms != nil else { return true }
        let source = EthernetAddress(frame[6], frame[7], frame[8], frame[9], frame[10], frame[11])
        let event = alarms!.receive(UnsafeRawBufferPointer(rebasing: frame[at...]), highPriority: high, from: source)
        switch event {
        case .acknowledged(let ack):
            counters.alarmsAcknowledged += 1
            lastAlarmAck = ack
        case .aborted:
            end(.abortedByController)
        case .transportFailed, .none, .notification:
            break
        }
        return true
    }

    /// Writes the next alarm frame due (an alarm, a repeat, a transport ACK, the ERR-PDU of an AR the device
    /// ended); its length, 0 when none is due. Call until it returns 0.
    public mutating func alarmFrame(nowNs: UInt64, mac: EthernetAddress, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard alarms != nil else { return 0 }
        if abortDue {
            abortDue = false
            return alarms!.writeAbort(abortStatus, mac: mac, into: buffer)
        }
        guard state != .idle else { return 0 }
        let (n, event) = alarms!.poll(nowNs: nowNs, mac: mac, into: buffer)
        if event == .transportFailed {
            abort(.alarmTimeout, PNIOStatus(0xCF, 0x81, 0xFD, 0x08))
            return alarms!.writeAbort(abortStatus, mac: mac, into: buffer)
        }
        return n
    }

    /// When `alarmFrame` next has something to do.
    public var nextAlarmDeadlineNs: UInt64 {
        if abortDue { return 0 }
        guard state != .idle, let a = alarms else { return UInt64.max }
        return a.nextDeadlineNs
    }

    /// Ends the AR (the platform's way to abort it too).
    public mutating func end(_ why: PNAREnd) {
        state = .idle
        lastEnd = why
        input = nil
        output = nil
        haveOutput = false
        outputsValid = false
        arUUID = .zero
    }
}
