// Guest app `ecat-demo`: an EtherCAT master on the board. Finds QEMU's modern virtio-net PCI NIC on bus 0
// (`orion run --app ecat-demo` attaches it to a host tap device, where a segment answers: KickCAT's simulated
// slaves in the tests), assigns its BARs, starts the device (Kernel/Drivers/VirtioNet), and with the portable
// master (Fieldbus/EtherCAT) scans the segment, reads each slave's SII and, through CoE, its PDO mapping, lays
// out the process image, sets up sync managers and FMMUs and takes every slave to SAFEOP. Then one periodic
// task (1 ms, with a budget) runs the cyclic LRW, asks for OP and supervises the working counter, waiting for
// each answer on the NIC's interrupt (its INTx line bound to the task's notification); at the end
// it reads every slave's state and takes them back to PREOP. Exit 0 when the segment reached OP and stayed
// there with the right working counter, 1 otherwise, 3 when the machine has no PCIe or no virtio-net NIC.

import BoardBoot
import Fieldbus
import Kernel
import KernelSupport
import Boards

#if hasFeature(Embedded)

// Nothing here is a top-level stored variable: main.swift's top-level code never runs on a board.

/// The most slaves the demo takes.
var maxSlaves: Int { 8 }
/// The cycle, the cycles run, and the task's budget per cycle.
var cycleNs: UInt64 { 1_000_000 }
var cycleCount: Int { 3000 }
var budgetNs: UInt64 { 800_000 }
/// How long the cyclic frame may take to come back (the rest of the budget is for the task's own work).
var frameTimeoutNs: UInt64 { 900_000 }
/// The longest the task waits for the NIC's interrupt before it looks at the receive queue anyway (a guard
/// against a lost interrupt; under `-icount` with `sleep=off` an idle guest's time jumps, and short waits
/// give QEMU's I/O thread its turns).
var pollNs: UInt64 { 50_000 }
/// Capability slots of the cyclic task: the NIC's registers, the demo's state, the DMA memory.
var registersSlot: UInt8 { 2 }
var notificationSlot: UInt8 { 0 }
var interruptSlot: UInt8 { 1 }
/// The bit the NIC's interrupt sets in the task's notification.
var interruptBit: UInt64 { 1 }
var memorySlot: UInt8 { 14 }
var stateSlot: UInt8 { 15 }

/// The master's link: frames through the virtio-net device, time from the architecture counter (before the
/// task set, in the kernel: `counterHz` is the counter's frequency) or from `Sys.now()` in the task
/// (`counterHz` 0). Frames of another EtherType (the host's own traffic on the tap) are counted and dropped.
struct VirtioEtherCATLink: EtherCATLink {
    var net: VirtioNet<VirtioMMIO>
    var counterHz: UInt64
    /// The cycle counter right after the last frame was handed to the NIC (its queue notified).
    var lastSendCycles: UInt64 = 0
    var lastSendNs: UInt64 = 0
    var otherFrames: UInt64 = 0
    /// Waits for an answer that the NIC's interrupt ended.
    var interruptWakes: UInt64 = 0

    var macAddress: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) { net.macAddress }

    mutating func send(_ frame: UnsafeRawBufferPointer) throws(EtherCATLinkError) {
        guard net.send(frame) else { throw .failed(code: 105) }  // ENOBUFS: every transmit buffer is out
        lastSendCycles = Sys.cycles()
        lastSendNs = nowNs()
    }

    // @implements SWR-ECAT-BOARD-1
    mutating func receive(into buffer: UnsafeMutableRawBufferPointer, deadlineNs: UInt64) throws(EtherCATLinkError) -> Int {
        while true {
            let n = net.receive(into: buffer)
            if n > 0 {
                if n >= 14 && buffer[12] == 0x88 && buffer[13] == 0xA4 { return n }
                otherFrames &+= 1
                continue
            }
            let now = nowNs()
            if now >= deadlineNs { return 0 }
            // In the task: wait for the NIC's interrupt (bound to the task's notification), at most `pollNs` at a
            // time. The CPU idles meanwhile (under QEMU the host thread that delivers the answer gets to run),
            // and the budget is spent on work. The acknowledgement unmasks the line at the interrupt controller
            // for the next frame.
            if counterHz == 0 {
                // The line is dropped before every wait (as Linux's vp_interrupt reads the ISR status each time):
                // a frame that arrives during the wait raises it anew, which an interrupt controller that latches
                // edges (QEMU's PLIC) needs; when the status shows a frame came meanwhile, the queue is looked at
                // again first.
                if net.interruptStatus() & 1 != 0 { continue }
                let (result, bits) = Sys.wait(notificationSlot, untilNs: min(now &+ pollNs, deadlineNs))
                if result == 0 && bits & interruptBit != 0 {
                    interruptWakes &+= 1
                    _ = Sys.interruptAck(interruptSlot)
                }
            }
        }
    }

    func nowNs() -> UInt64 {
        if counterHz == 0 { return Sys.now() }
        let t = systemCounter()
        return t / counterHz &* 1_000_000_000 &+ (t % counterHz) &* 1_000_000_000 / counterHz
    }
}

