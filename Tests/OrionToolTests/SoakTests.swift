// The soak run (`Tools/soak`, guest app `soak`): two minutes of guest time on every board with nothing going
// wrong, and proof that the soak fails when something does (a job over its budget, a task set the kernel's
// admission control must refuse), plus the script's and the guest's checks of their parameters.

import Foundation
import Testing
import TestSupport

/// The summary `Tools/soak` prints at the end, read back.
struct SoakSummary {
    var fields: [String: String] = [:]
    var verdict: String?
    var statusLines: [String] = []
    var endLine: String?

    init(_ stdout: String) {
        let lines = stdout.split(whereSeparator: \.isNewline).map(String.init)
        for line in lines {
            if line.hasPrefix("  "), let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].trimmingCharacters(in: .whitespaces)
                fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            if line.hasPrefix("soak: t=") { statusLines.append(line) }
            if line.hasPrefix("soak: end t=") { endLine = line }
        }
        verdict = lines.last { $0 == "soak: PASS" || $0.hasPrefix("soak: FAIL (") }
    }

    /// A whole-number field of the summary (`jobs`, `lost frames`, ...); nil when absent or not a number.
    func number(_ key: String) -> Int? { fields[key].flatMap { Int($0) } }

    /// `name=N` of the guest's last line.
    func endValue(_ name: String) -> Int? {
        guard let endLine, let range = endLine.range(of: " \(name)=") else { return nil }
        return Int(endLine[range.upperBound...].prefix { $0.isNumber })
    }
}

@Suite("soak", .serialized)
struct SoakTests {
    /// Runs `Tools/soak` with the orion built next to the tests.
    static func soak(_ arguments: [String], timeout: TimeInterval = 900) throws -> ProcessResult {
        let script = TestPaths.packageRoot.appendingPathComponent("Tools/soak").path
        return try HostProcess.run(script, arguments, in: TestPaths.packageRoot.path,
                                   environment: ["ORION": TestPaths.orion], timeout: timeout)
    }

    /// CI's soak: 2 minutes of guest time per board, every count 0, and the workload really ran: jobs at the
    /// rates the task set declares (ctl 100/s, prod 50/s, can0 or mbc 100/s, mon every 10 s), one IPC call per
    /// ctl job, one queue message and notification per prod job, and frames both ways on the bus.
    // @verifies SWR-KERN-ADMIT-1
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64", "raspi3b", "raspi4b"])
    func twoMinutesOnEveryBoardPass(_ board: String) throws {
        try RaspberryPi.ensureQEMU(board: board)
        let run = try Self.soak(["--board", board, "--minutes", "2"])
        let text = "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)"
        #expect(run.status == 0, "\(text)")
        let summary = SoakSummary(run.stdout)
        #expect(summary.verdict == "soak: PASS", "\(text)")
        for key in ["panics", "deadline misses", "budget overruns", "lost frames", "errors"] {
            #expect(summary.number(key) == 0, "\(key): \(text)")
        }
        #expect(summary.fields["admission"] == "accepted", "\(text)")
        #expect(run.stdout.contains("soak summary: board=\(board) guest_seconds=120 "), "\(text)")
        // A status line every 10 s of guest time while the run lasts, then the end line.
        #expect(summary.statusLines.count == 11, "\(text)")
        #expect(summary.statusLines.first?.hasPrefix("soak: t=10s jobs=") == true, "\(text)")
        #expect(summary.endLine?.hasPrefix("soak: end t=120s ") == true, "\(text)")
        let jobs = summary.number("jobs") ?? 0
        #expect(jobs >= 29_900 && jobs <= 30_020, "jobs \(jobs): \(text)")
        let ipc = summary.number("ipc calls") ?? 0
        #expect(ipc >= 11_990 && ipc <= 12_000, "ipc \(ipc): \(text)")
        let queue = summary.number("queue messages") ?? 0
        #expect(queue >= 5_990 && queue <= 6_000 && summary.number("notifications") == queue, "\(text)")
        // Frames: on CAN one forward frame and one echo per can0 job; on Modbus a request and a reply for each
        // of mbc's two transactions per job (each counted when sent and when received).
        let frames = summary.fields["frames"] ?? ""
        let expected = board.hasPrefix("raspi") ? 48_000 : 24_000
        #expect(frames == "tx \(expected) rx \(expected)", "frames \(frames): \(text)")
        if board == "raspi3b" {
            // QEMU gives raspi3b no devicetree: the parameters came through semihosting's command line.
            #expect(run.stdout.contains("bus=modbus-rtu inject=none parameters=semihosting"), "\(text)")
        } else if board == "raspi4b" {
            // raspi4b gets the Pi firmware's devicetree, whose /chosen/bootargs QEMU fills from -append.
            #expect(run.stdout.contains("bus=modbus-rtu inject=none parameters=bootargs"), "\(text)")
        } else {
            #expect(run.stdout.contains("bus=can inject=none parameters=bootargs"), "\(text)")
            // can1 was driven by its card's interrupt through the kernel, about once per frame.
            #expect((summary.endValue("irq") ?? 0) >= 11_000, "\(text)")
        }
    }

