// A small, bounded, non-recursive XML reader for test results: elements and attributes with their line
// and column, every well-formedness fault reported at its place. Foundation's XMLParser traps on some
// malformed attributes (found by fuzzing) and reports faults as error codes without a column.

/// A place in an XML file: line and column, both from 1, the column counted in characters.
struct XMLPosition: Equatable {
    var line: Int
    var column: Int
}

/// One thing the reader found, with where it starts.
enum XMLEvent: Equatable {
    case start(name: String, attributes: [String: String])
    case end(name: String)
}

/// Reads XML 1.0 documents as far as test-result files use it: a prolog, comments, processing
/// instructions, CDATA, elements, attributes and the predefined and numeric character references. A
/// DOCTYPE is refused (no entity expansion), as are text outside the root and a second root.
struct XMLReader {
    /// Deepest element nesting accepted.
    static let maxDepth = TraceLimits.nesting
    /// Most attributes on one element.
    static let maxAttributes = 64

    let bytes: [UInt8]
    let file: String
    var index = 0
    var line = 1
    var column = 1

    init(_ bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    /// Calls `visit` for every start and end tag (a self-closing tag gives both), in document order.
    mutating func read(_ visit: (XMLEvent, XMLPosition) throws(TraceInputError) -> Void) throws(TraceInputError) {
        var open: [String] = []
        var sawRoot = false
        while index < bytes.count {
            if bytes[index] != UInt8(ascii: "<") {
                let here = location
                var text = false
                while index < bytes.count && bytes[index] != UInt8(ascii: "<") {
                    if !isSpace(bytes[index]) { text = true }
                    advance()
                }
                if text && open.isEmpty { throw fault(here, "text outside the root element") }
                continue
            }
            let here = location
            if starts("<?") {
                try skip(past: "?>", what: "processing instruction", from: here)
            } else if starts("<!--") {
                try skip(past: "-->", what: "comment", from: here)
            } else if starts("<![CDATA[") {
                guard !open.isEmpty else { throw fault(here, "CDATA outside the root element") }
                try skip(past: "]]>", what: "CDATA section", from: here)
            } else if starts("<!") {
                throw fault(here, "a DOCTYPE or other declaration is not accepted in test results")
            } else if starts("</") {
                advance(2)
                let name = try readName()
                skipSpace()
                try expect(">", "'>' to end </\(name)")
                guard let top = open.last else { throw fault(here, "</\(name)> closes nothing") }
                guard top == name else { throw fault(here, "</\(name)> where </\(top)> was expected") }
                open.removeLast()
                try visit(.end(name: name), here)
            } else {
                advance()
                let name = try readName()
                if open.isEmpty && sawRoot { throw fault(here, "a second root element <\(name)>") }
                var attributes: [String: String] = [:]
                while true {
                    let hadSpace = skipSpace()
                    guard index < bytes.count else { throw fault(here, "the file ends inside <\(name)>") }
                    if starts("/>") {
                        advance(2)
                        sawRoot = true
                        try visit(.start(name: name, attributes: attributes), here)
                        try visit(.end(name: name), here)
                        break
                    }
                    if bytes[index] == UInt8(ascii: ">") {
                        advance()
                        sawRoot = true
                        guard open.count < XMLReader.maxDepth else {
                            throw fault(here, "elements nested deeper than \(XMLReader.maxDepth) levels (the limit)")
                        }
                        open.append(name)
                        try visit(.start(name: name, attributes: attributes), here)
                        break
                    }
                    let at = location
                    guard hadSpace else { throw fault(at, "expected a space, '>' or '/>' in <\(name)>") }
                    let key = try readName()
                    skipSpace()
                    try expect("=", "'=' after attribute \(key)")
                    skipSpace()
                    let value = try readQuoted(key)
                    guard attributes[key] == nil else { throw fault(at, "attribute \(key) given twice") }
                    guard attributes.count < XMLReader.maxAttributes else {
                        throw fault(at, "more than \(XMLReader.maxAttributes) attributes on <\(name)>")
                    }
                    attributes[key] = value
                }
            }
        }
        if let top = open.last { throw fault(location, "the file ends inside <\(top)>") }
        guard sawRoot else { throw fault(location, "no root element") }
    }

    /// Where the reader is, as a line and a column (in characters).
    var location: XMLPosition { XMLPosition(line: line, column: column) }

    /// Bad input at `position`: `file:line:column: message`.
    func fault(_ position: XMLPosition, _ message: String) -> TraceInputError {
        XMLReader.fault(file: file, position, message)
    }

    /// Bad input at `position` of `file`: `file:line:column: message`.
    static func fault(file: String, _ position: XMLPosition, _ message: String) -> TraceInputError {
        TraceInputError(SourceLocation(file: file, line: position.line, column: position.column), message)
    }

    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    func isNameByte(_ b: UInt8, first: Bool) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"), UInt8(ascii: ":"), 0x80...:
            return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return !first
        default:
            return false
        }
    }

    func starts(_ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard index + n <= bytes.count else { return false }
        for i in 0..<n where bytes[index + i] != text.utf8Start[i] { return false }
        return true
    }

    /// Moves on `n` bytes, counting lines and (UTF-8 aware) columns.
    mutating func advance(_ n: Int = 1) {
        for _ in 0..<n where index < bytes.count {
            let b = bytes[index]
            index += 1
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
    }

    @discardableResult
    mutating func skipSpace() -> Bool {
        let start = index
        while index < bytes.count && isSpace(bytes[index]) { advance() }
        return index > start
    }

    mutating func skip(past end: StaticString, what: String, from here: XMLPosition) throws(TraceInputError) {
        while index < bytes.count {
            if starts(end) {
                advance(end.utf8CodeUnitCount)
                return
            }
            advance()
        }
        throw fault(here, "unterminated \(what)")
    }

    mutating func expect(_ char: Character, _ what: String) throws(TraceInputError) {
        guard index < bytes.count, bytes[index] == char.asciiValue else {
            throw fault(location, "expected \(what)")
        }
        advance()
    }

    mutating func readName() throws(TraceInputError) -> String {
        let start = index
        guard index < bytes.count, isNameByte(bytes[index], first: true) else {
            throw fault(location, index < bytes.count ? "expected a name" : "the file ends where a name was expected")
        }
        while index < bytes.count && isNameByte(bytes[index], first: false) { advance() }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A quoted attribute value with its character references replaced.
    mutating func readQuoted(_ key: String) throws(TraceInputError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw fault(location, "expected a quoted value for attribute \(key)")
        }
        let quote = bytes[index]
        advance()
        var value: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fault(location, "the file ends inside the value of \(key)") }
            let b = bytes[index]
            if b == quote { advance(); break }
            if b == UInt8(ascii: "<") { throw fault(location, "'<' in the value of attribute \(key)") }
            if b == UInt8(ascii: "&") {
                try readReference(into: &value)
                continue
            }
            value.append(b)
            advance()
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#N;` `&#xN;`.
    mutating func readReference(into value: inout [UInt8]) throws(TraceInputError) {
        let here = location
        var end = index + 1
        while end < bytes.count && end - index <= 12 && bytes[end] != UInt8(ascii: ";") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";") else { throw fault(here, "'&' that starts no reference (write &amp;)") }
        let body = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
        let scalar: Unicode.Scalar?
        switch body {
        case "lt": scalar = "<"
        case "gt": scalar = ">"
        case "amp": scalar = "&"
        case "quot": scalar = "\""
        case "apos": scalar = "'"
        default:
            if body.hasPrefix("#x") || body.hasPrefix("#X") {
                scalar = UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
            } else if body.hasPrefix("#") {
                scalar = UInt32(body.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init)
            } else {
                throw fault(here, "unknown entity &\(body);")
            }
        }
        guard let scalar, scalar.value != 0 else { throw fault(here, "&\(body); is not a character") }
        value.append(contentsOf: Array(String(Character(scalar)).utf8))
        advance(end - index + 1)
    }
}
