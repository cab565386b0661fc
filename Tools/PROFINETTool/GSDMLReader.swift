// Reading a vendor's GSDML (any V2.x): the identity, the device access points (module ident, the DAP's own and
// system submodules, timing), the modules with their submodules and cyclic data lengths, names resolved through
// the ExternalTextList; and from it the expected configuration a controller sends in its connect request.
// Problems are `file:line: message` (XMLParser reports lines); files are bounded in size, depth and elements.

import Fieldbus
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A submodule as a GSDML declares it (a VirtualSubmoduleItem, or a SubmoduleItem of the SubmoduleList).
public struct GSDMLSubmodule: Sendable, Equatable {
    public var id: String
    public var submoduleIdent: UInt32
    /// The API (0 unless the item names a profile's).
    public var api: UInt32
    public var name: String?
    /// FixedInSubslots, empty when the item gives none (then its position in the list gives the subslot).
    public var fixedSubslots: [UInt16]
    /// Input bytes per cycle (sum of the DataItems), nil when a DataItem's size is unknown (see `problem`).
    public var inputLength: Int?
    /// Output bytes per cycle, nil when a DataItem's size is unknown.
    public var outputLength: Int?
    /// Why a length is unknown.
    public var problem: String?
    /// Where the item starts.
    public var line: Int
}

/// The interface or a port of a DAP (SystemDefinedSubmoduleList).
public struct GSDMLSystemSubmodule: Sendable, Equatable {
    public enum Kind: String, Sendable { case interface, port }
    public var kind: Kind
    public var id: String
    public var subslot: UInt16
    public var submoduleIdent: UInt32
    public var line: Int
}

/// A module the DAP accepts (ModuleItemRef) and where.
public struct GSDMLModuleRef: Sendable, Equatable {
    /// The ModuleItem's ID.
    public var target: String
    public var allowedSlots: [UInt16]
    public var fixedSlots: [UInt16]
    public var usedSlots: [UInt16]
    public var line: Int
}

/// A submodule a module accepts (SubmoduleItemRef of UseableSubmodules).
public struct GSDMLSubmoduleRef: Sendable, Equatable {
    /// The SubmoduleItem's ID.
    public var target: String
    public var allowedSubslots: [UInt16]
    public var fixedSubslots: [UInt16]
    public var line: Int
}

/// A device access point (DeviceAccessPointItem).
public struct GSDMLAccessPoint: Sendable, Equatable {
    public var id: String
    public var moduleIdent: UInt32
    public var name: String?
    public var stationName: String?
    /// MinDeviceInterval in 31.25 us units.
    public var minDeviceInterval: Int?
    public var physicalSlots: [UInt16]
    /// The DAP's own slots (FixedInSlots, normally 0).
    public var fixedInSlots: [UInt16]
    public var maxInputLength: Int?
    public var maxOutputLength: Int?
    /// The DAP's own submodules (VirtualSubmoduleList).
    public var submodules: [GSDMLSubmodule]
    /// Interface and ports.
    public var systemSubmodules: [GSDMLSystemSubmodule]
    /// The interface's supported send clocks (31.25 us units); [32] when the file gives none.
    public var sendClocks: [Int]
    /// The interface's supported RT_CLASS_1 reduction ratios; 1 ... 512 (powers of two) when the file gives none.
    public var reductionRatios: [Int]
    public var useableModules: [GSDMLModuleRef]
    public var line: Int
}

/// A module (ModuleItem).
public struct GSDMLModule: Sendable, Equatable {
    public var id: String
    public var moduleIdent: UInt32
    public var name: String?
    public var info: String?
    public var submodules: [GSDMLSubmodule]
    public var useableSubmodules: [GSDMLSubmoduleRef]
    public var line: Int
}

/// A module placed in a slot of a configuration.
public struct GSDMLPlacement: Sendable, Equatable {
    public var slot: UInt16
    public var moduleID: String
    public var moduleIdent: UInt32
}

