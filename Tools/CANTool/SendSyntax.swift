// cansend's frame syntax (`123#DEADBEEF`, `1F334455#1122`, `123#R5`, `123##1AABBCC`, dots between bytes),
// parsed with an error that names the bad character's position so the CLI can put a caret under it.

import Fieldbus

/// Why a frame string was rejected and where.
public struct CANSyntaxError: Error, Equatable, Sendable {
    /// Index (0-based, in characters) of the offending character; `input.count` for "ended too early".
    public var position: Int
    public var reason: String

    public init(position: Int, reason: String) {
        self.position = position
        self.reason = reason
    }

    /// Three lines: the reason, the input indented by two spaces, a caret under the bad character (the
    /// input's control and invisible characters shown as `?`, one each, so the caret stays in its column).
    public func render(input: String) -> String {
        let shown = String(input.map { CANFrameSyntax.isPrintable($0) ? $0 : "?" })
        return "bad CAN frame '\(shown)': \(reason)\n  \(shown)\n  " + String(repeating: " ", count: position) + "^"
    }
}

/// The frame syntax cansend and candump -L use.
public enum CANFrameSyntax {
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// Parses `<can_id>#{data}`, `<can_id>#R{len}`, `<can_id>##<flags>{data}`. A 3-digit id is standard,
    /// an 8-digit one extended, or an error frame when it has bit 0x20000000 (CAN_ERR_FLAG): then the other 29
    /// bits are the error classes, as cansend sends them. An FD payload whose length is not an FD size is
    /// padded with zeros to the next one (the kernel does the same). Positions in errors count characters
    /// (what the user typed), not bytes, and a bad character is shown as it was typed.
    public static func parse(_ text: String) throws(CANSyntaxError) -> CANFrame {
        let s = Array(text)
        /// The hex value of the character at `i`, nil when it is not a hex digit.
        func digit(_ i: Int) -> UInt8? { s[i].asciiValue.flatMap(nibble) }
        func isChar(_ i: Int, _ c: Character) -> Bool { i < s.count && s[i] == c }
        func notHex(_ i: Int) -> CANSyntaxError {
            CANSyntaxError(position: i, reason: "\(shown(s[i])) is not a hex digit")
        }
        guard let hash = s.firstIndex(of: "#") else {
            throw CANSyntaxError(position: min(s.count, 3), reason: "expected '#' after a 3-digit (standard) or 8-digit (extended) CAN id")
        }
        guard hash == 3 || hash == 8 else {
            throw CANSyntaxError(position: hash < 3 ? hash : (hash < 8 ? hash : 8),
                                 reason: "the CAN id must have 3 hex digits (standard) or 8 (extended), not \(hash)")
        }
        var raw: UInt32 = 0
        for i in 0..<hash {
            guard let n = digit(i) else { throw notHex(i) }
            raw = raw << 4 | UInt32(n)
        }
        var idx = hash + 1
        let isError = hash == 8 && raw & CANFrame.errorFlag != 0
        if hash == 8 {
            // cansend takes the 8 digits as SocketCAN's can_id: the extended flag (8) changes nothing here,
            // the error flag (2) makes an error frame; the remote flag is written as `#R`.
            if raw & CANFrame.remoteFlag != 0 {
                throw CANSyntaxError(position: 0, reason: "CAN id \(hex(raw, 8)) has the remote-request flag 40000000 "
                                     + "(write a remote frame as <id>#R, and ids up to 1FFFFFFF)")
            }
            raw &= ~CANFrame.extendedFlag
        } else if raw > CANFrame.standardMask {
            throw CANSyntaxError(position: 0, reason: "standard CAN id \(hex(raw, 3)) exceeds 7FF (use 8 digits for an extended id)")
        }
        // Remote frame.
        if isChar(idx, "R") || isChar(idx, "r") {
            guard !isError else { throw CANSyntaxError(position: idx, reason: "an error frame cannot be a remote request") }
            idx += 1
            var length: UInt8 = 0
            if idx < s.count {
                guard let n = digit(idx) else {
                    throw CANSyntaxError(position: idx, reason: "expected a DLC digit 0..8 after 'R', not \(shown(s[idx]))")
                }
                guard n <= 8 else { throw CANSyntaxError(position: idx, reason: "DLC \(n) too large for a remote frame (0..8)") }
                length = n
                idx += 1
            }
            guard idx == s.count else { throw CANSyntaxError(position: idx, reason: "unexpected character after the remote frame's DLC") }
            do throws(CANFrameError) {
                var frame = try CANFrame.remote(id: raw & CANFrame.extendedMask, extended: hash == 8, length: length)
                frame.isExtended = hash == 8
                return frame
            } catch {
                throw CANSyntaxError(position: 0, reason: describe(error))
            }
        }
        var fd = false
        var flags: UInt8 = 0
        if isChar(idx, "#") {
            fd = true
            guard !isError else { throw CANSyntaxError(position: idx, reason: "an error frame cannot be a CAN FD frame") }
            idx += 1
            guard idx < s.count else { throw CANSyntaxError(position: idx, reason: "expected the CAN FD flags digit (0..F) after '##'") }
            guard let n = digit(idx) else {
                throw CANSyntaxError(position: idx, reason: "the CAN FD flags must be one hex digit (0..F), not \(shown(s[idx]))")
            }
            flags = n
            idx += 1
        }
        let maxLength = fd ? 64 : 8
        var bytes = [UInt8]()
        bytes.reserveCapacity(maxLength)
        while idx < s.count {
            if s[idx] == "." {
                idx += 1
                if idx == s.count { break }
                if s[idx] == "." { throw CANSyntaxError(position: idx, reason: "two '.' in a row") }
            }
            guard bytes.count < maxLength else {
                throw CANSyntaxError(position: idx, reason: fd ? "more than 64 data bytes in a CAN FD frame"
                                     : "more than 8 data bytes in a classic CAN frame (use ## for CAN FD)")
            }
            guard let hi = digit(idx) else { throw notHex(idx) }
            guard idx + 1 < s.count else { throw CANSyntaxError(position: idx + 1, reason: "odd number of hex digits: a data byte needs two") }
            guard let lo = digit(idx + 1) else {
                if s[idx + 1] == "." { throw CANSyntaxError(position: idx + 1, reason: "odd number of hex digits: a data byte needs two") }
                throw notHex(idx + 1)
            }
            bytes.append(hi << 4 | lo)
            idx += 2
        }
        if fd { while !CANDLC.isFDLength(bytes.count) { bytes.append(0) } }
        do throws(CANFrameError) {
            // An error frame's 29 bits are error classes, built as an extended id and then marked as an error.
            var frame = try bytes.withUnsafeBufferPointer { (buffer) throws(CANFrameError) -> CANFrame in
                try CANFrame(id: raw & CANFrame.extendedMask, extended: hash == 8, fd: fd,
                             bitRateSwitch: flags & CANFrame.fdBitRateSwitch != 0,
                             errorStateIndicator: flags & CANFrame.fdErrorStateIndicator != 0, data: buffer)
            }
            if isError {
                frame.isError = true
                frame.isExtended = false
            }
            return frame
        } catch {
            throw CANSyntaxError(position: 0, reason: describe(error))
        }
    }

