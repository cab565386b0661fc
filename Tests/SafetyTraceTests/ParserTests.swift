import Foundation
import Testing

@testable import SafetyTrace

/// Builds a tag line without spelling a tag in this file (the self-trace scans `Tests/`).
func tagLine(_ kind: String, _ ref: String, comment: String = "//") -> String {
    "\(comment) @" + kind + " " + ref
}

func items(_ text: String) throws -> [RequirementItem] {
    try RequirementParser.parse(text, file: "r.md")
}

struct BadInputTests {
    struct Case: Sendable, CustomStringConvertible {
        var text: String
        var line: Int
        var message: String
        var description: String { message }
    }

    static let cases: [Case] = [
        Case(text: "# T\n\n### SWR-1 no colon here\n- asil: B\n", line: 3, message: "heading without 'ID: title'"),
        Case(text: "### SWR-1:\n", line: 1, message: "heading without 'ID: title'"),
        Case(text: "### 1SWR: title\n", line: 1, message: "heading without 'ID: title'"),
        Case(text: "### SWR-1: ok\n- asil: B\n- owner: me\n", line: 3,
             message: "unknown attribute 'owner' (known: asil, covers, needs, rev, status, independent-of, coverage-waiver)"),
        Case(text: "### SWR-1: ok\n\n- asil: E\n", line: 3,
             message: "unknown ASIL 'E' (use QM, A, B, C, D or a decomposed form such as B(D))"),
        Case(text: "### SWR-1: ok\n- asil: B(X)\n", line: 2,
             message: "unknown ASIL 'B(X)' (use QM, A, B, C, D or a decomposed form such as B(D))"),
        Case(text: "### SWR-1: ok\n- asil: B\n- rev: two\n", line: 3, message: "rev 'two' is not a non-negative integer"),
        Case(text: "### SWR-1: ok\n- rev: 1.5\n", line: 2, message: "rev '1.5' is not a non-negative integer"),
        Case(text: "### SWR-1: ok\n- status: done\n", line: 2, message: "unknown status 'done' (use draft or approved)"),
        Case(text: "### SWR-1: ok\n- needs: impl, docs\n", line: 2,
             message: "unknown need 'docs' (use impl, test, or a child kind: fsr, tsr, swr)"),
        Case(text: "### SWR-1: ok\n- covers: TSR-1@x\n", line: 2, message: "revision in 'TSR-1@x' is not a non-negative integer"),
        Case(text: "### SWR-1: ok\n- asil: B\n- asil: C\n", line: 3, message: "attribute 'asil' given twice"),
    ]

    @Test(arguments: cases)
    func badRequirementIsAFileLineError(_ c: Case) {
        #expect(throws: TraceInputError(SourceLocation(file: "r.md", line: c.line), c.message)) {
            try items(c.text)
        }
    }

    @Test func badTagIsAFileLineError() {
        let text = "\n" + tagLine("implements", "SWR-1@old") + "\nfunc f() {}\n"
        #expect(throws: TraceInputError(SourceLocation(file: "a.swift", line: 2), "revision in 'SWR-1@old' is not a non-negative integer")) {
            try TagScanner.scan(text, file: "a.swift")
        }
        #expect(throws: TraceInputError(SourceLocation(file: "a.c", line: 1), "@verifies without an item ID")) {
            try TagScanner.scan("/* @" + "verifies */\nint f(void) {}\n", file: "a.c")
        }
    }

    @Test func errorPrintsAsFileLineMessage() {
        #expect(TraceInputError(SourceLocation(file: "a/b.md", line: 7), "boom").description == "a/b.md:7: boom")
    }
}

