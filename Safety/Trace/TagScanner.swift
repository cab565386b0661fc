// Finds implements/verifies tags in the comments of Swift, C and assembly sources, and attributes each
// to the next declaration after it.

import Foundation

public enum TagScanner {
    public static let extensions: Set<String> = ["swift", "c", "h", "S"]

    enum Language { case swift, c, assembly }

    static func language(ofFile file: String) -> Language {
        if file.hasSuffix(".swift") { return .swift }
        if file.hasSuffix(".S") { return .assembly }
        return .c
    }

    /// Scans one source file's text. `file` is the name used in locations.
    public static func scan(_ text: String, file: String) throws(TraceInputError) -> [TraceTag] {
        let language = language(ofFile: file)
        let lines = sourceLines(text)
        let parts = split(lines, language: language)
        var braces: Braces?  // matched once per file, when the first tag needs it
        var tags: [TraceTag] = []
        for (index, part) in parts.enumerated() where !part.comment.isEmpty {
            let here = SourceLocation(file: file, line: index + 1)
            let found = try tagsIn(part.comment, at: here)
            guard !found.isEmpty else { continue }
            // Every tag of one line is on the same declaration: find it once per line.
            var symbol: (name: String, location: SourceLocation, endLine: Int)?
            if let (name, line) = declaration(after: index, parts: parts, language: language) {
                if braces == nil { braces = Braces(parts) }
                symbol = (name, SourceLocation(file: file, line: line + 1), extentEnd(from: line, parts: parts, language: language, braces: braces!) + 1)
            }
            for var tag in found {
                tag.symbol = symbol?.name
                tag.symbolLocation = symbol?.location
                tag.symbolEndLine = symbol?.endLine
                tags.append(tag)
            }
        }
        return tags
    }

    /// One source line: its code, the text inside its comments, and the code after its first comment.
    struct Line {
        var code = ""
        var comment = ""
        var trailing = ""
    }

