// What `orion pn discover` and the other DCP commands print, and the values they parse (MAC and IPv4 addresses,
// NameOfStation with the reason a name is refused).

import Fieldbus
import HostText

/// Formatting and parsing for the DCP commands.
public enum PNDCPText {
    public static func mac(_ a: EthernetAddress) -> String {
        (0..<6).map { i -> String in
            let b = [a.b0, a.b1, a.b2, a.b3, a.b4, a.b5][i]
            return (b < 16 ? "0" : "") + String(b, radix: 16)
        }.joined(separator: ":")
    }

    public static func ipv4(_ v: UInt32) -> String {
        "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
    }

    /// "a.b.c.d" with each part 0...255, nil otherwise.
    public static func parseIPv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt32(p), n <= 255 else { return nil }
            v = v << 8 | n
        }
        return v
    }

    /// "aa:bb:cc:dd:ee:ff" (or with '-'), nil otherwise.
    public static func parseMAC(_ text: String) -> EthernetAddress? {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var b: [UInt8] = []
        for p in parts {
            guard p.count == 2, let v = UInt8(p, radix: 16) else { return nil }
            b.append(v)
        }
        return EthernetAddress(b[0], b[1], b[2], b[3], b[4], b[5])
    }

    /// The text of a fixed-length record string.
    public static func string<let n: Int>(_ s: PNFixedString<n>) -> String {
        String(decoding: (0..<s.count).map { s.bytes[$0] }, as: UTF8.self)
    }

    /// Why `name` is not a valid NameOfStation, or nil when it is.
    public static func nameProblem(_ name: String) -> String? {
        let found: PNStationNameError? = Array(name.utf8).withUnsafeBytes { b in
            do throws(PNStationNameError) {
                try PNStationName.validate(b)
                return nil
            } catch {
                return error
            }
        }
        guard let error = found else { return nil }
        do {
            switch error {
            case .tooLong(let n): return "\(n) characters, at most 240"
            case .badLabelLength(let label): return "label \(label + 1) is empty or longer than 63 characters"
            case .badCharacter(let offset, let c):
                let shown = c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
                return "\(shown) at offset \(offset): only a-z, 0-9, '-' and '.' (lower case)"
            case .hyphenAtLabelEdge(let label): return "label \(label + 1) starts or ends with '-'"
            case .portName: return "names of the form port-xyz or port-xyz-abcde are reserved for ports"
            case .ipAddressForm: return "a name may not have the form of an IP address (n.n.n.n)"
            case .punycode(let label): return "label \(label + 1) is an internationalised (xn--) label"
            }
        }
    }

    /// The table `orion pn discover` prints: one device per line.
    public static func table(_ devices: [PNDCPIdentity]) -> String {
        let header = ["MAC", "NAME", "IP", "NETMASK", "GATEWAY", "VENDOR", "DEVICE", "ROLE", "TYPE"]
        var rows = [header]
        for d in devices {
            rows.append([
                mac(d.mac), d.hasName && d.name.count > 0 ? string(d.name) : "-",
                d.hasIP ? ipv4(d.ip.address) : "-", d.hasIP ? ipv4(d.ip.netmask) : "-", d.hasIP ? ipv4(d.ip.gateway) : "-",
                d.hasDeviceID ? hex16(d.vendorID) : "-", d.hasDeviceID ? hex16(d.deviceID) : "-",
                role(d.deviceRole), d.typeOfStation.count > 0 ? string(d.typeOfStation) : "-",
            ])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The devices as a JSON array.
    public static func json(_ devices: [PNDCPIdentity]) -> String {
        let items = devices.map { d in
            "{\"mac\": \"\(mac(d.mac))\", \"name\": \(HostText.jsonString(string(d.name))), \"ip\": \"\(ipv4(d.ip.address))\", "
                + "\"netmask\": \"\(ipv4(d.ip.netmask))\", \"gateway\": \"\(ipv4(d.ip.gateway))\", \"vendor_id\": \(d.vendorID), "
                + "\"device_id\": \(d.deviceID), \"role\": \(d.deviceRole), \"type\": \(HostText.jsonString(string(d.typeOfStation)))}"
        }
        return "[" + items.joined(separator: ",\n ") + "]\n"
    }

    static func hex16(_ v: UInt16) -> String {
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// DeviceRole bits: IO device, controller, multidevice, supervisor.
    static func role(_ r: UInt8) -> String {
        var names: [String] = []
        if r & 0x01 != 0 { names.append("device") }
        if r & 0x02 != 0 { names.append("controller") }
        if r & 0x04 != 0 { names.append("multidevice") }
        if r & 0x08 != 0 { names.append("supervisor") }
        return names.isEmpty ? "-" : names.joined(separator: ",")
    }
}
