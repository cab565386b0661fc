// A small IPv4 host for one Ethernet interface: ARP (RFC 826, RFC 5227 announcements), IPv4 (RFC 791 with
// the host rules of RFC 1122), ICMP echo and port unreachable (RFC 792) and UDP (RFC 768) to a few bound
// ports. Enough for PROFINET's DCE/RPC endpoint (UDP 34964) and `ping`. No fragmentation or reassembly, no IP
// options sent, no multicast reception, no TCP.
//
// The caller owns the NIC and every buffer: it hands each received frame to `receive` with a reply buffer and
// transmits what comes back; it asks `writeUDP` to fill a transmit buffer; it calls `poll` now and then for
// the announcements after an address change. Times are milliseconds from any clock the caller keeps. Every
// length is checked before a byte is read: hostile frames are counted and dropped, never trapped on.

/// The IPv4/UDP host state of one interface: our MAC and configuration, the ARP cache, bound UDP ports and
/// counters, in fixed storage.
public struct IPv4Stack: Sendable {
    /// The number of UDP ports that can be bound at once.
    public static let portCapacity = 4
    /// RFC 5227's ANNOUNCE_NUM: announcements sent after an address change.
    public static let announceCount = 2
    /// RFC 5227's ANNOUNCE_INTERVAL.
    public static let announceIntervalMs: UInt64 = 2000
    /// RFC 1122 §2.3.2.1: at most one ARP request per second for an address.
    public static let arpRetryMs: UInt64 = 1000
    /// Where `writeUDP` puts the payload in the frame (Ethernet, IPv4 and UDP headers before it): a caller
    /// may build the payload there and pass that range, which is then not copied.
    public static let udpPayloadOffset = EthernetWire.headerLength + IPv4Wire.minHeaderLength + 8

    /// Our MAC address.
    public let mac: EthernetAddress
    /// Our address, netmask and gateway (change with `configure`).
    public private(set) var config: IPv4Config
    /// Neighbours' MAC addresses.
    public private(set) var arpCache = ARPCache()
    /// What happened so far.
    public private(set) var counters = IPv4Counters()
    /// The last station seen claiming our address in ARP (RFC 5227 §2.4), nil since the last `configure`.
    public private(set) var conflictingMAC: EthernetAddress? = nil
    /// The TTL of datagrams sent (RFC 1700's default of 64, as Linux).
    public var timeToLive: UInt8 = 64
    /// Answer UDP to an unbound port with ICMP port unreachable (RFC 1122 §4.1.3.1 SHOULD); never for
    /// broadcasts.
    public var answersPortUnreachable = true

    var ports = InlineArray<4, UInt16>(repeating: 0)
    var identification: UInt16 = 1
    var announcementsLeft = 0
    var nextAnnouncementMs: UInt64 = 0
    /// The last address an ARP request went out for, and when.
    var pendingIP: IPv4Address = 0
    var pendingSinceMs: UInt64 = 0

    /// A stack for the interface with address `mac`, configured with `config` (announced at the first
    /// `poll` when it has an address).
    public init(mac: EthernetAddress, config: IPv4Config = .unconfigured) {
        self.mac = mac
        self.config = config
        if config.isConfigured { announcementsLeft = IPv4Stack.announceCount }
    }

    // MARK: Configuration and ports

    /// Takes a new configuration (PROFINET DCP Set IP, say). When the address or netmask changed, the ARP
    /// cache is emptied and, for a new address, two announcements are due from `nowMs` (`poll`).
    public mutating func configure(_ new: IPv4Config, nowMs: UInt64) {
        let old = config
        config = new
        guard new.address != old.address || new.netmask != old.netmask else { return }
        arpCache.removeAll()
        pendingIP = 0
        conflictingMAC = nil
        announcementsLeft = new.isConfigured && new.address != old.address ? IPv4Stack.announceCount : 0
        nextAnnouncementMs = nowMs
    }

