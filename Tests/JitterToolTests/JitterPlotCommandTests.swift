// `orion jitter plot` and `orion jitter` on bad input that used to hang, trap or be refused: --help answers,
// files that are not regular are refused at once, out-of-range values exit 2.

import Foundation
import JitterTool
import Testing
import TestSupport

@Suite("orion jitter plot command line")
struct JitterPlotCommandTests {
    // Issue 11: `orion jitter plot --help` exited 2 ("unknown option --help for plot").
    @Test(arguments: [["jitter", "--help"], ["jitter", "plot", "--help"], ["jitter", "plot", "-h"], ["jitter", "plot", "x.txt", "--help"]])
    func everyJitterCommandAnswersHelp(_ arguments: [String]) throws {
        let r = try orion(arguments)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("orion jitter plot FILE... --svg OUT"), "\(r.stdout)")
        if arguments.contains("plot") {
            #expect(r.stdout.contains("128 MiB") && r.stdout.contains("1000000 rows"), "\(r.stdout)")
        } else {
            #expect(r.stdout.contains("(1..1000000)") && r.stdout.contains("1 s to 365 d"), "\(r.stdout)")
        }
    }

    // Issue 11: /dev/zero was read without end, a FIFO blocked for ever, a huge -D trapped.
    @Test func refusedAtOnce() throws {
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let cases: [([String], String)] = [
            (["jitter", "plot", "/dev/zero", "--svg", folder + "/z.svg"], "/dev/zero: cannot read: Is a character device"),
            (["jitter", "plot", fifo, "--svg", folder + "/f.svg"], "\(fifo): cannot read: Is a FIFO"),
            (["jitter", "-D", "999999999999999999d"], "option -D: '999999999999999999d' is out of range (1 s to 365 d)"),
            (["jitter", "-h", "2000000"], "option -h: 2000000 is out of range (1 to 1000000)"),
        ]
        for (arguments, message) in cases {
            // A hang fails the run (HostProcess's timeout) instead of blocking the suite.
            let r = try HostProcess.run(TestPaths.orion, arguments, timeout: 60)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains("orion: error: \(message)"), "\(r.stderr)")
        }
    }

    // Issue 11: an output path that is a folder was reported as "NSCocoaErrorDomain error 512".
    @Test func unwritablePlotIsExplainedInWords() throws {
        let folder = try Cyclictest.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let histogram = folder + "/h.txt"
        try "# Histogram\n000000 000001\n# Total: 000000001\n# Min Latencies: 00000\n# Avg Latencies: 00000\n# Max Latencies: 00000\n# Histogram Overflows: 00000\n# Histogram Overflow at cycle number:\n# Thread 0:\n"
            .write(toFile: histogram, atomically: true, encoding: .utf8)
        let r = try HostProcess.run(TestPaths.orion, ["jitter", "plot", histogram, "--svg", folder], timeout: 60)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr == "orion: error: cannot write the plot to \(folder): it is a directory\n", "\(r.stderr)")
    }
}
