// The IO controller's side of one PROFINET IO application relation (IEC 61158-6-10 §5.2.3, the CM initiator):
// the Connect request built from the expected submodules and the timing (ARBlockReq of an IOCARSingle, an input
// and an output RT_CLASS_1 IOCRBlockReq with the frame layout, AlarmCRBlockReq, ExpectedSubmoduleBlockReq), the
// Connect response read (frame IDs, the device's alarm reference, a ModuleDiffBlock), PrmEnd and Release built,
// the device's ApplicationReady (a CControl request to the controller) answered, and the C_SDUs of the cyclic
// frames filled in and taken apart at the offsets the connect gave. Caller-owned buffers, fixed storage, typed
// throws: Embedded-clean.
//
// Frame layout (as CM initiators lay it out, and what the device checks against the IOCR blocks): in each CR
// the IO data objects come first, one per submodule providing in that direction, each its data followed by its
// IOPS; then one IOCS per submodule providing in the other direction. Submodules without I/O (DAP, interface,
// ports) provide a zero-length input: an IOPS in the input CR, its IOCS in the output CR.

import Kernel

/// Why a controller step failed.
public enum PNControllerError: Error, Sendable, Equatable {
    /// A buffer was too small for what had to be written (or a frame for its data).
    case bytes(PNBytesError)
    /// The answer is not a well-formed DCE/RPC datagram.
    case rpc(PNRPCError)
    /// The answer's blocks are malformed or not the ones expected.
    case block(PNBlockError)
    /// The device refused: the PNIO status of its response (ErrorCode, ErrorDecode, ErrorCode1, ErrorCode2).
    case refused(PNIOStatus)
    /// The device answered with a DCE/RPC reject or fault carrying this NCA status.
    case rpcRejected(UInt32)
    /// More submodules than an AR of this controller holds, or none.
    case badSubmoduleCount(Int)
    /// The frame of one direction would carry more than an RT_CLASS_1 frame holds.
    case frameTooLong(input: Bool, length: Int)
    /// The response lacks the IOCRBlockRes of this IOCR type.
    case missingIOCR(UInt16)
    /// The response is for another AR (its ARUUID or session key differ).
    case otherAR
}

/// The timing of both IOCRs: the send clock in 31.25 µs units times the reduction ratio is the cycle.
public struct PNControllerTiming: Sendable, Equatable {
    public var sendClockFactor: UInt16
    public var reductionRatio: UInt16
    /// Cycles without a frame before the consumer gives up (3...).
    public var watchdogFactor: UInt16
    public var dataHoldFactor: UInt16

    public init(sendClockFactor: UInt16 = 32, reductionRatio: UInt16, watchdogFactor: UInt16 = 3, dataHoldFactor: UInt16? = nil) {
        self.sendClockFactor = sendClockFactor
        self.reductionRatio = reductionRatio
        self.watchdogFactor = watchdogFactor
        self.dataHoldFactor = dataHoldFactor ?? watchdogFactor
    }

    /// The cycle in nanoseconds.
    public var cycleNs: UInt64 { UInt64(sendClockFactor) * UInt64(reductionRatio) * PNRTWire.clockNs }

    /// How far the APDU's cycle counter advances each cycle.
    public var counterStep: UInt16 { sendClockFactor &* reductionRatio }
}

/// Where one submodule's data and statuses lie in the two frames (C_SDU offsets; `none` when it has none there).
public struct PNControllerSlotLayout: Sendable, Equatable {
    public static let none: UInt16 = 0xFFFF
    /// Input frame: the submodule's input data, then its IOPS at `inputData + length`.
    public var inputData: UInt16
    /// Input frame: the device's consumer status of this submodule's outputs.
    public var inputIOCS: UInt16
    /// Output frame: the submodule's output data, then our IOPS.
    public var outputData: UInt16
    /// Output frame: our consumer status of this submodule's inputs (or of its IOPS only, without I/O).
    public var outputIOCS: UInt16

    public init() {
        inputData = Self.none
        inputIOCS = Self.none
        outputData = Self.none
        outputIOCS = Self.none
    }
}

/// What the Connect response said.
public struct PNControllerConnection: Sendable, Equatable {
    /// The frame ID the device sends its inputs with.
    public var inputFrameID: UInt16
    /// The frame ID our outputs go with.
    public var outputFrameID: UInt16
    /// The device's alarm reference (0 when it sent no AlarmCRBlockRes).
    public var deviceAlarmReference: UInt16
    public var deviceMAC: EthernetAddress
    /// Where the real configuration differs from the expected one (nil: it does not).
    public var moduleDiff: PNModuleDiff?

