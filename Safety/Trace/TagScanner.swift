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

    /// For each line, its code and the text inside comments on it (empty when none).
    static func split(_ lines: [String], language: Language) -> [Line] {
        var inBlock = false
        return lines.map { line in
            var code = ""
            var comment = ""
            var trailing: String?
            var rest = Substring(line)
            let indented = rest.drop(while: { $0 == " " || $0 == "\t" })
            if !inBlock, language == .assembly, indented.hasPrefix("#") {
                return Line(comment: String(indented.dropFirst()))
            }
            while !rest.isEmpty {
                if inBlock {
                    if let end = rest.range(of: "*/") {
                        comment += rest[..<end.lowerBound] + " "
                        rest = rest[end.upperBound...]
                        inBlock = false
                        if trailing == nil { trailing = String(rest) }
                    } else {
                        comment += rest
                        rest = ""
                    }
                } else {
                    let line = rest.range(of: "//")
                    let block = rest.range(of: "/*")
                    if let l = line, block == nil || l.lowerBound < block!.lowerBound {
                        code += rest[..<l.lowerBound]
                        comment += rest[l.upperBound...]
                        rest = ""
                    } else if let b = block {
                        code += rest[..<b.lowerBound] + " "
                        rest = rest[b.upperBound...]
                        inBlock = true
                    } else {
                        code += rest
                        rest = ""
                    }
                }
            }
            return Line(code: code, comment: comment, trailing: trailing ?? "")
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
