// `orion trace report`: the HTML, ReqIF and CSV renderers on the fixture trees, StrictDoc importing the
// ReqIF, headless Chromium rendering the HTML, and the command's exit codes.
//
// StrictDoc (PyPI, in a virtual environment under ~/.cache/orion-rt) and Chromium (Debian) are installed
// by the first test that needs them when they are missing; a failed install fails the test.

import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import SafetyTrace
import TestSupport

// MARK: Shared inputs

enum ReportFixtures {
    static func clean() throws -> TraceReport { try Trace.check(paths: [Paths.fixture("clean")]) }

    static func planted() throws -> TraceReport {
        let root = Paths.fixture("planted")
        return try Trace.check(paths: [root], results: root + "/results.xml", coverage: root + "/coverage.json")
    }

    /// This package's own requirements and tags (what the README's test command reports on).
    static func selfTrace() throws -> TraceReport {
        try Trace.check(paths: try selfTracePaths())
    }

    /// Two items whose texts hold every character HTML, XML and CSV must escape, and a tag on a generic
    /// function, so a renderer that forgets to escape shows it.
    static let nastyTitle = "Motor <stops> & \"quotes\", 'apostrophes'\nsecond line"
    static let nastyBody = "<script>alert(1)</script> & more\n\nSecond paragraph, \"quoted\"."

    static func nasty() -> TraceReport {
        let file = SourceLocation(file: "reqs/a<b>&c.md", line: 3)
        var goal = RequirementItem(id: "SG-1", title: nastyTitle, location: file)
        goal.body = nastyBody
        goal.asil = ASIL(.d)
        goal.status = "approved"
        var child = RequirementItem(id: "SWR-1", title: "Child, of \"SG-1\"", location: SourceLocation(file: "reqs/a<b>&c.md", line: 9))
        child.asil = ASIL(.d)
        child.covers = [(ItemReference(id: "SG-1"), SourceLocation(file: "reqs/a<b>&c.md", line: 11))]
        child.needs = [.impl]
        let tags = [
            TraceTag(kind: .implements, reference: ItemReference(id: "SWR-1"), location: SourceLocation(file: "src/x&y.swift", line: 1),
                     symbol: "convert<T>", symbolLocation: SourceLocation(file: "src/x&y.swift", line: 2)),
            TraceTag(kind: .verifies, reference: ItemReference(id: "SWR-<9>"), location: SourceLocation(file: "src/t.swift", line: 4)),
        ]
        return Trace.check(items: [goal, child], tags: tags)
    }
}

extension ScratchFolder {
    /// The text of `name` in the folder.
    func read(_ name: String) throws -> String {
        try String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }
}