/// What a controller expects of the device: every submodule with its idents and lengths, and the frames.
public struct GSDMLConfiguration: Sendable, Equatable {
    /// The DAP's submodules (slot 0), then the modules' by slot and subslot.
    public var submodules: [PNSubmoduleSlot]
    /// The modules placed, by slot.
    public var placements: [GSDMLPlacement]
    /// Input data bytes per cycle (IOPS excluded).
    public var inputDataLength: Int
    /// Output data bytes per cycle (IOPS excluded).
    public var outputDataLength: Int
    /// The input frame's C_SDU: data, IOPS and IOCS.
    public var inputFrameLength: Int
    /// The output frame's C_SDU.
    public var outputFrameLength: Int
}

/// A GSDML file, read.
public struct GSDMLDevice: Sendable, Equatable {
    /// The file (as given).
    public var path: String
    public var vendorID: UInt16
    public var deviceID: UInt16
    public var vendorName: String?
    public var info: String?
    public var accessPoints: [GSDMLAccessPoint]
    public var modules: [GSDMLModule]
    /// The SubmoduleList (submodules modules refer to by UseableSubmodules).
    public var submoduleCatalog: [GSDMLSubmodule]
    /// The primary language's texts by TextId.
    public var texts: [String: String]

    /// The module with ID `name`, else the one whose ModuleIdentNumber is `name` (decimal or 0x hex).
    public func module(_ name: String) -> GSDMLModule? {
        if let m = modules.first(where: { $0.id == name }) { return m }
        guard let ident = PNText.unsigned(name), ident <= UInt64(UInt32.max) else { return nil }
        return modules.first { $0.moduleIdent == UInt32(ident) }
    }

