// An interface's IPv4 configuration (address, netmask, gateway: RFC 791 addresses, RFC 950 subnet masks, RFC
// 1122 §3.3.1 next-hop choice) and the special addresses of RFC 1122 §3.2.1.3 and RFC 919/922 (limited and
// directed broadcast). Addresses are UInt32 in host order: 192.168.0.1 is 0xC0A8_0001.

/// An IPv4 address as a UInt32 in host order (the first octet in the most significant byte).
public typealias IPv4Address = UInt32

/// Address helpers and the IPv4 header's constants.
public enum IPv4Wire {
    /// The header without options.
    public static let minHeaderLength = 20
    /// The header with the most options (IHL 15).
    public static let maxHeaderLength = 60
    /// IP protocol numbers.
    public static let protocolICMP: UInt8 = 1
    public static let protocolUDP: UInt8 = 17
    /// 255.255.255.255, the limited broadcast.
    public static let limitedBroadcast: IPv4Address = 0xFFFF_FFFF
    /// 0.0.0.0: "this host", the address of an unconfigured interface.
    public static let unspecified: IPv4Address = 0
    /// The largest UDP payload sent in one unfragmented datagram on Ethernet (1500 - 20 - 8).
    public static let maxUDPPayload = EthernetWire.mtu - minHeaderLength - 8

    /// The address `a.b.c.d`.
    public static func address(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPv4Address {
        UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// A class D address (224.0.0.0/4).
    public static func isMulticast(_ ip: IPv4Address) -> Bool { ip >> 28 == 0xE }

    /// 127.0.0.0/8, which must never appear on a wire (RFC 1122 §3.2.1.3 (g)).
    public static func isLoopback(_ ip: IPv4Address) -> Bool { ip >> 24 == 127 }

    /// A class E address (240.0.0.0/4, reserved) or the limited broadcast.
    public static func isReserved(_ ip: IPv4Address) -> Bool { ip >> 28 == 0xF }

    /// The mask of a prefix length (0...32).
    public static func netmask(prefixLength: Int) -> UInt32 {
        let n = max(0, min(32, prefixLength))
        return n == 0 ? 0 : UInt32.max << UInt32(32 - n)
    }
}

/// The IPv4 settings of one interface: what PROFINET DCP's IP parameter (or a static setting) gives it.
public struct IPv4Config: Sendable, Equatable {
    /// Our address; 0.0.0.0 while unconfigured.
    public var address: IPv4Address
    /// The subnet mask (contiguous ones from the top).
    public var netmask: UInt32
    /// The default router; 0.0.0.0 (or our own address, as PROFINET writes "no gateway") for none.
    public var gateway: IPv4Address

    /// A configuration; the gateway defaults to none.
    public init(address: IPv4Address, netmask: UInt32, gateway: IPv4Address = 0) {
        self.address = address
        self.netmask = netmask
        self.gateway = gateway
    }

    /// 0.0.0.0/0 without gateway: the interface takes only limited broadcasts and sends nothing unicast.
    public static let unconfigured = IPv4Config(address: 0, netmask: 0, gateway: 0)

    /// An address is set.
    public var isConfigured: Bool { address != 0 }

    /// The netmask is ones followed by zeros (RFC 950 recommends, RFC 1878 requires it).
    public var hasContiguousNetmask: Bool {
        let inverted = ~netmask
        return inverted & (inverted &+ 1) == 0
    }

    /// The netmask's number of leading ones.
    public var prefixLength: Int { netmask.nonzeroBitCount }

    /// The subnet number (address with the host bits cleared).
    public var network: IPv4Address { address & netmask }

    /// The subnet-directed broadcast, nil when the subnet has no room for one (/31, /32) or we are unconfigured.
    public var directedBroadcast: IPv4Address? {
        guard isConfigured, ~netmask > 1 else { return nil }
        return address | ~netmask
    }

    /// A usable router is set: not 0.0.0.0, not ourselves, and on our subnet.
    public var hasGateway: Bool {
        gateway != 0 && gateway != address && isOnLink(gateway)
    }

    /// `ip` is on our subnet (reachable without a router). Never while unconfigured.
    public func isOnLink(_ ip: IPv4Address) -> Bool {
        isConfigured && ip & netmask == network
    }

    /// `ip` is the limited broadcast or our subnet's directed broadcast.
    public func isBroadcast(_ ip: IPv4Address) -> Bool {
        ip == IPv4Wire.limitedBroadcast || (directedBroadcast.map { $0 == ip } ?? false)
    }

    /// Where a datagram to `ip` goes first (RFC 1122 §3.3.1.1): `ip` itself on our subnet, else the gateway;
    /// nil when neither (unconfigured, or off-link without a gateway). Broadcasts are the caller's business.
    public func nextHop(for ip: IPv4Address) -> IPv4Address? {
        guard isConfigured, ip != 0 else { return nil }
        if isOnLink(ip) { return ip }
        return hasGateway ? gateway : nil
    }
}
