// LLDP (IEEE 802.1AB) as a PROFINET device sends it (IEC 61158-6-10 §4.11, PROFINET's LLDP TLVs): every 5 s, to
// the nearest-bridge group 01:80:C2:00:00:0E, EtherType 0x88CC: chassis ID = NameOfStation (locally assigned; the
// MAC address while the device has no name), port ID "port-001", TTL 20 s, the PROFINET organisation TLVs (OUI
// 00-0E-CF: port status, chassis MAC), IEEE 802.3's MAC/PHY status with the MAU type, the management address, end.
// Written into a caller-owned buffer.

/// Constants of the LLDP frames a device sends.
public enum PNLLDP {
    public static let etherType: UInt16 = 0x88CC
    public static let destination = EthernetAddress(0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E)
    /// PROFINET's transmit interval and the TTL it announces (4 × the interval).
    public static let intervalNs: UInt64 = 5_000_000_000
    public static let ttlSeconds: UInt16 = 20
    /// The one port's name (PROFINET names ports port-xyz).
    public static let portID: StaticString = "port-001"
    /// MAU type 100BASE-TX full duplex (IEEE 802.3 Clause 30 / RFC 4836: 16).
    public static let mau100BaseTXFD: UInt16 = 0x0010

    /// Writes the frame the device with `mac`, NameOfStation `name` and IPv4 `address` (0: none) sends; its length.
    /// `buffer` must hold 1514 bytes.
    public static func write(into buffer: UnsafeMutableRawBufferPointer, mac: EthernetAddress,
                             name: PNFixedString<240>, address: UInt32, mau: UInt16 = mau100BaseTXFD) -> Int {
        var w = PNWriter(buffer)
        do throws(PNBytesError) {
            try w.mac(destination)
            try w.mac(mac)
            try w.u16(etherType)
            // Chassis ID: subtype 7 (locally assigned) with the name, or 4 (MAC address) without one.
            if name.count > 0 {
                try tlv(&w, type: 1, length: 1 + name.count)
                try w.u8(7)
                for i in 0..<name.count { try w.u8(name.bytes[i]) }
            } else {
                try tlv(&w, type: 1, length: 7)
                try w.u8(4)
                try w.mac(mac)
            }
            // Port ID: subtype 7 (locally assigned).
            let port = portID
            try tlv(&w, type: 2, length: 1 + port.utf8CodeUnitCount)
            try w.u8(7)
            for i in 0..<port.utf8CodeUnitCount { try w.u8(port.utf8Start[i]) }
            try tlv(&w, type: 3, length: 2)
            try w.u16(ttlSeconds)
            // PROFINET: port status (RTClass2 and RTClass3 port status: neither is used), chassis MAC.
            try tlv(&w, type: 127, length: 4 + 4)
            try oui(&w, 0x00, 0x0E, 0xCF, subtype: 2)
            try w.u16(0)
            try w.u16(0)
            try tlv(&w, type: 127, length: 4 + 6)
            try oui(&w, 0x00, 0x0E, 0xCF, subtype: 5)
            try w.mac(mac)
            // IEEE 802.3 MAC/PHY configuration/status: auto-negotiation supported and enabled, 100BASE-TX FD
            // advertised (bit 10 of the PMD capability: 0x0400 | 0x0800 for half and full), the operational MAU type.
            try tlv(&w, type: 127, length: 4 + 5)
            try oui(&w, 0x00, 0x12, 0x0F, subtype: 1)
            try w.u8(0x03)
            try w.u16(0x0C00)
            try w.u16(mau)
            // Management address: the IPv4 address (or the MAC without one), interface index 1.
            if address != 0 {
                try tlv(&w, type: 8, length: 1 + 1 + 4 + 1 + 4 + 1)
                try w.u8(5)  // address string length: subtype + 4 bytes
                try w.u8(1)  // IPv4
                try w.u32(address)
            } else {
                try tlv(&w, type: 8, length: 1 + 1 + 6 + 1 + 4 + 1)
                try w.u8(7)
                try w.u8(6)  // IEEE 802 (all 802 media)
                try w.mac(mac)
            }
            try w.u8(2)  // interface numbering: ifIndex
            try w.u32(1)
            try w.u8(0)  // no OID
            try tlv(&w, type: 0, length: 0)
            while w.count < 60 { try w.u8(0) }
        } catch {
            return 0
        }
        return w.count
    }

    private static func tlv(_ w: inout PNWriter, type: UInt16, length: Int) throws(PNBytesError) {
        try w.u16(type << 9 | UInt16(length & 0x1FF))
    }

    private static func oui(_ w: inout PNWriter, _ a: UInt8, _ b: UInt8, _ c: UInt8, subtype: UInt8) throws(PNBytesError) {
        try w.u8(a)
        try w.u8(b)
        try w.u8(c)
        try w.u8(subtype)
    }
}
