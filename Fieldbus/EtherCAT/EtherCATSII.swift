// The Slave Information Interface (SII) EEPROM image (ETG.1000.6 §5.4, ETG.2010): a fixed header of words
// (identity, mailbox layout, supported mailbox protocols) and from word 0x40 on a list of categories (strings,
// general, FMMU, sync managers, TxPDO/RxPDO, DC). Read from a byte image the caller owns, checking every offset:
// nothing here allocates, and a malformed image is an error, never a trap.

import Kernel

/// Why an SII image was not taken.
public enum EtherCATSIIError: Error, Sendable, Equatable {
    /// Shorter than the fixed header (words 0x00-0x3F).
    case truncatedHeader(bytes: Int)
    /// A category's header or data runs past the image.
    case categoryPastEnd(wordOffset: Int)
    /// More categories than `EtherCATSII.maxCategories` before the end marker: a corrupt image.
    case tooManyCategories
    /// A category's contents do not fit its declared size (a string, a PDO entry or a sync manager cut short).
    case malformedCategory(type: UInt16, wordOffset: Int)
}

/// An SII category's type.
public enum EtherCATSIICategory: UInt16, Sendable {
    case nop = 0
    case strings = 10
    case dataTypes = 20
    case general = 30
    case fmmu = 40
    case syncManager = 41
    case fmmuExtended = 42
    case syncUnit = 43
    case txPDO = 50
    case rxPDO = 51
    case distributedClocks = 60
    case end = 0xFFFF
}

/// Mailbox protocols a slave supports (SII word 0x1C).
public struct EtherCATMailboxProtocols: BitFlags, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let aoe = EtherCATMailboxProtocols(rawValue: 1 << 0)
    public static let eoe = EtherCATMailboxProtocols(rawValue: 1 << 1)
    public static let coe = EtherCATMailboxProtocols(rawValue: 1 << 2)
    public static let foe = EtherCATMailboxProtocols(rawValue: 1 << 3)
    public static let soe = EtherCATMailboxProtocols(rawValue: 1 << 4)
    public static let voe = EtherCATMailboxProtocols(rawValue: 1 << 5)
}

/// A category found in the image: its type and where its data lies (byte offset and length in the image).
public struct EtherCATSIICategoryRef: Sendable, Equatable {
    public var type: UInt16
    public var offset: Int
    public var length: Int
}

/// A sync manager as the SII describes it (category 41, 8 bytes each).
public struct EtherCATSIISyncManager: Sendable, Equatable {
    public var startAddress: UInt16
    public var length: UInt16
    public var control: UInt8
    public var enable: UInt8
    /// 0 unused or unknown, 1 mailbox out (master to slave), 2 mailbox in, 3 process data out, 4 process data in.
    public var type: UInt8
}

/// A PDO as the SII describes it (categories 50/51): its header; its entries follow in the image.
public struct EtherCATSIIPDO: Sendable, Equatable {
    public var index: UInt16
    public var entryCount: Int
    /// The sync manager it is assigned to (0xFF: none).
    public var syncManager: UInt8
    public var synchronization: UInt8
    /// String index of its name (1-based, 0: none).
    public var nameIndex: UInt8
    public var flags: UInt16
    /// Byte offset of its first entry in the image.
    public var entriesOffset: Int
}

/// A PDO entry (8 bytes in the SII).
public struct EtherCATSIIPDOEntry: Sendable, Equatable {
    public var index: UInt16
    public var subindex: UInt8
    public var nameIndex: UInt8
    public var dataType: UInt8
    public var bitLength: UInt8
    public var flags: UInt16
}

/// The general category (30).
public struct EtherCATSIIGeneral: Sendable, Equatable {
    public var groupIndex: UInt8
    public var imageIndex: UInt8
    public var orderIndex: UInt8
    public var nameIndex: UInt8
    /// CoE details: bit 0 SDO, 1 SDO information, 2 PDO assign, 3 PDO configuration, 4 upload at startup, 5 SDO
    /// complete access.
    public var coeDetails: UInt8
    public var foeDetails: UInt8
    public var eoeDetails: UInt8
    public var flags: UInt8
    /// Current consumption from the E-bus in mA (negative: the slave feeds it).
    public var currentOnEBus: Int16
    public var physicalPorts: UInt16
}

