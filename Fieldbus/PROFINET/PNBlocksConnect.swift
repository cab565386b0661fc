// The blocks of a PNIO Connect (IEC 61158-6-10 §5.2.3, "Coding of the field ... of the connect service"): the
// request's ARBlockReq, IOCRBlockReq (one per cyclic frame), AlarmCRBlockReq and ExpectedSubmoduleBlockReq,
// and the response's ARBlockRes, IOCRBlockRes, AlarmCRBlockRes and ModuleDiffBlock. Each has a parser (from a
// `PNBlock`) and a writer (into a `PNWriter`), so the device reads requests and writes responses and a controller
// the other way round. Repeated entries go into fixed-capacity lists; more than fit is an error, not a trap.

/// ARType values.
public enum PNARType {
    public static let ioCARSingle: UInt16 = 0x0001
    /// Supervisor device access AR (read and write without cyclic data).
    public static let ioSAR: UInt16 = 0x0006
    public static let ioCARSingleRTClass3: UInt16 = 0x0010
    public static let ioCARSR: UInt16 = 0x0020
}

/// ARProperties.
public struct PNARProperties: Sendable, Equatable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Bits 0...2: 1 is Active.
    public var state: UInt8 { UInt8(rawValue & 7) }
    public var supervisorTakeoverAllowed: Bool { rawValue & (1 << 3) != 0 }
    /// Bit 4: the parameters come from the CM initiator (1) or an external parameter server (0).
    public var parameterizationServerIsInitiator: Bool { rawValue & (1 << 4) != 0 }
    /// Bit 8: device access (the AR works on the device's real submodules, not expected ones).
    public var deviceAccess: Bool { rawValue & (1 << 8) != 0 }
    /// Bits 9...10: 0 single AR, 1 first AR, 2 companion AR.
    public var companionAR: UInt8 { UInt8((rawValue >> 9) & 3) }
    public var acknowledgeCompanionAR: Bool { rawValue & (1 << 11) != 0 }
    public var combinedObjectContainer: Bool { rawValue & (1 << 29) != 0 }
    /// Bit 30: advanced (1) or legacy (0) startup.
    public var startupModeAdvanced: Bool { rawValue & (1 << 30) != 0 }
    public var pullModuleAlarmAllowed: Bool { rawValue & (1 << 31) != 0 }
}

/// ARBlockReq (0x0101): the AR a controller asks for.
public struct PNARBlockRequest: Sendable, Equatable {
    public static let maxStationName = 240

    public var arType: UInt16
    public var arUUID: PNUUID
    public var sessionKey: UInt16
    public var initiatorMAC: EthernetAddress
    public var initiatorObjectUUID: PNUUID
    public var properties: PNARProperties
    /// CMInitiatorActivityTimeoutFactor, in 100 ms.
    public var activityTimeoutFactor: UInt16
    public var initiatorUDPRTPort: UInt16
    /// CMInitiatorStationName (its `count` bytes go on the wire).
    public var stationName: PNFixedString<240>

    public init(arType: UInt16 = PNARType.ioCARSingle, arUUID: PNUUID, sessionKey: UInt16, initiatorMAC: EthernetAddress,
                initiatorObjectUUID: PNUUID, properties: PNARProperties = PNARProperties(rawValue: 0x0000_0011),
                activityTimeoutFactor: UInt16 = 600, initiatorUDPRTPort: UInt16 = 0x8892,
                stationName: PNFixedString<240>) {
        self.arType = arType
        self.arUUID = arUUID
        self.sessionKey = sessionKey
        self.initiatorMAC = initiatorMAC
        self.initiatorObjectUUID = initiatorObjectUUID
        self.properties = properties
        self.activityTimeoutFactor = activityTimeoutFactor
        self.initiatorUDPRTPort = initiatorUDPRTPort
        self.stationName = stationName
    }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.arBlockReq)
        var f = PNBlockFields(block)
        arType = try f.u16()
        arUUID = try f.uuid()
        sessionKey = try f.u16()
        initiatorMAC = try f.mac()
        initiatorObjectUUID = try f.uuid()
        properties = PNARProperties(rawValue: try f.u32())
        activityTimeoutFactor = try f.u16()
        initiatorUDPRTPort = try f.u16()
        let length = Int(try f.u16())
        guard length <= Self.maxStationName else {
            throw .tooMany(blockType: block.type, count: length, capacity: Self.maxStationName)
        }
        let name = try f.bytes(length)
        stationName = PNFixedString()
        stationName.set(UnsafeBufferPointer(start: name.baseAddress?.assumingMemoryBound(to: UInt8.self), count: length))
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.arBlockReq)
        try w.u16(arType)
        try w.uuid(arUUID)
        try w.u16(sessionKey)
        try w.mac(initiatorMAC)
        try w.uuid(initiatorObjectUUID)
        try w.u32(properties.rawValue)
        try w.u16(activityTimeoutFactor)
        try w.u16(initiatorUDPRTPort)
        try w.u16(UInt16(stationName.count))
        for i in 0..<stationName.count { try w.u8(stationName.bytes[i]) }
        try w.endBlock(start)
    }
}

/// ARBlockRes (0x8101): the device's answer to an ARBlockReq.
public struct PNARBlockResponse: Sendable, Equatable {
    public var arType: UInt16
    public var arUUID: PNUUID
    public var sessionKey: UInt16
    public var responderMAC: EthernetAddress
    public var responderUDPRTPort: UInt16

