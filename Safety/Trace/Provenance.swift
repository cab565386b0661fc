// What a report was made from: the git commit of the traced tree, the tools, and the SHA-256 of each
// input file, so a report can be tied to a baseline.

import Foundation

/// One input file of a run and its SHA-256.
public struct InputFile: Equatable, Sendable {
    /// `results`, `coverage` or `config`.
    public var role: String
    public var path: String
    public var sha256: String

    public init(role: String, path: String, sha256: String) {
        self.role = role
        self.path = path
        self.sha256 = sha256
    }
}

/// The commit and the tools behind a report (the input files and test totals are in `TraceReport`).
public struct Provenance: Equatable, Sendable {
    /// The commit checked out where the traced files are (`git rev-parse HEAD`), or `unknown`.
    public var commit: String
    /// Whether tracked files differ from that commit (`git status`); nil when unknown.
    public var localChanges: Bool?
    /// Tool name → version (`orion`, `swift`), in report order.
    public var tools: [Tool]

    public struct Tool: Equatable, Sendable {
        public var name: String
        public var version: String

        public init(_ name: String, _ version: String) {
            self.name = name
            self.version = version
        }
    }

    public init(commit: String, localChanges: Bool?, tools: [Tool]) {
        self.commit = commit
        self.localChanges = localChanges
        self.tools = tools
    }

    /// `abc123… (with local changes)` or `unknown`.
    public var commitText: String {
        guard commit != "unknown" else { return commit }
        return commit + (localChanges == true ? " (with local changes)" : "")
    }

    /// The provenance of a run over `paths`: the commit of the git work tree holding the first path
    /// (none: `unknown`), and `tools`.
    public static func collect(paths: [String], tools: [Tool]) -> Provenance {
        var folder = paths.first ?? "."
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
            folder = (folder as NSString).deletingLastPathComponent
            if folder.isEmpty { folder = "." }
        }
        guard let head = git(["rev-parse", "--verify", "HEAD"], in: folder),
              head.count == 40 || head.count == 64, head.allSatisfy(\.isHexDigit) else {
            return Provenance(commit: "unknown", localChanges: nil, tools: tools)
        }
        let status = git(["status", "--porcelain", "--untracked-files=no"], in: folder)
        return Provenance(commit: head, localChanges: status.map { !$0.isEmpty }, tools: tools)
    }

    /// The Swift compiler `orion` was built with, as far as `#if compiler` tells.
    public static var swiftVersion: String {
        #if compiler(>=7.0)
        "7.0 or later"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #elseif compiler(>=6.0)
        "6.0"
        #else
        "unknown"
        #endif
    }

    /// The trimmed standard output of `git arguments` run in `folder`, or nil when git is missing,
    /// fails, or takes longer than 10 s.
    static func git(_ arguments: [String], in folder: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        guard let executable = (paths + ["/usr/bin", "/bin"]).map({ $0 + "/git" }).first(where: FileManager.default.isExecutableFile) else {
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-C", folder] + arguments
        // Output to a scratch file, so a long output cannot block git and a hung git cannot block us.
        let scratch = NSTemporaryDirectory() + "orion-trace-git-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: scratch, contents: nil), let output = FileHandle(forWritingAtPath: scratch) else {
            return nil
        }
        defer {
            try? output.close()
            try? FileManager.default.removeItem(atPath: scratch)
        }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: scratch) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