func count(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

/// Every `href="#x"` in `html` names an element `id="x"`.
func danglingLinks(_ html: String) throws -> [String] {
    let ids = Set(try matches(#" id="([^"]+)""#, html))
    return Set(try matches(##"href="#([^"]+)""##, html)).filter { !ids.contains($0) }.sorted()
}

func matches(_ pattern: String, _ text: String) throws -> [String] {
    let regex = try NSRegularExpression(pattern: pattern)
    let ns = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
}

// MARK: HTML

struct HTMLReportTests {
    @Test func plantedReportHasTheSummaryEveryItemAndEveryDefect() throws {
        let report = try ReportFixtures.planted()
        let html = HTMLReport.render(report)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<section id=\"summary\">"))
        #expect(html.contains("<table class=\"summary\" id=\"summary-asil\">"))
        #expect(html.contains("<table class=\"summary\" id=\"summary-level\">"))
        #expect(html.contains("10 items · 12 links · 5 tags · 15 defects"))

        for item in report.items {
            #expect(count(of: "id=\"\(HTMLReport.itemAnchor(item.id))\"", in: html) == 1, "tree node of \(item.id)")
            #expect(count(of: "id=\"\(HTMLReport.rowAnchor(item.id))\"", in: html) == 1, "matrix row of \(item.id)")
            #expect(html.contains(HTMLReport.escape(item.title)))
        }
        #expect(report.defects.count == 15)
        for (n, defect) in report.defects.enumerated() {
            let row = try #require(try matches("<tr id=\"defect-\(n + 1)\">(.*?)</tr>", html).first, "row of \(defect)")
            #expect(row.contains(">\(defect.kind.rawValue)<"))
            #expect(row.contains(HTMLReport.escape(defect.location.description)))
            #expect(row.contains(HTMLReport.escape(defect.detail)))
            if report.items.contains(where: { $0.id == defect.id }) {
                #expect(row.contains("href=\"#\(HTMLReport.itemAnchor(defect.id))\""), "defect \(n + 1) links to its item")
            } else {
                #expect(row.contains("(no such item)"))
            }
        }
        #expect(try danglingLinks(html) == [])

        // Coverage: the measured item and the floor it misses.
        #expect(html.contains("<section id=\"coverage\">"))
        #expect(html.contains("coverage 66.7%"))
        #expect(html.contains("<td class=\"num bad\">66.7 %</td><td class=\"num\">90 %</td>"))
    }

    @Test func summaryCountsPerASILAndLevel() throws {
        let index = ReportIndex(try ReportFixtures.clean())
        typealias Row = ReportIndex.SummaryRow
        #expect(index.summaryByLevel == [
            Row(label: "SG", items: 1, implemented: 1, verified: 1, itemsWithDefects: 0, defects: 0),
            Row(label: "FSR", items: 1, implemented: 1, verified: 1, itemsWithDefects: 0, defects: 0),
            Row(label: "TSR", items: 1, implemented: 1, verified: 1, itemsWithDefects: 0, defects: 0),
            Row(label: "SWR", items: 2, implemented: 2, verified: 2, itemsWithDefects: 0, defects: 0),
        ])
        #expect(index.summaryByASIL.map(\.label) == ["QM", "A", "B", "C", "D"])
        #expect(index.summaryByASIL.map(\.items) == [0, 1, 0, 1, 3])  // A(D), C(D), three D

        let planted = ReportIndex(try ReportFixtures.planted())
        let swr = try #require(planted.summaryByLevel.first { $0.label == "SWR" })
        // SWR-UNC is implemented; SWR-DEC and SWR-LOW verified; every SWR has a defect (three are dead ends).
        #expect(swr == Row(label: "SWR", items: 5, implemented: 1, verified: 2, itemsWithDefects: 5, defects: 11))
        #expect(planted.summaryTotal.defects == 15)  // with the orphan tag's, which names no item
        #expect(planted.implemented.contains("SG-1"))  // through FSR-1 and TSR-1's own tag
        #expect(!planted.verified.contains("SG-1"))
        #expect(!planted.implemented.contains("FSR-CYC-1"))  // a covers loop is never done
    }

    @Test func treeGoesFromGoalsToCodeAndTests() throws {
        let html = HTMLReport.render(try ReportFixtures.clean())
        // Nested in order: SG-1 > FSR-1 > TSR-1 > SWR-A, SWR-B; the code and tests under the SWRs.
        let order = ["id=\"item-SG-1\"", "id=\"item-FSR-1\"", "id=\"item-TSR-1\"", "id=\"item-SWR-A\"", "startMotor", "motorStarts",
                     "id=\"item-SWR-B\"", "motor_entry", "motor_stop", "motorStops"]
        let positions = try order.map { name in try #require(html.range(of: name)?.lowerBound, "\(name) in the tree") }
        #expect(positions == positions.sorted())
        let tree = try #require(try matches(#"(?s)<section id="tree">(.*?)</section>"#, html).first)
        #expect(tree.contains("implemented by</span> <code class=\"sym\">startMotor</code> <code class=\"loc\">\(Paths.fixture("clean"))/src/motor.swift:6</code>"))
        #expect(tree.contains("verified by</span> <code class=\"sym\">motorStops</code>"))
        #expect(tree.contains("<code class=\"sym\">motor_stop</code> <code class=\"loc\">\(Paths.fixture("clean"))/src/driver.c:4</code> <span class=\"muted\">@2</span>"))
        #expect(tree.contains("independent of <a href=\"#item-SWR-B\">SWR-B</a>"))
        #expect(!html.contains("<section id=\"defects\">\n<h2>Defects (0)</h2>\n<table"))
        #expect(html.contains("No defects."))
        #expect(try danglingLinks(html) == [])
    }

    @Test func reportIsSelfContained() throws {
        let html = HTMLReport.render(try ReportFixtures.planted())
        for external in ["src=", "<link", "@import", "url(", "http://", "https://", "//cdn"] {
            #expect(!html.contains(external), "\(external) in the report")
        }
        #expect(count(of: "<style>", in: html) == 1)
        #expect(count(of: "<script>", in: html) == 1)
    }

    @Test func everythingIsEscaped() throws {
        let html = HTMLReport.render(ReportFixtures.nasty(), title: "<Report & co>", inputs: ["a\"b"])
        #expect(count(of: "<script", in: html) == 1)  // only the report's own
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"))
        #expect(html.contains("Motor &lt;stops&gt; &amp; &quot;quotes&quot;, &#39;apostrophes&#39;"))
        #expect(html.contains("<title>&lt;Report &amp; co&gt;</title>"))
        #expect(html.contains("<code>a&quot;b</code>"))
        #expect(html.contains("reqs/a&lt;b&gt;&amp;c.md:3"))
        #expect(html.contains("<code class=\"sym\">convert&lt;T&gt;</code>"))
        #expect(html.contains("SWR-&lt;9&gt; <span class=\"muted\">(no such item)</span>"))
        #expect(!html.contains("<stops>") && !html.contains("a<b>") && !html.contains("<T>") && !html.contains("<9>"))
        #expect(try danglingLinks(html) == [])
        #expect(HTMLReport.escape("a\u{1}b\u{7F}c\td") == "abc\td")
    }
}

// MARK: ReqIF

/// The elements named `name` (local name) under `node`, in document order.
func elements(_ name: String, in node: XMLNode) -> [XMLElement] {
    var found: [XMLElement] = []
    for child in node.children ?? [] {
        if let element = child as? XMLElement {
            if element.localName == name { found.append(element) }
            found += elements(name, in: element)
        }
    }
    return found
}

func attribute(_ element: XMLElement, _ name: String) -> String? {
    // By local name: FoundationXML's attribute(forName:) misses unprefixed attributes of elements in a
    // default namespace.
    element.attributes?.first { ($0.localName ?? $0.name) == name }?.stringValue
}

/// The text of the first `name` element under `element`.
func childText(_ element: XMLElement, _ name: String) -> String? {
    elements(name, in: element).first?.stringValue
}

struct ReqIFReportTests {
    static let date = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01

    func parse(_ text: String) throws -> XMLDocument {
        try XMLDocument(data: Data(text.utf8), options: [])
    }

    @Test func plantedReqIFHasTheRightCounts() throws {
        let report = try ReportFixtures.planted()
        let index = ReportIndex(report)
        let text = ReqIFReport.render(report, date: Self.date)
        let document = try parse(text)
        let root = try #require(document.rootElement())
        #expect(root.localName == "REQ-IF")
        #expect(root.uri == "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd")
        #expect(childText(root, "REQ-IF-VERSION") == "1.0")
        #expect(childText(root, "CREATION-TIME") == "2026-01-01T00:00:00Z")

        // Identifiers are unique and every reference resolves.
        let all = allElements(root)
        let identifiers = all.compactMap { attribute($0, "IDENTIFIER") }
        #expect(Set(identifiers).count == identifiers.count)
        let references = all.filter { $0.localName?.hasSuffix("-REF") == true }.compactMap(\.stringValue)
        #expect(!references.isEmpty)
        #expect(references.filter { !Set(identifiers).contains($0) } == [])

        // Attribute definitions of the requirement type.
        let types = elements("SPEC-OBJECT-TYPE", in: root)
        let requirementType = try #require(types.first { attribute($0, "LONG-NAME") == "Requirement" })
        let definitions = allElements(requirementType).filter { $0.localName?.hasPrefix("ATTRIBUTE-DEFINITION-") == true && attribute($0, "LONG-NAME") != nil }
        let names = Dictionary(uniqueKeysWithValues: definitions.map { (attribute($0, "LONG-NAME")!, $0.localName!) })
        #expect(names == [
            "ReqIF.ForeignID": "ATTRIBUTE-DEFINITION-STRING", "ReqIF.Name": "ATTRIBUTE-DEFINITION-STRING",
            "ReqIF.Text": "ATTRIBUTE-DEFINITION-XHTML", "ASIL": "ATTRIBUTE-DEFINITION-STRING",
            "Status": "ATTRIBUTE-DEFINITION-ENUMERATION", "Rev": "ATTRIBUTE-DEFINITION-INTEGER",
            "Kind": "ATTRIBUTE-DEFINITION-STRING", "Needs": "ATTRIBUTE-DEFINITION-STRING", "Source": "ATTRIBUTE-DEFINITION-STRING",
        ])

        // One spec object per item (plus a chapter per level), with its ID, title, ASIL and rev.
        let objects = elements("SPEC-OBJECT", in: root)
        let requirements = objects.filter { childText($0, "SPEC-OBJECT-TYPE-REF") == attribute(requirementType, "IDENTIFIER") }
        #expect(requirements.count == report.items.count)
        #expect(objects.count == report.items.count + 4)  // SG, FSR, TSR, SWR chapters
        var values: [String: [String: String]] = [:]
        for object in requirements {
            var row: [String: String] = [:]
            for value in elements("ATTRIBUTE-VALUE-STRING", in: object) + elements("ATTRIBUTE-VALUE-INTEGER", in: object) {
                let reference = elements("DEFINITION", in: value).first.flatMap(allElements)?.first?.stringValue
                let definition = try #require(definitions.first { attribute($0, "IDENTIFIER") == reference })
                row[attribute(definition, "LONG-NAME")!] = attribute(value, "THE-VALUE")
            }
            values[row["ReqIF.ForeignID"] ?? "?"] = row
        }
        #expect(Set(values.keys) == Set(report.items.map(\.id)))
        for item in report.items {
            #expect(values[item.id]?["ReqIF.Name"] == item.title)
            #expect(values[item.id]?["ASIL"] == item.asil?.description)
            #expect(values[item.id]?["Rev"] == String(item.rev))
            #expect(values[item.id]?["Source"] == item.location.description)
        }

        // One relation per resolved covers link, child (source) to parent (target).
        let relations = elements("SPEC-RELATION", in: root).map { relation in
            [childText(elements("SOURCE", in: relation)[0], "SPEC-OBJECT-REF")!, childText(elements("TARGET", in: relation)[0], "SPEC-OBJECT-REF")!]
        }
        let expected = index.items.flatMap { item in (index.parents[item.id] ?? []).map { [ReqIFReport.objectID(item.id), ReqIFReport.objectID($0)] } }
        #expect(relations.count == 8)
        #expect(relations == expected)

        // The hierarchy: chapters holding every item once.
        let specification = try #require(elements("SPECIFICATION", in: root).first)
        let chapters = (elements("CHILDREN", in: specification).first?.children ?? []).compactMap { $0 as? XMLElement }
        #expect(chapters.count == 4)
        let leaves = chapters.flatMap { elements("SPEC-HIERARCHY", in: $0) }.map { childText($0, "SPEC-OBJECT-REF")! }
        #expect(leaves.sorted() == report.items.map { ReqIFReport.objectID($0.id) }.sorted())
    }

    func allElements(_ node: XMLNode) -> [XMLElement] {
        (node.children ?? []).compactMap { $0 as? XMLElement }.flatMap { [$0] + allElements($0) }
    }

    @Test func textsSurviveEscaping() throws {
        let report = ReportFixtures.nasty()
        let document = try parse(ReqIFReport.render(report, title: "A & <B>", date: Self.date))
        let root = try #require(document.rootElement())
        let strings = elements("ATTRIBUTE-VALUE-STRING", in: root).compactMap { attribute($0, "THE-VALUE") }
        #expect(strings.contains(ReportFixtures.nastyTitle))  // the line break too
        #expect(strings.contains("reqs/a<b>&c.md:3"))
        let text = try #require(elements("ATTRIBUTE-VALUE-XHTML", in: root).first)
        let paragraphs = elements("p", in: text).map(\.stringValue)
        #expect(paragraphs == ["<script>alert(1)</script> & more", "Second paragraph, \"quoted\"."])
        #expect(elements("p", in: text).allSatisfy { $0.uri == "http://www.w3.org/1999/xhtml" })
        #expect(childText(root, "TITLE") == "A & <B>")
    }

    @Test func identifiersAreXMLNamesAndDistinct() {
        #expect(ReqIFReport.objectID("SWR-A.1_b") == "SO-SWR-A.1_5F_b")
        #expect(ReqIFReport.objectID("X_2D_") != ReqIFReport.objectID("X-"))
        #expect(ReqIFReport.objectID("ä b") == "SO-_E4__20_b")
    }
}