    public init(arType: UInt16, arUUID: PNUUID, sessionKey: UInt16, responderMAC: EthernetAddress,
                responderUDPRTPort: UInt16 = 0x8892) {
        self.arType = arType
        self.arUUID = arUUID
        self.sessionKey = sessionKey
        self.responderMAC = responderMAC
        self.responderUDPRTPort = responderUDPRTPort
    }

    /// The answer to `request` from the device at `responderMAC`.
    public init(answering request: PNARBlockRequest, responderMAC: EthernetAddress, responderUDPRTPort: UInt16 = 0x8892) {
        self.init(arType: request.arType, arUUID: request.arUUID, sessionKey: request.sessionKey,
                  responderMAC: responderMAC, responderUDPRTPort: responderUDPRTPort)
    }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.arBlockRes)
        var f = PNBlockFields(block)
        arType = try f.u16()
        arUUID = try f.uuid()
        sessionKey = try f.u16()
        responderMAC = try f.mac()
        responderUDPRTPort = try f.u16()
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.arBlockRes)
        try w.u16(arType)
        try w.uuid(arUUID)
        try w.u16(sessionKey)
        try w.mac(responderMAC)
        try w.u16(responderUDPRTPort)
        try w.endBlock(start)
    }
}

// MARK: - IOCR

/// IOCRType values.
public enum PNIOCRType {
    /// Device to controller.
    public static let input: UInt16 = 0x0001
    /// Controller to device.
    public static let output: UInt16 = 0x0002
    public static let multicastProvider: UInt16 = 0x0003
    public static let multicastConsumer: UInt16 = 0x0004
}

/// IOCRProperties: the RT class in bits 0...3, the rest reserved.
public struct PNIOCRProperties: Sendable, Equatable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public var rtClass: UInt8 { UInt8(rawValue & 0x0F) }
    public static let rtClass1 = PNIOCRProperties(rawValue: 1)
    public static let rtClass2 = PNIOCRProperties(rawValue: 2)
    public static let rtClass3 = PNIOCRProperties(rawValue: 3)
    public static let rtClassUDP = PNIOCRProperties(rawValue: 4)
}

/// An IODataObject or IOCS entry of an IOCR: which submodule's data (or consumer status) lies where in the frame.
public struct PNIOCREntry: Sendable, Equatable, PNListElement {
    public var api: UInt32
    public var slot: UInt16
    public var subslot: UInt16
    /// Offset in the frame's C_SDU.
    public var frameOffset: UInt16

    public init() { self.init(api: 0, slot: 0, subslot: 0, frameOffset: 0) }

    public init(api: UInt32 = 0, slot: UInt16, subslot: UInt16, frameOffset: UInt16) {
        self.api = api
        self.slot = slot
        self.subslot = subslot
        self.frameOffset = frameOffset
    }
}

/// IOCRBlockReq (0x0102): one cyclic frame of the AR, its timing and what each submodule has in it. The entries
/// of all APIs are kept in two flat lists (each entry names its API); `apis` keeps the order of the APIs.
public struct PNIOCRBlockRequest: Sendable, Equatable, PNListElement {
    public static let capacity = 32
    public static let maxAPIs = 4

    public var iocrType: UInt16
    public var reference: UInt16
    /// The EtherType of the frames (0x8892), or 0x0800 for RT_CLASS_UDP.
    public var lt: UInt16
    public var properties: PNIOCRProperties
    /// C_SDU length: the frame's data (IOPS and IOCS included, padding to 40 bytes not).
    public var dataLength: UInt16
    public var frameID: UInt16
    /// Send clock in units of 31.25 us.
    public var sendClockFactor: UInt16
    public var reductionRatio: UInt16
    public var phase: UInt16
    public var sequence: UInt16
    public var frameSendOffset: UInt32
    public var watchdogFactor: UInt16
    public var dataHoldFactor: UInt16
    public var tagHeader: PNTagHeader
    public var multicastMAC: EthernetAddress
    public private(set) var apis: PNList<4, UInt32>
    public private(set) var dataObjects: PNList<32, PNIOCREntry>
    public private(set) var iocs: PNList<32, PNIOCREntry>

    public init() {
        self.init(iocrType: PNIOCRType.input, reference: 1, dataLength: 40, frameID: 0x8000)
    }

    /// An RT_CLASS_1 IOCR with no entries yet.
    public init(iocrType: UInt16, reference: UInt16, dataLength: UInt16, frameID: UInt16, sendClockFactor: UInt16 = 32,
                reductionRatio: UInt16 = 32, phase: UInt16 = 1, watchdogFactor: UInt16 = 3, dataHoldFactor: UInt16 = 3,
                properties: PNIOCRProperties = .rtClass1, tagHeader: PNTagHeader = PNTagHeader(priority: 6)) {
        self.iocrType = iocrType
        self.reference = reference
        self.lt = 0x8892
        self.properties = properties
        self.dataLength = dataLength
        self.frameID = frameID
        self.sendClockFactor = sendClockFactor
        self.reductionRatio = reductionRatio
        self.phase = phase
        self.sequence = 0
        self.frameSendOffset = 0xFFFF_FFFF
        self.watchdogFactor = watchdogFactor
        self.dataHoldFactor = dataHoldFactor
        self.tagHeader = tagHeader
        self.multicastMAC = .zero
        self.apis = PNList()
        self.dataObjects = PNList()
        self.iocs = PNList()
    }

