// `orion sched`: schedulability analysis and schedule simulation of task-set files (docs/SCHED.md).

import ArgumentParser
import Foundation
import OrionTool
import SchedTool

struct Sched: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Schedulability analysis and virtual-time simulation of task sets (YAML, see docs/SCHED.md).",
        subcommands: [SchedAnalyze.self, SchedSimulate.self, SchedBench.self])
}

/// Writes `text` to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Exits 2 after printing `orion: error: message`.
func badInput(_ message: String) -> Never {
    printError("orion: error: \(message)")
    Foundation.exit(2)
}

/// Exits 2 when an option was given an empty value (`--policy=` or `--policy ""`).
func requireValue(_ text: String?, _ option: String) {
    if let text, text.isEmpty { badInput("\(option) needs a value") }
}

/// The policy named by --policy (nil: the file's).
func parsePolicy(_ text: String?) -> SchedPolicy? {
    requireValue(text, "--policy")
    guard let text else { return nil }
    guard let policy = SchedPolicy(rawValue: text) else { badInput("--policy: unknown policy '\(text)' (use fp or edf)") }
    return policy
}

/// The assignment named by --assign.
func parseAssignment(_ text: String?) -> Assignment? {
    requireValue(text, "--assign")
    guard let text else { return nil }
    guard let assignment = Assignment(rawValue: text) else { badInput("--assign: unknown assignment '\(text)' (use dm or audsley)") }
    return assignment
}

struct SchedAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse task sets: per task C, T, D, priority, WCRT or demand verdict, slack; then the verdict.",
        discussion: """
        Exits 0 when every set is schedulable, 1 when one is not, 2 on bad input (reported as file:line: error: \
        message). A task-set file is a regular file of at most 1 MiB, nested at most \(TaskSetFile.nestingLimit) \
        deep, with 1 ... \(TaskSetFile.taskLimit) tasks (see docs/SCHED.md).
        """)

    @Argument(help: "Task-set files (YAML).")
    var files: [String] = []

    @Flag(help: "Print JSON: one object for one file, an array of objects (with \"file\") for several.")
    var json = false

    // Every option takes the next argument as its value even when it starts with '-', so a mistake
    // reaches the checks below and gets a message about the value.
    @Option(parsing: .unconditional, help: "Analyse under this policy instead of the file's: fp or edf.")
    var policy: String?

    @Option(parsing: .unconditional, help: "Assign fixed priorities instead of the file's: dm (deadline-monotonic) or audsley (optimal).")
    var assign: String?

    func run() throws {
        guard !files.isEmpty else { badInput("sched analyze needs at least one task-set file") }
        let policy = parsePolicy(policy)
        let assignment = parseAssignment(assign)
        var reports: [AnalysisReport] = []
        var badFiles = 0
        for file in files {
            do {
                let spec = try TaskSetFile.load(path: file)
                reports.append(try SchedAnalyzer.analyze(spec, policy: policy, assignment: assignment))
            } catch {
                printError(error.description)
                badFiles += 1
            }
        }
        if json {
            if reports.count == 1 && files.count == 1 {
                print(SchedReports.json(reports[0]).rendered())
            } else if !reports.isEmpty {
                print(JSON.array(reports.map { SchedReports.json($0, includeFile: true) }).rendered())
            }
        } else {
            print(reports.map(SchedReports.text).joined(separator: "\n"), terminator: "")
        }
        if badFiles > 0 { Foundation.exit(2) }
        Foundation.exit(reports.allSatisfy(\.schedulable) ? 0 : 1)
    }
}