    /// Delivers UDP datagrams to `port` from now on. False when the port is 0 or all slots are taken
    /// (binding a bound port again is true).
    public mutating func bind(port: UInt16) -> Bool {
        guard port != 0 else { return false }
        if isBound(port: port) { return true }
        for i in 0..<IPv4Stack.portCapacity where ports[i] == 0 {
            ports[i] = port
            return true
        }
        return false
    }

    /// Stops delivering to `port`.
    public mutating func unbind(port: UInt16) {
        for i in 0..<IPv4Stack.portCapacity where ports[i] == port { ports[i] = 0 }
    }

    /// Datagrams to `port` are delivered.
    public func isBound(port: UInt16) -> Bool {
        guard port != 0 else { return false }
        for i in 0..<IPv4Stack.portCapacity where ports[i] == port { return true }
        return false
    }

    // MARK: Announcements and ARP requests

    /// When `poll` has something to send next, nil when nothing is due.
    public var nextPollMs: UInt64? {
        announcementsLeft > 0 && config.isConfigured ? nextAnnouncementMs : nil
    }

    /// Writes an announcement into `frame` when one is due at `nowMs` and returns its length (0: nothing due,
    /// or `frame` shorter than 42 bytes).
    public mutating func poll(nowMs: UInt64, into frame: UnsafeMutableRawBufferPointer) -> Int {
        guard announcementsLeft > 0, config.isConfigured, nowMs >= nextAnnouncementMs else { return 0 }
        let n = writeAnnouncement(into: frame)
        guard n > 0 else { return 0 }
        announcementsLeft -= 1
        nextAnnouncementMs = nowMs &+ IPv4Stack.announceIntervalMs
        counters.announcementsSent &+= 1
        return n
    }

    /// An RFC 5227 ARP announcement of our address: a broadcast request whose sender and target IP are ours
    /// (a gratuitous ARP), so neighbours update their caches. Returns the frame's length (0 when unconfigured
    /// or `frame` is shorter than 42 bytes).
    public func writeAnnouncement(into frame: UnsafeMutableRawBufferPointer) -> Int {
        guard config.isConfigured else { return 0 }
        return ARPPacket(operation: ARPPacket.request, senderMAC: mac, senderIP: config.address,
                         targetMAC: .zero, targetIP: config.address).writeFrame(frame, destination: .broadcast)
    }

    /// An RFC 5227 ARP probe for `candidate`: a broadcast request from sender IP 0.0.0.0, which only the
    /// address's owner answers. Returns the frame's length (0 when `frame` is shorter than 42 bytes).
    public func writeProbe(for candidate: IPv4Address, into frame: UnsafeMutableRawBufferPointer) -> Int {
        ARPPacket(operation: ARPPacket.request, senderMAC: mac, senderIP: 0, targetMAC: .zero, targetIP: candidate)
            .writeFrame(frame, destination: .broadcast)
    }

    /// A broadcast ARP request for `ip`'s MAC address, counted and remembered so `writeUDP` waits a second
    /// before asking again. Returns the frame's length (0 when `frame` is shorter than 42 bytes).
    public mutating func writeARPRequest(for ip: IPv4Address, into frame: UnsafeMutableRawBufferPointer, nowMs: UInt64) -> Int {
        let n = ARPPacket(operation: ARPPacket.request, senderMAC: mac, senderIP: config.address,
                          targetMAC: .zero, targetIP: ip).writeFrame(frame, destination: .broadcast)
        guard n > 0 else { return 0 }
        counters.arpRequestsSent &+= 1
        pendingIP = ip
        pendingSinceMs = nowMs
        return n
    }

    // MARK: Receiving

