// Device model files: the YAML description of a PROFINET IO device (identity, DAP, modules), checked with every
// problem reported as `file:line: message`, turned into the host-side `PNDeviceDescription` (everything the
// GSDML needs) and from it into the portable `PNDeviceModel` a board runs.
//
// The file, in brief (keys are kebab-case; numbers decimal or 0x hex):
//
//     vendor: {id: 0xFEED, name: "Orion RT"}                  # required: 16-bit PI vendor ID, vendor name
//     device:                                                  # required
//       id: 0x0002                                             # required, 16-bit device ID
//       name: "Orion IO device"                                # required, the DAP's name in the catalogue
//       info: "..."                                            # optional InfoText (default: name)
//       family: "I/O"                                          # optional GSDML MainFamily (default I/O)
//       product-family: "Orion RT"                             # optional (default: the vendor name)
//       station-type: "orion-io"                               # required, DCP's type of station (ASCII)
//       station-name: "orion-io"                               # optional default name of station (DNS
//                                                              #   rules; default: the station type)
//       order-id: "ORION-IO-1"                                 # required, I&M0 order ID (ASCII, <= 20)
//       serial: "0001"                                         # optional I&M0 serial (ASCII, <= 16)
//       hardware-revision: 1                                   # optional (default 1)
//       software-revision: V1.0.0                              # optional, V/R/P/U/T + three numbers
//     dap:                                                     # optional, these are the defaults
//       {module-ident: 0x1, submodule-ident: 0x1, interface-ident: 0x8000, port-ident: 0x8001,
//        min-device-interval: 32, send-clock: 32, reduction-ratios: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]}
//     modules:                                                 # optional list, one module per slot
//       - slot: 1                                              # required, 1 ... 0x7FFF (0 is the DAP's)
//         name: "8 digital inputs"                             # required
//         info: "..."                                          # optional (default: name)
//         module-ident: 0x30                                   # required, 32 bits
//         submodule-ident: 0x130                               # required, 32 bits (subslot 1)
//         input: 1                                             # optional input bytes (default 0)
//         output: 0                                            # optional output bytes (default 0)
//         parameters:                                          # optional records, written at connect
//           - {index: 1, name: "Filter", type: unsigned16, default: 3, min: 0, max: 100}
//
// Two modules may share a module ident only when they are the same kind of module (same submodule, names,
// I/O and parameters): the GSDML then lists one module fixed in both slots.

import CYaml
import Fieldbus
import Foundation
import Yams

/// I&M0's software revision: a prefix ('V' released, 'R' revision, 'P' prototype, 'U' under test, 'T' test
/// device) and three numbers (functional enhancement, bug fix, internal change), written `V1.0.0`.
public struct PNSoftwareRevision: Sendable, Equatable, CustomStringConvertible {
    public var prefix: Character
    public var functional: UInt8
    public var bugFix: UInt8
    public var internalChange: UInt8

    public init(prefix: Character = "V", functional: UInt8, bugFix: UInt8, internalChange: UInt8) {
        self.prefix = prefix
        self.functional = functional
        self.bugFix = bugFix
        self.internalChange = internalChange
    }

    /// Parses `V1.2.3` (prefix one of VRPUT, each number 0 ... 255); nil otherwise.
    public init?(_ text: String) {
        guard let first = text.first, "VRPUT".contains(first) else { return nil }
        let parts = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt8(part) else { return nil }
            numbers.append(n)
        }
        self.init(prefix: first, functional: numbers[0], bugFix: numbers[1], internalChange: numbers[2])
    }

    /// `V1.2.3`.
    public var description: String { "\(prefix)\(functional).\(bugFix).\(internalChange)" }
}

/// The data type of a module parameter (one record holding one value).
public enum PNParameterType: String, Sendable, CaseIterable {
    case unsigned8, unsigned16, unsigned32, integer8, integer16, integer32

    /// The GSDML DataType name (`Unsigned16`).
    public var gsdmlName: String {
        switch self {
        case .unsigned8: "Unsigned8"
        case .unsigned16: "Unsigned16"
        case .unsigned32: "Unsigned32"
        case .integer8: "Integer8"
        case .integer16: "Integer16"
        case .integer32: "Integer32"
        }
    }

    /// Bytes of the value (and of the record).
    public var size: Int {
        switch self {
        case .unsigned8, .integer8: 1
        case .unsigned16, .integer16: 2
        case .unsigned32, .integer32: 4
        }
    }

    /// The values the type holds.
    public var range: ClosedRange<Int64> {
        switch self {
        case .unsigned8: 0...0xFF
        case .unsigned16: 0...0xFFFF
        case .unsigned32: 0...0xFFFF_FFFF
        case .integer8: -0x80...0x7F
        case .integer16: -0x8000...0x7FFF
        case .integer32: -0x8000_0000...0x7FFF_FFFF
        }
    }
}

