// What `orion jitter` prints, in cyclictest's forms: the status line per thread, the `policy:` header and the
// rt-tests JSON file (file_version 1), plus the run metadata and the --max-latency verdict cyclictest lacks.

import HostText
import Foundation
import RealTime

/// One measuring thread's figures as the reports need them.
public struct JitterThreadFigures: Sendable, Equatable {
    /// Thread number (0 ...).
    public var index: Int
    /// Kernel thread id (0 before the thread started).
    public var tid: Int
    /// SCHED_FIFO priority, 0 for SCHED_OTHER.
    public var priority: Int
    /// Interval in µs.
    public var intervalUs: UInt64
    /// CPU the thread was pinned to, or the one it last ran on; -1 when unknown.
    public var cpu: Int
    /// Samples taken.
    public var cycles: UInt64
    /// Smallest, most recent, mean (truncated) and largest latency in the unit; min is meaningless at 0 cycles.
    public var minimum: UInt64
    public var last: UInt64
    public var average: UInt64
    /// Exact mean, for JSON's two decimals.
    public var exactAverage: Double
    public var maximum: UInt64
    /// Bucket counts (empty without a histogram).
    public var buckets: [UInt64]

    public init(index: Int, tid: Int, priority: Int, intervalUs: UInt64, cpu: Int, cycles: UInt64, minimum: UInt64,
                last: UInt64, average: UInt64, exactAverage: Double, maximum: UInt64, buckets: [UInt64]) {
        self.index = index
        self.tid = tid
        self.priority = priority
        self.intervalUs = intervalUs
        self.cpu = cpu
        self.cycles = cycles
        self.minimum = minimum
        self.last = last
        self.average = average
        self.exactAverage = exactAverage
        self.maximum = maximum
        self.buckets = buckets
    }

    /// The figures of a latency record; its buckets are copied only when `withBuckets` (the final report).
    public init(_ record: LatencyHistogram, index: Int, tid: Int, priority: Int, intervalUs: UInt64, cpu: Int,
                withBuckets: Bool = true) {
        self.init(index: index, tid: tid, priority: priority, intervalUs: intervalUs, cpu: cpu, cycles: record.cycles,
                  minimum: record.minimum, last: record.last, average: record.average,
                  exactAverage: record.cycles == 0 ? 0 : Double(record.sum) / Double(record.cycles),
                  maximum: record.maximum, buckets: withBuckets ? Array(record.buckets) : [])
    }
}

/// Collects what a portable writer prints.
public struct TextSink: ByteSink {
    var bytes: [UInt8] = []
    public init() {}
    public mutating func put(_ byte: UInt8) { bytes.append(byte) }
    /// The text written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// cyclictest's text and JSON forms.
public enum JitterReport {
    /// `T: 0 ( 1062) P:80 I:1000 C:      6 Min:     30 Act:   66 Avg:   46 Max:      66` (µs), or with -N the
    /// wider ns columns. Before the first sample Min shows cyclictest's starting value 1000000.
    public static func statusLine(_ t: JitterThreadFigures, nanoseconds: Bool) -> String {
        var sink = TextSink()
        LatencyStatusLine(index: UInt64(t.index), tid: UInt64(max(t.tid, 0)), priority: UInt64(t.priority), intervalUs: t.intervalUs,
                          cycles: t.cycles, minimum: t.minimum, last: t.last, average: t.average, maximum: t.maximum,
                          nanoseconds: nanoseconds).write(to: &sink)
        return sink.text
    }

    /// `policy: fifo: loadavg: 0.10 0.20 0.30 1/100 1234          ` (cyclictest's header; other/other without -p).
    public static func policyLine(priority: Int, loadavg: String) -> String {
        let policy = priority > 0 ? "fifo" : "other/other"
        return "policy: \(policy): loadavg: \(loadavg)          "
    }