typealias Master = EtherCATMaster<VirtioEtherCATLink>

/// Everything the cyclic task works on (in the shared pool while it runs).
struct Demo {
    var master: Master
    var slaves: InlineArray<8, EtherCATSlaveProcessData>
    var slaveCount: Int
    var image: UnsafeMutableRawBufferPointer
    var layout: EtherCATProcessImageLayout
    /// Results: the cycle OP was reached in (0: never), cycles run, frames not answered, working counter
    /// errors and AL status checks that found a slave out of OP after that, each slave's state at the end.
    var opCycle = 0
    var cycles = 0
    var lost = 0
    var wkcErrors = 0
    var outOfOp = 0
    var finalStates = InlineArray<8, UInt16>(repeating: 0xFFFF)
    /// Cycle counter from the task's release (its return from waiting for the period) to the frame handed to
    /// the NIC: the fewest, most and sum over the cycles.
    var handMin = UInt64.max
    var handMax: UInt64 = 0
    var handSum: UInt64 = 0
    var handCount: UInt64 = 0
    /// Nanoseconds from the frame handed to the NIC to its answer taken, over the answered cycles.
    var roundTripMin = UInt64.max
    var roundTripMax: UInt64 = 0
    var roundTripSum: UInt64 = 0
    var answered: UInt64 = 0
}

// @implements SWR-ECAT-BOARD-1
@_cdecl("ecat_demo_cycle")
func cycleTask(_ argument: UInt) {
    let d = UnsafeMutablePointer<Demo>(bitPattern: argument)!
    d.pointee.master.attempts = 1
    d.pointee.master.timeoutNs = frameTimeoutNs
    let n = d.pointee.slaveCount
    var k = 0
    while k < cycleCount {
        if k > 0 { Sys.waitForNextPeriod() }
        k += 1
        let released = Sys.cycles()
        // The outputs: a counter in each slave's first output byte.
        var s = 0
        while s < n {
            if d.pointee.slaves[s].outputBytes > 0 { d.pointee.image[d.pointee.slaves[s].outputOffset] = UInt8(truncatingIfNeeded: k) }
            s += 1
        }
        var wkc: UInt16? = nil
        let sentBefore = d.pointee.master.link.net.counters.framesSent
        do {
            wkc = try d.pointee.master.exchangeProcessData(d.pointee.image)
        } catch {
            d.pointee.lost += 1
        }
        if wkc != nil {
            let trip = Sys.now() &- d.pointee.master.link.lastSendNs
            if trip < d.pointee.roundTripMin { d.pointee.roundTripMin = trip }
            if trip > d.pointee.roundTripMax { d.pointee.roundTripMax = trip }
            d.pointee.roundTripSum &+= trip
            d.pointee.answered += 1
        }
        // The cycle's first frame: how long from the release until it was handed to the NIC.
        if d.pointee.master.link.net.counters.framesSent == sentBefore &+ 1 {
            let hand = d.pointee.master.link.lastSendCycles &- released
            if hand < d.pointee.handMin { d.pointee.handMin = hand }
            if hand > d.pointee.handMax { d.pointee.handMax = hand }
            d.pointee.handSum &+= hand
            d.pointee.handCount &+= 1
        }
        if d.pointee.opCycle == 0 {
            // Valid outputs first, then the request, then the AL status every 5 cycles until all are in OP.
            if k == 3 {
                s = 0
                while s < n {
                    _ = try? d.pointee.master.writeState(station: d.pointee.slaves[s].station, .operational)
                    s += 1
                }
            } else if k > 3 && k % 5 == 0, let (status, answered) = try? d.pointee.master.alStatusOfAll(),
                      status.raw & 0x1F == EtherCATState.operational.rawValue && Int(answered) == n {
                d.pointee.opCycle = k
            }
        } else {
            if let wkc, wkc != d.pointee.layout.expectedWorkingCounter { d.pointee.wkcErrors += 1 }
            if k % 100 == 0, let (status, answered) = try? d.pointee.master.alStatusOfAll(),
               status.raw & 0x1F != EtherCATState.operational.rawValue || Int(answered) != n {
                d.pointee.outOfOp += 1
            }
        }
    }
    d.pointee.cycles = k
    // The closing states with the usual timeout and retries, then every slave back to PREOP.
    d.pointee.master.attempts = 3
    d.pointee.master.timeoutNs = 100_000_000
    var s = 0
    while s < n {
        if let status = try? d.pointee.master.alStatus(station: d.pointee.slaves[s].station) {
            d.pointee.finalStates[s] = status.raw
        }
        _ = try? d.pointee.master.writeState(station: d.pointee.slaves[s].station, .preOperational)
        s += 1
    }
}

