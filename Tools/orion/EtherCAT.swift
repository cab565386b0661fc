// `orion ecat`: an EtherCAT master on Linux raw sockets over the portable stack in Fieldbus/EtherCAT, modelled on
// IgH's `ethercat` tool and SOEM's slaveinfo. Exit 0 ok, 1 the bus said no (no slaves, no reply, a refused
// state), 2 bad usage or input (unknown interface, bad option).

import ArgumentParser
import EtherCATTool
import Fieldbus
import Foundation
import LinuxEtherCAT
import OrionTool

struct EtherCATCommandGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecat",
        abstract: "EtherCAT master on a Linux network interface, like IgH's ethercat tool (docs/ETHERCAT.md).",
        subcommands: [EtherCATSlaves.self, EtherCATStates.self, EtherCATPDOs.self, EtherCATSDOs.self, EtherCATUpload.self, EtherCATDownload.self, EtherCATSIIRead.self, EtherCATRun.self])
}

func ecatUsage(_ message: String) -> Never { fail(OrionError(message, exitStatus: 2)) }
func ecatFailure(_ message: String) -> Never { fail(OrionError(message, exitStatus: 1)) }

/// Options every `orion ecat` command takes.
struct EtherCATLinkOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The network interface the segment is on (e.g. eth1).") var interface: String
    @Option(name: .long, parsing: .unconditional, help: "Reply timeout per frame in milliseconds: 1...10000.")
    var timeout: Int = 100
    @Option(name: .long, parsing: .unconditional, help: "Sends of a frame before giving up: 1...100.")
    var retries: Int = 3

    /// How long a mailbox answer may take: the frame timeout times the retries.
    var mailboxTimeoutNs: UInt64 { UInt64(timeout) * 1_000_000 * UInt64(retries) }

    /// Opens the interface and makes a master on it (exit 2 for a missing interface, 1 for no link or permission).
    func master() -> EtherCATMaster<RawSocketLink> {
        guard (1...10000).contains(timeout) else { ecatUsage("--timeout must be 1...10000 ms (got \(timeout))") }
        guard (1...100).contains(retries) else { ecatUsage("--retries must be 1...100 (got \(retries))") }
        let link: RawSocketLink
        do {
            link = try RawSocketLink(interface: interface)
        } catch {
            if case .noInterface = error { ecatUsage(error.message) }
            ecatFailure(error.message)
        }
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: EtherCATWire.maxFrame, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        return EtherCATMaster(link: link, tx: tx, rx: rx, timeoutNs: UInt64(timeout) * 1_000_000, attempts: retries)
    }
}

/// The message for a failed exchange.
func ecatMessage(_ error: EtherCATError, interface: String) -> String {
    switch error {
    case .link(.linkDown): return "\(interface) lost its link"
    case .link(.failed(let code)): return "\(interface): \(String(cString: strerror(code)))"
    case .noResponse: return "no reply on \(interface) (no slaves connected, or the segment does not answer)"
    case .tooLong(let n): return "\(n) bytes do not fit one datagram"
    case .workingCounter(let expected, let got): return "working counter \(got), expected \(expected)"
    case .sii(let station, let status): return "slave \(station): SII EEPROM error (status 0x\(String(status, radix: 16)))"
    case .state(let station, let requested, let status, let code):
        let name = code.name.map { "\($0)" } ?? "unknown code"
        return "slave \(station) did not reach \(requested.name): in \(status.state.map { "\($0.name)" } ?? "0x\(String(status.raw, radix: 16))")\(status.error ? " with error" : ""), AL status code 0x\(String(format: "%04x", code.raw)) (\(name))"
    case .siiImage(let e): return "malformed SII image: \(e)"
    }
}

/// The message for a failed CoE exchange.
func ecatMessage(_ failure: EtherCATMailboxFailure, interface: String) -> String {
    switch failure {
    case .exchange(let error): return ecatMessage(error, interface: interface)
    case .mailbox(.sdoAbort(let index, let subindex, let code)):
        let name = code.name.map { "\($0)" } ?? "unknown abort code"
        return "SDO 0x\(String(format: "%04x", index)):\(String(format: "%02x", subindex)) aborted: 0x\(String(format: "%08x", code.raw)) (\(name))"
    case .mailbox(.timeout): return "no answer in the slave's mailbox in time"
    case .mailbox(.mailboxTooSmall): return "the slave's mailbox is too small for CoE (or it has none)"
    case .mailbox(.objectTooLarge(let size)): return "the object has \(size) bytes, more than \(ecatObjectLimit) this command takes"
    case .mailbox(.unexpectedResponse(let command, let service)):
        return "unexpected mailbox answer (CoE service \(service), command 0x\(String(format: "%02x", command)))"
    case .mailbox(.mailboxError(let code)): return "the slave answered with mailbox error 0x\(String(format: "%04x", code))"
    case .mailbox(.notRemappable(let index)): return "0x\(String(format: "%04x", index)) is no PDO or PDO assignment object (or has more than 254 entries)"
    }
}

