// The bounds on everything `orion trace` reads, and the bounded reading of one input file.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The largest inputs `orion trace` accepts. Past a bound the input is refused as bad input (exit 2)
/// with a message naming the file and the bound; nothing is truncated or skipped silently.
public enum TraceLimits {
    /// Bytes of one requirement Markdown file.
    public static let requirementFileBytes = 4 << 20
    /// Bytes of one source file scanned for tags (larger files are refused, not skipped).
    public static let sourceFileBytes = 8 << 20
    /// Bytes of a `trace.conf`.
    public static let configFileBytes = 64 << 10
    /// Bytes of the JUnit XML test results.
    public static let resultsFileBytes = 256 << 20
    /// Bytes of the `llvm-cov export` JSON.
    public static let coverageFileBytes = 1 << 30
    /// Requirement items over all files.
    public static let items = 100_000
    /// Implements and verifies tags over all files.
    public static let tags = 1_000_000
    /// Requirement and source files read under the paths.
    public static let files = 100_000
    /// Directory entries looked at while walking the paths (every file and folder, read or not).
    public static let walkEntries = 1_000_000
    /// Folder levels below a path given on the command line.
    public static let folderDepth = 64
    /// Element nesting of the JUnit XML, and array/object nesting of the coverage JSON.
    public static let nesting = 64
    /// `<testcase>` elements in the JUnit XML.
    public static let testCases = 1_000_000

    /// `4 MiB`, `64 KiB`, `1 GiB`: a byte bound for messages.
    public static func text(bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}

enum BoundedFile {
    /// The bytes of the regular file at `path`, refused when it is larger than `limit` bytes, is not a
    /// regular file (a folder, a FIFO, a device such as /dev/zero), or cannot be read. `what` names the
    /// input in messages ("the test results").
    static func read(_ path: String, limit: Int, what: String) throws(TraceInputError) -> Data {
        let here = SourceLocation(file: path, line: 0)
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "no such file" : "cannot read \(what): \(String(cString: strerror(errno)))"
            throw TraceInputError(here, reason)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "not a regular file"
            throw TraceInputError(here, "cannot read \(what): it is \(kind)")
        }
        guard info.st_size <= limit else {
            throw TraceInputError(here, "\(what) is larger than the limit of \(TraceLimits.text(bytes: limit)) (\(info.st_size) bytes)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TraceInputError(here, "cannot read \(what): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw TraceInputError(here, "cannot read \(what)")
        }
        guard data.count <= limit else {
            throw TraceInputError(here, "\(what) is larger than the limit of \(TraceLimits.text(bytes: limit))")
        }
        return data
    }
}
