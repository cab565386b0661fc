// Code coverage from `llvm-cov export` JSON (what `swift test --enable-code-coverage` writes), attributed
// to the functions that `@implements` tags name, and the `low-coverage` check.

import Foundation

/// The code regions of an `llvm-cov export` file, by source file, with their execution counts.
public struct CoverageData: Sendable {
    /// One code region: lines `start...end` (columns kept to tell regions on one line apart).
    public struct Region: Hashable, Sendable {
        public var startLine: Int
        public var startColumn: Int
        public var endLine: Int
        public var endColumn: Int
    }

    /// Canonical file path → region → the largest count any instantiation of it recorded.
    public var files: [String: [Region: Int]]
    public var source: String

    public init(files: [String: [Region: Int]], source: String) {
        self.files = files
        self.source = source
    }

    /// Parses the JSON text of `llvm-cov export -format=text`. `file` is the name used in errors; source
    /// paths in the export that are relative are taken relative to the folder holding `file`.
    ///
    /// Arrays and objects nested deeper than `TraceLimits.nesting`, values that are not what llvm-cov
    /// writes, or JSON that does not parse are a `TraceInputError`; this never traps, whatever the bytes.
    public static func parse(_ data: Data, file: String) throws(TraceInputError) -> CoverageData {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        if let line = nestingPastLimit(data) {
            throw TraceInputError(SourceLocation(file: file, line: line), "not llvm-cov export JSON: arrays and objects nested deeper than \(TraceLimits.nesting) levels (the limit)")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw TraceInputError(SourceLocation(file: file, line: errorLine(error, in: data)), "not llvm-cov export JSON: the file is not valid JSON")
        }
        let top = SourceLocation(file: file, line: 1)
        guard let object = root as? [String: Any], let exports = object["data"] as? [Any] else {
            throw TraceInputError(top, "not llvm-cov export JSON: no top-level \"data\" array")
        }
        if let type = object["type"] as? String, type != "llvm.coverage.json.export" {
            throw TraceInputError(top, "not llvm-cov export JSON: type is '\(type)'")
        }
        var files: [String: [Region: Int]] = [:]
        var canonical: [String: String] = [:]
        for export in exports {
            guard let export = export as? [String: Any], let functions = export["functions"] as? [Any] else {
                throw TraceInputError(top, "not llvm-cov export JSON: an export without a \"functions\" array (export with the default options, not -summary-only)")
            }
            for function in functions {
                guard let function = function as? [String: Any],
                      let names = function["filenames"] as? [String],
                      let regions = function["regions"] as? [Any] else {
                    throw TraceInputError(top, "not llvm-cov export JSON: a function without \"filenames\" and \"regions\"")
                }
                for region in regions {
                    // [startLine, startColumn, endLine, endColumn, count, fileID, expandedFileID, kind]
                    guard let r = region as? [Any], r.count >= 8,
                          let fields = Optional(r.prefix(8).compactMap(integer)), fields.count == 8 else {
                        throw TraceInputError(top, "not llvm-cov export JSON: a region that is not 8 integers")
                    }
                    guard fields[7] == 0 else { continue }  // code regions only (not expansions, gaps, skipped)
                    guard fields[5] >= 0, fields[5] < names.count else {
                        throw TraceInputError(top, "not llvm-cov export JSON: a region names file #\(fields[5]) of \(names.count)")
                    }
                    let name = names[fields[5]]
                    let path = canonical[name] ?? {
                        let c = canonicalPath(name.hasPrefix("/") ? name : folder + "/" + name)
                        canonical[name] = c
                        return c
                    }()
                    let key = Region(startLine: fields[0], startColumn: fields[1], endLine: fields[2], endColumn: fields[3])
                    files[path, default: [:]][key] = max(files[path]?[key] ?? 0, fields[4])
                }
            }
        }
        return CoverageData(files: files, source: file)
    }

    /// Reads and parses the `llvm-cov export` file at `path` (at most `TraceLimits.coverageFileBytes`).
    public static func load(_ path: String) throws(TraceInputError) -> CoverageData {
        try parse(BoundedFile.read(path, limit: TraceLimits.coverageFileBytes, what: "the coverage file"), file: path)
    }