/// Exit 2: there is no slave at `position`.
func ecatNoSlave(at position: Int, of count: Int, on interface: String) -> Never {
    ecatUsage("no slave at position \(position): \(count) slave\(count == 1 ? "" : "s") on \(interface)")
}

/// The largest object `upload` reads.
let ecatObjectLimit = 65536

/// Scans the segment: every slave's record, name and SII image.
func ecatScan(_ master: inout EtherCATMaster<RawSocketLink>, interface: String, readImage: Bool = true) -> [EtherCATSlaveView] {
    var records: [EtherCATSlaveRecord] = []
    do {
        let n = try master.scan { records.append($0) }
        if n == 0 { ecatFailure("no slaves on \(interface)") }
    } catch {
        ecatFailure(ecatMessage(error, interface: interface))
    }
    var views: [EtherCATSlaveView] = []
    for r in records {
        var image: [UInt8] = []
        if readImage {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 8)
            defer { buffer.deallocate() }
            do {
                let n = try master.readSIIImage(station: r.station, into: buffer)
                image = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            } catch {
                ecatFailure("slave \(r.position): " + ecatMessage(error, interface: interface))
            }
        }
        views.append(EtherCATSlaveView(record: r, name: EtherCATOutput.deviceName(image), sii: image))
    }
    return views
}

struct EtherCATSlaves: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slaves",
        abstract: "List the slaves on the segment: position, alias:position, state, error flag, name (as IgH's `ethercat slaves`).")

    @OptionGroup var link: EtherCATLinkOptions
    @Flag(name: .shortAndLong, help: "One block per slave: identity, ESC, ports, mailboxes, SII general, sync managers, PDOs.")
    var verbose = false
    @Flag(name: .long, help: "Print JSON instead of the table.") var json = false

    func run() throws {
        var master = link.master()
        let slaves = ecatScan(&master, interface: link.interface)
        if json {
            print(EtherCATOutput.slavesJSON(slaves), terminator: "")
        } else if verbose {
            print(EtherCATOutput.slavesVerbose(slaves), terminator: "")
        } else {
            print(EtherCATOutput.slavesTable(slaves), terminator: "")
        }
        master.link.close()
    }
}

