// How `orion ecat` prints what it found: IgH's `ethercat slaves` table and `-v` blocks, SOEM slaveinfo's
// identity lines, and one JSON object for scripts.

import Fieldbus
import HostText

/// One scanned slave with what the SII adds (its name and image).
public struct EtherCATSlaveView: Sendable {
    public var record: EtherCATSlaveRecord
    /// The device name from the SII general category ("" when it has none).
    public var name: String
    /// The SII image as read (header and categories), empty when it was not read.
    public var sii: [UInt8]

    public init(record: EtherCATSlaveRecord, name: String, sii: [UInt8]) {
        self.record = record
        self.name = name
        self.sii = sii
    }
}

/// A state name as `orion ecat states` takes it: INIT, PREOP, BOOT, SAFEOP, OP (any case).
public func parseEtherCATState(_ text: String) -> EtherCATState? {
    switch text.uppercased() {
    case "INIT": return .initial
    case "PREOP", "PRE-OP": return .preOperational
    case "BOOT": return .bootstrap
    case "SAFEOP", "SAFE-OP": return .safeOperational
    case "OP": return .operational
    default: return nil
    }
}

public enum EtherCATOutput {
    static func hex(_ value: UInt64, digits: Int) -> String {
        let s = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    /// The state as IgH prints it; a slave between states shows the raw register.
    static func stateName(_ status: EtherCATALStatus) -> String {
        if let state = status.state { return "\(state.name)" }
        return hex(UInt64(status.raw & 0x0F), digits: 2)
    }

    /// The SII's strings, 1-based as categories name them; a string that is not UTF-8 is shown byte by byte.
    static func string(_ sii: [UInt8], _ index: UInt8) -> String {
        guard !sii.isEmpty else { return "" }
        return sii.withUnsafeBytes { raw -> String in
            guard let s = try? EtherCATSII(image: raw), let bytes = try? s.string(index) else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The device name of an SII image (general category's name string), "" without one.
    public static func deviceName(_ sii: [UInt8]) -> String {
        sii.withUnsafeBytes { raw -> String in
            guard let s = try? EtherCATSII(image: raw), let general = try? s.general(), let bytes = try? s.string(general.nameIndex) else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// IgH's `ethercat slaves` table: position, alias:position-after-alias, state, `+` (or `E` with the error
    /// flag), name; columns padded to the widest entry.
    public static func slavesTable(_ slaves: [EtherCATSlaveView]) -> String {
        var rows: [(String, String, String, String, String)] = []
        var alias: UInt16 = 0
        var relative = 0
        for s in slaves {
            if s.record.alias != 0 { alias = s.record.alias; relative = 0 }
            rows.append((String(s.record.position), "\(alias):\(relative)", stateName(s.record.alStatus),
                         s.record.alStatus.error ? "E" : "+", s.name.isEmpty ? "(no name)" : s.name))
            relative += 1
        }
        let w0 = rows.map(\.0.count).max() ?? 0, w1 = rows.map(\.1.count).max() ?? 0, w2 = rows.map(\.2.count).max() ?? 0
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return right ? fill + s : s + fill
        }
        return rows.map { "\(pad($0.0, w0, right: true))  \(pad($0.1, w1))  \(pad($0.2, w2))  \($0.3)  \($0.4)\n" }.joined()
    }

    /// `ethercat slaves -v`: one block per slave with identity, ESC, ports, mailboxes and the SII's general
    /// category, sync managers and PDOs.
    public static func slavesVerbose(_ slaves: [EtherCATSlaveView]) -> String {
        var out = ""
        for s in slaves {
            let r = s.record
            out += "=== Slave \(r.position) ===\n"
            out += "Station address: \(r.station)\(r.alias != 0 ? " (alias \(r.alias))" : "")\n"
            out += "State: \(stateName(r.alStatus))\n"
            out += "Flag: \(r.alStatus.error ? "E" : "+")\n"
            if r.alStatus.error || r.alStatusCode.raw != 0 {
                let name = r.alStatusCode.name.map { "\($0)" } ?? "unknown code"
                out += "AL status code: \(hex(UInt64(r.alStatusCode.raw), digits: 4)) (\(name))\n"
            }
            out += "Identity:\n"
            out += "  Vendor Id:       \(hex(UInt64(r.vendorID), digits: 8))\n"
            out += "  Product code:    \(hex(UInt64(r.productCode), digits: 8))\n"
            out += "  Revision number: \(hex(UInt64(r.revision), digits: 8))\n"
            out += "  Serial number:   \(hex(UInt64(r.serialNumber), digits: 8))\n"
            out += "ESC:\n"
            out += "  Type: \(hex(UInt64(r.escType), digits: 2)), revision \(r.escRevision), build \(r.escBuild)\n"
            out += "  FMMUs: \(r.fmmuCount), sync managers: \(r.syncManagerCount), RAM: \(r.ramKiB) KiB\n"
            out += "  Distributed clocks: \(r.hasDistributedClocks ? (r.features & 0x0008 != 0 ? "yes, 64 bit" : "yes, 32 bit") : "no")\n"
            out += "Port  Type        Link  Loop    Signal\n"
            for p in 0..<4 {
                let kind = Int(r.portDescriptor >> (2 * p)) & 3
                let type = ["N/A", "not configured", "EBUS", "MII"][kind]
                guard kind >= 2 else { out += "   \(p)  \(type)\n"; continue }
                let loopOpen = r.dlStatus & (1 << (8 + 2 * p)) == 0
                out += "   \(p)  \(type.padding(10))  \(r.portHasLink(p) ? "up  " : "down")  \(loopOpen ? "open  " : "closed")  \(r.portCommunicates(p) ? "yes" : "no")\n"
            }
            guard !s.sii.isEmpty else { out += "\n"; continue }
            s.sii.withUnsafeBytes { raw in
                guard let sii = try? EtherCATSII(image: raw) else { return }
                out += "Mailboxes:\n"
                out += "  Standard RX: \(hex(UInt64(sii.mailboxReceiveOffset), digits: 4))/\(sii.mailboxReceiveSize), TX: \(hex(UInt64(sii.mailboxSendOffset), digits: 4))/\(sii.mailboxSendSize)\n"
                let p = sii.mailboxProtocols
                let names = [(EtherCATMailboxProtocols.aoe, "AoE"), (.eoe, "EoE"), (.coe, "CoE"), (.foe, "FoE"), (.soe, "SoE"), (.voe, "VoE")]
                    .filter { p.contains($0.0) }.map(\.1)
                out += "  Supported protocols: \(names.isEmpty ? "none" : names.joined(separator: ", "))\n"
                out += "SII: \(sii.eepromBytes) bytes EEPROM, version \(sii.version)\n"
                if let general = try? sii.general() {
                    out += "General:\n"
                    out += "  Group: \(string(s.sii, general.groupIndex))\n"
                    out += "  Image name: \(string(s.sii, general.imageIndex))\n"
                    out += "  Order number: \(string(s.sii, general.orderIndex))\n"
                    out += "  Device name: \(string(s.sii, general.nameIndex))\n"
                    if p.contains(.coe) {
                        let d = general.coeDetails
                        out += "  CoE details:\n"
                        for (bit, what) in [(0, "Enable SDO"), (1, "Enable SDO Info"), (2, "Enable PDO Assign"),
                                            (3, "Enable PDO Configuration"), (4, "Enable Upload at startup"),
                                            (5, "Enable SDO complete access")] {
                            out += "    \(what): \(d & (1 << bit) != 0 ? "yes" : "no")\n"
                        }
                    }
                    out += "  Current consumption: \(general.currentOnEBus) mA\n"
                }
                var sms: [String] = []
                try? sii.forEachSyncManager { i, sm in
                    let kind = ["unused", "mailbox out", "mailbox in", "outputs", "inputs"][Int(min(sm.type, 4))]
                    sms.append("  SM\(i): start \(hex(UInt64(sm.startAddress), digits: 4)), size \(sm.length), control \(hex(UInt64(sm.control), digits: 2)), enable \(sm.enable), \(kind)\n")
                }
                if !sms.isEmpty { out += "Sync managers:\n" + sms.joined() }
                for inputs in [false, true] {
                    var pdos = ""
                    try? sii.forEachPDO(inputs: inputs) { pdo in
                        let sm = pdo.syncManager == 0xFF ? "not assigned" : "SM\(pdo.syncManager)"
                        pdos += "  \(inputs ? "TxPDO" : "RxPDO") \(hex(UInt64(pdo.index), digits: 4)) \"\(string(s.sii, pdo.nameIndex))\" (\(sm))\n"
                        for i in 0..<pdo.entryCount {
                            let e = sii.entry(pdo, i)
                            pdos += "    PDO entry \(hex(UInt64(e.index), digits: 4)):\(hex(UInt64(e.subindex), digits: 2)), \(e.bitLength) bit, \"\(string(s.sii, e.nameIndex))\"\n"
                        }
                    }
                    if !pdos.isEmpty { out += pdos }
                }
            }
            out += "\n"
        }
        return out
    }

    /// `{"slaves":[{"position":0,"station":1001,"alias":0,"state":"PREOP","error":false,"al_status_code":0,
    /// "vendor_id":..., "product_code":..., "revision":..., "serial":..., "name":"..."}, ...]}` and a newline.
    public static func slavesJSON(_ slaves: [EtherCATSlaveView]) -> String {
        let items = slaves.map { s -> String in
            let r = s.record
            return "{\"position\":\(r.position),\"station\":\(r.station),\"alias\":\(r.alias),\"state\":\(HostText.jsonString(stateName(r.alStatus))),"
                + "\"error\":\(r.alStatus.error),\"al_status_code\":\(r.alStatusCode.raw),\"vendor_id\":\(r.vendorID),"
                + "\"product_code\":\(r.productCode),\"revision\":\(r.revision),\"serial\":\(r.serialNumber),"
                + "\"dc\":\(r.hasDistributedClocks),\"name\":\(HostText.jsonString(s.name))}"
        }
        return "{\"slaves\":[" + items.joined(separator: ",") + "]}\n"
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
