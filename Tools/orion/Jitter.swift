// `orion jitter`: cyclictest's measurement with cyclictest's options and output, on Linux threads or on an
// Orion board in QEMU, and `orion jitter plot` for OSADL-style latency plots of either tool's histograms.

import ArgumentParser
import Foundation
import JitterTool
import LinuxJitter
import OrionTool
import RealTime

struct JitterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jitter",
        abstract: "Wake-up latency like cyclictest, on Linux or on a board; `orion jitter plot` draws histograms.",
        discussion: JitterCommand.usage)

    @Argument(parsing: .captureForPassthrough, help: "cyclictest options, or `plot FILE... --svg OUT`.")
    var arguments: [String] = []

    static let usage = """
        orion jitter [OPTIONS]              measure this Linux host (cyclictest's options and output)
        orion jitter --board B [OPTIONS]    measure an Orion board in QEMU: timer interrupt (T:0) and task release (T:1)
        orion jitter plot FILE... --svg OUT [--title T] [--nsecs]   OSADL-style plot of cyclictest/orion histograms

        -p PRIO  --priority=PRIO   SCHED_FIFO priority of the threads, 0..99 (0: SCHED_OTHER)
        -i INTV  --interval=INTV   base interval of thread in us, 1..1000000000, default 1000
        -d DIST  --distance=DIST   distance of thread intervals in us, 0..1000000000, default 500
        -l LOOPS --loops=LOOPS     number of loops, 0..9223372036854775807, default 0 (endless; 1000 on a board)
        -D TIME  --duration=TIME   length of the run, 1 s to 365 d; append m, h or d for minutes, hours, days
        -m       --mlockall        lock current and future memory
        -t [NUM] --threads[=NUM]   NUM threads (1..1024), or one per CPU without NUM (default 1)
        -a [CPUSET] --affinity[=CPUSET]  pin thread N to CPU N, or spread the threads over CPUSET
        -S       --smp             one thread per CPU, each pinned, same priority
        -q       --quiet           print a summary only on exit
        -N       --nsecs           figures and histogram buckets in ns instead of us
        -h US    --histogram=US    print a latency histogram of US buckets (1..1000000) after the run
        -H US    --histofall=US    the same with a column summing all threads
                 --histfile=PATH   write the histogram to PATH instead of stdout
                 --json=PATH       write the results as rt-tests JSON (with run metadata under "orion")
                 --max-latency=US  exit 1 when any thread's maximum exceeds US, 0..9223372036854775807 (a CI gate)
                 --board=BOARD     measure BOARD in QEMU (-i, -l, -h, -N, -q, --histfile, --json, --max-latency)
                 --timeout=S       give up on a board run after S seconds, 1..86400 (default 300)
                 --icount          run the board under QEMU -icount shift=0 (figures repeat exactly)
        Exit status: 0 done, 1 --max-latency exceeded or the measurement failed, 2 bad usage.
        """

    func run() throws {
        if arguments.first == "plot" {
            plot(Array(arguments.dropFirst()))
        }
        let options: JitterOptions
        do {
            options = try JitterOptions.parse(arguments)
        } catch {
            usageError(error.message)
        }
        if options.help {
            print(Self.usage)
            return
        }
        // Refuse an unwritable output file now, not after a long run.
        for path in [options.histfile, options.jsonPath].compactMap({ $0 }) where !FileManager.default.createFile(atPath: path, contents: nil) {
            usageError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        if options.distanceIgnored {
            FileHandle.standardError.write(Data("orion jitter: warning: distance is ignored and set to 0 with a histogram (as cyclictest does)\n".utf8))
        }
        if options.board != nil {
            runBoard(options)
        } else {
            runLinux(options)
        }
    }

    // MARK: Linux

    func runLinux(_ options: JitterOptions) -> Never {
        LinuxJitterHost.catchStopSignals()
        if options.lockMemory {
            do { try LinuxJitterHost.lockMemory() } catch { operationalError(error.message) }
        }
        if LinuxJitterHost.holdDMALatencyZero() { print("# /dev/cpu_dma_latency set to 0us") }
        let allowed = LinuxJitterHost.allowedCPUs()
        if case .cpus(let list) = options.affinity, let missing = list.first(where: { !allowed.contains($0) }) {
            usageError("option -a: CPU \(missing) is not one this process may use (\(allowed.map(String.init).joined(separator: ",")))")
        }
        let count: Int
        switch options.threads {
        case .count(let n): count = n
        case .perCPU: count = allowed.count
        }
        let unit: LatencyUnit = options.nanoseconds ? .nanoseconds : .microseconds
        let setups = (0..<count).map { i -> JitterThreadSetup in
            let cpu: Int?
            switch options.affinity {
            case .unpinned: cpu = nil
            case .allCPUs: cpu = allowed[i % allowed.count]
            case .cpus(let list): cpu = list[i % list.count]
            }
            return JitterThreadSetup(index: i, intervalNs: options.intervalUs(ofThread: i) * 1000, priority: options.priority,
                                     cpu: cpu, loops: options.loops, unit: unit, buckets: options.histogram)
        }
        let system = hostSystemInfo()
        let start = Date()
        let run = LinuxJitterRun(setups)
        do { try run.start() } catch { operationalError(error.message) }
        let startNs = LinuxJitterHost.nowNs()
        let endNs = options.durationS.map { startNs + $0 * 1_000_000_000 }
        let live = !options.quiet && !options.histogramOnStdout
        var drawn = false
        /// The threads' figures; the live display needs no buckets (copying them every 10 ms would be waste).
        func figures(withBuckets: Bool = false) -> [JitterThreadFigures] {
            (0..<run.threadCount).map { i in
                let s = run.snapshot(i)
                return JitterThreadFigures(s.record, index: i, tid: s.tid, priority: options.priority,
                                           intervalUs: options.intervalUs(ofThread: i), cpu: setups[i].cpu ?? -1,
                                           withBuckets: withBuckets)
            }
        }
        // The main thread refreshes the display every 10 ms (as cyclictest does) and watches for the end.
        var tick = startNs
        while !run.anyDone && !LinuxJitterHost.stopSignalled && endNs.map({ LinuxJitterHost.nowNs() < $0 }) ?? true {
            if live {
                print(JitterReport.display(figures(), priority: options.priority, loadavg: loadAverageText(),
                                           nanoseconds: options.nanoseconds, redraw: drawn), terminator: "")
                fflush(nil)
                drawn = true
            }
            tick += 10_000_000
            LinuxJitterHost.sleep(untilNs: tick)
        }
        run.stop()
        run.join()
        let final = figures(withBuckets: true)
        if live {
            print(JitterReport.display(final, priority: options.priority, loadavg: loadAverageText(),
                                       nanoseconds: options.nanoseconds, redraw: drawn), terminator: "")
        } else if options.histogram == 0 {
            // cyclictest -q prints the summary lines only when there is no histogram.
            for t in final { print(JitterReport.statusLine(t, nanoseconds: options.nanoseconds)) }
        }
        var failures: [String] = []
        for i in 0..<run.threadCount { if let failure = run.snapshot(i).failure { failures.append(failure) } }
        if options.histogram > 0 {
            var text = TextSink()
            let records = (0..<run.threadCount).map { run.snapshot($0).record }
            records.withUnsafeBufferPointer { HistogramText.write($0, allThreadsColumn: options.histogramAllThreads, to: &text) }
            emitHistogram(text.text, options)
        }
        finish(options, threads: final, failures: failures, system: system, start: start)
    }

    // MARK: Board

    func runBoard(_ options: JitterOptions) -> Never {
        let boardName = options.board!
        guard let board = BoardCatalog.board(named: boardName) else {
            usageError("unknown board '\(boardName)' (known: \(BoardCatalog.all.map(\.name).joined(separator: ", ")))")
        }
        let loops = options.loops == 0 ? 1000 : options.loops
        let buckets = options.histogram > 0 ? options.histogram : 1000
        let bootargs = "jitter.interval_us=\(options.intervalUs) jitter.loops=\(loops) jitter.histogram=\(buckets) jitter.nsecs=\(options.nanoseconds ? 1 : 0)"
        let start = Date()
        let console: String
        do {
            if let missing = QEMU.missingRequirement(board: board) { throw OrionError(missing) }
            let workspace = try Workspace.locate()
            let qemu = try QEMU.installation(for: board)
            // The board's firmware devicetree (raspi4b) carries -append as /chosen/bootargs.
            let bootOptions = BootOptions(icount: options.icount, extraArguments: ["-append", bootargs],
                                          devicetree: try QEMU.firmwareDevicetree(for: board))
            let built = try workspace.build(board: board, app: "jitter", configuration: .release)
            let arguments = try qemu.arguments + QEMU.arguments(board: board, image: built.bootImage, options: bootOptions)
            let capture = FileManager.default.temporaryDirectory.appendingPathComponent("orion-jitter-\(getpid()).txt")
            guard FileManager.default.createFile(atPath: capture.path, contents: nil) else {
                throw OrionError("cannot create \(capture.path) for the board's console")
            }
            defer { try? FileManager.default.removeItem(at: capture) }
            let handle = try FileHandle(forWritingTo: capture)
            FileHandle.standardError.write(Data("orion: booting \(built.bootImage.path) on \(board.name) (\(bootargs))\n".utf8))
            let outcome = try HostTools.run(qemu.executable, arguments, environment: qemu.environment, timeout: Double(options.timeoutS), output: handle)
            try? handle.close()
            console = (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
            switch outcome {
            case .timedOut:
                operationalError("timeout: the board did not finish within \(options.timeoutS) s; QEMU was killed")
            case .exited(let status) where status != 0:
                let said = console.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("jitter:") }.joined(separator: "\n")
                operationalError("the jitter app on \(board.name) exited with status \(status)\(said.isEmpty ? "" : "\n" + said)")
            default: break
            }
        } catch {
            fail(error)
        }
        let lines = console.replacingOccurrences(of: "\r", with: "").split(separator: "\n", omittingEmptySubsequences: false)
        // The app says what it measured; a board whose firmware passes no kernel command line (raspi3b under
        // QEMU gets no devicetree) measures with its defaults, which must not pass for what was asked.
        let asked = "interval=\(options.intervalUs)us loops=\(loops) histogram=\(buckets) unit=\(options.nanoseconds ? "ns" : "us")"
        guard let header = lines.first(where: { $0.hasPrefix("jitter: board=") }), header.hasSuffix(" " + asked) else {
            operationalError("\(board.name) did not measure what was asked (\(asked)); it said: "
                             + (lines.first { $0.hasPrefix("jitter: board=") }.map(String.init) ?? "nothing"))
        }
        guard let first = lines.firstIndex(where: { $0 == "# Histogram" }) else {
            operationalError("the board printed no histogram:\n\(console)")
        }
        let block = lines[first...].prefix { $0 != "jitter: done" }.joined(separator: "\n")
        let file: LatencyHistogramFile
        do {
            file = try LatencyHistogramFile(text: block, path: "\(board.name) console")
        } catch {
            operationalError("the board's histogram does not parse: \(error)")
        }
        // The board prints its own status lines (the last sample is only there); the histogram must agree.
        let status = lines.compactMap { JitterReport.parseStatusLine($0) }
        guard status.count == file.threads.count, zip(status, file.threads).allSatisfy({ $0.cycles == $1.samples && $0.maximum == $1.maximum }) else {
            operationalError("the board's status lines do not match its histogram:\n\(console)")
        }
        let final = zip(status, file.threads).map { line, t in
            JitterThreadFigures(index: line.index, tid: 0, priority: line.priority, intervalUs: line.intervalUs, cpu: 0,
                                cycles: line.cycles, minimum: line.minimum, last: line.last, average: line.average,
                                exactAverage: Double(line.average), maximum: line.maximum, buckets: options.histogram > 0 ? t.counts : [])
        }
        print("# \(board.name): T: 0 timer interrupt latency, T: 1 task release latency")
        if !options.quiet || options.histogram == 0 {
            for t in final { print(JitterReport.statusLine(t, nanoseconds: options.nanoseconds)) }
        }
        if options.histogram > 0 { emitHistogram(block + "\n", options) }
        var system = hostSystemInfo()
        system.cpuModel = "\(board.name) (\(board.arch), QEMU \(board.machine))"
        // The board's CPU count from its banner (`cpus=N`), not the host's.
        if let banner = lines.first(where: { $0.hasPrefix("Orion RT ") }),
           let field = banner.split(separator: " ").first(where: { $0.hasPrefix("cpus=") }), let cpus = Int(field.dropFirst(5)) {
            system.cpus = cpus
        }
        let banner = lines.first { $0.hasPrefix("Orion RT ") }.map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
        finish(options, threads: final, failures: [], system: system, start: start, board: board.name, kernel: banner)
    }

    // MARK: Shared ends

    func emitHistogram(_ text: String, _ options: JitterOptions) {
        if let path = options.histfile {
            do { try OutputFile.write(text, to: path, what: "the histogram") } catch {
                operationalError(error.message)
            }
        } else {
            print(text, terminator: "")
        }
    }

    func finish(_ options: JitterOptions, threads: [JitterThreadFigures], failures: [String],
                system: JitterReport.SystemInfo, start: Date, board: String? = nil, kernel: String? = nil) -> Never {
        fflush(nil)
        for failure in failures { FileHandle.standardError.write(Data("orion: error: \(failure)\n".utf8)) }
        let over = options.maxLatencyUs.flatMap { JitterReport.exceeds(threads, limitUs: $0, nanoseconds: options.nanoseconds) }
        let status: Int32 = !failures.isEmpty || over != nil ? 1 : 0
        if let over, let limit = options.maxLatencyUs {
            let unit = options.nanoseconds ? "ns" : "us"
            FileHandle.standardError.write(Data("orion jitter: thread \(over.index): max latency \(over.maximum) \(unit) exceeds --max-latency \(limit) us\n".utf8))
        }
        if let path = options.jsonPath {
            let text = JitterReport.json(commandLine: (["orion", "jitter"] + arguments).joined(separator: " "), start: start,
                                         end: Date(), returnCode: status, system: system, threads: threads,
                                         nanoseconds: options.nanoseconds, maxLatencyUs: options.maxLatencyUs,
                                         exceeded: over != nil, board: board, kernel: kernel)
            do { try OutputFile.write(text, to: path, what: "the JSON report") } catch {
                operationalError(error.message)
            }
        }
        Foundation.exit(status)
    }

    // MARK: plot

    static let plotUsage = """
        orion jitter plot FILE... --svg OUT [--title T] [--nsecs]

        Draws an OSADL-style latency plot (SVG) of cyclictest or orion jitter histograms (-h/-H output, on
        stdout or from --histfile), one line per thread per file.

          FILE           a histogram: a regular file of at most 128 MiB with at most 1000000 rows
                         (cyclictest's largest -h) and 1024 threads; its footer must agree with its buckets
          --svg OUT      where to write the plot
          --title T      the plot's title (default: one naming the files)
          --nsecs, -N    the files were written with -N (buckets in ns)
          --help, -h     this text
        Exit status: 0 done, 2 bad usage or a file that is not a well-formed histogram (file:line: what is wrong).
        """

    func plot(_ arguments: [String]) -> Never {
        var files: [String] = []
        var svg: String?
        var title: String?
        var unit = LatencyUnit.microseconds
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            func value() -> String {
                if let eq = a.firstIndex(of: "=") { return String(a[a.index(after: eq)...]) }
                i += 1
                guard i < arguments.count else { usageError("option \(a) needs a value") }
                return arguments[i]
            }
            if a == "--help" || a == "-h" {
                print(Self.plotUsage)
                Foundation.exit(0)
            }
            if a == "--svg" || a.hasPrefix("--svg=") { svg = value() }
            else if a == "--title" || a.hasPrefix("--title=") { title = value() }
            else if a == "--nsecs" || a == "-N" { unit = .nanoseconds }
            else if a.hasPrefix("-") && a != "-" { usageError("unknown option \(a) for plot (use FILE... --svg OUT [--title T] [--nsecs])") }
            else { files.append(a) }
            i += 1
        }
        guard let svg else { usageError("plot needs --svg OUT") }
        guard !files.isEmpty else { usageError("plot needs at least one histogram file") }
        let text: String
        do {
            text = try LatencyPlot.plotFiles(files, title: title, unit: unit)
        } catch {
            usageError(error.description)
        }
        do { try OutputFile.write(text, to: svg, what: "the plot") } catch {
            usageError(error.message)
        }
        Foundation.exit(0)
    }
}

/// `orion: error: MESSAGE` (as every orion command words its errors) and exit 2.
func usageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("orion: error: \(message)\n".utf8))
    exit(2)
}

/// `orion: error: MESSAGE` and exit 1 (the measurement itself failed).
func operationalError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("orion: error: \(message)\n".utf8))
    exit(1)
}

/// /proc/loadavg's five fields, as cyclictest prints them.
func loadAverageText() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return text.split(separator: " ").prefix(5).joined(separator: " ")
}

/// uname, PREEMPT_RT, CPU model, CPUs and load for the JSON file.
func hostSystemInfo() -> JitterReport.SystemInfo {
    var names = utsname()
    uname(&names)
    func field<T>(_ value: T) -> String {
        withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
    let realtime = (try? String(contentsOfFile: "/sys/kernel/realtime", encoding: .utf8))?.hasPrefix("1") ?? false
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
    let load = loadAverageText().split(separator: " ").prefix(3).compactMap { Double($0) }
    return JitterReport.SystemInfo(
        sysname: field(names.sysname), nodename: field(names.nodename), release: field(names.release),
        version: field(names.version), machine: field(names.machine), realtime: realtime,
        cpuModel: model ?? field(names.machine), cpus: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), loadAverage: load)
}
