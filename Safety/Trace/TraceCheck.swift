// The checks of `orion trace check`, the file walk that feeds them, and the report they produce.

import Foundation

/// What `trace check` found.
public struct TraceReport: Sendable {
    public var items: [RequirementItem]
    public var tags: [TraceTag]
    public var defects: [Defect]
    /// Coverage of the implementing code per item (empty items when no coverage file was given).
    public var coverage: CoverageSummary
    public var config: TraceConfig

    /// Resolved covers links plus tags naming a known item.
    public var linkCount: Int {
        let known = Set(items.map(\.id))
        let covers = items.reduce(0) { n, item in n + item.covers.filter { known.contains($0.reference.id) }.count }
        return covers + tags.filter { known.contains($0.reference.id) }.count
    }

    public var isClean: Bool { defects.isEmpty }

    /// Console form: a summary line, then one defect per line.
    public var consoleText: String {
        var lines = ["trace: \(items.count) items, \(linkCount) links, \(defects.count) defects"]
        if coverage.source != nil {
            var text = "coverage: \(coverage.items.count) items measured (region coverage of their implementing code)"
            if !coverage.unmeasured.isEmpty {
                text += "; not in the coverage data: " + coverage.unmeasured.joined(separator: ", ")
            }
            lines.append(text)
        }
        lines += defects.map(\.description)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"items": N, "links": N, "defects": [{"kind": ..., "id": ..., "location": ..., "detail": ...}]}`
    public var json: String {
        let rows = defects.map { d in
            "{\"kind\": \(jsonString(d.kind.rawValue)), \"id\": \(jsonString(d.id)), \"location\": \(jsonString(d.location.description)), \"detail\": \(jsonString(d.detail))}"
        }
        return "{\"items\": \(items.count), \"links\": \(linkCount), \"defects\": [\(rows.joined(separator: ", "))], \"coverage\": \(coverage.json)}\n"
    }
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

public enum Trace {
    /// A folder holding this file is skipped when reached while walking a parent folder (test fixtures).
    public static let ignoreMarker = ".trace-ignore"

    /// Reads every requirement file and source file under `paths` and runs the checks; with a JUnit XML
    /// file `results`, also the test-result checks; with an `llvm-cov export` file `coverage`, also the
    /// coverage check. `config` is a `trace.conf` file; without one, the first `trace.conf` at the root
    /// of a folder in `paths` is used, else the standard configuration.
    public static func check(paths: [String], results resultsFile: String? = nil, coverage coverageFile: String? = nil,
                             config configFile: String? = nil) throws(TraceInputError) -> TraceReport {
        let config = try TraceConfig.resolve(explicit: configFile, paths: paths)
        var results: [TestCaseResult]?
        if let resultsFile { results = try TestResults.load(resultsFile) }
        var coverage: CoverageData?
        if let coverageFile { coverage = try CoverageData.load(coverageFile) }
        var items: [RequirementItem] = []
        var tags: [TraceTag] = []
        for file in try files(under: paths) {
            let isRequirement = file.hasSuffix(".md") && (file as NSString).lastPathComponent != "README.md"
            let isSource = TagScanner.extensions.contains((file as NSString).pathExtension)
            guard isRequirement || isSource else { continue }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw TraceInputError(SourceLocation(file: file, line: 0), "cannot read the file")
            }
            let text = String(decoding: data, as: UTF8.self)
            if isRequirement {
                items += try RequirementParser.parse(text, file: file, config: config)
            } else {
                tags += try TagScanner.scan(text, file: file)
            }
        }
        return check(items: items, tags: tags, results: results, coverage: coverage, config: config)
    }

    /// The files under `paths`, sorted, skipping `.build*` folders and folders marked with `ignoreMarker`.
    public static func files(under paths: [String]) throws(TraceInputError) -> [String] {
        let fm = FileManager.default
        var result: [String] = []
        for root in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDirectory) else {
                throw TraceInputError(SourceLocation(file: root, line: 0), "no such file or folder")
            }
            guard isDirectory.boolValue else {
                result.append(root)
                continue
            }
            let base = root.hasSuffix("/") ? String(root.dropLast()) : root
            var pending = [base]
            while let folder = pending.popLast() {
                guard let entries = try? fm.contentsOfDirectory(atPath: folder) else { continue }
                for name in entries.sorted() {
                    let path = folder + "/" + name
                    var dir: ObjCBool = false
                    guard fm.fileExists(atPath: path, isDirectory: &dir) else { continue }
                    if dir.boolValue {
                        if name.hasPrefix(".build") || fm.fileExists(atPath: path + "/" + ignoreMarker) { continue }
                        pending.append(path)
                    } else {
                        result.append(path)
                    }
                }
            }
        }
        return Array(Set(result)).sorted()
    }

    /// Runs every check on parsed items and tags.
    public static func check(items allItems: [RequirementItem], tags: [TraceTag], results: [TestCaseResult]? = nil,
                             coverage: CoverageData? = nil, config: TraceConfig = .standard) -> TraceReport {
        var defects: [Defect] = []
        var byID: [String: RequirementItem] = [:]
        var items: [RequirementItem] = []

        // duplicate: the first definition counts, later ones are defects.
        for item in allItems {
            if let first = byID[item.id] {
                defects.append(Defect(.duplicate, id: item.id, at: item.location, "also defined at \(first.location)"))
            } else {
                byID[item.id] = item
                items.append(item)
            }
        }

        // broken-link and outdated covers.
        var children: [String: [RequirementItem]] = [:]
        for item in items {
            for (ref, location) in item.covers {
                guard let parent = byID[ref.id] else {
                    defects.append(Defect(.brokenLink, id: item.id, at: location, "covers unknown item \(ref.id)"))
                    continue
                }
                children[parent.id, default: []].append(item)
                if let rev = ref.rev, rev < parent.rev {
                    defects.append(Defect(.outdated, id: item.id, at: location, "covers \(ref) but \(parent.id) is at rev \(parent.rev)"))
                }
            }
        }

        // broken-link: independence claimed of an unknown item.
        for item in items {
            for (other, location) in item.independentOf where byID[other] == nil {
                defects.append(Defect(.brokenLink, id: item.id, at: location, "independent-of unknown item \(other)"))
            }
        }

        // orphan and outdated tags.
        for tag in tags {
            guard let item = byID[tag.reference.id] else {
                defects.append(Defect(.orphan, id: tag.reference.id, at: tag.location, "@\(tag.kind.rawValue) names an unknown item\(symbolText(tag))"))
                continue
            }
            if let rev = tag.reference.rev, rev < item.rev {
                defects.append(Defect(.outdated, id: item.id, at: tag.location, "@\(tag.kind.rawValue) \(tag.reference)\(symbolText(tag)) but \(item.id) is at rev \(item.rev)"))
            }
        }

        // uncovered.
        let implemented = Set(tags.filter { $0.kind == .implements }.map(\.reference.id))
        let verified = Set(tags.filter { $0.kind == .verifies }.map(\.reference.id))
        for item in items {
            for need in item.needs {
                switch need {
                case .impl where !implemented.contains(item.id):
                    defects.append(Defect(.uncovered, id: item.id, at: item.location, "needs impl but no @implements tag names it"))
                case .test where !verified.contains(item.id):
                    defects.append(Defect(.uncovered, id: item.id, at: item.location, "needs test but no @verifies tag names it"))
                case .child(let kind) where !(children[item.id] ?? []).contains(where: { $0.kind == kind }):
                    defects.append(Defect(.uncovered, id: item.id, at: item.location, "needs \(kind.rawValue) but no \(kind.rawValue.uppercased()) item covers it"))
                default:
                    break
                }
            }
        }

        defects += cycles(items, byID: byID)
        defects += asilDefects(items, byID: byID, children: children)
        if let results {
            defects += TestResults.defects(tags: tags.filter { byID[$0.reference.id] != nil }, results: results)
        }
        let coverageSummary = CoverageSummary.build(items: items, tags: tags, coverage: coverage, config: config)
        defects += coverageSummary.defects(items: items)

        defects.sort { a, b in
            (a.location.file, a.location.line, a.kind.rawValue, a.id, a.detail) < (b.location.file, b.location.line, b.kind.rawValue, b.id, b.detail)
        }
        return TraceReport(items: items, tags: tags, defects: defects, coverage: coverageSummary, config: config)
    }

    static func symbolText(_ tag: TraceTag) -> String {
        tag.symbol.map { " (on \($0))" } ?? ""
    }

    /// One defect per covers loop, named by its smallest ID.
    static func cycles(_ items: [RequirementItem], byID: [String: RequirementItem]) -> [Defect] {
        var defects: [Defect] = []
        var state: [String: Int] = [:]  // 1 on the stack, 2 done
        var stack: [String] = []
        var reported: Set<[String]> = []

        func visit(_ id: String) {
            state[id] = 1
            stack.append(id)
            for ref in byID[id]!.covers.map(\.reference) where byID[ref.id] != nil {
                switch state[ref.id] {
                case 1:
                    let loop = Array(stack[stack.lastIndex(of: ref.id)!...])
                    let start = loop.firstIndex(of: loop.min()!)!
                    let rotated = Array(loop[start...] + loop[..<start])
                    if reported.insert(rotated).inserted {
                        let head = byID[rotated[0]]!
                        defects.append(Defect(.cycle, id: head.id, at: head.location, "covers loop: " + (rotated + [rotated[0]]).joined(separator: " -> ")))
                    }
                case nil:
                    visit(ref.id)
                default:
                    break
                }
            }
            stack.removeLast()
            state[id] = 2
        }
        for item in items.sorted(by: { $0.id < $1.id }) where state[item.id] == nil {
            visit(item.id)
        }
        return defects
    }

    /// `asil` (child below a parent without a valid decomposition) and `decomposition` (invalid pairs).
    static func asilDefects(_ items: [RequirementItem], byID: [String: RequirementItem], children: [String: [RequirementItem]]) -> [Defect] {
        var defects: [Defect] = []
        for item in items {
            guard let asil = item.asil else { continue }
            let parents = item.covers.compactMap { byID[$0.reference.id] }.filter { $0.id != item.id }

            for parent in parents {
                guard let required = parent.asil?.level, asil.level < required else { continue }
                if let origin = asil.decomposedFrom, origin == required { continue }
                defects.append(Defect(.asil, id: item.id, at: item.location, "ASIL \(asil) is lower than \(parent.id)'s \(parent.asil!) and not a decomposition of it"))
            }

            guard let origin = asil.decomposedFrom else { continue }
            let partners = ASIL.partners(of: asil.level, decomposing: origin)
            if partners.isEmpty {
                defects.append(Defect(.decomposition, id: item.id, at: item.location, "\(asil) is not an ISO 26262-9 decomposition of \(origin.rawValue)"))
                continue
            }
            // Only parents whose ASIL this decomposes need the completing sibling.
            for parent in parents where parent.asil?.level == origin {
                let siblings = (children[parent.id] ?? []).filter { $0.id != item.id }
                let completing = siblings.filter { sibling in
                    guard let s = sibling.asil, s.decomposedFrom == origin else { return false }
                    return partners.contains(s.level)
                }
                if completing.isEmpty {
                    let wanted = partners.map { "\($0.rawValue)(\(origin.rawValue))" }.joined(separator: " or ")
                    defects.append(Defect(.decomposition, id: item.id, at: item.location, "\(asil) under \(parent.id) has no sibling with \(wanted) to complete the pair"))
                    continue
                }
                // The two halves must each claim independence of the other.
                let claimed = completing.contains { sibling in
                    item.independentOf.contains { $0.id == sibling.id } && sibling.independentOf.contains { $0.id == item.id }
                }
                if !claimed {
                    let names = completing.map(\.id).joined(separator: " or ")
                    defects.append(Defect(.decomposition, id: item.id, at: item.location, "\(asil) under \(parent.id): it and its partner \(names) do not both claim independence of each other (independent-of)"))
                }
            }
        }
        return defects
    }
}
