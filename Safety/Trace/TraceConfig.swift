// The small configuration file of `orion trace`: which ID prefixes name which level of the requirement
// chain, the coverage each ASIL asks of the code that implements an item, and the folders a project
// traces when no path is given.

import Foundation

public struct TraceConfig: Sendable, Equatable {
    /// The file name looked for at the root of each folder given to `trace check` / `trace report`.
    public static let fileName = "trace.conf"

    /// ID prefix (upper case, without the dash) → level.
    public var kinds: [String: ItemKind]
    /// Minimum region coverage, in percent, of an item's implementing code, by the item's ASIL level.
    public var coverageThreshold: [ASILLevel: Double]
    /// Where the configuration came from (nil: built in).
    public var source: String?
    /// The folders and files traced when the command line names none (`paths:`), as written: relative
    /// ones are relative to the folder holding the configuration file.
    public var paths: [String] = []

    /// SG → FSR → TSR → SWR, and the coverage floors Orion RT uses unless a configuration says otherwise.
    public static let standard = TraceConfig(
        kinds: ["SG": .safetyGoal, "FSR": .functional, "TSR": .technical, "SWR": .software],
        coverageThreshold: [.qm: 0, .a: 60, .b: 70, .c: 80, .d: 90],
        source: nil)

    public init(kinds: [String: ItemKind], coverageThreshold: [ASILLevel: Double], source: String?) {
        self.kinds = kinds
        self.coverageThreshold = coverageThreshold
        self.source = source
    }

    /// The kind of an item from its ID's prefix (the text before the first `-`), or nil when no
    /// configured prefix matches.
    public func kind(of id: String) -> ItemKind? {
        guard let dash = id.firstIndex(of: "-") else { return nil }
        return kinds[id[..<dash].uppercased()]
    }

    /// The floor for an ASIL: a decomposed `B(D)` is held to B's floor.
    public func threshold(for asil: ASIL) -> Double {
        coverageThreshold[asil.level] ?? 0
    }

