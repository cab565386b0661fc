// Durations in task-set files and on the command line: a number and a unit (ns, us, ms, s), exact in ns.

/// Why a duration did not parse.
public enum DurationError: Error, Equatable, Sendable {
    case empty
    case missingUnit(String)
    case unknownUnit(String)
    case notANumber(String)
    case negative
    case notWholeNanoseconds
    case tooLong

    /// The message for the user (without the location).
    public var message: String {
        switch self {
        case .empty: return "empty duration (write a number and a unit, such as 5ms)"
        case .missingUnit(let text): return "duration '\(text)' needs a unit: ns, us, ms or s (for example \(text)ms)"
        case .unknownUnit(let unit): return "unknown duration unit '\(unit)' (use ns, us, ms or s)"
        case .notANumber(let text): return "'\(text)' is not a duration (write a number and a unit, such as 5ms)"
        case .negative: return "durations cannot be negative"
        case .notWholeNanoseconds: return "duration is not a whole number of nanoseconds"
        case .tooLong: return "duration is longer than the 1 hour a task-set file allows"
        }
    }
}

/// Parsing and printing of durations.
public enum Durations {
    /// The longest duration accepted (1 h), which keeps every analysis sum far from overflow.
    public static let maximumNs: UInt64 = 3_600_000_000_000

    static let units: [(String, UInt64)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)]

    /// Parses "200us", "1.5ms", "2 s", "1_000ns"; the number may have a fraction as long as the result is a
    /// whole number of nanoseconds.
    public static func parse(_ raw: String) throws(DurationError) -> UInt64 {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else { throw .empty }
        if text.hasPrefix("-") { throw .negative }
        var number = ""
        var rest = Substring(text)
        while let c = rest.first, c.isASCII && (c.isNumber || c == "." || c == "_" || c == "+") {
            number.append(c)
            rest = rest.dropFirst()
        }
        let unit = String(rest).trimmingWhitespace()
        number = number.replacingAll("_", with: "")
        if number.hasPrefix("+") { number.removeFirst() }
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number != ".",
              number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else {
            throw .notANumber(text)
        }
        if unit.isEmpty { throw .missingUnit(text) }
        guard let scale = units.first(where: { $0.0 == unit })?.1 else {
            if unit.first?.isLetter == true || unit.first == "µ" || unit.first == "μ" { throw .unknownUnit(unit) }
            throw .notANumber(text)
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts[0].isEmpty ? "0" : String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        guard let wholeValue = UInt64(whole) else { throw .tooLong }
        var (ns, overflow) = wholeValue.multipliedReportingOverflow(by: scale)
        if overflow || ns > maximumNs { throw .tooLong }
        if !fraction.isEmpty {
            // fraction · scale / 10^digits must be whole.
            guard fraction.count <= 18, let digits = UInt64(fraction) else { throw .notWholeNanoseconds }
            var divisor: UInt64 = 1
            for _ in 0..<fraction.count { divisor *= 10 }
            let (product, productOverflow) = digits.multipliedReportingOverflow(by: scale)
            if productOverflow { throw .notWholeNanoseconds }
            guard product % divisor == 0 else { throw .notWholeNanoseconds }
            (ns, overflow) = ns.addingReportingOverflow(product / divisor)
            if overflow || ns > maximumNs { throw .tooLong }
        }
        return ns
    }

    /// The shortest exact rendering in the largest unit that is not above the value: 1200000 → "1.2ms",
    /// 5000 → "5us", 1500000001 → "1.500000001s", 0 → "0".
    public static func format(_ ns: UInt64) -> String {
        if ns == 0 { return "0" }
        let (name, scale): (String, UInt64) = ns >= 1_000_000_000 ? ("s", 1_000_000_000)
            : ns >= 1_000_000 ? ("ms", 1_000_000) : ns >= 1_000 ? ("us", 1_000) : ("ns", 1)
        let whole = ns / scale
        var fraction = ns % scale
        if fraction == 0 { return "\(whole)\(name)" }
        var digits = String(scale).count - 1
        var text = String(fraction)
        text = String(repeating: "0", count: digits - text.count) + text
        while fraction % 10 == 0 { fraction /= 10; digits -= 1; text.removeLast() }
        return "\(whole).\(text)\(name)"
    }

    /// `format` with a sign, for slack that may be negative.
    public static func format(signed ns: Int64) -> String {
        ns < 0 ? "-" + format(ns.magnitude) : format(UInt64(ns))
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    /// The string with every `target` replaced.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
