// The traceability model: requirement items, code tags, defects.

import Foundation

/// A place in a file, printed as `file:line` (or `file:line:column` when the column is known).
public struct SourceLocation: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The column (from 1), for inputs whose parser tells it (XML); nil for line-based inputs.
    public var column: Int?

    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line[:column]`, or just `file` for line 0 (a whole file or folder).
    public var description: String {
        guard line > 0 else { return file }
        return column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)"
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column ?? 0) < (b.file, b.line, b.column ?? 0)
    }
}

/// Bad input: a requirement file or tag the tool cannot read. The CLI exits 2.
public struct TraceInputError: Error, Equatable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// A file or link the folder walk passed over on purpose, with the reason (shown in every report).
public struct SkippedFile: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// The kind of a requirement item, from its ID prefix. Order is the decomposition order.
public enum ItemKind: String, CaseIterable, Comparable, Sendable {
    case safetyGoal = "sg"
    case functional = "fsr"
    case technical = "tsr"
    case software = "swr"

    /// The standard prefixes: `SG-...` → safety goal, `FSR-...`, `TSR-...`, `SWR-...`; nil for any other
    /// prefix. A `trace.conf` may name others (`TraceConfig`).
    public init?(id: String) {
        guard let kind = TraceConfig.standard.kind(of: id) else { return nil }
        self = kind
    }

    var rank: Int { ItemKind.allCases.firstIndex(of: self)! }
    public static func < (a: ItemKind, b: ItemKind) -> Bool { a.rank < b.rank }
}

/// One ASIL level.
public enum ASILLevel: String, CaseIterable, Comparable, Sendable {
    case qm = "QM", a = "A", b = "B", c = "C", d = "D"

    var rank: Int { ASILLevel.allCases.firstIndex(of: self)! }
    public static func < (x: ASILLevel, y: ASILLevel) -> Bool { x.rank < y.rank }
}

/// An ASIL, possibly decomposed: `B(D)` is level B decomposed from D.
public struct ASIL: Hashable, Sendable, CustomStringConvertible {
    public var level: ASILLevel
    public var decomposedFrom: ASILLevel?

    public init(_ level: ASILLevel, decomposedFrom: ASILLevel? = nil) {
        self.level = level
        self.decomposedFrom = decomposedFrom
    }

    /// Parses `QM`, `A`...`D`, or `X(Y)` with X and Y levels.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let open = t.firstIndex(of: "("), t.hasSuffix(")") {
            let head = String(t[..<open]).trimmingCharacters(in: .whitespaces)
            let inner = String(t[t.index(after: open)..<t.index(before: t.endIndex)]).trimmingCharacters(in: .whitespaces)
            guard let l = ASILLevel(rawValue: head.uppercased()),
                  let f = ASILLevel(rawValue: inner.uppercased()) else { return nil }
            self.init(l, decomposedFrom: f)
        } else {
            guard let l = ASILLevel(rawValue: t.uppercased()) else { return nil }
            self.init(l)
        }
    }

    public var description: String {
        decomposedFrom.map { "\(level.rawValue)(\($0.rawValue))" } ?? level.rawValue
    }

    /// The pairs ISO 26262-9 allows when decomposing `origin`.
    public static func decompositionPairs(of origin: ASILLevel) -> [(ASILLevel, ASILLevel)] {
        switch origin {
        case .d: [(.c, .a), (.b, .b), (.d, .qm)]
        case .c: [(.b, .a), (.c, .qm)]
        case .b: [(.a, .a), (.b, .qm)]
        case .a: [(.a, .qm)]
        case .qm: []
        }
    }

    /// The levels that complete `level` to a valid pair for `origin` (empty when `level` is in no pair).
    public static func partners(of level: ASILLevel, decomposing origin: ASILLevel) -> [ASILLevel] {
        decompositionPairs(of: origin).compactMap { pair in
            pair.0 == level ? pair.1 : (pair.1 == level ? pair.0 : nil)
        }
    }
}

/// A reference to an item, optionally pinned to a revision: `ID` or `ID@rev`.
public struct ItemReference: Hashable, Sendable, CustomStringConvertible {
    public var id: String
    public var rev: Int?

    public init(id: String, rev: Int? = nil) {
        self.id = id
        self.rev = rev
    }

    public var description: String { rev.map { "\(id)@\($0)" } ?? id }
}

/// What an item needs to be complete: an implementation, a test, or a child item of a kind.
public enum Need: Hashable, Sendable, CustomStringConvertible {
    case impl
    case test
    case child(ItemKind)

    public init?(parsing text: String) {
        switch text.lowercased() {
        case "impl": self = .impl
        case "test": self = .test
        default:
            guard let kind = ItemKind(rawValue: text.lowercased()) else { return nil }
            self = .child(kind)
        }
    }

    public var description: String {
        switch self {
        case .impl: "impl"
        case .test: "test"
        case .child(let kind): kind.rawValue
        }
    }
}

/// One requirement item (`### ID: title`).
public struct RequirementItem: Sendable {
    public var id: String
    public var title: String
    public var kind: ItemKind?
    public var asil: ASIL?
    public var covers: [(reference: ItemReference, location: SourceLocation)]
    public var needs: [Need]
    /// Items this one claims to be independent of (`independent-of`), as ISO 26262-9 asks of the two
    /// halves of an ASIL decomposition.
    public var independentOf: [(id: String, location: SourceLocation)]
    public var rev: Int
    public var status: String?
    /// Why the item's code may stay out of the coverage data (`coverage-waiver`): without it, an item of
    /// ASIL A to D whose code the coverage data does not hold is an `unmeasured` defect.
    public var coverageWaiver: (reason: String, location: SourceLocation)?
    public var body: String
    public var location: SourceLocation

