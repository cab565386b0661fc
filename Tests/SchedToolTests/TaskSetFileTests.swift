// Task-set files: what a good file reads as, and each kind of bad input reported at its file and line.

import Foundation
import Testing
@testable import SchedTool

/// Parses `text` as file "t.yaml", expecting an error; returns it.
func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> SchedInputError? {
    do {
        _ = try TaskSetFile.parse(text, path: "t.yaml")
        Issue.record("no error for:\n\(text)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Expects `text` to fail at `line` with a message containing `fragment`.
func expectError(_ text: String, line: Int, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error = parseError(text, sourceLocation: sourceLocation) else { return }
    #expect(error.path == "t.yaml", sourceLocation: sourceLocation)
    #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
    #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
    #expect(error.description == "t.yaml:\(line): error: \(error.message)", sourceLocation: sourceLocation)
}

@Suite("Task-set files")
struct TaskSetFileTests {
    @Test func readsTheIssueExample() throws {
        let spec = try TaskSetFile.parse("""
            policy: fp            # fp | edf
            tasks:
              - name: brake_ctrl
                wcet: 1ms           # durations need a unit: ns, us, ms, s
                period: 5ms
                deadline: 5ms       # optional, default = period
                jitter: 0us         # optional
                priority: 10        # optional (fp); higher number = more urgent
                resources: { can_bus: 200us }   # optional: critical sections
              - name: logger
                wcet: 2ms
                bcet: 500us
                period: 20ms
                offset: 3ms
                priority: 1
                resources: { can_bus: 100us, flash: 1ms }
            """, path: "t.yaml")
        #expect(spec.policy == .fp)
        #expect(spec.tasksLine == 2)
        #expect(spec.resourceNames == ["can_bus", "flash"])
        #expect(spec.tasks.count == 2)
        let brake = spec.tasks[0]
        #expect(brake.name == "brake_ctrl")
        #expect(brake.wcetNs == 1_000_000 && brake.periodNs == 5_000_000 && brake.deadlineNs == 5_000_000)
        #expect(brake.jitterNs == 0 && brake.priority == 10 && brake.bcetNs == nil && brake.line == 3)
        #expect(brake.resources == [ResourceUse(name: "can_bus", lengthNs: 200_000, line: 9)])
        let logger = spec.tasks[1]
        #expect(logger.deadlineNs == 20_000_000)  // default: the period
        #expect(logger.bcetNs == 500_000 && logger.offsetNs == 3_000_000 && logger.line == 10)
        #expect(logger.resources.map(\.name) == ["can_bus", "flash"])
    }

    @Test func policyDefaultsToFixedPriorityAndReadsEDF() throws {
        #expect(try TaskSetFile.parse("tasks:\n  - {name: a, wcet: 1ms, period: 2ms}\n", path: "x").policy == .fp)
        #expect(try TaskSetFile.parse("policy: edf\ntasks:\n  - {name: a, wcet: 1ms, period: 2ms}\n", path: "x").policy == .edf)
    }

    // The errors the issue lists, each at its line.

    @Test func missingUnit() {
        expectError("policy: fp\ntasks:\n  - name: a\n    wcet: 1\n    period: 5ms\n", line: 4, "'wcet': duration '1' needs a unit")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 5ms\n    jitter: 20\n", line: 5, "'jitter': duration '20' needs a unit")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 5ms\n    resources: { bus: 7 }\n", line: 5, "'bus': duration '7' needs a unit")
    }

    @Test func wcetAboveDeadline() {
        expectError("tasks:\n  - name: a\n    wcet: 3ms\n    period: 5ms\n    deadline: 2ms\n", line: 3, "task 'a': wcet 3ms exceeds its deadline 2ms")
        expectError("tasks:\n  - name: b\n    period: 5ms\n    wcet: 6ms\n", line: 4, "wcet 6ms exceeds its period 5ms (the default deadline)")
    }

    @Test func zeroPeriod() {
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 0ms\n", line: 4, "task 'a': period must be greater than zero")
    }

    @Test func unknownPolicy() {
        expectError("# comment\npolicy: rm\ntasks:\n  - {name: a, wcet: 1ms, period: 2ms}\n", line: 2, "unknown policy 'rm' (use fp or edf)")
    }

    @Test func malformedYAML() {
        expectError("policy: fp\ntasks:\n  - name: a\n    wcet: [1ms\n    period: 2ms\n", line: 5, "malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 4)")
        expectError("policy: fp\ntasks:\n  - name: a\n     wcet: 1ms\n", line: 4, "malformed YAML")
        expectError("policy: fp\ntasks: \"unterminated\n", line: 3, "malformed YAML")
        expectError("", line: 1, "empty task-set file")
    }

    @Test func unknownKeys() {
        expectError("policy: fp\nscheduler: x\ntasks: []\n", line: 2, "unknown key 'scheduler' in the task-set file")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    prio: 3\n", line: 5, "unknown key 'prio' in a task (expected one of: name, wcet")
    }

    // Other mistakes.

    @Test func structuralMistakes() {
        expectError("- a\n- b\n", line: 1, "a task-set file is a mapping")
        expectError("policy: fp\n", line: 1, "no 'tasks' list")
        expectError("policy: fp\ntasks: []\n", line: 2, "'tasks' is empty")
        expectError("policy: fp\ntasks:\n  name: a\n", line: 3, "'tasks' must be a list")
        expectError("tasks:\n  - just-a-name\n", line: 2, "each task is a mapping")
        expectError("tasks:\n  - wcet: 1ms\n    period: 2ms\n", line: 2, "task without a 'name'")
        expectError("tasks:\n  - name: a\n    period: 2ms\n", line: 2, "task 'a' has no 'wcet'")
        expectError("tasks:\n  - name: a\n    wcet: 2ms\n", line: 2, "task 'a' has no 'period'")
        expectError("policy: fp\npolicy: edf\ntasks: []\n", line: 2, "duplicate key 'policy' (first at line 1)")
        expectError("tasks:\n  - {name: a, wcet: 1ms, period: 2ms}\n  - {name: a, wcet: 1ms, period: 3ms}\n", line: 3,
                    "duplicate task name 'a' (first at line 2)")
        expectError("tasks:\n  - name: a\n    wcet: [1ms]\n    period: 2ms\n", line: 3, "'wcet' must be a duration")
    }

    @Test func valueMistakes() {
        expectError("tasks:\n  - {name: a, wcet: 0ns, period: 2ms}\n", line: 2, "wcet must be greater than zero")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    deadline: 0s\n", line: 5, "deadline must be greater than zero")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    priority: 64\n", line: 5, "'priority' must be an integer from 0")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    priority: high\n", line: 5, "'priority' must be an integer")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    bcet: 2ms\n", line: 5, "bcet 2ms exceeds its wcet 1ms")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    jitter: -1ms\n", line: 5, "negative")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    offset: 5min\n", line: 5, "unknown duration unit 'min'")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2h\n", line: 4, "unknown duration unit 'h'")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    resources: [bus]\n", line: 5, "'resources' must be a mapping")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    resources:\n      bus: 600us\n      flash: 600us\n", line: 7,
                    "critical sections total 1.2ms, more than its wcet 1ms")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    resources: { bus: 0us }\n", line: 5, "must be longer than zero")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    resources: { r1: 1us, r2: 1us, r3: 1us, r4: 1us, r5: 1us }\n", line: 5,
                    "at most 4 resources per task")
        var many = "tasks:\n"
        for k in 0..<5 { many += "  - name: t\(k)\n    wcet: 1ms\n    period: 100ms\n    resources: { a\(k): 1us, b\(k): 1us, c\(k): 1us, d\(k): 1us }\n" }
        expectError(many, line: 21, "more than 16 distinct resources")
    }

    @Test func fileProblems() {
        #expect(throws: SchedInputError(path: "/nonexistent/x.yaml", line: 1, message: "no such file")) {
            try TaskSetFile.load(path: "/nonexistent/x.yaml")
        }
        #expect(throws: SchedInputError(path: "/tmp", line: 1, message: "is a directory")) { try TaskSetFile.load(path: "/tmp") }
    }

    // Limits (issue 11): nesting, size and task count are bounded before anything grows with them.

    /// Nested 7,000 deep, Yams' recursive composer overflowed the stack (SIGSEGV). Flow brackets, block
    /// mappings and block sequences are all counted, before Yams builds its tree.
    @Test func nestingIsBoundedBeforeYamsRecurses() {
        let limit = TaskSetFile.nestingLimit
        #expect(limit == 64)
        expectError("tasks: " + String(repeating: "[", count: 7000) + String(repeating: "]", count: 7000) + "\n", line: 1,
                    "nesting deeper than 64 levels")
        var block = "tasks:\n"
        for level in 1...1000 { block += String(repeating: " ", count: level) + "a:\n" }
        // `tasks` is level 1 and each `a:` opens one more mapping: the 65th mapping starts on line 65.
        expectError(block, line: 65, "nesting deeper than 64 levels")
        expectError("tasks:\n" + String(repeating: "- ", count: 7000) + "x\n", line: 2, "nesting deeper than 64 levels")
        // Exactly at the limit it is the task-set checks that answer, not the nesting bound.
        let atLimit = "tasks: " + String(repeating: "[", count: limit - 1) + String(repeating: "]", count: limit - 1) + "\n"
        guard let error = parseError(atLimit) else { return }
        #expect(!error.message.contains("nesting"), "\(error)")
    }

    @Test func sizeIsBounded() {
        let padding = String(repeating: "#", count: TaskSetFile.sizeLimit) + "\n"
        expectError(padding + "tasks:\n  - {name: a, wcet: 1ms, period: 2ms}\n", line: 1, "larger than 1048576 bytes (1 MiB)")
        #expect(throws: SchedInputError(path: "b.yaml", line: 1, message: "larger than 1048576 bytes (1 MiB), the limit for a task-set file")) {
            try TaskSetFile.parse(bytes: Array(padding.utf8), path: "b.yaml")
        }
        #expect(throws: SchedInputError(path: "b.yaml", line: 1, message: "not UTF-8 text")) {
            try TaskSetFile.parse(bytes: [0x74, 0xFF, 0x3A], path: "b.yaml")
        }
        #expect((try? TaskSetFile.parse(bytes: Array("tasks:\n  - {name: a, wcet: 1ms, period: 2ms}\n".utf8), path: "b.yaml"))?.tasks.count == 1)
    }

    /// 10,000 tasks took 15.8 s to analyse; the file may hold at most 1,000.
    @Test func taskCountIsBounded() throws {
        func file(_ count: Int) -> String {
            var text = "tasks:\n"
            for k in 0..<count { text += "  - {name: t\(k), wcet: 1us, period: 10s}\n" }
            return text
        }
        #expect(try TaskSetFile.parse(file(TaskSetFile.taskLimit), path: "t.yaml").tasks.count == 1_000)
        expectError(file(TaskSetFile.taskLimit + 1), line: 1, "more than 1000 tasks")
    }

    /// A device or a FIFO is not read (/dev/zero never ends; a FIFO without a writer blocks forever).
    @Test func onlyRegularFilesAreRead() throws {
        #expect(throws: SchedInputError(path: "/dev/zero", line: 1, message: "not a regular file (a FIFO, socket or device cannot be a task-set file)")) {
            try TaskSetFile.load(path: "/dev/zero")
        }
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("sched-fifo-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        #expect(throws: SchedInputError(path: fifo, line: 1, message: "not a regular file (a FIFO, socket or device cannot be a task-set file)")) {
            try TaskSetFile.load(path: fifo)
        }
    }

    // Names (issue 11): nothing in a name can forge an output line or reach the terminal as an escape.

    @Test func namesWithControlCharactersAreRefused() {
        expectError("tasks:\n  - {name: \"a\\nverdict: schedulable\", wcet: 1ms, period: 2ms}\n", line: 2,
                    "task name contains a control character (U+000A)")
        expectError("tasks:\n  - name: \"\\e[2Jx\"\n    wcet: 1ms\n    period: 2ms\n", line: 2, "task name contains a control character (U+001B)")
        expectError("tasks:\n  - {name: \"a\\tb\", wcet: 1ms, period: 2ms}\n", line: 2, "task name contains a control character (U+0009)")
        expectError("tasks:\n  - {name: \"a\\u202Eb\", wcet: 1ms, period: 2ms}\n", line: 2, "task name contains a control character (U+202E)")
        expectError("tasks:\n  - {name: \"a\\x85b\", wcet: 1ms, period: 2ms}\n", line: 2, "task name contains a control character (U+0085)")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 2ms\n    resources: {\"b\\rus\": 1us}\n", line: 5,
                    "resource name contains a control character (U+000D)")
    }

    @Test func nullAndNonStringNamesAreRefused() throws {
        expectError("tasks:\n  - {name: ~, wcet: 1ms, period: 2ms}\n", line: 2, "task name is null ('~')")
        expectError("tasks:\n  - name: null\n    wcet: 1ms\n    period: 2ms\n", line: 2, "task name is null ('null')")
        expectError("tasks:\n  - name:\n    wcet: 1ms\n    period: 2ms\n", line: 2, "task name is null")
        expectError("tasks:\n  - {name: 12, wcet: 1ms, period: 2ms}\n", line: 2, "task name '12' is not a string; put it in quotes")
        expectError("tasks:\n  - {name: true, wcet: 1ms, period: 2ms}\n", line: 2, "task name 'true' is not a string")
        expectError("tasks:\n  - {name: a, wcet: 1ms, period: 2ms, resources: {~: 1us}}\n", line: 2, "resource name is null")
        // Quoted, the same text is a name.
        let spec = try TaskSetFile.parse("tasks:\n  - {name: \"~\", wcet: 1ms, period: 2ms}\n  - {name: '12', wcet: 1ms, period: 4ms}\n", path: "t.yaml")
        #expect(spec.tasks.map(\.name) == ["~", "12"])
    }

    /// A merge key is refused where it is used (it was reported at the anchor's line, far from the use).
    @Test func mergeKeysAreRefusedWhereUsed() {
        expectError("tasks:\n  - &base {name: a, wcet: 1ms, period: 5ms}\n  - <<: *base\n    name: b\n", line: 3, "merge keys ('<<') are not supported")
        expectError("tasks:\n  - name: a\n    wcet: 1ms\n    period: 5ms\n    resources: &r {bus: 1us}\n  - name: b\n    wcet: 1ms\n    period: 5ms\n    resources:\n      <<: *r\n",
                    line: 10, "merge keys ('<<') are not supported")
    }

    /// Error messages quote the file; what they quote is escaped, never printed raw.
    @Test func errorMessagesEscapeControlCharacters() {
        expectError("tasks:\n  - {name: a, wcet: 1ms, period: 2ms, \"\\e[31mx\\ny\": 1}\n", line: 2, "unknown key '\\u{1B}[31mx\\u{A}y' in a task")
    }

    /// Priorities: all or none (then deadline-monotonic), unless an assignment is asked for.
    @Test func mixedPrioritiesAreRejectedAtTheTask() throws {
        let spec = try TaskSetFile.parse("tasks:\n  - {name: a, wcet: 1ms, period: 4ms, priority: 3}\n  - {name: b, wcet: 1ms, period: 5ms}\n", path: "m.yaml")
        #expect(throws: SchedInputError(path: "m.yaml", line: 3,
                                        message: "task 'b' has no priority while others do: give every task a priority, or none (deadline-monotonic), or pass --assign")) {
            try SchedAnalyzer.analyze(spec)
        }
        #expect(try SchedAnalyzer.analyze(spec, assignment: .dm).priorities == .deadlineMonotonic)
        #expect(throws: SchedInputError.self) { try SchedAnalyzer.analyze(spec, policy: .edf, assignment: .dm) }
        #expect(try SchedAnalyzer.analyze(spec, policy: .edf).schedulable)
    }
}
