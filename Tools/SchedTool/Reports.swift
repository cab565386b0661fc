// Text tables and JSON for the analysis and the simulation.

import RealTime

/// Renders reports.
public enum SchedReports {
    // MARK: Analysis

    /// The analysis as a table per task and a verdict.
    public static func text(_ report: AnalysisReport) -> String {
        var out = "\(report.path): \(report.policy == .fp ? "fixed priority" : "EDF"), \(report.tasks.count) task\(report.tasks.count == 1 ? "" : "s"), U = \(fixed(report.utilization, 3))"
        if let bound = report.liuLaylandBound {
            out += " (Liu & Layland bound \(fixed(bound, 3)): \(report.liuLaylandPass! ? "within" : "above"); hyperbolic bound: \(report.hyperbolicPass! ? "within" : "above"))"
        }
        out += "\n"
        switch report.priorities {
        case .deadlineMonotonic: out += "priorities: deadline-monotonic (assigned)\n"
        case .audsley: out += "priorities: Audsley's optimal assignment\n"
        case .audsleyFailed, .file, .none: break
        }
        var rows: [[String]]
        if report.policy == .fp {
            rows = [["TASK", "C", "T", "D", "J", "PRIO", "B", "WCRT", "SLACK", "OK"]]
            for t in report.tasks {
                rows.append([t.name, Durations.format(t.wcetNs), Durations.format(t.periodNs), Durations.format(t.deadlineNs),
                             Durations.format(t.jitterNs), t.priority.map(String.init) ?? "-", Durations.format(t.blockingNs),
                             t.wcrtNs.map(Durations.format) ?? "unbounded", t.slackNs.map { Durations.format(signed: $0) } ?? "-",
                             t.schedulable ? "yes" : "NO"])
            }
        } else {
            rows = [["TASK", "C", "T", "D", "J", "DEMAND", "C SLACK"]]
            for t in report.tasks {
                rows.append([t.name, Durations.format(t.wcetNs), Durations.format(t.periodNs), Durations.format(t.deadlineNs),
                             Durations.format(t.jitterNs), t.demandOK == true ? "ok" : "FAILS", t.wcetSlackNs.map { "+" + Durations.format($0) } ?? "-"])
            }
        }
        out += table(rows)
        for note in report.notes { out += "note: \(note)\n" }
        out += "verdict: "
        if report.schedulable {
            out += "schedulable"
            if let s = report.scalingFactor { out += " (every WCET can be scaled by up to ×\(fixed(s, 3)))" }
        } else {
            out += "NOT schedulable"
            if report.policy == .fp {
                let late = report.tasks.filter { !$0.schedulable }.map { t in
                    t.wcrtNs.map { "\(t.name) responds in \(Durations.format($0)), \(Durations.format($0 - min($0, t.deadlineNs))) after its deadline" }
                        ?? "\(t.name) has no bounded response time"
                }
                out += ": " + late.joined(separator: "; ")
            } else if let t = report.failingTimeNs, let h = report.demandNs {
                let b = report.blockingNs ?? 0
                out += ": in an interval of \(Durations.format(t)) the demand is \(Durations.format(h))"
                if b > 0 { out += " plus \(Durations.format(b)) blocking" }
                out += ", \(Durations.format(h + b - t)) more than fits"
            }
            if let s = report.scalingFactor, s > 0 { out += " (every WCET would have to shrink to ×\(fixed(s, 3)))" }
        }
        return out + "\n"
    }

    /// The analysis as JSON (the shape docs/SCHED.md gives).
    public static func json(_ report: AnalysisReport, includeFile: Bool = false) -> JSON {
        var pairs: [(String, JSON)] = []
        if includeFile { pairs.append(("file", .string(report.path))) }
        pairs += [
            ("policy", .string(report.policy.rawValue)),
            ("schedulable", .bool(report.schedulable)),
            ("utilization", .number(report.utilization)),
        ]
        if report.policy == .edf {
            pairs += [("demand_ok", .bool(report.schedulable)), ("failing_time_ns", .uint(report.failingTimeNs)),
                      ("demand_ns", .uint(report.demandNs)), ("busy_period_ns", .uint(report.busyPeriodNs))]
        } else {
            pairs.append(("priorities", .string(report.priorities.rawValue)))
        }
        pairs.append(("scaling_factor", report.scalingFactor.map { .number($0) } ?? .null))
        pairs.append(("engine", .string(report.engine)))
        pairs.append(("tasks", .array(report.tasks.map { t in
            var task: [(String, JSON)] = [
                ("name", .string(t.name)),
                ("wcrt_ns", .uint(t.wcrtNs)),
                ("deadline_ns", .uint(t.deadlineNs)),
                ("schedulable", .bool(t.schedulable)),
                ("wcet_ns", .uint(t.wcetNs)),
                ("period_ns", .uint(t.periodNs)),
                ("jitter_ns", .uint(t.jitterNs)),
            ]
            if report.policy == .fp {
                task += [("priority", t.priority.map { .int(Int64($0)) } ?? .null), ("blocking_ns", .uint(t.blockingNs)),
                         ("slack_ns", t.slackNs.map { .int($0) } ?? .null)]
            } else {
                task += [("demand_ok", .bool(t.demandOK ?? false)), ("wcet_slack_ns", .uint(t.wcetSlackNs))]
            }
            return .object(task)
        })))
        if !report.notes.isEmpty { pairs.append(("notes", .array(report.notes.map { .string($0) }))) }
        return .object(pairs)
    }

