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
        abstract: "Serve a data model over Modbus TCP or RTU until interrupted; counters are printed at exit.",
        usage: "orion modbus serve (--tcp [HOST]:PORT [--max-connections N] [--idle-timeout S] [--threads N] | --rtu DEVICE [--baud BAUD] [--parity P] [--stop-bits N] [--id UNIT]) [--coils N] [--discrete-inputs N] [--holding-registers N] [--input-registers N]")

    @Option(name: .long, help: "Listen on [HOST]:PORT (PORT 0...65535, 0: any free port; e.g. :1502, 127.0.0.1:1502, [::1]:1502).")
    var tcp: String?
    @Option(name: .long, help: "Serve RTU on this serial device (tty or pty).")
    var rtu: String?
    @Option(name: .long, parsing: .unconditional,
            help: "RTU baud rate: \(modbusBaudRates.map(String.init).joined(separator: ", ")).") var baud: Int = 19200
    @Option(name: .long, help: "RTU parity: none, even, odd (N, E, O).") var parity: String = "E"
    @Option(name: .customLong("stop-bits"), parsing: .unconditional, help: "RTU stop bits: 1 or 2.") var stopBits: Int = 1
    @Option(name: .long, parsing: .unconditional, help: "Unit id, RTU address 1...247 (over TCP every unit id is answered).")
    var id: Int = 1
    @Option(name: .long, parsing: .unconditional, help: "Number of coils from address 0: 0...65536.") var coils: Int = 10000
    @Option(name: .customLong("discrete-inputs"), parsing: .unconditional, help: "Number of discrete inputs: 0...65536.")
    var discreteInputs: Int = 10000
    @Option(name: .customLong("holding-registers"), parsing: .unconditional, help: "Number of holding registers: 0...65536.")
    var holdingRegisters: Int = 10000
    @Option(name: .customLong("input-registers"), parsing: .unconditional, help: "Number of input registers: 0...65536.")
    var inputRegisters: Int = 10000
    @Option(name: .customLong("max-connections"), parsing: .unconditional,
            help: "TCP connections served at once, over all threads: \(ModbusTCPServer.connectionRange.lowerBound)...\(ModbusTCPServer.connectionRange.upperBound). At the cap the longest-idle connection is closed to admit a new one.")
    var maxConnections: Int = 1000
    @Option(name: .customLong("idle-timeout"), parsing: .unconditional,
            help: "Close a TCP connection after this many seconds without a byte in or out: 0.1...86400.")
    var idleTimeout: Double = 60
    @Option(name: .long, parsing: .unconditional,
            help: "TCP event-loop threads: \(ModbusTCPServer.threadRange.lowerBound)...\(ModbusTCPServer.threadRange.upperBound) (default: one per CPU, at most \(ModbusTCPServer.threadRange.upperBound)); they share the data model under a lock.")
    var threads: Int?

    func run() throws {
        guard (tcp == nil) != (rtu == nil) else { modbusUsage("give one of --tcp [HOST]:PORT or --rtu DEVICE") }
        guard (1...247).contains(id) else { modbusUsage("--id must be 1...247 (got \(id))") }
        for (name, n) in [("coils", coils), ("discrete-inputs", discreteInputs),
                          ("holding-registers", holdingRegisters), ("input-registers", inputRegisters)] {
            guard (0...65536).contains(n) else { modbusUsage("--\(name) must be 0...65536 (got \(n))") }
        }
        let connectionRange = ModbusTCPServer.connectionRange, threadRange = ModbusTCPServer.threadRange
        guard connectionRange.contains(maxConnections) else {
            modbusUsage("--max-connections must be \(connectionRange.lowerBound)...\(connectionRange.upperBound) (got \(maxConnections))")
        }
        guard idleTimeout >= 0.1 && idleTimeout <= 86400 else {
            modbusUsage("--idle-timeout must be 0.1...86400 seconds (got \(idleTimeout))")
        }
        if let threads, !threadRange.contains(threads) {
            modbusUsage("--threads must be \(threadRange.lowerBound)...\(threadRange.upperBound) (got \(threads))")
        }
        if rtu != nil { _ = serialSettings(baud: baud, parity: parity, stopBits: stopBits) }
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
            let loops = threads ?? min(ProcessInfo.processInfo.activeProcessorCount, threadRange.upperBound)
            reserveDescriptors(maxConnections)
            let listener: ModbusTCPServer
            do {
                listener = try ModbusTCPServer(host: endpoint.host, port: endpoint.port, maxConnections: maxConnections,
                                               idleTimeoutMilliseconds: Int(idleTimeout * 1000))
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
            print("connections \(c.connectionsAccepted) (refused \(c.connectionsRefused), evicted \(c.connectionsEvicted), "
                  + "timed out \(c.connectionsTimedOut)), requests \(c.framesReceived), replies \(c.repliesSent), "
                  + "dropped streams \(c.badFrames)")
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

    /// Raises the soft limit on open files to what `connections` need (plus the listener, standard streams
    /// and connections evicted but not yet closed), or refuses when the hard limit is lower.
    func reserveDescriptors(_ connections: Int) {
        let needed = rlim_t(2 * connections + 32)
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        if limit.rlim_cur >= needed { return }
        guard limit.rlim_max >= needed else {
            modbusUsage("--max-connections \(connections) needs up to \(needed) open files, this process may open \(limit.rlim_max) (ulimit -Hn): give at most \((Int(limit.rlim_max) - 32) / 2)")
        }
        limit.rlim_cur = needed
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }

    func printServerCounters(_ c: ModbusCounters) {
        print("bus messages \(c.busMessages), CRC errors \(c.busCommunicationErrors), exceptions \(c.busExceptionErrors), "
              + "server messages \(c.serverMessages), no response \(c.serverNoResponse), bad frames \(c.badFrames)")
    }
}

/// Options `read` and `write` share, named after mbpoll's. Numeric options take their value unconditionally,
/// so a negative number reaches the range check instead of being read as an option (`-r -1`).
struct ModbusClientOptions: ParsableArguments {
    @Option(name: .long, help: "Server at HOST[:PORT] (port 0...65535, 502 when left out).") var tcp: String?
    @Option(name: .long, help: "RTU server on this serial device.") var rtu: String?
    @Option(name: .customShort("b"), parsing: .unconditional,
            help: "RTU baud rate: \(modbusBaudRates.map(String.init).joined(separator: ", ")).") var baud: Int = 19200
    @Option(name: .customShort("P"), help: "RTU parity: none, even, odd.") var parity: String = "even"
    @Option(name: .customShort("s"), parsing: .unconditional, help: "RTU stop bits: 1 or 2.") var stopBits: Int = 1
    @Option(name: .customShort("a"), parsing: .unconditional,
            help: "Unit id: 0...255 over TCP; RTU address 1...247 (0: RTU broadcast, writes only).")
    var unit: Int = 1
    @Option(name: .customShort("t"), help: "Data type: \(ModbusDataType.accepted) (as mbpoll).")
    var table: String = "4"
    @Option(name: .customShort("r"), parsing: .unconditional,
            help: "Start reference: 1...65536 (0...65535 with -0).") var reference: Int = 1
    @Flag(name: .customShort("0"), help: "References are 0-based protocol addresses.") var zeroBased = false
    @Flag(name: .customShort("B"), help: "Big-endian word order for :int and :float (high word first; default low word first, as mbpoll).")
    var bigEndianWords = false
    @Option(name: .long, parsing: .unconditional, help: "Reply timeout in seconds: 0.01...3600.") var timeout: Double = 1.0
    @Flag(name: .long, help: "Print JSON instead of mbpoll's table.") var json = false

    func dataType() -> ModbusDataType {
        do { return try ModbusDataType.parse(table) } catch { modbusUsage(error.description) }
    }

    /// Checks the options every request needs (before anything is opened).
    func validate(writing: Bool) {
        guard (tcp == nil) != (rtu == nil) else { modbusUsage("give one of --tcp HOST[:PORT] or --rtu DEVICE") }
        guard timeout >= 0.01 && timeout <= 3600 else { modbusUsage("--timeout must be 0.01...3600 seconds (got \(timeout))") }
        if tcp != nil {
            guard (0...255).contains(unit) else { modbusUsage("-a must be 0...255 over TCP (got \(unit))") }
        } else {
            guard (0...247).contains(unit) else { modbusUsage("-a must be 1...247 over RTU, or 0 to broadcast a write (got \(unit))") }
            if unit == 0 && !writing { modbusUsage("a read cannot be broadcast (-a 0)") }
            _ = serialSettings(baud: baud, parity: parity, stopBits: stopBits)
        }
    }

    func connect() -> ModbusClientSession {
        let ms = Int(timeout * 1000)
        if let tcp {
            let endpoint: ModbusEndpoint
            do { endpoint = try ModbusEndpoint.parse(tcp, defaultPort: 502) } catch { modbusUsage(error.description) }
            do {
                let connection = try ModbusTCPConnection(host: endpoint.host, port: endpoint.port, timeoutMilliseconds: ms)
                return ModbusClientSession(.tcp(connection), timeoutMilliseconds: ms, options: self)
            } catch {
                modbusFailure(error.message)
            }
        }
        let (b, p, s) = serialSettings(baud: baud, parity: parity, stopBits: stopBits)
        return ModbusClientSession(.rtu(openSerial(rtu!, baud: b, parity: p, stopBits: s)), timeoutMilliseconds: ms, options: self)
    }

    func fail(_ message: String, exception: UInt8? = nil) -> Never {
        if json { print(ModbusOutput.jsonError(message, exception: exception), terminator: "") ; fflush(nil) }
        modbusFailure(message)
    }
}

/// A client's way to its server: the portable `ModbusClient` (which builds the request and matches the
/// reply by transaction id, unit id and function) over a TCP connection or a serial line.
final class ModbusClientSession {
    enum Link {
        case tcp(ModbusTCPConnection)
        case rtu(ModbusSerialLine)
    }

    let link: Link
    let timeoutMilliseconds: Int
    let options: ModbusClientOptions
    var client: ModbusClient
    /// Frames set aside while waiting, by reason, for the message when no reply comes.
    var dropped: [String: Int] = [:]

    init(_ link: Link, timeoutMilliseconds: Int, options: ModbusClientOptions) {
        self.link = link
        self.timeoutMilliseconds = timeoutMilliseconds
        self.options = options
        if case .tcp = link { client = ModbusClient(framing: .tcp) } else { client = ModbusClient(framing: .rtu) }
        client.timeoutNs = UInt64(timeoutMilliseconds) * 1_000_000
    }

    /// Sends `request` to `unit` and returns the reply (its PDU bytes, already matched to the request and
    /// checked by `ModbusClient`); nil for an RTU broadcast, which has no reply. Frames from another unit or
    /// transaction, or damaged ones, are counted and skipped; no reply in time, a malformed reply or one that
    /// does not answer the request fails (exit 1).
    func transact(_ request: ModbusRequest, unit: UInt8) -> [UInt8]? {
        var adu = [UInt8](repeating: 0, count: ModbusLimits.maxTCPADU)
        let now = DispatchTime.now().uptimeNanoseconds
        do {
            let length = try adu.withUnsafeMutableBytes { (out) throws -> Int in
                try client.send(request, unitId: unit, into: out, nowNs: now)
            }
            adu.removeSubrange(length...)
        } catch {
            modbusUsage((error as? ModbusClientError)?.message ?? "cannot encode the request")
        }
        let deadline = now + UInt64(timeoutMilliseconds) * 1_000_000
        do {
            switch link {
            case .tcp(let connection):
                try connection.send(adu)
            case .rtu(let line):
                line.drain()
                try line.send(adu)
                if unit == ModbusRTU.broadcastAddress {
                    usleep(UInt32(line.gapMicroseconds))
                    return nil
                }
            }
            while true {
                let nowNs = DispatchTime.now().uptimeNanoseconds
                if nowNs >= deadline { throw ModbusIOError.timeout }
                let left = Int((deadline - nowNs + 999_999) / 1_000_000)
                let frame: [UInt8]
                switch link {
                case .tcp(let connection):
                    frame = try connection.receiveFrame(timeoutMilliseconds: left)
                case .rtu(let line):
                    guard let f = try line.receiveFrame(timeoutMilliseconds: left) else { throw ModbusIOError.timeout }
                    frame = f
                }
                if let reply = try match(frame) { return reply }
            }
        } catch let error as ModbusIOError {
            client.cancel()
            if error == .timeout {
                let seen = dropped.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }
                options.fail("no reply within \(options.timeout) s" + (seen.isEmpty ? "" : "; set aside: " + seen.joined(separator: ", ")))
            }
            options.fail(error.message)
        } catch let error as ModbusClientError {
            options.fail(error.message)
        } catch {
            options.fail("\(error)")
        }
    }

    /// The reply PDU when `frame` answers the outstanding request; nil when it is set aside (counted).
    func match(_ frame: [UInt8]) throws -> [UInt8]? {
        let before = client.droppedFrames
        do {
            let pdu = try frame.withUnsafeBytes { (f) throws -> [UInt8]? in
                guard try client.receive(f) != nil else { return nil }
                return client.framing == .tcp ? Array(f[ModbusTCP.headerLength...]) : Array(f[1..<(f.count - 2)])
            }
            if let pdu { return pdu }
        } catch ModbusClientError.frame where client.pending != nil {
            // A damaged frame: the request stays outstanding.
        }
        if client.droppedFrames != before, let why = client.lastDrop { dropped[why.message, default: 0] += 1 }
        return nil
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

/// Decodes a reply PDU (already matched to its request) with `body`, exiting 1 for an exception reply or a
/// reply `body` does not accept (nil).
func decodeReply<T>(_ pdu: [UInt8], options: ModbusClientOptions, _ body: (ModbusResponse) -> T?) -> T {
    var exception: UInt8?
    var fault: ModbusFrameError?
    let value: T? = pdu.withUnsafeBytes { (p) -> T? in
        do throws(ModbusFrameError) {
            let response = try ModbusResponse.decode(p)
            if case .exception(_, let code) = response {
                exception = code
                return nil
            }
            return body(response)
        } catch {
            fault = error
            return nil
        }
    }
    if let value { return value }
    if let exception { options.fail(exceptionText(exception), exception: exception) }
    if let fault { options.fail("malformed reply: \(fault.message)") }
    options.fail("the reply does not answer the request (function \(pdu.first ?? 0))")
}

struct ModbusRead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read coils, discrete inputs or registers, printed like mbpoll (or as JSON).",
        usage: "orion modbus read (--tcp HOST[:PORT] | --rtu DEVICE [-b BAUD] [-P PARITY] [-s STOPBITS]) [-a UNIT] [-t TYPE] [-r REF] [-c COUNT] [-0] [-B] [-1 | -l MS] [-u] [--timeout S] [--json]")

    @OptionGroup var options: ModbusClientOptions
    @Option(name: .customShort("c"), parsing: .unconditional,
            help: "Number of values: 1...2000 bits, 1...125 registers, 1...62 32-bit values (:int, :float).")
    var count: Int = 1
    @Flag(name: .customShort("1"), help: "Poll once (otherwise every -l milliseconds until interrupted).") var once = false
    @Option(name: .customShort("l"), parsing: .unconditional, help: "Poll period in milliseconds: 10...3600000.")
    var period: Int = 1000
    @Flag(name: .customShort("u"), help: "Print 16-bit registers unsigned only (default: as mbpoll, 65531 (-5)).")
    var unsigned = false

    func run() throws {
        let type = options.dataType()
        let maxCount = type.maxCount(writing: false)
        guard (1...maxCount).contains(count) else {
            modbusUsage("-c must be 1...\(maxCount) for -t \(options.table) (got \(count))")
        }
        guard (10...3_600_000).contains(period) else { modbusUsage("-l must be 10...3600000 milliseconds (got \(period))") }
        let registers = count * (type.table.isBits ? 1 : type.format.registersPerValue)
        let address: UInt16
        do { address = try protocolAddress(reference: options.reference, zeroBased: options.zeroBased, count: registers) } catch {
            modbusUsage(error.description)
        }
        options.validate(writing: false)
        let session = options.connect()
        let n = UInt16(registers)
        let request: ModbusRequest
        switch type.table {
        case .coils: request = .readCoils(address: address, count: n)
        case .discreteInputs: request = .readDiscreteInputs(address: address, count: n)
        case .inputRegisters: request = .readInputRegisters(address: address, count: n)
        case .holdingRegisters: request = .readHoldingRegisters(address: address, count: n)
        }
        signal(SIGINT) { _ in modbusStopRequested = 1 }
        while true {
            let pdu = session.transact(request, unit: UInt8(options.unit))!
            let values: [UInt16] = decodeReply(pdu, options: options) { response in
                switch response {
                case .bits(_, let bytes) where bytes.count * 8 >= registers:
                    return (0..<registers).map { UInt16(bytes[$0 >> 3] >> UInt8($0 & 7) & 1) }
                case .registers(_, let bytes) where bytes.count == 2 * registers:
                    return (0..<registers).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
                default:
                    return nil
                }
            }
            if options.json {
                print(ModbusOutput.json(values, type: type, unit: options.unit, firstReference: options.reference,
                                        address: Int(address), bigEndianWords: options.bigEndianWords), terminator: "")
            } else {
                print(ModbusOutput.table(values, type: type, firstReference: options.reference, unsigned: unsigned,
                                         bigEndianWords: options.bigEndianWords), terminator: "")
            }
            fflush(nil)
            if once || modbusStopRequested != 0 { return }
            usleep(UInt32(period) * 1000)
            if modbusStopRequested != 0 { return }
        }
    }
}

