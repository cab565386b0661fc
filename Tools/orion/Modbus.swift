// `orion modbus`: a Modbus TCP or RTU server over the portable stack in Fieldbus/Modbus, and mbpoll-like
// read/write clients, on Linux sockets and termios serial lines. Exit 0 ok, 1 operational failure
// (timeout, exception reply, closed connection), 2 bad usage or input.

import ArgumentParser
import Fieldbus
import Foundation
import LinuxModbus
import ModbusTool
import OrionTool

struct ModbusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modbus",
        abstract: "Modbus TCP and RTU server and client on Linux, like mbpoll (docs/MODBUS.md).",
        subcommands: [ModbusServe.self, ModbusRead.self, ModbusWrite.self])
}

/// Set by SIGINT/SIGTERM; the serve loops poll it.
nonisolated(unsafe) var modbusStopRequested: sig_atomic_t = 0

func modbusUsage(_ message: String) -> Never { fail(OrionError(message, exitStatus: 2)) }
func modbusFailure(_ message: String) -> Never { fail(OrionError(message, exitStatus: 1)) }

/// `-P`/`--parity` and friends, checked.
func serialSettings(baud: Int, parity: String, stopBits: Int) -> (Int, Character, Int) {
    guard modbusBaudRates.contains(baud) else {
        modbusUsage("unsupported baud rate \(baud) (\(modbusBaudRates.map(String.init).joined(separator: ", ")))")
    }
    guard stopBits == 1 || stopBits == 2 else { modbusUsage("stop bits must be 1 or 2") }
    do {
        return (baud, try parseParity(parity), stopBits)
    } catch {
        modbusUsage(error.description)
    }
}

func openSerial(_ device: String, baud: Int, parity: Character, stopBits: Int) -> ModbusSerialLine {
    do {
        return try ModbusSerialLine(path: device, baud: baud, parity: parity, stopBits: stopBits)
    } catch {
        if case .system(_, let code) = error, code == ENOENT { modbusUsage(error.message) }
        modbusFailure(error.message)
    }
}

