// RealTime: scheduling policies, analysis, simulation and latency statistics (arrive with later issues).

import Kernel

/// A span of time in nanoseconds: the unit every real-time interface in Orion RT uses.
public struct Nanoseconds: Equatable, Comparable, Sendable {
    /// The raw count.
    public var value: UInt64

    /// `value` nanoseconds.
    public init(_ value: UInt64) { self.value = value }

    /// Converts a count of `ticks` of a counter running at `frequencyHz` (rounds down, no overflow for 64-bit tick counts below 2^64 / 10^9 s).
    public init(ticks: UInt64, frequencyHz: UInt64) {
        let seconds = ticks / frequencyHz
        let remainder = ticks % frequencyHz
        self.value = seconds &* 1_000_000_000 &+ remainder &* 1_000_000_000 / frequencyHz
    }

    public static func < (lhs: Nanoseconds, rhs: Nanoseconds) -> Bool { lhs.value < rhs.value }
}
