// The CAN bit-timing calculator: from a controller clock, a bitrate, an optional sample point and the
// controller's register limits to BRP/TSEG1/TSEG2/SJW, with the same search and results as Linux's
// can_calc_bittiming() in the 6.1 kernel (Debian 12), so a board and a Linux host agree on a bus.

/// A controller's bit-timing register limits (Linux's `struct can_bittiming_const`).
public struct CANBitTimingLimits: Equatable, Sendable {
    public var tseg1Min: UInt32
    public var tseg1Max: UInt32
    public var tseg2Min: UInt32
    public var tseg2Max: UInt32
    /// Largest synchronisation jump width (0: the controller has no SJW setting).
    public var sjwMax: UInt32
    public var brpMin: UInt32
    public var brpMax: UInt32
    /// The prescaler's step.
    public var brpIncrement: UInt32

    public init(tseg1Min: UInt32, tseg1Max: UInt32, tseg2Min: UInt32, tseg2Max: UInt32, sjwMax: UInt32,
                brpMin: UInt32, brpMax: UInt32, brpIncrement: UInt32) {
        self.tseg1Min = tseg1Min
        self.tseg1Max = tseg1Max
        self.tseg2Min = tseg2Min
        self.tseg2Max = tseg2Max
        self.sjwMax = sjwMax
        self.brpMin = brpMin
        self.brpMax = brpMax
        self.brpIncrement = brpIncrement
    }

    /// NXP SJA1000 (Linux's sja1000 driver): tseg1 1..16, tseg2 1..8, sjw ≤ 4, brp 1..64.
    public static let sja1000 = CANBitTimingLimits(tseg1Min: 1, tseg1Max: 16, tseg2Min: 1, tseg2Max: 8, sjwMax: 4,
                                                   brpMin: 1, brpMax: 64, brpIncrement: 1)
    /// CTU CAN FD, nominal (arbitration) phase (Linux's ctucanfd driver).
    public static let ctucanNominal = CANBitTimingLimits(tseg1Min: 2, tseg1Max: 190, tseg2Min: 1, tseg2Max: 63,
                                                         sjwMax: 31, brpMin: 1, brpMax: 8, brpIncrement: 1)
    /// CTU CAN FD, data phase.
    public static let ctucanData = CANBitTimingLimits(tseg1Min: 2, tseg1Max: 94, tseg2Min: 1, tseg2Max: 31,
                                                      sjwMax: 31, brpMin: 1, brpMax: 2, brpIncrement: 1)
}

/// A computed bit timing (Linux's `struct can_bittiming` after the calculation).
public struct CANBitTiming: Equatable, Sendable {
    /// Baud rate prescaler: time quanta are `brp` controller clock periods.
    public var brp: UInt32
    public var propSeg: UInt32
    public var phaseSeg1: UInt32
    public var phaseSeg2: UInt32
    public var sjw: UInt32
    /// Time quantum in nanoseconds (rounded down, as Linux reports it).
    public var tqNs: UInt32
    /// The bitrate these values give (bit/s, rounded down).
    public var bitrate: UInt32
    /// The bitrate asked for.
    public var nominalBitrate: UInt32
    /// |achieved − asked| in 1/1000 of the asked bitrate (Linux refuses more than 50, i.e. 5 %).
    public var bitrateErrorPerMille: UInt32
    /// |achieved − asked| in parts per million of the asked bitrate.
    public var bitrateErrorPPM: UInt32
    /// The sample point achieved, in 1/1000 of the bit time.
    public var samplePointPerMille: UInt32
    /// The sample point asked for (or the CiA default used), in 1/1000.
    public var nominalSamplePointPerMille: UInt32

    /// TSEG1 as a controller register takes it: propagation plus phase segment 1.
    public var tseg1: UInt32 { propSeg + phaseSeg1 }
    /// Time quanta in one bit (sync segment included).
    public var quantaPerBit: UInt32 { 1 + tseg1 + phaseSeg2 }
    /// |achieved − asked| sample point, in 1/1000.
    public var samplePointErrorPerMille: UInt32 {
        samplePointPerMille > nominalSamplePointPerMille ? samplePointPerMille - nominalSamplePointPerMille
            : nominalSamplePointPerMille - samplePointPerMille
    }
}

/// Why no bit timing could be computed.
public enum CANBitTimingError: Error, Equatable, Sendable {
    /// Clock or bitrate is 0, the sample point is above 1000 ‰, or the limits are inconsistent.
    case invalidArgument
    /// No prescaler in the limits reaches the bitrate from this clock.
    case bitrateUnreachable
    /// The closest bitrate is off by more than 5 % (Linux: EDOM); the error in 1/1000 is given.
    case bitrateErrorTooHigh(perMille: UInt32)
}

/// Linux's bit-timing calculation.
public enum CANBitTimingCalculator {
    /// The sample point CiA recommends and Linux defaults to, in 1/1000: 75 % above 800 kbit/s, 80 % above
    /// 500 kbit/s, else 87.5 %.
    public static func defaultSamplePoint(bitrate: UInt32) -> UInt32 {
        if bitrate > 800_000 { return 750 }
        if bitrate > 500_000 { return 800 }
        return 875
    }