// MARK: CSV

struct CSVReportTests {
    @Test func plantedMatrixRoundTrips() throws {
        let report = try ReportFixtures.planted()
        let text = CSVReport.render(report)
        let rows = try #require(CSVReport.parse(text))
        #expect(rows == CSVReport.rows(ReportIndex(report)))
        #expect(rows.count == report.items.count + 1)
        #expect(rows[0] == CSVReport.header + ["Coverage"])
        #expect(rows.allSatisfy { $0.count == rows[0].count })
        #expect(text.hasSuffix("\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))

        let byID = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0) })
        let column = Dictionary(uniqueKeysWithValues: rows[0].enumerated().map { ($1, $0) })
        let tsr = try #require(byID["TSR-1"])
        #expect(tsr[column["Children"]!] == "SWR-DEC\nSWR-DUP\nSWR-LOW\nSWR-UNC")
        #expect(tsr[column["Implemented by"]!] == "StopPaths (\(Paths.fixture("planted"))/src/code.swift:2) @2")
        #expect(tsr[column["Coverage"]!] == "not measured")
        let unc = try #require(byID["SWR-UNC"])
        #expect(unc[column["Coverage"]!] == "66.7%")
        #expect(unc[column["Defects"]!] == "2")
        #expect(unc[column["Implemented"]!] == "yes")
        #expect(unc[column["Verified"]!] == "no")
        #expect(byID["SWR-DEC"]?[column["ASIL"]!] == "B(D)")
    }

    @Test func fieldsAreQuotedPerRFC4180() throws {
        let report = ReportFixtures.nasty()
        let text = CSVReport.render(report)
        #expect(text.contains("\"Motor <stops> & \"\"quotes\"\", 'apostrophes'\nsecond line\""))
        #expect(text.contains(",\"Child, of \"\"SG-1\"\"\","))
        let rows = try #require(CSVReport.parse(text))
        #expect(rows == CSVReport.rows(ReportIndex(report)))
        #expect(rows[1][5] == ReportFixtures.nastyTitle)
        // No coverage file: no coverage column.
        #expect(rows[0] == CSVReport.header)
    }

    @Test func parserRejectsMalformedCSV() {
        #expect(CSVReport.parse("a,\"b") == nil)       // unclosed quote
        #expect(CSVReport.parse("a,b\"c\r\n") == nil)  // quote inside an unquoted field
        #expect(CSVReport.parse("\"a\"b\r\n") == nil)  // text after a closing quote
        #expect(CSVReport.parse("a,\"\"\r\n\"x\ny\",z") == [["a", ""], ["x\ny", "z"]])
    }
}