    public init(inputFrameID: UInt16, outputFrameID: UInt16, deviceAlarmReference: UInt16, deviceMAC: EthernetAddress,
                moduleDiff: PNModuleDiff?) {
        self.inputFrameID = inputFrameID
        self.outputFrameID = outputFrameID
        self.deviceAlarmReference = deviceAlarmReference
        self.deviceMAC = deviceMAC
        self.moduleDiff = moduleDiff
    }

    /// Whether the module diff names a module or submodule that is not the expected one (states that only say
    /// "application ready pending" or ownership are not differences of configuration).
    public var configurationDiffers: Bool {
        guard let d = moduleDiff else { return false }
        for i in 0..<d.modules.count where d.modules[i].state != .properModule { return true }
        for i in 0..<d.submodules.count where d.submodules[i].state.identInfo != PNSubmoduleState.identOK { return true }
        return false
    }
}

/// One AR of an IO controller with the expected submodules and the timing: builds its requests and reads the
/// answers; lays out both cyclic frames.
// @implements SWR-PN-CTRL-1
public struct PNControllerAR: Sendable {
    public static let capacity = 32
    /// Input IOCR reference and the frame ID proposed for it (RT_CLASS_1 input CRs are 0xC000...0xF7FF).
    public static let inputReference: UInt16 = 1
    public static let outputReference: UInt16 = 2
    public static let proposedInputFrameID: UInt16 = 0xC001
    /// The output CR's frame ID is the device's to choose.
    public static let deviceChosenFrameID: UInt16 = 0xFFFF
    /// Our alarm endpoint.
    public static let alarmReference: UInt16 = 1

    public let arUUID: PNUUID
    public let sessionKey: UInt16
    public let controllerMAC: EthernetAddress
    /// The device's RPC object: DEA00000-6C97-11D1-8271-{instance}{deviceID}{vendorID}.
    public let deviceObject: PNUUID
    /// Our CM initiator object UUID.
    public let controllerObject: PNUUID
    public let timing: PNControllerTiming
    public private(set) var submodules: InlineArray<32, PNSubmoduleSlot>
    public private(set) var layouts: InlineArray<32, PNControllerSlotLayout>
    public let count: Int
    /// The C_SDU lengths as laid out (data, IOPS and IOCS; below 40 they are padded on the wire).
    public private(set) var inputLength: Int
    public private(set) var outputLength: Int

    /// An AR expecting `expected` (slot 0's DAP, interface and ports included) with `timing`. The device's object
    /// UUID comes from its GSDML's vendor and device IDs (instance 1 unless the GSDML says otherwise); ours, the
    /// CMInitiatorObjectUUID, has the same form (instance 1, device 1, vendor 0 unless given).
    public init(expected: UnsafeBufferPointer<PNSubmoduleSlot>, timing: PNControllerTiming, arUUID: PNUUID, sessionKey: UInt16,
                controllerMAC: EthernetAddress, vendorID: UInt16, deviceID: UInt16, instance: UInt16 = 1,
                initiatorObject: PNUUID? = nil) throws(PNControllerError) {
        guard expected.count > 0, expected.count <= Self.capacity else { throw .badSubmoduleCount(expected.count) }
        self.arUUID = arUUID
        self.sessionKey = sessionKey
        self.controllerMAC = controllerMAC
        self.timing = timing
        deviceObject = PNRPCInterface.object(instance: instance, deviceID: deviceID, vendorID: vendorID)
        controllerObject = initiatorObject ?? PNRPCInterface.object(instance: 1, deviceID: 0x0001, vendorID: 0x0000)
        submodules = InlineArray(repeating: PNSubmoduleSlot(slot: 0, subslot: 0, moduleIdent: 0, submoduleIdent: 0))
        layouts = InlineArray(repeating: PNControllerSlotLayout())
        count = expected.count
        for i in 0..<count { submodules[i] = expected[i] }
        // Input CR: data objects of input providers, then IOCS of output providers; the output CR the other way.
        var input = 0
        var output = 0
        for i in 0..<count where Self.providesInput(expected[i]) {
            layouts[i].inputData = UInt16(truncatingIfNeeded: input)
            input += Int(expected[i].inputLength) + 1
        }
        for i in 0..<count where expected[i].outputLength > 0 {
            layouts[i].inputIOCS = UInt16(truncatingIfNeeded: input)
            input += 1
        }
        for i in 0..<count where expected[i].outputLength > 0 {
            layouts[i].outputData = UInt16(truncatingIfNeeded: output)
            output += Int(expected[i].outputLength) + 1
        }
        for i in 0..<count where Self.providesInput(expected[i]) {
            layouts[i].outputIOCS = UInt16(truncatingIfNeeded: output)
            output += 1
        }
        guard input <= PNRTWire.maxCSDU else { throw .frameTooLong(input: true, length: input) }
        guard output <= PNRTWire.maxCSDU else { throw .frameTooLong(input: false, length: output) }
        inputLength = input
        outputLength = output
    }

