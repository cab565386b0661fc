// A set of flag bits held in one integer: what OptionSet offers, without OptionSet, whose generic
// SetAlgebra machinery does not build with Embedded Swift's -no-allocations.

/// Flag bits in one unsigned integer. Conforming types declare `rawValue`, `init(rawValue:)` and their
/// named bits; the set operations come from here.
public protocol BitFlags: Equatable {
    associatedtype RawValue: FixedWidthInteger & UnsignedInteger
    var rawValue: RawValue { get }
    init(rawValue: RawValue)
}

extension BitFlags {
    /// No bits.
    public init() { self.init(rawValue: 0) }
    /// Whether no bit is set.
    public var isEmpty: Bool { rawValue == 0 }
    /// Whether every bit of `other` is also set here.
    public func contains(_ other: Self) -> Bool { rawValue & other.rawValue == other.rawValue }
    /// The bits set in either.
    public func union(_ other: Self) -> Self { Self(rawValue: rawValue | other.rawValue) }
    /// The bits set in both.
    public func intersection(_ other: Self) -> Self { Self(rawValue: rawValue & other.rawValue) }
}
