// The shared ticks → nanoseconds conversion: exactly ⌊ticks · 10⁹ / frequency⌋ for every board's frequency,
// monotonic, and `ticks(atNs:)` is the first tick whose time has come.

import Testing
@testable import Kernel

@Suite struct CounterClockTests {
    /// QEMU virt aarch64 (62.5 MHz), riscv64 (10 MHz), Raspberry Pi 3 (19.2 MHz), Pi 4 (54 MHz), 1 GHz, 1 Hz, 3 Hz.
    static let frequencies: [UInt64] = [62_500_000, 10_000_000, 19_200_000, 54_000_000, 1_000_000_000, 1, 3]

    /// ⌊t · 10⁹ / hz⌋ in 128-bit arithmetic, the reference (nil when it does not fit in 64 bits).
    static func exact(_ t: UInt64, _ hz: UInt64) -> UInt64? {
        let (high, low) = t.multipliedFullWidth(by: 1_000_000_000)
        guard high < hz else { return nil }
        return hz.dividingFullWidth((high: high, low: low)).quotient
    }

    /// Tick counts whose time fits in 64 bits (about 584 years), spread over every magnitude.
    static func ticks(_ random: inout SplitMix64, _ hz: UInt64) -> UInt64 {
        (random.next() >> (random.next() % 64)) % (UInt64.max / 1_000_000_000 * hz)
    }

    @Test(arguments: frequencies)
    func isTheExactQuotient(_ hz: UInt64) throws {
        let clock = CounterClock(frequencyHz: hz)
        var random = SplitMix64(seed: hz)
        for _ in 0..<20_000 {
            let t = Self.ticks(&random, hz)
            let reference = try #require(Self.exact(t, hz))
            #expect(clock.nanoseconds(ticks: t) == reference, "\(hz) Hz, \(t) ticks")
            #expect(CounterClock.nanoseconds(ticks: t, encoded: clock.encoded) == reference)
        }
    }

    @Test(arguments: frequencies)
    func isMonotonicAndTicksAtIsTheFirstTick(_ hz: UInt64) {
        let clock = CounterClock(frequencyHz: hz)
        var random = SplitMix64(seed: hz &+ 7)
        var previous: UInt64 = 0
        var t: UInt64 = 0
        for _ in 0..<10_000 {
            t &+= random.next() % 1_000
            let ns = clock.nanoseconds(ticks: t)
            #expect(ns >= previous)
            previous = ns
        }
        for _ in 0..<20_000 {
            // Times a timer could be armed for: up to about 584 years' worth of this counter's ticks.
            let ns = clock.nanoseconds(ticks: Self.ticks(&random, hz) / 2) &+ random.next() % 3_000
            let first = clock.ticks(atNs: ns)
            #expect(clock.nanoseconds(ticks: first) >= ns, "\(hz) Hz, \(ns) ns → \(first)")
            if first > 0 { #expect(clock.nanoseconds(ticks: first - 1) < ns, "\(hz) Hz, \(ns) ns → \(first) is not the first") }
        }
        #expect(clock.ticks(atNs: 0) == 0)
    }

    @Test func encodingOfTheBoards() {
        #expect(CounterClock(frequencyHz: 62_500_000).encoded == 16)
        #expect(CounterClock(frequencyHz: 10_000_000).encoded == 100)
        #expect(CounterClock(frequencyHz: 1_000_000_000).encoded == 1)
        #expect(CounterClock(frequencyHz: 54_000_000).encoded == UInt64(54_000_000) | UInt64(1) << 63)
        #expect(CounterClock(frequencyHz: 0) == CounterClock(frequencyHz: 1))  // clamped, never a division by 0
        #expect(CounterClock(frequencyHz: 54_000_000).nanoseconds(ticks: 54_000_000) == 1_000_000_000)
        #expect(CounterClock(frequencyHz: 19_200_000).ticks(atNs: 1_000) == 20)  // 19.2 ticks a µs, rounded up
    }
}
