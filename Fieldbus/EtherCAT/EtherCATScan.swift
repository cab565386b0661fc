// Bus scan (ETG.1000 §6, what SOEM's ec_config_init and IgH's scan do first): count the slaves with a broadcast
// read, give each a station address by position, read its ESC description and its SII identity and image.

/// What the scan learned about one slave.
public struct EtherCATSlaveRecord: Sendable, Equatable {
    /// Position on the segment, 0 first.
    public var position: Int
    /// Configured station address (0x0010).
    public var station: UInt16
    public var alStatus: EtherCATALStatus
    public var alStatusCode: EtherCATALStatusCode
    /// ESC type, revision and build (0x0000-0x0003).
    public var escType: UInt8
    public var escRevision: UInt8
    public var escBuild: UInt16
    public var fmmuCount: UInt8
    public var syncManagerCount: UInt8
    /// Process RAM in KiB.
    public var ramKiB: UInt8
    /// Port descriptor (0x0007): 2 bits per port, 0 not implemented, 1 not configured, 2 EBUS, 3 MII/RMII.
    public var portDescriptor: UInt8
    /// ESC features (0x0008): bit 2 distributed clocks, bit 3 64-bit DC.
    public var features: UInt16
    /// DL status (0x0110): per port, link (bits 4-7), loop closed (bits 8,10,12,14), communication (9,11,13,15).
    public var dlStatus: UInt16
    /// Identity from the SII (words 0x08-0x0F) and the station alias (word 0x04).
    public var vendorID: UInt32
    public var productCode: UInt32
    public var revision: UInt32
    public var serialNumber: UInt32
    public var alias: UInt16

    public init(position: Int, station: UInt16) {
        self.position = position
        self.station = station
        alStatus = EtherCATALStatus(raw: 0)
        alStatusCode = EtherCATALStatusCode(0)
        escType = 0; escRevision = 0; escBuild = 0
        fmmuCount = 0; syncManagerCount = 0; ramKiB = 0; portDescriptor = 0
        features = 0; dlStatus = 0
        vendorID = 0; productCode = 0; revision = 0; serialNumber = 0; alias = 0
    }

    /// Whether the ESC has distributed clocks.
    public var hasDistributedClocks: Bool { features & 0x0004 != 0 }
    /// Whether port `p` (0-3) has a link.
    public func portHasLink(_ p: Int) -> Bool { dlStatus & (1 << (4 + p)) != 0 }
    /// Whether port `p`'s loop is open with communication (a neighbour behind it).
    public func portCommunicates(_ p: Int) -> Bool { dlStatus & (1 << (9 + 2 * p)) != 0 }
}

extension EtherCATMaster {
    /// The most slaves a scan takes (IgH's default ring holds far fewer on one link in practice).
    public static var maxSlaves: Int { 256 }