/// An SII image: header fields, categories, strings, sync managers and PDOs, read on demand.
// @implements SWR-ECAT-SII-1
public struct EtherCATSII {
    /// Words 0x00-0x3F: the fixed header.
    public static let headerBytes = 0x80
    /// Categories accepted before the end marker (real images have fewer than 20).
    public static let maxCategories = 64

    public let image: UnsafeRawBufferPointer

    /// Checks the header's length; categories are checked as they are read.
    public init(image: UnsafeRawBufferPointer) throws(EtherCATSIIError) {
        guard image.count >= EtherCATSII.headerBytes else { throw .truncatedHeader(bytes: image.count) }
        self.image = image
    }

    public func word(_ address: Int) -> UInt16 { u16(address * 2) }
    public var stationAlias: UInt16 { word(0x04) }
    public var vendorID: UInt32 { u32(0x08 * 2) }
    public var productCode: UInt32 { u32(0x0A * 2) }
    public var revision: UInt32 { u32(0x0C * 2) }
    public var serialNumber: UInt32 { u32(0x0E * 2) }
    /// The standard mailbox: receive (master → slave) offset and size, send offset and size (words 0x18-0x1B).
    public var mailboxReceiveOffset: UInt16 { word(0x18) }
    public var mailboxReceiveSize: UInt16 { word(0x19) }
    public var mailboxSendOffset: UInt16 { word(0x1A) }
    public var mailboxSendSize: UInt16 { word(0x1B) }
    public var mailboxProtocols: EtherCATMailboxProtocols { EtherCATMailboxProtocols(rawValue: word(0x1C)) }
    /// The EEPROM's size in bytes (word 0x3E holds KiBit - 1).
    public var eepromBytes: Int { (Int(word(0x3E)) + 1) * 128 }
    public var version: UInt16 { word(0x3F) }

    /// Calls `body` with every category up to the end marker (or the end of the image, which a partial read
    /// leaves); stops early when `body` returns false.
    public func forEachCategory(_ body: (EtherCATSIICategoryRef) -> Bool) throws(EtherCATSIIError) {
        var offset = EtherCATSII.headerBytes
        var count = 0
        while offset + 2 <= image.count {
            let type = u16(offset)
            if type == EtherCATSIICategory.end.rawValue { return }
            guard offset + 4 <= image.count else { throw .categoryPastEnd(wordOffset: offset / 2) }
            let length = Int(u16(offset + 2)) * 2
            guard offset + 4 + length <= image.count else { throw .categoryPastEnd(wordOffset: offset / 2) }
            count += 1
            guard count <= EtherCATSII.maxCategories else { throw .tooManyCategories }
            if !body(EtherCATSIICategoryRef(type: type, offset: offset + 4, length: length)) { return }
            offset += 4 + length
        }
    }

    /// The first category of `type`, nil when there is none.
    public func category(_ type: EtherCATSIICategory) throws(EtherCATSIIError) -> EtherCATSIICategoryRef? {
        var found: EtherCATSIICategoryRef? = nil
        try forEachCategory { c in
            if c.type == type.rawValue { found = c; return false }
            return true
        }
        return found
    }

    /// String `index` (1-based, as categories name them) of the strings category: its bytes in the image; nil
    /// for index 0, an index past the strings, or an image without strings.
    public func string(_ index: UInt8) throws(EtherCATSIIError) -> UnsafeRawBufferPointer? {
        guard index > 0, let c = try category(.strings), c.length >= 1 else { return nil }
        let count = Int(image[c.offset])
        guard Int(index) <= count else { return nil }
        var p = c.offset + 1
        var i = 1
        while true {
            guard p < c.offset + c.length else { throw .malformedCategory(type: c.type, wordOffset: (c.offset - 4) / 2) }
            let n = Int(image[p])
            guard p + 1 + n <= c.offset + c.length else { throw .malformedCategory(type: c.type, wordOffset: (c.offset - 4) / 2) }
            if i == Int(index) { return UnsafeRawBufferPointer(rebasing: image[(p + 1)..<(p + 1 + n)]) }
            p += 1 + n
            i += 1
        }
    }

