// Distributed clocks (ETG.1000.4 §9, ETG.1020 §6): one write makes every slave latch the time a frame passed
// each of its ports; from those times the master derives each slave's propagation delay from the reference
// clock (the first slave with DC), sets every slave's system time offset so its local clock reads the master's
// time, compensates drift by sending the reference clock's system time to the others (ARMW, then FRMW every
// cycle), and starts SYNC0 with a cycle time and a shift. Receive times are 32-bit and wrap every 4.3 s, system
// times are 64-bit nanoseconds since 2000-01-01: all arithmetic here wraps on purpose. No allocation: the
// slave table is the caller's.

/// One slave's distributed-clock state as the master measures and sets it.
public struct EtherCATDCSlave: Sendable, Equatable {
    public var station: UInt16
    /// Whether the ESC has distributed clocks (ESC feature bit 2); slaves without are left out.
    public var hasDC: Bool
    /// Ports with a neighbour (DL status communication bits), bit p for port p.
    public var openPorts: UInt8 = 0
    /// Latched receive times of ports 0-3 (0x0900-0x090F) and of the processing unit (0x0918, 64-bit).
    public var portTimes: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    public var processingTime: UInt64 = 0
    /// Propagation delay from the reference clock in ns (0x0928), and the system time offset written (0x0920).
    public var delay: UInt32 = 0
    public var offset: UInt64 = 0

    public init(station: UInt16, hasDC: Bool) {
        self.station = station
        self.hasDC = hasDC
    }

    public static func == (a: EtherCATDCSlave, b: EtherCATDCSlave) -> Bool {
        a.station == b.station && a.hasDC == b.hasDC && a.openPorts == b.openPorts && a.portTimes == b.portTimes
            && a.processingTime == b.processingTime && a.delay == b.delay && a.offset == b.offset
    }

    public func portTime(_ p: Int) -> UInt32 {
        switch p {
        case 0: return portTimes.0
        case 1: return portTimes.1
        case 2: return portTimes.2
        default: return portTimes.3
        }
    }

    /// How long the frame was away behind this slave: from passing port 0 on its way out to coming back through
    /// the last open port after it (0 at the end of the line). Wraps with the 32-bit receive times.
    public var loopTime: UInt32 {
        var last = -1
        var p = 1
        while p < 4 {
            if openPorts & (1 << p) != 0 { last = p }
            p += 1
        }
        return last < 0 ? 0 : portTime(last) &- portTime(0)
    }
}

/// Why distributed clocks cannot be set up.
public enum EtherCATDCError: Error, Sendable, Equatable {
    /// No slave on the segment has distributed clocks.
    case noReferenceClock
    /// A slave has more than two open ports (a junction): the delays here assume a line.
    case branchedTopology(station: UInt16)
    /// A register access failed.
    case exchange(EtherCATError)
}

public enum EtherCATDC {
    /// Propagation delays along a line: the reference clock (the first slave with DC) has 0; each later slave has
    /// its predecessor's delay plus half the difference of their loop times (the frame's way to the slave and
    /// back). Slaves without DC are skipped; a slave with more than two open ports is refused. Returns the
    /// reference's index.
    // @implements SWR-ECAT-DC-1
    public static func computeDelays(_ slaves: UnsafeMutableBufferPointer<EtherCATDCSlave>) throws(EtherCATDCError) -> Int {
        var reference = -1
        var previous = -1
        var i = 0
        while i < slaves.count {
            defer { i += 1 }
            guard slaves[i].hasDC else { continue }
            if slaves[i].openPorts.nonzeroBitCount > 2 { throw .branchedTopology(station: slaves[i].station) }
            if reference < 0 {
                reference = i
                slaves[i].delay = 0
            } else {
                // Both loop times are wrapped 32-bit differences; their difference fits easily in 32 bits.
                let twice = slaves[previous].loopTime &- slaves[i].loopTime
                slaves[i].delay = slaves[previous].delay &+ UInt32(bitPattern: Int32(bitPattern: twice) / 2)
            }
            previous = i
        }
        guard reference >= 0 else { throw .noReferenceClock }
        return reference
    }

    /// The system time offset for a slave that latched `localTime` (its 0x0918) when the master's clock read
    /// `masterTime` (both ns, 64-bit, wrapping): local + offset = master.
    public static func offset(masterTime: UInt64, localTime: UInt64) -> UInt64 { masterTime &- localTime }

    /// The system time difference register (0x092C) as a signed value in ns: bit 31 set means the local copy is
    /// ahead (≥) of the received system time, bits 0-30 the magnitude.
    public static func difference(_ raw: UInt32) -> Int64 {
        let magnitude = Int64(raw & 0x7FFF_FFFF)
        return raw & 0x8000_0000 != 0 ? magnitude : -magnitude
    }

    /// The first SYNC0 pulse: the first multiple of `cycleNs` at least `leadNs` after `now`, plus `shiftNs`
    /// (ETG.1020: the start time must lie in the future when the slave reads it, aligned to the cycle).
    public static func syncStart(now: UInt64, cycleNs: UInt32, shiftNs: Int32, leadNs: UInt64) -> UInt64 {
        let cycle = UInt64(max(cycleNs, 1))
        let earliest = now &+ leadNs
        let aligned = (earliest / cycle + 1) &* cycle
        return aligned &+ UInt64(bitPattern: Int64(shiftNs))
    }
}

