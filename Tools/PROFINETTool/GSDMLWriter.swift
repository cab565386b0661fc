// The GSDML (V2.4) of a device description: the XML file an engineering tool (TIA Portal, CODESYS, a Python
// controller) imports to know the device's identity, its DAP with interface and port, and the modules with
// their I/O data and parameter records. One DAP, RT_CLASS_1, every module fixed in the slots the description
// plugs it in (the device's real configuration is fixed). Every text goes through the ExternalTextList.

import Fieldbus
import Foundation
import HostText

/// Writes GSDML V2.4 files from a `PNDeviceDescription`.
public enum GSDMLWriter {
    /// The schema version written (file name and PNIO_Version).
    public static let schemaVersion = "V2.4"
    /// GSDML's XML namespace.
    public static let namespace = "http://www.profibus.com/GSDML/2003/11/DeviceProfile"
    /// MAU type of the port: 100BASETXFD (IEEE 802.3 MAU type 16).
    public static let mauType = 16

    /// `GSDML-V2.4-<Vendor>-<Device>-<YYYYMMDD>.xml`, the PNO's naming convention, the date in UTC. Characters
    /// other than letters, digits, '_' and '.' in the names become '_' ('-' separates the fields).
    public static func fileName(for device: PNDeviceDescription, date: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let day = String(format: "%04d%02d%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
        return "GSDML-\(schemaVersion)-\(fileNamePart(device.vendorName))-\(fileNamePart(device.name))-\(day).xml"
    }

    /// `text` reduced to ASCII letters, digits, '_' and '.', every other run of characters one '_'.
    static func fileNamePart(_ text: String) -> String {
        var out = ""
        var pending = false
        for scalar in text.unicodeScalars {
            let keep = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == ".")
            if keep {
                if pending && !out.isEmpty { out += "_" }
                pending = false
                out.unicodeScalars.append(scalar)
            } else {
                pending = true
            }
        }
        return out.isEmpty ? "device" : out
    }

    /// The GSDML document of `device` (UTF-8 text): ProfileHeader, DeviceIdentity, DeviceFunction, one
    /// DeviceAccessPointItem (slot 0, the DAP submodule, the interface at 0x8000 with RT_CLASS_1 timing, the
    /// port at 0x8001), a ModuleItem for each kind of module with its VirtualSubmoduleItem (I/O data, records)
    /// and the ExternalTextList holding every text.
    // @implements SWR-PN-GSDML-1
    public static func document(for device: PNDeviceDescription) -> String {
        var xml = GSDMLXMLText()
        var texts = GSDMLTextList()
        xml.line("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
        xml.open("ISO15745Profile", [("xmlns", namespace), ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                                     ("xsi:schemaLocation", "\(namespace) ..\\xsd\\GSDML-DeviceProfile-\(schemaVersion).xsd")])
        profileHeader(&xml)
        xml.open("ProfileBody")
        xml.open("DeviceIdentity", [("VendorID", PNText.hex16(device.vendorID)), ("DeviceID", PNText.hex16(device.deviceID))])
        xml.empty("InfoText", [("TextId", texts.add("T_DEVICE_INFO", device.info))])
        xml.empty("VendorName", [("Value", device.vendorName)])
        xml.close()
        xml.open("DeviceFunction")
        xml.empty("Family", [("MainFamily", device.family), ("ProductFamily", device.productFamily)])
        xml.close()
        xml.open("ApplicationProcess")
        accessPoint(device, &xml, &texts)
        xml.open("ModuleList")
        for kind in moduleKinds(device) { module(kind.module, device, &xml, &texts) }
        xml.close()
        xml.open("ExternalTextList")
        xml.open("PrimaryLanguage")
        for (id, value) in texts.entries { xml.empty("Text", [("TextId", id), ("Value", value)]) }
        xml.close()
        xml.close()
        xml.close() // ApplicationProcess
        xml.close() // ProfileBody
        xml.close() // ISO15745Profile
        return xml.text
    }

    /// The GSDML element ID of the module with `ident`.
    public static func moduleID(_ ident: UInt32) -> String { "IDM_\(PNText.hex32(ident).dropFirst(2))" }

    /// Each kind of module once (modules sharing an ident are the same kind), with the slots it is plugged in.
    static func moduleKinds(_ device: PNDeviceDescription) -> [(module: PNModuleDescription, slots: [UInt16])] {
        var kinds: [(module: PNModuleDescription, slots: [UInt16])] = []
        for m in device.modules.sorted(by: { $0.slot < $1.slot }) {
            if let i = kinds.firstIndex(where: { $0.module.moduleIdent == m.moduleIdent }) {
                kinds[i].slots.append(m.slot)
            } else {
                kinds.append((m, [m.slot]))
            }
        }
        return kinds
    }

    /// A slot list as GSDML writes it: ranges of consecutive numbers as `a..b`, the rest separated by blanks.
    static func slotList(_ slots: [UInt16]) -> String {
        var parts: [String] = []
        var i = 0
        let sorted = slots.sorted()
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && Int(sorted[j + 1]) == Int(sorted[j]) + 1 { j += 1 }
            parts.append(j > i ? "\(sorted[i])..\(sorted[j])" : "\(sorted[i])")
            i = j + 1
        }
        return parts.joined(separator: " ")
    }