    /// Takes one received frame (Ethernet header first, no FCS) and says what it was. A reply, when there is
    /// one, is written into `reply` (which must not overlap `frame`; 1514 bytes take any reply) and is
    /// padded to 60 bytes, untagged even when the request had a VLAN tag.
    // @implements SWR-NET-IP-1
    public mutating func receive(frame: UnsafeRawBufferPointer, reply: UnsafeMutableRawBufferPointer, nowMs: UInt64) -> IPv4Input {
        counters.framesReceived &+= 1
        guard let eth = EthernetHeader.read(frame) else { return drop(.malformed) }
        guard eth.etherType == EthernetWire.typeARP || eth.etherType == EthernetWire.typeIPv4,
              eth.destination == mac || eth.destination.isBroadcast, eth.source != mac else {
            counters.ignored &+= 1
            return .nothing
        }
        guard eth.source.isUnicast else { return drop(.badSource) }
        if eth.etherType == EthernetWire.typeARP {
            return receiveARP(frame, eth, reply: reply, nowMs: nowMs)
        }
        return receiveIPv4(frame, eth, reply: reply)
    }

    private mutating func drop(_ reason: IPv4DropReason) -> IPv4Input {
        counters.count(reason)
        return .dropped(reason)
    }

    /// A sender or source address that may name a single host (RFC 1122 §3.2.1.3): not 0.0.0.0, not a
    /// broadcast, multicast, loopback or class E address, not ours.
    private func isHostAddress(_ ip: IPv4Address) -> Bool {
        ip != 0 && !IPv4Wire.isMulticast(ip) && !IPv4Wire.isReserved(ip) && !IPv4Wire.isLoopback(ip)
            && !config.isBroadcast(ip) && !(config.isConfigured && ip == config.address)
    }

    /// RFC 826's reception algorithm: merge the sender into the cache when it is there; when the target is
    /// us, add it (if it is on our subnet) and answer a request.
    private mutating func receiveARP(_ frame: UnsafeRawBufferPointer, _ eth: EthernetHeader,
                                     reply: UnsafeMutableRawBufferPointer, nowMs: UInt64) -> IPv4Input {
        guard let p = ARPPacket.read(frame, at: eth.payloadOffset) else { return drop(.malformed) }
        guard p.senderMAC.isUnicast else { return drop(.badSource) }
        if p.senderMAC == mac {
            counters.ignored &+= 1
            return .nothing
        }
        if config.isConfigured && p.senderIP == config.address {
            counters.addressConflicts &+= 1
            conflictingMAC = p.senderMAC
            return .nothing
        }
        let senderIsHost = isHostAddress(p.senderIP)
        var learned = senderIsHost && arpCache.refresh(p.senderIP, mac: p.senderMAC, nowMs: nowMs)
        guard config.isConfigured && p.targetIP == config.address else {
            if learned { counters.arpLearned &+= 1 }
            counters.ignored &+= 1
            return .nothing
        }
        // Only neighbours we could send to take a slot: off-link senders would just push them out.
        if senderIsHost && !learned && config.isOnLink(p.senderIP) {
            arpCache.insert(p.senderIP, mac: p.senderMAC, nowMs: nowMs)
            learned = true
        }
        if learned { counters.arpLearned &+= 1 }
        guard p.operation == ARPPacket.request else { return .nothing }
        // Probes (sender 0.0.0.0) are answered too: that is how their sender learns the address is taken.
        let n = ARPPacket(operation: ARPPacket.reply, senderMAC: mac, senderIP: config.address,
                          targetMAC: p.senderMAC, targetIP: p.senderIP).writeFrame(reply, destination: p.senderMAC)
        guard n > 0 else { return drop(.noRoom) }
        counters.arpRequestsAnswered &+= 1
        return .reply(length: n)
    }

