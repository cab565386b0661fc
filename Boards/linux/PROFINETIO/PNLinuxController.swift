// A PROFINET IO controller on a Linux interface (`orion pn controller`): the RPC exchanges of one AR over a UDP
// socket on port 34964 (Connect, PrmEnd, the device's ApplicationReady answered, Release) with timeouts and
// retries, and the RT_CLASS_1 cyclic exchange on the raw socket: an output frame every cycle at absolute times,
// the device's input frames taken between them. The portable AR (requests, answers, frame layout) is
// Fieldbus/PROFINET/PNControllerAR.swift.

import CEtherCATIO
import Fieldbus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why the controller stopped, with a message for the user.
public enum PNControllerFailure: Error, Equatable, Sendable {
    case link(PNLinkError)
    /// No answer to an RPC request after every retry.
    case noAnswer(String)
    /// The device refused a request (PNIO status) or answered with a malformed or unexpected datagram.
    case controller(step: String, PNControllerError)
    /// The device did not send its ApplicationReady in time (output frames sent, input frames received meanwhile).
    case noApplicationReady(sent: UInt64, received: UInt64)
    /// The real configuration differs from the expected one (the connect's ModuleDiffBlock).
    case moduleDiff(PNModuleDiff)

    public var message: String {
        switch self {
        case .link(let e): return e.message
        case .noAnswer(let step): return "\(step): no answer from the device"
        case .controller(let step, let e): return "\(step): " + PNControllerFailure.describe(e)
        case .noApplicationReady(let sent, let received):
            return "the device did not send ApplicationReady after PrmEnd (\(sent) output frames sent, \(received) input frames received)"
        case .moduleDiff: return "the device's modules differ from the expected configuration"
        }
    }

    public static func describe(_ e: PNControllerError) -> String {
        switch e {
        case .refused(let s):
            return "refused with PNIO status 0x\(hex(s.value, 8)) (ErrorCode 0x\(hex(UInt32(s.errorCode), 2)), ErrorDecode 0x\(hex(UInt32(s.errorDecode), 2)), ErrorCode1 0x\(hex(UInt32(s.errorCode1), 2)), ErrorCode2 0x\(hex(UInt32(s.errorCode2), 2)))"
        case .rpcRejected(let status): return "the device rejected the RPC (NCA status 0x\(hex(status, 8)))"
        case .bytes(let b): return "a buffer is too small: \(b)"
        case .rpc(let r): return "malformed RPC answer: \(r)"
        case .block(let b): return "malformed blocks in the answer: \(b)"
        case .badSubmoduleCount(let n): return "\(n) submodules: an AR takes 1...\(PNControllerAR.capacity)"
        case .frameTooLong(let input, let n): return "the \(input ? "input" : "output") frame would carry \(n) bytes (at most \(PNRTWire.maxCSDU))"
        case .missingIOCR(let t): return "the connect response lacks the IOCRBlockRes of IOCR type \(t)"
        case .otherAR: return "the answer belongs to another AR"
        }
    }

