// `orion can`: can-utils habits (cansend, candump, cangen, isotpsend/isotprecv, ip link) on Linux SocketCAN,
// over the portable CAN stack in Fieldbus. Exit 0 ok, 1 operational failure, 2 bad usage or input.

import ArgumentParser
import CANTool
import Fieldbus
import Foundation
import LinuxCAN
import OrionTool

struct CANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "can",
        abstract: "CAN and CAN FD on Linux SocketCAN (vcan or real controllers), like can-utils (docs/CAN.md).",
        subcommands: [CANSend.self, CANDump.self, CANGen.self, CANISOTP.self, CANLinkCommand.self, CANBitTimingCommand.self])
}

/// Exits with a SocketCAN error's message: 2 for a name that does not exist (bad input), 1 otherwise.
func canFail(_ error: CANSocketError) -> Never {
    if case .noSuchInterface = error { fail(OrionError(error.message, exitStatus: 2)) }
    fail(OrionError(error.message, exitStatus: 1))
}

/// Exits 2 when `interface` is not a name Linux accepts (empty, 16 bytes or more, `/`, `:`, white space,
/// `.` or `..`), before any socket is opened: the kernel would only say "no such device", or truncate it.
func checkInterfaceName(_ interface: String) {
    if let problem = CANInterfaceName.problem(interface) { badInput(problem) }
}

/// The limits of `orion can`'s numeric options (stated in each option's help, checked before anything runs).
enum CANLimits {
    /// Frame counts (`dump -n`, `gen -n`).
    static let count: ClosedRange<Int> = 1...4_294_967_295
    /// Timeouts and waits in milliseconds (`dump -T`, `gen -p` from 0, `isotp recv --timeout`): up to a day.
    static let milliseconds: ClosedRange<Int> = 1...86_400_000
    /// `gen -g`, milliseconds between frames: up to an hour.
    static let gapMilliseconds: ClosedRange<Double> = 0...3_600_000
    /// Bit rates in bit/s (nominal and CAN FD data phase).
    static let bitrate: ClosedRange<Int> = 1...10_000_000
    /// Controller clocks in Hz.
    static let clock: ClosedRange<Int> = 1...1_000_000_000
}

/// Exits 2 unless `value` is in `range`: `OPTION: VALUE is out of range (LOW to HIGH)`.
func checkRange<T: Comparable>(_ option: String, _ value: T, _ range: ClosedRange<T>) {
    guard !range.contains(value) else { return }
    badInput("\(option): \(value) is out of range (\(range.lowerBound) to \(range.upperBound))")
}

/// Opens `interface`, exiting with the error's message when that fails.
func openCANSocket(_ interface: String) -> CANSocket {
    checkInterfaceName(interface)
    do {
        return try CANSocket(interface: interface)
    } catch {
        canFail(error)
    }
}

/// Writes raw bytes to standard output.
func writeStdout(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                Foundation.exit(1)
            }
            offset += n
        }
    }
}

struct CANSend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one frame, in cansend's syntax.",
        discussion: """
            <can_id>#{data}          classic data frame (3 hex digits: standard id, 8: extended)
            <can_id>#R{len}          remote request, optional DLC 0..8
            <can_id>##<flags>{data}  CAN FD frame; flags: 1 = bit rate switch, 2 = error state indicator
            Data bytes are hex, optionally separated by '.'. Examples: 123#DEADBEEF 1F334455#1122 123#R5 123##1AABBCC
            """)

    @Argument(help: "CAN interface (e.g. vcan0).") var interface: String
    @Argument(help: "The frame, e.g. 123#DEADBEEF.") var frame: String

    func run() throws {
        checkInterfaceName(interface)
        let parsed: CANFrame
        do {
            parsed = try CANFrameSyntax.parse(frame)
        } catch {
            badInput(error.render(input: frame))
        }
        let socket = openCANSocket(interface)
        do {
            if parsed.isFD { try socket.enableFD(require: true) }
            if parsed.isError { try socket.setErrorMask(0) }
            try socket.send(parsed)
        } catch {
            canFail(error)
        }
    }
}

