// Guest app `pn-demo`: a PROFINET IO device on the board (qemu-virt-aarch64, qemu-virt-riscv64). Its Ethernet is
// QEMU's modern virtio-net PCI NIC, which `orion run --app pn-demo` attaches to a host tap device (Boards/common/
// VirtioNetPCI). One task owns the NIC and runs the portable stacks: every received frame of EtherType IPv4 or
// ARP goes to the IPv4 stack (Fieldbus/IP: ARP, ping, UDP), whose datagrams to port 34964 are PROFINET's DCE/RPC
// and go to the device (Fieldbus/PROFINET PNDevice: connect, parameter end, release, record reads); every other
// frame goes to the device too (DCP, cyclic RT data, anything else is counted and dropped). The device answers
// through the same NIC: raw frames as they are, RPC through the IPv4 stack (which resolves the controller's MAC
// by ARP, holding one datagram meanwhile). The task sleeps on the NIC's interrupt, bound to its notification,
// until the device's next deadline (its cyclic input frame, the ApplicationReady retry, the delayed Identify
// answer, LLDP).
//
// The device is Orion's example (PNDeviceModel.orionExample: the same as `orion pn device` without --config);
// it starts without a name or address, to be commissioned by DCP (`orion pn set-name`, `set-ip`, or any
// engineering tool). The board has no storage: a permanent Set lasts until power-off, and says so. Its inputs
// are a counter, stepped every 10 ms, in every input submodule. It serves until a controller releases an AR
// that exchanged cyclic data, then reports and exits 0; after `runNs` without that it exits 1. Exit 3 when the
// machine has no PCIe or no NIC.

import BoardBoot
import Fieldbus
import Kernel
import KernelSupport
import Boards

#if hasFeature(Embedded)

// Nothing here is a top-level stored variable: main.swift's top-level code never runs on a board.

enum PNDemo {
    /// How long the device serves at most.
    static var runNs: UInt64 { 300_000_000_000 }
    /// The longest the task sleeps without looking at the NIC (a guard against a lost interrupt).
    static var pollNs: UInt64 { 5_000_000 }
    /// How often the input counter steps.
    static var inputStepNs: UInt64 { 10_000_000 }
    /// How long an RPC datagram waits for the controller's MAC before it is dropped.
    static var resolutionTimeoutNs: UInt64 { 3_000_000_000 }
    /// The PROFINET RPC port (the device's endpoint).
    static var rpcPort: UInt16 { 34964 }
    /// Capability slots of the task: its notification and interrupt, the NIC's registers, the buffers, the device,
    /// the network state.
    static var notificationSlot: UInt8 { 0 }
    static var interruptSlot: UInt8 { 1 }
    static var registersSlot: UInt8 { 2 }
    static var memorySlot: UInt8 { 13 }
    static var deviceSlot: UInt8 { 14 }
    static var netSlot: UInt8 { 15 }
    /// The bit the NIC's interrupt sets in the task's notification.
    static var interruptBit: UInt64 { 1 }
}

/// A console line assembled in the task and written with one system call.
struct LogLine: ByteSink {
    var bytes = InlineArray<200, UInt8>(repeating: 0)
    var count = 0

    mutating func put(_ byte: UInt8) {
        guard count < 200 else { return }
        bytes[count] = byte
        count += 1
    }

    mutating func ipv4(_ a: UInt32) {
        write(decimal: UInt64(a >> 24))
        put(0x2E)
        write(decimal: UInt64((a >> 16) & 0xFF))
        put(0x2E)
        write(decimal: UInt64((a >> 8) & 0xFF))
        put(0x2E)
        write(decimal: UInt64(a & 0xFF))
    }

    mutating func send() {
        put(0x0A)
        let n = count
        withUnsafeBytes(of: &bytes) { Sys.write(bytes: $0.baseAddress!, count: n) }
        count = 0
    }
}

/// The board's side of the device: raw frames to the NIC, RPC datagrams through the IPv4 stack.
struct BoardNetwork: PNDeviceIO {
    var net: VirtioNet<VirtioMMIO>
    var stack: IPv4Stack
    /// Where datagrams and the stack's own answers are built.
    let frame: UnsafeMutableRawBufferPointer
    /// One RPC datagram waiting for its destination's MAC address (ARP).
    let held: UnsafeMutableRawBufferPointer
    /// The frame being received, and the stack's answer to it.
    let rx: UnsafeMutableRawBufferPointer
    let reply: UnsafeMutableRawBufferPointer
    var heldLength = 0
    var heldAddress: UInt32 = 0
    var heldPort: UInt16 = 0
    var heldSinceNs: UInt64 = 0
    /// The time of the frame being handled (the stack's clock is in milliseconds).
    var nowNs: UInt64 = 0
    var transmitFull: UInt64 = 0
    var datagramsDropped: UInt64 = 0

