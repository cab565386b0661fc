// Device model files: the built-in device, a file using every key, the model made from them, and every way a
// file can be wrong, each reported at its `file:line`.

import Fieldbus
import Foundation
@testable import PROFINETTool
import Testing

/// A scratch folder for the files a test writes, removed with `remove()`.
struct PNScratchFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("pn-tool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` in the folder and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func writeBytes(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A device file with a problem, where it is and what must be said about it.
struct BadDeviceFile: CustomTestStringConvertible, Sendable {
    let what: String
    let yaml: String
    let line: Int
    let message: String
    var testDescription: String { what }
}

/// The first two lines most bad files share: a valid vendor and device.
let pnVendorLine = "vendor: {id: 0x0493, name: \"Orion RT\"}\n"
let pnDeviceLine = "device: {id: 2, name: \"D\", station-type: \"orion-io\", order-id: \"X-1\"}\n"
let pnHead = pnVendorLine + pnDeviceLine

/// `count` one-line modules from slot 1, each with `input` bytes of input.
func pnModuleLines(_ count: Int, input: Int = 1) -> String {
    (1...count).map { "  - {slot: \($0), name: \"M\($0)\", module-ident: \(0x100 + $0), submodule-ident: 1, input: \(input)}\n" }.joined()
}

let badDeviceFiles: [BadDeviceFile] = [
    BadDeviceFile(what: "unknown top-level key", yaml: pnHead + "modulez: []\n", line: 3,
                  message: "unknown key 'modulez' in the device file (expected one of: vendor, device, dap, modules)"),
    BadDeviceFile(what: "unknown device key", yaml: pnVendorLine + "device:\n  id: 2\n  colour: red\n", line: 4,
                  message: "unknown key 'colour' in 'device'"),
    BadDeviceFile(what: "unknown module key", yaml: pnHead + "modules:\n  - slot: 1\n    name: A\n    module-ident: 0x30\n    inputs: 1\n",
                  line: 7, message: "unknown key 'inputs' in a module"),
    BadDeviceFile(what: "unknown dap key", yaml: pnHead + "dap: {module-ident: 1, ports: 2}\n", line: 3, message: "unknown key 'ports' in 'dap'"),
    BadDeviceFile(what: "duplicate key", yaml: "vendor:\n  id: 1\n  id: 2\n", line: 3, message: "duplicate key 'id' in 'vendor' (first at line 2)"),
    BadDeviceFile(what: "missing vendor", yaml: pnDeviceLine, line: 1, message: "missing required key 'vendor' in the device file"),
    BadDeviceFile(what: "missing device", yaml: pnVendorLine, line: 1, message: "missing required key 'device' in the device file"),
    BadDeviceFile(what: "missing vendor id", yaml: "vendor: {name: \"Orion RT\"}\n" + pnDeviceLine, line: 1,
                  message: "missing required key 'id' in 'vendor'"),
    BadDeviceFile(what: "missing order-id", yaml: pnVendorLine + "\ndevice:\n  id: 2\n  name: D\n  station-type: x\n", line: 4,
                  message: "missing required key 'order-id' in 'device'"),
    BadDeviceFile(what: "missing module-ident", yaml: pnHead + "modules:\n  - {slot: 1, name: A, submodule-ident: 1}\n", line: 4,
                  message: "missing required key 'module-ident' in a module"),
    BadDeviceFile(what: "vendor id over 16 bits", yaml: "vendor: {id: 0x10000, name: V}\n" + pnDeviceLine, line: 1,
                  message: "'id' is 0x10000, out of range (0 ... 0xFFFF)"),
    BadDeviceFile(what: "device id over 16 bits", yaml: pnVendorLine + "device:\n  id: 65536\n", line: 3,
                  message: "'id' is 65536, out of range (0 ... 0xFFFF)"),
    BadDeviceFile(what: "module ident over 32 bits", yaml: pnHead + "modules:\n  - {slot: 1, name: A, module-ident: 0x100000000, submodule-ident: 1}\n",
                  line: 4, message: "'module-ident' is 0x100000000, out of range (0 ... 0xFFFFFFFF)"),
    BadDeviceFile(what: "port ident over 32 bits", yaml: pnHead + "dap:\n  port-ident: 4294967296\n", line: 4,
                  message: "'port-ident' is 4294967296, out of range"),
    BadDeviceFile(what: "not a number", yaml: "vendor: {id: abc, name: V}\n" + pnDeviceLine, line: 1,
                  message: "'id' must be a whole number (decimal or 0x hex) from 0 ... 0xFFFF, not 'abc'"),
    BadDeviceFile(what: "negative length", yaml: pnHead + "modules:\n  - {slot: 1, name: A, module-ident: 0x30, submodule-ident: 1, input: -1}\n",
                  line: 4, message: "'input' must be a whole number"),
    BadDeviceFile(what: "one submodule larger than a frame", yaml: pnHead + "modules:\n  - {slot: 1, name: A, module-ident: 0x30, submodule-ident: 1,\n     output: 1440}\n",
                  line: 5, message: "'output' is 1440, out of range (0 ... 1439)"),
    BadDeviceFile(what: "input frame overflows", yaml: pnHead + "modules:\n" + pnModuleLines(2, input: 720), line: 5,
                  message: "with slot 2 the input frame would carry 1445 bytes"),
    BadDeviceFile(what: "input frame overflows with IOPS and IOCS",
                  yaml: pnHead + "modules:\n  - {slot: 1, name: A, module-ident: 0x30, submodule-ident: 1, input: 1436}\n"
                      + "  - {slot: 2, name: B, module-ident: 0x31, submodule-ident: 1, output: 1}\n",
                  line: 5, message: "with slot 2 the input frame would carry 1441 bytes (data, IOPS and IOCS of slots 0 ... 2), more than the 1440"),
    BadDeviceFile(what: "duplicate slot", yaml: pnHead + "modules:\n  - {slot: 1, name: A, module-ident: 0x30, submodule-ident: 1}\n"
                      + "  - {slot: 1, name: B, module-ident: 0x31, submodule-ident: 1}\n",
                  line: 5, message: "slot 1 is already used by the module at line 4"),
    BadDeviceFile(what: "slot 0", yaml: pnHead + "modules:\n  - {slot: 0, name: A, module-ident: 0x30, submodule-ident: 1}\n", line: 4,
                  message: "slot 0 is the DAP's (the device access point); modules go in slots 1 and up"),
    BadDeviceFile(what: "slot over 0x7FFF", yaml: pnHead + "modules:\n  - {slot: 0x8000, name: A, module-ident: 0x30, submodule-ident: 1}\n", line: 4,
                  message: "'slot' is 0x8000, out of range (1 ... 32767)"),
    BadDeviceFile(what: "DAP's module ident", yaml: pnHead + "modules:\n  - {slot: 1, name: A, module-ident: 1, submodule-ident: 1}\n", line: 4,
                  message: "module-ident 0x00000001 is the DAP's module ident"),
    BadDeviceFile(what: "one ident, two kinds", yaml: pnHead + "modules:\n  - {slot: 1, name: A, module-ident: 0x30, submodule-ident: 1, input: 1}\n"
                      + "  - {slot: 2, name: A, module-ident: 0x30, submodule-ident: 1, input: 2}\n",
                  line: 5, message: "module-ident 0x00000030 is also used at line 4 by a module with other contents"),
    BadDeviceFile(what: "order-id too long", yaml: pnVendorLine + "device: {id: 2, name: D, station-type: x,\n  order-id: \"123456789012345678901\"}\n",
                  line: 3, message: "'order-id' is 21 characters long; I&M0's order ID holds at most 20"),
    BadDeviceFile(what: "serial too long", yaml: pnVendorLine + "device: {id: 2, name: D, station-type: x, order-id: A,\n  serial: \"12345678901234567\"}\n",
                  line: 3, message: "'serial' is 17 characters long; I&M0's serial number holds at most 16"),
    BadDeviceFile(what: "station type longer than the model keeps",
                  yaml: pnVendorLine + "device: {id: 2, name: D, order-id: A, station-name: s,\n  station-type: \"\(String(repeating: "t", count: 65))\"}\n",
                  line: 3, message: "'station-type' is 65 characters long; the device model's type of station holds at most 64"),
    BadDeviceFile(what: "station type longer than DCP allows",
                  yaml: pnVendorLine + "device: {id: 2, name: D, order-id: A, station-name: s,\n  station-type: \"\(String(repeating: "t", count: 241))\"}\n",
                  line: 3, message: "'station-type' is 241 characters long"),
    BadDeviceFile(what: "order-id not ASCII", yaml: pnVendorLine + "device: {id: 2, name: D, station-type: x,\n  order-id: \"Bestell-Nr. \u{C4}\"}\n",
                  line: 3, message: "'order-id' may hold only printable ASCII characters (I&M0's order ID), not U+00C4"),
    BadDeviceFile(what: "serial with a tab", yaml: pnVendorLine + "device: {id: 2, name: D, station-type: x, order-id: A,\n  serial: \"1\\t2\"}\n",
                  line: 3, message: "'serial' may hold only printable ASCII characters (I&M0's serial number), not U+0009"),
    BadDeviceFile(what: "control character in a name", yaml: "vendor: {id: 1, name: \"Orion\\e[31m\"}\n" + pnDeviceLine, line: 1,
                  message: "'name' contains a control character (U+001B)"),
    BadDeviceFile(what: "name too long", yaml: "vendor: {id: 1, name: \"\(String(repeating: "n", count: 241))\"}\n" + pnDeviceLine, line: 1,
                  message: "'name' is 241 characters long, more than 240"),
    BadDeviceFile(what: "empty name", yaml: "vendor: {id: 1, name: \"\"}\n" + pnDeviceLine, line: 1, message: "'name' is empty"),
    BadDeviceFile(what: "null name", yaml: "vendor: {id: 1, name: ~}\n" + pnDeviceLine, line: 1, message: "'name' is empty"),
    BadDeviceFile(what: "too many modules", yaml: pnHead + "modules:\n" + pnModuleLines(30), line: 3,
                  message: "30 modules, more than the 29 the device model holds (32 submodules, 3 of them the DAP's)"),
    BadDeviceFile(what: "nested too deeply", yaml: pnHead + "modules:\n  - {slot: 1, name: A, module-ident: 0x30,\n     submodule-ident: [[[1]]]}\n",
                  line: 5, message: "nesting deeper than 5 levels"),
    BadDeviceFile(what: "a list where a value belongs", yaml: "vendor: {id: [1], name: V}\n" + pnDeviceLine, line: 1,
                  message: "'id' must be a single value, not a list or mapping"),
    BadDeviceFile(what: "malformed YAML", yaml: pnHead + "modules:\n  - {slot: 1, name: A\n", line: 5, message: "malformed YAML"),
    BadDeviceFile(what: "empty file", yaml: "# nothing\n", line: 1, message: "empty device file (expected 'vendor' and 'device')"),
    BadDeviceFile(what: "a list, not a mapping", yaml: "- vendor\n", line: 1, message: "a device file is a mapping"),
    BadDeviceFile(what: "an anchor under an unknown key", yaml: "base: &b {id: 1}\nvendor:\n  <<: *b\n", line: 1, message: "unknown key 'base' in the device file"),
    BadDeviceFile(what: "merge key inside", yaml: "vendor:\n  <<: {id: 1}\n  name: V\n", line: 2,
                  message: "merge keys ('<<') are not supported in device files"),
    BadDeviceFile(what: "unknown family", yaml: pnVendorLine + "device: {id: 2, name: D, station-type: x, order-id: A,\n  family: Toasters}\n",
                  line: 3, message: "'family' must be a GSDML main family"),
    BadDeviceFile(what: "bad software revision", yaml: pnVendorLine + "device: {id: 2, name: D, station-type: x, order-id: A,\n  software-revision: 1.0}\n",
                  line: 3, message: "'software-revision' must be a prefix V, R, P, U or T and three numbers 0 ... 255 (V1.0.0), not '1.0'"),
    BadDeviceFile(what: "software revision number over 255", yaml: pnVendorLine + "device: {id: 2, name: D, station-type: x, order-id: A,\n  software-revision: V1.256.0}\n",
                  line: 3, message: "'software-revision' must be a prefix"),
    BadDeviceFile(what: "station type that cannot be a name of station", yaml: pnVendorLine + "device: {id: 2, name: D, order-id: A,\n  station-type: \"Orion IO\"}\n",
                  line: 3, message: "'station-type' 'Orion IO' cannot be the default name of station (it may hold only lower-case letters a-z, digits, '-' and '.'): add a 'station-name'"),
    BadDeviceFile(what: "station name of a port", yaml: pnVendorLine + "device: {id: 2, name: D, order-id: A, station-type: x,\n  station-name: port-001}\n",
                  line: 3, message: "'station-name' 'port-001' has the form port-xyz or port-xyz-abcde, which names a port"),
    BadDeviceFile(what: "station name like an IP address", yaml: pnVendorLine + "device: {id: 2, name: D, order-id: A, station-type: x,\n  station-name: 192.168.0.1}\n",
                  line: 3, message: "'station-name' '192.168.0.1' has the form of an IP address"),
    BadDeviceFile(what: "station name label too long", yaml: pnVendorLine + "device: {id: 2, name: D, order-id: A, station-type: x,\n  station-name: \(String(repeating: "a", count: 64))}\n",
                  line: 3, message: "has a label longer than 63 characters"),
    BadDeviceFile(what: "reduction ratio not a power of two", yaml: pnHead + "dap:\n  reduction-ratios: [1, 2,\n    3]\n", line: 5,
                  message: "reduction ratio 3 is not a power of two from 1 to 512 (RT_CLASS_1)"),
    BadDeviceFile(what: "send clock out of range", yaml: pnHead + "dap: {send-clock: 129}\n", line: 3, message: "'send-clock' is 129, out of range (1 ... 128 (units of 31.25 us))"),
    BadDeviceFile(what: "min device interval never reached", yaml: pnHead + "dap: {send-clock: 8, reduction-ratios: [1, 2], min-device-interval: 32}\n",
                  line: 3, message: "no cycle reaches min-device-interval 32: the longest, send-clock 8 x reduction ratio 2, is 16"),
    BadDeviceFile(what: "parameter of unknown type", yaml: pnHead + "modules:\n  - slot: 1\n    name: A\n    module-ident: 0x30\n    submodule-ident: 1\n"
                      + "    parameters:\n      - {index: 1, name: P, type: float32}\n",
                  line: 9, message: "'type' must be one of unsigned8, unsigned16, unsigned32, integer8, integer16, integer32, not 'float32'"),
    BadDeviceFile(what: "parameter default outside min ... max", yaml: pnHead + "modules:\n  - slot: 1\n    name: A\n    module-ident: 0x30\n    submodule-ident: 1\n"
                      + "    parameters:\n      - {index: 1, name: P, type: integer8, min: -5, max: 5,\n         default: 6}\n",
                  line: 10, message: "'default' 6 is outside min ... max (-5 ... 5)"),
    BadDeviceFile(what: "parameter value beyond its type", yaml: pnHead + "modules:\n  - slot: 1\n    name: A\n    module-ident: 0x30\n    submodule-ident: 1\n"
                      + "    parameters:\n      - {index: 1, name: P, type: unsigned8, max: 256}\n",
                  line: 9, message: "'max' 256 does not fit unsigned8 (0 ... 255)"),
    BadDeviceFile(what: "parameter index used twice", yaml: pnHead + "modules:\n  - slot: 1\n    name: A\n    module-ident: 0x30\n    submodule-ident: 1\n"
                      + "    parameters:\n      - {index: 7, name: P, type: unsigned8}\n      - {index: 7, name: Q, type: unsigned8}\n",
                  line: 10, message: "record index 7 is already used at line 9"),
    BadDeviceFile(what: "parameter index outside user records", yaml: pnHead + "modules:\n  - slot: 1\n    name: A\n    module-ident: 0x30\n    submodule-ident: 1\n"
                      + "    parameters:\n      - {index: 0x8000, name: P, type: unsigned8}\n",
                  line: 9, message: "'index' is 0x8000, out of range (0 ... 0x7FFF (user records))"),
    BadDeviceFile(what: "modules not a list", yaml: pnHead + "modules: {slot: 1}\n", line: 3, message: "'modules' must be a list of modules"),
]

@Suite("PROFINET device files")
struct DeviceFileTests {
    // @verifies SWR-PN-CONFIG-1
    @Test("the built-in device")
    func builtIn() throws {
        let d = PNDeviceFile.defaultDevice
        #expect(d.vendorID == 0xFEED && d.deviceID == 0x0002)
        #expect(d.vendorName == "Orion RT" && d.name == "Orion IO device" && d.info == "Orion IO device")
        #expect(d.family == "I/O" && d.productFamily == "Orion RT")
        #expect(d.stationType == "orion-io" && d.stationName == "orion-io")
        #expect(d.orderID == "ORION-IO-1" && d.serialNumber == "0001" && d.hardwareRevision == 1)
        #expect(d.softwareRevision == PNSoftwareRevision(prefix: "V", functional: 1, bugFix: 0, internalChange: 0))
        #expect(d.dap == PNAccessPointDescription())
        #expect(d.modules == [
            PNModuleDescription(slot: 1, name: "8 digital inputs", moduleIdent: 0x30, submoduleIdent: 0x130, inputLength: 1),
            PNModuleDescription(slot: 2, name: "8 digital outputs", moduleIdent: 0x31, submoduleIdent: 0x131, outputLength: 1),
            PNModuleDescription(slot: 3, name: "In/out 4/4", moduleIdent: 0x32, submoduleIdent: 0x132, inputLength: 4, outputLength: 4),
        ])
        #expect(try PNDeviceFile.load(path: nil) == d)
        let model = try d.model()
        #expect(model.vendorID == 0xFEED && model.deviceID == 0x0002)
        #expect(model.count == 6)
        #expect(model.submodule(slot: 0, subslot: 0x8000)?.submoduleIdent == 0x8000)
        #expect(model.submodule(slot: 0, subslot: 0x8001)?.submoduleIdent == 0x8001)
        #expect(model.submodule(slot: 3, subslot: 1) == PNSubmoduleSlot(slot: 3, subslot: 1, moduleIdent: 0x32, submoduleIdent: 0x132,
                                                                         inputLength: 4, outputLength: 4))
        #expect(model.identification.orderID == PNFixedString<20>("ORION-IO-1"))
        #expect(model.identification.serialNumber == PNFixedString<16>("0001"))
        #expect(model.typeOfStation == PNFixedString<64>("orion-io"))
        #expect(model.identification.softwareRevision == (UInt8(ascii: "V"), 1, 0, 0))
        // The boards' pn-demo runs the same device, built in code (no YAML on a board).
        let example = PNDeviceModel.orionExample()
        #expect(example.vendorID == model.vendorID && example.deviceID == model.deviceID && example.count == model.count)
        #expect(example.deviceRole == model.deviceRole && example.instance == model.instance)
        #expect(example.typeOfStation == model.typeOfStation && example.identification == model.identification)
        for i in 0..<model.count { #expect(example[i] == model[i], "submodule \(i)") }
    }

    // @verifies SWR-PN-CONFIG-1
    @Test("a file using every key")
    func everyKey() throws {
        let scratch = try PNScratchFolder()
        defer { scratch.remove() }
        let path = try scratch.write("full.yaml", """
            # A device with every key.
            vendor:
              id: 0x1234
              name: "Ex & Co <GmbH>"
            device:
              id: 0xBEEF
              name: "Valve \\"island\\""
              info: "Twelve valves, one status byte"
              family: Valves
              product-family: "Islands"
              station-type: "Valve Island 12"
              station-name: valve-island.plant-3
              order-id: "VI-12-0815"
              serial: "SN 42"
              hardware-revision: 3
              software-revision: P2.10.255
            dap:
              module-ident: 0x80000000
              submodule-ident: 0x80000001
              interface-ident: 0x8000
              port-ident: 0x8001
              min-device-interval: 16
              send-clock: 8
              reduction-ratios: [4, 1, 2]
            modules:
              - slot: 4
                name: "Valves 1-8"
                module-ident: 0x200
                submodule-ident: 0x201
                output: 1
                parameters:
                  - {index: 0x10, name: "Fail-safe pattern", type: unsigned8, default: 0x55}
                  - {index: 0x11, name: "Delay", type: integer16, min: -100, max: 100, default: -3}
              - {slot: 2, name: "Valves 1-8", module-ident: 0x200, submodule-ident: 0x201, output: 1,
                 parameters: [{index: 0x10, name: "Fail-safe pattern", type: unsigned8, default: 0x55},
                              {index: 0x11, name: "Delay", type: integer16, min: -100, max: 100, default: -3}]}
              - {slot: 3, name: "Status", info: "No cyclic data", module-ident: 0x300, submodule-ident: 0x301}
              - {slot: 7, name: "Block", module-ident: 0x400, submodule-ident: 0x401, input: 200, output: 300}

            """)
        let d = try PNDeviceFile.load(path: path)
        #expect(d.vendorID == 0x1234 && d.deviceID == 0xBEEF && d.vendorName == "Ex & Co <GmbH>")
        #expect(d.name == "Valve \"island\"" && d.info == "Twelve valves, one status byte")
        #expect(d.family == "Valves" && d.productFamily == "Islands")
        #expect(d.stationType == "Valve Island 12" && d.stationName == "valve-island.plant-3")
        #expect(d.orderID == "VI-12-0815" && d.serialNumber == "SN 42" && d.hardwareRevision == 3)
        #expect(d.softwareRevision.description == "P2.10.255")
        #expect(d.dap == PNAccessPointDescription(moduleIdent: 0x8000_0000, submoduleIdent: 0x8000_0001, minDeviceInterval: 16, sendClock: 8,
                                                  reductionRatios: [1, 2, 4]))
        #expect(d.modules.map(\.slot) == [2, 3, 4, 7])
        let valves = try #require(d.modules.first)
        #expect(valves.parameters == [
            PNParameterDescription(index: 0x10, name: "Fail-safe pattern", type: .unsigned8, defaultValue: 0x55, minimum: 0, maximum: 255),
            PNParameterDescription(index: 0x11, name: "Delay", type: .integer16, defaultValue: -3, minimum: -100, maximum: 100),
        ])
        #expect(d.modules[1].info == "No cyclic data" && d.modules[1].inputLength == 0 && d.modules[1].outputLength == 0)
        let model = try d.model()
        #expect(model.count == 7)
        #expect((0..<model.count).map { model[$0] } == d.submodules)
        #expect(model.moduleIdent(slot: 0) == 0x8000_0000 && model.moduleIdent(slot: 4) == 0x200)
        #expect(model.identification.hardwareRevision == 3)
        #expect(model.identification.softwareRevision == (UInt8(ascii: "P"), 2, 10, 255))
        #expect(model.typeOfStation == PNFixedString<64>("Valve Island 12"))
        let frames = PNFrame.lengths(of: d.submodules)
        // Input: 3 DAP IOPS + 3 output modules' IOCS + status IOPS + block 200 + IOPS; output: the mirror.
        #expect(frames.input == 3 + 2 + 1 + 201 + 1)
        #expect(frames.output == 3 + 2 * 2 + 1 + 301 + 1)
    }

    @Test("the largest configuration fits: 29 modules filling the input frame exactly")
    func largest() throws {
        // 3 DAP IOPS + 29 × (data + IOPS) = 1440 with 28 modules of 48 bytes and one of 36.
        var text = pnHead + "modules:\n"
        for slot in 1...28 { text += "  - {slot: \(slot), name: M, module-ident: 0x100, submodule-ident: 1, input: 48}\n" }
        text += "  - {slot: 29, name: L, module-ident: 0x101, submodule-ident: 1, input: 64}\n"
        let d = try PNDeviceFile.parse(text, path: "big.yaml")
        #expect(PNFrame.lengths(of: d.submodules).input == 1440)
        #expect(try d.model().count == 32)
    }

    // @verifies SWR-PN-CONFIG-1
    @Test("bad device files are reported at file:line", arguments: badDeviceFiles)
    func bad(_ bad: BadDeviceFile) throws {
        let scratch = try PNScratchFolder()
        defer { scratch.remove() }
        let path = try scratch.write("bad.yaml", bad.yaml)
        let error = try #require(throws: PNInputError.self) { try PNDeviceFile.load(path: path) }
        #expect(error.path == path)
        #expect(error.line == bad.line, "\(error)")
        #expect(error.message.contains(bad.message), "\(error)")
        #expect(error.description.hasPrefix("\(path):\(bad.line): "))
    }

    // @verifies SWR-PN-CONFIG-1
    @Test("files too large, not UTF-8, missing or not regular")
    func badFiles() throws {
        let scratch = try PNScratchFolder()
        defer { scratch.remove() }
        let large = try scratch.write("large.yaml", pnHead + "# " + String(repeating: "x", count: 1 << 20) + "\n")
        var error = try #require(throws: PNInputError.self) { try PNDeviceFile.load(path: large) }
        #expect(error.description == "\(large):1: larger than 1048576 bytes (1 MiB), the limit for a device file")
        let binary = try scratch.writeBytes("binary.yaml", [0x76, 0x3A, 0x20, 0xFF, 0xFE, 0x0A])
        error = try #require(throws: PNInputError.self) { try PNDeviceFile.load(path: binary) }
        #expect(error.description == "\(binary):1: not UTF-8 text")
        error = try #require(throws: PNInputError.self) { try PNDeviceFile.load(path: scratch.path + "/none.yaml") }
        #expect(error.message == "no such file")
        error = try #require(throws: PNInputError.self) { try PNDeviceFile.load(path: scratch.path) }
        #expect(error.message == "is a directory")
        error = try #require(throws: PNInputError.self) { try PNDeviceFile.load(path: "/dev/zero") }
        #expect(error.message.hasPrefix("not a regular file"))
        // Control characters in the path are shown escaped.
        error = PNInputError(path: "a\u{1B}b", line: 0, message: "x\ny")
        #expect(error.description == "a\\u{1B}b:1: x\\u{A}y")
    }

    @Test("software revisions and names of station")
    func pieces() {
        #expect(PNSoftwareRevision("V1.0.0")?.description == "V1.0.0")
        #expect(PNSoftwareRevision("T255.255.255") == PNSoftwareRevision(prefix: "T", functional: 255, bugFix: 255, internalChange: 255))
        for bad in ["", "V", "X1.0.0", "V1.0", "V1.0.0.0", "V1..0", "V-1.0.0", "V1.0.0 ", "V0001.0.0"] {
            #expect(PNSoftwareRevision(bad) == nil, "\(bad)")
        }
        for good in ["orion-io", "a", "dev-1.plant-2", "port-01", "port-001-1", "port-abc", "1.2.3"] {
            #expect(PNDeviceFile.stationNameProblem(good) == nil, "\(good)")
        }
        for bad in ["", "Orion", "-a", "a-", "a..b", ".a", "port-001", "port-001-00001", "10.0.0.1", "a_b", String(repeating: "a.", count: 121) + "a"] {
            #expect(PNDeviceFile.stationNameProblem(bad) != nil, "\(bad)")
        }
        #expect(PNDeviceFile.moduleLimit == 29 && PNDeviceFile.stationTypeLimit == 64)
    }
}
