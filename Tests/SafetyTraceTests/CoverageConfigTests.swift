import Foundation
import Testing

@testable import SafetyTrace

/// A scratch folder for files a test writes, removed when the value goes.
final class ScratchFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "trace-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct ConfigTests {
    @Test func standardKindsAndFloors() {
        let config = TraceConfig.standard
        #expect(config.kind(of: "SWR-X-1") == .software)
        #expect(config.kind(of: "sg-1") == .safetyGoal)
        #expect(config.kind(of: "REQ-1") == nil)
        #expect(config.kind(of: "SWR") == nil)
        #expect(config.threshold(for: ASIL(.b, decomposedFrom: .d)) == 70)
    }

    @Test func configuredPrefixesNameLevels() throws {
        let folder = try ScratchFolder()
        try folder.write("trace.conf", """
            # Our own prefixes.
            kinds: HAZ=sg, SYS=fsr, HW=tsr, SSR=swr
            coverage: D=95%, QM=10
            """)
        try folder.write("reqs.md", """
            ### HAZ-1: A hazard goal
            - asil: D
            - needs: fsr

            ### SYS-1: A system requirement
            - asil: D
            - covers: HAZ-1

            ### SWR-1: Not a configured prefix any more
            """)
        let report = try Trace.check(paths: [folder.path])
        let kinds = Dictionary(uniqueKeysWithValues: report.items.map { ($0.id, $0.kind) })
        #expect(kinds["HAZ-1"] == .safetyGoal)
        #expect(kinds["SYS-1"] == .functional)
        #expect(kinds["SWR-1"] == .some(nil))
        // SYS-1 ends HAZ-1's chain without code or tests: the only defect, and found through the configured kinds.
        #expect(report.defects.map(\.description) == [
            "\(folder.path)/reqs.md:5: dead-end: SYS-1: ends the chain from HAZ-1, but no @implements or @verifies tag names it: the goal does not reach code and tests this way",
        ])
        #expect(report.config.source == folder.path + "/trace.conf")
        #expect(report.config.coverageThreshold[.d] == 95)
        #expect(report.config.coverageThreshold[.qm] == 10)
        #expect(report.config.coverageThreshold[.b] == 70)  // not named: the standard floor
    }

    @Test(arguments: [
        ("kinds SG=sg", 1, "expected 'key: value' (keys: kinds, coverage, paths)"),
        ("colour: red", 1, "unknown key 'colour' (keys: kinds, coverage, paths)"),
        ("\n\nkinds: SG=goal", 3, "unknown level 'goal' for SG (use sg, fsr, tsr or swr)"),
        ("kinds: SG=sg, SG=fsr", 1, "prefix SG given twice"),
        ("kinds: S-G=sg", 1, "'S-G' is not an ID prefix (letters, digits, _)"),
        ("coverage: E=10", 1, "unknown ASIL 'E' (use QM, A, B, C or D)"),
        ("coverage: D=110", 1, "coverage '110' for D is not a percentage from 0 to 100"),
        ("coverage: D", 1, "expected NAME=VALUE, found 'D'"),
        ("coverage: A=1\ncoverage: B=2", 2, "'coverage' given twice"),
    ])
    func badConfigIsAFileLineError(text: String, line: Int, message: String) {
        #expect(throws: TraceInputError(SourceLocation(file: "trace.conf", line: line), message)) {
            try TraceConfig.parse(text, file: "trace.conf")
        }
    }
}

struct IndependenceTests {
    static let tree = """
        ### TSR-1: Two stop paths
        - asil: D

        ### SWR-A: Software path
        - asil: B(D)
        - covers: TSR-1
        - independent-of: SWR-B

        ### SWR-B: Hardware path
        - asil: B(D)
        - covers: TSR-1
        """

