// orion jitter's command line read with cyclictest's rules, and its text forms (status lines) read back.

import JitterTool
import Testing

@Suite("orion jitter options")
struct JitterOptionsTests {
    @Test func cyclictestDefaults() throws {
        let o = try JitterOptions.parse([])
        #expect(o.priority == 0 && o.intervalUs == 1000 && o.distanceUs == 500 && o.loops == 0)
        #expect(o.threads == .count(1) && o.affinity == .unpinned && o.histogram == 0 && !o.quiet)
        #expect(o.intervalUs(ofThread: 2) == 2000)
    }

    @Test func shortLongAttachedAndSeparateValues() throws {
        let o = try JitterOptions.parse(["-p80", "-i", "200", "--distance=0", "-l100", "-mqN", "-t", "3", "-a", "0-1,3",
                                         "--histogram", "50", "--histfile=h.txt", "--json", "r.json", "--max-latency=40", "-D", "2m"])
        #expect(o.priority == 80 && o.intervalUs == 200 && o.distanceUs == 0 && o.loops == 100)
        #expect(o.lockMemory && o.quiet && o.nanoseconds)
        #expect(o.threads == .count(3) && o.affinity == .cpus([0, 1, 3]))
        #expect(o.histogram == 50 && !o.histogramAllThreads && o.histfile == "h.txt" && o.jsonPath == "r.json")
        #expect(o.maxLatencyUs == 40 && o.durationS == 120)
        #expect(!o.histogramOnStdout)
    }

    @Test func optionalValuesFollowCyclictest() throws {
        // -t / -a without a value: one thread per CPU / thread N on CPU N; the next argument is taken only when
        // it is a number (a CPU list for -a).
        #expect(try JitterOptions.parse(["-t"]).threads == .perCPU)
        #expect(try JitterOptions.parse(["-t", "-q"]).threads == .perCPU)
        #expect(try JitterOptions.parse(["-t4"]).threads == .count(4))
        #expect(try JitterOptions.parse(["--threads=2"]).threads == .count(2))
        #expect(try JitterOptions.parse(["--threads", "-q"]).threads == .perCPU)
        #expect(try JitterOptions.parse(["-a"]).affinity == .allCPUs)
        #expect(try JitterOptions.parse(["-a", "2"]).affinity == .cpus([2]))
        let smp = try JitterOptions.parse(["-S", "-t", "2"])  // -t is ignored after -S, as in cyclictest
        #expect(smp.threads == .perCPU && smp.affinity == .allCPUs)
        let all = try JitterOptions.parse(["-H", "30", "-t2"])
        #expect(all.histogram == 30 && all.histogramAllThreads && all.histogramOnStdout)
    }

    @Test func durations() throws {
        #expect(try JitterOptions.parse(["-D", "10"]).durationS == 10)
        #expect(try JitterOptions.parse(["-D30s"]).durationS == 30)
        #expect(try JitterOptions.parse(["--duration=1h"]).durationS == 3600)
        #expect(try JitterOptions.parse(["-D", "2d"]).durationS == 172_800)
    }

    @Test(arguments: [
        (["-x"], "unknown option -x"),
        (["--bogus"], "unknown option --bogus"),
        (["-i", "0"], "option -i: 0 is out of range (1 to 1000000000)"),
        (["-h", "0"], "option -h: 0 is out of range (1 to 1000000)"),
        (["-H0"], "option -H: 0 is out of range (1 to 1000000)"),
        (["-h", "1000001"], "option -h: 1000001 is out of range (1 to 1000000)"),
        // Issue 11: the duration was multiplied without a bound and trapped on overflow.
        (["-D", "999999999999999999d"], "option -D: '999999999999999999d' is out of range (1 s to 365 d)"),
        (["-D", "366d"], "option -D: '366d' is out of range (1 s to 365 d)"),
        (["-i"], "option -i needs a value"),
        (["-p", "100"], "option -p: 100 is out of range (0 to 99)"),
        (["-l", "ten"], "option -l: 'ten' is not a whole number"),
        (["-D", "5x"], "option -D: '5x' is not a duration (seconds, or a number with s, m, h or d)"),
        (["-a", "3-1"], "option -a: '3-1' is not a CPU list (like 0-2,5)"),
        (["-t0"], "option -t: 0 is out of range (1 to 1024)"),
        (["--quiet=1"], "option --quiet takes no value"),
        (["--histfile="], "option --histfile needs a file name"),
        (["stray"], "unexpected argument 'stray'"),
        (["--board", "qemu-virt-aarch64", "-p", "80"], "option -p applies to Linux threads, not to --board (the board measures its timer interrupt and one task)"),
    ])
    func badInput(_ arguments: [String], _ message: String) {
        #expect(throws: JitterUsageError(message)) { try JitterOptions.parse(arguments) }
    }
}

@Suite("orion jitter status lines")
struct JitterStatusLineTests {
    func figures(cycles: UInt64, min: UInt64, act: UInt64, avg: UInt64, max: UInt64) -> JitterThreadFigures {
        JitterThreadFigures(index: 0, tid: 1062, priority: 80, intervalUs: 1000, cpu: 0, cycles: cycles, minimum: min, last: act,
                            average: avg, exactAverage: Double(avg), maximum: max, buckets: [])
    }

    @Test func cyclictestsColumns() {
        // Lines cyclictest 2.40 printed on this machine, field for field.
        #expect(JitterReport.statusLine(figures(cycles: 6, min: 30, act: 66, avg: 46, max: 66), nanoseconds: false)
                == "T: 0 ( 1062) P:80 I:1000 C:      6 Min:     30 Act:   66 Avg:   46 Max:      66")
        #expect(JitterReport.statusLine(figures(cycles: 20, min: 75780, act: 111384, avg: 240415, max: 2950257), nanoseconds: true)
                == "T: 0 ( 1062) P:80 I:1000 C:     20 Min:  75780 Act:  111384 Avg:  240415 Max: 2950257")
        // Before the first sample cyclictest shows its starting minimum.
        #expect(JitterReport.statusLine(figures(cycles: 0, min: 0, act: 0, avg: 0, max: 0), nanoseconds: false)
                == "T: 0 ( 1062) P:80 I:1000 C:      0 Min:1000000 Act:    0 Avg:    0 Max:       0")
    }

    @Test func linesReadBack() throws {
        let line = "\u{1B}[4AT: 1 ( 1063) P:80 I:1500 C:     10 Min:     32 Act:   66 Avg:   57 Max:      66"
        let t = try #require(JitterReport.parseStatusLine(Substring(line)))
        #expect(t.index == 1 && t.tid == 1063 && t.priority == 80 && t.intervalUs == 1500 && t.cycles == 10)
        #expect(t.minimum == 32 && t.last == 66 && t.average == 57 && t.maximum == 66)
        #expect(JitterReport.parseStatusLine("policy: fifo: loadavg: 2.28 0.93 0.36 6/141 1063") == nil)
        #expect(JitterReport.parseStatusLine("T: 0 ( 1062) P:80 I:1000 C:      6 Min:     30 Act:   66 Avg:   46") == nil)
    }
}
