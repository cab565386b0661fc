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

public enum TestResults {
    /// Parses JUnit XML; `file` is the name used in error locations. Every fault in the XML is reported at
    /// its line and column.
    public static func parse(_ data: Data, file: String) throws(TraceInputError) -> [TestCaseResult] {
        var reader = XMLReader([UInt8](data), file: file)
        var results: [TestCaseResult] = []
        var current: TestCaseResult?
        var sawRoot = false
        var first = true
        try reader.read { (event, position) throws(TraceInputError) in
            switch event {
            case .start(let element, let attributes):
                if first {
                    first = false
                    guard element == "testsuites" || element == "testsuite" else {
                        throw XMLReader.fault(file: file, position, "not JUnit XML: the root is <\(element)>, not <testsuites> or <testsuite>")
                    }
                }
                switch element {
                case "testsuites", "testsuite":
                    sawRoot = true
                case "testcase":
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
        guard sawRoot else {
            throw TraceInputError(SourceLocation(file: file, line: 1), "not JUnit XML: no <testsuites> or <testsuite>")
        }
        return results
    }

    public static func load(_ path: String) throws(TraceInputError) -> [TestCaseResult] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TraceInputError(SourceLocation(file: path, line: 0), "cannot read the test results")
        }
        return try parse(data, file: path)
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