    /// Computes the timing for `bitrate` from a `clockHz` controller clock.
    /// - Parameters:
    ///   - samplePoint: in 1/1000 of the bit; 0 picks the CiA default.
    ///   - sjw: requested synchronisation jump width; 0 gives 1 (the 6.1 kernel's default), otherwise it is
    ///     clamped to the limits' sjwMax and to phase segment 2.
    // @implements SWR-CAN-BITTIMING-1
    public static func calculate(clockHz: UInt32, bitrate: UInt32, samplePoint: UInt32 = 0, sjw: UInt32 = 0,
                                 limits: CANBitTimingLimits) throws(CANBitTimingError) -> CANBitTiming {
        guard clockHz > 0, bitrate > 0, samplePoint <= 1000, limits.brpIncrement > 0, limits.brpMin > 0,
              limits.tseg1Min <= limits.tseg1Max, limits.tseg2Min <= limits.tseg2Max,
              limits.tseg1Min + limits.tseg2Min > 0 else { throw .invalidArgument }
        let nominalSP = samplePoint != 0 ? samplePoint : defaultSamplePoint(bitrate: bitrate)
        let clock = UInt64(clockHz)
        let rate = UInt64(bitrate)

        var bestBitrateError = UInt64.max
        var bestSPError = UInt64.max
        var bestTseg: UInt64 = 0
        var bestBrp: UInt64 = 0

        // Walk tseg = tseg1 + tseg2 from the largest down; the doubled counter makes odd steps round the
        // prescaler up and even steps round it down, as Linux does.
        var doubled = (UInt64(limits.tseg1Max) + UInt64(limits.tseg2Max)) * 2 + 1
        let lowest = (UInt64(limits.tseg1Min) + UInt64(limits.tseg2Min)) * 2
        while doubled >= lowest {
            defer { doubled = doubled &- 1 }
            let tseg = doubled / 2
            let quanta = 1 + tseg
            var brp = clock / (quanta * rate) + doubled % 2
            brp = brp / UInt64(limits.brpIncrement) * UInt64(limits.brpIncrement)
            if brp < UInt64(limits.brpMin) || brp > UInt64(limits.brpMax) {
                if doubled == 0 { break }
                continue
            }
            let achieved = clock / (brp * quanta)
            let error = achieved > rate ? achieved - rate : rate - achieved
            if error > bestBitrateError {
                if doubled == 0 { break }
                continue
            }
            if error < bestBitrateError { bestSPError = UInt64.max }
            let sp = samplePointSplit(nominal: UInt64(nominalSP), tseg: tseg, limits: limits)
            if sp.error >= bestSPError {
                if doubled == 0 { break }
                continue
            }
            bestSPError = sp.error
            bestBitrateError = error
            bestTseg = tseg
            bestBrp = brp
            if error == 0 && sp.error == 0 { break }
            if doubled == 0 { break }
        }
        guard bestBrp != 0 else { throw .bitrateUnreachable }

        var errorPerMille: UInt64 = 0
        if bestBitrateError != 0 {
            errorPerMille = bestBitrateError * 1000 / rate
            if errorPerMille > 50 { throw .bitrateErrorTooHigh(perMille: UInt32(errorPerMille)) }
        }
        let split = samplePointSplit(nominal: UInt64(nominalSP), tseg: bestTseg, limits: limits)
        let tseg1 = split.tseg1
        let tseg2 = split.tseg2
        var jump: UInt64 = 1
        if sjw != 0 && limits.sjwMax != 0 {
            jump = min(UInt64(sjw), UInt64(limits.sjwMax))
            if tseg2 < jump { jump = tseg2 }
        }
        let achieved = clock / (bestBrp * (1 + tseg1 + tseg2))
        let prop = tseg1 / 2
        return CANBitTiming(
            brp: UInt32(bestBrp), propSeg: UInt32(prop), phaseSeg1: UInt32(tseg1 - prop), phaseSeg2: UInt32(tseg2),
            sjw: UInt32(jump), tqNs: UInt32(bestBrp * 1_000_000_000 / clock), bitrate: UInt32(achieved),
            nominalBitrate: bitrate, bitrateErrorPerMille: UInt32(errorPerMille),
            bitrateErrorPPM: UInt32((achieved > rate ? achieved - rate : rate - achieved) * 1_000_000 / rate),
            samplePointPerMille: UInt32(split.samplePoint), nominalSamplePointPerMille: nominalSP)
    }

    /// For `tseg` quanta after the sync segment, the split into tseg1/tseg2 whose sample point is closest to
    /// `nominal` without exceeding it (two candidates, as can_update_sample_point() tries), within the limits.
    static func samplePointSplit(nominal: UInt64, tseg: UInt64, limits: CANBitTimingLimits)
        -> (samplePoint: UInt64, error: UInt64, tseg1: UInt64, tseg2: UInt64)
    {
        let all = tseg + 1
        var best: (samplePoint: UInt64, error: UInt64, tseg1: UInt64, tseg2: UInt64) = (0, UInt64.max, 0, 0)
        var i: UInt64 = 0
        while i <= 1 {
            // Unsigned wrap-around mirrors the kernel's u32 arithmetic before the clamp.
            var tseg2 = all &- nominal * all / 1000 &- i
            tseg2 = min(max(tseg2, UInt64(limits.tseg2Min)), UInt64(limits.tseg2Max))
            var tseg1 = tseg &- tseg2
            if tseg1 > UInt64(limits.tseg1Max) {
                tseg1 = UInt64(limits.tseg1Max)
                tseg2 = tseg &- tseg1
            }
            let sp = 1000 * (all &- tseg2) / all
            let error = sp > nominal ? sp - nominal : nominal - sp
            if sp <= nominal && error < best.error {
                best = (sp, error, tseg1, tseg2)
            }
            i += 1
        }
        return best
    }
}
