// SDO information (ETG.1000.6 §5.6.3): a slave's object dictionary through its mailbox — the list of its
// objects, each object's description (data type, highest subindex, object code, name) and each entry's
// (data type, bit length, access, name). Answers may come in fragments (opcode bit 7, fragments left); names
// are copied into the caller's buffer, cut at its end. What IgH's `ethercat sdos` and SOEM's
// `ec_readODlist`/`ec_readODdescription`/`ec_readOE` read.

/// What Get Object Description answers.
public struct EtherCATObjectDescription: Sendable, Equatable {
    public var index: UInt16
    public var dataType: UInt16
    public var maxSubindex: UInt8
    /// 7 VAR, 8 ARRAY, 9 RECORD.
    public var objectCode: UInt8
    /// Bytes of the name put into the caller's buffer.
    public var nameLength: Int
    public init(index: UInt16, dataType: UInt16, maxSubindex: UInt8, objectCode: UInt8, nameLength: Int) {
        self.index = index
        self.dataType = dataType
        self.maxSubindex = maxSubindex
        self.objectCode = objectCode
        self.nameLength = nameLength
    }
}

/// What Get Entry Description answers.
public struct EtherCATEntryDescription: Sendable, Equatable {
    public var index: UInt16
    public var subindex: UInt8
    public var dataType: UInt16
    public var bitLength: UInt16
    /// Bits 0-2 readable in PREOP, SAFEOP, OP; bits 3-5 writable in them; bit 6 RxPDO, bit 7 TxPDO mappable.
    public var access: UInt16
    public var nameLength: Int
    public init(index: UInt16, subindex: UInt8, dataType: UInt16, bitLength: UInt16, access: UInt16, nameLength: Int) {
        self.index = index
        self.subindex = subindex
        self.dataType = dataType
        self.bitLength = bitLength
        self.access = access
        self.nameLength = nameLength
    }
}

extension EtherCATMaster {
    /// The most fragments one list answer may take (a dictionary of 65536 objects in the smallest mailbox).
    static var maxInformationFragments: Int { 65536 }

    /// Get OD List: calls `body` with every object index of list `listType` (1: all objects; 2, 3: RxPDO, TxPDO
    /// mappable; 4: backup; 5: settings) in the order the slave gives them and returns how many there were.
    // @implements SWR-ECAT-COE-1
    public mutating func sdoObjectList(_ mailbox: inout EtherCATMailbox, listType: UInt16 = 1, scratch: UnsafeMutableRawBufferPointer,
                                       timeoutNs: UInt64, _ body: (UInt16) -> Void) throws(EtherCATMailboxFailure) -> Int {
        let base = EtherCATCoEWire.mailboxHeader + EtherCATCoEWire.coeHeader
        guard mailbox.receiveSize >= 16, mailbox.sendSize >= 16, scratch.count >= Int(max(mailbox.receiveSize, mailbox.sendSize)) else {
            throw .mailbox(.mailboxTooSmall)
        }
        scratch[base] = 1; scratch[base + 1] = 0; scratch[base + 2] = 0; scratch[base + 3] = 0
        scratch[base + 4] = UInt8(listType & 0xFF); scratch[base + 5] = UInt8(listType >> 8)
        try sendCoE(&mailbox, service: EtherCATCoEWire.serviceSDOInformation, length: EtherCATCoEWire.coeHeader + 6, scratch: scratch)
        var count = 0
        var first = true
        var fragments = 0
        var expectedLeft: Int? = nil
        while true {
            let used = try receiveSDO(&mailbox, index: nil, subindex: nil, scratch: scratch, timeoutNs: timeoutNs, information: true)
            let opcode = scratch[base]
            let left = Int(UInt16(scratch[base + 2]) | UInt16(scratch[base + 3]) << 8)
            guard opcode & 0x7F == 2, expectedLeft == nil || left == expectedLeft! else {
                throw .mailbox(.unexpectedResponse(command: opcode, service: EtherCATCoEWire.serviceSDOInformation))
            }
            var p = base + 4
            if first {
                // The first fragment repeats the list type.
                guard used >= p + 2, UInt16(scratch[p]) | UInt16(scratch[p + 1]) << 8 == listType else {
                    throw .mailbox(.unexpectedResponse(command: opcode, service: EtherCATCoEWire.serviceSDOInformation))
                }
                p += 2
                first = false
            }
            while p + 2 <= used {
                body(UInt16(scratch[p]) | UInt16(scratch[p + 1]) << 8)
                count += 1
                p += 2
            }
            fragments += 1
            if opcode & 0x80 == 0 || left == 0 { return count }
            guard fragments < Self.maxInformationFragments else {
                throw .mailbox(.unexpectedResponse(command: opcode, service: EtherCATCoEWire.serviceSDOInformation))
            }
            expectedLeft = left - 1
        }
    }

