// `orion ecat pdos`: a slave's process-data sync managers with their PDOs and entries, as IgH's `ethercat pdos`
// prints them, and as JSON.

import Fieldbus
import HostText

/// One slave's PDO configuration: its sync managers, each with the PDOs assigned to it.
public struct EtherCATPDOListing: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var index: UInt16
        public var subindex: UInt8
        public var bits: UInt8
        public var name: String
        public init(index: UInt16, subindex: UInt8, bits: UInt8, name: String) {
            self.index = index
            self.subindex = subindex
            self.bits = bits
            self.name = name
        }
    }

    public struct PDO: Sendable, Equatable {
        public var index: UInt16
        public var name: String
        public var entries: [Entry]
        public init(index: UInt16, name: String, entries: [Entry]) {
            self.index = index
            self.name = name
            self.entries = entries
        }
        /// RxPDOs (0x1600-0x17FF) go master → slave.
        public var isOutput: Bool { index < 0x1A00 }
    }

    public struct SyncManager: Sendable, Equatable {
        public var index: Int
        public var start: UInt16
        public var defaultSize: UInt16
        public var control: UInt8
        public var enable: UInt8
        public var pdos: [PDO]
        public init(index: Int, start: UInt16, defaultSize: UInt16, control: UInt8, enable: UInt8, pdos: [PDO]) {
            self.index = index
            self.start = start
            self.defaultSize = defaultSize
            self.control = control
            self.enable = enable
            self.pdos = pdos
        }
    }

    public var position: Int
    /// Where the PDO assignment came from: "CoE" (0x1C1x objects) or "SII".
    public var source: String
    public var syncManagers: [SyncManager]

    public init(position: Int, source: String, syncManagers: [SyncManager]) {
        self.position = position
        self.source = source
        self.syncManagers = syncManagers
    }

    /// Bits mapped to the sync managers that carry outputs (`outputs`) or inputs.
    public func bits(outputs: Bool) -> Int {
        syncManagers.flatMap(\.pdos).filter { $0.isOutput == outputs }.flatMap(\.entries).reduce(0) { $0 + Int($1.bits) }
    }

    /// The sync managers of a slave's SII with the PDOs its SII assigns to them (names from its strings).
    public static func fromSII(_ sii: EtherCATSII, position: Int) throws(EtherCATSIIError) -> EtherCATPDOListing {
        var managers: [SyncManager] = []
        try sii.forEachSyncManager { i, sm in
            managers.append(SyncManager(index: i, start: sm.startAddress, defaultSize: sm.length, control: sm.control, enable: sm.enable, pdos: []))
        }
        for inputs in [false, true] {
            var pdos: [(UInt8, PDO)] = []
            try sii.forEachPDO(inputs: inputs) { pdo in
                var entries: [Entry] = []
                for i in 0..<pdo.entryCount {
                    let e = sii.entry(pdo, i)
                    entries.append(Entry(index: e.index, subindex: e.subindex, bits: e.bitLength, name: text(sii, e.nameIndex)))
                }
                pdos.append((pdo.syncManager, PDO(index: pdo.index, name: text(sii, pdo.nameIndex), entries: entries)))
            }
            for (sm, pdo) in pdos where sm != 0xFF {
                if let k = managers.firstIndex(where: { $0.index == Int(sm) }) { managers[k].pdos.append(pdo) }
            }
        }
        return EtherCATPDOListing(position: position, source: "SII", syncManagers: managers)
    }

    /// The name of PDO `index` (or of entry `object`:`subindex` in it) in the SII, "" when it has none.
    public static func siiNames(_ sii: EtherCATSII) -> [UInt32: String] {
        var names: [UInt32: String] = [:]
        for inputs in [false, true] {
            try? sii.forEachPDO(inputs: inputs) { pdo in
                names[UInt32(pdo.index) << 16 | 0xFFFF] = text(sii, pdo.nameIndex)
                for i in 0..<pdo.entryCount {
                    let e = sii.entry(pdo, i)
                    names[UInt32(e.index) << 16 | UInt32(e.subindex) << 8] = text(sii, e.nameIndex)
                }
            }
        }
        return names
    }

    static func text(_ sii: EtherCATSII, _ index: UInt8) -> String {
        guard let raw = try? sii.string(index) else { return "" }
        return String(decoding: raw, as: UTF8.self)
    }

    /// IgH's layout:
    ///
    ///     SM2: PhysAddr 0x1100, DefaultSize    0, ControlRegister 0x64, Enable 1
    ///       RxPDO 0x1600 "RxPDO Map 1"
    ///         PDO entry 0x7000:00,  8 bit, "LED_R"
    public func text() -> String {
        var out = ""
        for sm in syncManagers {
            out += "SM\(sm.index): PhysAddr 0x\(hex(UInt64(sm.start), 4)), DefaultSize \(pad(String(sm.defaultSize), 4)), "
                + "ControlRegister 0x\(hex(UInt64(sm.control), 2)), Enable \(sm.enable)\n"
            for pdo in sm.pdos {
                out += "  \(pdo.isOutput ? "RxPDO" : "TxPDO") 0x\(hex(UInt64(pdo.index), 4)) \"\(pdo.name)\"\n"
                for e in pdo.entries {
                    out += "    PDO entry 0x\(hex(UInt64(e.index), 4)):\(hex(UInt64(e.subindex), 2)), \(pad(String(e.bits), 2)) bit, \"\(e.name)\"\n"
                }
            }
        }
        return out
    }

    /// `{"position":0,"source":"CoE","outputs_bits":24,"inputs_bits":96,"sync_managers":[{"index":2,...,"pdos":[...]}]}`.
    public func json() -> String {
        let managers = syncManagers.map { sm -> String in
            let pdos = sm.pdos.map { pdo -> String in
                let entries = pdo.entries.map {
                    "{\"index\":\($0.index),\"subindex\":\($0.subindex),\"bits\":\($0.bits),\"name\":\(HostText.jsonString($0.name))}"
                }
                return "{\"index\":\(pdo.index),\"name\":\(HostText.jsonString(pdo.name)),\"entries\":[\(entries.joined(separator: ","))]}"
            }
            return "{\"index\":\(sm.index),\"start\":\(sm.start),\"default_size\":\(sm.defaultSize),\"control\":\(sm.control),"
                + "\"enable\":\(sm.enable),\"pdos\":[\(pdos.joined(separator: ","))]}"
        }
        return "{\"position\":\(position),\"source\":\(HostText.jsonString(source)),\"outputs_bits\":\(bits(outputs: true)),"
            + "\"inputs_bits\":\(bits(outputs: false)),\"sync_managers\":[\(managers.joined(separator: ","))]}"
    }

    func hex(_ v: UInt64, _ digits: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}
