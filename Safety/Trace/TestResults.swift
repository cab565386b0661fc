// JUnit XML test results (`swift test --xunit-output`), matched to the test functions that verify items.

import Foundation

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
    /// `TraceInputError` at `file:line:column`; this never traps, whatever the bytes. The project's own
    /// `XMLReader` reads the file: Foundation's XMLParser trapped on a malformed attribute (found by fuzzing).
    public static func parse(_ data: Data, file: String) throws(TraceInputError) -> [TestCaseResult] {
        var reader = XMLReader([UInt8](data), file: file)
        var results: [TestCaseResult] = []
        var current: TestCaseResult?
        var first = true
        do {
            try reader.read { (event, position) throws(TraceInputError) in
                switch event {
                case .start(let element, let attributes):
                    if first {
                        first = false
                        guard element == "testsuites" || element == "testsuite" else {
                            throw XMLReader.fault(file: file, position, "the root is <\(element)>, not <testsuites> or <testsuite>")
                        }
                    }
                    switch element {
                    case "testcase":
                        guard results.count < TraceLimits.testCases else {
                            throw XMLReader.fault(file: file, position, "more than \(TraceLimits.testCases) test cases (the limit)")
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
                case .end(let element):
                    if element == "testcase", let done = current {
                        results.append(done)
                        current = nil
                    }
                }
            }
        } catch {
            throw TraceInputError(error.location, "not JUnit XML: \(error.message)")
        }
        return results
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