struct CANDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print received frames like candump.",
        discussion: """
            Interfaces take candump's filters: IF,<id>:<mask> (match), IF,<id>~<mask> (no match), IF,#<errmask>
            (error frames), IF,j (all filters must match). 'any' receives from every CAN interface.
            """)

    @Argument(help: "Interfaces with optional filters: can0,123:7FF,#FFFFFFFF ... or any.") var interfaces: [String]
    @Option(name: .customShort("t", allowingJoined: true), help: "Timestamps: a (absolute), A (with date), d (delta), z (from zero).")
    var timestamp: String?
    @Option(name: .customShort("n"), parsing: .unconditional, help: "Exit after COUNT frames (1..4294967295).") var count: Int?
    @Option(name: .customShort("T"), parsing: .unconditional, help: "Exit after this many milliseconds without a frame (1..86400000).")
    var idleTimeout: Int?
    @Flag(name: .customShort("L"), help: "Log format (what canplayer reads): (time) IF 123#DEADBEEF.") var log = false
    @Flag(name: .customShort("e"), help: "Explain error frames (and receive all of them unless a #mask is given).") var errors = false

    func run() throws {
        var mode = CANTimestampMode.none
        if let timestamp {
            guard let m = CANTimestampMode(rawValue: timestamp), m != .none else {
                badInput("-t: unknown timestamp mode '\(timestamp)' (use a, A, d or z)")
            }
            mode = m
        }
        if let count { checkRange("-n", count, CANLimits.count) }
        if let idleTimeout { checkRange("-T", idleTimeout, CANLimits.milliseconds) }
        var targets = [CANDumpTarget]()
        for argument in interfaces {
            do {
                targets.append(try CANDumpTarget.parse(argument))
            } catch {
                badInput(error.render(input: argument).replacingOccurrences(of: "bad CAN frame", with: "bad interface/filter"))
            }
        }
        var sockets = [CANSocket]()
        do {
            for target in targets {
                let socket = openCANSocket(target.interface)
                try socket.enableFD()
                try socket.enableTimestamps()
                if let filters = target.filters { try socket.setFilters(filters) }
                if target.joined { try socket.setJoinFilters(true) }
                let mask = target.errorMask != 0 ? target.errorMask : (errors ? CANFrame.extendedMask : 0)
                if mask != 0 { try socket.setErrorMask(mask) }
                socket.setReceiveBuffer(bytes: 4 << 20)
                try socket.setNonBlocking(true)
                sockets.append(socket)
            }
        } catch {
            canFail(error)
        }
        let width = targets.map { $0.interface.utf8.count }.max() ?? 0
        var formatter = CANDumpFormatter(timestampMode: mode, logFormat: log, explainErrors: errors, nameWidth: width)
        var out = [UInt8]()
        out.reserveCapacity(1 << 16)
        var received = 0
        var fds = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        signal(SIGPIPE, SIG_DFL)
        while true {
            let ready = poll(&fds, nfds_t(fds.count), idleTimeout.map { Int32($0) } ?? -1)
            if ready < 0 {
                if errno == EINTR { continue }
                fail(OrionError("poll: \(String(cString: strerror(errno)))", exitStatus: 1))
            }
            if ready == 0 { break }
            for (i, socket) in sockets.enumerated() where fds[i].revents != 0 {
                if fds[i].revents & Int16(POLLIN) == 0 {
                    fail(OrionError(CANSocketError.interfaceDown(socket.interface).message, exitStatus: 1))
                }
                // Drain what is queued, then write it in one go.
                while true {
                    let rx: ReceivedCANFrame
                    do {
                        rx = try socket.receive()
                    } catch .system(_, let code) where code == EAGAIN {
                        break
                    } catch {
                        writeStdout(out)
                        canFail(error)
                    }
                    let name = socket.interfaceIndex > 0 ? socket.interface : socket.interfaceName(index: rx.interfaceIndex)
                    formatter.append(rx.frame, interface: name, timestampNanoseconds: rx.timestampNanoseconds,
                                     fdFlags: rx.arrivedAsFD ? rx.frame.socketCANFDFlags : nil, to: &out)
                    received += 1
                    if let count, received >= count {
                        writeStdout(out)
                        return
                    }
                    if out.count > 60_000 {
                        writeStdout(out)
                        out.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !out.isEmpty {
                writeStdout(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        writeStdout(out)
    }
}

struct CANGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen",
        abstract: "Generate frames like cangen (random id, length and data by default).")

    @Argument(help: "CAN interface.") var interface: String
    @Option(name: .customShort("g"), parsing: .unconditional,
            help: "Gap between frames in milliseconds, 0..3600000, fractions allowed (0: as fast as the interface takes them).")
    var gap: Double = 200
    @Option(name: .customShort("I"), help: "CAN id: r (random), i (increment) or a hex id.") var id: String = "r"
    @Option(name: .customShort("L"), help: "Length: r, i or a number.") var length: String = "r"
    @Option(name: .customShort("D"), help: "Data: r, i or hex bytes.") var data: String = "r"
    @Option(name: .customShort("n"), parsing: .unconditional, help: "Send COUNT frames (1..4294967295), then exit.") var count: Int?
    @Flag(name: .customShort("e"), help: "Extended (29-bit) ids.") var extended = false
    @Flag(name: .customShort("f"), help: "CAN FD frames.") var fd = false
    @Flag(name: .customShort("b"), help: "CAN FD with bit rate switch.") var brs = false
    @Flag(name: .customShort("R"), help: "Remote requests.") var remote = false
    @Option(name: .customShort("p"), parsing: .unconditional,
            help: "When the interface queue is full, wait up to this many ms for room, 0..86400000 (default: wait).")
    var pollTimeout: Int?
    @Option(name: .long, parsing: .unconditional, help: "Seed of the random generator (0..18446744073709551615).")
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    func run() throws {
        checkInterfaceName(interface)
        // NaN and infinities are no gap (and would trap when turned into nanoseconds).
        guard gap.isFinite, CANLimits.gapMilliseconds.contains(gap) else {
            badInput("-g: \(gap) is out of range (0 to 3600000 milliseconds)")
        }
        if let count { checkRange("-n", count, CANLimits.count) }
        if let pollTimeout { checkRange("-p", pollTimeout, 0...CANLimits.milliseconds.upperBound) }
        let pollTimeout = self.pollTimeout.map { Int32($0) }
        var generator: CANGenerator
        do {
            generator = try CANGenerator(id: id, length: length, data: data, extended: extended, fd: fd || brs,
                                         bitRateSwitch: brs, remote: remote, seed: seed)
        } catch {
            badInput(error.message)
        }
        let socket = openCANSocket(interface)
        let gapNanoseconds = Int64(gap * 1_000_000)
        do {
            if fd || brs { try socket.enableFD(require: true) }
            try socket.setNonBlocking(true)
            var sent = 0
            if gapNanoseconds == 0 {
                // Without a gap the kernel gets the frames in batches, one sendmmsg per 64: cangen makes one
                // write per frame, and under load the system calls are what a sender spends its time on.
                var batch: [CANFrame] = []
                batch.reserveCapacity(64)
                while count.map({ sent < $0 }) ?? true {
                    let want = min(64, count.map { $0 - sent } ?? 64)
                    while batch.count < want { batch.append(generator.next()) }
                    let taken = try batch.withUnsafeBufferPointer { frames throws(CANSocketError) in try socket.trySendBatch(frames) }
                    sent += taken
                    batch.removeFirst(taken)
                    if !batch.isEmpty {
                        // The queue filled: wait for room as the one-frame path does.
                        guard try socket.waitWritable(timeoutMilliseconds: pollTimeout ?? -1) else {
                            usleep(1000)
                            continue
                        }
                        sched_yield()
                    }
                }
                return
            }
            var next = CANClock.monotonicNanoseconds()
            while count.map({ sent < $0 }) ?? true {
                let frame = generator.next()
                while try !socket.trySend(frame) {
                    guard try socket.waitWritable(timeoutMilliseconds: pollTimeout ?? -1) else {
                        // cangen's -p: the queue stayed full; wait a moment and retry.
                        usleep(1000)
                        continue
                    }
                    // POLLOUT does not say vcan's queue has room; give the receivers a moment.
                    sched_yield()
                }
                sent += 1
                if gapNanoseconds > 0 {
                    next += gapNanoseconds
                    let now = CANClock.monotonicNanoseconds()
                    if next > now {
                        var ts = timespec(tv_sec: Int((next - now) / 1_000_000_000), tv_nsec: Int((next - now) % 1_000_000_000))
                        nanosleep(&ts, nil)
                    } else {
                        next = now
                    }
                }
            }
        } catch {
            canFail(error)
        }
    }
}

struct CANLinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Show or set a CAN controller's bitrate and state (libsocketcan).",
        discussion: "orion can link can0 bitrate 250000 sample-point 0.875 up | down | restart; without words: show.")

    @Argument(help: "CAN interface.") var interface: String
    @Argument(parsing: .allUnrecognized, help: "bitrate N (1..10000000 bit/s), sample-point X (between 0 and 1), up, down, restart.")
    var words: [String] = []

    func run() throws {
        checkInterfaceName(interface)
        var bitrate: UInt32?
        var samplePoint: UInt32 = 0
        var action: String?
        var i = 0
        while i < words.count {
            switch words[i] {
            case "bitrate":
                guard i + 1 < words.count, let value = Int(words[i + 1]) else { badInput("bitrate needs a number of bit/s (1..10000000)") }
                checkRange("bitrate", value, CANLimits.bitrate)
                bitrate = UInt32(value)
                i += 2
            case "sample-point":
                guard i + 1 < words.count, let value = Double(words[i + 1]), value > 0, value < 1 else {
                    badInput("sample-point needs a fraction between 0 and 1 (exclusive), like 0.875")
                }
                samplePoint = UInt32((value * 1000).rounded())
                i += 2
            case "up", "down", "restart":
                guard action == nil else { badInput("only one of up, down, restart") }
                action = words[i]
                i += 1
            default:
                badInput("unknown word '\(words[i])' (use bitrate N, sample-point X, up, down, restart)")
            }
        }
        if samplePoint != 0 && bitrate == nil { badInput("sample-point needs a bitrate") }
        let link: CANLink
        do {
            link = try CANLink(interface: interface)
        } catch {
            canFail(error)
        }
        if (bitrate != nil || action == "restart") && link.state() == nil {
            // vcan and other non-controllers: say so before touching the interface.
            canFail(.notCAN(interface))
        }
        do {
            if action == "down" { try link.stop() }
            if let bitrate {
                if action == "up" || action == "restart" {
                    // The kernel only takes a new bitrate while the interface is down.
                    try link.stop()
                }
                try link.setBitrate(bitrate, samplePoint: samplePoint)
            }
            if action == "up" { try link.start() }
            if action == "restart" { try link.restart() }
        } catch {
            canFail(error)
        }
        if bitrate != nil || action != nil { return }
        let status = link.status()
        var lines = ["\(interface): state \(status.state?.name ?? "unknown")"
            + (status.txErrors.map { " (berr-counter tx \($0) rx \(status.rxErrors ?? 0))" } ?? "")]
        if let rate = status.bitrate {
            lines.append("  bitrate \(rate) sample-point \(formatSamplePoint(status.samplePoint ?? 0))")
            lines.append("  tq \(status.tq ?? 0) prop-seg \(status.propSeg ?? 0) phase-seg1 \(status.phaseSeg1 ?? 0) "
                + "phase-seg2 \(status.phaseSeg2 ?? 0) sjw \(status.sjw ?? 0) brp \(status.brp ?? 0)")
        } else {
            lines.append("  no bit timing (a virtual interface such as vcan has none)")
        }
        if let clock = status.clock { lines.append("  clock \(clock)") }
        print(lines.joined(separator: "\n"))
    }
}

/// 875 → "0.875", as `ip -details link` prints sample points.
func formatSamplePoint(_ perMille: UInt32) -> String {
    let s = String(perMille)
    return "0." + String(repeating: "0", count: max(0, 3 - s.count)) + s
}

struct CANBitTimingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bittiming",
        abstract: "Compute a controller's bit timing as Linux does (no CAN interface needed).")

    @Option(parsing: .unconditional, help: "Controller clock in Hz, 1..1000000000 (the SJA1000 on Kvaser PCI cards: 8000000).")
    var clock: Int
    @Option(parsing: .unconditional, help: "Bitrate in bit/s, 1..10000000.") var bitrate: Int
    @Option(name: .long, parsing: .unconditional, help: "Sample point as a fraction between 0 and 1 (default: CiA's, 0.875 up to 500 kbit/s).")
    var samplePoint: Double?
    @Option(help: "Controller limits: sja1000, ctucan, ctucan-data.") var controller: String = "sja1000"

    func run() throws {
        checkRange("--clock", clock, CANLimits.clock)
        checkRange("--bitrate", bitrate, CANLimits.bitrate)
        let clock = UInt32(self.clock), bitrate = UInt32(self.bitrate)
        let limits: CANBitTimingLimits
        switch controller {
        case "sja1000": limits = .sja1000
        case "ctucan": limits = .ctucanNominal
        case "ctucan-data": limits = .ctucanData
        default: badInput("--controller: unknown controller '\(controller)' (use sja1000, ctucan or ctucan-data)")
        }
        var sp: UInt32 = 0
        if let samplePoint {
            guard samplePoint > 0, samplePoint < 1 else { badInput("--sample-point: \(samplePoint) must be between 0 and 1 (exclusive), e.g. 0.875") }
            sp = UInt32((samplePoint * 1000).rounded())
        }
        do {
            let t = try CANBitTimingCalculator.calculate(clockHz: clock, bitrate: bitrate, samplePoint: sp, limits: limits)
            print("bitrate \(t.bitrate) sample-point \(formatSamplePoint(t.samplePointPerMille)) tq \(t.tqNs) "
                + "prop-seg \(t.propSeg) phase-seg1 \(t.phaseSeg1) phase-seg2 \(t.phaseSeg2) sjw \(t.sjw) brp \(t.brp)")
            if t.bitrate != bitrate {
                print("bitrate error \(formatPercent(t.bitrateErrorPPM))")
            }
        } catch .bitrateErrorTooHigh(let perMille) {
            fail(OrionError("bitrate \(bitrate) cannot be reached from a \(clock) Hz clock: closest is \(Double(perMille) / 10) % off (Linux allows 5 %)"))
        } catch .bitrateUnreachable {
            fail(OrionError("bitrate \(bitrate) cannot be reached from a \(clock) Hz clock with the \(controller)'s prescaler"))
        } catch {
            fail(OrionError("invalid clock, bitrate or sample point"))
        }
    }
}

