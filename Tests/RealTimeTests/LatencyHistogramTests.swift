// The portable latency record (cyclictest's per-thread statistics and histogram) and its histogram text.

import Testing
@testable import RealTime

/// A record over freshly allocated storage, handed to `body` and freed afterwards.
func withRecord<R>(_ unit: LatencyUnit, buckets: Int, overflowSlots: Int, _ body: (inout LatencyHistogram) -> R) -> R {
    let b = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: buckets)
    let o = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: overflowSlots)
    b.initialize(repeating: 0xDEAD)  // the record must clear what it is given
    defer { b.deallocate(); o.deallocate() }
    var record = LatencyHistogram(unit: unit, buckets: b, overflowCycles: o)
    return body(&record)
}

/// Collects text written to a byte sink.
struct TextSink: ByteSink {
    var bytes: [UInt8] = []
    mutating func put(_ byte: UInt8) { bytes.append(byte) }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

@Suite("Latency record")
struct LatencyHistogramTests {
    @Test func knownStreamGivesCyclictestsFigures() {
        withRecord(.microseconds, buckets: 30, overflowSlots: 30) { r in
            for us: UInt64 in [3, 5, 4, 21] { r.record(nanoseconds: us * 1000 + 999) }  // truncated to whole µs
            #expect(r.cycles == 4)
            #expect(r.minimum == 3)
            #expect(r.maximum == 21)
            #expect(r.last == 21)
            #expect(r.sum == 33)
            #expect(r.average == 8)  // 33 / 4, truncated as cyclictest's (long)(avg / cycles)
            #expect(r.count(atBucket: 3) == 1 && r.count(atBucket: 4) == 1 && r.count(atBucket: 5) == 1 && r.count(atBucket: 21) == 1)
            #expect((0..<30).reduce(0) { $0 + r.count(atBucket: $1) } == 4)
            #expect(r.count(atBucket: 0) == 0)  // the 0xDEAD fill was cleared
            #expect(r.overflows == 0)
        }
    }

    @Test func truncationFollowsTheUnit() {
        withRecord(.microseconds, buckets: 5, overflowSlots: 0) { r in
            r.record(nanoseconds: 999)
            r.record(nanoseconds: 1999)
            #expect(r.count(atBucket: 0) == 1 && r.count(atBucket: 1) == 1)
        }
        withRecord(.nanoseconds, buckets: 2000, overflowSlots: 0) { r in
            r.record(nanoseconds: 1999)
            #expect(r.count(atBucket: 1999) == 1)
            #expect(r.maximum == 1999)
        }
    }

    @Test func overflowsAreCountedWithTheirCycleNumbers() {
        withRecord(.microseconds, buckets: 10, overflowSlots: 2) { r in
            // cycle:          0   1   2  3   4   5
            for us: UInt64 in [10, 15, 3, 99, 9, 10] { r.record(units: us) }
            #expect(r.overflows == 4)  // 10 is the first value past buckets 0...9
            #expect(r.overflowCyclesKept == 2)  // room for two: the first two overflows' cycle numbers
            #expect(Array(r.overflowCycles) == [0, 1])
            #expect(r.count(atBucket: 3) == 1 && r.count(atBucket: 9) == 1)
            #expect(r.maximum == 99)
            #expect(r.cycles == 6)
        }
    }

    @Test func emptyAndStatisticsOnly() {
        withRecord(.microseconds, buckets: 0, overflowSlots: 0) { r in
            #expect(r.minimum == 0 && r.average == 0 && r.maximum == 0)
            #expect(!r.hasHistogram)
            r.record(units: 1_000_000)
            #expect(r.overflows == 0)  // no histogram: nothing is an overflow
            #expect(r.maximum == 1_000_000 && r.minimum == 1_000_000)
            #expect(r.count(atBucket: 0) == 0)
        }
    }

    @Test func sumSaturatesInsteadOfWrapping() {
        withRecord(.nanoseconds, buckets: 0, overflowSlots: 0) { r in
            r.record(units: UInt64.max - 1)
            r.record(units: 5)
            #expect(r.sum == UInt64.max)
            #expect(r.maximum == UInt64.max - 1)
        }
    }

    /// Millions of samples in fixed storage: every sample lands in a bucket or the overflow count, and the
    /// figures equal ones computed independently from the same stream.
    @Test func millionsOfSamples() {
        withRecord(.microseconds, buckets: 200, overflowSlots: 200) { r in
            var rng = SplitMix64(seed: 0x51_7735)
            var minimum = UInt64.max, maximum: UInt64 = 0, sum: UInt64 = 0, over: UInt64 = 0
            for _ in 0..<2_000_000 {
                let ns = rng.next() % 250_000
                r.record(nanoseconds: ns)
                let us = ns / 1000
                minimum = min(minimum, us)
                maximum = max(maximum, us)
                sum += us
                if us >= 200 { over += 1 }
            }
            #expect(r.cycles == 2_000_000)
            #expect(r.minimum == minimum && r.maximum == maximum && r.sum == sum)
            #expect(r.average == sum / 2_000_000)
            #expect(r.overflows == over)
            #expect((0..<200).reduce(0) { $0 + r.count(atBucket: $1) } + r.overflows == r.cycles)
            #expect(r.overflowCyclesKept == 200)
        }
    }
}

@Suite("cyclictest histogram text")
struct HistogramTextTests {
    /// Two threads written as cyclictest's print_hist writes them, byte for byte.
    @Test func twoThreadsByteForByte() {
        let b0 = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 3), b1 = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 3)
        let o0 = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 1), o1 = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 1)
        defer { b0.deallocate(); b1.deallocate(); o0.deallocate(); o1.deallocate() }
        var t0 = LatencyHistogram(unit: .microseconds, buckets: b0, overflowCycles: o0)
        var t1 = LatencyHistogram(unit: .microseconds, buckets: b1, overflowCycles: o1)
        for us: UInt64 in [1, 1, 2] { t0.record(units: us) }
        for us: UInt64 in [0, 7, 8, 9] { t1.record(units: us) }  // three overflows, room for one cycle number
        var plain = TextSink(), summed = TextSink()
        [t0, t1].withUnsafeBufferPointer {
            HistogramText.write($0, allThreadsColumn: false, to: &plain)
            HistogramText.write($0, allThreadsColumn: true, to: &summed)
        }
        #expect(plain.text == """
            # Histogram
            000000 000000\t000001
            000001 000002\t000000
            000002 000001\t000000
            # Total: 000000003 000000001
            # Min Latencies: 00001 00000
            # Avg Latencies: 00001 00006
            # Max Latencies: 00002 00009
            # Histogram Overflows: 00000 00003
            # Histogram Overflow at cycle number:
            # Thread 0:
            # Thread 1: 00001 # 00002 others


            """)
        #expect(summed.text == """
            # Histogram
            000000 000000\t000001\t000001
            000001 000002\t000000\t000002
            000002 000001\t000000\t000001
            # Total: 000000003 000000001 000000004
            # Min Latencies: 00001 00000
            # Avg Latencies: 00001 00006
            # Max Latencies: 00002 00009 00009
            # Histogram Overflows: 00000 00003 00003
            # Histogram Overflow at cycle number:
            # Thread 0:
            # Thread 1: 00001 # 00002 others


            """)
    }

    @Test func zeroPaddingWidens() {
        var sink = TextSink()
        sink.write(decimal: 1_234_567, zeroPaddedTo: 5)
        sink.put(UInt8(ascii: " "))
        sink.write(decimal: 0, zeroPaddedTo: 6)
        #expect(sink.text == "1234567 000000")
    }
}
