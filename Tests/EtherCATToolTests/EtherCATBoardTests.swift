// The EtherCAT master on the boards: `orion run --app ecat-demo` boots qemu-virt-aarch64 and qemu-virt-riscv64
// with a modern virtio-net NIC on a host tap device, where KickCAT's simulator answers with the same two slaves
// the Linux master's tests use. The board finds the NIC by PCI enumeration, starts it (Kernel/Drivers/VirtioNet),
// and the portable master scans, maps and takes the segment to OP, then runs the cyclic exchange in a periodic
// task with a budget, woken by the NIC's interrupt. Deterministic guest time (`--icount`), so the instruction count from the task's wake-up to
// the frame handed to the NIC is a figure, not a guess. Needs root (a network namespace with the tap, the
// simulator and QEMU in it).

import Foundation
import Testing
import TestSupport

@Suite("ecat-demo on the virt boards against the KickCAT simulator", .serialized)
struct EtherCATBoardTests {
    init() throws {
        try EtherCATSegment.ensurePeers()
    }

    /// `orion ARGUMENTS` in the segment's network namespace (where its tap is).
    func orionIn(_ segment: EtherCATSegment, _ arguments: [String]) throws -> ProcessResult {
        try HostProcess.run("ip", ["netns", "exec", segment.namespace, TestPaths.orion] + arguments, in: TestPaths.packageRoot.path,
                            timeout: 1200)
    }

    /// The numbers in the line that starts with `prefix`, after it ("min 1078 avg 1078 max 1078" → [1078, 1078, 1078]).
    func numbers(in text: String, line prefix: String) -> [UInt64] {
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix(prefix) }) else { return [] }
        return line.dropFirst(prefix.count).split(separator: " ").compactMap { UInt64($0.trimmingCharacters(in: .punctuationCharacters)) }
    }

    // @verifies SWR-ECAT-BOARD-1
    // @verifies SWR-HAL-VIRTIO-1
    // @verifies SWR-ECAT-PDO-1
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64"])
    func theBoardTakesTheSegmentToOpAndRunsItsCycle(_ board: String) throws {
        let segment = try EtherCATSegment(tapSlaves: EtherCATSegment.twoSlaves)
        defer { segment.close() }
        let run = try orionIn(segment, ["run", "--board", board, "--app", "ecat-demo", "-c", "release", "--icount",
                                         "--tap", segment.interface, "--timeout", "600"])
        let out = run.stdout.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("kernel:") }.joined(separator: "\n")
        #expect(run.status == 0, "orion run exited \(run.status)\nstdout:\n\(out)\nstderr:\n\(run.stderr.suffix(3000))")
        // The NIC: found on bus 0, its BARs in the 32-bit window, started with the MAC QEMU gives it.
        #expect(out.contains("ecat-demo: virtio-net at 00:0"), "\(out)")
        #expect(out.contains("ecat-demo: virtio-net started, MAC 52:54:00:12:34:56"), "\(out)")
        // The same slaves, identities and process data the Linux master finds on this simulator (pysoem agrees on
        // the identities in EtherCATSimulatorTests); both have CoE, so their sizes come from 0x1C12/0x1C13.
        #expect(out.contains("ecat-demo: slave 0: station 1001 vendor 0x79a product 0xdefede (CoE), outputs 3 bytes, inputs 12 bytes"), "\(out)")
        #expect(out.contains("ecat-demo: slave 1: station 1002 vendor 0x1337 product 0x4800 (CoE), outputs 2 bytes, inputs 26 bytes"), "\(out)")
        #expect(out.contains("ecat-demo: SAFEOP: 2 slaves, image 5 bytes out + 38 in, expected working counter 6"), "\(out)")
        #expect(out.contains("ecat-demo: OP after "), "\(out)")
        // The cycle ran to its end, with the right working counter on every answered frame and both slaves in OP.
        #expect(out.contains("ecat-demo: cycles 3000 of 1000 us, frames lost "), "\(out)")
        #expect(out.contains(", working counter errors 0 (expected 6), out of OP 0, "), "\(out)")
        let lost = numbers(in: out, line: "ecat-demo: cycles 3000 of 1000 us, frames lost ").first ?? .max
        #expect(lost * 2 <= 3000, "more than half the cycles lost: \(out)")
        #expect(out.contains("ecat-demo: states: slave 0: OP, slave 1: OP"), "\(out)")
        // Instructions from the task's wake-up to the frame handed to the NIC: counted, and bounded.
        let hand = numbers(in: out, line: "ecat-demo: release to frame handed to the NIC (cycle counter): ")
        #expect(hand.count == 3 && hand[0] > 100 && hand[2] < 50_000, "\(hand) \(out)")
        // The answers woke the task through the NIC's INTx line, bound to its notification (line 36 on
        // aarch64's GIC, 33 on riscv64's PLIC: INTA of device 1, swizzled, as the interrupt-map says).
        let line = board == "qemu-virt-aarch64" ? "36" : "33"
        let irq = numbers(in: out, line: "ecat-demo: nic interrupt: line \(line) fired ")
        #expect(irq.count == 2 && irq[0] > 100 && irq[1] > 100, "\(irq) \(out)")
        // Everything the NIC received was EtherCAT (the tap has IPv6 off), nothing dropped or bad.
        #expect(out.contains(", other EtherTypes 0, dropped 0, transmit full 0, bad used entries 0"), "\(out)")
        #expect(out.contains("ecat-demo: ok"), "\(out)")
    }

    /// Without a segment on the tap the scan gets no answer: the board says so and exits 1, after its timeouts.
    // @verifies SWR-ECAT-BOARD-1
    @Test func withoutSlavesTheBoardSaysTheScanGotNoAnswer() throws {
        let segment = try EtherCATSegment(tapSlaves: [])
        defer { segment.close() }
        let run = try orionIn(segment, ["run", "--board", "qemu-virt-aarch64", "--app", "ecat-demo", "-c", "release",
                                         "--tap", segment.interface, "--timeout", "120"])
        #expect(run.status == 1, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.contains("ecat-demo: scan: no answer (is the segment on the tap?)"), "\(run.stdout)")
    }

    /// raspi3b has no PCIe, and a tap name QEMU's options would misread is refused: exit 2 before any build.
    @Test func theDemoNeedsPCIeAndATapName() throws {
        let pi = try OrionExecutable.run(["run", "--board", "raspi3b", "--app", "ecat-demo", "--timeout", "30"], timeout: 300)
        #expect(pi.status == 2, "stdout:\n\(pi.stdout)\nstderr:\n\(pi.stderr)")
        #expect(pi.stderr.contains("needs PCIe") && pi.stderr.contains("qemu-virt-riscv64"), "\(pi.stderr)")
        for bad in ["a,b", "", "sixteen-chars-xx", "tap=0"] {
            let r = try OrionExecutable.run(["run", "--board", "qemu-virt-aarch64", "--app", "ecat-demo", "--tap", bad, "--timeout", "30"], timeout: 300)
            #expect(r.status == 2, "--tap '\(bad)': \(r.stderr)")
            #expect(r.stderr.contains("--tap:"), "--tap '\(bad)': \(r.stderr)")
        }
    }
}