    static func hex(_ v: UInt32, _ digits: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}

/// What the cyclic run measured.
public struct PNControllerRunStatistics: Sendable {
    public var cycles: UInt64 = 0
    public var framesSent: UInt64 = 0
    public var sendErrors: UInt64 = 0
    /// Input frames of the AR taken (fresh cycle counter, right source and length).
    public var framesReceived: UInt64 = 0
    /// Cycles after the first input frame in which no fresh input frame arrived.
    public var missedCycles: UInt64 = 0
    /// Frames the device's cycle counter says it sent and we did not get (gaps in its counter).
    public var lostByCounter: UInt64 = 0
    public var counters = PNRTCounters()
    /// Input frames whose data differed from the one before.
    public var inputChanges: UInt64 = 0
    /// Cycles until ApplicationReady was answered.
    public var applicationReadyCycle: UInt64? = nil
    public var secondsRun: Double = 0
    /// The input C_SDU of the first and of the last frame taken.
    public var firstInput: [UInt8] = []
    public var lastInput: [UInt8] = []
    /// The device's last DataStatus.
    public var lastDataStatus: UInt8 = 0
    /// The device's alarms, each acknowledged (the first 64 kept), and the alarm CR's counters.
    public var alarms: [PNAlarmNotification] = []
    public var alarmCounters = PNAlarmCounters()
    /// The PNIO status of the device's ERR-RTA-PDU when it ended the AR.
    public var abortedByDevice: PNIOStatus? = nil
    /// An AlarmAck went unacknowledged through every RTA retry (the run ends: the AR is lost).
    public var alarmTimedOut = false
    public init() {}
}

/// One AR with one device, from a Linux interface.
public final class PNLinuxController {
    public static let rpcPort: UInt16 = 34964
    public let raw: PNRawSocket
    public let udp: PNUDPSocket
    public let ar: PNControllerAR
    public let deviceIP: UInt32
    public var connection: PNControllerConnection?
    /// Each RPC request is sent this many times at most, waiting `rpcTimeoutNs` for each answer.
    public var rpcAttempts = 3
    public var rpcTimeoutNs: UInt64 = 1_000_000_000
    private var sequence: UInt32 = 0
    /// The activity of every request of this AR, the sequence number counting them: p-net (like DCE/RPC's
    /// connectionless protocol) ties the requests of one client to its activity, and takes the PrmEnd of an AR
    /// only in the activity that connected it.
    private let activity: PNUUID = PNLinuxController.activity()
    private let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    private let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    private let rpcTx = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    /// Our answers to the device's requests (apart from `tx`, which holds the output frame's header).
    private let answerTx = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    private let alarmTx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
    private let rpcRx = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
    private var closed = false

    /// Opens the raw socket and the RPC socket (port 34964 on `interface`) for an AR expecting `expected`.
    public init(interface: String, deviceIP: UInt32, expected: [PNSubmoduleSlot], timing: PNControllerTiming,
                vendorID: UInt16, deviceID: UInt16, instance: UInt16 = 1) throws(PNControllerFailure) {
        do {
            raw = try PNRawSocket(interface: interface)
        } catch {
            throw .link(error)
        }
        do {
            udp = try PNUDPSocket(interface: interface, port: Self.rpcPort)
        } catch {
            raw.close()
            throw .link(error)
        }
        self.deviceIP = deviceIP
        let arUUID = PNUUID(high: UInt64.random(in: 0...UInt64.max), low: UInt64.random(in: 0...UInt64.max))
        let rawMAC = raw.mac
        do {
            ar = try expected.withUnsafeBufferPointer { (b) throws(PNControllerError) in
                try PNControllerAR(expected: b, timing: timing, arUUID: arUUID, sessionKey: 1, controllerMAC: rawMAC,
                                   vendorID: vendorID, deviceID: deviceID, instance: instance)
            }
        } catch {
            raw.close()
            udp.close()
            throw .controller(step: "configuration", error)
        }
    }

    deinit {
        close()
        tx.deallocate()
        rx.deallocate()
        rpcTx.deallocate()
        rpcRx.deallocate()
        answerTx.deallocate()
        alarmTx.deallocate()
    }

    public func close() {
        guard !closed else { return }
        closed = true
        raw.close()
        udp.close()
    }