    mutating func sendFrame(_ frame: UnsafeRawBufferPointer) {
        if !net.send(frame) { transmitFull &+= 1 }
    }

    // @implements SWR-PN-BOARD-1
    mutating func sendUDP(to address: UInt32, port: UInt16, _ payload: UnsafeRawBufferPointer) {
        if !sendDatagram(to: address, port: port, payload) {
            // Held until the ARP reply (a newer datagram replaces an older one still waiting: the controller
            // repeats RPC requests it got no answer to).
            guard payload.count <= held.count else {
                datagramsDropped &+= 1
                return
            }
            if heldLength > 0 { datagramsDropped &+= 1 }
            var i = 0
            while i < payload.count {
                held[i] = payload[i]
                i += 1
            }
            heldLength = payload.count
            heldAddress = address
            heldPort = port
            heldSinceNs = nowNs
        }
    }

    /// Sends the datagram; false when it waits for ARP (a request was sent or is outstanding).
    mutating func sendDatagram(to address: UInt32, port: UInt16, _ payload: UnsafeRawBufferPointer) -> Bool {
        switch stack.writeUDP(to: address, sourcePort: PNDemo.rpcPort, destinationPort: port, payload: payload, into: frame,
                              nowMs: nowNs / 1_000_000) {
        case .frame(let length):
            sendFrame(UnsafeRawBufferPointer(rebasing: frame[0..<length]))
            return true
        case .needsResolution(let arp):
            if arp > 0 { sendFrame(UnsafeRawBufferPointer(rebasing: frame[0..<arp])) }
            return false
        case .awaitingResolution:
            return false
        case .failed:
            datagramsDropped &+= 1
            return true
        }
    }

    /// Sends the held datagram once its destination resolved; drops it after `resolutionTimeoutNs`.
    mutating func retryHeld() {
        guard heldLength > 0 else { return }
        if nowNs &- heldSinceNs > PNDemo.resolutionTimeoutNs {
            heldLength = 0
            datagramsDropped &+= 1
            return
        }
        if sendDatagram(to: heldAddress, port: heldPort, UnsafeRawBufferPointer(rebasing: held[0..<heldLength])) { heldLength = 0 }
    }
}

/// The device and what the run did (in the shared pool while the task runs).
struct DemoDevice {
    var device: PNDevice
    var framesReceived: UInt64 = 0
    var interruptWakes: UInt64 = 0
    /// ARs that reached cyclic data, and whether one of them was released (the run's end).
    var arsInData: UInt64 = 0
    var releasedAfterData = false
    var dataFramesAtRelease: UInt64 = 0
    var lastEnd = PNAREnd.none
}

/// The input counter in every input submodule (big-endian, as `orion pn device` does).
func stepInputs(_ device: inout PNDevice, _ counter: UInt64) {
    let inputs = device.connection.inputImage
    var o = 0
    var i = 0
    while i < device.model.count {
        let n = Int(device.model[i].inputLength)
        var k = 0
        while k < n {
            inputs[o + k] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(n - 1 - k)))
            k += 1
        }
        o += n
        i += 1
    }
}

/// Says the controller's outputs, as `orion pn device` does: "slot S.SS=HEX" for each output submodule.
func reportOutputs(_ device: inout PNDevice) {
    var line = LogLine()
    line.write("pn-demo: outputs")
    let outputs = device.connection.outputImage
    var o = 0
    var i = 0
    while i < device.model.count {
        let s = device.model[i]
        let n = Int(s.outputLength)
        if n > 0 {
            line.write(" slot ")
            line.write(decimal: UInt64(s.slot))
            line.write(".")
            line.write(decimal: UInt64(s.subslot))
            line.write("=")
            var k = 0
            while k < n {
                line.write(hexDigits: UInt64(outputs[o + k]), minimumWidth: 2)
                k += 1
            }
        }
        o += n
        i += 1
    }
    line.send()
}