/// 12345 ppm → "1.2345 %".
func formatPercent(_ ppm: UInt32) -> String {
    String(format: "%.4f %%", Double(ppm) / 10_000)
}

struct CANISOTP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isotp",
        abstract: "ISO-TP (ISO 15765-2) messages over a raw CAN socket, like isotpsend/isotprecv.",
        subcommands: [CANISOTPSend.self, CANISOTPRecv.self])
}

/// Options isotpsend and isotprecv share.
struct ISOTPOptions: ParsableArguments {
    @Argument(help: "CAN interface.") var interface: String
    @Option(name: .customShort("s"), help: "CAN id this side sends on (hex; above 7FF: extended).") var source: String
    @Option(name: .customShort("d"), help: "CAN id this side receives on (hex).") var destination: String
    @Flag(name: .long, help: "CAN FD frames (up to 64 bytes each).") var fd = false
    @Flag(name: .long, help: "CAN FD with bit rate switch.") var brs = false
    @Option(name: .customShort("b"), parsing: .unconditional, help: "Block size this side asks for in flow control, 0..255 (0: no limit).")
    var blockSize: Int = 0
    @Option(name: .customShort("m"), help: "STmin this side asks for, hex byte (00..7F ms, F1..F9 = 100..900 us).")
    var stMin: String = "0"
    @Option(name: .customShort("p"), help: "Pad frames to 8 bytes with this hex byte.") var pad: String?