    /// RFC 791 header checks and RFC 1122 §3.2.1 host rules, then ICMP or UDP. Any TTL is accepted: a host
    /// must not drop a datagram for its TTL (RFC 1122 §3.2.1.7).
    private mutating func receiveIPv4(_ frame: UnsafeRawBufferPointer, _ eth: EthernetHeader,
                                      reply: UnsafeMutableRawBufferPointer) -> IPv4Input {
        let ip = eth.payloadOffset
        let available = frame.count - ip
        guard available >= IPv4Wire.minHeaderLength else { return drop(.malformed) }
        let versionIHL = frame[ip]
        let headerLength = Int(versionIHL & 0x0F) * 4
        guard versionIHL >> 4 == 4, headerLength >= IPv4Wire.minHeaderLength, headerLength <= available else {
            return drop(.malformed)
        }
        // The total length may be below the frame's (Ethernet padding), never above.
        let total = Int(IPBytes.u16(frame, ip + 2))
        guard total >= headerLength, total <= available else { return drop(.malformed) }
        guard InternetChecksum.of(IPBytes.slice(frame, ip, headerLength)) == 0 else { return drop(.checksum) }
        guard IPBytes.u16(frame, ip + 6) & 0x3FFF == 0 else { return drop(.fragment) }  // MF or an offset
        let source = IPBytes.u32(frame, ip + 12)
        let destination = IPBytes.u32(frame, ip + 16)
        let broadcast = config.isBroadcast(destination)
        guard broadcast || (config.isConfigured && destination == config.address) else { return drop(.notOurs) }
        // 0.0.0.0 may send (to a broadcast, while it learns its address: RFC 1122 §3.2.1.3 (a)); nobody else
        // that is not a single host may.
        guard source == 0 || isHostAddress(source) else { return drop(.badSource) }
        let packet = Packet(eth: eth, ip: ip, headerLength: headerLength, payload: ip + headerLength,
                            payloadLength: total - headerLength, source: source, destination: destination, broadcast: broadcast)
        switch frame[ip + 9] {
        case IPv4Wire.protocolICMP: return receiveICMP(frame, packet, reply: reply)
        case IPv4Wire.protocolUDP: return receiveUDP(frame, packet, reply: reply)
        default: return drop(.unsupportedProtocol)
        }
    }

    /// A checked IPv4 datagram: where its parts lie in the frame.
    private struct Packet {
        var eth: EthernetHeader
        var ip: Int
        var headerLength: Int
        var payload: Int
        var payloadLength: Int
        var source: IPv4Address
        var destination: IPv4Address
        var broadcast: Bool
    }

    /// Echo requests answered with the same identifier, sequence number and data (RFC 792); other ICMP
    /// counted and dropped.
    private mutating func receiveICMP(_ frame: UnsafeRawBufferPointer, _ p: Packet,
                                      reply: UnsafeMutableRawBufferPointer) -> IPv4Input {
        guard p.payloadLength >= 8 else { return drop(.malformed) }
        let icmp = IPBytes.slice(frame, p.payload, p.payloadLength)
        guard InternetChecksum.of(icmp) == 0 else { return drop(.checksum) }
        guard icmp[0] == 8 else { return drop(.unsupportedICMP) }  // echo request (any code: 0 is the only one)
        guard !p.broadcast else { return drop(.broadcastEcho) }
        guard p.source != 0 else { return drop(.badSource) }
        let start = EthernetWire.headerLength + IPv4Wire.minHeaderLength
        guard reply.count >= start + p.payloadLength else { return drop(.noRoom) }
        writeHeaders(reply, to: p.eth.source, ip: p.source, protocol: IPv4Wire.protocolICMP, payloadLength: p.payloadLength, ttl: timeToLive)
        IPBytes.copy(icmp, into: reply, at: start)
        reply[start] = 0  // echo reply
        reply[start + 1] = 0
        IPBytes.set16(reply, start + 2, 0)
        IPBytes.set16(reply, start + 2, InternetChecksum.of(IPBytes.slice(reply, start, p.payloadLength)))
        counters.echoRequestsAnswered &+= 1
        return .reply(length: EthernetHeader.pad(reply, length: start + p.payloadLength))
    }

