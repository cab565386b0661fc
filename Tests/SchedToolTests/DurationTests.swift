// Durations in task-set files: units, exactness, and the errors for everything else.

import Testing
@testable import SchedTool

@Suite("Durations")
struct DurationTests {
    @Test func parsesUnits() throws {
        #expect(try Durations.parse("750ns") == 750)
        #expect(try Durations.parse("200us") == 200_000)
        #expect(try Durations.parse("200µs") == 200_000)
        #expect(try Durations.parse("5ms") == 5_000_000)
        #expect(try Durations.parse("2s") == 2_000_000_000)
        #expect(try Durations.parse("1.5ms") == 1_500_000)
        #expect(try Durations.parse(" 0.25 s ") == 250_000_000)
        #expect(try Durations.parse("1_000us") == 1_000_000)
        #expect(try Durations.parse(".5us") == 500)
        #expect(try Durations.parse("0ms") == 0)
    }

    @Test func rejectsWhatIsNotADuration() {
        #expect(throws: DurationError.missingUnit("5")) { try Durations.parse("5") }
        #expect(throws: DurationError.missingUnit("1.5")) { try Durations.parse("1.5") }
        #expect(throws: DurationError.unknownUnit("m")) { try Durations.parse("5m") }
        #expect(throws: DurationError.unknownUnit("MS")) { try Durations.parse("5MS") }
        #expect(throws: DurationError.negative) { try Durations.parse("-1ms") }
        #expect(throws: DurationError.notWholeNanoseconds) { try Durations.parse("1.5ns") }
        #expect(throws: DurationError.notANumber("ms")) { try Durations.parse("ms") }
        #expect(throws: DurationError.notANumber("1.2.3ms")) { try Durations.parse("1.2.3ms") }
        #expect(throws: DurationError.empty) { try Durations.parse("  ") }
        #expect(throws: DurationError.tooLong) { try Durations.parse("3601s") }
        #expect(throws: DurationError.tooLong) { try Durations.parse("99999999999999999999999s") }
        #expect(DurationError.missingUnit("5").message.contains("needs a unit"))
    }

    @Test func formatsExactly() throws {
        #expect(Durations.format(0) == "0")
        #expect(Durations.format(999) == "999ns")
        #expect(Durations.format(5_000) == "5us")
        #expect(Durations.format(1_200_000) == "1.2ms")
        #expect(Durations.format(1_234_567) == "1.234567ms")
        #expect(Durations.format(1_500_000_001) == "1.500000001s")
        #expect(Durations.format(signed: -2_000_000) == "-2ms")
        for ns: UInt64 in [1, 12, 1_001, 40_500, 3_000_000_007, 123_456_789] {
            #expect(try Durations.parse(Durations.format(ns)) == ns)
        }
    }
}

@Suite("Report formatting")
struct ReportFormattingTests {
    @Test func fixedDecimals() {
        #expect(SchedReports.fixed(0.928571, 3) == "0.929")
        #expect(SchedReports.fixed(12.5, 0) == "13")
        #expect(SchedReports.fixed(12.4, 0) == "12")
        #expect(SchedReports.fixed(1.0, 3) == "1.000")
        #expect(SchedReports.fixed(0.05, 2) == "0.05")
        #expect(SchedReports.fixed(-0.25, 1) == "-0.3")
        #expect(SchedReports.fixed(-0.0001, 2) == "0.00")
        #expect(SchedReports.fixed(Double.infinity, 2) == "inf")
        #expect(SchedReports.fixed(1e30, 2) == "1e+30")
    }

    @Test func jsonText() {
        let value = JSON.object([("a", .number(0.72)), ("b", .uint(nil)), ("c", .string("q\"\\\n\u{1}")), ("d", .array([])), ("e", .number(2))])
        #expect(value.rendered(pretty: false) == #"{"a":0.72,"b":null,"c":"q\"\\\n\u0001","d":[],"e":2}"#)
    }
}