    func config() -> ISOTPConfig {
        checkInterfaceName(interface)
        checkRange("-b", blockSize, 0...255)
        guard let tx = UInt32(source, radix: 16), tx <= CANFrame.extendedMask else { badInput("-s: '\(source)' is not a hex CAN id") }
        guard let rx = UInt32(destination, radix: 16), rx <= CANFrame.extendedMask else {
            badInput("-d: '\(destination)' is not a hex CAN id")
        }
        guard let st = UInt8(stMin, radix: 16) else { badInput("-m: '\(stMin)' is not a hex byte") }
        var padding = ISOTPPadding.none
        if let pad {
            guard let byte = UInt8(pad, radix: 16) else { badInput("-p: '\(pad)' is not a hex byte") }
            padding = .pad(byte)
        }
        let extended = tx > CANFrame.standardMask || rx > CANFrame.standardMask
        let config = ISOTPConfig(txId: tx, rxId: rx, extended: extended, fd: fd || brs, bitRateSwitch: brs, padding: padding,
                                 blockSize: UInt8(blockSize), stMin: st)
        guard config.isValid else { badInput("this ISO-TP configuration cannot run (ids and frame format)") }
        return config
    }

    /// A socket receiving only the peer's id, non-blocking.
    func open(_ config: ISOTPConfig) -> CANSocket {
        let socket = openCANSocket(interface)
        do {
            if config.fd { try socket.enableFD(require: true) }
            let ext = config.rxExtended
            let id = config.rxId | (ext ? CANFrame.extendedFlag : 0)
            let mask = (ext ? CANFrame.extendedMask : CANFrame.standardMask) | CANFrame.extendedFlag | CANFrame.remoteFlag
            try socket.setFilters([(id, mask)])
            try socket.setNonBlocking(true)
        } catch {
            canFail(error)
        }
        return socket
    }
}