    @Test func bothHalvesMustClaimIndependence() throws {
        let items = try RequirementParser.parse(Self.tree, file: "r.md")
        let report = Trace.check(items: items, tags: [])
        #expect(report.defects.map(\.description) == [
            "r.md:4: decomposition: SWR-A: B(D) under TSR-1: it and its partner SWR-B do not both claim independence of each other (independent-of)",
            "r.md:9: decomposition: SWR-B: B(D) under TSR-1: it and its partner SWR-A do not both claim independence of each other (independent-of)",
        ])
        let mutual = try RequirementParser.parse(Self.tree + "\n- independent-of: SWR-A\n", file: "r.md")
        #expect(Trace.check(items: mutual, tags: []).defects.isEmpty)
    }

    @Test func independenceOfAnUnknownItemIsABrokenLink() throws {
        let items = try RequirementParser.parse("### SWR-A: A\n- independent-of: SWR-NONE\n", file: "r.md")
        #expect(Trace.check(items: items, tags: []).defects.map(\.description) == [
            "r.md:2: broken-link: SWR-A: independent-of unknown item SWR-NONE",
        ])
    }
}

struct CoverageTests {
    /// An llvm-cov export with one function of `file` whose regions are `regions`.
    static func export(file: String, regions: [[Int]]) -> String {
        let rows = regions.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ", ")
        return """
            {"data": [{"files": [], "functions": [{"name": "f", "count": 1, "filenames": ["\(file)"], "regions": [\(rows)]}]}],
             "type": "llvm.coverage.json.export", "version": "2.0.1"}
            """
    }

    @Test func tagsCoverTheirDeclarationsExtent() throws {
        let folder = try ScratchFolder()
        let source = try folder.write("src/m.swift", """
            // @implements SWR-1
            struct Machine {
                func run() {
                    step()
                }
                func step() {}
            }

            // @implements SWR-2
            func outside() -> Int {
                return 1
            }
            """)
        try folder.write("reqs.md", "### SWR-1: Run\n- asil: C\n\n### SWR-2: Outside\n- asil: QM\n")
        // run (lines 3-5, ran), step (line 6, never ran), outside (lines 10-12, never ran).
        try folder.write("cov/cov.json", Self.export(file: source, regions: [[3, 16, 5, 6, 1, 0, 0, 0], [6, 17, 6, 19, 0, 0, 0, 0], [10, 25, 12, 2, 0, 0, 0, 0]]))
        let report = try Trace.check(paths: [folder.path + "/reqs.md", folder.path + "/src"], coverage: folder.path + "/cov/cov.json")
        let tags = Dictionary(uniqueKeysWithValues: report.tags.map { ($0.reference.id, $0) })
        #expect(tags["SWR-1"]?.symbolEndLine == 7)
        #expect(tags["SWR-2"]?.symbolEndLine == 12)
        let byID = Dictionary(uniqueKeysWithValues: report.coverage.items.map { ($0.id, $0) })
        #expect(byID["SWR-1"]?.regions == 2)
        #expect(byID["SWR-1"]?.covered == 1)
        #expect(byID["SWR-2"]?.percent == 0)
        // C's floor is 80%: SWR-1 at 50% is a defect; SWR-2 is QM, floor 0.
        #expect(report.defects.map(\.description) == [
            "\(folder.path)/reqs.md:1: low-coverage: SWR-1: region coverage 50% (1/2, in Machine) is below 80% for ASIL C",
        ])
    }

    @Test func relativeSourcePathsAreRelativeToTheCoverageFile() throws {
        let folder = try ScratchFolder()
        try folder.write("src/a.c", "// @implements SWR-1\nint f(void)\n{\n  return 0;\n}\n")
        try folder.write("reqs.md", "### SWR-1: F\n- asil: A\n")
        try folder.write("cov.json", Self.export(file: "src/a.c", regions: [[3, 1, 5, 2, 4, 0, 0, 0]]))
        let report = try Trace.check(paths: [folder.path + "/reqs.md", folder.path + "/src"], coverage: folder.path + "/cov.json")
        #expect(report.coverage.items.map(\.percent) == [100])
        #expect(report.coverage.unmeasured.isEmpty)
        #expect(report.defects.isEmpty)
    }

    @Test func codeOutsideTheCoverageDataIsListedAsUnmeasured() throws {
        let folder = try ScratchFolder()
        try folder.write("src/a.c", "// @implements SWR-1\nint f(void) { return 0; }\n")
        try folder.write("reqs.md", "### SWR-1: F\n- asil: D\n")
        try folder.write("cov.json", Self.export(file: "/elsewhere/b.c", regions: [[1, 1, 1, 2, 0, 0, 0, 0]]))
        let report = try Trace.check(paths: [folder.path], coverage: folder.path + "/cov.json")
        #expect(report.coverage.items.isEmpty)
        #expect(report.coverage.unmeasured == ["SWR-1"])
        #expect(report.consoleText.contains("coverage: 0 items measured (region coverage of their implementing code); not in the coverage data: SWR-1"))
        // ASIL D code that was never measured does not pass the floor silently.
        #expect(report.defects.map(\.kind) == [.unmeasured])
    }

    @Test(arguments: [
        ("{\n\"data\": [\n}", 3, "not llvm-cov export JSON: the file is not valid JSON"),
        ("[1, 2]", 1, "not llvm-cov export JSON: no top-level \"data\" array"),
        ("{\"data\": [], \"type\": \"profile\"}", 1, "not llvm-cov export JSON: type is 'profile'"),
        ("{\"data\": [{\"files\": []}]}", 1, "not llvm-cov export JSON: an export without a \"functions\" array (export with the default options, not -summary-only)"),
        ("{\"data\": [{\"functions\": [{\"name\": \"f\"}]}]}", 1, "not llvm-cov export JSON: a function without \"filenames\" and \"regions\""),
        ("{\"data\": [{\"functions\": [{\"filenames\": [\"a\"], \"regions\": [[1, 2, 3]]}]}]}", 1, "not llvm-cov export JSON: a region that is not 8 integers"),
        ("{\"data\": [{\"functions\": [{\"filenames\": [\"a\"], \"regions\": [[1, 2, 3, 4, 5, 1, 0, 0]]}]}]}", 1, "not llvm-cov export JSON: a region names file #1 of 1"),
    ])
    func badCoverageIsAFileLineError(text: String, line: Int, message: String) {
        #expect(throws: TraceInputError(SourceLocation(file: "cov.json", line: line), message)) {
            try CoverageData.parse(Data(text.utf8), file: "cov.json")
        }
    }
}

