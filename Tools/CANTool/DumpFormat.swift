// candump's output: the default long line (`  can0  123   [4]  DE AD BE EF`), `-t a|A|d|z` timestamps,
// `-L` log lines that canplayer reads, and `-e` error-frame explanations. Lines are built in a byte buffer
// so `orion can dump` keeps up with a saturated vcan.

import Fieldbus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// candump's `-t` modes.
public enum CANTimestampMode: String, Sendable, CaseIterable {
    case none = ""
    /// Seconds since the epoch: `(1700000000.123456)`.
    case absolute = "a"
    /// Local date and time: `(2023-11-14 22:13:20.123456)`.
    case date = "A"
    /// Time since the previous frame: `(000.000123)`.
    case delta = "d"
    /// Time since the first frame: `(000.000000)` first.
    case zero = "z"
}

/// Formats received frames as candump does, keeping the state candump keeps (first/last time, whether an
/// extended id has been seen, which indents standard ids from then on).
public struct CANDumpFormatter {
    public var timestampMode: CANTimestampMode
    public var logFormat: Bool
    public var explainErrors: Bool
    /// Width the interface name is right-aligned to: the longest name given on the command line.
    public var nameWidth: Int
    private var indentStandard = false
    private var referenceNanoseconds: Int64?

    public init(timestampMode: CANTimestampMode = .none, logFormat: Bool = false, explainErrors: Bool = false, nameWidth: Int = 0) {
        self.timestampMode = timestampMode
        self.logFormat = logFormat
        self.explainErrors = explainErrors
        self.nameWidth = nameWidth
    }

    /// One frame as a string (with its trailing newline).
    public mutating func line(_ frame: CANFrame, interface: String, timestampNanoseconds: Int64, fdFlags: UInt8? = nil) -> String {
        var out = [UInt8]()
        append(frame, interface: interface, timestampNanoseconds: timestampNanoseconds, fdFlags: fdFlags, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends one frame's output (with newline) to `out`.
    public mutating func append(_ frame: CANFrame, interface: String, timestampNanoseconds ns: Int64, fdFlags: UInt8? = nil,
                                to out: inout [UInt8]) {
        let micros = ns / 1000
        if logFormat {
            out.append(UInt8(ascii: "("))
            appendDecimal(micros / 1_000_000, width: 10, to: &out)
            out.append(UInt8(ascii: "."))
            appendDecimal(micros % 1_000_000, width: 6, to: &out)
            out.append(contentsOf: ") ".utf8)
            appendPadded(interface, to: &out)
            out.append(UInt8(ascii: " "))
            CANFrameSyntax.append(frame, fdFlags: fdFlags ?? (frame.isFD ? frame.socketCANFDFlags : nil), to: &out)
            out.append(UInt8(ascii: "\n"))
            return
        }
        out.append(UInt8(ascii: " "))
        switch timestampMode {
        case .none:
            break
        case .absolute:
            out.append(UInt8(ascii: "("))
            appendDecimal(micros / 1_000_000, width: 10, to: &out)
            out.append(UInt8(ascii: "."))
            appendDecimal(micros % 1_000_000, width: 6, to: &out)
            out.append(contentsOf: ") ".utf8)
        case .date:
            var seconds = time_t(micros / 1_000_000)
            var parts = tm()
            localtime_r(&seconds, &parts)
            var buffer = [CChar](repeating: 0, count: 32)
            let n = strftime(&buffer, 32, "%Y-%m-%d %H:%M:%S", &parts)
            out.append(UInt8(ascii: "("))
            out.append(contentsOf: buffer[0..<n].map { UInt8(bitPattern: $0) })
            out.append(UInt8(ascii: "."))
            appendDecimal(micros % 1_000_000, width: 6, to: &out)
            out.append(contentsOf: ") ".utf8)
        case .delta, .zero:
            let reference = referenceNanoseconds ?? ns
            if referenceNanoseconds == nil || timestampMode == .delta { referenceNanoseconds = ns }
            let diff = max(0, micros - reference / 1000)
            out.append(UInt8(ascii: "("))
            appendDecimal(diff / 1_000_000, width: 3, to: &out)
            out.append(UInt8(ascii: "."))
            appendDecimal(diff % 1_000_000, width: 6, to: &out)
            out.append(contentsOf: ") ".utf8)
        }
        out.append(UInt8(ascii: " "))
        appendPadded(interface, to: &out)
        out.append(contentsOf: "  ".utf8)
        if frame.isExtended && !frame.isError { indentStandard = true }
        appendLong(frame, to: &out)
        if explainErrors && frame.isError {
            for part in CANErrorText.describe(frame) {
                out.append(contentsOf: "\n\t".utf8)
                out.append(contentsOf: part.utf8)
            }
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// lib.c's long form: id, ` [n] ` (classic) or `[nn] ` (FD), the bytes, `remote request`, `ERRORFRAME`.
    private func appendLong(_ frame: CANFrame, to out: inout [UInt8]) {
        if frame.isError {
            CANFrameSyntax.appendHex(frame.socketCANId & (CANFrame.extendedMask | CANFrame.errorFlag), digits: 8, to: &out)
        } else if frame.isExtended {
            CANFrameSyntax.appendHex(frame.id, digits: 8, to: &out)
        } else {
            if indentStandard { out.append(contentsOf: "     ".utf8) }
            CANFrameSyntax.appendHex(frame.id, digits: 3, to: &out)
        }
        out.append(contentsOf: "  ".utf8)
        let length = Int(frame.length)
        if !frame.isFD {
            out.append(contentsOf: " [".utf8)
            out.append(UInt8(ascii: "0") + frame.length)
            out.append(contentsOf: "] ".utf8)
            if frame.isRemote {
                out.append(contentsOf: " remote request".utf8)
                return
            }
        } else {
            out.append(UInt8(ascii: "["))
            appendDecimal(Int64(length), width: 2, to: &out)
            out.append(contentsOf: "] ".utf8)
        }
        for i in 0..<length {
            out.append(UInt8(ascii: " "))
            CANFrameSyntax.appendHex(UInt32(frame.data[i]), digits: 2, to: &out)
        }
        if frame.isError && length <= 8 {
            let width = 3 * (8 - length) + 13
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(0, width - 10)))
            out.append(contentsOf: "ERRORFRAME".utf8)
        }
    }

    private func appendPadded(_ name: String, to out: inout [UInt8]) {
        let count = name.utf8.count
        if count < nameWidth { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: nameWidth - count)) }
        out.append(contentsOf: name.utf8)
    }
}

