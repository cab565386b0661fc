// The Orion RT source tree `orion` works in, and building board images from it with SwiftPM.

import Foundation

/// Build configuration of a board image.
public enum BuildConfiguration: String, CaseIterable, Sendable {
    /// `-c debug`.
    case debug
    /// `-c release`.
    case release
}

/// A built board image.
public struct BuiltImage: Sendable {
    /// The linked ELF.
    public let elf: URL
    /// The raw binary the board's loader wants (raspi3b's `kernel8.img`), if it needs one.
    public let raw: URL?
    /// What QEMU's `-kernel` gets.
    public var bootImage: URL { raw ?? elf }
}

/// The package checkout: where `Package.swift` and `Boards/` are.
public struct Workspace: Sendable {
    /// The package root.
    public let root: URL

    /// A workspace rooted at `root`.
    public init(root: URL) { self.root = root }

    /// Finds the root: `$ORION_ROOT`, else the nearest folder above the current one (then above this
    /// executable) whose `Package.swift` names the OrionRT package.
    public static func locate() throws -> Workspace {
        if let explicit = ProcessInfo.processInfo.environment["ORION_ROOT"], !explicit.isEmpty {
            let url = URL(fileURLWithPath: explicit)
            guard isOrionRoot(url) else { throw OrionError("ORION_ROOT=\(explicit) is not an Orion RT checkout (no Package.swift naming OrionRT)") }
            return Workspace(root: url)
        }
        let starts = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent(),
        ]
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                if isOrionRoot(folder) { return Workspace(root: folder) }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        throw OrionError("cannot find the Orion RT checkout: run orion inside it or set ORION_ROOT")
    }

    static func isOrionRoot(_ folder: URL) -> Bool {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("Package.swift"), encoding: .utf8) else { return false }
        return text.contains("name: \"OrionRT\"")
    }

    /// SwiftPM's scratch folder for `board` (one per board, since each board has its own toolset).
    public func scratchPath(board: BoardSpec) -> URL {
        root.appendingPathComponent(".build-board-\(board.name)")
    }

    /// Where the linked ELF of `app` lands.
    public func elfPath(board: BoardSpec, app: String, configuration: BuildConfiguration) -> URL {
        scratchPath(board: board)
            .appendingPathComponent(board.triple)
            .appendingPathComponent(configuration.rawValue)
            .appendingPathComponent("orion-app-\(app)")
    }

    /// Checks that `app` is one of the guest applications.
    public func validate(app: String) throws {
        let apps = BoardCatalog.apps(root: root)
        guard apps.contains(app) else {
            throw OrionError("unknown app '\(app)' (known: \(apps.joined(separator: ", ")))")
        }
    }

    /// The `swift build` arguments that build `app` for `board`.
    public func buildArguments(board: BoardSpec, app: String, configuration: BuildConfiguration) -> [String] {
        [
            "build", "--package-path", root.path,
            "--triple", board.triple,
            "--toolset", root.appendingPathComponent("Boards/\(board.name)/toolset.json").path,
            "--scratch-path", scratchPath(board: board).path,
            "--product", "orion-app-\(app)",
            "-c", configuration.rawValue,
        ]
    }

    /// Builds `app` for `board` (SwiftPM rebuilds only what changed); build output goes to stderr.
    public func build(board: BoardSpec, app: String, configuration: BuildConfiguration) throws -> BuiltImage {
        try validate(app: app)
        guard let swift = HostTools.find("swift") else {
            throw OrionError("swift not found on PATH: install the Swift toolchain (see README.md)")
        }
        // SwiftPM does not track the linker script or toolset as inputs of the link: remove the image so
        // it is always linked again (cheap), and a changed link.ld takes effect.
        let elf = elfPath(board: board, app: app, configuration: configuration)
        try? FileManager.default.removeItem(at: elf)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swift)
        process.arguments = buildArguments(board: board, app: app, configuration: configuration)
        process.standardOutput = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OrionError("building \(app) for \(board.name) failed (swift build exited \(process.terminationStatus))", exitStatus: 1)
        }
        guard FileManager.default.fileExists(atPath: elf.path) else {
            throw OrionError("swift build succeeded but \(elf.path) is missing", exitStatus: 1)
        }
        guard board.needsRawImage else { return BuiltImage(elf: elf, raw: nil) }
        let folder = elf.deletingLastPathComponent().appendingPathComponent("images/\(app)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let raw = folder.appendingPathComponent("kernel8.img")
        guard let objcopy = HostTools.find("llvm-objcopy") else {
            throw OrionError("llvm-objcopy not found (it ships with the Swift toolchain)")
        }
        let status = try HostTools.run(objcopy, ["-O", "binary", elf.path, raw.path])
        guard status == 0 else { throw OrionError("llvm-objcopy failed with status \(status)", exitStatus: 1) }
        return BuiltImage(elf: elf, raw: raw)
    }
}
