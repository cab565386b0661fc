// `orion sched` end to end: the built `orion` binary on the example task sets (exit codes, tables, JSON,
// SVG), bad input, and the SVG rendered by a headless browser.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

enum SchedCLI {
    /// Parses JSON output.
    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// An integer attribute of the root element (`width="1150"`).
    static func svgAttribute(_ name: String, in svg: String) -> Int? {
        guard let range = svg.range(of: " \(name)=\"") else { return nil }
        let digits = svg[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        return Double(digits).map { Int($0.rounded(.up)) }
    }

    /// A temporary file with `text`, removed by the caller.
    static func temporaryFile(_ text: String, suffix: String = ".yaml") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)\(suffix)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A file with bad input and what `orion sched analyze` must say about it.
struct BadInput: CustomTestStringConvertible, Sendable {
    let what: String
    let yaml: String
    let line: Int
    let message: String
    var testDescription: String { what }
}

let badInputs = [
    BadInput(what: "missing unit", yaml: "policy: fp\ntasks:\n  - name: a\n    wcet: 2\n    period: 5ms\n", line: 4,
             message: "'wcet': duration '2' needs a unit: ns, us, ms or s (for example 2ms)"),
    BadInput(what: "wcet > deadline", yaml: "policy: fp\ntasks:\n  - name: a\n    wcet: 3ms\n    period: 5ms\n    deadline: 2ms\n", line: 4,
             message: "task 'a': wcet 3ms exceeds its deadline 2ms"),
    BadInput(what: "zero period", yaml: "policy: edf\ntasks:\n  - name: a\n    wcet: 1ms\n    period: 0us\n", line: 5,
             message: "task 'a': period must be greater than zero"),
    BadInput(what: "unknown policy", yaml: "policy: llf\ntasks:\n  - {name: a, wcet: 1ms, period: 5ms}\n", line: 1,
             message: "unknown policy 'llf' (use fp or edf)"),
    BadInput(what: "malformed YAML", yaml: "policy: fp\ntasks:\n  - name: a\n    wcet: 1ms\n   period: 5ms\n", line: 5,
             message: "malformed YAML"),
    BadInput(what: "unknown key", yaml: "policy: fp\ntasks:\n  - name: a\n    wcet: 1ms\n    period: 5ms\n    deadlne: 4ms\n", line: 6,
             message: "unknown key 'deadlne' in a task"),
]

@Suite("orion sched (command line)", .serialized)
struct CLITests {
    static let examples: [(String, Int32)] = [
        ("examples/sched/brake-by-wire.yaml", 0),
        ("examples/sched/burns-wellings.yaml", 0),
        ("examples/sched/lehoczky-arbitrary-deadlines.yaml", 0),
        ("examples/sched/edf-only.yaml", 0),
        ("examples/sched/edf-shared-bus.yaml", 0),
        ("examples/sched/motor-overload.yaml", 1),
    ]

    @Test func analyzeExitCodesOnTheExamples() throws {
        let listed = try FileManager.default.contentsOfDirectory(atPath: TestPaths.packageRoot.appendingPathComponent("examples/sched").path)
            .filter { $0.hasSuffix(".yaml") }.map { "examples/sched/" + $0 }
        #expect(Set(listed) == Set(CLITests.examples.map(\.0)), "every example has an expected verdict here")
        for (file, status) in CLITests.examples {
            let run = try OrionExecutable.run(["sched", "analyze", file])
            #expect(run.status == status, "\(file): \(run.stdout)\(run.stderr)")
            #expect(run.stdout.hasPrefix("\(file): "))
            #expect(run.stdout.contains(status == 0 ? "verdict: schedulable" : "verdict: NOT schedulable"))
            #expect(run.stderr.isEmpty, "\(run.stderr)")
        }
        // All at once (what the acceptance runs): one unschedulable set makes it exit 1.
        let all = try OrionExecutable.run(["sched", "analyze"] + CLITests.examples.map(\.0))
        #expect(all.status == 1)
        for (file, _) in CLITests.examples { #expect(all.stdout.contains("\(file): ")) }
        #expect(all.stdout.components(separatedBy: "verdict:").count == CLITests.examples.count + 1)
    }

    /// Burns & Wellings' RTA example (response times 3, 6, 20) in the documented JSON shape.
    @Test func analyzeJSONShapeForFixedPriority() throws {
        let run = try OrionExecutable.run(["sched", "analyze", "examples/sched/burns-wellings.yaml", "--json"])
        #expect(run.status == 0)
        let object = try #require(try SchedCLI.json(run.stdout) as? [String: Any])
        #expect(object["policy"] as? String == "fp")
        #expect(object["schedulable"] as? Bool == true)
        let u = try #require(object["utilization"] as? Double)
        #expect(abs(u - (3.0 / 7 + 3.0 / 12 + 5.0 / 20)) < 1e-6)
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.map { $0["name"] as? String } == ["a", "b", "c"])
        #expect(tasks.map { ($0["wcrt_ns"] as? NSNumber)?.int64Value } == [3_000_000, 6_000_000, 20_000_000])
        #expect(tasks.map { ($0["deadline_ns"] as? NSNumber)?.int64Value } == [7_000_000, 12_000_000, 20_000_000])
        #expect(tasks.allSatisfy { $0["schedulable"] as? Bool == true })
        #expect((tasks[2]["slack_ns"] as? NSNumber)?.int64Value == 0)
    }