    /// One job of `ctl` runs three budgets long: the kernel throttles it, and the soak fails on the overrun.
    // @verifies SWR-KERN-BUDGET-1
    @Test func anOverBudgetJobFailsTheSoak() throws {
        let run = try Self.soak(["--board", "qemu-virt-aarch64", "--seconds", "10", "--inject", "overrun"])
        let text = "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)"
        #expect(run.status == 1, "\(text)")
        let summary = SoakSummary(run.stdout)
        #expect(summary.number("budget overruns") == 1, "\(text)")
        #expect(run.stdout.contains("kernel: budget overrun, throttled: ctl at "), "\(text)")
        #expect(summary.verdict?.hasPrefix("soak: FAIL (budget overruns") == true, "\(text)")
        #expect(run.stdout.contains("\nsoak: FAIL misses="), "the guest fails too: \(text)")
    }

    /// An extra task that makes the set unschedulable: admission control refuses it, nothing runs, the soak fails.
    // @verifies SWR-KERN-ADMIT-1
    @Test func anUnadmittableTaskSetFailsTheSoak() throws {
        let run = try Self.soak(["--board", "qemu-virt-riscv64", "--seconds", "10", "--inject", "unadmittable"])
        let text = "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)"
        #expect(run.status == 1, "\(text)")
        let summary = SoakSummary(run.stdout)
        #expect(summary.fields["admission"] == "refused", "\(text)")
        #expect(run.stdout.contains("admission: refused (fp): task ctl "), "\(text)")
        #expect(summary.number("jobs") == 0, "\(text)")
        #expect(summary.verdict?.hasPrefix("soak: FAIL (admission refused the task set") == true, "\(text)")
    }

    /// A task that executes an undefined instruction: the kernel stops it with its fault report, the others
    /// keep running, and the soak counts a panic and fails.
    // @verifies SWR-KERN-FAULT-1
    @Test func aFaultingTaskFailsTheSoakAsAPanic() throws {
        let run = try Self.soak(["--board", "qemu-virt-aarch64", "--seconds", "10", "--inject", "fault"])
        let text = "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)"
        #expect(run.status == 1, "\(text)")
        let summary = SoakSummary(run.stdout)
        #expect(summary.number("panics") == 1, "\(text)")
        #expect(run.stdout.contains("FAULT in task prod "), "\(text)")
        #expect(summary.endValue("faults") == 1, "\(text)")
        // The other tasks ran on to the end: ctl's IPC calls continued after the fault at 5 s.
        #expect((summary.number("ipc calls") ?? 0) >= 990, "\(text)")
        #expect(summary.verdict?.hasPrefix("soak: FAIL (panics") == true, "\(text)")
    }

    /// EDF admits the same set (utilization about 0.5) and runs it as cleanly.
    @Test func edfRunsTheSameSetCleanly() throws {
        let run = try Self.soak(["--board", "qemu-virt-aarch64", "--seconds", "20", "--policy", "edf"])
        let text = "exit \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)"
        #expect(run.status == 0, "\(text)")
        #expect(run.stdout.contains("policy=edf bus=can"), "\(text)")
        #expect(SoakSummary(run.stdout).verdict == "soak: PASS", "\(text)")
    }

    /// The script refuses bad options before building anything: exit 2, the option named.
    @Test(arguments: [
        (["--board", "qemu-virt-aarch64", "--minutes", "0"], "--minutes 0 is out of range 1...1440"),
        (["--board", "qemu-virt-aarch64", "--minutes", "1441"], "--minutes 1441 is out of range 1...1440"),
        (["--board", "qemu-virt-aarch64", "--minutes", "-3"], "--minutes '-3' is not a whole number"),
        (["--board", "qemu-virt-aarch64", "--seconds", "86401"], "--seconds 86401 is out of range 1...86400"),
        (["--board", "qemu-virt-aarch64", "--minutes", "1", "--seconds", "5"], "give --minutes or --seconds, not both"),
        (["--board", "qemu-virt-aarch64"], "--minutes (or --seconds) is required"),
        (["--minutes", "2"], "--board is required"),
        (["--board", "pdp11", "--minutes", "2"], "--board 'pdp11' is not one of"),
        (["--board", "raspi3b", "--minutes", "2", "--policy", "rr"], "--policy 'rr' must be fp or edf"),
        (["--board", "raspi3b", "--minutes", "2", "--inject", "crash"], "--inject 'crash' must be none, overrun, unadmittable or fault"),
        (["--board", "raspi3b", "--minutes"], "--minutes needs a value"),
        (["--board", "raspi3b", "--hours", "2"], "unknown option '--hours'"),
    ])
    func badOptionsExitTwo(_ arguments: [String], _ message: String) throws {
        let run = try Self.soak(arguments, timeout: 60)
        #expect(run.status == 2, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stderr.contains("Tools/soak: error: \(message)"), "\(run.stderr)")
    }

    /// The guest checks its own parameters: a bad one ends it with status 2 and names the word.
    @Test func theGuestRefusesABadParameter() throws {
        let run = try OrionExecutable.run(["run", "--board", "qemu-virt-aarch64", "--app", "soak", "--timeout", "60", "--icount",
                                           "--qemu-arg=-append", "--qemu-arg=soak.seconds=0"])
        #expect(run.status == 2, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.contains("soak: error: soak.seconds=0: out of range 1...604800"), "\(run.stdout)")
        let other = try OrionExecutable.run(["run", "--board", "qemu-virt-aarch64", "--app", "soak", "--timeout", "60", "--icount",
                                             "--qemu-arg=-append", "--qemu-arg=soak.minutes=2"])
        #expect(other.status == 2, "stdout:\n\(other.stdout)\nstderr:\n\(other.stderr)")
        #expect(other.stdout.contains("soak: error: soak.minutes=2: unknown parameter"), "\(other.stdout)")
    }
}
