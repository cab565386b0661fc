// `orion pn device --alarm TYPE:SLOT[.SUBSLOT][@SECONDS]`: what it takes, what it refuses (with the reason, exit 2
// from the command before any socket), and that each value reads back from its own text.

import Foundation
@testable import PROFINETTool
import Testing
import TestSupport

@Suite("orion pn device --alarm values")
struct AlarmArgumentTests {
    // @verifies SWR-PN-ALARM-1
    @Test func goodValues() throws {
        #expect(try PNScheduledAlarm.parse("process:3") == PNScheduledAlarm(kind: .process, slot: 3, subslot: 1, afterMs: 1000))
        #expect(try PNScheduledAlarm.parse("diagnosis:1.0x8001@0.25") == PNScheduledAlarm(kind: .diagnosis, slot: 1, subslot: 0x8001, afterMs: 250))
        #expect(try PNScheduledAlarm.parse("pull:0.2@0") == PNScheduledAlarm(kind: .pull, slot: 0, subslot: 2, afterMs: 0))
        #expect(try PNScheduledAlarm.parse("plug:32767.65535@86400") == PNScheduledAlarm(kind: .plug, slot: 32767, subslot: 65535, afterMs: 86_400_000))
        for text in ["process:3.1@1", "diagnosis:1.32769@0.25", "plug:7.2@1.005"] {
            let a = try PNScheduledAlarm.parse(text)
            #expect(try PNScheduledAlarm.parse(a.text) == a, "\(text) -> \(a.text)")
        }
    }

    // @verifies SWR-PN-ALARM-1
    @Test(arguments: [
        ("", "expected TYPE:SLOT"), ("process", "expected TYPE:SLOT"), ("alarm:1", "TYPE one of process, diagnosis, pull, plug"),
        ("process:", "slot must be a number"), ("process:32768", "slot must be a number 0...32767"), ("process:1.0", "subslot must be 1...0xFFFF"),
        ("process:1.0x10000", "subslot"), ("process:1@", "delay must be seconds"), ("process:1@86401", "delay"),
        ("process:1@1.2345", "delay"), ("process:1@-1", "delay"), ("process:1@1e3", "delay"),
        (String(repeating: "x", count: 100), "too long"),
    ])
    func badValues(_ value: String, _ reason: String) {
        do {
            let taken = try PNScheduledAlarm.parse(value)
            Issue.record("\(value.debugDescription) was taken as \(taken)")
        } catch {
            #expect(error.message.contains(reason), "\(value.debugDescription): \(error.message)")
        }
    }

    /// The command refuses a bad value, or a submodule the device does not have, before it opens anything.
    @Test func theCommandRefusesBadValues() throws {
        for (value, says) in [("process:9", "no submodule at slot 9 subslot 1"), ("boom:1", "--alarm 'boom:1'")] {
            let r = try OrionExecutable.run(["pn", "device", "-i", "no-such-if0", "--alarm", value, "--duration", "1s"], timeout: 60)
            #expect(r.status == 2 && r.stderr.contains(says), "\(value): \(r.stderr)")
        }
    }
}