    /// A JSON number that is a whole number, else nil. llvm-cov writes execution counts up to
    /// 2^64 - 1 (a saturated counter reads 9223372036854775807 or more): integers above `Int.max` are
    /// clamped to it; a number with a fraction, or a float too large for an `Int`, is refused.
    static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        switch String(cString: number.objCType) {
        case "c", "C", "s", "S", "i", "I", "l", "q":
            return Int(truncatingIfNeeded: number.int64Value)
        case "L", "Q":
            let unsigned = number.uint64Value
            return unsigned > UInt64(Int.max) ? Int.max : Int(unsigned)
        default:
            let d = number.doubleValue
            guard d.isFinite, d == d.rounded(), abs(d) < 9.0e18 else { return nil }
            return Int(d)
        }
    }

    /// The line where `[`/`{` nesting first passes `TraceLimits.nesting`, or nil (checked before
    /// JSONSerialization, whose parser recurses).
    static func nestingPastLimit(_ data: Data) -> Int? {
        var depth = 0
        var line = 1
        var inString = false
        var escaped = false
        for byte in data {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > TraceLimits.nesting { return line }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return nil
    }

    /// The line a JSONSerialization error points at: Foundation reports a character offset ("around
    /// character N") or, in other versions, "line N"; 1 when it says neither.
    static func errorLine(_ error: Error, in data: Data) -> Int {
        let info = (error as NSError).userInfo
        if let index = info["NSJSONSerializationErrorIndex"] as? Int { return lineNumber(ofOffset: index, in: data) }
        let text = (info[NSDebugDescriptionErrorKey] as? String) ?? ""
        func number(after marker: String) -> Int? {
            guard let range = text.range(of: marker) else { return nil }
            return Int(text[range.upperBound...].prefix(while: \.isNumber))
        }
        if let line = number(after: "line ") { return max(line, 1) }
        if let offset = number(after: "character ") { return lineNumber(ofOffset: offset, in: data) }
        return 1
    }

    static func lineNumber(ofOffset offset: Int, in data: Data) -> Int {
        var line = 1
        for byte in data.prefix(offset) where byte == UInt8(ascii: "\n") { line += 1 }
        return line
    }

    /// An absolute path with symbolic links resolved, so that tag files and coverage files compare.
    static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Regions of `file` starting on lines `lines`: (all, executed).
    func count(file: String, lines: ClosedRange<Int>) -> (regions: Int, covered: Int)? {
        guard let regions = files[file] else { return nil }
        var total = 0
        var covered = 0
        for (region, count) in regions where lines.contains(region.startLine) {
            total += 1
            if count > 0 { covered += 1 }
        }
        return (total, covered)
    }
}

/// Coverage of one tagged declaration.
public struct FunctionCoverage: Sendable {
    public var symbol: String
    public var location: SourceLocation
    public var regions: Int
    public var covered: Int
}

/// Coverage of the code implementing one item: the regions of every declaration its `@implements`
/// tags name, summed.
public struct ItemCoverage: Sendable {
    public var id: String
    public var asil: ASIL?
    public var threshold: Double
    public var functions: [FunctionCoverage]

    public var regions: Int { functions.reduce(0) { $0 + $1.regions } }
    public var covered: Int { functions.reduce(0) { $0 + $1.covered } }
    /// Percent of regions executed (100 when there are none).
    public var percent: Double { regions == 0 ? 100 : Double(covered) * 100 / Double(regions) }
}

/// The coverage part of a report.
public struct CoverageSummary: Sendable {
    /// The `llvm-cov export` file, or nil when none was given.
    public var source: String?
    public var thresholds: [ASILLevel: Double]
    /// Items with implementing code that the coverage file measured.
    public var items: [ItemCoverage]
    /// Items with `@implements` tags none of whose code is in the coverage file (not built into the
    /// measured binaries, such as board code, or no coverage file at all).
    public var unmeasured: [String]
    /// The unmeasured items that carry a `coverage-waiver`, with its reason.
    public var waived: [(id: String, reason: String)] = []

