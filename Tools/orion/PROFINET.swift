// `orion pn`: PROFINET IO on a Linux network interface over the portable stack in Fieldbus/PROFINET: the device
// (`device`), commissioning like pnio-dcp and PRONETA (`discover`, `set-name`, `set-ip`, `blink`, `reset`, `read-im0`),
// the controller (`controller`) and the GSDML of a device model (`gsdml`).
// Exit 0 ok, 1 the network said no (no answer, a refused Set), 2 bad usage or input.

import ArgumentParser
import Fieldbus
import Foundation
import LinuxPROFINET
import OrionTool
import PROFINETTool

struct PNCommandGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pn",
        abstract: "PROFINET IO on a Linux network interface: a device, and DCP commissioning (docs/PROFINET.md).",
        subcommands: [PNDiscover.self, PNSetName.self, PNSetIP.self, PNBlink.self, PNReset.self, PNDeviceCommand.self, PNControllerCommand.self,
                      PNGSDMLCommand.self, PNReadIM0.self])
}

func pnUsage(_ message: String) -> Never { fail(OrionError(message, exitStatus: 2)) }
func pnFailure(_ message: String) -> Never { fail(OrionError(message, exitStatus: 1)) }

/// The interface and answer timeout the DCP commands take.
struct PNDCPOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The network interface the devices are on (e.g. eth1).") var interface: String
    @Option(name: .long, parsing: .unconditional, help: "How long to wait for answers, in milliseconds: 10...60000.")
    var timeout: Int = 1000

    var timeoutNs: UInt64 { UInt64(timeout) * 1_000_000 }

    func open() -> PNLinuxDCP {
        guard (10...60000).contains(timeout) else { pnUsage("--timeout must be 10...60000 ms (got \(timeout))") }
        do {
            return try PNLinuxDCP(interface: interface)
        } catch {
            if error.isUsage { pnUsage(error.message) }
            pnFailure(error.message)
        }
    }
}

/// Which device a command addresses: by MAC address, or by its current NameOfStation.
struct PNTargetOptions: ParsableArguments {
    @Option(name: .long, help: "The device's MAC address (aa:bb:cc:dd:ee:ff).") var mac: String?
    @Option(name: .long, help: "The device's current NameOfStation.") var station: String?

    func resolve(_ dcp: PNLinuxDCP, _ options: PNDCPOptions) -> EthernetAddress {
        switch (mac, station) {
        case (let m?, nil):
            guard let a = PNDCPText.parseMAC(m), !a.isMulticast else { pnUsage("--mac must be a unicast MAC address like 02:00:00:00:00:01 (got '\(m)')") }
            return a
        case (nil, let s?):
            do {
                return try dcp.find(name: s, timeoutNs: options.timeoutNs).mac
            } catch {
                pnFailure(error.message)
            }
        default:
            pnUsage("name the device with either --mac or --station")
        }
    }
}

struct PNDiscover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "List the PROFINET devices on the interface (DCP Identify All), like pnio-dcp's identify_all.")

    @OptionGroup var options: PNDCPOptions
    @Option(name: .long, help: "Only the device with this NameOfStation.") var station: String?
    @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let dcp = options.open()
        do {
            let devices = try dcp.identify(name: station, timeoutNs: options.timeoutNs, responseDelay: 1)
            if json {
                print(PNDCPText.json(devices), terminator: "")
            } else if devices.isEmpty {
                print("no PROFINET devices answered on \(options.interface)")
            } else {
                print(PNDCPText.table(devices), terminator: "")
            }
            if devices.isEmpty { throw ExitCode(1) }
        } catch let error as PNDCPExchangeError {
            pnFailure(error.message)
        }
    }
}

