// How `orion modbus read` prints values: mbpoll's table (`[ref]: \tvalue`) or one JSON object.

import Foundation

/// Formats values read from a table starting at reference `firstReference` (as the user numbers them).
public enum ModbusOutput {
    /// The values `registers` hold in `format`: one per register, or one per register pair for `.int` and
    /// `.float` (an odd register left over is not shown).
    public static func values(_ registers: [UInt16], format: ModbusRegisterFormat, bigEndianWords: Bool) -> [UInt32] {
        guard format.registersPerValue == 2 else { return registers.map(UInt32.init) }
        return stride(from: 0, to: registers.count - 1, by: 2).map {
            modbusValue32(registers[$0], registers[$0 + 1], bigEndianWords: bigEndianWords)
        }
    }

    /// mbpoll's layout: one line per value, `[reference]: ` then a tab and the value. Bits print 0 or 1.
    /// Registers print as Debian's mbpoll 1.4.11 does: unsigned decimal with the signed value in parentheses
    /// when bit 15 is set (`65531 (-5)`; only the unsigned number with `unsigned`), `0x%04X` for `:hex`,
    /// a signed 32-bit decimal for `:int` and C's `%g` for `:float`; 32-bit values advance the reference by 2.
    public static func table(_ registers: [UInt16], type: ModbusDataType, firstReference: Int, unsigned: Bool = false,
                             bigEndianWords: Bool = false) -> String {
        var out = ""
        var reference = firstReference
        for v in values(registers, format: type.table.isBits ? .decimal : type.format, bigEndianWords: bigEndianWords) {
            let shown: String
            switch type.format {
            case _ where type.table.isBits: shown = String(v)
            case .decimal: shown = v & 0x8000 != 0 && !unsigned ? "\(v) (\(Int16(bitPattern: UInt16(v))))" : String(v)
            case .hex: shown = String(format: "0x%04X", v)
            case .int: shown = String(Int32(bitPattern: v))
            case .float: shown = String(format: "%g", Double(Float(bitPattern: v)))
            }
            out += "[\(reference)]: \t\(shown)\n"
            reference += type.table.isBits ? 1 : type.format.registersPerValue
        }
        return out
    }

    /// `{"table":"holding registers","unit":1,"reference":1,"address":0,"values":[...]}` and a newline;
    /// with a format, `"format":"int"` (or hex, float) after the address. Hex values are JSON numbers too,
    /// `:int` values signed, `:float` values numbers (null for NaN and infinities, which JSON lacks).
    public static func json(_ registers: [UInt16], type: ModbusDataType, unit: Int, firstReference: Int, address: Int,
                            bigEndianWords: Bool = false) -> String {
        let format = type.table.isBits ? ModbusRegisterFormat.decimal : type.format
        let shown: [String] = values(registers, format: format, bigEndianWords: bigEndianWords).map { v in
            switch format {
            case .decimal, .hex: return String(v)
            case .int: return String(Int32(bitPattern: v))
            case .float:
                let f = Float(bitPattern: v)
                return f.isFinite ? String(format: "%.9g", Double(f)) : "null"
            }
        }
        let formatField = format == .decimal ? "" : ",\"format\":\"\(format.rawValue)\""
        return "{\"table\":\"\(type.table.name)\",\"unit\":\(unit),\"reference\":\(firstReference),\"address\":\(address)"
            + formatField + ",\"values\":[" + shown.joined(separator: ",") + "]}\n"
    }

    /// The JSON of a failed request: `{"error":"...","exception":2}` (exception only for an exception reply).
    public static func jsonError(_ message: String, exception: UInt8? = nil) -> String {
        var escaped = ""
        for ch in message.unicodeScalars {
            switch ch {
            case "\\", "\"": escaped += "\\\(ch)"
            case "\n": escaped += "\\n"
            case _ where ch.value < 0x20: escaped += String(format: "\\u%04x", ch.value)
            default: escaped.unicodeScalars.append(ch)
            }
        }
        return "{\"error\":\"\(escaped)\"" + (exception.map { ",\"exception\":\($0)" } ?? "") + "}\n"
    }
}