    /// Attributes coverage to the items that `tags` implement.
    static func build(items: [RequirementItem], tags: [TraceTag], coverage: CoverageData?, config: TraceConfig) -> CoverageSummary {
        let byID = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var perItem: [String: [FunctionCoverage]] = [:]
        var implemented: Set<String> = []
        var canonical: [String: String] = [:]
        for tag in tags where tag.kind == .implements && byID[tag.reference.id] != nil {
            implemented.insert(tag.reference.id)
            guard let coverage, let symbol = tag.symbol, let start = tag.symbolLocation else { continue }
            let file = canonical[start.file] ?? {
                let c = CoverageData.canonicalPath(start.file)
                canonical[start.file] = c
                return c
            }()
            let end = max(tag.symbolEndLine ?? start.line, start.line)
            guard let (regions, covered) = coverage.count(file: file, lines: start.line...end), regions > 0 else { continue }
            perItem[tag.reference.id, default: []].append(FunctionCoverage(symbol: symbol, location: start, regions: regions, covered: covered))
        }
        let measured = perItem.keys.sorted().map { id in
            let item = byID[id]!
            return ItemCoverage(id: id, asil: item.asil, threshold: item.asil.map(config.threshold(for:)) ?? 0,
                                functions: perItem[id]!.sorted { $0.location < $1.location })
        }
        let unmeasured = implemented.subtracting(perItem.keys).sorted()
        var summary = CoverageSummary(source: coverage?.source, thresholds: config.coverageThreshold, items: measured, unmeasured: unmeasured)
        summary.waived = unmeasured.compactMap { id in byID[id]?.coverageWaiver.map { (id, $0.reason) } }
        return summary
    }

    /// One `low-coverage` defect per measured item below its ASIL's floor; with coverage data, one
    /// `unmeasured` defect per item of ASIL A to D whose code the data does not hold and that has no
    /// `coverage-waiver`.
    func defects(items: [RequirementItem]) -> [Defect] {
        let byID = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var defects: [Defect] = self.items.compactMap { item in
            guard item.threshold > 0, item.percent < item.threshold else { return nil }
            let asil = item.asil.map { "ASIL \($0)" } ?? "its ASIL"
            let names = item.functions.map(\.symbol).joined(separator: ", ")
            return Defect(.lowCoverage, id: item.id, at: byID[item.id]!.location,
                          "region coverage \(formatPercent(item.percent))% (\(item.covered)/\(item.regions), in \(names)) is below \(formatPercent(item.threshold))% for \(asil)")
        }
        guard source != nil else { return defects }
        for id in unmeasured {
            guard let item = byID[id], let asil = item.asil, asil.level >= .a, item.coverageWaiver == nil else { continue }
            defects.append(Defect(.unmeasured, id: id, at: item.location,
                                  "ASIL \(asil), but the coverage data holds none of its implementing code (not measured); measure it, or give a coverage-waiver with the reason"))
        }
        return defects
    }

    var json: String {
        let thresholdText = ASILLevel.allCases.map { "\(jsonString($0.rawValue)): \(formatPercent(thresholds[$0] ?? 0))" }.joined(separator: ", ")
        let rows = items.map { item in
            let functions = item.functions.map { f in
                "{\"symbol\": \(jsonString(f.symbol)), \"location\": \(jsonString(f.location.description)), \"regions\": \(f.regions), \"covered\": \(f.covered)}"
            }
            return "{\"id\": \(jsonString(item.id)), \"asil\": \(item.asil.map { jsonString($0.description) } ?? "null"), "
                + "\"percent\": \(formatPercent(item.percent)), \"regions\": \(item.regions), \"covered\": \(item.covered), "
                + "\"threshold\": \(formatPercent(item.threshold)), \"functions\": [\(functions.joined(separator: ", "))]}"
        }
        return "{\"source\": \(source.map(jsonString) ?? "null"), \"metric\": \"region\", \"thresholds\": {\(thresholdText)}, "
            + "\"measured\": \(items.count), \"unmeasured\": [\(unmeasured.map(jsonString).joined(separator: ", "))], "
            + "\"waived\": [\(waived.map { "{\"id\": \(jsonString($0.id)), \"reason\": \(jsonString($0.reason))}" }.joined(separator: ", "))], "
            + "\"items\": [\(rows.joined(separator: ", "))]}"
    }
}

/// `87.5`, `100`, `33.3`: one decimal, none when whole.
func formatPercent(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
}