struct PNSetName: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-name",
        abstract: "Set a device's NameOfStation (DCP Set; permanent unless --temporary).")

    @OptionGroup var options: PNDCPOptions
    @OptionGroup var target: PNTargetOptions
    @Flag(name: .long, help: "Only until the device restarts.") var temporary = false
    @Argument(help: "The new NameOfStation (\"\" removes the name).") var name: String

    func run() throws {
        if let problem = PNDCPText.nameProblem(name) { pnUsage("'\(name)' is not a valid NameOfStation: \(problem)") }
        let dcp = options.open()
        let device = target.resolve(dcp, options)
        do {
            try dcp.setName(name, device: device, permanent: !temporary, timeoutNs: options.timeoutNs)
        } catch {
            pnFailure(error.message)
        }
        print("\(PNDCPText.mac(device)): NameOfStation set to '\(name)'\(temporary ? " (temporary)" : "")")
    }
}

struct PNSetIP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-ip",
        abstract: "Set a device's IP address, netmask and gateway (DCP Set; permanent unless --temporary).")

    @OptionGroup var options: PNDCPOptions
    @OptionGroup var target: PNTargetOptions
    @Flag(name: .long, help: "Only until the device restarts.") var temporary = false
    @Argument(help: "IP address.") var address: String
    @Argument(help: "Netmask.") var netmask: String
    @Argument(help: "Gateway (0.0.0.0: none).") var gateway: String = "0.0.0.0"

    func run() throws {
        guard let a = PNDCPText.parseIPv4(address) else { pnUsage("'\(address)' is not an IPv4 address") }
        guard let m = PNDCPText.parseIPv4(netmask) else { pnUsage("'\(netmask)' is not a netmask") }
        guard let g = PNDCPText.parseIPv4(gateway) else { pnUsage("'\(gateway)' is not an IPv4 address") }
        let suite = PNIPSuite(address: a, netmask: m, gateway: g)
        guard suite.isValid else {
            pnUsage("\(address) \(netmask) \(gateway) is not a valid IP suite: a contiguous netmask, a host address (not the network or broadcast address), a gateway in the same subnet or 0.0.0.0")
        }
        let dcp = options.open()
        let device = target.resolve(dcp, options)
        do {
            try dcp.setIP(suite, device: device, permanent: !temporary, timeoutNs: options.timeoutNs)
        } catch {
            pnFailure(error.message)
        }
        print("\(PNDCPText.mac(device)): IP set to \(address) \(netmask) \(gateway)\(temporary ? " (temporary)" : "")")
    }
}

struct PNBlink: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blink",
        abstract: "Make a device flash its LED (DCP Signal), to find it in the cabinet.")

    @OptionGroup var options: PNDCPOptions
    @OptionGroup var target: PNTargetOptions

    func run() throws {
        let dcp = options.open()
        let device = target.resolve(dcp, options)
        do {
            try dcp.signal(device: device, timeoutNs: options.timeoutNs)
        } catch {
            pnFailure(error.message)
        }
        print("\(PNDCPText.mac(device)): flashing")
    }
}

struct PNReset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Reset a device's communication parameters (name, IP) to factory values (DCP ResetToFactory).")

    @OptionGroup var options: PNDCPOptions
    @OptionGroup var target: PNTargetOptions

    func run() throws {
        let dcp = options.open()
        let device = target.resolve(dcp, options)
        do {
            try dcp.resetToFactory(device: device, timeoutNs: options.timeoutNs)
        } catch {
            pnFailure(error.message)
        }
        print("\(PNDCPText.mac(device)): reset to factory settings")
    }
}

