// Latency plots: well-formed SVG, one line per thread, the maxima marked, a logarithmic count axis, the
// files' own errors, and what a headless browser makes of a plot of real cyclictest runs.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import JitterTool
import RealTime
import Testing
import TestSupport

/// The elements of an XML document, in document order, with their attributes and text.
final class SVGElements: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
    }

    var elements: [Element] = []
    private var open: [Int] = []
    var failure: String?

    /// Parses `svg`; a document that is not well-formed XML throws.
    static func parse(_ svg: String) throws -> [Element] {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = SVGElements()
        parser.delegate = collector
        guard parser.parse() else {
            throw ToolFailure("not well-formed XML: \(parser.parserError.map { "\($0)" } ?? collector.failure ?? "?") at line \(parser.lineNumber)")
        }
        return collector.elements
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        open.append(elements.count)
        elements.append(Element(name: elementName, attributes: attributes))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        failure = "\(parseError)"
    }
}

extension [SVGElements.Element] {
    func withClass(_ name: String) -> [SVGElements.Element] { filter { $0.attributes["class"] == name } }
}

@Suite("Latency plots")
struct LatencyPlotTests {
    typealias Series = LatencyPlot.Series

    /// A thread with 1, 10 and 100 samples at 1, 2 and 3 µs, none at 4, 5 at 5 µs, and 2 overflows up to
    /// 7 µs; its label needs escaping. And a second, smaller thread.
    static let series = [
        Series(label: "a<&>\"'b.txt T0", counts: [0, 1, 10, 100, 0, 5], maximum: 7, overflows: 2),
        Series(label: "c.txt T1", counts: [0, 0, 3], maximum: 2, overflows: 0),
    ]

    /// The numbers in a path's `d` by command letter, e.g. [("M", [x, y]), ("H", [x]), ...].
    static func commands(_ d: String) -> [(String, [Double])] {
        var result: [(String, [Double])] = []
        for token in d.split(separator: " ") {
            if let letter = token.first, letter.isLetter {
                result.append((String(letter), [Double(token.dropFirst())!]))
            } else {
                result[result.count - 1].1.append(Double(token)!)
            }
        }
        return result
    }

