// candump's log lines (`candump -L`, what canplayer replays): `(1795723535.765571) vcan0 123#DEADBEEF`, read
// back into a time, an interface name and a frame, with errors that point at the character at fault.

import Fieldbus

/// One `candump -L` line.
public struct CANLogLine: Sendable {
    /// The receive time in microseconds since the Unix epoch (the digits in the parentheses).
    public var timestampMicroseconds: Int64
    /// The interface name (checked as Linux checks names, see `CANInterfaceName`).
    public var interface: String
    /// The frame, in cansend's syntax on the line.
    public var frame: CANFrame

    /// The longest line accepted: the stamp, a 15-character name and an FD frame with 64 dotted bytes fit.
    public static let maximumLength = 512

    /// Parses one line (without its line end). Positions in errors are characters into `line`.
    public static func parse(_ line: String) throws(CANSyntaxError) -> CANLogLine {
        let s = Array(line)
        guard s.count <= maximumLength else {
            throw CANSyntaxError(position: maximumLength, reason: "line longer than \(maximumLength) characters")
        }
        guard s.first == "(" else { throw CANSyntaxError(position: 0, reason: "expected '(' and the time stamp") }
        var i = 1
        var seconds: Int64 = 0
        let secondsStart = i
        while i < s.count, let d = s[i].wholeNumberValue, s[i].isASCII {
            guard i - secondsStart < 12 else { throw CANSyntaxError(position: i, reason: "more than 12 digits of seconds") }
            seconds = seconds * 10 + Int64(d)
            i += 1
        }
        guard i > secondsStart else { throw CANSyntaxError(position: i, reason: "expected the seconds of the time stamp") }
        guard i < s.count, s[i] == "." else { throw CANSyntaxError(position: i, reason: "expected '.' and 6 digits of microseconds") }
        i += 1
        var micros: Int64 = 0
        for _ in 0..<6 {
            guard i < s.count, s[i].isASCII, let d = s[i].wholeNumberValue else {
                throw CANSyntaxError(position: i, reason: "expected 6 digits of microseconds")
            }
            micros = micros * 10 + Int64(d)
            i += 1
        }
        guard i < s.count, s[i] == ")" else { throw CANSyntaxError(position: i, reason: "expected ')' after 6 digits of microseconds") }
        i += 1
        guard i < s.count, s[i] == " " else { throw CANSyntaxError(position: i, reason: "expected a space before the interface name") }
        i += 1
        let nameStart = i
        while i < s.count, s[i] != " " { i += 1 }
        let name = String(s[nameStart..<i])
        if let problem = CANInterfaceName.problem(name) {
            throw CANSyntaxError(position: nameStart, reason: problem)
        }
        guard i < s.count else { throw CANSyntaxError(position: i, reason: "expected a space and the frame after the interface name") }
        i += 1
        let frameText = String(s[i...])
        let frame: CANFrame
        do {
            frame = try CANFrameSyntax.parse(frameText)
        } catch {
            throw CANSyntaxError(position: i + error.position, reason: error.reason)
        }
        return CANLogLine(timestampMicroseconds: seconds * 1_000_000 + micros, interface: name, frame: frame)
    }
}

/// Linux network interface names, checked before any socket sees them (as the kernel's dev_valid_name).
public enum CANInterfaceName {
    /// IFNAMSIZ: a name has at most 15 bytes (the 16th is the terminating NUL).
    public static let maximumBytes = 15

    /// What is wrong with `name` as an interface name, nil when Linux would accept it ("any" is accepted too:
    /// it means every CAN interface).
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "empty interface name" }
        let shown = display(name)
        if name.utf8.count > maximumBytes {
            return "interface name \(shown) is too long (\(name.utf8.count) bytes; Linux allows at most \(maximumBytes))"
        }
        if name == "." || name == ".." { return "interface name \(shown) is not allowed ('.' and '..' are not names)" }
        for scalar in name.unicodeScalars {
            if scalar == "/" || scalar == ":" {
                return "interface name \(shown) contains '\(scalar)' (Linux names have no '/' or ':')"
            }
            if scalar.value < 0x21 || scalar.value == 0x7F || scalar.properties.isWhitespace {
                return "interface name \(shown) contains white space or a control character"
            }
        }
        return nil
    }

    /// The name quoted for a message, control characters as `\u{..}` so nothing reaches the terminal raw.
    public static func display(_ name: String) -> String {
        var out = "'"
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
