// One measuring thread's latency record, as cyclictest keeps it: a fixed-bucket histogram over caller storage,
// min/avg/max, an overflow counter and the cycle numbers of the overflows. No allocation; Embedded-clean.

/// The unit of one histogram bucket and of the reported figures.
public enum LatencyUnit: Sendable, Equatable {
    /// Microsecond buckets (cyclictest's default).
    case microseconds
    /// Nanosecond buckets (cyclictest `-N`).
    case nanoseconds

    /// Nanoseconds in one unit.
    public var nanoseconds: UInt64 {
        switch self {
        case .microseconds: return 1000
        case .nanoseconds: return 1
        }
    }
}

/// Latency samples of one measuring thread: statistics always, and a histogram when it was given buckets.
///
/// A sample is converted to the unit by truncation (as cyclictest does), so every figure is in whole units.
/// A sample of `buckets.count` units or more is an overflow: counted, its cycle number kept while there is room
/// in `overflowCycles`, and not put into any bucket. The storage belongs to the caller and must outlive the record.
public struct LatencyHistogram {
    /// The unit of buckets and figures.
    public let unit: LatencyUnit
    /// One counter per unit of latency, `0 ..< buckets.count`; empty for statistics only.
    public let buckets: UnsafeMutableBufferPointer<UInt64>
    /// Where the cycle numbers of overflows are kept, oldest first.
    public let overflowCycles: UnsafeMutableBufferPointer<UInt64>
    /// Samples recorded.
    public private(set) var cycles: UInt64 = 0
    /// Smallest sample in units (0 before the first).
    public var minimum: UInt64 { cycles == 0 ? 0 : smallest }
    /// Largest sample in units.
    public private(set) var maximum: UInt64 = 0
    /// The most recent sample in units.
    public private(set) var last: UInt64 = 0
    /// Sum of all samples in units (saturating).
    public private(set) var sum: UInt64 = 0
    /// Samples at or beyond the histogram's end.
    public private(set) var overflows: UInt64 = 0
    /// How many of `overflowCycles` hold a cycle number.
    public private(set) var overflowCyclesKept: Int = 0
    private var smallest: UInt64 = UInt64.max

    /// A record over `buckets` (zeroed here) and `overflowCycles`, counting in `unit`.
    public init(unit: LatencyUnit, buckets: UnsafeMutableBufferPointer<UInt64>,
                overflowCycles: UnsafeMutableBufferPointer<UInt64>) {
        self.unit = unit
        self.buckets = buckets
        self.overflowCycles = overflowCycles
        var i = 0
        while i < buckets.count {
            buckets[i] = 0
            i += 1
        }
    }

    /// Whether samples are put into buckets (a histogram was asked for).
    public var hasHistogram: Bool { buckets.count > 0 }

    /// Mean sample in units, truncated (0 before the first sample).
    public var average: UInt64 { cycles == 0 ? 0 : sum / cycles }

    /// Records one latency given in nanoseconds.
    @inline(__always)
    public mutating func record(nanoseconds latencyNs: UInt64) {
        record(units: unit == .microseconds ? latencyNs / 1000 : latencyNs)
    }

    /// Records one latency already in units.
    public mutating func record(units value: UInt64) {
        if value < smallest { smallest = value }
        if value > maximum { maximum = value }
        last = value
        let (total, overflowed) = sum.addingReportingOverflow(value)
        sum = overflowed ? UInt64.max : total
        if hasHistogram {
            if value < UInt64(buckets.count) {
                buckets[Int(value)] &+= 1
            } else {
                overflows += 1
                if overflowCyclesKept < overflowCycles.count {
                    overflowCycles[overflowCyclesKept] = cycles
                    overflowCyclesKept += 1
                }
            }
        }
        cycles += 1
    }

    /// The count in bucket `index` (0 outside the histogram).
    public func count(atBucket index: Int) -> UInt64 {
        index >= 0 && index < buckets.count ? buckets[index] : 0
    }
}
