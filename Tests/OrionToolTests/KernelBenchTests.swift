// `Tools/bench/kernel --orion-only --check`: the regression guard on the kernel primitives' instruction
// counts (deterministic under --icount, so independent of machine load) against the ceilings recorded in
// docs/PERFORMANCE.md. The anchor runs (seL4, FreeRTOS) stay in the benchmark, not here: they take minutes.

import Foundation
import Testing
import TestSupport

@Suite("Tools/bench/kernel", .serialized)
struct KernelBenchTests {
    static var script: String { TestPaths.packageRoot.appendingPathComponent("Tools/bench/kernel").path }

    /// The ceilings document with `row` on `board` set to `value` (a copy in `folder`).
    static func ceilings(in folder: String, setting row: String? = nil, on board: String = "qemu-virt-aarch64", to value: String = "") throws -> String {
        var text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/PERFORMANCE.md"), encoding: .utf8)
        if let row {
            let prefix = "| \(board) | \(row) | "
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix(prefix) ? Substring(prefix + value + " |") : line
            }
            text = lines.joined(separator: "\n")
        }
        let path = folder + "/PERFORMANCE.md"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func everyPrimitiveIsWithinItsCeiling() throws {
        let run = try HostProcess.run(Self.script, ["--orion-only", "--check", "docs/PERFORMANCE.md"], in: TestPaths.packageRoot.path,
                                      environment: ["ORION_TOOL": TestPaths.orion], timeout: 1200)
        print(run.stdout)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("ceilings (docs/PERFORMANCE.md): all within 5 %"))
        for row in ["yield, two same-priority tasks, per switch", "IPC round trip, 0 B", "timer interrupt -> task running, 32 ready",
                    "now, from user mode"] {
            #expect(run.stdout.contains("| \(row) | "), "missing \(row)")
        }
    }

    @Test func aFigureAboveItsCeilingFails() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orion-kernel-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lowered = try Self.ceilings(in: folder, setting: "IPC round trip, 64 B each way", on: "qemu-virt-riscv64", to: "100")
        let run = try HostProcess.run(Self.script, ["--orion-only", "--check", lowered], in: TestPaths.packageRoot.path,
                                      environment: ["ORION_TOOL": TestPaths.orion], timeout: 1200)
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("qemu-virt-riscv64: IPC round trip, 64 B each way:"))
        #expect(run.stderr.contains("exceeds the ceiling 100 by more than 5 %"))
        #expect(run.stdout.contains("ceilings (\(lowered)): exceeded"))
    }

    @Test func aMalformedCeilingIsAFileLineError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orion-kernel-bench-bad-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let broken = try Self.ceilings(in: folder, setting: "IPC round trip, 0 B", to: "lots")
        let run = try HostProcess.run(Self.script, ["--orion-only", "--check", broken], in: TestPaths.packageRoot.path,
                                      environment: ["ORION_TOOL": TestPaths.orion], timeout: 120)
        #expect(run.status == 2)
        #expect(run.stderr.range(of: #"PERFORMANCE\.md:\d+: ceiling 'lots' is not a number"#, options: .regularExpression) != nil, "\(run.stderr)")
    }
}
