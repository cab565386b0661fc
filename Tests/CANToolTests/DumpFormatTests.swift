// candump's output formats, checked against what candump 2020.11 printed for the same frames on vcan
// (the lines below were captured in the test VM).

import CANTool
import Fieldbus
import Testing

@Suite("candump formatting")
struct DumpFormatTests {
    func frame(_ text: String) throws -> CANFrame { try CANFrameSyntax.parse(text) }

    @Test func defaultLines() throws {
        var f = CANDumpFormatter(nameWidth: 5)
        let t: Int64 = 1_795_723_535_765_571_000
        let lines = try [
            "123#DEADBEEF", "1F334455#1122", "123#R", "123#R5", "123##1AABBCC", "7FF#", "12345678##3.00.11.22.33.44.55.66.77.88.99",
        ].map { f.line(try frame($0), interface: "vcan0", timestampNanoseconds: t) }
        #expect(lines == [
            "  vcan0  123   [4]  DE AD BE EF\n",
            "  vcan0  1F334455   [2]  11 22\n",
            // After an extended id candump indents standard ids.
            "  vcan0       123   [0]  remote request\n",
            "  vcan0       123   [5]  remote request\n",
            "  vcan0       123  [03]  AA BB CC\n",
            "  vcan0       7FF   [0] \n",
            "  vcan0  12345678  [12]  00 11 22 33 44 55 66 77 88 99 00 00\n",
        ])
    }

    @Test func logFormat() throws {
        var f = CANDumpFormatter(logFormat: true, nameWidth: 5)
        let t: Int64 = 1_795_723_535_765_571_123
        #expect(f.line(try frame("123#DEADBEEF"), interface: "vcan0", timestampNanoseconds: t) == "(1795723535.765571) vcan0 123#DEADBEEF\n")
        #expect(f.line(try frame("123#R5"), interface: "vcan0", timestampNanoseconds: t) == "(1795723535.765571) vcan0 123#R5\n")
        #expect(f.line(try frame("123##1AABBCC"), interface: "vcan0", timestampNanoseconds: t) == "(1795723535.765571) vcan0 123##5AABBCC\n")
        #expect(f.line(try frame("12345678##3.00.11.22.33.44.55.66.77.88.99"), interface: "vcan0", timestampNanoseconds: t)
            == "(1795723535.765571) vcan0 12345678##7001122334455667788990000\n")
        #expect(f.line(try frame("20000004#0004000000000000"), interface: "vcan0", timestampNanoseconds: t)
            == "(1795723535.765571) vcan0 20000004#0004000000000000\n")
        // Early times keep ten digits of seconds.
        #expect(f.line(try frame("7FF#"), interface: "can1", timestampNanoseconds: 1_500_000) == "(0000000000.001500)  can1 7FF#\n")
    }

    @Test func timestampModes() throws {
        let t0: Int64 = 1_795_723_536_806_325_000
        let t1: Int64 = 1_795_723_536_874_275_000
        let t2: Int64 = 1_795_723_537_874_275_999
        let a = try frame("123#11")
        var absolute = CANDumpFormatter(timestampMode: .absolute, nameWidth: 5)
        #expect(absolute.line(a, interface: "vcan0", timestampNanoseconds: t0) == " (1795723536.806325)  vcan0  123   [1]  11\n")
        var delta = CANDumpFormatter(timestampMode: .delta, nameWidth: 5)
        #expect(delta.line(a, interface: "vcan0", timestampNanoseconds: t0) == " (000.000000)  vcan0  123   [1]  11\n")
        #expect(delta.line(a, interface: "vcan1", timestampNanoseconds: t1) == " (000.067950)  vcan1  123   [1]  11\n")
        #expect(delta.line(a, interface: "vcan1", timestampNanoseconds: t2) == " (001.000000)  vcan1  123   [1]  11\n")
        var zero = CANDumpFormatter(timestampMode: .zero, nameWidth: 5)
        #expect(zero.line(a, interface: "vcan0", timestampNanoseconds: t0) == " (000.000000)  vcan0  123   [1]  11\n")
        #expect(zero.line(a, interface: "vcan0", timestampNanoseconds: t1) == " (000.067950)  vcan0  123   [1]  11\n")
        #expect(zero.line(a, interface: "vcan0", timestampNanoseconds: t2) == " (001.067950)  vcan0  123   [1]  11\n")
        var date = CANDumpFormatter(timestampMode: .date, nameWidth: 5)
        let line = date.line(a, interface: "vcan0", timestampNanoseconds: t0)
        // Local time: check the shape, not the zone.
        #expect(line.hasPrefix(" (20") && line.hasSuffix(".806325)  vcan0  123   [1]  11\n") && line.count == " (2026-11-26 20:05:36.806325)  vcan0  123   [1]  11\n".count)
    }

    @Test func nameWidthPadsShorterNames() throws {
        var f = CANDumpFormatter(nameWidth: 5)
        #expect(f.line(try frame("123#11"), interface: "can0", timestampNanoseconds: 0) == "   can0  123   [1]  11\n")
    }

    @Test func errorFrames() throws {
        var plain = CANDumpFormatter(nameWidth: 5)
        #expect(plain.line(try frame("20000004#0004000000000000"), interface: "vcan0", timestampNanoseconds: 0)
            == "  vcan0  20000004   [8]  00 04 00 00 00 00 00 00   ERRORFRAME\n")
        var explained = CANDumpFormatter(explainErrors: true, nameWidth: 5)
        #expect(explained.line(try frame("20000004#0004000000000000"), interface: "vcan0", timestampNanoseconds: 0)
            == "  vcan0  20000004   [8]  00 04 00 00 00 00 00 00   ERRORFRAME\n\tcontroller-problem{rx-error-warning}\n")
        #expect(explained.line(try frame("20000088#0000080A00000C0D"), interface: "vcan0", timestampNanoseconds: 0)
            == "  vcan0  20000088   [8]  00 00 08 0A 00 00 0C 0D   ERRORFRAME\n\tprotocol-violation{{tx-dominant-bit-error}{data-field}}\n\tbus-error\n\terror-counter-tx-rx{{12}{13}}\n")
        #expect(CANErrorText.describe(try frame("20000002#0500000000000000")) == ["lost-arbitration{at bit 5}"])
        // Shorter error frames are padded so ERRORFRAME stays in its column.
        #expect(plain.line(try frame("20000040#"), interface: "vcan0", timestampNanoseconds: 0)
            == "  vcan0  20000040   [0]                            ERRORFRAME\n")
    }
}

