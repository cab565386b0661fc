// The bit-timing calculator against Linux's results.

import Testing
@testable import Fieldbus

/// One row of Linux's output: `ip link set can0 type can bitrate B [sample-point S]` then
/// `ip -details link show can0`.
struct LinuxBitTiming: Sendable, CustomStringConvertible {
    var bitrate: UInt32
    var samplePoint: UInt32  // asked, ‰ (0 = default)
    var tq: UInt32
    var propSeg: UInt32
    var phaseSeg1: UInt32
    var phaseSeg2: UInt32
    var sjw: UInt32
    var brp: UInt32
    var reportedBitrate: UInt32
    var reportedSamplePoint: UInt32  // ‰
    var description: String { "\(bitrate) bit/s sp \(samplePoint)" }
}

/// Produced on Debian 12's kernel 6.1.0-56-amd64 with an emulated Kvaser PCI card (real sja1000 driver,
/// 8 MHz CAN clock as the driver reports it) by:
///   vng --disable-kvm --run /boot/vmlinuz-6.1.0-56-amd64 \
///       --qemu-opts="-object can-bus,id=canbus0 -device kvaser_pci,canbus=canbus0" \
///       --exec 'ip link set can0 type can bitrate B [sample-point S]; ip -details link show can0'
/// (`LinuxBitTimingTests` runs the same VM and compares live.)
let linuxSJA1000At8MHz: [LinuxBitTiming] = [
    .init(bitrate: 10_000, samplePoint: 0, tq: 6250, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 50,
          reportedBitrate: 10_000, reportedSamplePoint: 875),
    .init(bitrate: 20_000, samplePoint: 0, tq: 3125, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 25,
          reportedBitrate: 20_000, reportedSamplePoint: 875),
    .init(bitrate: 50_000, samplePoint: 0, tq: 1250, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 10,
          reportedBitrate: 50_000, reportedSamplePoint: 875),
    .init(bitrate: 83_333, samplePoint: 0, tq: 750, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 6,
          reportedBitrate: 83_333, reportedSamplePoint: 875),
    .init(bitrate: 100_000, samplePoint: 0, tq: 625, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 5,
          reportedBitrate: 100_000, reportedSamplePoint: 875),
    .init(bitrate: 125_000, samplePoint: 0, tq: 500, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 4,
          reportedBitrate: 125_000, reportedSamplePoint: 875),
    .init(bitrate: 250_000, samplePoint: 0, tq: 250, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 2,
          reportedBitrate: 250_000, reportedSamplePoint: 875),
    .init(bitrate: 500_000, samplePoint: 0, tq: 125, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 1,
          reportedBitrate: 500_000, reportedSamplePoint: 875),
    .init(bitrate: 800_000, samplePoint: 0, tq: 125, propSeg: 3, phaseSeg1: 4, phaseSeg2: 2, sjw: 1, brp: 1,
          reportedBitrate: 800_000, reportedSamplePoint: 800),
    .init(bitrate: 1_000_000, samplePoint: 0, tq: 125, propSeg: 2, phaseSeg1: 3, phaseSeg2: 2, sjw: 1, brp: 1,
          reportedBitrate: 1_000_000, reportedSamplePoint: 750),
    .init(bitrate: 33_333, samplePoint: 0, tq: 1875, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 15,
          reportedBitrate: 33_333, reportedSamplePoint: 875),
    .init(bitrate: 47_619, samplePoint: 0, tq: 2625, propSeg: 3, phaseSeg1: 3, phaseSeg2: 1, sjw: 1, brp: 21,
          reportedBitrate: 47_619, reportedSamplePoint: 875),
    .init(bitrate: 95_238, samplePoint: 0, tq: 750, propSeg: 5, phaseSeg1: 6, phaseSeg2: 2, sjw: 1, brp: 6,
          reportedBitrate: 95_238, reportedSamplePoint: 857),
    .init(bitrate: 500_000, samplePoint: 700, tq: 125, propSeg: 5, phaseSeg1: 5, phaseSeg2: 5, sjw: 1, brp: 1,
          reportedBitrate: 500_000, reportedSamplePoint: 687),
    .init(bitrate: 250_000, samplePoint: 900, tq: 250, propSeg: 6, phaseSeg1: 7, phaseSeg2: 2, sjw: 1, brp: 2,
          reportedBitrate: 250_000, reportedSamplePoint: 875),
]