    /// The expected configuration with access point `accessPoint` (its ID; nil: the first) and modules placed
    /// by `slots` (slot and module ID or ident) or, when nil, by default: every module fixed in slots there,
    /// then each other useable module, in the file's order, in the first free slot it is allowed in. Modules
    /// fixed in slots stay where `slots` does not name the slot. Checks each placement against the DAP
    /// (useable, physical and allowed slots), each length, and the frames against RT_CLASS_1's 1440 bytes.
    public func configuration(accessPoint: String? = nil, slots: [(slot: UInt16, moduleID: String)]? = nil) throws(PNInputError) -> GSDMLConfiguration {
        func failure(_ line: Int, _ message: String) -> PNInputError { PNInputError(path: path, line: line, message: message) }
        let chosen = accessPoint == nil ? accessPoints.first : accessPoints.first { $0.id == accessPoint }
        guard let dap = chosen else {
            throw failure(1, "no device access point '\(accessPoint ?? "")' (the file has: \(accessPoints.map(\.id).joined(separator: ", ")))")
        }
        var entries: [(slot: PNSubmoduleSlot, input: Int, output: Int)] = []
        func add(_ sub: GSDMLSubmodule, slot: UInt16, subslot: UInt16, moduleIdent: UInt32, owner: String) throws(PNInputError) {
            guard let input = sub.inputLength, let output = sub.outputLength else {
                throw failure(sub.line, "\(owner), submodule '\(sub.id)': \(sub.problem ?? "unknown data length")")
            }
            guard input < PNDeviceModel.maxFrameData, output < PNDeviceModel.maxFrameData else {
                throw failure(sub.line, "\(owner), submodule '\(sub.id)': \(max(input, output)) bytes of data do not fit an RT frame")
            }
            entries.append((PNSubmoduleSlot(api: sub.api, slot: slot, subslot: subslot, moduleIdent: moduleIdent, submoduleIdent: sub.submoduleIdent,
                                            inputLength: UInt16(input), outputLength: UInt16(output)), input, output))
        }
        let dapSlot = dap.fixedInSlots.first ?? 0
        for (i, sub) in dap.submodules.enumerated() {
            try add(sub, slot: dapSlot, subslot: sub.fixedSubslots.first ?? UInt16(i + 1), moduleIdent: dap.moduleIdent, owner: "DAP '\(dap.id)'")
        }
        for sys in dap.systemSubmodules {
            entries.append((PNSubmoduleSlot(slot: dapSlot, subslot: sys.subslot, moduleIdent: dap.moduleIdent, submoduleIdent: sys.submoduleIdent), 0, 0))
        }

        // Which module goes in which slot.
        var placed: [UInt16: GSDMLModuleRef] = [:]
        for ref in dap.useableModules { for slot in ref.fixedSlots { placed[slot] = ref } }
        let physical = Set(dap.physicalSlots).subtracting(dap.fixedInSlots)
        func allowed(_ ref: GSDMLModuleRef) -> Set<UInt16> {
            let named = Set(ref.allowedSlots + ref.fixedSlots + ref.usedSlots)
            return (named.isEmpty ? physical : named).intersection(physical)
        }
        if let slots {
            var given: Set<UInt16> = []
            for (slot, name) in slots {
                if dap.fixedInSlots.contains(slot) { throw failure(dap.line, "slot \(slot) is the DAP's") }
                guard given.insert(slot).inserted else { throw failure(dap.line, "slot \(slot) is given twice") }
                guard let module = module(name) else {
                    throw failure(dap.line, "slot \(slot): no module '\(name)' in the file (modules: \(modules.map(\.id).joined(separator: ", ")))")
                }
                guard let ref = dap.useableModules.first(where: { $0.target == module.id }) else {
                    throw failure(module.line, "slot \(slot): module '\(module.id)' is not useable with DAP '\(dap.id)'")
                }
                guard physical.contains(slot) else {
                    throw failure(dap.line, "slot \(slot) is not a physical slot of DAP '\(dap.id)' (\(GSDMLWriter.slotList(Array(physical))))")
                }
                guard allowed(ref).contains(slot) else {
                    throw failure(ref.line, "slot \(slot): module '\(module.id)' is allowed only in slots \(GSDMLWriter.slotList(Array(allowed(ref))))")
                }
                if let fixed = placed[slot], fixed.fixedSlots.contains(slot), fixed.target != ref.target {
                    throw failure(fixed.line, "slot \(slot) holds module '\(fixed.target)' fixed, not '\(module.id)'")
                }
                placed[slot] = ref
            }
        } else {
            for ref in dap.useableModules where ref.fixedSlots.isEmpty {
                if let slot = allowed(ref).sorted().first(where: { placed[$0] == nil }) { placed[slot] = ref }
            }
        }

        var placements: [GSDMLPlacement] = []
        for slot in placed.keys.sorted() {
            guard let ref = placed[slot] else { continue }
            guard let module = modules.first(where: { $0.id == ref.target }) else {
                throw failure(ref.line, "slot \(slot): the DAP refers to module '\(ref.target)', which the ModuleList lacks")
            }
            placements.append(GSDMLPlacement(slot: slot, moduleID: module.id, moduleIdent: module.moduleIdent))
            let owner = "slot \(slot), module '\(module.id)'"
            for (i, sub) in module.submodules.enumerated() {
                try add(sub, slot: slot, subslot: sub.fixedSubslots.first ?? UInt16(i + 1), moduleIdent: module.moduleIdent, owner: owner)
            }
            if module.submodules.isEmpty {
                for subRef in module.useableSubmodules {
                    guard let sub = submoduleCatalog.first(where: { $0.id == subRef.target }) else {
                        throw failure(subRef.line, "\(owner) refers to submodule '\(subRef.target)', which the SubmoduleList lacks")
                    }
                    for subslot in subRef.fixedSubslots {
                        try add(sub, slot: slot, subslot: subslot, moduleIdent: module.moduleIdent, owner: owner)
                    }
                }
            }
        }
        let submodules = entries.map(\.slot)
        let frames = PNFrame.lengths(of: submodules)
        for (which, length) in [("input", frames.input), ("output", frames.output)] where length > PNDeviceModel.maxFrameData {
            throw failure(dap.line, "the \(which) frame of this configuration would carry \(length) bytes (data, IOPS and IOCS), "
                          + "more than the \(PNDeviceModel.maxFrameData) of one RT frame")
        }
        return GSDMLConfiguration(submodules: submodules, placements: placements,
                                  inputDataLength: entries.reduce(0) { $0 + $1.input }, outputDataLength: entries.reduce(0) { $0 + $1.output },
                                  inputFrameLength: frames.input, outputFrameLength: frames.output)
    }
}

/// Reads GSDML files.
public enum GSDMLReader {
    /// The largest GSDML read (4 MiB; large modular devices' files are a few hundred KiB).
    public static let sizeLimit = 4 << 20
    /// How deeply elements may nest (GSDML needs about 12).
    public static let depthLimit = 64
    /// How many elements a file may have.
    public static let elementLimit = 500_000
    /// Slot and subslot numbers accepted in slot lists.
    static let slotListLimit = 0xFFFF