func writeName(_ line: inout LogLine, _ name: PNFixedString<240>) {
    var i = 0
    while i < name.count {
        line.put(name.bytes[i])
        i += 1
    }
}

/// Says what DCP changed, and applies a new IP suite to the IPv4 stack.
// @implements SWR-PN-BOARD-1
func apply(_ events: PNDCPEvents, _ d: UnsafeMutablePointer<DemoDevice>, _ n: UnsafeMutablePointer<BoardNetwork>) {
    var line = LogLine()
    if events.contains(.nameChanged) {
        line.write("pn-demo: name of station '")
        writeName(&line, d.pointee.device.dcp.name)
        line.write("'")
        line.send()
    }
    if events.contains(.ipChanged) {
        let suite = d.pointee.device.dcp.ip
        n.pointee.stack.configure(IPv4Config(address: suite.address, netmask: suite.netmask, gateway: suite.gateway),
                                  nowMs: n.pointee.nowNs / 1_000_000)
        line.write("pn-demo: IP ")
        line.ipv4(suite.address)
        line.write(" netmask ")
        line.ipv4(suite.netmask)
        line.write(" gateway ")
        line.ipv4(suite.gateway)
        line.send()
    }
    if events.contains(.storageChanged) {
        line.write("pn-demo: a permanent setting: kept until power-off (the board has no storage)")
        line.send()
    }
    if events.contains(.signal) {
        line.write("pn-demo: DCP signal: blink")
        line.send()
    }
    if events.contains(.resetToFactory) {
        line.write("pn-demo: reset to factory: name and IP cleared")
        line.send()
    }
}

/// Says the AR's new state.
func report(_ state: PNARState, _ d: UnsafeMutablePointer<DemoDevice>) {
    let c = d.pointee.device.connection
    var line = LogLine()
    switch state {
    case .idle:
        line.write("pn-demo: ar ended (")
        switch c.lastEnd {
        case .released: line.write("released")
        case .watchdog: line.write("watchdog")
        case .applicationReadyTimeout: line.write("no ApplicationReady confirmation")
        case .replaced: line.write("replaced")
        case .abortedByController: line.write("aborted by the controller")
        case .alarmTimeout: line.write("an alarm went unacknowledged")
        case .none: line.write("refused")
        }
        line.write(")")
    case .waitPrmEnd:
        line.write("pn-demo: ar connected by ")
        line.ipv4(c.controllerIP)
        line.write(", input frame ")
        line.write(hex: UInt64(c.input?.frameID ?? 0))
        line.write(", output frame ")
        line.write(hex: UInt64(c.output?.frameID ?? 0))
        line.write(", cycle ")
        line.write(decimal: (c.input?.periodNs ?? 0) / 1000)
        line.write(" us")
    case .waitApplicationReady:
        line.write("pn-demo: ar parameterized (PrmEnd), ApplicationReady sent")
    case .data:
        line.write("pn-demo: ar application ready confirmed: cyclic data")
    }
    line.send()
}

