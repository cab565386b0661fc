// What `orion modbus` reads from its command line, kept apart from the command so tests can check it:
// endpoints, mbpoll's table types and references, values to write.

/// A bad command-line value; `orion modbus` prints the message and exits 2.
public struct ModbusUsageError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// mbpoll's `-t` table types.
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
    guard address >= 0 else { throw ModbusUsageError("reference \(reference) is below \(zeroBased ? 0 : 1)") }
    guard address + count <= 65536 else { throw ModbusUsageError("reference \(reference) with count \(count) runs past address 65535") }
    return UInt16(address)
}

/// Values for `orion modbus write`: 0/1 for coils, 0...65535 (or -32768...-1, decimal or 0x hex) for registers.
public func parseWriteValues(_ texts: [String], table: ModbusPollTable) throws(ModbusUsageError) -> [UInt16] {
    guard !texts.isEmpty else { throw ModbusUsageError("nothing to write: give one or more values") }
    guard table.isWritable else { throw ModbusUsageError("table \(table.rawValue) (\(table.name)) is read-only") }
    guard texts.count <= table.maxCount(writing: true) else {
        throw ModbusUsageError("\(texts.count) values: one request writes at most \(table.maxCount(writing: true)) \(table.name)")
    }
    var values = [UInt16]()
    for text in texts {
        let parsed: Int?
        if text.lowercased().hasPrefix("0x") { parsed = Int(text.dropFirst(2), radix: 16) } else { parsed = Int(text) }
        guard let v = parsed else { throw ModbusUsageError("bad value '\(text)'") }
        if table.isBits {
            guard v == 0 || v == 1 else { throw ModbusUsageError("bad coil value '\(text)' (0 or 1)") }
        } else {
            guard (-32768...65535).contains(v) else { throw ModbusUsageError("value '\(text)' does not fit a 16-bit register") }
        }
        values.append(UInt16(truncatingIfNeeded: v))
    }
    return values
}
