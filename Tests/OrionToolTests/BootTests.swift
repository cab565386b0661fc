// Boot tests: each board is built and booted in QEMU through the `orion` executable, and what the kernel
// prints is checked against the options given to QEMU.

import Foundation
import Testing
@testable import OrionTool
import TestSupport

struct BootCase: CustomTestStringConvertible, Sendable {
    let board: String
    let cpus: Int?
    let memoryMiB: Int?
    var testDescription: String { "\(board) smp=\(cpus.map(String.init) ?? "-") mem=\(memoryMiB.map(String.init) ?? "-")" }
}

let bootCases = [
    BootCase(board: "qemu-virt-aarch64", cpus: 2, memoryMiB: 256),
    BootCase(board: "qemu-virt-aarch64", cpus: 4, memoryMiB: 512),
    BootCase(board: "qemu-virt-riscv64", cpus: 2, memoryMiB: 256),
    BootCase(board: "qemu-virt-riscv64", cpus: 3, memoryMiB: 1024),
    BootCase(board: "raspi3b", cpus: nil, memoryMiB: nil),
]

@Suite("Boot in QEMU", .serialized)
struct BootTests {
    // @verifies SWR-HAL-PLAT-2
    @Test(arguments: bootCases)
    func demoBootsAndReportsTheMachine(_ boot: BootCase) throws {
        var arguments = ["run", "--board", boot.board, "--timeout", "120"]
        if let cpus = boot.cpus { arguments += ["--smp", String(cpus)] }
        if let memory = boot.memoryMiB { arguments += ["--memory", String(memory)] }
        let run = try OrionExecutable.run(arguments)
        #expect(run.status == 0, "orion run exited \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        let banner = try #require(BootBanner.first(in: run.stdout), "no banner in:\n\(run.stdout)")
        #expect(banner.board == boot.board)
        let spec = try #require(BoardCatalog.board(named: boot.board))
        #expect(banner.arch == spec.arch)
        switch boot.board {
        case "raspi3b":
            // No devicetree: 4 cores from the SoC; memory from the firmware mailbox, which in QEMU
            // reports 1 GiB minus the VideoCore's 64 MiB.
            #expect(banner.cpus == 4)
            #expect(banner.memoryMiB == 960)
            #expect(banner.consoleCompatible == "arm,pl011")
            #expect(banner.consoleBase == 0x3F20_1000)
            #expect(banner.timerHz > 0)
        case "qemu-virt-riscv64":
            #expect(banner.cpus == boot.cpus)
            #expect(banner.memoryMiB == boot.memoryMiB)
            #expect(banner.timerHz == 10_000_000)
            #expect(banner.consoleCompatible == "ns16550a")
            #expect(banner.consoleBase == 0x1000_0000)
        default:
            #expect(banner.cpus == boot.cpus)
            #expect(banner.memoryMiB == boot.memoryMiB)
            #expect(banner.timerHz == 62_500_000)  // QEMU 7.2's CNTFRQ_EL0 for cortex-a53
            #expect(banner.consoleCompatible == "arm,pl011")
            #expect(banner.consoleBase == 0x0900_0000)
        }
        // The demo waited for ten timer interrupts, which proves the interrupt controller and timer drivers. The
        // count is the total since the tick started: on a loaded host one more may land before it is printed.
        let ticks = run.stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix("timer: ticks=") }
            .flatMap { $0.dropFirst("timer: ticks=".count).split(separator: " ").first }.flatMap { Int($0) }
        #expect(ticks.map { (10...12).contains($0) } == true, "\(run.stdout)")
        #expect(run.stdout.contains(" hz=100 "), "\(run.stdout)")
        #expect(run.stdout.contains("demo: ok"))
    }

    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64", "raspi3b"])
    func failingGuestFailsTheHostCommand(_ board: String) throws {
        let run = try OrionExecutable.run(["run", "--board", board, "--app", "fail", "--timeout", "120"])
        #expect(run.status == 3, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.contains("fail: deliberate failure"))
        #expect(run.stderr.contains("guest exited with status 3"))
    }

    /// An undefined instruction reaches the kernel's exception entry, which names the cause and exits 70.
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64", "raspi3b"])
    func faultIsCaughtAndReported(_ board: String) throws {
        let run = try OrionExecutable.run(["run", "--board", board, "--app", "fault", "--timeout", "120"])
        #expect(run.status == 70, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(!run.stdout.contains("still running"))
        if board == "qemu-virt-riscv64" {
            #expect(run.stdout.contains("FAULT: scause=0x2 "))  // illegal instruction
        } else {
            // Vector 4: synchronous exception at EL1; ESR_EL1.EC = 0 (unknown reason: UDF), IL = 1.
            #expect(run.stdout.contains("FAULT: exception vector 4 ESR_EL1=0x2000000 "))
            #expect(run.stdout.contains("x30="))
        }
    }

    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64", "raspi3b"])
    func releaseImageBoots(_ board: String) throws {
        let run = try OrionExecutable.run(["run", "--board", board, "-c", "release", "--timeout", "120"])
        #expect(run.status == 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(BootBanner.first(in: run.stdout)?.board == board)
        #expect(run.stdout.contains("demo: ok"))
        #expect(run.stderr.contains("/release/"))
    }

    /// Under --icount the guest's own timing is a function of its instructions only: two runs print the same.
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64"])
    func icountMakesGuestTimingRepeat(_ board: String) throws {
        func elapsedLine() throws -> String {
            let run = try OrionExecutable.run(["run", "--board", board, "--icount", "--timeout", "120"])
            #expect(run.status == 0, "\(run.stderr)")
            return run.stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix("timer:") }.map(String.init) ?? "missing"
        }
        let first = try elapsedLine()
        #expect(first.contains("elapsed="))
        #expect(try elapsedLine() == first)
    }

    /// The kernel's on-target suite. Under --icount the guest's time follows its own instructions, so the
    /// timing cases (deadlines, inheritance bounds) do not depend on how busy the host is.
    // @verifies SWR-KERN-SCHED-1
    // @verifies SWR-KERN-IPC-1
    // @verifies SWR-KERN-CAP-1
    // @verifies SWR-KERN-FAULT-1
    // @verifies SWR-KERN-ADMIT-1
    // @verifies SWR-KERN-MEM-1
    // @verifies SWR-KERN-MEM-3
    // @verifies SWR-KERN-MEM-4
    // @verifies SWR-KERN-FP-1
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64", "raspi3b"])
    func kernelSelftestPasses(_ board: String) throws {
        let run = try OrionExecutable.run(["run", "--board", board, "--app", "selftest", "-c", "release", "--icount", "--timeout", "300"])
        #expect(run.status == 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        let summary = run.stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix("SELFTEST ") }.map(String.init) ?? ""
        #expect(summary.hasPrefix("SELFTEST PASS "), "\(run.stdout)")
        let counts = summary.dropFirst("SELFTEST PASS ".count).split(separator: "/").compactMap { Int($0) }
        #expect(counts.count == 2 && counts[0] == counts[1] && counts[0] >= 46, "\(summary)")
        // The memory-protection cases ran, each fault was reported with its kind, and the supervisor's counts.
        for name in ["lazy fp: each task's FP registers survive its switches; a first use sees zeros",
                     "ipc: 96 short call/reply round trips of 1-32 bytes in registers, nothing past the length",
                     "ipc: a short client of a buffer server gets its 32 replies in registers",
                     "memory: reading the kernel's data faults", "memory: writing another task's stack faults",
                     "memory: executing its own stack faults", "memory: jumping into the kernel's text faults",
                     "memory: touching an MMIO window without a capability faults",
                     "memory: a region granted read-only cannot be written",
                     "supervisor: a faulting server is restarted 100 times; every call succeeds or gets serverRestarted"] {
            #expect(run.stdout.contains("  PASS \(name)"), "\(name) missing in:\n\(run.stdout)")
        }
        for access in ["read", "write", "execute"] {
            #expect(run.stdout.contains("FAULT in task attacker") && run.stdout.contains("\(access) at 0x"), "no \(access) fault report")
        }
    }

    /// A task makes 100,000 random system calls aimed at the kernel, at other tasks and at unmapped memory; the
    /// run must end with no kernel fault (the machine would stop), no task fault, no corrupted byte and no
    /// deadline miss. The counts are printed into the test log.
    // @verifies SWR-KERN-MEM-2
    // @verifies SWR-KERN-MEM-3
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64"])
    func hostileTaskChangesNothing(_ board: String) throws {
        let run = try OrionExecutable.run(["run", "--board", board, "--app", "hostile", "-c", "release", "--icount", "--timeout", "300"])
        let lines = run.stdout.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("hostile:") }
        print("[\(board)] " + lines.joined(separator: "\n[\(board)] "))
        #expect(run.status == 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.contains("HOSTILE PASS"))
        #expect(lines.contains("hostile: corrupted bytes 0"), "\(lines)")
        #expect(run.stdout.contains("calls 100000, kernel faults 0, task faults 0, deadline misses 0"))
        // The attack reached the pointer checks: some calls were refused for their addresses.
        let results = lines.first { $0.hasPrefix("hostile: results") } ?? ""
        let refused = results.split(separator: " ").first { $0.hasPrefix("badAddress=") }.flatMap { Int($0.dropFirst("badAddress=".count)) } ?? 0
        #expect(refused > 100, "\(results)")
    }

    /// The benchmark app prints every figure as `name: MEAN ns (min MIN, max MAX)` (or `name: N ns`), with
    /// min ≤ mean ≤ max, and under --icount two runs agree exactly.
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64"])
    func benchPrintsRepeatableFigures(_ board: String) throws {
        func figures() throws -> [String: BenchFigure] {
            let run = try OrionExecutable.run(["run", "--board", board, "--app", "bench", "-c", "release", "--icount", "--timeout", "300"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("bench: done"))
            return BenchFigure.parse(run.stdout)
        }
        let first = try figures()
        for name in ["now from user mode", "syscall round trip (now)", "context switch (yield, same priority)",
                     "ipc call+reply round trip (64 bytes)", "ipc call+reply round trip (32 bytes)",
                     "ipc call+reply round trip (0 bytes)", "ipc call+reply round trip (32 bytes in registers)",
                     "ipc call+reply round trip (0 bytes in registers)", "context switch (yield, same priority, FP tasks)",
                     "notification signal -> wake", "timer interrupt -> task running",
                     "timer interrupt -> task running (8 ready)", "timer interrupt -> task running (32 ready)",
                     "fp pick-next (32 ready)", "edf pick-next (32 ready)"] {
            let figure = try #require(first[name], "missing \(name) in \(first)")
            #expect(figure.mean > 0 && figure.min <= figure.mean && figure.mean <= figure.max, "\(name): \(figure)")
        }
        #expect(try figures() == first)
    }

    @Test func timeoutKillsQEMUAndExits124() throws {
        // -S starts QEMU with the CPUs stopped, so the guest never exits by itself.
        let started = Date()
        let run = try OrionExecutable.run(["run", "--timeout", "2", "--qemu-arg", "-S"])
        #expect(run.status == 124, "stderr:\n\(run.stderr)")
        #expect(run.stderr.contains("timeout"))
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test func missingQEMUNamesTheDebianPackage() throws {
        let run = try OrionExecutable.run(["run", "--board", "qemu-virt-riscv64"], environment: ["PATH": "/nonexistent"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("qemu-system-riscv64 not found"))
        #expect(run.stderr.contains("qemu-system-misc"))
    }

    @Test func badUsageExits2() throws {
        let unknownBoard = try OrionExecutable.run(["run", "--board", "pdp11"])
        #expect(unknownBoard.status == 2)
        #expect(unknownBoard.stderr.contains("unknown board 'pdp11'"))
        let unknownApp = try OrionExecutable.run(["build", "--app", "nope"])
        #expect(unknownApp.status == 2)
        #expect(unknownApp.stderr.contains("unknown app 'nope'"))
        let fixedMachine = try OrionExecutable.run(["run", "--board", "raspi3b", "--smp", "2"])
        #expect(fixedMachine.status == 2)
        #expect(fixedMachine.stderr.contains("raspi3b always has 4 CPUs"))
        // ArgumentParser's own usage errors exit 2 too (its default would be 64).
        let unknownOption = try OrionExecutable.run(["boards", "--colour"])
        #expect(unknownOption.status == 2)
        #expect(unknownOption.stderr.contains("Unknown option '--colour'"))
        let missingValue = try OrionExecutable.run(["run", "--timeout"])
        #expect(missingValue.status == 2)
        #expect(missingValue.stderr.contains("Missing value for '--timeout"))
        #expect(try OrionExecutable.run(["--help"]).status == 0)
    }

    // Issue 11: values QEMU refuses, `--qemu-arg ''` and any QEMU start-up failure ended as "guest exited
    // with status 1". Values outside the ranges --help states are refused before anything is built.
    @Test(arguments: [
        (["--smp", "1000"], "--smp: 1000 is out of range (1 to 512)"),
        (["--smp", "0"], "--smp: 0 is out of range (1 to 512)"),
        (["--smp", "-1"], "--smp: -1 is out of range (1 to 512)"),
        (["--memory", "1"], "--memory: 1 is out of range (16 to 65536 MiB)"),
        (["--memory", "100000"], "--memory: 100000 is out of range (16 to 65536 MiB)"),
        (["--timeout", "nan"], "--timeout: nan is out of range"),
        (["--timeout", "inf"], "--timeout: inf is out of range"),
        (["--timeout", "-1"], "--timeout: -1.0 is out of range (more than 0, at most 86400 seconds)"),
        (["--timeout", "86401"], "--timeout: 86401.0 is out of range"),
        (["--qemu-arg", ""], "--qemu-arg: an empty argument"),
    ])
    func runOptionsOutOfRangeExit2(_ options: [String], _ message: String) throws {
        let run = try OrionExecutable.run(["run"] + options, timeout: 120)
        #expect(run.status == 2, "stderr:\n\(run.stderr)")
        #expect(run.stderr.contains("orion: error: \(message)"), "\(run.stderr)")
        #expect(!run.stderr.contains("orion: booting"), "refused before the build")
        let help = try OrionExecutable.run(["run", "--help"], timeout: 120)
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for range in ["1..512", "16..65536", "at most 86400"] { #expect(flat.contains(range), "\(help.stdout)") }
    }

    // Issue 11: what QEMU itself refuses (virt's GICv2 takes 8 CPUs; an option it does not know) is reported
    // in QEMU's words with exit 2, not as the guest's status 1.
    @Test(arguments: [
        (["--smp", "9"], "exceeds max CPUs supported by machine"),
        (["--qemu-arg", "-no-such-option"], "-no-such-option: invalid option"),
    ])
    func qemuStartupFailureIsReportedInItsWords(_ options: [String], _ message: String) throws {
        let run = try OrionExecutable.run(["run", "--board", "qemu-virt-aarch64", "--timeout", "60"] + options)
        #expect(run.status == 2, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stderr.contains("orion: error: QEMU did not start the guest (exit status 1):\nqemu-system-aarch64: "), "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(!run.stderr.contains("guest exited with status"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func buildPrintsTheImagePaths() throws {
        let run = try OrionExecutable.run(["build", "--board", "raspi3b"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix("/orion-app-demo") == true)
        #expect(lines.last?.hasSuffix("/kernel8.img") == true)
        for line in lines { #expect(FileManager.default.fileExists(atPath: line)) }
    }

    @Test func boardsTableListsEveryBoard() throws {
        let run = try OrionExecutable.run(["boards"])
        #expect(run.status == 0)
        for board in BoardCatalog.all { #expect(run.stdout.contains(board.name)) }
        #expect(run.stdout.contains("BOOTS HERE"))
    }
}

/// One line of the bench app: `name: MEAN ns (min MIN, max MAX)`, or `name: N ns` (min = mean = max).
struct BenchFigure: Equatable, CustomStringConvertible {
    var mean: Int
    var min: Int
    var max: Int
    var description: String { "\(mean) (min \(min), max \(max))" }

    /// Every figure line of a bench run's console, by name.
    static func parse(_ output: String) -> [String: BenchFigure] {
        var out: [String: BenchFigure] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            guard let colon = line.lastIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let rest = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let numbers = rest.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            if rest.hasSuffix(" ns"), numbers.count == 1 {
                out[name] = BenchFigure(mean: numbers[0], min: numbers[0], max: numbers[0])
            } else if rest.contains(" ns (min "), rest.hasSuffix(")"), numbers.count == 3 {
                out[name] = BenchFigure(mean: numbers[0], min: numbers[1], max: numbers[2])
            }
        }
        return out
    }
}
