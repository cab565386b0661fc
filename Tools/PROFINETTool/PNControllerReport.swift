// What `orion pn controller` prints: the connection, the cyclic exchange's statistics (frames, missed cycles,
// wake-up jitter from a LatencyHistogram) and the inputs, as text or JSON; and a connect's ModuleDiffBlock in
// words.

import Fieldbus
import Foundation
import RealTime

/// One submodule's input data at the start and at the end of the run.
public struct PNControllerInput: Sendable, Equatable {
    public var slot: UInt16
    public var subslot: UInt16
    public var first: [UInt8]
    public var last: [UInt8]

    public init(slot: UInt16, subslot: UInt16, first: [UInt8], last: [UInt8]) {
        self.slot = slot
        self.subslot = subslot
        self.first = first
        self.last = last
    }

    public var changed: Bool { first != last }
}

/// The name IEC 61158-6-10 gives an AlarmType.
public func pnAlarmTypeName(_ type: UInt16) -> String {
    switch type {
    case 0x0001: return "diagnosis"
    case 0x0002: return "process"
    case 0x0003: return "pull"
    case 0x0004: return "plug"
    case 0x0005: return "status"
    case 0x0006: return "update"
    case 0x0007: return "redundancy"
    case 0x0008: return "controlled by supervisor"
    case 0x0009: return "released"
    case 0x000A: return "plug wrong submodule"
    case 0x000B: return "return of submodule"
    case 0x000C: return "diagnosis disappears"
    case 0x000D: return "multicast communication mismatch"
    case 0x000E: return "port data change"
    case 0x000F: return "sync data changed"
    case 0x0010: return "isochronous mode problem"
    case 0x0011: return "network component problem"
    case 0x0012: return "time data changed"
    case 0x0013: return "dynamic frame packing problem"
    case 0x0014: return "MRPD problem"
    case 0x0016: return "multiple interface mismatch"
    case 0x001E: return "upload and retrieval"
    case 0x001F: return "pull module"
    default: return String(format: "type 0x%04x", type)
    }
}

/// An alarm the device sent during the run (each was acknowledged).
public struct PNControllerAlarm: Sendable, Equatable {
    public var notification: PNAlarmNotification
    public init(_ notification: PNAlarmNotification) { self.notification = notification }

    public var text: String {
        let n = notification
        var s = "alarm: \(pnAlarmTypeName(n.alarmType)) slot \(n.slot) subslot 0x\(String(n.subslot, radix: 16)) sequence \(n.specifier.sequenceNumber)"
        if n.highPriority { s += " (high priority)" }
        if let d = n.diagnosis { s += String(format: ", channel 0x%04x error type 0x%04x", d.channelNumber, d.errorType) }
        return s + ": acknowledged"
    }

    public var json: String {
        let n = notification
        return "{\"type\": \(n.alarmType), \"name\": \"\(pnAlarmTypeName(n.alarmType))\", \"slot\": \(n.slot), \"subslot\": \(n.subslot), "
            + "\"module\": \(n.moduleIdent), \"submodule\": \(n.submoduleIdent), \"sequence\": \(n.specifier.sequenceNumber), "
            + "\"high\": \(n.highPriority), \"usi\": \(n.usi.map { String($0) } ?? "null"), "
            + "\"error_type\": \(n.diagnosis.map { String($0.errorType) } ?? "null")}"
    }
}

/// Wake-up latency figures in microseconds.
public struct PNControllerJitter: Sendable, Equatable {
    public var min: UInt64
    public var avg: UInt64
    public var max: UInt64
    /// The bucket where half the samples are reached.
    public var median: UInt64
    public var p99: UInt64
    /// Samples past the histogram's end (counted in max, not in the percentiles' buckets).
    public var overflows: UInt64

    public init(min: UInt64, avg: UInt64, max: UInt64, median: UInt64, p99: UInt64, overflows: UInt64) {
        self.min = min
        self.avg = avg
        self.max = max
        self.median = median
        self.p99 = p99
        self.overflows = overflows
    }