    /// Datagrams to a bound port delivered, their checksum checked unless it is 0 ("not computed", RFC 768).
    private mutating func receiveUDP(_ frame: UnsafeRawBufferPointer, _ p: Packet,
                                     reply: UnsafeMutableRawBufferPointer) -> IPv4Input {
        guard p.payloadLength >= 8 else { return drop(.malformed) }
        let u = p.payload
        let length = Int(IPBytes.u16(frame, u + 4))
        guard length >= 8, length <= p.payloadLength else { return drop(.malformed) }
        if IPBytes.u16(frame, u + 6) != 0 {
            var sum = InternetChecksum()
            sum.add(address: p.source)
            sum.add(address: p.destination)
            sum.add(word: UInt16(IPv4Wire.protocolUDP))
            sum.add(word: UInt16(length))
            sum.add(IPBytes.slice(frame, u, length))
            guard sum.value == 0 else { return drop(.checksum) }
        }
        let destinationPort = IPBytes.u16(frame, u + 2)
        guard isBound(port: destinationPort) else {
            counters.count(.noPort)
            // RFC 1122 §3.2.2: no ICMP error about a broadcast, or to what is not a single host.
            if answersPortUnreachable && !p.broadcast && !p.eth.destination.isBroadcast && p.source != 0,
               let n = writePortUnreachable(frame, p, reply: reply) {
                counters.portUnreachableSent &+= 1
                return .reply(length: n)
            }
            return .dropped(.noPort)
        }
        counters.udpDelivered &+= 1
        return .datagram(UDPDatagram(sourceMAC: p.eth.source, sourceIP: p.source, sourcePort: IPBytes.u16(frame, u),
                                     destinationIP: p.destination, destinationPort: destinationPort,
                                     payloadOffset: u + 8, payloadLength: length - 8))
    }

    /// ICMP destination unreachable, code 3 (port), quoting the datagram's IP header and its first 8 bytes
    /// (RFC 792). Nil when `reply` has no room.
    private mutating func writePortUnreachable(_ frame: UnsafeRawBufferPointer, _ p: Packet,
                                               reply: UnsafeMutableRawBufferPointer) -> Int? {
        let quoted = p.headerLength + min(8, p.payloadLength)
        let icmpLength = 8 + quoted
        let start = EthernetWire.headerLength + IPv4Wire.minHeaderLength
        guard reply.count >= start + icmpLength else { return nil }
        writeHeaders(reply, to: p.eth.source, ip: p.source, protocol: IPv4Wire.protocolICMP, payloadLength: icmpLength, ttl: timeToLive)
        reply[start] = 3
        reply[start + 1] = 3
        IPBytes.zero(reply, from: start + 2, to: start + 8)
        IPBytes.copy(IPBytes.slice(frame, p.ip, quoted), into: reply, at: start + 8)
        IPBytes.set16(reply, start + 2, InternetChecksum.of(IPBytes.slice(reply, start, icmpLength)))
        return EthernetHeader.pad(reply, length: start + icmpLength)
    }

    // MARK: Sending