    /// Counts the slaves, gives slave i the station address `firstStation + i` (their states are left as they
    /// are), and calls `body` with each slave's record (ESC registers, AL status, SII identity). Returns the
    /// number of slaves.
    public mutating func scan(firstStation: UInt16 = 1001, _ body: (EtherCATSlaveRecord) -> Void) throws(EtherCATError) -> Int {
        let count = try countSlaves()
        guard count <= Self.maxSlaves else { throw .workingCounter(expected: UInt16(Self.maxSlaves), got: UInt16(count)) }
        var position = 0
        while position < count {
            let station = firstStation &+ UInt16(position)
            try assignStation(position: position, station: station)
            position += 1
        }
        position = 0
        while position < count {
            let station = firstStation &+ UInt16(position)
            var record = EtherCATSlaveRecord(position: position, station: station)
            let type = try readStation(station, EtherCATRegister.type, count: 4)
            record.escType = UInt8(truncatingIfNeeded: type)
            record.escRevision = UInt8(truncatingIfNeeded: type >> 8)
            record.escBuild = UInt16(truncatingIfNeeded: type >> 16)
            let sizes = try readStation(station, EtherCATRegister.fmmuCount, count: 4)
            record.fmmuCount = UInt8(truncatingIfNeeded: sizes)
            record.syncManagerCount = UInt8(truncatingIfNeeded: sizes >> 8)
            record.ramKiB = UInt8(truncatingIfNeeded: sizes >> 16)
            record.portDescriptor = UInt8(truncatingIfNeeded: sizes >> 24)
            record.features = UInt16(truncatingIfNeeded: try readStation(station, EtherCATRegister.features, count: 2))
            record.dlStatus = UInt16(truncatingIfNeeded: try readStation(station, EtherCATRegister.dlStatus, count: 2))
            record.alStatus = EtherCATALStatus(raw: UInt16(truncatingIfNeeded: try readStation(station, EtherCATRegister.alStatus, count: 2)))
            record.alStatusCode = EtherCATALStatusCode(UInt16(truncatingIfNeeded: try readStation(station, EtherCATRegister.alStatusCode, count: 2)))
            var identity = InlineArray<16, UInt8>(repeating: 0)
            var alias: UInt64 = 0
            try withUnsafeMutableBytes(of: &identity) { (raw) throws(EtherCATError) in
                _ = try readSII(station: station, wordAddress: 0x08, into: raw)
            }
            try withUnsafeMutableBytes(of: &alias) { (raw) throws(EtherCATError) in
                _ = try readSII(station: station, wordAddress: 0x04, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<2]))
            }
            func word32(_ i: Int) -> UInt32 {
                UInt32(identity[i]) | UInt32(identity[i + 1]) << 8 | UInt32(identity[i + 2]) << 16 | UInt32(identity[i + 3]) << 24
            }
            record.vendorID = word32(0)
            record.productCode = word32(4)
            record.revision = word32(8)
            record.serialNumber = word32(12)
            record.alias = UInt16(truncatingIfNeeded: alias)
            body(record)
            position += 1
        }
        return count
    }

    /// Reads a slave's whole SII image into `buffer`: the header, then category after category up to the end
    /// marker (or the buffer's end, or the EEPROM's size). Returns the bytes read.
    public mutating func readSIIImage(station: UInt16, into buffer: UnsafeMutableRawBufferPointer) throws(EtherCATError) -> Int {
        guard buffer.count >= EtherCATSII.headerBytes + 4 else { return 0 }
        var have = try readSII(station: station, wordAddress: 0, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<EtherCATSII.headerBytes]))
        let eeprom = (Int(UInt16(buffer[0x7C]) | UInt16(buffer[0x7D]) << 8) + 1) * 128
        let limit = min(buffer.count, max(eeprom, EtherCATSII.headerBytes + 4))
        var categories = 0
        while have + 4 <= limit {
            // A category header: type and size in words.
            have += try readSII(station: station, wordAddress: have / 2, into: UnsafeMutableRawBufferPointer(rebasing: buffer[have..<(have + 4)]))
            let type = UInt16(buffer[have - 4]) | UInt16(buffer[have - 3]) << 8
            if type == EtherCATSIICategory.end.rawValue { return have }
            categories += 1
            if categories > EtherCATSII.maxCategories { throw .siiImage(.tooManyCategories) }
            let size = (Int(UInt16(buffer[have - 2]) | UInt16(buffer[have - 1]) << 8)) * 2
            guard have + size <= limit else { throw .siiImage(.categoryPastEnd(wordOffset: (have - 4) / 2)) }
            if size > 0 {
                have += try readSII(station: station, wordAddress: have / 2, into: UnsafeMutableRawBufferPointer(rebasing: buffer[have..<(have + size)]))
            }
        }
        return have
    }
}

extension EtherCATMaster {
    /// Sets up a slave's standard mailbox sync managers from its SII (SM0 master → slave at the receive offset,
    /// control 0x26: mailbox, write; SM1 slave → master at the send offset, control 0x22: mailbox, read; both
    /// activated), as the INIT → PREOP transition needs. A slave without a mailbox (size 0) is left alone.
    public mutating func configureMailbox(station: UInt16, receiveOffset: UInt16, receiveSize: UInt16,
                                          sendOffset: UInt16, sendSize: UInt16) throws(EtherCATError) {
        guard receiveSize > 0, sendSize > 0 else { return }
        // Each sync manager: start (2), length (2), control (1), status (1), activate (1), PDI control (1).
        let sm0 = UInt64(receiveOffset) | UInt64(receiveSize) << 16 | UInt64(0x26) << 32 | UInt64(0x01) << 48
        let sm1 = UInt64(sendOffset) | UInt64(sendSize) << 16 | UInt64(0x22) << 32 | UInt64(0x01) << 48
        try writeStation(station, EtherCATRegister.syncManager, sm0, count: 8)
        try writeStation(station, EtherCATRegister.syncManager + 8, sm1, count: 8)
    }

    /// The AL status of the slave at `station`.
    public mutating func alStatus(station: UInt16) throws(EtherCATError) -> EtherCATALStatus {
        EtherCATALStatus(raw: UInt16(truncatingIfNeeded: try readStation(station, EtherCATRegister.alStatus, count: 2)))
    }
}
