// Interface control for a CAN controller through libsocketcan (netlink): bitrate, sample point,
// start/stop/restart, controller state and bus-error counters. vcan has none of the CAN settings.

import CSocketCAN
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The controller state the kernel reports (CAN_STATE_*).
public enum CANControllerState: Int32, Sendable {
    case errorActive = 0, errorWarning, errorPassive, busOff, stopped, sleeping

    /// The words `ip -details link` prints.
    public var name: String {
        switch self {
        case .errorActive: return "ERROR-ACTIVE"
        case .errorWarning: return "ERROR-WARNING"
        case .errorPassive: return "ERROR-PASSIVE"
        case .busOff: return "BUS-OFF"
        case .stopped: return "STOPPED"
        case .sleeping: return "SLEEPING"
        }
    }
}

/// What `orion can link IF` shows.
public struct CANLinkStatus: Sendable {
    public var state: CANControllerState?
    public var bitrate: UInt32?
    /// Sample point in tenths of a percent (875 = 87.5 %), as the kernel stores it.
    public var samplePoint: UInt32?
    public var tq: UInt32?
    public var propSeg: UInt32?
    public var phaseSeg1: UInt32?
    public var phaseSeg2: UInt32?
    public var sjw: UInt32?
    public var brp: UInt32?
    public var txErrors: UInt16?
    public var rxErrors: UInt16?
    public var clock: UInt32?
}

/// libsocketcan calls on one interface.
public struct CANLink {
    public let interface: String

    public init(interface: String) throws(CANSocketError) {
        self.interface = interface
        // Check the interface exists (and the kernel has CAN) with a throwaway socket.
        let fd = orion_can_socket()
        if fd < 0 { throw CANSocketError.from(fd, operation: "socket(PF_CAN)") }
        defer { close(fd) }
        let index = orion_can_ifindex(fd, interface)
        if index < 0 { throw CANSocketError.from(index, operation: "looking up \(interface)", interface: interface) }
    }

    /// Sets the bitrate, and the sample point (tenths of a percent, 0 = the kernel's default) when given.
    /// The interface must be down; the kernel computes the bit timing for its controller.
    public func setBitrate(_ bitrate: UInt32, samplePoint: UInt32 = 0) throws(CANSocketError) {
        let r = samplePoint == 0 ? can_set_bitrate(interface, bitrate)
            : can_set_bitrate_samplepoint(interface, bitrate, samplePoint)
        try check(r, "setting bitrate \(bitrate)")
    }

    public func start() throws(CANSocketError) { try check(can_do_start(interface), "starting") }
    public func stop() throws(CANSocketError) { try check(can_do_stop(interface), "stopping") }
    public func restart() throws(CANSocketError) { try check(can_do_restart(interface), "restarting") }

    /// The controller state, nil for interfaces that are not CAN controllers (vcan).
    public func state() -> CANControllerState? {
        var state: Int32 = 0
        return can_get_state(interface, &state) == 0 ? CANControllerState(rawValue: state) : nil
    }

    /// State, bit timing and error counters; fields the interface does not have (vcan) are nil.
    public func status() -> CANLinkStatus {
        var status = CANLinkStatus()
        var state: Int32 = 0
        if can_get_state(interface, &state) == 0 { status.state = CANControllerState(rawValue: state) }
        var timing = can_bittiming()
        if can_get_bittiming(interface, &timing) == 0 && timing.bitrate != 0 {
            status.bitrate = timing.bitrate
            status.samplePoint = timing.sample_point
            status.tq = timing.tq
            status.propSeg = timing.prop_seg
            status.phaseSeg1 = timing.phase_seg1
            status.phaseSeg2 = timing.phase_seg2
            status.sjw = timing.sjw
            status.brp = timing.brp
        }
        var counters = can_berr_counter()
        if can_get_berr_counter(interface, &counters) == 0 {
            status.txErrors = counters.txerr
            status.rxErrors = counters.rxerr
        }
        var clock = can_clock()
        if can_get_clock(interface, &clock) == 0 && clock.freq != 0 { status.clock = clock.freq }
        return status
    }

    private func check(_ r: Int32, _ operation: String) throws(CANSocketError) {
        guard r != 0 else { return }
        let code = orion_can_errno()
        switch code {
        case EPERM, EACCES: throw .noPermission("\(operation) \(interface)")
        case ENODEV: throw .noSuchInterface(interface)
        case EOPNOTSUPP: throw .notCAN(interface)
        case EBUSY: throw .system(operation: "\(operation) \(interface) (set it down first)", errno: code)
        default: throw .system(operation: "\(operation) \(interface)", errno: code == 0 ? EIO : code)
        }
    }
}
