// raspi4b (Raspberry Pi 4B, BCM2711) booted through `orion run` in QEMU 10, which Tools/setup-qemu10 unpacks
// into Orion's cache (RaspberryPi.ensureQEMU10 runs it when missing): with the devicetree the Pi firmware
// would pass (the default) and without one, the kernel's selftest, the benchmark under --icount, the fault
// path; and what `orion boards` / `orion run` say when QEMU 10 or the devicetree is missing.

import Foundation
import Testing
@testable import OrionTool
import TestSupport

@Suite("raspi4b in QEMU 10", .serialized)
struct Raspi4bBootTests {
    init() throws { try RaspberryPi.ensureQEMU10() }

    /// The value after `prefix` on the first console line that starts with it.
    func line(_ stdout: String, _ prefix: String) -> String? {
        stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// The banner and report lines both boots share: 4 cores, 960 MiB (QEMU 10 fills the devicetree's /memory
    /// with the first GiB less the VideoCore's 64 MiB, and answers the mailbox the same), the PL011 console,
    /// the GIC-400, ten ticks of the generic timer through it.
    func checkMachine(_ run: ProcessResult) throws {
        #expect(run.status == 0, "orion run exited \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        let banner = try #require(BootBanner.first(in: run.stdout), "no banner in:\n\(run.stdout)")
        #expect(banner.board == "raspi4b")
        #expect(banner.arch == "aarch64")
        #expect(banner.cpus == 4)
        #expect(banner.memoryMiB == 960)
        #expect(banner.consoleCompatible == "arm,pl011")
        #expect(banner.consoleBase == 0xFE20_1000)
        #expect(banner.timerHz > 0)
        #expect(line(run.stdout, "memory: ")?.hasPrefix("0x0 size 0x3c000000") == true, "\(run.stdout)")
        #expect(line(run.stdout, "intc: ")?.hasPrefix("arm,gic-400@0xff841000") == true, "\(run.stdout)")
        let ticks = line(run.stdout, "timer: ticks=").flatMap { $0.split(separator: " ").first }.flatMap { Int($0) }
        #expect(ticks.map { (10...12).contains($0) } == true, "\(run.stdout)")
        #expect(run.stdout.contains("demo: ok"), "\(run.stdout)")
    }

    /// By default the guest gets Debian's bcm2711-rpi-4-b.dtb, as from the Pi firmware: the facts come from it,
    /// and the console stays on the PL011 although its stdout-path names the mini UART.
    // @verifies SWR-HAL-PLAT-1
    // @verifies SWR-HAL-PLAT-2
    // @verifies SWR-HAL-PLAT-4
    @Test func demoBootsWithTheFirmwareDevicetree() throws {
        let run = try OrionExecutable.run(["run", "--board", "raspi4b", "--timeout", "120"])
        try checkMachine(run)
        #expect(run.stderr.contains(" on raspi4b with devicetree ") && run.stderr.contains("/bcm2711-rpi-4-b.dtb"), "\(run.stderr)")
        #expect(line(run.stdout, "platform-source: ") == "devicetree", "\(run.stdout)")
        #expect(run.stdout.contains("console: the devicetree's stdout-path names brcm,bcm2835-aux-uart@0xfe215040; the board's console is the arm,pl011"),
                "\(run.stdout)")
        #expect(!run.stdout.contains("devicetree: none passed"))
    }

    /// --no-devicetree: x0 points at QEMU's ATAG list; the board's facts and the VideoCore mailbox fill in.
    // @verifies SWR-HAL-PLAT-2
    @Test func demoBootsWithoutADevicetree() throws {
        let run = try OrionExecutable.run(["run", "--board", "raspi4b", "--no-devicetree", "--timeout", "120"])
        try checkMachine(run)
        #expect(!run.stderr.contains("with devicetree"), "\(run.stderr)")
        #expect(run.stdout.contains("devicetree: none passed (using the board's built-in facts)"), "\(run.stdout)")
        #expect(line(run.stdout, "platform-source: ") == "board", "\(run.stdout)")
    }

