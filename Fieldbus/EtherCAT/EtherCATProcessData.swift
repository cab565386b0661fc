// Process data (ETG.1000.4 §6.6-6.7, ETG.1000.6 §5.6.7): what each slave sends and takes cyclically, read from
// its CoE PDO assignment (0x1C12 outputs, 0x1C13 inputs, each PDO's mapping 0x16xx / 0x1Axx) or, without CoE,
// from its SII PDO categories; laid out in one logical process image (every slave's outputs first, then every
// slave's inputs, as SOEM's IOmap); the process-data sync managers and two FMMUs set up per slave; one LRW a
// cycle with the working counter it must come back with. Nothing allocates: the slave table is the caller's.

/// One slave's process data as the master configures it.
public struct EtherCATSlaveProcessData: Sendable, Equatable {
    public var station: UInt16
    /// Bits the master sends (RxPDOs, SM2) and receives (TxPDOs, SM3).
    public var outputBits: Int = 0
    public var inputBits: Int = 0
    /// The process-data sync managers: index, physical start and control byte (from the SII).
    public var outputSyncManager: UInt8 = 2
    public var outputStart: UInt16 = 0
    public var outputControl: UInt8 = 0x64
    public var inputSyncManager: UInt8 = 3
    public var inputStart: UInt16 = 0
    public var inputControl: UInt8 = 0x20
    /// Byte offsets of the slave's outputs and inputs in the process image (set by `layout`).
    public var outputOffset: Int = 0
    public var inputOffset: Int = 0
    /// The standard mailbox (from the SII), set up again when the slave has to be brought back from INIT.
    public var mailboxReceiveOffset: UInt16 = 0
    public var mailboxReceiveSize: UInt16 = 0
    public var mailboxSendOffset: UInt16 = 0
    public var mailboxSendSize: UInt16 = 0
    /// Position on the segment, for re-assigning the station address when the slave comes back.
    public var position: Int = 0

    public init(station: UInt16, position: Int = 0) {
        self.station = station
        self.position = position
    }

    public var outputBytes: Int { (outputBits + 7) / 8 }
    public var inputBytes: Int { (inputBits + 7) / 8 }

    /// The sync managers from a slave's SII: the first of type 3 (process data outputs) and of type 4 (inputs),
    /// else SM2 and SM3; and the process data size from its PDO categories (a slave with CoE may be mapped
    /// otherwise: `readMapping` then sets the sizes).
    // @implements SWR-ECAT-PDO-1
    public mutating func take(_ sii: EtherCATSII) throws(EtherCATSIIError) {
        var outputs: (Int, EtherCATSIISyncManager)? = nil
        var inputs: (Int, EtherCATSIISyncManager)? = nil
        var byIndex2: EtherCATSIISyncManager? = nil
        var byIndex3: EtherCATSIISyncManager? = nil
        try sii.forEachSyncManager { i, sm in
            if sm.type == 3 && outputs == nil { outputs = (i, sm) }
            if sm.type == 4 && inputs == nil { inputs = (i, sm) }
            if i == 2 { byIndex2 = sm }
            if i == 3 { byIndex3 = sm }
        }
        if outputs == nil, let sm = byIndex2 { outputs = (2, sm) }
        if inputs == nil, let sm = byIndex3 { inputs = (3, sm) }
        if let (i, sm) = outputs {
            outputSyncManager = UInt8(truncatingIfNeeded: i)
            outputStart = sm.startAddress
            if sm.control != 0 { outputControl = sm.control }
        }
        if let (i, sm) = inputs {
            inputSyncManager = UInt8(truncatingIfNeeded: i)
            inputStart = sm.startAddress
            if sm.control != 0 { inputControl = sm.control }
        }
        mailboxReceiveOffset = sii.mailboxReceiveOffset
        mailboxReceiveSize = sii.mailboxReceiveSize
        mailboxSendOffset = sii.mailboxSendOffset
        mailboxSendSize = sii.mailboxSendSize
        outputBits = try sii.pdoBits(inputs: false)
        inputBits = try sii.pdoBits(inputs: true)
    }
}