    /// Get Object Description of `index`; its name goes into `name` (cut at its end).
    // @implements SWR-ECAT-COE-1
    public mutating func sdoObjectDescription(_ mailbox: inout EtherCATMailbox, index: UInt16, name: UnsafeMutableRawBufferPointer,
                                              scratch: UnsafeMutableRawBufferPointer, timeoutNs: UInt64) throws(EtherCATMailboxFailure)
        -> EtherCATObjectDescription {
        let base = EtherCATCoEWire.mailboxHeader + EtherCATCoEWire.coeHeader
        guard mailbox.receiveSize >= 16, mailbox.sendSize >= 16, scratch.count >= Int(max(mailbox.receiveSize, mailbox.sendSize)) else {
            throw .mailbox(.mailboxTooSmall)
        }
        scratch[base] = 3; scratch[base + 1] = 0; scratch[base + 2] = 0; scratch[base + 3] = 0
        scratch[base + 4] = UInt8(index & 0xFF); scratch[base + 5] = UInt8(index >> 8)
        try sendCoE(&mailbox, service: EtherCATCoEWire.serviceSDOInformation, length: EtherCATCoEWire.coeHeader + 6, scratch: scratch)
        let used = try receiveSDO(&mailbox, index: index, subindex: 0, scratch: scratch, timeoutNs: timeoutNs, information: true)
        let p = base + 4
        // Index (2), data type (2), max subindex (1), object code (1), name.
        guard scratch[base] & 0x7F == 4, used >= p + 6, UInt16(scratch[p]) | UInt16(scratch[p + 1]) << 8 == index else {
            throw .mailbox(.unexpectedResponse(command: scratch[base], service: EtherCATCoEWire.serviceSDOInformation))
        }
        let n = min(used - (p + 6), name.count)
        for i in 0..<n { name[i] = scratch[p + 6 + i] }
        return EtherCATObjectDescription(index: index, dataType: UInt16(scratch[p + 2]) | UInt16(scratch[p + 3]) << 8,
                                         maxSubindex: scratch[p + 4], objectCode: scratch[p + 5], nameLength: n)
    }

    /// Get Entry Description of `index`:`subindex` (no value information asked); its description goes into
    /// `name` (cut at its end).
    // @implements SWR-ECAT-COE-1
    public mutating func sdoEntryDescription(_ mailbox: inout EtherCATMailbox, index: UInt16, subindex: UInt8, name: UnsafeMutableRawBufferPointer,
                                             scratch: UnsafeMutableRawBufferPointer, timeoutNs: UInt64) throws(EtherCATMailboxFailure)
        -> EtherCATEntryDescription {
        let base = EtherCATCoEWire.mailboxHeader + EtherCATCoEWire.coeHeader
        guard mailbox.receiveSize >= 16, mailbox.sendSize >= 16, scratch.count >= Int(max(mailbox.receiveSize, mailbox.sendSize)) else {
            throw .mailbox(.mailboxTooSmall)
        }
        scratch[base] = 5; scratch[base + 1] = 0; scratch[base + 2] = 0; scratch[base + 3] = 0
        scratch[base + 4] = UInt8(index & 0xFF); scratch[base + 5] = UInt8(index >> 8)
        scratch[base + 6] = subindex; scratch[base + 7] = 0
        try sendCoE(&mailbox, service: EtherCATCoEWire.serviceSDOInformation, length: EtherCATCoEWire.coeHeader + 8, scratch: scratch)
        let used = try receiveSDO(&mailbox, index: index, subindex: subindex, scratch: scratch, timeoutNs: timeoutNs, information: true)
        let p = base + 4
        // Index (2), subindex (1), value info (1), data type (2), bit length (2), access (2), description.
        guard scratch[base] & 0x7F == 6, used >= p + 10, UInt16(scratch[p]) | UInt16(scratch[p + 1]) << 8 == index, scratch[p + 2] == subindex else {
            throw .mailbox(.unexpectedResponse(command: scratch[base], service: EtherCATCoEWire.serviceSDOInformation))
        }
        let n = min(used - (p + 10), name.count)
        for i in 0..<n { name[i] = scratch[p + 10 + i] }
        return EtherCATEntryDescription(index: index, subindex: subindex, dataType: UInt16(scratch[p + 4]) | UInt16(scratch[p + 5]) << 8,
                                        bitLength: UInt16(scratch[p + 6]) | UInt16(scratch[p + 7]) << 8,
                                        access: UInt16(scratch[p + 8]) | UInt16(scratch[p + 9]) << 8, nameLength: n)
    }
}
