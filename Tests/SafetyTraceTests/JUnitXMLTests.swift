// JUnit XML is read by the project's own XML reader: every malformed file is refused at its line and
// column, none traps (Foundation's XMLParser trapped on a malformed attribute that fuzzing found).

import Foundation
@testable import SafetyTrace
import Testing

@Suite struct JUnitXMLTests {
    func parse(_ text: String) throws(TraceInputError) -> [TestCaseResult] {
        try TestResults.parse(Data(text.utf8), file: "r.xml")
    }

    func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func readsSwiftTestingResults() throws {
        let results = try parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- from swift test --xunit-output -->
            <testsuites>
            <testsuite name="TestResults" errors="0" tests="3" failures="1" skipped="1" time="0.1">
            <testcase classname="KernelTests.SchedulerTests" name="yieldRotates()" time="0.01"/>
            <testcase classname="KernelTests.SchedulerTests" name="budget(_:)" time="0.01"><failure message="a &lt; b &amp;&#10;c"/></testcase>
            <testcase classname='X.Y' name="skipped()" time="0"><skipped/><![CDATA[ <not markup> ]]></testcase>
            </testsuite>
            </testsuites>
            """)
        #expect(results == [
            TestCaseResult(className: "KernelTests.SchedulerTests", name: "yieldRotates", outcome: .passed),
            TestCaseResult(className: "KernelTests.SchedulerTests", name: "budget", outcome: .failed),
            TestCaseResult(className: "X.Y", name: "skipped", outcome: .skipped),
        ])
    }

    /// The input libFuzzer found: Foundation's XMLParser crashed the process (SIGILL) on it.
    @Test func malformedAttributeFoundByFuzzingIsAnErrorAtItsColumn() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Fuzz/Corpus/junit-xml/crash-foundation-xmlparser-malformed-attribute.xml"))
        #expect(throws: TraceInputError.self) { try TestResults.parse(data, file: "crash.xml") }
        do {
            _ = try TestResults.parse(data, file: "crash.xml")
        } catch {
            #expect(error.description == "crash.xml:3:106: not JUnit XML: expected '=' after attribute timKernelTests.SchedulerTests")
        }
    }

    @Test(arguments: [
        ("<testsuites><testcase name='a' x='1' x='2'/></testsuites>", "r.xml:1:38: not JUnit XML: attribute x given twice"),
        ("<?xml version='1.0'?>\n<!DOCTYPE t [<!ENTITY a 'aaa'>]>\n<testsuites/>", "r.xml:2:1: not JUnit XML: a DOCTYPE or other declaration is not accepted in test results"),
        ("<testsuites>\n  <testsuite>\n  </testsuites>", "r.xml:3:3: not JUnit XML: </testsuites> where </testsuite> was expected"),
        ("<testsuites>\n<testcase name='a'>", "r.xml:2:20: not JUnit XML: the file ends inside <testcase>"),
        ("<testsuites/><testsuites/>", "r.xml:1:14: not JUnit XML: a second root element <testsuites>"),
        ("junk<testsuites/>", "r.xml:1:1: not JUnit XML: text outside the root element"),
        ("<testsuites><testcase name='a&b;'/></testsuites>", "r.xml:1:30: not JUnit XML: unknown entity &b;"),
        ("<testsuites><testcase name='a<'/></testsuites>", "r.xml:1:30: not JUnit XML: '<' in the value of attribute name"),
        ("<testsuites><testcase name='ä'x='1'/></testsuites>", "r.xml:1:31: not JUnit XML: expected a space, '>' or '/>' in <testcase>"),
        ("<html/>", "r.xml:1:1: not JUnit XML: the root is <html>, not <testsuites> or <testsuite>"),
        ("", "r.xml:1:1: not JUnit XML: no root element"),
        ("<!-- never closed", "r.xml:1:1: not JUnit XML: unterminated comment"),
    ])
    func malformedXMLIsReportedAtLineAndColumn(_ text: String, _ message: String) {
        #expect(error(text) == message)
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300)
        #expect(error("<testsuites>" + deep + "</testsuites>")?.contains("nested deeper than 64 levels") == true)
    }
}