/// Compares the calculator with one Linux row.
func expectMatches(_ row: LinuxBitTiming, clockHz: UInt32 = 8_000_000) throws {
    let t = try CANBitTimingCalculator.calculate(clockHz: clockHz, bitrate: row.bitrate, samplePoint: row.samplePoint,
                                                 limits: .sja1000)
    #expect(t.tqNs == row.tq, "\(row)")
    #expect(t.propSeg == row.propSeg && t.phaseSeg1 == row.phaseSeg1 && t.phaseSeg2 == row.phaseSeg2, "\(row)")
    #expect(t.sjw == row.sjw && t.brp == row.brp, "\(row)")
    #expect(t.bitrate == row.reportedBitrate && t.samplePointPerMille == row.reportedSamplePoint, "\(row)")
}

// @verifies SWR-CAN-BITTIMING-1
@Suite struct CANBitTimingTests {
    @Test(arguments: linuxSJA1000At8MHz)
    func sja1000At8MHzEqualsLinux(row: LinuxBitTiming) throws {
        try expectMatches(row)
    }

    @Test func defaultSamplePoints() {
        #expect(CANBitTimingCalculator.defaultSamplePoint(bitrate: 500_000) == 875)
        #expect(CANBitTimingCalculator.defaultSamplePoint(bitrate: 500_001) == 800)
        #expect(CANBitTimingCalculator.defaultSamplePoint(bitrate: 800_000) == 800)
        #expect(CANBitTimingCalculator.defaultSamplePoint(bitrate: 800_001) == 750)
    }

    @Test func errorsAndBoundsAreReported() throws {
        // 95238 bit/s from 8 MHz: 8e6 / (6 * 14) = 95238.09 -> rounded down, error below 1 ppm.
        let t = try CANBitTimingCalculator.calculate(clockHz: 8_000_000, bitrate: 95_238, limits: .sja1000)
        #expect(t.bitrateErrorPerMille == 0 && t.bitrateErrorPPM == 0 && t.samplePointErrorPerMille == 18)
        #expect(t.quantaPerBit == 14 && t.tseg1 == 11)
        // 3 Mbit/s is out of reach of 8 MHz / 3 quanta: Linux refuses with EDOM.
        #expect(throws: CANBitTimingError.self) {
            try CANBitTimingCalculator.calculate(clockHz: 8_000_000, bitrate: 3_000_000, limits: .sja1000)
        }
        #expect(throws: CANBitTimingError.invalidArgument) {
            try CANBitTimingCalculator.calculate(clockHz: 0, bitrate: 500_000, limits: .sja1000)
        }
        // SJW is clamped to sjwMax and phase segment 2.
        let s = try CANBitTimingCalculator.calculate(clockHz: 8_000_000, bitrate: 500_000, sjw: 9, limits: .sja1000)
        #expect(s.sjw == 2)
    }

    @Test func ctucanAt100MHz() throws {
        // 100 MHz, 500 kbit/s: brp 1 and 200 quanta fit the nominal limits (tseg up to 190 + 63), and
        // tseg2 = 200 - 875 * 200 / 1000 = 25 gives exactly 87.5 %.
        let t = try CANBitTimingCalculator.calculate(clockHz: 100_000_000, bitrate: 500_000, limits: .ctucanNominal)
        #expect(t.bitrate == 500_000 && t.brp == 1 && t.quantaPerBit == 200 && t.phaseSeg2 == 25)
        #expect(t.samplePointPerMille == 875 && t.propSeg == 87 && t.phaseSeg1 == 87)
        // 2 Mbit/s data phase: 50 quanta at brp 1; tseg2 = 50 - 37 = 13 gives 74.0 % (13 - 1 would overshoot
        // 75 %, which the kernel never picks), better than 25 quanta at brp 2 (72.0 %).
        let d = try CANBitTimingCalculator.calculate(clockHz: 100_000_000, bitrate: 2_000_000, limits: .ctucanData)
        #expect(d.bitrate == 2_000_000 && d.brp == 1 && d.quantaPerBit == 50 && d.phaseSeg2 == 13)
        #expect(d.samplePointPerMille == 740 && d.samplePointErrorPerMille == 10)
    }
}
