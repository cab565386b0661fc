// A short device name (a `compatible` string) copied into fixed storage, so it outlives the blob it came from.

/// A `compatible` string of at most `DeviceName.capacity` bytes, stored inline (no heap).
public struct DeviceName: Equatable, Sendable {
    /// The longest name kept; longer names are cut there.
    public static let capacity = 48
    var storage = InlineArray<48, UInt8>(repeating: 0)
    /// Number of bytes in use.
    public private(set) var count = 0

    /// An empty name.
    public init() {}

    /// Copies the bytes of `bytes` (up to the capacity).
    public init(_ bytes: FDTBytes) {
        let n = min(bytes.count, DeviceName.capacity)
        var i = 0
        while i < n {
            storage[i] = bytes.raw[i]
            i += 1
        }
        count = n
    }

    /// Copies the text of a literal.
    public init(_ string: StaticString) { self.init(FDTBytes(string)) }

    /// The byte at `index` (0 ..< count).
    public subscript(index: Int) -> UInt8 { storage[index] }

    /// Whether the name equals `string`.
    public func equals(_ string: StaticString) -> Bool {
        let other = FDTBytes(string)
        guard other.count == count else { return false }
        var i = 0
        while i < count {
            if storage[i] != other.raw[i] { return false }
            i += 1
        }
        return true
    }

    public static func == (lhs: DeviceName, rhs: DeviceName) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var i = 0
        while i < lhs.count {
            if lhs.storage[i] != rhs.storage[i] { return false }
            i += 1
        }
        return true
    }
}