// @implements SWR-PN-BOARD-1
@_cdecl("pn_demo_task")
func deviceTask(_ argument: UInt) {
    let d = UnsafeMutablePointer<DemoDevice>(bitPattern: argument)!
    let n = UnsafeMutablePointer<BoardNetwork>(bitPattern: argument &+ UInt(PageGeometry.roundUp(UInt64(MemoryLayout<DemoDevice>.size))))!
    let rx = n.pointee.rx
    let reply = n.pointee.reply
    let start = Sys.now()
    let end = start &+ PNDemo.runNs
    var nextStep = start
    var counter: UInt64 = 0
    var lastState = PNARState.idle
    Sys.write("pn-demo: serving\n")
    while true {
        var now = Sys.now()
        if now >= end || d.pointee.releasedAfterData { break }
        n.pointee.nowNs = now
        // Everything the NIC has: IPv4 and ARP to the stack (RPC from it to the device), the rest to the device.
        var taken = 0
        while taken < 64 {
            let length = n.pointee.net.receive(into: rx)
            if length <= 0 { break }
            taken += 1
            d.pointee.framesReceived &+= 1
            now = Sys.now()
            n.pointee.nowNs = now
            let frame = UnsafeRawBufferPointer(rebasing: rx[0..<length])
            var type: UInt16 = length >= 14 ? UInt16(rx[12]) << 8 | UInt16(rx[13]) : 0
            if type == 0x8100 && length >= 18 { type = UInt16(rx[16]) << 8 | UInt16(rx[17]) }
            if type == 0x0800 || type == 0x0806 {
                switch n.pointee.stack.receive(frame: frame, reply: reply, nowMs: now / 1_000_000) {
                case .reply(let r):
                    n.pointee.sendFrame(UnsafeRawBufferPointer(rebasing: reply[0..<r]))
                case .datagram(let datagram):
                    if datagram.destinationPort == PNDemo.rpcPort {
                        let payload = UnsafeRawBufferPointer(rebasing: rx[datagram.payloadOffset..<(datagram.payloadOffset + datagram.payloadLength)])
                        d.pointee.device.receiveUDP(payload, from: datagram.sourceIP, port: datagram.sourcePort, nowNs: now, io: &n.pointee)
                    }
                default:
                    break
                }
                // A datagram held for ARP goes as soon as the reply came in.
                n.pointee.retryHeld()
            } else {
                let events = d.pointee.device.receiveFrame(frame, nowNs: now, io: &n.pointee)
                if !events.isEmpty { apply(events, d, n) }
            }
            let state = d.pointee.device.connection.state
            if state != lastState { observe(state, &lastState, d) }
        }
        now = Sys.now()
        n.pointee.nowNs = now
        if now >= nextStep {
            counter &+= 1
            stepInputs(&d.pointee.device, counter)
            nextStep = now &+ PNDemo.inputStepNs
        }
        if d.pointee.device.connection.outputsChanged {
            d.pointee.device.connection.outputsChanged = false
            reportOutputs(&d.pointee.device)
        }
        d.pointee.device.poll(nowNs: now, io: &n.pointee)
        let announcement = n.pointee.stack.poll(nowMs: now / 1_000_000, into: n.pointee.frame)
        if announcement > 0 { n.pointee.sendFrame(UnsafeRawBufferPointer(rebasing: n.pointee.frame[0..<announcement])) }
        n.pointee.retryHeld()
        let state = d.pointee.device.connection.state
        if state != lastState { observe(state, &lastState, d) }
        // Sleep until the next deadline or a frame. The line is dropped before every wait (the ISR status read,
        // as Linux's vp_interrupt does), so a frame arriving during the wait raises it anew; when the status shows
        // a frame came meanwhile, the queue is looked at first.
        if taken == 64 || n.pointee.net.interruptStatus() & 1 != 0 { continue }
        var wake = d.pointee.device.nextDeadlineNs
        if wake > nextStep { wake = nextStep }
        if wake > now &+ PNDemo.pollNs { wake = now &+ PNDemo.pollNs }
        if wake > end { wake = end }
        if n.pointee.heldLength > 0 && wake > now &+ 1_000_000 { wake = now &+ 1_000_000 }
        if wake <= now { continue }
        let (result, bits) = Sys.wait(PNDemo.notificationSlot, untilNs: wake)
        if result == 0 && bits & PNDemo.interruptBit != 0 {
            d.pointee.interruptWakes &+= 1
            _ = Sys.interruptAck(PNDemo.interruptSlot)
        }
    }
}

/// Notes the AR's new state: says it, counts ARs in data, ends the run at a release after data.
func observe(_ state: PNARState, _ lastState: inout PNARState, _ d: UnsafeMutablePointer<DemoDevice>) {
    let before = lastState
    lastState = state
    report(state, d)
    if state == .data { d.pointee.arsInData &+= 1 }
    if state == .idle && before == .data {
        d.pointee.lastEnd = d.pointee.device.connection.lastEnd
        if d.pointee.lastEnd == .released {
            d.pointee.releasedAfterData = true
            d.pointee.dataFramesAtRelease = d.pointee.device.connection.counters.rt.received
        }
    }
}

func say(_ system: UnsafeMutablePointer<System>, _ text: StaticString) { system.pointee.console.write(text) }

