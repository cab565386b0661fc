import Foundation
import Testing

@testable import SafetyTrace
import TestSupport

/// The package root and the fixture folder, found from this file's path.
enum Paths {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = testsFolder.appendingPathComponent("Fixtures").path
    static let packageRoot = TestPaths.packageRoot.path

    static func fixture(_ name: String) -> String { fixtures + "/" + name }
}

/// A defect as (kind, id, location) for comparisons.
struct Found: Hashable, CustomStringConvertible {
    var kind: String
    var id: String
    var location: String

    init(_ kind: String, _ id: String, _ location: String) {
        self.kind = kind
        self.id = id
        self.location = location
    }

    var description: String { "\(location): \(kind): \(id)" }
}

func found(_ report: TraceReport) -> [Found] {
    report.defects.map { Found($0.kind.rawValue, $0.id, $0.location.description) }
}

struct FixtureTests {
    @Test func cleanTreeHasNoDefects() throws {
        let root = Paths.fixture("clean")
        let report = try Trace.check(paths: [root])
        #expect(report.defects.isEmpty, "\(report.consoleText)")
        #expect(report.items.count == 5)
        #expect(report.tags.count == 5)
        #expect(report.linkCount == 9)  // 4 covers + 5 tags

        let asil = Dictionary(uniqueKeysWithValues: report.items.map { ($0.id, $0.asil?.description ?? "") })
        #expect(asil == ["SG-1": "D", "FSR-1": "D", "TSR-1": "D", "SWR-A": "C(D)", "SWR-B": "A(D)"])
        let swrB = try #require(report.items.first { $0.id == "SWR-B" })
        #expect(swrB.rev == 2)
        #expect(swrB.status == "draft")
        #expect(swrB.needs == [.impl, .test])
        #expect(swrB.body == "Body text.")
        #expect(swrB.location.description == root + "/motor.md:31")
        #expect(swrB.independentOf.map(\.id) == ["SWR-A"])
        let sg = try #require(report.items.first { $0.id == "SG-1" })
        #expect(sg.kind == .safetyGoal)
        #expect(sg.needs == [.child(.functional)])
        #expect(sg.title == "The motor never runs unintentionally")
    }

