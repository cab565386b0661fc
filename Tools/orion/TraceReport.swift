// `orion trace report`: the checks of `trace check`, written as an HTML report, ReqIF and/or a CSV matrix.

import ArgumentParser
import Foundation
import SafetyTrace

struct TraceReportCommand: TraceInputsCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the traceability report (HTML, ReqIF, CSV); exits 0 clean, 1 with defects (the report is still written), 2 on bad input.")
    static let coverageHelp: ArgumentHelp = "Coverage as llvm-cov export JSON (swift test --enable-code-coverage): per-item coverage and low-coverage."

    @OptionGroup var inputs: TraceInputs<TraceReportCommand>

    @Option(help: "Write the HTML report (one self-contained file) here.")
    var html: String?

    @Option(help: "Write the items as ReqIF 1.2 (importable by StrictDoc) here.")
    var reqif: String?

    @Option(help: "Write the traceability matrix as CSV here.")
    var csv: String?

    func run() throws {
        inputs.requirePaths()
        let outputs = [html, reqif, csv].compactMap { $0 }
        guard !outputs.isEmpty else { badInput("trace report needs at least one output: --html, --reqif or --csv") }
        guard Set(outputs).count == outputs.count else { badInput("trace report: two outputs name the same file") }

        let report = inputs.check()
        let now = Date()
        if let html { write(HTMLReport.render(report, date: now, inputs: inputs.paths), to: html) }
        if let reqif { write(ReqIFReport.render(report, date: now), to: reqif) }
        if let csv { write(CSVReport.render(report), to: csv) }
        print(report.consoleText, terminator: "")
        Foundation.exit(report.isClean ? 0 : 1)
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
