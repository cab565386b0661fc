// Issue 11's defects of `orion trace`, one regression test each: deep covers chains and loops, symbolic
// links in the folder walk, empty list elements, input bounds, XML errors with a position, output paths
// that are folders, evidence gaps (unmeasured code, dead-end goals, baseline status), provenance, the
// traced folders read from trace.conf, and --help.

import Foundation
import Testing

@testable import SafetyTrace
import TestSupport

/// `count` items `SWR-00000`… each covering the next; with `loop`, the last covers the first.
func chain(_ count: Int, loop: Bool) -> [RequirementItem] {
    func id(_ n: Int) -> String { "SWR-" + String(repeating: "0", count: 5 - String(n).count) + String(n) }
    return (0..<count).map { n in
        var item = RequirementItem(id: id(n), title: "link \(n)", location: SourceLocation(file: "chain.md", line: n + 1))
        if n + 1 < count || loop {
            item.covers = [(ItemReference(id: id((n + 1) % count)), SourceLocation(file: "chain.md", line: n + 1))]
        }
        return item
    }
}

/// The same chain as a requirement file.
func chainText(_ count: Int, loop: Bool) -> String {
    chain(count, loop: loop).map { item in
        "### \(item.id): \(item.title)\n" + (item.covers.first.map { "- covers: \($0.reference.id)\n" } ?? "") + "\n"
    }.joined()
}

struct DeepGraphTests {
    /// 11,000 items crashed the recursive cycle search (and the roll-up and the HTML tree after it).
    @Test(arguments: [false, true])
    func longCoversChainIsCheckedAndRendered(loop: Bool) throws {
        let report = Trace.check(items: chain(11_000, loop: loop), tags: [])
        let cycles = report.defects.filter { $0.kind == .cycle }
        #expect(cycles.count == (loop ? 1 : 0))
        if loop {
            #expect(cycles.first?.id == "SWR-00000")
            #expect(cycles.first?.detail.hasPrefix("covers loop: SWR-00000 -> SWR-00001 -> ") == true)
            #expect(cycles.first?.detail.hasSuffix("SWR-10999 -> SWR-00000") == true)
        }
        let index = ReportIndex(report)
        #expect(index.implemented.isEmpty)
        let html = HTMLReport.render(report)
        #expect(count(of: "<details open id=\"item-SWR-", in: html) == 11_000)
        #expect(count(of: "<ul", in: html) == count(of: "</ul>", in: html))
        #expect(count(of: "<details", in: html) == count(of: "</details>", in: html))
        #expect(!ReqIFReport.render(report).isEmpty)
        #expect(CSVReport.rows(index).count == 11_001)
    }

    /// A long chain whose end implements: the roll-up reaches the head through 11,000 levels.
    @Test func rollUpThroughALongChain() {
        var items = chain(11_000, loop: false)
        items.reverse()  // the order the items come in does not matter
        let tag = TraceTag(kind: .implements, reference: ItemReference(id: "SWR-00000"), location: SourceLocation(file: "x.swift", line: 1))
        let report = Trace.check(items: items, tags: [tag])
        // SWR-00000 covers SWR-00001 … covers SWR-10999: SWR-10999 is the root, SWR-00000 the leaf.
        #expect(ReportIndex(report).implemented.count == 11_000)
    }

    @Test func commandChecksAndReportsALongLoop() throws {
        let scratch = try ScratchFolder()
        try scratch.write("reqs/chain.md", chainText(11_000, loop: true))
        let check = try OrionExecutable.run(["trace", "check", scratch.path + "/reqs"], timeout: 300)
        #expect(check.status == 1, "\(check.stderr)")
        #expect(check.stdout.hasPrefix("trace: 11000 items, 11000 links, 1 defects"), "\(check.stdout.prefix(300))")
        let report = try OrionExecutable.run(["trace", "report", scratch.path + "/reqs", "--html", scratch.path + "/r.html"], timeout: 300)
        #expect(report.status == 1, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/r.html"))
    }
}

