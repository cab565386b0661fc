// `orion ecat pdos` and `orion ecat run`, and the SAFEOP/OP half of `orion ecat states`: process data read from
// each slave (CoE 0x1C12/0x1C13 and the PDOs they assign, or the SII), one process image, sync managers and
// FMMUs, SAFEOP, then OP with the cyclic LRW running.

import ArgumentParser
import EtherCATTool
import Fieldbus
import Foundation
import LinuxEtherCAT
import OrionTool
import RealTime

/// Each slave's process data and the listing `pdos` prints: from CoE when the slave has it (0x1C10 + the sync
/// manager's index, and each PDO's mapping), else from its SII. Slaves in INIT are taken to PREOP on the way.
func ecatProcessData(_ master: inout EtherCATMaster<RawSocketLink>, _ slaves: [EtherCATSlaveView],
                     link: EtherCATLinkOptions, remap: EtherCATRemapOptions? = nil) -> [(EtherCATSlaveProcessData, EtherCATPDOListing)] {
    var result: [(EtherCATSlaveProcessData, EtherCATPDOListing)] = []
    let (maps, assigns) = remap?.parsed(slaveCount: slaves.count, interface: link.interface) ?? ([], [])
    for s in slaves {
        let position = s.record.position
        ecatRemap(&master, s, maps: maps.filter { $0.position == position }, assigns: assigns.filter { $0.position == position }, link: link)
        var pd = EtherCATSlaveProcessData(station: s.record.station, position: position)
        var listing = EtherCATPDOListing(position: position, source: "SII", syncManagers: [])
        var names: [UInt32: String] = [:]
        let parsed: Bool = s.sii.withUnsafeBytes { raw in
            guard let sii = try? EtherCATSII(image: raw) else { return false }
            do {
                try pd.take(sii)
                listing = try EtherCATPDOListing.fromSII(sii, position: position)
            } catch {
                return false
            }
            names = EtherCATPDOListing.siiNames(sii)
            return true
        }
        guard parsed else { ecatFailure("slave \(position): its SII image has no usable sync manager or PDO categories") }
        if var mailbox = ecatMailbox(s) {
            mailbox = ecatOpenMailbox(&master, s, interface: link.interface)
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(max(mailbox.receiveSize, mailbox.sendSize)), alignment: 8)
            defer { scratch.deallocate() }
            var fromCoE = false
            for outputs in [true, false] {
                let sm = outputs ? pd.outputSyncManager : pd.inputSyncManager
                let assignment = 0x1C10 + UInt16(sm)
                var pdos: [EtherCATPDOListing.PDO] = []
                let bits: Int
                do {
                    bits = try master.readMapping(&mailbox, assignment: assignment, scratch: scratch, timeoutNs: link.mailboxTimeoutNs) { pdo, index, sub, length in
                        if pdos.last?.index != pdo { pdos.append(EtherCATPDOListing.PDO(index: pdo, name: names[UInt32(pdo) << 16 | 0xFFFF] ?? "", entries: [])) }
                        pdos[pdos.count - 1].entries.append(EtherCATPDOListing.Entry(index: index, subindex: sub, bits: length,
                                                                                     name: names[UInt32(index) << 16 | UInt32(sub) << 8] ?? ""))
                    }
                } catch {
                    // A slave with CoE but without the assignment object: its SII says what it maps.
                    if case .mailbox(.sdoAbort(assignment, _, _)) = error { continue }
                    ecatFailure("slave \(position): reading PDO assignment 0x\(String(format: "%04x", assignment)): " + ecatMessage(error, interface: link.interface))
                }
                fromCoE = true
                if outputs { pd.outputBits = bits } else { pd.inputBits = bits }
                if let k = listing.syncManagers.firstIndex(where: { $0.index == Int(sm) }) { listing.syncManagers[k].pdos = pdos }
            }
            if fromCoE { listing.source = "CoE" }
        }
        result.append((pd, listing))
    }
    return result
}