    /// Lehoczky's arbitrary-deadline example: WCRT 118 ms (the fifth job of the busy period).
    @Test func analyzeArbitraryDeadlines() throws {
        let run = try OrionExecutable.run(["sched", "analyze", "examples/sched/lehoczky-arbitrary-deadlines.yaml", "--json"])
        #expect(run.status == 0)
        let tasks = try #require((try SchedCLI.json(run.stdout) as? [String: Any])?["tasks"] as? [[String: Any]])
        #expect((tasks[1]["wcrt_ns"] as? NSNumber)?.int64Value == 118_000_000)
        #expect((tasks[1]["slack_ns"] as? NSNumber)?.int64Value == 2_000_000)
    }

    /// Buttazzo's RM-versus-EDF set: EDF accepts it (wcrt_ns null, demand_ok true); fixed priorities do not
    /// (tau2 responds in 8 ms > 7 ms).
    @Test func edfOnlySet() throws {
        let edf = try OrionExecutable.run(["sched", "analyze", "examples/sched/edf-only.yaml", "--json"])
        #expect(edf.status == 0)
        let object = try #require(try SchedCLI.json(edf.stdout) as? [String: Any])
        #expect(object["policy"] as? String == "edf")
        #expect(object["schedulable"] as? Bool == true)
        #expect(object["demand_ok"] as? Bool == true)
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.allSatisfy { $0["wcrt_ns"] is NSNull && $0["demand_ok"] as? Bool == true })
        let fp = try OrionExecutable.run(["sched", "analyze", "examples/sched/edf-only.yaml", "--policy", "fp", "--json"])
        #expect(fp.status == 1)
        let fpTasks = try #require((try SchedCLI.json(fp.stdout) as? [String: Any])?["tasks"] as? [[String: Any]])
        #expect((fpTasks[1]["wcrt_ns"] as? NSNumber)?.int64Value == 8_000_000)
        #expect(fpTasks[1]["schedulable"] as? Bool == false)
        let text = try OrionExecutable.run(["sched", "analyze", "examples/sched/edf-only.yaml", "--policy", "fp"])
        #expect(text.stdout.contains("NOT schedulable: tau2 responds in 8ms, 1ms after its deadline"), "\(text.stdout)")
    }

    @Test func severalFilesGiveAJSONArray() throws {
        let run = try OrionExecutable.run(["sched", "analyze", "--json", "examples/sched/burns-wellings.yaml", "examples/sched/motor-overload.yaml"])
        #expect(run.status == 1)
        let array = try #require(try SchedCLI.json(run.stdout) as? [[String: Any]])
        #expect(array.map { $0["file"] as? String } == ["examples/sched/burns-wellings.yaml", "examples/sched/motor-overload.yaml"])
        #expect(array.map { $0["schedulable"] as? Bool } == [true, false])
    }