struct FolderWalkTests {
    static func tree() throws -> ScratchFolder {
        let scratch = try ScratchFolder()
        try scratch.write("reqs/a.md", "### SWR-1: one\n- covers: SWR-2\n\n")
        try scratch.write("reqs/sub/b.md", "### SWR-2: two\n\n")
        return scratch
    }

    /// Two links to a parent made the walk exponential; one gave a duplicate per item.
    @Test(arguments: [1, 2])
    func linksToAParentAreReadOnce(links: Int) throws {
        let scratch = try Self.tree()
        for n in 0..<links {
            try FileManager.default.createSymbolicLink(atPath: scratch.path + "/reqs/sub/up\(n)", withDestinationPath: "..")
        }
        let start = Date()
        let report = try Trace.check(paths: [scratch.path + "/reqs"])
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(report.items.count == 2)
        #expect(report.defects.isEmpty, "\(report.consoleText)")
        #expect(report.skipped.map(\.path) == (0..<links).map { scratch.path + "/reqs/sub/up\($0)" })
        #expect(report.skipped.allSatisfy { $0.reason == "symlink to a folder already read (\(scratch.path)/reqs)" })
        #expect(report.consoleText.contains("skipped: \(scratch.path)/reqs/sub/up0: symlink to a folder already read"))
    }

    /// A link to a folder outside the paths is followed, once, and a second link to the same folder is not.
    @Test func linkToAnotherFolderIsFollowedOnce() throws {
        let scratch = try Self.tree()
        try scratch.write("elsewhere/c.md", "### SWR-3: three\n\n")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/reqs/x", withDestinationPath: scratch.path + "/elsewhere")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/reqs/y", withDestinationPath: scratch.path + "/elsewhere")
        let report = try Trace.check(paths: [scratch.path + "/reqs"])
        #expect(report.items.map(\.id).sorted() == ["SWR-1", "SWR-2", "SWR-3"])
        #expect(report.defects.isEmpty, "\(report.consoleText)")
        #expect(report.skipped.map(\.path) == [scratch.path + "/reqs/y"])
    }

    @Test(arguments: ["dangling", "loop"])
    func brokenMarkdownLinkIsAnError(kind: String) throws {
        let scratch = try Self.tree()
        let link = scratch.path + "/reqs/sub/gone.md"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: kind == "loop" ? link : scratch.path + "/nowhere.md")
        let expected = kind == "loop" ? "dangling symlink (it loops)" : "dangling symlink"
        #expect(throws: TraceInputError(SourceLocation(file: link, line: 0), expected)) {
            try Trace.check(paths: [scratch.path + "/reqs"])
        }
        let run = try OrionExecutable.run(["trace", "check", scratch.path + "/reqs"], timeout: 120)
        #expect(run.status == 2)
        #expect(run.stderr == "\(link): error: \(expected)\n")
    }

    /// A dangling link the trace would not read (not *.md nor a source) stays out of the way.
    @Test func danglingLinkToAnotherKindOfFileIsIgnored() throws {
        let scratch = try Self.tree()
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/reqs/notes.txt", withDestinationPath: scratch.path + "/nowhere")
        #expect(try Trace.check(paths: [scratch.path + "/reqs"]).items.count == 2)
    }

    @Test func folderNestingIsBounded() throws {
        let scratch = try ScratchFolder()
        let deep = (0...TraceLimits.folderDepth).map { "d\($0)" }.joined(separator: "/")
        try scratch.write(deep + "/x.md", "### SWR-1: deep\n")
        #expect(throws: TraceInputError.self) { try Trace.check(paths: [scratch.path]) }
        do {
            _ = try Trace.check(paths: [scratch.path])
        } catch {
            #expect(error.message == "folders nested deeper than 64 levels below \(scratch.path) (the limit)")
        }
        // One level less is read.
        let shallow = try ScratchFolder()
        try shallow.write((1...TraceLimits.folderDepth).map { "d\($0)" }.joined(separator: "/") + "/x.md", "### SWR-1: deep\n")
        #expect(try Trace.check(paths: [shallow.path]).items.count == 1)
    }

    @Test func aFIFONamedLikeASourceIsAnErrorNotAHang() throws {
        let scratch = try Self.tree()
        #expect(mkfifo(scratch.path + "/reqs/pipe.swift", 0o600) == 0)
        #expect(throws: TraceInputError(SourceLocation(file: scratch.path + "/reqs/pipe.swift", line: 0), "not a regular file (a FIFO, socket or device)")) {
            try Trace.check(paths: [scratch.path + "/reqs"])
        }
    }
}