/// The ISO-TP state machines' link: a frame goes out now or is retried on the next tick.
struct SocketFrameLink: CANFrameLink {
    let socket: CANSocket
    mutating func send(_ frame: inout CANFrame) -> Bool { (try? socket.trySend(frame)) ?? false }
}

/// Monotonic time for the state machines.
func nowNs() -> UInt64 { UInt64(CANClock.monotonicNanoseconds()) }

/// Milliseconds from now until `deadline` (rounded up; -1 for none).
func pollTimeout(until deadline: UInt64?) -> Int32 {
    guard let deadline else { return -1 }
    let now = nowNs()
    if deadline <= now { return 0 }
    return Int32(min((deadline - now + 999_999) / 1_000_000, 60_000))
}

func isotpFail(_ error: ISOTPError) -> Never {
    let text: String
    switch error {
    case .timeoutAs, .timeoutAr: text = "timeout: the interface did not take a frame in time (N_As/N_Ar)"
    case .timeoutBs: text = "timeout: no flow control from the receiver (N_Bs)"
    case .timeoutCr: text = "timeout: the next consecutive frame did not arrive (N_Cr)"
    case .wrongSequenceNumber: text = "ISO-TP transfer failed: a consecutive frame had the wrong sequence number (N_WRONG_SN)"
    case .unexpectedPDU: text = "ISO-TP transfer failed: a new message started before the last one was complete (N_UNEXP_PDU)"
    case .bufferOverflow: text = "ISO-TP transfer failed: the message is larger than the receiver's buffer (N_BUFFER_OVFLW)"
    case .waitLimit: text = "ISO-TP transfer failed: the receiver asked to wait too many times in a row (N_WFT_OVRN)"
    case .invalidFlowStatus: text = "ISO-TP transfer failed: a flow control frame had a reserved flow status (N_INVALID_FS)"
    case .malformedFlowControl: text = "ISO-TP transfer failed: a flow control frame was shorter than 3 bytes"
    case .busy: text = "ISO-TP transfer failed: a transfer was already running"
    case .invalidLength: text = "ISO-TP cannot carry this message length (1 to 4294967295 bytes)"
    case .invalidConfig: text = "this ISO-TP configuration cannot run (ids and frame format)"
    }
    fail(OrionError(text, exitStatus: 1))
}