// MARK: External tools

enum ExternalTools {
    /// The StrictDoc release the ReqIF import is tested with.
    static let strictDocVersion = "0.30.4"

    /// A virtual environment holding StrictDoc `strictDocVersion` (and its `reqif` dependency), made
    /// with `python3 -m venv` and `pip install` when missing (once per test run).
    static let strictDoc: Result<String, ToolFailure> = Result { () throws(ToolFailure) -> String in
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        let venv = home + "/.cache/orion-rt/strictdoc-" + strictDocVersion
        if FileManager.default.isExecutableFile(atPath: venv + "/bin/strictdoc") { return venv }
        do {
            try FileManager.default.createDirectory(atPath: home + "/.cache/orion-rt", withIntermediateDirectories: true)
            let made = try HostProcess.run("python3", ["-m", "venv", "--clear", venv], timeout: 300)
            guard made.status == 0 else { throw ToolFailure("python3 -m venv failed:\n\(made.stderr)") }
            let pip = try HostProcess.run(venv + "/bin/pip", ["install", "--disable-pip-version-check", "strictdoc==" + strictDocVersion], timeout: 1200)
            guard pip.status == 0, FileManager.default.isExecutableFile(atPath: venv + "/bin/strictdoc") else {
                throw ToolFailure("pip install strictdoc==\(strictDocVersion) failed:\n\(pip.stdout.suffix(2000))\n\(pip.stderr.suffix(2000))")
            }
            return venv
        } catch let failure as ToolFailure {
            throw failure
        } catch {
            throw ToolFailure("cannot install StrictDoc: \(error)")
        }
    }
}

