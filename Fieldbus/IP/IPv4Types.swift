// What the IPv4 stack (IPv4Stack.swift) hands back: the outcome of a received frame, of a datagram to send,
// the reasons a frame is dropped and the counters it keeps. Plain values, no allocation.

/// Why a received frame was dropped. Each reason has its counter in `IPv4Counters`.
public enum IPv4DropReason: UInt8, Sendable, Equatable {
    /// Too short for its headers, IP version not 4, IHL below 5 or past the frame, total length past the frame
    /// or below the header, UDP length inconsistent, ICMP shorter than 8 bytes, ARP fields not Ethernet/IPv4.
    case malformed
    /// The IPv4 header, ICMP or (non-zero) UDP checksum is wrong.
    case checksum
    /// A fragment (MF set or a fragment offset): reassembly is not supported.
    case fragment
    /// An IPv4 destination that is neither our address nor a broadcast of ours (also: we are unconfigured).
    case notOurs
    /// A source that is no single host (RFC 1122 §3.2.1.3): broadcast, multicast, loopback, class E, our own
    /// address; a multicast Ethernet source; 0.0.0.0 asking for an echo.
    case badSource
    /// UDP to a port nobody bound (an ICMP port unreachable may have been answered).
    case noPort
    /// An IP protocol other than ICMP and UDP.
    case unsupportedProtocol
    /// ICMP other than an echo request.
    case unsupportedICMP
    /// An echo request to a broadcast address (RFC 1122 §3.2.2.6 allows ignoring them; Linux does by default).
    case broadcastEcho
    /// The reply does not fit the reply buffer.
    case noRoom
}

/// What a received frame was.
public enum IPv4Input: Sendable, Equatable {
    /// Nothing for this stack: another EtherType, another station's unicast, ARP about other hosts, an ARP
    /// reply learned, an ARP packet claiming our address (counted in `addressConflicts`).
    case nothing
    /// Transmit the first `length` bytes of the reply buffer: an ARP reply, an ICMP echo reply or an ICMP
    /// port unreachable (then `noPort` is counted as well).
    case reply(length: Int)
    /// A UDP datagram to a bound port.
    case datagram(UDPDatagram)
    /// Dropped and counted for this reason.
    case dropped(IPv4DropReason)
}

/// A received UDP datagram: who sent it and where its payload lies in the received frame.
public struct UDPDatagram: Sendable, Equatable {
    /// The Ethernet source (the sender, or the router that forwarded it).
    public var sourceMAC: EthernetAddress
    public var sourceIP: IPv4Address
    public var sourcePort: UInt16
    /// Our address, or the broadcast address it was sent to.
    public var destinationIP: IPv4Address
    public var destinationPort: UInt16
    /// Where the payload starts in the frame given to `receive`.
    public var payloadOffset: Int
    /// The payload's length (the UDP length less its 8-byte header).
    public var payloadLength: Int

    public init(sourceMAC: EthernetAddress, sourceIP: IPv4Address, sourcePort: UInt16, destinationIP: IPv4Address,
                destinationPort: UInt16, payloadOffset: Int, payloadLength: Int) {
        self.sourceMAC = sourceMAC
        self.sourceIP = sourceIP
        self.sourcePort = sourcePort
        self.destinationIP = destinationIP
        self.destinationPort = destinationPort
        self.payloadOffset = payloadOffset
        self.payloadLength = payloadLength
    }

    /// The payload within `frame` (the frame the datagram was received in).
    public func payload(in frame: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard payloadOffset >= 0, payloadLength >= 0, payloadOffset + payloadLength <= frame.count else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return IPBytes.slice(frame, payloadOffset, payloadLength)
    }
}

/// Why a datagram could not be sent.
public enum IPv4SendError: Error, Sendable, Equatable {
    /// We have no address, and the destination is not the limited broadcast.
    case unconfigured
    /// Off our subnet and no gateway.
    case noRoute
    /// 0.0.0.0, loopback, class E, our own address, or destination port 0.
    case invalidDestination
    /// More than 1472 bytes: it would need fragmenting.
    case payloadTooLarge
    /// The frame buffer cannot hold the datagram (or an ARP request).
    case bufferTooSmall
}