    // @verifies SWR-KERN-SCHED-1
    // @verifies SWR-KERN-IPC-1
    // @verifies SWR-KERN-CAP-1
    // @verifies SWR-KERN-FAULT-1
    // @verifies SWR-KERN-ADMIT-1
    @Test func kernelSelftestPasses() throws {
        let run = try OrionExecutable.run(["run", "--board", "raspi4b", "--app", "selftest", "-c", "release", "--icount", "--timeout", "300"])
        #expect(run.status == 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        let summary = line(run.stdout, "SELFTEST ") ?? ""
        #expect(summary.hasPrefix("PASS "), "\(run.stdout)")
        let counts = summary.dropFirst("PASS ".count).split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(counts.count == 2 && counts[0] == counts[1] && counts[0] >= 20, "\(summary)")
    }

    /// Every figure the benchmark prints (`BenchFigure`); under --icount two runs agree exactly.
    @Test func benchPrintsRepeatableFiguresUnderIcount() throws {
        func figures() throws -> [String: BenchFigure] {
            let run = try OrionExecutable.run(["run", "--board", "raspi4b", "--app", "bench", "-c", "release", "--icount", "--timeout", "300"])
            #expect(run.status == 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
            #expect(run.stdout.contains("bench: kernel latency on raspi4b"), "\(run.stdout)")
            return BenchFigure.parse(run.stdout)
        }
        let first = try figures()
        for name in ["now from user mode", "syscall round trip (now)", "context switch (yield, same priority)",
                     "ipc call+reply round trip (64 bytes)", "ipc call+reply round trip (0 bytes)", "notification signal -> wake",
                     "timer interrupt -> task running", "timer interrupt -> task running (32 ready)",
                     "fp pick-next (32 ready)", "edf pick-next (32 ready)"] {
            #expect((first[name]?.mean ?? 0) > 0, "missing \(name) in \(first)")
        }
        #expect(try figures() == first)
    }

    /// An undefined instruction reaches the kernel's exception entry through the vectors, printed on the
    /// PL011, and the guest's status 70 reaches the host; a failing app's status too.
    @Test func faultAndFailureReachTheHost() throws {
        let fault = try OrionExecutable.run(["run", "--board", "raspi4b", "--app", "fault", "--timeout", "120"])
        #expect(fault.status == 70, "stdout:\n\(fault.stdout)\nstderr:\n\(fault.stderr)")
        #expect(fault.stdout.contains("FAULT: exception vector 4 ESR_EL1=0x2000000 "), "\(fault.stdout)")
        let fail = try OrionExecutable.run(["run", "--board", "raspi4b", "--app", "fail", "--timeout", "120"])
        #expect(fail.status == 3, "stdout:\n\(fail.stdout)\nstderr:\n\(fail.stderr)")
        #expect(fail.stderr.contains("guest exited with status 3"))
    }