    /// Adds an IODataObject (a submodule's data and IOPS at `entry.frameOffset`).
    public mutating func addDataObject(_ entry: PNIOCREntry) throws(PNBlockError) {
        try addAPI(entry.api)
        guard dataObjects.append(entry) else {
            throw .tooMany(blockType: PNBlockType.iocrBlockReq, count: dataObjects.count + 1, capacity: Self.capacity)
        }
    }

    /// Adds an IOCS entry (a submodule's consumer status of the other direction at `entry.frameOffset`).
    public mutating func addIOCS(_ entry: PNIOCREntry) throws(PNBlockError) {
        try addAPI(entry.api)
        guard iocs.append(entry) else {
            throw .tooMany(blockType: PNBlockType.iocrBlockReq, count: iocs.count + 1, capacity: Self.capacity)
        }
    }

    private mutating func addAPI(_ api: UInt32) throws(PNBlockError) {
        for i in 0..<apis.count where apis[i] == api { return }
        guard apis.append(api) else {
            throw .tooMany(blockType: PNBlockType.iocrBlockReq, count: apis.count + 1, capacity: Self.maxAPIs)
        }
    }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.iocrBlockReq)
        self.init()
        var f = PNBlockFields(block)
        iocrType = try f.u16()
        reference = try f.u16()
        lt = try f.u16()
        properties = PNIOCRProperties(rawValue: try f.u32())
        dataLength = try f.u16()
        frameID = try f.u16()
        sendClockFactor = try f.u16()
        reductionRatio = try f.u16()
        phase = try f.u16()
        sequence = try f.u16()
        frameSendOffset = try f.u32()
        watchdogFactor = try f.u16()
        dataHoldFactor = try f.u16()
        tagHeader = PNTagHeader(rawValue: try f.u16())
        multicastMAC = try f.mac()
        let apiCount = Int(try f.u16())
        guard apiCount <= Self.maxAPIs else { throw .tooMany(blockType: block.type, count: apiCount, capacity: Self.maxAPIs) }
        for _ in 0..<apiCount {
            let at = f.offset
            let api = try f.u32()
            for i in 0..<apis.count where apis[i] == api { throw f.bad(at: at) }
            apis.append(api)
            let n = Int(try f.u16())
            guard dataObjects.count + n <= Self.capacity else {
                throw .tooMany(blockType: block.type, count: dataObjects.count + n, capacity: Self.capacity)
            }
            for _ in 0..<n {
                dataObjects.append(PNIOCREntry(api: api, slot: try f.u16(), subslot: try f.u16(), frameOffset: try f.u16()))
            }
            let m = Int(try f.u16())
            guard iocs.count + m <= Self.capacity else {
                throw .tooMany(blockType: block.type, count: iocs.count + m, capacity: Self.capacity)
            }
            for _ in 0..<m {
                iocs.append(PNIOCREntry(api: api, slot: try f.u16(), subslot: try f.u16(), frameOffset: try f.u16()))
            }
        }
        try f.end()
    }

    /// Writes the block; the entries of each API in `apis` go under it, in list order.
    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.iocrBlockReq)
        try w.u16(iocrType)
        try w.u16(reference)
        try w.u16(lt)
        try w.u32(properties.rawValue)
        try w.u16(dataLength)
        try w.u16(frameID)
        try w.u16(sendClockFactor)
        try w.u16(reductionRatio)
        try w.u16(phase)
        try w.u16(sequence)
        try w.u32(frameSendOffset)
        try w.u16(watchdogFactor)
        try w.u16(dataHoldFactor)
        try w.u16(tagHeader.rawValue)
        try w.mac(multicastMAC)
        try w.u16(UInt16(apis.count))
        for a in 0..<apis.count {
            let api = apis[a]
            try w.u32(api)
            try Self.writeEntries(dataObjects, api: api, to: &w)
            try Self.writeEntries(iocs, api: api, to: &w)
        }
        try w.endBlock(start)
    }

    private static func writeEntries(_ list: PNList<32, PNIOCREntry>, api: UInt32, to w: inout PNWriter) throws(PNBytesError) {
        var n: UInt16 = 0
        for i in 0..<list.count where list[i].api == api { n += 1 }
        try w.u16(n)
        for i in 0..<list.count where list[i].api == api {
            try w.u16(list[i].slot)
            try w.u16(list[i].subslot)
            try w.u16(list[i].frameOffset)
        }
    }
}

/// IOCRBlockRes (0x8102): the frame ID the device took for an IOCR.
public struct PNIOCRBlockResponse: Sendable, Equatable, PNListElement {
    public var iocrType: UInt16
    public var reference: UInt16
    public var frameID: UInt16

    public init() { self.init(iocrType: 0, reference: 0, frameID: 0) }

    public init(iocrType: UInt16, reference: UInt16, frameID: UInt16) {
        self.iocrType = iocrType
        self.reference = reference
        self.frameID = frameID
    }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.iocrBlockRes)
        var f = PNBlockFields(block)
        iocrType = try f.u16()
        reference = try f.u16()
        frameID = try f.u16()
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.iocrBlockRes)
        try w.u16(iocrType)
        try w.u16(reference)
        try w.u16(frameID)
        try w.endBlock(start)
    }
}