    public init(id: String, title: String, location: SourceLocation) {
        self.id = id
        self.title = title
        self.kind = ItemKind(id: id)
        self.covers = []
        self.needs = []
        self.independentOf = []
        self.rev = 1
        self.body = ""
        self.location = location
    }
}

/// An `@implements` or `@verifies` tag found in a comment.
public struct TraceTag: Hashable, Sendable {
    public enum Kind: String, Sendable { case implements, verifies }

    public var kind: Kind
    public var reference: ItemReference
    public var location: SourceLocation
    /// The function, type or label the tag is attributed to (the next declaration after it).
    public var symbol: String?
    public var symbolLocation: SourceLocation?
    /// The last line of that declaration (its closing brace), in the same file.
    public var symbolEndLine: Int?

    public init(kind: Kind, reference: ItemReference, location: SourceLocation, symbol: String? = nil, symbolLocation: SourceLocation? = nil) {
        self.kind = kind
        self.reference = reference
        self.location = location
        self.symbol = symbol
        self.symbolLocation = symbolLocation
    }
}

/// One finding of `trace check`.
public struct Defect: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, CaseIterable, Sendable {
        case uncovered, orphan, brokenLink = "broken-link", duplicate, cycle, outdated, asil, decomposition
        case failingTest = "failing-test", missingTest = "missing-test", lowCoverage = "low-coverage"
        /// With coverage data: an item of ASIL A to D whose implementing code the data does not hold,
        /// without a `coverage-waiver`.
        case unmeasured
        /// A leaf of a safety goal's subtree that no `@implements` or no `@verifies` tag names: the goal
        /// does not reach code and tests through it.
        case deadEnd = "dead-end"
        /// In baseline mode: an item whose status is not `approved`.
        case unapproved
    }

    public var kind: Kind
    public var id: String
    public var location: SourceLocation
    public var detail: String

    public init(_ kind: Kind, id: String, at location: SourceLocation, _ detail: String) {
        self.kind = kind
        self.id = id
        self.location = location
        self.detail = detail
    }

    /// `file:line: kind: ID: detail`
    public var description: String { "\(location): \(kind.rawValue): \(id): \(detail)" }
}