func say(_ system: UnsafeMutablePointer<System>, _ text: StaticString) { system.pointee.console.write(text) }

func stateName(_ raw: UInt16) -> StaticString {
    if raw == 0xFFFF { return "no answer" }
    switch EtherCATState(rawValue: UInt8(truncatingIfNeeded: raw & 0x0F)) {
    case .initial: return raw & 0x10 != 0 ? "INIT+ERR" : "INIT"
    case .preOperational: return raw & 0x10 != 0 ? "PREOP+ERR" : "PREOP"
    case .bootstrap: return "BOOT"
    case .safeOperational: return raw & 0x10 != 0 ? "SAFEOP+ERR" : "SAFEOP"
    case .operational: return raw & 0x10 != 0 ? "OP+ERR" : "OP"
    default: return "unknown"
    }
}

/// Why a bring-up step failed, for the console.
func errorName(_ e: EtherCATError) -> StaticString {
    switch e {
    case .link: return "the NIC refused the frame"
    case .noResponse: return "no answer (is the segment on the tap?)"
    case .workingCounter: return "wrong working counter"
    case .state: return "the slave refused the state"
    case .sii: return "the slave's SII did not answer"
    default: return "failed"
    }
}

/// Scans the segment and takes every slave to SAFEOP with its process data set up; false (said) on failure.
func bringUp(_ system: UnsafeMutablePointer<System>, _ demo: inout Demo, scratch: UnsafeMutableRawBufferPointer) -> Bool {
    var records = InlineArray<8, EtherCATSlaveRecord>(repeating: EtherCATSlaveRecord(position: 0, station: 0))
    var seen = 0
    do {
        _ = try demo.master.scan { record in
            if seen < maxSlaves { records[seen] = record }
            seen += 1
        }
    } catch {
        say(system, "ecat-demo: scan: ")
        say(system, errorName(error))
        say(system, "\n")
        return false
    }
    guard seen > 0 else {
        say(system, "ecat-demo: no slaves on the segment\n")
        return false
    }
    if seen > maxSlaves { say(system, "ecat-demo: more than 8 slaves: the first 8 are taken\n") }
    demo.slaveCount = min(seen, maxSlaves)
    var i = 0
    while i < demo.slaveCount {
        let record = records[i]
        var pd = EtherCATSlaveProcessData(station: record.station, position: i)
        var coe = false
        do throws(EtherCATError) {
            let n = try demo.master.readSIIImage(station: record.station, into: scratch)
            guard let sii = try? EtherCATSII(image: UnsafeRawBufferPointer(rebasing: scratch[0..<n])),
                  (try? pd.take(sii)) != nil else {
                say(system, "ecat-demo: a slave's SII has no usable sync manager or PDO categories\n")
                return false
            }
            coe = sii.mailboxProtocols.contains(.coe) && sii.mailboxReceiveSize > 0 && sii.mailboxSendSize > 0
            if try demo.master.alStatus(station: record.station).state == .initial {
                if pd.mailboxReceiveSize > 0 && pd.mailboxSendSize > 0 {
                    try demo.master.configureMailbox(station: record.station, receiveOffset: pd.mailboxReceiveOffset,
                                                     receiveSize: pd.mailboxReceiveSize, sendOffset: pd.mailboxSendOffset,
                                                     sendSize: pd.mailboxSendSize)
                }
                try demo.master.requestState(station: record.station, .preOperational, timeoutNs: 5_000_000_000)
            }
        } catch {
            say(system, "ecat-demo: slave bring-up to PREOP: ")
            say(system, errorName(error))
            say(system, "\n")
            return false
        }
        // With CoE the slave's PDO assignment objects say what it maps (the SII may describe another mapping).
        if coe {
            var mailbox = EtherCATMailbox(station: record.station, receiveOffset: pd.mailboxReceiveOffset, receiveSize: pd.mailboxReceiveSize,
                                          sendOffset: pd.mailboxSendOffset, sendSize: pd.mailboxSendSize)
            var outputs = true
            var j = 0
            while j < 2 {
                outputs = j == 0
                let assignment = 0x1C10 + UInt16(outputs ? pd.outputSyncManager : pd.inputSyncManager)
                do throws(EtherCATMailboxFailure) {
                    let bits = try demo.master.readMapping(&mailbox, assignment: assignment, scratch: scratch, timeoutNs: 300_000_000) { _, _, _, _ in }
                    if outputs { pd.outputBits = bits } else { pd.inputBits = bits }
                } catch {
                    // A slave with CoE but without the assignment object keeps what its SII says.
                    if case .mailbox(.sdoAbort(assignment, _, _)) = error {} else {
                        say(system, "ecat-demo: reading a PDO assignment through CoE failed\n")
                        return false
                    }
                }
                j += 1
            }
        }
        demo.slaves[i] = pd
        var console = system.pointee.console
        console.write("ecat-demo: slave ")
        console.write(decimal: i)
        console.write(": station ")
        console.write(decimal: UInt64(record.station))
        console.write(" vendor ")
        console.write(hex: UInt64(record.vendorID))
        console.write(" product ")
        console.write(hex: UInt64(record.productCode))
        console.write(coe ? " (CoE)" : "")
        console.write(", outputs ")
        console.write(decimal: pd.outputBytes)
        console.write(" bytes, inputs ")
        console.write(decimal: pd.inputBytes)
        console.write(" bytes\n")
        system.pointee.console = console
        i += 1
    }
    let count = demo.slaveCount
    let layout: EtherCATProcessImageLayout? = withUnsafeMutablePointer(to: &demo.slaves) { p in
        let table = UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(p).assumingMemoryBound(to: EtherCATSlaveProcessData.self), count: count)
        return try? EtherCATProcessImage.layout(table)
    }
    guard let layout, layout.totalBytes <= demo.image.count else {
        say(system, "ecat-demo: the process image does not fit one datagram\n")
        return false
    }
    demo.layout = layout
    demo.image = UnsafeMutableRawBufferPointer(rebasing: demo.image[0..<layout.totalBytes])
    i = 0
    while i < count {
        do throws(EtherCATError) {
            try demo.master.configureProcessData(demo.slaves[i], logicalBase: 0)
            try demo.master.requestState(station: demo.slaves[i].station, .safeOperational, timeoutNs: 10_000_000_000)
        } catch {
            say(system, "ecat-demo: SAFEOP: ")
            say(system, errorName(error))
            say(system, "\n")
            return false
        }
        i += 1
    }
    var console = system.pointee.console
    console.write("ecat-demo: SAFEOP: ")
    console.write(decimal: count)
    console.write(" slaves, image ")
    console.write(decimal: layout.outputBytes)
    console.write(" bytes out + ")
    console.write(decimal: layout.inputBytes)
    console.write(" in, expected working counter ")
    console.write(decimal: UInt64(layout.expectedWorkingCounter))
    console.newline()
    system.pointee.console = console
    return true
}

