// SocketCAN error frames decoded and described as candump -e describes them.

import Testing
@testable import Fieldbus

private func errorFrame(_ classes: UInt32, _ data: [UInt8]) throws -> CANFrame {
    var f = CANFrame()
    f.setSocketCANId(CANFrame.errorFlag | classes)
    for (i, b) in data.enumerated() { f.data[i] = b }
    try f.setLength(8)
    return f
}

private func describe(_ report: CANErrorReport, separator: StaticString = ",") -> String {
    var sink = StringSink()
    report.describe(into: &sink, separator: separator)
    return sink.text
}

// @verifies SWR-CAN-ERR-1
@Suite struct CANErrorReportTests {
    @Test func dataFramesAreNotErrorReports() throws {
        #expect(CANErrorReport(try frame(0x123, [1])) == nil)
    }

    @Test func controllerProblemWithCounters() throws {
        let r = try #require(CANErrorReport(try errorFrame(0x004 | 0x200, [0, 0x04, 0, 0, 0, 0, 0, 97])))
        #expect(r.classes.contains(.controller) && r.classes.contains(.counters))
        #expect(r.controller.contains(.rxWarning) && !r.controller.contains(.txWarning))
        #expect(r.rxErrorCount == 97 && r.txErrorCount == 0 && r.state == .warning)
        #expect(describe(r) == "controller-problem{rx-error-warning},error-counter-tx-rx{{0}{97}}")
    }

    @Test func protocolViolationTypeAndLocation() throws {
        let r = try #require(CANErrorReport(try errorFrame(0x008 | 0x080, [0, 0, 0x82, 0x0A, 0, 0, 0, 0])))
        #expect(r.protocolType.contains(.form) && r.protocolType.contains(.onTransmit) && r.protocolLocation == 0x0A)
        #expect(describe(r) == "protocol-violation{{frame-format-error,error-on-tx}{data-field}},bus-error")
        let unspecified = try #require(CANErrorReport(try errorFrame(0x008, [0, 0, 0, 0, 0, 0, 0, 0])))
        #expect(describe(unspecified) == "protocol-violation{{}{}}")
    }

    @Test func passiveBusOffAndCountersWithoutTheirClass() throws {
        let passive = try #require(CANErrorReport(try errorFrame(0x004, [0, 0x30, 0, 0, 0, 0, 128, 5])))
        #expect(passive.state == .passive)
        #expect(describe(passive, separator: "\n\t")
            == "controller-problem{rx-error-passive,tx-error-passive}\n\terror-counter-tx-rx{{128}{5}}")
        let off = try #require(CANErrorReport(try errorFrame(0x040 | 0x020, [0, 0, 0, 0, 0, 0, 0, 0])))
        #expect(off.state == .busOff && describe(off) == "no-acknowledgement-on-tx,bus-off")
        let arb = try #require(CANErrorReport(try errorFrame(0x002 | 0x100 | 0x001, [5, 0, 0, 0, 0, 0, 0, 0])))
        #expect(describe(arb) == "tx-timeout,lost-arbitration{at bit 5},restarted-after-bus-off")
        let active = try #require(CANErrorReport(try errorFrame(0x004, [0, 0x40, 0, 0, 0, 0, 0, 0])))
        #expect(active.state == .active && describe(active) == "controller-problem{back-to-error-active}")
    }

    @Test func fixedTextBufferTakesTheDescription() throws {
        let r = try #require(CANErrorReport(try errorFrame(0x010 | 0x008, [0, 0, 0x01, 0x19, 0x04, 0, 0, 0])))
        var buffer = CANTextBuffer()
        r.describe(into: &buffer)
        #expect(buffer.equals("protocol-violation{{single-bit-error}{acknowledge-slot}},transceiver-status"))
        #expect(r.transceiver == 0x04 && buffer.overflow == 0)
    }
}