struct ListElementTests {
    @Test(arguments: [
        ("- covers: ,,,", "empty element in the 'covers' list (a comma at the start or end, or two commas in a row)"),
        ("- covers: TSR-1,", "empty element in the 'covers' list (a comma at the start or end, or two commas in a row)"),
        ("- covers: TSR-1,, TSR-2", "empty element in the 'covers' list (a comma at the start or end, or two commas in a row)"),
        ("- covers:", "'covers' without a value"),
        ("- needs: impl,,test", "empty element in the 'needs' list (a comma at the start or end, or two commas in a row)"),
        ("- independent-of: ,SWR-2", "empty element in the 'independent-of' list (a comma at the start or end, or two commas in a row)"),
        ("- coverage-waiver:", "'coverage-waiver' needs the reason the code is not measured"),
        ("- covers: TSR-1, TSR-1", "'TSR-1' is listed twice in 'covers'"),
        ("- covers: " + (0...RequirementParser.maxListElements).map { "T-\($0)" }.joined(separator: ","),
         "more than 1000 elements in the 'covers' list (the limit)"),
    ])
    func emptyListElementIsAnErrorAtItsLine(line: String, message: String) {
        #expect(throws: TraceInputError(SourceLocation(file: "r.md", line: 3), message)) {
            try RequirementParser.parse("### SWR-1: one\n- asil: B\n\(line)\n", file: "r.md")
        }
    }
}