    /// The refresh cyclictest draws while it runs: header, blank line, a status line per thread; `redraw` moves
    /// the cursor back over the previous one first (ESC[nA), as cyclictest does.
    public static func display(_ threads: [JitterThreadFigures], priority: Int, loadavg: String, nanoseconds: Bool,
                               redraw: Bool) -> String {
        var text = redraw ? "\u{1B}[\(threads.count + 2)A" : ""
        text += policyLine(priority: priority, loadavg: loadavg) + "\n\n"
        for t in threads { text += statusLine(t, nanoseconds: nanoseconds) + "\n" }
        return text
    }

    /// Facts about the machine for the JSON file.
    public struct SystemInfo: Sendable, Equatable {
        public var sysname, nodename, release, version, machine: String
        /// The kernel is PREEMPT_RT (/sys/kernel/realtime reads 1).
        public var realtime: Bool
        /// /proc/cpuinfo's model name (or the architecture when it has none).
        public var cpuModel: String
        /// Online CPUs.
        public var cpus: Int
        /// /proc/loadavg's first three figures at the start.
        public var loadAverage: [Double]

        public init(sysname: String, nodename: String, release: String, version: String, machine: String,
                    realtime: Bool, cpuModel: String, cpus: Int, loadAverage: [Double]) {
            self.sysname = sysname
            self.nodename = nodename
            self.release = release
            self.version = version
            self.machine = machine
            self.realtime = realtime
            self.cpuModel = cpuModel
            self.cpus = cpus
            self.loadAverage = loadAverage
        }
    }

    /// The rt-tests JSON document (the keys and layout of cyclictest 2.x's --json, including its `cmdline:` and
    /// `rt_test_version:` spellings, so its readers take it), with Orion's additions under `orion`.
    public static func json(commandLine: String, start: Date, end: Date, returnCode: Int32, system: SystemInfo,
                            threads: [JitterThreadFigures], nanoseconds: Bool, maxLatencyUs: UInt64?,
                            exceeded: Bool, board: String? = nil, kernel: String? = nil) -> String {
        var out = "{\n"
        out += "  \"file_version\": 1,\n"
        out += "  \"cmdline:\": \(HostText.jsonString(commandLine)),\n"
        out += "  \"rt_test_version:\": \"2.40\",\n"
        out += "  \"start_time\": \(HostText.jsonString(timestamp(start))),\n"
        out += "  \"end_time\": \(HostText.jsonString(timestamp(end))),\n"
        out += "  \"return_code\": \(returnCode),\n"
        out += "  \"sysinfo\": {\n"
        out += "    \"sysname\": \(HostText.jsonString(system.sysname)),\n"
        out += "    \"nodename\": \(HostText.jsonString(system.nodename)),\n"
        out += "    \"release\": \(HostText.jsonString(system.release)),\n"
        out += "    \"version\": \(HostText.jsonString(system.version)),\n"
        out += "    \"machine\": \(HostText.jsonString(system.machine)),\n"
        out += "    \"realtime\": \(system.realtime ? 1 : 0)\n"
        out += "  },\n"
        out += "  \"num_threads\": \(threads.count),\n"
        out += "  \"resolution_in_ns\": \(nanoseconds ? 1 : 0),\n"
        out += "  \"thread\": {\n"
        for (n, t) in threads.enumerated() {
            out += "    \"\(t.index)\": {\n"
            let occupied = t.buckets.enumerated().filter { $0.element > 0 }
            if occupied.isEmpty {
                out += "      \"histogram\": {      },\n"
            } else {
                out += "      \"histogram\": {\n"
                out += occupied.map { "        \"\($0.offset)\": \($0.element)" }.joined(separator: ",\n") + "\n"
                out += "      },\n"
            }
            out += "      \"cycles\": \(t.cycles),\n"
            out += "      \"min\": \(t.cycles == 0 ? 1_000_000 : t.minimum),\n"
            out += "      \"max\": \(t.maximum),\n"
            out += "      \"avg\": \(String(format: "%.2f", t.exactAverage)),\n"
            out += "      \"cpu\": \(t.cpu),\n"
            out += "      \"node\": 0\n"
            out += "    }" + (n < threads.count - 1 ? "," : "") + "\n"
        }
        out += "  },\n"
        out += "  \"orion\": {\n"
        out += "    \"tool\": \"orion jitter\",\n"
        out += "    \"target\": \(HostText.jsonString(board ?? "linux")),\n"
        out += "    \"kernel\": \(HostText.jsonString(kernel ?? "Linux " + system.release)),\n"
        out += "    \"cpu_model\": \(HostText.jsonString(system.cpuModel)),\n"
        out += "    \"cpus\": \(system.cpus),\n"
        out += "    \"loadavg\": [\(system.loadAverage.map { String(format: "%.2f", $0) }.joined(separator: ", "))],\n"
        out += "    \"unit\": \(nanoseconds ? "\"ns\"" : "\"us\""),\n"
        out += "    \"max_latency_limit_us\": \(maxLatencyUs.map(String.init) ?? "null"),\n"
        out += "    \"max_latency_exceeded\": \(exceeded)\n"
        out += "  }\n"
        out += "}\n"
        return out
    }

