// `orion pn controller` against p-net's sample device on a veth pair: DCP Identify by name, Connect with p-net's
// GSDML, PrmEnd, ApplicationReady, RT_CLASS_1 cyclic data at 1 ms and 32 ms for 10 s each with p-net's input
// counter advancing, Release; a configuration the device does not have (ModuleDiffBlock), an unknown station and
// a missing GSDML file. Needs root (network namespaces); the peers are installed by Tools/setup-peers --profinet.

import Foundation
import Testing
import TestSupport

@Suite("PROFINET IO controller against p-net", .serialized)
struct PNControllerTests {
    static var gsdml: String { PNSegment.peers + "/share/p-net/GSDML-V2.4-RT-Labs-P-Net-Sample-App-20220324.xml" }

    init() throws {
        try PNSegment.ensurePeers()
    }

    /// A segment with p-net's sample device named rt-labs-dev, answering DCP; `realtimePriority` as in
    /// `PNSegment.startPNet`.
    func pnetSegment(realtimePriority: Int? = nil) throws -> PNSegment {
        let segment = try PNSegment()
        do {
            try segment.startPNet(name: "rt-labs-dev", realtimePriority: realtimePriority)
            try waitForStation(segment, "rt-labs-dev")
        } catch {
            segment.close()
            throw error
        }
        return segment
    }

    /// Runs the controller; its JSON report when it exits 0.
    func runController(_ segment: PNSegment, _ arguments: [String]) throws -> (ProcessResult, [String: Any]?) {
        let r = try OrionExecutable.run(["pn", "controller", "-i", segment.interface, "--station", "rt-labs-dev", "--json"] + arguments, timeout: 120)
        let line = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return (r, (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])
    }

    /// Checks one run's report: a live AR all along (ApplicationReady, released at the end: an AR the device had
    /// aborted could not be released), the output frames sent, enough input frames taken, p-net's counter seen
    /// advancing on the 8-bit input of `counterSlot`.
    func checkExchange(_ report: [String: Any], minimumReceivedShare: Double, counterSlot: Int, _ context: String) {
        let cycles = report["cycles"] as? Int ?? 0
        let sent = report["frames_sent"] as? Int ?? 0
        let received = report["frames_received"] as? Int ?? 0
        let lost = report["lost_by_counter"] as? Int ?? -1
        #expect(report["application_ready_cycle"] as? Int != nil, "\(context)")
        #expect(report["released"] as? Bool == true, "the AR was no longer there to release: \(context)")
        #expect(cycles > 0 && sent == cycles, "\(context)")
        #expect(Double(received) >= minimumReceivedShare * Double(cycles), "\(received) of \(cycles) input frames: \(context)")
        // Gaps in the device's own cycle counter: frames it sent that we did not take.
        #expect(lost >= 0 && Double(lost) <= 0.02 * Double(max(received, 1)), "\(lost) input frames lost: \(context)")
        #expect(report["stale"] as? Int == 0 && report["malformed"] as? Int == 0, "\(context)")
        #expect(report["last_data_status"] as? Int == 0x35, "\(context)")
        let inputs = report["inputs"] as? [[String: Any]] ?? []
        let counter = inputs.first { $0["slot"] as? Int == counterSlot }
        #expect(counter?["changed"] as? Bool == true, "p-net's input counter on slot \(counterSlot) did not advance: \(context)")
        #expect(report["input_changed"] as? Bool == true, "\(context)")
    }