    /// ISO 15745-1's header, fixed text for every PROFINET device profile.
    static func profileHeader(_ xml: inout GSDMLXMLText) {
        xml.open("ProfileHeader")
        xml.element("ProfileIdentification", "PROFINET Device Profile")
        xml.element("ProfileRevision", "1.00")
        xml.element("ProfileName", "Device Profile for PROFINET Devices")
        xml.element("ProfileSource", "PROFIBUS Nutzerorganisation e. V. (PNO)")
        xml.element("ProfileClassID", "Device")
        xml.open("ISO15745Reference")
        xml.element("ISO15745Part", "4")
        xml.element("ISO15745Edition", "1")
        xml.element("ProfileTechnology", "GSDML")
        xml.close()
        xml.close()
    }

    static func accessPoint(_ device: PNDeviceDescription, _ xml: inout GSDMLXMLText, _ texts: inout GSDMLTextList) {
        let dap = device.dap
        let lastSlot = device.modules.map(\.slot).max() ?? 0
        xml.open("DeviceAccessPointList")
        xml.open("DeviceAccessPointItem", [
            ("ID", "IDD_1"), ("PNIO_Version", schemaVersion), ("PhysicalSlots", lastSlot == 0 ? "0" : "0..\(lastSlot)"),
            ("ModuleIdentNumber", PNText.hex32(dap.moduleIdent)), ("MinDeviceInterval", String(dap.minDeviceInterval)),
            ("DNS_CompatibleName", device.stationName), ("FixedInSlots", "0"), ("ObjectUUID_LocalIndex", "1"),
            ("RequiredSchemaVersion", schemaVersion), ("DeviceAccessSupported", "false"), ("CheckDeviceID_Allowed", "true"),
            ("NameOfStationNotTransferable", "false"),
        ])
        let dapName = texts.add("T_DAP_NAME", device.name)
        let dapInfo = texts.add("T_DAP_INFO", device.info)
        xml.open("ModuleInfo")
        xml.empty("Name", [("TextId", dapName)])
        xml.empty("InfoText", [("TextId", dapInfo)])
        xml.empty("VendorName", [("Value", device.vendorName)])
        xml.empty("OrderNumber", [("Value", device.orderID)])
        xml.empty("HardwareRelease", [("Value", String(device.hardwareRevision))])
        xml.empty("SoftwareRelease", [("Value", device.softwareRevision.description)])
        xml.close()
        xml.empty("CertificationInfo", [("ConformanceClass", "A"), ("ApplicationClass", ""), ("NetloadClass", "I")])
        xml.empty("IOConfigData", [("MaxInputLength", String(PNDeviceModel.maxFrameData)),
                                   ("MaxOutputLength", String(PNDeviceModel.maxFrameData))])
        let kinds = moduleKinds(device)
        if !kinds.isEmpty {
            xml.open("UseableModules")
            for kind in kinds {
                let slots = slotList(kind.slots)
                xml.empty("ModuleItemRef", [("ModuleItemTarget", moduleID(kind.module.moduleIdent)), ("AllowedInSlots", slots),
                                            ("FixedInSlots", slots)])
            }
            xml.close()
        }
        xml.open("VirtualSubmoduleList")
        xml.open("VirtualSubmoduleItem", [("ID", "IDS_1"), ("SubmoduleIdentNumber", PNText.hex32(dap.submoduleIdent)),
                                          ("MayIssueProcessAlarm", "false")])
        xml.empty("IOData")
        xml.open("ModuleInfo")
        xml.empty("Name", [("TextId", dapName)])
        xml.empty("InfoText", [("TextId", dapInfo)])
        xml.close()
        xml.close()
        xml.close()
        xml.open("SystemDefinedSubmoduleList")
        xml.open("InterfaceSubmoduleItem", [
            ("ID", "IDS_I"), ("SubmoduleIdentNumber", PNText.hex32(dap.interfaceIdent)), ("SubslotNumber", "32768"),
            ("TextId", texts.add("T_INTERFACE", "X1")), ("SupportedRT_Classes", "RT_CLASS_1"), ("SupportedProtocols", "LLDP"),
        ])
        xml.open("ApplicationRelations")
        xml.empty("TimingProperties", [("SendClock", String(dap.sendClock)),
                                       ("ReductionRatio", dap.reductionRatios.map(String.init).joined(separator: " "))])
        xml.close()
        xml.close()
        xml.open("PortSubmoduleItem", [("ID", "IDS_P1"), ("SubmoduleIdentNumber", PNText.hex32(dap.portIdent)),
                                       ("SubslotNumber", "32769"), ("TextId", texts.add("T_PORT_1", "X1 P1"))])
        xml.open("MAUTypeList")
        xml.empty("MAUTypeItem", [("Value", String(mauType))])
        xml.close()
        xml.close()
        xml.close()
        xml.close() // DeviceAccessPointItem
        xml.close() // DeviceAccessPointList
    }