    /// rt-tests' time format: `Sun, 06 Dec 2026 15:13:50 +0000`.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }


    /// Reads a status line back (`T: 0 ( 1062) P:80 I:1000 C: 6 Min: 30 Act: 66 Avg: 46 Max: 66`), from
    /// cyclictest or from orion jitter alike; nil when the line is not one.
    public static func parseStatusLine(_ line: Substring) -> JitterThreadFigures? {
        var text = line
        if let escape = text.lastIndex(of: "\u{1B}") { text = text[escape...].drop { $0 != "A" }.dropFirst() }
        guard text.hasPrefix("T:") else { return nil }
        // "T: 0 ( 1062) P:80 ..." -> fields split at ':' and spaces, with the parenthesised tid kept.
        let tokens = text.replacingOccurrences(of: "(", with: " ( ").replacingOccurrences(of: ")", with: " ) ")
            .replacingOccurrences(of: ":", with: ": ").split(separator: " ")
        var values: [String: String] = [:]
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            if token == "(", i + 2 < tokens.count, tokens[i + 2] == ")" {
                values["tid"] = String(tokens[i + 1])
                i += 3
                continue
            }
            if token.hasSuffix(":"), i + 1 < tokens.count {
                values[String(token.dropLast())] = String(tokens[i + 1])
                i += 2
                continue
            }
            return nil
        }
        guard let index = values["T"].flatMap({ Int($0) }), let tid = values["tid"].flatMap({ Int($0) }),
              let priority = values["P"].flatMap({ Int($0) }), let interval = values["I"].flatMap({ UInt64($0) }),
              let cycles = values["C"].flatMap({ UInt64($0) }), let minimum = values["Min"].flatMap({ UInt64($0) }),
              let act = values["Act"].flatMap({ UInt64($0) }), let average = values["Avg"].flatMap({ UInt64($0) }),
              let maximum = values["Max"].flatMap({ UInt64($0) }), values.count == 9 else { return nil }
        return JitterThreadFigures(index: index, tid: tid, priority: priority, intervalUs: interval, cpu: -1, cycles: cycles,
                                   minimum: minimum, last: act, average: average, exactAverage: Double(average),
                                   maximum: maximum, buckets: [])
    }

    static func pad<N: BinaryInteger>(_ value: N, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// Whether any thread's maximum is above `limitUs` (figures in ns are compared in ns).
    public static func exceeds(_ threads: [JitterThreadFigures], limitUs: UInt64, nanoseconds: Bool) -> JitterThreadFigures? {
        // Saturating: --max-latency takes values up to Int.max µs, which overflow in ns.
        let (ns, overflowed) = limitUs.multipliedReportingOverflow(by: 1000)
        let limit = nanoseconds ? (overflowed ? UInt64.max : ns) : limitUs
        return threads.first { $0.cycles > 0 && $0.maximum > limit }
    }
}