// MARK: - Alarm CR

/// AlarmCRProperties: bit 0 priority (1: user priority, 0: only low), bit 1 transport (1: RTA over UDP).
public struct PNAlarmCRProperties: Sendable, Equatable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public var priority: Bool { rawValue & 1 != 0 }
    public var transportUDP: Bool { rawValue & 2 != 0 }
}

/// AlarmCRBlockReq (0x0103): the controller's end of the alarm channel.
public struct PNAlarmCRBlockRequest: Sendable, Equatable {
    /// 1: AlarmCR.
    public var alarmCRType: UInt16
    public var lt: UInt16
    public var properties: PNAlarmCRProperties
    /// RTA retransmission timeout, in 100 ms.
    public var rtaTimeoutFactor: UInt16
    public var rtaRetries: UInt16
    /// The controller's alarm endpoint (the device sends to it as AlarmDstEndpoint).
    public var localAlarmReference: UInt16
    public var maxAlarmDataLength: UInt16
    public var tagHeaderHigh: PNTagHeader
    public var tagHeaderLow: PNTagHeader

    public init(localAlarmReference: UInt16, maxAlarmDataLength: UInt16 = 200, rtaTimeoutFactor: UInt16 = 1,
                rtaRetries: UInt16 = 3, properties: PNAlarmCRProperties = PNAlarmCRProperties(rawValue: 0),
                tagHeaderHigh: PNTagHeader = PNTagHeader(priority: 6), tagHeaderLow: PNTagHeader = PNTagHeader(priority: 5)) {
        self.alarmCRType = 1
        self.lt = 0x8892
        self.properties = properties
        self.rtaTimeoutFactor = rtaTimeoutFactor
        self.rtaRetries = rtaRetries
        self.localAlarmReference = localAlarmReference
        self.maxAlarmDataLength = maxAlarmDataLength
        self.tagHeaderHigh = tagHeaderHigh
        self.tagHeaderLow = tagHeaderLow
    }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.alarmCRBlockReq)
        var f = PNBlockFields(block)
        alarmCRType = try f.u16()
        lt = try f.u16()
        properties = PNAlarmCRProperties(rawValue: try f.u32())
        rtaTimeoutFactor = try f.u16()
        rtaRetries = try f.u16()
        localAlarmReference = try f.u16()
        maxAlarmDataLength = try f.u16()
        tagHeaderHigh = PNTagHeader(rawValue: try f.u16())
        tagHeaderLow = PNTagHeader(rawValue: try f.u16())
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.alarmCRBlockReq)
        try w.u16(alarmCRType)
        try w.u16(lt)
        try w.u32(properties.rawValue)
        try w.u16(rtaTimeoutFactor)
        try w.u16(rtaRetries)
        try w.u16(localAlarmReference)
        try w.u16(maxAlarmDataLength)
        try w.u16(tagHeaderHigh.rawValue)
        try w.u16(tagHeaderLow.rawValue)
        try w.endBlock(start)
    }
}

/// AlarmCRBlockRes (0x8103): the device's end of the alarm channel.
public struct PNAlarmCRBlockResponse: Sendable, Equatable {
    public var alarmCRType: UInt16
    /// The device's alarm endpoint (the controller sends to it).
    public var localAlarmReference: UInt16
    public var maxAlarmDataLength: UInt16

    public init(alarmCRType: UInt16 = 1, localAlarmReference: UInt16, maxAlarmDataLength: UInt16) {
        self.alarmCRType = alarmCRType
        self.localAlarmReference = localAlarmReference
        self.maxAlarmDataLength = maxAlarmDataLength
    }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.alarmCRBlockRes)
        var f = PNBlockFields(block)
        alarmCRType = try f.u16()
        localAlarmReference = try f.u16()
        maxAlarmDataLength = try f.u16()
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.alarmCRBlockRes)
        try w.u16(alarmCRType)
        try w.u16(localAlarmReference)
        try w.u16(maxAlarmDataLength)
        try w.endBlock(start)
    }
}

// MARK: - Expected submodules

/// SubmoduleProperties.Type: which data descriptions a submodule has.
public enum PNSubmoduleType: UInt8, Sendable, Equatable {
    /// No I/O data: one (input) description of length 0, IOPS only.
    case noIO = 0
    case input = 1
    case output = 2
    case inputOutput = 3
}

/// SubmoduleProperties.
public struct PNSubmoduleProperties: Sendable, Equatable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(type: PNSubmoduleType) { rawValue = UInt16(type.rawValue) }
    public var type: PNSubmoduleType { PNSubmoduleType(rawValue: UInt8(rawValue & 3)) ?? .noIO }
    public var sharedInput: Bool { rawValue & (1 << 2) != 0 }
    public var reduceInputSubmoduleDataLength: Bool { rawValue & (1 << 3) != 0 }
    public var reduceOutputSubmoduleDataLength: Bool { rawValue & (1 << 4) != 0 }
    public var discardIOXS: Bool { rawValue & (1 << 5) != 0 }
}