// MARK: StrictDoc

struct StrictDocImportTests {
    enum Tree: String, CaseIterable, Sendable { case clean, planted, selfTrace }

    /// The ReqIF is valid against the ReqIF 1.2 schema (the `reqif` package's copy), StrictDoc's importer
    /// turns it into an SDoc document with one requirement per item, and StrictDoc then reads that
    /// document back with the same parent links (not for the planted tree: StrictDoc refuses its cycle).
    @Test(arguments: Tree.allCases)
    func strictDocImportsTheReqIF(_ tree: Tree) throws {
        let venv = try ExternalTools.strictDoc.get()
        let report: TraceReport
        switch tree {
        case .clean: report = try ReportFixtures.clean()
        case .planted: report = try ReportFixtures.planted()
        case .selfTrace: report = try ReportFixtures.selfTrace()
        }
        let index = ReportIndex(report)
        let scratch = try ScratchFolder()
        let input = try scratch.write("input.reqif", ReqIFReport.render(report))

        let validate = try HostProcess.run(venv + "/bin/reqif", ["validate", "--use-reqif-schema", input], in: scratch.path, timeout: 120)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        #expect(validate.stdout.contains("0 errors, 0 schema issues found, 0 semantic issues found"), "\(validate.stdout)")

        let convert = try HostProcess.run(venv + "/bin/strictdoc", ["convert", input, scratch.path + "/sdoc"], in: scratch.path, timeout: 120)
        #expect(convert.status == 0, "\(convert.stdout)\(convert.stderr)")
        let outputs = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/sdoc").filter { $0.hasSuffix(".sdoc") }
        try #require(outputs.count == 1, "\(outputs)")
        let sdoc = try scratch.read("sdoc/" + outputs[0])
        let lines = sdoc.components(separatedBy: "\n")
        #expect(lines.filter { $0 == "[REQUIREMENT]" }.count == report.items.count)
        let uids = lines.filter { $0.hasPrefix("UID: ") }.map { String($0.dropFirst(5)) }
        #expect(uids.sorted() == report.items.map(\.id).sorted())

        guard !report.defects.contains(where: { $0.kind == .cycle }) else { return }
        let export = try HostProcess.run(venv + "/bin/strictdoc", ["export", scratch.path + "/sdoc", "--formats", "json", "--output-dir", scratch.path + "/export"], in: scratch.path, timeout: 120)
        #expect(export.status == 0, "\(export.stdout)\(export.stderr)")
        let json = try #require(FileManager.default.contents(atPath: scratch.path + "/export/json/index.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var parents: [String: [String]] = [:]
        func walk(_ node: [String: Any]) {
            for child in node["NODES"] as? [[String: Any]] ?? [] {
                if child["_NODE_TYPE"] as? String == "REQUIREMENT", let uid = child["UID"] as? String {
                    parents[uid] = (child["RELATIONS"] as? [[String: Any]] ?? []).compactMap { $0["VALUE"] as? String }
                }
                walk(child)
            }
        }
        for document in object["DOCUMENTS"] as? [[String: Any]] ?? [] { walk(document) }
        #expect(parents.count == report.items.count)
        #expect(parents == Dictionary(uniqueKeysWithValues: report.items.map { ($0.id, index.parents[$0.id] ?? []) }))
    }
}