struct InputBoundTests {
    @Test func requirementFileOverTheBoundIsRefused() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("big.md", "### SWR-1: big\n\n" + String(repeating: "x", count: TraceLimits.requirementFileBytes))
        #expect(throws: TraceInputError(SourceLocation(file: file, line: 0), "the requirement file is larger than the limit of 4 MiB (\(TraceLimits.requirementFileBytes + 16) bytes)")) {
            try Trace.check(paths: [scratch.path])
        }
    }

    @Test func sourceFileOverTheBoundIsRefused() throws {
        let scratch = try ScratchFolder()
        let file = scratch.path + "/big.swift"
        #expect(FileManager.default.createFile(atPath: file, contents: Data(count: TraceLimits.sourceFileBytes + 1)))
        #expect(throws: TraceInputError(SourceLocation(file: file, line: 0), "the source file is larger than the limit of 8 MiB (\(TraceLimits.sourceFileBytes + 1) bytes)")) {
            try Trace.check(paths: [scratch.path])
        }
    }

    @Test func binarySourceIsSkippedAndSaidSo() throws {
        let scratch = try ScratchFolder()
        try scratch.write("reqs.md", "### SWR-1: one\n- needs: impl\n")
        // Bytes that would be a tag if the file were read as text.
        #expect(FileManager.default.createFile(atPath: scratch.path + "/blob.c", contents: Data(tagLine("implements", "SWR-1").utf8) + Data([0, 1, 2])))
        let report = try Trace.check(paths: [scratch.path])
        #expect(report.tags.isEmpty)
        #expect(report.skipped == [SkippedFile(path: scratch.path + "/blob.c", reason: "binary (it holds a NUL byte), not scanned for tags")])
        #expect(report.consoleText.contains("skipped: \(scratch.path)/blob.c: binary (it holds a NUL byte), not scanned for tags"))
        #expect(report.defects.map(\.kind) == [.uncovered])
    }

    @Test func boundedReadRefusesWhatIsTooLargeOrNotAFile() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("f", "12345")
        #expect(try BoundedFile.read(file, limit: 5, what: "x").count == 5)
        #expect(throws: TraceInputError(SourceLocation(file: file, line: 0), "the input is larger than the limit of 4 bytes (5 bytes)")) {
            try BoundedFile.read(file, limit: 4, what: "the input")
        }
        #expect(throws: TraceInputError(SourceLocation(file: "/dev/zero", line: 0), "cannot read the test results: it is not a regular file")) {
            try BoundedFile.read("/dev/zero", limit: 4, what: "the test results")
        }
        #expect(throws: TraceInputError(SourceLocation(file: scratch.path, line: 0), "cannot read the coverage file: it is a folder")) {
            try BoundedFile.read(scratch.path, limit: 4, what: "the coverage file")
        }
    }

    /// /dev/zero and a FIFO as results or coverage: refused at once instead of read forever or blocking.
    @Test(arguments: ["--results", "--coverage"])
    func deviceOrFIFOInputIsRefused(option: String) throws {
        let scratch = try ScratchFolder()
        let fifo = scratch.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        for input in ["/dev/zero", fifo] {
            let run = try OrionExecutable.run(["trace", "check", Paths.fixture("clean"), option, input], timeout: 60)
            #expect(run.status == 2)
            #expect(run.stderr.hasPrefix("\(input): error: cannot read the \(option == "--results" ? "test results" : "coverage file"): it is not a regular file"), "\(run.stderr)")
        }
    }

    @Test func deepJSONIsRefusedWithItsLine() {
        let text = "{\"data\": [\n" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "]}"
        #expect(throws: TraceInputError(SourceLocation(file: "c.json", line: 2), "not llvm-cov export JSON: arrays and objects nested deeper than 64 levels (the limit)")) {
            try CoverageData.parse(Data(text.utf8), file: "c.json")
        }
    }

    @Test func coverageNumbersThatAreNotIntegersAreRefused() {
        for value in ["1e300", "1.5", "-1e19", "\"7\""] {
            let text = #"{"data": [{"functions": [{"filenames": ["a.swift"], "regions": [[1, 1, 2, 1, \#(value), 0, 0, 0]]}]}]}"#
            #expect(throws: TraceInputError(SourceLocation(file: "c.json", line: 1), "not llvm-cov export JSON: a region that is not 8 integers")) {
                try CoverageData.parse(Data(text.utf8), file: "c.json")
            }
        }
    }

    /// llvm-cov writes saturated counters (9223372036854775807, found in Orion RT's own export) and
    /// counts up to 2^64 - 1: they are counts, clamped to Int.max, not bad input.
    @Test func saturatedCountsAreAccepted() throws {
        for count in ["9223372036854775807", "18446744073709551615"] {
            let text = #"{"data": [{"functions": [{"filenames": ["/a.swift"], "regions": [[1, 1, 2, 1, \#(count), 0, 0, 0]]}]}]}"#
            let data = try CoverageData.parse(Data(text.utf8), file: "c.json")
            #expect(data.files["/a.swift"]?.values.first == Int.max)
        }
    }

    @Test func deepXMLIsRefusedWithItsPosition() throws {
        let text = "<testsuites>\n" + String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100) + "</testsuites>\n"
        do {
            _ = try TestResults.parse(Data(text.utf8), file: "r.xml")
            Issue.record("deep XML was accepted")
        } catch {
            #expect(error.message == "not JUnit XML: elements nested deeper than 64 levels (the limit)")
            #expect(error.location.file == "r.xml" && error.location.line == 2 && error.location.column != nil)
        }
    }
}

struct XMLErrorTests {
    @Test(arguments: [
        ("hello", "1:1", "text outside the root element"),
        ("<testsuites>\n  <testsuite a=\"1\" a=\"2\"/>\n</testsuites>\n", "2:", "attribute a given twice"),
        ("<testsuites>\n<testcase name=\"x>\n", "", "not JUnit XML: "),
    ])
    func malformedXMLSaysWhereAndWhat(text: String, position: String, words: String) throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write("results.xml", text)
        let run = try OrionExecutable.run(["trace", "check", Paths.fixture("clean"), "--results", file], timeout: 60)
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix(file + ":" + position), "\(run.stderr)")
        #expect(run.stderr.contains(words), "\(run.stderr)")
        #expect(run.stderr.range(of: #"^[^:]+:\d+:\d+: error: not JUnit XML: "#, options: .regularExpression) != nil, "\(run.stderr)")
        #expect(!run.stderr.contains("NSXMLParserErrorDomain") && !run.stderr.contains("error 4"), "\(run.stderr)")
    }
}