/// One DataDescription of an expected submodule: its data length and the lengths of its status bytes.
public struct PNDataDescription: Sendable, Equatable {
    public var length: UInt16
    public var lengthIOCS: UInt8
    public var lengthIOPS: UInt8

    public init(length: UInt16 = 0, lengthIOCS: UInt8 = 1, lengthIOPS: UInt8 = 1) {
        self.length = length
        self.lengthIOCS = lengthIOCS
        self.lengthIOPS = lengthIOPS
    }
}

/// One submodule a controller expects: where, which module and submodule, and its data descriptions
/// (`input` is meaningful for NO_IO, INPUT and INPUT_OUTPUT, `output` for OUTPUT and INPUT_OUTPUT).
public struct PNExpectedSubmodule: Sendable, Equatable, PNListElement {
    public var api: UInt32
    public var slot: UInt16
    public var moduleIdent: UInt32
    public var moduleProperties: UInt16
    public var subslot: UInt16
    public var submoduleIdent: UInt32
    public var properties: PNSubmoduleProperties
    public var input: PNDataDescription
    public var output: PNDataDescription

    public init() {
        api = 0; slot = 0; moduleIdent = 0; moduleProperties = 0; subslot = 0; submoduleIdent = 0
        properties = PNSubmoduleProperties(rawValue: 0)
        input = PNDataDescription()
        output = PNDataDescription()
    }

    /// The expectation of a submodule of the device model: its type follows from its data lengths, with one
    /// byte of IOPS and IOCS per direction.
    public init(_ s: PNSubmoduleSlot, moduleProperties: UInt16 = 0) {
        self.init()
        api = s.api
        slot = s.slot
        moduleIdent = s.moduleIdent
        self.moduleProperties = moduleProperties
        subslot = s.subslot
        submoduleIdent = s.submoduleIdent
        let type: PNSubmoduleType = s.inputLength > 0 ? (s.outputLength > 0 ? .inputOutput : .input)
            : (s.outputLength > 0 ? .output : .noIO)
        properties = PNSubmoduleProperties(type: type)
        input = PNDataDescription(length: s.inputLength)
        output = PNDataDescription(length: s.outputLength)
    }

    public var hasInput: Bool { properties.type != .output }
    public var hasOutput: Bool { properties.type == .output || properties.type == .inputOutput }

    /// The submodule as the device model describes one (lengths of the directions it has, 0 otherwise).
    public var submoduleSlot: PNSubmoduleSlot {
        PNSubmoduleSlot(api: api, slot: slot, subslot: subslot, moduleIdent: moduleIdent, submoduleIdent: submoduleIdent,
                        inputLength: hasInput ? input.length : 0, outputLength: hasOutput ? output.length : 0)
    }
}

/// The expected configuration of a connect: the submodules of every ExpectedSubmoduleBlockReq (0x0104), in order.
public struct PNExpectedSubmodules: Sendable, Equatable {
    public static let capacity = 32
    public private(set) var entries: PNList<32, PNExpectedSubmodule>

    public init() { entries = PNList() }

    public var count: Int { entries.count }
    public subscript(index: Int) -> PNExpectedSubmodule { entries[index] }

    public mutating func append(_ e: PNExpectedSubmodule) throws(PNBlockError) {
        guard entries.append(e) else {
            throw .tooMany(blockType: PNBlockType.expectedSubmoduleBlockReq, count: entries.count + 1, capacity: Self.capacity)
        }
    }

    /// Adds the submodules of one ExpectedSubmoduleBlockReq (a connect may carry several).
    // @implements SWR-PN-RPC-1
    public mutating func append(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.expectedSubmoduleBlockReq)
        var f = PNBlockFields(block)
        var list = entries  // taken over only when the whole block reads well
        let apiCount = Int(try f.u16())
        for _ in 0..<apiCount {
            var e = PNExpectedSubmodule()
            e.api = try f.u32()
            e.slot = try f.u16()
            e.moduleIdent = try f.u32()
            e.moduleProperties = try f.u16()
            let countAt = f.offset
            let n = Int(try f.u16())
            guard n > 0 else { throw f.bad(at: countAt) }
            guard list.count + n <= Self.capacity else {
                throw .tooMany(blockType: block.type, count: list.count + n, capacity: Self.capacity)
            }
            for _ in 0..<n {
                e.subslot = try f.u16()
                e.submoduleIdent = try f.u32()
                e.properties = PNSubmoduleProperties(rawValue: try f.u16())
                e.input = PNDataDescription()
                e.output = PNDataDescription()
                // NO_IO and INPUT: one input description; OUTPUT: one output; INPUT_OUTPUT: input, then output.
                let type = e.properties.type
                if type != .output {
                    e.input = try Self.description(&f, direction: 1)
                }
                if type == .output || type == .inputOutput {
                    e.output = try Self.description(&f, direction: 2)
                }
                list.append(e)
            }
        }
        try f.end()
        entries = list
    }

    private static func description(_ f: inout PNBlockFields, direction: UInt16) throws(PNBlockError) -> PNDataDescription {
        let at = f.offset
        guard try f.u16() == direction else { throw f.bad(at: at) }
        return PNDataDescription(length: try f.u16(), lengthIOCS: try f.u8(), lengthIOPS: try f.u8())
    }

    /// Writes every entry into one block; consecutive entries of the same API, slot and module form one module entry.
    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.expectedSubmoduleBlockReq)
        var groups: UInt16 = 0
        for i in 0..<entries.count where i == 0 || !Self.sameModule(entries[i], entries[i - 1]) { groups += 1 }
        try w.u16(groups)
        var i = 0
        while i < entries.count {
            var j = i + 1
            while j < entries.count && Self.sameModule(entries[j], entries[i]) { j += 1 }
            let e = entries[i]
            try w.u32(e.api)
            try w.u16(e.slot)
            try w.u32(e.moduleIdent)
            try w.u16(e.moduleProperties)
            try w.u16(UInt16(j - i))
            for k in i..<j {
                let s = entries[k]
                try w.u16(s.subslot)
                try w.u32(s.submoduleIdent)
                try w.u16(s.properties.rawValue)
                if s.hasInput { try Self.write(s.input, direction: 1, to: &w) }
                if s.hasOutput { try Self.write(s.output, direction: 2, to: &w) }
            }
            i = j
        }
        try w.endBlock(start)
    }

    private static func sameModule(_ a: PNExpectedSubmodule, _ b: PNExpectedSubmodule) -> Bool {
        a.api == b.api && a.slot == b.slot && a.moduleIdent == b.moduleIdent && a.moduleProperties == b.moduleProperties
    }

    private static func write(_ d: PNDataDescription, direction: UInt16, to w: inout PNWriter) throws(PNBytesError) {
        try w.u16(direction)
        try w.u16(d.length)
        try w.u8(d.lengthIOCS)
        try w.u8(d.lengthIOPS)
    }
}

