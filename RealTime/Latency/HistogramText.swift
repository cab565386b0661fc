// cyclictest's histogram block (`-h`/`-H` output, `--histfile`) written from latency records to any byte sink,
// so a board's console and the Linux tool print the same text that cyclictest's readers already parse.

/// Writes latency records in cyclictest's histogram format.
public enum HistogramText {
    /// Writes the block for `threads` (one column each): `# Histogram`, a row per bucket `%06d` then the
    /// counts `%06lu` separated by tabs, the `# Total:` / `# Min Latencies:` / `# Avg Latencies:` /
    /// `# Max Latencies:` / `# Histogram Overflows:` footers, the overflow cycle numbers per thread, and an
    /// empty line. `allThreadsColumn` adds cyclictest `-H`'s summary column when there is more than one thread.
    /// Every record must have the same number of buckets.
    public static func write<S: ByteSink>(_ threads: UnsafeBufferPointer<LatencyHistogram>, allThreadsColumn: Bool,
                                          to sink: inout S) {
        let summary = allThreadsColumn && threads.count > 1
        let rows = threads.count > 0 ? threads[0].buckets.count : 0
        sink.write("# Histogram\n")
        var row = 0
        while row < rows {
            sink.write(decimal: UInt64(row), zeroPaddedTo: 6)
            sink.put(UInt8(ascii: " "))
            var all: UInt64 = 0
            var t = 0
            while t < threads.count {
                let count = threads[t].count(atBucket: row)
                all &+= count
                sink.write(decimal: count, zeroPaddedTo: 6)
                if t < threads.count - 1 { sink.put(UInt8(ascii: "\t")) }
                t += 1
            }
            if summary {
                sink.put(UInt8(ascii: "\t"))
                sink.write(decimal: all, zeroPaddedTo: 6)
            }
            sink.newline()
            row += 1
        }
        // Total: what landed in the buckets (overflows are not counted), per thread and over all.
        var grand: UInt64 = 0
        sink.write("# Total:")
        var t = 0
        while t < threads.count {
            let total = threads[t].cycles - threads[t].overflows
            grand &+= total
            sink.put(UInt8(ascii: " "))
            sink.write(decimal: total, zeroPaddedTo: 9)
            t += 1
        }
        if summary {
            sink.put(UInt8(ascii: " "))
            sink.write(decimal: grand, zeroPaddedTo: 9)
        }
        sink.newline()
        footer(threads, "# Min Latencies:", summary: nil, to: &sink) { $0.minimum }
        footer(threads, "# Avg Latencies:", summary: nil, to: &sink) { $0.average }
        var worst: UInt64 = 0
        var overflows: UInt64 = 0
        t = 0
        while t < threads.count {
            worst = max(worst, threads[t].maximum)
            overflows &+= threads[t].overflows
            t += 1
        }
        footer(threads, "# Max Latencies:", summary: summary ? worst : nil, to: &sink) { $0.maximum }
        footer(threads, "# Histogram Overflows:", summary: summary ? overflows : nil, to: &sink) { $0.overflows }
        sink.write("# Histogram Overflow at cycle number:\n")
        t = 0
        while t < threads.count {
            sink.write("# Thread ")
            sink.write(decimal: UInt64(t))
            sink.put(UInt8(ascii: ":"))
            let record = threads[t]
            var i = 0
            while i < record.overflowCyclesKept {
                sink.put(UInt8(ascii: " "))
                sink.write(decimal: record.overflowCycles[i], zeroPaddedTo: 5)
                i += 1
            }
            if UInt64(record.overflowCyclesKept) < record.overflows {
                sink.write(" # ")
                sink.write(decimal: record.overflows - UInt64(record.overflowCyclesKept), zeroPaddedTo: 5)
                sink.write(" others")
            }
            sink.newline()
            t += 1
        }
        sink.newline()
    }

    /// One `# Name: %05lu ...` footer line, with an optional summary value at the end.
    static func footer<S: ByteSink>(_ threads: UnsafeBufferPointer<LatencyHistogram>, _ title: StaticString,
                                    summary: UInt64?, to sink: inout S, _ value: (LatencyHistogram) -> UInt64) {
        sink.write(title)
        var t = 0
        while t < threads.count {
            sink.put(UInt8(ascii: " "))
            sink.write(decimal: value(threads[t]), zeroPaddedTo: 5)
            t += 1
        }
        if let summary {
            sink.put(UInt8(ascii: " "))
            sink.write(decimal: summary, zeroPaddedTo: 5)
        }
        sink.newline()
    }
}
