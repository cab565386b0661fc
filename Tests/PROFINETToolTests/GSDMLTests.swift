// PROFINET device model files and GSDML: the GSDML writer (checked by xmllint, Python's xml.etree and an
// independent parser, profinet-py's), the GSDML reader (on p-net's own file, compared with profinet-py's reading
// of it, and on our own files, back to the model), and the reader's errors.

import Fieldbus
import Foundation
@testable import PROFINETTool
import Testing
import TestSupport

/// profinet-py's reading of a GSDML (profinet/gsdml.py: load_gsdml and build_io_slots), as JSON.
struct PyGSDML: Decodable {
    struct Submodule: Decodable, Equatable {
        let id: String
        let ident: UInt32
        let input: Int
        let output: Int
        let api: UInt32
    }
    struct System: Decodable, Equatable {
        let subslot: UInt16
        let ident: UInt32
    }
    struct AccessPoint: Decodable {
        let id: String
        let module_ident: UInt32
        let submodules: [Submodule]
        let system: [System]
        let fixed: [String: [UInt16]]
        let allowed: [String: [UInt16]]
    }
    struct Module: Decodable {
        let id: String
        let ident: UInt32
        let submodules: [Submodule]
    }
    struct Slot: Decodable {
        let api: UInt32
        let slot: UInt16
        let subslot: UInt16
        let module: UInt32
        let submodule: UInt32
        let input: UInt16
        let output: UInt16
        var submoduleSlot: PNSubmoduleSlot {
            PNSubmoduleSlot(api: api, slot: slot, subslot: subslot, moduleIdent: module, submoduleIdent: submodule, inputLength: input, outputLength: output)
        }
    }
    let vendor_id: UInt16
    let device_id: UInt16
    let daps: [AccessPoint]
    let modules: [Module]
    let slots: [Slot]
}

enum GSDMLCheck {
    /// Dumps what profinet-py reads; argv[2], when given, is a JSON slot assignment {"1": "IDM_30", ...}.
    static let profinetPyScript = """
        import json, sys
        from profinet.gsdml import load_gsdml
        dev = load_gsdml(sys.argv[1])
        assignment = None
        if len(sys.argv) > 2:
            assignment = {int(k): v for k, v in json.loads(sys.argv[2]).items()}
        def subs(items):
            return [{"id": s.id, "ident": s.submodule_ident, "input": s.input_length, "output": s.output_length, "api": s.api} for s in items]
        print(json.dumps({
            "vendor_id": dev.vendor_id, "device_id": dev.device_id,
            "daps": [{"id": d.id, "module_ident": d.module_ident, "submodules": subs(d.submodules),
                      "system": [{"subslot": s.subslot_number, "ident": s.submodule_ident} for s in d.system_submodules],
                      "fixed": d.fixed_slots, "allowed": d.allowed_slots} for d in dev.daps],
            "modules": [{"id": m.id, "ident": m.module_ident, "submodules": subs(m.submodules)} for m in dev.modules.values()],
            "slots": [{"api": s.api, "slot": s.slot, "subslot": s.subslot, "module": s.module_ident, "submodule": s.submodule_ident,
                       "input": s.input_length, "output": s.output_length} for s in dev.build_io_slots(slot_assignment=assignment)],
        }))
        """

    /// Parses with xml.etree and checks the references inside: every TextId used is defined once and every
    /// defined one used, IDs are unique, the DAP's module references are exactly the ModuleList.
    static let etreeScript = """
        import sys, xml.etree.ElementTree as ET
        root = ET.parse(sys.argv[1]).getroot()
        ns = "{http://www.profibus.com/GSDML/2003/11/DeviceProfile}"
        assert root.tag == ns + "ISO15745Profile", root.tag
        defined = [t.get("TextId") for t in root.iter(ns + "Text")]
        assert len(defined) == len(set(defined)), "a TextId defined twice"
        used = {e.get("TextId") for e in root.iter() if e.get("TextId") is not None and e.tag != ns + "Text"}
        assert used == set(defined), (used ^ set(defined))
        ids = [e.get("ID") for e in root.iter() if e.get("ID") is not None]
        assert len(ids) == len(set(ids)), "an ID used twice"
        refs = {e.get("ModuleItemTarget") for e in root.iter(ns + "ModuleItemRef")}
        assert refs == {e.get("ID") for e in root.iter(ns + "ModuleItem")}, refs
        print("ok", len(defined), len(ids))
        """