struct ModbusServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a data model over Modbus TCP or RTU until interrupted; counters are printed at exit.")

    @Option(name: .long, help: "Listen on [HOST]:PORT (e.g. :1502, 127.0.0.1:1502, [::1]:1502).")
    var tcp: String?
    @Option(name: .long, help: "Serve RTU on this serial device (tty or pty).")
    var rtu: String?
    @Option(name: .long, help: "RTU baud rate.") var baud: Int = 19200
    @Option(name: .long, help: "RTU parity: none, even, odd (N, E, O).") var parity: String = "E"
    @Option(name: .customLong("stop-bits"), help: "RTU stop bits: 1 or 2.") var stopBits: Int = 1
    @Option(name: .long, help: "Unit id (RTU address 1...247; over TCP every unit id is answered).") var id: Int = 1
    @Option(name: .long, help: "Number of coils, from address 0.") var coils: Int = 10000
    @Option(name: .customLong("discrete-inputs"), help: "Number of discrete inputs.") var discreteInputs: Int = 10000
    @Option(name: .customLong("holding-registers"), help: "Number of holding registers.") var holdingRegisters: Int = 10000
    @Option(name: .customLong("input-registers"), help: "Number of input registers.") var inputRegisters: Int = 10000
    @Option(name: .customLong("max-connections"), help: "TCP connections served at once.") var maxConnections: Int = 1000
    @Option(name: .long, help: "TCP event-loop threads (default: one per CPU); they share the data model under a lock.")
    var threads: Int?

    func run() throws {
        guard (tcp == nil) != (rtu == nil) else { modbusUsage("give one of --tcp [HOST]:PORT or --rtu DEVICE") }
        guard (1...247).contains(id) else { modbusUsage("--id must be 1...247") }
        for (name, n) in [("coils", coils), ("discrete-inputs", discreteInputs),
                          ("holding-registers", holdingRegisters), ("input-registers", inputRegisters)] {
            guard (0...65536).contains(n) else { modbusUsage("--\(name) must be 0...65536") }
        }
        let coilStore = UnsafeMutableBufferPointer<Bool>.allocate(capacity: coils)
        coilStore.initialize(repeating: false)
        let inputStore = UnsafeMutableBufferPointer<Bool>.allocate(capacity: discreteInputs)
        inputStore.initialize(repeating: false)
        let holdingStore = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: holdingRegisters)
        holdingStore.initialize(repeating: 0)
        let inputRegisterStore = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: inputRegisters)
        inputRegisterStore.initialize(repeating: 0)
        let table = ModbusDataTable(
            coils: ModbusBitBlock(values: coilStore), discreteInputs: ModbusBitBlock(values: inputStore),
            holdingRegisters: ModbusRegisterBlock(values: holdingStore),
            inputRegisters: ModbusRegisterBlock(values: inputRegisterStore))
        var server = ModbusServer(hooks: table, unitId: UInt8(id))

        signal(SIGINT) { _ in modbusStopRequested = 1 }
        signal(SIGTERM) { _ in modbusStopRequested = 1 }
        signal(SIGPIPE, SIG_IGN)
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)  // a parent may have left them blocked
        let response = UnsafeMutableRawBufferPointer.allocate(byteCount: ModbusLimits.maxTCPADU, alignment: 8)

        if let tcp {
            let endpoint: ModbusEndpoint
            do { endpoint = try ModbusEndpoint.parse(tcp, defaultPort: nil) } catch { modbusUsage(error.description) }
            let loops = threads ?? ProcessInfo.processInfo.activeProcessorCount
            if loops < 1 { modbusUsage("--threads must be at least 1") }
            let listener: ModbusTCPServer
            do {
                listener = try ModbusTCPServer(host: endpoint.host, port: endpoint.port, maxConnections: maxConnections)
            } catch {
                modbusFailure(error.message)
            }
            print("orion modbus: serving Modbus TCP on \(endpoint.host.isEmpty ? "*" : endpoint.host):\(listener.port)")
            fflush(nil)
            // The loops share one data model and its counters: one request is handled at a time.
            let model = NSLock()
            listener.run(threads: loops, shouldStop: { modbusStopRequested != 0 }) { request, reply in
                model.lock()
                defer { model.unlock() }
                return server.handleTCP(frame: request, into: reply)
            }
            let c = listener.counters
            print("connections \(c.connectionsAccepted) (refused \(c.connectionsRefused)), requests \(c.framesReceived), "
                  + "replies \(c.repliesSent), dropped streams \(c.badFrames)")
        } else if let rtu {
            let (b, p, s) = serialSettings(baud: baud, parity: parity, stopBits: stopBits)
            let line = openSerial(rtu, baud: b, parity: p, stopBits: s)
            print("orion modbus: serving Modbus RTU on \(rtu) at \(b) \(p)8\(s), unit \(id)")
            fflush(nil)
            while modbusStopRequested == 0 {
                let frame: [UInt8]?
                do {
                    frame = try line.receiveFrame(timeoutMilliseconds: 200)
                } catch .closed {
                    usleep(50_000)
                    continue
                } catch {
                    modbusFailure(error.message)
                }
                guard let frame, !frame.isEmpty else { continue }
                let n = frame.withUnsafeBytes { server.handleRTU(frame: $0, into: response) }
                if n > 0 {
                    do { try line.send(Array(UnsafeRawBufferPointer(rebasing: response[0..<n]))) } catch {
                        modbusFailure(error.message)
                    }
                }
            }
        }
        printServerCounters(server.counters)
        fflush(nil)
    }

    func printServerCounters(_ c: ModbusCounters) {
        print("bus messages \(c.busMessages), CRC errors \(c.busCommunicationErrors), exceptions \(c.busExceptionErrors), "
              + "server messages \(c.serverMessages), no response \(c.serverNoResponse), bad frames \(c.badFrames)")
    }
}

