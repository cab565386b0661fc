// Text output without heap or String: decimal and hex numbers, literals and byte views written to any byte sink.

/// Something that accepts bytes one at a time: a UART, a ring buffer, a test buffer.
public protocol ByteSink {
    /// Takes one byte.
    mutating func put(_ byte: UInt8)
}

extension ByteSink {
    /// Writes the text of a literal.
    public mutating func write(_ text: StaticString) {
        write(FDTBytes(text))
    }

    /// Writes raw bytes.
    public mutating func write(_ bytes: FDTBytes) {
        var i = 0
        while i < bytes.count {
            put(bytes.raw[i])
            i += 1
        }
    }

    /// Writes a device name.
    public mutating func write(_ name: DeviceName) {
        var i = 0
        while i < name.count {
            put(name[i])
            i += 1
        }
    }

    /// Writes `value` in decimal.
    public mutating func write(decimal value: UInt64) {
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var n = value
        var count = 0
        repeat {
            digits[count] = UInt8(truncatingIfNeeded: n % 10) + UInt8(ascii: "0")
            n /= 10
            count += 1
        } while n > 0
        while count > 0 {
            count -= 1
            put(digits[count])
        }
    }

    /// Writes a signed `value` in decimal.
    public mutating func write(decimal value: Int) {
        if value < 0 {
            put(UInt8(ascii: "-"))
            write(decimal: UInt64(value.magnitude))
        } else {
            write(decimal: UInt64(value))
        }
    }

    /// Writes `value` as lowercase hex without leading zeros, prefixed with `0x`.
    public mutating func write(hex value: UInt64) {
        write("0x")
        write(hexDigits: value, minimumWidth: 1)
    }

    /// Writes `value` as lowercase hex digits, zero-padded to `minimumWidth`, without a prefix.
    public mutating func write(hexDigits value: UInt64, minimumWidth: Int) {
        var width = 16
        while width > 1 && width > minimumWidth && (value >> UInt64((width - 1) * 4)) & 0xF == 0 { width -= 1 }
        while width > 0 {
            width -= 1
            let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(width * 4)) & 0xF)
            put(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
    }

    /// Writes a newline.
    public mutating func newline() { put(UInt8(ascii: "\n")) }
}

extension ByteSink {
    /// Writes `value` in decimal, zero-padded to at least `width` digits (C's `%0*lu`).
    public mutating func write(decimal value: UInt64, zeroPaddedTo width: Int) {
        write(decimal: value, paddedTo: width, with: UInt8(ascii: "0"))
    }

    /// Writes `value` in decimal, right-aligned in at least `width` columns (C's `%*lu`).
    public mutating func write(decimal value: UInt64, spacePaddedTo width: Int) {
        write(decimal: value, paddedTo: width, with: UInt8(ascii: " "))
    }

    /// Writes `value` in decimal after as many `pad` bytes as make it `width` long.
    mutating func write(decimal value: UInt64, paddedTo width: Int, with padByte: UInt8) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var pad = width - digits
        while pad > 0 {
            put(padByte)
            pad -= 1
        }
        write(decimal: value)
    }
}