struct StringLiteralTests {
    @Test func tagsInsideStringLiteralsAreNotTags() throws {
        let swift = #"""
            let a = "// @implements SWR-NOT-1 {" + #"\" // @implements SWR-NOT-4"#
            let b = """
                // @implements SWR-NOT-2
                }}}
                """
            // @implements SWR-YES
            func f() {
                let c = "}"
            }
            """#
        let tags = try TagScanner.scan(swift, file: "a.swift")
        #expect(tags.map(\.reference.id) == ["SWR-YES"])
        #expect(tags.first?.symbol == "f")
        #expect(tags.first?.symbolEndLine == 9)  // the brace in the string does not close the body

        let c = "char q = '\"'; const char *s = \"/* @implements SWR-NOT-3 */\";\n/* @implements SWR-C */ int g(void) { return '}'; }\n"
        let cTags = try TagScanner.scan(c, file: "a.c")
        #expect(cTags.map(\.reference.id) == ["SWR-C"])
        #expect(cTags.first?.symbol == "g")
        #expect(cTags.first?.symbolEndLine == 2)
    }
}

struct LineEndingTests {
    @Test func crlfFilesReadLikeLFFiles() throws {
        let items = try RequirementParser.parse("### SWR-1: First\r\n- asil: B\r\n- covers: TSR-1\r\n\r\nBody.\r\n", file: "r.md")
        #expect(items.map(\.id) == ["SWR-1"])
        #expect(items.first?.asil == ASIL(.b))
        #expect(items.first?.covers.map(\.reference.id) == ["TSR-1"])
        #expect(items.first?.body == "Body.")
        let tags = try TagScanner.scan("// @implements SWR-1\r\nfunc f() {\r\n}\r\n", file: "a.swift")
        #expect(tags.map { "\($0.reference) \($0.symbol ?? "-") \($0.symbolEndLine ?? 0)" } == ["SWR-1 f 3"])
    }
}

struct TagMentionTests {
    @Test func proseNamingATagIsNotATag() throws {
        let tags = try TagScanner.scan("// Items with `@implements` tags, and `@verifies ID` as text.\n// @implements `SWR-1`\nfunc f() {}\n", file: "a.swift")
        #expect(tags.map(\.reference.id) == ["SWR-1"])
    }
}
