// PNIO alarms (IEC 61158-6-10 §5.2.2.9 and §4.6, RTA): the AlarmNotification block (0x0001 high, 0x0002 low)
// a device sends, with its optional maintenance item and alarm item (channel diagnosis 0x8000, extended 0x8002,
// qualified 0x8003, or manufacturer data), the AlarmAck block (0x8001/0x8002) that answers it, and the RTA-PDU
// header that carries both on Ethernet (frame IDs 0xFC01 high, 0xFE01 low): endpoints, PDU type and version,
// window and TACK flags, sequence numbers, VarPartLen.

/// AlarmType values.
public enum PNAlarmType {
    public static let diagnosis: UInt16 = 0x0001
    public static let process: UInt16 = 0x0002
    public static let pull: UInt16 = 0x0003
    public static let plug: UInt16 = 0x0004
    public static let status: UInt16 = 0x0005
    public static let update: UInt16 = 0x0006
    public static let redundancy: UInt16 = 0x0007
    public static let controlledBySupervisor: UInt16 = 0x0008
    public static let releasedBySupervisor: UInt16 = 0x0009
    public static let plugWrongSubmodule: UInt16 = 0x000A
    public static let returnOfSubmodule: UInt16 = 0x000B
    public static let diagnosisDisappears: UInt16 = 0x000C
    public static let portDataChange: UInt16 = 0x000F
    public static let pullModule: UInt16 = 0x001F
}

/// UserStructureIdentifier values of alarm items (below 0x8000 the data is the manufacturer's).
public enum PNAlarmUSI {
    public static let channelDiagnosis: UInt16 = 0x8000
    public static let extendedChannelDiagnosis: UInt16 = 0x8002
    public static let qualifiedChannelDiagnosis: UInt16 = 0x8003
    public static let maintenance: UInt16 = 0x8100

    /// Whether items of this USI carry a `PNChannelDiagnosis`.
    public static func isDiagnosis(_ usi: UInt16) -> Bool {
        usi == channelDiagnosis || usi == extendedChannelDiagnosis || usi == qualifiedChannelDiagnosis
    }
}

/// One channel diagnosis entry: ChannelNumber, ChannelProperties, ChannelErrorType; the extended form (USI
/// 0x8002) adds ExtChannelErrorType and ExtChannelAddValue, the qualified one (0x8003) QualifiedChannelQualifier.
public struct PNChannelDiagnosis: Sendable, Equatable {
    /// 0x8000 is the whole submodule.
    public var channelNumber: UInt16
    public var channelProperties: UInt16
    public var errorType: UInt16
    public var extErrorType: UInt16
    public var extAddValue: UInt32
    public var qualifier: UInt32

    public init(channelNumber: UInt16, channelProperties: UInt16, errorType: UInt16, extErrorType: UInt16 = 0,
                extAddValue: UInt32 = 0, qualifier: UInt32 = 0) {
        self.channelNumber = channelNumber
        self.channelProperties = channelProperties
        self.errorType = errorType
        self.extErrorType = extErrorType
        self.extAddValue = extAddValue
        self.qualifier = qualifier
    }

    /// Its size on the wire under `usi`.
    public static func size(usi: UInt16) -> Int {
        usi == PNAlarmUSI.qualifiedChannelDiagnosis ? 16 : (usi == PNAlarmUSI.extendedChannelDiagnosis ? 12 : 6)
    }
}

/// AlarmNotification-PDU (0x0001 high priority, 0x0002 low): what happened where, then at most a maintenance item
/// and one alarm item.
public struct PNAlarmNotification: Sendable, Equatable {
    public var highPriority: Bool
    public var alarmType: UInt16
    public var api: UInt32
    public var slot: UInt16
    public var subslot: UInt16
    public var moduleIdent: UInt32
    public var submoduleIdent: UInt32
    public var specifier: PNAlarmSpecifier
    /// The MaintenanceStatus of a maintenance item (USI 0x8100), when there is one.
    public var maintenanceStatus: UInt32?
    /// The alarm item's UserStructureIdentifier, nil when the notification has no item.
    public var usi: UInt16?
    /// The item's first channel diagnosis, when `usi` is a diagnosis USI.
    public var diagnosis: PNChannelDiagnosis?
    /// Where the item's data (everything after its USI: every diagnosis entry, or the manufacturer's bytes) lies
    /// in the parsed block's `content`; empty when there is no item or after building one.
    public var itemData: Range<Int>

    public init(highPriority: Bool = false, alarmType: UInt16, api: UInt32 = 0, slot: UInt16, subslot: UInt16,
                moduleIdent: UInt32, submoduleIdent: UInt32, specifier: PNAlarmSpecifier,
                maintenanceStatus: UInt32? = nil, usi: UInt16? = nil, diagnosis: PNChannelDiagnosis? = nil) {
        self.highPriority = highPriority
        self.alarmType = alarmType
        self.api = api
        self.slot = slot
        self.subslot = subslot
        self.moduleIdent = moduleIdent
        self.submoduleIdent = submoduleIdent
        self.specifier = specifier
        self.maintenanceStatus = maintenanceStatus
        self.usi = usi
        self.diagnosis = diagnosis
        self.itemData = 0..<0
    }