    /// A submodule with input data, or without any I/O (it still has an IOPS in the input frame).
    public static func providesInput(_ s: PNSubmoduleSlot) -> Bool { s.inputLength > 0 || s.hasNoIO }

    /// The C_SDU length the IOCR blocks announce (at least the 40-byte minimum).
    public var inputDataLength: UInt16 { UInt16(max(inputLength, PNRTWire.minCSDU)) }
    public var outputDataLength: UInt16 { UInt16(max(outputLength, PNRTWire.minCSDU)) }

    // MARK: - Requests

    /// The IOCRBlockReq of one direction.
    public func iocrBlock(input: Bool) throws(PNControllerError) -> PNIOCRBlockRequest {
        var b = PNIOCRBlockRequest(iocrType: input ? PNIOCRType.input : PNIOCRType.output,
                                   reference: input ? Self.inputReference : Self.outputReference,
                                   dataLength: input ? inputDataLength : outputDataLength,
                                   frameID: input ? Self.proposedInputFrameID : Self.deviceChosenFrameID,
                                   sendClockFactor: timing.sendClockFactor, reductionRatio: timing.reductionRatio, phase: 1,
                                   watchdogFactor: timing.watchdogFactor, dataHoldFactor: timing.dataHoldFactor)
        do {
            // Entries in frame order: data objects, then consumer statuses.
            for i in 0..<count {
                let s = submodules[i], l = layouts[i]
                let at = input ? l.inputData : l.outputData
                if at != PNControllerSlotLayout.none {
                    try b.addDataObject(PNIOCREntry(api: s.api, slot: s.slot, subslot: s.subslot, frameOffset: at))
                }
            }
            for i in 0..<count {
                let s = submodules[i], l = layouts[i]
                let at = input ? l.inputIOCS : l.outputIOCS
                if at != PNControllerSlotLayout.none {
                    try b.addIOCS(PNIOCREntry(api: s.api, slot: s.slot, subslot: s.subslot, frameOffset: at))
                }
            }
        } catch {
            throw .block(error)
        }
        return b
    }

    /// The blocks of the Connect request: AR (IOCARSingle, active, parameters from us, legacy startup), input
    /// and output IOCR, alarm CR and the expected submodules.
    public func connectRequest(stationName: PNFixedString<240>, activityTimeoutFactor: UInt16 = 100) throws(PNControllerError) -> PNConnectRequest {
        let ar = PNARBlockRequest(arType: PNARType.ioCARSingle, arUUID: arUUID, sessionKey: sessionKey, initiatorMAC: controllerMAC,
                                  initiatorObjectUUID: controllerObject, properties: PNARProperties(rawValue: 0x0000_0011),
                                  activityTimeoutFactor: activityTimeoutFactor, initiatorUDPRTPort: 0x8892, stationName: stationName)
        var request = PNConnectRequest(ar: ar)
        let input = try iocrBlock(input: true)
        let output = try iocrBlock(input: false)
        do {
            try request.add(input)
            try request.add(output)
            request.alarmCR = PNAlarmCRBlockRequest(localAlarmReference: Self.alarmReference, maxAlarmDataLength: 200,
                                                    rtaTimeoutFactor: 1, rtaRetries: 3)
            for i in 0..<count { try request.expected.append(PNExpectedSubmodule(submodules[i])) }
        } catch {
            throw .block(error)
        }
        return request
    }

    /// The header of a request of ours to the device.
    public func requestHeader(_ operation: PNRPCOperation, activity: PNUUID, sequence: UInt32,
                              order: PNByteOrder = .littleEndian) -> PNRPCHeader {
        PNRPCHeader(packetType: .request, opnum: operation.rawValue, objectUUID: deviceObject, interfaceUUID: PNRPCInterface.device,
                    activityUUID: activity, sequenceNumber: sequence, byteOrder: order)
    }

