// The IO controller's AR (Fieldbus/PROFINET/PNControllerAR.swift) without a network: its Connect request byte
// for byte as profinet-py 0.6.6 builds it for the same configuration (PNFixtures.profinetPyConnect, from
// Fixtures/pn_rpc_fixtures.py), the frame layout of both IOCRs, the Connect response read (frame IDs, module
// diff, a refusal), PrmEnd and Release, and the answer to the device's ApplicationReady.

import Fieldbus
import Testing

private let arUUID = PNUUID(0x6BA7_B810, 0x9DAD, 0x11D1, 0x80B4, 0x00C0_4FD4_30C8)
private let activity = PNUUID(0x0123_4567, 0x89AB, 0xCDEF, 0x0123, 0x4567_89AB_CDEF)
private let controllerMAC = EthernetAddress(0x02, 0, 0, 0, 0, 0x01)
private let deviceMAC = EthernetAddress(0x02, 0, 0, 0, 0, 0x02)

/// profinet-py's example configuration: the DAP, its interface and port, and an 1-in/2-out submodule in slot 1.
private let model = [PNSubmoduleSlot(slot: 0, subslot: 1, moduleIdent: 1, submoduleIdent: 1),
                     PNSubmoduleSlot(slot: 0, subslot: 0x8000, moduleIdent: 1, submoduleIdent: 0x8000),
                     PNSubmoduleSlot(slot: 0, subslot: 0x8001, moduleIdent: 1, submoduleIdent: 0x8001),
                     PNSubmoduleSlot(slot: 1, subslot: 1, moduleIdent: 0x32, submoduleIdent: 0x0101, inputLength: 1, outputLength: 2)]

private func makeAR(_ submodules: [PNSubmoduleSlot] = model, timing: PNControllerTiming = PNControllerTiming(reductionRatio: 32, watchdogFactor: 3)) throws -> PNControllerAR {
    try submodules.withUnsafeBufferPointer { b in
        try PNControllerAR(expected: b, timing: timing, arUUID: arUUID, sessionKey: 1, controllerMAC: controllerMAC,
                           vendorID: 0xFEED, deviceID: 0x0002,
                           initiatorObject: PNUUID(0xDEA0_0000, 0x6C97, 0x11D1, 0x8271, 0x0001_7654_3210))
    }
}

private func write(_ size: Int = 1500, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0xAA, count: size)
    let n = try bytes.withUnsafeMutableBytes { try body($0) }
    return Array(bytes[0..<n])
}

/// The device's answer to a request of ours, with `blocks` as its arguments.
private func response(to request: [UInt8], status: PNIOStatus = .ok, _ blocks: (inout PNWriter) throws -> Void) throws -> [UInt8] {
    let header = try request.withUnsafeBytes { try PNRPCHeader(parsing: $0) }
    return try write { raw in
        var w = try PNRPCWriter(buffer: raw, response: header.answer(), status: status, maximumCount: 1400)
        try blocks(&w.args)
        return try w.finish()
    }
}

@Suite("PROFINET IO controller AR")
struct PROFINETControllerTests {
    // @verifies SWR-PN-CTRL-1
    @Test func theConnectRequestIsProfinetPysByteForByte() throws {
        let ar = try makeAR()
        let bytes = try write { raw in
            try ar.writeConnect(into: raw, stationName: PNFixedString("tp"), activity: activity, sequence: 0, order: .bigEndian, argsMaximum: 4000)
        }
        #expect(bytes == PNFixtures.profinetPyConnect)
    }

    // @verifies SWR-PN-CTRL-1
    @Test func bothFramesAreLaidOutDataFirstThenConsumerStatuses() throws {
        let ar = try makeAR()
        // Input: three IOPS of the DAP's submodules, slot 1's byte and IOPS, then slot 1's IOCS of its outputs.
        #expect(ar.inputLength == 6 && ar.outputLength == 7)
        #expect(ar.inputDataLength == 40 && ar.outputDataLength == 40)
        #expect(ar.layouts[0].inputData == 0 && ar.layouts[2].inputData == 2 && ar.layouts[3].inputData == 3)
        #expect(ar.layouts[3].inputIOCS == 5 && ar.layouts[0].inputIOCS == PNControllerSlotLayout.none)
        // Output: slot 1's two bytes and IOPS, then our IOCS of every input provider (the DAP's too).
        #expect(ar.layouts[3].outputData == 0 && ar.layouts[0].outputIOCS == 3 && ar.layouts[3].outputIOCS == 6)
        #expect(ar.layouts[0].outputData == PNControllerSlotLayout.none)
        let input = try ar.iocrBlock(input: true)
        #expect(input.frameID == 0xC001 && input.dataObjects.count == 4 && input.iocs.count == 1)
        let output = try ar.iocrBlock(input: false)
        #expect(output.frameID == 0xFFFF && output.dataObjects.count == 1 && output.iocs.count == 4)

        var frame = [UInt8](repeating: 0, count: 40)
        frame.withUnsafeMutableBytes { data in
            ar.prepareOutput(data)
            let out = ar.outputData(3, in: data)
            out[0] = 0x12
            out[1] = 0x34
            #expect(ar.outputData(0, in: data).count == 0)
        }
        #expect(Array(frame[0..<7]) == [0x12, 0x34, 0x80, 0x80, 0x80, 0x80, 0x80])
        let received: [UInt8] = [0x80, 0x80, 0x80, 0x5A, 0x80, 0x80] + [UInt8](repeating: 0, count: 34)
        received.withUnsafeBytes { data in
            #expect(Array(ar.inputData(3, in: data)) == [0x5A])
            #expect(ar.inputIOPS(3, in: data) == 0x80 && ar.inputIOPS(0, in: data) == 0x80)
        }
        // Timing: 1 ms is send clock 32 × ratio 1, and the cycle counter steps by 32 a frame.
        let fast = PNControllerTiming(reductionRatio: 1)
        #expect(fast.cycleNs == 1_000_000 && fast.counterStep == 32 && fast.dataHoldFactor == 3)
        #expect(PNControllerTiming(reductionRatio: 32).cycleNs == 32_000_000)
    }

