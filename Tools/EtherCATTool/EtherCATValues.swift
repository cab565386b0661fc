// SDO values as `orion ecat upload` prints them: IgH's `ethercat upload` formats (hex and decimal for
// integers, the text of a string), or the raw bytes when no type is given.

/// A CoE data type `--type` names (IgH's names).
public enum EtherCATDataType: String, CaseIterable, Sendable {
    case bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float, double, string
    case octetString = "octet_string"
    case raw

    /// The type's size in bytes; nil for the variable-length ones.
    public var size: Int? {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float: return 4
        case .int64, .uint64, .double: return 8
        case .string, .octetString, .raw: return nil
        }
    }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Why a value could not be shown as the type asked.
public struct EtherCATValueError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

public enum EtherCATValues {
    static func hex(_ value: UInt64, bytes: Int) -> String {
        let s = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 2 * bytes - s.count)) + s
    }

    /// `bytes` as `type` shows them: integers as IgH does (`0x000006a5 1701`), floats in decimal, a string as
    /// its text (up to the first NUL), an octet string or raw bytes as hex pairs. A fixed-size type whose size
    /// differs from the object's is an error naming both.
    public static func format(_ bytes: [UInt8], as type: EtherCATDataType?) throws -> String {
        let type = type ?? .raw
        if let size = type.size, size != bytes.count {
            throw EtherCATValueError(description: "the object has \(bytes.count) byte\(bytes.count == 1 ? "" : "s"), \(type.rawValue) takes \(size)")
        }
        var value: UInt64 = 0
        for (i, b) in bytes.prefix(8).enumerated() { value |= UInt64(b) << (8 * i) }
        switch type {
        case .bool: return bytes[0] == 0 ? "0" : "1"
        case .uint8, .uint16, .uint32, .uint64: return "\(hex(value, bytes: bytes.count)) \(value)"
        case .int8: return "\(hex(value, bytes: 1)) \(Int8(truncatingIfNeeded: value))"
        case .int16: return "\(hex(value, bytes: 2)) \(Int16(truncatingIfNeeded: value))"
        case .int32: return "\(hex(value, bytes: 4)) \(Int32(truncatingIfNeeded: value))"
        case .int64: return "\(hex(value, bytes: 8)) \(Int64(bitPattern: value))"
        case .float: return "\(Float(bitPattern: UInt32(truncatingIfNeeded: value)))"
        case .double: return "\(Double(bitPattern: value))"
        case .string: return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        case .octetString, .raw: return bytes.map { hex(UInt64($0), bytes: 1).dropFirst(2) }.joined(separator: " ")
        }
    }

    /// A number as the commands take it: decimal or 0x-hexadecimal, in `range`.
    public static func parseNumber(_ text: String, range: ClosedRange<UInt64>) -> UInt64? {
        let value: UInt64?
        if text.lowercased().hasPrefix("0x") { value = UInt64(text.dropFirst(2), radix: 16) } else { value = UInt64(text) }
        guard let value, range.contains(value) else { return nil }
        return value
    }

    /// `text` as the bytes of `type` for a download: integers in decimal or 0x-hex (negative ones for the signed
    /// types), in the type's range; floats in decimal; a string as its UTF-8 bytes; an octet string or raw bytes as
    /// hex pairs, with or without spaces. Errors say what is wrong.
    public static func encode(_ text: String, as type: EtherCATDataType) throws -> [UInt8] {
        func little(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        func bad(_ why: String) -> EtherCATValueError { EtherCATValueError(description: "'\(text)' is not \(why)") }
        switch type {
        case .bool:
            switch text.lowercased() {
            case "0", "false": return [0]
            case "1", "true": return [1]
            default: throw bad("a bool (0, 1, true, false)")
            }
        case .uint8, .uint16, .uint32, .uint64:
            let n = type.size!
            let max: UInt64 = n == 8 ? .max : (1 << (8 * UInt64(n))) - 1
            guard let v = parseNumber(text, range: 0...max) else { throw bad("a \(type.rawValue) (0...\(max), decimal or 0x-hex)") }
            return little(v, n)
        case .int8, .int16, .int32, .int64:
            let n = type.size!
            let bits = 8 * n
            let minimum: Int64 = n == 8 ? .min : -(1 << (bits - 1))
            let maximum: Int64 = n == 8 ? .max : (1 << (bits - 1)) - 1
            var v: Int64?
            let negative = text.hasPrefix("-")
            let digits = negative ? String(text.dropFirst()) : text
            if digits.lowercased().hasPrefix("0x") {
                v = UInt64(digits.dropFirst(2), radix: 16).flatMap { Int64(exactly: $0) }
            } else {
                v = Int64(digits)
            }
            if negative { v = v.flatMap { $0 == 0 ? 0 : -$0 } }
            guard let v, v >= minimum, v <= maximum else { throw bad("a \(type.rawValue) (\(minimum)...\(maximum))") }
            return little(UInt64(bitPattern: v), n)
        case .float:
            guard let f = Float(text), f.isFinite else { throw bad("a float") }
            return little(UInt64(f.bitPattern), 4)
        case .double:
            guard let d = Double(text), d.isFinite else { throw bad("a double") }
            return little(d.bitPattern, 8)
        case .string:
            guard !text.isEmpty else { throw bad("a non-empty string") }
            return Array(text.utf8)
        case .octetString, .raw:
            let hex = text.filter { $0 != " " && $0 != ":" }
            guard !hex.isEmpty, hex.count % 2 == 0 else { throw bad("bytes in hex pairs (e.g. '01 a0 ff')") }
            var bytes: [UInt8] = []
            var i = hex.startIndex
            while i < hex.endIndex {
                let j = hex.index(i, offsetBy: 2)
                guard let b = UInt8(hex[i..<j], radix: 16) else { throw bad("bytes in hex pairs (e.g. '01 a0 ff')") }
                bytes.append(b)
                i = j
            }
            return bytes
        }
    }
}
