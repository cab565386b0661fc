// The Linux host's PROFINET link: an AF_PACKET raw socket for every frame on one interface (DCP, RT data and
// alarms are EtherType 0x8892, possibly VLAN-tagged; LLDP 0x88CC), member of the PROFINET multicast groups, and a
// UDP socket for the DCE/RPC of the connection manager. The raw socket functions are CEtherCATIO's.

import CEtherCATIO
import Fieldbus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why the link could not be opened or used, with a message a user can act on.
public enum PNLinkError: Error, Equatable, Sendable {
    case noInterface(String)
    case noPermission(String)
    case linkDown(String)
    case system(operation: String, errno: Int32)

    public var message: String {
        switch self {
        case .noInterface(let name): return "no network interface '\(name)' (ip link shows the interfaces)"
        case .noPermission(let name): return "cannot open a raw socket on \(name): needs root or CAP_NET_RAW"
        case .linkDown(let name): return "\(name) is down or has no link (ip link set \(name) up; check the cable)"
        case .system(let operation, let code): return "\(operation): \(String(cString: strerror(code)))"
        }
    }

    /// Whether the user gave something wrong (exit 2) rather than the system failing (exit 1).
    public var isUsage: Bool {
        if case .noInterface = self { return true }
        return false
    }
}

/// An open raw socket on one interface, for every EtherType.
public struct PNRawSocket {
    public let interface: String
    public let fd: Int32
    /// The interface's own MAC address (a device answers with it; the kernel's UDP uses it too).
    public let mac: EthernetAddress

    public init(interface: String) throws(PNLinkError) {
        let up = orion_ec_link_up(interface)
        if up == -ENODEV || up == -ENXIO { throw .noInterface(interface) }
        if up < 0 { throw .system(operation: "reading the flags of \(interface)", errno: -up) }
        if up == 0 { throw .linkDown(interface) }
        var m: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        let r = withUnsafeMutableBytes(of: &m) { orion_ec_mac(interface, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        if r < 0 { throw .system(operation: "reading the MAC address of \(interface)", errno: -r) }
        let fd = orion_raw_open(interface, 0x0003)  // ETH_P_ALL
        if fd == -ENODEV { throw .noInterface(interface) }
        if fd == -EPERM || fd == -EACCES { throw .noPermission(interface) }
        if fd < 0 { throw .system(operation: "opening a raw socket on \(interface)", errno: -fd) }
        self.interface = interface
        self.fd = fd
        mac = EthernetAddress(m)
        // DCP Identify and Hello, and LLDP's nearest-bridge group: a real NIC's filter would drop them otherwise.
        for group in [PNDCPWire.identifyMulticast, PNDCPWire.helloMulticast, EthernetAddress(0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E)] {
            var g = group.tuple
            _ = withUnsafeBytes(of: &g) { orion_raw_add_multicast(fd, interface, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        }
    }

    public func send(_ frame: UnsafeRawBufferPointer) -> Int32 {
        orion_ec_send(fd, frame.baseAddress!.assumingMemoryBound(to: UInt8.self), frame.count)
    }

    /// One frame that came in, without waiting (0: none queued).
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int32 {
        orion_raw_receive_any(fd, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count)
    }

    /// Waits for a frame until `deadlineNs` (CLOCK_MONOTONIC): its length, or 0 at the deadline.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, deadlineNs: UInt64) -> Int32 {
        orion_ec_receive(fd, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count, Int64(deadlineNs / 1000))
    }

    public func close() { orion_ec_close(fd) }
}

/// A UDP socket (the RPC port of a device, or any port of a controller).
public struct PNUDPSocket {
    public let fd: Int32
    public let port: UInt16

    /// Bound to `port` (0: any) and limited to `interface`.
    public init(interface: String, port: UInt16) throws(PNLinkError) {
        let fd = orion_udp_open(interface, port)
        if fd < 0 { throw .system(operation: "opening UDP port \(port) on \(interface)", errno: -fd) }
        self.fd = fd
        self.port = UInt16(truncatingIfNeeded: max(0, orion_udp_local_port(fd)))
    }

    public func send(to address: UInt32, port: UInt16, _ payload: UnsafeRawBufferPointer) -> Int32 {
        orion_udp_send(fd, address, port, payload.baseAddress!.assumingMemoryBound(to: UInt8.self), payload.count)
    }

    /// One datagram without waiting: (length, sender address, sender port); length 0 when none is queued, < 0 on
    /// an error (-EMSGSIZE: too long, dropped).
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> (Int32, UInt32, UInt16) {
        var address: UInt32 = 0
        var port: UInt16 = 0
        let n = orion_udp_receive(fd, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count, &address, &port)
        return (n, address, port)
    }

    public func close() { orion_ec_close(fd) }
}

/// The interface's IPv4 address, and setting it (what a DCP Set of the IP suite does on Linux).
public enum PNInterfaceAddress {
    public static func get(_ interface: String) -> PNIPSuite? {
        var a: UInt32 = 0
        var m: UInt32 = 0
        guard orion_ipv4_get(interface, &a, &m) == 0 else { return nil }
        return PNIPSuite(address: a, netmask: m, gateway: 0)
    }

    /// Sets the address and netmask (address 0 removes it); the errno's text when it cannot. The gateway is not
    /// installed as a route: the device answers on its own subnet.
    public static func set(_ interface: String, _ suite: PNIPSuite) -> String? {
        let r = orion_ipv4_set(interface, suite.address, suite.netmask)
        return r == 0 ? nil : String(cString: strerror(-r))
    }
}

/// Waiting on several descriptors at once, up to a deadline on CLOCK_MONOTONIC.
public enum PNWait {
    /// Which of `fds` (≤ 4) are readable (bit i for fds[i]); 0 at the deadline or on a stop signal.
    public static func readable(_ fds: [Int32], deadlineNs: UInt64) -> Int32 {
        var ready: Int32 = 0
        let r = fds.withUnsafeBufferPointer { orion_wait_readable($0.baseAddress!, Int32($0.count), Int64(min(deadlineNs / 1000, UInt64(Int64.max))), &ready) }
        return r > 0 ? ready : 0
    }

    public static func nowNs() -> UInt64 { UInt64(orion_ec_now_ns()) }
    public static func catchStopSignals() { _ = orion_ec_catch_stop_signals() }
    public static var stopRequested: Bool { orion_ec_stop_requested() != 0 }
}
