// DCP against real peers on a veth pair: pnio-dcp (Codewerk's controller library) commissions `orion pn device`
// (identify, get, set name and IP, permanent and temporary across a restart, blink, refused names); `orion pn
// discover/set-name/set-ip/blink` commission p-net's sample device; tshark's pn_dcp dissector reads all of it
// without complaint; frames from a hostile sender are counted and dropped. Needs root (network namespaces); the
// peers are installed by Tools/setup-peers --profinet.

import Foundation
import Testing
import TestSupport

/// pnio-dcp on the segment's host end; its JSON answer.
func pnioDCP(_ segment: PNSegment, _ arguments: [String]) throws -> Any {
    let script = TestPaths.packageRoot.appendingPathComponent("Tests/PROFINETToolTests/Harness/pn_dcp.py").path
    let r = try HostProcess.run(ProjectPython.python, [script, segment.hostIP] + arguments, timeout: 120)
    guard r.status == 0, let line = r.stdout.split(separator: "\n").last,
          let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else {
        throw ToolFailure("pnio-dcp \(arguments.joined(separator: " ")) failed (\(r.status)):\n\(r.stdout.suffix(2000))\n\(r.stderr.suffix(2000))")
    }
    return object
}

/// pnio-dcp's Identify All: the devices it found.
func pnioIdentify(_ segment: PNSegment) throws -> [[String: String]] {
    (try pnioDCP(segment, ["identify"]) as? [[String: String]]) ?? []
}

/// `orion pn ...` with a bounded run time.
func pn(_ arguments: [String]) throws -> ProcessResult {
    try OrionExecutable.run(["pn"] + arguments, timeout: 120)
}

/// Waits until Identify finds a device named `name` (a device needs a moment to open its interface).
func waitForStation(_ segment: PNSegment, _ name: String) throws {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        let r = try pn(["discover", "-i", segment.interface, "--station", name, "--timeout", "300", "--json"])
        if r.status == 0 && r.stdout.contains("\"\(name)\"") { return }
        usleep(200_000)
    }
    throw ToolFailure("no device named \(name) on \(segment.interface) within 30 s")
}

@Suite("PROFINET DCP against pnio-dcp and p-net", .serialized)
struct PNDCPPeerTests {
    init() throws {
        try PNSegment.ensurePeers()
        try ProjectPython.ensure()
    }

    // @verifies SWR-PN-DCP-1
    // @verifies SWR-PN-NAME-1
    @Test func pnioDCPCommissionsTheOrionDevice() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        let storage = NSTemporaryDirectory() + "orion-pn-storage-\(segment.namespace).conf"
        defer { try? FileManager.default.removeItem(atPath: storage) }
        var device = try segment.startOrionDevice(["--name", "orion-dev", "--storage", storage])
        try waitForStation(segment, "orion-dev")

        let found = try pnioIdentify(segment)
        #expect(found.count == 1)
        let mac = try #require(found.first?["mac"])
        #expect(found.first?["name"] == "orion-dev")
        #expect(found.first?["ip"] == segment.deviceIP)
        #expect(found.first?["netmask"] == "255.255.255.0")
        #expect(found.first?["family"] == "orion-io")
        let got = try #require(try pnioDCP(segment, ["get", mac]) as? [String: String])
        #expect(got["name"] == "orion-dev" && got["ip"] == segment.deviceIP)

        // Permanent name and IP: answered, taken, and still there after a restart of the device.
        let newIP = "10.77.\(segment.subnet).21"
        #expect((try pnioDCP(segment, ["set-name", mac, "line-4.cell-2"]) as? [String: Int])?["code"] == 0)
        #expect((try pnioDCP(segment, ["set-ip", mac, newIP, "255.255.255.0", "10.77.\(segment.subnet).1"]) as? [String: Int])?["code"] == 0)
        #expect((try pnioDCP(segment, ["blink", mac]) as? [String: Int])?["code"] == 0)
        var now = try pnioIdentify(segment)
        #expect(now.first?["name"] == "line-4.cell-2" && now.first?["ip"] == newIP)
        // A name DCP forbids: refused with "suboption not set" (3), the old name stays.
        #expect((try pnioDCP(segment, ["set-name", mac, "port-001"]) as? [String: Int])?["code"] == 3)
        #expect((try pnioDCP(segment, ["set-name", mac, "line-4-"]) as? [String: Int])?["code"] == 3)
        #expect(try pnioIdentify(segment).first?["name"] == "line-4.cell-2")
        segment.stopDevices()
        #expect(device.output.contains("signal: flashing the LED"), "\(device.output)")
        #expect(device.output.contains("(2 refused)"), "\(device.output)")

