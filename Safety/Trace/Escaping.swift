// Escaping text for the HTML report and the ReqIF (XML) export: one loop, with the differences between
// the two kept in `MarkupContext`.

/// Where escaped text goes.
enum MarkupContext {
    /// HTML content or attribute value: `& < > " '` escaped; controls other than tab and line breaks,
    /// DEL and the C1 controls dropped.
    case html
    /// XML character data: `& < >` and carriage returns escaped; characters XML 1.0 cannot hold dropped.
    case xmlText
    /// XML attribute value: as character data, plus `"`, and tabs and line feeds as character references
    /// (an XML parser would turn literal ones into spaces).
    case xmlAttribute

    /// Whether `scalar` (one not escaped) can appear as itself.
    func allows(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        switch self {
        case .html:
            return v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v != 0x7F && !(0x80...0x9F).contains(v))
        case .xmlText, .xmlAttribute:
            return v == 0x9 || v == 0xA || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
        }
    }
}

/// `s` escaped for `context`.
func escapeMarkup(_ s: String, for context: MarkupContext) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"" where context != .xmlText: out += "&quot;"
        case "'" where context == .html: out += "&#39;"
        case "\r" where context != .html: out += "&#13;"
        case "\n" where context == .xmlAttribute: out += "&#10;"
        case "\t" where context == .xmlAttribute: out += "&#9;"
        default:
            if context.allows(scalar) { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}
