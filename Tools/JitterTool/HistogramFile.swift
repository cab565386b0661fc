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
        try self.init(bytes: Array(text.utf8), path: path)
    }

    /// Reads the histogram block in `bytes` (UTF-8 text; invalid sequences are only ever quoted in messages);
    /// `path` names the file in errors. Linear in the size of the input; the fuzz target's entry point.
    public init(bytes: [UInt8], path: String) throws(JitterToolError) {
        var reader = HistogramReader(bytes: bytes, path: path)
        self = try reader.read()
    }

    /// Reads and parses the file at `path` (`path: cannot read: reason` when it cannot be read, or is not
    /// a regular file, or is larger than `maximumFileBytes`).
    public init(contentsOfFile path: String) throws(JitterToolError) {
        try self.init(bytes: try readHistogramFile(path), path: path)
    }

    /// The largest histogram file read: 128 MiB (cyclictest's largest histogram, 1,000,000 rows, with
    /// eight threads and the -H column is about 70 MB).
    public static let maximumFileBytes = 128 << 20
    /// The most rows (buckets) a file may have: cyclictest's HIST_MAX, the largest `-h` it takes.
    public static let maximumBuckets = 1_000_000
    /// The most counts on one row: 1024 threads (orion jitter's `-t` limit) and the -H column.
    public static let maximumColumns = 1025
    /// The most counts in all rows together (16 Mi: 128 MiB of memory for the buckets).
    public static let maximumCounts = 16 << 20
}

