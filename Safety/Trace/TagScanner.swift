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
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let parts = split(lines, language: language)
        var tags: [TraceTag] = []
        for (index, part) in parts.enumerated() where !part.comment.isEmpty {
            let here = SourceLocation(file: file, line: index + 1)
            for found in try tagsIn(part.comment, at: here) {
                var tag = found
                if let (name, line) = declaration(after: index, parts: parts, language: language) {
                    tag.symbol = name
                    tag.symbolLocation = SourceLocation(file: file, line: line + 1)
                    tag.symbolEndLine = extentEnd(from: line, parts: parts, language: language) + 1
                }
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
    /// a `//` or a brace inside a string is neither a comment nor a brace.
    static func split(_ lines: [String], language: Language) -> [Line] {
        enum State { case code, block, multilineString }
        var state = State.code
        var closing = ""  // what ends the multi-line string: `"""` plus the raw string's `#`s
        return lines.map { line in
            var out = Line()
            var sawComment = false
            let chars = Array(line)
            var i = 0
            if state == .code, language == .assembly {
                let indented = line.drop(while: { $0 == " " || $0 == "\t" })
                if indented.hasPrefix("#") { return Line(comment: String(indented.dropFirst())) }
            }
            func at(_ text: String) -> Bool {
                var k = i
                for c in text {
                    guard k < chars.count, chars[k] == c else { return false }
                    k += 1
                }
                return true
            }
            while i < chars.count {
                let c = chars[i]
                switch state {
                case .block:
                    if at("*/") {
                        state = .code
                        out.comment += " "
                        i += 2
                        if !sawComment {
                            sawComment = true
                            out.trailing = String(chars[i...])
                        }
                        continue
                    }
                    out.comment.append(c)
                    i += 1
                case .multilineString:
                    if at(closing) {
                        state = .code
                        out.code += closing
                        i += closing.count
                    } else {
                        // In a raw string a backslash escapes nothing.
                        let skip = c == "\\" && closing == "\"\"\"" ? 2 : 1
                        out.code += String(repeating: " ", count: skip)
                        i += skip
                    }
                case .code:
                    if at("//") {
                        out.comment += String(chars[(i + 2)...])
                        i = chars.count
                    } else if at("/*") {
                        out.code += " "
                        state = .block
                        i += 2
                    } else if language == .swift, let hashes = rawDelimiter(chars, i), at(hashes + "\"\"\"") {
                        closing = "\"\"\"" + hashes
                        out.code += hashes + "\"\"\""
                        state = .multilineString
                        i += hashes.count + 3
                    } else if language == .swift, let hashes = rawDelimiter(chars, i), !hashes.isEmpty, at(hashes + "\"") {
                        // A one-line raw string `#"..."#`: no escapes.
                        let end = "\"" + hashes
                        out.code += hashes + "\""
                        i += hashes.count + 1
                        while i < chars.count, !at(end) {
                            out.code += " "
                            i += 1
                        }
                        if i < chars.count { out.code += end }
                        i += end.count
                    } else if c == "\"" || (c == "'" && language == .c) {
                        // A one-line literal: copy the quotes, blank the contents, honour escapes.
                        out.code.append(c)
                        i += 1
                        while i < chars.count, chars[i] != c {
                            out.code += chars[i] == "\\" ? "  " : " "
                            i += chars[i] == "\\" ? 2 : 1
                        }
                        if i < chars.count { out.code.append(c) }
                        i += 1
                    } else {
                        out.code.append(c)
                        i += 1
                    }
                }
            }
            if state == .block { out.comment += " " }
            return out
        }
    }

    /// The `#`s starting at `i` when a quote follows them (a Swift raw string), "" at a quote, else nil.
    static func rawDelimiter(_ chars: [Character], _ i: Int) -> String? {
        var k = i
        while k < chars.count, chars[k] == "#" { k += 1 }
        guard k < chars.count, chars[k] == "\"" else { return nil }
        return String(repeating: "#", count: k - i)
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
            tail = tail.drop(while: { $0 == " " || $0 == "\t" || $0 == "`" })
            let token = tail.prefix(while: { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." || $0 == "@" })
            rest = tail[token.endIndex...]
            // A sentence may end right after the ID.
            let text = String(token).trimmingCharacters(in: CharacterSet(charactersIn: "."))
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
        let trailing = parts[index].trailing.trimmingCharacters(in: .whitespaces)
        if !trailing.isEmpty, let name = declarationName(trailing, language: language) { return (name, index) }
        var i = index + 1
        while i < parts.count, i <= index + 40 {
            let code = parts[i].code.trimmingCharacters(in: .whitespaces)
            // Swift attributes may share the line with the declaration (`@Test func f()`); C and assembly
            // skip preprocessor lines.
            if !code.isEmpty, language == .swift || !(code.hasPrefix("#") || code.hasPrefix("@")) {
                if let name = declarationName(code, language: language) { return (name, i) }
            }
            i += 1
        }
        return nil
    }

    /// The index of the last line of the declaration starting at line `start`: the line of the brace
    /// closing its body, or `start` itself when it has no body (a prototype, a stored property, an
    /// assembly label). Braces inside string literals are counted too (a line-based approximation).
    static func extentEnd(from start: Int, parts: [Line], language: Language) -> Int {
        guard language != .assembly else { return start }
        var depth = 0
        var opened = false
        var i = start
        while i < parts.count {
            let code = parts[i].code
            if !opened {
                // The body must open within a few lines, before a prototype's `;` or another declaration.
                if i > start + 8 { return start }
                if i > start, !code.contains("{"), declarationName(code.trimmingCharacters(in: .whitespaces), language: language) != nil { return start }
            }
            for ch in code {
                if ch == "{" {
                    depth += 1
                    opened = true
                } else if ch == "}", opened {
                    depth -= 1
                    if depth == 0 { return i }
                } else if ch == ";", !opened, language == .c {
                    return start
                }
            }
            i += 1
        }
        return opened ? parts.count - 1 : start
    }

    static let swiftKeywords = ["func", "struct", "enum", "class", "actor", "protocol", "extension", "typealias", "var", "let"]
    static let cNonDeclarations: Set<String> = ["if", "while", "for", "switch", "return", "sizeof", "else", "do"]

    static func declarationName(_ code: String, language: Language) -> String? {
        let words = code.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "`" || $0 == "." || $0 == "$") }).map(String.init)
        switch language {
        case .swift:
            for (n, word) in words.enumerated() {
                if word == "init" || word == "deinit" || word == "subscript" { return word }
                if swiftKeywords.contains(word), n + 1 < words.count {
                    return words[n + 1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
                }
            }
            return nil
        case .c:
            guard let paren = code.firstIndex(of: "("), !code.hasSuffix(";") else { return nil }
            let before = code[..<paren].trimmingCharacters(in: .whitespaces)
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