struct CANISOTPSend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one ISO-TP message read from stdin as hex bytes (echo 11 22 33 | orion can isotp send ...).")

    @OptionGroup var options: ISOTPOptions

    func run() throws {
        let config = options.config()
        // The payload text is bounded: 4 MiB of hex holds messages far larger than a receiver's 1 MiB buffer.
        let limit = 4 << 20
        var data = Data()
        while data.count <= limit {
            let chunk = FileHandle.standardInput.readData(ofLength: 65536)
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        guard data.count <= limit else { badInput("stdin: more than \(limit) bytes of hex text (4 MiB is the limit)") }
        let input = String(decoding: data, as: UTF8.self)
        let payload: [UInt8]
        switch CANHexPayload.parse(input) {
        case .success(let bytes): payload = bytes
        case .failure(let error): badInput("stdin: \(error.message)")
        }
        guard !payload.isEmpty else { badInput("stdin: no bytes to send") }
        let socket = options.open(config)
        var link = SocketFrameLink(socket: socket)
        var sender = ISOTPSender(config: config)
        try payload.withUnsafeBytes { message in
            var events: ISOTPEvents
            do {
                events = try sender.start(message, nowNs: nowNs(), link: &link)
            } catch let error as ISOTPError {
                isotpFail(error)
            }
            while true {
                if let error = events.error { isotpFail(error) }
                if events.sent { return }
                let readable = try socket.waitReadable(timeoutMilliseconds: pollTimeout(until: sender.nextDeadlineNs))
                events = .none
                if readable {
                    while events.isEmpty, let rx = try? socket.receive() {
                        events = sender.receive(rx.frame, nowNs: nowNs(), link: &link)
                    }
                }
                if events.isEmpty, let deadline = sender.nextDeadlineNs, deadline <= nowNs() {
                    events = sender.tick(nowNs: nowNs(), link: &link)
                }
            }
        }
    }
}

