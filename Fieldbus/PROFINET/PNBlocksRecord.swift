// The blocks of the PNIO Control, Release, Read and Write services (IEC 61158-6-10 §5.2.3 and §5.2.4):
// IODControlReq/Res (PrmEnd, PrmBegin), IOXControlReq/Res (the device's ApplicationReady), ReleaseBlockReq/Res,
// and the headers of record reads and writes (IODReadReqHeader/IODReadResHeader, IODWriteReqHeader/
// IODWriteResHeader; the record data follows the header in the body, outside the block).

import Kernel

/// ControlCommand bits (`BitFlags`, not OptionSet, whose array literal allocates).
public struct PNControlCommand: BitFlags, Sendable, Equatable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let prmEnd = PNControlCommand(rawValue: 1 << 0)
    public static let applicationReady = PNControlCommand(rawValue: 1 << 1)
    public static let release = PNControlCommand(rawValue: 1 << 2)
    /// Set in every control response.
    public static let done = PNControlCommand(rawValue: 1 << 3)
    public static let readyForCompanion = PNControlCommand(rawValue: 1 << 4)
    public static let readyForRTClass3 = PNControlCommand(rawValue: 1 << 5)
    public static let prmBegin = PNControlCommand(rawValue: 1 << 6)
}

/// IODControlReq/Res, IOXControlReq/Res and ReleaseBlockReq/Res (0x0110...0x0118 and their responses 0x8110...):
/// one layout, the block type says which step of the AR it is.
public struct PNControlBlock: Sendable, Equatable {
    public var blockType: UInt16
    public var arUUID: PNUUID
    public var sessionKey: UInt16
    /// Reserved (0) except in the plug variants (0x0111, 0x0113), where it is the alarm's sequence number.
    public var alarmSequenceNumber: UInt16
    public var command: PNControlCommand
    public var properties: UInt16

    public init(blockType: UInt16, arUUID: PNUUID, sessionKey: UInt16, command: PNControlCommand,
                alarmSequenceNumber: UInt16 = 0, properties: UInt16 = 0) {
        self.blockType = blockType
        self.arUUID = arUUID
        self.sessionKey = sessionKey
        self.alarmSequenceNumber = alarmSequenceNumber
        self.command = command
        self.properties = properties
    }

    /// Whether `type` is one of the control blocks (a request or a response).
    public static func isControl(_ type: UInt16) -> Bool {
        let request = type & ~PNBlockType.responseBit
        return request >= 0x0110 && request <= 0x0118 && request != 0x0115
    }

    public var isResponse: Bool { blockType & PNBlockType.responseBit != 0 }

    /// The response to this request: same AR, session key and sequence number, command Done.
    public func answer() -> PNControlBlock {
        PNControlBlock(blockType: blockType | PNBlockType.responseBit, arUUID: arUUID, sessionKey: sessionKey,
                       command: .done, alarmSequenceNumber: alarmSequenceNumber, properties: 0)
    }

    /// Reads any control block; check `blockType` for the one expected.
    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        guard Self.isControl(block.type) else { throw .unexpectedBlock(block.type) }
        try block.expectVersion()
        var f = PNBlockFields(block)
        try f.skip(2)
        blockType = block.type
        arUUID = try f.uuid()
        sessionKey = try f.u16()
        alarmSequenceNumber = try f.u16()
        command = PNControlCommand(rawValue: try f.u16())
        properties = try f.u16()
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(blockType)
        try w.zeros(2)
        try w.uuid(arUUID)
        try w.u16(sessionKey)
        try w.u16(alarmSequenceNumber)
        try w.u16(command.rawValue)
        try w.u16(properties)
        try w.endBlock(start)
    }
}

/// IODReadReqHeader (0x0009) and IODWriteReqHeader (0x0008): which record of which submodule, and how long. A
/// write's `recordDataLength` bytes follow the block in the body (`PNBlockReader.data(_:)`).
public struct PNRecordRequest: Sendable, Equatable {
    /// Block content: 34 bytes of fields and 24 of padding (a read with a nil ARUUID puts its TargetARUUID in the
    /// first 16 of them).
    public static let contentSize = 58

    public var blockType: UInt16
    public var sequenceNumber: UInt16
    /// The AR the access belongs to; nil in an implicit read (ReadImplicit, no AR needed).
    public var arUUID: PNUUID
    public var api: UInt32
    public var slot: UInt16
    public var subslot: UInt16
    public var index: UInt16
    /// Write: the bytes that follow. Read: the most the caller takes.
    public var recordDataLength: UInt32
    /// A read with a nil `arUUID` only: the AR whose record is meant (or nil).
    public var targetARUUID: PNUUID

    public init(read sequenceNumber: UInt16, arUUID: PNUUID = .zero, api: UInt32 = 0, slot: UInt16, subslot: UInt16,
                index: UInt16, maxLength: UInt32, targetARUUID: PNUUID = .zero) {
        self.init(blockType: PNBlockType.iodReadReqHeader, sequenceNumber: sequenceNumber, arUUID: arUUID, api: api,
                  slot: slot, subslot: subslot, index: index, recordDataLength: maxLength, targetARUUID: targetARUUID)
    }

