// cyclictest's per-thread status line, written from a latency record to any byte sink, so a board's console and
// the Linux tool print it from one implementation.

/// One thread's `T: 0 ( 1062) P:80 I:1000 C:      6 Min:     30 Act:   66 Avg:   46 Max:      66` line.
public struct LatencyStatusLine {
    /// Thread number.
    public var index: UInt64
    /// Kernel thread id (0 where there is none).
    public var tid: UInt64
    /// Priority shown after P:.
    public var priority: UInt64
    /// Interval in µs.
    public var intervalUs: UInt64
    /// Samples taken.
    public var cycles: UInt64
    /// Smallest, most recent, mean and largest latency in the record's unit.
    public var minimum, last, average, maximum: UInt64
    /// The figures are nanoseconds (cyclictest -N: wider Act and Avg columns).
    public var nanoseconds: Bool

    /// A line with these figures.
    public init(index: UInt64, tid: UInt64, priority: UInt64, intervalUs: UInt64, cycles: UInt64, minimum: UInt64,
                last: UInt64, average: UInt64, maximum: UInt64, nanoseconds: Bool) {
        self.index = index
        self.tid = tid
        self.priority = priority
        self.intervalUs = intervalUs
        self.cycles = cycles
        self.minimum = minimum
        self.last = last
        self.average = average
        self.maximum = maximum
        self.nanoseconds = nanoseconds
    }

    /// The line for `record`.
    public init(_ record: LatencyHistogram, index: UInt64, tid: UInt64, priority: UInt64, intervalUs: UInt64) {
        self.init(index: index, tid: tid, priority: priority, intervalUs: intervalUs, cycles: record.cycles,
                  minimum: record.minimum, last: record.last, average: record.average, maximum: record.maximum,
                  nanoseconds: record.unit == .nanoseconds)
    }

    /// Writes the line without its newline. Before the first sample Min shows cyclictest's starting 1000000.
    public func write<S: ByteSink>(to sink: inout S) {
        let wide = nanoseconds ? 8 : 5
        sink.write("T:")
        sink.write(decimal: index, spacePaddedTo: 2)
        sink.write(" (")
        sink.write(decimal: tid, spacePaddedTo: 5)
        sink.write(") P:")
        sink.write(decimal: priority, spacePaddedTo: 2)
        sink.write(" I:")
        sink.write(decimal: intervalUs)
        sink.write(" C:")
        sink.write(decimal: cycles, spacePaddedTo: 7)
        sink.write(" Min:")
        sink.write(decimal: cycles == 0 ? 1_000_000 : minimum, spacePaddedTo: 7)
        sink.write(" Act:")
        sink.write(decimal: last, spacePaddedTo: wide)
        sink.write(" Avg:")
        sink.write(decimal: average, spacePaddedTo: wide)
        sink.write(" Max:")
        sink.write(decimal: maximum, spacePaddedTo: 8)
    }
}