/// A parameter record of a module's submodule: the controller writes it at connect (GSDML
/// ParameterRecordDataItem with one Ref at byte 0).
public struct PNParameterDescription: Sendable, Equatable {
    /// Record index, 0 ... 0x7FFF (the user-specific range).
    public var index: UInt16
    public var name: String
    public var type: PNParameterType
    public var defaultValue: Int64
    public var minimum: Int64
    public var maximum: Int64

    public init(index: UInt16, name: String, type: PNParameterType, defaultValue: Int64, minimum: Int64, maximum: Int64) {
        self.index = index
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
    }
}

/// A module plugged in a slot, with its one submodule (subslot 1).
public struct PNModuleDescription: Sendable, Equatable {
    public var slot: UInt16
    public var name: String
    /// The GSDML InfoText.
    public var info: String
    public var moduleIdent: UInt32
    public var submoduleIdent: UInt32
    /// Input bytes (device to controller) per cycle.
    public var inputLength: UInt16
    /// Output bytes (controller to device) per cycle.
    public var outputLength: UInt16
    public var parameters: [PNParameterDescription]

    public init(slot: UInt16, name: String, info: String? = nil, moduleIdent: UInt32, submoduleIdent: UInt32,
                inputLength: UInt16 = 0, outputLength: UInt16 = 0, parameters: [PNParameterDescription] = []) {
        self.slot = slot
        self.name = name
        self.info = info ?? name
        self.moduleIdent = moduleIdent
        self.submoduleIdent = submoduleIdent
        self.inputLength = inputLength
        self.outputLength = outputLength
        self.parameters = parameters
    }

    /// Whether `other` is the same kind of module (everything but the slot equal).
    public func isSameKind(as other: PNModuleDescription) -> Bool {
        var copy = other
        copy.slot = slot
        return copy == self
    }
}

/// The device access point (slot 0): its idents and the timing the interface supports.
public struct PNAccessPointDescription: Sendable, Equatable {
    public var moduleIdent: UInt32
    /// The DAP's own submodule (subslot 1).
    public var submoduleIdent: UInt32
    /// The interface submodule (subslot 0x8000).
    public var interfaceIdent: UInt32
    /// The port submodule (subslot 0x8001).
    public var portIdent: UInt32
    /// The shortest cycle the device supports, in 31.25 us units (GSDML MinDeviceInterval).
    public var minDeviceInterval: UInt16
    /// The send clock factor, in 31.25 us units (32: 1 ms).
    public var sendClock: UInt16
    /// The RT_CLASS_1 reduction ratios supported (powers of two, ascending).
    public var reductionRatios: [UInt16]

    /// All reduction ratios RT_CLASS_1 allows.
    public static let allReductionRatios: [UInt16] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    public init(moduleIdent: UInt32 = 0x0000_0001, submoduleIdent: UInt32 = 0x0000_0001, interfaceIdent: UInt32 = 0x0000_8000,
                portIdent: UInt32 = 0x0000_8001, minDeviceInterval: UInt16 = 32, sendClock: UInt16 = 32,
                reductionRatios: [UInt16] = PNAccessPointDescription.allReductionRatios) {
        self.moduleIdent = moduleIdent
        self.submoduleIdent = submoduleIdent
        self.interfaceIdent = interfaceIdent
        self.portIdent = portIdent
        self.minDeviceInterval = minDeviceInterval
        self.sendClock = sendClock
        self.reductionRatios = reductionRatios
    }
}

/// A device as the host tools know it: the identity, the texts of the GSDML and the real configuration.
public struct PNDeviceDescription: Sendable, Equatable {
    public var vendorID: UInt16
    public var vendorName: String
    public var deviceID: UInt16
    /// The device's (the DAP's) name in an engineering tool's catalogue.
    public var name: String
    /// The GSDML InfoText of the device and the DAP.
    public var info: String
    /// GSDML MainFamily (one of `PNDeviceFile.mainFamilies`).
    public var family: String
    /// GSDML ProductFamily.
    public var productFamily: String
    /// DCP's type of station (DeviceVendorValue).
    public var stationType: String
    /// The default name of station (GSDML DNS_CompatibleName).
    public var stationName: String
    /// I&M0 order ID (at most 20 ASCII characters).
    public var orderID: String
    /// I&M0 serial number (at most 16 ASCII characters).
    public var serialNumber: String
    public var hardwareRevision: UInt16
    public var softwareRevision: PNSoftwareRevision
    public var dap: PNAccessPointDescription
    /// The modules, by ascending slot.
    public var modules: [PNModuleDescription]