/// What `writeUDP` left in the frame buffer.
public enum IPv4Output: Sendable, Equatable {
    /// The datagram: transmit the first `length` bytes.
    case frame(length: Int)
    /// The next hop's MAC address is unknown: an ARP request for it was written instead (transmit the first
    /// `arpRequestLength` bytes). Nothing is queued: send the datagram again once the reply came in.
    case needsResolution(arpRequestLength: Int)
    /// Still unknown, and a request for it went out less than a second ago (RFC 1122 §2.3.2.1): nothing
    /// written, try again later.
    case awaitingResolution
    /// Nothing written.
    case failed(IPv4SendError)
}

/// The stack's counts since it started. All wrap at 2^32.
public struct IPv4Counters: Sendable, Equatable {
    /// Every frame given to `receive`.
    public var framesReceived: UInt32 = 0
    /// Frames not for this stack (other EtherTypes, other stations, ARP about other hosts).
    public var ignored: UInt32 = 0
    /// ARP requests for our address answered.
    public var arpRequestsAnswered: UInt32 = 0
    /// ARP translations added or refreshed.
    public var arpLearned: UInt32 = 0
    /// ARP requests sent for a next hop.
    public var arpRequestsSent: UInt32 = 0
    /// Gratuitous ARP announcements sent (RFC 5227 §2.3).
    public var announcementsSent: UInt32 = 0
    /// ARP packets from another station claiming our address.
    public var addressConflicts: UInt32 = 0
    /// ICMP echo requests answered.
    public var echoRequestsAnswered: UInt32 = 0
    /// ICMP port unreachable messages sent.
    public var portUnreachableSent: UInt32 = 0
    /// UDP datagrams delivered to a bound port.
    public var udpDelivered: UInt32 = 0
    /// UDP datagrams written by `writeUDP`.
    public var udpSent: UInt32 = 0

    /// Drops, one counter per reason.
    public var malformed: UInt32 = 0
    public var checksum: UInt32 = 0
    public var fragment: UInt32 = 0
    public var notOurs: UInt32 = 0
    public var badSource: UInt32 = 0
    public var noPort: UInt32 = 0
    public var unsupportedProtocol: UInt32 = 0
    public var unsupportedICMP: UInt32 = 0
    public var broadcastEcho: UInt32 = 0
    public var noRoom: UInt32 = 0

    public init() {}

    /// The drop counter of `reason`.
    public func dropped(_ reason: IPv4DropReason) -> UInt32 {
        switch reason {
        case .malformed: return malformed
        case .checksum: return checksum
        case .fragment: return fragment
        case .notOurs: return notOurs
        case .badSource: return badSource
        case .noPort: return noPort
        case .unsupportedProtocol: return unsupportedProtocol
        case .unsupportedICMP: return unsupportedICMP
        case .broadcastEcho: return broadcastEcho
        case .noRoom: return noRoom
        }
    }

    /// Every drop, whatever the reason.
    public var droppedTotal: UInt32 {
        malformed &+ checksum &+ fragment &+ notOurs &+ badSource &+ noPort &+ unsupportedProtocol
            &+ unsupportedICMP &+ broadcastEcho &+ noRoom
    }

    mutating func count(_ reason: IPv4DropReason) {
        switch reason {
        case .malformed: malformed &+= 1
        case .checksum: checksum &+= 1
        case .fragment: fragment &+= 1
        case .notOurs: notOurs &+= 1
        case .badSource: badSource &+= 1
        case .noPort: noPort &+= 1
        case .unsupportedProtocol: unsupportedProtocol &+= 1
        case .unsupportedICMP: unsupportedICMP &+= 1
        case .broadcastEcho: broadcastEcho &+= 1
        case .noRoom: noRoom &+= 1
        }
    }
}