/// The contents of `path`, which must be a regular file of at most `LatencyHistogramFile.maximumFileBytes`:
/// a FIFO, a device (`/dev/zero`) or a folder is refused before anything is read, and opening never waits
/// for a writer (O_NONBLOCK).
func readHistogramFile(_ path: String) throws(JitterToolError) -> [UInt8] {
    let limit = LatencyHistogramFile.maximumFileBytes
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw JitterToolError(path: path, message: "cannot read: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw JitterToolError(path: path, message: "cannot read: \(String(cString: strerror(errno)))") }
    let kind = info.st_mode & S_IFMT
    guard kind == S_IFREG else {
        let what = kind == S_IFDIR ? "a directory" : kind == S_IFIFO ? "a FIFO" : kind == S_IFCHR ? "a character device"
            : kind == S_IFBLK ? "a block device" : kind == S_IFSOCK ? "a socket" : "not a regular file"
        throw JitterToolError(path: path, message: "cannot read: Is \(what) (a histogram must be a regular file)")
    }
    guard Int(info.st_size) <= limit else {
        throw JitterToolError(path: path, message: "cannot read: the file has \(info.st_size) bytes; histogram files are limited to \(limit) bytes (128 MiB)")
    }
    // Back to blocking reads: a regular file never blocks, and some file systems dislike O_NONBLOCK.
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
    var filled = 0
    while filled < bytes.count {
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
        if n == 0 { break }
        if n < 0 {
            if errno == EINTR { continue }
            throw JitterToolError(path: path, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        filled += n
        if filled > limit {
            throw JitterToolError(path: path, message: "cannot read: the file grew beyond \(limit) bytes (128 MiB) while it was read")
        }
    }
    bytes.removeSubrange(filled...)
    return bytes
}

/// One pass over the lines of a histogram text.
struct HistogramReader {
    let path: String
    let bytes: [UInt8]
    /// Where each line starts and ends in `bytes` (the end excludes `\n` and a `\r` before it).
    var starts: [Int] = []
    var ends: [Int] = []
    /// Index of the next line to read (its line number is `next + 1`).
    var next = 0

    init(bytes: [UInt8], path: String) {
        self.path = path
        self.bytes = bytes
        var start = 0
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                if b[i] == 0x0A {
                    starts.append(start)
                    ends.append(i > start && b[i - 1] == 0x0D ? i - 1 : i)
                    start = i + 1
                }
                i += 1
            }
        }
        if start < bytes.count {
            starts.append(start)
            ends.append(bytes.last == 0x0D ? bytes.count - 1 : bytes.count)
        }
    }

    var lineCount: Int { starts.count }

    /// Line `index` (0-based) as text.
    func line(_ index: Int) -> Substring {
        Substring(String(decoding: bytes[starts[index]..<ends[index]], as: UTF8.self))
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
        var start: Int? = nil
        for index in 0..<lineCount where Self.mayBeHistogramHeader(bytes, starts[index], ends[index]) {
            if Self.withoutEscapes(line(index)) == "# Histogram" {
                start = index
                break
            }
        }
        guard let start else {
            throw error(1, "no `# Histogram` line: not a cyclictest histogram (run cyclictest with -h or -H, and --histfile)")
        }
        let histogramLine = start + 1
        next = start + 1

        // Rows: bucket number, then the counts, kept row after row in one flat array.
        var flat: [UInt64] = []
        var rowCount = 0
        var columns: Int? = nil
        var rowLines: [Int] = []
        while next < lineCount, starts[next] < ends[next], bytes[starts[next]] >= 0x30 && bytes[starts[next]] <= 0x39 {
            let lineNumber = next + 1
            guard rowCount < LatencyHistogramFile.maximumBuckets else {
                throw error(lineNumber, "more than \(LatencyHistogramFile.maximumBuckets) rows (cyclictest's largest histogram, -h 1000000)")
            }
            let before = flat.count
            let parsed = Self.row(bytes, from: starts[next], to: ends[next], index: UInt64(rowCount), into: &flat,
                                  maximumCounts: LatencyHistogramFile.maximumColumns)
            if !parsed {
                flat.removeSubrange(before...)
                try slowRow(next, rows: rowCount, columns: columns)
            }
            let counts = flat.count - before
            if let columns, counts != columns {
                throw error(lineNumber, "row \(rowCount) has \(counts) counts but the rows above have \(columns)")
            }
            columns = counts
            guard flat.count <= LatencyHistogramFile.maximumCounts else {
                throw error(lineNumber, "more than \(LatencyHistogramFile.maximumCounts) counts in the rows (rows times columns)")
            }
            rowCount += 1
            rowLines.append(lineNumber)
            next += 1
        }
        let width = columns ?? 0
        /// Column `c` of every row.
        func column(_ c: Int) -> [UInt64] {
            var out = [UInt64](repeating: 0, count: rowCount)
            flat.withUnsafeBufferPointer { f in
                out.withUnsafeMutableBufferPointer { o in
                    var i = c
                    for r in 0..<rowCount {
                        o[r] = f[i]
                        i += width
                    }
                }
            }
            return out
        }

        // The footer.
        let totalLine = next + 1
        let totals = try values("# Total:", what: rowCount == 0 ? "a histogram row or `# Total:`" : "another row or `# Total:`")
        guard totals.count <= LatencyHistogramFile.maximumColumns else {
            throw error(totalLine, "`# Total:` has \(totals.count) values; at most \(LatencyHistogramFile.maximumColumns) (1024 threads and the -H sum)")
        }
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
        while next < lineCount {
            let line = self.line(next)
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
            for row in 0..<rowCount {
                let counts = flat[(row * width)..<(row * width + width)]
                let (sum, wrapped) = Self.sum(counts.dropLast())
                if wrapped || sum != counts.last! {
                    throw error(rowLines[row], "row \(row): the -H sum column says \(counts.last!) but the threads' counts add up to \(Self.show(sum, wrapped))")
                }
            }
        }
        let threadCounts = (0..<threadCount).map { column($0) }
        for thread in 0..<threadCount {
            let (sum, wrapped) = Self.sum(threadCounts[thread])
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

        // What cyclictest's figures guarantee about the buckets: every sample lies in [min, max] and the mean
        // too; without overflows the extremes are the outermost buckets with samples; overflows lie at or
        // beyond the last bucket, so the maximum does too. (A thread without samples has no figures to check.)
        for thread in 0..<threadCount {
            let total = totals[thread], overflowCount = overflows[thread]
            guard total > 0 || overflowCount > 0 else { continue }
            let low = minima[thread], mean = averages[thread], high = maxima[thread]
            let name = "thread \(thread)"
            if low > high {
                throw error(minLine, "\(name): `# Min Latencies:` says \(low), more than `# Max Latencies:` \(high)")
            }
            if mean < low || mean > high {
                throw error(avgLine, "\(name): `# Avg Latencies:` says \(mean), outside the minimum \(low) and maximum \(high)")
            }
            let counts = threadCounts[thread]
            if total > 0, let lowest = counts.firstIndex(where: { $0 > 0 }), let highest = counts.lastIndex(where: { $0 > 0 }) {
                if UInt64(highest) > high || (overflowCount == 0 && UInt64(highest) != high) {
                    throw error(maxLine, "\(name): `# Max Latencies:` says \(high) but the highest bucket with samples is \(highest)"
                                + (overflowCount == 0 ? " and there are no overflows" : ""))
                }
                if UInt64(lowest) != low {
                    throw error(minLine, "\(name): `# Min Latencies:` says \(low) but the lowest bucket with samples is \(lowest)")
                }
            } else if total == 0 && low < UInt64(rowCount) {
                throw error(minLine, "\(name): `# Min Latencies:` says \(low) but every sample overflowed (latencies of \(rowCount) or more)")
            }
            if overflowCount > 0 && high < UInt64(rowCount) {
                throw error(maxLine, "\(name): \(overflowCount) overflow\(overflowCount == 1 ? "" : "s") (latencies of \(rowCount) or more) but `# Max Latencies:` says \(high)")
            }
        }

        var threads: [LatencyHistogramFile.Thread] = []
        for thread in 0..<threadCount {
            threads.append(LatencyHistogramFile.Thread(
                counts: threadCounts[thread], total: totals[thread], minimum: minima[thread],
                average: averages[thread], maximum: maxima[thread], overflows: overflows[thread],
                overflowCycles: cycleLists[thread].cycles, otherOverflows: cycleLists[thread].others))
        }
        let summary = hasSummary
            ? LatencyHistogramFile.Summary(counts: column(threadCount), total: totals[threadCount],
                                           maximum: maxima[threadCount], overflows: overflows[threadCount])
            : nil
        return LatencyHistogramFile(path: path, threads: threads, summary: summary, bucketCount: rowCount,
                                    histogramLine: histogramLine)
    }

    /// Whether the line at `start..<end` can read `# Histogram` once escapes and blanks are removed: it
    /// contains a `#` (a cheap test that spares building text for every row and status line).
    static func mayBeHistogramHeader(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            if bytes[i] == UInt8(ascii: "#") { return end - i >= 11 }
            i += 1
        }
        return false
    }

    /// Reads the row at `start..<end` when it is well formed: the bucket number `index`, then at least one
    /// and at most `maximumCounts` counts, separated by spaces and tabs, digits only, each fitting 64 bits.
    /// Returns false (leaving `flat` partly appended) for anything else; `slowRow` then says what is wrong.
    static func row(_ bytes: [UInt8], from start: Int, to end: Int, index: UInt64, into flat: inout [UInt64],
                    maximumCounts: Int) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            var i = start
            var field = 0
            while true {
                while i < end && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
                if i == end { break }
                var value: UInt64 = 0
                let digitsStart = i
                while i < end, b[i] >= 0x30 && b[i] <= 0x39 {
                    let (times, o1) = value.multipliedReportingOverflow(by: 10)
                    let (plus, o2) = times.addingReportingOverflow(UInt64(b[i] - 0x30))
                    if o1 || o2 { return false }
                    value = plus
                    i += 1
                }
                if i == digitsStart || (i < end && b[i] != 0x20 && b[i] != 0x09) { return false }
                if field == 0 {
                    if value != index { return false }
                } else {
                    if field > maximumCounts { return false }
                    flat.append(value)
                }
                field += 1
            }
            return field >= 2
        }
    }

    /// Says what is wrong with row line `index`, which `row` refused (the messages name the field at fault).
    func slowRow(_ index: Int, rows: Int, columns: Int?) throws(JitterToolError) {
        let lineNumber = index + 1
        let fields = Self.fields(line(index))
        guard let number = Self.number(fields[0]) else {
            throw error(lineNumber, "\(Self.quoted(fields[0])) is not a bucket number")
        }
        guard number == UInt64(rows) else {
            throw error(lineNumber, "row \(number) where row \(rows) was expected (rows are numbered 0, 1, 2, ... without gaps)")
        }
        guard fields.count >= 2 else { throw error(lineNumber, "row \(number) has no counts") }
        guard fields.count - 1 <= LatencyHistogramFile.maximumColumns else {
            throw error(lineNumber, "row \(number) has \(fields.count - 1) counts; at most \(LatencyHistogramFile.maximumColumns) (1024 threads and the -H sum)")
        }
        for field in fields.dropFirst() where Self.number(field) == nil {
            throw error(lineNumber, "row \(number): \(Self.quoted(field)) is not a count")
        }
        throw error(lineNumber, "row \(number) is not a histogram row")
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
        guard next < lineCount else {
            throw error(max(lineCount, 1), "the file ends where \(what) was expected")
        }
        defer { next += 1 }
        return (line(next), next + 1)
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
