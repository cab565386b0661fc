// The PROFINET IO device on the boards: `orion run --app pn-demo` boots qemu-virt-aarch64 and qemu-virt-riscv64
// with QEMU's virtio-net NIC on a tap, bridged (in a network namespace) to the segment's far end. The board starts
// without a name or address; pnio-dcp finds it and commissions it (name, IP, blink; a bad name refused), Linux's
// ping reaches its IPv4 stack, and profinet-py connects as the IO controller, exchanges RT_CLASS_1 data at 8 ms
// for 10 s and releases, after which the board reports and exits 0. In a second boot Orion's own tools do the same:
// `orion pn discover/set-name/set-ip`, and `orion pn controller` configured from the GSDML `orion pn gsdml` wrote.
// Needs root (namespaces, a tap); the peers are installed by Tools/setup-peers --profinet.

import Foundation
import Testing
import TestSupport

@Suite("pn-demo on the virt boards against pnio-dcp and profinet-py", .serialized)
struct PNBoardTests {
    init() throws {
        try PNSegment.ensurePeers()
        try ProjectPython.ensure()
    }

    /// Boots `board` with pn-demo on the segment's tap; returns once it serves.
    func boot(_ segment: PNSegment, _ board: String) throws -> Background {
        let tap = try #require(segment.tap)
        // The first run builds the image (minutes when nothing is built yet).
        let guest = try segment.background([TestPaths.orion, "run", "--board", board, "--app", "pn-demo", "-c", "release",
                                            "--tap", tap, "--timeout", "600"])
        try guest.wait(for: "pn-demo: serving", timeout: 1800)
        #expect(guest.output.contains("pn-demo: virtio-net started, MAC 52:54:00:12:34:56"), "\(guest.output)")
        return guest
    }

    /// Waits for the board to end (a release ends its run); its output without the kernel's lines.
    func finish(_ guest: Background) -> String {
        let deadline = Date().addingTimeInterval(60)
        while HostProcess.isRunning(guest.process) && Date() < deadline { usleep(100_000) }
        let ended = !HostProcess.isRunning(guest.process)
        #expect(ended, "the board did not end after the release:\n\(guest.output.suffix(2000))")
        let out = guest.output.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("kernel:") }.joined(separator: "\n")
        if ended { #expect(HostProcess.waitForExit(guest.process) == 0, "\(out)") }
        #expect(out.contains("pn-demo: ok"), "\(out)")
        return out
    }