    /// The Connect request datagram in `buffer`; its length.
    public func writeConnect(into buffer: UnsafeMutableRawBufferPointer, stationName: PNFixedString<240>, activity: PNUUID,
                             sequence: UInt32, order: PNByteOrder = .littleEndian, argsMaximum: UInt32 = 1400) throws(PNControllerError) -> Int {
        let request = try connectRequest(stationName: stationName)
        do {
            var w = try PNRPCWriter(buffer: buffer, request: requestHeader(.connect, activity: activity, sequence: sequence, order: order),
                                    argsMaximum: argsMaximum)
            try request.write(to: &w.args)
            return try w.finish()
        } catch {
            throw .bytes(error)
        }
    }

    /// A Control request of ours: PrmEnd (IODControlReq 0x0110).
    public func writePrmEnd(into buffer: UnsafeMutableRawBufferPointer, activity: PNUUID, sequence: UInt32,
                            order: PNByteOrder = .littleEndian) throws(PNControllerError) -> Int {
        try writeControl(into: buffer, operation: .control, blockType: PNBlockType.iodControlReqPrmEnd, command: .prmEnd,
                         activity: activity, sequence: sequence, order: order)
    }

    /// The Release request (ReleaseBlockReq 0x0114).
    public func writeRelease(into buffer: UnsafeMutableRawBufferPointer, activity: PNUUID, sequence: UInt32,
                             order: PNByteOrder = .littleEndian) throws(PNControllerError) -> Int {
        try writeControl(into: buffer, operation: .release, blockType: PNBlockType.releaseBlockReq, command: .release,
                         activity: activity, sequence: sequence, order: order)
    }

    private func writeControl(into buffer: UnsafeMutableRawBufferPointer, operation: PNRPCOperation, blockType: UInt16,
                              command: PNControlCommand, activity: PNUUID, sequence: UInt32, order: PNByteOrder) throws(PNControllerError) -> Int {
        do {
            var w = try PNRPCWriter(buffer: buffer, request: requestHeader(operation, activity: activity, sequence: sequence, order: order),
                                    argsMaximum: 1400)
            try PNControlBlock(blockType: blockType, arUUID: arUUID, sessionKey: sessionKey, command: command).write(to: &w.args)
            return try w.finish()
        } catch {
            throw .bytes(error)
        }
    }

    // MARK: - Answers

    /// Whether `datagram` is the device's answer to our request of `activity` and `sequence` (a response, reject
    /// or fault; a `working` or `nocall` is not yet an answer).
    public static func isAnswer(_ datagram: UnsafeRawBufferPointer, activity: PNUUID, sequence: UInt32) -> Bool {
        guard let h = try? PNRPCHeader(parsing: datagram) else { return false }
        guard h.activityUUID == activity, h.sequenceNumber == sequence else { return false }
        return h.packetType == .response || h.packetType == .reject || h.packetType == .fault
    }

    /// The body of a response to one of our requests, its PNIO status checked.
    public static func responseArgs(_ datagram: UnsafeRawBufferPointer) throws(PNControllerError) -> UnsafeRawBufferPointer {
        let d: PNRPCDatagram
        do { d = try PNRPCDatagram(parsing: datagram) } catch { throw .rpc(error) }
        if d.header.packetType == .reject || d.header.packetType == .fault {
            var r = PNReader(d.body, order: d.header.byteOrder)
            throw .rpcRejected((try? r.u32()) ?? 0)
        }
        let response: PNNDRResponse
        do { response = try d.response() } catch { throw .rpc(error) }
        guard response.status.isOK else { throw .refused(response.status) }
        return response.args
    }

    /// Reads the Connect response: frame IDs, the device's alarm reference, any module diff.
    public func readConnectResponse(_ datagram: UnsafeRawBufferPointer) throws(PNControllerError) -> PNControllerConnection {
        let args = try Self.responseArgs(datagram)
        let r: PNConnectResponse
        do { r = try PNConnectResponse(parsing: args) } catch { throw .block(error) }
        guard r.ar.arUUID == arUUID, r.ar.sessionKey == sessionKey else { throw .otherAR }
        var input: UInt16? = nil
        var output: UInt16? = nil
        for i in 0..<r.iocrs.count {
            let c = r.iocrs[i]
            if c.iocrType == PNIOCRType.input && c.reference == Self.inputReference { input = c.frameID }
            if c.iocrType == PNIOCRType.output && c.reference == Self.outputReference { output = c.frameID }
        }
        guard let input else { throw .missingIOCR(PNIOCRType.input) }
        guard let output else { throw .missingIOCR(PNIOCRType.output) }
        return PNControllerConnection(inputFrameID: input, outputFrameID: output,
                                      deviceAlarmReference: r.alarmCR?.localAlarmReference ?? 0,
                                      deviceMAC: r.ar.responderMAC, moduleDiff: r.moduleDiff)
    }

