// Finding host programs (QEMU, llvm-objcopy, swift) and running them.

import Foundation

/// Locating and running programs on the host.
public enum HostTools {
    /// The full path of `program` on `PATH` (or the Swift toolchain's bin folder), or nil.
    public static func find(_ program: String) -> String? {
        if program.contains("/") {
            return FileManager.default.isExecutableFile(atPath: program) ? program : nil
        }
        var folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        if let swift = toolchainBin { folders.append(swift) }
        for folder in folders {
            let candidate = folder + "/" + program
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The folder holding `swift` (and `ld.lld`, `llvm-objcopy` in a Swift toolchain).
    public static var toolchainBin: String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = String(folder) + "/swift"
            if FileManager.default.isExecutableFile(atPath: path) {
                return URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent().path
            }
        }
        return FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/swift") ? "/opt/swift/usr/bin" : nil
    }

    /// Where QEMU keeps firmware blobs on Debian.
    public static let qemuFirmwareFolders = ["/usr/share/qemu", "/usr/lib/ipxe/qemu", "/usr/share/qemu-efi-aarch64"]

    /// Whether the QEMU firmware file `name` is installed.
    public static func hasFirmware(_ name: String) -> Bool {
        qemuFirmwareFolders.contains { FileManager.default.fileExists(atPath: $0 + "/" + name) }
    }

    /// Runs `executable` with `arguments`, output going to this process's stdout/stderr; returns its status.
    public static func run(_ executable: String, _ arguments: [String], in folder: URL? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        try process.run()
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// The outcome of a program run under a time limit.
    public enum TimedResult: Equatable, Sendable {
        /// It exited (or died of a signal: 128 + signal) with this status.
        case exited(Int32)
        /// It ran past the limit and was killed.
        case timedOut
    }

    /// Runs `executable`, streaming its output (to `output` when given, else to this process's), and kills it
    /// (SIGTERM, then SIGKILL) after `seconds`.
    public static func run(_ executable: String, _ arguments: [String], timeout seconds: Double,
                           output: FileHandle? = nil) throws -> TimedResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        if let output { process.standardOutput = output }
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if finished.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + 3) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
            }
            return .timedOut
        }
        return .exited(process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus)
    }
}
