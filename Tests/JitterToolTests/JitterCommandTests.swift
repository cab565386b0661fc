// orion jitter against the real cyclictest (rt-tests) on this machine: the same options, outputs read by the same
// code, JSON with cyclictest's keys; bad input; the --max-latency gate; the board runs; plots of both.

import Foundation
import JitterTool
import Testing
import TestSupport

/// Runs the built orion in `folder`.
func orion(_ arguments: [String], in folder: String? = nil) throws -> ProcessResult {
    try HostProcess.run(TestPaths.orion, arguments, in: folder ?? TestPaths.packageRoot.path, timeout: 600)
}

/// Every key path of a JSON value with the kind of value there (`thread.0.min: number`); thread numbers and
/// histogram buckets are folded so two runs compare by shape.
func jsonShape(_ value: Any, at path: String = "") -> [String: String] {
    var shape: [String: String] = [:]
    if let object = value as? [String: Any] {
        shape[path] = "object"
        for (key, child) in object {
            let name = path.hasSuffix("histogram") ? "N" : (path == ".thread" ? "T" : key)
            shape.merge(jsonShape(child, at: path + "." + name)) { a, _ in a }
        }
    } else if value is String {
        shape[path] = "string"
    } else if value is NSNumber {
        shape[path] = "number"
    } else if value is [Any] {
        shape[path] = "array"
    } else {
        shape[path] = "null"
    }
    return shape
}

@Suite("orion jitter beside cyclictest", .serialized)
struct JitterCommandTests {
    /// The options both tools get in the side-by-side runs (status lines; then histograms with -h).
    static let options = ["-i", "500", "-l", "400", "-t", "2", "-q"]

    /// cyclictest's and orion's outputs read by the same parsers: status lines and histograms agree in meaning.
    @Test func sideBySideWithTheSameOptions() throws {
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let privileged = Cyclictest.privileged
        // Status lines (-q without -h) from both tools, then histograms (-h with --histfile, which prints none).
        let c = try Cyclictest.run(Self.options, in: folder)
        let o = try orion(["jitter"] + privileged + Self.options, in: folder)
        #expect(o.status == 0, "\(o.stderr)")
        for (tool, out) in [("cyclictest", c.stdout), ("orion", o.stdout)] {
            let lines = out.split(separator: "\n").compactMap { JitterReport.parseStatusLine($0) }
            #expect(lines.count == 2, "\(tool): \(out)")
            #expect(lines.map(\.intervalUs) == [500, 1000], "\(tool)")  // -d 500 by default
            for t in lines {
                #expect(t.priority == (privileged.isEmpty ? 0 : 80), "\(tool)")
                #expect(t.cycles > 0 && t.cycles <= 400, "\(tool)")
                #expect(t.minimum <= t.average && t.average <= t.maximum, "\(tool)")
                #expect(t.tid > 0, "\(tool)")
            }
            // The run ends when the first thread has its loops, in both tools.
            #expect(lines.contains { $0.cycles == 400 }, "\(tool): \(out)")
        }
        let histogram = Self.options + ["-h", "400"]
        let ch = try Cyclictest.run(histogram + ["--histfile=cyclictest.txt"], in: folder)
        let oh = try orion(["jitter"] + privileged + histogram + ["--histfile=orion.txt"], in: folder)
        #expect(oh.status == 0, "\(oh.stderr)")
        for out in [ch.stdout, oh.stdout] {
            #expect(!out.split(separator: "\n").contains { JitterReport.parseStatusLine($0) != nil }, "\(out)")
        }
        let cyclictestFile = try LatencyHistogramFile(contentsOfFile: folder + "/cyclictest.txt")
        let orionFile = try LatencyHistogramFile(contentsOfFile: folder + "/orion.txt")
        for file in [cyclictestFile, orionFile] {
            #expect(file.threads.count == 2 && file.bucketCount == 400 && !file.hasSummaryColumn, "\(file.path)")
            #expect(file.threads.contains { $0.samples == 400 }, "\(file.path)")
        }
        // Both histograms (four threads) in one plot.
        let plot = try orion(["jitter", "plot", "cyclictest.txt", "orion.txt", "--svg", "both.svg"], in: folder)
        #expect(plot.status == 0, "\(plot.stderr)")
        let svg = try String(contentsOfFile: folder + "/both.svg", encoding: .utf8)
        #expect(svg.components(separatedBy: "class=\"series\"").count - 1 == 4)
        #expect(svg.contains("cyclictest.txt T0") && svg.contains("orion.txt T1"))
    }

