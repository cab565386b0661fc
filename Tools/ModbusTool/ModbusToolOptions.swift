// What `orion modbus` reads from its command line, kept apart from the command so tests can check it:
// endpoints, mbpoll's table types and references, values to write.

/// A bad command-line value; `orion modbus` prints the message and exits 2.
public struct ModbusUsageError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// mbpoll's `-t` table types (the part before any `:FORMAT`).
public enum ModbusPollTable: String, CaseIterable, Sendable {
    /// 0: coils (discrete outputs), FC 1 to read, 5/15 to write.
    case coils = "0"
    /// 1: discrete inputs, FC 2, read-only.
    case discreteInputs = "1"
    /// 3: input registers, FC 4, read-only.
    case inputRegisters = "3"
    /// 4: holding registers, FC 3 to read, 6/16 to write.
    case holdingRegisters = "4"

    public var isBits: Bool { self == .coils || self == .discreteInputs }
    public var isWritable: Bool { self == .coils || self == .holdingRegisters }
    /// The largest count one request of this table may carry.
    public func maxCount(writing: Bool) -> Int {
        switch (isBits, writing) {
        case (true, false): return 2000
        case (true, true): return 1968
        case (false, false): return 125
        case (false, true): return 123
        }
    }
    public var name: String {
        switch self {
        case .coils: return "coils"
        case .discreteInputs: return "discrete inputs"
        case .inputRegisters: return "input registers"
        case .holdingRegisters: return "holding registers"
        }
    }
}

/// How registers are read and shown, mbpoll's `-t 4:FORMAT` (Debian's mbpoll 1.4.11 has these four).
public enum ModbusRegisterFormat: String, CaseIterable, Sendable {
    /// `-t 4`: one 16-bit register per value, unsigned decimal, the signed value after it when bit 15 is set.
    case decimal = ""
    /// `-t 4:hex`: one 16-bit register per value, `0x%04X`.
    case hex
    /// `-t 4:int`: a 32-bit signed integer in two registers.
    case int
    /// `-t 4:float`: a 32-bit IEEE 754 float in two registers, printed like C's `%g`.
    case float

    /// Registers one value takes.
    public var registersPerValue: Int { self == .int || self == .float ? 2 : 1 }
}

/// mbpoll's `-t` argument taken apart: the table and, for registers, the format.
public struct ModbusDataType: Equatable, Sendable {
    public var table: ModbusPollTable
    public var format: ModbusRegisterFormat
    public init(table: ModbusPollTable, format: ModbusRegisterFormat = .decimal) {
        self.table = table
        self.format = format
    }

    /// What `-t` accepts, for messages and `--help`.
    public static let accepted = "0 (coils), 1 (discrete inputs), 3 or 4 (input or holding registers), 3:hex, 3:int, 3:float, 4:hex, 4:int, 4:float"

    /// Parses `0`, `1`, `3`, `4`, `3:hex`, `4:int`, `4:float`, ... (the format case-insensitive, as mbpoll).
    /// A format on a bit table, or one this tool does not implement, is refused rather than ignored.
    public static func parse(_ text: String) throws(ModbusUsageError) -> ModbusDataType {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let table = ModbusPollTable(rawValue: String(parts[0])) else {
            throw ModbusUsageError("bad data type '\(text)' (\(accepted))")
        }
        guard parts.count == 2 else { return ModbusDataType(table: table) }
        guard !table.isBits else {
            throw ModbusUsageError("data type '\(text)': \(table.name) are bits; a format (:hex, :int, :float) applies to registers only (-t 3 or -t 4)")
        }
        guard !parts[1].isEmpty, let format = ModbusRegisterFormat(rawValue: parts[1].lowercased()) else {
            throw ModbusUsageError("bad data type '\(text)': unknown format '\(parts[1])' (\(accepted))")
        }
        return ModbusDataType(table: table, format: format)
    }

    /// The most values one request may carry (`writing`: a write request), counting 32-bit values as one.
    public func maxCount(writing: Bool) -> Int { table.maxCount(writing: writing) / format.registersPerValue }
}

/// The registers holding a 32-bit value `bits`, in the order they are sent: the low word first unless
/// `bigEndianWords` (mbpoll's default and its `-B`). Each register is big-endian on the wire as always.
public func modbusWords(_ bits: UInt32, bigEndianWords: Bool) -> [UInt16] {
    let high = UInt16(truncatingIfNeeded: bits >> 16), low = UInt16(truncatingIfNeeded: bits)
    return bigEndianWords ? [high, low] : [low, high]
}

/// The 32-bit value in the registers `first`, `second` (in address order): see `modbusWords`.
public func modbusValue32(_ first: UInt16, _ second: UInt16, bigEndianWords: Bool) -> UInt32 {
    bigEndianWords ? UInt32(first) << 16 | UInt32(second) : UInt32(second) << 16 | UInt32(first)
}

