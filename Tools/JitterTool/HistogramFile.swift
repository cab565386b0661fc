// cyclictest's histogram text (`-h`/`-H`, on standard output or in `--histfile`), read back and checked.
//
// The block cyclictest writes, and the only part of the text that is read:
//
//     # Histogram
//     000000 000000	000000	000000        bucket number, one count per thread, with -H the sum of the threads
//     ...
//     # Total: 000000077 000000021 000000098                 (with -H: and the sum)
//     # Min Latencies: 00019 00023
//     # Avg Latencies: 00038 00044
//     # Max Latencies: 00085 00070 00085                     (with -H: and the largest)
//     # Histogram Overflows: 00123 00179 00302               (with -H: and the sum)
//     # Histogram Overflow at cycle number:
//     # Thread 0: 00000 00001 ... 00061 # 00093 others
//     # Thread 1: 00000 00001 ... # 00149 others
//
// The summary column exists only with -H and more than one thread. Whatever precedes `# Histogram` (the
// `# /dev/cpu_dma_latency` note, `policy:` and `T:` status lines with their cursor-up escapes) is skipped;
// after the block only blank lines and the `-b` trailer (`# Thread Ids:`, `# Break thread:`, `# Break value:`)
// may follow. Everything inside the block must be as cyclictest writes it, or the reading fails with
// `path:line: what is wrong`.

import Foundation

/// A cyclictest histogram file: per thread the buckets, the footer figures and the overflow cycles.
public struct LatencyHistogramFile: Equatable, Sendable {
    /// One measuring thread's column and footer figures, in the file's unit (µs, or ns with `-N`).
    public struct Thread: Equatable, Sendable {
        /// Samples per bucket: `counts[i]` samples had a latency of `i` units.
        public var counts: [UInt64]
        /// `# Total:`: the samples in the buckets (the sum of `counts`).
        public var total: UInt64
        /// `# Min Latencies:` (cyclictest writes 1000000 for a thread that took no sample).
        public var minimum: UInt64
        /// `# Avg Latencies:`, truncated.
        public var average: UInt64
        /// `# Max Latencies:`, which may lie beyond the buckets.
        public var maximum: UInt64
        /// `# Histogram Overflows:`: samples at or beyond the end of the buckets.
        public var overflows: UInt64
        /// The cycle numbers of the overflows cyclictest kept (the first ones), from `# Thread n:`.
        public var overflowCycles: [UInt64]
        /// The overflows whose cycle numbers were not kept (`# n others`; 0 when absent).
        public var otherOverflows: UInt64

        public init(counts: [UInt64], total: UInt64, minimum: UInt64, average: UInt64, maximum: UInt64,
                    overflows: UInt64, overflowCycles: [UInt64], otherOverflows: UInt64) {
            self.counts = counts
            self.total = total
            self.minimum = minimum
            self.average = average
            self.maximum = maximum
            self.overflows = overflows
            self.overflowCycles = overflowCycles
            self.otherOverflows = otherOverflows
        }

        /// Samples taken: those in the buckets and the overflows (the thread's cycles).
        public var samples: UInt64 { total &+ overflows }
        /// Whether the thread took any sample (its min/avg/max mean something).
        public var hasSamples: Bool { samples > 0 }
        /// The largest bucket holding a sample, nil when every bucket is empty.
        public var highestOccupiedBucket: Int? { counts.lastIndex { $0 > 0 } }
    }

    /// The `-H` column: the threads summed (buckets, total, overflows) and the largest maximum.
    public struct Summary: Equatable, Sendable {
        public var counts: [UInt64]
        public var total: UInt64
        public var maximum: UInt64
        public var overflows: UInt64

        public init(counts: [UInt64], total: UInt64, maximum: UInt64, overflows: UInt64) {
            self.counts = counts
            self.total = total
            self.maximum = maximum
            self.overflows = overflows
        }
    }

    /// The file, as given (used in error messages and plot labels).
    public var path: String
    /// The measuring threads, in the file's order (thread 0 first).
    public var threads: [Thread]
    /// The `-H` summary column, when the file has one.
    public var summary: Summary?
    /// Buckets per thread (the `-h`/`-H` size): the number of rows.
    public var bucketCount: Int
    /// The 1-based line of `# Histogram`.
    public var histogramLine: Int

    public init(path: String, threads: [Thread], summary: Summary?, bucketCount: Int, histogramLine: Int) {
        self.path = path
        self.threads = threads
        self.summary = summary
        self.bucketCount = bucketCount
        self.histogramLine = histogramLine
    }

