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

    /// Orion's cache (`$ORION_CACHE_DIR`, else `$XDG_CACHE_HOME/orion-rt`, else `~/.cache/orion-rt`): what
    /// the setup scripts fetch (QEMU 10, the Raspberry Pi devicetrees and firmware), one folder each.
    public static var cacheFolder: URL {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["ORION_CACHE_DIR"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("orion-rt") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/orion-rt")
    }

    /// `path` with the home folder written `~`.
    public static func abbreviatingHome(_ path: String) -> String {
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        guard home.count > 1, path == home || path.hasPrefix(home + "/") else { return path }
        return "~" + path.dropFirst(home.count)
    }

    /// The file `name` in the folder `pattern` below `root`, where a `*` in a component of `pattern` matches
    /// any run of characters in one folder name (the first match in sorted order wins); nil when there is none.
    public static func expand(_ root: String, pattern: String, name: String) -> String? {
        var folders = [root]
        for component in pattern.split(separator: "/") {
            var next: [String] = []
            for folder in folders {
                if let star = component.firstIndex(of: "*") {
                    let prefix = component[..<star], suffix = component[component.index(after: star)...]
                    let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
                    next += entries.filter { !$0.hasPrefix(".") && $0.count >= prefix.count + suffix.count
                        && $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.map { folder + "/" + $0 }
                } else {
                    next.append(folder + "/" + component)
                }
            }
            folders = next
        }
        return folders.map { $0 + "/" + name }.first { FileManager.default.fileExists(atPath: $0) }
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

    /// How a guest run under QEMU ended.
    public enum GuestResult: Equatable, Sendable {
        /// QEMU ran the guest, which ended QEMU with this status (128 + signal when QEMU died of one).
        case exited(Int32)
        /// The guest ran past the limit; QEMU was killed.
        case timedOut
        /// QEMU failed before the guest printed anything, and said why on its standard error (its own words,
        /// e.g. `qemu-system-aarch64: Number of SMP CPUs requested (1000) exceeds max CPUs supported by machine`).
        case didNotStart(status: Int32, message: String)
    }

    /// Runs QEMU (`executable`) for a guest whose console is QEMU's standard output: the console is copied to
    /// this process's standard output as it comes. QEMU's standard error is held back until the guest has
    /// printed something (then copied as it comes), so that a start-up failure (QEMU exits non-zero having
    /// printed only on standard error) is told apart from a guest that failed: `didNotStart` carries QEMU's
    /// message instead of passing its status off as the guest's. Killed (SIGTERM, then SIGKILL) after `seconds`.
    /// `environment` is laid over this process's (a QEMU from Orion's cache needs `QEMU_MODULE_DIR`).
    public static func runGuest(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                                timeout seconds: Double) throws -> GuestResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let state = GuestOutput()
        let drained = DispatchGroup()
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        // Our copies of the write ends must go, or the readers never see the end of the output.
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        drained.enter()
        DispatchQueue.global().async {
            copy(from: out.fileHandleForReading.fileDescriptor) { bytes in
                state.consoleStarted()
                writeAll(1, bytes)
            }
            drained.leave()
        }
        drained.enter()
        DispatchQueue.global().async {
            copy(from: err.fileHandleForReading.fileDescriptor) { bytes in
                if let live = state.holdOrPass(bytes) { writeAll(2, live) }
            }
            drained.leave()
        }
        if finished.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + 3) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
            }
            drained.wait()
            writeAll(2, state.heldBack())
            return .timedOut
        }
        drained.wait()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        let held = state.heldBack()
        if status != 0 && !state.started && !held.isEmpty {
            let text = String(decoding: held, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .didNotStart(status: status, message: text)
        }
        writeAll(2, held)
        return .exited(status)
    }

    /// Reads `fd` to its end, handing each chunk to `body`.
    static func copy(from fd: Int32, _ body: ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            body(Array(buffer[0..<n]))
        }
    }

    /// Writes all of `bytes` to `fd` (a closed reader is ignored: the guest keeps running to its status).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }

    /// Runs `executable`, streaming its output (to `output` when given, else to this process's), and kills it
    /// (SIGTERM, then SIGKILL) after `seconds`; `environment` is laid over this process's.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           timeout seconds: Double, output: FileHandle? = nil) throws -> TimedResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
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

/// What a guest run has printed so far: whether the console started, and QEMU's standard error held back
/// until it did (start-up messages are QEMU's, not the guest's).
final class GuestOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var held: [UInt8] = []
    private var consoleSeen = false
    /// The most of QEMU's standard error held back (a start-up message is a few lines).
    static let heldLimit = 64 << 10

    var started: Bool { lock.withLock { consoleSeen } }

    /// The guest printed: from now on QEMU's standard error passes straight through.
    func consoleStarted() {
        let pending: [UInt8]? = lock.withLock {
            guard !consoleSeen else { return nil }
            consoleSeen = true
            defer { held = [] }
            return held
        }
        if let pending, !pending.isEmpty { HostTools.writeAll(2, pending) }
    }

    /// Holds `bytes` while the console has not started (nil returned), else returns them to be written.
    func holdOrPass(_ bytes: [UInt8]) -> [UInt8]? {
        lock.withLock {
            if consoleSeen { return bytes }
            if held.count < Self.heldLimit { held += bytes.prefix(Self.heldLimit - held.count) }
            return nil
        }
    }

    /// What is still held back (and forgets it).
    func heldBack() -> [UInt8] {
        lock.withLock {
            defer { held = [] }
            return held
        }
    }
}