    /// Parses a configuration file:
    ///
    ///     # comment
    ///     kinds: SG=sg, FSR=fsr, TSR=tsr, SWR=swr, SSR=swr
    ///     coverage: QM=0, A=60, B=70, C=80, D=90
    ///     paths: ., ../../Kernel, ../../Tests
    ///
    /// Every line is optional; a missing one keeps the standard values. `kinds` replaces the whole
    /// prefix table; `coverage` replaces the levels it names; `paths` lists what to trace when the
    /// command line gives no path (at most `maxPaths`).
    public static func parse(_ text: String, file: String) throws(TraceInputError) -> TraceConfig {
        var config = TraceConfig.standard
        config.source = file
        var seen: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let here = SourceLocation(file: file, line: index + 1)
            var line = String(raw)
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
            line = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw TraceInputError(here, "expected 'key: value' (keys: kinds, coverage, paths)")
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = String(line[line.index(after: colon)...])
            guard key == "kinds" || key == "coverage" || key == "paths" else {
                throw TraceInputError(here, "unknown key '\(key)' (keys: kinds, coverage, paths)")
            }
            guard seen.insert(key).inserted else { throw TraceInputError(here, "'\(key)' given twice") }
            if key == "paths" {
                let parts = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard !parts.contains("") else {
                    throw TraceInputError(here, "'paths' needs one or more paths separated by commas, with none empty")
                }
                guard parts.count <= maxPaths else { throw TraceInputError(here, "more than \(maxPaths) paths (the limit)") }
                config.paths = parts
                continue
            }
            let pairs = try pairs(value, at: here)
            switch key {
            case "kinds":
                config.kinds = [:]
                for (prefix, levelName) in pairs {
                    guard prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), prefix.first?.isLetter == true else {
                        throw TraceInputError(here, "'\(prefix)' is not an ID prefix (letters, digits, _)")
                    }
                    guard let level = ItemKind(rawValue: levelName.lowercased()) else {
                        throw TraceInputError(here, "unknown level '\(levelName)' for \(prefix) (use sg, fsr, tsr or swr)")
                    }
                    guard config.kinds.updateValue(level, forKey: prefix.uppercased()) == nil else {
                        throw TraceInputError(here, "prefix \(prefix) given twice")
                    }
                }
            case "coverage":
                for (levelName, percentText) in pairs {
                    guard let level = ASILLevel(rawValue: levelName.uppercased()) else {
                        throw TraceInputError(here, "unknown ASIL '\(levelName)' (use QM, A, B, C or D)")
                    }
                    let digits = percentText.hasSuffix("%") ? String(percentText.dropLast()) : percentText
                    guard let percent = Double(digits), percent >= 0, percent <= 100 else {
                        throw TraceInputError(here, "coverage '\(percentText)' for \(levelName) is not a percentage from 0 to 100")
                    }
                    config.coverageThreshold[level] = percent
                }
            default:
                throw TraceInputError(here, "unknown key '\(key)' (keys: kinds, coverage, paths)")
            }
        }
        return config
    }

    /// `A=1, B=2` → [(A, 1), (B, 2)].
    static func pairs(_ value: String, at here: SourceLocation) throws(TraceInputError) -> [(String, String)] {
        var result: [(String, String)] = []
        for part in value.split(separator: ",") {
            let piece = part.trimmingCharacters(in: .whitespaces)
            let sides = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard sides.count == 2, !sides[0].isEmpty, !sides[1].isEmpty else {
                throw TraceInputError(here, "expected NAME=VALUE, found '\(piece)'")
            }
            result.append((sides[0], sides[1]))
        }
        guard !result.isEmpty else { throw TraceInputError(here, "no NAME=VALUE pairs") }
        return result
    }

    /// The most entries a `paths:` line may list.
    public static let maxPaths = 256

    /// Reads `file` (at most `TraceLimits.configFileBytes`).
    public static func load(_ file: String) throws(TraceInputError) -> TraceConfig {
        let data = try BoundedFile.read(file, limit: TraceLimits.configFileBytes, what: "the configuration")
        return try parse(String(decoding: data, as: UTF8.self), file: file)
    }

    /// The configuration for a run: `explicit` when given, else the first `trace.conf` at the root of
    /// one of the folders in `paths`, else the standard one.
    public static func resolve(explicit: String?, paths: [String]) throws(TraceInputError) -> TraceConfig {
        if let explicit { return try load(explicit) }
        for path in paths {
            let candidate = (path.hasSuffix("/") ? String(path.dropLast()) : path) + "/" + fileName
            if FileManager.default.fileExists(atPath: candidate) { return try load(candidate) }
        }
        return .standard
    }

    /// Where a project keeps its `trace.conf` below its root, besides the root itself: Orion RT's layout.
    public static let projectLocations = [fileName, "Safety/Requirements/" + fileName]

    /// The configuration of the project `folder` is in: the first of `projectLocations` found in
    /// `folder`, then in each folder above it; nil when there is none.
    public static func discover(from folder: String) -> String? {
        var current = URL(fileURLWithPath: folder).standardizedFileURL
        for _ in 0..<TraceLimits.folderDepth {
            for location in projectLocations {
                let candidate = current.appendingPathComponent(location).path
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue { return candidate }
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { break }
            current = parent
        }
        return nil
    }

    /// `paths` resolved against the folder holding the configuration, with `.` and `..` removed, and
    /// written relative to `folder` (the current folder) when they are inside it, so that locations
    /// read `Kernel/Core/Scheduler.swift:12` when run from the project root; absolute with no `folder`.
    public func resolvedPaths(relativeTo folder: String? = nil) -> [String] {
        let base = URL(fileURLWithPath: source ?? folder ?? FileManager.default.currentDirectoryPath).deletingLastPathComponent()
        let here = folder.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return paths.map { entry in
            let absolute = (entry.hasPrefix("/") ? URL(fileURLWithPath: entry) : base.appendingPathComponent(entry)).standardizedFileURL.path
            guard let here else { return absolute }
            if absolute == here { return "." }
            let prefix = here == "/" ? "/" : here + "/"
            return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
        }
    }
}
