// Reading cyclictest histograms: the outputs of the real cyclictest (rt-tests) in every form it writes them,
// and a table of broken files each reported at the right line.

import Foundation
import JitterTool
import Testing
import TestSupport

/// The real cyclictest, installed from Debian's rt-tests when missing.
enum Cyclictest {
    static let path: Result<String, ToolFailure> = Result { () throws(ToolFailure) -> String in
        if let found = HostProcess.which("cyclictest") { return found }
        try HostProcess.aptInstall("rt-tests")
        guard let found = HostProcess.which("cyclictest") else {
            throw ToolFailure("apt-get installed rt-tests, but cyclictest is not in PATH")
        }
        return found
    }

    /// Real-time priority and locked memory when allowed (as root); plain SCHED_OTHER threads otherwise.
    static var privileged: [String] { geteuid() == 0 ? ["-p", "80", "-m"] : [] }

    /// Runs cyclictest with `arguments` in `folder`; a failure to run throws.
    static func run(_ arguments: [String], in folder: String) throws -> ProcessResult {
        let all = privileged + arguments
        let result = try HostProcess.run(try path.get(), all, in: folder, timeout: 120)
        guard result.status == 0 else {
            throw ToolFailure("cyclictest \(all.joined(separator: " ")) exited \(result.status): \(result.stderr.suffix(1000))")
        }
        return result
    }

    /// A fresh folder for one test, removed by the caller.
    static func scratchFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jitter-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// A way of running cyclictest and where its histogram ends up.
struct CyclictestVariant: CustomTestStringConvertible, Sendable {
    let what: String
    let arguments: [String]
    let threads: Int
    let buckets: Int
    let loops: UInt64
    /// The histogram goes to this file (relative to the run's folder) instead of standard output.
    var histfile: String? = nil
    /// `-H` with more than one thread: the rows carry a sum column.
    var summary = false
    /// `-b`: the run stops at the first sample over the threshold, so threads take fewer samples than loops.
    var stopsEarly = false
    /// Nearly every sample is an overflow (latencies are seldom this small: a clean-clone CI run once saw one of
    /// 200 under 5 us), more than there are buckets, so cyclictest writes `# N others`.
    var allOverflow = false
    var testDescription: String { what }

