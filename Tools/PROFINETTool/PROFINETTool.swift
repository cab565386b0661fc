// PROFINET IO tooling: device model files (YAML), GSDML written from the model and read from a vendor's file.
// This file holds what the three share: the error every input problem becomes (`file:line: message`), bounded
// reading of a regular file, and the frame arithmetic of RT_CLASS_1 (data plus IOPS/IOCS per submodule).

import Fieldbus
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A problem with an input file (device file, GSDML) or with a configuration asked of one: where, and what.
public struct PNInputError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file, as given (`<built-in>` for the default device).
    public var path: String
    /// 1-based line.
    public var line: Int
    /// What is wrong.
    public var message: String

    /// Control characters in `path` and `message` (which may quote the file) are written as `\u{1B}`, so an
    /// error line can neither carry terminal escapes nor look like several lines.
    public init(path: String, line: Int, message: String) {
        self.path = PNText.visible(path)
        self.line = max(line, 1)
        self.message = PNText.visible(message)
    }

    /// `path:line: message`, the form editors and compilers use.
    public var description: String { "\(path):\(line): \(message)" }
}

/// Text checks shared by the device file and the GSDML reader.
enum PNText {
    /// Whether `scalar` may not appear in a name or a message: C0/C1 controls, DEL, line and paragraph
    /// separators, bidirectional-text controls, and noncharacters (U+FFFE, U+FFFF..., which XML forbids).
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        let category = scalar.properties.generalCategory
        return category == .control || category == .lineSeparator || category == .paragraphSeparator
            || scalar.properties.isBidiControl || scalar.properties.isNoncharacterCodePoint
    }

    /// `text` with every forbidden character written as `\u{XX}`.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isForbidden) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isForbidden(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `0x` and eight upper-case hex digits, the way GSDML files write ident numbers.
    static func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// `0x` and four upper-case hex digits (vendor and device IDs).
    static func hex16(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// An unsigned integer written in decimal or as `0x` hex (surrounding blanks allowed), nil when it is
    /// not one or does not fit 64 bits.
    static func unsigned(_ text: String) -> UInt64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("0x") || t.hasPrefix("0X") {
            let digits = t.dropFirst(2)
            guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
            return UInt64(digits, radix: 16)
        }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(t)
    }
}

/// Reading input files with a bound.
enum PNFiles {
    /// The bytes of `path`, refusing anything but a regular file (a FIFO or a device could block or never end)
    /// and anything longer than `limit` bytes (then throwing `tooLarge`); `what` names the kind of file.
    static func read(_ path: String, limit: Int, what: String, tooLarge: PNInputError) throws(PNInputError) -> [UInt8] {
        func failure(_ message: String) -> PNInputError { PNInputError(path: path, line: 1, message: message) }
        // Non-blocking, so that a FIFO without a writer does not hang the open; fstat then refuses it.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: throw failure("no such file")
            case EACCES, EPERM: throw failure("cannot be read: permission denied")
            default: throw failure("cannot be read: \(String(cString: strerror(code)))")
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("cannot be read: \(String(cString: strerror(errno)))") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw failure("is a directory")
        default: throw failure("not a regular file (a FIFO, socket or device cannot be \(what))")
        }
        if info.st_size > off_t(limit) { throw tooLarge }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot be read: \(String(cString: strerror(errno)))")
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
        if bytes.count > limit { throw tooLarge }
        return bytes
    }
}

/// The cyclic frames of an RT_CLASS_1 connection with a set of submodules (IEC 61158-6-10): the input frame
/// (device to controller) carries each input submodule's data and IOPS, one IOPS for each submodule without
/// I/O (the DAP, interface, ports), and the IOCS of each output submodule; the output frame the other way round.
public enum PNFrame {
    /// The C_SDU lengths of the input and the output frame, IOPS and IOCS included (padding to the 40-byte
    /// minimum excluded).
    public static func lengths<S: Sequence>(of submodules: S) -> (input: Int, output: Int) where S.Element == PNSubmoduleSlot {
        var input = 0, output = 0
        for s in submodules {
            if s.inputLength > 0 || s.hasNoIO {
                input += Int(s.inputLength) + 1
                output += 1
            }
            if s.outputLength > 0 {
                output += Int(s.outputLength) + 1
                input += 1
            }
        }
        return (input, output)
    }
}
