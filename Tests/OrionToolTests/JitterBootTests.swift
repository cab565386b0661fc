// The `jitter` guest app booted through `orion run` on the virt boards and raspi4b: parameters reach it through
// QEMU's -append (the devicetree's /chosen bootargs), it prints cyclictest's histogram block for its two records
// (thread 0: timer-interrupt latency from the kernel's probe, thread 1: task release latency), and bad
// parameters end it with status 2. The block is read here with a minimal parser of its own.

import Foundation
import Testing
import TestSupport

/// The figures of one thread in a jitter run's histogram block.
struct JitterThreadFigures {
    var buckets: [UInt64] = []
    var total: UInt64 = 0
    var minimum: UInt64 = 0
    var average: UInt64 = 0
    var maximum: UInt64 = 0
    var overflows: UInt64 = 0
    /// Overflow cycle numbers listed, and the `# N others` beyond them.
    var overflowCyclesListed = 0
    var overflowCyclesOthers: UInt64 = 0
}

/// What the test reads from a jitter run's console.
struct JitterOutput {
    var header: String?
    var threads: [JitterThreadFigures] = []
    var done = false

    /// Reads the console text (lines already ending in "\n" alone); records an issue for every malformed line
    /// of the block.
    init(_ stdout: String) {
        let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        header = lines.first { $0.hasPrefix("jitter: board=") }
        done = lines.contains("jitter: done")
        guard let start = lines.firstIndex(of: "# Histogram") else { return }
        threads = [JitterThreadFigures(), JitterThreadFigures()]
        var i = start + 1
        while i < lines.count, !lines[i].hasPrefix("#") {
            let parts = lines[i].split(separator: " ", maxSplits: 1)
            let columns = parts.count == 2 ? parts[1].split(separator: "\t", omittingEmptySubsequences: false) : []
            #expect(parts.count == 2 && Int(parts[0]) == threads[0].buckets.count && parts[0].count == 6,
                    "bad row index: \(lines[i])")
            #expect(columns.count == 2 && columns.allSatisfy { $0.count == 6 }, "bad row: \(lines[i])")
            for (t, column) in columns.prefix(2).enumerated() { threads[t].buckets.append(UInt64(column) ?? .max) }
            i += 1
        }
        func figures(_ title: String) -> [UInt64] {
            guard let line = lines.first(where: { $0.hasPrefix(title) }) else { return [] }
            return line.dropFirst(title.count).split(separator: " ").compactMap { UInt64($0) }
        }
        let footers: [(String, WritableKeyPath<JitterThreadFigures, UInt64>)] = [
            ("# Total:", \.total), ("# Min Latencies:", \.minimum), ("# Avg Latencies:", \.average),
            ("# Max Latencies:", \.maximum), ("# Histogram Overflows:", \.overflows),
        ]
        for (title, field) in footers {
            let values = figures(title)
            #expect(values.count == 2, "\(title) needs two columns:\n\(stdout)")
            for (t, value) in values.prefix(2).enumerated() { threads[t][keyPath: field] = value }
        }
        for t in 0..<2 {
            guard let line = lines.first(where: { $0.hasPrefix("# Thread \(t):") }) else {
                Issue.record("no overflow cycle line for thread \(t)")
                continue
            }
            let rest = line.dropFirst("# Thread \(t):".count)
            let listed = rest.components(separatedBy: " # ")
            threads[t].overflowCyclesListed = listed[0].split(separator: " ").count
            if listed.count > 1 { threads[t].overflowCyclesOthers = UInt64(listed[1].split(separator: " ")[0]) ?? .max }
        }
    }
}

@Suite("jitter app in QEMU", .serialized)
struct JitterBootTests {
    static let loops: UInt64 = 200

    /// Boots the app with `bootargs` on QEMU's command line; the console's "\r\n" line ends become "\n".
    static func run(_ board: String, _ bootargs: String, icount: Bool = true) throws -> ProcessResult {
        try RaspberryPi.ensureQEMU(board: board)
        var arguments = ["run", "--board", board, "--app", "jitter", "--timeout", "120", "--qemu-arg=-append", "--qemu-arg=\(bootargs)"]
        if icount { arguments.append("--icount") }
        var result = try OrionExecutable.run(arguments)
        result.stdout = result.stdout.replacingOccurrences(of: "\r\n", with: "\n")
        return result
    }