    static let all: [CyclictestVariant] = [
        CyclictestVariant(what: "one thread, -h 50, quiet, stdout",
                          arguments: ["-t", "1", "-i", "200", "-l", "100", "-q", "-h", "50"], threads: 1, buckets: 50, loops: 100),
        CyclictestVariant(what: "two threads, -H 50 to --histfile, status lines on stdout",
                          arguments: ["-t", "2", "-i", "200", "-l", "100", "-H", "50", "--histfile=hist.txt"],
                          threads: 2, buckets: 50, loops: 100, histfile: "hist.txt", summary: true),
        CyclictestVariant(what: "two threads, -H 30, not quiet, stdout (cursor escapes before the block)",
                          arguments: ["-t", "2", "-i", "200", "-l", "100", "-H", "30"], threads: 2, buckets: 30, loops: 100, summary: true),
        CyclictestVariant(what: "one thread, -H 40 (no sum column for one thread), --histfile, quiet",
                          arguments: ["-t", "1", "-i", "200", "-l", "100", "-q", "-H", "40", "--histfile=one.txt"],
                          threads: 1, buckets: 40, loops: 100, histfile: "one.txt"),
        CyclictestVariant(what: "nanoseconds, -N -h 2000",
                          arguments: ["-t", "1", "-i", "200", "-l", "100", "-q", "-N", "-h", "2000"], threads: 1, buckets: 2000, loops: 100),
        CyclictestVariant(what: "two threads, -h 5: overflows and `# N others`",
                          arguments: ["-t", "2", "-i", "200", "-l", "100", "-q", "-h", "5"], threads: 2, buckets: 5, loops: 100,
                          allOverflow: true),
        CyclictestVariant(what: "-b 1: breaks at once, `# Thread Ids:` and `# Break` lines after the block",
                          arguments: ["-t", "2", "-i", "200", "-l", "100", "-q", "-h", "20", "-b", "1"], threads: 2, buckets: 20, loops: 100,
                          stopsEarly: true),
    ]
}

@Suite("cyclictest histogram files")
struct HistogramFileTests {
    /// What cyclictest guarantees about what it writes, checked on the parsed file.
    static func expectConsistent(_ file: LatencyHistogramFile, _ variant: CyclictestVariant) {
        #expect(file.threads.count == variant.threads)
        #expect(file.bucketCount == variant.buckets)
        #expect(file.hasSummaryColumn == variant.summary)
        for (index, thread) in file.threads.enumerated() {
            let context = "thread \(index)"
            #expect(thread.counts.count == variant.buckets, "\(context)")
            #expect(thread.counts.reduce(0, +) == thread.total, "\(context): rows add up to Total")
            #expect(thread.samples <= variant.loops, "\(context): \(thread.samples) samples")
            #expect(UInt64(thread.overflowCycles.count) + thread.otherOverflows == thread.overflows, "\(context)")
            // cyclictest keeps as many overflow cycle numbers as there are buckets, in order, each below the cycles.
            #expect(thread.overflowCycles.count == min(Int(thread.overflows), variant.buckets), "\(context)")
            #expect(thread.overflowCycles == thread.overflowCycles.sorted(), "\(context)")
            #expect(thread.overflowCycles.allSatisfy { $0 < thread.samples }, "\(context)")
            guard thread.hasSamples else { continue }
            #expect(thread.minimum <= thread.average && thread.average <= thread.maximum,
                    "\(context): min \(thread.minimum) avg \(thread.average) max \(thread.maximum)")
            if let highest = thread.highestOccupiedBucket {
                #expect(UInt64(highest) <= thread.maximum, "\(context): a sample in bucket \(highest) above the maximum")
                let lowest = thread.counts.firstIndex { $0 > 0 }!
                #expect(thread.minimum <= UInt64(lowest), "\(context): a sample in bucket \(lowest) below the minimum")
            }
            if thread.overflows > 0 {
                #expect(thread.maximum >= UInt64(variant.buckets), "\(context): overflows, yet max \(thread.maximum)")
            }
            if thread.overflows < thread.samples {
                #expect(thread.minimum < UInt64(variant.buckets), "\(context): samples in buckets, yet min \(thread.minimum)")
            }
            if variant.allOverflow {
                #expect(thread.total + thread.overflows == thread.samples, "\(context): every sample in a bucket or over")
                #expect(thread.overflows > UInt64(variant.buckets), "\(context): \(thread.overflows) overflows, too few for `# N others`")
                #expect(thread.otherOverflows == thread.overflows - min(thread.overflows, UInt64(variant.buckets)), "\(context)")
            }
        }
        // cyclictest may stop a run as soon as one thread has all its loops, the others a little short (or
        // at none), so only the first to finish is sure to have them all; with -b the run stops at once.
        let most = file.threads.map(\.samples).max() ?? 0
        if variant.stopsEarly {
            #expect(most >= 1 && most < variant.loops, "\(most) samples")
        } else {
            #expect(most == variant.loops, "no thread has \(variant.loops) samples")
        }
        #expect(file.maximumLatency == (file.threads.filter(\.hasSamples).map(\.maximum).max() ?? 0))
        if let summary = file.summary {
            #expect(summary.total == file.threads.reduce(0) { $0 + $1.total })
            #expect(summary.overflows == file.totalOverflows)
            #expect(summary.maximum == file.threads.map(\.maximum).max())
            for bucket in 0..<file.bucketCount {
                #expect(summary.counts[bucket] == file.threads.reduce(0) { $0 + $1.counts[bucket] })
            }
        }
    }