struct EtherCATSIIRead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sii-read",
        abstract: "Read a slave's SII EEPROM image (header and categories up to the end marker), as IgH's `ethercat sii_read`: binary to a file or stdout, or its words in hex.")

    @OptionGroup var link: EtherCATLinkOptions
    @Option(name: .shortAndLong, parsing: .unconditional, help: "The slave's position on the segment, 0 first.") var position: Int = 0
    @Option(name: .shortAndLong, help: "Write the image to this file (default: stdout, binary).") var output: String?
    @Flag(name: .long, help: "Print the image as 16-bit words in hex, 8 a line, instead of binary.") var hex = false

    func run() throws {
        guard position >= 0 else { ecatUsage("--position must be 0 or more (got \(position))") }
        var master = link.master()
        let slaves = ecatScan(&master, interface: link.interface, readImage: false)
        guard position < slaves.count else {
            ecatNoSlave(at: position, of: slaves.count, on: link.interface)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)
        defer { buffer.deallocate() }
        let n: Int
        do {
            n = try master.readSIIImage(station: slaves[position].record.station, into: buffer)
        } catch {
            ecatFailure("slave \(position): " + ecatMessage(error, interface: link.interface))
        }
        master.link.close()
        let image = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        if hex {
            var text = ""
            for w in stride(from: 0, to: image.count - 1, by: 2) {
                text += String(format: w % 16 == 0 ? "%04x:" : "", w / 2)
                text += String(format: " %04x", Int(image[w]) | Int(image[w + 1]) << 8)
                if w % 16 == 14 || w + 2 >= image.count - 1 { text += "\n" }
            }
            if let output { writeOrFail(text: text, to: output) } else { print(text, terminator: "") }
        } else if let output {
            writeOrFail(bytes: image, to: output)
        } else {
            fflush(nil)
            image.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(1, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { ecatFailure("cannot write the image to stdout: \(String(cString: strerror(errno)))") }
                    offset += n
                }
            }
        }
    }

    func writeOrFail(text: String, to path: String) { writeOrFail(bytes: Array(text.utf8), to: path) }

    func writeOrFail(bytes: [UInt8], to path: String) {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            ecatUsage("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

struct EtherCATStates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "states",
        abstract: "Request an application-layer state (INIT, PREOP, BOOT, SAFEOP, OP) from every slave or one, and wait until it is there, as IgH's `ethercat states`.",
        discussion: """
            Going to PREOP sets up each slave's standard mailbox from its SII first. SAFEOP reads every slave's PDOs \
            (CoE 0x1C12/0x1C13, else SII), lays out the process image and writes the sync managers and FMMUs first. \
            OP runs the cyclic exchange (1 ms) until the slaves are there, then stops: a slave with a sync manager \
            watchdog then falls back to SAFEOP with AL status code 0x001B, as with IgH once the application stops \
            (`orion ecat run` keeps the exchange going). A slave that refuses is reported with its AL status code and \
            its ETG.1000.6 name (exit 1), and its error is acknowledged.
            """)

    @OptionGroup var link: EtherCATLinkOptions
    @Option(name: .shortAndLong, parsing: .unconditional, help: "Only the slave at this position (0 first).") var position: Int?
    @Option(name: .long, parsing: .unconditional, help: "How long a slave may take to reach the state, in milliseconds: 1...60000.")
    var wait: Int = 5000
    @Argument(help: "The state: INIT, PREOP, BOOT, SAFEOP or OP.") var state: String
    @OptionGroup var remap: EtherCATRemapOptions

    func run() throws {
        guard let target = parseEtherCATState(state) else { ecatUsage("unknown state '\(state)' (INIT, PREOP, BOOT, SAFEOP, OP)") }
        remap.check()
        if !(remap.map.isEmpty && remap.assign.isEmpty) && target != .safeOperational && target != .operational {
            ecatUsage("--map and --assign lay out the process data: they go with SAFEOP or OP")
        }
        guard (1...60000).contains(wait) else { ecatUsage("--wait must be 1...60000 ms (got \(wait))") }
        if let position, position < 0 { ecatUsage("--position must be 0 or more (got \(position))") }
        var master = link.master()
        let slaves = ecatScan(&master, interface: link.interface)
        if let position, position >= slaves.count {
            ecatNoSlave(at: position, of: slaves.count, on: link.interface)
        }
        let waitNs = UInt64(wait) * 1_000_000
        if target == .safeOperational || target == .operational {
            var process = ecatProcessData(&master, slaves, link: link, remap: remap).map(\.0)
            let layout = ecatToSafeOp(&master, &process, interface: link.interface, waitNs: waitNs, only: position)
            if target == .operational {
                let image = UnsafeMutableRawBufferPointer.allocate(byteCount: max(layout.totalBytes, 1), alignment: 8)
                defer { image.deallocate() }
                image.initializeMemory(as: UInt8.self, repeating: 0)
                master.attempts = 1
                master.timeoutNs = 800_000
                guard ecatToOp(&master, process, image: UnsafeMutableRawBufferPointer(rebasing: image[0..<layout.totalBytes]),
                               cycleNs: 1_000_000, waitNs: waitNs, only: position) != nil else {
                    ecatFailure("not every slave reached OP within \(wait) ms: " + ecatStatesText(&master, process))
                }
            }
            master.link.close()
            return
        }
        var failures: [String] = []
        for s in slaves where position == nil || s.record.position == position {
            do {
                if target == .preOperational || target == .bootstrap,
                   try master.alStatus(station: s.record.station).state == .initial, !s.sii.isEmpty {
                    let mailbox = s.sii.withUnsafeBytes { raw -> (UInt16, UInt16, UInt16, UInt16)? in
                        guard let sii = try? EtherCATSII(image: raw) else { return nil }
                        return (sii.mailboxReceiveOffset, sii.mailboxReceiveSize, sii.mailboxSendOffset, sii.mailboxSendSize)
                    }
                    if let (rxOffset, rxSize, txOffset, txSize) = mailbox {
                        try master.configureMailbox(station: s.record.station, receiveOffset: rxOffset, receiveSize: rxSize,
                                                    sendOffset: txOffset, sendSize: txSize)
                    }
                }
                try master.requestState(station: s.record.station, target, timeoutNs: waitNs)
            } catch {
                failures.append("slave \(s.record.position): " + ecatMessage(error, interface: link.interface))
            }
        }
        master.link.close()
        if !failures.isEmpty { ecatFailure(failures.joined(separator: "\n")) }
    }
}

