// `orion pn read-im0`'s output: a device's I&M0 record as text (one field a line, the names PRONETA and TIA
// Portal show) or as one JSON object.

import Fieldbus
import HostText

public enum PNIM0Text {
    /// The software revision as engineering tools write it: prefix letter and three numbers ("V1.0.0"); a prefix
    /// that is not a letter as its hex value.
    public static func softwareRevision(_ r: (prefix: UInt8, functional: UInt8, bugFix: UInt8, internal: UInt8)) -> String {
        let letter = (r.prefix >= 0x41 && r.prefix <= 0x5A) || (r.prefix >= 0x61 && r.prefix <= 0x7A)
        let prefix = letter ? String(UnicodeScalar(r.prefix)) : "0x" + String(r.prefix, radix: 16) + " "
        return "\(prefix)\(r.functional).\(r.bugFix).\(r.internal)"
    }

    /// A fixed-width I&M string without its padding.
    public static func trimmed<let n: Int>(_ s: PNFixedString<n>) -> String {
        var text = PNDCPText.string(s)
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    /// Which of I&M1...I&M15 the IM_Supported bits name (bit n: I&Mn).
    public static func supported(_ bits: UInt16) -> [String] {
        (1..<16).filter { bits & (1 << UInt16($0)) != 0 }.map { "I&M\($0)" }
    }

    static func hex(_ v: UInt16, width: Int = 4) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    public static func text(_ im0: PNIM0, device: PNDCPIdentity, slot: UInt16, subslot: UInt16) -> String {
        let id = im0.identification
        let name = PNDCPText.string(device.name)
        let support = supported(id.supportedIM)
        return """
            I&M0 of \(name.isEmpty ? "the device" : "'\(name)'") (\(PNDCPText.mac(device.mac)), \(PNDCPText.ipv4(device.ip.address))), slot \(slot) subslot \(hex(subslot)):
              vendor ID          \(hex(id.vendorID))
              order ID           \(trimmed(id.orderID))
              serial number      \(trimmed(id.serialNumber))
              hardware revision  \(id.hardwareRevision)
              software revision  \(softwareRevision(id.softwareRevision))
              revision counter   \(id.revisionCounter)
              profile ID         \(hex(id.profileID)) (specific type \(hex(id.profileSpecificType)))
              I&M version        \(im0.versionMajor).\(im0.versionMinor)
              I&M supported      \(hex(id.supportedIM))\(support.isEmpty ? "" : " (" + support.joined(separator: " ") + ")")

            """
    }

    public static func json(_ im0: PNIM0, device: PNDCPIdentity, slot: UInt16, subslot: UInt16) -> String {
        let id = im0.identification
        return "{\"station\": \(HostText.jsonString(PNDCPText.string(device.name))), \"mac\": \"\(PNDCPText.mac(device.mac))\", "
            + "\"ip\": \"\(PNDCPText.ipv4(device.ip.address))\", \"slot\": \(slot), \"subslot\": \(subslot), "
            + "\"vendor_id\": \(id.vendorID), \"order_id\": \(HostText.jsonString(trimmed(id.orderID))), "
            + "\"serial_number\": \(HostText.jsonString(trimmed(id.serialNumber))), \"hardware_revision\": \(id.hardwareRevision), "
            + "\"software_revision\": \(HostText.jsonString(softwareRevision(id.softwareRevision))), "
            + "\"revision_counter\": \(id.revisionCounter), \"profile_id\": \(id.profileID), "
            + "\"profile_specific_type\": \(id.profileSpecificType), \"im_version\": \"\(im0.versionMajor).\(im0.versionMinor)\", "
            + "\"im_supported\": \(id.supportedIM)}\n"
    }
}