struct ModbusWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Write coils (-t 0) or holding registers (-t 4, 4:hex, 4:int, 4:float): one register with FC 5/6, several with FC 15/16.",
        usage: "orion modbus write (--tcp HOST[:PORT] | --rtu DEVICE [-b BAUD] [-P PARITY] [-s STOPBITS]) [-a UNIT] [-t TYPE] [-r REF] [-0] [-B] [--timeout S] [--json] VALUE...")

    @OptionGroup var options: ModbusClientOptions
    @Argument(parsing: .allUnrecognized,
              help: "Values: 0/1 for coils; -32768...65535 or 0x hex for registers; -2147483648...2147483647 for :int; a finite number for :float.")
    var values: [String] = []

    func run() throws {
        let type = options.dataType()
        let parsed: [UInt16]
        let address: UInt16
        do {
            parsed = try parseWriteValues(values, type: type, bigEndianWords: options.bigEndianWords)
            address = try protocolAddress(reference: options.reference, zeroBased: options.zeroBased, count: parsed.count)
        } catch {
            modbusUsage(error.description)
        }
        options.validate(writing: true)
        let session = options.connect()
        var payload = [UInt8]()
        if type.table.isBits {
            payload = [UInt8](repeating: 0, count: (parsed.count + 7) / 8)
            for (i, v) in parsed.enumerated() where v != 0 { payload[i >> 3] |= 1 << UInt8(i & 7) }
        } else {
            for v in parsed { payload += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        }
        let reply: [UInt8]? = payload.withUnsafeBytes { bytes in
            let request: ModbusRequest
            switch (type.table, parsed.count) {
            case (.coils, 1): request = .writeSingleCoil(address: address, value: parsed[0] != 0 ? 0xFF00 : 0)
            case (.coils, _): request = .writeMultipleCoils(address: address, count: UInt16(parsed.count), bits: bytes)
            case (_, 1): request = .writeSingleRegister(address: address, value: parsed[0])
            default: request = .writeMultipleRegisters(address: address, count: UInt16(parsed.count), values: bytes)
            }
            return session.transact(request, unit: UInt8(options.unit))
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
            print("{\"written\":\(values.count),\"table\":\"\(type.table.name)\",\"reference\":\(options.reference)}")
        } else {
            print("Written \(values.count) references.")
        }
    }
}