struct OutputPathTests {
    @Test(arguments: ["--html", "--reqif", "--csv"])
    func folderAsOutputIsAClearError(option: String) throws {
        let scratch = try ScratchFolder()
        let run = try OrionExecutable.run(["trace", "report", Paths.fixture("clean"), option, scratch.path], timeout: 60)
        #expect(run.status == 2)
        #expect(run.stderr == "orion: error: cannot write \(scratch.path): is a directory\n")
        #expect(run.stdout.isEmpty)
    }

    @Test func outputInAMissingFolderIsRefusedBeforeAnythingIsWritten() throws {
        let scratch = try ScratchFolder()
        let run = try OrionExecutable.run(["trace", "report", Paths.fixture("clean"), "--html", scratch.path + "/r.html", "--csv", "/no/such/folder/r.csv"], timeout: 60)
        #expect(run.status == 2)
        #expect(run.stderr == "orion: error: cannot write /no/such/folder/r.csv: no such folder /no/such/folder\n")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/r.html"))
    }
}

/// Items for the evidence checks: a goal, an FSR under it, and an SWR under that.
enum Evidence {
    static func tree(swr: String = "- needs: impl, test", fsrNeeds: String = "- needs: swr") -> String {
        """
        ### SG-1: goal
        - asil: B
        - needs: fsr
        - status: approved

        ### FSR-1: functional
        - asil: B
        - covers: SG-1
        \(fsrNeeds)
        - status: approved

        ### SWR-1: software
        - asil: B
        - covers: FSR-1
        \(swr)
        - status: approved

        """
    }

    static func tags() -> [TraceTag] {
        [TraceTag(kind: .implements, reference: ItemReference(id: "SWR-1"), location: SourceLocation(file: "a.swift", line: 1),
                  symbol: "f", symbolLocation: SourceLocation(file: "/no/such/a.swift", line: 2)),
         TraceTag(kind: .verifies, reference: ItemReference(id: "SWR-1"), location: SourceLocation(file: "t.swift", line: 1), symbol: "t",
                  symbolLocation: SourceLocation(file: "t.swift", line: 2))]
    }

    /// Coverage data that measured some other file only.
    static let otherCode = CoverageData(files: ["/elsewhere.swift": [CoverageData.Region(startLine: 1, startColumn: 1, endLine: 2, endColumn: 1): 1]], source: "cov.json")
}

