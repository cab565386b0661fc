// A simulated EtherCAT segment for tests: KickCAT's network_simulator (built from ../shared/peers by
// Tools/setup-peers --ethercat) answering in a network namespace of its own, at the far end of a veth pair whose
// near end is on the host; or, for a board in QEMU, on the host end of a tap device in a namespace of its own.
// Each segment gets names of its own, so suites can run at once.

import Foundation

public final class EtherCATSegment: @unchecked Sendable {
    /// The host's end of the veth pair: the interface a master opens.
    public let interface: String
    public let peer: String
    public let namespace: String
    /// A tap device instead of a veth pair: a board in QEMU (`orion run --tap`, in the namespace) is the master,
    /// the simulator answers on the tap's host end, in the same namespace.
    public let isTap: Bool
    var simulator: Process?

    nonisolated(unsafe) static var next = 0
    static let lock = NSLock()

    /// The simulator's slave configurations the test beds use (relative to its share folder).
    public static let twoSlaves = ["slave_configs/freedom-k64f.json", "slave_configs/xmc4800.json"]
    public static let drive = ["slave_configs/ecat402-drive.json"]

    /// The peers' prefix (network_simulator in bin/, its configs in share/kickcat).
    public static var peers: String {
        (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.cache/orion-rt/peers"
    }

    /// Builds the simulator and installs the reference masters unless they are there (Tools/setup-peers --ethercat,
    /// which locks, so suites running at once build once).
    public static func ensurePeers() throws {
        let setup = TestPaths.packageRoot.appendingPathComponent("Tools/setup-peers").path
        let r = try HostProcess.run(setup, ["--ethercat"], timeout: 2400)
        guard r.status == 0 else {
            throw ToolFailure("Tools/setup-peers --ethercat failed:\n\(r.stdout.suffix(2000))\n\(r.stderr.suffix(2000))")
        }
    }

    /// A veth pair with its far end in a new namespace; `slaves` (simulator configs) answer there unless empty.
    /// Fails with the reason when the namespace or the pair cannot be made (not root, no veth).
    public init(slaves: [String] = EtherCATSegment.twoSlaves) throws {
        let n: Int = Self.lock.withLock {
            Self.next += 1
            return Self.next
        }
        let tag = "\(getpid() % 10000)x\(n)"
        interface = "ecm\(tag)"
        peer = "ecs\(tag)"
        namespace = "orion-ecat-\(tag)"
        isTap = false
        try ip(["netns", "add", namespace])
        do {
            try ip(["link", "add", interface, "type", "veth", "peer", "name", peer])
            try ip(["link", "set", peer, "netns", namespace])
            try ip(["-n", namespace, "link", "set", peer, "up"])
            try ip(["link", "set", interface, "up"])
            if !slaves.isEmpty { try start(slaves) }
        } catch {
            close()
            throw error
        }
    }

    /// A tap device (the name QEMU's NIC is attached to: `interface`) in a network namespace of its own, up,
    /// without IPv6 (so the kernel sends no router solicitations into the segment); `slaves` answer on it unless
    /// empty. QEMU runs in the namespace too (`ip netns exec namespace ...`), so nothing touches the host's own
    /// network, and removing the namespace removes the tap.
    public init(tapSlaves slaves: [String]) throws {
        let n: Int = Self.lock.withLock {
            Self.next += 1
            return Self.next
        }
        let tag = "\(getpid() % 10000)x\(n)"
        interface = "ect\(tag)"
        peer = interface
        namespace = "orion-ecat-\(tag)"
        isTap = true
        try ip(["netns", "add", namespace])
        do {
            // Loopback up: Foundation in a process started here (orion) makes its wakeup socket pair on it, and
            // without one it never learns that its child (QEMU) ended.
            try ip(["-n", namespace, "link", "set", "lo", "up"])
            try ip(["-n", namespace, "tuntap", "add", "dev", interface, "mode", "tap"])
            _ = try? HostProcess.run("ip", ["netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv6.conf.\(interface).disable_ipv6=1"], timeout: 30)
            try ip(["-n", namespace, "link", "set", interface, "up"])
            if !slaves.isEmpty { try start(slaves) }
        } catch {
            close()
            throw error
        }
    }

    func ip(_ arguments: [String]) throws {
        let r = try HostProcess.run("ip", arguments, timeout: 120)
        guard r.status == 0 else {
            throw ToolFailure("ip \(arguments.joined(separator: " ")) failed (\(r.status)): \(r.stderr) — the EtherCAT tests need root to make network namespaces and veth pairs")
        }
    }

    /// Starts the simulator with `slaves` on the far end (a running one is stopped first).
    public func start(_ slaves: [String]) throws {
        stop()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: HostProcess.which("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace, Self.peers + "/bin/network_simulator", "-i", peer, "-s"] + slaves
        process.currentDirectoryURL = URL(fileURLWithPath: Self.peers + "/share/kickcat")
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        simulator = process
        usleep(300_000)
        guard process.isRunning else { throw ToolFailure("network_simulator \(slaves.joined(separator: " ")) exited at once (\(process.terminationStatus))") }
    }

    /// Stops the simulator (the segment goes quiet).
    public func stop() {
        guard let process = simulator else { return }
        simulator = nil
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while HostProcess.isRunning(process) && Date() < deadline { usleep(20_000) }
            if HostProcess.isRunning(process) { kill(process.processIdentifier, SIGKILL) }
        }
        _ = HostProcess.waitForExit(process)
        // `ip netns exec` runs the simulator as its child: make sure no simulator is left in the namespace.
        _ = try? HostProcess.run("ip", ["netns", "pids", namespace], timeout: 10).stdout
            .split(separator: "\n").compactMap { Int32($0) }.map { kill($0, SIGKILL) }
    }

    /// Stops the simulator and removes the namespace and the pair.
    public func close() {
        stop()
        if !isTap { _ = try? HostProcess.run("ip", ["link", "del", interface], timeout: 120) }
        _ = try? HostProcess.run("ip", ["netns", "del", namespace], timeout: 120)
    }

    deinit { close() }
}
