// Writing a file the user named on the command line (a chart, a report), with a failure worded from the
// POSIX reason ("is a directory", "no such folder") instead of a Foundation error code.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Output files named on the command line.
public enum OutputFile {
    /// Writes `data` to `path`, creating or replacing the file. On failure throws an `OrionError` (exit 2)
    /// reading `cannot write <what> to <path>: <reason>`, for example
    /// `cannot write the SVG chart to /tmp: it is a directory`.
    ///
    /// The file is opened without blocking, so a FIFO nobody reads is refused instead of hanging.
    public static func write(_ data: Data, to path: String, what: String) throws(OrionError) {
        func failure(_ reason: String) -> OrionError { OrionError("cannot write \(what) to \(path): \(reason)") }
        guard !path.isEmpty else { throw OrionError("cannot write \(what): the path is empty") }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC, 0o644)
        if fd < 0 { throw failure(reason(errno)) }
        defer { close(fd) }
        // Back to blocking writes (a pipe with a reader may be slower than us).
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(reason(errno))
            }
            offset += written
        }
    }

    /// `write(_:to:what:)` with UTF-8 text.
    public static func write(_ text: String, to path: String, what: String) throws(OrionError) {
        try write(Data(text.utf8), to: path, what: what)
    }

    /// The reason for `code` in words.
    static func reason(_ code: Int32) -> String {
        switch code {
        case EISDIR: return "it is a directory"
        case ENOENT: return "no such folder"
        case ENOTDIR: return "a part of the path is not a folder"
        case EACCES, EPERM: return "permission denied"
        case EROFS: return "the file system is read-only"
        case ENOSPC: return "no space left on the device"
        case EDQUOT: return "disk quota exceeded"
        case ENXIO: return "it is a FIFO with no reader"
        case ENAMETOOLONG: return "the path is too long"
        case ELOOP: return "too many symbolic links"
        case ETXTBSY: return "the file is a running program"
        default: return String(cString: strerror(code))
        }
    }
}