    /// Checks the answer to a Control or Release request of ours: status OK, a control block of `expected`
    /// type for this AR.
    public func readControlResponse(_ datagram: UnsafeRawBufferPointer, expected: UInt16) throws(PNControllerError) {
        let args = try Self.responseArgs(datagram)
        var reader = PNBlockReader(args)
        let c: PNControlBlock
        do throws(PNBlockError) {
            guard let block = try reader.next() else { throw PNBlockError.missingBlock(expected) }
            c = try PNControlBlock(parsing: block)
        } catch {
            throw .block(error)
        }
        guard c.blockType == expected else { throw .block(.unexpectedBlock(c.blockType)) }
        guard c.arUUID == arUUID else { throw .otherAR }
    }

    /// Answers the device's ApplicationReady (a CControl request with IOXControlReq 0x0112 for this AR) in
    /// `buffer`: the response datagram's length, or nil when `datagram` is not that request.
    public func answerApplicationReady(_ datagram: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard let d = try? PNRPCDatagram(parsing: datagram), d.header.packetType == .request,
              d.header.opnum == PNRPCOperation.control.rawValue, d.header.interfaceUUID == PNRPCInterface.controller,
              let request = try? d.request() else { return nil }
        var reader = PNBlockReader(request.args)
        guard let first = try? reader.next(), let c = try? PNControlBlock(parsing: first),
              c.blockType == PNBlockType.ioxControlReqApplicationReady, c.arUUID == arUUID,
              c.command.contains(.applicationReady) else { return nil }
        do {
            var w = try PNRPCWriter(buffer: buffer, response: d.header.answer(), status: .ok, maximumCount: request.argsMaximum)
            try c.answer().write(to: &w.args)
            return try w.finish()
        } catch {
            return nil
        }
    }

    // MARK: - Cyclic data

    /// Prepares the output C_SDU: our IOPS of every output submodule and our IOCS of every input one good.
    public func prepareOutput(_ data: UnsafeMutableRawBufferPointer) {
        for i in 0..<count {
            let s = submodules[i], l = layouts[i]
            if l.outputData != PNControllerSlotLayout.none {
                let at = Int(l.outputData) + Int(s.outputLength)
                if at < data.count { data[at] = PNRTWire.good }
            }
            if l.outputIOCS != PNControllerSlotLayout.none, Int(l.outputIOCS) < data.count { data[Int(l.outputIOCS)] = PNRTWire.good }
        }
    }

    /// The output data of submodule `index` in the output C_SDU (empty when it has none).
    public func outputData(_ index: Int, in data: UnsafeMutableRawBufferPointer) -> UnsafeMutableRawBufferPointer {
        let l = layouts[index]
        let n = Int(submodules[index].outputLength)
        guard l.outputData != PNControllerSlotLayout.none, Int(l.outputData) + n <= data.count else {
            return UnsafeMutableRawBufferPointer(rebasing: data[0..<0])
        }
        return UnsafeMutableRawBufferPointer(rebasing: data[Int(l.outputData)..<(Int(l.outputData) + n)])
    }

    /// The input data of submodule `index` in a received input C_SDU (empty when it has none or the frame is short).
    public func inputData(_ index: Int, in data: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let l = layouts[index]
        let n = Int(submodules[index].inputLength)
        guard l.inputData != PNControllerSlotLayout.none, Int(l.inputData) + n <= data.count else {
            return UnsafeRawBufferPointer(rebasing: data[0..<0])
        }
        return UnsafeRawBufferPointer(rebasing: data[Int(l.inputData)..<(Int(l.inputData) + n)])
    }

    /// The device's IOPS of submodule `index`'s inputs (nil when it has none in the input frame).
    public func inputIOPS(_ index: Int, in data: UnsafeRawBufferPointer) -> UInt8? {
        let l = layouts[index]
        guard l.inputData != PNControllerSlotLayout.none else { return nil }
        let at = Int(l.inputData) + Int(submodules[index].inputLength)
        return at < data.count ? data[at] : nil
    }

    /// Whether a received frame is our input: its frame ID, the device as its source, a C_SDU of the announced
    /// length (the APDU status right after it).
    public func isInput(_ frame: PNRTFrame, connection: PNControllerConnection) -> Bool {
        frame.frameID == connection.inputFrameID && frame.source == connection.deviceMAC
            && frame.dataLength >= Int(inputDataLength)
    }
}