// MARK: - Module diff

/// ModuleState of a ModuleDiffBlock.
public struct PNModuleState: Sendable, Equatable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let noModule = PNModuleState(rawValue: 0)
    public static let wrongModule = PNModuleState(rawValue: 1)
    public static let properModule = PNModuleState(rawValue: 2)
    public static let substitute = PNModuleState(rawValue: 3)
}

/// SubmoduleState (FormatIndicator 1): what the device has in a subslot and who owns it.
public struct PNSubmoduleState: Sendable, Equatable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// IdentInfo values.
    public static let identOK: UInt8 = 0
    public static let identSubstitute: UInt8 = 1
    public static let identWrong: UInt8 = 2
    public static let identNoSubmodule: UInt8 = 3
    /// ARInfo values.
    public static let arOwn: UInt8 = 0
    public static let arApplicationReadyPending: UInt8 = 1
    public static let arSuperordinatedLocked: UInt8 = 2
    public static let arLockedByIOController: UInt8 = 3
    public static let arLockedByIOSupervisor: UInt8 = 4

    public init(identInfo: UInt8, arInfo: UInt8 = 0, fault: Bool = false, maintenanceRequired: Bool = false,
                maintenanceDemanded: Bool = false, advice: Bool = false, addInfo: UInt8 = 0) {
        rawValue = 0x8000 | UInt16(identInfo & 0x0F) << 11 | UInt16(arInfo & 0x0F) << 7 | UInt16(addInfo & 7)
        if fault { rawValue |= 1 << 6 }
        if maintenanceDemanded { rawValue |= 1 << 5 }
        if maintenanceRequired { rawValue |= 1 << 4 }
        if advice { rawValue |= 1 << 3 }
    }

    /// Bits 0...2 (1: takeover not allowed).
    public var addInfo: UInt8 { UInt8(rawValue & 7) }
    /// Bit 3: QualifiedInfo / AdviceAvailable.
    public var advice: Bool { rawValue & (1 << 3) != 0 }
    public var maintenanceRequired: Bool { rawValue & (1 << 4) != 0 }
    public var maintenanceDemanded: Bool { rawValue & (1 << 5) != 0 }
    /// Bit 6, DiagInfo: the submodule has a fault.
    public var fault: Bool { rawValue & (1 << 6) != 0 }
    /// Bits 7...10.
    public var arInfo: UInt8 { UInt8((rawValue >> 7) & 0x0F) }
    /// Bits 11...14.
    public var identInfo: UInt8 { UInt8((rawValue >> 11) & 0x0F) }
    public var formatIndicator: Bool { rawValue & 0x8000 != 0 }
}

/// A module entry of a ModuleDiffBlock.
public struct PNModuleDiffModule: Sendable, Equatable, PNListElement {
    public var api: UInt32
    public var slot: UInt16
    /// The ident of the module really plugged (0 when none is).
    public var moduleIdent: UInt32
    public var state: PNModuleState

    public init() { self.init(api: 0, slot: 0, moduleIdent: 0, state: .noModule) }

    public init(api: UInt32 = 0, slot: UInt16, moduleIdent: UInt32, state: PNModuleState) {
        self.api = api
        self.slot = slot
        self.moduleIdent = moduleIdent
        self.state = state
    }
}

/// A submodule entry of a ModuleDiffBlock.
public struct PNModuleDiffSubmodule: Sendable, Equatable, PNListElement {
    public var api: UInt32
    public var slot: UInt16
    public var subslot: UInt16
    /// The ident of the submodule really plugged (0 when none is).
    public var submoduleIdent: UInt32
    public var state: PNSubmoduleState

    public init() { self.init(api: 0, slot: 0, subslot: 0, submoduleIdent: 0, state: PNSubmoduleState(rawValue: 0)) }