// MARK: Chromium

@Suite(.serialized)
struct ChromiumRenderTests {
    /// The top of a 1280×2000 screenshot (header, summary and the start of the tree) as decoded pixels.
    func screenshot(_ html: String, rows: Int = 700) throws -> PNGImage {
        let scratch = try ScratchFolder()
        let page = try scratch.write("report.html", html)
        let png = scratch.path + "/out.png"
        return try Chromium.render(page, width: 1280, height: 2000, to: png, in: scratch.path, maxRows: rows)
    }

    @Test func screenshotShowsTheReport() throws {
        let image = try screenshot(HTMLReport.render(try ReportFixtures.planted()))
        #expect(image.width == 1280)
        #expect(image.height == 2000)
        #expect(image.rows.count == 700)
        // Text, tables and coloured badges: many colours, and no colour covering nearly everything.
        #expect(image.colours > 50, "\(image.colours) colours")
        let commonest = image.histogram().values.max() ?? 0
        #expect(Double(commonest) < 0.95 * Double(1280 * 700))
        // The header band is the report's dark blue, the page below it white.
        #expect(image.rows[5][5] == 0x1F2A44)
        #expect(image.rows[690][1270] == 0xFFFFFF)
    }

    /// The check above can fail: a blank page decodes to one flat colour.
    @Test func blankPageIsOneFlatColour() throws {
        let image = try screenshot("<!DOCTYPE html><html><body></body></html>", rows: 2000)
        #expect(image.rows.count == 2000)
        #expect(image.colours == 1)
    }

