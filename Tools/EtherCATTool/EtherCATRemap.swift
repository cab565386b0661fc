// `--map` and `--assign` of `orion ecat run` and `states`: PDO remapping in PREOP, what SOEM's PO2SO hooks and
// KickCAT's `mapPDO` do in code and TwinCAT takes from an ENI file, given on the command line.
//
//     --map POSITION:PDO=INDEX:SUBINDEX:BITS[,INDEX:SUBINDEX:BITS...]    e.g. 0:0x1a00=0x6000:0:16,0x6001:0:16
//     --assign POSITION:OBJECT=PDO[,PDO...]                            e.g. 0:0x1c13=0x1a00
//
// Numbers are decimal or 0x-hex; an entry's INDEX 0 is a gap of BITS bits (SUBINDEX 0). A `--map` with no
// entries after `=` unmaps the PDO; an `--assign` with none empties the sync manager.

/// One `--map`: the slave, the PDO and its entries (object index << 16 | subindex << 8 | bit length).
public struct EtherCATMapArgument: Equatable, Sendable {
    public var position: Int
    public var pdo: UInt16
    public var entries: [UInt32]
    public init(position: Int, pdo: UInt16, entries: [UInt32]) {
        self.position = position
        self.pdo = pdo
        self.entries = entries
    }
}

/// One `--assign`: the slave, the assignment object (0x1C10 + the sync manager) and the PDOs.
public struct EtherCATAssignArgument: Equatable, Sendable {
    public var position: Int
    public var object: UInt16
    public var pdos: [UInt16]
    public init(position: Int, object: UInt16, pdos: [UInt16]) {
        self.position = position
        self.object = object
        self.pdos = pdos
    }
}

/// What is wrong with a `--map` or `--assign` value (exit 2).
public struct EtherCATRemapError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

public enum EtherCATRemap {
    /// The most characters of one value, and of positions (more slaves than a segment takes are refused).
    public static var maxLength: Int { 4096 }
    public static var maxPosition: Int { 65534 }

    /// Splits `POSITION:OBJECT=LIST` and checks the position and the object against `objects`.
    static func head(_ text: String, option: String, objects: [ClosedRange<UInt64>], what: String) throws(EtherCATRemapError)
        -> (Int, UInt16, [Substring]) {
        func bad(_ why: String) -> EtherCATRemapError { EtherCATRemapError(description: "\(option) '\(text.prefix(80))': \(why)") }
        guard text.utf8.count <= maxLength else { throw bad("longer than \(maxLength) characters") }
        guard let equals = text.firstIndex(of: "=") else { throw bad("expected POSITION:\(what)=...") }
        let left = text[..<equals].split(separator: ":", omittingEmptySubsequences: false)
        guard left.count == 2 else { throw bad("expected POSITION:\(what) before '='") }
        guard let position = EtherCATValues.parseNumber(String(left[0]), range: 0...UInt64(maxPosition)) else {
            throw bad("POSITION '\(left[0])' is not 0...\(maxPosition)")
        }
        guard let object = EtherCATValues.parseNumber(String(left[1]), range: 0...0xFFFF), objects.contains(where: { $0.contains(object) }) else {
            let ranges = objects.map { "0x\(String($0.lowerBound, radix: 16))-0x\(String($0.upperBound, radix: 16))" }.joined(separator: " or ")
            throw bad("\(what) '\(left[1])' is not in \(ranges)")
        }
        let rest = text[text.index(after: equals)...]
        let items = rest.isEmpty ? [] : rest.split(separator: ",", omittingEmptySubsequences: false)
        return (Int(position), UInt16(object), items)
    }

    /// A `--map` value.
    public static func parseMap(_ text: String) throws(EtherCATRemapError) -> EtherCATMapArgument {
        let (position, pdo, items) = try head(text, option: "--map", objects: [0x1600...0x17FF, 0x1A00...0x1BFF], what: "PDO")
        func bad(_ why: String) -> EtherCATRemapError { EtherCATRemapError(description: "--map '\(text.prefix(80))': \(why)") }
        guard items.count <= 254 else { throw bad("more than 254 entries") }
        var entries: [UInt32] = []
        for item in items {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3 else { throw bad("entry '\(item.prefix(40))' is not INDEX:SUBINDEX:BITS") }
            guard let index = EtherCATValues.parseNumber(String(parts[0]), range: 0...0xFFFF) else { throw bad("INDEX '\(parts[0].prefix(20))' is not 0...0xffff") }
            guard let sub = EtherCATValues.parseNumber(String(parts[1]), range: 0...0xFF) else { throw bad("SUBINDEX '\(parts[1].prefix(20))' is not 0...0xff") }
            guard let bits = EtherCATValues.parseNumber(String(parts[2]), range: 1...0xFF) else { throw bad("BITS '\(parts[2].prefix(20))' is not 1...255") }
            entries.append(UInt32(index) << 16 | UInt32(sub) << 8 | UInt32(bits))
        }
        return EtherCATMapArgument(position: position, pdo: pdo, entries: entries)
    }

    /// An `--assign` value: the PDOs must be outputs (0x16xx/0x17xx) for 0x1C12 and inputs (0x1Axx/0x1Bxx) for
    /// 0x1C13; other sync managers take either.
    public static func parseAssign(_ text: String) throws(EtherCATRemapError) -> EtherCATAssignArgument {
        let (position, object, items) = try head(text, option: "--assign", objects: [0x1C10...0x1C2F], what: "OBJECT")
        func bad(_ why: String) -> EtherCATRemapError { EtherCATRemapError(description: "--assign '\(text.prefix(80))': \(why)") }
        guard items.count <= 254 else { throw bad("more than 254 PDOs") }
        let allowed: [ClosedRange<UInt64>] = object == 0x1C12 ? [0x1600...0x17FF] : object == 0x1C13 ? [0x1A00...0x1BFF] : [0x1600...0x17FF, 0x1A00...0x1BFF]
        var pdos: [UInt16] = []
        for item in items {
            guard let pdo = EtherCATValues.parseNumber(String(item), range: 0...0xFFFF), allowed.contains(where: { $0.contains(pdo) }) else {
                throw bad("PDO '\(item.prefix(20))' is not \(object == 0x1C12 ? "an RxPDO (0x1600-0x17ff)" : object == 0x1C13 ? "a TxPDO (0x1a00-0x1bff)" : "a PDO (0x1600-0x17ff, 0x1a00-0x1bff)")")
            }
            pdos.append(UInt16(pdo))
        }
        return EtherCATAssignArgument(position: position, object: object, pdos: pdos)
    }
}