    /// A random activity UUID (version 4).
    static func activity() -> PNUUID {
        let high = (UInt64.random(in: 0...UInt64.max) & ~0xF000) | 0x4000
        let low = (UInt64.random(in: 0...UInt64.max) & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return PNUUID(high: high, low: low)
    }

    /// Sends the request `build` writes (given the activity and sequence number) and waits for its answer,
    /// retrying; the answer's length in `rpcRx`. Device requests arriving meanwhile (an early ApplicationReady)
    /// are answered.
    private func call(_ step: String, _ build: (UnsafeMutableRawBufferPointer, PNUUID, UInt32) throws(PNControllerError) -> Int) throws(PNControllerFailure) -> Int {
        let id = activity
        sequence &+= 1
        let seq = sequence
        let n: Int
        do {
            n = try build(rpcTx, id, seq)
        } catch {
            throw .controller(step: step, error)
        }
        for _ in 0..<max(1, rpcAttempts) {
            let r = udp.send(to: deviceIP, port: Self.rpcPort, UnsafeRawBufferPointer(rebasing: rpcTx[0..<n]))
            if r < 0 { throw .link(.system(operation: "sending the \(step) request", errno: -r)) }
            let deadline = PNWait.nowNs() + rpcTimeoutNs
            while PNWait.nowNs() < deadline && !PNWait.stopRequested {
                if PNWait.readable([udp.fd], deadlineNs: deadline) == 0 { continue }
                let (got, from, fromPort) = udp.receive(into: rpcRx)
                if got <= 0 { continue }
                let datagram = UnsafeRawBufferPointer(rebasing: rpcRx[0..<Int(got)])
                if PNControllerAR.isAnswer(datagram, activity: id, sequence: seq) { return Int(got) }
                answerDeviceRequest(datagram, from: from, port: fromPort)
            }
            if PNWait.stopRequested { break }
        }
        throw .noAnswer(step)
    }

    /// Whether ApplicationReady has been answered.
    public private(set) var applicationReady = false

    /// Answers the device's ApplicationReady in `datagram` (anything else is ignored).
    @discardableResult
    private func answerDeviceRequest(_ datagram: UnsafeRawBufferPointer, from: UInt32, port: UInt16) -> Bool {
        guard from == deviceIP, let n = ar.answerApplicationReady(datagram, into: answerTx) else { return false }
        _ = udp.send(to: from, port: port, UnsafeRawBufferPointer(rebasing: answerTx[0..<n]))
        applicationReady = true
        return true
    }

    /// Connect: the device's answer read; a module diff that names a wrong or missing module is a failure
    /// (after a Release, so the device does not keep the AR).
    public func connect(stationName: String) throws(PNControllerFailure) -> PNControllerConnection {
        var name = PNFixedString<240>()
        Array(stationName.utf8).withUnsafeBufferPointer { name.set($0) }
        let ar = self.ar
        let n = try call("connect") { (b, id, seq) throws(PNControllerError) in
            try ar.writeConnect(into: b, stationName: name, activity: id, sequence: seq)
        }
        let c: PNControllerConnection
        do {
            c = try ar.readConnectResponse(UnsafeRawBufferPointer(rebasing: rpcRx[0..<n]))
        } catch {
            throw .controller(step: "connect", error)
        }
        connection = c
        if c.configurationDiffers, let diff = c.moduleDiff {
            try? release()
            throw .moduleDiff(diff)
        }
        return c
    }

    /// PrmEnd: the parameters are written (none here).
    public func prmEnd() throws(PNControllerFailure) {
        let ar = self.ar
        let n = try call("PrmEnd") { (b, id, seq) throws(PNControllerError) in try ar.writePrmEnd(into: b, activity: id, sequence: seq) }
        do {
            try ar.readControlResponse(UnsafeRawBufferPointer(rebasing: rpcRx[0..<n]), expected: PNBlockType.iodControlReqPrmEnd | PNBlockType.responseBit)
        } catch {
            throw .controller(step: "PrmEnd", error)
        }
    }

    /// Release: the AR ends.
    public func release() throws(PNControllerFailure) {
        let ar = self.ar
        let saved = rpcAttempts
        rpcAttempts = 2
        defer { rpcAttempts = saved }
        let n = try call("release") { (b, id, seq) throws(PNControllerError) in try ar.writeRelease(into: b, activity: id, sequence: seq) }
        do {
            try ar.readControlResponse(UnsafeRawBufferPointer(rebasing: rpcRx[0..<n]), expected: PNBlockType.releaseBlockReq | PNBlockType.responseBit)
        } catch {
            throw .controller(step: "release", error)
        }
    }

    /// Makes this thread SCHED_FIFO at `priority` with locked memory; the reason when it cannot.
    public static func realtime(priority: Int32) -> String? {
        let r = orion_ec_realtime(priority)
        return r == 0 ? nil : String(cString: strerror(-r))
    }

    /// The cyclic exchange: an output frame every cycle (from right after the connect), the device's inputs
    /// taken, the device's ApplicationReady answered when it comes (within `applicationReadyTimeoutNs`, or the
    /// run fails), for `durationNs` after ApplicationReady or until SIGINT. `fill` writes each cycle's output
    /// data (cycle number, output C_SDU); `cycle` gets each wake-up's latency in ns; `inputChanged` each input
    /// C_SDU that differs from the one before.
    public func run(durationNs: UInt64?, applicationReadyTimeoutNs: UInt64 = 10_000_000_000,
                    fill: (UInt64, UnsafeMutableRawBufferPointer) -> Void, cycle: (UInt64) -> Void,
                    inputChanged: (UInt64, UnsafeRawBufferPointer) -> Void) throws(PNControllerFailure) -> PNControllerRunStatistics {
        guard let c = connection else { throw .noApplicationReady(sent: 0, received: 0) }
        var stats = PNControllerRunStatistics()
        guard let writer = PNRTFrameWriter(buffer: tx, destination: c.deviceMAC, source: raw.mac, frameID: c.outputFrameID,
                                           dataLength: Int(ar.outputDataLength)) else {
            throw .controller(step: "cyclic", .frameTooLong(input: false, length: Int(ar.outputDataLength)))
        }
        let cycleNs = ar.timing.cycleNs
        let step = ar.timing.counterStep
        ar.prepareOutput(writer.data)
        var lastInput = [UInt8](repeating: 0, count: Int(ar.inputDataLength))
        var haveInput = false
        var lastCounter: UInt16 = 0
        var prm: (id: PNUUID, seq: UInt32, sentAt: UInt64, attempts: Int)? = nil
        var prmLength = 0
        var prmDone = false
        var readyAt: UInt64? = nil
        let start = PNWait.nowNs()
        var k: UInt64 = 0
        var gotThisCycle = false
        // The controller's end of the alarm CR: the device's notifications taken and acknowledged (RTA timeout factor
        // 1 and 3 retries, as the connect asked).
        var alarms = PNAlarmCR(config: PNAlarmCRConfig(localReference: PNControllerAR.alarmReference, remoteReference: c.deviceAlarmReference,
                                                       controllerMAC: c.deviceMAC, timeoutNs: 100_000_000, retries: 3))
        func sendAlarmFrames() {
            for _ in 0..<6 {
                let (n, event) = alarms.poll(nowNs: PNWait.nowNs(), mac: raw.mac, into: alarmTx)
                if event == .transportFailed { stats.alarmTimedOut = true }
                if n == 0 { break }
                _ = raw.send(UnsafeRawBufferPointer(rebasing: alarmTx[0..<n]))
            }
        }
        _ = orion_ec_timer_slack(1)
        while !PNWait.stopRequested && stats.abortedByDevice == nil && !stats.alarmTimedOut {
            if let readyAt, let durationNs, k - readyAt >= durationNs / cycleNs { break }
            if readyAt == nil && k * cycleNs > applicationReadyTimeoutNs { throw .noApplicationReady(sent: stats.framesSent, received: stats.framesReceived) }
            let release = start + k * cycleNs
            _ = orion_ec_sleep_until_ns(release)
            let woke = PNWait.nowNs()
            cycle(woke > release ? woke - release : 0)
            if k > 0 && haveInput && !gotThisCycle { stats.missedCycles += 1 }
            gotThisCycle = false
            // PrmEnd first, and the output frames only once it is answered: p-net's CMIO takes the start of its
            // consumer (the first output frame) into account only after PrmEnd, and never reaches DATA otherwise.
            if prm == nil {
                let id = activity
                sequence &+= 1
                do {
                    prmLength = try ar.writePrmEnd(into: rpcTx, activity: id, sequence: sequence)
                } catch {
                    throw .controller(step: "PrmEnd", error)
                }
                prm = (id, sequence, 0, 0)
            }
            if prmDone {
                fill(k, writer.data)
                writer.setStatus(cycleCounter: UInt16(truncatingIfNeeded: k &* UInt64(step)), dataStatus: PNDataStatus.normal)
                if raw.send(writer.frame) < 0 { stats.sendErrors += 1 } else { stats.framesSent += 1 }
                stats.cycles += 1
            }
            if let p = prm, !prmDone, p.attempts == 0 || PNWait.nowNs() - p.sentAt > rpcTimeoutNs {
                if p.attempts >= max(1, rpcAttempts) { throw .noAnswer("PrmEnd") }
                let r = udp.send(to: deviceIP, port: Self.rpcPort, UnsafeRawBufferPointer(rebasing: rpcTx[0..<prmLength]))
                if r < 0 { throw .link(.system(operation: "sending the PrmEnd request", errno: -r)) }
                prm = (p.id, p.seq, PNWait.nowNs(), p.attempts + 1)
            }
            if applicationReady && readyAt == nil {
                readyAt = k
                stats.applicationReadyCycle = k
            }
            // Until the next release: input frames and RPC requests from the device.
            let next = start + (k + 1) * cycleNs
            while true {
                let ready = PNWait.readable([raw.fd, udp.fd], deadlineNs: next)
                if ready == 0 { break }
                if ready & 2 != 0 {
                    let (got, from, port) = udp.receive(into: rpcRx)
                    if got > 0 {
                        let datagram = UnsafeRawBufferPointer(rebasing: rpcRx[0..<Int(got)])
                        if let p = prm, !prmDone, PNControllerAR.isAnswer(datagram, activity: p.id, sequence: p.seq) {
                            do {
                                try ar.readControlResponse(datagram, expected: PNBlockType.iodControlReqPrmEnd | PNBlockType.responseBit)
                            } catch {
                                throw .controller(step: "PrmEnd", error)
                            }
                            prmDone = true
                        } else {
                            answerDeviceRequest(datagram, from: from, port: port)
                        }
                    }
                }
                if ready & 1 != 0 {
                    while true {
                        let got = raw.receive(into: rx)
                        if got <= 0 { break }
                        let bytes = UnsafeRawBufferPointer(rebasing: rx[0..<Int(got)])
                        if let (at, high) = PNAlarmCR.alarmPDU(in: bytes) {
                            let source = EthernetAddress(bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11])
                            switch alarms.receive(UnsafeRawBufferPointer(rebasing: bytes[at...]), highPriority: high, from: source) {
                            case .notification(let n):
                                if stats.alarms.count < 64 { stats.alarms.append(n) }
                                _ = alarms.acknowledge(n)
                            case .aborted(let status):
                                stats.abortedByDevice = status
                            default:
                                break
                            }
                            sendAlarmFrames()
                            continue
                        }
                        guard let frame = try? PNRTFrame(reading: bytes), frame.frameID == c.inputFrameID else { continue }
                        guard ar.isInput(frame, connection: c) else { stats.counters.malformed += 1; continue }
                        if haveInput {
                            let d = pnCycleDistance(from: lastCounter, to: frame.cycleCounter)
                            if d == 0 || d > 0x8000 { stats.counters.stale += 1; continue }
                            if step > 0 && d > step { stats.lostByCounter += UInt64(d / step) - 1 }
                        }
                        lastCounter = frame.cycleCounter
                        stats.counters.received += 1
                        stats.framesReceived += 1
                        gotThisCycle = true
                        stats.lastDataStatus = frame.dataStatus
                        if frame.dataStatus & PNDataStatus.dataValid == 0 || frame.dataStatus & PNDataStatus.run == 0 {
                            stats.counters.invalid += 1
                        }
                        let data = UnsafeRawBufferPointer(rebasing: bytes[frame.dataOffset..<(frame.dataOffset + Int(ar.inputDataLength))])
                        var changed = !haveInput
                        for i in 0..<data.count where lastInput[i] != data[i] {
                            changed = true
                            lastInput[i] = data[i]
                        }
                        if !haveInput { stats.firstInput = Array(data) }
                        if changed && haveInput { stats.inputChanges += 1 }
                        if changed { inputChanged(k, data) }
                        haveInput = true
                    }
                }
            }
            sendAlarmFrames()
            k += 1
        }
        stats.alarmCounters = alarms.counters
        stats.secondsRun = Double(PNWait.nowNs() - start) / 1e9
        stats.lastInput = lastInput
        stats.counters.sent = stats.framesSent
        if readyAt == nil && !PNWait.stopRequested { throw .noApplicationReady(sent: stats.framesSent, received: stats.framesReceived) }
        return stats
    }
}