struct EtherCATUpload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Read an SDO of a slave through CoE, as IgH's `ethercat upload`: INDEX SUBINDEX, decimal or 0x-hex.",
        discussion: "A slave still in INIT is taken to PREOP first (its mailbox set up from the SII). Without --type the bytes are printed in hex. An abort is reported with its code and name (exit 1).")

    @OptionGroup var link: EtherCATLinkOptions
    @Option(name: .shortAndLong, parsing: .unconditional, help: "The slave's position on the segment, 0 first.") var position: Int = 0
    @Option(name: .shortAndLong, help: "How to show the value: \(EtherCATDataType.names).") var type: String?
    @Flag(name: .long, help: "Complete access: every subindex from SUBINDEX (0 or 1) on, in one transfer.") var complete = false
    @Argument(help: "The object index: 0...0xffff.") var index: String
    @Argument(help: "The subindex: 0...0xff.") var subindex: String

    func run() throws {
        let (index, subindex, dataType) = ecatObjectArguments(index: index, subindex: subindex, type: type, position: position, complete: complete)
        var master = link.master()
        let slaves = ecatScan(&master, interface: link.interface)
        guard position < slaves.count else {
            ecatNoSlave(at: position, of: slaves.count, on: link.interface)
        }
        var mailbox = ecatOpenMailbox(&master, slaves[position], interface: link.interface)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ecatObjectLimit, alignment: 8)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(max(mailbox.receiveSize, mailbox.sendSize)), alignment: 8)
        defer { buffer.deallocate(); scratch.deallocate() }
        let timeout = link.mailboxTimeoutNs
        let n: Int
        do {
            n = try master.sdoUpload(&mailbox, index: UInt16(index), subindex: UInt8(subindex), completeAccess: complete,
                                     into: buffer, scratch: scratch, timeoutNs: timeout)
        } catch {
            ecatReportEmergencies(mailbox, position: position)
            ecatFailure("slave \(position): " + ecatMessage(error, interface: link.interface))
        }
        ecatReportEmergencies(mailbox, position: position)
        master.link.close()
        let bytes = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        do {
            print(try EtherCATValues.format(bytes, as: dataType))
        } catch {
            ecatUsage("SDO 0x\(String(format: "%04x", index)):\(String(format: "%02x", subindex)): \(error)")
        }
    }
}

/// The mailbox of `slave` ready for CoE: from its SII, the slave taken from INIT to PREOP first (exit 1 when it
/// has no CoE mailbox or refuses).
func ecatOpenMailbox(_ master: inout EtherCATMaster<RawSocketLink>, _ slave: EtherCATSlaveView, interface: String) -> EtherCATMailbox {
    let position = slave.record.position
    guard let mailbox = ecatMailbox(slave) else { ecatFailure("slave \(position) has no mailbox with CoE") }
    do {
        if try master.alStatus(station: slave.record.station).state == .initial {
            try master.configureMailbox(station: mailbox.station, receiveOffset: mailbox.receiveOffset, receiveSize: mailbox.receiveSize,
                                        sendOffset: mailbox.sendOffset, sendSize: mailbox.sendSize)
            try master.requestState(station: mailbox.station, .preOperational, timeoutNs: 5_000_000_000)
        }
    } catch {
        ecatFailure("slave \(position): " + ecatMessage(error, interface: interface))
    }
    return mailbox
}

/// Emergencies a slave sent while its mailbox was in use, on stderr (IgH logs them to the kernel log).
func ecatReportEmergencies(_ mailbox: EtherCATMailbox, position: Int) {
    guard mailbox.emergencies > 0, let e = mailbox.lastEmergency else { return }
    let data = (0..<5).map { String(format: "%02x", Int((e.data >> (8 * UInt64($0))) & 0xFF)) }.joined(separator: " ")
    FileHandle.standardError.write(Data("slave \(position): \(mailbox.emergencies) CoE emergenc\(mailbox.emergencies == 1 ? "y" : "ies"), last: error code 0x\(String(format: "%04x", e.code)), register 0x\(String(format: "%02x", e.register)), data \(data)\n".utf8))
}