struct EvidenceTests {
    /// SWR-KERN-ADMIT-1's case: ASIL B, implemented, absent from the coverage data, and no defect.
    @Test func unmeasuredCodeOfAnASILItemIsADefect() throws {
        let items = try RequirementParser.parse(Evidence.tree(), file: "r.md")
        let report = Trace.check(items: items, tags: Evidence.tags(), coverage: Evidence.otherCode)
        #expect(report.defects.map(\.description) == [
            "r.md:12: unmeasured: SWR-1: ASIL B, but the coverage data holds none of its implementing code (not measured); measure it, or give a coverage-waiver with the reason",
        ])
        // Without coverage data nothing was claimed about coverage.
        #expect(Trace.check(items: items, tags: Evidence.tags()).defects.isEmpty)
    }

    @Test func waiverWithAReasonAcceptsUnmeasuredCode() throws {
        let items = try RequirementParser.parse(Evidence.tree(swr: "- needs: impl, test\n- coverage-waiver: runs only on the boards; the on-target selftest verifies it"), file: "r.md")
        #expect(items.last?.coverageWaiver?.reason == "runs only on the boards; the on-target selftest verifies it")
        let report = Trace.check(items: items, tags: Evidence.tags(), coverage: Evidence.otherCode)
        #expect(report.defects.isEmpty, "\(report.consoleText)")
        #expect(report.coverage.waived.map(\.id) == ["SWR-1"])
        #expect(report.consoleText.contains("not in the coverage data: SWR-1 (coverage-waiver: SWR-1)"))
        #expect(report.json.contains(#""waived": [{"id": "SWR-1", "reason": "runs only on the boards; the on-target selftest verifies it"}]"#))
        #expect(HTMLReport.render(report).contains("runs only on the boards; the on-target selftest verifies it"))
    }

    @Test func unmeasuredQMCodeIsNoDefect() throws {
        let items = try RequirementParser.parse(Evidence.tree().replacingOccurrences(of: "- asil: B", with: "- asil: QM"), file: "r.md")
        #expect(Trace.check(items: items, tags: Evidence.tags(), coverage: Evidence.otherCode).defects.isEmpty)
    }

    /// SG-COMM-1's case: an FSR with no needs left the goal unimplemented without a defect.
    @Test func leafWithoutCodeAndTestsIsADeadEnd() throws {
        let items = try RequirementParser.parse(Evidence.tree(), file: "r.md")
            + RequirementParser.parse("### FSR-2: no needs\n- asil: B\n- covers: SG-1\n", file: "s.md")
        let report = Trace.check(items: items, tags: Evidence.tags())
        #expect(report.defects.map(\.description) == [
            "s.md:1: dead-end: FSR-2: ends the chain from SG-1, but no @implements or @verifies tag names it: the goal does not reach code and tests this way",
        ])
    }

    @Test func leafWithCodeButNoTestIsADeadEnd() throws {
        let items = try RequirementParser.parse(Evidence.tree(swr: "- needs: impl"), file: "r.md")
        let report = Trace.check(items: items, tags: [Evidence.tags()[0]])
        #expect(report.defects.map(\.description) == [
            "r.md:12: dead-end: SWR-1: ends the chain from SG-1, but no @verifies tag names it: the goal does not reach code and tests this way",
        ])
    }

    @Test func goalWithNothingUnderItIsADeadEnd() throws {
        let items = try RequirementParser.parse("### SG-9: lonely goal\n- asil: B\n", file: "g.md")
        #expect(Trace.check(items: items, tags: []).defects.map(\.description) == [
            "g.md:1: dead-end: SG-9: is a safety goal with no items under it, but no @implements or @verifies tag names it: the goal does not reach code and tests this way",
        ])
    }

    /// What `uncovered` reports already is not reported twice.
    @Test func uncoveredNeedsAreNotDeadEndsToo() throws {
        let items = try RequirementParser.parse(Evidence.tree(), file: "r.md")
        #expect(Trace.check(items: items, tags: []).defects.map(\.kind) == [.uncovered, .uncovered])
        let noChild = try RequirementParser.parse("### SG-1: goal\n- needs: fsr\n", file: "g.md")
        #expect(Trace.check(items: noChild, tags: []).defects.map(\.kind) == [.uncovered])
    }

    @Test func deadEndSearchWalksALongChain() {
        var items = chain(11_000, loop: false)
        items[10_999] = RequirementItem(id: "SG-1", title: "goal", location: SourceLocation(file: "g.md", line: 1))
        items[10_998].covers = [(ItemReference(id: "SG-1"), SourceLocation(file: "chain.md", line: 10_999))]
        let report = Trace.check(items: items, tags: [])
        #expect(report.defects.map(\.id) == ["SWR-00000"])
    }

    @Test func baselineMakesEveryUnapprovedItemADefect() throws {
        var text = Evidence.tree()
        text = text.replacingOccurrences(of: "- covers: SG-1\n- needs: swr\n- status: approved", with: "- covers: SG-1\n- needs: swr\n- status: draft")
        text += "### SWR-2: no status\n- asil: B\n- covers: FSR-1\n- needs: impl, test\n"
        let items = try RequirementParser.parse(text, file: "r.md")
        var tags = Evidence.tags()
        tags += tags.map { var t = $0; t.reference = ItemReference(id: "SWR-2"); return t }
        #expect(Trace.check(items: items, tags: tags).defects.isEmpty)
        let baseline = Trace.check(items: items, tags: tags, baseline: true)
        #expect(baseline.defects.map(\.description) == [
            "r.md:6: unapproved: FSR-1: status is draft; a baseline needs every item approved",
            "r.md:17: unapproved: SWR-2: has no status; a baseline needs every item approved",
        ])
    }

    @Test func baselineOption() throws {
        let clean = Paths.fixture("clean")  // SWR-A has no status, SWR-B is draft, TSR-1 has none
        let plain = try OrionExecutable.run(["trace", "check", clean], timeout: 60)
        #expect(plain.status == 0, "\(plain.stdout)")
        let baseline = try OrionExecutable.run(["trace", "check", clean, "--baseline"], timeout: 60)
        #expect(baseline.status == 1)
        #expect(baseline.stdout.contains("3 defects"), "\(baseline.stdout)")
        #expect(baseline.stdout.contains("\(clean)/motor.md:31: unapproved: SWR-B: status is draft"))
    }
}

