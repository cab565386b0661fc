// The Linux host's CAN driver: SocketCAN raw sockets carrying the portable `CANFrame`, with the errors a
// user can act on (no interface, interface down, no permission, kernel without CAN) named as such.

import CSocketCAN
import Fieldbus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a SocketCAN operation failed.
public enum CANSocketError: Error, Equatable, Sendable {
    /// The kernel has no AF_CAN (socket(PF_CAN) gave EAFNOSUPPORT): CAN needs a kernel built with CONFIG_CAN.
    case kernelWithoutCAN
    /// The CAN_RAW protocol module is missing (EPROTONOSUPPORT).
    case rawProtocolMissing
    /// No interface with this name.
    case noSuchInterface(String)
    /// The interface exists but is not up.
    case interfaceDown(String)
    /// The interface is not a CAN interface.
    case notCAN(String)
    /// The caller may not do this (EPERM/EACCES).
    case noPermission(String)
    /// A CAN FD frame on an interface whose MTU only carries classic frames.
    case fdNotSupported(String)
    /// The transmit queue stayed full.
    case bufferFull
    /// Any other system error, with the operation that failed.
    case system(operation: String, errno: Int32)

    /// One line for the user.
    public var message: String {
        switch self {
        case .kernelWithoutCAN:
            return "this kernel has no CAN support (socket(PF_CAN) failed: address family not supported); "
                + "use a Linux kernel with CONFIG_CAN (e.g. in a VM: see docs/CAN.md)"
        case .rawProtocolMissing:
            return "the kernel's CAN_RAW protocol is not available (modprobe can-raw)"
        case .noSuchInterface(let name):
            return "no such CAN interface '\(name)' (create one: ip link add dev \(name) type vcan; ip link set up \(name))"
        case .interfaceDown(let name):
            return "CAN interface '\(name)' is down (ip link set \(name) up)"
        case .notCAN(let name):
            return "'\(name)' is not a CAN interface"
        case .noPermission(let what):
            return "permission denied: \(what) (needs root or CAP_NET_ADMIN/CAP_NET_RAW)"
        case .fdNotSupported(let name):
            return "interface '\(name)' does not carry CAN FD frames (ip link set \(name) mtu 72)"
        case .bufferFull:
            return "transmit buffer full (no room in the interface's queue)"
        case .system(let operation, let code):
            return "\(operation): \(String(cString: strerror(code)))"
        }
    }

    /// Maps a negative errno from the C shim to an error, naming the interface where that helps.
    static func from(_ code: Int32, operation: String, interface: String? = nil) -> CANSocketError {
        let e = -code
        switch e {
        case EAFNOSUPPORT: return .kernelWithoutCAN
        case EPROTONOSUPPORT: return .rawProtocolMissing
        case ENODEV, ENXIO: return interface.map { .noSuchInterface($0) } ?? .system(operation: operation, errno: e)
        case ENETDOWN: return interface.map { .interfaceDown($0) } ?? .system(operation: operation, errno: e)
        case EPERM, EACCES: return .noPermission(interface.map { "\(operation) on \($0)" } ?? operation)
        case ENOBUFS: return .bufferFull
        default: return .system(operation: operation, errno: e)
        }
    }
}

/// A received frame with the interface it came from and the kernel's receive time.
public struct ReceivedCANFrame: Sendable {
    public var frame: CANFrame
    /// Kernel interface index (see `CANSocket.interfaceName(index:)`).
    public var interfaceIndex: Int32
    /// Receive time since the Unix epoch in nanoseconds (SO_TIMESTAMPNS; 0 when the kernel gave none).
    public var timestampNanoseconds: Int64
    /// Arrived in a CAN FD (72-byte) buffer.
    public var arrivedAsFD: Bool
}

/// A CAN_RAW socket bound to one interface or to all ("any").
public final class CANSocket {
    public let fd: Int32
    /// The interface name given to `init` ("any" for all).
    public let interface: String
    public let interfaceIndex: Int32
    /// Whether CAN FD frames may be sent and are received (CAN_RAW_FD_FRAMES on and the MTU allows them).
    public private(set) var fdEnabled = false
    private var names: [Int32: String] = [:]

    /// Opens a raw socket on `interface` ("any" for all CAN interfaces), checking that it exists and is up.
    public init(interface: String) throws(CANSocketError) {
        let fd = orion_can_socket()
        if fd < 0 { throw CANSocketError.from(fd, operation: "socket(PF_CAN)") }
        self.fd = fd
        self.interface = interface
        let index = orion_can_ifindex(fd, interface)
        if index < 0 {
            close(fd)
            throw CANSocketError.from(index, operation: "looking up \(interface)", interface: interface)
        }
        interfaceIndex = index
        if index > 0 {
            let flags = orion_can_ifflags(fd, interface)
            if flags >= 0 && flags & Int32(IFF_UP) == 0 {
                close(fd)
                throw CANSocketError.interfaceDown(interface)
            }
            names[index] = interface
        }
        let bound = orion_can_bind(fd, index)
        if bound < 0 {
            close(fd)
            throw CANSocketError.from(bound, operation: "bind", interface: interface)
        }
    }