    /// The byte sizes of GSDML's fixed-size data types (IEC 61158-6-10 and the GSDML specification);
    /// OctetString, VisibleString and the like take their `Length` attribute instead.
    public static let dataTypeSizes: [String: Int] = [
        "Boolean": 1, "Integer8": 1, "Unsigned8": 1, "Unsigned8_S": 1,
        "Integer16": 2, "Unsigned16": 2, "Unsigned16_S": 2, "Integer16_S": 2, "N2": 2, "V2": 2, "L2": 2, "R2": 2, "T2": 2, "D2": 2,
        "E2": 2, "X2": 2, "Unipolar2.16": 2, "Unsigned8+Unsigned8": 2,
        "OctetString2+Unsigned8": 3,
        "Integer32": 4, "Unsigned32": 4, "Float32": 4, "N4": 4, "T4": 4, "C4": 4, "X4": 4,
        "TimeOfDay without date indication": 4, "TimeDifference without date indication": 4, "F_MessageTrailer4Byte": 4,
        "Float32+Unsigned8": 5, "Float32+Status8": 5, "F_MessageTrailer5Byte": 5,
        "TimeOfDay with date indication": 6, "TimeDifference with date indication": 6,
        "Date": 7,
        "Integer64": 8, "Unsigned64": 8, "Float64": 8, "NetworkTime": 8, "NetworkTimeDifference": 8,
    ]

    /// Reads `path` (a regular file of at most `sizeLimit` bytes).
    public static func load(path: String) throws(PNInputError) -> GSDMLDevice {
        try parse(bytes: try PNFiles.read(path, limit: sizeLimit, what: "a GSDML file", tooLarge: tooLarge(path)), path: path)
    }

    static func tooLarge(_ path: String) -> PNInputError {
        PNInputError(path: path, line: 1, message: "larger than \(sizeLimit) bytes (4 MiB), the limit for a GSDML file")
    }

    /// Reads the GSDML in `bytes` (`path` only names it in messages). Never traps on any input.
    public static func parse(bytes: [UInt8], path: String) throws(PNInputError) -> GSDMLDevice {
        if bytes.count > sizeLimit { throw tooLarge(path) }
        // A GSDML has no DTD; refusing one keeps entity expansion (and external entities) out entirely.
        for marker in ["<!DOCTYPE", "<!ENTITY"] {
            if let at = find(Array(marker.utf8), in: bytes) {
                let line = 1 + bytes[..<at].filter { $0 == UInt8(ascii: "\n") }.count
                throw PNInputError(path: path, line: line, message: "a document type declaration (\(marker)) has no place in a GSDML file")
            }
        }
        let root = try tree(try utf8(bytes, path: path), path: path)
        var interpreter = GSDMLInterpreter(path: path, root: root)
        return try interpreter.device()
    }

    /// `N=MODULE` (a slot and a module ID or ident, as a command line gives them), nil when malformed.
    public static func slotAssignment(_ text: String) -> (slot: UInt16, moduleID: String)? {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let slotText = text[..<eq].trimmingCharacters(in: .whitespaces)
        let module = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard let slot = PNText.unsigned(slotText), slot <= 0x7FFF, !module.isEmpty else { return nil }
        return (UInt16(slot), module)
    }