        device = try segment.startOrionDevice(["--name", "orion-dev", "--storage", storage])
        try waitForStation(segment, "line-4.cell-2")
        now = try pnioIdentify(segment)
        #expect(now.first?["name"] == "line-4.cell-2" && now.first?["ip"] == newIP, "permanent values kept: \(now)")

        // A temporary name is not kept: after a restart the device is back to the name it starts with.
        #expect((try pnioDCP(segment, ["set-name", mac, "temp-name", "temp"]) as? [String: Int])?["code"] == 0)
        #expect(try pnioIdentify(segment).first?["name"] == "temp-name")
        segment.stopDevices()
        device = try segment.startOrionDevice(["--name", "orion-dev", "--storage", storage])
        try waitForStation(segment, "orion-dev")
        #expect(try pnioIdentify(segment).first?["name"] == "orion-dev")

        // Reset to factory: name and IP gone, storage empty.
        #expect((try pnioDCP(segment, ["reset", mac]) as? [String: Int])?["code"] == 0)
        now = try pnioIdentify(segment)
        #expect(now.first?["name"] == "" && now.first?["ip"] == "0.0.0.0", "\(now)")
        let kept = (try? String(contentsOfFile: storage, encoding: .utf8)) ?? ""
        #expect(!kept.contains("name=") && !kept.contains("ip="), "\(kept)")
    }

    // @verifies SWR-PN-DCP-1
    @Test func orionCommissionsPNetsDevice() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        try segment.startPNet(name: "rt-labs-dev")
        try waitForStation(segment, "rt-labs-dev")
        let list = try pn(["discover", "-i", segment.interface, "--json", "--timeout", "500"])
        #expect(list.status == 0, "\(list.stderr)")
        let devices = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(devices.count == 1)
        #expect(devices.first?["name"] as? String == "rt-labs-dev")
        #expect(devices.first?["vendor_id"] as? Int == 0x0493)
        #expect(devices.first?["ip"] as? String == segment.deviceIP)

        let ip = "10.77.\(segment.subnet).30"
        let name = try pn(["set-name", "-i", segment.interface, "--station", "rt-labs-dev", "plc-7"])
        #expect(name.status == 0, "\(name.stderr)")
        let setIP = try pn(["set-ip", "-i", segment.interface, "--station", "plc-7", ip, "255.255.255.0", "10.77.\(segment.subnet).1"])
        #expect(setIP.status == 0, "\(setIP.stderr)")
        let blink = try pn(["blink", "-i", segment.interface, "--station", "plc-7"])
        #expect(blink.status == 0, "\(blink.stderr)")
        let table = try pn(["discover", "-i", segment.interface, "--timeout", "500"])
        #expect(table.stdout.contains("plc-7") && table.stdout.contains(ip), "\(table.stdout)")
        // The peer's own check of the name: p-net refuses what the spec forbids, orion reports it.
        let refused = try pn(["set-name", "-i", segment.interface, "--station", "plc-7", "port-001"])
        #expect(refused.status == 2 && refused.stderr.contains("reserved for ports"), "\(refused.stderr)")
        let nobody = try pn(["blink", "-i", segment.interface, "--station", "nobody", "--timeout", "300"])
        #expect(nobody.status == 1 && nobody.stderr.contains("no device named 'nobody'"))
    }

    /// tshark's pn_dcp dissector reads every frame of a commissioning session with no malformed frame or warning.
    @Test func tsharkDissectsTheDCPTrafficCleanly() throws {
        if HostProcess.which("tshark") == nil { try HostProcess.aptInstall("tshark") }
        let segment = try PNSegment()
        defer { segment.close() }
        try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-\(segment.namespace).conf"])
        try waitForStation(segment, "orion-dev")
        // Raw sockets with PACKET_QDISC_BYPASS skip the sending host's taps: the device's frames are captured where
        // they arrive (the host end), the commands' frames at the device's end, in the namespace.
        let captures = [NSTemporaryDirectory() + "pn-\(segment.interface).pcap", NSTemporaryDirectory() + "pn-\(segment.peer).pcap"]
        defer { for c in captures { try? FileManager.default.removeItem(atPath: c) } }
        let near = try Background("dumpcap", ["-q", "-i", segment.interface, "-f", "ether proto 0x8892", "-w", captures[0], "-P"])
        defer { near.stop() }
        let far = try segment.background(["dumpcap", "-q", "-i", segment.peer, "-f", "ether proto 0x8892", "-w", captures[1], "-P"])
        try near.wait(for: "Capturing on")
        try far.wait(for: "Capturing on")
        usleep(300_000)
        #expect(try pn(["discover", "-i", segment.interface, "--timeout", "300"]).status == 0)
        #expect(try pn(["set-name", "-i", segment.interface, "--station", "orion-dev", "dev-2", "--temporary"]).status == 0)
        #expect(try pn(["set-ip", "-i", segment.interface, "--station", "dev-2", "10.77.\(segment.subnet).22", "255.255.255.0"]).status == 0)
        #expect(try pn(["blink", "-i", segment.interface, "--station", "dev-2"]).status == 0)
        #expect(try pn(["reset", "-i", segment.interface, "--station", "dev-2"]).status == 0)
        usleep(500_000)
        near.stop()
        kill(far.process.processIdentifier, SIGINT)
        _ = try? far.waitForExit(timeout: 10)
        // Identify, Set (x4) and the Identify of each --station: 9 requests out, 9 responses back.
        for (capture, what) in zip(captures, ["responses", "requests"]) {
            let all = try HostProcess.run("tshark", ["-r", capture, "-T", "fields", "-e", "pn_dcp.service_id", "-e", "pn_dcp.service_type"], timeout: 120)
            let lines = all.stdout.split(separator: "\n")
            #expect(lines.count >= 9, "\(what): \(all.stdout) \(all.stderr)")
            #expect(lines.allSatisfy { $0.hasSuffix(what == "requests" ? "\t0" : "\t1") }, "\(what): \(all.stdout)")
            let complaints = try HostProcess.run("tshark", ["-r", capture, "-Y", "_ws.malformed || _ws.expert.severity >= warning"], timeout: 120)
            #expect(complaints.status == 0 && complaints.stdout.isEmpty, "\(complaints.stdout.prefix(2000))")
        }
    }

    /// Malformed DCP frames from a hostile sender (scapy): counted and dropped; the device still answers.
    // @verifies SWR-PN-DCP-1
    @Test func hostileDCPFramesAreCountedAndDropped() throws {
        let segment = try PNSegment()
        defer { segment.close() }
        let device = try segment.startOrionDevice(["--name", "orion-dev", "--storage", NSTemporaryDirectory() + "orion-pn-h-\(segment.namespace).conf"])
        try waitForStation(segment, "orion-dev")
        let script = """
        import sys, random
        from scapy.all import Ether, sendp, raw
        random.seed(7)
        iface = sys.argv[1]
        frames = []
        head = bytes.fromhex("010ecf000000" "020000000001" "8892")
        # Identify with a DCPDataLength past the frame, a block length past the data, truncated headers, random junk.
        frames.append(head + bytes.fromhex("fefe0500000000010000ffff" "ffff0000"))
        frames.append(head + bytes.fromhex("fefe050000000002000000080202004000"))
        frames.append(head + bytes.fromhex("fefe0500"))
        for i in range(60):
            frames.append(head + bytes.fromhex("fefe") + bytes(random.getrandbits(8) for _ in range(random.randint(0, 60))))
        for f in frames:
            sendp(Ether(f), iface=iface, verbose=False)
        print(len(frames))
        """
        let r = try HostProcess.run(ProjectPython.python, ["-c", script, segment.interface], timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        try waitForStation(segment, "orion-dev")
        segment.stopDevices()
        let out = device.output
        let malformed = out.split(separator: "\n").last { $0.hasPrefix("dcp:") && $0.contains("malformed") }
        let count = malformed.flatMap { line in
            line.split(separator: ",").first { $0.contains("malformed") }.flatMap { Int($0.split(separator: " ").first ?? "") }
        }
        #expect((count ?? 0) >= 3, "\(out)")
    }
}