struct PNDeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Run a PROFINET IO device on the interface until SIGINT or --duration; statistics at exit.")

    @Option(name: .shortAndLong, help: "The network interface the device is on.") var interface: String
    @Option(name: .long, help: "NameOfStation to start with when none was set permanently over DCP (default: the device file's station-name).")
    var name: String?
    @Option(name: .long, help: "The device model (YAML: modules, I/O sizes, identity); a built-in one when not given.")
    var config: String?
    @Option(name: .long, help: "Write the device's GSDML to this file (or folder: the GSDML's own file name) and go on.")
    var gsdmlOut: String?
    @Option(name: .long, help: "Where the name and IP set permanently are kept (default ~/.cache/orion-rt/pn-device-IF.conf).")
    var storage: String?
    @Option(name: .long, help: "How long to run (e.g. 10s, 1m); until SIGINT when not given.") var duration: String?
    @Flag(name: .long, help: "Inputs mirror the outputs (byte by byte, in model order) instead of counting: for reaction times.")
    var echo = false
    @Option(name: .long, help: ArgumentHelp("Raise an alarm that long after the AR's cyclic data began (seconds, default 1); repeatable.",
                                            valueName: "process|diagnosis|pull|plug:SLOT[.SUBSLOT][@SECONDS]"))
    var alarm: [String] = []

    func run() throws {
        if let name, let problem = PNDCPText.nameProblem(name) { pnUsage("--name '\(name)' is not a valid NameOfStation: \(problem)") }
        var durationNs: UInt64? = nil
        if let duration {
            guard let d = ecatDuration(duration), d > 0 else { pnUsage("--duration must be a time like 10s or 1m (got '\(duration)')") }
            durationNs = d
        }
        let description = pnDeviceDescription(config: config)
        let model = pnDeviceModel(description)
        var alarms: [PNScheduledAlarm] = []
        for a in alarm {
            do {
                let scheduled = try PNScheduledAlarm.parse(a)
                guard model.submodule(slot: scheduled.slot, subslot: scheduled.subslot) != nil else {
                    pnUsage("--alarm '\(a)': the device has no submodule at slot \(scheduled.slot) subslot \(scheduled.subslot)")
                }
                alarms.append(scheduled)
            } catch {
                pnUsage("--alarm \(error.message)")
            }
        }
        guard alarms.count <= 64 else { pnUsage("--alarm: at most 64 (got \(alarms.count))") }
        if let gsdmlOut { print("gsdml: wrote \(pnWriteGSDML(description, to: gsdmlOut))") }
        let storagePath = storage ?? (NSHomeDirectory() + "/.cache/orion-rt/pn-device-\(interface).conf")
        var stored = PNDCPStoredState()
        var im = PNIMRecords()
        if FileManager.default.fileExists(atPath: storagePath) {
            guard let text = try? String(contentsOfFile: storagePath, encoding: .utf8) else { pnUsage("\(storagePath): cannot read") }
            do {
                let kept = try PNStorageFile.parse(text, path: storagePath)
                stored = kept.dcp
                im = kept.im
            } catch {
                pnUsage(error.message)
            }
        }
        let runner: PNLinuxDevice
        do {
            runner = try PNLinuxDevice(interface: interface, model: model, stored: stored, im: im)
        } catch {
            if error.isUsage { pnUsage(error.message) }
            pnFailure(error.message)
        }
        if stored.name.count == 0 { runner.adoptName(name ?? description.stationName) }
        runner.persist = { state, im in
            let folder = (storagePath as NSString).deletingLastPathComponent
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            do {
                try PNStorageFile.format(PNDeviceStorage(dcp: state, im: im)).write(toFile: storagePath, atomically: true, encoding: .utf8)
            } catch {
                FileHandle.standardError.write(Data("orion pn device: cannot write \(storagePath): \(error.localizedDescription)\n".utf8))
            }
        }
        runner.onEvents = { events, device in
            var what: [String] = []
            if events.contains(.nameChanged) { what.append("name '\(PNDCPText.string(device.dcp.name))'") }
            if events.contains(.ipChanged) {
                let ip = device.dcp.ip
                what.append("ip \(PNDCPText.ipv4(ip.address)) \(PNDCPText.ipv4(ip.netmask)) \(PNDCPText.ipv4(ip.gateway))")
            }
            if events.contains(.imChanged) {
                let im = device.connection.im
                what.append("I&M1-4 written: function '\(PNIM0Text.trimmed(im.im1.tagFunction))', location '\(PNIM0Text.trimmed(im.im1.tagLocation))', "
                            + "date '\(PNIM0Text.trimmed(im.im2.date))', descriptor '\(PNIM0Text.trimmed(im.im3.descriptor))'")
            }
            if events.contains(.storageChanged) { what.append("stored") }
            if events.contains(.signal) { what.append("signal: flashing the LED") }
            if events.contains(.resetToFactory) { what.append("reset to factory settings") }
            print("dcp: " + what.joined(separator: ", "))
            fflush(nil)
        }
        // Inputs: a counter that advances every 10 ms, in every input submodule's bytes (big-endian, low bytes last).
        var lastTick: UInt64 = 0
        var counter: UInt64 = 0
        let echo = self.echo
        // Scheduled alarms, from the first cycle of each AR's cyclic data.
        var dataSince: UInt64 = 0
        var due = alarms
        runner.onCycle = { device, now in
            if device.connection.state == .data {
                if dataSince == 0 { dataSince = now }
                while let i = due.firstIndex(where: { now &- dataSince >= $0.afterMs * 1_000_000 }) {
                    let a = due.remove(at: i)
                    let raised: Bool
                    switch a.kind {
                    case .process: raised = device.raiseAlarm(PNAlarmType.process, slot: a.slot, subslot: a.subslot, usi: 0x0001)
                    case .diagnosis:
                        // A short circuit (error type 1) on the whole submodule (channel 0x8000), appearing.
                        raised = device.raiseAlarm(PNAlarmType.diagnosis, slot: a.slot, subslot: a.subslot, usi: PNAlarmUSI.channelDiagnosis,
                                                   diagnosis: PNChannelDiagnosis(channelNumber: 0x8000, channelProperties: 0x0800, errorType: 0x0001))
                    case .pull: raised = device.pull(slot: a.slot, subslot: a.subslot)
                    case .plug: raised = device.plug(slot: a.slot, subslot: a.subslot)
                    }
                    print("alarm: \(a.kind.rawValue) slot \(a.slot).\(a.subslot) \(raised ? "raised" : "refused (queue full, or nothing to \(a.kind.rawValue))")")
                    fflush(nil)
                }
            } else if device.connection.state == .idle {
                dataSince = 0
                due = alarms
            }
            if let ack = device.connection.lastAlarmAck {
                device.connection.lastAlarmAck = nil
                let status = ack.status
                print("alarm: acknowledged by the controller: type \(ack.alarmType) slot \(ack.slot).\(ack.subslot) sequence \(ack.specifier.sequenceNumber), "
                      + (status == .ok ? "status ok" : String(format: "PNIO status 0x%02x%02x%02x%02x", status.errorCode, status.errorDecode,
                                                              status.errorCode1, status.errorCode2)))
                fflush(nil)
            }
            if echo {
                let sizes = PNConnection.imageSizes(device.model)
                for k in 0..<min(sizes.input, sizes.output) { device.connection.inputImage[k] = device.connection.outputImage[k] }
            } else if now &- lastTick >= 10_000_000 {
                lastTick = now
                counter &+= 1
                let inputs = device.connection.inputImage
                var o = 0
                for i in 0..<device.model.count {
                    let n = Int(device.model[i].inputLength)
                    for k in 0..<n { inputs[o + k] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(n - 1 - k))) }
                    o += n
                }
            }
            if device.connection.outputsChanged {
                device.connection.outputsChanged = false
                var parts: [String] = []
                var o = 0
                for i in 0..<device.model.count {
                    let s = device.model[i]
                    let n = Int(s.outputLength)
                    guard n > 0 else { continue }
                    let hex = (0..<n).map { String(format: "%02x", device.connection.outputImage[o + $0]) }.joined()
                    parts.append("slot \(s.slot).\(s.subslot)=\(hex)")
                    o += n
                }
                print("outputs: " + parts.joined(separator: " "))
                fflush(nil)
            }
        }
        runner.onARChange = { device in
            let c = device.connection
            switch c.state {
            case .idle: print("ar: ended (\(c.lastEnd))")
            case .waitPrmEnd: print("ar: connected by \(PNDCPText.mac(c.controllerMAC)) (\(PNDCPText.ipv4(c.controllerIP))), input frame 0x\(String(c.input?.frameID ?? 0, radix: 16)) output frame 0x\(String(c.output?.frameID ?? 0, radix: 16)), cycle \(Double(c.input?.periodNs ?? 0) / 1e6) ms")
            case .waitApplicationReady: print("ar: parameterization done (PrmEnd), ApplicationReady sent")
            case .data: print("ar: application ready confirmed: cyclic data")
            }
            fflush(nil)
        }
        let ip = runner.device.dcp.ip
        print("orion pn device on \(interface) (\(PNDCPText.mac(runner.raw.mac))): name '\(PNDCPText.string(runner.device.dcp.name))', ip \(PNDCPText.ipv4(ip.address)), vendor \(String(format: "0x%04x", model.vendorID)) device \(String(format: "0x%04x", model.deviceID)), \(model.count) submodules")
        fflush(nil)
        let stats = runner.run(durationNs: durationNs)
        runner.close()
        print(String(format: "ran %.1f s: %llu frames in, %llu out, %llu send errors", stats.secondsRun, stats.framesReceived, stats.framesSent, stats.sendErrors))
        let m = stats.cm
        print("cm: \(m.connects) connect (\(m.connectsRefused) refused, \(m.moduleDiffs) with module diff), \(m.controls) control, \(m.releases) release, \(m.reads) read, \(m.writes) write, \(m.watchdogExpired) watchdog, \(m.malformed) malformed")
        print("rt: \(m.rt.sent) sent, \(m.rt.received) received, \(m.rt.stale) stale, \(m.rt.invalid) invalid, \(m.rt.malformed) malformed")
        if let a = stats.alarms {
            print("alarms: \(m.alarmsRaised) raised (\(m.alarmsRefused) refused), \(a.sent) sent, \(a.repeated) repeated, \(m.alarmsAcknowledged) acknowledged, \(a.nacks) NACK, \(a.outOfSequence) out of sequence, \(a.malformed) malformed")
        }
        if m.reactions > 0 {
            print(String(format: "reaction: %llu output changes, output frame in -> input frame out min %.1f us, avg %.1f us, max %.1f us",
                         m.reactions, Double(m.reactionMinNs) / 1e3, Double(m.reactionSumNs) / Double(m.reactions) / 1e3, Double(m.reactionMaxNs) / 1e3))
        }
        let d = stats.dcp
        print("dcp: \(d.identifyAnswered) identify answered, \(d.identifyFiltered) filtered, \(d.getAnswered) get, \(d.setAnswered) set (\(d.setRefused) refused), \(d.malformed) malformed, \(d.notOurs) not ours")
    }
}