    /// The figures of `h` (microsecond buckets); the median and p99 are the buckets where 50 % and 99 % of the
    /// samples are reached (the maximum when that lies past the histogram).
    public init(_ h: LatencyHistogram) {
        func percentile(_ p: UInt64) -> UInt64 {
            guard h.cycles > 0 else { return h.maximum }
            let target = (h.cycles * p + 99) / 100
            var seen: UInt64 = 0
            for i in 0..<h.buckets.count {
                seen += h.buckets[i]
                if seen >= target { return UInt64(i) }
            }
            return h.maximum
        }
        self.init(min: h.minimum, avg: h.average, max: h.maximum, median: percentile(50), p99: percentile(99), overflows: h.overflows)
    }
}

/// The report of one run.
public struct PNControllerReport: Sendable, Equatable {
    public var station: String
    public var interface: String
    public var deviceMAC: String
    public var deviceIP: String
    public var inputFrameID: UInt16
    public var outputFrameID: UInt16
    public var cycleNs: UInt64
    public var seconds: Double
    public var applicationReadyCycle: UInt64?
    public var cycles: UInt64
    public var framesSent: UInt64
    public var sendErrors: UInt64
    public var framesReceived: UInt64
    public var missedCycles: UInt64
    public var lostByCounter: UInt64
    public var stale: UInt64
    public var malformed: UInt64
    public var invalid: UInt64
    public var lastDataStatus: UInt8
    public var jitter: PNControllerJitter
    public var inputs: [PNControllerInput]
    public var released: Bool
    /// The device's alarms (each acknowledged).
    public var alarms: [PNControllerAlarm] = []
    /// The device's ERR-RTA-PDU, when it ended the AR.
    public var abortedByDevice: PNIOStatus? = nil

    public init(station: String, interface: String, deviceMAC: String, deviceIP: String, inputFrameID: UInt16, outputFrameID: UInt16,
                cycleNs: UInt64, seconds: Double, applicationReadyCycle: UInt64?, cycles: UInt64, framesSent: UInt64, sendErrors: UInt64,
                framesReceived: UInt64, missedCycles: UInt64, lostByCounter: UInt64, stale: UInt64, malformed: UInt64, invalid: UInt64,
                lastDataStatus: UInt8, jitter: PNControllerJitter, inputs: [PNControllerInput], released: Bool) {
        self.station = station
        self.interface = interface
        self.deviceMAC = deviceMAC
        self.deviceIP = deviceIP
        self.inputFrameID = inputFrameID
        self.outputFrameID = outputFrameID
        self.cycleNs = cycleNs
        self.seconds = seconds
        self.applicationReadyCycle = applicationReadyCycle
        self.cycles = cycles
        self.framesSent = framesSent
        self.sendErrors = sendErrors
        self.framesReceived = framesReceived
        self.missedCycles = missedCycles
        self.lostByCounter = lostByCounter
        self.stale = stale
        self.malformed = malformed
        self.invalid = invalid
        self.lastDataStatus = lastDataStatus
        self.jitter = jitter
        self.inputs = inputs
        self.released = released
    }

    /// Whether any submodule's input data changed during the run.
    public var inputChanged: Bool { inputs.contains { $0.changed } }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    public var text: String {
        var s = ""
        s += "station \(station) (\(deviceMAC), \(deviceIP)) on \(interface): input frame 0x\(String(format: "%04x", inputFrameID)), output frame 0x\(String(format: "%04x", outputFrameID)), cycle \(Double(cycleNs) / 1e6) ms\n"
        if let a = applicationReadyCycle { s += "application ready after \(a) cycles\n" }
        s += String(format: "ran %.1f s: %llu cycles, %llu frames sent (%llu send errors), %llu received, %llu cycles missed, %llu lost by the device's cycle counter\n",
                    seconds, cycles, framesSent, sendErrors, framesReceived, missedCycles, lostByCounter)
        s += "dropped inputs: \(stale) stale, \(malformed) malformed; \(invalid) with data invalid or provider stopped; last DataStatus 0x\(String(format: "%02x", lastDataStatus))\n"
        s += "jitter (wake-up latency, us): min \(jitter.min) avg \(jitter.avg) median \(jitter.median) max \(jitter.max) p99 \(jitter.p99)\(jitter.overflows > 0 ? " (\(jitter.overflows) past the histogram)" : "")\n"
        for i in inputs {
            s += "input slot \(i.slot) subslot 0x\(String(format: "%x", i.subslot)): \(Self.hex(i.last))\(i.changed ? " (was \(Self.hex(i.first)) at the start)" : " (unchanged)")\n"
        }
        for a in alarms { s += a.text + "\n" }
        if let st = abortedByDevice {
            s += String(format: "the device ended the AR (ERR-RTA-PDU, PNIO status 0x%02x%02x%02x%02x)\n", st.errorCode, st.errorDecode, st.errorCode1, st.errorCode2)
        }
        s += "inputs \(inputChanged ? "changed" : "did not change") during the run; \(released ? "released" : "not released")\n"
        return s
    }

