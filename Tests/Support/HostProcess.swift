// Running host programs from tests: the package's own `orion` and external tools (apt-get, Chromium,
// StrictDoc). Shared by the test targets that run programs (OrionToolTests, SafetyTraceTests,
// SchedToolTests, and the Linux VM suites of CANToolTests and FieldbusTests).

import Foundation

/// A test helper failed: a program is missing, could not be installed, or did not finish in time.
public struct ToolFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What one program run left behind.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum HostProcess {
    /// Runs `executable` (a path, or a name looked up with `which`) with standard input from /dev/null,
    /// in `folder` when given, with `environment` laid over this process's environment.
    ///
    /// Standard output and error go to scratch files, so neither can fill up and block the child, and
    /// grandchildren that keep them open (browser helpers, QEMU) cannot block the reading. With a
    /// `timeout` the program is terminated (then killed) after that many seconds and the run throws.
    public static func run(_ executable: String, _ arguments: [String], in folder: String? = nil,
                           environment: [String: String] = [:], timeout: TimeInterval? = nil) throws -> ProcessResult {
        guard let path = executable.contains("/") ? executable : which(executable) else {
            throw ToolFailure("\(executable) is not in PATH")
        }
        let scratch = NSTemporaryDirectory() + "test-process-" + UUID().uuidString
        let outFile = scratch + ".out", errFile = scratch + ".err"
        _ = FileManager.default.createFile(atPath: outFile, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outFile)
            try? FileManager.default.removeItem(atPath: errFile)
        }
        guard let out = FileHandle(forWritingAtPath: outFile), let err = FileHandle(forWritingAtPath: errFile) else {
            throw ToolFailure("cannot open scratch files \(scratch).out/.err")
        }
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while isRunning(process) && Date() < deadline { usleep(20_000) }
            if isRunning(process) {
                // Where it is stuck, before it is ended (a program asleep in the kernel, e.g. `ip` waiting for the
                // RTNL lock, cannot be interrupted by a signal; its kernel stack says what it waits for).
                let stuck = kernelState(process.processIdentifier)
                process.terminate()
                let grace = Date().addingTimeInterval(5)
                while isRunning(process) && Date() < grace { usleep(20_000) }
                if isRunning(process) { kill(process.processIdentifier, SIGKILL) }
                // Bounded: a process asleep in the kernel ends only when it wakes up; the run fails now, with what
                // it was waiting for.
                let reaped = Date().addingTimeInterval(15)
                while isRunning(process) && Date() < reaped { usleep(20_000) }
                throw ToolFailure("\(executable) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s (\(stuck))")
            }
        }
        let status = waitForExit(process)
        let read = { (file: String) in String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self) }
        return ProcessResult(status: status, stdout: read(outFile), stderr: read(errFile))
    }

    /// Waits for `process` to end and returns its exit status (the signal's number when a signal ended it), as
    /// `waitUntilExit` and `terminationStatus` do, except that it does not wait for Foundation to notice the exit.
    /// Foundation learns of it when a socket the child inherited closes, and a sibling started at the same moment
    /// (suites start processes from many threads) can inherit that socket too and hold it open for as long as it
    /// runs: clean-clone CI runs sat 800 and 1000 s in `waitUntilExit` for a child that had long ended. The exit
    /// is read here with `waitid(WNOWAIT)`, which leaves the child for Foundation to reap as usual.
    public static func waitForExit(_ process: Process) -> Int32 {
        while process.isRunning {
            if let status = endedStatus(process.processIdentifier) { return status }
            usleep(10_000)
        }
        return process.terminationStatus
    }

    /// A stuck process's state, kernel wait channel and kernel stack (the stack needs root), for the error.
    static func kernelState(_ pid: Int32) -> String {
        func read(_ name: String) -> String {
            ((try? String(contentsOfFile: "/proc/\(pid)/\(name)", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let state = read("status").split(separator: "\n").first { $0.hasPrefix("State:") }.map(String.init) ?? "State: ?"
        let stack = read("stack").split(separator: "\n").prefix(12).joined(separator: " | ")
        return "pid \(pid) \(state), wchan \(read("wchan")), kernel stack: \(stack.isEmpty ? "unreadable" : stack)"
    }

    /// Whether `process` still runs: false as soon as it has ended, whether or not Foundation noticed.
    public static func isRunning(_ process: Process) -> Bool {
        process.isRunning && endedStatus(process.processIdentifier) == nil
    }

    /// The exit status of child `pid` once it has ended (not yet reaped), nil while it runs; it is not reaped.
    static func endedStatus(_ pid: Int32) -> Int32? {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return nil }
        let child = info._sifields._sigchld
        guard child.si_pid == pid else { return nil }
        return child.si_status
    }


    /// The first executable `name` in PATH, then in /usr/local/bin, /usr/bin and /bin.
    public static func which(_ name: String) -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return (folders + ["/usr/local/bin", "/usr/bin", "/bin"]).map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Installs Debian `package` with `apt-get install -y` (after `apt-get update` when the first try
    /// fails); tests install the tools they need instead of skipping.
    public static func aptInstall(_ package: String) throws(ToolFailure) {
        let apt = ["DEBIAN_FRONTEND": "noninteractive"]
        do {
            var install = try run("apt-get", ["install", "-y", package], environment: apt, timeout: 1200)
            if install.status != 0 {
                _ = try run("apt-get", ["update"], environment: apt, timeout: 600)
                install = try run("apt-get", ["install", "-y", package], environment: apt, timeout: 1200)
            }
            guard install.status == 0 else {
                throw ToolFailure("apt-get install \(package) failed (\(install.status)):\n\(install.stderr.suffix(2000))")
            }
        } catch let failure as ToolFailure {
            throw failure
        } catch {
            throw ToolFailure("cannot run apt-get: \(error)")
        }
    }
}

/// Where the package is, and the `orion` executable built from it.
public enum TestPaths {
    /// The package root, found from this file's path (Tests/Support/HostProcess.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `orion`, built next to the test bundle (`swift build --product orion`; Tools/test builds it first).
    public static var orion: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("orion").path
    }
}

public enum OrionExecutable {
    /// Runs the built `orion` with `arguments` from the package root, with `environment` laid over this
    /// process's (`["PATH": ...]` to hide host tools). A run longer than `timeout` fails instead of
    /// hanging the test run (`orion run` has its own, shorter, --timeout for the guest).
    public static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 1800) throws -> ProcessResult {
        let path = TestPaths.orion
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ToolFailure("orion is not built at \(path): run `swift build --product orion` first (Tools/test does)")
        }
        return try HostProcess.run(path, arguments, in: TestPaths.packageRoot.path, environment: environment, timeout: timeout)
    }
}
