// `orion ecat sdos`: a slave's object dictionary as IgH's `ethercat sdos` prints it, and as JSON.

import HostText

public struct EtherCATDictionaryObject: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var subindex: UInt8
        public var dataType: UInt16
        public var bitLength: UInt16
        public var access: UInt16
        public var name: String
        public init(subindex: UInt8, dataType: UInt16, bitLength: UInt16, access: UInt16, name: String) {
            self.subindex = subindex
            self.dataType = dataType
            self.bitLength = bitLength
            self.access = access
            self.name = name
        }
    }

    public var index: UInt16
    public var dataType: UInt16
    public var maxSubindex: UInt8
    public var objectCode: UInt8
    public var name: String
    public var entries: [Entry]

    public init(index: UInt16, dataType: UInt16, maxSubindex: UInt8, objectCode: UInt8, name: String, entries: [Entry]) {
        self.index = index
        self.dataType = dataType
        self.maxSubindex = maxSubindex
        self.objectCode = objectCode
        self.name = name
        self.entries = entries
    }

    /// IgH's name of a CoE data type (ETG.1000.6 Table 64), `type 0x....` for others.
    public static func typeName(_ type: UInt16) -> String {
        switch type {
        case 0x0001: return "bool"
        case 0x0002: return "int8"
        case 0x0003: return "int16"
        case 0x0004: return "int32"
        case 0x0005: return "uint8"
        case 0x0006: return "uint16"
        case 0x0007: return "uint32"
        case 0x0008: return "float"
        case 0x0009: return "string"
        case 0x000A: return "octet_string"
        case 0x000B: return "unicode_string"
        case 0x000F: return "domain"
        case 0x0010: return "int24"
        case 0x0011: return "double"
        case 0x0012: return "int40"
        case 0x0013: return "int48"
        case 0x0014: return "int56"
        case 0x0015: return "int64"
        case 0x0016: return "uint24"
        case 0x0018: return "uint40"
        case 0x0019: return "uint48"
        case 0x001A: return "uint56"
        case 0x001B: return "uint64"
        case 0x0030...0x0037: return "bit\(type - 0x002F)"
        default:
            let s = String(type, radix: 16)
            return "type 0x" + String(repeating: "0", count: max(0, 4 - s.count)) + s
        }
    }

    /// IgH's access column: read and write flags for PREOP, SAFEOP and OP (`rwr-r-`).
    public static func accessText(_ access: UInt16) -> String {
        (0..<3).map { (access & (1 << $0) != 0 ? "r" : "-") + (access & (1 << ($0 + 3)) != 0 ? "w" : "-") }.joined()
    }

    static func hex(_ v: UInt64, _ digits: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    /// IgH's layout: `SDO 0x1018, "Identity Object"` then one line per entry (none with `quiet`).
    public static func text(_ objects: [EtherCATDictionaryObject], quiet: Bool = false) -> String {
        var out = ""
        for o in objects {
            out += "SDO 0x\(hex(UInt64(o.index), 4)), \"\(o.name)\"\n"
            if quiet { continue }
            for e in o.entries {
                out += "  0x\(hex(UInt64(o.index), 4)):\(hex(UInt64(e.subindex), 2)), \(accessText(e.access)), \(typeName(e.dataType)), "
                    + "\(e.bitLength) bit, \"\(e.name)\"\n"
            }
        }
        return out
    }

    /// `{"objects":[{"index":4096,"data_type":7,"max_subindex":0,"object_code":7,"name":"...","entries":[...]}]}`.
    public static func json(_ objects: [EtherCATDictionaryObject]) -> String {
        let items = objects.map { o -> String in
            let entries = o.entries.map {
                "{\"subindex\":\($0.subindex),\"data_type\":\($0.dataType),\"bit_length\":\($0.bitLength),\"access\":\($0.access),"
                    + "\"name\":\(HostText.jsonString($0.name))}"
            }
            return "{\"index\":\(o.index),\"data_type\":\(o.dataType),\"max_subindex\":\(o.maxSubindex),\"object_code\":\(o.objectCode),"
                + "\"name\":\(HostText.jsonString(o.name)),\"entries\":[\(entries.joined(separator: ","))]}"
        }
        return "{\"objects\":[" + items.joined(separator: ",") + "]}\n"
    }
}
