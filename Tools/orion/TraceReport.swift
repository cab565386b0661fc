// `orion trace check` and `orion trace report`: the traceability checks, printed, or written as an HTML
// report, ReqIF and/or a CSV matrix.

import ArgumentParser
import Foundation
import Kernel
import SafetyTrace

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "ISO 26262 traceability: requirements, implements/verifies tags, and their defects.",
        discussion: """
            Without a PATH, the folders traced are the `paths:` of the project's trace.conf (found in the \
            current folder or above it, at the root or under Safety/Requirements/). \
            Exit status: 0 no defects, 1 defects, 2 bad input or usage. docs/TRACE.md describes the formats.

            \(traceLimitsHelp)
            """,
        subcommands: [TraceCheck.self, TraceReportCommand.self])
}

/// The input bounds, for every trace command's --help.
let traceLimitsHelp = """
    Limits (past one, the input is refused with exit 2): requirement file \(TraceLimits.text(bytes: TraceLimits.requirementFileBytes)), \
    source file \(TraceLimits.text(bytes: TraceLimits.sourceFileBytes)), trace.conf \(TraceLimits.text(bytes: TraceLimits.configFileBytes)), \
    --results \(TraceLimits.text(bytes: TraceLimits.resultsFileBytes)) and \(TraceLimits.testCases) test cases, \
    --coverage \(TraceLimits.text(bytes: TraceLimits.coverageFileBytes)), XML/JSON nesting \(TraceLimits.nesting) levels; \
    \(TraceLimits.items) items, \(TraceLimits.tags) tags, \(TraceLimits.files) requirement and source files, \
    \(TraceLimits.walkEntries) entries walked, folders \(TraceLimits.folderDepth) levels deep. \
    A symbolic link to a folder already read (such as a parent) is not followed; a dangling *.md or \
    source link is an error; binary source files are skipped and listed.
    """

/// Prints `orion: error: message` and exits 2.
private func traceUsageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("orion: error: \(message)\n".utf8))
    Foundation.exit(2)
}

/// A command that reads `TraceInputs`, and what its --coverage does with the file.
protocol TraceInputsCommand: ParsableCommand {
    static var coverageHelp: ArgumentHelp { get }
}

/// What `trace check` and `trace report` read: the paths, test results, coverage and configuration
/// file, and how they end the command on bad input (exit 2).
struct TraceInputs<Command: TraceInputsCommand>: ParsableArguments {
    @Argument(help: "Folders or files to read: requirement Markdown (*.md) and sources (*.swift, *.c, *.h, *.S). Default: the paths: of the project's trace.conf.")
    var paths: [String] = []

    @Option(help: "JUnit XML test results (swift test --xunit-output): also report failing-test and missing-test (at most \(TraceLimits.text(bytes: TraceLimits.resultsFileBytes))).")
    var results: String?

    @Option(help: Command.coverageHelp)
    var coverage: String?

    @Option(help: "Configuration file (default: the first trace.conf at the root of a folder given; with no PATH, the project's trace.conf).")
    var config: String?

    @Flag(help: "Release baseline: every item whose status is not approved is a defect (unapproved).")
    var baseline = false

    /// The check of the inputs, with the commit and tool versions; exits 2 with
    /// `file:line: error: message` when an input cannot be read.
    func check() -> TraceReport {
        do {
            var report = try SafetyTrace.Trace.check(paths: paths, results: results, coverage: coverage, config: config, baseline: baseline)
            report.provenance = Provenance.collect(
                paths: report.paths,
                tools: [Provenance.Tool("orion", String(describing: OrionVersion.string)), Provenance.Tool("swift", Provenance.swiftVersion)])
            return report
        } catch {
            FileHandle.standardError.write(Data("\(error.location): error: \(error.message)\n".utf8))
            Foundation.exit(2)
        }
    }
}

struct TraceCheck: TraceInputsCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check requirement files and tagged sources; exits 0 clean, 1 with defects, 2 on bad input.",
        discussion: traceLimitsHelp)
    static let coverageHelp: ArgumentHelp = "Coverage as llvm-cov export JSON (swift test --enable-code-coverage): also report low-coverage and unmeasured (at most \(TraceLimits.text(bytes: TraceLimits.coverageFileBytes)))."

    @OptionGroup var inputs: TraceInputs<TraceCheck>

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let report = inputs.check()
        print(json ? report.json : report.consoleText, terminator: "")
        Foundation.exit(report.isClean ? 0 : 1)
    }
}

struct TraceReportCommand: TraceInputsCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the traceability report (HTML, ReqIF, CSV); exits 0 clean, 1 with defects (the report is still written), 2 on bad input.",
        discussion: traceLimitsHelp)
    static let coverageHelp: ArgumentHelp = "Coverage as llvm-cov export JSON (swift test --enable-code-coverage): per-item coverage, low-coverage and unmeasured (at most \(TraceLimits.text(bytes: TraceLimits.coverageFileBytes)))."

    @OptionGroup var inputs: TraceInputs<TraceReportCommand>

    @Option(help: "Write the HTML report (one self-contained file) here.")
    var html: String?

    @Option(help: "Write the items as ReqIF 1.2 (importable by StrictDoc) here.")
    var reqif: String?

    @Option(help: "Write the traceability matrix as CSV here.")
    var csv: String?

    func run() throws {
        let outputs = [html, reqif, csv].compactMap { $0 }
        guard !outputs.isEmpty else { traceUsageError("trace report needs at least one output: --html, --reqif or --csv") }
        guard Set(outputs).count == outputs.count else { traceUsageError("trace report: two outputs name the same file") }
        for output in outputs { checkWritable(output) }

        let report = inputs.check()
        let now = Date()
        if let html { write(HTMLReport.render(report, date: now, inputs: report.paths), to: html) }
        if let reqif { write(ReqIFReport.render(report, date: now), to: reqif) }
        if let csv { write(CSVReport.render(report), to: csv) }
        print(report.consoleText, terminator: "")
        Foundation.exit(report.isClean ? 0 : 1)
    }

    /// Exits 2 with `orion: error: cannot write PATH: why` when `path` is a folder or its folder does
    /// not exist, before anything is read or written.
    func checkWritable(_ path: String) {
        var isFolder: ObjCBool = false
        if path.isEmpty { traceUsageError("an output path is empty") }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            traceUsageError("cannot write \(path): is a directory")
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) {
            traceUsageError("cannot write \(path): no such folder \(folder)")
        }
    }

    /// Writes `text` to `path`, or exits 2 with `orion: error: cannot write PATH: why`.
    func write(_ text: String, to path: String) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            let why = underlying.flatMap { $0.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32($0.code))).lowercased() : nil }
            traceUsageError("cannot write \(path)" + (why.map { ": " + $0 } ?? ""))
        }
    }
}
