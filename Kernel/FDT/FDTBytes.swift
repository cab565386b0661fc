// A bounds-checked view of bytes inside a devicetree blob: names, property values, string lists.

/// Bytes inside a validated devicetree blob; every read is bounds-checked and returns nil when out of range.
public struct FDTBytes: @unchecked Sendable {  // a read-only view; the blob outlives every user
    /// The viewed bytes.
    public let raw: UnsafeRawBufferPointer

    /// Wraps a region of memory.
    public init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    /// The number of bytes.
    public var count: Int { raw.count }

    /// The byte at `index`, or nil past the end.
    public func byte(at index: Int) -> UInt8? {
        guard index >= 0, index < raw.count else { return nil }
        return raw[index]
    }

    /// The big-endian 32-bit cell at byte offset `offset`, or nil if it does not fit.
    public func u32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= raw.count - 4 else { return nil }
        return UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// A number made of `cells` big-endian 32-bit cells starting at cell index `cellIndex` (1 or 2 cells fit; more yield nil).
    public func cells(at cellIndex: Int, count cells: Int) -> UInt64? {
        guard cells >= 0, cells <= 2, cellIndex >= 0 else { return nil }
        var value: UInt64 = 0
        var i = 0
        while i < cells {
            guard let word = u32(at: (cellIndex + i) * 4) else { return nil }
            value = (value << 32) | UInt64(word)
            i += 1
        }
        return value
    }

    /// The value as a single number of 1 or 2 cells (as `clock-frequency` or `timebase-frequency` may be written).
    public var number: UInt64? {
        switch raw.count {
        case 4: return cells(at: 0, count: 1)
        case 8: return cells(at: 0, count: 2)
        default: return nil
        }
    }

    /// The bytes up to (not including) the first NUL, or all of them when there is none.
    public var firstString: FDTBytes {
        var end = 0
        while end < raw.count && raw[end] != 0 { end += 1 }
        return FDTBytes(UnsafeRawBufferPointer(rebasing: raw[0..<end]))
    }

    /// The sub-range `from..<to`, clamped to the view.
    public func slice(_ from: Int, _ to: Int) -> FDTBytes {
        let lo = max(0, min(from, raw.count))
        let hi = max(lo, min(to, raw.count))
        return FDTBytes(UnsafeRawBufferPointer(rebasing: raw[lo..<hi]))
    }

    /// The index of the first `byte`, or nil.
    public func firstIndex(of byte: UInt8) -> Int? {
        var i = 0
        while i < raw.count {
            if raw[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// Whether the bytes equal `other` exactly.
    public func equals(_ other: FDTBytes) -> Bool {
        guard raw.count == other.raw.count else { return false }
        var i = 0
        while i < raw.count {
            if raw[i] != other.raw[i] { return false }
            i += 1
        }
        return true
    }

    /// Whether the bytes equal the text of `string` exactly.
    public func equals(_ string: StaticString) -> Bool {
        equals(FDTBytes(string))
    }

    /// Whether the bytes start with `prefix`.
    public func hasPrefix(_ prefix: StaticString) -> Bool {
        let p = FDTBytes(prefix)
        guard p.count <= count else { return false }
        return slice(0, p.count).equals(p)
    }

    /// Whether this NUL-separated string list (like `compatible`) contains `string`.
    public func containsString(_ string: StaticString) -> Bool {
        var iterator = strings
        while let entry = iterator.next() {
            if entry.equals(string) { return true }
        }
        return false
    }

    /// The NUL-separated strings of a string-list property.
    public var strings: StringListIterator { StringListIterator(bytes: self) }

    /// Views the UTF-8 text of a static string.
    public init(_ string: StaticString) {
        self.raw = UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount)
    }
}

/// Iterates the entries of a NUL-separated string list; a final entry without a NUL is still returned.
public struct StringListIterator: IteratorProtocol, Sendable {
    let bytes: FDTBytes
    var position = 0

    /// The next string, without its NUL.
    public mutating func next() -> FDTBytes? {
        guard position < bytes.count else { return nil }
        var end = position
        while end < bytes.count, bytes.raw[end] != 0 { end += 1 }
        let entry = bytes.slice(position, end)
        position = end + 1
        return entry
    }
}