/// Options `read` and `write` share, named after mbpoll's.
struct ModbusClientOptions: ParsableArguments {
    @Option(name: .long, help: "Server at HOST[:PORT] (port 502 when left out).") var tcp: String?
    @Option(name: .long, help: "RTU server on this serial device.") var rtu: String?
    @Option(name: .customShort("b"), help: "RTU baud rate.") var baud: Int = 19200
    @Option(name: .customShort("P"), help: "RTU parity: none, even, odd.") var parity: String = "even"
    @Option(name: .customShort("s"), help: "RTU stop bits.") var stopBits: Int = 1
    @Option(name: .customShort("a"), help: "Unit id (RTU address), 1...247 (0: RTU broadcast, writes only; TCP 0...255).")
    var unit: Int = 1
    @Option(name: .customShort("t"), help: "Table: 0 coils, 1 discrete inputs, 3 input registers, 4 holding registers.")
    var table: String = "4"
    @Option(name: .customShort("r"), help: "Start reference (1-based unless -0).") var reference: Int = 1
    @Flag(name: .customShort("0"), help: "References are 0-based protocol addresses.") var zeroBased = false
    @Option(name: .long, help: "Reply timeout in seconds.") var timeout: Double = 1.0
    @Flag(name: .long, help: "Print JSON instead of mbpoll's table.") var json = false

    func pollTable() -> ModbusPollTable {
        guard let t = ModbusPollTable(rawValue: table.split(separator: ":").first.map(String.init) ?? table) else {
            modbusUsage("bad table type '\(table)' (0 coils, 1 discrete inputs, 3 input registers, 4 holding registers)")
        }
        return t
    }

    func connect() -> ModbusClientLink {
        guard (tcp == nil) != (rtu == nil) else { modbusUsage("give one of --tcp HOST[:PORT] or --rtu DEVICE") }
        guard timeout > 0 && timeout <= 3600 else { modbusUsage("--timeout must be above 0 and at most 3600 seconds") }
        let ms = Int(timeout * 1000)
        if let tcp {
            guard (0...255).contains(unit) else { modbusUsage("-a must be 0...255 over TCP") }
            let endpoint: ModbusEndpoint
            do { endpoint = try ModbusEndpoint.parse(tcp, defaultPort: 502) } catch { modbusUsage(error.description) }
            do {
                return .tcp(try ModbusTCPConnection(host: endpoint.host, port: endpoint.port, timeoutMilliseconds: ms), ms)
            } catch {
                modbusFailure(error.message)
            }
        }
        guard (0...247).contains(unit) else { modbusUsage("-a must be 0...247 over RTU") }
        let (b, p, s) = serialSettings(baud: baud, parity: parity, stopBits: stopBits)
        return .rtu(openSerial(rtu!, baud: b, parity: p, stopBits: s), ms)
    }

    func fail(_ message: String, exception: UInt8? = nil) -> Never {
        if json { print(ModbusOutput.jsonError(message, exception: exception), terminator: "") ; fflush(nil) }
        modbusFailure(message)
    }
}

/// A client's way to its server: one request out, the matching reply PDU back.
enum ModbusClientLink {
    case tcp(ModbusTCPConnection, Int)
    case rtu(ModbusSerialLine, Int)