/// The device description: from `config` (YAML), or the built-in one (exit 2 with `file:line:` on a bad file).
func pnDeviceDescription(config: String?) -> PNDeviceDescription {
    do {
        return try PNDeviceFile.load(path: config)
    } catch {
        pnUsage(error.description)
    }
}

/// The portable model of `description`.
func pnDeviceModel(_ description: PNDeviceDescription) -> PNDeviceModel {
    do {
        return try description.model()
    } catch {
        pnUsage("the device model does not fit: \(error)")
    }
}

/// `orion pn read-im0`: a device's I&M0 record, read implicitly (no AR), like PRONETA's identification view.
struct PNReadIM0: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-im0",
        abstract: "Read a device's I&M0 (identification: vendor, order ID, serial number, revisions) without connecting.")

    @OptionGroup var options: PNDCPOptions
    @OptionGroup var target: PNTargetOptions
    @Option(name: .long, parsing: .unconditional, help: "The slot of the submodule: 0...32767.") var slot: Int = 0
    @Option(name: .long, help: "The subslot: 1...0xFFFF (decimal or 0x hex).") var subslot: String = "1"
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false

    func run() throws {
        guard (0...0x7FFF).contains(slot) else { pnUsage("--slot must be 0...32767 (got \(slot))") }
        let sub = subslot.lowercased().hasPrefix("0x") ? UInt16(subslot.dropFirst(2), radix: 16) : UInt16(subslot)
        guard let sub, sub != 0 else { pnUsage("--subslot must be 1...0xFFFF (got '\(subslot)')") }
        let dcp = options.open()
        let device: PNDCPIdentity
        do {
            switch (target.mac, target.station) {
            case (nil, let s?):
                device = try dcp.find(name: s, timeoutNs: options.timeoutNs)
            case (.some, nil):
                let mac = target.resolve(dcp, options)
                guard let d = try dcp.identify(name: nil, timeoutNs: options.timeoutNs, responseDelay: 1).first(where: { $0.mac == mac }) else {
                    pnFailure("no device with MAC \(PNDCPText.mac(mac)) answered on \(options.interface)")
                }
                device = d
            default:
                pnUsage("name the device with either --mac or --station")
            }
        } catch {
            pnFailure(error.message)
        }
        guard device.hasIP, device.ip.address != 0 else {
            pnFailure("\(PNDCPText.mac(device.mac)) has no IP address: give it one with orion pn set-ip")
        }
        let client: PNLinuxRPCClient
        do {
            client = try PNLinuxRPCClient(interface: options.interface)
        } catch {
            pnFailure(error.message)
        }
        defer { client.close() }
        client.timeoutNs = options.timeoutNs
        do {
            let (_, data) = try client.readImplicit(device, slot: UInt16(slot), subslot: sub, index: 0xAFF0)
            let im0 = try data.withUnsafeBytes { (b) throws(PNControllerError) in try PNImplicitRead.im0(b) }
            print(json ? PNIM0Text.json(im0, device: device, slot: UInt16(slot), subslot: sub)
                       : PNIM0Text.text(im0, device: device, slot: UInt16(slot), subslot: sub), terminator: "")
        } catch let failure as PNControllerFailure {
            pnFailure(failure.message)
        } catch let e as PNControllerError {
            pnFailure("the I&M0 record: " + PNControllerFailure.describe(e))
        }
    }
}