/// `--map` and `--assign` for the slaves that have them.
struct EtherCATRemapOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditionalSingleValue,
            help: "Remap a PDO in PREOP before the process data is laid out: POSITION:PDO=INDEX:SUBINDEX:BITS[,...] (repeatable; e.g. 0:0x1a00=0x6000:0:16,0x6001:0:16).")
    var map: [String] = []
    @Option(name: .long, parsing: .unconditionalSingleValue,
            help: "Assign PDOs to a sync manager in PREOP: POSITION:OBJECT=PDO[,...] with OBJECT 0x1c12 (outputs) or 0x1c13 (inputs) (repeatable; e.g. 0:0x1c13=0x1a00).")
    var assign: [String] = []

    /// Every value parsed (exit 2 with the reason otherwise), positions checked against the segment.
    func parsed(slaveCount: Int, interface: String) -> ([EtherCATMapArgument], [EtherCATAssignArgument]) {
        var maps: [EtherCATMapArgument] = []
        var assigns: [EtherCATAssignArgument] = []
        do {
            maps = try map.map { (m) throws(EtherCATRemapError) in try EtherCATRemap.parseMap(m) }
            assigns = try assign.map { (a) throws(EtherCATRemapError) in try EtherCATRemap.parseAssign(a) }
        } catch {
            ecatUsage(error.description)
        }
        for position in maps.map(\.position) + assigns.map(\.position) where position >= slaveCount {
            ecatNoSlave(at: position, of: slaveCount, on: interface)
        }
        return (maps, assigns)
    }

    /// Checks the values alone (before the bus is touched).
    func check() {
        for m in map { do { _ = try EtherCATRemap.parseMap(m) } catch { ecatUsage(error.description) } }
        for a in assign { do { _ = try EtherCATRemap.parseAssign(a) } catch { ecatUsage(error.description) } }
    }
}

/// Writes a slave's `--map`s (each PDO's mapping) and then its `--assign`s through CoE, in PREOP (a slave in
/// SAFEOP or OP is taken back first; one in INIT is taken to PREOP with its mailbox). Exit 2 when the slave has
/// no CoE, 1 with the abort when it refuses.
// @implements SWR-ECAT-PDO-2
func ecatRemap(_ master: inout EtherCATMaster<RawSocketLink>, _ slave: EtherCATSlaveView, maps: [EtherCATMapArgument],
               assigns: [EtherCATAssignArgument], link: EtherCATLinkOptions) {
    guard !maps.isEmpty || !assigns.isEmpty else { return }
    let position = slave.record.position
    guard ecatMailbox(slave) != nil else { ecatUsage("slave \(position) has no CoE mailbox: its PDOs cannot be remapped") }
    do {
        if let state = try master.alStatus(station: slave.record.station).state, state == .safeOperational || state == .operational {
            try master.requestState(station: slave.record.station, .preOperational, timeoutNs: 5_000_000_000)
        }
    } catch {
        ecatFailure("slave \(position): " + ecatMessage(error, interface: link.interface))
    }
    var mailbox = ecatOpenMailbox(&master, slave, interface: link.interface)
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(max(mailbox.receiveSize, mailbox.sendSize)), alignment: 8)
    defer { scratch.deallocate() }
    do {
        for m in maps {
            try m.entries.withUnsafeBufferPointer { (e) throws(EtherCATMailboxFailure) in
                try master.writeMapping(&mailbox, pdo: m.pdo, entries: e, scratch: scratch, timeoutNs: link.mailboxTimeoutNs)
            }
        }
        for a in assigns {
            try a.pdos.withUnsafeBufferPointer { (p) throws(EtherCATMailboxFailure) in
                try master.writeAssignment(&mailbox, assignment: a.object, pdos: p, scratch: scratch, timeoutNs: link.mailboxTimeoutNs)
            }
        }
    } catch {
        ecatFailure("slave \(position): remapping: " + ecatMessage(error, interface: link.interface))
    }
}

/// Lays the process image out, writes every slave's sync managers and FMMUs (slaves past PREOP are taken back to
/// PREOP first) and requests SAFEOP from each; exit 1 with the AL status code of a slave that refuses.
func ecatToSafeOp(_ master: inout EtherCATMaster<RawSocketLink>, _ process: inout [EtherCATSlaveProcessData],
                  interface: String, waitNs: UInt64, only: Int? = nil) -> EtherCATProcessImageLayout {
    let layout: EtherCATProcessImageLayout
    do {
        layout = try process.withUnsafeMutableBufferPointer { (b) throws(EtherCATProcessDataError) in try EtherCATProcessImage.layout(b) }
    } catch {
        if case .imageTooLarge(let n) = error {
            ecatFailure("the process image has \(n) bytes: more than one datagram carries (\(EtherCATWire.maxDatagramData))")
        }
        ecatFailure("\(error)")
    }
    for (i, pd) in process.enumerated() where only == nil || only == i {
        do {
            if let state = try master.alStatus(station: pd.station).state, state == .safeOperational || state == .operational {
                try master.requestState(station: pd.station, .preOperational, timeoutNs: waitNs)
            }
            try master.configureProcessData(pd, logicalBase: 0)
            try master.requestState(station: pd.station, .safeOperational, timeoutNs: waitNs)
        } catch {
            ecatFailure("slave \(i): " + ecatMessage(error, interface: interface))
        }
    }
    return layout
}