    public var blockType: UInt16 { highPriority ? PNBlockType.alarmNotificationHigh : PNBlockType.alarmNotificationLow }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        guard block.type == PNBlockType.alarmNotificationHigh || block.type == PNBlockType.alarmNotificationLow else {
            throw .unexpectedBlock(block.type)
        }
        try block.expectVersion()
        var f = PNBlockFields(block)
        self.init(highPriority: block.type == PNBlockType.alarmNotificationHigh, alarmType: try f.u16(),
                  api: try f.u32(), slot: try f.u16(), subslot: try f.u16(), moduleIdent: try f.u32(),
                  submoduleIdent: try f.u32(), specifier: PNAlarmSpecifier(rawValue: try f.u16()))
        guard f.remaining > 0 else { return }
        var usiAt = f.offset
        var next = try f.u16()
        if next == PNAlarmUSI.maintenance {
            // USI, then a MaintenanceItem block: header (0x0F00, length 8, 1.0), 2 bytes padding, status.
            let headerAt = f.offset
            let type = try f.u16()
            let length = try f.u16()
            let high = try f.u8(), low = try f.u8()
            guard type == PNBlockType.maintenanceItem, length == 8 else { throw f.bad(at: headerAt) }
            guard high == 1, low == 0 else { throw .badVersion(blockType: type, high: high, low: low) }
            try f.skip(2)
            maintenanceStatus = try f.u32()
            guard f.remaining > 0 else { return }
            usiAt = f.offset
            next = try f.u16()
            if next == PNAlarmUSI.maintenance { throw f.bad(at: usiAt) }
        }
        usi = next
        let dataStart = f.offset - PNBlock.headerSize
        itemData = dataStart..<block.content.count
        if PNAlarmUSI.isDiagnosis(next) {
            var d = PNChannelDiagnosis(channelNumber: try f.u16(), channelProperties: try f.u16(), errorType: try f.u16())
            if next != PNAlarmUSI.channelDiagnosis {
                d.extErrorType = try f.u16()
                d.extAddValue = try f.u32()
            }
            if next == PNAlarmUSI.qualifiedChannelDiagnosis { d.qualifier = try f.u32() }
            diagnosis = d
            // Further entries of the same USI may follow; each must be whole.
            let size = PNChannelDiagnosis.size(usi: next)
            guard f.remaining % size == 0 else { throw .badLength(blockType: block.type, length: Int(block.length)) }
        }
    }

    /// Writes the block: the maintenance item when `maintenanceStatus` is set, then the item of `usi`: `diagnosis`
    /// for a diagnosis USI, `manufacturerData` for any other.
    public func write(to w: inout PNWriter,
                      manufacturerData: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) throws(PNBytesError) {
        let start = try w.beginBlock(blockType)
        try w.u16(alarmType)
        try w.u32(api)
        try w.u16(slot)
        try w.u16(subslot)
        try w.u32(moduleIdent)
        try w.u32(submoduleIdent)
        try w.u16(specifier.rawValue)
        if let maintenanceStatus {
            try w.u16(PNAlarmUSI.maintenance)
            let item = try w.beginBlock(PNBlockType.maintenanceItem)
            try w.zeros(2)
            try w.u32(maintenanceStatus)
            try w.endBlock(item)
        }
        if let usi {
            try w.u16(usi)
            if PNAlarmUSI.isDiagnosis(usi) {
                let d = diagnosis ?? PNChannelDiagnosis(channelNumber: 0x8000, channelProperties: 0, errorType: 0)
                try w.u16(d.channelNumber)
                try w.u16(d.channelProperties)
                try w.u16(d.errorType)
                if usi != PNAlarmUSI.channelDiagnosis {
                    try w.u16(d.extErrorType)
                    try w.u32(d.extAddValue)
                }
                if usi == PNAlarmUSI.qualifiedChannelDiagnosis { try w.u32(d.qualifier) }
            } else {
                try w.bytes(manufacturerData)
            }
        }
        try w.endBlock(start)
    }
}

/// AlarmAck-PDU (0x8001 high priority, 0x8002 low): the controller's answer to an alarm notification.
public struct PNAlarmAck: Sendable, Equatable {
    public var highPriority: Bool
    public var alarmType: UInt16
    public var api: UInt32
    public var slot: UInt16
    public var subslot: UInt16
    public var specifier: PNAlarmSpecifier
    public var status: PNIOStatus

    public init(highPriority: Bool, alarmType: UInt16, api: UInt32 = 0, slot: UInt16, subslot: UInt16,
                specifier: PNAlarmSpecifier, status: PNIOStatus = .ok) {
        self.highPriority = highPriority
        self.alarmType = alarmType
        self.api = api
        self.slot = slot
        self.subslot = subslot
        self.specifier = specifier
        self.status = status
    }

    /// The acknowledgement of `notification`.
    public init(acknowledging n: PNAlarmNotification, status: PNIOStatus = .ok) {
        self.init(highPriority: n.highPriority, alarmType: n.alarmType, api: n.api, slot: n.slot, subslot: n.subslot,
                  specifier: n.specifier, status: status)
    }

