// What `orion ecat run` reports at the end: cycles, lost frames, working-counter errors, the jitter's
// statistics and percentiles from its cyclictest-style histogram, and every slave's state; as text and JSON.

import HostText
import RealTime

public struct EtherCATRunSummary {
    public var cycles: UInt64
    public var cycleNs: UInt64
    public var elapsedNs: UInt64
    /// Frames that did not come back in time (the master's counter) and cycles without a reply.
    public var framesLost: UInt64
    public var lostCycles: UInt64
    /// Frames that came back for an earlier cycle, or were not the master's, and malformed ones.
    public var unmatched: UInt64
    public var malformed: UInt64
    /// Cycles whose LRW came back with another working counter than `expectedWKC`.
    public var wkcErrors: UInt64
    /// Times a slave out of OP was asked back.
    public var recoveries: UInt64
    /// Times the segment had all its slaves again after some were missing and got its station addresses anew.
    public var readdressed: UInt64
    public var expectedWKC: UInt16
    public var record: LatencyHistogram
    /// Every slave's state at the end (`slave 0: OP, ...`).
    public var states: String

    /// With distributed clocks: the reference clock's index, every DC slave's delay, and the largest system time
    /// difference (0x092C) read from the other DC slaves, over the run and over its second half.
    public struct DC {
        public var reference: Int
        public var delays: [UInt32]
        public var samples: Int
        public var worstDifferenceNs: UInt64
        public var worstSecondHalfNs: UInt64
        public init(reference: Int, delays: [UInt32], samples: Int, worstDifferenceNs: UInt64, worstSecondHalfNs: UInt64) {
            self.reference = reference
            self.delays = delays
            self.samples = samples
            self.worstDifferenceNs = worstDifferenceNs
            self.worstSecondHalfNs = worstSecondHalfNs
        }
    }
    public var dc: DC? = nil

    public init(cycles: UInt64, cycleNs: UInt64, elapsedNs: UInt64, framesLost: UInt64, lostCycles: UInt64, unmatched: UInt64,
                malformed: UInt64, wkcErrors: UInt64, recoveries: UInt64, readdressed: UInt64 = 0, expectedWKC: UInt16, record: LatencyHistogram, states: String) {
        self.cycles = cycles
        self.cycleNs = cycleNs
        self.elapsedNs = elapsedNs
        self.framesLost = framesLost
        self.lostCycles = lostCycles
        self.unmatched = unmatched
        self.malformed = malformed
        self.wkcErrors = wkcErrors
        self.recoveries = recoveries
        self.readdressed = readdressed
        self.expectedWKC = expectedWKC
        self.record = record
        self.states = states
    }

    /// The smallest bucket at or below which `fraction` of the samples lie (overflows count as beyond the
    /// histogram: nil when the percentile falls among them).
    public func percentile(_ fraction: Double) -> UInt64? {
        guard record.cycles > 0 else { return 0 }
        let wanted = UInt64((Double(record.cycles) * fraction).rounded(.up))
        var seen: UInt64 = 0
        for i in 0..<record.buckets.count {
            seen += record.buckets[i]
            if seen >= max(wanted, 1) { return UInt64(i) }
        }
        return nil
    }

    func figure(_ v: UInt64?) -> String { v.map(String.init) ?? ">\(record.buckets.count - 1)" }

    /// cyclictest's summary lines, then the master's counters and the states.
    public func text() -> String {
        var out = "cycles: \(cycles) of \(cycleNs / 1000) us in \(elapsedNs / 1_000_000) ms\n"
        out += "jitter (us): min \(record.minimum), avg \(record.average), median \(figure(percentile(0.5))), p99 \(figure(percentile(0.99))), max \(record.maximum), over histogram \(record.overflows)\n"
        out += "frames lost: \(framesLost), late or foreign: \(unmatched), malformed: \(malformed)\n"
        out += "working counter errors: \(wkcErrors) (expected \(expectedWKC)), recoveries: \(recoveries), re-addressed: \(readdressed)\n"
        if let dc {
            out += "dc: reference slave \(dc.reference), delays \(dc.delays.map { "\($0)" }.joined(separator: "/")) ns, system time difference max \(dc.worstDifferenceNs) ns (second half \(dc.worstSecondHalfNs) ns, \(dc.samples) samples)\n"
        }
        out += "states: \(states)\n"
        return out
    }

    /// One JSON object: the figures above and the histogram as `[[us, count], ...]` for the non-empty buckets.
    public func json() -> String {
        var buckets: [String] = []
        for i in 0..<record.buckets.count where record.buckets[i] > 0 { buckets.append("[\(i),\(record.buckets[i])]") }
        return "{\"cycles\":\(cycles),\"cycle_us\":\(cycleNs / 1000),\"elapsed_ms\":\(elapsedNs / 1_000_000),"
            + "\"frames_lost\":\(framesLost),\"lost_cycles\":\(lostCycles),\"unmatched\":\(unmatched),\"malformed\":\(malformed),"
            + "\"wkc_errors\":\(wkcErrors),\"expected_wkc\":\(expectedWKC),\"recoveries\":\(recoveries),\"readdressed\":\(readdressed),"
            + "\"jitter_us\":{\"min\":\(record.minimum),\"avg\":\(record.average),\"median\":\(percentile(0.5).map(String.init) ?? "null"),"
            + "\"p99\":\(percentile(0.99).map(String.init) ?? "null"),\"max\":\(record.maximum),\"overflows\":\(record.overflows)},"
            + "\"histogram\":[\(buckets.joined(separator: ","))],\"states\":\(HostText.jsonString(states))"
            + (dc.map { ",\"dc\":{\"reference\":\($0.reference),\"delays_ns\":[\($0.delays.map(String.init).joined(separator: ","))],\"samples\":\($0.samples),"
                + "\"max_difference_ns\":\($0.worstDifferenceNs),\"max_difference_second_half_ns\":\($0.worstSecondHalfNs)}" } ?? "") + "}\n"
    }
}
