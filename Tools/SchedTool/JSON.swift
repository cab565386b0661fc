// A small JSON writer with ordered keys, so the output reads in the order the documentation gives.

import HostText

/// A JSON value.
public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    /// Printed with at most 6 decimals.
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.rendered() == rhs.rendered() }

    /// An optional unsigned value, null when nil.
    public static func uint(_ value: UInt64?) -> JSON { value.map { .uint($0) } ?? .null }

    /// The text, indented by two spaces per level when `pretty`.
    public func rendered(pretty: Bool = true) -> String {
        var out = ""
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    func write(to out: inout String, pretty: Bool, indent: Int) {
        let newline = pretty ? "\n" : ""
        let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let closePad = pretty ? String(repeating: "  ", count: indent) : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .number(let d):
            if !d.isFinite { out += "null"; return }
            let rounded = (d * 1_000_000).rounded() / 1_000_000
            if rounded == rounded.rounded() && abs(rounded) < 1e15 { out += String(Int64(rounded)) } else { out += "\(rounded)" }
        case .string(let s): out += HostText.jsonString(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + newline
            for (k, item) in items.enumerated() {
                out += pad
                item.write(to: &out, pretty: pretty, indent: indent + 1)
                out += (k + 1 < items.count ? "," : "") + newline
            }
            out += closePad + "]"
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{" + newline
            for (k, (key, value)) in pairs.enumerated() {
                out += pad + HostText.jsonString(key) + (pretty ? ": " : ":")
                value.write(to: &out, pretty: pretty, indent: indent + 1)
                out += (k + 1 < pairs.count ? "," : "") + newline
            }
            out += closePad + "}"
        }
    }

}