    public init(vendorID: UInt16, vendorName: String, deviceID: UInt16, name: String, info: String? = nil, family: String = "I/O",
                productFamily: String? = nil, stationType: String, stationName: String? = nil, orderID: String,
                serialNumber: String = "0001", hardwareRevision: UInt16 = 1,
                softwareRevision: PNSoftwareRevision = PNSoftwareRevision(functional: 1, bugFix: 0, internalChange: 0),
                dap: PNAccessPointDescription = PNAccessPointDescription(), modules: [PNModuleDescription] = []) {
        self.vendorID = vendorID
        self.vendorName = vendorName
        self.deviceID = deviceID
        self.name = name
        self.info = info ?? name
        self.family = family
        self.productFamily = productFamily ?? vendorName
        self.stationType = stationType
        self.stationName = stationName ?? stationType
        self.orderID = orderID
        self.serialNumber = serialNumber
        self.hardwareRevision = hardwareRevision
        self.softwareRevision = softwareRevision
        self.dap = dap
        self.modules = modules
    }

    /// The real configuration as submodules: the DAP (subslot 1), interface and port, then each module's
    /// submodule (subslot 1) by slot.
    public var submodules: [PNSubmoduleSlot] {
        var list = [
            PNSubmoduleSlot(slot: 0, subslot: 1, moduleIdent: dap.moduleIdent, submoduleIdent: dap.submoduleIdent),
            PNSubmoduleSlot(slot: 0, subslot: 0x8000, moduleIdent: dap.moduleIdent, submoduleIdent: dap.interfaceIdent),
            PNSubmoduleSlot(slot: 0, subslot: 0x8001, moduleIdent: dap.moduleIdent, submoduleIdent: dap.portIdent),
        ]
        for m in modules.sorted(by: { $0.slot < $1.slot }) {
            list.append(PNSubmoduleSlot(slot: m.slot, subslot: 1, moduleIdent: m.moduleIdent, submoduleIdent: m.submoduleIdent,
                                        inputLength: m.inputLength, outputLength: m.outputLength))
        }
        return list
    }

    /// The portable model a board runs: identity for DCP and I&M0 (strings cut to their records, characters
    /// outside printable ASCII as '?', which a checked file never has), the DAP and every module.
    public func model() throws(PNDeviceModelError) -> PNDeviceModel {
        var typeOfStation = PNFixedString<64>()
        var order = PNFixedString<20>()
        var serial = PNFixedString<16>()
        Array(stationType.utf8).withUnsafeBufferPointer { typeOfStation.set($0) }
        Array(orderID.utf8).withUnsafeBufferPointer { order.set($0) }
        Array(serialNumber.utf8).withUnsafeBufferPointer { serial.set($0) }
        let prefix = softwareRevision.prefix.asciiValue ?? UInt8(ascii: "V")
        let identification = PNIdentification(
            vendorID: vendorID, orderID: order, serialNumber: serial, hardwareRevision: hardwareRevision,
            softwareRevision: (prefix, softwareRevision.functional, softwareRevision.bugFix, softwareRevision.internalChange))
        var model = PNDeviceModel(vendorID: vendorID, deviceID: deviceID, typeOfStation: typeOfStation, identification: identification,
                                  dapModuleIdent: dap.moduleIdent, dapSubmoduleIdent: dap.submoduleIdent,
                                  interfaceIdent: dap.interfaceIdent, portIdent: dap.portIdent)
        for s in submodules where s.slot != 0 { try model.add(s) }
        return model
    }
}

/// Reads and checks device model files.
public enum PNDeviceFile {
    /// The largest device file read, in bytes (1 MiB).
    public static let sizeLimit = 1 << 20
    /// How deeply mappings and sequences may nest: a device file needs 5 (file, `modules`, a module, its
    /// `parameters`, a parameter). Checked on libyaml's events before Yams builds its (recursive) tree.
    public static let nestingLimit = 5
    /// Submodules the DAP takes in the model (its own, the interface, the port).
    static let dapSubmodules = 3
    /// Modules a file may declare: what `PNDeviceModel.capacity` leaves after the DAP.
    public static let moduleLimit = PNDeviceModel.capacity - dapSubmodules
    /// Parameter records one module may declare.
    public static let parameterLimit = 16
    /// The longest name or info text, in characters.
    public static let textLimit = 240
    /// I&M0's OrderID field.
    public static let orderIDLimit = 20
    /// I&M0's IM_Serial_Number field.
    public static let serialLimit = 16
    /// DCP's DeviceVendorValue may be 240 bytes; the model keeps 64.
    public static let stationTypeLimit = min(240, PNFixedString<64>().bytes.count)
    /// Name of station: 240 characters, labels of at most 63 (IEC 61158-6-10, DNS rules).
    public static let stationNameLimit = 240
    /// The largest slot number.
    public static let slotLimit: UInt16 = 0x7FFF
    /// GSDML's MainFamily values.
    public static let mainFamilies = ["General", "Drives", "Switching Devices", "I/O", "Valves", "Controllers", "HMI", "Encoders",
                                      "NC/RC", "Gateway", "PLCs", "Ident Systems", "PA Profiles", "Network Components", "Sensors"]