    deinit { close(fd) }

    /// Turns on CAN FD frames (CAN_RAW_FD_FRAMES). With `require`, fails when the interface's MTU is classic.
    public func enableFD(require: Bool = false) throws(CANSocketError) {
        try check(orion_can_rawopt_int(fd, Int32(CAN_RAW_FD_FRAMES), 1), "setsockopt(CAN_RAW_FD_FRAMES)")
        if interfaceIndex > 0 {
            let mtu = orion_can_ifmtu(fd, interface)
            if mtu >= 0 && mtu < 72 {
                if require { throw CANSocketError.fdNotSupported(interface) }
                return
            }
        }
        fdEnabled = true
    }

    /// Receive filters (SocketCAN id/mask pairs; CAN_INV_FILTER in the id inverts). Empty receives no data frames.
    public func setFilters(_ filters: [(id: UInt32, mask: UInt32)]) throws(CANSocketError) {
        let ids = filters.map(\.id)
        let masks = filters.map(\.mask)
        try check(orion_can_set_filters(fd, ids, masks, Int32(filters.count)), "setsockopt(CAN_RAW_FILTER)")
    }

    /// Which error classes arrive as error frames (CAN_RAW_ERR_FILTER; 0 none, 0x1FFFFFFF all).
    public func setErrorMask(_ mask: UInt32) throws(CANSocketError) {
        try check(orion_can_rawopt_int(fd, Int32(CAN_RAW_ERR_FILTER), Int32(bitPattern: mask)), "setsockopt(CAN_RAW_ERR_FILTER)")
    }

    /// Whether filters must all match (CAN_RAW_JOIN_FILTERS) instead of any.
    public func setJoinFilters(_ on: Bool) throws(CANSocketError) {
        try check(orion_can_rawopt_int(fd, Int32(CAN_RAW_JOIN_FILTERS), on ? 1 : 0), "setsockopt(CAN_RAW_JOIN_FILTERS)")
    }

    /// Whether frames sent here are looped back to other sockets on this host (CAN_RAW_LOOPBACK, default on).
    public func setLoopback(_ on: Bool) throws(CANSocketError) {
        try check(orion_can_rawopt_int(fd, Int32(CAN_RAW_LOOPBACK), on ? 1 : 0), "setsockopt(CAN_RAW_LOOPBACK)")
    }

    /// Whether this socket receives its own frames (CAN_RAW_RECV_OWN_MSGS, default off).
    public func setReceiveOwnMessages(_ on: Bool) throws(CANSocketError) {
        try check(orion_can_rawopt_int(fd, Int32(CAN_RAW_RECV_OWN_MSGS), on ? 1 : 0), "setsockopt(CAN_RAW_RECV_OWN_MSGS)")
    }

    /// Kernel receive timestamps (SO_TIMESTAMPNS).
    public func enableTimestamps() throws(CANSocketError) {
        try check(orion_can_timestamps(fd), "setsockopt(SO_TIMESTAMPNS)")
    }

    /// A larger receive buffer so bursts are not dropped (best effort).
    public func setReceiveBuffer(bytes: Int32) { _ = orion_can_rcvbuf(fd, bytes) }

    /// Waits until a frame can be read; false after `timeoutMilliseconds` (-1 waits forever).
    public func waitReadable(timeoutMilliseconds: Int32) throws(CANSocketError) -> Bool {
        let r = orion_can_poll(fd, Int16(POLLIN), timeoutMilliseconds)
        if r < 0 { throw CANSocketError.from(r, operation: "poll", interface: interface) }
        return r > 0
    }

    /// Waits until a frame can be written; false after the timeout.
    public func waitWritable(timeoutMilliseconds: Int32) throws(CANSocketError) -> Bool {
        let r = orion_can_poll(fd, Int16(POLLOUT), timeoutMilliseconds)
        if r < 0 { throw CANSocketError.from(r, operation: "poll", interface: interface) }
        return r > 0
    }

    /// Receives one frame, blocking until one arrives.
    public func receive() throws(CANSocketError) -> ReceivedCANFrame {
        var rx = orion_can_rx()
        let n = orion_can_recv(fd, &rx)
        if n < 0 { throw CANSocketError.from(n, operation: "recvmsg", interface: interface) }
        var frame = CANFrame()
        frame.setSocketCANId(rx.can_id)
        frame.isFD = rx.is_fd != 0
        if frame.isFD {
            frame.bitRateSwitch = rx.flags & CANFrame.fdBitRateSwitch != 0
            frame.errorStateIndicator = rx.flags & CANFrame.fdErrorStateIndicator != 0
        }
        let length = Int(rx.len)
        withUnsafeBytes(of: rx.data) { raw in
            for i in 0..<min(length, 64) { frame.data[i] = raw[i] }
        }
        if frame.isRemote {
            try? frame.setLength(min(length, 8))
        } else if (try? frame.setLength(length)) == nil {
            // A classic frame longer than 8 (not possible from the kernel) or an odd FD length: clamp.
            try? frame.setLength(frame.isFD ? CANDLC.paddedLength(min(length, 64)) : min(length, 8))
        }
        return ReceivedCANFrame(frame: frame, interfaceIndex: rx.ifindex,
                                timestampNanoseconds: rx.sec * 1_000_000_000 + rx.nsec, arrivedAsFD: rx.is_fd != 0)
    }