    /// Writes a UDP datagram of `payload` from our address and `sourcePort` to `destination`:`destinationPort`
    /// into `frame` (1514 bytes take any; `payload` must not overlap it, unless it is exactly the range at
    /// `udpPayloadOffset`, which is then left as it is). The next hop is the destination on our subnet, else
    /// the gateway; broadcasts go to ff:ff:ff:ff:ff:ff (the limited broadcast also while unconfigured, from
    /// 0.0.0.0), multicasts to their RFC 1112 MAC address with TTL 1. When the next hop's MAC is not in the ARP
    /// cache nothing is queued: an ARP request is written instead (`.needsResolution`) or, if one went out
    /// for it less than a second ago, nothing (`.awaitingResolution`); the caller sends the datagram again
    /// later.
    public mutating func writeUDP(to destination: IPv4Address, sourcePort: UInt16, destinationPort: UInt16,
                                  payload: UnsafeRawBufferPointer, into frame: UnsafeMutableRawBufferPointer,
                                  nowMs: UInt64) -> IPv4Output {
        guard payload.count <= IPv4Wire.maxUDPPayload else { return .failed(.payloadTooLarge) }
        guard destinationPort != 0 else { return .failed(.invalidDestination) }
        let length = IPv4Stack.udpPayloadOffset + payload.count
        guard frame.count >= max(length, EthernetWire.headerLength + ARPPacket.length) else { return .failed(.bufferTooSmall) }
        let next: EthernetAddress
        var ttl = timeToLive
        if config.isBroadcast(destination) {
            next = .broadcast
        } else if IPv4Wire.isMulticast(destination) {
            next = EthernetAddress(0x01, 0x00, 0x5E, UInt8(truncatingIfNeeded: destination >> 16) & 0x7F,
                                   UInt8(truncatingIfNeeded: destination >> 8), UInt8(truncatingIfNeeded: destination))
            ttl = 1
        } else {
            guard config.isConfigured else { return .failed(.unconfigured) }
            guard isHostAddress(destination) else { return .failed(.invalidDestination) }
            guard let hop = config.nextHop(for: destination) else { return .failed(.noRoute) }
            if let known = arpCache.lookup(hop, nowMs: nowMs) {
                next = known
            } else if pendingIP == hop && nowMs >= pendingSinceMs && nowMs - pendingSinceMs < IPv4Stack.arpRetryMs {
                return .awaitingResolution
            } else {
                return .needsResolution(arpRequestLength: writeARPRequest(for: hop, into: frame, nowMs: nowMs))
            }
        }
        guard config.isConfigured || destination == IPv4Wire.limitedBroadcast else { return .failed(.unconfigured) }
        let u = EthernetWire.headerLength + IPv4Wire.minHeaderLength
        writeHeaders(frame, to: next, ip: destination, protocol: IPv4Wire.protocolUDP, payloadLength: 8 + payload.count, ttl: ttl)
        IPBytes.set16(frame, u, sourcePort)
        IPBytes.set16(frame, u + 2, destinationPort)
        IPBytes.set16(frame, u + 4, UInt16(8 + payload.count))
        IPBytes.set16(frame, u + 6, 0)
        let inPlace = payload.count == 0 || payload.baseAddress == UnsafeRawPointer(frame.baseAddress.map { $0 + IPv4Stack.udpPayloadOffset })
        if !inPlace { IPBytes.copy(payload, into: frame, at: IPv4Stack.udpPayloadOffset) }
        var sum = InternetChecksum()
        sum.add(address: config.address)
        sum.add(address: destination)
        sum.add(word: UInt16(IPv4Wire.protocolUDP))
        sum.add(word: UInt16(8 + payload.count))
        sum.add(IPBytes.slice(frame, u, 8 + payload.count))
        let checksum = sum.value
        IPBytes.set16(frame, u + 6, checksum == 0 ? 0xFFFF : checksum)  // 0 would mean "none" (RFC 768)
        counters.udpSent &+= 1
        return .frame(length: EthernetHeader.pad(frame, length: length))
    }

    /// An Ethernet header to `mac` and a 20-byte IPv4 header from our address to `ip` (no options, not
    /// fragmented, the next identification) with its checksum; the caller checked the room.
    private mutating func writeHeaders(_ frame: UnsafeMutableRawBufferPointer, to next: EthernetAddress, ip: IPv4Address,
                                       protocol proto: UInt8, payloadLength: Int, ttl: UInt8) {
        EthernetHeader.write(frame, destination: next, source: mac, etherType: EthernetWire.typeIPv4)
        let h = EthernetWire.headerLength
        frame[h] = 0x45
        frame[h + 1] = 0
        IPBytes.set16(frame, h + 2, UInt16(IPv4Wire.minHeaderLength + payloadLength))
        IPBytes.set16(frame, h + 4, identification)
        identification &+= 1
        IPBytes.set16(frame, h + 6, 0)
        frame[h + 8] = ttl
        frame[h + 9] = proto
        IPBytes.set16(frame, h + 10, 0)
        IPBytes.set32(frame, h + 12, config.address)
        IPBytes.set32(frame, h + 16, ip)
        IPBytes.set16(frame, h + 10, InternetChecksum.of(IPBytes.slice(frame, h, IPv4Wire.minHeaderLength)))
    }
}