    /// Sends `request` to `unit` and returns the reply PDU; nil for an RTU broadcast (no reply).
    func transact(_ request: ModbusRequest, unit: UInt8, transactionId: UInt16, options: ModbusClientOptions) -> [UInt8]? {
        var adu = [UInt8](repeating: 0, count: ModbusLimits.maxTCPADU)
        var pdu = [UInt8](repeating: 0, count: ModbusLimits.maxPDU)
        do {
            let pduLength = try pdu.withUnsafeMutableBytes { (b) throws -> Int in try request.encode(into: b) }
            let length: Int
            switch self {
            case .tcp:
                length = try adu.withUnsafeMutableBytes { (out) throws -> Int in
                    try pdu.withUnsafeBytes { (p) throws -> Int in
                        try ModbusTCP.encode(transactionId: transactionId, unitId: unit,
                                             pdu: UnsafeRawBufferPointer(rebasing: p[0..<pduLength]), into: out)
                    }
                }
            case .rtu:
                length = try adu.withUnsafeMutableBytes { (out) throws -> Int in
                    try pdu.withUnsafeBytes { (p) throws -> Int in
                        try ModbusRTU.encode(address: unit, pdu: UnsafeRawBufferPointer(rebasing: p[0..<pduLength]), into: out)
                    }
                }
            }
            adu.removeSubrange(length...)
        } catch {
            modbusUsage("cannot encode the request: \(error)")
        }
        do {
            switch self {
            case .tcp(let connection, let ms):
                try connection.send(adu)
                let deadline = Date().addingTimeInterval(Double(ms) / 1000)
                while true {
                    let left = Int(deadline.timeIntervalSinceNow * 1000)
                    if left <= 0 { throw ModbusIOError.timeout }
                    let reply = try connection.receiveFrame(timeoutMilliseconds: left)
                    let frame = try? reply.withUnsafeBytes { (r) throws(ModbusFrameError) in
                        let f = try ModbusTCP.decode(r)
                        return (f.transactionId, Array(f.pdu))
                    }
                    // A reply to an earlier, timed-out transaction is skipped.
                    if let frame, frame.0 == transactionId { return frame.1 }
                }
            case .rtu(let line, let ms):
                line.drain()
                try line.send(adu)
                if unit == ModbusRTU.broadcastAddress {
                    usleep(UInt32(line.gapMicroseconds))
                    return nil
                }
                let deadline = Date().addingTimeInterval(Double(ms) / 1000)
                while true {
                    let left = Int(deadline.timeIntervalSinceNow * 1000)
                    if left <= 0 { throw ModbusIOError.timeout }
                    guard let reply = try line.receiveFrame(timeoutMilliseconds: left) else { throw ModbusIOError.timeout }
                    let frame = try? reply.withUnsafeBytes { (r) throws(ModbusFrameError) in
                        let f = try ModbusRTU.decode(r)
                        return (f.address, Array(f.pdu))
                    }
                    if let frame, frame.0 == unit { return frame.1 }  // bad CRC or another address: keep waiting
                }
            }
        } catch let error as ModbusIOError {
            options.fail(error == .timeout ? "no reply within \(options.timeout) s" : error.message)
        } catch {
            options.fail("\(error)")
        }
    }
}

/// Names an exception reply for the user.
func exceptionText(_ code: UInt8) -> String {
    let name: String
    switch ModbusException(rawValue: code) {
    case .illegalFunction: name = "illegal function"
    case .illegalDataAddress: name = "illegal data address"
    case .illegalDataValue: name = "illegal data value"
    case .serverDeviceFailure: name = "server device failure"
    case .serverDeviceBusy: name = "server device busy"
    case .gatewayPathUnavailable: name = "gateway path unavailable"
    case .gatewayTargetFailedToRespond: name = "gateway target failed to respond"
    case nil: name = "unknown exception"
    }
    return "exception \(code) (\(name))"
}

/// Decodes a reply PDU with `body`, exiting 1 for an exception reply, a malformed reply or one `body`
/// does not accept (nil).
func decodeReply<T>(_ pdu: [UInt8], options: ModbusClientOptions, _ body: (ModbusResponse) -> T?) -> T {
    var exception: UInt8?
    var fault: ModbusFrameError?
    let value: T? = pdu.withUnsafeBytes { (p) -> T? in
        do {
            let response = try ModbusResponse.decode(p)
            if case .exception(_, let code) = response {
                exception = code
                return nil
            }
            return body(response)
        } catch {
            fault = error as? ModbusFrameError ?? .badLength
            return nil
        }
    }
    if let value { return value }
    if let exception { options.fail(exceptionText(exception), exception: exception) }
    if let fault { options.fail("malformed reply: \(fault)") }
    options.fail("unexpected reply (function \(pdu.first ?? 0))")
}