    // @verifies SWR-PN-CTRL-1
    @Test func tooManySubmodulesOrTooMuchDataAreRefused() throws {
        #expect(throws: PNControllerError.badSubmoduleCount(0)) { try makeAR([]) }
        let big = [PNSubmoduleSlot(slot: 1, subslot: 1, moduleIdent: 1, submoduleIdent: 1, inputLength: 1000),
                   PNSubmoduleSlot(slot: 2, subslot: 1, moduleIdent: 1, submoduleIdent: 1, inputLength: 1000)]
        #expect(throws: PNControllerError.frameTooLong(input: true, length: 2002)) { try makeAR(big) }
    }

    // @verifies SWR-PN-CTRL-1
    @Test func theConnectResponseGivesFrameIDsAndTheModuleDiff() throws {
        let ar = try makeAR()
        let request = try write { raw in try ar.writeConnect(into: raw, stationName: PNFixedString("orion-controller"), activity: activity, sequence: 7) }
        #expect(request.withUnsafeBytes { PNControllerAR.isAnswer($0, activity: activity, sequence: 7) } == false)
        var blocks = PNConnectResponse(ar: PNARBlockResponse(arType: PNARType.ioCARSingle, arUUID: arUUID, sessionKey: 1, responderMAC: deviceMAC))
        try blocks.add(PNIOCRBlockResponse(iocrType: PNIOCRType.input, reference: 1, frameID: 0xC001))
        try blocks.add(PNIOCRBlockResponse(iocrType: PNIOCRType.output, reference: 2, frameID: 0xC000))
        blocks.alarmCR = PNAlarmCRBlockResponse(localAlarmReference: 0x0003, maxAlarmDataLength: 200)
        let answer = try response(to: request) { w in try blocks.write(to: &w) }
        try answer.withUnsafeBytes { raw in
            #expect(PNControllerAR.isAnswer(raw, activity: activity, sequence: 7))
            #expect(!PNControllerAR.isAnswer(raw, activity: activity, sequence: 8))
            let c = try ar.readConnectResponse(raw)
            #expect(c.inputFrameID == 0xC001 && c.outputFrameID == 0xC000 && c.deviceAlarmReference == 3)
            #expect(c.deviceMAC == deviceMAC && c.moduleDiff == nil && !c.configurationDiffers)
        }
        // A wrong submodule in the port's subslot.
        var diff = PNModuleDiff()
        try diff.add(PNModuleDiffModule(slot: 0, moduleIdent: 1, state: .properModule))
        try diff.add(PNModuleDiffSubmodule(slot: 0, subslot: 0x8001, submoduleIdent: 0x8009,
                                           state: PNSubmoduleState(identInfo: PNSubmoduleState.identWrong)))
        blocks.moduleDiff = diff
        let differing = try response(to: request) { w in try blocks.write(to: &w) }
        try differing.withUnsafeBytes { raw in
            let c = try ar.readConnectResponse(raw)
            #expect(c.configurationDiffers && c.moduleDiff?.submodules[0].subslot == 0x8001)
        }
        // A diff that only says "application ready pending" is no difference of configuration.
        var pending = PNModuleDiff()
        try pending.add(PNModuleDiffModule(slot: 1, moduleIdent: 0x32, state: .properModule))
        try pending.add(PNModuleDiffSubmodule(slot: 1, subslot: 1, submoduleIdent: 0x0101,
                                              state: PNSubmoduleState(identInfo: PNSubmoduleState.identOK, arInfo: PNSubmoduleState.arApplicationReadyPending)))
        blocks.moduleDiff = pending
        let ready = try response(to: request) { w in try blocks.write(to: &w) }
        try ready.withUnsafeBytes { raw in
            let c = try ar.readConnectResponse(raw)
            #expect(!c.configurationDiffers)
        }
        // A refusal carries its PNIO status; another AR's answer is not ours.
        let refused = try response(to: request, status: PNIOStatus(0xDB, 0x81, 0x03, 0x06)) { _ in }
        refused.withUnsafeBytes { raw in
            #expect(throws: PNControllerError.refused(PNIOStatus(0xDB, 0x81, 0x03, 0x06))) { try ar.readConnectResponse(raw) }
        }
        var other = PNConnectResponse(ar: PNARBlockResponse(arType: 1, arUUID: activity, sessionKey: 1, responderMAC: deviceMAC))
        try other.add(PNIOCRBlockResponse(iocrType: PNIOCRType.input, reference: 1, frameID: 0xC001))
        let foreign = try response(to: request) { w in try other.write(to: &w) }
        foreign.withUnsafeBytes { raw in #expect(throws: PNControllerError.otherAR) { try ar.readConnectResponse(raw) } }
    }

    // @verifies SWR-PN-CTRL-1
    @Test func prmEndAndReleaseAreControlBlocksOfThisAR() throws {
        let ar = try makeAR()
        for (release, type) in [(false, PNBlockType.iodControlReqPrmEnd), (true, PNBlockType.releaseBlockReq)] {
            let request = try write { raw in
                release ? try ar.writeRelease(into: raw, activity: activity, sequence: 3)
                    : try ar.writePrmEnd(into: raw, activity: activity, sequence: 3)
            }
            try request.withUnsafeBytes { raw in
                let d = try PNRPCDatagram(parsing: raw)
                #expect(d.header.opnum == (release ? PNRPCOperation.release : PNRPCOperation.control).rawValue)
                #expect(d.header.objectUUID == PNRPCInterface.object(instance: 1, deviceID: 2, vendorID: 0xFEED))
                var reader = PNBlockReader(try d.request().args)
                let c = try PNControlBlock(parsing: try #require(try reader.next()))
                #expect(c.blockType == type && c.arUUID == arUUID && c.sessionKey == 1)
                #expect(c.command == (release ? PNControlCommand.release : PNControlCommand.prmEnd))
                let answer = try response(to: request) { w in
                    try PNControlBlock(blockType: type | PNBlockType.responseBit, arUUID: arUUID, sessionKey: 1, command: .done).write(to: &w)
                }
                try answer.withUnsafeBytes { try ar.readControlResponse($0, expected: type | PNBlockType.responseBit) }
            }
        }
    }

    // @verifies SWR-PN-CTRL-1
    @Test func theDevicesApplicationReadyIsAnswered() throws {
        let ar = try makeAR()
        func ccontrol(_ ar: PNUUID, order: PNByteOrder) throws -> [UInt8] {
            let header = PNRPCHeader(opnum: PNRPCOperation.control.rawValue, objectUUID: PNRPCInterface.object(instance: 1, deviceID: 1, vendorID: 0),
                                     interfaceUUID: PNRPCInterface.controller, activityUUID: activity, sequenceNumber: 0, byteOrder: order)
            return try write { raw in
                var w = try PNRPCWriter(buffer: raw, request: header, argsMaximum: 1400)
                try PNControlBlock(blockType: PNBlockType.ioxControlReqApplicationReady, arUUID: ar, sessionKey: 1,
                                   command: .applicationReady).write(to: &w.args)
                return try w.finish()
            }
        }
        for order in [PNByteOrder.littleEndian, .bigEndian] {
            let request = try ccontrol(arUUID, order: order)
            let answer = try request.withUnsafeBytes { raw in try write { try #require(ar.answerApplicationReady(raw, into: $0)) } }
            try answer.withUnsafeBytes { raw in
                let d = try PNRPCDatagram(parsing: raw)
                #expect(d.header.packetType == .response && d.header.byteOrder == order && d.header.interfaceUUID == PNRPCInterface.controller)
                let r = try d.response()
                #expect(r.status.isOK)
                var reader = PNBlockReader(r.args)
                let c = try PNControlBlock(parsing: try #require(try reader.next()))
                #expect(c.blockType == PNBlockType.ioxControlReqApplicationReady | PNBlockType.responseBit && c.command == .done && c.arUUID == arUUID)
            }
        }
        // Another AR's ApplicationReady, and our own requests, are not answered.
        let foreign = try ccontrol(activity, order: .littleEndian)
        foreign.withUnsafeBytes { raw in
            var scratch = [UInt8](repeating: 0, count: 512)
            #expect(scratch.withUnsafeMutableBytes { ar.answerApplicationReady(raw, into: $0) } == nil)
        }
        let prmEnd = try write { raw in try ar.writePrmEnd(into: raw, activity: activity, sequence: 1) }
        prmEnd.withUnsafeBytes { raw in
            var scratch = [UInt8](repeating: 0, count: 512)
            #expect(scratch.withUnsafeMutableBytes { ar.answerApplicationReady(raw, into: $0) } == nil)
        }
    }
}