    /// `bytes` as UTF-8 for XMLParser: UTF-8 checked (Foundation's XMLParser traps on names that are not UTF-8,
    /// which libxml2's recovery can hand it), ISO-8859-1 (the other encoding GSDML files use) converted, the
    /// declaration then saying utf-8. Line numbers stay as they were.
    static func utf8(_ bytes: [UInt8], path: String) throws(PNInputError) -> [UInt8] {
        func failure(_ offset: Int, _ message: String) -> PNInputError {
            PNInputError(path: path, line: 1 + bytes[..<offset].filter { $0 == UInt8(ascii: "\n") }.count, message: message)
        }
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        if body.starts(with: [0xFE, 0xFF]) || body.starts(with: [0xFF, 0xFE]) || body.starts(with: [0x3C, 0x00]) || body.starts(with: [0x00, 0x3C]) {
            throw failure(0, "UTF-16 text: save the GSDML as UTF-8 or ISO-8859-1")
        }
        // The XML declaration's encoding, if any.
        var encoding = "utf-8"
        var declaration: Range<Int>?
        if body.starts(with: Array("<?xml".utf8)), let end = find(Array("?>".utf8), in: Array(body.prefix(512))) {
            let text = String(decoding: body[0..<end], as: UTF8.self)
            if let key = text.range(of: "encoding") {
                let rest = text[key.upperBound...].drop { $0 == " " || $0 == "=" }
                if let quote = rest.first, quote == "\"" || quote == "'" {
                    let value = rest.dropFirst().prefix { $0 != quote }
                    encoding = value.lowercased()
                    let start = text.utf8.distance(from: text.utf8.startIndex, to: value.startIndex)
                    declaration = start..<(start + value.utf8.count)
                }
            }
        }
        switch encoding {
        case "utf-8", "utf8":
            if let bad = firstInvalidUTF8(body) { throw failure(bad + (bytes.count - body.count), "not UTF-8 text, as the XML declaration says") }
            return body
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
            var out: [UInt8] = []
            out.reserveCapacity(body.count + body.count / 8)
            for (i, b) in body.enumerated() {
                if let d = declaration, i == d.lowerBound { out += Array("utf-8".utf8) }
                if let d = declaration, d.contains(i) { continue }
                if b < 0x80 {
                    out.append(b)
                } else {
                    out.append(0xC0 | (b >> 6))
                    out.append(0x80 | (b & 0x3F))
                }
            }
            return out
        default:
            throw failure(0, "encoding '\(encoding)' is not supported (GSDML files are UTF-8 or ISO-8859-1)")
        }
    }

    /// The offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode 15, Table 3-7), or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i
            }
            guard i + length <= bytes.count, (low...high).contains(bytes[i + 1]) else { return i }
            for k in 2..<length where !(0x80...0xBF).contains(bytes[i + k]) { return i }
            i += length
        }
        return nil
    }

    /// The first position of `needle` in `haystack`, ASCII letters compared without case.
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b + 0x20 : b }
        let first = lower(needle[0])
        var i = 0
        while i + needle.count <= haystack.count {
            if lower(haystack[i]) == first {
                var j = 1
                while j < needle.count && lower(haystack[i + j]) == lower(needle[j]) { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// The element tree of `bytes`, or XMLParser's complaint at its line.
    static func tree(_ bytes: [UInt8], path: String) throws(PNInputError) -> GSDMLElement {
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let builder = GSDMLTreeBuilder()
        parser.delegate = builder
        // libxml2 recovers from some errors and parse() then returns true: any reported error counts.
        let ok = parser.parse()
        if let failure = builder.failure { throw PNInputError(path: path, line: failure.line, message: failure.message) }
        guard ok, let root = builder.root, builder.stack.isEmpty else {
            if builder.root == nil && parser.parserError == nil {
                throw PNInputError(path: path, line: 1, message: "malformed XML: no root element (an empty file?)")
            }
            let code = (parser.parserError as NSError?)?.code ?? 0
            throw PNInputError(path: path, line: parser.lineNumber, message: "malformed XML: \(xmlProblem(code))")
        }
        return root
    }

    /// What libxml2's error `code` (its xmlParserErrors, which XMLParser passes on) means.
    static func xmlProblem(_ code: Int) -> String {
        switch code {
        case 4: "the document is empty"
        case 5: "content after the root element"
        case 9: "a character XML does not allow"
        case 23: "an entity reference without its ';'"
        case 26: "an entity that is not declared"
        case 31, 32: "an encoding the parser does not know"
        case 38: "'<' inside an attribute value"
        case 39, 40: "an attribute value not in quotes or not closed"
        case 41: "an attribute without a value"
        case 42, 203: "an attribute given twice"
        case 45: "a comment not closed"
        case 57: "the XML declaration is not closed"
        case 68: "a name missing"
        case 73: "'>' missing"
        case 76: "an end tag that does not match its start tag"
        case 77: "an element not closed before the end of the file"
        case 201: "a namespace prefix that is not declared"
        default: "libxml2 error \(code)"
        }
    }
}

/// An element of the parsed document: local name, attributes, children, line.
final class GSDMLElement {
    let name: String
    let attributes: [String: String]
    let line: Int
    var children: [GSDMLElement] = []

    init(name: String, attributes: [String: String], line: Int) {
        self.name = name
        self.attributes = attributes
        self.line = line
    }

    func child(_ name: String) -> GSDMLElement? { children.first { $0.name == name } }
    func children(_ name: String) -> [GSDMLElement] { children.filter { $0.name == name } }
    subscript(attribute: String) -> String? { attributes[attribute] }
}

/// Builds the element tree from XMLParser's events, within the depth and element limits.
final class GSDMLTreeBuilder: NSObject, XMLParserDelegate {
    var root: GSDMLElement?
    var stack: [GSDMLElement] = []
    var elements = 0
    var failure: (line: Int, message: String)?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                attributes attributeDict: [String: String] = [:]) {
        guard failure == nil else { return }
        elements += 1
        if stack.count >= GSDMLReader.depthLimit {
            failure = (parser.lineNumber, "elements nested deeper than \(GSDMLReader.depthLimit) levels")
        } else if elements > GSDMLReader.elementLimit {
            failure = (parser.lineNumber, "more than \(GSDMLReader.elementLimit) elements")
        } else if root != nil && stack.isEmpty {
            failure = (parser.lineNumber, "a second root element")
        }
        if failure != nil {
            parser.abortParsing()
            return
        }
        let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
        let element = GSDMLElement(name: local, attributes: attributeDict, line: parser.lineNumber)
        if let parent = stack.last { parent.children.append(element) } else { root = element }
        stack.append(element)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard failure == nil, !stack.isEmpty else { return }
        stack.removeLast()
    }

    /// The first error the parser reports, even one it then recovers from.
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        guard failure == nil else { return }
        failure = (parser.lineNumber, "malformed XML: \(GSDMLReader.xmlProblem((parseError as NSError).code))")
    }
}