    // @verifies SWR-PN-BOARD-1
    // @verifies SWR-NET-IP-1
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64"])
    func realPeersCommissionAndControlTheBoard(_ board: String) throws {
        if HostProcess.which("ping") == nil { try HostProcess.aptInstall("iputils-ping") }
        let segment = try PNSegment(boardTap: true)
        defer { segment.close() }
        let guest = try boot(segment, board)

        // pnio-dcp finds the board without a name or address, and names and addresses it.
        let mac = "52:54:00:12:34:56"
        var found: [String: String]? = nil
        for _ in 0..<10 where found == nil {
            found = try pnioIdentify(segment).first { $0["mac"]?.lowercased() == mac }
        }
        let identified = try #require(found, "pnio-dcp did not find the board")
        #expect(identified["name"] == "" && identified["ip"] == "0.0.0.0", "\(identified)")
        #expect((try pnioDCP(segment, ["set-name", mac, "port-001"]) as? [String: Int])?["code"] == 3, "a reserved name is refused")
        #expect((try pnioDCP(segment, ["set-name", mac, "orion-board"]) as? [String: Int])?["code"] == 0)
        #expect((try pnioDCP(segment, ["set-ip", mac, segment.deviceIP, "255.255.255.0", "0.0.0.0"]) as? [String: Int])?["code"] == 0)
        #expect((try pnioDCP(segment, ["blink", mac]) as? [String: Int])?["code"] == 0)
        let got = try #require(try pnioDCP(segment, ["get", mac]) as? [String: String])
        #expect(got["name"] == "orion-board" && got["ip"] == segment.deviceIP, "\(got)")

        // Linux's ping reaches the board's IPv4 stack at the address DCP gave it.
        let ping = try HostProcess.run("ping", ["-c", "3", "-i", "0.2", "-W", "2", segment.deviceIP], timeout: 30)
        #expect(ping.status == 0 && ping.stdout.contains(" 0% packet loss"), "\(ping.stdout)\n\(ping.stderr)")

        // profinet-py: connect, PrmEnd, ApplicationReady, 10 s at 8 ms, release.
        let run = try profinetPy(segment, station: "orion-board", seconds: 10, cycleMs: 8)
        #expect(run["application_ready"] as? Bool == true && run["released"] as? Bool == true, "\(run)")
        let stats = try #require(run["stats"] as? [String: Int], "\(run)")
        #expect((stats["received"] ?? 0) >= 1100, "\(stats)")
        #expect(stats["missed"] == 0 && stats["invalid"] == 0 && stats["duplicate"] == 0 && stats["out_of_order"] == 0, "\(stats)")
        let inputs = try #require(run["distinct_inputs"] as? [String: Int], "\(run)")
        #expect((inputs["1.1"] ?? 0) > 100 && (inputs["3.1"] ?? 0) > 100, "the board's input counter: \(inputs)")

        // The release ends the board's run: it reports and exits 0.
        let out = finish(guest)
        #expect(out.contains("pn-demo: name of station 'orion-board'"), "\(out)")
        #expect(out.contains("pn-demo: IP \(segment.deviceIP) netmask 255.255.255.0 gateway 0.0.0.0"), "\(out)")
        #expect(out.contains("pn-demo: DCP signal: blink"), "\(out)")
        #expect(out.contains("pn-demo: ar connected by \(segment.hostIP)"), "\(out)")
        #expect(out.contains("pn-demo: ar application ready confirmed: cyclic data"), "\(out)")
        #expect(out.contains(" slot 3.1=a55a"), "the controller's outputs reached the board:\n\(out)")
        #expect(out.contains("pn-demo: ar ended (released)"), "\(out)")
        #expect(out.contains("pn-demo: cm: 1 connects, 0 refused, 1 releases, 0 watchdog,"), "\(out)")
        // Every output frame taken in order (none stale, none malformed); a few with DataValid clear at the start
        // are profinet-py's, before it has outputs.
        let rt = String(out.split(separator: "\n").first { $0.hasPrefix("pn-demo: rt: ") } ?? "")
        #expect(rt.contains(" input frames out, 0 stale, ") && rt.hasSuffix(" invalid, 0 malformed"), "\(out)")
        #expect(out.contains("identify answered, ") && out.contains(" sets, 0 malformed"), "\(out)")
        #expect(out.contains(" malformed, 0 bad checksums"), "\(out)")
        let pings = out.split(separator: "\n").first { $0.hasPrefix("pn-demo: ip: ") }.flatMap { UInt64($0.dropFirst("pn-demo: ip: ".count).prefix { $0.isNumber }) } ?? 0
        #expect(pings >= 3, "\(out)")
    }

