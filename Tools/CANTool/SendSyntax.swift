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

    /// Three lines: the reason, the input indented by two spaces, a caret under the bad character.
    public func render(input: String) -> String {
        "bad CAN frame '\(input)': \(reason)\n  \(input)\n  " + String(repeating: " ", count: position) + "^"
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
    /// an 8-digit one extended (or an error frame when it has bit 0x20000000, as cansend does). An FD payload
    /// whose length is not an FD size is padded with zeros to the next one (the kernel does the same).
    public static func parse(_ text: String) throws(CANSyntaxError) -> CANFrame {
        let s = Array(text.utf8)
        guard let hash = s.firstIndex(of: UInt8(ascii: "#")) else {
            throw CANSyntaxError(position: min(s.count, 3), reason: "expected '#' after a 3-digit (standard) or 8-digit (extended) CAN id")
        }
        guard hash == 3 || hash == 8 else {
            throw CANSyntaxError(position: hash < 3 ? hash : (hash < 8 ? hash : 8),
                                 reason: "the CAN id must have 3 hex digits (standard) or 8 (extended), not \(hash)")
        }
        var raw: UInt32 = 0
        for i in 0..<hash {
            guard let n = nibble(s[i]) else { throw CANSyntaxError(position: i, reason: "'\(Character(Unicode.Scalar(s[i])))' is not a hex digit") }
            raw = raw << 4 | UInt32(n)
        }
        var idx = hash + 1
        let isError = hash == 8 && raw & CANFrame.errorFlag != 0
        if hash == 8 {
            if raw & ~(CANFrame.extendedMask | CANFrame.errorFlag) != 0 {
                throw CANSyntaxError(position: 0, reason: "extended CAN id \(hex(raw, 8)) exceeds 1FFFFFFF")
            }
        } else if raw > CANFrame.standardMask {
            throw CANSyntaxError(position: 0, reason: "standard CAN id \(hex(raw, 3)) exceeds 7FF (use 8 digits for an extended id)")
        }
        // Remote frame.
        if idx < s.count, s[idx] == UInt8(ascii: "R") || s[idx] == UInt8(ascii: "r") {
            guard !isError else { throw CANSyntaxError(position: idx, reason: "an error frame cannot be a remote request") }
            idx += 1
            var length: UInt8 = 0
            if idx < s.count {
                guard let n = nibble(s[idx]) else {
                    throw CANSyntaxError(position: idx, reason: "expected a DLC digit 0..8 after 'R'")
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
                throw CANSyntaxError(position: 0, reason: "\(error)")
            }
        }
        var fd = false
        var flags: UInt8 = 0
        if idx < s.count, s[idx] == UInt8(ascii: "#") {
            fd = true
            guard !isError else { throw CANSyntaxError(position: idx, reason: "an error frame cannot be a CAN FD frame") }
            idx += 1
            guard idx < s.count else { throw CANSyntaxError(position: idx, reason: "expected the CAN FD flags digit (0..F) after '##'") }
            guard let n = nibble(s[idx]) else {
                throw CANSyntaxError(position: idx, reason: "the CAN FD flags must be one hex digit (0..F)")
            }
            flags = n
            idx += 1
        }
        let maxLength = fd ? 64 : 8
        var bytes = [UInt8]()
        bytes.reserveCapacity(maxLength)
        while idx < s.count {
            if s[idx] == UInt8(ascii: ".") {
                idx += 1
                if idx == s.count { break }
                if s[idx] == UInt8(ascii: ".") { throw CANSyntaxError(position: idx, reason: "two '.' in a row") }
            }
            guard bytes.count < maxLength else {
                throw CANSyntaxError(position: idx, reason: fd ? "more than 64 data bytes in a CAN FD frame"
                                     : "more than 8 data bytes in a classic CAN frame (use ## for CAN FD)")
            }
            guard let hi = nibble(s[idx]) else {
                throw CANSyntaxError(position: idx, reason: "'\(Character(Unicode.Scalar(s[idx])))' is not a hex digit")
            }
            guard idx + 1 < s.count else { throw CANSyntaxError(position: idx + 1, reason: "odd number of hex digits: a data byte needs two") }
            guard let lo = nibble(s[idx + 1]) else {
                throw CANSyntaxError(position: idx + 1, reason: s[idx + 1] == UInt8(ascii: ".") ? "odd number of hex digits: a data byte needs two"
                                     : "'\(Character(Unicode.Scalar(s[idx + 1])))' is not a hex digit")
            }
            bytes.append(hi << 4 | lo)
            idx += 2
        }
        if fd { while !CANDLC.isFDLength(bytes.count) { bytes.append(0) } }
        do throws(CANFrameError) {
            var frame = try bytes.withUnsafeBufferPointer { (buffer) throws(CANFrameError) -> CANFrame in
                try CANFrame(id: raw & CANFrame.extendedMask, extended: hash == 8 && !isError, fd: fd,
                             bitRateSwitch: flags & CANFrame.fdBitRateSwitch != 0,
                             errorStateIndicator: flags & CANFrame.fdErrorStateIndicator != 0, data: buffer)
            }
            if isError {
                frame.isError = true
                frame.isExtended = false
            }
            return frame
        } catch {
            throw CANSyntaxError(position: 0, reason: "\(error)")
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