    @Test func renderedDOMHasTheSummary() throws {
        let report = try ReportFixtures.planted()
        let scratch = try ScratchFolder()
        let page = try scratch.write("report.html", HTMLReport.render(report))
        let run = try Chromium.dumpDOM(of: page, in: scratch.path)
        #expect(run.status == 0, "\(run.stderr.suffix(3000))")
        let dom = run.stdout
        #expect(dom.contains("<section id=\"summary\">"))
        #expect(dom.contains("<h3>By ASIL</h3>"))
        #expect(dom.contains("<h3>By level</h3>"))
        #expect(dom.contains("10 items · 12 links · 5 tags · 15 defects"))
        #expect(count(of: "<tr id=\"defect-", in: dom) == report.defects.count)
        for item in report.items {
            #expect(dom.contains("id=\"\(HTMLReport.itemAnchor(item.id))\""))
        }
    }
}

// MARK: orion trace report

struct TraceReportCommandTests {
    @Test func cleanTreeWritesEveryOutputAndExitsZero() throws {
        let scratch = try ScratchFolder()
        let out = scratch.path
        let run = try OrionExecutable.run(["trace", "report", Paths.fixture("clean"), "--html", out + "/r.html", "--reqif", out + "/r.reqif", "--csv", out + "/r.csv"], timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.hasPrefix("trace: 5 items, 9 links, 0 defects"))
        let html = try scratch.read("r.html")
        #expect(html.contains("<section id=\"summary\">") && html.contains("item-SWR-B"))
        #expect(try XMLDocument(data: Data(try scratch.read("r.reqif").utf8)).rootElement()?.localName == "REQ-IF")
        #expect(CSVReport.parse(try scratch.read("r.csv"))?.count == 6)
    }