struct ParserTests {
    @Test func parsesAttributesAndBody() throws {
        let text = """
            # Title
            Intro text that is not an item.

            ### TSR-X-1: Something
            - asil: b(d)
            - covers: FSR-1@2, FSR-2
            - needs: impl, test, swr
            - rev: 4
            - status: Approved

            First line.
            - a bullet: in the body

            ## Another section
            Not part of the item.

            ```markdown
            ### SWR-IN-FENCE: ignored
            ```
            """
        let parsed = try items(text)
        #expect(parsed.count == 1)
        let item = try #require(parsed.first)
        #expect(item.id == "TSR-X-1")
        #expect(item.kind == .technical)
        #expect(item.asil == ASIL(.b, decomposedFrom: .d))
        #expect(item.covers.map(\.reference) == [ItemReference(id: "FSR-1", rev: 2), ItemReference(id: "FSR-2")])
        #expect(item.covers.map(\.location.line) == [6, 6])
        #expect(item.needs == [.impl, .test, .child(.software)])
        #expect(item.rev == 4)
        #expect(item.status == "approved")
        #expect(item.body == "First line.\n- a bullet: in the body")
        #expect(item.location == SourceLocation(file: "r.md", line: 4))
    }

    @Test func asilForms() {
        #expect(ASIL(parsing: "QM") == ASIL(.qm))
        #expect(ASIL(parsing: " D ") == ASIL(.d))
        #expect(ASIL(parsing: "QM(B)") == ASIL(.qm, decomposedFrom: .b))
        #expect(ASIL(parsing: "B(D)")?.description == "B(D)")
        #expect(ASIL(parsing: "E") == nil)
        #expect(ASIL(parsing: "B(") == nil)
        #expect(ASIL(parsing: "") == nil)
    }

    @Test func kindsComeFromThePrefix() {
        #expect(ItemKind(id: "SG-1") == .safetyGoal)
        #expect(ItemKind(id: "FSR-A-1") == .functional)
        #expect(ItemKind(id: "TSR-1") == .technical)
        #expect(ItemKind(id: "SWR-HAL-FDT-1") == .software)
        #expect(ItemKind(id: "REQ-1") == nil)
        #expect(ItemKind.safetyGoal < ItemKind.software)
    }
}

struct TagScannerTests {
    @Test func swiftDeclarations() throws {
        let text = [
            tagLine("implements", "A-1"),
            "public struct Engine: Sendable {",
            "    " + tagLine("implements", "A-2@3"),
            "    public init(x: Int) throws(E) {}",
            "    " + tagLine("verifies", "A-3") + ".",
            "    @Test(arguments: [1, 2])",
            "    func runsFast(_ n: Int) {}",
            "    " + tagLine("implements", "A-4"),
            "    " + tagLine("implements", "A-5"),
            "    mutating func shared() {}",
            "    let notATag = \"x\" // mentions @implementsNothing",
            "}",
            tagLine("implements", "A-6"),
        ].joined(separator: "\n")
        let tags = try TagScanner.scan(text, file: "e.swift")
        let rows = tags.map { "\($0.kind.rawValue) \($0.reference) \($0.location.line) \($0.symbol ?? "-") \($0.symbolLocation?.line ?? 0)" }
        #expect(rows == [
            "implements A-1 1 Engine 2",
            "implements A-2@3 3 init 4",
            "verifies A-3 5 runsFast 7",
            "implements A-4 8 shared 10",
            "implements A-5 9 shared 10",
            "implements A-6 13 - 0",
        ])
    }

    @Test func cDeclarations() throws {
        let text = [
            "#include <x.h>",
            tagLine("implements", "C-1"),
            "#if defined(__aarch64__)",
            "static inline uint32_t *mmio_read(volatile uint32_t *p)",
            "{ if (p) return 0; }",
            "/* " + tagLine("implements", "C-2", comment: "") + " */ void irq(void) {}",
            "int x; " + tagLine("verifies", "C-3"),
            "    return foo(1);",
            "void c_test(void);",
            "void c_test(void) {",
        ].joined(separator: "\n")
        let tags = try TagScanner.scan(text, file: "x.c")
        #expect(tags.map { "\($0.reference) \($0.symbol ?? "-")" } == ["C-1 mmio_read", "C-2 irq", "C-3 c_test"])
    }

    @Test func assemblyLabels() throws {
        let text = [
            "#include \"asm.h\"",
            "    " + tagLine("implements", "S-1", comment: "#"),
            "    .global _start",
            "_start:",
            "    " + tagLine("implements", "S-2"),
            "1:  b 1b",
            ".Lloop: wfi",
        ].joined(separator: "\n")
        let tags = try TagScanner.scan(text, file: "boot.S")
        #expect(tags.map { "\($0.reference) \($0.symbol ?? "-") \($0.symbolLocation?.line ?? 0)" } == ["S-1 _start 4", "S-2 .Lloop 7"])
    }

    @Test func tagsOutsideCommentsAreIgnored() throws {
        let text = "let s = \"@" + "implements X-1\"\nfunc f() {}\n"
        #expect(try TagScanner.scan(text, file: "a.swift").isEmpty)
    }
}