/// The object `upload` and `download` name, checked: INDEX 0...0xffff, SUBINDEX 0...0xff (0 or 1 with complete
/// access), a known --type, a position of 0 or more (exit 2 otherwise).
func ecatObjectArguments(index: String, subindex: String, type: String?, position: Int, complete: Bool)
    -> (UInt64, UInt64, EtherCATDataType?) {
    guard let i = EtherCATValues.parseNumber(index, range: 0...0xFFFF) else { ecatUsage("INDEX must be 0...0xffff (got '\(index)')") }
    guard let s = EtherCATValues.parseNumber(subindex, range: 0...0xFF) else { ecatUsage("SUBINDEX must be 0...0xff (got '\(subindex)')") }
    var dataType: EtherCATDataType? = nil
    if let type {
        guard let t = EtherCATDataType(rawValue: type) else { ecatUsage("unknown --type '\(type)' (\(EtherCATDataType.names))") }
        dataType = t
    }
    guard position >= 0 else { ecatUsage("--position must be 0 or more (got \(position))") }
    if complete && s > 1 { ecatUsage("complete access starts at subindex 0 or 1 (got \(s))") }
    return (i, s, dataType)
}

/// A slave's standard mailbox from its SII, nil when it has none or no CoE.
func ecatMailbox(_ slave: EtherCATSlaveView) -> EtherCATMailbox? {
    slave.sii.withUnsafeBytes { raw -> EtherCATMailbox? in
        guard let sii = try? EtherCATSII(image: raw), sii.mailboxProtocols.contains(.coe),
              sii.mailboxReceiveSize > 0, sii.mailboxSendSize > 0 else { return nil }
        return EtherCATMailbox(station: slave.record.station, receiveOffset: sii.mailboxReceiveOffset, receiveSize: sii.mailboxReceiveSize,
                               sendOffset: sii.mailboxSendOffset, sendSize: sii.mailboxSendSize)
    }
}

struct EtherCATDownload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Write an SDO of a slave through CoE, as IgH's `ethercat download`: INDEX SUBINDEX VALUE, numbers decimal or 0x-hex.",
        discussion: "Without --type the object is read first and VALUE written as an unsigned integer of its size (1, 2, 4 or 8 bytes); other sizes need --type. A slave still in INIT is taken to PREOP first. An abort is reported with its code and name (exit 1): a value of the wrong size gives 0x06070010. A negative VALUE follows `--` (`-t int16 -- 0x2000 1 -7`).")

    @OptionGroup var link: EtherCATLinkOptions
    @Option(name: .shortAndLong, parsing: .unconditional, help: "The slave's position on the segment, 0 first.") var position: Int = 0
    @Option(name: .shortAndLong, help: "How to read VALUE: \(EtherCATDataType.names).") var type: String?
    @Flag(name: .long, help: "Complete access: VALUE holds every subindex from SUBINDEX (0 or 1) on (with --type raw or octet_string).")
    var complete = false
    @Argument(help: "The object index: 0...0xffff.") var index: String
    @Argument(help: "The subindex: 0...0xff.") var subindex: String
    @Argument(help: "The value, as --type reads it.") var value: String

    func run() throws {
        let (index, subindex, dataType) = ecatObjectArguments(index: index, subindex: subindex, type: type, position: position, complete: complete)
        if complete && dataType != .raw && dataType != .octetString { ecatUsage("complete access takes the object's bytes: --type raw or octet_string") }
        var bytes: [UInt8] = []
        if let dataType {
            do { bytes = try EtherCATValues.encode(value, as: dataType) } catch { ecatUsage("VALUE: \(error)") }
            guard bytes.count <= ecatObjectLimit else { ecatUsage("VALUE has \(bytes.count) bytes, more than \(ecatObjectLimit)") }
        }
        var master = link.master()
        let slaves = ecatScan(&master, interface: link.interface)
        guard position < slaves.count else {
            ecatNoSlave(at: position, of: slaves.count, on: link.interface)
        }
        var mailbox = ecatOpenMailbox(&master, slaves[position], interface: link.interface)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(max(mailbox.receiveSize, mailbox.sendSize)), alignment: 8)
        defer { scratch.deallocate() }
        let location = "0x\(String(format: "%04x", index)):\(String(format: "%02x", subindex))"
        if dataType == nil {
            // The object's size decides the type, as IgH's tool takes it from the dictionary.
            let current = UnsafeMutableRawBufferPointer.allocate(byteCount: ecatObjectLimit, alignment: 8)
            defer { current.deallocate() }
            let size: Int
            do {
                size = try master.sdoUpload(&mailbox, index: UInt16(index), subindex: UInt8(subindex), into: current, scratch: scratch,
                                            timeoutNs: link.mailboxTimeoutNs)
            } catch {
                ecatFailure("slave \(position): " + ecatMessage(error, interface: link.interface))
            }
            let sized: [Int: EtherCATDataType] = [1: .uint8, 2: .uint16, 4: .uint32, 8: .uint64]
            guard let t = sized[size] else { ecatUsage("SDO \(location) has \(size) bytes: give its type with --type") }
            do { bytes = try EtherCATValues.encode(value, as: t) } catch { ecatUsage("VALUE: \(error)") }
        }
        let data = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        defer { data.deallocate() }
        data.copyBytes(from: bytes)
        do {
            try master.sdoDownload(&mailbox, index: UInt16(index), subindex: UInt8(subindex), completeAccess: complete,
                                   from: UnsafeRawBufferPointer(data), scratch: scratch, timeoutNs: link.mailboxTimeoutNs)
        } catch {
            ecatReportEmergencies(mailbox, position: position)
            ecatFailure("slave \(position): " + ecatMessage(error, interface: link.interface))
        }
        ecatReportEmergencies(mailbox, position: position)
        master.link.close()
    }
}

