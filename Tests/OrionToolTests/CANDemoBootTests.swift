// The bare-metal CAN demo booted through `orion run`: two QEMU kvaser_pci cards (SJA1000) on one can-bus,
// found by PCI enumeration, exchanging frames between two tasks; and the QEMU arguments the app implies.

import Foundation
import Testing
@testable import OrionTool
import TestSupport

@Suite("CAN demo in QEMU", .serialized)
struct CANDemoBootTests {
    // @verifies SWR-KERN-MEM-1
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64"])
    func canDemoExchangesFramesBetweenTwoSJA1000s(_ board: String) throws {
        let run = try OrionExecutable.run(["run", "--board", board, "--app", "can-demo", "--timeout", "120"])
        #expect(run.status == 0, "orion run exited \(run.status)\nstdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        // Both cards found on bus 0 and given I/O BARs from the bridge's window (0x3eff0000 / 0x3000000).
        let cards = run.stdout.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("can0: kvaser_pci") || $0.hasPrefix("can1: kvaser_pci") }
        #expect(cards.count == 2, "\(run.stdout)")
        let ioWindow = board == "qemu-virt-aarch64" ? "@0x3eff" : "@0x300"
        #expect(cards.allSatisfy { $0.contains("bar1=io:") && $0.contains(ioWindow) }, "\(run.stdout)")
        // Each controller's registers are in a page apart: a driver task is granted only its own card's page.
        let pages = cards.compactMap { line -> UInt64? in
            guard let bar = line.range(of: "bar1=io:") else { return nil }
            let rest = line[bar.upperBound...]
            guard let at = rest.range(of: "@0x") else { return nil }
            return UInt64(rest[at.upperBound...].prefix { $0.isHexDigit }, radix: 16).map { $0 >> 12 }
        }
        #expect(pages.count == 2 && pages[0] != pages[1], "\(run.stdout)")
        // The receiving card's INTA reached the interrupt controller input the interrupt-map names.
        let irq = board == "qemu-virt-aarch64" ? "irq 38" : "irq 34"
        #expect(run.stdout.contains("irq: can1 receive asserts \(irq): yes, released after the read: yes"), "\(run.stdout)")
        #expect(run.stdout.contains("frames: can0->can1 matched 12/12, echoes can1->can0 matched 12/12, burst matched 8/8"), "\(run.stdout)")
        // ISO-TP through the portable sender/receiver: 1 first frame + 42 consecutive frames, FC every 4.
        #expect(run.stdout.contains("can-demo: isotp 300 bytes ok (43 frames, 11 flow controls), reply 12 bytes ok"), "\(run.stdout)")
        // Both INTx lines were delivered to their tasks through the kernel (bound notifications).
        let lines = board == "qemu-virt-aarch64" ? ("37", "38") : ("33", "34")
        let delivery = run.stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix("irq: line \(lines.0) fired ") }
        #expect(delivery?.contains(" times, line \(lines.1) fired ") == true, "\(run.stdout)")
        #expect(delivery?.contains("fired 0 times") == false, "\(run.stdout)")
        #expect(run.stdout.contains("can-demo: ok"))
    }

    /// raspi3b has no PCIe: orion refuses before building, with a message naming the boards that work.
    @Test func canDemoIsRefusedOnABoardWithoutPCIe() throws {
        let run = try OrionExecutable.run(["run", "--board", "raspi3b", "--app", "can-demo", "--timeout", "30"])
        #expect(run.status == 2, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stderr.contains("needs PCIe"))
        #expect(run.stderr.contains("qemu-virt-aarch64"))
    }

    @Test func canDemoImpliesTheCANBusAndTwoCards() throws {
        let virt = try #require(BoardCatalog.board(named: "qemu-virt-riscv64"))
        let implied = try BoardCatalog.impliedQEMUArguments(app: "can-demo", board: virt)
        #expect(implied == ["-object", "can-bus,id=canbus0", "-device", "kvaser_pci,canbus=canbus0",
                            "-device", "kvaser_pci,canbus=canbus0"])
        #expect(try BoardCatalog.impliedQEMUArguments(app: "demo", board: virt).isEmpty)
        let pi = try #require(BoardCatalog.board(named: "raspi3b"))
        #expect(throws: OrionError.self) { try BoardCatalog.impliedQEMUArguments(app: "can-demo", board: pi) }
    }
}
