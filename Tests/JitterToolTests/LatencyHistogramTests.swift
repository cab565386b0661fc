// The portable latency record and cyclictest's histogram text.

import Testing
import RealTime

@Suite("Latency histogram")
struct LatencyHistogramTests {
    @Test func placeholder() { #expect(LatencyUnit.microseconds.nanoseconds == 1000) }
}