    // @verifies SWR-PN-CTRL-1
    @Test func cyclicExchangeAt1msAnd32ms() throws {
        // This is a functional test that runs while other suites load both cores; the figures of a quiet host are
        // in the benchmark (docs/PERFORMANCE.md). p-net's sample runs SCHED_FIFO (as the controller does) so that
        // its 1 ms tick is not starved, yet clean-clone CI runs still saw the host stall both for up to 9.6 ms:
        // 7126 of 10000 cycles with an input frame in one run, and in another the AR ended by p-net after a
        // stall longer than a 10-cycle watchdog. So at 1 ms the watchdog is 200 cycles, and the share of cycles
        // with a frame only has to show a running exchange (a quarter); what Orion is answerable for is checked
        // strictly: frames the device sent and we did not take (gaps in its cycle counter) at most 2 %, its
        // counter advancing, the AR alive to the end and released.
        let segment = try pnetSegment(realtimePriority: 70)
        defer { segment.close() }
        // 1 ms with the GSDML's default placement (every module of p-net's sample, slots 1...4).
        let (fast, fastReport) = try runController(segment, ["--gsdml", Self.gsdml, "--cycle", "1ms", "--watchdog", "200", "--duration", "10s"])
        #expect(fast.status == 0, "\(fast.stdout)\n\(fast.stderr)")
        if let fastReport {
            #expect(fastReport["cycle_ns"] as? Int == 1_000_000)
            #expect((fastReport["cycles"] as? Int ?? 0) >= 9_900)
            checkExchange(fastReport, minimumReceivedShare: 0.25, counterSlot: 1, fast.stdout)
        } else {
            Issue.record("no JSON report at 1 ms:\n\(fast.stdout)\n\(fast.stderr)")
        }
        // 32 ms with the module profinet-py's example uses for p-net: slot 1 DIO 8xLogicLevel (0x32/0x132, 1 byte
        // each way). At 32 ms every cycle's input frame is there unless the exchange is broken.
        let (slow, slowReport) = try runController(segment, ["--gsdml", Self.gsdml, "--slot", "1=IDM_32", "--cycle", "32ms", "--duration", "10s"])
        #expect(slow.status == 0, "\(slow.stdout)\n\(slow.stderr)")
        if let slowReport {
            #expect(slowReport["cycle_ns"] as? Int == 32_000_000)
            #expect((slowReport["cycles"] as? Int ?? 0) >= 310)
            checkExchange(slowReport, minimumReceivedShare: 0.95, counterSlot: 1, slow.stdout)
        } else {
            Issue.record("no JSON report at 32 ms:\n\(slow.stdout)\n\(slow.stderr)")
        }
        // The text report of a short run names the station, the frames and the inputs.
        let text = try OrionExecutable.run(["pn", "controller", "-i", segment.interface, "--station", "rt-labs-dev", "--gsdml", Self.gsdml,
                                            "--slot", "1=IDM_32", "--cycle", "8ms", "--duration", "1s", "-v"], timeout: 60)
        #expect(text.status == 0, "\(text.stdout)\n\(text.stderr)")
        #expect(text.stdout.contains("connected to 'rt-labs-dev'"), "\(text.stdout)")
        #expect(text.stdout.contains("cycle 1: inputs") || text.stdout.contains(": inputs 1/0x1="), "\(text.stdout)")
        #expect(text.stdout.contains("inputs changed during the run; released"), "\(text.stdout)")
    }