/// Asks every slave for OP and runs the cyclic exchange every `cycleNs` until all are in OP (AL status ORed over
/// the segment is OP, every slave answering) or `waitNs` passed; returns the cycles it took, nil when OP was not
/// reached.
func ecatToOp(_ master: inout EtherCATMaster<RawSocketLink>, _ process: [EtherCATSlaveProcessData], image: UnsafeMutableRawBufferPointer,
              cycleNs: UInt64, waitNs: UInt64, only: Int? = nil) -> Int? {
    let start = EtherCATHost.nowNs()
    var requested = false
    var cycle = 0
    while EtherCATHost.nowNs() - start < waitNs {
        cycle += 1
        EtherCATHost.sleep(untilNs: start + UInt64(cycle) * cycleNs)
        _ = try? master.exchangeProcessData(image)
        // Valid outputs first (a slave needs them before it goes to OP), then the request, then polling.
        if cycle == 3 && !requested {
            for (i, pd) in process.enumerated() where only == nil || only == i { try? master.writeState(station: pd.station, .operational) }
            requested = true
        }
        if requested && cycle % 5 == 0 {
            if let only {
                if let status = try? master.alStatus(station: process[only].station), status.state == .operational, !status.error { return cycle }
            } else if let (status, wkc) = try? master.alStatusOfAll(), status.raw & 0x1F == EtherCATState.operational.rawValue,
                      Int(wkc) == process.count {
                return cycle
            }
        }
    }
    return nil
}

struct EtherCATPDOs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdos",
        abstract: "Show each slave's sync managers with the PDOs assigned to them and their entries, as IgH's `ethercat pdos`.",
        discussion: "The assignment is read from the slave's CoE objects (0x1C12, 0x1C13 and the PDOs they name) when it has CoE, otherwise from its SII. Slaves in INIT are taken to PREOP.")

    @OptionGroup var link: EtherCATLinkOptions
    @Option(name: .shortAndLong, parsing: .unconditional, help: "Only the slave at this position (0 first).") var position: Int?
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false

    func run() throws {
        if let position, position < 0 { ecatUsage("--position must be 0 or more (got \(position))") }
        var master = link.master()
        let slaves = ecatScan(&master, interface: link.interface)
        if let position, position >= slaves.count { ecatNoSlave(at: position, of: slaves.count, on: link.interface) }
        let chosen = slaves.filter { position == nil || $0.record.position == position }
        let listings = ecatProcessData(&master, chosen, link: link).map(\.1)
        master.link.close()
        if json {
            print("{\"slaves\":[" + listings.map { $0.json() }.joined(separator: ",") + "]}")
        } else {
            for l in listings {
                if listings.count > 1 { print("=== Master 0, Slave \(l.position) ===") }
                print(l.text(), terminator: "")
            }
        }
    }
}