    /// The file name used in messages about the built-in device.
    public static let builtInPath = "<built-in>"

    /// The built-in device, used when no file is given: digital inputs, digital outputs and a 4/4-byte module.
    public static let defaultText = """
        # Orion RT's example IO device. 0xFEED is a placeholder: a product needs the vendor ID PI assigned to its maker.
        vendor: {id: 0xFEED, name: "Orion RT"}
        device: {id: 0x0002, name: "Orion IO device", family: "I/O", station-type: "orion-io", order-id: "ORION-IO-1",
                 serial: "0001", hardware-revision: 1, software-revision: V1.0.0}
        dap: {module-ident: 0x1, submodule-ident: 0x1, interface-ident: 0x8000, port-ident: 0x8001}
        modules:
          - {slot: 1, name: "8 digital inputs", module-ident: 0x30, submodule-ident: 0x130, input: 1}
          - {slot: 2, name: "8 digital outputs", module-ident: 0x31, submodule-ident: 0x131, output: 1}
          - {slot: 3, name: "In/out 4/4", module-ident: 0x32, submodule-ident: 0x132, input: 4, output: 4}

        """

    /// `defaultText`, checked (the tests parse it; it cannot fail).
    public static let defaultDevice: PNDeviceDescription = {
        do {
            return try parse(defaultText, path: builtInPath)
        } catch {
            fatalError("the built-in device file is wrong: \(error)")
        }
    }()

    /// The device in `path`, or the built-in one when `path` is nil.
    public static func load(path: String?) throws(PNInputError) -> PNDeviceDescription {
        guard let path else { return defaultDevice }
        return try load(path: path)
    }

    /// Reads `path` (a regular file of at most `sizeLimit` bytes) and checks it.
    public static func load(path: String) throws(PNInputError) -> PNDeviceDescription {
        try parse(bytes: try PNFiles.read(path, limit: sizeLimit, what: "a device file", tooLarge: tooLarge(path)), path: path)
    }

    /// Checks the bytes of a device file (`path` only names it in messages): UTF-8, at most `sizeLimit`.
    public static func parse(bytes: [UInt8], path: String) throws(PNInputError) -> PNDeviceDescription {
        if bytes.count > sizeLimit { throw tooLarge(path) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PNInputError(path: path, line: 1, message: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses and checks the YAML `text` of a device file named `path`: unknown and missing keys, numbers out
    /// of range, slots used twice or slot 0, strings too long for their record or outside printable ASCII,
    /// more modules than the model holds, frames longer than RT_CLASS_1 carries, nesting deeper than
    /// `nestingLimit`. Never traps on any input.
    // @implements SWR-PN-CONFIG-1
    public static func parse(_ text: String, path: String) throws(PNInputError) -> PNDeviceDescription {
        if text.utf8.count > sizeLimit { throw tooLarge(path) }
        if let line = firstLineTooDeep(text) {
            throw PNInputError(path: path, line: line, message: "nesting deeper than \(nestingLimit) levels (a device file needs no more)")
        }
        return try DeviceFileReader(path: path, text: text).read()
    }

    static func tooLarge(_ path: String) -> PNInputError {
        PNInputError(path: path, line: 1, message: "larger than \(sizeLimit) bytes (1 MiB), the limit for a device file")
    }

    /// The 1-based line where mappings and sequences first nest deeper than `nestingLimit`, or nil. Uses
    /// libyaml's event parser, which keeps explicit stacks (no recursion); on a syntax error it stops and
    /// lets Yams report it.
    static func firstLineTooDeep(_ text: String) -> Int? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
                    depth += 1
                    if depth > nestingLimit { return Int(event.start_mark.line) + 1 }
                case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                    depth -= 1
                case YAML_STREAM_END_EVENT, YAML_NO_EVENT:
                    return nil
                default:
                    break
                }
            }
        }
    }

    /// Why `name` cannot be a name of station (DNS label rules of IEC 61158-6-10), or nil when it can.
    public static func stationNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > stationNameLimit { return "is longer than \(stationNameLimit) characters" }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            if label.isEmpty { return "has an empty label (two dots, or a dot at an end)" }
            if label.utf8.count > 63 { return "has a label longer than 63 characters" }
            if !label.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) {
                return "may hold only lower-case letters a-z, digits, '-' and '.'"
            }
            if label.hasPrefix("-") || label.hasSuffix("-") { return "has a label starting or ending with '-'" }
        }
        let digitsOnly = { (s: Substring) in !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber } }
        if labels.count == 4 && labels.allSatisfy(digitsOnly) { return "has the form of an IP address" }
        // "port-xyz" and "port-xyz-abcde" (digits) name ports in LLDP, not stations.
        let first = labels[0].split(separator: "-", omittingEmptySubsequences: false)
        if first.first == "port" && (first.count == 2 || first.count == 3) && first.dropFirst().allSatisfy(digitsOnly)
            && first[1].count == 3 && (first.count == 2 || first[2].count == 5) {
            return "has the form port-xyz or port-xyz-abcde, which names a port"
        }
        return nil
    }
}

