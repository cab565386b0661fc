// Task-set files: what a good file reads as, and each kind of bad input reported at its file and line.

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