/// Where a process image's parts are and what its LRW must come back with.
public struct EtherCATProcessImageLayout: Sendable, Equatable {
    /// Bytes of all outputs (first in the image) and of all inputs (after them).
    public var outputBytes: Int
    public var inputBytes: Int
    /// LRW working counter when every slave took its outputs (+2 each) and gave its inputs (+1 each).
    public var expectedWorkingCounter: UInt16
    public var totalBytes: Int { outputBytes + inputBytes }

    public init(outputBytes: Int, inputBytes: Int, expectedWorkingCounter: UInt16) {
        self.outputBytes = outputBytes
        self.inputBytes = inputBytes
        self.expectedWorkingCounter = expectedWorkingCounter
    }
}

/// Why a process image cannot be made.
public enum EtherCATProcessDataError: Error, Sendable, Equatable {
    /// The image does not fit one datagram (its size in bytes).
    case imageTooLarge(Int)
    /// A PDO assignment or mapping the slave gave is unusable: too many PDOs or entries, or a PDO index outside
    /// 0x1600-0x17FF / 0x1A00-0x1BFF.
    case badMapping(index: UInt16, subindex: UInt8)
}

public enum EtherCATProcessImage {
    /// The most PDOs an assignment and entries a PDO may list (their subindex 0 is a byte; ETG.1000.6 allows
    /// 254 PDOs and 254 entries; beyond these a slave's answer is refused as malformed).
    public static var maxPDOs: Int { 254 }
    public static var maxEntries: Int { 254 }

    /// Gives each slave its outputs' and inputs' offsets in one image (all outputs, then all inputs, each slave
    /// byte-aligned) and returns the layout; refuses an image larger than one datagram.
    // @implements SWR-ECAT-PDO-1
    public static func layout(_ slaves: UnsafeMutableBufferPointer<EtherCATSlaveProcessData>) throws(EtherCATProcessDataError)
        -> EtherCATProcessImageLayout {
        var outputs = 0
        var inputs = 0
        var wkc = 0
        var i = 0
        while i < slaves.count {
            slaves[i].outputOffset = outputs
            outputs += slaves[i].outputBytes
            if slaves[i].outputBytes > 0 { wkc += 2 }
            if slaves[i].inputBytes > 0 { wkc += 1 }
            i += 1
        }
        i = 0
        while i < slaves.count {
            slaves[i].inputOffset = outputs + inputs
            inputs += slaves[i].inputBytes
            i += 1
        }
        guard outputs + inputs <= EtherCATWire.maxDatagramData else { throw .imageTooLarge(outputs + inputs) }
        return EtherCATProcessImageLayout(outputBytes: outputs, inputBytes: inputs, expectedWorkingCounter: UInt16(wkc))
    }
}

extension EtherCATMaster {
    /// Reads the PDO assignment object `assignment` (0x1C12 outputs, 0x1C13 inputs; 0x1C10 + the sync manager's
    /// index in general) and every PDO it assigns through CoE, calls `entry` with each mapped object (PDO index,
    /// object index, subindex, bit length) in image order, and returns the total bit length.
    // @implements SWR-ECAT-PDO-1
    public mutating func readMapping(_ mailbox: inout EtherCATMailbox, assignment: UInt16, scratch: UnsafeMutableRawBufferPointer,
                                     timeoutNs: UInt64, entry: (UInt16, UInt16, UInt8, UInt8) -> Void) throws(EtherCATMailboxFailure) -> Int {
        let pdoCount = Int(try uploadValue(&mailbox, assignment, 0, scratch: scratch, timeoutNs: timeoutNs) & 0xFF)
        guard pdoCount <= EtherCATProcessImage.maxPDOs else { throw .mailbox(.unexpectedResponse(command: 0, service: 0)) }
        var bits = 0
        var p = 1
        while p <= pdoCount {
            let pdo = UInt16(truncatingIfNeeded: try uploadValue(&mailbox, assignment, UInt8(p), scratch: scratch, timeoutNs: timeoutNs))
            let entries = Int(try uploadValue(&mailbox, pdo, 0, scratch: scratch, timeoutNs: timeoutNs) & 0xFF)
            guard entries <= EtherCATProcessImage.maxEntries else { throw .mailbox(.unexpectedResponse(command: 0, service: 0)) }
            var e = 1
            while e <= entries {
                // Mapping entry: object index (bits 16-31), subindex (8-15), bit length (0-7).
                let m = UInt32(truncatingIfNeeded: try uploadValue(&mailbox, pdo, UInt8(e), scratch: scratch, timeoutNs: timeoutNs))
                let length = UInt8(truncatingIfNeeded: m)
                entry(pdo, UInt16(truncatingIfNeeded: m >> 16), UInt8(truncatingIfNeeded: m >> 8), length)
                bits += Int(length)
                e += 1
            }
            p += 1
        }
        return bits
    }