    @Test func isWellFormedWithOneLinePerThreadAndTheMaximaMarked() throws {
        let svg = LatencyPlot.svg(Self.series, title: "Jitter <of> \"both\" & more")
        let elements = try SVGElements.parse(svg)
        #expect(elements.first?.name == "svg")
        #expect(elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(elements.withClass("title").first?.text == "Jitter <of> \"both\" & more")
        #expect(elements.withClass("x-label").first?.text == "Latency (µs)")
        #expect(elements.withClass("y-label").first?.text == "Number of samples")

        let lines = elements.withClass("series")
        #expect(lines.map { $0.attributes["data-label"] } == Self.series.map(\.label))
        let colours = lines.compactMap { $0.attributes["stroke"] }
        #expect(Set(colours).count == 2, "distinct colours: \(colours)")

        let legend = elements.withClass("legend-entry").map(\.text)
        #expect(legend == ["a<&>\"'b.txt T0 (max 7 µs, 2 overflows)", "c.txt T1 (max 2 µs)"])

        // The axes: a tick at 0, and one per decade from 1 to 1000 (100 is the most in a bucket).
        let xTicks = Dictionary(uniqueKeysWithValues: elements.withClass("x-tick").map { (Int($0.attributes["data-value"]!)!, $0.number("x1")!) })
        let yTicks = Dictionary(uniqueKeysWithValues: elements.withClass("y-tick").map { ($0.attributes["data-value"]!, $0.number("y1")!) })
        #expect(Set(yTicks.keys) == ["1", "10", "100", "1000"])
        let x0 = try #require(xTicks[0])
        let (stepValue, stepX) = try #require(xTicks.filter { $0.key > 0 }.min { $0.key < $1.key })
        let perUnit = (stepX - x0) / Double(stepValue)
        #expect(perUnit > 0)
        let y1 = try #require(yTicks["1"]), y10 = try #require(yTicks["10"]), y100 = try #require(yTicks["100"])
        let y1000 = try #require(yTicks["1000"])
        // Logarithmic: 10 halfway between 1 and 100, and decades equally spaced upwards.
        #expect(y100 < y10 && y10 < y1)
        #expect(abs(y10 - (y1 + y100) / 2) < 0.02, "y(1) \(y1), y(10) \(y10), y(100) \(y100)")
        #expect(abs((y1000 - y100) - (y100 - y10)) < 0.02)

        // The first line steps through the buckets at those heights, and breaks at the empty bucket 4.
        let steps = Self.commands(try #require(lines[0].attributes["d"]))
        #expect(steps.map(\.0) == ["M", "H", "V", "H", "V", "H", "M", "H"])
        let x = { (latency: Double) in x0 + latency * perUnit }
        let expected: [(String, [Double])] = [("M", [x(1), y1]), ("H", [x(2)]), ("V", [y10]), ("H", [x(3)]), ("V", [y100]),
                                              ("H", [x(4)]), ("M", [x(5), LatencyPlot.Scale(for: Self.series).y(5)]), ("H", [x(6)])]
        for (got, want) in zip(steps, expected) {
            #expect(got.1.count == want.1.count)
            for (a, b) in zip(got.1, want.1) { #expect(abs(a - b) < 0.02, "\(got) vs \(want)") }
        }
        // log10(5) of the way from 1 to 10.
        let y5 = steps[6].1[1]
        #expect(abs((y1 - y5) / (y1 - y10) - log10(5)) < 0.001)

        // The maxima: dashed verticals at 7 and 2 µs in the lines' colours.
        let markers = elements.withClass("max-marker")
        #expect(markers.count == 2)
        for (marker, s) in zip(markers, Self.series) {
            #expect(marker.attributes["data-value"] == "\(s.maximum)")
            #expect(abs(marker.number("x1")! - x(Double(s.maximum))) < 0.02)
            #expect(marker.number("x1") == marker.number("x2"))
            #expect(marker.attributes["stroke-dasharray"] != nil)
        }
        #expect(markers.map { $0.attributes["stroke"]! } == colours)
        // The axis reaches past the largest maximum.
        let lastTick = xTicks.keys.max()!
        #expect(lastTick >= 7 && lastTick < 20)
    }

    @Test func emptyBucketsAndThreadsWithoutSamplesDrawNothing() throws {
        let series = [Series(label: "idle T0", counts: [0, 0, 0], maximum: 0, overflows: 0),
                      Series(label: "busy T1", counts: [0, 4, 0], maximum: 1, overflows: 0)]
        let elements = try SVGElements.parse(LatencyPlot.svg(series, title: "t", unit: .nanoseconds))
        #expect(elements.withClass("series").map { $0.attributes["d"]!.isEmpty } == [true, false])
        #expect(elements.withClass("max-marker").map { $0.attributes["data-series"] } == ["1"])
        #expect(elements.withClass("legend-entry").map(\.text) == ["idle T0 (no samples)", "busy T1 (max 1 ns)"])
        #expect(elements.withClass("x-label").first?.text == "Latency (ns)")
        // Nothing at all still makes a document.
        _ = try SVGElements.parse(LatencyPlot.svg([], title: "none"))
    }

    /// An outlier far beyond the buckets would squeeze the distribution against the y axis: its marker stands
    /// at the right edge instead, and the axis ends where the buckets with samples do.
    @Test func aFarOutlierIsMarkedAtTheEdge() throws {
        let series = [Series(label: "T0", counts: [0, 0, 40, 50, 3, 0, 0, 0], maximum: 9272, overflows: 1),
                      Series(label: "T1", counts: [0, 7, 9, 0, 0, 0, 0, 0], maximum: 2, overflows: 0),
                      Series(label: "T2", counts: [0, 0, 0, 1, 0, 0, 0, 0], maximum: 9, overflows: 2)]
        let elements = try SVGElements.parse(LatencyPlot.svg(series, title: "outlier"))
        let ticks = elements.withClass("x-tick").map { Int($0.attributes["data-value"]!)! }
        // Samples up to 4 µs, T1's maximum 2 within its buckets, T2's 9 beyond them but near enough.
        #expect(ticks.max() == 10)
        let xOf = Dictionary(uniqueKeysWithValues: elements.withClass("x-tick").map { (Int($0.attributes["data-value"]!)!, $0.number("x1")!) })
        let markers = elements.withClass("max-marker")
        #expect(markers.map { $0.attributes["data-value"]! } == ["9272", "2", "9"])
        #expect(markers.map { $0.attributes["data-off-scale"] } == ["true", nil, nil])
        let right = try #require(elements.withClass("frame").first.map { $0.number("x")! + $0.number("width")! })
        #expect(markers[0].number("x1")! < right && markers[0].number("x1")! > right - 6)
        #expect(abs(markers[1].number("x1")! - xOf[2]!) < 0.02)
        #expect(abs(markers[2].number("x1")! - (xOf[8]! + xOf[10]!) / 2) < 0.02)
    }

    @Test func seriesFromAFileLeaveOutTheSumColumn() throws {
        let file = try LatencyHistogramFile(text: HistogramFileTests.summed, path: "h.txt")
        #expect(LatencyPlot.series(from: file, name: "run 1") == [
            Series(label: "run 1 T0", counts: [1, 2, 0], maximum: 7, overflows: 2),
            Series(label: "run 1 T1", counts: [0, 3, 1], maximum: 2, overflows: 0),
        ])
    }

