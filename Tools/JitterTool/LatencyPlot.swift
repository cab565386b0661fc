// OSADL-style latency plots as SVG: latency on a linear x axis, the number of samples on a logarithmic y axis,
// one step line per measuring thread (of every file plotted) and a dashed line at each thread's maximum.

import HostText
import Foundation
import RealTime

/// Latency plots of cyclictest histograms.
public enum LatencyPlot {
    /// One line of the plot: a thread's buckets.
    public struct Series: Equatable, Sendable {
        /// What the legend calls it (e.g. `run1.txt T0`).
        public var label: String
        /// Samples per bucket: `counts[i]` samples had a latency of `i` units.
        public var counts: [UInt64]
        /// The largest latency seen, which may lie beyond the buckets.
        public var maximum: UInt64
        /// Samples beyond the buckets (not drawn, reported in the legend).
        public var overflows: UInt64

        public init(label: String, counts: [UInt64], maximum: UInt64, overflows: UInt64) {
            self.label = label
            self.counts = counts
            self.maximum = maximum
            self.overflows = overflows
        }

        /// Whether the thread took any sample (otherwise it has no maximum to mark).
        public var hasSamples: Bool { overflows > 0 || counts.contains { $0 > 0 } }

        /// The legend text: the label, the maximum and any overflows.
        public func legend(unit: LatencyUnit = .microseconds) -> String {
            guard hasSamples else { return "\(label) (no samples)" }
            var text = "\(label) (max \(maximum) \(LatencyPlot.symbol(unit))"
            if overflows > 0 { text += ", \(overflows) overflow\(overflows == 1 ? "" : "s")" }
            return text + ")"
        }
    }

    /// The series of `file`: one per thread, labelled `name T0`, `name T1`, ... (the -H sum column is left out).
    public static func series(from file: LatencyHistogramFile, name: String) -> [Series] {
        file.threads.enumerated().map { index, thread in
            Series(label: "\(name) T\(index)", counts: thread.counts, maximum: thread.maximum, overflows: thread.overflows)
        }
    }

    /// Reads and parses the histogram files at `paths` and plots all their threads; the title defaults to
    /// one naming the files. Errors name the file (and line) at fault: `path: cannot read: reason`,
    /// `path:line: what is wrong`.
    public static func plotFiles(_ paths: [String], title: String?, unit: LatencyUnit = .microseconds) throws(JitterToolError) -> String {
        guard !paths.isEmpty else { throw JitterToolError(message: "no histogram files to plot") }
        var all: [Series] = []
        for path in paths {
            let file = try LatencyHistogramFile(contentsOfFile: path)
            all += series(from: file, name: path)
        }
        return svg(all, title: title ?? "Latency plot of \(paths.joined(separator: ", "))", unit: unit)
    }

    /// The line colours, in order (Tableau 10); after ten series they repeat with a dash pattern.
    public static let palette = ["#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
                                 "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC"]

    /// The geometry of a plot (in SVG user units, y growing downwards).
    public struct Layout: Equatable, Sendable {
        public var width = 1000.0
        public var plotLeft = 90.0
        public var plotRight = 970.0
        public var plotTop = 60.0
        public var plotBottom = 460.0
        /// Where the first legend entry is, and the distance between entries.
        public var legendTop = 535.0
        public var legendStep = 22.0
        public init() {}
    }

    /// The axes of a plot: latency `0 ... xEnd` with a tick every `xStep`, and decades `10^0 ... 10^decades`
    /// of samples (the first power of ten above the largest count), the axis starting a little below 1 so that
    /// single samples stand clear of it.
    public struct Scale: Equatable, Sendable {
        public var layout: Layout
        public var xEnd: UInt64
        public var xStep: UInt64
        public var decades: Int
        /// log10 of the bottom of the y axis.
        public static let logBottom = -0.1

        /// The scale that shows every bucket with samples and every maximum within the buckets of `series`.
        ///
        /// A maximum beyond its buckets (an overflow) widens the axis up to twice what the buckets need; one
        /// further out (a single outlier would squeeze the whole distribution against the y axis) is left
        /// off the scale and marked at its right edge instead.
        public init(for series: [Series], layout: Layout = Layout()) {
            self.layout = layout
            var reach: UInt64 = 1
            var largest: UInt64 = 1
            for s in series where s.hasSamples {
                if let last = s.counts.lastIndex(where: { $0 > 0 }) { reach = max(reach, UInt64(last) + 1) }
                if s.maximum < UInt64(s.counts.count) { reach = max(reach, s.maximum + 1) }
                largest = max(largest, s.counts.max() ?? 0)
            }
            if reach == 1 {
                // No sample in any bucket: the buckets themselves set the scale.
                reach = max(1, UInt64(series.map(\.counts.count).max() ?? 1))
            }
            let limit = reach.multipliedReportingOverflow(by: 2).partialValue
            for s in series where s.hasSamples && s.maximum >= UInt64(s.counts.count) && s.maximum < limit {
                reach = max(reach, s.maximum + 1)
            }
            xStep = LatencyPlot.niceStep(for: reach)
            xEnd = (reach + xStep - 1) / xStep * xStep
            var decades = 1
            var power: UInt64 = 10
            while power <= largest {   // a decade above the largest count, so no line runs along the frame
                decades += 1
                let (next, wrapped) = power.multipliedReportingOverflow(by: 10)
                if wrapped { break }
                power = next
            }
            self.decades = decades
        }