    /// Sends one frame (on `interfaceIndex` when this socket is bound to "any"). Error frames and FD frames
    /// on a classic interface are the caller's choice; the kernel rejects what it cannot carry.
    public func send(_ frame: CANFrame, interfaceIndex: Int32 = 0) throws(CANSocketError) {
        if frame.isFD && !fdEnabled { throw CANSocketError.fdNotSupported(interface) }
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let length = Int(frame.length)
        let r = withUnsafeMutableBytes(of: &bytes) { raw -> Int32 in
            if !frame.isRemote { for i in 0..<length { raw[i] = frame.data[i] } }
            return orion_can_send(fd, frame.socketCANId, frame.length, frame.socketCANFDFlags,
                                  raw.baseAddress!.assumingMemoryBound(to: UInt8.self), frame.isFD ? 1 : 0, interfaceIndex)
        }
        if r < 0 {
            if -r == EINVAL && frame.isFD { throw CANSocketError.fdNotSupported(interface) }
            throw CANSocketError.from(r, operation: "write", interface: interface)
        }
    }

    /// Sends without blocking on a full queue: false when the kernel said ENOBUFS/EAGAIN.
    public func trySend(_ frame: CANFrame) throws(CANSocketError) -> Bool {
        do {
            try send(frame)
            return true
        } catch .bufferFull {
            return false
        } catch .system(_, let code) where code == EAGAIN {
            return false
        }
    }

    /// Sends `frames` (all classic or all FD, this socket's own interface) with as few system calls as the
    /// kernel allows: one `sendmmsg` per 64 frames. Returns how many the kernel took, in order; fewer than
    /// `frames.count` when its queue filled (ENOBUFS/EAGAIN after the first frame is not an error).
    public func trySendBatch(_ frames: UnsafeBufferPointer<CANFrame>) throws(CANSocketError) -> Int {
        guard let first = frames.first else { return 0 }
        if first.isFD && !fdEnabled { throw CANSocketError.fdNotSupported(interface) }
        var done = 0
        while done < frames.count {
            let count = min(frames.count - done, Int(ORION_CAN_BATCH_MAX))
            let r = withUnsafeTemporaryAllocation(of: orion_can_tx.self, capacity: count) { batch -> Int32 in
                for i in 0..<count {
                    let frame = frames[done + i]
                    batch[i] = orion_can_tx()
                    batch[i].can_id = frame.socketCANId
                    batch[i].len = frame.length
                    batch[i].flags = frame.socketCANFDFlags
                    if !frame.isRemote {
                        withUnsafeMutableBytes(of: &batch[i].data) { raw in
                            for b in 0..<Int(frame.length) { raw[b] = frame.data[b] }
                        }
                    }
                }
                return orion_can_send_batch(fd, batch.baseAddress, Int32(count), first.isFD ? 1 : 0)
            }
            if r < 0 {
                let error = CANSocketError.from(r, operation: "sendmmsg", interface: interface)
                if case .bufferFull = error { return done }
                if -r == EAGAIN { return done }
                if -r == EINVAL && first.isFD { throw CANSocketError.fdNotSupported(interface) }
                throw error
            }
            done += Int(r)
            if Int(r) < count { return done }
        }
        return done
    }

    /// Switches between blocking and non-blocking reads/writes.
    public func setNonBlocking(_ on: Bool) throws(CANSocketError) {
        try check(orion_can_nonblocking(fd, on ? 1 : 0), "fcntl(O_NONBLOCK)")
    }

    /// The name of interface `index` (cached).
    public func interfaceName(index: Int32) -> String {
        if let name = names[index] { return name }
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        let name = orion_can_ifname(index, &buffer) == 0 ? String(cString: buffer) : "if\(index)"
        names[index] = name
        return name
    }

    private func check(_ r: Int32, _ operation: String) throws(CANSocketError) {
        if r < 0 { throw CANSocketError.from(r, operation: operation, interface: interfaceIndex > 0 ? interface : nil) }
    }
}

/// Clocks the command-line tools use (monotonic for timeouts and pacing, real time for log stamps).
public enum CANClock {
    public static func monotonicNanoseconds() -> Int64 { orion_can_monotonic_ns() }
    public static func realtimeNanoseconds() -> Int64 { orion_can_realtime_ns() }
}
