// `orion pn device` under a real IO controller: profinet-py (its low-level API) connects with an IOCAR, sends
// PrmEnd, confirms the device's ApplicationReady and exchanges RT_CLASS_1 data, then releases; reads I&M0 without
// an AR; connects with a wrong module (a module diff, that submodule's data not exchanged); and stops without a
// release (the device's watchdog ends the AR and it takes the next connect). tshark dissects the whole exchange.

import Foundation
import Testing
import TestSupport

/// profinet-py as the controller of the device on `segment`; its JSON report.
func profinetPy(_ segment: PNSegment, station: String, seconds: Int, cycleMs: Int, mode: String = "cyclic") throws -> [String: Any] {
    let script = TestPaths.packageRoot.appendingPathComponent("Tests/PROFINETToolTests/Harness/pn_controller.py").path
    let r = try HostProcess.run(ProjectPython.python, [script, segment.interface, station, "\(seconds)", "\(cycleMs)", mode],
                                timeout: TimeInterval(seconds + 120))
    guard r.status == 0, let line = r.stdout.split(separator: "\n").last,
          let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw ToolFailure("profinet-py \(mode) failed (\(r.status)):\n\(r.stdout.suffix(2000))\n\(r.stderr.suffix(3000))")
    }
    return object
}

/// The device's statistics line starting with `prefix` (e.g. "cm:"), as printed at exit.
func statLine(_ output: String, _ prefix: String) -> String {
    String(output.split(separator: "\n").last { $0.hasPrefix(prefix) } ?? "")
}

@Suite("orion pn device against profinet-py", .serialized)
struct PNDevicePeerTests {
    init() throws {
        try PNSegment.ensurePeers()
        try ProjectPython.ensure()
    }