    // @verifies SWR-PN-CTRL-1
    @Test func aConfigurationTheDeviceDoesNotHaveIsReportedFromTheModuleDiff() throws {
        // p-net's sample plugs whatever module a controller expects in slots 1...4, so a wrong module there is no
        // difference to it; its port submodule is fixed: expecting ident 0x8009 at subslot 0x8001 gets a
        // ModuleDiffBlock (wrong submodule).
        let segment = try pnetSegment()
        defer { segment.close() }
        let wrong = NSTemporaryDirectory() + "orion-pn-wrong-port-\(segment.namespace).xml"
        defer { try? FileManager.default.removeItem(atPath: wrong) }
        let text = try String(contentsOfFile: Self.gsdml, encoding: .utf8)
        try text.replacingOccurrences(of: "SubmoduleIdentNumber=\"0x00008001\"", with: "SubmoduleIdentNumber=\"0x00008009\"")
            .write(toFile: wrong, atomically: true, encoding: .utf8)
        let (r, _) = try runController(segment, ["--gsdml", wrong, "--slot", "1=IDM_32", "--cycle", "32ms", "--duration", "2s"])
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("ModuleDiffBlock"), "\(r.stderr)")
        #expect(r.stderr.contains("subslot 0x8001 (submodule ident 0x8009): wrong submodule"), "\(r.stderr)")
        // The device was left without an AR: a correct configuration connects at once.
        let (ok, report) = try runController(segment, ["--gsdml", Self.gsdml, "--slot", "1=IDM_32", "--cycle", "32ms", "--duration", "1s"])
        #expect(ok.status == 0, "\(ok.stdout)\n\(ok.stderr)")
        #expect(report?["released"] as? Bool == true)
    }

    /// p-net's sample sends a process alarm when its button 2 is pressed (`-d FILE`: the file holds 1 while it is):
    /// the controller takes it, acknowledges it by transport and by AlarmAck, and the AR lives on to its release
    /// (p-net ends an AR whose alarm goes unacknowledged).
    // @verifies SWR-PN-ALARM-1
    // @verifies SWR-PN-CTRL-1
    @Test func pnetsProcessAlarmIsAcknowledged() throws {
        let button = NSTemporaryDirectory() + "orion-pnet-button2-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try "0\n".write(toFile: button, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: button) }
        let segment = try PNSegment()
        defer { segment.close() }
        try segment.startPNet(name: "rt-labs-dev", arguments: ["-d", button])
        try waitForStation(segment, "rt-labs-dev")
        // The button goes down 3 s into the run (the AR is in data exchange by then) and up half a second later.
        let press = Thread {
            usleep(3_000_000)
            try? "1\n".write(toFile: button, atomically: true, encoding: .utf8)
            usleep(500_000)
            try? "0\n".write(toFile: button, atomically: true, encoding: .utf8)
        }
        press.start()
        let (r, report) = try runController(segment, ["--gsdml", Self.gsdml, "--cycle", "4ms", "--watchdog", "50", "--duration", "6s"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let json = try #require(report, "\(r.stdout)\n\(r.stderr)")
        let alarms = json["alarms"] as? [[String: Any]] ?? []
        #expect(alarms.count == 1, "\(r.stdout)")
        #expect(alarms.first?["name"] as? String == "process" && alarms.first?["slot"] as? Int != nil, "\(r.stdout)")
        #expect(json["aborted_by_device"] is NSNull && json["released"] as? Bool == true, "\(r.stdout)")
    }

    /// `orion pn read-im0` reads p-net's I&M0 without an AR, and agrees field by field with profinet-py's
    /// implicit read of the same record.
    // @verifies SWR-PN-RPC-1
    @Test func readIM0AgreesWithProfinetPy() throws {
        try ProjectPython.ensure()
        let segment = try pnetSegment()
        defer { segment.close() }
        let r = try OrionExecutable.run(["pn", "read-im0", "-i", segment.interface, "--station", "rt-labs-dev", "--json"], timeout: 60)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let ours = try #require((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any], "\(r.stdout)")
        let theirs = try #require(try profinetPy(segment, station: "rt-labs-dev", seconds: 1, cycleMs: 32, mode: "im0")["im0"] as? [String: Any])
        #expect(ours["vendor_id"] as? Int == theirs["vendor_id"] as? Int && ours["vendor_id"] as? Int == 0x0493, "\(ours) \(theirs)")
        #expect(ours["order_id"] as? String == theirs["order_id"] as? String, "\(ours) \(theirs)")
        #expect(ours["serial_number"] as? String == theirs["serial"] as? String, "\(ours) \(theirs)")
        #expect(ours["hardware_revision"] as? Int == theirs["hardware_revision"] as? Int, "\(ours) \(theirs)")
        #expect(ours["im_supported"] as? Int == theirs["im_supported"] as? Int, "\(ours) \(theirs)")
        let version = theirs["im_version"] as? Int ?? 0
        #expect(ours["im_version"] as? String == "\(version >> 8).\(version & 0xFF)", "\(ours) \(theirs)")
        let sw = theirs["sw_revision"] as? [Int] ?? []
        #expect(sw.count == 4 && ours["software_revision"] as? String == "\(Character(UnicodeScalar(UInt8(sw[0]))))\(sw[1]).\(sw[2]).\(sw[3])",
                "\(ours) \(theirs)")
        // The text form, and a station nobody has.
        let text = try OrionExecutable.run(["pn", "read-im0", "-i", segment.interface, "--station", "rt-labs-dev"], timeout: 60)
        #expect(text.status == 0 && text.stdout.contains("I&M0 of 'rt-labs-dev'") && text.stdout.contains("vendor ID          0x0493"), "\(text.stdout)")
        let nobody = try OrionExecutable.run(["pn", "read-im0", "-i", segment.interface, "--station", "no-such-station", "--timeout", "300"], timeout: 60)
        #expect(nobody.status == 1 && nobody.stderr.contains("no-such-station"), "\(nobody.stderr)")
        let usage = try OrionExecutable.run(["pn", "read-im0", "-i", segment.interface, "--station", "rt-labs-dev", "--subslot", "0"], timeout: 60)
        #expect(usage.status == 2, "\(usage.stderr)")
    }

    // @verifies SWR-PN-CTRL-1
    @Test func unknownStationAndBadFiles() throws {
        let segment = try pnetSegment()
        defer { segment.close() }
        let unknown = try OrionExecutable.run(["pn", "controller", "-i", segment.interface, "--station", "no-such-station", "--gsdml", Self.gsdml,
                                               "--duration", "1s"], timeout: 60)
        #expect(unknown.status == 1, "\(unknown.stdout)\n\(unknown.stderr)")
        #expect(unknown.stderr.contains("no device named 'no-such-station'"), "\(unknown.stderr)")
        let missing = "/nonexistent/orion-pn-controller.xml"
        let bad = try OrionExecutable.run(["pn", "controller", "-i", segment.interface, "--station", "rt-labs-dev", "--gsdml", missing], timeout: 60)
        #expect(bad.status == 2, "\(bad.stdout)\n\(bad.stderr)")
        #expect(bad.stderr.contains("\(missing):"), "\(bad.stderr)")
        let module = try OrionExecutable.run(["pn", "controller", "-i", segment.interface, "--station", "rt-labs-dev", "--gsdml", Self.gsdml,
                                              "--slot", "1=IDM_99"], timeout: 60)
        #expect(module.status == 2, "\(module.stdout)\n\(module.stderr)")
        #expect(module.stderr.contains("no module 'IDM_99'"), "\(module.stderr)")
        let cycle = try OrionExecutable.run(["pn", "controller", "-i", segment.interface, "--station", "rt-labs-dev", "--gsdml", Self.gsdml,
                                             "--cycle", "3ms"], timeout: 60)
        #expect(cycle.status == 2, "\(cycle.stdout)\n\(cycle.stderr)")
    }
}