@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    guard let hz = system.pointee.platform.timerFrequencyHz, hz > 0 else {
        say(system, "ecat-demo: the board's counter frequency is unknown\n")
        return 1
    }
    var status: Int32 = 1
    guard let found = findVirtioNetNIC(system, app: "ecat-demo", status: &status) else { return status }
    let nic = found.resources
    let queueSize: UInt16 = 16
    let dmaBytes = VirtioNet<VirtioMMIO>.memoryBytes(queueSize: queueSize)
    let frameBytes = 2048
    let scratchBytes = 8192
    let ran: Int32? = withSharedBytes(dmaBytes + 3 * frameBytes + scratchBytes) { memory, memoryArea in
        let dma = UnsafeMutableRawBufferPointer(rebasing: memory[0..<dmaBytes])
        let tx = UnsafeMutableRawBufferPointer(rebasing: memory[dmaBytes..<(dmaBytes + frameBytes)])
        let rx = UnsafeMutableRawBufferPointer(rebasing: memory[(dmaBytes + frameBytes)..<(dmaBytes + 2 * frameBytes)])
        let image = UnsafeMutableRawBufferPointer(rebasing: memory[(dmaBytes + 2 * frameBytes)..<(dmaBytes + 3 * frameBytes)])
        let scratch = UnsafeMutableRawBufferPointer(rebasing: memory[(dmaBytes + 3 * frameBytes)..<(dmaBytes + 3 * frameBytes + scratchBytes)])
        guard let net = startVirtioNet(system, app: "ecat-demo", found, memory: dma, queueSize: queueSize) else { return 1 }
        let link = VirtioEtherCATLink(net: net, counterHz: hz)
        var demo = Demo(master: Master(link: link, tx: tx, rx: rx, timeoutNs: 100_000_000, attempts: 3),
                        slaves: InlineArray<8, EtherCATSlaveProcessData>(repeating: EtherCATSlaveProcessData(station: 0)),
                        slaveCount: 0, image: image,
                        layout: EtherCATProcessImageLayout(outputBytes: 0, inputBytes: 0, expectedWorkingCounter: 0))
        guard bringUp(system, &demo, scratch: scratch) else { return 1 }
        // From here on the link's clock is the task's; the interrupt raised during the bring-up is dropped.
        demo.master.link.counterHz = 0
        _ = demo.master.link.net.interruptStatus()
        var fired: UInt64 = 0
        var overruns: UInt32 = 0
        var misses: UInt32 = 0
        let bar = found.registerBAR
        let report = withSharedMemory(&demo) { p, stateArea in
            runFixedPriorityTaskSet(&system.pointee, limitNs: UInt64(cycleCount) * cycleNs + 30_000_000_000, setup: { kernel, builder in
                let task = builder.declare(TaskDescriptor(name: "ecat", entry: cycleTask, argument: UInt(bitPattern: p), stackBytes: 16384,
                                                          priority: Priority(20), periodNs: cycleNs, budgetNs: budgetNs), in: &kernel)
                builder.grant(stateArea, rights: Rights.read.union(.write), to: task, slot: CapSlot(stateSlot), in: &kernel)
                builder.grant(memoryArea, rights: Rights.read.union(.write), to: task, slot: CapSlot(memorySlot), in: &kernel)
                builder.grantDevice(base: bar.cpuAddress, size: bar.size, to: task, slot: CapSlot(registersSlot), in: &kernel)
                // The NIC's INTx line to the task's notification: the kernel masks the line and signals the task,
                // which reads the ISR status and acknowledges (unmasks) the line.
                if let line = nic.interrupt?.number, let task,
                   let binding = builder.bindInterrupt(line: line, notification: 0, bits: interruptBit, in: &kernel) {
                    try? kernel.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: 0), rights: .read),
                                                     at: SlotRef(task: task, slot: CapSlot(notificationSlot)))
                    try? kernel.capabilities.install(Capability(object: ObjectRef(kind: .interrupt, index: UInt8(binding)), rights: .write),
                                                     at: SlotRef(task: task, slot: CapSlot(interruptSlot)))
                }
            }, inspect: { kernel in
                fired = kernel.interrupts[0].count
                overruns = kernel.tasks[0].budgetOverruns
                misses = kernel.tasks[0].deadlineMisses
            })
        }
        guard let report else {
            say(system, "ecat-demo: the shared pool is too small\n")
            return 1
        }
        var c = system.pointee.console
        var failures = 0
        if demo.opCycle > 0 {
            c.write("ecat-demo: OP after ")
            c.write(decimal: demo.opCycle)
            c.write(" cycles\n")
        } else {
            c.write("ecat-demo: the segment did not reach OP\n")
            failures += 1
        }
        c.write("ecat-demo: cycles ")
        c.write(decimal: demo.cycles)
        c.write(" of ")
        c.write(decimal: cycleNs / 1000)
        c.write(" us, frames lost ")
        c.write(decimal: demo.lost)
        c.write(", working counter errors ")
        c.write(decimal: demo.wkcErrors)
        c.write(" (expected ")
        c.write(decimal: UInt64(demo.layout.expectedWorkingCounter))
        c.write("), out of OP ")
        c.write(decimal: demo.outOfOp)
        c.write(", budget overruns ")
        c.write(decimal: UInt64(overruns))
        c.write(", deadline misses ")
        c.write(decimal: UInt64(misses))
        c.newline()
        c.write("ecat-demo: release to frame handed to the NIC (cycle counter): min ")
        c.write(decimal: demo.handCount > 0 ? demo.handMin : 0)
        c.write(" avg ")
        c.write(decimal: demo.handCount > 0 ? demo.handSum / demo.handCount : 0)
        c.write(" max ")
        c.write(decimal: demo.handMax)
        c.newline()
        c.write("ecat-demo: round trip (us): min ")
        c.write(decimal: demo.answered > 0 ? demo.roundTripMin / 1000 : 0)
        c.write(" avg ")
        c.write(decimal: demo.answered > 0 ? demo.roundTripSum / demo.answered / 1000 : 0)
        c.write(" max ")
        c.write(decimal: demo.roundTripMax / 1000)
        c.newline()
        c.write("ecat-demo: nic interrupt: line ")
        c.write(decimal: UInt64(nic.interrupt?.number ?? 0))
        c.write(" fired ")
        c.write(decimal: fired)
        c.write(" times, ")
        c.write(decimal: demo.master.link.interruptWakes)
        c.write(" waits ended by it\n")
        c.write("ecat-demo: nic: sent ")
        c.write(decimal: demo.master.link.net.counters.framesSent)
        c.write(", received ")
        c.write(decimal: demo.master.link.net.counters.framesReceived)
        c.write(", other EtherTypes ")
        c.write(decimal: demo.master.link.otherFrames)
        c.write(", dropped ")
        c.write(decimal: demo.master.link.net.counters.receiveDropped)
        c.write(", transmit full ")
        c.write(decimal: demo.master.link.net.counters.transmitFull)
        c.write(", bad used entries ")
        c.write(decimal: demo.master.link.net.badUsedEntries)
        c.newline()
        c.write("ecat-demo: states: ")
        var s = 0
        var allOp = demo.slaveCount > 0
        while s < demo.slaveCount {
            if s > 0 { c.write(", ") }
            c.write("slave ")
            c.write(decimal: s)
            c.write(": ")
            c.write(stateName(demo.finalStates[s]))
            if demo.finalStates[s] == 0xFFFF || demo.finalStates[s] & 0x1F != UInt16(EtherCATState.operational.rawValue) { allOp = false }
            s += 1
        }
        c.newline()
        if !allOp { failures += 1 }
        if demo.wkcErrors > 0 || demo.outOfOp > 0 { failures += 1 }
        if nic.interrupt == nil || fired == 0 || demo.master.link.interruptWakes == 0 {
            c.write("ecat-demo: the NIC's interrupt never reached the task\n")
            failures += 1
        }
        // A frame that QEMU and the host took longer than the frame timeout for is lost and counted, not fatal
        // (neither is real-time); losing more than half the cycles is.
        if demo.lost * 2 > demo.cycles { failures += 1 }
        if report.end == .timeLimit {
            c.write("ecat-demo: the task set hit its time limit\n")
            failures += 1
        }
        c.write(failures == 0 ? "ecat-demo: ok\n" : "ecat-demo: FAIL\n")
        system.pointee.console = c
        return failures == 0 ? 0 : 1
    }
    guard let ran else {
        say(system, "ecat-demo: the shared pool is too small\n")
        return 1
    }
    return ran
}
#else
// On the host this target only proves the app compiles; the image runs on a board.
print("orion-app-ecat-demo is a board image: run it with `orion run --board qemu-virt-aarch64 --app ecat-demo`")
#endif
