// JUnit XML test results (`swift test --xunit-output`), matched to the test functions that verify items.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One `<testcase>`.
public struct TestCaseResult: Hashable, Sendable {
    public enum Outcome: String, Sendable { case passed, failed, skipped }

    /// `Module.Suite`.
    public var className: String
    /// The function name without its argument labels: `demoBoots` for `demoBoots(_:)`.
    public var name: String
    public var outcome: Outcome

    public init(className: String, name: String, outcome: Outcome) {
        self.className = className
        self.name = name
        self.outcome = outcome
    }
}

/// How many test cases passed, failed and were skipped.
public struct TestTotals: Equatable, Sendable {
    public var passed = 0
    public var failed = 0
    public var skipped = 0

    public init(_ results: [TestCaseResult]) {
        for result in results {
            switch result.outcome {
            case .passed: passed += 1
            case .failed: failed += 1
            case .skipped: skipped += 1
            }
        }
    }

    /// `412 passed, 0 failed, 3 skipped`
    public var text: String { "\(passed) passed, \(failed) failed, \(skipped) skipped" }
}

public enum TestResults {
    /// Parses JUnit XML; `file` is the name used in error locations. Malformed XML, an element nesting
    /// deeper than `TraceLimits.nesting` or more than `TraceLimits.testCases` test cases is a
    /// `TraceInputError` at `file:line:column`; this never traps, whatever the bytes.
    public static func parse(_ data: Data, file: String) throws(TraceInputError) -> [TestCaseResult] {
        let delegate = JUnitDelegate()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.shouldResolveExternalEntities = false
        func here() -> SourceLocation {
            SourceLocation(file: file, line: max(parser.lineNumber, 1), column: max(parser.columnNumber, 1))
        }
        let parsed = parser.parse()
        if let stop = delegate.stop {
            throw TraceInputError(stop.location.map { SourceLocation(file: file, line: $0.line, column: $0.column) } ?? here(), "not JUnit XML: \(stop.message)")
        }
        if !parsed {
            let code = (parser.parserError as NSError?)?.code ?? 0
            let at = delegate.errorPosition.map { SourceLocation(file: file, line: $0.line, column: $0.column) } ?? here()
            throw TraceInputError(at, "not JUnit XML: \(xmlErrorText(code))")
        }
        guard delegate.depth == 0 else {
            throw TraceInputError(here(), "not JUnit XML: the file ends inside an element")
        }
        guard delegate.sawRoot else {
            throw TraceInputError(SourceLocation(file: file, line: 1), "not JUnit XML: no <testsuites> or <testsuite>")
        }
        return delegate.results
    }

    /// Words for the XML parser's error codes (libxml2's numbering, which Foundation's `XMLParser`
    /// passes on), so that no message shows a bare error domain and number.
    static func xmlErrorText(_ code: Int) -> String {
        switch code {
        case 2: "out of memory"
        case 3: "no start tag ('<' expected)"
        case 4: "no XML element (the document is empty or is not XML)"
        case 5: "extra content after the root element"
        case 6, 7, 8: "invalid character reference"
        case 9: "a character not allowed in XML"
        case 10...21: "a character or entity reference where none may be"
        case 22, 23, 24, 25: "an entity reference without a name or without ';'"
        case 26, 27: "an undeclared entity"
        case 28, 29, 30: "an entity that may not be used here"
        case 31, 32, 79, 81: "an unknown or unsupported encoding"
        case 33, 34, 43, 44: "an unterminated quoted string"
        case 35: "a bad namespace declaration"
        case 38: "'<' inside an attribute value"
        case 39, 40: "a malformed attribute"
        case 41: "an attribute without a value"
        case 42: "an attribute given twice in one element"
        case 45: "an unterminated comment"
        case 46, 47: "a malformed processing instruction"
        case 48...61, 83, 95: "a malformed document type declaration"
        case 62, 63: "a malformed CDATA section"
        case 64: "a reserved name (xml...)"
        case 65, 66: "a space or separator is missing"
        case 67, 68: "a name is expected"
        case 72: "'<' expected"
        case 73: "'>' expected"
        case 74: "'</' expected"
        case 75: "'=' expected after an attribute name"
        case 76: "an end tag that does not match its start tag"
        case 77: "an unterminated start tag"
        case 80: "'--' inside a comment"
        case 85: "elements not properly nested"
        case 86: "extra content at the end of the document"
        case 89: "an entity that refers to itself or expands too far"
        case 96, 97: "a malformed XML declaration"
        default: "malformed XML"
        }
    }

