// SHA-256 of a stream of gigabytes at disk speed: coreutils' sha256sum fed through a pipe (the Swift SHA256
// here is for small data; unoptimised debug builds of it hash a few MiB a second).

import Foundation

/// A running `sha256sum` fed chunk by chunk.
public final class StreamHash {
    let process = Process()
    let input = Pipe()
    let output = Pipe()

    /// Starts sha256sum; throws when coreutils is missing.
    public init() throws(ImageToolError) {
        guard let program = ImageHostTools.find("sha256sum") else {
            throw ImageToolError("sha256sum not found: install the Debian package coreutils")
        }
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-b", "-"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw ImageToolError("cannot run sha256sum: \(error.localizedDescription)") }
        try? input.fileHandleForReading.close()
    }

    /// Adds the first `count` bytes of `bytes`.
    public func update(_ bytes: [UInt8], count: Int) throws(ImageToolError) {
        var offset = 0
        let fd = input.fileHandleForWriting.fileDescriptor
        while offset < count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageToolError("sha256sum stopped reading: \(FlashWriter.reason(errno))", exitStatus: 1)
            }
            offset += n
        }
    }

    /// The digest, lowercase hex.
    public func finish() throws(ImageToolError) -> String {
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0, let digest = text.split(separator: " ").first, digest.count == 64 else {
            throw ImageToolError("sha256sum failed (\(process.terminationStatus))", exitStatus: 1)
        }
        return String(digest)
    }
}
