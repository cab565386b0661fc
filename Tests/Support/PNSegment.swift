// A PROFINET segment for tests: a veth pair whose near end (the controller's: pnio-dcp, profinet-py, `orion pn`
// commands) stays on the host with an address of its own subnet, and whose far end is in a network namespace of
// its own, where the device runs: p-net's sample device `pn_dev` (built from ../shared/peers by Tools/setup-peers
// --profinet, with the link-speed shim veth needs) or `orion pn device`. Each segment gets names and a subnet of
// its own (10.77.N.0/24), so suites can run at once.

import Foundation

public final class PNSegment: @unchecked Sendable {
    /// The host's end: the interface a controller uses.
    public let interface: String
    /// The namespace's end: the interface the device runs on.
    public let peer: String
    public let namespace: String
    /// The host end's address (pnio-dcp finds its interface by it) and the device's starting address.
    public let hostIP: String
    public let deviceIP: String
    public let subnet: Int
    var devices: [Background] = []

    nonisolated(unsafe) static var next = 0
    static let lock = NSLock()

    /// The peers' prefix (pn_dev in bin/, the shim in lib/, p-net's GSDML in share/p-net).
    public static var peers: String { EtherCATSegment.peers }

    /// Builds p-net and installs the Python controllers unless they are there (one locked setup for both beds).
    public static func ensurePeers() throws {
        let setup = TestPaths.packageRoot.appendingPathComponent("Tools/setup-peers").path
        let r = try HostProcess.run(setup, ["--profinet"], timeout: 2400)
        guard r.status == 0 else {
            throw ToolFailure("Tools/setup-peers --profinet failed:\n\(r.stdout.suffix(2000))\n\(r.stderr.suffix(2000))")
        }
    }

    /// The tap device a board's NIC is on (`orion run --app pn-demo --tap`), in the namespace, bridged to the far
    /// end; nil for a plain segment.
    public let tap: String?

    /// A segment whose far end is a bridge in the namespace with a tap device on it (`tap`) for QEMU, which runs
    /// in the namespace (`ip netns exec`); the device is the board, which gets its address by DCP, so the far end
    /// has none.
    public convenience init(boardTap: Bool) throws {
        try self.init(withTap: true)
    }

    public convenience init() throws {
        try self.init(withTap: false)
    }

    init(withTap: Bool) throws {
        let n: Int = Self.lock.withLock {
            Self.next += 1
            return Self.next
        }
        let tag = "\(getpid() % 10000)x\(n)"
        interface = "pnc\(tag)"
        peer = "pnd\(tag)"
        namespace = "orion-pn-\(tag)"
        subnet = Int((getpid() * 7 + Int32(n) * 13) % 200) + 20
        hostIP = "10.77.\(subnet).1"
        deviceIP = "10.77.\(subnet).20"
        tap = withTap ? "pnt\(tag)" : nil
        try ip(["netns", "add", namespace])
        do {
            try ip(["-n", namespace, "link", "set", "lo", "up"])
            try ip(["link", "add", interface, "type", "veth", "peer", "name", peer])
            try ip(["link", "set", peer, "netns", namespace])
            _ = try? HostProcess.run("sysctl", ["-q", "-w", "net.ipv6.conf.\(interface).disable_ipv6=1"], timeout: 30)
            _ = try? HostProcess.run("ip", ["netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv6.conf.\(peer).disable_ipv6=1"], timeout: 30)
            try ip(["addr", "add", "\(hostIP)/24", "dev", interface])
            if let tap {
                let bridge = "pnb\(tag)"
                try ip(["-n", namespace, "tuntap", "add", "dev", tap, "mode", "tap"])
                try ip(["-n", namespace, "link", "add", bridge, "type", "bridge"])
                try ip(["-n", namespace, "link", "set", peer, "master", bridge])
                try ip(["-n", namespace, "link", "set", tap, "master", bridge])
                for name in [tap, bridge] {
                    _ = try? HostProcess.run("ip", ["netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv6.conf.\(name).disable_ipv6=1"], timeout: 30)
                    try ip(["-n", namespace, "link", "set", name, "up"])
                }
            } else {
                try ip(["-n", namespace, "addr", "add", "\(deviceIP)/24", "dev", peer])
            }
            try ip(["-n", namespace, "link", "set", peer, "up"])
            try ip(["link", "set", interface, "up"])
        } catch {
            close()
            throw error
        }
    }

