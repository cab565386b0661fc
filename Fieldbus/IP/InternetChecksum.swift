// The internet checksum of RFC 1071 (used by IPv4 headers, ICMP and UDP): the 16-bit ones' complement of the
// ones' complement sum of the data taken as big-endian 16-bit words, an odd last byte padded with a zero.
// Incremental, so a UDP checksum can run over the pseudo header, the UDP header and the payload in turn; and
// big-endian byte access to caller-owned buffers, with every offset checked by the callers.

/// A running RFC 1071 sum over any number of byte ranges, words and addresses.
///
/// Ranges may have odd lengths: the byte after an odd range is the low-order byte of the word it completes,
/// exactly as if all ranges had been one buffer (RFC 1071 §2 (B), "byte order independence" aside).
public struct InternetChecksum: Sendable {
    /// The sum without end-around carries; 64 bits hold any frame's words without overflow.
    private var sum: UInt64 = 0
    /// An odd number of bytes was added: the next byte is the low half of a word.
    private var odd = false

    /// An empty sum.
    public init() {}

    /// Adds the bytes of `bytes`, continuing the word the previous range left half-filled.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        var i = 0
        if odd && n > 0 {
            sum &+= UInt64(bytes[0])
            odd = false
            i = 1
        }
        while i + 1 < n {
            sum &+= UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
            i += 2
        }
        if i < n {
            sum &+= UInt64(bytes[i]) << 8
            odd = true
        }
    }

    /// Adds one byte (the high half of a word, or the low half after an odd number of bytes).
    public mutating func add(byte: UInt8) {
        sum &+= odd ? UInt64(byte) : UInt64(byte) << 8
        odd.toggle()
    }

    /// Adds a 16-bit value as two bytes, most significant first.
    public mutating func add(word: UInt16) {
        add(byte: UInt8(truncatingIfNeeded: word >> 8))
        add(byte: UInt8(truncatingIfNeeded: word))
    }

    /// Adds a 32-bit value (an IPv4 address in host order) as four bytes, most significant first.
    public mutating func add(address: UInt32) {
        add(word: UInt16(truncatingIfNeeded: address >> 16))
        add(word: UInt16(truncatingIfNeeded: address))
    }

    /// The ones' complement sum so far, carries folded back in.
    public var folded: UInt16 {
        var s = sum
        while s > 0xFFFF { s = (s & 0xFFFF) &+ (s >> 16) }
        return UInt16(s)
    }

    /// The checksum field's value for the data added (its field counted as zero): the complement of the sum.
    /// Over data that includes a correct checksum field it is 0.
    public var value: UInt16 { ~folded }

    /// The checksum of one range.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var c = InternetChecksum()
        c.add(bytes)
        return c.value
    }
}

/// Big-endian (network order) reads and writes at offsets into caller-owned buffers. The callers check the
/// offsets against the buffer first: these do not.
enum IPBytes {
    static func u16(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(b[offset]) << 8 | UInt16(b[offset + 1])
    }

    static func u32(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(u16(b, offset)) << 16 | UInt32(u16(b, offset + 2))
    }

    static func set16(_ b: UnsafeMutableRawBufferPointer, _ offset: Int, _ value: UInt16) {
        b[offset] = UInt8(truncatingIfNeeded: value >> 8)
        b[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    static func set32(_ b: UnsafeMutableRawBufferPointer, _ offset: Int, _ value: UInt32) {
        set16(b, offset, UInt16(truncatingIfNeeded: value >> 16))
        set16(b, offset + 2, UInt16(truncatingIfNeeded: value))
    }

    /// `count` bytes of `b` from `offset` (checked by the caller).
    static func slice(_ b: UnsafeRawBufferPointer, _ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: b[offset..<(offset + count)])
    }

    /// `count` bytes of `b` from `offset` (checked by the caller).
    static func slice(_ b: UnsafeMutableRawBufferPointer, _ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(UnsafeMutableRawBufferPointer(rebasing: b[offset..<(offset + count)]))
    }

    /// Copies `source` into `b` at `offset` (room checked by the caller; the ranges must not overlap).
    static func copy(_ source: UnsafeRawBufferPointer, into b: UnsafeMutableRawBufferPointer, at offset: Int) {
        var i = 0
        while i < source.count {
            b[offset + i] = source[i]
            i += 1
        }
    }

    /// Zeroes `b[from..<to]`.
    static func zero(_ b: UnsafeMutableRawBufferPointer, from: Int, to: Int) {
        var i = from
        while i < to {
            b[i] = 0
            i += 1
        }
    }
}