struct ProvenanceTests {
    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Every length around the block and padding boundaries agrees with sha256sum.
        let text = String(repeating: "0123456789", count: 13)
        for length in [55, 56, 63, 64, 65, 119, 120, 128] {
            let data = Data(text.utf8.prefix(length))
            #expect(SHA256.hex(data) == sha256sum(data), "length \(length)")
        }
    }

    func sha256sum(_ data: Data) -> String {
        let scratch = try! ScratchFolder()
        let file = try! scratch.write("d", String(decoding: data, as: UTF8.self))
        let run = try! HostProcess.run("sha256sum", [file])
        return String(run.stdout.prefix(64))
    }

    @Test func jsonAndHTMLNameTheCommitToolsTestsAndHashes() throws {
        let root = Paths.fixture("planted")
        let run = try OrionExecutable.run(["trace", "check", root, "--results", root + "/results.xml", "--coverage", root + "/coverage.json", "--json"], timeout: 120)
        #expect(run.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let provenance = try #require(object["provenance"] as? [String: Any])
        let head = try HostProcess.run("git", ["-C", Paths.packageRoot, "rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head.count == 40)
        #expect(provenance["commit"] as? String == head)
        let tools = try #require(provenance["tools"] as? [String: String])
        #expect(tools["orion"] == "0.1.0")
        #expect(tools["swift"]?.first?.isNumber == true)
        #expect(provenance["tests"] as? [String: Int] == ["passed": 1, "failed": 1, "skipped": 0])
        #expect(provenance["baseline"] as? Bool == false)
        let inputs = try #require(provenance["inputs"] as? [[String: String]])
        let coverage = try #require(inputs.first { $0["role"] == "coverage" })
        #expect(coverage["path"] == root + "/coverage.json")
        #expect(coverage["sha256"] == sha256sum(try Data(contentsOf: URL(fileURLWithPath: root + "/coverage.json"))))
        #expect(inputs.contains { $0["role"] == "results" && $0["sha256"]?.count == 64 })

        let scratch = try ScratchFolder()
        let report = try OrionExecutable.run(["trace", "report", root, "--results", root + "/results.xml", "--coverage", root + "/coverage.json", "--html", scratch.path + "/r.html"], timeout: 120)
        #expect(report.status == 1)
        let html = try scratch.read("r.html")
        #expect(html.contains("<dl class=\"provenance\" id=\"provenance\">"))
        #expect(html.contains("<dt>Commit</dt><dd><code>\(head)"))
        #expect(html.contains("<dt>Tools</dt><dd>orion 0.1.0, swift "))
        #expect(html.contains("<dt>Tests</dt><dd>1 passed, 1 failed, 0 skipped</dd>"))
        #expect(html.contains(coverage["sha256"]!))
    }

    @Test func commitOutsideARepositoryIsUnknown() {
        let provenance = Provenance.collect(paths: ["/"], tools: [])
        #expect(provenance.commit == "unknown")
        #expect(provenance.commitText == "unknown")
    }
}

struct ProjectPathsTests {
    @Test func configListsPathsRelativeToItsFolder() throws {
        let scratch = try ScratchFolder()
        try scratch.write("project/Safety/Requirements/trace.conf", "paths: ., ../../Code\n")
        try scratch.write("project/Safety/Requirements/r.md", "### SWR-1: one\n- needs: impl\n")
        try scratch.write("project/Code/a.swift", tagLine("implements", "SWR-1") + "\nfunc a() {}\n")
        try scratch.write("project/Code/deeper/b.swift", "")
        let project = scratch.path + "/project"
        #expect(TraceConfig.discover(from: project + "/Code/deeper") == project + "/Safety/Requirements/trace.conf")
        let report = try Trace.check(paths: [], from: project + "/Code/deeper")
        #expect(report.items.map(\.id) == ["SWR-1"])
        #expect(report.tags.count == 1)
        #expect(report.defects.isEmpty, "\(report.consoleText)")
    }

    @Test func noPathsAndNoConfigurationIsAnError() throws {
        let scratch = try ScratchFolder()
        #expect(throws: TraceInputError(SourceLocation(file: scratch.path, line: 0), "no paths given, and no trace.conf or Safety/Requirements/trace.conf in this folder or above it to take them from")) {
            try Trace.check(paths: [], from: scratch.path)
        }
        try scratch.write("trace.conf", "coverage: B=80\n")
        #expect(throws: TraceInputError(SourceLocation(file: scratch.path + "/trace.conf", line: 0), "no paths given, and this configuration has no 'paths:' line to take them from")) {
            try Trace.check(paths: [], from: scratch.path)
        }
    }

    @Test(arguments: [("paths:", "'paths' needs one or more paths separated by commas, with none empty"),
                      ("paths: a,,b", "'paths' needs one or more paths separated by commas, with none empty"),
                      ("paths: a\npaths: b", "'paths' given twice")])
    func badPathsLine(text: String, message: String) {
        #expect(throws: TraceInputError.self) { try TraceConfig.parse(text, file: "trace.conf") }
        do { _ = try TraceConfig.parse(text, file: "trace.conf") } catch { #expect(error.message == message) }
    }

    /// The README's `orion trace check` with no paths traces the project: the same items and tags as
    /// the folder list in trace.conf, from the package root and from a folder inside it.
    @Test func commandWithoutPathsTracesTheProject() throws {
        let run = try OrionExecutable.run(["trace", "check", "--json"], timeout: 300)
        #expect(run.status == 0, "\(run.stdout.prefix(2000))\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let paths = try #require((object["provenance"] as? [String: Any])?["paths"] as? [String])
        // trace.conf's own list, relative to the package root (its entries are relative to its folder).
        let conf = try String(contentsOfFile: Paths.packageRoot + "/Safety/Requirements/trace.conf", encoding: .utf8)
        let listed = try TraceConfig.parse(conf, file: "trace.conf").paths.map { entry -> String in
            let joined = URL(fileURLWithPath: Paths.packageRoot + "/Safety/Requirements/" + entry).standardized.path
            return String(joined.dropFirst(URL(fileURLWithPath: Paths.packageRoot).standardized.path.count + 1))
        }
        #expect(listed.count >= 6 && listed.starts(with: ["Safety/Requirements", "Kernel", "RealTime", "Fieldbus", "Boards"]))
        #expect(paths == listed)
        let explicit = try Trace.check(paths: paths.map { Paths.packageRoot + "/" + $0 })
        #expect(object["items"] as? Int == explicit.items.count)
        #expect(object["links"] as? Int == explicit.linkCount)
    }
}

struct HelpTests {
    @Test(arguments: [["trace"], ["trace", "check"], ["trace", "report"]])
    func everyTraceCommandAnswersHelpWithItsBounds(command: [String]) throws {
        let run = try OrionExecutable.run(command + ["--help"], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("USAGE: orion " + command.joined(separator: " ")))
        #expect(run.stdout.contains("Limits (past one, the input is refused with exit 2): requirement file 4 MiB"), "\(run.stdout)")
        #expect(run.stdout.contains("folders 64 levels"), "\(run.stdout)")
    }
}