extension EtherCATMaster {
    /// Latches every slave's receive times (a broadcast write of 0x0900), reads them with each DC slave's
    /// processing-unit time and open ports, computes the delays, and writes every DC slave's offset (so that its
    /// system time equals `masterTime`, the master's clock in ns since 2000-01-01, at the latch) and delay.
    /// Returns the reference clock's index in `slaves`.
    // @implements SWR-ECAT-DC-1
    public mutating func configureDistributedClocks(_ slaves: UnsafeMutableBufferPointer<EtherCATDCSlave>,
                                                    masterTime: UInt64) throws(EtherCATDCError) -> Int {
        do {
            _ = try write(.bwr, adp: 0, ado: EtherCATRegister.dcReceiveTimes, value: 0, count: 4)
            var i = 0
            while i < slaves.count {
                defer { i += 1 }
                guard slaves[i].hasDC else { continue }
                let station = slaves[i].station
                let dl = UInt16(truncatingIfNeeded: try readStation(station, EtherCATRegister.dlStatus, count: 2))
                var open: UInt8 = 0
                var p = 0
                while p < 4 {
                    if dl & (1 << (9 + 2 * p)) != 0 { open |= 1 << p }
                    p += 1
                }
                // Port 0 is where the frame comes in: open whenever the slave answers.
                slaves[i].openPorts = open | 1
                let low = try readStation(station, EtherCATRegister.dcReceiveTimes, count: 8)
                let high = try readStation(station, EtherCATRegister.dcReceiveTimes + 8, count: 8)
                slaves[i].portTimes = (UInt32(truncatingIfNeeded: low), UInt32(truncatingIfNeeded: low >> 32),
                                       UInt32(truncatingIfNeeded: high), UInt32(truncatingIfNeeded: high >> 32))
                slaves[i].processingTime = try readStation(station, EtherCATRegister.dcReceiveTimeUnit, count: 8)
            }
        } catch {
            throw .exchange(error)
        }
        let reference = try EtherCATDC.computeDelays(slaves)
        do {
            var i = 0
            while i < slaves.count {
                defer { i += 1 }
                guard slaves[i].hasDC else { continue }
                slaves[i].offset = EtherCATDC.offset(masterTime: masterTime, localTime: slaves[i].processingTime)
                try writeStation(slaves[i].station, EtherCATRegister.dcSystemTimeOffset, slaves[i].offset, count: 8)
                try writeStation(slaves[i].station, EtherCATRegister.dcSystemTimeDelay, UInt64(slaves[i].delay), count: 4)
            }
        } catch {
            throw .exchange(error)
        }
        return reference
    }

    /// Static drift compensation: `rounds` ARMW of the reference clock's system time (the reference at
    /// `referencePosition` reads its 0x0910, every later slave takes it as the time to follow). Returns the
    /// reference's system time after the last round.
    // @implements SWR-ECAT-DC-1
    public mutating func compensateDrift(referencePosition: Int, rounds: Int) throws(EtherCATError) -> UInt64 {
        var time: UInt64 = 0
        var k = 0
        while k < rounds {
            time = 0
            _ = try withUnsafeMutableBytes(of: &time) { (raw) throws(EtherCATError) -> UInt16 in
                try exchange(.armw, address: EtherCATDatagram.physical(adp: EtherCATDatagram.autoIncrement(position: referencePosition),
                                                                      ado: EtherCATRegister.dcSystemTime), data: raw)
            }
            k += 1
        }
        return UInt64(littleEndian: time)
    }

    /// Starts SYNC0 on a DC slave: off first, the cycle time, the start time (the first cycle boundary at least
    /// `leadNs` after the slave's system time now, plus `shiftNs`), then cyclic operation with SYNC0 on.
    /// Returns the start time.
    // @implements SWR-ECAT-DC-1
    public mutating func startSync0(station: UInt16, cycleNs: UInt32, shiftNs: Int32, leadNs: UInt64 = 100_000_000) throws(EtherCATError) -> UInt64 {
        try writeStation(station, EtherCATRegister.dcActivation, 0, count: 1)
        try writeStation(station, EtherCATRegister.dcSync0CycleTime, UInt64(cycleNs), count: 4)
        let now = try readStation(station, EtherCATRegister.dcSystemTime, count: 8)
        let start = EtherCATDC.syncStart(now: now, cycleNs: cycleNs, shiftNs: shiftNs, leadNs: leadNs)
        try writeStation(station, EtherCATRegister.dcSync0StartTime, start, count: 8)
        try writeStation(station, EtherCATRegister.dcActivation, 0x03, count: 1)
        return start
    }

    /// One process-data cycle with distributed clocks: the LRW and, in the same frame, an FRMW of the reference
    /// clock's system time (`referenceClock` reads its 0x0910, every other DC slave takes it to follow). Returns
    /// the LRW's working counter; `systemTime` is the reference's time as the frame passed it.
    // @implements SWR-ECAT-DC-1
    public mutating func exchangeProcessData(_ image: UnsafeMutableRawBufferPointer, logicalBase: UInt32 = 0, referenceClock: UInt16,
                                             systemTime: inout UInt64) throws(EtherCATError) -> UInt16 {
        var time: UInt64 = 0
        let wkc = try withUnsafeMutableBytes(of: &time) { (raw) throws(EtherCATError) -> UInt16 in
            try exchange(.lrw, address: logicalBase, data: image,
                         and: .frmw, address: EtherCATDatagram.physical(adp: referenceClock, ado: EtherCATRegister.dcSystemTime), data: raw).0
        }
        systemTime = UInt64(littleEndian: time)
        return wkc
    }

    /// The system time difference (0x092C) of the slave at `station` in ns (see `EtherCATDC.difference`).
    public mutating func systemTimeDifference(station: UInt16) throws(EtherCATError) -> Int64 {
        EtherCATDC.difference(UInt32(truncatingIfNeeded: try readStation(station, EtherCATRegister.dcSystemTimeDifference, count: 4)))
    }
}
