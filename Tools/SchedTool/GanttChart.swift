// An SVG Gantt chart of a simulation: one lane per task with its executions, critical sections, releases
// and deadlines; late execution and missed deadlines in red; a time axis. Self-contained SVG 1.1.

import HostText
import RealTime

/// Draws simulations.
public enum GanttChart {
    /// The most jobs a chart draws (about 12 MB of SVG; 2,000,000 jobs made a 1.2 GB file).
    public static let maximumJobs = 20_000
    static let palette = ["#4e79a7", "#59a14f", "#f28e2b", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#8cd17d"]
    static let missColor = "#d62728"
    static let left = 150.0
    static let right = 40.0
    static let top = 84.0
    static let laneHeight = 46.0
    static let barHeight = 20.0

    /// The chart of `run` as SVG text.
    public static func svg(_ run: SimulationRun) -> String {
        let spec = run.spec
        let result = run.result
        let until = max(run.untilNs, 1)
        let shortestPeriod = spec.tasks.map(\.periodNs).min() ?? until
        // About 40 px for the shortest period, within 960 ... 8000 px.
        let width = min(max(960.0, 40.0 * Double(until) / Double(max(shortestPeriod, 1))), 8000.0)
        let height = top + laneHeight * Double(spec.tasks.count) + 56
        let total = left + width + right
        func x(_ t: UInt64) -> Double { left + Double(min(t, until)) * width / Double(until) }

        // Jobs by task and number, for deadlines and misses.
        var jobs = [[JobRecord]](repeating: [], count: spec.tasks.count)
        for job in result.jobs { jobs[job.task].append(job) }
        func record(_ task: Int, _ job: Int) -> JobRecord? { job < jobs[task].count ? jobs[task][job] : nil }

        var svg = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(n(total))" height="\(n(height))" viewBox="0 0 \(n(total)) \(n(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
        <defs>
        <pattern id="section" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="2.5" height="6" fill="#000000" fill-opacity="0.35"/></pattern>
        </defs>
        <rect x="0" y="0" width="\(n(total))" height="\(n(height))" fill="#ffffff"/>

        """
        let misses = result.totalMisses
        let title = "\(spec.path) — \(run.policy == .fp ? "fixed priority" : "EDF"), \(Durations.format(run.untilNs)), seed \(run.seed): "
            + (misses == 0 ? "no deadline misses" : "\(misses) deadline miss\(misses == 1 ? "" : "es")")
        svg += "<text x=\"\(n(left))\" y=\"22\" font-size=\"15\" font-weight=\"bold\" fill=\"\(misses == 0 ? "#222222" : missColor)\">\(HostText.xmlEscaped(title))</text>\n"
        svg += legend(y: 44)

        // Lanes.
        for (i, task) in spec.tasks.enumerated() {
            let laneTop = top + laneHeight * Double(i)
            let barTop = laneTop + laneHeight - barHeight - 8
            let baseline = barTop + barHeight
            let color = palette[i % palette.count]
            svg += "<g class=\"lane\" id=\"lane-\(i)\" data-task=\"\(HostText.xmlEscaped(task.name))\">\n"
            svg += "<rect x=\"\(n(left))\" y=\"\(n(laneTop))\" width=\"\(n(width))\" height=\"\(n(laneHeight))\" fill=\"\(i % 2 == 0 ? "#f7f7f7" : "#ffffff")\"/>\n"
            let priority = run.priorities.map { " (prio \($0[i]))" } ?? ""
            svg += "<text x=\"\(n(left - 8))\" y=\"\(n(baseline - 4))\" text-anchor=\"end\">\(HostText.xmlEscaped(task.name + priority))</text>\n"
            svg += "<line x1=\"\(n(left))\" y1=\"\(n(baseline))\" x2=\"\(n(left + width))\" y2=\"\(n(baseline))\" stroke=\"#999999\" stroke-width=\"0.5\"/>\n"

            // Executions: from start/resume to preempt/finish, red after a missed deadline.
            var openAt: UInt64?
            var openJob = 0
            var lockedAt: UInt64?
            for e in result.trace where e.task == i {
                switch e.kind {
                case .start, .resume:
                    openAt = e.timeNs
                    openJob = e.job
                case .preempt, .finish:
                    if let s = openAt { svg += execution(s, e.timeNs, record(i, e.job), color, barTop, x, "\(task.name)#\(e.job)") }
                    openAt = nil
                case .lock: lockedAt = e.timeNs
                case .unlock(let r):
                    if let l = lockedAt { svg += section(l, e.timeNs, spec.resourceNames[Int(r)], barTop, x, preemptions: result.trace, task: i) }
                    lockedAt = nil
                default: break
                }
            }
            if let s = openAt {
                svg += execution(s, max(result.endNs, s), record(i, openJob), color, barTop, x, "\(task.name)#\(openJob) (running at the end)")
            }
            if let l = lockedAt {
                svg += section(l, max(result.endNs, l), "held at the end", barTop, x, preemptions: result.trace, task: i)
            }
            // Releases (arrows up) and deadlines (marks down).
            for job in jobs[i] {
                if job.releaseNs <= run.untilNs {
                    let rx = x(job.releaseNs)
                    if job.arrivalNs != job.releaseNs {
                        svg += "<line x1=\"\(n(x(job.arrivalNs)))\" y1=\"\(n(baseline + 4))\" x2=\"\(n(rx))\" y2=\"\(n(baseline + 4))\" stroke=\"#555555\" stroke-dasharray=\"2,2\"><title>jitter \(Durations.format(job.releaseNs - job.arrivalNs))</title></line>\n"
                    }
                    svg += "<g class=\"release\"><line x1=\"\(n(rx))\" y1=\"\(n(baseline + 6))\" x2=\"\(n(rx))\" y2=\"\(n(barTop - 8))\" stroke=\"#333333\" stroke-width=\"1.2\"/>"
                    svg += "<polygon points=\"\(n(rx - 3.5)),\(n(barTop - 4)) \(n(rx + 3.5)),\(n(barTop - 4)) \(n(rx)),\(n(barTop - 11))\" fill=\"#333333\"/>"
                    svg += "<title>\(HostText.xmlEscaped(task.name))#\(job.job) released at \(Durations.format(job.releaseNs))</title></g>\n"
                }
                if job.deadlineNs <= run.untilNs {
                    let dx = x(job.deadlineNs)
                    let stroke = job.missed ? missColor : "#333333"
                    svg += "<g class=\"\(job.missed ? "deadline miss" : "deadline")\"><line x1=\"\(n(dx))\" y1=\"\(n(barTop - 10))\" x2=\"\(n(dx))\" y2=\"\(n(baseline + 2))\" stroke=\"\(stroke)\" stroke-width=\"\(job.missed ? 2 : 1.2)\"/>"
                    svg += "<polygon points=\"\(n(dx - 4)),\(n(baseline - 5)) \(n(dx + 4)),\(n(baseline - 5)) \(n(dx)),\(n(baseline + 2))\" fill=\"\(stroke)\"/>"
                    if job.missed {
                        svg += "<path d=\"M\(n(dx - 5)),\(n(barTop - 16)) l10,10 M\(n(dx + 5)),\(n(barTop - 16)) l-10,10\" stroke=\"\(missColor)\" stroke-width=\"2\"/>"
                    }
                    svg += "<title>\(HostText.xmlEscaped(task.name))#\(job.job) deadline \(Durations.format(job.deadlineNs))\(job.missed ? " MISSED" : "")</title></g>\n"
                }
            }
            svg += "</g>\n"
        }
        svg += axis(until: until, width: width, y: top + laneHeight * Double(spec.tasks.count), x: x)
        svg += "</svg>\n"
        return svg
    }

    /// A bar from s to e; the part after the job's deadline is red when the job missed it.
    static func execution(_ s: UInt64, _ e: UInt64, _ job: JobRecord?, _ color: String, _ y: Double, _ x: (UInt64) -> Double,
                          _ label: String) -> String {
        guard e > s else { return "" }
        var out = ""
        let late = job.map { $0.missed ? $0.deadlineNs : UInt64.max } ?? UInt64.max
        let tip = "\(label) \(Durations.format(s))–\(Durations.format(e))"
        if s < min(e, late) {
            out += "<rect class=\"exec\" x=\"\(n(x(s)))\" y=\"\(n(y))\" width=\"\(n(max(x(min(e, late)) - x(s), 0.5)))\" height=\"\(n(barHeight))\" fill=\"\(color)\" stroke=\"#222222\" stroke-width=\"0.5\"><title>\(HostText.xmlEscaped(tip))</title></rect>\n"
        }
        if e > late {
            let from = max(s, late)
            out += "<rect class=\"exec late\" x=\"\(n(x(from)))\" y=\"\(n(y))\" width=\"\(n(max(x(e) - x(from), 0.5)))\" height=\"\(n(barHeight))\" fill=\"\(missColor)\" stroke=\"#222222\" stroke-width=\"0.5\"><title>\(HostText.xmlEscaped(tip)) (late)</title></rect>\n"
        }
        return out
    }

    /// Hatching over a critical section (split around any preemption inside it).
    static func section(_ l: UInt64, _ u: UInt64, _ name: String, _ y: Double, _ x: (UInt64) -> Double,
                        preemptions trace: [JobEvent], task: Int) -> String {
        // Running stretches of the task inside [l, u).
        var out = ""
        var from: UInt64? = l
        for e in trace where e.task == task && e.timeNs >= l && e.timeNs <= u {
            switch e.kind {
            case .preempt:
                if let f = from, e.timeNs > f { out += hatch(f, e.timeNs, name, y, x) }
                from = nil
            case .resume: from = e.timeNs
            default: break
            }
        }
        if let f = from, u > f { out += hatch(f, u, name, y, x) }
        return out
    }

    static func hatch(_ s: UInt64, _ e: UInt64, _ name: String, _ y: Double, _ x: (UInt64) -> Double) -> String {
        "<rect class=\"section\" x=\"\(n(x(s)))\" y=\"\(n(y))\" width=\"\(n(max(x(e) - x(s), 0.5)))\" height=\"\(n(barHeight))\" fill=\"url(#section)\"><title>\(HostText.xmlEscaped(name)) locked \(Durations.format(s))–\(Durations.format(e))</title></rect>\n"
    }

    static func legend(y: Double) -> String {
        var out = "<g class=\"legend\" font-size=\"11\">\n"
        var lx = left
        out += "<rect x=\"\(n(lx))\" y=\"\(n(y))\" width=\"18\" height=\"10\" fill=\"\(palette[0])\" stroke=\"#222222\" stroke-width=\"0.5\"/><text x=\"\(n(lx + 24))\" y=\"\(n(y + 9))\">executing</text>\n"
        lx += 100
        out += "<rect x=\"\(n(lx))\" y=\"\(n(y))\" width=\"18\" height=\"10\" fill=\"\(palette[0])\"/><rect x=\"\(n(lx))\" y=\"\(n(y))\" width=\"18\" height=\"10\" fill=\"url(#section)\"/><text x=\"\(n(lx + 24))\" y=\"\(n(y + 9))\">critical section</text>\n"
        lx += 130
        out += "<line x1=\"\(n(lx + 6))\" y1=\"\(n(y + 12))\" x2=\"\(n(lx + 6))\" y2=\"\(n(y))\" stroke=\"#333333\" stroke-width=\"1.2\"/><polygon points=\"\(n(lx + 2.5)),\(n(y + 4)) \(n(lx + 9.5)),\(n(y + 4)) \(n(lx + 6)),\(n(y - 3))\" fill=\"#333333\"/><text x=\"\(n(lx + 16))\" y=\"\(n(y + 9))\">release</text>\n"
        lx += 80
        out += "<line x1=\"\(n(lx + 6))\" y1=\"\(n(y - 2))\" x2=\"\(n(lx + 6))\" y2=\"\(n(y + 11))\" stroke=\"#333333\" stroke-width=\"1.2\"/><polygon points=\"\(n(lx + 2)),\(n(y + 4)) \(n(lx + 10)),\(n(y + 4)) \(n(lx + 6)),\(n(y + 11))\" fill=\"#333333\"/><text x=\"\(n(lx + 16))\" y=\"\(n(y + 9))\">deadline</text>\n"
        lx += 86
        out += "<rect x=\"\(n(lx))\" y=\"\(n(y))\" width=\"18\" height=\"10\" fill=\"\(missColor)\"/><text x=\"\(n(lx + 24))\" y=\"\(n(y + 9))\" fill=\"\(missColor)\">missed deadline / late execution</text>\n"
        return out + "</g>\n"
    }

    /// The time axis with ticks at a round step (1, 2 or 5 × 10^k ns) and labels.
    static func axis(until: UInt64, width: Double, y: Double, x: (UInt64) -> Double) -> String {
        var out = "<g class=\"axis\">\n<line x1=\"\(n(left))\" y1=\"\(n(y + 4))\" x2=\"\(n(left + width))\" y2=\"\(n(y + 4))\" stroke=\"#222222\"/>\n"
        let step = niceStep(until: until, width: width)
        var t: UInt64 = 0
        while t <= until {
            let tx = x(t)
            out += "<line x1=\"\(n(tx))\" y1=\"\(n(y + 4))\" x2=\"\(n(tx))\" y2=\"\(n(y + 10))\" stroke=\"#222222\"/>"
            out += "<line x1=\"\(n(tx))\" y1=\"\(n(top))\" x2=\"\(n(tx))\" y2=\"\(n(y + 4))\" stroke=\"#dddddd\" stroke-width=\"0.5\"/>"
            out += "<text x=\"\(n(tx))\" y=\"\(n(y + 24))\" text-anchor=\"middle\">\(Durations.format(t))</text>\n"
            let (next, overflow) = t.addingReportingOverflow(step)
            if overflow { break }
            t = next
        }
        out += "<text x=\"\(n(left + width))\" y=\"\(n(y + 42))\" text-anchor=\"end\" fill=\"#555555\">time</text>\n"
        return out + "</g>\n"
    }

    /// A round tick step giving ticks at least ~70 px apart.
    static func niceStep(until: UInt64, width: Double) -> UInt64 {
        let ticks = max(1.0, width / 70.0)
        let raw = max(1.0, Double(until) / ticks)
        var magnitude: UInt64 = 1
        while Double(magnitude) * 10 <= raw { magnitude *= 10 }
        for m: UInt64 in [1, 2, 5, 10] where Double(magnitude * m) >= raw { return magnitude * m }
        return magnitude * 10
    }

    /// A coordinate with at most two decimals.
    static func n(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

}