    @Test func defectsExitOneAndTheReportIsStillWritten() throws {
        let scratch = try ScratchFolder()
        let root = Paths.fixture("planted")
        let run = try OrionExecutable.run(["trace", "report", root, "--results", root + "/results.xml", "--coverage", root + "/coverage.json", "--html", scratch.path + "/r.html"], timeout: 120)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("15 defects"))
        #expect(run.stdout.contains("\(root)/src/tests.swift:7: failing-test: SWR-LOW"))
        let html = try scratch.read("r.html")
        #expect(count(of: "<tr id=\"defect-", in: html) == 15)
        #expect(html.contains("<section id=\"coverage\">"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/r.csv"))
    }

    @Test func badRequirementIsAFileLineErrorAndWritesNothing() throws {
        let scratch = try ScratchFolder()
        let run = try OrionExecutable.run(["trace", "report", Paths.fixture("bad"), "--html", scratch.path + "/r.html"], timeout: 120)
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix(Paths.fixture("bad") + "/broken.md:8: error: unknown attribute 'colour'"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/r.html"))
    }

    @Test(arguments: [
        ("results.xml", "<testsuites>\n<testsuite>\n<testcase name=\"a\">\n</testsuite>\n", ":4:1: error: not JUnit XML"),
        ("coverage.json", "{\"data\": [\n  {\"functions\": [}\n]}\n", ":2: error: not llvm-cov export JSON"),
    ])
    func badResultsOrCoverageIsAFileLineError(name: String, text: String, message: String) throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write(name, text)
        let option = name == "results.xml" ? "--results" : "--coverage"
        let run = try OrionExecutable.run(["trace", "report", Paths.fixture("clean"), option, file, "--csv", scratch.path + "/r.csv"], timeout: 120)
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix(file + message), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/r.csv"))
    }

    @Test func usageErrorsExitTwo() throws {
        let noOutput = try OrionExecutable.run(["trace", "report", Paths.fixture("clean")], timeout: 120)
        #expect(noOutput.status == 2)
        #expect(noOutput.stderr.contains("needs at least one output: --html, --reqif or --csv"))

        // No path, and no trace.conf in the folder or above it to name the paths.
        let elsewhere = try ScratchFolder()
        let noPath = try HostProcess.run(TestPaths.orion, ["trace", "report", "--html", elsewhere.path + "/x.html"], in: elsewhere.path, timeout: 120)
        #expect(noPath.status == 2)
        #expect(noPath.stderr.contains("no paths given, and no trace.conf or Safety/Requirements/trace.conf in this folder or above it"), "\(noPath.stderr)")
        #expect(!FileManager.default.fileExists(atPath: elsewhere.path + "/x.html"))

        let missing = try OrionExecutable.run(["trace", "report", "/no/such/folder", "--csv", "/tmp/x.csv"], timeout: 120)
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("/no/such/folder: error: no such file or folder"), "\(missing.stderr)")

        let unwritable = try OrionExecutable.run(["trace", "report", Paths.fixture("clean"), "--csv", "/no/such/folder/r.csv"], timeout: 120)
        #expect(unwritable.status == 2)
        #expect(unwritable.stderr == "orion: error: cannot write /no/such/folder/r.csv: no such folder /no/such/folder\n", "\(unwritable.stderr)")
    }
}