    public init(api: UInt32 = 0, slot: UInt16, subslot: UInt16, submoduleIdent: UInt32, state: PNSubmoduleState) {
        self.api = api
        self.slot = slot
        self.subslot = subslot
        self.submoduleIdent = submoduleIdent
        self.state = state
    }
}

/// ModuleDiffBlock (0x8104): where the device's real configuration differs from the expected one (or, read as a
/// record, the state of every submodule). Modules and submodules are kept in two flat lists; a submodule belongs to
/// the module of the same API and slot.
public struct PNModuleDiff: Sendable, Equatable {
    public static let capacity = 32
    public private(set) var modules: PNList<32, PNModuleDiffModule>
    public private(set) var submodules: PNList<32, PNModuleDiffSubmodule>

    public init() {
        modules = PNList()
        submodules = PNList()
    }

    public var isEmpty: Bool { modules.isEmpty }

    /// Adds a module (each API and slot once).
    public mutating func add(_ m: PNModuleDiffModule) throws(PNBlockError) {
        for i in 0..<modules.count where modules[i].api == m.api && modules[i].slot == m.slot {
            throw .badValue(blockType: PNBlockType.moduleDiffBlock, offset: 0)
        }
        guard modules.append(m) else {
            throw .tooMany(blockType: PNBlockType.moduleDiffBlock, count: modules.count + 1, capacity: Self.capacity)
        }
    }

    /// Adds a submodule of a module added before (`.missingBlock` otherwise: nothing to put it under).
    public mutating func add(_ s: PNModuleDiffSubmodule) throws(PNBlockError) {
        var found = false
        for i in 0..<modules.count where modules[i].api == s.api && modules[i].slot == s.slot { found = true }
        guard found else { throw .missingBlock(PNBlockType.moduleDiffBlock) }
        guard submodules.append(s) else {
            throw .tooMany(blockType: PNBlockType.moduleDiffBlock, count: submodules.count + 1, capacity: Self.capacity)
        }
    }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.moduleDiffBlock)
        self.init()
        var f = PNBlockFields(block)
        let apiCount = Int(try f.u16())
        for _ in 0..<apiCount {
            let api = try f.u32()
            let moduleCount = Int(try f.u16())
            guard modules.count + moduleCount <= Self.capacity else {
                throw .tooMany(blockType: block.type, count: modules.count + moduleCount, capacity: Self.capacity)
            }
            for _ in 0..<moduleCount {
                let at = f.offset
                let slot = try f.u16()
                let m = PNModuleDiffModule(api: api, slot: slot, moduleIdent: try f.u32(),
                                           state: PNModuleState(rawValue: try f.u16()))
                for i in 0..<modules.count where modules[i].api == api && modules[i].slot == slot { throw f.bad(at: at) }
                modules.append(m)
                let n = Int(try f.u16())
                guard submodules.count + n <= Self.capacity else {
                    throw .tooMany(blockType: block.type, count: submodules.count + n, capacity: Self.capacity)
                }
                for _ in 0..<n {
                    submodules.append(PNModuleDiffSubmodule(api: api, slot: slot, subslot: try f.u16(),
                                                            submoduleIdent: try f.u32(),
                                                            state: PNSubmoduleState(rawValue: try f.u16())))
                }
            }
        }
        try f.end()
    }

    /// Writes the block: consecutive modules of the same API form one API entry, each module with its submodules.
    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.moduleDiffBlock)
        var groups: UInt16 = 0
        for i in 0..<modules.count where i == 0 || modules[i].api != modules[i - 1].api { groups += 1 }
        try w.u16(groups)
        var i = 0
        while i < modules.count {
            var j = i + 1
            while j < modules.count && modules[j].api == modules[i].api { j += 1 }
            try w.u32(modules[i].api)
            try w.u16(UInt16(j - i))
            for k in i..<j {
                let m = modules[k]
                try w.u16(m.slot)
                try w.u32(m.moduleIdent)
                try w.u16(m.state.rawValue)
                var n: UInt16 = 0
                for s in 0..<submodules.count where submodules[s].api == m.api && submodules[s].slot == m.slot { n += 1 }
                try w.u16(n)
                for s in 0..<submodules.count where submodules[s].api == m.api && submodules[s].slot == m.slot {
                    try w.u16(submodules[s].subslot)
                    try w.u32(submodules[s].submoduleIdent)
                    try w.u16(submodules[s].state.rawValue)
                }
            }
            i = j
        }
        try w.endBlock(start)
    }
}

// MARK: - Whole connect request and response

/// The blocks of a Connect request: the AR, its IOCRs, the alarm CR and the expected submodules. Blocks of other
/// types (parameter server, MCR, ARRPC, vendor, IR/SR info...) are skipped by their length and counted.
public struct PNConnectRequest: Sendable, Equatable {
    public static let maxIOCRs = 4

    public var ar: PNARBlockRequest
    public private(set) var iocrs: PNList<4, PNIOCRBlockRequest>
    public var alarmCR: PNAlarmCRBlockRequest?
    public var expected: PNExpectedSubmodules
    /// Blocks skipped because this codec does not read them.
    public private(set) var unknownBlocks: Int
    /// The type of the first of them (0 when none).
    public private(set) var firstUnknownBlock: UInt16

