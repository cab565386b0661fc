// Reads requirement items from Markdown: one item per `### ID: title` heading, attribute bullets, body.

import Foundation

public enum RequirementParser {
    /// The attributes an item may carry.
    public static let attributes: Set<String> = ["asil", "covers", "needs", "rev", "status", "independent-of", "coverage-waiver"]
    public static let statuses: Set<String> = ["draft", "approved"]

    /// Parses the items of one Markdown file. `file` is the name used in locations.
    /// `config` tells the kind of each item from its ID prefix.
    public static func parse(_ text: String, file: String, config: TraceConfig = .standard) throws(TraceInputError) -> [RequirementItem] {
        var items: [RequirementItem] = []
        var current: RequirementItem?
        var inAttributes = false
        var seenAttributes: Set<String> = []
        var inFence = false
        var body: [String] = []

        func finish() {
            if var item = current {
                item.body = body.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                items.append(item)
            }
            current = nil
            body = []
        }

        for (index, line) in sourceLines(text).enumerated() {
            let here = SourceLocation(file: file, line: index + 1)
            let trimmed = SafetyTrace.trimmed(line)

            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                inFence.toggle()
                if current != nil { inAttributes = false; body.append(line) }
                continue
            }
            if inFence {
                if current != nil { body.append(line) }
                continue
            }

            if line.hasPrefix("### ") || line == "###" {
                finish()
                current = try heading(String(line.dropFirst(3)), at: here)
                current!.kind = config.kind(of: current!.id)
                inAttributes = true
                seenAttributes = []
                continue
            }
            if line.hasPrefix("#") {
                // Any other heading ends the item.
                finish()
                inAttributes = false
                continue
            }
            guard current != nil else { continue }

            if inAttributes {
                if trimmed.isEmpty { continue }
                if let (name, value) = attribute(trimmed) {
                    guard attributes.contains(name) else {
                        throw TraceInputError(here, "unknown attribute '\(name)' (known: asil, covers, needs, rev, status, independent-of, coverage-waiver)")
                    }
                    guard seenAttributes.insert(name).inserted else {
                        throw TraceInputError(here, "attribute '\(name)' given twice")
                    }
                    try apply(name, value, to: &current!, at: here)
                    continue
                }
                inAttributes = false
            }
            body.append(line)
        }
        finish()
        return items
    }

    /// `ID: title` after `###`.
    static func heading(_ text: String, at here: SourceLocation) throws(TraceInputError) -> RequirementItem {
        let t = trimmed(text)
        guard let colon = t.firstIndex(of: ":") else {
            throw TraceInputError(here, "heading without 'ID: title'")
        }
        let id = trimmed(t[..<colon])
        let title = trimmed(t[t.index(after: colon)...])
        guard isIdentifier(id), !title.isEmpty else {
            throw TraceInputError(here, "heading without 'ID: title'")
        }
        return RequirementItem(id: id, title: title, location: here)
    }

    /// `- name: value` → (name, value).
    static func attribute(_ trimmed: String) -> (String, String)? {
        guard trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") else { return nil }
        let rest = trimmed.dropFirst(2)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let name = SafetyTrace.trimmed(rest[..<colon])
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
        return (name.lowercased(), SafetyTrace.trimmed(rest[rest.index(after: colon)...]))
    }

    static func apply(_ name: String, _ value: String, to item: inout RequirementItem, at here: SourceLocation) throws(TraceInputError) {
        switch name {
        case "asil":
            guard let asil = ASIL(parsing: value) else {
                throw TraceInputError(here, "unknown ASIL '\(value)' (use QM, A, B, C, D or a decomposed form such as B(D))")
            }
            item.asil = asil
        case "covers":
            for part in try list(value, of: name, at: here) {
                item.covers.append((try reference(part, at: here), here))
            }
        case "needs":
            for part in try list(value, of: name, at: here) {
                guard let need = Need(parsing: part) else {
                    throw TraceInputError(here, "unknown need '\(part)' (use impl, test, or a child kind: fsr, tsr, swr)")
                }
                if !item.needs.contains(need) { item.needs.append(need) }
            }
        case "independent-of":
            for part in try list(value, of: name, at: here) {
                guard isIdentifier(part) else { throw TraceInputError(here, "'\(part)' is not an item ID") }
                item.independentOf.append((part, here))
            }
        case "rev":
            guard let rev = Int(value), rev >= 0 else {
                throw TraceInputError(here, "rev '\(value)' is not a non-negative integer")
            }
            item.rev = rev
        case "status":
            guard statuses.contains(value.lowercased()) else {
                throw TraceInputError(here, "unknown status '\(value)' (use draft or approved)")
            }
            item.status = value.lowercased()
        case "coverage-waiver":
            guard !value.isEmpty else {
                throw TraceInputError(here, "'coverage-waiver' needs the reason the code is not measured")
            }
            item.coverageWaiver = (value, here)
        default:
            throw TraceInputError(here, "unknown attribute '\(name)'")
        }
    }

    /// `A, B, C` → [A, B, C]. An empty value or an empty element (`,,`, a leading or trailing comma) is
    /// bad input, not an empty list.
    /// The most elements one `covers`, `needs` or `independent-of` list may have.
    public static let maxListElements = 1_000

    static func list(_ value: String, of name: String, at here: SourceLocation) throws(TraceInputError) -> [String] {
        let parts = value.split(separator: ",", omittingEmptySubsequences: false).map { trimmed($0) }
        guard parts != [""] else { throw TraceInputError(here, "'\(name)' without a value") }
        guard !parts.contains("") else {
            throw TraceInputError(here, "empty element in the '\(name)' list (a comma at the start or end, or two commas in a row)")
        }
        guard parts.count <= maxListElements else {
            throw TraceInputError(here, "more than \(maxListElements) elements in the '\(name)' list (the limit)")
        }
        var seen: Set<String> = []
        for part in parts where !seen.insert(part).inserted {
            throw TraceInputError(here, "'\(part)' is listed twice in '\(name)'")
        }
        return parts
    }

    /// `ID` or `ID@rev`.
    static func reference(_ text: String, at here: SourceLocation) throws(TraceInputError) -> ItemReference {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard isIdentifier(parts[0]) else {
            throw TraceInputError(here, "'\(text)' is not an item ID")
        }
        if parts.count == 2 {
            guard let rev = Int(parts[1]), rev >= 0 else {
                throw TraceInputError(here, "revision in '\(text)' is not a non-negative integer")
            }
            return ItemReference(id: parts[0], rev: rev)
        }
        return ItemReference(id: parts[0])
    }

    /// Item IDs: a letter, then letters, digits, `-`, `_`, `.`.
    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, isASCIIAlphanumeric(first), first > 0x39 else { return false }
        return s.utf8.allSatisfy { isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }
}