    /// orion's JSON has every key cyclictest's has, with the same kind of value, and its own under "orion".
    @Test func jsonHasCyclictestsShape() throws {
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let arguments = ["-i", "500", "-l", "100", "-t", "2", "-q", "-h", "100"]
        _ = try Cyclictest.run(arguments + ["--json=c.json"], in: folder)
        let o = try orion(["jitter"] + Cyclictest.privileged + arguments + ["--json=o.json"], in: folder)
        #expect(o.status == 0, "\(o.stderr)")
        let c = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/c.json")))
        let j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/o.json")))
        let cShape = jsonShape(c), oShape = jsonShape(j)
        for (path, kind) in cShape {
            #expect(oShape[path] == kind, "\(path): cyclictest has \(kind), orion \(oShape[path] ?? "nothing")")
        }
        let extra = Set(oShape.keys).subtracting(cShape.keys).filter { !$0.hasPrefix(".orion") }
        #expect(extra.isEmpty, "keys cyclictest does not write: \(extra.sorted())")
        let object = try #require(j as? [String: Any])
        let threads = try #require(object["thread"] as? [String: [String: Any]])
        #expect(object["num_threads"] as? Int == 2 && threads.count == 2)
        for (_, t) in threads {
            let histogram = try #require(t["histogram"] as? [String: Int])
            #expect(histogram.values.reduce(0, +) <= t["cycles"] as? Int ?? -1)
        }
        let metadata = try #require(object["orion"] as? [String: Any])
        #expect((metadata["kernel"] as? String)?.hasPrefix("Linux ") == true)
        #expect((metadata["loadavg"] as? [Double])?.count == 3)
        #expect((metadata["cpus"] as? Int ?? 0) >= 1)
    }

    @Test(arguments: [
        (["jitter", "--bogus"], "unknown option --bogus"),
        (["jitter", "-i", "0"], "option -i: 0 is out of range"),
        (["jitter", "-h", "0"], "option -h: 0 is out of range"),
        (["jitter", "-l", "5", "-h", "10", "--histfile=/nonexistent/dir/h.txt"], "cannot write '/nonexistent/dir/h.txt'"),
        (["jitter", "-l", "5", "--json", "/proc/no.json"], "cannot write '/proc/no.json'"),
        (["jitter", "--board", "nosuchboard"], "unknown board 'nosuchboard'"),
        (["jitter", "-l", "5", "-a", "4000"], "option -a: CPU 4000 is not one this process may use"),
        (["jitter", "plot", "/nonexistent.txt", "--svg", "/tmp/x.svg"], "/nonexistent.txt: cannot read"),
        (["jitter", "plot", "Package.swift", "--svg", "/tmp/x.svg"], "Package.swift:"),
        (["jitter", "plot", "x.txt"], "plot needs --svg OUT"),
    ])
    func badInputExitsTwo(_ arguments: [String], _ message: String) throws {
        let r = try orion(arguments)
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("orion: error: \(message)"), "\(r.stderr)")
    }

    /// --max-latency makes the exit status a gate: 1 with the offending thread named, 0 within the bound.
    @Test func maxLatencyGate() throws {
        let over = try orion(["jitter", "-i", "200", "-l", "50", "-q", "--max-latency", "0"])
        #expect(over.status == 1)
        #expect(over.stderr.contains("orion jitter: thread 0: max latency "), "\(over.stderr)")
        #expect(over.stderr.contains("exceeds --max-latency 0 us"))
        let within = try orion(["jitter", "-i", "200", "-l", "50", "-q", "--max-latency", "10000000"])
        #expect(within.status == 0, "\(within.stderr)")
    }

    /// raspi3b's QEMU machine passes no devicetree, so the app cannot see the kernel command line and measures
    /// with its defaults: orion says so and fails instead of passing those figures off as what was asked.
    @Test func boardThatCannotTakeTheParametersIsAnError() throws {
        let r = try orion(["jitter", "--board", "raspi3b", "-l", "50", "-h", "20", "--timeout", "240"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("orion: error: raspi3b did not measure what was asked (interval=1000us loops=50 histogram=20 unit=us)"),
                "\(r.stderr)")
        #expect(!r.stdout.contains("# Histogram"))
    }

    /// On a board: the jitter app's two histograms come back as cyclictest output, JSON included, and a Linux
    /// run and a board run overlay in one plot.
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64"])
    func boardRun(_ board: String) throws {
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try orion(["jitter", "--board", board, "-i", "1000", "-l", "300", "-h", "200", "--histfile", folder + "/board.txt",
                           "--json", folder + "/board.json", "--timeout", "240"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").compactMap { JitterReport.parseStatusLine($0) }
        #expect(lines.count == 2, "\(r.stdout)")
        #expect(lines.last?.cycles == 300)  // the release task ran every cycle
        let file = try LatencyHistogramFile(contentsOfFile: folder + "/board.txt")
        #expect(file.threads.count == 2 && file.bucketCount == 200)
        #expect(file.threads[1].samples == 300)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/board.json"))) as? [String: Any]
        let metadata = json?["orion"] as? [String: Any]
        #expect(metadata?["target"] as? String == board)
        #expect((metadata?["kernel"] as? String)?.hasPrefix("Orion RT ") == true)
        let linux = try orion(["jitter", "-i", "1000", "-l", "200", "-q", "-h", "200", "--histfile", folder + "/linux.txt"])
        #expect(linux.status == 0, "\(linux.stderr)")
        let plot = try orion(["jitter", "plot", folder + "/linux.txt", folder + "/board.txt", "--svg", folder + "/overlay.svg"])
        #expect(plot.status == 0, "\(plot.stderr)")
        let svg = try String(contentsOfFile: folder + "/overlay.svg", encoding: .utf8)
        #expect(svg.components(separatedBy: "class=\"series\"").count - 1 == 3)
    }
}