struct EtherCATSDOs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdos",
        abstract: "List a slave's object dictionary through CoE SDO information, as IgH's `ethercat sdos`: every object and its entries with access, type and size.",
        discussion: "Access is read/write in PREOP, SAFEOP and OP (`rwr-r-`). A slave in INIT is taken to PREOP first. A slave without SDO information answers with an abort or a mailbox error (exit 1).")

    @OptionGroup var link: EtherCATLinkOptions
    @Option(name: .shortAndLong, parsing: .unconditional, help: "The slave's position on the segment, 0 first.") var position: Int = 0
    @Flag(name: .shortAndLong, help: "Only the objects, not their entries.") var quiet = false
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false

    func run() throws {
        guard position >= 0 else { ecatUsage("--position must be 0 or more (got \(position))") }
        var master = link.master()
        let slaves = ecatScan(&master, interface: link.interface)
        guard position < slaves.count else { ecatNoSlave(at: position, of: slaves.count, on: link.interface) }
        var mailbox = ecatOpenMailbox(&master, slaves[position], interface: link.interface)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(max(mailbox.receiveSize, mailbox.sendSize)), alignment: 8)
        let name = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 8)
        defer { scratch.deallocate(); name.deallocate() }
        let timeout = link.mailboxTimeoutNs
        var indices: [UInt16] = []
        var objects: [EtherCATDictionaryObject] = []
        do {
            _ = try master.sdoObjectList(&mailbox, scratch: scratch, timeoutNs: timeout) { indices.append($0) }
            for index in indices {
                let o = try master.sdoObjectDescription(&mailbox, index: index, name: name, scratch: scratch, timeoutNs: timeout)
                var object = EtherCATDictionaryObject(index: index, dataType: o.dataType, maxSubindex: o.maxSubindex, objectCode: o.objectCode,
                                                      name: String(decoding: UnsafeRawBufferPointer(rebasing: name[0..<o.nameLength]), as: UTF8.self),
                                                      entries: [])
                if !quiet || json {
                    for sub in 0...Int(o.maxSubindex) {
                        // An entry the slave does not describe (a gap in a record) is left out, as IgH does.
                        guard let e = try? master.sdoEntryDescription(&mailbox, index: index, subindex: UInt8(sub), name: name, scratch: scratch,
                                                                      timeoutNs: timeout) else { continue }
                        object.entries.append(.init(subindex: UInt8(sub), dataType: e.dataType, bitLength: e.bitLength, access: e.access,
                                                    name: String(decoding: UnsafeRawBufferPointer(rebasing: name[0..<e.nameLength]), as: UTF8.self)))
                    }
                }
                objects.append(object)
            }
        } catch {
            ecatReportEmergencies(mailbox, position: position)
            ecatFailure("slave \(position): " + ecatMessage(error, interface: link.interface))
        }
        ecatReportEmergencies(mailbox, position: position)
        master.link.close()
        print(json ? EtherCATDictionaryObject.json(objects) : EtherCATDictionaryObject.text(objects, quiet: quiet), terminator: "")
    }
}