    /// Remaps PDO `pdo` (0x1600-0x17FF outputs, 0x1A00-0x1BFF inputs) in PREOP as ETG.1000.6 §5.6.7.4 orders it:
    /// subindex 0 to 0 (the mapping off), each entry (object index << 16 | subindex << 8 | bit length) from
    /// subindex 1, then subindex 0 to the count. A slave that refuses a step answers with an abort (thrown).
    // @implements SWR-ECAT-PDO-2
    public mutating func writeMapping(_ mailbox: inout EtherCATMailbox, pdo: UInt16, entries: UnsafeBufferPointer<UInt32>,
                                      scratch: UnsafeMutableRawBufferPointer, timeoutNs: UInt64) throws(EtherCATMailboxFailure) {
        guard (0x1600...0x17FF).contains(pdo) || (0x1A00...0x1BFF).contains(pdo),
              entries.count <= EtherCATProcessImage.maxEntries else {
            throw .mailbox(.notRemappable(index: pdo))
        }
        try downloadValue(&mailbox, pdo, 0, 0, bytes: 1, scratch: scratch, timeoutNs: timeoutNs)
        var e = 0
        while e < entries.count {
            try downloadValue(&mailbox, pdo, UInt8(e + 1), UInt64(entries[e]), bytes: 4, scratch: scratch, timeoutNs: timeoutNs)
            e += 1
        }
        try downloadValue(&mailbox, pdo, 0, UInt64(entries.count), bytes: 1, scratch: scratch, timeoutNs: timeoutNs)
    }

    /// Assigns `pdos` to a sync manager through its assignment object (0x1C10 + the sync manager's index:
    /// 0x1C12 outputs, 0x1C13 inputs) in PREOP: subindex 0 to 0, the PDOs from subindex 1, subindex 0 to the count.
    // @implements SWR-ECAT-PDO-2
    public mutating func writeAssignment(_ mailbox: inout EtherCATMailbox, assignment: UInt16, pdos: UnsafeBufferPointer<UInt16>,
                                         scratch: UnsafeMutableRawBufferPointer, timeoutNs: UInt64) throws(EtherCATMailboxFailure) {
        guard (0x1C10...0x1C2F).contains(assignment), pdos.count <= EtherCATProcessImage.maxPDOs else {
            throw .mailbox(.notRemappable(index: assignment))
        }
        try downloadValue(&mailbox, assignment, 0, 0, bytes: 1, scratch: scratch, timeoutNs: timeoutNs)
        var p = 0
        while p < pdos.count {
            try downloadValue(&mailbox, assignment, UInt8(p + 1), UInt64(pdos[p]), bytes: 2, scratch: scratch, timeoutNs: timeoutNs)
            p += 1
        }
        try downloadValue(&mailbox, assignment, 0, UInt64(pdos.count), bytes: 1, scratch: scratch, timeoutNs: timeoutNs)
    }