/// Walks the Yams tree of a device file, checking as it goes.
private struct DeviceFileReader {
    let path: String
    let text: String

    static let topKeys = ["vendor", "device", "dap", "modules"]
    static let vendorKeys = ["id", "name"]
    static let deviceKeys = ["id", "name", "info", "family", "product-family", "station-type", "station-name", "order-id", "serial",
                             "hardware-revision", "software-revision"]
    static let dapKeys = ["module-ident", "submodule-ident", "interface-ident", "port-ident", "min-device-interval", "send-clock",
                          "reduction-ratios"]
    static let moduleKeys = ["slot", "name", "info", "module-ident", "submodule-ident", "input", "output", "parameters"]
    static let parameterKeys = ["index", "name", "type", "default", "min", "max"]

    /// A mapping's entries by key, with the line of each key.
    struct Entries {
        var values: [String: (node: Node, line: Int)] = [:]
        /// The line of the mapping itself.
        var line: Int
        subscript(key: String) -> (node: Node, line: Int)? { values[key] }
    }

    func error(_ line: Int, _ message: String) -> PNInputError { PNInputError(path: path, line: line, message: message) }

    func line(of node: Node) -> Int { node.mark?.line ?? 1 }

    func compose() throws(PNInputError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let yaml as YamlError {
            throw describe(yaml)
        } catch {
            throw self.error(1, "malformed YAML: \(error)")
        }
        guard let root else { throw error(1, "empty device file (expected 'vendor' and 'device')") }
        return root
    }

    /// A Yams error as `line: malformed YAML: ...`.
    func describe(_ yaml: YamlError) -> PNInputError {
        switch yaml {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return error(mark.line, "malformed YAML: \(problem)")
        case let .reader(problem, offset, _, _):
            let line = offset.map { 1 + text.utf8.prefix($0).filter { $0 == UInt8(ascii: "\n") }.count } ?? 1
            return error(line, "malformed YAML: \(problem)")
        default:
            return error(1, "malformed YAML: \(yaml)")
        }
    }

    /// The entries of `node`, which must be a mapping whose keys are plain words from `allowed`, each once.
    func entries(_ node: Node, allowed: [String], what: String) throws(PNInputError) -> Entries {
        guard case .mapping(let mapping) = node else {
            throw error(line(of: node), "\(what) must be a mapping (keys: \(allowed.joined(separator: ", ")))")
        }
        var out = Entries(line: line(of: node))
        for (keyNode, value) in mapping {
            let at = line(of: keyNode)
            guard case .scalar(let scalar) = keyNode else { throw error(at, "keys of \(what) must be plain words") }
            if Resolver.default.resolveTag(of: keyNode) == .merge {
                throw error(at, "merge keys ('<<') are not supported in device files: write the keys out")
            }
            let key = scalar.string
            if let first = out.values[key] { throw error(at, "duplicate key '\(key)' in \(what) (first at line \(first.line))") }
            guard allowed.contains(key) else {
                throw error(at, "unknown key '\(key)' in \(what) (expected one of: \(allowed.joined(separator: ", ")))")
            }
            out.values[key] = (value, at)
        }
        return out
    }

    func required(_ key: String, _ entries: Entries, what: String) throws(PNInputError) -> (node: Node, line: Int) {
        guard let entry = entries[key] else { throw error(entries.line, "missing required key '\(key)' in \(what)") }
        return entry
    }

    /// The text of a scalar value.
    func scalarText(_ node: Node, _ key: String) throws(PNInputError) -> String {
        guard case .scalar(let scalar) = node else { throw error(line(of: node), "'\(key)' must be a single value, not a list or mapping") }
        return scalar.string
    }

    /// An unsigned integer at most `max`; `range` describes the allowed values in the message.
    func number(_ entry: (node: Node, line: Int), _ key: String, max: UInt64, min: UInt64 = 0, range: String? = nil) throws(PNInputError) -> UInt64 {
        let text = try scalarText(entry.node, key)
        let allowed = range ?? (max > 0xFFF ? "\(min) ... 0x\(String(max, radix: 16, uppercase: true))" : "\(min) ... \(max)")
        guard let value = PNText.unsigned(text) else {
            throw error(entry.line, "'\(key)' must be a whole number (decimal or 0x hex) from \(allowed), not '\(PNText.visible(text))'")
        }
        guard value >= min && value <= max else { throw error(entry.line, "'\(key)' is \(text), out of range (\(allowed))") }
        return value
    }