    /// The host end's MAC address.
    public var hostMAC: String {
        ((try? String(contentsOfFile: "/sys/class/net/\(interface)/address", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Bounded at 120 s: `ip` can wait for the kernel's RTNL lock while other suites tear namespaces down, and a
    /// loaded clean-clone CI run once saw `ip addr add` take longer than 30 s.
    func ip(_ arguments: [String]) throws {
        let r = try HostProcess.run("ip", arguments, timeout: 120)
        guard r.status == 0 else {
            throw ToolFailure("ip \(arguments.joined(separator: " ")) failed (\(r.status)): \(r.stderr) — the PROFINET tests need root to make network namespaces and veth pairs")
        }
    }

    /// Runs `command` in the device's namespace, in the background.
    public func background(_ command: [String]) throws -> Background {
        let b = try Background("ip", ["netns", "exec", namespace] + command)
        devices.append(b)
        return b
    }

    /// Starts p-net's sample device with NameOfStation `name` and a fresh storage folder; waits until it answers
    /// DCP (it takes a moment to open its interface). `realtimePriority` runs it (every thread) under SCHED_FIFO at
    /// that priority, so that a host busy with other suites does not make its 1 ms tick skip.
    @discardableResult
    public func startPNet(name: String = "rt-labs-dev", realtimePriority: Int? = nil, arguments: [String] = []) throws -> Background {
        let storage = NSTemporaryDirectory() + "orion-pnet-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let chrt = realtimePriority.map { ["chrt", "-f", String($0)] } ?? []
        let b = try background(chrt + ["env", "LD_PRELOAD=\(Self.peers)/lib/link-speed-100m.so", "\(Self.peers)/bin/pn_dev",
                                "-i", peer, "-s", name, "-p", storage] + arguments)
        usleep(1_500_000)
        guard HostProcess.isRunning(b.process) else { throw ToolFailure("pn_dev exited at once:\n\(b.output)") }
        return b
    }

    /// Starts `orion pn device` on the far end with `arguments`; waits for its start line.
    @discardableResult
    public func startOrionDevice(_ arguments: [String]) throws -> Background {
        let b = try background([TestPaths.orion, "pn", "device", "-i", peer] + arguments)
        try b.wait(for: "orion pn device on", timeout: 60)
        return b
    }

    /// Stops every device started here (SIGINT, then SIGKILL) and returns nothing; `Background.output` still
    /// holds what each printed.
    public func stopDevices() {
        for b in devices where HostProcess.isRunning(b.process) {
            kill(b.process.processIdentifier, SIGINT)
            let deadline = Date().addingTimeInterval(5)
            while HostProcess.isRunning(b.process) && Date() < deadline { usleep(20_000) }
            if HostProcess.isRunning(b.process) { kill(b.process.processIdentifier, SIGKILL) }
            _ = HostProcess.waitForExit(b.process)
        }
        devices.removeAll()
        _ = try? HostProcess.run("ip", ["netns", "pids", namespace], timeout: 10).stdout
            .split(separator: "\n").compactMap { Int32($0) }.map { kill($0, SIGKILL) }
    }

    public func close() {
        stopDevices()
        _ = try? HostProcess.run("ip", ["link", "del", interface], timeout: 120)
        _ = try? HostProcess.run("ip", ["netns", "del", namespace], timeout: 120)
    }

    deinit { close() }
}