    /// Orion's own tools on the board: `orion pn discover/set-name/set-ip` commission it, `orion pn read-im0` reads its
    /// identification, and `orion pn controller`,
    /// configured from the GSDML `orion pn gsdml` writes of the same device, exchanges cyclic data with it at 4 ms.
    // @verifies SWR-PN-BOARD-1
    // @verifies SWR-PN-CTRL-1
    @Test(arguments: ["qemu-virt-aarch64", "qemu-virt-riscv64"])
    func orionsControllerRunsTheBoard(_ board: String) throws {
        let segment = try PNSegment(boardTap: true)
        defer { segment.close() }
        let folder = NSTemporaryDirectory() + "orion-pn-board-\(segment.namespace)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let written = try pn(["gsdml", "-o", folder])
        #expect(written.status == 0, "\(written.stderr)")
        let gsdml = written.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(gsdml.hasPrefix(folder + "/GSDML-V2.4-Orion_RT-Orion_IO_device-"), "\(gsdml)")
        let guest = try boot(segment, board)

        let mac = "52:54:00:12:34:56"
        var seen = ""
        for _ in 0..<10 where !seen.contains(mac) {
            seen = try pn(["discover", "-i", segment.interface, "--timeout", "500"]).stdout
        }
        #expect(seen.contains(mac) && seen.contains("0xfeed") && seen.contains("orion-io"), "\(seen)")
        let named = try pn(["set-name", "-i", segment.interface, "--mac", mac, "orion-board"])
        #expect(named.status == 0, "\(named.stdout)\n\(named.stderr)")
        let addressed = try pn(["set-ip", "-i", segment.interface, "--station", "orion-board", segment.deviceIP, "255.255.255.0"])
        #expect(addressed.status == 0, "\(addressed.stdout)\n\(addressed.stderr)")

        // I&M0 read without an AR, over the board's IPv4 stack.
        let im0 = try pn(["read-im0", "-i", segment.interface, "--station", "orion-board", "--json"])
        #expect(im0.status == 0 && im0.stdout.contains("\"vendor_id\": 65261") && im0.stdout.contains("\"order_id\": \"ORION-IO-1\""),
                "\(im0.stdout)\n\(im0.stderr)")

        // 5 s at 4 ms. The board runs under QEMU on a host that other suites keep busy, so the watchdog is 50 cycles
        // and half the cycles with an input frame show a running exchange; the board's own cycle counter is checked
        // strictly: frames it sent that did not arrive, at most 2 %.
        let r = try OrionExecutable.run(["pn", "controller", "-i", segment.interface, "--station", "orion-board", "--gsdml", gsdml,
                                         "--cycle", "4ms", "--watchdog", "50", "--duration", "5s", "--json"], timeout: 120)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let line = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "\(r.stdout)\n\(r.stderr)")
        let cycles = report["cycles"] as? Int ?? 0
        let received = report["frames_received"] as? Int ?? 0
        let lost = report["lost_by_counter"] as? Int ?? -1
        #expect(report["released"] as? Bool == true, "\(line)")
        #expect(cycles >= 1200 && report["frames_sent"] as? Int == cycles, "\(line)")
        #expect(received * 2 >= cycles, "\(line)")
        #expect(lost >= 0 && lost * 50 <= max(received, 1), "\(line)")
        #expect(report["stale"] as? Int == 0 && report["malformed"] as? Int == 0 && report["last_data_status"] as? Int == 0x35, "\(line)")
        #expect(report["input_changed"] as? Bool == true, "the board's input counter: \(line)")

        let out = finish(guest)
        #expect(out.contains("pn-demo: ar connected by \(segment.hostIP), input frame 0xc001"), "\(out)")
        #expect(out.contains(", cycle 4000 us"), "\(out)")
        #expect(out.contains("pn-demo: ar application ready confirmed: cyclic data"), "\(out)")
        #expect(out.contains("pn-demo: outputs slot 2.1="), "the controller's outputs reached the board:\n\(out)")
        #expect(out.contains("pn-demo: ar ended (released)"), "\(out)")
    }

    /// raspi3b has no PCIe for the NIC: refused before anything is built (exit 2).
    @Test func theDemoNeedsPCIe() throws {
        let pi = try OrionExecutable.run(["run", "--board", "raspi3b", "--app", "pn-demo", "--timeout", "30"], timeout: 300)
        #expect(pi.status == 2, "stdout:\n\(pi.stdout)\nstderr:\n\(pi.stderr)")
        #expect(pi.stderr.contains("app 'pn-demo' needs PCIe") && pi.stderr.contains("qemu-virt-riscv64"), "\(pi.stderr)")
    }
}