    /// Checks a finished run's block against the parameters it was given.
    static func check(_ run: ProcessResult, board: String, histogram: Int, unit: String) {
        #expect(run.status == 0, "orion run exited \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        let output = JitterOutput(run.stdout)
        #expect(output.header == "jitter: board=\(board) interval=1000us loops=\(loops) histogram=\(histogram) unit=\(unit)",
                "\(run.stdout)")
        #expect(run.stdout.contains("jitter: thread 0 = timer interrupt latency\njitter: thread 1 = task release latency\nT: 0 (    0) P: 0 I:1000 C:"))
        // cyclictest's status lines, then the histogram: T: 1 is the release task (priority 63).
        #expect(run.stdout.contains("\nT: 1 (    0) P:63 I:1000 C:    \(loops) Min:"), "\(run.stdout)")
        #expect(run.stdout.contains(" Max:") && run.stdout.contains("\n# Histogram\n"))
        #expect(output.done, "\(run.stdout)")
        guard output.threads.count == 2 else {
            Issue.record("no histogram block:\n\(run.stdout)")
            return
        }
        for (t, thread) in output.threads.enumerated() {
            #expect(thread.buckets.count == histogram, "thread \(t): \(thread.buckets.count) rows")
            #expect(thread.buckets.reduce(0, +) == thread.total, "thread \(t): the rows do not add up to # Total")
            #expect(thread.minimum <= thread.average && thread.average <= thread.maximum, "thread \(t): \(thread)")
            // Overflows: the cycle numbers kept (at most one per bucket, as cyclictest) plus the others.
            #expect(UInt64(thread.overflowCyclesListed) == min(thread.overflows, UInt64(histogram)), "thread \(t): \(thread)")
            #expect(UInt64(thread.overflowCyclesListed) + thread.overflowCyclesOthers == thread.overflows, "thread \(t): \(thread)")
            #expect(thread.overflows == 0 || thread.maximum >= UInt64(histogram), "thread \(t): \(thread)")
            #expect(thread.overflows > 0 || thread.maximum < UInt64(histogram), "thread \(t): \(thread)")
        }
        // One release-latency sample per loop.
        #expect(output.threads[1].total + output.threads[1].overflows == loops, "\(run.stdout)")
        // Each loop's sleep arms the one-shot timer for a release still in the future and the timer fires
        // once for it, so the probe takes one sample per loop too. (That holds under --icount; in real time a
        // release late by more than an interval is already due when its sleep starts, and no timer fires.)
        #expect(output.threads[0].total + output.threads[0].overflows == loops, "\(run.stdout)")
        // The kernel handles the interrupt before the woken task runs.
        #expect(output.threads[0].maximum <= output.threads[1].maximum, "\(run.stdout)")
    }

    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64", "raspi4b"])
    func measuresBothLatenciesInMicroseconds(_ board: String) throws {
        let run = try Self.run(board, "console=ttyS0 jitter.interval_us=1000 jitter.loops=\(Self.loops) jitter.histogram=100")
        Self.check(run, board: board, histogram: 100, unit: "us")
    }

    /// Nanosecond buckets (cyclictest -N), few enough that release latencies overflow in a debug build.
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64"])
    func measuresInNanosecondsAndCountsOverflows(_ board: String) throws {
        let run = try Self.run(board, "jitter.nsecs=1 jitter.histogram=300 jitter.loops=\(Self.loops)")
        Self.check(run, board: board, histogram: 300, unit: "ns")
    }

    /// Under --icount the guest's time is its instruction count: a second run prints the same block.
    @Test func icountRunsRepeatExactly() throws {
        let args = "jitter.nsecs=1 jitter.histogram=2000 jitter.loops=\(Self.loops)"
        let first = try Self.run("qemu-virt-aarch64", args)
        let second = try Self.run("qemu-virt-aarch64", args)
        #expect(first.status == 0 && second.status == 0)
        func block(_ text: String) -> Substring? { text.range(of: "# Histogram").map { text[$0.lowerBound...] } }
        #expect(block(first.stdout) != nil && block(first.stdout) == block(second.stdout), "\(first.stdout)\n---\n\(second.stdout)")
    }

    @Test(arguments: [
        ("jitter.interval_us=0", "jitter: error: jitter.interval_us=0: must be at least 1"),
        ("jitter.loops=12x", "jitter: error: jitter.loops=12x: not a number"),
        ("jitter.histogram=0", "jitter: error: jitter.histogram=0: must be at least 1"),
        ("jitter.histogram=10001", "jitter: error: jitter.histogram=10001: more than the 10000 buckets this image holds"),
        ("jitter.loops=10 jitter.priority=99", "jitter: error: jitter.priority=99: unknown parameter"),
    ])
    func badParametersExitWithStatus2(_ bootargs: String, _ message: String) throws {
        let run = try Self.run("qemu-virt-aarch64", bootargs, icount: false)
        #expect(run.status == 2, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.contains(message + "\n"), "\(run.stdout)")
        #expect(!run.stdout.contains("# Histogram"))
    }

    @Test func badParameterOnRISCV() throws {
        let run = try Self.run("qemu-virt-riscv64", "jitter.interval_us=0", icount: false)
        #expect(run.status == 2, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.contains("jitter: error: jitter.interval_us=0: must be at least 1\n"))
    }
}