    /// Whether rows and the Total/Max/Overflows lines carry the `-H` summary column.
    public var hasSummaryColumn: Bool { summary != nil }
    /// The largest maximum over the threads that took samples (0 when none did).
    public var maximumLatency: UInt64 { threads.filter(\.hasSamples).map(\.maximum).max() ?? 0 }
    /// The smallest minimum over the threads that took samples (nil when none did).
    public var minimumLatency: UInt64? { threads.filter(\.hasSamples).map(\.minimum).min() }
    /// Samples over all threads, overflows included.
    public var totalSamples: UInt64 { threads.reduce(0) { $0 &+ $1.samples } }
    /// Overflows over all threads.
    public var totalOverflows: UInt64 { threads.reduce(0) { $0 &+ $1.overflows } }

    /// Reads the histogram block in `text`; `path` names the file in errors.
    public init(text: String, path: String) throws(JitterToolError) {
        var reader = HistogramReader(text: text, path: path)
        self = try reader.read()
    }

    /// Reads and parses the file at `path` (`path: cannot read: reason` when it cannot be read).
    public init(contentsOfFile path: String) throws(JitterToolError) {
        try self.init(text: try readTextFile(path), path: path)
    }
}

/// The contents of `path` as text (invalid UTF-8 repaired; the parser rejects what it does not understand).
func readTextFile(_ path: String) throws(JitterToolError) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw JitterToolError(path: path, message: "cannot read: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n == 0 { break }
        if n < 0 {
            if errno == EINTR { continue }
            throw JitterToolError(path: path, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// One pass over the lines of a histogram text.
struct HistogramReader {
    let path: String
    /// The lines without their line ends (`\n`, or `\r\n`).
    let lines: [Substring]
    /// Index of the next line to read (its line number is `next + 1`).
    var next = 0

    init(text: String, path: String) {
        self.path = path
        // Split on the scalar, not the Character: "\r\n" is one Character and would not split on "\n".
        var lines: [Substring] = []
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var i = start
        while i < scalars.endIndex {
            if scalars[i] == "\n" {
                lines.append(Self.trimmingCarriageReturn(text[start..<i]))
                start = scalars.index(after: i)
            }
            i = scalars.index(after: i)
        }
        if start < scalars.endIndex { lines.append(Self.trimmingCarriageReturn(text[start..<scalars.endIndex])) }
        self.lines = lines
    }

    static func trimmingCarriageReturn(_ line: Substring) -> Substring {
        line.unicodeScalars.last == "\r" ? Substring(line.unicodeScalars.dropLast()) : line
    }

    func error(_ line: Int, _ message: String) -> JitterToolError {
        JitterToolError(path: path, line: line, message: message)
    }

    /// A line shown in a message: trimmed, shortened, escapes made visible.
    static func quoted(_ line: Substring) -> String {
        var shown = ""
        for scalar in line.unicodeScalars {
            if scalar == "\u{1B}" { shown += "\\e" }
            else if scalar == "\t" { shown += " " }
            else if scalar.value < 0x20 || scalar.value == 0x7F { shown += "\\u{\(String(scalar.value, radix: 16))}" }
            else { shown.unicodeScalars.append(scalar) }
        }
        shown = shown.trimmingCharacters(in: .whitespaces)
        if shown.count > 60 { shown = String(shown.prefix(57)) + "..." }
        return "`\(shown)`"
    }

    /// The fields of `text`, separated by spaces and tabs.
    static func fields(_ text: Substring) -> [Substring] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// A decimal number written with digits only.
    static func number(_ field: Substring) -> UInt64? {
        guard !field.isEmpty, field.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(field)
    }

    /// The line with ANSI CSI escapes (`ESC [ params final`) and surrounding blanks removed.
    static func withoutEscapes(_ line: Substring) -> String {
        var out = String.UnicodeScalarView()
        var scalars = line.unicodeScalars[...]
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            if scalar == "\u{1B}" {
                if scalars.first == "[" {
                    scalars = scalars.dropFirst()
                    while let p = scalars.first, !(0x40...0x7E).contains(p.value) { scalars = scalars.dropFirst() }
                }
                scalars = scalars.dropFirst()   // the final byte (or the one after a lone ESC)
                continue
            }
            out.append(scalar)
        }
        return String(out).trimmingCharacters(in: .whitespaces)
    }

    mutating func read() throws(JitterToolError) -> LatencyHistogramFile {
        // Skip cyclictest's chatter up to the block.
        guard let start = lines.firstIndex(where: { Self.withoutEscapes($0) == "# Histogram" }) else {
            throw error(1, "no `# Histogram` line: not a cyclictest histogram (run cyclictest with -h or -H, and --histfile)")
        }
        let histogramLine = start + 1
        next = start + 1

        // Rows: bucket number, then the counts.
        var rows: [[UInt64]] = []
        var rowLines: [Int] = []
        var columns: Int? = nil
        while next < lines.count, let first = lines[next].utf8.first, first >= 0x30 && first <= 0x39 {
            let lineNumber = next + 1
            let fields = Self.fields(lines[next])
            guard let index = Self.number(fields[0]) else {
                throw error(lineNumber, "\(Self.quoted(fields[0])) is not a bucket number")
            }
            guard index == UInt64(rows.count) else {
                throw error(lineNumber, "row \(index) where row \(rows.count) was expected (rows are numbered 0, 1, 2, ... without gaps)")
            }
            guard fields.count >= 2 else { throw error(lineNumber, "row \(index) has no counts") }
            var counts: [UInt64] = []
            for field in fields.dropFirst() {
                guard let count = Self.number(field) else {
                    throw error(lineNumber, "row \(index): \(Self.quoted(field)) is not a count")
                }
                counts.append(count)
            }
            if let columns, counts.count != columns {
                throw error(lineNumber, "row \(index) has \(counts.count) counts but the rows above have \(columns)")
            }
            columns = counts.count
            rows.append(counts)
            rowLines.append(lineNumber)
            next += 1
        }

        // The footer.
        let totalLine = next + 1
        let totals = try values("# Total:", what: rows.isEmpty ? "a histogram row or `# Total:`" : "another row or `# Total:`")
        if let columns, totals.count != columns {
            throw error(totalLine, "`# Total:` has \(totals.count) values but the rows have \(columns) counts")
        }
        let columnCount = columns ?? totals.count

        let minLine = next + 1
        let minima = try values("# Min Latencies:")
        let threadCount = minima.count
        let hasSummary: Bool
        if columnCount == threadCount {
            hasSummary = false
        } else if columnCount == threadCount + 1 {
            hasSummary = true
        } else {
            throw error(minLine, "`# Min Latencies:` has \(threadCount) values but the rows have \(columnCount) counts "
                + "(one per thread, and with -H one more for the sum)")
        }
        let summed = hasSummary ? threadCount + 1 : threadCount
        let summedWhat = hasSummary ? "\(threadCount) threads and the -H summary" : (threadCount == 1 ? "1 thread" : "\(threadCount) threads")

        let avgLine = next + 1
        let averages = try values("# Avg Latencies:")
        guard averages.count == threadCount else {
            throw error(avgLine, "`# Avg Latencies:` has \(averages.count) values for \(threadCount) thread\(threadCount == 1 ? "" : "s")")
        }
        let maxLine = next + 1
        let maxima = try values("# Max Latencies:")
        guard maxima.count == summed else {
            throw error(maxLine, "`# Max Latencies:` has \(maxima.count) values, expected \(summed) (\(summedWhat))")
        }
        let overflowLine = next + 1
        let overflows = try values("# Histogram Overflows:")
        guard overflows.count == summed else {
            throw error(overflowLine, "`# Histogram Overflows:` has \(overflows.count) values, expected \(summed) (\(summedWhat))")
        }
        try expectExactly("# Histogram Overflow at cycle number:")

        var cycleLists: [(cycles: [UInt64], others: UInt64, line: Int)] = []
        for thread in 0..<threadCount {
            cycleLists.append(try threadLine(thread))
        }

        // After the block: blank lines and the -b trailer only.
        while next < lines.count {
            let line = lines[next]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !(trimmed.isEmpty || trimmed.hasPrefix("# Thread Ids:") || trimmed.hasPrefix("# Break thread:")
                 || trimmed.hasPrefix("# Break value:")) {
                throw error(next + 1, "unexpected \(Self.quoted(line)) after the histogram (which ended at line \(next))")
            }
            next += 1
        }

        // What cyclictest guarantees: each column adds up to its total, the summary column sums the threads,
        // and every overflow is either listed by cycle number or counted among the others.
        if hasSummary {
            for (row, counts) in rows.enumerated() {
                let (sum, wrapped) = Self.sum(counts.dropLast())
                if wrapped || sum != counts[threadCount] {
                    throw error(rowLines[row], "row \(row): the -H sum column says \(counts[threadCount]) but the threads' counts add up to \(Self.show(sum, wrapped))")
                }
            }
        }
        for thread in 0..<threadCount {
            let (sum, wrapped) = Self.sum(rows.lazy.map { $0[thread] })
            if wrapped || sum != totals[thread] {
                throw error(totalLine, "thread \(thread): `# Total:` says \(totals[thread]) but its rows add up to \(Self.show(sum, wrapped))")
            }
        }
        if hasSummary {
            let (sum, wrapped) = Self.sum(totals.dropLast())
            if wrapped || sum != totals[threadCount] {
                throw error(totalLine, "the -H sum of `# Total:` is \(totals[threadCount]) but the threads' totals add up to \(Self.show(sum, wrapped))")
            }
            let largest = maxima.dropLast().max() ?? 0
            if largest != maxima[threadCount] {
                throw error(maxLine, "the -H value of `# Max Latencies:` is \(maxima[threadCount]) but the threads' largest is \(largest)")
            }
            let (overflowSum, overflowWrapped) = Self.sum(overflows.dropLast())
            if overflowWrapped || overflowSum != overflows[threadCount] {
                throw error(overflowLine, "the -H sum of `# Histogram Overflows:` is \(overflows[threadCount]) but the threads' overflows add up to \(Self.show(overflowSum, overflowWrapped))")
            }
        }
        for thread in 0..<threadCount {
            let listed = cycleLists[thread]
            let (sum, wrapped) = UInt64(listed.cycles.count).addingReportingOverflow(listed.others)
            if wrapped || sum != overflows[thread] {
                throw error(listed.line, "thread \(thread): \(listed.cycles.count) overflow cycle numbers and \(listed.others) others, but `# Histogram Overflows:` says \(overflows[thread])")
            }
        }

        var threads: [LatencyHistogramFile.Thread] = []
        for thread in 0..<threadCount {
            threads.append(LatencyHistogramFile.Thread(
                counts: rows.map { $0[thread] }, total: totals[thread], minimum: minima[thread],
                average: averages[thread], maximum: maxima[thread], overflows: overflows[thread],
                overflowCycles: cycleLists[thread].cycles, otherOverflows: cycleLists[thread].others))
        }
        let summary = hasSummary
            ? LatencyHistogramFile.Summary(counts: rows.map { $0[threadCount] }, total: totals[threadCount],
                                           maximum: maxima[threadCount], overflows: overflows[threadCount])
            : nil
        return LatencyHistogramFile(path: path, threads: threads, summary: summary, bucketCount: rows.count,
                                    histogramLine: histogramLine)
    }

    static func sum<S: Sequence>(_ values: S) -> (UInt64, Bool) where S.Element == UInt64 {
        var total: UInt64 = 0
        for value in values {
            let (next, wrapped) = total.addingReportingOverflow(value)
            if wrapped { return (0, true) }
            total = next
        }
        return (total, false)
    }

    static func show(_ value: UInt64, _ wrapped: Bool) -> String { wrapped ? "more than \(UInt64.max)" : "\(value)" }

    /// The next line, or an error saying the file ends where `what` was expected.
    mutating func take(expecting what: String) throws(JitterToolError) -> (line: Substring, number: Int) {
        guard next < lines.count else {
            throw error(max(lines.count, 1), "the file ends where \(what) was expected")
        }
        defer { next += 1 }
        return (lines[next], next + 1)
    }

    /// A footer line `label v1 v2 ...` with at least one value.
    mutating func values(_ label: String, what: String? = nil) throws(JitterToolError) -> [UInt64] {
        let expected = what ?? "`\(label)`"
        let (line, number) = try take(expecting: expected)
        guard line.hasPrefix(label) else {
            throw error(number, "expected \(expected), found \(Self.quoted(line))")
        }
        let fields = Self.fields(line.dropFirst(label.count))
        guard !fields.isEmpty else { throw error(number, "`\(label)` has no values") }
        var result: [UInt64] = []
        for field in fields {
            guard let value = Self.number(field) else {
                throw error(number, "`\(label)`: \(Self.quoted(field)) is not a number")
            }
            result.append(value)
        }
        return result
    }

    /// A line that must read `text` (trailing blanks aside).
    mutating func expectExactly(_ text: String) throws(JitterToolError) {
        let (line, number) = try take(expecting: "`\(text)`")
        guard line.trimmingCharacters(in: .whitespaces) == text else {
            throw error(number, "expected `\(text)`, found \(Self.quoted(line))")
        }
    }

    /// `# Thread n: c1 c2 ... [# k others]`.
    mutating func threadLine(_ thread: Int) throws(JitterToolError) -> (cycles: [UInt64], others: UInt64, line: Int) {
        let label = "# Thread \(thread):"
        let (line, number) = try take(expecting: "`\(label)`")
        guard line.hasPrefix(label) else {
            throw error(number, "expected `\(label)` (the overflow cycles of thread \(thread)), found \(Self.quoted(line))")
        }
        let fields = Self.fields(line.dropFirst(label.count))
        var cycles: [UInt64] = []
        var others: UInt64 = 0
        var index = 0
        while index < fields.count {
            let field = fields[index]
            if field == "#" {
                let rest = fields[(index + 1)...]
                guard rest.count == 2, let count = Self.number(rest[rest.startIndex]), rest[rest.startIndex + 1] == "others" else {
                    throw error(number, "`\(label)`: expected `# N others` after the cycle numbers, found \(Self.quoted(line[field.startIndex...]))")
                }
                others = count
                break
            }
            guard let cycle = Self.number(field) else {
                throw error(number, "`\(label)`: \(Self.quoted(field)) is not a cycle number")
            }
            cycles.append(cycle)
            index += 1
        }
        return (cycles, others, number)
    }
}