struct CheckTests {
    func check(_ requirements: String, _ source: String = "") throws -> [String] {
        let report = Trace.check(items: try items(requirements), tags: try TagScanner.scan(source, file: "s.swift"))
        return report.defects.map { "\($0.kind.rawValue) \($0.id) \($0.location.line)" }
    }

    @Test func childKindNeeds() throws {
        let text = """
            ### SG-1: goal
            - needs: fsr, tsr

            ### FSR-1: functional
            - covers: SG-1
            """
        // FSR-1 has neither needs nor tags: SG-1 does not reach code and tests through it.
        #expect(try check(text) == ["uncovered SG-1 1", "dead-end FSR-1 4"])
    }

    @Test func validDecompositionsOfEveryLevel() throws {
        for origin in [ASILLevel.d, .c, .b, .a] {
            for (x, y) in ASIL.decompositionPairs(of: origin) {
                let o = origin.rawValue
                let text = """
                    ### TSR-1: parent
                    - asil: \(o)

                    ### SWR-1: one half
                    - asil: \(x.rawValue)(\(o))
                    - covers: TSR-1
                    - independent-of: SWR-2

                    ### SWR-2: other half
                    - asil: \(y.rawValue)(\(o))
                    - covers: TSR-1
                    - independent-of: SWR-1
                    """
                #expect(try check(text) == [], "\(x)(\(o)) + \(y)(\(o))")
            }
        }
    }

    @Test func invalidDecompositions() throws {
        // A(D) + A(D) is not a pair for D; D(B) is no decomposition of B at all.
        let text = """
            ### TSR-1: parent
            - asil: D

            ### SWR-1: one half
            - asil: A(D)
            - covers: TSR-1

            ### SWR-2: other half
            - asil: A(D)
            - covers: TSR-1

            ### SWR-3: upside down
            - asil: D(B)
            """
        #expect(try check(text) == ["decomposition SWR-1 4", "decomposition SWR-2 8", "decomposition SWR-3 12"])
    }

    @Test func asilAgainstParents() throws {
        let text = """
            ### TSR-1: parent
            - asil: C

            ### SWR-OK: higher is fine
            - asil: D
            - covers: TSR-1

            ### SWR-WRONG-ORIGIN: decomposed from another level
            - asil: A(D)
            - covers: TSR-1

            ### SWR-QM: QM below C
            - asil: QM
            - covers: TSR-1
            """
        #expect(try check(text) == ["asil SWR-WRONG-ORIGIN 8", "asil SWR-QM 12"])
    }

    @Test func outdatedAndOrphanTags() throws {
        let text = """
            ### SWR-1: item
            - rev: 2
            - needs: impl
            """
        let source = [tagLine("implements", "SWR-1@1"), "func a() {}", tagLine("implements", "SWR-1@2"), "func b() {}",
                      tagLine("verifies", "SWR-9"), "func c() {}"].joined(separator: "\n")
        #expect(try check(text, source) == ["outdated SWR-1 1", "orphan SWR-9 5"])
    }

    @Test func longerCycleIsReportedOnce() throws {
        let text = """
            ### TSR-C: c
            - covers: TSR-A

            ### TSR-A: a
            - covers: TSR-B

            ### TSR-B: b
            - covers: TSR-C, TSR-B
            """
        let report = Trace.check(items: try items(text), tags: [])
        #expect(report.defects.map(\.detail) == ["covers loop: TSR-A -> TSR-B -> TSR-C -> TSR-A", "covers loop: TSR-B -> TSR-B"])
    }

