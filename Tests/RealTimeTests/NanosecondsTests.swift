// Converting counter ticks to nanoseconds.

import Testing
import RealTime

@Suite("Nanoseconds")
struct NanosecondsTests {
    @Test func convertsTicksAtCommonTimerFrequencies() {
        #expect(Nanoseconds(ticks: 62_500_000, frequencyHz: 62_500_000) == Nanoseconds(1_000_000_000))
        #expect(Nanoseconds(ticks: 1, frequencyHz: 62_500_000) == Nanoseconds(16))
        #expect(Nanoseconds(ticks: 3, frequencyHz: 10_000_000) == Nanoseconds(300))
        #expect(Nanoseconds(ticks: 19_200_001, frequencyHz: 19_200_000) == Nanoseconds(1_000_000_052))
    }

    @Test func largeTickCountsDoNotOverflow() {
        // A 62.5 MHz counter after about 317 years (10^10 s) still converts exactly, though ticks * 10^9 would overflow.
        let ticks: UInt64 = 62_500_000 * 10_000_000_000
        #expect(Nanoseconds(ticks: ticks, frequencyHz: 62_500_000).value == UInt64(10_000_000_000) * 1_000_000_000)
        #expect(Nanoseconds(5) < Nanoseconds(6))
    }
}