    /// Connect, PrmEnd, ApplicationReady, 10 s of cyclic data at 8 ms (the shortest cycle profinet-py's own
    /// documentation calls practical for Python; it sustains 2 ms here when the machine is quiet), release.
    // @verifies SWR-PN-AR-1
    // @verifies SWR-PN-RT-1
    @Test func profinetPyConnectsAndExchangesCyclicData() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        let device = try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-c-\(segment.namespace).conf"])
        try waitForStation(segment, "orion-dev")
        let run = try profinetPy(segment, station: "orion-dev", seconds: 10, cycleMs: 8)
        #expect(run["application_ready"] as? Bool == true)
        #expect(run["released"] as? Bool == true)
        let stats = try #require(run["stats"] as? [String: Int])
        // 10 s at 8 ms: about 1250 frames each way; none missed, none invalid, none duplicated.
        #expect((stats["received"] ?? 0) >= 1100, "\(stats)")
        #expect(stats["missed"] == 0 && stats["invalid"] == 0 && stats["duplicate"] == 0 && stats["out_of_order"] == 0, "\(stats)")
        // The device's input counter (10 ms steps) reached the controller as changing data.
        let inputs = try #require(run["distinct_inputs"] as? [String: Int])
        #expect((inputs["1.1"] ?? 0) > 100 && (inputs["3.1"] ?? 0) > 100, "\(inputs)")
        segment.stopDevices()
        let out = device.output
        #expect(out.contains("ar: application ready confirmed: cyclic data"), "\(out)")
        #expect(out.contains("slot 3.1=a55a"), "the controller's outputs reached the device:\n\(out.suffix(1500))")
        #expect(out.contains("ar: ended (released)"), "\(out.suffix(800))")
        #expect(statLine(out, "cm:").contains("0 malformed") && statLine(out, "rt:").contains("0 malformed"), "\(out.suffix(800))")
    }

    /// I&M0 read without an AR (implicit read) returns the device model's identification.
    // @verifies SWR-PN-AR-1
    @Test func implicitReadOfIM0() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-i-\(segment.namespace).conf"])
        try waitForStation(segment, "orion-dev")
        let run = try profinetPy(segment, station: "orion-dev", seconds: 1, cycleMs: 32, mode: "im0")
        let im0 = try #require(run["im0"] as? [String: Any])
        #expect(im0["vendor_id"] as? Int == 0xFEED)
        #expect((im0["order_id"] as? String)?.hasPrefix("ORION-IO-1") == true, "\(im0)")
        #expect((im0["serial"] as? String)?.hasPrefix("0001") == true, "\(im0)")
        #expect(im0["im_version"] as? Int == 0x0101, "\(im0)")
        #expect((im0["sw_revision"] as? [Int]) == [0x56, 1, 0, 0], "\(im0)")
    }

    /// `orion pn read-im0` against Orion's device: its model's I&M0; a slot the device does not have is refused
    /// with the read's PNIO status (access: invalid slot/subslot) and exit 1.
    // @verifies SWR-PN-RPC-1
    @Test func orionReadIM0() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-r-\(segment.namespace).conf"])
        try waitForStation(segment, "orion-dev")
        let r = try pn(["read-im0", "-i", segment.interface, "--station", "orion-dev"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        for line in ["vendor ID          0xfeed", "order ID           ORION-IO-1", "serial number      0001", "software revision  V1.0.0",
                     "I&M version        1.1", "I&M supported      0x001e (I&M1 I&M2 I&M3 I&M4)"] {
            #expect(r.stdout.contains(line), "\(r.stdout)")
        }
        let bad = try pn(["read-im0", "-i", segment.interface, "--station", "orion-dev", "--slot", "99"])
        #expect(bad.status == 1 && bad.stderr.contains("PNIO status 0xde80b200"), "\(bad.stderr)")
    }

    /// profinet-py writes I&M1-3 within its AR and reads them back; the device keeps them in its storage file,
    /// and after a restart an implicit read returns them; a write of I&M0 is refused.
    // @verifies SWR-PN-IM-1
    @Test func profinetPyWritesIMRecordsThatSurviveARestart() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        let storage = NSTemporaryDirectory() + "orion-pn-im-\(segment.namespace).conf"
        defer { try? FileManager.default.removeItem(atPath: storage) }
        try segment.startOrionDevice(["--name", "orion-dev", "--storage", storage])
        try waitForStation(segment, "orion-dev")
        let run = try profinetPy(segment, station: "orion-dev", seconds: 1, cycleMs: 32, mode: "im-write")
        let expected = ["function": "conveyor 3", "location": "hall B", "date": "2026-12-07 23:45", "descriptor": "spare: ORION-IO-1"]
        #expect(run["im"] as? [String: String] == expected, "\(run)")
        #expect((run["im0_write"] as? String)?.hasPrefix("refused") == true, "\(run)")
        #expect(run["released"] as? Bool == true, "\(run)")
        segment.stopDevices()
        let file = try String(contentsOfFile: storage, encoding: .utf8)
        #expect(file.contains("im1-function=conveyor 3\n") && file.contains("im3-descriptor=spare: ORION-IO-1\n"), "\(file)")
        // A new device process on the same storage answers with them, without an AR.
        try segment.startOrionDevice(["--name", "orion-dev", "--storage", storage])
        try waitForStation(segment, "orion-dev")
        let again = try profinetPy(segment, station: "orion-dev", seconds: 1, cycleMs: 32, mode: "im-read")
        #expect(again["im"] as? [String: String] == expected, "\(again)")
    }

    /// A controller that expects another module in slot 3: the connect is answered with a module diff, the AR runs,
    /// and slot 3's data is not taken.
    // @verifies SWR-PN-AR-1
    @Test func aWrongModuleGetsAModuleDiffNotACrash() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        let device = try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-w-\(segment.namespace).conf"])
        try waitForStation(segment, "orion-dev")
        let run = try profinetPy(segment, station: "orion-dev", seconds: 3, cycleMs: 32, mode: "wrong")
        #expect(run["application_ready"] as? Bool == true)
        segment.stopDevices()
        let out = device.output
        #expect(statLine(out, "cm:").contains("1 with module diff"), "\(out.suffix(800))")
        #expect(out.contains("slot 2.1=0"), "slot 2 still exchanged:\n\(out.suffix(800))")
        #expect(!out.contains("slot 3.1=a55a"), "slot 3's data must not be taken:\n\(out.suffix(800))")
    }

    /// The controller dies without a release: the watchdog ends the AR, and a new controller connects.
    // @verifies SWR-PN-RT-1
    @Test func theWatchdogEndsAnAbandonedARAndANewConnectIsTaken() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        let device = try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-a-\(segment.namespace).conf"])
        try waitForStation(segment, "orion-dev")
        let first = try profinetPy(segment, station: "orion-dev", seconds: 2, cycleMs: 8, mode: "abandon")
        #expect(first["abandoned"] as? Bool == true)
        // Watchdog factor 10 at 8 ms: 80 ms.
        try device.wait(for: "ar: ended (watchdog)", timeout: 10)
        let second = try profinetPy(segment, station: "orion-dev", seconds: 2, cycleMs: 8)
        #expect(second["application_ready"] as? Bool == true && second["released"] as? Bool == true)
        segment.stopDevices()
        #expect(statLine(device.output, "cm:").contains("1 watchdog"), "\(device.output.suffix(800))")
    }

    /// Orion's controller drives Orion's device on Linux at 1 ms, configured from the GSDML the device wrote of
    /// itself: ApplicationReady, inputs that change, outputs echoed back (the device's reaction time is reported), a
    /// clean release.
    // @verifies SWR-PN-AR-1
    // @verifies SWR-PN-GSDML-1
    @Test func orionControllerDrivesOrionDeviceFromItsOwnGSDML() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        let folder = NSTemporaryDirectory() + "orion-pn-gsdml-\(segment.namespace)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let device = try segment.startOrionDevice(["--name", "orion-dev", "--echo", "--gsdml-out", folder,
                                                   "--storage", NSTemporaryDirectory() + "orion-pn-o-\(segment.namespace).conf",
                                                   "--alarm", "process:3.1@1", "--alarm", "diagnosis:1.1@2"])
        try waitForStation(segment, "orion-dev")
        let gsdml = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix("GSDML-V2.4-") })
        // 1 ms while other suites load both cores: the device (not real-time) has 100 cycles before its watchdog ends
        // the AR (a clean-clone run saw 10 cycles run out: the device's ERR-PDU, CF 81 FD 05, and no release).
        let run = try OrionExecutable.run(["pn", "controller", "-i", segment.interface, "--station", "orion-dev",
                                           "--gsdml", folder + "/" + gsdml, "--cycle", "1ms", "--watchdog", "100", "--duration", "5s"], timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("inputs changed during the run; released"), "\(run.stdout)")
        // The device's alarms, taken and acknowledged by the controller.
        #expect(run.stdout.contains("alarm: process slot 3 subslot 0x1 sequence 0: acknowledged"), "\(run.stdout)")
        #expect(run.stdout.contains("alarm: diagnosis slot 1 subslot 0x1 sequence 1, channel 0x8000 error type 0x0001: acknowledged"), "\(run.stdout)")
        segment.stopDevices()
        let out = device.output
        #expect(out.contains("alarm: acknowledged by the controller: type 1 slot 1.1 sequence 1, status ok"), "\(out.suffix(800))")
        #expect(out.contains("ar: application ready confirmed: cyclic data") && out.contains("ar: ended (released)"), "\(out.suffix(800))")
        #expect(out.contains("reaction: "), "the device saw the outputs change and echoed them:\n\(out.suffix(800))")
    }

    /// Hostile RPC datagrams and RT frames (scapy) during a running AR: counted as malformed and dropped; the AR
    /// and its data exchange go on without a missed frame.
    // @verifies SWR-PN-AR-1
    // @verifies SWR-PN-RT-1
    @Test func hostileRPCAndRTFramesAreCountedAndDropped() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        let device = try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-x-\(segment.namespace).conf"])
        try waitForStation(segment, "orion-dev")
        let script = """
        import sys, random, time, socket
        from scapy.all import Ether, sendp
        random.seed(11)
        iface, ip, mac = sys.argv[1], sys.argv[2], sys.argv[3]
        time.sleep(2.0)  # the controller has connected by then
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sent = 0
        # RPC: truncated headers, bad versions, a request whose fragment length runs past the datagram, junk.
        heads = [bytes([4, 0]), bytes([5] + [0] * 79), bytes([4, 0, 0x20, 0, 0x10, 0, 0]) + bytes(67) + bytes([0xff, 0xff]) + bytes(4)]
        for h in heads + [bytes(random.getrandbits(8) for _ in range(random.randint(0, 200))) for _ in range(40)]:
            s.sendto(h, (ip, 34964)); sent += 1
        # RT frames with the AR's output frame ID from a stranger, and truncated ones.
        for fid in (0xc010, 0xc001):
            for n in (0, 3, 30, 44):
                sendp(Ether(dst=mac, src="02:66:66:66:66:66", type=0x8892) / (fid.to_bytes(2, "big") + bytes(random.getrandbits(8) for _ in range(n))), iface=iface, verbose=False)
                sent += 1
        print(sent)
        """
        let mac = try #require(try pnioIdentify(segment).first?["mac"])
        let hostile = try Background(ProjectPython.python, ["-c", script, segment.interface, segment.deviceIP, mac])
        let run = try profinetPy(segment, station: "orion-dev", seconds: 5, cycleMs: 8)
        _ = try hostile.waitForExit(timeout: 60)
        #expect(run["released"] as? Bool == true, "\(run)")
        let stats = try #require(run["stats"] as? [String: Int])
        #expect(stats["missed"] == 0 && (stats["received"] ?? 0) >= 500, "\(stats)")
        segment.stopDevices()
        let out = device.output
        let cm = statLine(out, "cm:"), rt = statLine(out, "rt:")
        let malformed = Int(cm.split(separator: ",").last { $0.contains("malformed") }?.split(separator: " ").first ?? "") ?? 0
        #expect(malformed >= 20, "\(cm)")
        let rtMalformed = Int(rt.split(separator: ",").last { $0.contains("malformed") }?.split(separator: " ").first ?? "") ?? 0
        #expect(rtMalformed >= 4, "\(rt)")
        #expect(out.contains("ar: ended (released)"), "\(out.suffix(800))")
    }

    /// Alarms during a running AR (`--alarm`): profinet-py's alarm listener takes a process alarm, a channel
    /// diagnosis, a pull and a plug, acknowledges each (transport ACK and AlarmAck), and the device sees every
    /// AlarmAck; the pulled submodule's data stops meanwhile.
    // @verifies SWR-PN-ALARM-1
    @Test func profinetPyTakesAndAcknowledgesTheDevicesAlarms() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        let device = try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-al-\(segment.namespace).conf",
                                                   "--alarm", "process:3.1@1", "--alarm", "diagnosis:1.1@1.5", "--alarm", "pull:3@2",
                                                   "--alarm", "plug:3@3"])
        try waitForStation(segment, "orion-dev")
        let run = try profinetPy(segment, station: "orion-dev", seconds: 5, cycleMs: 8, mode: "alarms")
        #expect(run["released"] as? Bool == true, "\(run)")
        let alarms = try #require(run["alarms"] as? [[String: Any]], "\(run)")
        #expect(alarms.count == 4, "\(alarms)")
        if alarms.count == 4 {
            // Types in order, their places and idents from the device model, sequence numbers 0...3, low priority.
            #expect(alarms.map { $0["type"] as? Int } == [2, 1, 3, 4], "\(alarms)")
            #expect(alarms.map { $0["slot"] as? Int } == [3, 1, 3, 3] && alarms.allSatisfy { $0["subslot"] as? Int == 1 }, "\(alarms)")
            #expect(alarms.map { $0["sequence"] as? Int } == [0, 1, 2, 3] && alarms.allSatisfy { $0["high"] as? Bool == false }, "\(alarms)")
            #expect(alarms[0]["module"] as? Int == 0x32 && alarms[0]["submodule"] as? Int == 0x132 && alarms[0]["usi"] as? Int == 1, "\(alarms[0])")
            // The channel diagnosis: a short circuit (error type 1) on the whole submodule (channel 0x8000).
            #expect(alarms[1]["channel_diagnosis"] as? Bool == true && alarms[1]["usi"] as? Int == 0x8000, "\(alarms[1])")
            #expect(alarms[1]["error_type"] as? Int == 1 && alarms[1]["channel"] as? Int == 0x8000, "\(alarms[1])")
        }
        segment.stopDevices()
        let out = device.output
        for line in ["alarm: process slot 3.1 raised", "alarm: acknowledged by the controller: type 2 slot 3.1 sequence 0, status ok",
                     "alarm: acknowledged by the controller: type 1 slot 1.1 sequence 1, status ok",
                     "alarm: acknowledged by the controller: type 4 slot 3.1 sequence 3, status ok"] {
            #expect(out.contains(line), "\(out.suffix(1500))")
        }
        #expect(statLine(out, "alarms:").hasPrefix("alarms: 4 raised (0 refused), 4 sent,") && statLine(out, "alarms:").contains(" 4 acknowledged,"),
                "\(out.suffix(800))")
        #expect(statLine(out, "alarms:").hasSuffix("0 NACK, 0 out of sequence, 0 malformed"), "\(out.suffix(800))")
    }

    /// tshark reads what `orion pn controller` sends (captured where it arrives, at the device's end): its connect,
    /// PrmEnd, ApplicationReady answer and release, its output frames, and its transport ACKs and AlarmAcks of the
    /// device's alarms, without a malformed frame or a warning.
    @Test func tsharkDissectsTheControllersTrafficCleanly() throws {
        if HostProcess.which("tshark") == nil { try HostProcess.aptInstall("tshark") }
        let segment = try PNSegment()
        defer { segment.close() }
        let folder = NSTemporaryDirectory() + "orion-pn-tc-\(segment.namespace)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try segment.startOrionDevice(["--name", "orion-dev", "--gsdml-out", folder, "--storage", folder + "/storage.conf",
                                      "--alarm", "process:3.1@0.5", "--alarm", "diagnosis:1.1@1"])
        try waitForStation(segment, "orion-dev")
        let gsdml = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix("GSDML-V2.4-") })
        let capture = folder + "/controller.pcap"
        let far = try segment.background(["dumpcap", "-q", "-i", segment.peer, "-w", capture, "-P"])
        try far.wait(for: "Capturing on")
        usleep(300_000)
        let run = try OrionExecutable.run(["pn", "controller", "-i", segment.interface, "--station", "orion-dev", "--gsdml", folder + "/" + gsdml,
                                           "--cycle", "8ms", "--duration", "2s"], timeout: 120)
        #expect(run.status == 0 && run.stdout.contains("sequence 1, channel 0x8000 error type 0x0001: acknowledged"), "\(run.stdout)\n\(run.stderr)")
        usleep(300_000)
        kill(far.process.processIdentifier, SIGINT)
        _ = try? far.waitForExit(timeout: 10)
        let decode = ["-r", capture]
        let fromController = "eth.src == \(segment.hostMAC)"
        // Connect (0x0101 ARBlockReq), PrmEnd (0x0110), the answer to ApplicationReady (0x8112), release (0x0114).
        let rpc = try HostProcess.run("tshark", decode + ["-Y", "pn_io.block_type && ip.src == \(segment.hostIP)", "-T", "fields", "-e", "pn_io.block_type"], timeout: 120)
        let blocks = rpc.stdout.lowercased()
        for block in ["0x0101", "0x0110", "0x8112", "0x0114"] { #expect(blocks.contains(block), "\(block) in:\n\(rpc.stdout)\n\(rpc.stderr)") }
        let outputs = try HostProcess.run("tshark", decode + ["-Y", "pn_rt && \(fromController) && pn_rt.frame_id < 0xfc00", "-T", "fields", "-e", "pn_rt.frame_id"], timeout: 120)
        #expect(outputs.stdout.split(separator: "\n").count >= 100, "the controller's output frames:\n\(outputs.stdout.prefix(300))")
        let acks = try HostProcess.run("tshark", decode + ["-Y", "\(fromController) && pn_rt.frame_id == 0xfe01 && pn_io.block_type", "-T", "fields",
                                                          "-e", "pn_io.block_type"], timeout: 120)
        #expect(acks.stdout.lowercased().split(separator: "\n").filter { $0.contains("0x8002") }.count == 2, "AlarmAcks:\n\(acks.stdout)\n\(acks.stderr)")
        let complaints = try HostProcess.run("tshark", decode + ["-Y", "_ws.malformed || _ws.expert.severity >= warning"], timeout: 120)
        #expect(complaints.status == 0 && complaints.stdout.isEmpty, "\(complaints.stdout.prefix(2000))")
    }

    /// tshark's pn_io, pn_rt, DCE/RPC and LLDP dissectors read a whole connect-to-release exchange (both directions)
    /// with alarms and their acknowledgements, and the device's LLDP, without a malformed frame or a warning.
    @Test func tsharkDissectsTheConnectionCleanly() throws {
        if HostProcess.which("tshark") == nil { try HostProcess.aptInstall("tshark") }
        let segment = try PNSegment()
        defer { segment.close() }
        try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-t-\(segment.namespace).conf",
                                      "--alarm", "process:3.1@0.5", "--alarm", "diagnosis:1.1@1"])
        try waitForStation(segment, "orion-dev")
        // The device's frames are captured where they arrive: its raw socket bypasses its own host's taps.
        let capture = NSTemporaryDirectory() + "pn-io-\(segment.interface).pcap"
        defer { try? FileManager.default.removeItem(atPath: capture) }
        let dumpcap = try Background("dumpcap", ["-q", "-i", segment.interface, "-w", capture, "-P"])
        defer { dumpcap.stop() }
        try dumpcap.wait(for: "Capturing on")
        usleep(300_000)
        let run = try profinetPy(segment, station: "orion-dev", seconds: 2, cycleMs: 32, mode: "alarms")
        #expect(run["released"] as? Bool == true && (run["alarms"] as? [Any])?.count == 2, "\(run)")
        usleep(300_000)
        dumpcap.stop()
        let decode = ["-r", capture]
        let rpc = try HostProcess.run("tshark", decode + ["-Y", "pn_io", "-T", "fields", "-e", "ip.src", "-e", "pn_io.block_type"], timeout: 120)
        let rpcLines = rpc.stdout.split(separator: "\n")
        #expect(rpcLines.count >= 8, "connect, control and release both ways:\n\(rpc.stdout)\n\(rpc.stderr)")
        let cyclic = try HostProcess.run("tshark", decode + ["-Y", "pn_rt && eth.src != \(segment.hostMAC)", "-T", "fields", "-e", "pn_rt.frame_id"], timeout: 120)
        #expect(cyclic.stdout.split(separator: "\n").count >= 40, "the device's input frames:\n\(cyclic.stdout.prefix(500))")
        // The alarms (AlarmNotification-Low 0x0002) and their AlarmAcks (0x8002) in RTA frames of ID 0xfe01.
        let alarmBlocks = try HostProcess.run("tshark", decode + ["-Y", "pn_rt.frame_id == 0xfe01 && pn_io.block_type", "-T", "fields",
                                                                 "-e", "pn_io.block_type"], timeout: 120)
        let blocks = alarmBlocks.stdout.split(separator: "\n").map { $0.lowercased() }
        #expect(blocks.filter { $0.contains("0x0002") }.count >= 2 && blocks.filter { $0.contains("0x8002") }.count >= 2,
                "\(alarmBlocks.stdout)\n\(alarmBlocks.stderr)")
        // The device's LLDP: chassis ID = NameOfStation, PROFINET's TLVs read by tshark's LLDP dissector.
        let lldp = try HostProcess.run("tshark", decode + ["-Y", "lldp", "-T", "fields", "-e", "lldp.chassis.id", "-e", "lldp.port.id"], timeout: 120)
        // A locally assigned chassis ID is shown as its bytes in hex.
        let name = "orion-dev".utf8.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(lldp.stdout.contains("\(name)\tport-001"), "\(lldp.stdout) \(lldp.stderr)")
        let complaints = try HostProcess.run("tshark", decode + ["-Y", "_ws.malformed || _ws.expert.severity >= warning"], timeout: 120)
        #expect(complaints.status == 0 && complaints.stdout.isEmpty, "\(complaints.stdout.prefix(2000))")
    }
}