@Suite("candump interface and filter arguments")
struct DumpArgumentTests {
    @Test func plainInterface() throws {
        let t = try CANDumpTarget.parse("vcan0")
        #expect(t.interface == "vcan0" && t.filters == nil && t.errorMask == 0 && !t.joined)
    }

    @Test func filters() throws {
        let t = try CANDumpTarget.parse("can0,123:7FF,400~700,12345678:1FFFFFFF,#FFFFFFFF,j")
        #expect(t.interface == "can0")
        let pairs = try #require(t.filters)
        #expect(pairs.map(\.id) == [0x123, 0x2000_0400, 0x9234_5678])
        #expect(pairs.map(\.mask) == [0x7FF, 0x700, 0x1FFF_FFFF])
        #expect(t.errorMask == 0xFFFF_FFFF && t.joined)
    }

    @Test func errorMaskOnlyKeepsTheDefaultFilter() throws {
        let t = try CANDumpTarget.parse("any,#FFFFFFFF")
        #expect(t.interface == "any")
        let pairs = try #require(t.filters)
        #expect(pairs.count == 1 && pairs[0].id == 0 && pairs[0].mask == 0)
        // candump's "only error frames": an inverted match-all.
        let only = try CANDumpTarget.parse("any,0~0,#FFFFFFFF")
        #expect(only.filters?.first?.id == 0x2000_0000)
    }

    @Test(arguments: [("vcan0,12x:7FF", 8), ("vcan0,", 6), (",123:7FF", 0), ("vcan0,123", 9), ("vcan0,123:7FF,,1:1", 14),
                      ("vcan0,123456789:7FF", 14), ("vcan0,#", 7), ("vcan0,123:7FFq", 13)])
    func badFilters(text: String, position: Int) {
        do {
            _ = try CANDumpTarget.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.position == position, "\(text): \(error.reason)")
        }
    }
}

@Suite("cangen generator and ISO-TP payload text")
struct GeneratorTests {
    @Test func randomFramesStayInRange() throws {
        var g = try CANGenerator()
        for _ in 0..<1000 {
            let f = g.next()
            #expect(f.id <= 0x7FF && f.length <= 8 && !f.isExtended && !f.isFD)
        }
        var fd = try CANGenerator(extended: true, fd: true)
        for _ in 0..<1000 {
            let f = fd.next()
            #expect(f.id <= 0x1FFF_FFFF && f.isExtended && f.isFD && CANDLC.isFDLength(Int(f.length)))
        }
    }

    @Test func fixedAndIncrementing() throws {
        var g = try CANGenerator(id: "i", length: "4", data: "i")
        let a = g.next(), b = g.next()
        #expect(a.id == 0 && b.id == 1 && a.length == 4 && a.data[0] == 0 && b.data[0] == 1)
        var fixed = try CANGenerator(id: "123", length: "r", data: "DEADBEEF")
        let f = fixed.next()
        #expect(f.id == 0x123 && f.length == 4 && f.data[0] == 0xDE && f.data[3] == 0xEF)
        var lengths = try CANGenerator(length: "i")
        #expect((0..<10).map { _ in Int(lengths.next().length) } == [0, 1, 2, 3, 4, 5, 6, 7, 8, 0])
    }

    @Test func badOptions() {
        #expect(throws: CANGenOptionError.self) { try CANGenerator(id: "800") }
        #expect(throws: CANGenOptionError.self) { try CANGenerator(id: "zz") }
        #expect(throws: CANGenOptionError.self) { try CANGenerator(length: "9") }
        #expect(throws: CANGenOptionError.self) { try CANGenerator(length: "9", fd: true) }
        #expect(throws: CANGenOptionError.self) { try CANGenerator(data: "ABC") }
        #expect(throws: CANGenOptionError.self) { try CANGenerator(fd: true, remote: true) }
    }

    @Test func payloadText() throws {
        #expect(try CANHexPayload.parse("11 22 33\n").get() == [0x11, 0x22, 0x33])
        #expect(try CANHexPayload.parse("0x1 aB\tff").get() == [0x01, 0xAB, 0xFF])
        #expect(throws: CANGenOptionError.self) { try CANHexPayload.parse("11 zz").get() }
        #expect(CANHexPayload.format([0x11, 0x22, 0x0A]) == "11 22 0A ")
    }
}