        /// The x coordinate of a latency.
        public func x(_ latency: Double) -> Double {
            layout.plotLeft + latency / Double(xEnd) * (layout.plotRight - layout.plotLeft)
        }

        /// The y coordinate of a (non-zero) number of samples.
        public func y(_ count: Double) -> Double {
            let fraction = (log10(count) - Self.logBottom) / (Double(decades) - Self.logBottom)
            return layout.plotBottom - fraction * (layout.plotBottom - layout.plotTop)
        }
    }

    /// The SVG document plotting `series` under `title`, latencies in `unit`.
    public static func svg(_ series: [Series], title: String, unit: LatencyUnit = .microseconds) -> String {
        let layout = Layout()
        let scale = Scale(for: series, layout: layout)
        let height = layout.legendTop + Double(max(series.count, 1)) * layout.legendStep + 10
        let left = layout.plotLeft, right = layout.plotRight, top = layout.plotTop, bottom = layout.plotBottom
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(number(layout.width))" height="\(number(height))" \
        viewBox="0 0 \(number(layout.width)) \(number(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">
        <title>\(HostText.xmlEscaped(title))</title>
        <rect x="0" y="0" width="\(number(layout.width))" height="\(number(height))" fill="#FFFFFF"/>
        <text class="title" x="\(number((left + right) / 2))" y="34" text-anchor="middle" font-size="20" font-weight="bold">\(HostText.xmlEscaped(title))</text>

        """

        // Grid and ticks: decades (with faint 2..9 lines) and latency steps.
        out += "<g class=\"grid\" stroke=\"#E4E4E4\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n"
        for decade in 0..<scale.decades {
            for factor in 2...9 {
                let y = scale.y(Double(factor) * pow(10, Double(decade)))
                out += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(right))\" y2=\"\(number(y))\" stroke=\"#F2F2F2\"/>\n"
            }
        }
        for decade in 0...scale.decades {
            let y = scale.y(pow(10, Double(decade)))
            out += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(right))\" y2=\"\(number(y))\"/>\n"
        }
        var tick: UInt64 = 0
        while tick <= scale.xEnd {
            let x = scale.x(Double(tick))
            out += "<line x1=\"\(number(x))\" y1=\"\(number(top))\" x2=\"\(number(x))\" y2=\"\(number(bottom))\"/>\n"
            tick += scale.xStep
        }
        out += "</g>\n"

        out += "<g class=\"y-axis\" font-size=\"12\" shape-rendering=\"crispEdges\">\n"
        for decade in 0...scale.decades {
            let value = power10(decade)
            let y = scale.y(pow(10, Double(decade)))
            out += "<line class=\"y-tick\" data-value=\"\(value)\" x1=\"\(number(left - 6))\" y1=\"\(number(y))\" x2=\"\(number(left))\" y2=\"\(number(y))\" stroke=\"#000000\"/>\n"
            out += "<text x=\"\(number(left - 9))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(value)</text>\n"
        }
        out += "</g>\n"
        out += "<g class=\"x-axis\" font-size=\"12\" shape-rendering=\"crispEdges\">\n"
        tick = 0
        while tick <= scale.xEnd {
            let x = scale.x(Double(tick))
            out += "<line class=\"x-tick\" data-value=\"\(tick)\" x1=\"\(number(x))\" y1=\"\(number(bottom))\" x2=\"\(number(x))\" y2=\"\(number(bottom + 6))\" stroke=\"#000000\"/>\n"
            out += "<text x=\"\(number(x))\" y=\"\(number(bottom + 21))\" text-anchor=\"middle\">\(tick)</text>\n"
            tick += scale.xStep
        }
        out += "</g>\n"
        out += "<rect class=\"frame\" x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(right - left))\" height=\"\(number(bottom - top))\" fill=\"none\" stroke=\"#000000\" shape-rendering=\"crispEdges\"/>\n"
        out += "<text class=\"x-label\" x=\"\(number((left + right) / 2))\" y=\"\(number(bottom + 44))\" text-anchor=\"middle\" font-size=\"14\">Latency (\(symbol(unit)))</text>\n"
        let middle = (top + bottom) / 2
        out += "<text class=\"y-label\" x=\"24\" y=\"\(number(middle))\" text-anchor=\"middle\" font-size=\"14\" transform=\"rotate(-90 24 \(number(middle)))\">Number of samples</text>\n"

        // The lines: one step per bucket with samples; empty buckets (log 0) break the line.
        for (index, s) in series.enumerated() {
            let colour = palette[index % palette.count]
            let dash = index < palette.count ? "" : " stroke-dasharray=\"\(2 + index / palette.count * 2) 2\""
            var d = ""
            var previousNonEmpty = false
            for (bucket, count) in s.counts.enumerated() {
                guard count > 0 else {
                    previousNonEmpty = false
                    continue
                }
                let y = number(scale.y(Double(count)))
                d += previousNonEmpty ? " V\(y)" : (d.isEmpty ? "" : " ") + "M\(number(scale.x(Double(bucket)))) \(y)"
                d += " H\(number(scale.x(Double(bucket + 1))))"
                previousNonEmpty = true
            }
            out += "<path class=\"series\" data-series=\"\(index)\" data-label=\"\(HostText.xmlEscaped(s.label))\" d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.6\" stroke-linejoin=\"round\"\(dash)/>\n"
        }
        // The maxima: dashed verticals in the series' colour with a triangle at the top. Those off the scale
        // stand just inside the right edge (a few pixels apart), their triangles pointing right.
        var offScale = 0
        for (index, s) in series.enumerated() where s.hasSamples {
            let colour = palette[index % palette.count]
            let beyond = s.maximum > scale.xEnd
            let x: String
            if beyond {
                x = number(right - 3 - Double(offScale) * 4)
                offScale += 1
            } else {
                x = number(scale.x(Double(s.maximum)))
            }
            out += "<line class=\"max-marker\" data-series=\"\(index)\" data-value=\"\(s.maximum)\"\(beyond ? " data-off-scale=\"true\"" : "") x1=\"\(x)\" y1=\"\(number(top))\" x2=\"\(x)\" y2=\"\(number(bottom))\" stroke=\"\(colour)\" stroke-width=\"1.4\" stroke-dasharray=\"6 4\"/>\n"
            let arrow = beyond ? "M\(x) \(number(top + 2)) l8 5 l-8 5 z" : "M\(x) \(number(top + 8)) l-5 -8 h10 z"
            out += "<path class=\"max-arrow\" d=\"\(arrow)\" fill=\"\(colour)\"/>\n"
        }

        // The legend, under the x label.
        out += "<g class=\"legend\">\n"
        for (index, s) in series.enumerated() {
            let colour = palette[index % palette.count]
            let y = layout.legendTop + Double(index) * layout.legendStep
            out += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(left + 30))\" y2=\"\(number(y))\" stroke=\"\(colour)\" stroke-width=\"3\"/>\n"
            out += "<text class=\"legend-entry\" data-series=\"\(index)\" x=\"\(number(left + 40))\" y=\"\(number(y + 4.5))\">\(HostText.xmlEscaped(s.legend(unit: unit)))</text>\n"
        }
        if series.isEmpty {
            out += "<text x=\"\(number(left))\" y=\"\(number(layout.legendTop + 4.5))\">no threads to plot</text>\n"
        }
        out += "</g>\n</svg>\n"
        return out
    }

    /// The unit's symbol.
    static func symbol(_ unit: LatencyUnit) -> String { unit == .nanoseconds ? "ns" : "µs" }

    /// A tick step of 1, 2 or 5 times a power of ten giving at most about ten ticks up to `reach`.
    static func niceStep(for reach: UInt64) -> UInt64 {
        var magnitude: UInt64 = 1
        while true {
            for factor: UInt64 in [1, 2, 5] {
                let step = factor &* magnitude
                if reach <= step &* 10 { return step }
            }
            let (next, wrapped) = magnitude.multipliedReportingOverflow(by: 10)
            if wrapped { return magnitude }
            magnitude = next
        }
    }

    static func power10(_ exponent: Int) -> String { "1" + String(repeating: "0", count: exponent) }

    /// A coordinate with at most two decimals, no trailing zeros.
    static func number(_ value: Double) -> String {
        let hundredths = (value * 100).rounded()
        if hundredths == hundredths.rounded(.towardZero), abs(hundredths) < 1e15 {
            let whole = Int64(hundredths)
            let sign = whole < 0 ? "-" : ""
            let magnitude = whole.magnitude
            let fraction = magnitude % 100
            var text = "\(sign)\(magnitude / 100)"
            if fraction != 0 {
                text += fraction % 10 == 0 ? ".\(fraction / 10)" : (fraction < 10 ? ".0\(fraction)" : ".\(fraction)")
            }
            return text == "-0" ? "0" : text
        }
        return "\(value)"
    }

}
