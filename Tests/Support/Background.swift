// A program a test runs in the background (a capture, a server), its output in a file (Modbus and EtherCAT tests).

import Foundation

/// A program running in the background with its standard output in a file.
public final class Background {
    public let process = Process()
    let outFile: String

    public init(_ executable: String, _ arguments: [String]) throws {
        guard let path = executable.contains("/") ? executable : HostProcess.which(executable) else {
            throw ToolFailure("\(executable) is not in PATH")
        }
        outFile = NSTemporaryDirectory() + "orion-bg-" + UUID().uuidString
        FileManager.default.createFile(atPath: outFile, contents: nil)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = TestPaths.packageRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: outFile)
        process.standardError = FileHandle(forWritingAtPath: outFile)
        try process.run()
    }

    public var output: String { String(decoding: FileManager.default.contents(atPath: outFile) ?? Data(), as: UTF8.self) }

    /// Waits for `text` in the output; returns the output.
    @discardableResult
    public func wait(for text: String, timeout: TimeInterval = 10) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return output }
            if !HostProcess.isRunning(process) {
                throw ToolFailure("exited (\(HostProcess.waitForExit(process))) before '\(text)':\n\(output)")
            }
            usleep(20_000)
        }
        throw ToolFailure("no '\(text)' within \(Int(timeout)) s:\n\(output)")
    }

    /// The port in a line `... PREFIX<port>` of the output.
    public func port(after prefix: String) throws -> Int {
        let text = try wait(for: prefix)
        let rest = text[text.range(of: prefix)!.upperBound...]
        guard let port = Int(rest.prefix { $0.isNumber }) else { throw ToolFailure("no port in: \(text)") }
        return port
    }

    /// Waits up to `timeout` for the program to end by itself and returns its exit status (it is killed, and
    /// this throws, when it does not).
    public func waitForExit(timeout: TimeInterval) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while HostProcess.isRunning(process) && Date() < deadline { usleep(20_000) }
        if HostProcess.isRunning(process) {
            kill(process.processIdentifier, SIGKILL)
            _ = HostProcess.waitForExit(process)
            throw ToolFailure("still running after \(Int(timeout)) s:\n\(output)")
        }
        return HostProcess.waitForExit(process)
    }

    /// Interrupts (SIGINT), waits, and returns the whole output.
    @discardableResult
    public func stop(signal: Int32 = SIGINT) -> String {
        if HostProcess.isRunning(process) {
            kill(process.processIdentifier, signal)
            let deadline = Date().addingTimeInterval(5)
            while HostProcess.isRunning(process) && Date() < deadline { usleep(20_000) }
            if HostProcess.isRunning(process) { kill(process.processIdentifier, SIGKILL) }
        }
        _ = HostProcess.waitForExit(process)
        defer { try? FileManager.default.removeItem(atPath: outFile) }
        return output
    }
}