    /// profinet-py in the project venv, installed by `ProjectPython.ensure()` when missing; never skipped.
    static func ensureProfinetPy() throws {
        func present() -> Bool {
            FileManager.default.isExecutableFile(atPath: ProjectPython.python)
                && (try? HostProcess.run(ProjectPython.python, ["-c", "import profinet.gsdml, scapy"], timeout: 120))?.status == 0
        }
        if present() { return }
        try ProjectPython.ensure()
        guard present() else {
            throw ToolFailure("profinet-py is not in the project venv (\(ProjectPython.python)), even after ProjectPython.ensure()")
        }
    }

    /// profinet-py's reading of the GSDML at `path`.
    static func profinetPy(_ path: String, in scratch: PNScratchFolder, assignment: [UInt16: String]? = nil) throws -> PyGSDML {
        try ensureProfinetPy()
        let script = try scratch.write("pyread.py", profinetPyScript)
        var arguments = [script, path]
        if let assignment {
            let object = Dictionary(uniqueKeysWithValues: assignment.map { (String($0.key), $0.value) })
            arguments.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
        let r = try HostProcess.run(ProjectPython.python, arguments, timeout: 120)
        guard r.status == 0 else { throw ToolFailure("profinet-py failed on \(path):\n\(r.stderr.suffix(3000))") }
        return try JSONDecoder().decode(PyGSDML.self, from: Data(r.stdout.utf8))
    }

    /// Checks `path` with xmllint (installed if missing) and Python's xml.etree.
    static func wellFormed(_ path: String, in scratch: PNScratchFolder) throws {
        if HostProcess.which("xmllint") == nil { try HostProcess.aptInstall("libxml2-utils") }
        let lint = try HostProcess.run("xmllint", ["--noout", path], timeout: 60)
        #expect(lint.status == 0 && lint.stderr.isEmpty, "xmllint: \(lint.stderr)")
        try ensureProfinetPy()
        let script = try scratch.write("etree.py", etreeScript)
        let etree = try HostProcess.run(ProjectPython.python, [script, path], timeout: 60)
        #expect(etree.status == 0 && etree.stdout.hasPrefix("ok"), "xml.etree: \(etree.stdout)\(etree.stderr)")
    }

    /// p-net's sample-app GSDML, installed with p-net (`Tools/setup-peers --profinet`) when missing.
    static func pnetGSDML() throws -> String {
        let path = PNSegment.peers + "/share/p-net/GSDML-V2.4-RT-Labs-P-Net-Sample-App-20220324.xml"
        if !FileManager.default.fileExists(atPath: path) { try PNSegment.ensurePeers() }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ToolFailure("p-net's GSDML is not at \(path), even after Tools/setup-peers --profinet")
        }
        return path
    }

    /// A device file with every feature: a module kind in two slots, parameters, a module without I/O, long data.
    static let fullDevice = """
        vendor: {id: 0x1234, name: "Ex & Co <GmbH>"}
        device: {id: 0xBEEF, name: "Valve \\"island\\" 'XL'", info: "Twelve valves & one status byte", family: Valves,
                 station-type: "Valve Island 12", station-name: valve-island, order-id: "VI-12-0815", serial: "SN 42",
                 hardware-revision: 3, software-revision: P2.10.255}
        dap: {module-ident: 0x80000000, submodule-ident: 0x80000001, interface-ident: 0x8100, port-ident: 0x8101,
              min-device-interval: 16, send-clock: 8, reduction-ratios: [1, 2, 4]}
        modules:
          - {slot: 4, name: "Valves 1-8", module-ident: 0x200, submodule-ident: 0x201, output: 1,
             parameters: [{index: 0x10, name: "Fail-safe <pattern>", type: unsigned8, default: 0x55},
                          {index: 0x11, name: "Delay", type: integer16, min: -100, max: 100, default: -3}]}
          - {slot: 2, name: "Valves 1-8", module-ident: 0x200, submodule-ident: 0x201, output: 1,
             parameters: [{index: 0x10, name: "Fail-safe <pattern>", type: unsigned8, default: 0x55},
                          {index: 0x11, name: "Delay", type: integer16, min: -100, max: 100, default: -3}]}
          - {slot: 3, name: "Status", info: "Grüße, 日本", module-ident: 0x300, submodule-ident: 0x301}
          - {slot: 7, name: "Block", module-ident: 0xFFFFFFFF, submodule-ident: 0, input: 200, output: 300}
          - {slot: 8, name: "Digital in", module-ident: 0x30, submodule-ident: 0x130, input: 1}

        """