    /// Reads and parses the JUnit XML file at `path` (at most `TraceLimits.resultsFileBytes`).
    public static func load(_ path: String) throws(TraceInputError) -> [TestCaseResult] {
        try parse(BoundedFile.read(path, limit: TraceLimits.resultsFileBytes, what: "the test results"), file: path)
    }

    /// `failing-test` and `missing-test` defects for every verifies tag. A tag attributed to a suite
    /// (`struct FooTests`) matches every test case of that suite.
    static func defects(tags: [TraceTag], results: [TestCaseResult]) -> [Defect] {
        var defects: [Defect] = []
        for tag in tags where tag.kind == .verifies {
            guard let symbol = tag.symbol else {
                defects.append(Defect(.missingTest, id: tag.reference.id, at: tag.location, "@verifies is not attached to a test function"))
                continue
            }
            let matches = results.filter { $0.name == symbol || $0.className.split(separator: ".").last.map(String.init) == symbol }
            let ran = matches.filter { $0.outcome != .skipped }
            if ran.isEmpty {
                let why = matches.isEmpty ? "is not in the test results" : "was skipped"
                defects.append(Defect(.missingTest, id: tag.reference.id, at: tag.location, "test \(symbol) \(why)"))
                continue
            }
            let failed = ran.filter { $0.outcome == .failed }
            if !failed.isEmpty {
                let names = Set(failed.map { "\($0.className).\($0.name)" }).sorted().joined(separator: ", ")
                defects.append(Defect(.failingTest, id: tag.reference.id, at: tag.location, "test \(symbol) failed (\(names))"))
            }
        }
        return defects
    }
}

final class JUnitDelegate: NSObject, XMLParserDelegate {
    var results: [TestCaseResult] = []
    var sawRoot = false
    var depth = 0
    /// Why the delegate stopped the parse (a bound was passed), and where.
    var stop: (message: String, location: (line: Int, column: Int)?)?
    private var current: TestCaseResult?

    func abort(_ parser: XMLParser, _ message: String) {
        guard stop == nil else { return }
        stop = (message, (max(parser.lineNumber, 1), max(parser.columnNumber, 1)))
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard stop == nil else { return }
        depth += 1
        guard depth <= TraceLimits.nesting else {
            return abort(parser, "elements nested deeper than \(TraceLimits.nesting) levels (the limit)")
        }
        switch element {
        case "testsuites", "testsuite":
            sawRoot = true
        case "testcase":
            guard results.count < TraceLimits.testCases else {
                return abort(parser, "more than \(TraceLimits.testCases) test cases (the limit)")
            }
            let raw = attributes["name"] ?? ""
            let name = raw.firstIndex(of: "(").map { String(raw[..<$0]) } ?? raw
            current = TestCaseResult(className: attributes["classname"] ?? "", name: name, outcome: .passed)
        case "failure", "error":
            current?.outcome = .failed
        case "skipped":
            if current?.outcome == .passed { current?.outcome = .skipped }
        default:
            break
        }
    }

    /// Where the parser found its first error (read here: after `parse()` returns, the position is the
    /// end of the input).
    var errorPosition: (line: Int, column: Int)?

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        if errorPosition == nil { errorPosition = (max(parser.lineNumber, 1), max(parser.columnNumber, 1)) }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        guard stop == nil else { return }
        depth -= 1
        if element == "testcase", let done = current {
            results.append(done)
            current = nil
        }
    }
}