    public var json: String {
        func q(_ t: String) -> String { "\"" + t.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        let ins = inputs.map { "{\"slot\": \($0.slot), \"subslot\": \($0.subslot), \"first\": \(q(Self.hex($0.first))), \"last\": \(q(Self.hex($0.last))), \"changed\": \($0.changed)}" }
        return """
        {"station": \(q(station)), "interface": \(q(interface)), "mac": \(q(deviceMAC)), "ip": \(q(deviceIP)), \
        "input_frame_id": \(inputFrameID), "output_frame_id": \(outputFrameID), "cycle_ns": \(cycleNs), \
        "seconds": \(String(format: "%.3f", seconds)), "application_ready_cycle": \(applicationReadyCycle.map { String($0) } ?? "null"), \
        "cycles": \(cycles), "frames_sent": \(framesSent), "send_errors": \(sendErrors), "frames_received": \(framesReceived), \
        "missed_cycles": \(missedCycles), "lost_by_counter": \(lostByCounter), "stale": \(stale), "malformed": \(malformed), \
        "invalid": \(invalid), "last_data_status": \(lastDataStatus), \
        "jitter_us": {"min": \(jitter.min), "avg": \(jitter.avg), "median": \(jitter.median), "max": \(jitter.max), "p99": \(jitter.p99), "overflows": \(jitter.overflows)}, \
        "inputs": [\(ins.joined(separator: ", "))], "input_changed": \(inputChanged), \
        "alarms": [\(alarms.map(\.json).joined(separator: ", "))], \
        "aborted_by_device": \(abortedByDevice.map { String(format: "\"0x%02x%02x%02x%02x\"", $0.errorCode, $0.errorDecode, $0.errorCode1, $0.errorCode2) } ?? "null"), \
        "released": \(released)}

        """
    }

    /// A ModuleDiffBlock in words: each module not proper, each submodule not OK.
    public static func moduleDiffText(_ d: PNModuleDiff) -> String {
        var lines: [String] = []
        for i in 0..<d.modules.count {
            let m = d.modules[i]
            let state: String
            switch m.state {
            case .noModule: state = "no module"
            case .wrongModule: state = "wrong module"
            case .properModule: state = "proper module"
            case .substitute: state = "substitute module"
            default: state = "state \(m.state.rawValue)"
            }
            var subs: [String] = []
            for k in 0..<d.submodules.count where d.submodules[k].slot == m.slot && d.submodules[k].api == m.api {
                let s = d.submodules[k]
                let ident: String
                switch s.state.identInfo {
                case PNSubmoduleState.identOK: ident = "ok"
                case PNSubmoduleState.identSubstitute: ident = "substitute"
                case PNSubmoduleState.identWrong: ident = "wrong submodule"
                case PNSubmoduleState.identNoSubmodule: ident = "no submodule"
                default: ident = "ident info \(s.state.identInfo)"
                }
                subs.append("subslot 0x\(String(format: "%x", s.subslot)) (submodule ident 0x\(String(format: "%x", s.submoduleIdent))): \(ident)")
            }
            if m.state == .properModule && subs.allSatisfy({ $0.hasSuffix(": ok") }) { continue }
            lines.append("slot \(m.slot): \(state) (module ident 0x\(String(format: "%x", m.moduleIdent)))" + (subs.isEmpty ? "" : "; " + subs.joined(separator: "; ")))
        }
        return lines.joined(separator: "\n")
    }
}
