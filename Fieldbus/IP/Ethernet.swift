// Ethernet II framing (IEEE 802.3 §3.2.6 type field, as in the DIX "Ethernet II" frame) for the IP layer: MAC
// addresses (IEEE 802 §8: the I/G bit makes a group address), the 14-byte header read and written, and one
// IEEE 802.1Q VLAN tag (TPID 0x8100; also an 802.1ad S-tag 0x88A8 with a C-tag inside) skipped on receive.
// Frames are caller-owned buffers without the FCS; nothing here allocates.

/// A 48-bit IEEE 802 MAC address, in transmission order.
public struct EthernetAddress: Sendable, Equatable {
    public var b0: UInt8, b1: UInt8, b2: UInt8, b3: UInt8, b4: UInt8, b5: UInt8

    /// The address `b0:b1:b2:b3:b4:b5`.
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        self.b0 = b0; self.b1 = b1; self.b2 = b2; self.b3 = b3; self.b4 = b4; self.b5 = b5
    }

    /// The address held as a 6-tuple (the form the EtherCAT frame writer takes).
    public init(_ t: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) {
        self.init(t.0, t.1, t.2, t.3, t.4, t.5)
    }

    /// The address as a 6-tuple.
    public var tuple: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) { (b0, b1, b2, b3, b4, b5) }

    /// ff:ff:ff:ff:ff:ff.
    public static let broadcast = EthernetAddress(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
    /// 00:00:00:00:00:00 (an ARP request's unknown target hardware address).
    public static let zero = EthernetAddress(0, 0, 0, 0, 0, 0)

    /// All ones: every station.
    public var isBroadcast: Bool { self == .broadcast }
    /// The I/G bit (least significant bit of the first byte) is set: a group address (broadcast included).
    public var isMulticast: Bool { b0 & 0x01 != 0 }
    /// An individual station's address: not a group address and not all zeros.
    public var isUnicast: Bool { !isMulticast && self != .zero }
    /// The U/L bit is set: a locally administered address (random ones made up by software are).
    public var isLocallyAdministered: Bool { b0 & 0x02 != 0 }

    /// Reads six bytes at `offset` (the caller checked `offset + 6 <= buffer.count`).
    public static func read(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> EthernetAddress {
        EthernetAddress(buffer[offset], buffer[offset + 1], buffer[offset + 2],
                        buffer[offset + 3], buffer[offset + 4], buffer[offset + 5])
    }

    /// Writes the six bytes at `offset` (the caller checked the room).
    public func write(_ buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        buffer[offset] = b0; buffer[offset + 1] = b1; buffer[offset + 2] = b2
        buffer[offset + 3] = b3; buffer[offset + 4] = b4; buffer[offset + 5] = b5
    }
}

/// Sizes and EtherTypes of the Ethernet frames the IP layer reads and writes.
public enum EthernetWire {
    /// Destination, source, EtherType.
    public static let headerLength = 14
    /// An 802.1Q tag: TPID and TCI.
    public static let vlanTagLength = 4
    /// The smallest frame without FCS: shorter frames are padded with zeros to this length when written.
    public static let minFrame = 60
    /// The largest untagged frame without FCS (a 1500-byte payload).
    public static let maxFrame = 1514
    /// The payload (IP datagram) limit: the Ethernet MTU.
    public static let mtu = 1500

    /// IPv4 (RFC 894).
    public static let typeIPv4: UInt16 = 0x0800
    /// ARP (RFC 826).
    public static let typeARP: UInt16 = 0x0806
    /// IEEE 802.1Q customer VLAN tag.
    public static let typeVLAN: UInt16 = 0x8100
    /// IEEE 802.1ad service VLAN tag (an outer tag, a C-tag follows).
    public static let typeServiceVLAN: UInt16 = 0x88A8
}

/// An Ethernet II header as read from a received frame.
public struct EthernetHeader: Sendable, Equatable {
    public var destination: EthernetAddress
    public var source: EthernetAddress
    /// The EtherType after any VLAN tags.
    public var etherType: UInt16
    /// The TCI (priority, DEI, VLAN id) of the innermost 802.1Q tag, nil when the frame was untagged.
    public var vlanTCI: UInt16?
    /// Where the payload starts in the frame (14, 18 or 22).
    public var payloadOffset: Int

    /// Reads the header of `frame` (destination first, FCS not included), skipping at most one 802.1ad
    /// S-tag and one 802.1Q C-tag. Nil when the frame is too short for the header and its tags; an EtherType
    /// below 0x0600 (an 802.3 length field, LLC follows) is returned as it is for the caller to ignore.
    public static func read(_ frame: UnsafeRawBufferPointer) -> EthernetHeader? {
        guard frame.count >= EthernetWire.headerLength else { return nil }
        var typeOffset = 12
        var type = IPBytes.u16(frame, typeOffset)
        var tci: UInt16? = nil
        if type == EthernetWire.typeServiceVLAN {
            guard frame.count >= typeOffset + 2 + EthernetWire.vlanTagLength else { return nil }
            typeOffset += EthernetWire.vlanTagLength
            type = IPBytes.u16(frame, typeOffset)
            guard type == EthernetWire.typeVLAN else { return nil }  // an S-tag carries a C-tag
        }
        if type == EthernetWire.typeVLAN {
            guard frame.count >= typeOffset + 2 + EthernetWire.vlanTagLength else { return nil }
            tci = IPBytes.u16(frame, typeOffset + 2)
            typeOffset += EthernetWire.vlanTagLength
            type = IPBytes.u16(frame, typeOffset)
        }
        return EthernetHeader(destination: EthernetAddress.read(frame, at: 0), source: EthernetAddress.read(frame, at: 6),
                              etherType: type, vlanTCI: tci, payloadOffset: typeOffset + 2)
    }

    /// Writes an untagged header at the start of `frame` and returns its length (14), or 0 when `frame` is
    /// shorter than that.
    @discardableResult
    public static func write(_ frame: UnsafeMutableRawBufferPointer, destination: EthernetAddress, source: EthernetAddress,
                             etherType: UInt16) -> Int {
        guard frame.count >= EthernetWire.headerLength else { return 0 }
        destination.write(frame, at: 0)
        source.write(frame, at: 6)
        IPBytes.set16(frame, 12, etherType)
        return EthernetWire.headerLength
    }

    /// Pads a frame of `length` bytes with zeros up to the Ethernet minimum (as far as `frame` has room) and
    /// returns the length to transmit.
    static func pad(_ frame: UnsafeMutableRawBufferPointer, length: Int) -> Int {
        let end = min(frame.count, EthernetWire.minFrame)
        guard length < end else { return length }
        IPBytes.zero(frame, from: length, to: end)
        return end
    }
}