    /// Writes the low `bytes` (1...8) of `value`, little-endian.
    mutating func downloadValue(_ mailbox: inout EtherCATMailbox, _ index: UInt16, _ subindex: UInt8, _ value: UInt64, bytes: Int,
                                scratch: UnsafeMutableRawBufferPointer, timeoutNs: UInt64) throws(EtherCATMailboxFailure) {
        var v = value.littleEndian
        try withUnsafeBytes(of: &v) { (raw) throws(EtherCATMailboxFailure) in
            try sdoDownload(&mailbox, index: index, subindex: subindex, from: UnsafeRawBufferPointer(rebasing: raw[0..<min(max(bytes, 1), 8)]),
                            scratch: scratch, timeoutNs: timeoutNs)
        }
    }

    /// An object of up to 8 bytes, little-endian.
    mutating func uploadValue(_ mailbox: inout EtherCATMailbox, _ index: UInt16, _ subindex: UInt8, scratch: UnsafeMutableRawBufferPointer,
                              timeoutNs: UInt64) throws(EtherCATMailboxFailure) -> UInt64 {
        var value: UInt64 = 0
        try withUnsafeMutableBytes(of: &value) { (raw) throws(EtherCATMailboxFailure) in
            _ = try sdoUpload(&mailbox, index: index, subindex: subindex, into: raw, scratch: scratch, timeoutNs: timeoutNs)
        }
        return UInt64(littleEndian: value)
    }

    /// Writes a slave's process-data sync managers (length, control, enabled when the length is not 0) and its
    /// FMMUs: FMMU 0 maps the outputs at `logicalBase + outputOffset` onto the output sync manager (write),
    /// FMMU 1 the inputs (read). A direction without data leaves its FMMU off. Done in PREOP, before SAFEOP.
    // @implements SWR-ECAT-PDO-1
    public mutating func configureProcessData(_ slave: EtherCATSlaveProcessData, logicalBase: UInt32) throws(EtherCATError) {
        func syncManager(_ start: UInt16, _ bytes: Int, _ control: UInt8) -> UInt64 {
            UInt64(start) | UInt64(UInt16(truncatingIfNeeded: bytes)) << 16 | UInt64(control) << 32 | UInt64(bytes > 0 ? 1 : 0) << 48
        }
        try writeStation(slave.station, EtherCATRegister.syncManager + 8 * UInt16(slave.outputSyncManager),
                         syncManager(slave.outputStart, slave.outputBytes, slave.outputControl), count: 8)
        try writeStation(slave.station, EtherCATRegister.syncManager + 8 * UInt16(slave.inputSyncManager),
                         syncManager(slave.inputStart, slave.inputBytes, slave.inputControl), count: 8)
        // FMMU: logical start (4), length (2), logical start bit (1), end bit (1), physical start (2), physical
        // start bit (1), type (1: read, 2: write), activate (1), reserved (3).
        func fmmu(_ n: UInt16, offset: Int, bytes: Int, physical: UInt16, type: UInt8) throws(EtherCATError) {
            let register = EtherCATRegister.fmmu + 16 * n
            let low = UInt64(logicalBase &+ UInt32(truncatingIfNeeded: offset)) | UInt64(UInt16(truncatingIfNeeded: bytes)) << 32 | UInt64(7) << 56
            let high = UInt64(physical) | UInt64(type) << 24 | UInt64(bytes > 0 ? 1 : 0) << 32
            try writeStation(slave.station, register, low, count: 8)
            try writeStation(slave.station, register + 8, high, count: 8)
        }
        try fmmu(0, offset: slave.outputOffset, bytes: slave.outputBytes, physical: slave.outputStart, type: 2)
        try fmmu(1, offset: slave.inputOffset, bytes: slave.inputBytes, physical: slave.inputStart, type: 1)
    }

    /// One process-data cycle: the image goes out in one LRW at `logicalBase` (outputs written by the slaves'
    /// write FMMUs, inputs filled by their read FMMUs) and comes back in place. Returns the working counter; the
    /// caller compares it with the layout's expected one. A frame that does not come back is counted as lost
    /// and thrown as `.noResponse` (after `attempts` sends).
    // @implements SWR-ECAT-PDO-1
    public mutating func exchangeProcessData(_ image: UnsafeMutableRawBufferPointer, logicalBase: UInt32 = 0) throws(EtherCATError) -> UInt16 {
        try exchange(.lrw, address: logicalBase, data: image)
    }