    @Test func tagsAreAttributedToTheNextDeclaration() throws {
        let root = Paths.fixture("clean")
        let report = try Trace.check(paths: [root])
        let rows = Set(report.tags.map { tag in
            "\(tag.kind.rawValue) \(tag.reference) \(tag.location) \(tag.symbol ?? "-") \(tag.symbolLocation?.description ?? "-")"
        })
        let src = root + "/src"
        #expect(rows == [
            "implements SWR-B \(src)/boot.S:2 motor_entry \(src)/boot.S:4",
            "implements SWR-B@2 \(src)/driver.c:3 motor_stop \(src)/driver.c:4",
            "implements SWR-A \(src)/motor.swift:4 startMotor \(src)/motor.swift:6",
            "verifies SWR-A \(src)/tests.swift:4 motorStarts \(src)/tests.swift:6",
            "verifies SWR-B@2 \(src)/tests.swift:9 motorStops \(src)/tests.swift:11",
        ])
    }

    @Test func plantedTreeHasExactlyThePlantedDefects() throws {
        let root = Paths.fixture("planted")
        let report = try Trace.check(paths: [root], results: root + "/results.xml", coverage: root + "/coverage.json")
        let goals = root + "/goals.md"
        let expected: Set<Found> = [
            Found("uncovered", "SWR-UNC", goals + ":18"),
            Found("low-coverage", "SWR-UNC", goals + ":18"),
            Found("decomposition", "SWR-DEC", goals + ":23"),
            Found("asil", "SWR-LOW", goals + ":27"),
            Found("broken-link", "SWR-BRK", goals + ":33"),
            Found("cycle", "FSR-CYC-1", goals + ":35"),
            Found("duplicate", "SWR-DUP", goals + ":43"),
            Found("outdated", "TSR-1", root + "/src/code.swift:1"),
            Found("orphan", "SWR-GONE", root + "/src/tests.swift:1"),
            Found("missing-test", "SWR-DEC", root + "/src/tests.swift:4"),
            Found("failing-test", "SWR-LOW", root + "/src/tests.swift:7"),
            // TSR-1's only implementation is a struct without code regions.
            Found("unmeasured", "TSR-1", goals + ":12"),
            // Leaves under SG-1 with tests but no code, or neither.
            Found("dead-end", "SWR-DEC", goals + ":23"),
            Found("dead-end", "SWR-LOW", goals + ":27"),
            Found("dead-end", "SWR-DUP", root + "/dup.md:1"),
        ]
        #expect(Set(found(report)) == expected, "\(report.consoleText)")
        #expect(report.defects.count == expected.count)
        // Every kind is planted, the baseline's `unapproved` in baseline mode only.
        #expect(Set(report.defects.map(\.kind)) == Set(Defect.Kind.allCases).subtracting([.unapproved]))
        let baseline = try Trace.check(paths: [root], results: root + "/results.xml", coverage: root + "/coverage.json", baseline: true)
        #expect(Set(found(baseline)) == expected.union(Set(baseline.items.map { Found("unapproved", $0.id, $0.location.description) })))
        #expect(baseline.items.count == 10)

        let detail = Dictionary(report.defects.map { ($0.kind, $0.detail) }, uniquingKeysWith: { first, _ in first })
        #expect(detail[.cycle] == "covers loop: FSR-CYC-1 -> FSR-CYC-2 -> FSR-CYC-1")
        #expect(detail[.duplicate] == "also defined at \(root)/dup.md:1")
        #expect(detail[.uncovered] == "needs test but no @verifies tag names it")
        #expect(detail[.outdated] == "@implements TSR-1@2 (on StopPaths) but TSR-1 is at rev 3")
        #expect(detail[.decomposition] == "B(D) under TSR-1 has no sibling with B(D) to complete the pair")
        #expect(detail[.missingTest] == "test decompositionHolds is not in the test results")
        #expect(detail[.failingTest] == "test lowIsTested failed (PlantedTests.Suite.lowIsTested)")
        // Three code regions after merging the two instantiations and dropping the gap region; one never ran.
        #expect(detail[.lowCoverage] == "region coverage 66.7% (2/3, in unc) is below 90% for ASIL D")
        #expect(report.coverage.items.map(\.id) == ["SWR-UNC"])
        #expect(report.coverage.unmeasured == ["TSR-1"])  // a struct without code regions

        // Without results and coverage, the test-result and coverage kinds are not checked.
        let withoutResults = try Trace.check(paths: [root])
        #expect(Set(found(withoutResults)) == expected.filter { !$0.kind.hasSuffix("-test") && $0.kind != "low-coverage" && $0.kind != "unmeasured" })
    }

    @Test func plantedTreeAsJSON() throws {
        let root = Paths.fixture("planted")
        let report = try Trace.check(paths: [root], results: root + "/results.xml", coverage: root + "/coverage.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(object["items"] as? Int == 10)
        #expect(object["links"] as? Int == 12)  // 8 resolved covers + 4 tags naming known items
        let defects = try #require(object["defects"] as? [[String: String]])
        #expect(Set(defects.map { Found($0["kind"]!, $0["id"]!, $0["location"]!) }) == Set(found(report)))
        #expect(defects.allSatisfy { $0.keys.sorted() == ["detail", "id", "kind", "location"] })
        let coverage = try #require(object["coverage"] as? [String: Any])
        #expect(coverage["source"] as? String == root + "/coverage.json")
        #expect(coverage["unmeasured"] as? [String] == ["TSR-1"])
        #expect((coverage["thresholds"] as? [String: Double])?["D"] == 90)
        let items = try #require(coverage["items"] as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items.first?["id"] as? String == "SWR-UNC")
        #expect(items.first?["percent"] as? Double == 66.7)
        #expect(items.first?["regions"] as? Int == 3)
        #expect(items.first?["covered"] as? Int == 2)
        let functions = try #require(items.first?["functions"] as? [[String: Any]])
        #expect(functions.first?["symbol"] as? String == "unc")
        #expect(functions.first?["location"] as? String == root + "/src/code.swift:5")
    }

    @Test func walkingAParentFolderSkipsTheFixtures() throws {
        let files = try Trace.files(under: [Paths.testsFolder.path])
        #expect(!files.contains { $0.contains("/Fixtures/") })
        #expect(files.contains { $0.hasSuffix("/TraceCheckTests.swift") })
    }

    @Test func badFixtureIsAFileLineError() {
        let root = Paths.fixture("bad")
        #expect(throws: TraceInputError(SourceLocation(file: root + "/broken.md", line: 8), "unknown attribute 'colour' (known: asil, covers, needs, rev, status, independent-of, coverage-waiver)")) {
            try Trace.check(paths: [root])
        }
    }
}

/// The folders of Orion RT's own trace, absolute: the `paths:` of Safety/Requirements/trace.conf, the
/// one list `orion trace` with no path, the README and `Tools/test` use.
func selfTracePaths() throws -> [String] {
    try TraceConfig.load(Paths.packageRoot + "/Safety/Requirements/trace.conf").resolvedPaths()
}

/// The check on this package's own requirements and code.
struct SelfTraceTests {
    @Test func packageSelfTrace() throws {
        let report = try Trace.check(paths: try selfTracePaths())
        #expect(report.items.count >= 10)
        #expect(report.tags.count >= 30)
        #expect(!report.tags.contains { $0.location.file.contains("/Fixtures/") })
        // Orion RT's own requirements trace cleanly: every SWR is implemented and verified, every TSR is
        // covered by SWR children (`needs: swr`).
        #expect(report.defects.isEmpty, "\(report.consoleText)")
    }
}