struct CANISOTPRecv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recv",
        abstract: "Receive ISO-TP messages and print each as hex bytes (like isotprecv).")

    @OptionGroup var options: ISOTPOptions
    @Flag(name: .customShort("l"), help: "Keep receiving messages (default: exit after one).") var loop = false
    @Option(name: .long, parsing: .unconditional,
            help: "Give up (exit 1) when no message has arrived within this many milliseconds (1..86400000).")
    var timeout: Int?

    func run() throws {
        let config = options.config()
        if let timeout { checkRange("--timeout", timeout, CANLimits.milliseconds) }
        let socket = options.open(config)
        var link = SocketFrameLink(socket: socket)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 8)
        defer { buffer.deallocate() }
        var receiver = ISOTPReceiver(config: config, buffer: buffer)
        let giveUp = timeout.map { nowNs() + UInt64($0) * 1_000_000 }
        while true {
            var deadline = receiver.nextDeadlineNs
            if receiver.state == .idle, let giveUp { deadline = giveUp }
            if receiver.state == .idle, let giveUp, nowNs() >= giveUp {
                fail(OrionError("timeout: no ISO-TP message on \(options.interface) within \(timeout ?? 0) ms", exitStatus: 1))
            }
            let readable = try socket.waitReadable(timeoutMilliseconds: pollTimeout(until: deadline))
            var events = ISOTPEvents.none
            if readable {
                while let rx = try? socket.receive() {
                    events = receiver.receive(rx.frame, nowNs: nowNs(), link: &link)
                    if !events.isEmpty { break }
                }
            }
            if events.isEmpty, let next = receiver.nextDeadlineNs, next <= nowNs() {
                events = receiver.tick(nowNs: nowNs(), link: &link)
            }
            if let error = events.error { isotpFail(error) }
            if events.receivedLength != nil, let message = receiver.message {
                writeStdout(Array((CANHexPayload.format(Array(message)) + "\n").utf8))
                receiver.consume()
                if !loop { return }
            }
        }
    }
}