    /// The AL status of every slave ORed (BRD of 0x0130) and how many answered: all slaves are in `state`
    /// without error exactly when the value is `state` and the count is the segment's.
    public mutating func alStatusOfAll() throws(EtherCATError) -> (EtherCATALStatus, UInt16) {
        let (value, wkc) = try read(.brd, adp: 0, ado: EtherCATRegister.alStatus, count: 2)
        return (EtherCATALStatus(raw: UInt16(truncatingIfNeeded: value)), wkc)
    }

    /// Writes AL control `state` to the slave at `station` without waiting (the cyclic path polls for it).
    public mutating func writeState(station: UInt16, _ state: EtherCATState, acknowledge: Bool = false) throws(EtherCATError) {
        try writeStation(station, EtherCATRegister.alControl, UInt64(state.rawValue) | (acknowledge ? 0x10 : 0), count: 2)
    }
}

/// What one supervision pass found.
public struct EtherCATSupervision: Sendable, Equatable {
    /// Slaves that did not answer at their station address.
    public var missing: Int = 0
    /// Slaves found out of OP (or with the error flag) and asked one step back towards it.
    public var askedBack: Int = 0
    /// Whether the segment had the expected number of slaves again and their station addresses were set anew.
    public var readdressed: Bool = false
    public init() {}
}

extension EtherCATMaster {
    /// One supervision pass over a segment in cyclic operation (ETG.1000.6's error handling, as SOEM's
    /// `ecatcheck` does it): every slave's AL status is read; one out of OP is moved one step back towards it
    /// without waiting (INIT: mailbox set up, PREOP requested; PREOP: sync managers and FMMUs written, SAFEOP
    /// requested; SAFEOP or an error flag: OP requested, the error acknowledged). When slaves are missing and the
    /// segment counts as many slaves as `slaves` again (a slave that lost power, a simulator restarted), every
    /// station address is assigned anew by position. Call it while the cyclic exchange runs (the outputs must be
    /// valid for OP), every few cycles while the working counter is wrong.
    // @implements SWR-ECAT-PDO-1
    public mutating func supervise(_ slaves: UnsafeMutableBufferPointer<EtherCATSlaveProcessData>,
                                   logicalBase: UInt32 = 0) -> EtherCATSupervision {
        var result = EtherCATSupervision()
        var i = 0
        while i < slaves.count {
            let slave = slaves[i]
            i += 1
            // A read that goes unanswered once (a frame delayed behind another master's traffic) is tried again
            // before the slave counts as missing.
            guard let status = (try? alStatus(station: slave.station)) ?? (try? alStatus(station: slave.station)) else {
                result.missing += 1
                continue
            }
            if status.state == .operational && !status.error { continue }
            result.askedBack += 1
            switch status.state {
            case .preOperational:
                _ = try? configureProcessData(slave, logicalBase: logicalBase)
                try? writeState(station: slave.station, .safeOperational, acknowledge: status.error)
            case .safeOperational, .operational:
                try? writeState(station: slave.station, .operational, acknowledge: status.error)
            default:  // INIT, BOOT or an undefined state
                _ = try? configureMailbox(station: slave.station, receiveOffset: slave.mailboxReceiveOffset, receiveSize: slave.mailboxReceiveSize,
                                          sendOffset: slave.mailboxSendOffset, sendSize: slave.mailboxSendSize)
                try? writeState(station: slave.station, .preOperational, acknowledge: status.error)
            }
        }
        if result.missing > 0, let count = try? countSlaves(), count == slaves.count {
            var k = 0
            while k < slaves.count {
                _ = try? assignStation(position: slaves[k].position, station: slaves[k].station)
                k += 1
            }
            result.readdressed = true
        }
        return result
    }
}