/// `orion pn gsdml`: the GSDML of a device file (or the built-in device, which the boards' pn-demo runs) without
/// running a device, for a controller or an engineering tool to import.
struct PNGSDMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gsdml",
        abstract: "Write the GSDML of a device model (--config, else the built-in device that pn-demo runs too).")

    @Option(name: .long, help: "The device model (YAML); the built-in one when not given.") var config: String?
    @Option(name: .shortAndLong, help: "The file to write, or a folder (the GSDML's own file name); the current folder when not given.")
    var output: String = "."

    func run() throws {
        let description = pnDeviceDescription(config: config)
        _ = pnDeviceModel(description)
        print(pnWriteGSDML(description, to: output))
    }
}

/// Writes the GSDML of `description` to `path`, or into `path` with its conventional name when it is a folder;
/// the file written.
func pnWriteGSDML(_ description: PNDeviceDescription, to path: String) -> String {
    var isFolder: ObjCBool = false
    let file = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
        ? (path as NSString).appendingPathComponent(GSDMLWriter.fileName(for: description)) : path
    do {
        try GSDMLWriter.document(for: description).write(toFile: file, atomically: true, encoding: .utf8)
    } catch {
        pnFailure("cannot write \(file): \(error.localizedDescription)")
    }
    return file
}