struct ModbusRead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read coils, discrete inputs or registers, printed like mbpoll (or as JSON).",
        usage: "orion modbus read (--tcp HOST[:PORT] | --rtu DEVICE [-b BAUD] [-P PARITY] [-s STOPBITS]) [-a UNIT] [-t TABLE] [-r REF] [-0] [-c COUNT] [-1 | -l MS] [-u] [--timeout S] [--json]")

    @OptionGroup var options: ModbusClientOptions
    @Option(name: .customShort("c"), help: "Number of values.") var count: Int = 1
    @Flag(name: .customShort("1"), help: "Poll once (otherwise every -l milliseconds until interrupted).") var once = false
    @Option(name: .customShort("l"), help: "Poll period in milliseconds.") var period: Int = 1000
    @Flag(name: .customShort("u"), help: "Print registers unsigned (default: signed, as mbpoll).") var unsigned = false

    func run() throws {
        let table = options.pollTable()
        guard (1...table.maxCount(writing: false)).contains(count) else {
            modbusUsage("-c must be 1...\(table.maxCount(writing: false)) for \(table.name)")
        }
        let address: UInt16
        do { address = try protocolAddress(reference: options.reference, zeroBased: options.zeroBased, count: count) } catch {
            modbusUsage(error.description)
        }
        if options.rtu != nil && options.unit == 0 { modbusUsage("a read cannot be broadcast (-a 0)") }
        let link = options.connect()
        let n = UInt16(count)
        let request: ModbusRequest
        switch table {
        case .coils: request = .readCoils(address: address, count: n)
        case .discreteInputs: request = .readDiscreteInputs(address: address, count: n)
        case .inputRegisters: request = .readInputRegisters(address: address, count: n)
        case .holdingRegisters: request = .readHoldingRegisters(address: address, count: n)
        }
        signal(SIGINT) { _ in modbusStopRequested = 1 }
        var transaction: UInt16 = 1
        while true {
            let pdu = link.transact(request, unit: UInt8(options.unit), transactionId: transaction, options: options)!
            transaction &+= 1
            let values: [UInt16] = decodeReply(pdu, options: options) { response in
                switch response {
                case .bits(_, let bytes) where bytes.count * 8 >= count:
                    return (0..<count).map { UInt16(bytes[$0 >> 3] >> UInt8($0 & 7) & 1) }
                case .registers(_, let bytes) where bytes.count == 2 * count:
                    return (0..<count).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
                default:
                    return nil
                }
            }
            if options.json {
                print(ModbusOutput.json(values, table: table, unit: options.unit, firstReference: options.reference,
                                        address: Int(address)), terminator: "")
            } else {
                print(ModbusOutput.table(values, table: table, firstReference: options.reference, unsigned: unsigned), terminator: "")
            }
            fflush(nil)
            if once || modbusStopRequested != 0 { return }
            usleep(UInt32(max(period, 1)) * 1000)
            if modbusStopRequested != 0 { return }
        }
    }
}

struct ModbusWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Write coils (-t 0) or holding registers (-t 4): one value with FC 5/6, several with FC 15/16.")

    @OptionGroup var options: ModbusClientOptions
    @Argument(parsing: .allUnrecognized, help: "Values: 0/1 for coils, -32768...65535 or 0x hex for registers.") var values: [String] = []

    func run() throws {
        let table = options.pollTable()
        let parsed: [UInt16]
        let address: UInt16
        do {
            parsed = try parseWriteValues(values, table: table)
            address = try protocolAddress(reference: options.reference, zeroBased: options.zeroBased, count: parsed.count)
        } catch {
            modbusUsage(error.description)
        }
        let link = options.connect()
        var payload = [UInt8]()
        if table.isBits {
            payload = [UInt8](repeating: 0, count: (parsed.count + 7) / 8)
            for (i, v) in parsed.enumerated() where v != 0 { payload[i >> 3] |= 1 << UInt8(i & 7) }
        } else {
            for v in parsed { payload += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        }
        let reply: [UInt8]? = payload.withUnsafeBytes { bytes in
            let request: ModbusRequest
            switch (table, parsed.count) {
            case (.coils, 1): request = .writeSingleCoil(address: address, value: parsed[0] != 0 ? 0xFF00 : 0)
            case (.coils, _): request = .writeMultipleCoils(address: address, count: UInt16(parsed.count), bits: bytes)
            case (_, 1): request = .writeSingleRegister(address: address, value: parsed[0])
            default: request = .writeMultipleRegisters(address: address, count: UInt16(parsed.count), values: bytes)
            }
            return link.transact(request, unit: UInt8(options.unit), transactionId: 1, options: options)
        }
        if let reply {
            let _: Bool = decodeReply(reply, options: options) { response in
                switch response {
                case .writeSingle, .writeMultiple: return true
                default: return nil
                }
            }
        }
        if options.json {
            print("{\"written\":\(parsed.count),\"table\":\"\(table.name)\",\"reference\":\(options.reference)}")
        } else {
            print("Written \(parsed.count) references.")
        }
    }
}
