// Nanoseconds: the time unit of every real-time interface, and conversion from counter ticks.

/// A span of time in nanoseconds: the unit every real-time interface in Orion RT uses.
public struct Nanoseconds: Equatable, Comparable, Sendable {
    /// The raw count.
    public var value: UInt64

    /// `value` nanoseconds.
    public init(_ value: UInt64) { self.value = value }

    /// Converts `ticks` of a counter running at `frequencyHz` (rounds down; whole seconds and the remainder
    /// are converted separately, so the product cannot overflow for counters up to about 18 GHz).
    public init(ticks: UInt64, frequencyHz: UInt64) {
        let seconds = ticks / frequencyHz
        let remainder = ticks % frequencyHz
        self.value = seconds &* 1_000_000_000 &+ remainder &* 1_000_000_000 / frequencyHz
    }

    public static func < (lhs: Nanoseconds, rhs: Nanoseconds) -> Bool { lhs.value < rhs.value }
}