/// Zero-padded decimal (`width` digits at least).
@inline(__always)
func appendDecimal(_ value: Int64, width: Int, to out: inout [UInt8]) {
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var v = value < 0 ? 0 : UInt64(value)
    var n = 0
    withUnsafeMutableBytes(of: &digits) { buf in
        repeat {
            buf[n] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            n += 1
        } while v > 0 && n < 20
        while n < width && n < 20 {
            buf[n] = UInt8(ascii: "0")
            n += 1
        }
        while n > 0 {
            n -= 1
            out.append(buf[n])
        }
    }
}

/// The words candump -e prints under an error frame (one string per line, tab-indented by the caller).
public enum CANErrorText {
    static let classes = ["tx-timeout", "lost-arbitration", "controller-problem", "protocol-violation",
                          "transceiver-status", "no-acknowledgement-on-tx", "bus-off", "bus-error", "restarted-after-bus-off"]
    static let controllerProblems = ["rx-overflow", "tx-overflow", "rx-error-warning", "tx-error-warning",
                                     "rx-error-passive", "tx-error-passive"]
    static let violationTypes = ["single-bit-error", "frame-format-error", "bit-stuffing-error", "tx-dominant-bit-error",
                                 "tx-recessive-bit-error", "bus-overload", "back-to-error-active", "error-on-tx"]
    static let violationLocations = [
        "unspecified", "unspecified", "id.28-to-id.28", "start-of-frame", "bit-srtr", "bit-ide", "id.20-to-id.18",
        "id.17-to-id.13", "crc-sequence", "reserved-bit-0", "data-field", "data-length-code", "bit-rtr", "reserved-bit-1",
        "id.4-to-id.0", "id.12-to-id.5", "unspecified", "active-error-flag", "intermission", "tolerate-dominant-bits",
        "unspecified", "unspecified", "passive-error-flag", "error-delimiter", "crc-delimiter", "acknowledge-slot",
        "end-of-frame", "acknowledge-delimiter", "overload-flag", "unspecified", "unspecified", "unspecified",
    ]

    static func bits(_ value: UInt8, _ names: [String]) -> String {
        names.indices.filter { value & (1 << $0) != 0 }.map { names[$0] }.joined(separator: ",")
    }

    /// The error classes in an error frame's id, each with its details, then the error counters if any.
    public static func describe(_ frame: CANFrame) -> [String] {
        let errorClass = frame.id & CANFrame.extendedMask
        var parts = [String]()
        for (i, name) in classes.enumerated() where errorClass & (1 << UInt32(i)) != 0 {
            switch i {
            case 1: parts.append("\(name){at bit \(frame.byte(0))}")
            case 2: parts.append("\(name){\(bits(frame.byte(1), controllerProblems))}")
            case 3:
                let location = frame.byte(3)
                let where_ = location > 0 && Int(location) < violationLocations.count ? violationLocations[Int(location)] : ""
                parts.append("\(name){{\(bits(frame.byte(2), violationTypes))}{\(where_)}}")
            default: parts.append(name)
            }
        }
        if frame.byte(6) != 0 || frame.byte(7) != 0 {
            parts.append("error-counter-tx-rx{{\(frame.byte(6))}{\(frame.byte(7))}}")
        }
        return parts
    }
}
