// Acceptance filtering with SocketCAN's semantics: id/mask pairs (plain and inverted), a set of them with
// any-match (or, joined, all-match) semantics, and the error-class mask that selects error frames.

import Kernel

/// One SocketCAN acceptance filter (`struct can_filter`): `id` and `mask` in SocketCAN's `can_id` encoding,
/// with `CAN_EFF_FLAG`/`CAN_RTR_FLAG` usable in both and `CAN_INV_FILTER` in `id` to invert the match.
public struct CANFilter: Equatable, Sendable {
    /// `CAN_INV_FILTER`: in `id`, the filter matches the frames the id/mask pair does not.
    public static let invertFlag: UInt32 = 0x2000_0000

    /// The identifier to compare with, plus flags (extended, remote, inverted).
    public var id: UInt32
    /// Which bits of a received `can_id` (flags included) take part in the comparison.
    public var mask: UInt32

    /// A filter exactly as `struct can_filter` holds it.
    public init(id: UInt32, mask: UInt32) {
        self.id = id
        self.mask = mask
    }

    /// SocketCAN's default filter (id 0, mask 0): every data and remote frame.
    public static let all = CANFilter(id: 0, mask: 0)

    /// A filter for exactly one identifier of one kind (data and remote frames both pass unless `remote` says).
    public static func exact(_ identifier: UInt32, extended: Bool? = nil) -> CANFilter {
        let ext = extended ?? (identifier > CANFrame.standardMask)
        let idMask = ext ? CANFrame.extendedMask : CANFrame.standardMask
        return CANFilter(id: (identifier & idMask) | (ext ? CANFrame.extendedFlag : 0),
                         mask: idMask | CANFrame.extendedFlag)
    }

    /// Whether the filter is inverted (`CAN_INV_FILTER` set in `id`).
    public var isInverted: Bool { id & CANFilter.invertFlag != 0 }

    /// The id and mask the kernel actually compares with (af_can's normalisation at registration):
    /// the error flag leaves the mask, an "SFF only" filter (extended flag in the mask, not in the id)
    /// compares only 11 identifier bits, and the id is reduced to the masked bits.
    @inlinable
    public var effective: (id: UInt32, mask: UInt32) {
        var m = mask & ~CANFrame.errorFlag
        let value = id & ~CANFilter.invertFlag
        if m & CANFrame.extendedFlag != 0 && value & CANFrame.extendedFlag == 0 {
            m &= CANFrame.standardMask | CANFrame.extendedFlag | CANFrame.remoteFlag
        }
        return (value & m, m)
    }

    /// Whether a received data or remote frame with SocketCAN `can_id` `canId` passes this filter.
    /// Error frames never pass an id/mask filter; the error mask decides for them.
    // @implements SWR-CAN-FILTER-1
    @inlinable
    public func matches(canId: UInt32) -> Bool {
        if canId & CANFrame.errorFlag != 0 { return false }
        let e = effective
        let hit = canId & e.mask == e.id
        return isInverted ? !hit : hit
    }

    /// Whether `frame` passes this filter.
    @inlinable
    public func matches(_ frame: CANFrame) -> Bool { matches(canId: frame.socketCANId) }
}