    @Test func plotFilesReportsTheFileAtFault() throws {
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let good = folder + "/good.txt", bad = folder + "/bad.txt"
        try HistogramFileTests.sample.write(toFile: good, atomically: true, encoding: .utf8)
        try HistogramFileTests.sample.replacingOccurrences(of: "# Total: 000000003", with: "# Total: 000000009")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: JitterToolError(path: bad, line: 8, message: "thread 0: `# Total:` says 9 but its rows add up to 3")) {
            try LatencyPlot.plotFiles([good, bad], title: nil)
        }
        #expect(throws: JitterToolError(path: folder + "/none.txt", message: "cannot read: No such file or directory")) {
            try LatencyPlot.plotFiles([good, folder + "/none.txt"], title: "x")
        }
        #expect(throws: JitterToolError(message: "no histogram files to plot")) { try LatencyPlot.plotFiles([], title: nil) }
        let elements = try SVGElements.parse(try LatencyPlot.plotFiles([good, good], title: nil))
        #expect(elements.withClass("series").count == 4)
        #expect(elements.withClass("title").first?.text == "Latency plot of \(good), \(good)")
    }

    /// Two real cyclictest runs (two threads, one thread) plotted together and rendered by Chromium: a real
    /// picture with each line's colour in it.
    @Test func plotOfRealRunsRendersInAHeadlessBrowser() throws {
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try Cyclictest.run(["-t", "2", "-i", "200", "-l", "300", "-q", "-h", "200", "--histfile=two.txt"], in: folder)
        _ = try Cyclictest.run(["-t", "1", "-i", "300", "-l", "300", "-q", "-H", "200", "--histfile=one.txt"], in: folder)
        let paths = [folder + "/two.txt", folder + "/one.txt"]
        let text = try LatencyPlot.plotFiles(paths, title: "cyclictest on this host")
        let elements = try SVGElements.parse(text)
        let lines = elements.withClass("series")
        #expect(lines.map { $0.attributes["data-label"]! } == [paths[0] + " T0", paths[0] + " T1", paths[1] + " T0"])
        let files = try paths.map { try LatencyHistogramFile(contentsOfFile: $0) }
        let threads = files.flatMap(\.threads).filter(\.hasSamples)
        let markers = elements.withClass("max-marker")
        #expect(markers.map { $0.attributes["data-value"]! } == threads.map { "\($0.maximum)" })
        for (line, thread) in zip(lines, files.flatMap(\.threads)) where thread.total > 0 {
            #expect(!(line.attributes["d"] ?? "").isEmpty)
        }

        let svg = folder + "/plot.svg"
        try text.write(toFile: svg, atomically: true, encoding: .utf8)
        let width = Int(try #require(elements.first?.number("width")).rounded(.up))
        let height = Int(try #require(elements.first?.number("height")).rounded(.up))
        let png = folder + "/plot.png"
        let image = try Chromium.render(svg, width: width, height: height, to: png, in: folder)
        #expect(image.width == width && image.height == height)
        let histogram = image.histogram()
        #expect(histogram.count > 20, "\(histogram.count) colours")
        let white = histogram[0xFFFFFF] ?? 0
        #expect(white < image.width * image.height * 97 / 100, "nearly blank")
        #expect(white > image.width * image.height / 2, "a white background")
        #expect((histogram[0x000000] ?? 0) > 500, "the frame, ticks and text")
        for (index, colour) in [0x4E79A7, 0xF28E2B, 0xE15759].enumerated() {
            #expect((histogram[UInt32(colour)] ?? 0) > 40, "the colour of series \(index)")
        }
    }
}