    /// `orion boards` says where raspi4b's QEMU came from; the system's QEMU still boots the other boards.
    @Test func boardsSaysWhereQEMU10CameFrom() throws {
        let run = try OrionExecutable.run(["boards"])
        #expect(run.status == 0)
        let row = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("raspi4b ") }, "\(run.stdout)")
        #expect(row.contains("qemu-system-aarch64 -M raspi4b"), "\(row)")
        #expect(row.contains("yes (QEMU 10."), "\(row)")
        #expect(row.contains(" from bookworm-backports, "), "\(row)")
        #expect(row.hasSuffix("/qemu-10)"), "\(row)")
        let pi3 = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("raspi3b ") })
        #expect(pi3.hasSuffix("  yes"), "\(pi3)")
    }

    /// With an empty cache: `orion boards` names the command that installs QEMU 10, and `orion run` refuses
    /// (exit 2) with the same words before building anything; with QEMU 10 but no devicetree, `orion run`
    /// names the command that fetches it and the option to boot without.
    @Test func missingQEMU10OrDevicetreeNamesTheSetupCommand() throws {
        let empty = NSTemporaryDirectory() + "orion-cache-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let boards = try OrionExecutable.run(["boards"], environment: ["ORION_CACHE_DIR": empty])
        let row = try #require(boards.stdout.split(separator: "\n").first { $0.hasPrefix("raspi4b ") }, "\(boards.stdout)")
        #expect(row.hasSuffix("no: QEMU 10 for -M raspi4b is not installed in \(empty)/qemu-10: run Tools/setup-qemu10"), "\(row)")
        let run = try OrionExecutable.run(["run", "--board", "raspi4b"], environment: ["ORION_CACHE_DIR": empty])
        #expect(run.status == 2)
        #expect(run.stderr.contains("orion: error: QEMU 10 for -M raspi4b is not installed in \(empty)/qemu-10: run Tools/setup-qemu10"), "\(run.stderr)")
        #expect(!run.stderr.contains("orion: booting"))

        try FileManager.default.createSymbolicLink(atPath: empty + "/qemu-10", withDestinationPath: RaspberryPi.cache + "/qemu-10")
        let noDevicetree = try OrionExecutable.run(["run", "--board", "raspi4b"], environment: ["ORION_CACHE_DIR": empty])
        #expect(noDevicetree.status == 2)
        #expect(noDevicetree.stderr.contains("orion: error: raspi4b's devicetree bcm2711-rpi-4-b.dtb is not in \(empty)/raspi-dtbs: run Tools/setup-qemu10 (or boot without it: --no-devicetree)"),
                "\(noDevicetree.stderr)")
    }

    /// Tools/setup-qemu10 with everything in place: no network, a few seconds at most, one line (QEMU 10's
    /// qemu-system-aarch64, which lists the raspi4b machine); any argument is a usage error.
    @Test func setupQEMU10IsQuickWhenPresent() throws {
        let setup = TestPaths.packageRoot.appendingPathComponent("Tools/setup-qemu10").path
        let started = Date()
        let run = try HostProcess.run(setup, [], timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(!run.stderr.contains("fetching"), "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasSuffix("/qemu-10/root/usr/bin/qemu-system-aarch64"), "\(run.stdout)")
        let usage = try HostProcess.run(setup, ["--dtbs"], timeout: 60)
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("usage: Tools/setup-qemu10"))
    }

    @Test func qemuArgumentsCarryTheDevicetreeAndTheFixedMachine() throws {
        let board = try #require(BoardCatalog.board(named: "raspi4b"))
        let image = URL(fileURLWithPath: "/tmp/kernel8.img")
        #expect(throws: OrionError.self) { try QEMU.arguments(board: board, image: image, options: BootOptions(cpus: 2)) }
        #expect(throws: OrionError.self) { try QEMU.arguments(board: board, image: image, options: BootOptions(memoryMiB: 1024)) }
        let args = try QEMU.arguments(board: board, image: image, options: BootOptions(cpus: 4, memoryMiB: 2048, devicetree: "/tmp/pi4.dtb"))
        #expect(args == ["-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot", "-M", "raspi4b", "-semihosting",
                         "-smp", "4", "-m", "2048M", "-dtb", "/tmp/pi4.dtb", "-kernel", "/tmp/kernel8.img"])
        let installed = try QEMU.installation(for: board)
        #expect(installed.executable.hasSuffix("/qemu-10/root/usr/bin/qemu-system-aarch64"))
        #expect(installed.environment["QEMU_MODULE_DIR"]?.hasSuffix("/qemu-10/root/usr/lib/x86_64-linux-gnu/qemu") == true)
        #expect(installed.arguments.count == 2 && installed.arguments[0] == "-L" && installed.arguments[1].hasSuffix("/qemu-10/root/usr/share/qemu"))
        #expect(QEMU.debianUpstreamVersion(package: "qemu-system-arm", in: "qemu-system-common\t1:9.0\nqemu-system-arm\t1:10.0.2+ds-2+deb13u1~bpo12+1\n") == "10.0.2")
        #expect(QEMU.debianUpstreamVersion(package: "qemu-system-arm", in: "qemu-system-arm\t\n") == nil)
        #expect(HostTools.abbreviatingHome(FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/x") == "~/.cache/x")
    }
}
