// `orion pn controller`: a PROFINET IO controller for one device: DCP Identify by name, Connect with the
// configuration a GSDML file describes, PrmEnd, the device's ApplicationReady answered, RT_CLASS_1 cyclic data at
// --cycle for --duration, Release. Exit 0 ok, 1 the device is missing, refused or differs from the configuration,
// 2 bad usage or files.

import ArgumentParser
import Fieldbus
import Foundation
import LinuxPROFINET
import OrionTool
import PROFINETTool
import RealTime

struct PNControllerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Connect to a PROFINET IO device as its IO controller and exchange cyclic data (RT_CLASS_1), with statistics.",
        discussion: """
        The expected configuration comes from the device's GSDML: the DAP with its interface and ports, and the modules \
        given with --slot (slot=module ID or ident, e.g. --slot 1=IDM_32), or every useable module in its first allowed \
        slot when no --slot is given. The output data are a counter (advancing every 100 ms) in each output submodule's first byte unless --output \
        gives them (hex, laid over the output submodules in slot order).
        """)

    @Option(name: .shortAndLong, help: "The network interface the device is on.") var interface: String
    @Option(name: .long, help: "The device's NameOfStation.") var station: String
    @Option(name: .long, help: "The device's GSDML file.") var gsdml: String
    @Option(name: .long, help: "The GSDML device access point's ID (default: the first).") var accessPoint: String?
    @Option(name: .long, parsing: .unconditionalSingleValue, help: "Put a module in a slot: SLOT=MODULE (the GSDML's module ID or its ident number); repeatable.")
    var slot: [String] = []
    @Option(name: .long, help: "The cycle: 1ms ... 512ms, a power of two times 1 ms (send clock 1 ms, reduction ratio = cycle).")
    var cycle: String = "1ms"
    @Option(name: .long, help: "How long to exchange data after ApplicationReady (e.g. 10s, 1m); until SIGINT when not given.")
    var duration: String?
    @Option(name: .long, parsing: .unconditional, help: "Watchdog factor (cycles without a frame before either side gives up), 3...255; the data hold factor is the same.")
    var watchdog: Int = 10
    @Option(name: .long, help: "The output data as hex bytes (e.g. 01ff), laid over the output submodules in order.") var output: String?
    @Option(name: .long, parsing: .unconditional, help: "Run SCHED_FIFO at this priority (1...99) with locked memory; 0 leaves the scheduling alone.")
    var priority: Int32 = 80
    @Option(name: .long, parsing: .unconditional, help: "DCP and RPC answer timeout in milliseconds.") var timeout: Int = 2000
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false
    @Flag(name: .shortAndLong, help: "Print the inputs whenever they change.") var verbose = false

    func say(_ line: String) {
        if json {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            print(line)
            fflush(nil)
        }
    }

    func run() throws {
        // Usage first: nothing touches the network before every argument and file is checked.
        guard let cycleNs = ecatDuration(cycle), cycleNs % 1_000_000 == 0 else { pnUsage("--cycle must be a whole number of milliseconds like 1ms or 32ms (got '\(cycle)')") }
        let ratio = cycleNs / 1_000_000
        guard ratio >= 1, ratio <= 512, ratio & (ratio - 1) == 0 else { pnUsage("--cycle must be 1, 2, 4 ... 512 ms (got '\(cycle)')") }
        var durationNs: UInt64? = nil
        if let duration {
            guard let d = ecatDuration(duration), d > 0 else { pnUsage("--duration must be a time like 10s or 1m (got '\(duration)')") }
            durationNs = d
        }
        guard (3...255).contains(watchdog) else { pnUsage("--watchdog must be 3...255 (got \(watchdog))") }
        guard (0...99).contains(priority) else { pnUsage("--priority must be 0...99 (got \(priority))") }
        guard (10...60000).contains(timeout) else { pnUsage("--timeout must be 10...60000 ms (got \(timeout))") }
        var outputBytes: [UInt8]? = nil
        if let output {
            let digits = Array(output.utf8)
            guard digits.count % 2 == 0, let bytes = Optional(stride(from: 0, to: digits.count, by: 2).compactMap({ UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16) })),
                  bytes.count * 2 == digits.count else { pnUsage("--output must be hex bytes like 01ff (got '\(output)')") }
            outputBytes = bytes
        }
        var placements: [(slot: UInt16, moduleID: String)]? = nil
        if !slot.isEmpty {
            placements = []
            for s in slot {
                let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let n = UInt16(parts[0]), !parts[1].isEmpty else { pnUsage("--slot must be SLOT=MODULE like 1=IDM_32 (got '\(s)')") }
                placements!.append((n, parts[1]))
            }
        }
        let device: GSDMLDevice
        let config: GSDMLConfiguration
        do {
            device = try GSDMLReader.load(path: gsdml)
            config = try device.configuration(accessPoint: accessPoint, slots: placements)
        } catch {
            pnUsage(error.description)
        }
        if let ap = (accessPoint == nil ? device.accessPoints.first : device.accessPoints.first { $0.id == accessPoint }) {
            if !ap.reductionRatios.isEmpty && !ap.reductionRatios.contains(Int(ratio)) {
                pnUsage("--cycle \(cycle): the GSDML's access point '\(ap.id)' allows reduction ratios \(ap.reductionRatios.map(String.init).joined(separator: " ")) at send clock 32")
            }
        }

        // 1. The station by name.
        let identity: PNDCPIdentity
        do {
            let dcp: PNLinuxDCP
            do {
                dcp = try PNLinuxDCP(interface: interface)
            } catch {
                if error.isUsage { pnUsage(error.message) }
                pnFailure(error.message)
            }
            identity = try dcp.find(name: station, timeoutNs: UInt64(timeout) * 1_000_000)
        } catch {
            pnFailure(error.message)
        }
        guard identity.hasIP, identity.ip.address != 0 else { pnFailure("station '\(station)' (\(PNDCPText.mac(identity.mac))) has no IP address (orion pn set-ip)") }
        let deviceIP = PNDCPText.ipv4(identity.ip.address)
        if identity.hasDeviceID && (identity.vendorID != device.vendorID || identity.deviceID != device.deviceID) {
            say("warning: station '\(station)' is vendor 0x\(String(format: "%04x", identity.vendorID)) device 0x\(String(format: "%04x", identity.deviceID)), the GSDML describes 0x\(String(format: "%04x", device.vendorID)) 0x\(String(format: "%04x", device.deviceID))")
        }

        // 2. Connect.
        let timing = PNControllerTiming(sendClockFactor: 32, reductionRatio: UInt16(ratio), watchdogFactor: UInt16(watchdog))
        let controller: PNLinuxController
        do {
            controller = try PNLinuxController(interface: interface, deviceIP: identity.ip.address, expected: config.submodules, timing: timing,
                                               vendorID: device.vendorID, deviceID: device.deviceID)
        } catch {
            if case .link(let l) = error, l.isUsage { pnUsage(l.message) }
            pnFailure(error.message)
        }
        controller.rpcTimeoutNs = UInt64(timeout) * 1_000_000
        PNWait.catchStopSignals()
        let connection: PNControllerConnection
        do {
            connection = try controller.connect(stationName: "orion-controller")
        } catch {
            if case .moduleDiff(let diff) = error {
                pnFailure("station '\(station)': the device's modules differ from the configuration (ModuleDiffBlock):\n" + PNControllerReport.moduleDiffText(diff))
            }
            pnFailure("station '\(station)' (\(deviceIP)): " + error.message)
        }
        let ar = controller.ar
        if !json {
            say("connected to '\(station)' (\(PNDCPText.mac(identity.mac)), \(deviceIP)): \(config.submodules.count) submodules, input frame 0x\(String(format: "%04x", connection.inputFrameID)) (\(ar.inputLength) bytes), output frame 0x\(String(format: "%04x", connection.outputFrameID)) (\(ar.outputLength) bytes), cycle \(ratio) ms")
        }

        // 3, 4. PrmEnd, ApplicationReady and the cyclic exchange.
        if priority > 0, let why = PNLinuxController.realtime(priority: priority) {
            FileHandle.standardError.write(Data("orion: warning: SCHED_FIFO \(priority) and mlockall: \(why); running without\n".utf8))
        }
        let buckets = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 10_000)
        let overflowCycles = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 100)
        defer { buckets.deallocate(); overflowCycles.deallocate() }
        var record = LatencyHistogram(unit: .microseconds, buckets: buckets, overflowCycles: overflowCycles)
        let outputs = (0..<ar.count).filter { ar.submodules[$0].outputLength > 0 }
        let inputs = (0..<ar.count).filter { ar.submodules[$0].inputLength > 0 }
        let verbose = self.verbose && !json
        let stats: PNControllerRunStatistics
        do {
            stats = try controller.run(durationNs: durationNs, fill: { k, data in
                if let outputBytes {
                    guard k == 0 else { return }
                    var at = 0
                    for i in outputs {
                        let d = ar.outputData(i, in: data)
                        for j in 0..<d.count where at < outputBytes.count { d[j] = outputBytes[at]; at += 1 }
                    }
                } else {
                    for i in outputs {
                        let d = ar.outputData(i, in: data)
                        if d.count > 0 { d[0] = UInt8(truncatingIfNeeded: k / max(1, 1_000_000_000 / cycleNs / 10)) }
                    }
                }
            }, cycle: { latency in
                record.record(nanoseconds: latency)
            }, inputChanged: { k, data in
                guard verbose else { return }
                let text = inputs.map { i -> String in
                    let s = ar.submodules[i]
                    return "\(s.slot)/0x\(String(s.subslot, radix: 16))=" + ar.inputData(i, in: data).map { String(format: "%02x", $0) }.joined()
                }.joined(separator: " ")
                print("cycle \(k): inputs \(text)")
                fflush(nil)
            })
        } catch {
            try? controller.release()
            pnFailure("station '\(station)': " + error.message)
        }

        // 5. Release.
        var released = true
        do {
            try controller.release()
        } catch {
            released = false
            FileHandle.standardError.write(Data("orion: warning: release: \(error.message)\n".utf8))
        }
        controller.close()
        let report = PNControllerReport(
            station: station, interface: interface, deviceMAC: PNDCPText.mac(connection.deviceMAC), deviceIP: deviceIP,
            inputFrameID: connection.inputFrameID, outputFrameID: connection.outputFrameID, cycleNs: cycleNs, seconds: stats.secondsRun,
            applicationReadyCycle: stats.applicationReadyCycle, cycles: stats.cycles, framesSent: stats.framesSent, sendErrors: stats.sendErrors,
            framesReceived: stats.framesReceived, missedCycles: stats.missedCycles, lostByCounter: stats.lostByCounter,
            stale: stats.counters.stale, malformed: stats.counters.malformed, invalid: stats.counters.invalid,
            lastDataStatus: stats.lastDataStatus, jitter: PNControllerJitter(record),
            inputs: inputs.map { i in
                let s = ar.submodules[i]
                let first = stats.firstInput.withUnsafeBytes { Array(ar.inputData(i, in: $0)) }
                let last = stats.lastInput.withUnsafeBytes { Array(ar.inputData(i, in: $0)) }
                return PNControllerInput(slot: s.slot, subslot: s.subslot, first: first, last: last)
            },
            released: released)
        var full = report
        full.alarms = stats.alarms.map(PNControllerAlarm.init)
        full.abortedByDevice = stats.abortedByDevice
        print(json ? full.json : full.text, terminator: "")
        if stats.framesReceived == 0 { pnFailure("station '\(station)': no input frame arrived") }
        if stats.abortedByDevice != nil { pnFailure("station '\(station)': the device ended the AR") }
        if stats.alarmTimedOut { pnFailure("station '\(station)': an AlarmAck went unacknowledged; the AR is lost") }
    }
}