    static func module(_ m: PNModuleDescription, _ device: PNDeviceDescription, _ xml: inout GSDMLXMLText, _ texts: inout GSDMLTextList) {
        let key = String(PNText.hex32(m.moduleIdent).dropFirst(2))
        let name = texts.add("T_M\(key)_NAME", m.name)
        let info = texts.add("T_M\(key)_INFO", m.info)
        xml.open("ModuleItem", [("ID", moduleID(m.moduleIdent)), ("ModuleIdentNumber", PNText.hex32(m.moduleIdent))])
        xml.open("ModuleInfo")
        xml.empty("Name", [("TextId", name)])
        xml.empty("InfoText", [("TextId", info)])
        xml.empty("HardwareRelease", [("Value", String(device.hardwareRevision))])
        xml.empty("SoftwareRelease", [("Value", device.softwareRevision.description)])
        xml.close()
        xml.open("VirtualSubmoduleList")
        xml.open("VirtualSubmoduleItem", [("ID", "IDSM_\(key)"), ("SubmoduleIdentNumber", PNText.hex32(m.submoduleIdent)),
                                          ("MayIssueProcessAlarm", "false")])
        if m.inputLength == 0 && m.outputLength == 0 {
            xml.empty("IOData")
        } else {
            xml.open("IOData")
            if m.inputLength > 0 { dataItem("Input", length: m.inputLength, key: key, &xml, &texts) }
            if m.outputLength > 0 { dataItem("Output", length: m.outputLength, key: key, &xml, &texts) }
            xml.close()
        }
        if !m.parameters.isEmpty {
            xml.open("RecordDataList")
            for p in m.parameters {
                let text = texts.add("T_M\(key)_P\(p.index)", p.name)
                xml.open("ParameterRecordDataItem", [("Index", String(p.index)), ("Length", String(p.type.size))])
                xml.empty("Name", [("TextId", text)])
                xml.empty("Ref", [("DataType", p.type.gsdmlName), ("ByteOffset", "0"), ("DefaultValue", String(p.defaultValue)),
                                  ("AllowedValues", "\(p.minimum)..\(p.maximum)"), ("Changeable", "true"), ("Visible", "true"),
                                  ("TextId", text)])
                xml.close()
            }
            xml.close()
        }
        xml.open("ModuleInfo")
        xml.empty("Name", [("TextId", name)])
        xml.empty("InfoText", [("TextId", info)])
        xml.close()
        xml.close()
        xml.close()
        xml.close()
    }

    /// The Input or Output element: one byte as Unsigned8 used as eight named bits (digital I/O), longer data
    /// as one OctetString.
    static func dataItem(_ direction: String, length: UInt16, key: String, _ xml: inout GSDMLXMLText, _ texts: inout GSDMLTextList) {
        xml.open(direction, [("Consistency", "All items consistency")])
        let text = texts.add("T_M\(key)_\(direction.uppercased())", "\(direction) data")
        if length == 1 {
            xml.open("DataItem", [("DataType", "Unsigned8"), ("TextId", text), ("UseAsBits", "true")])
            for bit in 0..<8 {
                xml.empty("BitDataItem", [("BitOffset", String(bit)), ("TextId", texts.add("T_\(direction.uppercased())_BIT\(bit)", "\(direction) bit \(bit)"))])
            }
            xml.close()
        } else {
            xml.empty("DataItem", [("DataType", "OctetString"), ("Length", String(length)), ("TextId", text)])
        }
        xml.close()
    }
}

/// The texts of a document in the order first used, each under one TextId.
struct GSDMLTextList {
    private(set) var entries: [(id: String, value: String)] = []
    private var known: [String: String] = [:]

    /// `id`, after recording its `value` (a TextId used twice keeps its first value).
    mutating func add(_ id: String, _ value: String) -> String {
        if known[id] == nil {
            known[id] = value
            entries.append((id, value))
        }
        return id
    }
}

/// Indented XML written element by element; every attribute value and text escaped.
struct GSDMLXMLText {
    private(set) var text = ""
    private var open: [String] = []

    private var indent: String { String(repeating: "  ", count: open.count) }

    private func attributes(_ list: [(String, String)]) -> String {
        list.map { " \($0.0)=\"\(HostText.xmlEscaped($0.1))\"" }.joined()
    }

    mutating func line(_ raw: String) { text += indent + raw + "\n" }

    mutating func open(_ name: String, _ list: [(String, String)] = []) {
        line("<\(name)\(attributes(list))>")
        open.append(name)
    }

    mutating func close() {
        guard let name = open.popLast() else { return }
        line("</\(name)>")
    }

    mutating func empty(_ name: String, _ list: [(String, String)] = []) { line("<\(name)\(attributes(list))/>") }

    mutating func element(_ name: String, _ content: String) { line("<\(name)>\(HostText.xmlEscaped(content))</\(name)>") }
}