    public init(write sequenceNumber: UInt16, arUUID: PNUUID, api: UInt32 = 0, slot: UInt16, subslot: UInt16,
                index: UInt16, length: UInt32) {
        self.init(blockType: PNBlockType.iodWriteReqHeader, sequenceNumber: sequenceNumber, arUUID: arUUID, api: api,
                  slot: slot, subslot: subslot, index: index, recordDataLength: length, targetARUUID: .zero)
    }

    private init(blockType: UInt16, sequenceNumber: UInt16, arUUID: PNUUID, api: UInt32, slot: UInt16, subslot: UInt16,
                 index: UInt16, recordDataLength: UInt32, targetARUUID: PNUUID) {
        self.blockType = blockType
        self.sequenceNumber = sequenceNumber
        self.arUUID = arUUID
        self.api = api
        self.slot = slot
        self.subslot = subslot
        self.index = index
        self.recordDataLength = recordDataLength
        self.targetARUUID = targetARUUID
    }

    public var isWrite: Bool { blockType == PNBlockType.iodWriteReqHeader }

    /// Reads a read or write request header.
    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        guard block.type == PNBlockType.iodReadReqHeader || block.type == PNBlockType.iodWriteReqHeader else {
            throw .unexpectedBlock(block.type)
        }
        try block.expectVersion()
        var f = PNBlockFields(block)
        blockType = block.type
        sequenceNumber = try f.u16()
        arUUID = try f.uuid()
        api = try f.u32()
        slot = try f.u16()
        subslot = try f.u16()
        try f.skip(2)
        index = try f.u16()
        recordDataLength = try f.u32()
        let target = try f.uuid()
        targetARUUID = block.type == PNBlockType.iodReadReqHeader && arUUID.isZero ? target : .zero
        try f.skip(8)
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(blockType)
        try w.u16(sequenceNumber)
        try w.uuid(arUUID)
        try w.u32(api)
        try w.u16(slot)
        try w.u16(subslot)
        try w.zeros(2)
        try w.u16(index)
        try w.u32(recordDataLength)
        if blockType == PNBlockType.iodReadReqHeader && arUUID.isZero { try w.uuid(targetARUUID) } else { try w.zeros(16) }
        try w.zeros(8)
        try w.endBlock(start)
    }
}

/// IODReadResHeader (0x8009) and IODWriteResHeader (0x8008). A read's `recordDataLength` bytes of record data
/// follow the block in the body; a write's outcome is `status` (a read's travels in the NDR header only).
public struct PNRecordResponse: Sendable, Equatable {
    public var blockType: UInt16
    public var sequenceNumber: UInt16
    public var arUUID: PNUUID
    public var api: UInt32
    public var slot: UInt16
    public var subslot: UInt16
    public var index: UInt16
    public var recordDataLength: UInt32
    public var additionalValue1: UInt16
    public var additionalValue2: UInt16
    /// IODWriteResHeader only (the padding of a read response).
    public var status: PNIOStatus

    /// The response to `request`: `recordDataLength` is the data read (read) or taken (write).
    public init(answering request: PNRecordRequest, recordDataLength: UInt32, status: PNIOStatus = .ok,
                additionalValue1: UInt16 = 0, additionalValue2: UInt16 = 0) {
        blockType = request.blockType | PNBlockType.responseBit
        sequenceNumber = request.sequenceNumber
        arUUID = request.arUUID
        api = request.api
        slot = request.slot
        subslot = request.subslot
        index = request.index
        self.recordDataLength = recordDataLength
        self.additionalValue1 = additionalValue1
        self.additionalValue2 = additionalValue2
        self.status = request.isWrite ? status : .ok
    }

    public var isWrite: Bool { blockType == PNBlockType.iodWriteResHeader }

    /// Reads a read or write response header.
    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        guard block.type == PNBlockType.iodReadResHeader || block.type == PNBlockType.iodWriteResHeader else {
            throw .unexpectedBlock(block.type)
        }
        try block.expectVersion()
        var f = PNBlockFields(block)
        blockType = block.type
        sequenceNumber = try f.u16()
        arUUID = try f.uuid()
        api = try f.u32()
        slot = try f.u16()
        subslot = try f.u16()
        try f.skip(2)
        index = try f.u16()
        recordDataLength = try f.u32()
        additionalValue1 = try f.u16()
        additionalValue2 = try f.u16()
        if block.type == PNBlockType.iodWriteResHeader {
            status = PNIOStatus(try f.u8(), try f.u8(), try f.u8(), try f.u8())
            try f.skip(16)
        } else {
            status = .ok
            try f.skip(20)
        }
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(blockType)
        try w.u16(sequenceNumber)
        try w.uuid(arUUID)
        try w.u32(api)
        try w.u16(slot)
        try w.u16(subslot)
        try w.zeros(2)
        try w.u16(index)
        try w.u32(recordDataLength)
        try w.u16(additionalValue1)
        try w.u16(additionalValue2)
        if blockType == PNBlockType.iodWriteResHeader {
            try w.u8(status.errorCode)
            try w.u8(status.errorDecode)
            try w.u8(status.errorCode1)
            try w.u8(status.errorCode2)
            try w.zeros(16)
        } else {
            try w.zeros(20)
        }
        try w.endBlock(start)
    }
}