    @Test(arguments: CyclictestVariant.all)
    func readsWhatCyclictestWrites(_ variant: CyclictestVariant) throws {
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try Cyclictest.run(variant.arguments, in: folder)
        let text: String
        let name: String
        if let histfile = variant.histfile {
            name = folder + "/" + histfile
            text = try String(contentsOfFile: name, encoding: .utf8)
            // The status lines on standard output carry no histogram.
            if !variant.arguments.contains("-q") {
                #expect(run.stdout.contains("T: 0"))
                #expect(throws: JitterToolError(path: "stdout", line: 1, message: "no `# Histogram` line: not a cyclictest histogram (run cyclictest with -h or -H, and --histfile)")) {
                    try LatencyHistogramFile(text: run.stdout, path: "stdout")
                }
            }
        } else {
            name = "stdout"
            text = run.stdout
        }
        let file: LatencyHistogramFile
        do {
            file = try LatencyHistogramFile(text: text, path: name)
        } catch {
            Issue.record("\(error.description)\n--- cyclictest \(variant.arguments.joined(separator: " ")):\n\(text.prefix(4000))")
            return
        }
        if !variant.arguments.contains("-q") && variant.histfile == nil {
            #expect(text.contains("\u{1B}["), "the status lines with their escapes come first")
        }
        Self.expectConsistent(file, variant)
        // The same file read from disk.
        if variant.histfile != nil {
            #expect(try LatencyHistogramFile(contentsOfFile: name) == file)
        }
    }

    /// A histogram as cyclictest writes it (two threads, one overflowing), after its chatter.
    static let sample = """
        # /dev/cpu_dma_latency set to 0us
        policy: fifo: loadavg: 0.12 0.20 0.31 1/100 42
        \u{1B}[4AT: 0 ( 1135) P:80 I:1000 C:     20 Min:     19 Act:   38 Avg:   38 Max:      85
        # Histogram
        000000 000001\t000000
        000001 000002\t000003
        000002 000000\t000001
        # Total: 000000003 000000004
        # Min Latencies: 00000 00001
        # Avg Latencies: 00001 00001
        # Max Latencies: 00007 00002
        # Histogram Overflows: 00002 00000
        # Histogram Overflow at cycle number:
        # Thread 0: 00003 # 00001 others
        # Thread 1:


        """

    /// The same with -H: a sum column on the rows and on Total, Max and Overflows.
    static let summed = """
        # Histogram
        000000 000001\t000000\t000001
        000001 000002\t000003\t000005
        000002 000000\t000001\t000001
        # Total: 000000003 000000004 000000007
        # Min Latencies: 00000 00001
        # Avg Latencies: 00001 00001
        # Max Latencies: 00007 00002 00007
        # Histogram Overflows: 00002 00000 00002
        # Histogram Overflow at cycle number:
        # Thread 0: 00003 # 00001 others
        # Thread 1:

        """

    @Test func readsEveryFigure() throws {
        let file = try LatencyHistogramFile(text: Self.sample, path: "t.txt")
        #expect(file.histogramLine == 4)
        #expect(file.bucketCount == 3)
        #expect(file.summary == nil)
        typealias Thread = LatencyHistogramFile.Thread
        #expect(file.threads == [
            Thread(counts: [1, 2, 0], total: 3, minimum: 0, average: 1, maximum: 7, overflows: 2, overflowCycles: [3], otherOverflows: 1),
            Thread(counts: [0, 3, 1], total: 4, minimum: 1, average: 1, maximum: 2, overflows: 0, overflowCycles: [], otherOverflows: 0),
        ])
        #expect(file.maximumLatency == 7)
        #expect(file.minimumLatency == 0)
        #expect(file.totalSamples == 9)
        #expect(file.totalOverflows == 2)

        let summed = try LatencyHistogramFile(text: Self.summed, path: "h.txt")
        #expect(summed.threads == file.threads)
        #expect(summed.summary == LatencyHistogramFile.Summary(counts: [1, 5, 1], total: 7, maximum: 7, overflows: 2))

        let crlf = try LatencyHistogramFile(text: Self.sample.replacingOccurrences(of: "\n", with: "\r\n"), path: "t.txt")
        #expect(crlf.threads == file.threads)
    }

    /// `text` with line `number` (1-based) replaced by `lines` (none: removed).
    static func replacing(_ number: Int, with lines: [String], in text: String = sample) -> String {
        var all = text.components(separatedBy: "\n")
        all.replaceSubrange((number - 1)...(number - 1), with: lines)
        return all.joined(separator: "\n")
    }

    /// `text` cut after line `number`.
    static func cut(after number: Int, in text: String = sample) -> String {
        text.components(separatedBy: "\n").prefix(number).joined(separator: "\n") + "\n"
    }

    struct Malformed: CustomTestStringConvertible, Sendable {
        let what: String
        let text: String
        let line: Int
        let message: String
        var testDescription: String { what }
    }

    static let malformed: [Malformed] = [
        Malformed(what: "empty file", text: "", line: 1, message: "no `# Histogram` line"),
        Malformed(what: "status lines only", text: replacing(4, with: []), line: 1, message: "no `# Histogram` line"),
        Malformed(what: "a row skipped", text: replacing(7, with: ["000003 000000\t000001"]), line: 7,
                  message: "row 3 where row 2 was expected"),
        Malformed(what: "rows not starting at 0", text: replacing(5, with: ["000001 000001\t000000"]), line: 5,
                  message: "row 1 where row 0 was expected"),
        Malformed(what: "bucket number not a number", text: replacing(6, with: ["00001x 000002\t000003"]), line: 6,
                  message: "`00001x` is not a bucket number"),
        Malformed(what: "count not a number", text: replacing(6, with: ["000001 00000z\t000003"]), line: 6,
                  message: "row 1: `00000z` is not a count"),
        Malformed(what: "negative count", text: replacing(6, with: ["000001 -00002\t000003"]), line: 6,
                  message: "row 1: `-00002` is not a count"),
        Malformed(what: "a row missing a column", text: replacing(6, with: ["000001 000002"]), line: 6,
                  message: "row 1 has 1 counts but the rows above have 2"),
        Malformed(what: "a row without counts", text: replacing(6, with: ["000001"]), line: 6, message: "row 1 has no counts"),
        Malformed(what: "a blank line among the rows", text: replacing(6, with: ["", "000001 000002\t000003"]), line: 6,
                  message: "expected another row or `# Total:`, found ``"),
        Malformed(what: "an escape inside the block", text: replacing(6, with: ["\u{1B}[2A000001 000002\t000003"]), line: 6,
                  message: "expected another row or `# Total:`, found `\\e[2A000001"),
        Malformed(what: "Total missing", text: replacing(8, with: []), line: 8,
                  message: "expected another row or `# Total:`, found `# Min Latencies: 00000 00001`"),
        Malformed(what: "Total with a value too few", text: replacing(8, with: ["# Total: 000000003"]), line: 8,
                  message: "`# Total:` has 1 values but the rows have 2 counts"),
        Malformed(what: "Total disagreeing with the rows", text: replacing(8, with: ["# Total: 000000003 000000005"]), line: 8,
                  message: "thread 1: `# Total:` says 5 but its rows add up to 4"),
        Malformed(what: "Total not a number", text: replacing(8, with: ["# Total: 000000003 4x"]), line: 8,
                  message: "`# Total:`: `4x` is not a number"),
        Malformed(what: "Min for three threads", text: replacing(9, with: ["# Min Latencies: 00000 00001 00002"]), line: 9,
                  message: "`# Min Latencies:` has 3 values but the rows have 2 counts"),
        Malformed(what: "Min without values", text: replacing(9, with: ["# Min Latencies:"]), line: 9,
                  message: "`# Min Latencies:` has no values"),
        Malformed(what: "Avg for one thread", text: replacing(10, with: ["# Avg Latencies: 00001"]), line: 10,
                  message: "`# Avg Latencies:` has 1 values for 2 threads"),
        Malformed(what: "Avg missing", text: replacing(10, with: []), line: 10,
                  message: "expected `# Avg Latencies:`, found `# Max Latencies: 00007 00002`"),
        Malformed(what: "Max with a sum the rows do not have", text: replacing(11, with: ["# Max Latencies: 00007 00002 00007"]), line: 11,
                  message: "`# Max Latencies:` has 3 values, expected 2 (2 threads)"),
        Malformed(what: "Max not a number", text: replacing(11, with: ["# Max Latencies: 00007 0x002"]), line: 11,
                  message: "`# Max Latencies:`: `0x002` is not a number"),
        Malformed(what: "Overflows for one thread", text: replacing(12, with: ["# Histogram Overflows: 00002"]), line: 12,
                  message: "`# Histogram Overflows:` has 1 values, expected 2 (2 threads)"),
        Malformed(what: "overflow header misspelt", text: replacing(13, with: ["# Histogram Overflow at cycle:"]), line: 13,
                  message: "expected `# Histogram Overflow at cycle number:`, found `# Histogram Overflow at cycle:`"),
        Malformed(what: "thread lines out of order", text: replacing(15, with: ["# Thread 2:"]), line: 15,
                  message: "expected `# Thread 1:` (the overflow cycles of thread 1), found `# Thread 2:`"),
        Malformed(what: "a thread line missing", text: cut(after: 14), line: 14,
                  message: "the file ends where `# Thread 1:` was expected"),
        Malformed(what: "the file cut inside the rows", text: cut(after: 6), line: 6,
                  message: "the file ends where another row or `# Total:` was expected"),
        Malformed(what: "cycle number not a number", text: replacing(14, with: ["# Thread 0: 0000x # 00001 others"]), line: 14,
                  message: "`# Thread 0:`: `0000x` is not a cycle number"),
        Malformed(what: "others misspelt", text: replacing(14, with: ["# Thread 0: 00003 # 00001 other"]), line: 14,
                  message: "`# Thread 0:`: expected `# N others` after the cycle numbers, found `# 00001 other`"),
        Malformed(what: "others disagreeing with the overflows", text: replacing(14, with: ["# Thread 0: 00003 # 00002 others"]), line: 14,
                  message: "thread 0: 1 overflow cycle numbers and 2 others, but `# Histogram Overflows:` says 2"),
        Malformed(what: "cycle numbers of overflows that did not happen", text: replacing(15, with: ["# Thread 1: 00007"]), line: 15,
                  message: "thread 1: 1 overflow cycle numbers and 0 others, but `# Histogram Overflows:` says 0"),
        Malformed(what: "text after the block", text: replacing(16, with: ["T: 0 ( 1135) P:80 I:1000"]), line: 16,
                  message: "unexpected `T: 0 ( 1135) P:80 I:1000` after the histogram (which ended at line 15)"),
        Malformed(what: "a second histogram", text: sample + "# Histogram\n", line: 17,
                  message: "unexpected `# Histogram` after the histogram"),
        Malformed(what: "-H: a row's sum wrong", text: replacing(3, with: ["000001 000002\t000003\t000006"], in: summed), line: 3,
                  message: "row 1: the -H sum column says 6 but the threads' counts add up to 5"),
        Malformed(what: "-H: Total's sum wrong", text: replacing(5, with: ["# Total: 000000003 000000004 000000008"], in: summed), line: 5,
                  message: "the -H sum of `# Total:` is 8 but the threads' totals add up to 7"),
        Malformed(what: "-H: Max's largest wrong", text: replacing(8, with: ["# Max Latencies: 00007 00002 00002"], in: summed), line: 8,
                  message: "the -H value of `# Max Latencies:` is 2 but the threads' largest is 7"),
        Malformed(what: "-H: Overflows' sum wrong", text: replacing(9, with: ["# Histogram Overflows: 00002 00000 00003"], in: summed), line: 9,
                  message: "the -H sum of `# Histogram Overflows:` is 3 but the threads' overflows add up to 2"),
        Malformed(what: "-H: Max without the sum", text: replacing(8, with: ["# Max Latencies: 00007 00002"], in: summed), line: 8,
                  message: "`# Max Latencies:` has 2 values, expected 3 (2 threads and the -H summary)"),
        Malformed(what: "-H: Total without the sum", text: replacing(5, with: ["# Total: 000000003 000000004"], in: summed), line: 5,
                  message: "`# Total:` has 2 values but the rows have 3 counts"),
        // Issue 11: footers that contradict the buckets were accepted.
        Malformed(what: "max below a bucket with samples", text: replacing(11, with: ["# Max Latencies: 00007 00001"]), line: 11,
                  message: "thread 1: `# Max Latencies:` says 1 but the highest bucket with samples is 2 and there are no overflows"),
        Malformed(what: "max 0 with samples", text: replacing(9, with: ["# Min Latencies: 00000 00000"], in: replacing(10, with: ["# Avg Latencies: 00001 00000"], in: replacing(11, with: ["# Max Latencies: 00007 00000"]))),
                  line: 11, message: "thread 1: `# Max Latencies:` says 0 but the highest bucket with samples is 2"),
        Malformed(what: "max above the highest bucket without overflows", text: replacing(11, with: ["# Max Latencies: 00007 00005"]), line: 11,
                  message: "thread 1: `# Max Latencies:` says 5 but the highest bucket with samples is 2 and there are no overflows"),
        Malformed(what: "min above max", text: replacing(9, with: ["# Min Latencies: 00000 00003"]), line: 9,
                  message: "thread 1: `# Min Latencies:` says 3, more than `# Max Latencies:` 2"),
        Malformed(what: "avg outside min and max", text: replacing(10, with: ["# Avg Latencies: 00001 00005"]), line: 10,
                  message: "thread 1: `# Avg Latencies:` says 5, outside the minimum 1 and maximum 2"),
        Malformed(what: "min below the lowest bucket with samples", text: replacing(9, with: ["# Min Latencies: 00000 00000"]), line: 9,
                  message: "thread 1: `# Min Latencies:` says 0 but the lowest bucket with samples is 1"),
        Malformed(what: "overflows with a max inside the buckets", text: replacing(11, with: ["# Max Latencies: 00001 00002"]), line: 11,
                  message: "thread 0: 2 overflows (latencies of 3 or more) but `# Max Latencies:` says 1"),
        Malformed(what: "a row with more columns than 1024 threads and the sum",
                  text: "# Histogram\n000000" + String(repeating: " 000000", count: 1026) + "\n", line: 2,
                  message: "row 0 has 1026 counts; at most 1025"),
        Malformed(what: "a count beyond 64 bits", text: replacing(6, with: ["000001 18446744073709551616\t000003"]), line: 6,
                  message: "row 1: `18446744073709551616` is not a count"),
    ]

    // Issue 11: a 2,000,000-bucket file took 30 s and 255 MB. Rows are bounded by cyclictest's own largest
    // histogram (-h 1000000), and reading the largest one is linear.
    @Test func rowsAreBoundedByCyclictestsLargestHistogram() throws {
        func histogram(rows: Int) -> [UInt8] {
            var text = Array("# Histogram\n".utf8)
            text.reserveCapacity(rows * 14 + 200)
            for row in 0..<rows {
                text += Array(String(format: "%06d %06d\n", row, row == 5 ? 1 : 0).utf8)
            }
            text += Array("# Total: 000000001\n# Min Latencies: 00005\n# Avg Latencies: 00005\n# Max Latencies: 00005\n# Histogram Overflows: 00000\n# Histogram Overflow at cycle number:\n# Thread 0:\n".utf8)
            return text
        }
        let largest = histogram(rows: 1_000_000)
        let started = Date()
        let file = try LatencyHistogramFile(bytes: largest, path: "big.txt")
        let seconds = Date().timeIntervalSince(started)
        #expect(file.bucketCount == 1_000_000 && file.threads[0].counts[5] == 1)
        #expect(seconds < 30, "\(seconds) s for 1000000 rows")
        #expect(throws: JitterToolError(path: "big.txt", line: 1_000_002, message: "more than 1000000 rows (cyclictest's largest histogram, -h 1000000)")) {
            try LatencyHistogramFile(bytes: histogram(rows: 1_000_001), path: "big.txt")
        }
    }

    // Issue 11: `orion jitter plot /dev/zero` read without end and a FIFO blocked: only regular files of at
    // most 128 MiB are read, and opening never waits.
    @Test func onlyRegularFilesOfBoundedSizeAreRead() throws {
        #expect(throws: JitterToolError(path: "/dev/zero", message: "cannot read: Is a character device (a histogram must be a regular file)")) {
            try LatencyHistogramFile(contentsOfFile: "/dev/zero")
        }
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: JitterToolError(path: fifo, message: "cannot read: Is a FIFO (a histogram must be a regular file)")) {
            try LatencyHistogramFile(contentsOfFile: fifo)
        }
        let big = folder + "/big.txt"
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        #expect(truncate(big, off_t(LatencyHistogramFile.maximumFileBytes + 1)) == 0)
        #expect(throws: JitterToolError(path: big, message: "cannot read: the file has 134217729 bytes; histogram files are limited to 134217728 bytes (128 MiB)")) {
            try LatencyHistogramFile(contentsOfFile: big)
        }
    }

    @Test(arguments: malformed)
    func reportsTheLineAtFault(_ bad: Malformed) {
        do {
            let file = try LatencyHistogramFile(text: bad.text, path: "bad.txt")
            Issue.record("accepted: \(file)")
        } catch {
            #expect(error.path == "bad.txt")
            #expect(error.line == bad.line, "\(error.description)")
            #expect(error.description.hasPrefix("bad.txt:\(bad.line): "), "\(error.description)")
            #expect(error.message.contains(bad.message), "\(error.description)")
        }
    }

    @Test func theTrailerOfBreakTraceIsAccepted() throws {
        let text = Self.sample + "# Thread Ids: 05560 05561\n# Break thread: 5561\n# Break value: 96\n"
        #expect(try LatencyHistogramFile(text: text, path: "b.txt").threads.count == 2)
    }

    @Test func unreadableFilesSaySo() throws {
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: JitterToolError(path: folder + "/missing.txt", message: "cannot read: No such file or directory")) {
            try LatencyHistogramFile(contentsOfFile: folder + "/missing.txt")
        }
        #expect(throws: JitterToolError(path: folder, message: "cannot read: Is a directory (a histogram must be a regular file)")) {
            try LatencyHistogramFile(contentsOfFile: folder)
        }
        #expect(JitterToolError(path: "a.txt", message: "cannot read: Is a directory").description == "a.txt: cannot read: Is a directory")
        #expect(JitterToolError(path: "a.txt", line: 3, message: "bad").description == "a.txt:3: bad")
    }
}
