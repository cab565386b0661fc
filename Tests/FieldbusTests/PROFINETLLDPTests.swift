// The LLDP frame a PROFINET device sends: its TLVs in order, the chassis ID (NameOfStation, or the MAC address
// while the device has none), the PROFINET and IEEE 802.3 organisation TLVs, the management address.

import Testing
@testable import Fieldbus

/// The TLVs of an LLDP frame as (type, value).
private func tlvs(_ frame: [UInt8]) -> [(Int, [UInt8])] {
    var out: [(Int, [UInt8])] = []
    var o = 14
    while o + 2 <= frame.count {
        let head = Int(frame[o]) << 8 | Int(frame[o + 1])
        let type = head >> 9, length = head & 0x1FF
        guard o + 2 + length <= frame.count else { break }
        out.append((type, Array(frame[(o + 2)..<(o + 2 + length)])))
        o += 2 + length
        if type == 0 { break }
    }
    return out
}

@Suite("PROFINET LLDP")
struct PROFINETLLDPTests {
    let mac = EthernetAddress(0x02, 0, 0, 0, 0x12, 0x34)

    private func frame(name: String, address: UInt32) -> [UInt8] {
        var n = PNFixedString<240>()
        Array(name.utf8).withUnsafeBufferPointer { n.set($0) }
        var buffer = [UInt8](repeating: 0xEE, count: 1514)
        let length = buffer.withUnsafeMutableBytes { PNLLDP.write(into: $0, mac: mac, name: n, address: address) }
        return Array(buffer[0..<length])
    }

    @Test("Chassis ID is the NameOfStation, port port-001, TTL 20 s, PROFINET and 802.3 TLVs, IPv4 management address")
    func withName() {
        let f = frame(name: "orion-dev", address: 0x0A4D_0114)
        #expect(Array(f[0..<6]) == [0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E] && f[12] == 0x88 && f[13] == 0xCC)
        let t = tlvs(f)
        #expect(t.map { $0.0 } == [1, 2, 3, 127, 127, 127, 8, 0])
        #expect(t[0].1 == [7] + Array("orion-dev".utf8))
        #expect(t[1].1 == [7] + Array("port-001".utf8))
        #expect(t[2].1 == [0, 20])
        #expect(t[3].1 == [0x00, 0x0E, 0xCF, 2, 0, 0, 0, 0])
        #expect(t[4].1 == [0x00, 0x0E, 0xCF, 5, 0x02, 0, 0, 0, 0x12, 0x34])
        #expect(t[5].1 == [0x00, 0x12, 0x0F, 1, 0x03, 0x0C, 0x00, 0x00, 0x10])
        #expect(t[6].1 == [5, 1, 10, 77, 1, 20, 2, 0, 0, 0, 1, 0])
    }

    @Test("Without a name the chassis ID is the MAC address, and without an address the management address too")
    func withoutName() {
        let t = tlvs(frame(name: "", address: 0))
        #expect(t.map { $0.0 } == [1, 2, 3, 127, 127, 127, 8, 0])
        #expect(t[0].1 == [4, 0x02, 0, 0, 0, 0x12, 0x34])
        #expect(t[6].1 == [7, 6, 0x02, 0, 0, 0, 0x12, 0x34, 2, 0, 0, 0, 1, 0])
    }
}
