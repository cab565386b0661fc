// ARP for IPv4 over Ethernet (RFC 826): the 28-byte packet read and written, and a small fixed cache of
// address translations with ageing and least-recently-used replacement. RFC 5227 §2.1.1 probes and §2.3
// announcements are requests of particular shapes; RFC 1122 §2.3.2.1 limits requests to one per second per
// address (the stack keeps that). Nothing here allocates or reads a clock: times are passed in.

/// The fields of an ARP packet for IPv4 over Ethernet (hardware type 1, protocol 0x0800, lengths 6 and 4).
public struct ARPPacket: Sendable, Equatable {
    /// The packet's length after the Ethernet header.
    public static let length = 28
    /// ares_op$REQUEST.
    public static let request: UInt16 = 1
    /// ares_op$REPLY.
    public static let reply: UInt16 = 2

    public var operation: UInt16
    public var senderMAC: EthernetAddress
    public var senderIP: IPv4Address
    public var targetMAC: EthernetAddress
    public var targetIP: IPv4Address

    public init(operation: UInt16, senderMAC: EthernetAddress, senderIP: IPv4Address,
                targetMAC: EthernetAddress, targetIP: IPv4Address) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// Reads the packet at `offset` of `frame`; nil when it does not fit, is not Ethernet/IPv4 (hardware type
    /// 1, protocol 0x0800, lengths 6 and 4) or its operation is neither request nor reply.
    public static func read(_ frame: UnsafeRawBufferPointer, at offset: Int) -> ARPPacket? {
        guard offset >= 0, frame.count - offset >= length else { return nil }
        guard IPBytes.u16(frame, offset) == 1, IPBytes.u16(frame, offset + 2) == EthernetWire.typeIPv4,
              frame[offset + 4] == 6, frame[offset + 5] == 4 else { return nil }
        let op = IPBytes.u16(frame, offset + 6)
        guard op == request || op == reply else { return nil }
        return ARPPacket(operation: op,
                         senderMAC: EthernetAddress.read(frame, at: offset + 8), senderIP: IPBytes.u32(frame, offset + 14),
                         targetMAC: EthernetAddress.read(frame, at: offset + 18), targetIP: IPBytes.u32(frame, offset + 24))
    }

    /// Writes a whole frame: an Ethernet header to `destination` from `senderMAC`, this packet, zero padding
    /// to 60 bytes. Returns the frame's length, or 0 when `frame` has no room for 42 bytes.
    public func writeFrame(_ frame: UnsafeMutableRawBufferPointer, destination: EthernetAddress) -> Int {
        let o = EthernetWire.headerLength
        guard frame.count >= o + ARPPacket.length else { return 0 }
        EthernetHeader.write(frame, destination: destination, source: senderMAC, etherType: EthernetWire.typeARP)
        IPBytes.set16(frame, o, 1)
        IPBytes.set16(frame, o + 2, EthernetWire.typeIPv4)
        frame[o + 4] = 6
        frame[o + 5] = 4
        IPBytes.set16(frame, o + 6, operation)
        senderMAC.write(frame, at: o + 8)
        IPBytes.set32(frame, o + 14, senderIP)
        targetMAC.write(frame, at: o + 18)
        IPBytes.set32(frame, o + 24, targetIP)
        return EthernetHeader.pad(frame, length: o + ARPPacket.length)
    }
}

/// One translation the cache holds.
public struct ARPEntry: Sendable, Equatable {
    public var ip: IPv4Address
    public var mac: EthernetAddress
    /// When the entry was last confirmed by an ARP packet from its owner.
    public var updatedMs: UInt64
    /// When it was last created, confirmed or looked up (for least-recently-used replacement).
    public var usedMs: UInt64

    public init(ip: IPv4Address, mac: EthernetAddress, updatedMs: UInt64, usedMs: UInt64) {
        self.ip = ip
        self.mac = mac
        self.updatedMs = updatedMs
        self.usedMs = usedMs
    }
}