@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    var status: Int32 = 1
    guard let found = findVirtioNetNIC(system, app: "pn-demo", status: &status) else { return status }
    let queueSize: UInt16 = 16
    let dmaBytes = VirtioNet<VirtioMMIO>.memoryBytes(queueSize: queueSize)
    // After the queues: the device's transmit frame and delayed Identify answer (1514 each), its input and output
    // images, the network's datagram frame and held datagram, the receive frame and the stack's reply.
    let sizes = PNConnection.imageSizes(PNDeviceModel.orionExample())
    let inputBytes = sizes.input > 0 ? sizes.input : 1
    let outputBytes = sizes.output > 0 ? sizes.output : 1
    let total = dmaBytes + 1536 + 1536 + inputBytes + outputBytes + 1536 + 1536 + 2048 + 1536
    let ran: Int32? = withSharedBytes(total) { memory, memoryArea in
        var o = dmaBytes
        func take(_ count: Int) -> UnsafeMutableRawBufferPointer {
            let b = UnsafeMutableRawBufferPointer(rebasing: memory[o..<(o + count)])
            o += count
            return b
        }
        let dma = UnsafeMutableRawBufferPointer(rebasing: memory[0..<dmaBytes])
        let tx = take(1536)
        let delayed = take(1536)
        let inputs = take(inputBytes)
        let outputs = take(outputBytes)
        let frame = take(1536)
        let held = take(1536)
        let rx = take(2048)
        let reply = take(1536)
        guard let net = startVirtioNet(system, app: "pn-demo", found, memory: dma, queueSize: queueSize) else { return 1 }
        let m = net.macAddress
        let mac = EthernetAddress(m.0, m.1, m.2, m.3, m.4, m.5)
        var stack = IPv4Stack(mac: mac)
        _ = stack.bind(port: PNDemo.rpcPort)
        var network = BoardNetwork(net: net, stack: stack, frame: frame, held: held, rx: rx, reply: reply)
        _ = network.net.interruptStatus()
        var demo = DemoDevice(device: PNDevice(mac: mac, model: PNDeviceModel.orionExample(),
                                               buffers: PNDevice.Buffers(tx: tx, delayed: delayed, inputs: inputs, outputs: outputs)))
        var c = system.pointee.console
        c.write("pn-demo: PROFINET IO device, vendor 0xfeed device 0x2, no name or IP until DCP sets them; serving for at most ")
        c.write(decimal: PNDemo.runNs / 1_000_000_000)
        c.write(" s or until a controller releases an AR after cyclic data\n")
        system.pointee.console = c
        var fired: UInt64 = 0
        var overruns: UInt32 = 0
        let bar = found.registerBAR
        let nic = found.resources
        let runReport = withSharedPair(&demo, &network) { state, stateArea in
            runFixedPriorityTaskSet(&system.pointee, limitNs: PNDemo.runNs + 10_000_000_000, setup: { kernel, builder in
                let task = builder.declare(TaskDescriptor(name: "pn", entry: deviceTask, argument: UInt(bitPattern: state), stackBytes: 131072,
                                                          priority: Priority(20)), in: &kernel)
                builder.grant(stateArea, rights: Rights.read.union(.write), to: task, slot: CapSlot(PNDemo.deviceSlot), in: &kernel)
                builder.grant(memoryArea, rights: Rights.read.union(.write), to: task, slot: CapSlot(PNDemo.memorySlot), in: &kernel)
                builder.grantDevice(base: bar.cpuAddress, size: bar.size, to: task, slot: CapSlot(PNDemo.registersSlot), in: &kernel)
                if let line = nic.interrupt?.number, let task,
                   let binding = builder.bindInterrupt(line: line, notification: 0, bits: PNDemo.interruptBit, in: &kernel) {
                    try? kernel.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: 0), rights: .read),
                                                     at: SlotRef(task: task, slot: CapSlot(PNDemo.notificationSlot)))
                    try? kernel.capabilities.install(Capability(object: ObjectRef(kind: .interrupt, index: UInt8(binding)), rights: .write),
                                                     at: SlotRef(task: task, slot: CapSlot(PNDemo.interruptSlot)))
                }
            }, inspect: { kernel in
                fired = kernel.interrupts[0].count
                overruns = kernel.tasks[0].budgetOverruns
            })
        }
        guard let runReport else {
            say(system, "pn-demo: the shared pool is too small\n")
            return 1
        }
        let dcp = demo.device.dcp.counters
        let cm = demo.device.connection.counters
        let ip = network.stack.counters
        c = system.pointee.console
        c.write("pn-demo: frames received ")
        c.write(decimal: demo.framesReceived)
        c.write(", nic sent ")
        c.write(decimal: network.net.counters.framesSent)
        c.write(", transmit full ")
        c.write(decimal: network.transmitFull)
        c.write(", dropped ")
        c.write(decimal: network.net.counters.receiveDropped)
        c.write(", bad used entries ")
        c.write(decimal: network.net.badUsedEntries)
        c.newline()
        c.write("pn-demo: dcp: ")
        c.write(decimal: dcp.identifyAnswered)
        c.write(" identify answered, ")
        c.write(decimal: dcp.setAnswered)
        c.write(" sets, ")
        c.write(decimal: dcp.malformed)
        c.write(" malformed\n")
        c.write("pn-demo: ip: ")
        c.write(decimal: UInt64(ip.echoRequestsAnswered))
        c.write(" pings answered, ")
        c.write(decimal: UInt64(ip.arpRequestsAnswered))
        c.write(" ARP requests answered, ")
        c.write(decimal: UInt64(ip.udpDelivered))
        c.write(" datagrams in, ")
        c.write(decimal: UInt64(ip.udpSent))
        c.write(" out, ")
        c.write(decimal: network.datagramsDropped)
        c.write(" dropped, ")
        c.write(decimal: UInt64(ip.malformed))
        c.write(" malformed, ")
        c.write(decimal: UInt64(ip.checksum))
        c.write(" bad checksums\n")
        c.write("pn-demo: cm: ")
        c.write(decimal: cm.connects)
        c.write(" connects, ")
        c.write(decimal: cm.connectsRefused)
        c.write(" refused, ")
        c.write(decimal: cm.releases)
        c.write(" releases, ")
        c.write(decimal: cm.watchdogExpired)
        c.write(" watchdog, ")
        c.write(decimal: cm.reads)
        c.write(" reads, ")
        c.write(decimal: cm.malformed)
        c.write(" malformed\n")
        c.write("pn-demo: rt: ")
        c.write(decimal: cm.rt.received)
        c.write(" output frames in, ")
        c.write(decimal: cm.rt.sent)
        c.write(" input frames out, ")
        c.write(decimal: cm.rt.stale)
        c.write(" stale, ")
        c.write(decimal: cm.rt.invalid)
        c.write(" invalid, ")
        c.write(decimal: cm.rt.malformed)
        c.write(" malformed\n")
        c.write("pn-demo: nic interrupt: line ")
        c.write(decimal: UInt64(nic.interrupt?.number ?? 0))
        c.write(" fired ")
        c.write(decimal: fired)
        c.write(" times, ")
        c.write(decimal: demo.interruptWakes)
        c.write(" waits ended by it, budget overruns ")
        c.write(decimal: UInt64(overruns))
        c.newline()
        var failures = 0
        if !demo.releasedAfterData {
            c.write("pn-demo: no controller released an AR after cyclic data within the run\n")
            failures += 1
        }
        if runReport.end == .timeLimit {
            c.write("pn-demo: the task set hit its time limit\n")
            failures += 1
        }
        if nic.interrupt == nil || fired == 0 || demo.interruptWakes == 0 {
            c.write("pn-demo: the NIC's interrupt never reached the task\n")
            failures += 1
        }
        c.write(failures == 0 ? "pn-demo: ok\n" : "pn-demo: FAIL\n")
        system.pointee.console = c
        return failures == 0 ? 0 : 1
    }
    guard let ran else {
        say(system, "pn-demo: the shared pool is too small\n")
        return 1
    }
    return ran
}

/// `first` and `second` in one shared-pool block granted to the task: `first` at its start, `second` at the next
/// page boundary after it (where the task finds it). Copied back when `body` returns.
func withSharedPair<A, B, R>(_ first: inout A, _ second: inout B, _ body: (UnsafeMutablePointer<A>, MemoryArea) -> R) -> R? {
    let offset = Int(PageGeometry.roundUp(UInt64(MemoryLayout<A>.size)))
    return withSharedBytes(offset + MemoryLayout<B>.size) { bytes, area in
        let a = bytes.baseAddress!.bindMemory(to: A.self, capacity: 1)
        let b = (bytes.baseAddress! + offset).bindMemory(to: B.self, capacity: 1)
        a.initialize(to: first)
        b.initialize(to: second)
        let r = body(a, area)
        first = a.move()
        second = b.move()
        return r
    }
}
#else
// On the host this target only proves the app compiles; the image runs on a board.
print("orion-app-pn-demo is a board image: run it with `orion run --board qemu-virt-aarch64 --app pn-demo` (or qemu-virt-riscv64)")
#endif