/// The error classes of SocketCAN error frames (`CAN_ERR_*` in `linux/can/error.h`), as a bit set; used both
/// for the classes an error frame reports and for the error mask that selects which ones a reader receives.
public struct CANErrorClass: BitFlags, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }


    /// `CAN_ERR_TX_TIMEOUT`: the driver timed out a transmission.
    public static let txTimeout = CANErrorClass(rawValue: 0x001)
    /// `CAN_ERR_LOSTARB`: arbitration lost (bit position in data[0]).
    public static let lostArbitration = CANErrorClass(rawValue: 0x002)
    /// `CAN_ERR_CRTL`: controller problem (data[1]).
    public static let controller = CANErrorClass(rawValue: 0x004)
    /// `CAN_ERR_PROT`: protocol violation (type in data[2], location in data[3]).
    public static let protocolViolation = CANErrorClass(rawValue: 0x008)
    /// `CAN_ERR_TRX`: transceiver status (data[4]).
    public static let transceiver = CANErrorClass(rawValue: 0x010)
    /// `CAN_ERR_ACK`: no acknowledgement on transmission.
    public static let noAck = CANErrorClass(rawValue: 0x020)
    /// `CAN_ERR_BUSOFF`: the controller went bus-off.
    public static let busOff = CANErrorClass(rawValue: 0x040)
    /// `CAN_ERR_BUSERROR`: a bus error (may flood).
    public static let busError = CANErrorClass(rawValue: 0x080)
    /// `CAN_ERR_RESTARTED`: the controller restarted after bus-off.
    public static let restarted = CANErrorClass(rawValue: 0x100)
    /// `CAN_ERR_CNT`: data[6]/data[7] hold the TX/RX error counters.
    public static let counters = CANErrorClass(rawValue: 0x200)

    /// `CAN_ERR_MASK`: every class bit.
    public static let all = CANErrorClass(rawValue: 0x1FFF_FFFF)
}

/// A fixed-capacity set of acceptance filters plus an error mask: what `CAN_RAW_FILTER`,
/// `CAN_RAW_JOIN_FILTERS` and `CAN_RAW_ERR_FILTER` configure on a raw socket.
///
/// A new set holds SocketCAN's default: one filter (id 0, mask 0) that accepts every data/remote frame, and
/// an error mask of 0 (no error frames). An empty filter list accepts no data/remote frames.
public struct CANFilterSet: Sendable {
    /// The most filters a set holds.
    public static let capacity = 32

    @usableFromInline var storage: InlineArray<32, CANFilter>
    /// How many filters are in use.
    public private(set) var count: Int
    /// Which error classes' error frames are delivered (`CAN_RAW_ERR_FILTER`; 0 = none).
    public var errorMask: CANErrorClass
    /// `CAN_RAW_JOIN_FILTERS`: a frame must pass every filter, not just one.
    public var joined: Bool

    /// SocketCAN's default: all data and remote frames, no error frames.
    public init() {
        storage = InlineArray(repeating: .all)
        count = 1
        errorMask = CANErrorClass()
        joined = false
    }

    /// No filters (nothing but error frames the error mask selects is accepted).
    public static var none: CANFilterSet {
        var set = CANFilterSet()
        set.removeAll()
        return set
    }

    /// Removes every filter.
    public mutating func removeAll() { count = 0 }

    /// Appends a filter; false when the set is full.
    @discardableResult
    public mutating func append(_ filter: CANFilter) -> Bool {
        guard count < CANFilterSet.capacity else { return false }
        storage[count] = filter
        count += 1
        return true
    }

    /// Filter `i` (0..<count).
    public subscript(i: Int) -> CANFilter {
        var copy = self
        return copy.filter(at: i)
    }

    /// Filter `i`, read in place (no copy of the storage under Embedded Swift).
    public mutating func filter(at i: Int) -> CANFilter { storage[i] }

    /// Whether a frame with SocketCAN `can_id` `canId` is delivered: error frames when one of their classes
    /// is in the error mask; data/remote frames when they pass any filter (every filter when `joined`).
    /// (Copies the set once; a hot path keeps its set in a `var` and calls `acceptsInPlace`.)
    public func accepts(canId: UInt32) -> Bool {
        var copy = self
        return copy.acceptsInPlace(canId: canId)
    }

    /// `accepts(canId:)` without copying the filter storage.
    // @implements SWR-CAN-FILTER-1
    public mutating func acceptsInPlace(canId: UInt32) -> Bool {
        if canId & CANFrame.errorFlag != 0 {
            return canId & CANFrame.extendedMask & errorMask.rawValue != 0
        }
        if count == 0 { return false }
        var i = 0
        if joined {
            while i < count {
                if !storage[i].matches(canId: canId) { return false }
                i += 1
            }
            return true
        }
        while i < count {
            if storage[i].matches(canId: canId) { return true }
            i += 1
        }
        return false
    }

    /// Whether `frame` is delivered.
    public func accepts(_ frame: CANFrame) -> Bool { accepts(canId: frame.socketCANId) }
}