    /// The devices the writer is checked on.
    static func devices() throws -> [(String, PNDeviceDescription)] {
        [("built-in", PNDeviceFile.defaultDevice), ("full", try PNDeviceFile.parse(fullDevice, path: "full.yaml"))]
    }

    /// Writes the GSDML of `device` into `scratch` under its conventional name.
    static func write(_ device: PNDeviceDescription, in scratch: PNScratchFolder) throws -> String {
        try scratch.write(GSDMLWriter.fileName(for: device, date: Date(timeIntervalSince1970: 1_709_640_000)), GSDMLWriter.document(for: device))
    }

    /// A small GSDML with one module whose input DataItem has `dataType` (and `extra` attributes).
    static func mini(dataType: String = "Unsigned8", extra: String = "", allowed: String = "1..2") -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <ISO15745Profile xmlns="http://www.profibus.com/GSDML/2003/11/DeviceProfile">
          <ProfileBody>
            <DeviceIdentity VendorID="0x0001" DeviceID="0x0002"/>
            <ApplicationProcess>
              <DeviceAccessPointList>
                <DeviceAccessPointItem ID="D" PhysicalSlots="0..2" ModuleIdentNumber="0x10" FixedInSlots="0">
                  <UseableModules>
                    <ModuleItemRef ModuleItemTarget="M" AllowedInSlots="\(allowed)"/>
                  </UseableModules>
                </DeviceAccessPointItem>
              </DeviceAccessPointList>
              <ModuleList>
                <ModuleItem ID="M" ModuleIdentNumber="0x20">
                  <VirtualSubmoduleList>
                    <VirtualSubmoduleItem ID="S" SubmoduleIdentNumber="0x21">
                      <IOData>
                        <Input>
                          <DataItem DataType="\(dataType)" \(extra)/>
                        </Input>
                      </IOData>
                    </VirtualSubmoduleItem>
                  </VirtualSubmoduleList>
                </ModuleItem>
              </ModuleList>
            </ApplicationProcess>
          </ProfileBody>
        </ISO15745Profile>

