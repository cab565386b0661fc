// cangen's frame generator: random, incrementing or fixed id, length and data, classic or FD frames.

import Fieldbus

/// How one field of generated frames varies (cangen's `r`, `i` or a fixed value).
public enum CANGenMode<Value: Equatable & Sendable>: Equatable, Sendable {
    case random
    case increment
    case fixed(Value)
}

/// Why a cangen option was rejected.
public struct CANGenOptionError: Error, Equatable, Sendable {
    public var message: String
}

/// Produces the frames `orion can gen` sends.
public struct CANGenerator {
    public var idMode: CANGenMode<UInt32>
    public var lengthMode: CANGenMode<Int>
    public var dataMode: CANGenMode<[UInt8]>
    public var extended: Bool
    public var fd: Bool
    public var bitRateSwitch: Bool
    public var remote: Bool
    private var state: UInt64
    private var nextId: UInt32 = 0
    private var nextLength = 0
    private var counter: UInt64 = 0

    /// Parses cangen's `-I`, `-L`, `-D` arguments (`r`, `i`, or hex id / decimal length / hex bytes).
    public init(id: String = "r", length: String = "r", data: String = "r", extended: Bool = false, fd: Bool = false,
                bitRateSwitch: Bool = false, remote: Bool = false, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) throws(CANGenOptionError) {
        self.extended = extended
        self.fd = fd
        self.bitRateSwitch = bitRateSwitch
        self.remote = remote
        state = seed == 0 ? 1 : seed
        switch id {
        case "r": idMode = .random
        case "i": idMode = .increment
        default:
            guard let value = UInt32(id, radix: 16) else { throw CANGenOptionError(message: "-I: '\(id)' is not r, i or a hex CAN id") }
            guard value <= (extended ? CANFrame.extendedMask : CANFrame.standardMask) else {
                throw CANGenOptionError(message: "-I: CAN id \(id) does not fit \(extended ? 29 : 11) bits\(extended ? "" : " (use -e for extended ids)")")
            }
            idMode = .fixed(value)
        }
        let maxLength = fd ? 64 : 8
        switch length {
        case "r": lengthMode = .random
        case "i": lengthMode = .increment
        default:
            guard let value = Int(length), value >= 0, value <= maxLength else {
                throw CANGenOptionError(message: "-L: '\(length)' is not r, i or a length 0..\(maxLength)")
            }
            guard !fd || CANDLC.isFDLength(value) else {
                throw CANGenOptionError(message: "-L: \(value) is not a CAN FD length (0..8, 12, 16, 20, 24, 32, 48, 64)")
            }
            lengthMode = .fixed(value)
        }
        switch data {
        case "r": dataMode = .random
        case "i": dataMode = .increment
        default:
            let digits = Array(data.utf8)
            guard digits.count % 2 == 0, digits.count / 2 <= maxLength else {
                throw CANGenOptionError(message: "-D: '\(data)' must be r, i or up to \(maxLength) bytes of hex (an even number of digits)")
            }
            var bytes = [UInt8]()
            for i in stride(from: 0, to: digits.count, by: 2) {
                guard let hi = CANFrameSyntax.nibble(digits[i]), let lo = CANFrameSyntax.nibble(digits[i + 1]) else {
                    throw CANGenOptionError(message: "-D: '\(data)' is not hex")
                }
                bytes.append(hi << 4 | lo)
            }
            dataMode = .fixed(bytes)
            if case .random = lengthMode, !bytes.isEmpty { lengthMode = .fixed(fd ? CANDLC.paddedLength(bytes.count) : bytes.count) }
        }
        if remote && fd { throw CANGenOptionError(message: "-R: CAN FD has no remote frames") }
    }

    @inline(__always)
    mutating func random() -> UInt64 {
        // xorshift64*: fast and good enough for traffic, and repeatable for a given seed.
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// The next frame.
    public mutating func next() -> CANFrame {
        var frame = CANFrame()
        frame.isExtended = extended
        frame.isFD = fd
        frame.bitRateSwitch = fd && bitRateSwitch
        let idMask = extended ? CANFrame.extendedMask : CANFrame.standardMask
        switch idMode {
        case .random: frame.id = UInt32(truncatingIfNeeded: random()) & idMask
        case .increment:
            frame.id = nextId
            nextId = (nextId + 1) & idMask
        case .fixed(let value): frame.id = value
        }
        var length: Int
        switch lengthMode {
        case .random:
            length = Int(random() % (fd ? 16 : 9))
            if fd { length = Int(CANDLC.length(forDLC: UInt8(length), fd: true)) }
        case .increment:
            length = fd ? Int(CANDLC.length(forDLC: UInt8(nextLength), fd: true)) : nextLength
            nextLength = (nextLength + 1) % (fd ? 16 : 9)
        case .fixed(let value): length = value
        }
        if remote {
            frame.isRemote = true
            try? frame.setLength(min(length, 8))
            return frame
        }
        try? frame.setLength(length)
        switch dataMode {
        case .random:
            var i = 0
            while i < length {
                var r = random()
                for _ in 0..<8 where i < length {
                    frame.data[i] = UInt8(truncatingIfNeeded: r)
                    r >>= 8
                    i += 1
                }
            }
        case .increment:
            var c = counter
            for i in 0..<length {
                frame.data[i] = UInt8(truncatingIfNeeded: c)
                c >>= 8
            }
            counter &+= 1
        case .fixed(let bytes):
            for i in 0..<length { frame.data[i] = i < bytes.count ? bytes[i] : 0 }
        }
        return frame
    }
}

/// isotpsend/isotprecv payload text: hex bytes separated by white space in, `11 22 33 ` out.
public enum CANHexPayload {
    /// Reads hex bytes (`11 22 33`, `0x11`, `1122` pairs) separated by white space; nil names the bad token.
    public static func parse(_ text: String) -> Result<[UInt8], CANGenOptionError> {
        var bytes = [UInt8]()
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "," }) {
            var digits = Substring(token)
            if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
            let utf8 = Array(digits.utf8)
            if utf8.count == 1, let n = CANFrameSyntax.nibble(utf8[0]) {
                bytes.append(n)
                continue
            }
            guard !utf8.isEmpty, utf8.count % 2 == 0 else { return .failure(CANGenOptionError(message: "'\(token)' is not a hex byte")) }
            for i in stride(from: 0, to: utf8.count, by: 2) {
                guard let hi = CANFrameSyntax.nibble(utf8[i]), let lo = CANFrameSyntax.nibble(utf8[i + 1]) else {
                    return .failure(CANGenOptionError(message: "'\(token)' is not a hex byte"))
                }
                bytes.append(hi << 4 | lo)
            }
        }
        return .success(bytes)
    }

    /// isotprecv's line: each byte as two upper-case hex digits followed by a space.
    public static func format(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 3)
        for b in bytes {
            CANFrameSyntax.appendHex(UInt32(b), digits: 2, to: &out)
            out.append(UInt8(ascii: " "))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