    /// A character as the user typed it, quoted; control and invisible characters as their code point.
    static func shown(_ c: Character) -> String {
        if isVisible(c) { return "'\(c)'" }
        return c.unicodeScalars.map { "U+" + hex4($0.value) }.joined(separator: " ")
    }

    /// Whether a character is safe to print: no control or format (zero-width, bidi) scalar.
    static func isPrintable(_ c: Character) -> Bool {
        c.unicodeScalars.allSatisfy { scalar in
            !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .format)
        }
    }

    /// Whether a character prints as itself: no control, format (zero-width, bidi) or white-space scalar.
    static func isVisible(_ c: Character) -> Bool {
        c.unicodeScalars.allSatisfy { scalar in
            !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .format
              || scalar.properties.isWhitespace)
        }
    }

    static func hex4(_ value: UInt32) -> String {
        var out = [UInt8]()
        appendHex(value, digits: value > 0xFFFF ? 6 : 4, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Words for the frame builder's errors (the parser checks most cases first; these are what is left).
    static func describe(_ error: CANFrameError) -> String {
        switch error {
        case .identifierTooLarge: return "the CAN id does not fit its format (7FF standard, 1FFFFFFF extended)"
        case .badLength: return "the data length does not fit the frame kind (0..8 bytes classic, FD lengths up to 64)"
        case .badRemoteFrame: return "a remote request carries no data and asks for 0..8 bytes"
        }
    }

    /// The `candump -L` / cansend text of a frame (`123#DEADBEEF`, `123#R5`, `123##5AABBCC`). `fdFlags` is the
    /// flags nibble to print for FD frames (the kernel adds CANFD_FDF, 0x04, to received ones).
    public static func format(_ frame: CANFrame, fdFlags: UInt8? = nil) -> String {
        var out = [UInt8]()
        out.reserveCapacity(160)
        append(frame, fdFlags: fdFlags, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact text to a byte buffer (no allocation per frame in `orion can dump -L`).
    public static func append(_ frame: CANFrame, fdFlags: UInt8? = nil, to out: inout [UInt8]) {
        if frame.isError {
            appendHex(frame.socketCANId & (CANFrame.extendedMask | CANFrame.errorFlag), digits: 8, to: &out)
        } else if frame.isExtended {
            appendHex(frame.id, digits: 8, to: &out)
        } else {
            appendHex(frame.id, digits: 3, to: &out)
        }
        out.append(UInt8(ascii: "#"))
        if frame.isRemote && !frame.isFD {
            out.append(UInt8(ascii: "R"))
            if frame.length > 0 { out.append(UInt8(ascii: "0") + frame.length) }
            return
        }
        if frame.isFD {
            out.append(UInt8(ascii: "#"))
            appendHex(UInt32((fdFlags ?? frame.socketCANFDFlags) & 0xF), digits: 1, to: &out)
        }
        for i in 0..<Int(frame.length) { appendHex(UInt32(frame.data[i]), digits: 2, to: &out) }
    }

    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    @inline(__always)
    static func appendHex(_ value: UInt32, digits: Int, to out: inout [UInt8]) {
        var shift = (digits - 1) * 4
        while shift >= 0 {
            out.append(hexDigits[Int((value >> UInt32(shift)) & 0xF)])
            shift -= 4
        }
    }

    static func hex(_ value: UInt32, _ digits: Int) -> String {
        var out = [UInt8]()
        appendHex(value, digits: digits, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