    // MARK: Simulation

    /// The simulation as a table per task and a summary.
    public static func text(_ run: SimulationRun) -> String {
        let r = run.result
        var out = "\(run.spec.path): simulated \(run.policy == .fp ? "fixed priority" : "EDF") for \(Durations.format(run.untilNs)) (seed \(run.seed))"
        out += ", processor busy \(percent(r.busyNs, run.untilNs)), \(r.contextSwitches) context switches\n"
        var rows = [["TASK", "JOBS", "DONE", "MISSED", "BEST R", "WORST R", "BOUND", "D", "PREEMPTED"]]
        for (i, task) in run.spec.tasks.enumerated() {
            let s = r.tasks[i]
            rows.append([task.name, String(s.released), String(s.finished), String(s.missed),
                         s.bestResponseNs.map(Durations.format) ?? "-", s.worstResponseNs.map(Durations.format) ?? "-",
                         run.policy == .fp ? (run.boundsNs[i].map(Durations.format) ?? "unbounded") : "-",
                         Durations.format(task.deadlineNs), String(s.preemptions)])
        }
        out += table(rows)
        if r.protocolViolations > 0 { out += "warning: \(r.protocolViolations) stack-resource-policy violations (a simulator defect; please report)\n" }
        let misses = r.totalMisses
        out += misses == 0 ? "no deadline misses" : "\(misses) deadline miss\(misses == 1 ? "" : "es")"
        out += " (the analysis says \(run.analysisSchedulable ? "schedulable" : "not schedulable"))\n"
        return out
    }

    /// A trace line per event.
    public static func traceText(_ run: SimulationRun) -> String {
        var out = ""
        for e in run.result.trace {
            out += "\(Durations.format(e.timeNs))\t\(run.spec.tasks[e.task].name)#\(e.job)\t\(eventName(e.kind, run.spec))\n"
        }
        return out
    }

    static func eventName(_ kind: JobEvent.Kind, _ spec: TaskSetSpec) -> String {
        switch kind {
        case .release: return "release"
        case .start: return "start"
        case .preempt: return "preempt"
        case .resume: return "resume"
        case .lock(let r): return "lock " + spec.resourceNames[Int(r)]
        case .unlock(let r): return "unlock " + spec.resourceNames[Int(r)]
        case .finish: return "finish"
        case .deadlineMiss: return "deadline-miss"
        }
    }

    /// The simulation as JSON; with `trace`, every event too.
    public static func json(_ run: SimulationRun, trace: Bool) -> JSON {
        let r = run.result
        var pairs: [(String, JSON)] = [
            ("file", .string(run.spec.path)),
            ("policy", .string(run.policy.rawValue)),
            ("until_ns", .uint(run.untilNs)),
            ("seed", .uint(run.seed)),
            ("misses", .int(Int64(r.totalMisses))),
            ("analysis_schedulable", .bool(run.analysisSchedulable)),
            ("busy_ns", .uint(r.busyNs)),
            ("context_switches", .int(Int64(r.contextSwitches))),
            ("tasks", .array(run.spec.tasks.enumerated().map { i, task in
                let s = r.tasks[i]
                return .object([
                    ("name", .string(task.name)),
                    ("released", .int(Int64(s.released))),
                    ("finished", .int(Int64(s.finished))),
                    ("misses", .int(Int64(s.missed))),
                    ("worst_response_ns", .uint(s.worstResponseNs)),
                    ("best_response_ns", .uint(s.bestResponseNs)),
                    ("wcrt_bound_ns", run.policy == .fp ? .uint(run.boundsNs[i]) : .null),
                    ("deadline_ns", .uint(task.deadlineNs)),
                    ("preemptions", .int(Int64(s.preemptions))),
                ])
            })),
        ]
        if trace {
            pairs.append(("events", .array(r.trace.map { e in
                .object([("time_ns", .uint(e.timeNs)), ("task", .string(run.spec.tasks[e.task].name)), ("job", .int(Int64(e.job))),
                         ("event", .string(eventName(e.kind, run.spec)))])
            })))
        }
        return .object(pairs)
    }

    // MARK: Helpers

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for row in rows { for (k, cell) in row.enumerated() { widths[k] = max(widths[k], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (k, cell) in row.enumerated() {
                line += cell
                if k + 1 < row.count { line += String(repeating: " ", count: widths[k] - cell.count + 2) }
            }
            out += line + "\n"
        }
        return out
    }

    /// `value` rounded to `digits` decimals (0 ... 9), for tables.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        let digits = min(max(digits, 0), 9)
        guard value.isFinite else { return "\(value)" }
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (Swift.abs(value) * Double(scale)).rounded()
        guard scaled < 9e18 else { return "\(value)" }
        let units = UInt64(scaled)
        var out = (value < 0 && units != 0 ? "-" : "") + String(units / scale)
        if digits > 0 {
            let fraction = String(units % scale)
            out += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return out
    }

    static func percent(_ part: UInt64, _ whole: UInt64) -> String {
        fixed(Double(part) / Double(max(whole, 1)) * 100, 1) + "%"
    }
}
