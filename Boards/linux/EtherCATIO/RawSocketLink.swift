// The Linux host's EtherCAT link: an AF_PACKET raw socket for EtherType 0x88A4 on one interface (see
// CEtherCATIO), behind the portable master in Fieldbus/EtherCAT.

import CEtherCATIO
import Fieldbus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why the link could not be opened or used, with a message a user can act on.
public enum EtherCATIOError: Error, Equatable, Sendable {
    /// No interface of that name.
    case noInterface(String)
    /// Raw sockets need root or CAP_NET_RAW.
    case noPermission(String)
    /// The interface is down or has no carrier.
    case linkDown(String)
    /// Any other system error, with the operation that failed.
    case system(operation: String, errno: Int32)

    public var message: String {
        switch self {
        case .noInterface(let name): return "no network interface '\(name)' (ip link shows the interfaces)"
        case .noPermission(let name): return "cannot open a raw socket on \(name): needs root or CAP_NET_RAW"
        case .linkDown(let name): return "\(name) is down or has no link (ip link set \(name) up; check the cable)"
        case .system(let operation, let code): return "\(operation): \(String(cString: strerror(code)))"
        }
    }
}

/// An open raw socket on one interface.
public struct RawSocketLink: EtherCATLink {
    public let interface: String
    public let fd: Int32
    public let macAddress: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    /// Opens `interface`; fails with a clear error for a missing interface, no permission or no link.
    public init(interface: String) throws(EtherCATIOError) {
        let up = orion_ec_link_up(interface)
        if up == -ENODEV || up == -ENXIO { throw .noInterface(interface) }
        if up < 0 { throw .system(operation: "reading the flags of \(interface)", errno: -up) }
        if up == 0 { throw .linkDown(interface) }
        var mac: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        let r = withUnsafeMutableBytes(of: &mac) { orion_ec_mac(interface, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        if r < 0 { throw .system(operation: "reading the MAC address of \(interface)", errno: -r) }
        let fd = orion_ec_open(interface)
        if fd == -ENODEV { throw .noInterface(interface) }
        if fd == -EPERM || fd == -EACCES { throw .noPermission(interface) }
        if fd < 0 { throw .system(operation: "opening a raw socket on \(interface)", errno: -fd) }
        self.interface = interface
        self.fd = fd
        // The interface's own address, made locally administered and unicast (bit 1 set, bit 0 clear), so a
        // capture shows the master as a unicast sender and no slave answer is taken for it.
        self.macAddress = ((mac.0 | 0x02) & 0xFE, mac.1, mac.2, mac.3, mac.4, mac.5)
    }

    public mutating func send(_ frame: UnsafeRawBufferPointer) throws(EtherCATLinkError) {
        let n = orion_ec_send(fd, frame.baseAddress!.assumingMemoryBound(to: UInt8.self), frame.count)
        if n == -ENETDOWN || n == -ENXIO { throw .linkDown }
        if n < 0 { throw .failed(code: -n) }
    }

    public mutating func receive(into buffer: UnsafeMutableRawBufferPointer, deadlineNs: UInt64) throws(EtherCATLinkError) -> Int {
        let n = orion_ec_receive(fd, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count,
                                 Int64(deadlineNs / 1000))
        if n == -ENETDOWN { throw .linkDown }
        if n < 0 { throw .failed(code: -n) }
        return Int(n)
    }

    public func nowNs() -> UInt64 { UInt64(orion_ec_now_ns()) }

    public func close() { orion_ec_close(fd) }
}

/// What a cyclic master needs from Linux besides the socket: absolute sleeps on CLOCK_MONOTONIC, SCHED_FIFO with
/// locked memory, and SIGINT/SIGTERM turned into a flag the loop polls.
public enum EtherCATHost {
    /// Sleeps until `ns` (CLOCK_MONOTONIC, the clock `RawSocketLink.nowNs` reads); returns early on a stop signal.
    public static func sleep(untilNs ns: UInt64) { _ = orion_ec_sleep_until_ns(ns) }

    /// Locks memory and makes the calling thread SCHED_FIFO at `priority`; the errno's text when it cannot.
    public static func realtime(priority: Int) -> String? {
        let r = orion_ec_realtime(Int32(priority))
        return r == 0 ? nil : String(cString: strerror(-r))
    }

    /// Makes the calling thread's sleeps end as close to their time as the kernel can (timer slack 1 ns instead of
    /// the 50 us normal threads get; SCHED_FIFO threads have none anyway).
    public static func tightTimers() { _ = orion_ec_timer_slack(1) }

    public static func catchStopSignals() { _ = orion_ec_catch_stop_signals() }
    public static var stopRequested: Bool { orion_ec_stop_requested() != 0 }
    public static func nowNs() -> UInt64 { UInt64(orion_ec_now_ns()) }
}