    /// The general category, nil when the image has none.
    public func general() throws(EtherCATSIIError) -> EtherCATSIIGeneral? {
        guard let c = try category(.general) else { return nil }
        guard c.length >= 18 else { throw .malformedCategory(type: c.type, wordOffset: (c.offset - 4) / 2) }
        let o = c.offset
        return EtherCATSIIGeneral(groupIndex: image[o], imageIndex: image[o + 1], orderIndex: image[o + 2],
                                  nameIndex: image[o + 3], coeDetails: image[o + 5], foeDetails: image[o + 6],
                                  eoeDetails: image[o + 7], flags: image[o + 11],
                                  currentOnEBus: Int16(bitPattern: u16(o + 12)), physicalPorts: u16(o + 16))
    }

    /// Calls `body` with each sync manager of the image, in order (index 0 first).
    public func forEachSyncManager(_ body: (Int, EtherCATSIISyncManager) -> Void) throws(EtherCATSIIError) {
        guard let c = try category(.syncManager) else { return }
        guard c.length % 8 == 0 else { throw .malformedCategory(type: c.type, wordOffset: (c.offset - 4) / 2) }
        var i = 0
        while i * 8 < c.length {
            let o = c.offset + i * 8
            body(i, EtherCATSIISyncManager(startAddress: u16(o), length: u16(o + 2), control: image[o + 4],
                                           enable: image[o + 6], type: image[o + 7]))
            i += 1
        }
    }

    /// Calls `body` with each PDO of the TxPDO (inputs) or RxPDO (outputs) categories, and its entries through
    /// `entry(pdo, i)`.
    public func forEachPDO(inputs: Bool, _ body: (EtherCATSIIPDO) -> Void) throws(EtherCATSIIError) {
        let wanted = inputs ? EtherCATSIICategory.txPDO.rawValue : EtherCATSIICategory.rxPDO.rawValue
        var failure: EtherCATSIIError? = nil
        try forEachCategory { c in
            guard c.type == wanted else { return true }
            var p = c.offset
            let end = c.offset + c.length
            while p < end {
                guard p + 8 <= end else { failure = .malformedCategory(type: c.type, wordOffset: (c.offset - 4) / 2); return false }
                let entries = Int(image[p + 2])
                guard p + 8 + entries * 8 <= end else {
                    failure = .malformedCategory(type: c.type, wordOffset: (c.offset - 4) / 2)
                    return false
                }
                body(EtherCATSIIPDO(index: u16(p), entryCount: entries, syncManager: image[p + 3],
                                    synchronization: image[p + 4], nameIndex: image[p + 5], flags: u16(p + 6),
                                    entriesOffset: p + 8))
                p += 8 + entries * 8
            }
            return true
        }
        if let failure { throw failure }
    }

    /// Entry `i` of `pdo` (checked against the category when the PDO was read).
    public func entry(_ pdo: EtherCATSIIPDO, _ i: Int) -> EtherCATSIIPDOEntry {
        let o = pdo.entriesOffset + i * 8
        return EtherCATSIIPDOEntry(index: u16(o), subindex: image[o + 2], nameIndex: image[o + 3], dataType: image[o + 4],
                                   bitLength: image[o + 5], flags: u16(o + 6))
    }

    /// The total bit length of the PDOs of one direction assigned to a sync manager (the process data size the
    /// SII describes; a slave with CoE may be mapped otherwise: its objects 0x1C12/0x1C13 decide).
    public func pdoBits(inputs: Bool) throws(EtherCATSIIError) -> Int {
        var bits = 0
        try forEachPDO(inputs: inputs) { pdo in
            guard pdo.syncManager != 0xFF else { return }
            var i = 0
            while i < pdo.entryCount { bits += Int(entry(pdo, i).bitLength); i += 1 }
        }
        return bits
    }

    private func u16(_ offset: Int) -> UInt16 {
        guard offset + 1 < image.count else { return 0 }
        return UInt16(image[offset]) | UInt16(image[offset + 1]) << 8
    }

    private func u32(_ offset: Int) -> UInt32 { UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16 }
}