/// Turns the element tree into a `GSDMLDevice`.
private struct GSDMLInterpreter {
    let path: String
    let root: GSDMLElement
    var texts: [String: String] = [:]

    init(path: String, root: GSDMLElement) {
        self.path = path
        self.root = root
    }

    func failure(_ line: Int, _ message: String) -> PNInputError { PNInputError(path: path, line: line, message: message) }

    /// An element's required child.
    func required(_ parent: GSDMLElement, _ name: String) throws(PNInputError) -> GSDMLElement {
        guard let child = parent.child(name) else { throw failure(parent.line, "\(parent.name) has no \(name)") }
        return child
    }

    /// A required numeric attribute no larger than `max`.
    func number(_ element: GSDMLElement, _ attribute: String, max: UInt64) throws(PNInputError) -> UInt64 {
        guard let text = element[attribute] else { throw failure(element.line, "\(element.name) has no \(attribute)") }
        guard let value = PNText.unsigned(text), value <= max else {
            throw failure(element.line, "\(element.name) \(attribute) '\(text)' is not a number from 0 to \(max)")
        }
        return value
    }

    /// An optional numeric attribute.
    func optionalNumber(_ element: GSDMLElement, _ attribute: String, max: UInt64) throws(PNInputError) -> UInt64? {
        element[attribute] == nil ? nil : try number(element, attribute, max: max)
    }