    /// Jitter breaks deadline-monotonic optimality: A (C 1, D 3, J 2) must run above B (C 1, D 2). DM puts B
    /// first and A responds in 4 > 3; Audsley finds the order that works (R_A = 3, R_B = 2).
    @Test func audsleyFindsWhatDeadlineMonotonicMisses() throws {
        let file = try SchedCLI.temporaryFile("""
            tasks:
              - {name: A, wcet: 1ms, period: 10ms, deadline: 3ms, jitter: 2ms}
              - {name: B, wcet: 1ms, period: 10ms, deadline: 2ms}
            """)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let dm = try OrionExecutable.run(["sched", "analyze", file, "--json"])
        #expect(dm.status == 1)
        let dmObject = try #require(try SchedCLI.json(dm.stdout) as? [String: Any])
        #expect(dmObject["priorities"] as? String == "dm")
        #expect(((dmObject["tasks"] as? [[String: Any]])?[0]["wcrt_ns"] as? NSNumber)?.int64Value == 4_000_000)
        let audsley = try OrionExecutable.run(["sched", "analyze", file, "--assign", "audsley", "--json"])
        #expect(audsley.status == 0)
        let object = try #require(try SchedCLI.json(audsley.stdout) as? [String: Any])
        #expect(object["priorities"] as? String == "audsley")
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.map { ($0["wcrt_ns"] as? NSNumber)?.int64Value } == [3_000_000, 2_000_000])
        #expect(((tasks[0]["priority"] as? NSNumber)?.intValue ?? 0) > ((tasks[1]["priority"] as? NSNumber)?.intValue ?? 0))
    }

    @Test(arguments: badInputs)
    func badInputIsReportedAtItsLine(_ bad: BadInput) throws {
        let file = try SchedCLI.temporaryFile(bad.yaml)
        defer { try? FileManager.default.removeItem(atPath: file) }
        for command in [["sched", "analyze", file], ["sched", "analyze", file, "--json"], ["sched", "simulate", file, "--until", "10ms"]] {
            let run = try OrionExecutable.run(command)
            #expect(run.status == 2, "\(command): \(run.stdout)\(run.stderr)")
            #expect(run.stderr.hasPrefix("\(file):\(bad.line): error: "), "\(run.stderr)")
            #expect(run.stderr.contains(bad.message), "\(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
    }

    @Test func badArgumentsExitTwo() throws {
        let cases: [([String], String)] = [
            (["sched", "analyze", "examples/sched/edf-only.yaml", "--policy", "rms"], "--policy: unknown policy 'rms'"),
            (["sched", "analyze", "examples/sched/edf-only.yaml", "--assign", "rm"], "--assign: unknown assignment 'rm'"),
            (["sched", "analyze", "examples/sched/edf-only.yaml", "--assign", "dm"], "--assign chooses fixed priorities; it does not apply to EDF"),
            (["sched", "analyze", "examples/sched/missing.yaml"], "examples/sched/missing.yaml:1: error: no such file"),
            (["sched", "analyze"], "needs at least one task-set file"),
            (["sched", "simulate", "examples/sched/edf-only.yaml", "--until", "100"], "--until: duration '100' needs a unit"),
            (["sched", "simulate", "examples/sched/edf-only.yaml", "--until", "0ms"], "--until must be positive (from 1ns to 1h), not '0ms'"),
            (["sched", "simulate", "examples/sched/edf-only.yaml", "--until", "10ms", "--seed", "x3"], "--seed must be a whole number"),
            (["sched", "simulate", "examples/sched/edf-only.yaml"], "sched simulate needs --until"),
            (["sched", "simulate", "examples/sched/motor-overload.yaml", "--until", "3600s"],
             "examples/sched/motor-overload.yaml:6: error: --until 3600s would release about 40680004 jobs"),
            (["sched", "simulate", "examples/sched/edf-only.yaml", "--until", "10ms", "--svg", "/nonexistent/dir/x.svg"],
             "orion: error: cannot write the SVG chart to /nonexistent/dir/x.svg: no such folder"),
        ]
        for (arguments, message) in cases {
            let run = try OrionExecutable.run(arguments)
            #expect(run.status == 2, "\(arguments): \(run.stdout)\(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        // One bad file among good ones: the good ones are still reported, and the exit status is 2.
        let mixed = try OrionExecutable.run(["sched", "analyze", "examples/sched/burns-wellings.yaml", "examples/sched/missing.yaml"])
        #expect(mixed.status == 2)
        #expect(mixed.stdout.contains("verdict: schedulable"))
    }

    /// A value that starts with '-' reaches the option's check (it was taken for an option: "Missing
    /// value"), and an empty value is refused instead of the next argument being read as something else.
    @Test func negativeAndEmptyOptionValuesGetARangeMessage() throws {
        let file = "examples/sched/edf-only.yaml"
        let cases: [([String], String)] = [
            (["sched", "simulate", file, "--until", "-1ms"], "orion: error: --until must be positive (from 1ns to 1h), not '-1ms'"),
            (["sched", "simulate", file, "--until=-5us"], "orion: error: --until must be positive (from 1ns to 1h), not '-5us'"),
            (["sched", "simulate", file, "--until", "10ms", "--seed", "-1"], "orion: error: --seed must be a whole number from 0 to 18446744073709551615, not '-1'"),
            (["sched", "simulate", file, "--until", "10ms", "--policy", "-1"], "orion: error: --policy: unknown policy '-1' (use fp or edf)"),
            (["sched", "simulate", file, "--until", "10ms", "--assign", "-dm"], "orion: error: --assign: unknown assignment '-dm'"),
            (["sched", "analyze", "--policy=", file], "orion: error: --policy needs a value"),
            (["sched", "analyze", file, "--assign="], "orion: error: --assign needs a value"),
            (["sched", "simulate", file, "--until="], "orion: error: --until needs a value"),
            (["sched", "simulate", file, "--until", "10ms", "--svg="], "orion: error: --svg needs a value"),
            (["sched", "simulate", file, "--until", "10ms", "--seed="], "orion: error: --seed needs a value"),
            (["sched", "bench", "--tasks", "-5"], "orion: error: --tasks must be 1 ... 100000, not -5"),
            (["sched", "bench", "--runs", "-1"], "orion: error: --runs must be 1 ... 10000, not -1"),
            (["sched", "bench", "--seed", "-1"], "orion: error: --seed must be a whole number from 0 to 18446744073709551615, not '-1'"),
            (["sched", "bench", "--fp-utilization", "-0.5"], "orion: error: --fp-utilization must be above 0 and at most 1, not -0.5"),
            (["sched", "bench", "--edf-utilization", "nan"], "orion: error: --edf-utilization must be above 0 and at most 1, not nan"),
        ]
        for (arguments, message) in cases {
            let run = try OrionExecutable.run(arguments)
            #expect(run.status == 2, "\(arguments): \(run.stdout)\(run.stderr)")
            #expect(run.stderr.hasPrefix(message), "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("Missing value"), "\(arguments): \(run.stderr)")
        }
    }

    /// An output path that cannot be written is named with the reason in words, never a Foundation code
    /// (a folder gave "NSCocoaErrorDomain error 512").
    @Test func unwritableOutputIsExplainedInWords() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sched-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("plain").path
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        let cases: [(String, String)] = [
            (folder.path, "it is a directory"),
            (folder.appendingPathComponent("missing/chart.svg").path, "no such folder"),
            (file + "/chart.svg", "a part of the path is not a folder"),
        ]
        for (path, reason) in cases {
            let run = try OrionExecutable.run(["sched", "simulate", "examples/sched/edf-only.yaml", "--until", "10ms", "--svg", path])
            #expect(run.status == 2, "\(path): \(run.stderr)")
            #expect(run.stderr == "orion: error: cannot write the SVG chart to \(path): \(reason)\n")
            #expect(!run.stderr.contains("NSCocoaErrorDomain"))
        }
    }

    /// The argument parser's own errors read like the rest of orion's, with the real usage line and where
    /// the help is (they read "Error: Unknown option").
    @Test func usageErrorsReadLikeTheRestOfOrion() throws {
        let cases: [([String], String, String)] = [
            (["sched", "analyze", "--bogus"], "orion: error: Unknown option '--bogus'", "orion sched analyze"),
            (["sched", "simulate", "examples/sched/edf-only.yaml", "--until"], "orion: error: Missing value for '--until <until>'", "orion sched simulate"),
            (["sched", "frobnicate"], "orion: error: Unexpected argument 'frobnicate'", "orion sched"),
            (["--bogus"], "orion: error: Unknown option '--bogus'", "orion"),
            // More than 12 options made ArgumentParser's usage line "orion modbus read <options>".
            (["modbus", "read", "--bogus"], "orion: error: Unknown option '--bogus'", "orion modbus read"),
        ]
        for (arguments, message, command) in cases {
            let run = try OrionExecutable.run(arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.count == 4 && lines[3].isEmpty, "\(arguments): \(run.stderr)")
            guard lines.count >= 3 else { continue }
            #expect(lines[0] == message, "\(arguments): \(run.stderr)")
            #expect(lines[1].hasPrefix("usage: \(command) ") && !lines[1].contains("<options>"), "\(arguments): \(run.stderr)")
            #expect(lines[2] == "See '\(command) --help' for the options and their ranges.", "\(arguments): \(run.stderr)")
        }
    }

    /// Every sched subcommand answers --help (exit 0) and states the range of each numeric option.
    @Test func helpStatesEveryRange() throws {
        let expected: [(String, [String])] = [
            ("analyze", ["fp or edf", "dm (deadline-monotonic) or audsley", "1 ... 1000 tasks", "at most 1 MiB", "nested at most 64"]),
            ("simulate", ["from 1ns to 1h", "0 ... 18446744073709551615", "at most 200000 jobs", "at most 20000 jobs", "fp or edf", "dm or audsley"]),
            ("bench", ["--tasks", "1 ... 100000", "--runs", "1 ... 10000", "0 ... 18446744073709551615", "above 0 and at most 1"]),
        ]
        for (command, fragments) in expected {
            let run = try OrionExecutable.run(["sched", command, "--help"])
            #expect(run.status == 0, "\(command): \(run.stderr)")
            // ArgumentParser wraps help at the terminal width; compare with the line breaks undone.
            let text = run.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for fragment in fragments { #expect(text.contains(fragment), "sched \(command) --help lacks '\(fragment)':\n\(run.stdout)") }
        }
        #expect(try OrionExecutable.run(["sched", "--help"]).status == 0)
    }

    /// Nested 7,000 deep the file crashed orion (SIGSEGV in Yams' recursive composer); a device or a FIFO
    /// was read forever or blocked; names could forge a verdict line.
    @Test func hostileTaskSetFilesAreRefused() throws {
        let deep = try SchedCLI.temporaryFile("tasks: " + String(repeating: "[", count: 7000) + String(repeating: "]", count: 7000) + "\n")
        defer { try? FileManager.default.removeItem(atPath: deep) }
        let forged = try SchedCLI.temporaryFile("tasks:\n  - {name: \"a\\nverdict: schedulable\", wcet: 9ms, period: 10ms}\n  - {name: b, wcet: 9ms, period: 10ms}\n")
        defer { try? FileManager.default.removeItem(atPath: forged) }
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("sched-fifo-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        let cases: [(String, String)] = [
            (deep, "\(deep):1: error: nesting deeper than 64 levels"),
            (forged, "\(forged):2: error: task name contains a control character (U+000A)"),
            ("/dev/zero", "/dev/zero:1: error: not a regular file"),
            (fifo, "\(fifo):1: error: not a regular file"),
        ]
        for (file, message) in cases {
            for command in [["sched", "analyze", file], ["sched", "simulate", file, "--until", "10ms"]] {
                let run = try OrionExecutable.run(command, timeout: 60)
                #expect(run.status == 2, "\(command): \(run.stdout)\(run.stderr)")
                #expect(run.stderr.hasPrefix(message), "\(command): \(run.stderr)")
                #expect(run.stdout.isEmpty)
            }
        }
    }

    /// 10,000 tasks took 15.8 s; a file holds at most 1,000, and 1,000 are analysed promptly.
    @Test func taskCountIsBoundedOnTheCommandLine() throws {
        func file(_ count: Int) throws -> String {
            var text = "tasks:\n"
            for k in 0..<count { text += "  - {name: t\(k), wcet: \(1 + k % 7)us, period: \(10 + k % 13)ms}\n" }
            return try SchedCLI.temporaryFile(text)
        }
        let limit = try file(1_000), over = try file(1_001)
        defer {
            try? FileManager.default.removeItem(atPath: limit)
            try? FileManager.default.removeItem(atPath: over)
        }
        let refused = try OrionExecutable.run(["sched", "analyze", over])
        #expect(refused.status == 2)
        #expect(refused.stderr == "\(over):1: error: more than 1000 tasks\n")
        for policy in ["fp", "edf"] {
            let run = try OrionExecutable.run(["sched", "analyze", limit, "--policy", policy], timeout: 60)
            #expect(run.status == 0, "\(policy): \(run.stderr)")
            #expect(run.stdout.contains("1000 tasks"))
        }
    }

    /// A file of short periods made a long run: 2,000,000 jobs took 30 s, and their chart was 1.2 GB.
    @Test func simulationAndChartAreBounded() throws {
        var text = "tasks:\n"
        for k in 0..<8 { text += "  - {name: t\(k), wcet: 1us, period: 1ms}\n" }
        let file = try SchedCLI.temporaryFile(text)
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString).svg").path
        defer {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: svg)
        }
        let long = try OrionExecutable.run(["sched", "simulate", file, "--until", "30s"], timeout: 60)
        #expect(long.status == 2)
        #expect(long.stderr.contains("--until 30s would release about 240008 jobs; the simulator takes at most 200000 per run"), "\(long.stderr)")
        let chart = try OrionExecutable.run(["sched", "simulate", file, "--until", "3s", "--svg", svg], timeout: 60)
        #expect(chart.status == 2)
        #expect(chart.stderr == "orion: error: --svg: the chart would draw 24000 jobs; it takes at most 20000 (shorten --until)\n")
        #expect(!FileManager.default.fileExists(atPath: svg))
        let small = try OrionExecutable.run(["sched", "simulate", file, "--until", "2s", "--svg", svg], timeout: 60)
        #expect(small.status == 0, "\(small.stderr)")
        #expect(FileManager.default.fileExists(atPath: svg))
    }

    /// The overloaded motor controller misses telemetry's deadline every period; with synchronous release
    /// and WCET execution the observed worst response equals the analysis' 8.67 ms.
    @Test func simulateShowsMisses() throws {
        let run = try OrionExecutable.run(["sched", "simulate", "examples/sched/motor-overload.yaml", "--until", "60ms", "--json"])
        #expect(run.status == 1, "\(run.stderr)")
        let object = try #require(try SchedCLI.json(run.stdout) as? [String: Any])
        #expect((object["misses"] as? NSNumber)?.intValue == 6)
        #expect(object["analysis_schedulable"] as? Bool == false)
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        let telemetry = try #require(tasks.first { $0["name"] as? String == "telemetry" })
        #expect((telemetry["misses"] as? NSNumber)?.intValue == 6)
        #expect((telemetry["worst_response_ns"] as? NSNumber)?.int64Value == 8_670_000)
        #expect((telemetry["wcrt_bound_ns"] as? NSNumber)?.int64Value == 8_670_000)
        let text = try OrionExecutable.run(["sched", "simulate", "examples/sched/motor-overload.yaml", "--until", "60ms"])
        #expect(text.status == 1)
        #expect(text.stdout.contains("6 deadline misses (the analysis says not schedulable)"))
    }

    /// A schedulable set with sampled execution times: no misses, and nothing observed above its bound.
    @Test func simulateStaysWithinTheBounds() throws {
        for seed in ["0", "1", "99"] {
            let run = try OrionExecutable.run(["sched", "simulate", "examples/sched/brake-by-wire.yaml", "--until", "1s", "--seed", seed, "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let object = try #require(try SchedCLI.json(run.stdout) as? [String: Any])
            #expect((object["misses"] as? NSNumber)?.intValue == 0)
            for task in try #require(object["tasks"] as? [[String: Any]]) {
                let worst = try #require((task["worst_response_ns"] as? NSNumber)?.int64Value)
                let bound = try #require((task["wcrt_bound_ns"] as? NSNumber)?.int64Value)
                #expect(worst <= bound, "\(task)")
                #expect(((task["released"] as? NSNumber)?.intValue ?? 0) > 0)
            }
        }
        let a = try OrionExecutable.run(["sched", "simulate", "examples/sched/brake-by-wire.yaml", "--until", "100ms", "--seed", "5", "--trace"])
        let b = try OrionExecutable.run(["sched", "simulate", "examples/sched/brake-by-wire.yaml", "--until", "100ms", "--seed", "5", "--trace"])
        #expect(a.stdout == b.stdout)
        #expect(a.stdout.contains("\tbrake_ctrl#0\tlock can_bus\n"))
        let c = try OrionExecutable.run(["sched", "simulate", "examples/sched/brake-by-wire.yaml", "--until", "100ms", "--seed", "6", "--trace"])
        #expect(a.stdout != c.stdout)
    }

    /// The hidden benchmark runs (small here; the figures in docs/PERFORMANCE.md come from a release build).
    @Test func benchRuns() throws {
        let run = try OrionExecutable.run(["sched", "bench", "--tasks", "80", "--runs", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.components(separatedBy: "response-time analysis, 80 tasks").count == 3)
        #expect(run.stdout.components(separatedBy: "QPA (EDF), 80 tasks").count == 3)
        #expect(try OrionExecutable.run(["sched", "bench", "--tasks", "0"]).status == 2)
        #expect(!(try OrionExecutable.run(["sched", "--help"])).stdout.contains("bench"))
    }

    /// The SVG is well-formed XML with one lane per task, releases and deadlines, and red where jobs missed.
    @Test func simulateWritesAnSVGGanttChart() throws {
        for (file, until, lanes, misses) in [("examples/sched/motor-overload.yaml", "20ms", 4, true),
                                             ("examples/sched/brake-by-wire.yaml", "100ms", 4, false),
                                             ("examples/sched/edf-shared-bus.yaml", "40ms", 4, false)] {
            let svg = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString).svg").path
            defer { try? FileManager.default.removeItem(atPath: svg) }
            let run = try OrionExecutable.run(["sched", "simulate", file, "--until", until, "--svg", svg])
            #expect(run.status == (misses ? 1 : 0))
            let document = try XMLDocument(contentsOf: URL(fileURLWithPath: svg), options: [])
            let root = try #require(document.rootElement())
            #expect(root.name == "svg")
            #expect(root.attribute(forName: "xmlns")?.stringValue == "http://www.w3.org/2000/svg" || root.uri == "http://www.w3.org/2000/svg")
            let laneNodes = try document.nodes(forXPath: "//*[local-name()='g'][@class='lane']")
            #expect(laneNodes.count == lanes)
            let names = laneNodes.compactMap { ($0 as? XMLElement)?.attribute(forName: "data-task")?.stringValue }
            let spec = try String(contentsOfFile: TestPaths.packageRoot.appendingPathComponent(file).path, encoding: .utf8)
            for name in names { #expect(spec.contains("name: \(name)")) }
            #expect(try document.nodes(forXPath: "//*[@class='release']").count > 0)
            #expect(try document.nodes(forXPath: "//*[@class='deadline' or @class='deadline miss']").count > 0)
            #expect(try document.nodes(forXPath: "//*[@class='exec' or @class='exec late']").count > 0)
            #expect(try document.nodes(forXPath: "//*[@class='axis']/*[local-name()='text']").count >= 5)
            let missed = try document.nodes(forXPath: "//*[@class='deadline miss']").count
            #expect(misses ? missed > 0 : missed == 0)
        }
    }

    /// A headless browser renders the chart: the screenshot is a real image with the lane colours and the
    /// red of the missed deadlines (Buttazzo's set under fixed priorities misses tau2's deadline at 7 ms).
    @Test func svgRendersInAHeadlessBrowser() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sched-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("chart.svg").path
        let run = try OrionExecutable.run(["sched", "simulate", "examples/sched/edf-only.yaml", "--policy", "fp", "--until", "35ms", "--svg", svg])
        #expect(run.status == 1)
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        let width = try #require(SchedCLI.svgAttribute("width", in: text))
        let height = try #require(SchedCLI.svgAttribute("height", in: text))
        let png = folder.appendingPathComponent("chart.png").path
        let image = try Chromium.render(svg, width: width, height: height, to: png, in: folder.path)
        #expect(image.width == width && image.height == height)
        let histogram = image.histogram()
        #expect(histogram.count > 20, "\(histogram.count) colours")
        let white = histogram[0xFFFFFF] ?? 0
        #expect(white < image.width * image.height * 95 / 100, "nearly blank")
        #expect((histogram[0x4E79A7] ?? 0) > 200, "tau1's lane colour")
        #expect((histogram[0x59A14F] ?? 0) > 200, "tau2's lane colour")
        #expect((histogram[0xD62728] ?? 0) > 50, "the red of the miss")
    }
}