        """
    }
}

@Suite("GSDML writer and reader", .serialized)
struct GSDMLTests {
    @Test("the file name follows GSDML-V2.4-<vendor>-<device>-<date>.xml")
    func fileName() throws {
        let date = Date(timeIntervalSince1970: 1_709_640_000) // 2024-03-05 12:00 UTC
        #expect(GSDMLWriter.fileName(for: PNDeviceFile.defaultDevice, date: date) == "GSDML-V2.4-Orion_RT-Orion_IO_device-20240305.xml")
        let full = try PNDeviceFile.parse(GSDMLCheck.fullDevice, path: "full.yaml")
        #expect(GSDMLWriter.fileName(for: full, date: date) == "GSDML-V2.4-Ex_Co_GmbH-Valve_island_XL-20240305.xml")
        #expect(GSDMLWriter.slotList([1, 2, 3, 5, 7, 8]) == "1..3 5 7..8")
        #expect(GSDMLWriter.slotList([4]) == "4")
    }

    // @verifies SWR-PN-GSDML-1
    @Test("the GSDML is well-formed XML whose references all resolve (xmllint, xml.etree)")
    func wellFormed() throws {
        let scratch = try PNScratchFolder()
        defer { scratch.remove() }
        for (name, device) in try GSDMLCheck.devices() {
            let path = try GSDMLCheck.write(device, in: scratch)
            try GSDMLCheck.wellFormed(path, in: scratch)
            let xml = GSDMLWriter.document(for: device)
            #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ISO15745Profile xmlns=\"\(GSDMLWriter.namespace)\""), "\(name)")
            #expect(xml.contains("<DeviceIdentity VendorID=\"\(PNText.hex16(device.vendorID))\" DeviceID=\"\(PNText.hex16(device.deviceID))\">"))
            #expect(xml.contains("SupportedRT_Classes=\"RT_CLASS_1\""))
            #expect(xml.contains("SubslotNumber=\"32768\"") && xml.contains("SubslotNumber=\"32769\""))
            #expect(xml.contains("<MAUTypeItem Value=\"16\"/>"))
            #expect(xml.contains("DNS_CompatibleName=\"\(device.stationName)\""))
        }
        // Texts are escaped, never raw.
        let full = GSDMLWriter.document(for: try PNDeviceFile.parse(GSDMLCheck.fullDevice, path: "full.yaml"))
        #expect(full.contains("Value=\"Ex &amp; Co &lt;GmbH&gt;\""))
        #expect(full.contains("Value=\"Valve &quot;island&quot; &apos;XL&apos;\""))
        #expect(!full.contains("<GmbH>") && !full.contains("<pattern>"))
        #expect(full.contains("FixedInSlots=\"2 4\"") && full.contains("AllowedInSlots=\"2 4\""))
        #expect(full.contains("PhysicalSlots=\"0..8\""))
        #expect(full.contains("<Ref DataType=\"Integer16\" ByteOffset=\"0\" DefaultValue=\"-3\" AllowedValues=\"-100..100\""))
        #expect(full.contains("<DataItem DataType=\"OctetString\" Length=\"300\""))
        #expect(full.contains("<TimingProperties SendClock=\"8\" ReductionRatio=\"1 2 4\"/>"))
    }

    // @verifies SWR-PN-GSDML-1
    @Test("profinet-py reads the generated GSDML back to the device model: idents and lengths")
    func profinetPyAgrees() throws {
        let scratch = try PNScratchFolder()
        defer { scratch.remove() }
        for (name, device) in try GSDMLCheck.devices() {
            let path = try GSDMLCheck.write(device, in: scratch)
            let py = try GSDMLCheck.profinetPy(path, in: scratch)
            let model = try device.model()
            #expect(py.vendor_id == model.vendorID && py.device_id == model.deviceID, "\(name)")
            #expect(py.daps.count == 1)
            let dap = try #require(py.daps.first)
            #expect(dap.module_ident == device.dap.moduleIdent)
            #expect(dap.submodules.map(\.ident) == [device.dap.submoduleIdent])
            #expect(dap.submodules.allSatisfy { $0.input == 0 && $0.output == 0 })
            #expect(dap.system == [.init(subslot: 0x8000, ident: device.dap.interfaceIdent), .init(subslot: 0x8001, ident: device.dap.portIdent)])
            // Each kind of module once, with its submodule's ident and lengths.
            let kinds = GSDMLWriter.moduleKinds(device)
            #expect(py.modules.map(\.id) == kinds.map { GSDMLWriter.moduleID($0.module.moduleIdent) })
            for (module, kind) in zip(py.modules, kinds) {
                #expect(module.ident == kind.module.moduleIdent)
                #expect(module.submodules.map { [$0.ident, UInt32($0.input), UInt32($0.output), $0.api] }
                        == [[kind.module.submoduleIdent, UInt32(kind.module.inputLength), UInt32(kind.module.outputLength), 0]])
                #expect(dap.fixed[module.id] == kind.slots && dap.allowed[module.id] == kind.slots)
            }
            // The configuration profinet-py builds from the fixed slots is the model's, submodule for submodule.
            #expect(py.slots.map(\.submoduleSlot) == (0..<model.count).map { model[$0] }, "\(name)")
        }
    }

    // @verifies SWR-PN-GSDML-1
    @Test("the reader reads the generated GSDML back to the same model (round trip)")
    func roundTrip() throws {
        let scratch = try PNScratchFolder()
        defer { scratch.remove() }
        for (name, device) in try GSDMLCheck.devices() {
            let path = try GSDMLCheck.write(device, in: scratch)
            let read = try GSDMLReader.load(path: path)
            let model = try device.model()
            #expect(read.vendorID == device.vendorID && read.deviceID == device.deviceID, "\(name)")
            #expect(read.vendorName == device.vendorName && read.info == device.info)
            let dap = try #require(read.accessPoints.first)
            #expect(read.accessPoints.count == 1)
            #expect(dap.moduleIdent == device.dap.moduleIdent && dap.name == device.name && dap.stationName == device.stationName)
            #expect(dap.minDeviceInterval == Int(device.dap.minDeviceInterval))
            #expect(dap.sendClocks == [Int(device.dap.sendClock)] && dap.reductionRatios == device.dap.reductionRatios.map(Int.init))
            #expect(dap.fixedInSlots == [0])
            for kind in GSDMLWriter.moduleKinds(device) {
                let module = try #require(read.module(GSDMLWriter.moduleID(kind.module.moduleIdent)))
                #expect(module.name == kind.module.name && module.info == kind.module.info)
                #expect(read.module(PNText.hex32(kind.module.moduleIdent))?.id == module.id)
            }
            let configuration = try read.configuration()
            #expect(configuration.submodules == (0..<model.count).map { model[$0] }, "\(name)")
            #expect(configuration.placements.map(\.slot) == device.modules.map(\.slot))
            let frames = PNFrame.lengths(of: device.submodules)
            #expect(configuration.inputFrameLength == frames.input && configuration.outputFrameLength == frames.output)
            #expect(configuration.inputDataLength == device.modules.reduce(0) { $0 + Int($1.inputLength) })
            #expect(configuration.outputDataLength == device.modules.reduce(0) { $0 + Int($1.outputLength) })
        }
    }

    @Test("the reader agrees with profinet-py on p-net's GSDML")
    func pnet() throws {
        let scratch = try PNScratchFolder()
        defer { scratch.remove() }
        let path = try GSDMLCheck.pnetGSDML()
        let read = try GSDMLReader.load(path: path)
        // Facts of p-net's sample app, from its file.
        #expect(read.vendorID == 0x0493 && read.deviceID == 0x0002 && read.vendorName == "RT-Labs")
        let dap = try #require(read.accessPoints.first)
        #expect(dap.id == "IDD_1" && dap.moduleIdent == 1 && dap.minDeviceInterval == 32 && dap.stationName == "rt-labs-dev")
        #expect(dap.physicalSlots == [0, 1, 2, 3, 4] && dap.maxInputLength == 244 && dap.name == "P-Net multi-module sample app")
        #expect(dap.sendClocks == [32] && dap.reductionRatios == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
        #expect(dap.systemSubmodules.map { [UInt32($0.subslot), $0.submoduleIdent] } == [[0x8000, 0x8000], [0x8001, 0x8001]])
        #expect(read.modules.map(\.name) == ["DI 8xLogicLevel", "DO 8xLogicLevel", "DIO 8xLogicLevel", "Echo Module"])
        #expect(read.module("IDM_40")?.submodules.first.map { [$0.inputLength, $0.outputLength] } == [8, 8])

        // The same file through profinet-py: identity, DAP, every module's idents and lengths.
        let assignment: [UInt16: String] = [1: "IDM_30", 2: "IDM_31", 3: "IDM_32", 4: "IDM_40"]
        let py = try GSDMLCheck.profinetPy(path, in: scratch, assignment: assignment)
        #expect(py.vendor_id == read.vendorID && py.device_id == read.deviceID)
        #expect(py.daps.map(\.id) == read.accessPoints.map(\.id))
        let pyDAP = try #require(py.daps.first)
        #expect(pyDAP.module_ident == dap.moduleIdent)
        #expect(pyDAP.submodules == dap.submodules.map {
            PyGSDML.Submodule(id: $0.id, ident: $0.submoduleIdent, input: $0.inputLength ?? -1, output: $0.outputLength ?? -1, api: $0.api)
        })
        #expect(pyDAP.system == dap.systemSubmodules.map { .init(subslot: $0.subslot, ident: $0.submoduleIdent) })
        #expect(pyDAP.allowed == Dictionary(uniqueKeysWithValues: dap.useableModules.map { ($0.target, $0.allowedSlots) }))
        #expect(py.modules.map(\.id) == read.modules.map(\.id))
        for (p, m) in zip(py.modules, read.modules) {
            #expect(p.ident == m.moduleIdent, "\(m.id)")
            #expect(p.submodules == m.submodules.map {
                PyGSDML.Submodule(id: $0.id, ident: $0.submoduleIdent, input: $0.inputLength ?? -1, output: $0.outputLength ?? -1, api: $0.api)
            }, "\(m.id)")
        }
        // The same configuration, explicit; and ours by default (each module in its first free allowed slot).
        let explicit = try read.configuration(slots: assignment.sorted { $0.key < $1.key }.map { (slot: $0.key, moduleID: $0.value) })
        #expect(explicit.submodules == py.slots.map(\.submoduleSlot))
        #expect(try read.configuration() == explicit)
        #expect(explicit.inputDataLength == 1 + 1 + 8 && explicit.outputDataLength == 1 + 1 + 8)
        // Input: 3 DAP IOPS, DI 1+1, DO's IOCS, DIO 1+1 and IOCS, echo 8+1 and IOCS.
        #expect(explicit.inputFrameLength == 3 + 2 + 1 + 3 + 10)
        // Module idents work as well as IDs, and fewer modules are fine.
        let some = try read.configuration(slots: [(slot: 2, moduleID: "0x40")])
        #expect(some.placements == [GSDMLPlacement(slot: 2, moduleID: "IDM_40", moduleIdent: 0x40)])
        #expect(some.submodules.last == PNSubmoduleSlot(slot: 2, subslot: 1, moduleIdent: 0x40, submoduleIdent: 0x140, inputLength: 8, outputLength: 8))
    }

    @Test("configurations the DAP does not allow are refused")
    func badConfigurations() throws {
        let pnetPath = try GSDMLCheck.pnetGSDML()
        let pnet = try GSDMLReader.load(path: pnetPath)
        let cases: [([(slot: UInt16, moduleID: String)], String)] = [
            ([(1, "IDM_99")], "slot 1: no module 'IDM_99' in the file (modules: IDM_30, IDM_31, IDM_32, IDM_40)"),
            ([(5, "IDM_30")], "slot 5 is not a physical slot of DAP 'IDD_1' (1..4)"),
            ([(0, "IDM_30")], "slot 0 is the DAP's"),
            ([(1, "IDM_30"), (1, "IDM_31")], "slot 1 is given twice"),
        ]
        for (slots, message) in cases {
            let error = try #require(throws: PNInputError.self) { try pnet.configuration(slots: slots) }
            #expect(error.message == message)
            #expect(error.path == pnetPath && error.line > 1)
        }
        let noDAP = try #require(throws: PNInputError.self) { try pnet.configuration(accessPoint: "IDD_9") }
        #expect(noDAP.message == "no device access point 'IDD_9' (the file has: IDD_1)")

        // Our own file fixes every module: another module in a fixed slot, or a module outside its slots, is refused.
        let own = try GSDMLReader.parse(bytes: Array(GSDMLWriter.document(for: PNDeviceFile.defaultDevice).utf8), path: "own.xml")
        var error = try #require(throws: PNInputError.self) { try own.configuration(slots: [(slot: 2, moduleID: "IDM_00000030")]) }
        #expect(error.message == "slot 2: module 'IDM_00000030' is allowed only in slots 1")
        error = try #require(throws: PNInputError.self) { try own.configuration(slots: [(slot: 9, moduleID: "0x30")]) }
        #expect(error.message == "slot 9 is not a physical slot of DAP 'IDD_1' (1..3)")

        // A data type the reader cannot size is reported when the module is used, at the DataItem's line.
        let mystery = try GSDMLReader.parse(bytes: Array(GSDMLCheck.mini(dataType: "Mystery").utf8), path: "mini.xml")
        error = try #require(throws: PNInputError.self) { try mystery.configuration() }
        #expect(error.description == "mini.xml:16: slot 1, module 'M', submodule 'S': Input DataItem at line 19 has DataType 'Mystery' of unknown size and no Length")
        // With a Length it is sized; OctetString takes its Length; the slot list places it.
        let sized = try GSDMLReader.parse(bytes: Array(GSDMLCheck.mini(dataType: "Mystery", extra: "Length=\"6\"", allowed: "2").utf8), path: "m.xml")
        #expect(try sized.configuration().submodules.last == PNSubmoduleSlot(slot: 2, subslot: 1, moduleIdent: 0x20, submoduleIdent: 0x21, inputLength: 6))
        for (type, size) in [("Float64", 8), ("Integer16", 2), ("Float32+Status8", 5), ("Date", 7)] {
            let one = try GSDMLReader.parse(bytes: Array(GSDMLCheck.mini(dataType: type).utf8), path: "m.xml")
            #expect(one.modules.first?.submodules.first?.inputLength == size, "\(type)")
        }
    }

    @Test("bad GSDML files are reported at file:line")
    func badFiles() throws {
        let scratch = try PNScratchFolder()
        defer { scratch.remove() }
        let mini = GSDMLCheck.mini()
        let cases: [(String, String, Int, String)] = [
            ("unclosed element", "<?xml version=\"1.0\"?>\n<ISO15745Profile>\n  <ProfileBody>\n</ISO15745Profile>\n", 4,
             "malformed XML: an end tag that does not match its start tag"),
            ("attribute twice", "<ISO15745Profile>\n<ProfileBody a='1' a='2'/></ISO15745Profile>", 2, "malformed XML: an attribute given twice"),
            ("undeclared entity", "<ISO15745Profile>\n\n<ProfileBody>&foo;</ProfileBody></ISO15745Profile>", 3,
             "malformed XML: an entity that is not declared"),
            ("second root", "<ISO15745Profile>\n</ISO15745Profile>\n<ISO15745Profile/>", 3, "malformed XML: content after the root element"),
            ("document type", "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n<ISO15745Profile/>\n", 2,
             "a document type declaration (<!DOCTYPE) has no place in a GSDML file"),
            ("not GSDML", "<?xml version=\"1.0\"?>\n<svg/>\n", 2, "not a GSDML file: the root element is svg, not ISO15745Profile"),
            ("no vendor ID", mini.replacingOccurrences(of: "VendorID=\"0x0001\" ", with: ""), 4, "DeviceIdentity has no VendorID"),
            ("vendor ID over 16 bits", mini.replacingOccurrences(of: "0x0001", with: "0x10001"), 4,
             "DeviceIdentity VendorID '0x10001' is not a number from 0 to 65535"),
            ("bad ident", mini.replacingOccurrences(of: "ModuleIdentNumber=\"0x20\"", with: "ModuleIdentNumber=\"0xZZ\""), 14,
             "ModuleItem ModuleIdentNumber '0xZZ' is not a number"),
            ("bad slot list", mini.replacingOccurrences(of: "AllowedInSlots=\"1..2\"", with: "AllowedInSlots=\"1..x\""), 9,
             "ModuleItemRef AllowedInSlots '1..x': '1..x' is not a number or range within 0 ... 65535"),
            ("no access point", mini.replacingOccurrences(of: "ModuleIdentNumber=\"0x10\"", with: "")
                .replacingOccurrences(of: "DeviceAccessPointItem", with: "Other"), 6, "DeviceAccessPointList has no DeviceAccessPointItem"),
            ("no ApplicationProcess", "<ISO15745Profile>\n<ProfileBody>\n<DeviceIdentity VendorID=\"1\" DeviceID=\"2\"/>\n</ProfileBody>\n</ISO15745Profile>\n",
             2, "ProfileBody has no ApplicationProcess"),
            ("nested too deeply", "<ISO15745Profile>" + String(repeating: "<a>", count: 70) + String(repeating: "</a>", count: 70) + "</ISO15745Profile>",
             1, "elements nested deeper than 64 levels"),
            ("empty", "", 1, "malformed XML: no root element (an empty file?)"),
        ]
        for (what, text, line, message) in cases {
            let path = try scratch.write("bad.xml", text)
            let error = try #require(throws: PNInputError.self, "\(what)") { try GSDMLReader.load(path: path) }
            #expect(error.line == line, "\(what): \(error)")
            #expect(error.message.hasPrefix(message), "\(what): \(error)")
            #expect(error.description.hasPrefix("\(path):\(line): "), "\(what)")
        }
        let large = try scratch.write("large.xml", mini + "<!--" + String(repeating: "x", count: 4 << 20) + "-->")
        let error = try #require(throws: PNInputError.self) { try GSDMLReader.load(path: large) }
        #expect(error.description == "\(large):1: larger than 4194304 bytes (4 MiB), the limit for a GSDML file")
        // Encodings: bytes that are not UTF-8 are refused at their line; ISO-8859-1 is read; others are refused.
        var bytes = Array(mini.utf8)
        bytes.insert(0xFF, at: try #require(mini.utf8.firstIndex(of: UInt8(ascii: "V"))).utf16Offset(in: mini))
        let notUTF8 = try scratch.writeBytes("bad.xml", bytes)
        var encodingError = try #require(throws: PNInputError.self) { try GSDMLReader.load(path: notUTF8) }
        #expect(encodingError.description == "\(notUTF8):4: not UTF-8 text, as the XML declaration says")
        let latin = mini.replacingOccurrences(of: "encoding=\"utf-8\"", with: "encoding='ISO-8859-1'")
            .replacingOccurrences(of: "DeviceID=\"0x0002\"/>", with: "DeviceID=\"0x0002\"><VendorName Value=\"M\u{FC}ller \u{B5}C\"/></DeviceIdentity>")
        let latinPath = scratch.path + "/latin.xml"
        try #require(latin.data(using: .isoLatin1)).write(to: URL(fileURLWithPath: latinPath))
        #expect(try GSDMLReader.load(path: latinPath).vendorName == "M\u{FC}ller \u{B5}C")
        let utf16 = try scratch.write("utf16.xml", mini.replacingOccurrences(of: "utf-8", with: "EBCDIC"))
        encodingError = try #require(throws: PNInputError.self) { try GSDMLReader.load(path: utf16) }
        #expect(encodingError.message == "encoding 'ebcdic' is not supported (GSDML files are UTF-8 or ISO-8859-1)")
        // The mini file itself reads.
        let ok = try GSDMLReader.parse(bytes: Array(mini.utf8), path: "mini.xml")
        #expect(ok.vendorID == 1 && ok.modules.first?.submodules.first?.inputLength == 1)
        #expect(GSDMLReader.slotAssignment("3=IDM_32")! == (slot: 3, moduleID: "IDM_32"))
        #expect(GSDMLReader.slotAssignment(" 0x10 = 0x40 ")! == (slot: 16, moduleID: "0x40"))
        for bad in ["3", "=IDM", "3=", "x=IDM", "32768=IDM", "-1=IDM"] { #expect(GSDMLReader.slotAssignment(bad) == nil, "\(bad)") }
    }

    @Test("mutated device files and GSDMLs are refused or read, never trap")
    func mutations() throws {
        var random = PNSplitMix(seed: 0x0815)
        let device = Array(PNDeviceFile.defaultText.utf8)
        let gsdml = Array(GSDMLWriter.document(for: try PNDeviceFile.parse(GSDMLCheck.fullDevice, path: "full.yaml")).utf8)
        let pnet = Array(try Data(contentsOf: URL(fileURLWithPath: try GSDMLCheck.pnetGSDML())))
        let pieces = Array("{}[]:-,'\"#&<>/=0x1\n\t ~*!|".utf8)
        func mutate(_ bytes: [UInt8]) -> [UInt8] {
            var b = bytes
            for _ in 0...Int(random.next() % 4) {
                let at = Int(random.next() % UInt64(b.count))
                switch random.next() % 4 {
                case 0: b[at] = pieces[Int(random.next() % UInt64(pieces.count))]
                case 1: b.insert(pieces[Int(random.next() % UInt64(pieces.count))], at: at)
                case 2: b.remove(at: at)
                default: b[at] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            return b
        }
        var refused = 0
        for _ in 0..<1500 {
            do { _ = try PNDeviceFile.parse(bytes: mutate(device), path: "m.yaml") } catch { refused += 1 }
        }
        for source in [gsdml, pnet] {
            for _ in 0..<200 {
                do { _ = try GSDMLReader.parse(bytes: mutate(source), path: "m.xml").configuration() } catch { refused += 1 }
            }
        }
        #expect(refused > 100)
    }
}

/// A small deterministic generator (SplitMix64) for the mutations.
struct PNSplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