    public var blockType: UInt16 { highPriority ? PNBlockType.alarmAckHigh : PNBlockType.alarmAckLow }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        guard block.type == PNBlockType.alarmAckHigh || block.type == PNBlockType.alarmAckLow else {
            throw .unexpectedBlock(block.type)
        }
        try block.expectVersion()
        var f = PNBlockFields(block)
        highPriority = block.type == PNBlockType.alarmAckHigh
        alarmType = try f.u16()
        api = try f.u32()
        slot = try f.u16()
        subslot = try f.u16()
        specifier = PNAlarmSpecifier(rawValue: try f.u16())
        status = PNIOStatus(try f.u8(), try f.u8(), try f.u8(), try f.u8())
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(blockType)
        try w.u16(alarmType)
        try w.u32(api)
        try w.u16(slot)
        try w.u16(subslot)
        try w.u16(specifier.rawValue)
        try w.u8(status.errorCode)
        try w.u8(status.errorDecode)
        try w.u8(status.errorCode1)
        try w.u8(status.errorCode2)
        try w.endBlock(start)
    }
}

// MARK: - RTA

/// Why an RTA-PDU was not taken.
public enum PNRTAError: Error, Sendable, Equatable {
    /// Shorter than the 12-byte RTA header.
    case truncated(available: Int)
    /// VarPartLen runs past the PDU.
    case varPartPastEnd(length: Int, available: Int)
}

/// The fixed part of an RTA-PDU (the bytes after the frame ID of an alarm frame).
public struct PNRTAHeader: Sendable, Equatable {
    public static let size = 12
    /// Frame IDs of alarm frames.
    public static let frameIDHigh: UInt16 = 0xFC01
    public static let frameIDLow: UInt16 = 0xFE01
    /// PDUType.Type values.
    public static let typeData: UInt8 = 1
    public static let typeNACK: UInt8 = 2
    public static let typeACK: UInt8 = 3
    public static let typeERR: UInt8 = 4

    /// The receiver's alarm reference (the other side's LocalAlarmReference).
    public var destinationEndpoint: UInt16
    /// The sender's own alarm reference.
    public var sourceEndpoint: UInt16
    /// PDUType: the type in bits 0...3, the version (1) in bits 4...7.
    public var pduType: UInt8
    /// AddFlags: WindowSize (1) in bits 0...3, TACK (an acknowledgement is wanted) in bit 4.
    public var addFlags: UInt8
    public var sendSequenceNumber: UInt16
    public var ackSequenceNumber: UInt16
    /// The length of the RTA-SDU after this header.
    public var varPartLength: UInt16

    public init(destinationEndpoint: UInt16, sourceEndpoint: UInt16, type: UInt8, version: UInt8 = 1,
                windowSize: UInt8 = 1, tack: Bool = false, sendSequenceNumber: UInt16, ackSequenceNumber: UInt16,
                varPartLength: UInt16 = 0) {
        self.destinationEndpoint = destinationEndpoint
        self.sourceEndpoint = sourceEndpoint
        self.pduType = (version & 0x0F) << 4 | (type & 0x0F)
        self.addFlags = (windowSize & 0x0F) | (tack ? 0x10 : 0)
        self.sendSequenceNumber = sendSequenceNumber
        self.ackSequenceNumber = ackSequenceNumber
        self.varPartLength = varPartLength
    }

    public var type: UInt8 { pduType & 0x0F }
    public var version: UInt8 { pduType >> 4 }
    public var windowSize: UInt8 { addFlags & 0x0F }
    public var tack: Bool { addFlags & 0x10 != 0 }

    /// Reads the header at the start of `pdu` (the bytes after the frame ID) and checks VarPartLen against it.
    // @implements SWR-PN-RPC-1
    public init(parsing pdu: UnsafeRawBufferPointer) throws(PNRTAError) {
        guard pdu.count >= Self.size else { throw .truncated(available: pdu.count) }
        func u16(_ at: Int) -> UInt16 { UInt16(pdu[at]) << 8 | UInt16(pdu[at + 1]) }
        destinationEndpoint = u16(0)
        sourceEndpoint = u16(2)
        pduType = pdu[4]
        addFlags = pdu[5]
        sendSequenceNumber = u16(6)
        ackSequenceNumber = u16(8)
        varPartLength = u16(10)
        guard Int(varPartLength) <= pdu.count - Self.size else {
            throw .varPartPastEnd(length: Int(varPartLength), available: pdu.count - Self.size)
        }
    }

    /// The RTA-SDU of `pdu` (whose header this is): the `varPartLength` bytes after the header.
    public func varPart(of pdu: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let end = min(pdu.count, Self.size + Int(varPartLength))
        return UnsafeRawBufferPointer(rebasing: pdu[min(Self.size, end)..<end])
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        w.order = .bigEndian
        try w.u16(destinationEndpoint)
        try w.u16(sourceEndpoint)
        try w.u8(pduType)
        try w.u8(addFlags)
        try w.u16(sendSequenceNumber)
        try w.u16(ackSequenceNumber)
        try w.u16(varPartLength)
    }
}