    /// A signed integer (parameter values).
    func signed(_ entry: (node: Node, line: Int), _ key: String) throws(PNInputError) -> Int64 {
        let text = try scalarText(entry.node, key).trimmingCharacters(in: .whitespaces)
        let negative = text.hasPrefix("-")
        guard let magnitude = PNText.unsigned(negative ? String(text.dropFirst()) : text), magnitude <= UInt64(Int64.max) else {
            throw error(entry.line, "'\(key)' must be a whole number, not '\(PNText.visible(text))'")
        }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// A name or text: not null or empty, no control characters, at most `PNDeviceFile.textLimit` characters.
    func name(_ entry: (node: Node, line: Int), _ key: String) throws(PNInputError) -> String {
        let text = try string(entry, key)
        if text.count > PNDeviceFile.textLimit {
            throw error(entry.line, "'\(key)' is \(text.count) characters long, more than \(PNDeviceFile.textLimit)")
        }
        if let bad = text.unicodeScalars.first(where: PNText.isForbidden) {
            throw error(entry.line, "'\(key)' contains a control character (U+\(String(format: "%04X", bad.value)))")
        }
        return text
    }

    /// A string for a record: printable ASCII (0x20 ... 0x7E), 1 ... `limit` bytes.
    func recordString(_ entry: (node: Node, line: Int), _ key: String, limit: Int, record: String) throws(PNInputError) -> String {
        let text = try string(entry, key)
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value > 0x7E }) {
            throw error(entry.line, "'\(key)' may hold only printable ASCII characters (\(record)), not U+\(String(format: "%04X", bad.value))")
        }
        if text.utf8.count > limit {
            throw error(entry.line, "'\(key)' is \(text.utf8.count) characters long; \(record) holds at most \(limit)")
        }
        return text
    }

    /// A non-empty string (a number or word written plainly is taken as its text).
    func string(_ entry: (node: Node, line: Int), _ key: String) throws(PNInputError) -> String {
        let text = try scalarText(entry.node, key)
        if case .scalar(let s) = entry.node, s.style == .plain, Resolver.default.resolveTag(of: entry.node) == .null {
            throw error(entry.line, "'\(key)' is empty")
        }
        if text.trimmingCharacters(in: .whitespaces).isEmpty { throw error(entry.line, "'\(key)' is empty") }
        return text
    }

    func read() throws(PNInputError) -> PNDeviceDescription {
        let root = try compose()
        guard case .mapping = root else {
            throw error(line(of: root), "a device file is a mapping with 'vendor', 'device' and 'modules'")
        }
        let top = try entries(root, allowed: Self.topKeys, what: "the device file")
        let vendorEntry = try required("vendor", top, what: "the device file")
        let vendor = try entries(vendorEntry.node, allowed: Self.vendorKeys, what: "'vendor'")
        let vendorID = UInt16(try number(try required("id", vendor, what: "'vendor'"), "id", max: 0xFFFF))
        let vendorName = try name(try required("name", vendor, what: "'vendor'"), "name")

        let device = try entries(try required("device", top, what: "the device file").node, allowed: Self.deviceKeys, what: "'device'")
        let deviceID = UInt16(try number(try required("id", device, what: "'device'"), "id", max: 0xFFFF))
        let deviceName = try name(try required("name", device, what: "'device'"), "name")
        let info = try device["info"].map { (e) throws(PNInputError) in try name(e, "info") }
        var family = "I/O"
        if let e = device["family"] {
            family = try string(e, "family")
            guard PNDeviceFile.mainFamilies.contains(family) else {
                throw error(e.line, "'family' must be a GSDML main family: \(PNDeviceFile.mainFamilies.joined(separator: ", ")); not '\(family)'")
            }
        }
        let productFamily = try device["product-family"].map { (e) throws(PNInputError) in try name(e, "product-family") }
        let stationTypeEntry = try required("station-type", device, what: "'device'")
        let stationType = try recordString(stationTypeEntry, "station-type", limit: PNDeviceFile.stationTypeLimit,
                                           record: "the device model's type of station")
        let stationName: String
        if let e = device["station-name"] {
            stationName = try string(e, "station-name")
            if let problem = PNDeviceFile.stationNameProblem(stationName) {
                throw error(e.line, "'station-name' '\(stationName)' \(problem)")
            }
        } else {
            if let problem = PNDeviceFile.stationNameProblem(stationType) {
                throw error(stationTypeEntry.line,
                            "'station-type' '\(stationType)' cannot be the default name of station (it \(problem)): add a 'station-name'")
            }
            stationName = stationType
        }
        let orderID = try recordString(try required("order-id", device, what: "'device'"), "order-id",
                                       limit: PNDeviceFile.orderIDLimit, record: "I&M0's order ID")
        let serial = try device["serial"].map { (e) throws(PNInputError) in
            try recordString(e, "serial", limit: PNDeviceFile.serialLimit, record: "I&M0's serial number")
        } ?? "0001"
        let hardware = try device["hardware-revision"].map { (e) throws(PNInputError) in UInt16(try number(e, "hardware-revision", max: 0xFFFF)) } ?? 1
        var software = PNSoftwareRevision(functional: 1, bugFix: 0, internalChange: 0)
        if let e = device["software-revision"] {
            let text = try string(e, "software-revision")
            guard let revision = PNSoftwareRevision(text) else {
                throw error(e.line, "'software-revision' must be a prefix V, R, P, U or T and three numbers 0 ... 255 (V1.0.0), not '\(text)'")
            }
            software = revision
        }

        let dap = try readDAP(top["dap"])
        var modules: [PNModuleDescription] = []
        var moduleLines: [Int] = []
        if let modulesEntry = top["modules"] {
            guard case .sequence(let list) = modulesEntry.node else {
                throw error(modulesEntry.line, "'modules' must be a list of modules (each entry starting with '- slot:')")
            }
            if list.count > PNDeviceFile.moduleLimit {
                throw error(modulesEntry.line, "\(list.count) modules, more than the \(PNDeviceFile.moduleLimit) the device model holds "
                            + "(\(PNDeviceModel.capacity) submodules, \(PNDeviceFile.dapSubmodules) of them the DAP's)")
            }
            for item in list {
                let (module, at) = try readModule(item)
                if let i = modules.firstIndex(where: { $0.slot == module.slot }) {
                    throw error(at, "slot \(module.slot) is already used by the module at line \(moduleLines[i])")
                }
                if module.moduleIdent == dap.moduleIdent {
                    throw error(at, "module-ident \(PNText.hex32(module.moduleIdent)) is the DAP's module ident")
                }
                if let i = modules.firstIndex(where: { $0.moduleIdent == module.moduleIdent }), !modules[i].isSameKind(as: module) {
                    throw error(at, "module-ident \(PNText.hex32(module.moduleIdent)) is also used at line \(moduleLines[i]) by a module with "
                                + "other contents (submodule, names, I/O or parameters): one ident, one kind of module")
                }
                modules.append(module)
                moduleLines.append(at)
            }
        }
        // The frames of the whole configuration, by slot.
        let order = modules.indices.sorted { modules[$0].slot < modules[$1].slot }
        var description = PNDeviceDescription(
            vendorID: vendorID, vendorName: vendorName, deviceID: deviceID, name: deviceName, info: info, family: family,
            productFamily: productFamily, stationType: stationType, stationName: stationName, orderID: orderID, serialNumber: serial,
            hardwareRevision: hardware, softwareRevision: software, dap: dap, modules: [])
        for i in order {
            description.modules.append(modules[i])
            let frames = PNFrame.lengths(of: description.submodules)
            for (which, length) in [("input", frames.input), ("output", frames.output)] where length > PNDeviceModel.maxFrameData {
                throw error(moduleLines[i], "with slot \(modules[i].slot) the \(which) frame would carry \(length) bytes (data, IOPS and "
                            + "IOCS of slots 0 ... \(modules[i].slot)), more than the \(PNDeviceModel.maxFrameData) of one RT frame")
            }
        }
        do {
            _ = try description.model()
        } catch {
            throw self.error(1, "the device model refuses this configuration: \(error)")
        }
        return description
    }

    func readDAP(_ entry: (node: Node, line: Int)?) throws(PNInputError) -> PNAccessPointDescription {
        var dap = PNAccessPointDescription()
        guard let entry else { return dap }
        let e = try entries(entry.node, allowed: Self.dapKeys, what: "'dap'")
        let ident = UInt64(UInt32.max)
        if let v = e["module-ident"] { dap.moduleIdent = UInt32(try number(v, "module-ident", max: ident)) }
        if let v = e["submodule-ident"] { dap.submoduleIdent = UInt32(try number(v, "submodule-ident", max: ident)) }
        if let v = e["interface-ident"] { dap.interfaceIdent = UInt32(try number(v, "interface-ident", max: ident)) }
        if let v = e["port-ident"] { dap.portIdent = UInt32(try number(v, "port-ident", max: ident)) }
        if let v = e["min-device-interval"] {
            dap.minDeviceInterval = UInt16(try number(v, "min-device-interval", max: 4096, min: 1, range: "1 ... 4096 (units of 31.25 us)"))
        }
        if let v = e["send-clock"] {
            dap.sendClock = UInt16(try number(v, "send-clock", max: 128, min: 1, range: "1 ... 128 (units of 31.25 us)"))
        }
        if let v = e["reduction-ratios"] {
            guard case .sequence(let list) = v.node, !list.isEmpty else {
                throw error(v.line, "'reduction-ratios' must be a non-empty list such as [1, 2, 4, 8]")
            }
            var ratios: [UInt16] = []
            for item in list {
                let at = line(of: item)
                let r = UInt16(try number((item, at), "reduction-ratios", max: 512, min: 1, range: "powers of two from 1 to 512"))
                guard PNAccessPointDescription.allReductionRatios.contains(r) else {
                    throw error(at, "reduction ratio \(r) is not a power of two from 1 to 512 (RT_CLASS_1)")
                }
                if ratios.contains(r) { throw error(at, "reduction ratio \(r) is listed twice") }
                ratios.append(r)
            }
            dap.reductionRatios = ratios.sorted()
        }
        let slowest = Int(dap.sendClock) * Int(dap.reductionRatios.last ?? 1)
        if slowest < Int(dap.minDeviceInterval) {
            throw error(e.line, "no cycle reaches min-device-interval \(dap.minDeviceInterval): the longest, send-clock \(dap.sendClock) "
                        + "x reduction ratio \(dap.reductionRatios.last ?? 1), is \(slowest)")
        }
        return dap
    }

    func readModule(_ node: Node) throws(PNInputError) -> (PNModuleDescription, Int) {
        let e = try entries(node, allowed: Self.moduleKeys, what: "a module")
        let what = "a module"
        let slot = UInt16(try number(try required("slot", e, what: what), "slot", max: UInt64(PNDeviceFile.slotLimit),
                                     range: "1 ... \(PNDeviceFile.slotLimit)"))
        let at = e.line
        if slot == 0 { throw error(e["slot"]?.line ?? at, "slot 0 is the DAP's (the device access point); modules go in slots 1 and up") }
        let name = try self.name(try required("name", e, what: what), "name")
        let info = try e["info"].map { (v) throws(PNInputError) in try self.name(v, "info") }
        let ident = UInt64(UInt32.max)
        let moduleIdent = UInt32(try number(try required("module-ident", e, what: what), "module-ident", max: ident))
        let submoduleIdent = UInt32(try number(try required("submodule-ident", e, what: what), "submodule-ident", max: ident))
        // One submodule's data plus its IOPS must fit a frame; the whole configuration is checked afterwards.
        let most = UInt64(PNDeviceModel.maxFrameData - 1)
        let input = try e["input"].map { (v) throws(PNInputError) in UInt16(try number(v, "input", max: most)) } ?? 0
        let output = try e["output"].map { (v) throws(PNInputError) in UInt16(try number(v, "output", max: most)) } ?? 0
        var parameters: [PNParameterDescription] = []
        if let p = e["parameters"] {
            guard case .sequence(let list) = p.node else {
                throw error(p.line, "'parameters' must be a list of records (each entry starting with '- index:')")
            }
            if list.count > PNDeviceFile.parameterLimit {
                throw error(p.line, "\(list.count) parameters, more than \(PNDeviceFile.parameterLimit) per module")
            }
            var lines: [UInt16: Int] = [:]
            for item in list {
                let parameter = try readParameter(item)
                if let first = lines[parameter.index] {
                    throw error(line(of: item), "record index \(parameter.index) is already used at line \(first)")
                }
                lines[parameter.index] = line(of: item)
                parameters.append(parameter)
            }
        }
        return (PNModuleDescription(slot: slot, name: name, info: info, moduleIdent: moduleIdent, submoduleIdent: submoduleIdent,
                                    inputLength: input, outputLength: output, parameters: parameters), at)
    }

    func readParameter(_ node: Node) throws(PNInputError) -> PNParameterDescription {
        let what = "a parameter"
        let e = try entries(node, allowed: Self.parameterKeys, what: what)
        let index = UInt16(try number(try required("index", e, what: what), "index", max: 0x7FFF, range: "0 ... 0x7FFF (user records)"))
        let name = try self.name(try required("name", e, what: what), "name")
        let typeEntry = try required("type", e, what: what)
        let typeName = try string(typeEntry, "type")
        guard let type = PNParameterType(rawValue: typeName) else {
            throw error(typeEntry.line, "'type' must be one of \(PNParameterType.allCases.map(\.rawValue).joined(separator: ", ")), not '\(typeName)'")
        }
        func value(_ key: String, _ fallback: Int64) throws(PNInputError) -> Int64 {
            guard let v = e[key] else { return fallback }
            let n = try signed(v, key)
            guard type.range.contains(n) else {
                throw error(v.line, "'\(key)' \(n) does not fit \(type.rawValue) (\(type.range.lowerBound) ... \(type.range.upperBound))")
            }
            return n
        }
        let minimum = try value("min", type.range.lowerBound)
        let maximum = try value("max", type.range.upperBound)
        if minimum > maximum { throw error(e["min"]?.line ?? e.line, "'min' \(minimum) is greater than 'max' \(maximum)") }
        let defaultValue = try value("default", Swift.min(Swift.max(minimum, 0), maximum))
        guard (minimum...maximum).contains(defaultValue) else {
            throw error(e["default"]?.line ?? e.line, "'default' \(defaultValue) is outside min ... max (\(minimum) ... \(maximum))")
        }
        return PNParameterDescription(index: index, name: name, type: type, defaultValue: defaultValue, minimum: minimum, maximum: maximum)
    }
}