/// A TCP endpoint: `HOST[:PORT]` for a client, `[HOST]:PORT` for a server (empty host: all addresses).
public struct ModbusEndpoint: Equatable, Sendable {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `text`; `defaultPort` is used when there is no `:PORT` (nil: the port is required).
    /// IPv6 addresses go in brackets: `[::1]:1502`.
    public static func parse(_ text: String, defaultPort: Int?) throws(ModbusUsageError) -> ModbusEndpoint {
        var host = Substring(text), portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw ModbusUsageError("bad address '\(text)': missing ']'") }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if rest.hasPrefix(":") { portText = rest.dropFirst() } else if !rest.isEmpty {
                throw ModbusUsageError("bad address '\(text)'")
            }
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        let port: Int
        if let portText {
            guard let p = Int(portText), (0...65535).contains(p) else { throw ModbusUsageError("bad port in '\(text)' (0...65535)") }
            port = p
        } else if let defaultPort {
            port = defaultPort
        } else {
            throw ModbusUsageError("'\(text)' has no port (use [HOST]:PORT, e.g. :1502 or 127.0.0.1:1502)")
        }
        if defaultPort != nil && host.isEmpty { throw ModbusUsageError("'\(text)' has no host") }
        return ModbusEndpoint(host: String(host), port: port)
    }
}

/// Serial parity as `-P`/`--parity` spells it: none, even, odd (or N, E, O).
public func parseParity(_ text: String) throws(ModbusUsageError) -> Character {
    switch text.lowercased() {
    case "n", "none": return "N"
    case "e", "even": return "E"
    case "o", "odd": return "O"
    default: throw ModbusUsageError("bad parity '\(text)' (none, even or odd)")
    }
}

/// Baud rates termios offers.
public let modbusBaudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]

/// The zero-based protocol address of reference `reference` (mbpoll's `-r`: 1-based unless `-0`).
public func protocolAddress(reference: Int, zeroBased: Bool, count: Int) throws(ModbusUsageError) -> UInt16 {
    let address = zeroBased ? reference : reference - 1
    guard address >= 0 && address <= 65535 else {
        throw ModbusUsageError("reference \(reference) is outside \(zeroBased ? "0...65535" : "1...65536")")
    }
    guard address + count <= 65536 else { throw ModbusUsageError("reference \(reference) with count \(count) runs past address 65535") }
    return UInt16(address)
}

/// Values for `orion modbus write`: 0/1 for coils, 0...65535 (or -32768...-1, decimal or 0x hex) for 16-bit
/// registers; for `-t 4:int` -2147483648...2147483647 (or 0x hex up to 0xFFFFFFFF) and for `-t 4:float` a
/// finite number a 32-bit float holds, each as two registers in the order `bigEndianWords` says.
public func parseWriteValues(_ texts: [String], type: ModbusDataType, bigEndianWords: Bool = false) throws(ModbusUsageError) -> [UInt16] {
    let table = type.table
    guard !texts.isEmpty else { throw ModbusUsageError("nothing to write: give one or more values") }
    guard table.isWritable else { throw ModbusUsageError("table \(table.rawValue) (\(table.name)) is read-only") }
    guard texts.count <= type.maxCount(writing: true) else {
        let unit = type.format.registersPerValue == 2 ? "32-bit values (\(table.maxCount(writing: true)) registers)" : table.name
        throw ModbusUsageError("\(texts.count) values: one request writes at most \(type.maxCount(writing: true)) \(unit)")
    }
    var values = [UInt16]()
    for text in texts {
        if type.format == .float {
            guard let v = Double(text), v.isFinite, abs(v) <= Double(Float.greatestFiniteMagnitude) else {
                throw ModbusUsageError("bad value '\(text)' for -t \(table.rawValue):float (a finite number within ±3.4028235e38)")
            }
            values += modbusWords(Float(v).bitPattern, bigEndianWords: bigEndianWords)
            continue
        }
        let parsed: Int?
        if text.lowercased().hasPrefix("0x") { parsed = Int(text.dropFirst(2), radix: 16) } else { parsed = Int(text) }
        guard let v = parsed else { throw ModbusUsageError("bad value '\(text)'") }
        if table.isBits {
            guard v == 0 || v == 1 else { throw ModbusUsageError("bad coil value '\(text)' (0 or 1)") }
        } else if type.format == .int {
            guard (-2_147_483_648...4_294_967_295).contains(v), v <= Int(Int32.max) || text.lowercased().hasPrefix("0x") else {
                throw ModbusUsageError("value '\(text)' does not fit a 32-bit integer (-2147483648...2147483647, or 0x0...0xFFFFFFFF)")
            }
            values += modbusWords(UInt32(truncatingIfNeeded: v), bigEndianWords: bigEndianWords)
            continue
        } else {
            guard (-32768...65535).contains(v) else { throw ModbusUsageError("value '\(text)' does not fit a 16-bit register (-32768...65535)") }
        }
        values.append(UInt16(truncatingIfNeeded: v))
    }
    return values
}