    /// A list of numbers and ranges (`0..4 7 9`), sorted without repeats.
    func numberList(_ element: GSDMLElement, _ attribute: String, max: Int = GSDMLReader.slotListLimit) throws(PNInputError) -> [Int] {
        guard let text = element[attribute] else { return [] }
        var values = Set<Int>()
        for part in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == ";" || $0 == "\n" || $0 == "\r" }) {
            let bounds = part.components(separatedBy: "..")
            guard (1...2).contains(bounds.count), let low = PNText.unsigned(bounds[0]), let high = PNText.unsigned(bounds.last ?? ""),
                  low <= high, high <= UInt64(max) else {
                throw failure(element.line, "\(element.name) \(attribute) '\(text)': '\(part)' is not a number or range within 0 ... \(max)")
            }
            for v in Int(low)...Int(high) { values.insert(v) }
        }
        return values.sorted()
    }

    func slots(_ element: GSDMLElement, _ attribute: String) throws(PNInputError) -> [UInt16] {
        try numberList(element, attribute).map { UInt16($0) }
    }

    /// The text of a `ModuleInfo/Name`-like element's TextId.
    func text(_ element: GSDMLElement?) -> String? {
        element?["TextId"].flatMap { texts[$0] }
    }

    mutating func device() throws(PNInputError) -> GSDMLDevice {
        guard root.name == "ISO15745Profile" else {
            throw failure(root.line, "not a GSDML file: the root element is \(root.name), not ISO15745Profile")
        }
        let body = try required(root, "ProfileBody")
        let process = try required(body, "ApplicationProcess")
        if let language = process.child("ExternalTextList")?.child("PrimaryLanguage") {
            for t in language.children("Text") {
                if let id = t["TextId"], let value = t["Value"] { texts[id] = value }
            }
        }
        let identity = try required(body, "DeviceIdentity")
        let vendorID = UInt16(try number(identity, "VendorID", max: 0xFFFF))
        let deviceID = UInt16(try number(identity, "DeviceID", max: 0xFFFF))
        let list = try required(process, "DeviceAccessPointList")
        var accessPoints: [GSDMLAccessPoint] = []
        for item in list.children("DeviceAccessPointItem") { accessPoints.append(try accessPoint(item)) }
        guard !accessPoints.isEmpty else { throw failure(list.line, "DeviceAccessPointList has no DeviceAccessPointItem") }
        var modules: [GSDMLModule] = []
        for item in process.child("ModuleList")?.children("ModuleItem") ?? [] {
            let m = try module(item)
            if let other = modules.first(where: { $0.id == m.id }) {
                throw failure(item.line, "ModuleItem ID '\(m.id)' is used twice (first at line \(other.line))")
            }
            modules.append(m)
        }
        var catalog: [GSDMLSubmodule] = []
        for item in process.child("SubmoduleList")?.children("SubmoduleItem") ?? [] { catalog.append(try submodule(item)) }
        return GSDMLDevice(path: path, vendorID: vendorID, deviceID: deviceID, vendorName: identity.child("VendorName")?["Value"],
                           info: text(identity.child("InfoText")), accessPoints: accessPoints, modules: modules,
                           submoduleCatalog: catalog, texts: texts)
    }

    func accessPoint(_ item: GSDMLElement) throws(PNInputError) -> GSDMLAccessPoint {
        let id = item["ID"] ?? ""
        var systemSubmodules: [GSDMLSystemSubmodule] = []
        var sendClocks = [32]
        var ratios = PNAccessPointDescription.allReductionRatios.map(Int.init)
        for sys in item.child("SystemDefinedSubmoduleList")?.children ?? [] {
            let kind: GSDMLSystemSubmodule.Kind
            switch sys.name {
            case "InterfaceSubmoduleItem": kind = .interface
            case "PortSubmoduleItem": kind = .port
            default: continue
            }
            systemSubmodules.append(GSDMLSystemSubmodule(
                kind: kind, id: sys["ID"] ?? "", subslot: UInt16(try number(sys, "SubslotNumber", max: 0xFFFF)),
                submoduleIdent: UInt32(try number(sys, "SubmoduleIdentNumber", max: UInt64(UInt32.max))), line: sys.line))
            if kind == .interface, let timing = sys.child("ApplicationRelations")?.child("TimingProperties") {
                if timing["SendClock"] != nil { sendClocks = try numberList(timing, "SendClock", max: 16384) }
                let named = try numberList(timing, "ReductionRatio", max: 16384) + numberList(timing, "ReductionRatioPow2", max: 16384)
                    + numberList(timing, "ReductionRatioNonPow2", max: 16384)
                if !named.isEmpty { ratios = Array(Set(named)).sorted() }
            }
        }
        var useable: [GSDMLModuleRef] = []
        for ref in item.child("UseableModules")?.children("ModuleItemRef") ?? [] {
            guard let target = ref["ModuleItemTarget"] else { throw failure(ref.line, "ModuleItemRef has no ModuleItemTarget") }
            useable.append(GSDMLModuleRef(target: target, allowedSlots: try slots(ref, "AllowedInSlots"), fixedSlots: try slots(ref, "FixedInSlots"),
                                          usedSlots: try slots(ref, "UsedInSlots"), line: ref.line))
        }
        let io = item.child("IOConfigData")
        return GSDMLAccessPoint(
            id: id, moduleIdent: UInt32(try number(item, "ModuleIdentNumber", max: UInt64(UInt32.max))),
            name: text(item.child("ModuleInfo")?.child("Name")), stationName: item["DNS_CompatibleName"],
            minDeviceInterval: try optionalNumber(item, "MinDeviceInterval", max: 0xFFFF).map(Int.init),
            physicalSlots: try slots(item, "PhysicalSlots"), fixedInSlots: try slots(item, "FixedInSlots"),
            maxInputLength: try io.flatMap { (e) throws(PNInputError) in try optionalNumber(e, "MaxInputLength", max: 0xFFFF) }.map(Int.init),
            maxOutputLength: try io.flatMap { (e) throws(PNInputError) in try optionalNumber(e, "MaxOutputLength", max: 0xFFFF) }.map(Int.init),
            submodules: try virtualSubmodules(item), systemSubmodules: systemSubmodules, sendClocks: sendClocks, reductionRatios: ratios,
            useableModules: useable, line: item.line)
    }

    func module(_ item: GSDMLElement) throws(PNInputError) -> GSDMLModule {
        var refs: [GSDMLSubmoduleRef] = []
        for ref in item.child("UseableSubmodules")?.children("SubmoduleItemRef") ?? [] {
            guard let target = ref["SubmoduleItemTarget"] else { throw failure(ref.line, "SubmoduleItemRef has no SubmoduleItemTarget") }
            refs.append(GSDMLSubmoduleRef(target: target, allowedSubslots: try slots(ref, "AllowedInSubslots"),
                                          fixedSubslots: try slots(ref, "FixedInSubslots"), line: ref.line))
        }
        let info = item.child("ModuleInfo")
        return GSDMLModule(id: item["ID"] ?? "", moduleIdent: UInt32(try number(item, "ModuleIdentNumber", max: UInt64(UInt32.max))),
                           name: text(info?.child("Name")), info: text(info?.child("InfoText")), submodules: try virtualSubmodules(item),
                           useableSubmodules: refs, line: item.line)
    }

    func virtualSubmodules(_ parent: GSDMLElement) throws(PNInputError) -> [GSDMLSubmodule] {
        var out: [GSDMLSubmodule] = []
        for item in parent.child("VirtualSubmoduleList")?.children("VirtualSubmoduleItem") ?? [] {
            // Subslots 1 ... 0x7FFF hold submodules (0x8000 and up are interfaces and ports).
            if out.count == 0x7FFF { throw failure(item.line, "more than 32767 submodules in \(parent.name) '\(parent["ID"] ?? "")'") }
            out.append(try submodule(item))
        }
        return out
    }

    func submodule(_ item: GSDMLElement) throws(PNInputError) -> GSDMLSubmodule {
        var problem: String?
        func length(_ direction: String) throws(PNInputError) -> Int? {
            guard let data = item.child("IOData")?.child(direction) else { return 0 }
            var total = 0
            for di in data.children("DataItem") {
                let type = di["DataType"] ?? ""
                if let size = try optionalNumber(di, "Length", max: 0xFFFF) {
                    total += Int(size)
                } else if let size = GSDMLReader.dataTypeSizes[type] {
                    total += size
                } else {
                    problem = problem ?? "\(direction) DataItem at line \(di.line) has DataType '\(type)' of unknown size and no Length"
                    return nil
                }
            }
            return total
        }
        return GSDMLSubmodule(
            id: item["ID"] ?? "", submoduleIdent: UInt32(try number(item, "SubmoduleIdentNumber", max: UInt64(UInt32.max))),
            api: UInt32(try optionalNumber(item, "API", max: UInt64(UInt32.max)) ?? 0), name: text(item.child("ModuleInfo")?.child("Name")),
            fixedSubslots: try slots(item, "FixedInSubslots"), inputLength: try length("Input"), outputLength: try length("Output"),
            problem: problem, line: item.line)
    }
}