    /// For each line, its code and the text inside comments on it (empty when none). String literals
    /// (`"..."`, Swift's multi-line `"""` and C's `'x'`) are code, with their contents blanked, so that
    /// a `//` or a brace inside a string is neither a comment nor a brace. Works on UTF-8 bytes: every
    /// delimiter is ASCII, and a multi-byte character is never split (its bytes are all >= 0x80).
    static func split(_ lines: [String], language: Language) -> [Line] {
        enum State { case code, block, multilineString }
        var state = State.code
        var closing: [UInt8] = []  // what ends the multi-line string: `"""` plus the raw string's `#`s
        let quote = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'"), backslash = UInt8(ascii: "\\")
        let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), hash = UInt8(ascii: "#"), space = UInt8(ascii: " ")
        let tripleQuote: [UInt8] = [quote, quote, quote]
        return lines.map { line in
            let chars = Array(line.utf8)
            // Most lines hold no delimiter at all: they are code, or comment text inside a block.
            if state == .code, !chars.contains(where: { $0 == slash || $0 == quote || $0 == apostrophe || $0 == hash }) {
                return Line(code: line)
            }
            var code: [UInt8] = []
            var comment: [UInt8] = []
            var trailing: [UInt8]?
            var i = 0
            if state == .code, language == .assembly {
                var k = 0
                while k < chars.count, chars[k] == space || chars[k] == UInt8(ascii: "\t") { k += 1 }
                if k < chars.count, chars[k] == hash {
                    return Line(comment: String(decoding: chars[(k + 1)...], as: UTF8.self))
                }
            }
            func at(_ text: [UInt8]) -> Bool {
                guard i + text.count <= chars.count else { return false }
                for (n, c) in text.enumerated() where chars[i + n] != c { return false }
                return true
            }
            /// The `#`s at `i` when a quote follows them (a Swift raw string), [] at a quote, else nil.
            func rawDelimiter() -> [UInt8]? {
                var k = i
                while k < chars.count, chars[k] == hash { k += 1 }
                guard k < chars.count, chars[k] == quote else { return nil }
                return [UInt8](repeating: hash, count: k - i)
            }
            while i < chars.count {
                let c = chars[i]
                switch state {
                case .block:
                    if at([star, slash]) {
                        state = .code
                        comment.append(space)
                        i += 2
                        if trailing == nil { trailing = Array(chars[i...]) }
                        continue
                    }
                    comment.append(c)
                    i += 1
                case .multilineString:
                    if at(closing) {
                        state = .code
                        code += closing
                        i += closing.count
                    } else {
                        // In a raw string a backslash escapes nothing.
                        let skip = c == backslash && closing == tripleQuote ? 2 : 1
                        code += [UInt8](repeating: space, count: skip)
                        i += skip
                    }
                case .code:
                    if at([slash, slash]) {
                        comment += chars[(i + 2)...]
                        i = chars.count
                    } else if at([slash, star]) {
                        code.append(space)
                        state = .block
                        i += 2
                    } else if language == .swift, let hashes = rawDelimiter(), at(hashes + tripleQuote) {
                        closing = tripleQuote + hashes
                        code += hashes + tripleQuote
                        state = .multilineString
                        i += hashes.count + 3
                    } else if language == .swift, let hashes = rawDelimiter(), !hashes.isEmpty {
                        // A one-line raw string `#"..."#`: no escapes.
                        let end = [quote] + hashes
                        code += hashes + [quote]
                        i += hashes.count + 1
                        while i < chars.count, !at(end) {
                            code.append(space)
                            i += 1
                        }
                        if i < chars.count { code += end }
                        i += end.count
                    } else if c == quote || (c == apostrophe && language == .c) {
                        // A one-line literal: copy the quotes, blank the contents, honour escapes.
                        code.append(c)
                        i += 1
                        while i < chars.count, chars[i] != c {
                            let skip = chars[i] == backslash ? 2 : 1
                            code += [UInt8](repeating: space, count: skip)
                            i += skip
                        }
                        if i < chars.count { code.append(c) }
                        i += 1
                    } else {
                        code.append(c)
                        i += 1
                    }
                }
            }
            if state == .block { comment.append(space) }
            return Line(code: String(decoding: code, as: UTF8.self), comment: String(decoding: comment, as: UTF8.self),
                        trailing: trailing.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
    }

    /// The tags in one line's comment text.
    static func tagsIn(_ comment: String, at here: SourceLocation) throws(TraceInputError) -> [TraceTag] {
        var tags: [TraceTag] = []
        var rest = Substring(comment)
        while let at = rest.firstIndex(of: "@") {
            let after = rest[rest.index(after: at)...]
            rest = after
            let kind: TraceTag.Kind
            if after.hasPrefix("implements") {
                kind = .implements
            } else if after.hasPrefix("verifies") {
                kind = .verifies
            } else {
                continue
            }
            var tail = after.dropFirst(kind.rawValue.count)
            if let next = tail.first, next.isLetter || next.isNumber || next == "_" { continue }  // @implementsFoo
            // Prose naming the tag in a code span ("an `@implements` tag", "`@verifies ID`") is not a tag.
            if tail.first == "`" || (at > comment.startIndex && comment[comment.index(before: at)] == "`") { continue }
            tail = tail.drop(while: { $0 == " " || $0 == "\t" || $0 == "`" })
            let token = tail.prefix(while: { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." || $0 == "@" })
            rest = tail[token.endIndex...]
            // A sentence may end right after the ID.
            let text = trimmed(token, of: ".")
            guard !text.isEmpty else {
                throw TraceInputError(here, "@\(kind.rawValue) without an item ID")
            }
            tags.append(TraceTag(kind: kind, reference: try RequirementParser.reference(text, at: here), location: here))
        }
        return tags
    }

    /// The name and line index of the first declaration after line `index` (at most 40 lines on).
    static func declaration(after index: Int, parts: [Line], language: Language) -> (String, Int)? {
        // A declaration right after a block comment on the tag's own line: `/* tag */ void f(void)`.
        let trailing = trimmed(parts[index].trailing)
        if !trailing.isEmpty, let name = declarationName(trailing, language: language) { return (name, index) }
        var i = index + 1
        while i < parts.count, i <= index + 40 {
            let code = trimmed(parts[i].code)
            // Swift attributes may share the line with the declaration (`@Test func f()`); C and assembly
            // skip preprocessor lines.
            if !code.isEmpty, language == .swift || !(code.hasPrefix("#") || code.hasPrefix("@")) {
                if let name = declarationName(code, language: language) { return (name, i) }
            }
            i += 1
        }
        return nil
    }

    /// Every `{` of a file's code matched with its `}`, in one pass, so that finding where a declaration
    /// ends costs the same for every tag however long the file (a scan per tag was quadratic).
    struct Braces {
        /// `{`s on the lines before each line.
        var opensBefore: [Int]
        /// For the n-th `{` of the file, the line of its `}` (nil: never closed).
        var closeLine: [Int?]

        init(_ parts: [Line]) {
            opensBefore = []
            opensBefore.reserveCapacity(parts.count)
            closeLine = []
            var open: [Int] = []
            for (line, part) in parts.enumerated() {
                opensBefore.append(closeLine.count)
                for byte in part.code.utf8 {
                    if byte == UInt8(ascii: "{") {
                        open.append(closeLine.count)
                        closeLine.append(nil)
                    } else if byte == UInt8(ascii: "}"), let n = open.popLast() {
                        closeLine[n] = line
                    }
                }
            }
        }
    }

    /// The index of the last line of the declaration starting at line `start`: the line of the brace
    /// closing its body, or `start` itself when it has no body (a prototype, a stored property, an
    /// assembly label). Braces inside string literals are blanked by `split`; the body must open within
    /// a few lines, before a C prototype's `;` or another declaration.
    static func extentEnd(from start: Int, parts: [Line], language: Language, braces: Braces) -> Int {
        guard language != .assembly else { return start }
        var i = start
        while i < parts.count, i <= start + 8 {
            let code = parts[i].code
            if i > start, !code.contains("{"), declarationName(trimmed(code), language: language) != nil { return start }
            for byte in code.utf8 {
                if byte == UInt8(ascii: "{") {
                    // The first `{` of this line is the file's `opensBefore[i]`-th.
                    return braces.closeLine[braces.opensBefore[i]] ?? parts.count - 1
                } else if byte == UInt8(ascii: ";"), language == .c {
                    return start
                }
            }
            i += 1
        }
        return start
    }

    static let swiftKeywords = ["func", "struct", "enum", "class", "actor", "protocol", "extension", "typealias", "var", "let"]
    static let cNonDeclarations: Set<String> = ["if", "while", "for", "switch", "return", "sizeof", "else", "do"]

    static func declarationName(_ code: String, language: Language) -> String? {
        let words = SafetyTrace.words(code) { b in
            isASCIIAlphanumeric(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "`") || b == UInt8(ascii: ".") || b == UInt8(ascii: "$")
        }
        switch language {
        case .swift:
            for (n, word) in words.enumerated() {
                if word == "init" || word == "deinit" || word == "subscript" { return word }
                if swiftKeywords.contains(word), n + 1 < words.count {
                    return trimmed(words[n + 1], of: "`")
                }
            }
            return nil
        case .c:
            guard let paren = code.firstIndex(of: "("), !code.hasSuffix(";") else { return nil }
            let before = trimmed(code[..<paren])
            let name = String(before.reversed().prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }).reversed())
            let firstWord = before.split(separator: " ").first.map(String.init) ?? ""
            guard !name.isEmpty, name != before, !cNonDeclarations.contains(name), !cNonDeclarations.contains(firstWord) else { return nil }
            return name
        case .assembly:
            guard let colon = code.firstIndex(of: ":") else { return nil }
            let label = code[..<colon]
            guard !label.isEmpty, label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "$" }),
                  !(label.first?.isNumber ?? true) else { return nil }
            return String(label)
        }
    }
}