    public init(ar: PNARBlockRequest) {
        self.ar = ar
        iocrs = PNList()
        alarmCR = nil
        expected = PNExpectedSubmodules()
        unknownBlocks = 0
        firstUnknownBlock = 0
    }

    public mutating func add(_ iocr: PNIOCRBlockRequest) throws(PNBlockError) {
        guard iocrs.append(iocr) else {
            throw .tooMany(blockType: PNBlockType.iocrBlockReq, count: iocrs.count + 1, capacity: Self.maxIOCRs)
        }
    }

    /// Reads the blocks of a Connect request's arguments. The ARBlockReq comes first and once, the AlarmCRBlockReq
    /// at most once; every block must fill the body exactly up to its end.
    // @implements SWR-PN-RPC-1
    public init(parsing args: UnsafeRawBufferPointer) throws(PNBlockError) {
        var reader = PNBlockReader(args)
        guard let first = try reader.next() else { throw .missingBlock(PNBlockType.arBlockReq) }
        guard first.type == PNBlockType.arBlockReq else { throw .unexpectedBlock(first.type) }
        self.init(ar: try PNARBlockRequest(parsing: first))
        while let block = try reader.next() {
            switch block.type {
            case PNBlockType.arBlockReq:
                throw .unexpectedBlock(block.type)
            case PNBlockType.iocrBlockReq:
                guard !iocrs.isFull else {
                    throw .tooMany(blockType: block.type, count: iocrs.count + 1, capacity: Self.maxIOCRs)
                }
                iocrs.append(try PNIOCRBlockRequest(parsing: block))
            case PNBlockType.alarmCRBlockReq:
                guard alarmCR == nil else { throw .unexpectedBlock(block.type) }
                alarmCR = try PNAlarmCRBlockRequest(parsing: block)
            case PNBlockType.expectedSubmoduleBlockReq:
                try expected.append(parsing: block)
            default:
                if unknownBlocks == 0 { firstUnknownBlock = block.type }
                unknownBlocks += 1
            }
        }
    }

    /// Writes the blocks in the standard's order: AR, IOCRs, alarm CR, expected submodules (when there are any).
    public func write(to w: inout PNWriter) throws(PNBytesError) {
        try ar.write(to: &w)
        for i in 0..<iocrs.count { try iocrs[i].write(to: &w) }
        if let alarmCR { try alarmCR.write(to: &w) }
        if expected.count > 0 { try expected.write(to: &w) }
    }
}

/// The blocks of a Connect response: ARBlockRes, an IOCRBlockRes per IOCR, AlarmCRBlockRes, and a ModuleDiffBlock
/// when the real configuration differs from the expected one.
public struct PNConnectResponse: Sendable, Equatable {
    public var ar: PNARBlockResponse
    public private(set) var iocrs: PNList<4, PNIOCRBlockResponse>
    public var alarmCR: PNAlarmCRBlockResponse?
    public var moduleDiff: PNModuleDiff?
    /// Blocks skipped because this codec does not read them (ARRPCBlockRes, ARServerBlockRes...).
    public private(set) var unknownBlocks: Int

    public init(ar: PNARBlockResponse) {
        self.ar = ar
        iocrs = PNList()
        alarmCR = nil
        moduleDiff = nil
        unknownBlocks = 0
    }

    public mutating func add(_ iocr: PNIOCRBlockResponse) throws(PNBlockError) {
        guard iocrs.append(iocr) else {
            throw .tooMany(blockType: PNBlockType.iocrBlockRes, count: iocrs.count + 1, capacity: PNConnectRequest.maxIOCRs)
        }
    }

    /// Reads the blocks of a Connect response's arguments (ARBlockRes first).
    // @implements SWR-PN-RPC-1
    public init(parsing args: UnsafeRawBufferPointer) throws(PNBlockError) {
        var reader = PNBlockReader(args)
        guard let first = try reader.next() else { throw .missingBlock(PNBlockType.arBlockRes) }
        guard first.type == PNBlockType.arBlockRes else { throw .unexpectedBlock(first.type) }
        self.init(ar: try PNARBlockResponse(parsing: first))
        while let block = try reader.next() {
            switch block.type {
            case PNBlockType.arBlockRes:
                throw .unexpectedBlock(block.type)
            case PNBlockType.iocrBlockRes:
                guard !iocrs.isFull else {
                    throw .tooMany(blockType: block.type, count: iocrs.count + 1, capacity: PNConnectRequest.maxIOCRs)
                }
                iocrs.append(try PNIOCRBlockResponse(parsing: block))
            case PNBlockType.alarmCRBlockRes:
                guard alarmCR == nil else { throw .unexpectedBlock(block.type) }
                alarmCR = try PNAlarmCRBlockResponse(parsing: block)
            case PNBlockType.moduleDiffBlock:
                guard moduleDiff == nil else { throw .unexpectedBlock(block.type) }
                moduleDiff = try PNModuleDiff(parsing: block)
            default:
                unknownBlocks += 1
            }
        }
    }

    /// Writes the blocks in the standard's order.
    public func write(to w: inout PNWriter) throws(PNBytesError) {
        try ar.write(to: &w)
        for i in 0..<iocrs.count { try iocrs[i].write(to: &w) }
        if let alarmCR { try alarmCR.write(to: &w) }
        if let moduleDiff { try moduleDiff.write(to: &w) }
    }
}