    @Test func consoleAndJSONForms() throws {
        let report = Trace.check(items: try items("### SWR-1: a \"quoted\" title\n- covers: X-1\n"), tags: [])
        #expect(report.consoleText == "trace: 1 items, 0 links, 1 defects\nr.md:2: broken-link: SWR-1: covers unknown item X-1\n")
        #expect(report.json == #"{"items": 1, "links": 0, "defects": [{"kind": "broken-link", "id": "SWR-1", "location": "r.md:2", "detail": "covers unknown item X-1"}], "coverage": {"source": null, "metric": "region", "thresholds": {"QM": 0, "A": 60, "B": 70, "C": 80, "D": 90}, "measured": 0, "unmeasured": [], "waived": [], "items": []}, "skipped": [], "provenance": {"commit": "unknown", "localChanges": null, "tools": {}, "baseline": false, "paths": [], "tests": null, "inputs": []}}"# + "\n")
        #expect(jsonString("a\"b\\c\n\u{01}") == #""a\"b\\c\n\u0001""#)
    }
}

struct TestResultTests {
    static let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites>
          <testsuite name="TestResults" tests="4">
            <testcase classname="M.SuiteA" name="passes()" time="0.1" />
            <testcase classname="M.SuiteA" name="fails(_:)" time="0.1"><failure message="x" /></testcase>
            <testcase classname="M.SuiteB" name="skipped()" time="0"><skipped /></testcase>
            <testcase classname="M.SuiteB" name="errs()" time="0"><error message="y" /></testcase>
          </testsuite>
        </testsuites>
        """

    @Test func parsesOutcomes() throws {
        let results = try TestResults.parse(Data(Self.xml.utf8), file: "r.xml")
        #expect(results.map { "\($0.className) \($0.name) \($0.outcome.rawValue)" } == [
            "M.SuiteA passes passed", "M.SuiteA fails failed", "M.SuiteB skipped skipped", "M.SuiteB errs failed",
        ])
    }

    @Test func matchesFunctionsAndSuites() throws {
        let results = try TestResults.parse(Data(Self.xml.utf8), file: "r.xml")
        func tag(_ id: String, _ symbol: String?) -> TraceTag {
            TraceTag(kind: .verifies, reference: ItemReference(id: id), location: SourceLocation(file: "t.swift", line: 1), symbol: symbol)
        }
        let tags = [tag("A", "passes"), tag("B", "fails"), tag("C", "skipped"), tag("D", "SuiteB"), tag("E", "absent"), tag("F", nil),
                    TraceTag(kind: .implements, reference: ItemReference(id: "G"), location: SourceLocation(file: "t.swift", line: 1), symbol: "absent")]
        let rows = TestResults.defects(tags: tags, results: results).map { "\($0.kind.rawValue) \($0.id) \($0.detail)" }
        #expect(rows == [
            "failing-test B test fails failed (M.SuiteA.fails)",
            "missing-test C test skipped was skipped",
            "failing-test D test SuiteB failed (M.SuiteB.errs)",
            "missing-test E test absent is not in the test results",
            "missing-test F @verifies is not attached to a test function",
        ])
    }

    @Test func badXMLIsAFileLineError() {
        #expect(throws: TraceInputError.self) { try TestResults.parse(Data("<testsuites>\n<a></b></testsuites>".utf8), file: "r.xml") }
        #expect(throws: TraceInputError.self) { try TestResults.parse(Data("<testsuites>\n<testcase name=\"x()\">".utf8), file: "r.xml") }
        #expect(throws: TraceInputError(SourceLocation(file: "r.xml", line: 1, column: 1), "not JUnit XML: the root is <html>, not <testsuites> or <testsuite>")) {
            try TestResults.parse(Data("<html/>".utf8), file: "r.xml")
        }
    }
}