struct SchedSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a task set in virtual time with the kernel's scheduling policies; report misses and response times.",
        discussion: """
        Jobs run for their wcet, or for a time drawn from bcet ... wcet when the task gives a bcet; release jitter \
        is drawn from 0 ... jitter; the seed makes both repeatable. The simulator takes at most \(SchedSimulator.maximumTasks) \
        tasks and \(SchedSimulator.maximumJobs) jobs per run. Exits 0 without deadline misses, 1 with misses, 2 on bad input.
        """)

    @Argument(help: "Task-set file (YAML).")
    var file: String

    @Option(parsing: .unconditional,
            help: "How long to simulate, with a unit: ns, us, ms or s (for example 100ms), from 1ns to 1h (and at most \(SchedSimulator.maximumJobs) jobs). Required.")
    var until: String?

    @Option(parsing: .unconditional, help: "Write an SVG Gantt chart to this file (at most \(GanttChart.maximumJobs) jobs).")
    var svg: String?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Print every job event (with --json: an \"events\" array).")
    var trace = false

    @Option(parsing: .unconditional, help: "Seed for execution times and jitter, 0 ... \(UInt64.max) (default 0).")
    var seed: String = "0"

    @Option(parsing: .unconditional, help: "Simulate under this policy instead of the file's: fp or edf.")
    var policy: String?

    @Option(parsing: .unconditional, help: "Assign fixed priorities instead of the file's: dm or audsley.")
    var assign: String?

    func run() throws {
        let policy = parsePolicy(policy)
        let assignment = parseAssignment(assign)
        guard let until else { badInput("sched simulate needs --until, how long to simulate (for example --until 100ms)") }
        requireValue(until, "--until")
        requireValue(svg, "--svg")
        requireValue(seed, "--seed")
        let untilNs: UInt64
        do {
            untilNs = try Durations.parse(until)
        } catch .negative {
            badInput("--until must be positive (from 1ns to 1h), not '\(until)'")
        } catch {
            badInput("--until: \(error.message)")
        }
        if untilNs == 0 { badInput("--until must be positive (from 1ns to 1h), not '\(until)'") }
        guard let seedValue = UInt64(seed) else { badInput("--seed must be a whole number from 0 to \(UInt64.max), not '\(seed)'") }
        let run: SimulationRun
        do {
            let spec = try TaskSetFile.load(path: file)
            run = try SchedSimulator.run(spec, policy: policy, assignment: assignment, untilNs: untilNs, seed: seedValue)
        } catch {
            printError(error.description)
            Foundation.exit(2)
        }
        if let svg {
            if run.result.jobs.count > GanttChart.maximumJobs {
                badInput("--svg: the chart would draw \(run.result.jobs.count) jobs; it takes at most \(GanttChart.maximumJobs) (shorten --until)")
            }
            do {
                try OutputFile.write(GanttChart.svg(run), to: svg, what: "the SVG chart")
            } catch {
                fail(error)
            }
        }
        if json {
            print(SchedReports.json(run, trace: trace).rendered())
        } else {
            if trace { print(SchedReports.traceText(run), terminator: "") }
            print(SchedReports.text(run), terminator: "")
            if let svg { print("chart: \(svg)") }
        }
        Foundation.exit(run.result.totalMisses == 0 ? 0 : 1)
    }
}

struct SchedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time response-time analysis and QPA on large random task sets (docs/PERFORMANCE.md).",
        shouldDisplay: false)

    @Option(parsing: .unconditional, help: "Tasks per set, 1 ... 100000.")
    var tasks: Int = 1_000

    @Option(parsing: .unconditional, help: "Sets per analysis, 1 ... 10000.")
    var runs: Int = 10

    @Option(parsing: .unconditional, help: "Seed of the task-set generator, 0 ... \(UInt64.max).")
    var seed: String = "1"

    @Option(name: .customLong("fp-utilization"), parsing: .unconditional,
            help: "Total utilization of the sets for response-time analysis, above 0 and at most 1.")
    var fpUtilization: Double = 0.8

    @Option(name: .customLong("edf-utilization"), parsing: .unconditional, help: "Total utilization of the sets for QPA, above 0 and at most 1.")
    var edfUtilization: Double = 0.9

    func run() throws {
        guard (1...100_000).contains(tasks) else { badInput("--tasks must be 1 ... 100000, not \(tasks)") }
        guard (1...10_000).contains(runs) else { badInput("--runs must be 1 ... 10000, not \(runs)") }
        guard let seed = UInt64(seed) else { badInput("--seed must be a whole number from 0 to \(UInt64.max), not '\(self.seed)'") }
        guard fpUtilization > 0, fpUtilization <= 1 else { badInput("--fp-utilization must be above 0 and at most 1, not \(fpUtilization)") }
        guard edfUtilization > 0, edfUtilization <= 1 else { badInput("--edf-utilization must be above 0 and at most 1, not \(edfUtilization)") }
        #if DEBUG
        printError("orion: note: this is a debug build; measure with `swift run -c release orion sched bench`")
        #endif
        for constrained in [false, true] {
            print(SchedBenchmark.text(SchedBenchmark.run(tasks: tasks, runs: runs, seed: seed, constrained: constrained,
                                                         fpUtilization: fpUtilization, edfUtilization: edfUtilization)), terminator: "")
        }
    }
}
