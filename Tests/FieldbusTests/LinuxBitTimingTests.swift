// Live comparison with Linux: boots Debian's kernel once under QEMU (virtme-ng, no KVM) with an emulated
// Kvaser PCI card, lets the kernel's sja1000 driver compute the bit timing for many bitrates, and compares
// each with the calculator. Slow (about a minute under TCG); installs vng, the kernel and QEMU if missing.

import Foundation
import TestSupport
import Testing
@testable import Fieldbus

/// The bitrate / sample point pairs asked of Linux: the recorded table's and some that are not exact.
private let liveCases: [(UInt32, UInt32)] = linuxSJA1000At8MHz.map { ($0.bitrate, $0.samplePoint) } + [
    (33_000, 0), (90_000, 0), (300_000, 0), (700_000, 0), (615_384, 0), (125_000, 750), (1_000_000, 800), (3_000_000, 0),
]

// @verifies SWR-CAN-BITTIMING-1
@Suite(.serialized) struct LinuxBitTimingTests {
    // No `.timeLimit`: the VM run is bounded (600 s), and Swift Testing's timer runs as a task on the cooperative
    // pool, which the long board tests can hold for many minutes (see the IPv4 stack's live test).
    @Test
    func sja1000InVirtualMachineEqualsCalculator() throws {
        var script = ""
        for (rate, sp) in liveCases {
            let spArg = sp == 0 ? "" : " sample-point 0.\(String(format: "%03d", sp))"
            script += "if ip link set can0 type can bitrate \(rate)\(spArg) 2>/dev/null; then echo ROW \(rate) \(sp); "
                + "ip -details link show can0; else echo FAILED \(rate) \(sp); fi; "
        }
        let r = try LinuxVM.run(script: script, qemuOptions: "-object can-bus,id=canbus0 -device kvaser_pci,canbus=canbus0",
                                timeout: 600)
        try #require(r.status == 0 && r.output.contains("ROW "), "vng failed (\(r.status)): \(r.output.suffix(3000))")

        // Parse "ROW rate sp" blocks: "bitrate N sample-point 0.xxx" then "tq .. prop-seg .. brp ..", and the clock.
        var compared = 0
        var current: (UInt32, UInt32)?
        var reported: (UInt32, UInt32)?
        var clock: UInt32 = 0
        for line in r.output.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let w = line.split(separator: " ").map(String.init)
            if w.first == "FAILED", w.count == 3, let rate = UInt32(w[1]), let sp = UInt32(w[2]) {
                #expect(throws: CANBitTimingError.self, "Linux refused \(rate) sp \(sp)") {
                    try CANBitTimingCalculator.calculate(clockHz: 8_000_000, bitrate: rate, samplePoint: sp, limits: .sja1000)
                }
                compared += 1
            } else if w.first == "ROW", w.count == 3 {
                current = (UInt32(w[1])!, UInt32(w[2])!)
            } else if w.first == "bitrate", w.count >= 4, w[2] == "sample-point" {
                reported = (UInt32(w[1])!, UInt32((Double(w[3])! * 1000).rounded()))
            } else if w.first == "clock", w.count >= 2 {
                clock = UInt32(w[1])!
            } else if w.first == "tq", w.count >= 12, let (rate, sp) = current, let (rb, rsp) = reported {
                let row = LinuxBitTiming(bitrate: rate, samplePoint: sp, tq: UInt32(w[1])!, propSeg: UInt32(w[3])!,
                                         phaseSeg1: UInt32(w[5])!, phaseSeg2: UInt32(w[7])!, sjw: UInt32(w[9])!,
                                         brp: UInt32(w[11])!, reportedBitrate: rb, reportedSamplePoint: rsp)
                try expectMatches(row)
                compared += 1
                current = nil
            }
        }
        #expect(clock == 8_000_000, "kvaser_pci reports its CAN clock")
        #expect(compared == liveCases.count, "compared \(compared) of \(liveCases.count); output: \(r.output.suffix(3000))")
    }
}