/// A fixed cache of `capacity` IPv4-to-MAC translations. Entries expire `maxAgeMs` after their last
/// confirmation (not after use: a stale MAC must be asked for again); when full, a new entry replaces the
/// least recently used one.
public struct ARPCache: Sendable {
    /// The most entries held.
    public static let capacity = 8
    /// How long an unconfirmed entry is trusted (lwIP's ARP_MAXAGE and Linux's default gc_stale_time are of
    /// this order).
    public var maxAgeMs: UInt64 = 300_000

    var entries = InlineArray<8, ARPEntry>(repeating: ARPEntry(ip: 0, mac: .zero, updatedMs: 0, usedMs: 0))
    /// Which entries hold a translation.
    var valid = InlineArray<8, Bool>(repeating: false)

    /// An empty cache.
    public init() {}

    /// The number of entries held (expired ones included until they are looked up or replaced).
    public var count: Int {
        var n = 0
        for i in 0..<ARPCache.capacity where valid[i] { n += 1 }
        return n
    }

    /// The entry at slot `index` (0..<capacity), nil when the slot is free.
    public func entry(at index: Int) -> ARPEntry? {
        guard index >= 0, index < ARPCache.capacity, valid[index] else { return nil }
        return entries[index]
    }

    private func slot(of ip: IPv4Address) -> Int? {
        for i in 0..<ARPCache.capacity where valid[i] && entries[i].ip == ip { return i }
        return nil
    }

    private func expired(_ i: Int, nowMs: UInt64) -> Bool {
        nowMs >= entries[i].updatedMs && nowMs - entries[i].updatedMs >= maxAgeMs
    }

    /// The MAC address of `ip`, marking the entry used; nil when unknown or expired (an expired entry is
    /// removed).
    public mutating func lookup(_ ip: IPv4Address, nowMs: UInt64) -> EthernetAddress? {
        guard let i = slot(of: ip) else { return nil }
        if expired(i, nowMs: nowMs) {
            valid[i] = false
            return nil
        }
        entries[i].usedMs = nowMs
        return entries[i].mac
    }

    /// The MAC of `ip` without marking it used or removing it when expired.
    public func peek(_ ip: IPv4Address) -> EthernetAddress? {
        slot(of: ip).map { entries[$0].mac }
    }

    /// Updates the entry of `ip` when there is one (RFC 826's merge step). Returns whether there was.
    @discardableResult
    public mutating func refresh(_ ip: IPv4Address, mac: EthernetAddress, nowMs: UInt64) -> Bool {
        guard let i = slot(of: ip) else { return false }
        entries[i].mac = mac
        entries[i].updatedMs = nowMs
        entries[i].usedMs = nowMs
        return true
    }

    /// Adds or updates the entry of `ip`: into a free slot, else over an expired one, else over the least
    /// recently used.
    public mutating func insert(_ ip: IPv4Address, mac: EthernetAddress, nowMs: UInt64) {
        if refresh(ip, mac: mac, nowMs: nowMs) { return }
        var victim = -1
        for i in 0..<ARPCache.capacity where !valid[i] {
            victim = i
            break
        }
        if victim < 0 {
            for i in 0..<ARPCache.capacity where expired(i, nowMs: nowMs) {
                victim = i
                break
            }
        }
        if victim < 0 {
            victim = 0
            for i in 1..<ARPCache.capacity where entries[i].usedMs < entries[victim].usedMs { victim = i }
        }
        entries[victim] = ARPEntry(ip: ip, mac: mac, updatedMs: nowMs, usedMs: nowMs)
        valid[victim] = true
    }

    /// Forgets `ip`.
    public mutating func remove(_ ip: IPv4Address) {
        if let i = slot(of: ip) { valid[i] = false }
    }

    /// Forgets everything (on an address change the old subnet's neighbours may no longer be ours).
    public mutating func removeAll() {
        for i in 0..<ARPCache.capacity { valid[i] = false }
    }
}
