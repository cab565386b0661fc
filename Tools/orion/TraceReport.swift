// `orion trace report`: the checks of `trace check`, written as an HTML report, ReqIF and/or a CSV matrix.

import ArgumentParser
import Foundation
import SafetyTrace

struct TraceReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the traceability report (HTML, ReqIF, CSV); exits 0 clean, 1 with defects (the report is still written), 2 on bad input.")

    @Argument(help: "Folders or files to read: requirement Markdown (*.md) and sources (*.swift, *.c, *.h, *.S).")
    var paths: [String] = []

    @Option(help: "JUnit XML test results (swift test --xunit-output): also report failing-test and missing-test.")
    var results: String?

    @Option(help: "Coverage as llvm-cov export JSON (swift test --enable-code-coverage): per-item coverage and low-coverage.")
    var coverage: String?

    @Option(help: "Configuration file (default: the first trace.conf at the root of a folder given).")
    var config: String?

    @Option(help: "Write the HTML report (one self-contained file) here.")
    var html: String?

    @Option(help: "Write the items as ReqIF 1.2 (importable by StrictDoc) here.")
    var reqif: String?

    @Option(help: "Write the traceability matrix as CSV here.")
    var csv: String?

    func run() throws {
        guard !paths.isEmpty else { usage("trace report needs at least one path") }
        let outputs = [html, reqif, csv].compactMap { $0 }
        guard !outputs.isEmpty else { usage("trace report needs at least one output: --html, --reqif or --csv") }
        guard Set(outputs).count == outputs.count else { usage("trace report: two outputs name the same file") }

        let report: TraceReport
        do {
            report = try SafetyTrace.Trace.check(paths: paths, results: results, coverage: coverage, config: config)
        } catch {
            FileHandle.standardError.write(Data("\(error.location): error: \(error.message)\n".utf8))
            Foundation.exit(2)
        }

        let now = Date()
        if let html { write(HTMLReport.render(report, date: now, inputs: paths), to: html) }
        if let reqif { write(ReqIFReport.render(report, date: now), to: reqif) }
        if let csv { write(CSVReport.render(report), to: csv) }
        print(report.consoleText, terminator: "")
        Foundation.exit(report.isClean ? 0 : 1)
    }

    func usage(_ message: String) -> Never {
        FileHandle.standardError.write(Data("orion: error: \(message)\n".utf8))
        Foundation.exit(2)
    }

    /// Writes `text` to `path`, or exits 2 with `path: error: ...`.
    func write(_ text: String, to path: String) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("\(path): error: cannot write the report: \((error as NSError).localizedDescription)\n".utf8))
            Foundation.exit(2)
        }
    }
}