/// A duration as the commands take it: `250us`, `1ms`, `2s`, `1m`, or a bare number of milliseconds.
func ecatDuration(_ text: String) -> UInt64? {
    let units: [(String, UInt64)] = [("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        guard let v = UInt64(text.dropLast(suffix.count)), v > 0 else { return nil }
        let (r, o) = v.multipliedReportingOverflow(by: scale)
        return o ? nil : r
    }
    guard let v = UInt64(text), v > 0 else { return nil }
    return v * 1_000_000
}

struct EtherCATRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Bring the segment to OP and run the cyclic process-data exchange, with cyclictest-style statistics.",
        discussion: """
            Every slave's PDOs are read (CoE, else SII), the process image laid out (all outputs, then all inputs), \
            the sync managers and FMMUs written, SAFEOP and then OP requested while the exchange runs. Each cycle \
            sleeps to its release time (CLOCK_MONOTONIC, absolute, timer slack 1 ns), sends one LRW and checks its working counter. \
            The jitter is how late each cycle's frame left after its release time, in a histogram of microseconds \
            as cyclictest keeps one. A lost frame or a wrong working counter is counted; the AL status is then read \
            and slaves that left OP are asked back (and their error acknowledged). At the end the slaves go to \
            PREOP. Exit 1 when OP is not reached or --max-latency is exceeded; 2 for bad options.
            """)

    @OptionGroup var link: EtherCATLinkOptions
    @Option(name: .long, help: "Cycle time: 100us...1s (e.g. 1ms, 250us).") var cycle: String = "1ms"
    @Option(name: .long, help: "How long to run (e.g. 10s, 1m); until SIGINT when not given.") var duration: String?
    @Option(name: .long, parsing: .unconditional, help: "Run SCHED_FIFO at this priority (1...99) with locked memory; 0 leaves the scheduling alone.")
    var priority: Int = 0
    @Option(name: .long, parsing: .unconditional, help: "Histogram size in microseconds (cyclictest -h): 1...100000.")
    var histogram: Int = 1000
    @Option(name: .long, parsing: .unconditional, help: "Exit 1 when the largest jitter exceeds this many microseconds.")
    var maxLatency: Int?
    @Option(name: .long, help: "Write the statistics and histogram as JSON to this file.") var json: String?
    @Flag(name: .long, help: "Distributed clocks: delays and offsets set, drift compensated, SYNC0 started at the cycle time, the reference clock's time sent every cycle.")
    var dc = false
    @Option(name: .long, parsing: .unconditional, help: "SYNC0 shift from the cycle start in microseconds (with --dc): -cycle...cycle.")
    var shift: Int = 0
    @Flag(name: .short, help: "Quiet: only the summary at the end.") var quiet = false
    @OptionGroup var remap: EtherCATRemapOptions

    func run() throws {
        guard let cycleNs = ecatDuration(cycle), (100_000...1_000_000_000).contains(cycleNs) else {
            ecatUsage("--cycle must be 100us...1s (got '\(cycle)')")
        }
        var durationNs: UInt64? = nil
        if let duration {
            guard let d = ecatDuration(duration), d >= cycleNs else { ecatUsage("--duration must be a time of at least one cycle (got '\(duration)')") }
            durationNs = d
        }
        guard (0...99).contains(priority) else { ecatUsage("--priority must be 0...99 (got \(priority))") }
        guard (1...100_000).contains(histogram) else { ecatUsage("--histogram must be 1...100000 (got \(histogram))") }
        guard Int64(shift).magnitude * 1000 <= cycleNs else { ecatUsage("--shift must be within one cycle (got \(shift) us)") }
        if shift != 0 && !dc { ecatUsage("--shift needs --dc") }
        if let maxLatency, maxLatency < 0 { ecatUsage("--max-latency must be 0 or more (got \(maxLatency))") }
        remap.check()

        var master = link.master()
        let slaves = ecatScan(&master, interface: link.interface)
        var configured = ecatProcessData(&master, slaves, link: link, remap: remap)
        var process = configured.map(\.0)
        let layout = ecatToSafeOp(&master, &process, interface: link.interface, waitNs: 5_000_000_000)
        for i in configured.indices { configured[i].0 = process[i] }

        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: max(layout.totalBytes, 1), alignment: 8)
        defer { image.deallocate() }
        image.initializeMemory(as: UInt8.self, repeating: 0)
        let frame = UnsafeMutableRawBufferPointer(rebasing: image[0..<layout.totalBytes])
        // The cyclic path sends once a cycle and waits at most most of a cycle for the frame.
        master.attempts = 1
        master.timeoutNs = max(cycleNs * 8 / 10, 50_000)

        if priority > 0, let why = EtherCATHost.realtime(priority: priority) {
            FileHandle.standardError.write(Data("orion: warning: SCHED_FIFO \(priority) and mlockall: \(why); running without\n".utf8))
        }
        EtherCATHost.tightTimers()
        EtherCATHost.catchStopSignals()
        var clocks: [EtherCATDCSlave] = []
        var reference: Int? = nil
        if dc {
            // Set-up exchanges get the link's usual timeout and retries, not the cycle's.
            master.attempts = link.retries
            master.timeoutNs = UInt64(link.timeout) * 1_000_000
            clocks = slaves.map { EtherCATDCSlave(station: $0.record.station, hasDC: $0.record.hasDistributedClocks) }
            let masterTime = UInt64(max(0, (Date().timeIntervalSince1970 - 946_684_800) * 1e9))
            do {
                reference = try clocks.withUnsafeMutableBufferPointer { (b) throws(EtherCATDCError) in
                    try master.configureDistributedClocks(b, masterTime: masterTime)
                }
            } catch {
                switch error {
                case .noReferenceClock: ecatFailure("--dc: no slave on \(link.interface) has distributed clocks")
                case .branchedTopology(let station): ecatFailure("--dc: slave \(station) is a junction (more than two open ports): delays are only computed along a line")
                case .exchange(let e): ecatFailure("--dc: " + ecatMessage(e, interface: link.interface))
                }
            }
            do {
                _ = try master.compensateDrift(referencePosition: reference!, rounds: 2000)
                for c in clocks where c.hasDC {
                    _ = try master.startSync0(station: c.station, cycleNs: UInt32(cycleNs), shiftNs: Int32(shift * 1000))
                }
                master.attempts = 1
                master.timeoutNs = max(cycleNs * 8 / 10, 50_000)
            } catch {
                ecatFailure("--dc: " + ecatMessage(error, interface: link.interface))
            }
        }
        guard ecatToOp(&master, process, image: frame, cycleNs: cycleNs, waitNs: 10_000_000_000) != nil else {
            let states = ecatStatesText(&master, process)
            ecatFailure("the slaves did not reach OP within 10 s: \(states)")
        }
        if !quiet {
            ecatSay("OP: \(process.count) slave\(process.count == 1 ? "" : "s"), image \(layout.outputBytes) bytes out + \(layout.inputBytes) in, expected working counter \(layout.expectedWorkingCounter), cycle \(cycleNs / 1000) us")
            if let reference {
                let delays = clocks.enumerated().filter { $0.element.hasDC }.map { "slave \($0.offset) \($0.element.delay) ns" }.joined(separator: ", ")
                ecatSay("DC: reference clock slave \(reference), delays \(delays), SYNC0 every \(cycleNs / 1000) us shifted \(shift) us")
            }
        }

        // The measured run.
        let buckets = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: histogram)
        let overflowCycles = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 1000)
        defer { buckets.deallocate(); overflowCycles.deallocate() }
        var record = LatencyHistogram(unit: .microseconds, buckets: buckets, overflowCycles: overflowCycles)
        let before = master.counters
        var wkcErrors: UInt64 = 0
        var lostCycles: UInt64 = 0
        var recoveries: UInt64 = 0
        var notInOp = false
        var systemTime: UInt64 = 0
        var dcSamples = 0
        var dcWorst: UInt64 = 0
        var dcWorstSettled: UInt64 = 0
        var readdressed: UInt64 = 0
        var reportedMissing = false
        var announced = false
        let total: UInt64? = durationNs.map { $0 / cycleNs }
        let start = EtherCATHost.nowNs()
        var k: UInt64 = 0
        while !EtherCATHost.stopRequested {
            if let total, k >= total { break }
            k += 1
            let release = start + k * cycleNs
            EtherCATHost.sleep(untilNs: release)
            if EtherCATHost.stopRequested { break }
            let woke = EtherCATHost.nowNs()
            record.record(nanoseconds: woke > release ? woke - release : 0)
            var wkc: UInt16? = nil
            do {
                if let reference {
                    wkc = try master.exchangeProcessData(frame, referenceClock: clocks[reference].station, systemTime: &systemTime)
                } else {
                    wkc = try master.exchangeProcessData(frame)
                }
            } catch {
                lostCycles += 1
            }
            // With DC, every 50 cycles: how far each other DC slave's clock is from the reference's.
            if reference != nil && k % 50 == 25 {
                for (i, c) in clocks.enumerated() where c.hasDC && i != reference {
                    if let d = try? master.systemTimeDifference(station: c.station) {
                        dcSamples += 1
                        if d.magnitude > dcWorst { dcWorst = d.magnitude }
                        if k > total.map({ $0 / 2 }) ?? 5000, d.magnitude > dcWorstSettled { dcWorstSettled = d.magnitude }
                    }
                }
            }
            let good = wkc == layout.expectedWorkingCounter
            if wkc != nil && !good { wkcErrors += 1 }
            // A slave can leave OP with its sync managers still exchanging (SAFEOP keeps the working counter):
            // the segment's AL status is read after the frame every 50 cycles, every 10 while in trouble.
            var allInOp: Bool? = nil
            if good && k % (notInOp ? 10 : 50) == 0, let (status, n) = try? master.alStatusOfAll() {
                allInOp = status.raw & 0x1F == EtherCATState.operational.rawValue && Int(n) == process.count
            }
            if good && (allInOp ?? !notInOp) {
                if notInOp {
                    notInOp = false
                    reportedMissing = false
                    if !quiet && announced { ecatSay("cycle \(k): working counter \(layout.expectedWorkingCounter), every slave in OP again") }
                    announced = false
                }
                continue
            }
            // Something is wrong: a supervision pass (AL states, slaves asked back towards OP, station addresses
            // anew when lost slaves return) at once and then every 100 cycles while it lasts.
            if !notInOp || k % 100 == 0 {
                // A single lost frame is only counted; a wrong working counter or a slave out of OP is said.
                if !notInOp && wkc != nil && !good {
                    announced = true
                    if !quiet { ecatSay("cycle \(k): working counter \(wkc!), expected \(layout.expectedWorkingCounter)") }
                }
                if !notInOp && good {
                    announced = true
                    if !quiet { ecatSay("cycle \(k): not every slave is in OP") }
                }
                notInOp = true
                let pass = process.withUnsafeMutableBufferPointer { master.supervise($0) }
                recoveries += UInt64(pass.askedBack)
                if pass.readdressed { readdressed += 1 }
                if (pass.missing > 0) != reportedMissing {
                    reportedMissing = pass.missing > 0
                    announced = true
                    if !quiet {
                        ecatSay(reportedMissing ? "cycle \(k): \(pass.missing) of \(process.count) slaves do not answer" : "cycle \(k): all slaves answer again")
                    }
                }
            }
        }
        let elapsed = EtherCATHost.nowNs() - start
        let after = master.counters
        // The closing report reads each slave's state with the link's usual timeout and retries, not the
        // cycle's single 0.8-cycle try: one late answer must not report a slave as gone.
        master.attempts = link.retries
        master.timeoutNs = UInt64(link.timeout) * 1_000_000
        let states = ecatStatesText(&master, process)
        for pd in process { try? master.writeState(station: pd.station, .preOperational) }
        master.link.close()

        var summary = EtherCATRunSummary(cycles: record.cycles, cycleNs: cycleNs, elapsedNs: elapsed,
                                         framesLost: after.framesLost &- before.framesLost, lostCycles: lostCycles,
                                         unmatched: after.framesUnmatched &- before.framesUnmatched,
                                         malformed: after.framesMalformed &- before.framesMalformed, wkcErrors: wkcErrors,
                                         recoveries: recoveries, readdressed: readdressed, expectedWKC: layout.expectedWorkingCounter,
                                         record: record, states: states)
        if reference != nil {
            summary.dc = EtherCATRunSummary.DC(reference: reference!, delays: clocks.filter(\.hasDC).map(\.delay), samples: dcSamples,
                                               worstDifferenceNs: dcWorst, worstSecondHalfNs: dcWorstSettled)
        }
        print(summary.text(), terminator: "")
        if let json {
            guard FileManager.default.createFile(atPath: json, contents: Data(summary.json().utf8)) else {
                ecatUsage("cannot write \(json): \(String(cString: strerror(errno)))")
            }
        }
        if let maxLatency, record.maximum > UInt64(maxLatency) || record.overflows > 0 {
            ecatFailure("the largest jitter, \(record.overflows > 0 ? "over \(histogram)" : String(record.maximum)) us, exceeds --max-latency \(maxLatency) us")
        }
    }
}

/// Each slave's state now, as `slave 0: OP, slave 1: SAFEOP+ERR (0x001b Sync manager watchdog)`.
func ecatStatesText(_ master: inout EtherCATMaster<RawSocketLink>, _ process: [EtherCATSlaveProcessData]) -> String {
    process.enumerated().map { i, pd -> String in
        guard let status = try? master.alStatus(station: pd.station) else { return "slave \(i): no answer" }
        var text = "slave \(i): \(status.state.map { "\($0.name)" } ?? "0x" + String(status.raw, radix: 16))"
        if status.error, let code = try? master.readStation(pd.station, EtherCATRegister.alStatusCode, count: 2) {
            let c = EtherCATALStatusCode(UInt16(truncatingIfNeeded: code))
            text += "+ERR (0x\(String(format: "%04x", c.raw)) \(c.name.map { "\($0)" } ?? "unknown"))"
        }
        return text
    }.joined(separator: ", ")
}

/// A progress line, flushed at once (stdout may be a file or a pipe).
func ecatSay(_ line: String) {
    print(line)
    fflush(nil)
}
