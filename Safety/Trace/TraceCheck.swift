// The checks of `orion trace check`, the file walk that feeds them, and the report they produce.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `trace check` found.
public struct TraceReport: Sendable {
    public var items: [RequirementItem]
    public var tags: [TraceTag]
    public var defects: [Defect]
    /// Coverage of the implementing code per item (empty items when no coverage file was given).
    public var coverage: CoverageSummary
    public var config: TraceConfig
    /// Files and links the walk passed over, and why (a link to a folder already read, a binary file).
    public var skipped: [SkippedFile] = []
    /// Whether the check ran in baseline (release) mode: every item must be approved.
    public var baseline = false
    /// Passed, failed and skipped test cases in the results, when results were given.
    public var testTotals: TestTotals?
    /// The paths traced (from the command line or the configuration's `paths:`).
    public var paths: [String] = []
    /// The configuration, results and coverage files read, with their SHA-256.
    public var inputs: [InputFile] = []
    /// The commit and tools, when the caller collected them (`Provenance.collect`).
    public var provenance: Provenance?

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
            if !coverage.waived.isEmpty {
                text += " (coverage-waiver: " + coverage.waived.map(\.id).joined(separator: ", ") + ")"
            }
            lines.append(text)
        }
        lines += skipped.map { "skipped: \($0.path): \($0.reason)" }
        lines += defects.map(\.description)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"items": N, "links": N, "defects": [{"kind": ..., "id": ..., "location": ..., "detail": ...}]}`
    public var json: String {
        let rows = defects.map { d in
            "{\"kind\": \(jsonString(d.kind.rawValue)), \"id\": \(jsonString(d.id)), \"location\": \(jsonString(d.location.description)), \"detail\": \(jsonString(d.detail))}"
        }
        let skippedRows = skipped.map { "{\"path\": \(jsonString($0.path)), \"reason\": \(jsonString($0.reason))}" }
        return "{\"items\": \(items.count), \"links\": \(linkCount), \"defects\": [\(rows.joined(separator: ", "))], \"coverage\": \(coverage.json), "
            + "\"skipped\": [\(skippedRows.joined(separator: ", "))], \"provenance\": \(provenanceJSON)}\n"
    }

    /// `{"commit": ..., "localChanges": ..., "tools": {...}, "baseline": ..., "tests": {...}, "inputs": [...]}`
    var provenanceJSON: String {
        let commit = provenance.map { jsonString($0.commit) } ?? "\"unknown\""
        let local = provenance?.localChanges.map { $0 ? "true" : "false" } ?? "null"
        let tools = (provenance?.tools ?? []).map { "\(jsonString($0.name)): \(jsonString($0.version))" }
        let tests = testTotals.map { "{\"passed\": \($0.passed), \"failed\": \($0.failed), \"skipped\": \($0.skipped)}" } ?? "null"
        let files = inputs.map { "{\"role\": \(jsonString($0.role)), \"path\": \(jsonString($0.path)), \"sha256\": \(jsonString($0.sha256))}" }
        return "{\"commit\": \(commit), \"localChanges\": \(local), \"tools\": {\(tools.joined(separator: ", "))}, "
            + "\"baseline\": \(baseline), \"paths\": [\(paths.map(jsonString).joined(separator: ", "))], "
            + "\"tests\": \(tests), \"inputs\": [\(files.joined(separator: ", "))]}"
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
    ///
    /// With no `paths`, the configuration (`config`, else the one `TraceConfig.discover` finds from
    /// `folder`) names them in its `paths:` line. In `baseline` mode every item must be approved.
    public static func check(paths givenPaths: [String], results resultsFile: String? = nil, coverage coverageFile: String? = nil,
                             config configFile: String? = nil, baseline: Bool = false,
                             from folder: String = FileManager.default.currentDirectoryPath) throws(TraceInputError) -> TraceReport {
        var paths = givenPaths
        let config: TraceConfig
        if paths.isEmpty {
            guard let file = configFile ?? TraceConfig.discover(from: folder) else {
                throw TraceInputError(SourceLocation(file: folder, line: 0),
                                      "no paths given, and no \(TraceConfig.projectLocations.joined(separator: " or ")) in this folder or above it to take them from")
            }
            config = try TraceConfig.load(file)
            guard !config.paths.isEmpty else {
                throw TraceInputError(SourceLocation(file: file, line: 0), "no paths given, and this configuration has no 'paths:' line to take them from")
            }
            paths = config.resolvedPaths(relativeTo: FileManager.default.currentDirectoryPath)
        } else {
            config = try TraceConfig.resolve(explicit: configFile, paths: paths)
        }
        var inputs: [InputFile] = []
        if let source = config.source, let data = try? BoundedFile.read(source, limit: TraceLimits.configFileBytes, what: "the configuration") {
            inputs.append(InputFile(role: "config", path: source, sha256: SHA256.hex(data)))
        }
        var results: [TestCaseResult]?
        if let resultsFile {
            let data = try BoundedFile.read(resultsFile, limit: TraceLimits.resultsFileBytes, what: "the test results")
            results = try TestResults.parse(data, file: resultsFile)
            inputs.append(InputFile(role: "results", path: resultsFile, sha256: SHA256.hex(data)))
        }
        var coverage: CoverageData?
        if let coverageFile {
            let data = try BoundedFile.read(coverageFile, limit: TraceLimits.coverageFileBytes, what: "the coverage file")
            coverage = try CoverageData.parse(data, file: coverageFile)
            inputs.append(InputFile(role: "coverage", path: coverageFile, sha256: SHA256.hex(data)))
        }
        var items: [RequirementItem] = []
        var tags: [TraceTag] = []
        let walked = try walk(paths)
        var skipped = walked.skipped
        for file in walked.files {
            if isRequirementFile(file) {
                let data = try BoundedFile.read(file, limit: TraceLimits.requirementFileBytes, what: "the requirement file")
                guard !data.contains(0) else {
                    throw TraceInputError(SourceLocation(file: file, line: 0), "not a text file (it holds a NUL byte)")
                }
                items += try RequirementParser.parse(String(decoding: data, as: UTF8.self), file: file, config: config)
                guard items.count <= TraceLimits.items else {
                    throw TraceInputError(SourceLocation(file: file, line: 0), "more than \(TraceLimits.items) requirement items under the paths (the limit)")
                }
            } else {
                let data = try BoundedFile.read(file, limit: TraceLimits.sourceFileBytes, what: "the source file")
                if data.contains(0) {
                    skipped.append(SkippedFile(path: file, reason: "binary (it holds a NUL byte), not scanned for tags"))
                    continue
                }
                tags += try TagScanner.scan(String(decoding: data, as: UTF8.self), file: file)
                guard tags.count <= TraceLimits.tags else {
                    throw TraceInputError(SourceLocation(file: file, line: 0), "more than \(TraceLimits.tags) tags under the paths (the limit)")
                }
            }
        }
        var report = check(items: items, tags: tags, results: results, coverage: coverage, config: config, baseline: baseline)
        report.skipped = skipped.sorted { $0.path < $1.path }
        report.paths = paths
        report.inputs = inputs
        return report
    }

    /// A requirement file: `*.md` other than `README.md`.
    static func isRequirementFile(_ file: String) -> Bool {
        file.hasSuffix(".md") && (file as NSString).lastPathComponent != "README.md"
    }

    /// A file the trace reads: a requirement file or a source file scanned for tags.
    static func isTracedFile(_ file: String) -> Bool {
        isRequirementFile(file) || TagScanner.extensions.contains((file as NSString).pathExtension)
    }

    /// The requirement and source files under `paths`, sorted (see `walk`).
    public static func files(under paths: [String]) throws(TraceInputError) -> [String] {
        try walk(paths).files
    }

    /// The requirement and source files under `paths`, sorted, and what was passed over on the way.
    ///
    /// Skips `.build*` folders and folders marked with `ignoreMarker`. Every folder is read once: a
    /// folder reached again (a symbolic link to a parent or to a folder already read, or two paths that
    /// overlap) is not walked again, and a file reached again through a link is not read again, so
    /// links can neither loop nor count items twice; the links passed over are listed in `skipped`.
    /// A requirement or source file name that is a dangling or looping link, or not a regular file, is
    /// bad input. At most `TraceLimits.folderDepth` levels, `TraceLimits.files` files read and
    /// `TraceLimits.walkEntries` entries looked at.
    public static func walk(_ paths: [String]) throws(TraceInputError) -> (files: [String], skipped: [SkippedFile]) {
        struct Identity: Hashable { var device: UInt64; var inode: UInt64 }
        func identity(_ info: stat) -> Identity { Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)) }
        func fileType(_ info: stat) -> mode_t { info.st_mode & S_IFMT }

        var folders: [Identity: String] = [:]
        var readFiles: [Identity: String] = [:]
        var result: [String] = []
        var skipped: [SkippedFile] = []
        var entries = 0

        /// Adds a file to read, or notes it when the same file was reached before.
        func add(_ path: String, _ info: stat) throws(TraceInputError) {
            if let first = readFiles[identity(info)] {
                if first != path { skipped.append(SkippedFile(path: path, reason: "the same file as \(first), read once")) }
                return
            }
            readFiles[identity(info)] = path
            result.append(path)
            guard result.count <= TraceLimits.files else {
                throw TraceInputError(SourceLocation(file: path, line: 0), "more than \(TraceLimits.files) requirement and source files under the paths (the limit)")
            }
        }

        for root in paths {
            var info = stat()
            guard stat(root, &info) == 0 else {
                var link = stat()
                if lstat(root, &link) == 0, fileType(link) == S_IFLNK {
                    throw TraceInputError(SourceLocation(file: root, line: 0), errno == ELOOP ? "dangling symlink (it loops)" : "dangling symlink")
                }
                throw TraceInputError(SourceLocation(file: root, line: 0), "no such file or folder")
            }
            guard fileType(info) == S_IFDIR else {
                guard fileType(info) == S_IFREG else {
                    throw TraceInputError(SourceLocation(file: root, line: 0), "not a regular file or folder")
                }
                if isTracedFile(root) {
                    try add(root, info)
                } else {
                    skipped.append(SkippedFile(path: root, reason: "neither a requirement file (*.md) nor a source file (\(TagScanner.extensions.sorted().map { "*." + $0 }.joined(separator: ", ")))"))
                }
                continue
            }
            let base = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
            guard folders[identity(info)] == nil else { continue }  // overlapping paths: read once
            folders[identity(info)] = base
            var pending = [(path: base, depth: 0)]
            while let (folder, depth) = pending.popLast() {
                let names: [String]
                do {
                    names = try FileManager.default.contentsOfDirectory(atPath: folder)
                } catch {
                    throw TraceInputError(SourceLocation(file: folder, line: 0), "cannot read the folder")
                }
                entries += names.count
                guard entries <= TraceLimits.walkEntries else {
                    throw TraceInputError(SourceLocation(file: folder, line: 0), "more than \(TraceLimits.walkEntries) files and folders under the paths (the limit)")
                }
                for name in names.sorted() {
                    let path = (folder == "/" ? "" : folder) + "/" + name
                    var link = stat()
                    guard lstat(path, &link) == 0 else { continue }  // removed while walking
                    let isLink = fileType(link) == S_IFLNK
                    var target = link
                    if isLink, stat(path, &target) != 0 {
                        // Dangling or looping: bad input where the trace would have read it.
                        if isTracedFile(path) {
                            throw TraceInputError(SourceLocation(file: path, line: 0), errno == ELOOP ? "dangling symlink (it loops)" : "dangling symlink")
                        }
                        continue
                    }
                    switch fileType(target) {
                    case S_IFDIR:
                        if name.hasPrefix(".build") || FileManager.default.fileExists(atPath: path + "/" + ignoreMarker) { continue }
                        if let first = folders[identity(target)] {
                            if isLink { skipped.append(SkippedFile(path: path, reason: "symlink to a folder already read (\(first))")) }
                            continue
                        }
                        guard depth < TraceLimits.folderDepth else {
                            throw TraceInputError(SourceLocation(file: path, line: 0), "folders nested deeper than \(TraceLimits.folderDepth) levels below \(base) (the limit)")
                        }
                        folders[identity(target)] = path
                        pending.append((path, depth + 1))
                    case S_IFREG:
                        if isTracedFile(path) { try add(path, target) }
                    default:
                        if isTracedFile(path) {
                            throw TraceInputError(SourceLocation(file: path, line: 0), "not a regular file (a FIFO, socket or device)")
                        }
                    }
                }
            }
        }
        return (result.sorted(), skipped)
    }

    /// Runs every check on parsed items and tags.
    /// In `baseline` mode (a release baseline), every item whose status is not `approved` is a defect.
    public static func check(items allItems: [RequirementItem], tags: [TraceTag], results: [TestCaseResult]? = nil,
                             coverage: CoverageData? = nil, config: TraceConfig = .standard, baseline: Bool = false) -> TraceReport {
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
        defects += deadEnds(items, children: children, implemented: implemented, verified: verified)
        if baseline {
            for item in items where item.status != "approved" {
                let what = item.status.map { "status is \($0)" } ?? "has no status"
                defects.append(Defect(.unapproved, id: item.id, at: item.location, "\(what); a baseline needs every item approved"))
            }
        }
        if let results {
            defects += TestResults.defects(tags: tags.filter { byID[$0.reference.id] != nil }, results: results)
        }
        let coverageSummary = CoverageSummary.build(items: items, tags: tags, coverage: coverage, config: config)
        defects += coverageSummary.defects(items: items)

        defects.sort { a, b in
            (a.location.file, a.location.line, a.kind.rawValue, a.id, a.detail) < (b.location.file, b.location.line, b.kind.rawValue, b.id, b.detail)
        }
        var report = TraceReport(items: items, tags: tags, defects: defects, coverage: coverageSummary, config: config)
        report.baseline = baseline
        report.testTotals = results.map(TestTotals.init)
        return report
    }

    /// `dead-end`: the leaves (items no item covers) of each safety goal's subtree that no
    /// `@implements` or no `@verifies` tag names, so the goal does not reach code and tests through them.
    /// What the `uncovered` check already reports is left to it: a leaf that needs a child level, or
    /// that lists `impl` or `test` in its needs. Walked with a stack of its own, not the call stack.
    static func deadEnds(_ items: [RequirementItem], children: [String: [RequirementItem]],
                         implemented: Set<String>, verified: Set<String>) -> [Defect] {
        var goalsOf: [String: [String]] = [:]  // leaf → the goals whose subtree ends in it
        var leaves: [String: RequirementItem] = [:]
        for goal in items where goal.kind == .safetyGoal {
            var seen: Set<String> = [goal.id]
            var pending = [goal]
            while let item = pending.popLast() {
                let kids = children[item.id] ?? []
                if kids.isEmpty {
                    goalsOf[item.id, default: []].append(goal.id)
                    leaves[item.id] = item
                }
                for kid in kids where seen.insert(kid.id).inserted { pending.append(kid) }
            }
        }
        var defects: [Defect] = []
        for (id, leaf) in leaves {
            if leaf.needs.contains(where: { if case .child = $0 { true } else { false } }) { continue }
            var missing: [String] = []
            if !implemented.contains(id), !leaf.needs.contains(.impl) { missing.append("@implements") }
            if !verified.contains(id), !leaf.needs.contains(.test) { missing.append("@verifies") }
            guard !missing.isEmpty else { continue }
            let goals = goalsOf[id]!.sorted()
            let chain = goals == [id] ? "is a safety goal with no items under it" : "ends the chain from \(goals.joined(separator: ", "))"
            defects.append(Defect(.deadEnd, id: id, at: leaf.location,
                                  "\(chain), but no \(missing.joined(separator: " or ")) tag names it: the goal does not reach code and tests this way"))
        }
        return defects
    }

    static func symbolText(_ tag: TraceTag) -> String {
        tag.symbol.map { " (on \($0))" } ?? ""
    }

    /// One defect per covers loop, named by its smallest ID. A depth-first search with its own stack
    /// (not the call stack), so a chain or loop of any length is searched in constant stack space.
    static func cycles(_ items: [RequirementItem], byID: [String: RequirementItem]) -> [Defect] {
        var defects: [Defect] = []
        var done: Set<String> = []
        var onPath: [String: Int] = [:]  // item → its position in `path`
        var path: [(id: String, parents: [String], next: Int)] = []
        var reported: Set<[String]> = []

        func enter(_ id: String) {
            onPath[id] = path.count
            path.append((id, byID[id]!.covers.map(\.reference.id).filter { byID[$0] != nil }, 0))
        }
        for item in items.sorted(by: { $0.id < $1.id }) where !done.contains(item.id) && onPath[item.id] == nil {
            enter(item.id)
            while let top = path.last {
                guard top.next < top.parents.count else {
                    path.removeLast()
                    onPath[top.id] = nil
                    done.insert(top.id)
                    continue
                }
                path[path.count - 1].next += 1
                let parent = top.parents[top.next]
                if let start = onPath[parent] {
                    let loop = path[start...].map(\.id)
                    let first = loop.firstIndex(of: loop.min()!)!
                    let rotated = Array(loop[first...] + loop[..<first])
                    if reported.insert(rotated).inserted {
                        let head = byID[rotated[0]]!
                        defects.append(Defect(.cycle, id: head.id, at: head.location, "covers loop: " + (rotated + [rotated[0]]).joined(separator: " -> ")))
                    }
                } else if !done.contains(parent) {
                    enter(parent)
                }
            }
        }
        return defects
    }

    /// `asil` (child below a parent without a valid decomposition) and `decomposition` (invalid pairs).
    static func asilDefects(_ items: [RequirementItem], byID: [String: RequirementItem], children: [String: [RequirementItem]]) -> [Defect] {
        var defects: [Defect] = []
        // Decomposed children per parent and level, so finding an item's partners does not scan every
        // sibling (a parent with many decomposed children was quadratic).
        struct Half: Hashable { var parent: String; var level: ASILLevel; var origin: ASILLevel }
        var halves: [Half: [RequirementItem]] = [:]
        for (parent, kids) in children {
            var seen: Set<String> = []
            for kid in kids where seen.insert(kid.id).inserted {
                guard let a = kid.asil, let origin = a.decomposedFrom else { continue }
                halves[Half(parent: parent, level: a.level, origin: origin), default: []].append(kid)
            }
        }
        for item in items {
            guard let asil = item.asil else { continue }
            var parentIDs: Set<String> = []
            let parents = item.covers.compactMap { byID[$0.reference.id] }.filter { $0.id != item.id && parentIDs.insert($0.id).inserted }

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
                let completing = partners.flatMap { halves[Half(parent: parent.id, level: $0, origin: origin)] ?? [] }.filter { $0.id != item.id }
                if completing.isEmpty {
                    let wanted = partners.map { "\($0.rawValue)(\(origin.rawValue))" }.joined(separator: " or ")
                    defects.append(Defect(.decomposition, id: item.id, at: item.location, "\(asil) under \(parent.id) has no sibling with \(wanted) to complete the pair"))
                    continue
                }
                // The two halves must each claim independence of the other.
                let completingIDs = Set(completing.map(\.id))
                let claimed = item.independentOf.contains { claim in
                    completingIDs.contains(claim.id) && byID[claim.id]!.independentOf.contains { $0.id == item.id }
                }
                if !claimed {
                    let shown = completing.prefix(5).map(\.id).joined(separator: " or ")
                    let names = completing.count > 5 ? shown + " (or \(completing.count - 5) more)" : shown
                    defects.append(Defect(.decomposition, id: item.id, at: item.location, "\(asil) under \(parent.id): it and its partner \(names) do not both claim independence of each other (independent-of)"))
                }
            }
        }
        return defects
    }
}
