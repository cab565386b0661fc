// Guest app `can-demo`: finds two SJA1000 CAN controllers (QEMU `kvaser_pci` cards on one `can-bus`) by
// walking PCI bus 0 through ECAM, assigns their BARs from the devicetree's windows, checks that a received
// frame raises the card's INTx at the interrupt controller the `interrupt-map` names, then runs one task per
// controller: standard, extended and remote frames of every length go from can0 to can1 and are echoed
// back, then a burst through the bounded queues. Exit 0 when everything matched, 1 on a mismatch or
// timeout, 3 when the machine has no PCIe or fewer than two cards (raspi3b, or QEMU without the cards).

import BoardBoot
import Fieldbus
import Kernel
import KernelSupport
import Boards

#if hasFeature(Embedded)

// Nothing here is a top-level stored variable: main.swift's top-level code never runs on a board.

typealias Controller = SJA1000Controller<SJA1000MMIO>

/// Kvaser PCIcan (QEMU `kvaser_pci`): AMCC S5920 bridge in BAR0, the SJA1000 in BAR1, 16 MHz crystal.
enum Kvaser {
    static var vendorID: UInt16 { 0x10E8 }
    static var deviceID: UInt16 { 0x8406 }
    static var bridgeBAR: Int { 0 }
    static var controllerBAR: Int { 1 }
    /// S5920 interrupt control/status: bit 13 lets the add-on (SJA1000) interrupt reach INTA.
    static var intcsr: UInt { 0x38 }
    static var addOnInterruptEnable: UInt32 { 0x2000 }
}

var demoFrameCount: Int { 12 }
var burstCount: Int { 8 }
var waitNs: UInt64 { 500_000_000 }
/// The longest a task waits for its controller's interrupt before servicing it anyway (a guard against a
/// lost interrupt; with interrupts delivered it only runs out when nothing happened).
var guardNs: UInt64 { 50_000_000 }
/// Each task's capability slots: its controller's notification (read) and interrupt (acknowledge), its
/// controller's registers (the SJA1000's I/O BAR, a memory region granted to that task alone), and the
/// `Shared` block (a memory region of the shared pool granted to both tasks).
var notificationSlot: UInt8 { 0 }
var interruptSlot: UInt8 { 1 }
var registersSlot: UInt8 { 2 }
var sharedSlot: UInt8 { 15 }
/// The bit the controller's interrupt sets in the notification.
var interruptBit: UInt64 { 1 }

/// Frame `i` of the exchange: standard and extended identifiers, data and remote frames, lengths 0...8.
/// Remote frames ask for 0 bytes: QEMU 7.2 stores `DLC` data bytes of a remote frame in its receive FIFO but
/// releases only the header, which misaligns every later frame (a real SJA1000 stores no data for them).
func demoFrame(_ i: Int) -> CANFrame {
    var frame = CANFrame()
    var length = 0
    switch i {
    case 0: frame.id = 0x123
    case 1: frame.id = 0x7FF; length = 8
    case 2: frame.id = 0x1ABC_DEF; frame.isExtended = true; length = 4
    case 3: frame.id = 0x456; frame.isRemote = true
    case 4: frame.id = 0x1FFF_FFFF; frame.isExtended = true; frame.isRemote = true
    case 5: frame.id = 0x000; length = 1
    case 6: frame.id = 0x800; frame.isExtended = true; length = 7
    case 7: frame.id = 0x100; length = 3
    case 8: frame.id = 0x18DA_F110; frame.isExtended = true; length = 5
    case 9: frame.id = 0x7E8; length = 6
    case 10: frame.id = 0x0; frame.isExtended = true; frame.isRemote = true
    default: frame.id = 0x555; length = 2
    }
    if !frame.isRemote {
        var k = 0
        while k < length {
            frame.data[k] = UInt8(truncatingIfNeeded: i &* 17 &+ k &* 3 &+ 1)
            k += 1
        }
    }
    try? frame.setLength(length)
    return frame
}

/// Frame `k` of the burst: identifiers 0x200 + k, length k.
func burstFrame(_ k: Int) -> CANFrame {
    var frame = CANFrame()
    frame.id = 0x200 &+ UInt32(k)
    var j = 0
    while j < k {
        frame.data[j] = UInt8(truncatingIfNeeded: 0xA0 &+ k &* 8 &+ j)
        j += 1
    }
    try? frame.setLength(k)
    return frame
}

/// What the two tasks share with `orion_app_main` (in the shared pool during the run). It holds both
/// controllers' driver state; their registers are granted apart, each to its own task.
struct Shared {
    var can0: Controller
    var can1: Controller
    var echoesMatched = 0
    var framesMatched = 0
    var burstMatched = 0
    var mismatches = 0
    var timeouts = 0
    /// Index of the first frame that went wrong (-1: none), and which task saw it (0 or 1).
    var firstBad = -1
    var firstBadTask = 0
    /// Per task: wake-ups by the controller's interrupt, and waits that ended at their time instead.
    var interruptWakes = InlineArray<2, Int>(repeating: 0)
    var timedWakes = InlineArray<2, Int>(repeating: 0)
    /// ISO-TP: the request as can1 received it (length, 0 before), frames can0 sent for it, flow control
    /// frames can1 sent, the reply as can0 received it, and the first error (with the task that saw it).
    var isotpReceived = 0
    var isotpRequestFrames = 0
    var isotpFlowControls = 0
    var isotpReplyOK = false
    var isotpFailed = false
    var isotpError: ISOTPError? = nil
    var isotpErrorTask = 0

    mutating func isotpFail(_ error: ISOTPError?, task: Int) {
        if !isotpFailed {
            isotpError = error
            isotpErrorTask = task
        }
        isotpFailed = true
    }

    mutating func bad(_ index: Int, task: Int, timeout: Bool) {
        if timeout { timeouts += 1 } else { mismatches += 1 }
        if firstBad < 0 {
            firstBad = index
            firstBadTask = task
        }
    }
}

@inline(__always) func shared(_ arg: UInt) -> UnsafeMutablePointer<Shared> {
    UnsafeMutablePointer<Shared>(bitPattern: arg)!
}

/// A task's view: the shared data, its controller, and which task it is (0 or 1).
struct Side {
    let shared: UnsafeMutablePointer<Shared>
    let can: UnsafeMutablePointer<Controller>
    let task: Int
}

/// Waits until the controller interrupts or `deadlineNs` (at most `guardNs`) comes. After an interrupt
/// the controller is serviced (receive FIFO drained, transmit buffer refilled, flags read, which drops the
/// line) and the interrupt acknowledged, so the kernel unmasks the line for the next one.
func waitForWork(_ side: Side, untilNs deadlineNs: UInt64?) {
    let now = Sys.now()
    let until = min(deadlineNs ?? UInt64.max, now &+ guardNs)
    let (result, bits) = Sys.wait(notificationSlot, untilNs: until)
    if result == 0 && bits & interruptBit != 0 {
        side.shared.pointee.interruptWakes[side.task] += 1
        side.can.pointee.service()
        _ = Sys.interruptAck(interruptSlot)
    } else {
        side.shared.pointee.timedWakes[side.task] += 1
    }
}

/// The next frame the controller receives, or nil after `waitNs`.
func nextFrame(_ side: Side) -> CANFrame? {
    let deadline = Sys.now() &+ waitNs
    while true {
        side.can.pointee.service()
        if let frame = side.can.pointee.receive() { return frame }
        if Sys.now() > deadline { return nil }
        waitForWork(side, untilNs: deadline)
    }
}

/// Services the controller until its transmit queue is empty; false on timeout.
func drainTransmit(_ side: Side) -> Bool {
    let deadline = Sys.now() &+ waitNs
    while true {
        side.can.pointee.service()
        if side.can.pointee.transmitQueue.isEmpty && !side.can.pointee.transmitting { return true }
        if Sys.now() > deadline { return false }
        waitForWork(side, untilNs: deadline)
    }
}

// MARK: ISO-TP

/// The request can0 sends to can1 (several blocks of consecutive frames), and the reply's length.
var isotpRequestLength: Int { 300 }
var isotpReplyLength: Int { 12 }
/// Give up on the ISO-TP exchange after this long.
var isotpLimitNs: UInt64 { 3_000_000_000 }

/// Normal addressing, OBD-style ids. can1 asks for blocks of 4 frames at least 1 ms apart (STmin 0x01), so
/// can0 has to wait for flow control after every block and pace its consecutive frames; can0 asks for blocks
/// of 2 frames 500 µs apart (STmin 0xF5) for the reply.
var clientConfig: ISOTPConfig { ISOTPConfig(txId: 0x7E0, rxId: 0x7E8, blockSize: 2, stMin: 0xF5) }
var serverConfig: ISOTPConfig { ISOTPConfig(txId: 0x7E8, rxId: 0x7E0, blockSize: 4, stMin: 0x01) }

/// Byte `i` of the request.
func requestByte(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i &* 7 &+ (i >> 8) &+ 3) }

/// The ISO-TP frame link over a controller's transmit queue; counts what it took.
struct ControllerLink: CANFrameLink {
    let controller: UnsafeMutablePointer<Controller>
    var framesSent = 0
    var flowControls = 0

    mutating func send(_ frame: inout CANFrame) -> Bool {
        // A full queue is back-pressure, not a drop: ISO-TP retries on its next tick.
        guard !controller.pointee.transmitQueue.isFull, controller.pointee.send(frame) else { return false }
        framesSent += 1
        if frame.length > 0 && frame.data[0] & 0xF0 == 0x30 { flowControls += 1 }
        return true
    }
}

/// The earlier of two optional deadlines.
func earliest(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a, b)
}

/// One round of a side's ISO-TP exchange: drain the controller into both state machines (each ignores
/// frames not addressed to it), run their timers, start the transmitter on what they queued, and sleep
/// until the controller's interrupt or the next ISO-TP deadline when nothing happened. Nil once the
/// whole exchange has run past `giveUpNs`.
func pump(_ side: Side, _ sender: inout ISOTPSender, _ receiver: inout ISOTPReceiver, _ link: inout ControllerLink,
          giveUpNs: UInt64) -> ISOTPEvents? {
    let can = side.can
    let now = Sys.now()
    if now > giveUpNs { return nil }
    can.pointee.service()
    var events = ISOTPEvents()
    while let frame = can.pointee.receive() {
        merge(&events, sender.receive(frame, nowNs: now, link: &link))
        merge(&events, receiver.receive(frame, nowNs: now, link: &link))
    }
    merge(&events, sender.tick(nowNs: now, link: &link))
    merge(&events, receiver.tick(nowNs: now, link: &link))
    can.pointee.service()
    if events.isEmpty {
        waitForWork(side, untilNs: earliest(sender.nextDeadlineNs, receiver.nextDeadlineNs))
    }
    return events
}

/// Task can0's side: sends the request, then receives the reply and checks it.
func isotpClient(_ side: Side) {
    let s = side.shared
    let can = side.can
    var request = InlineArray<300, UInt8>(repeating: 0)
    var sum: UInt32 = 0
    var i = 0
    while i < isotpRequestLength {
        request[i] = requestByte(i)
        sum = sum &* 31 &+ UInt32(request[i])
        i += 1
    }
    var replyStorage = InlineArray<64, UInt8>(repeating: 0)
    withUnsafeMutablePointer(to: &request) { requestPointer in
        withUnsafeMutablePointer(to: &replyStorage) { replyPointer in
            var link = ControllerLink(controller: can)
            var sender = ISOTPSender(config: clientConfig)
            var receiver = ISOTPReceiver(config: clientConfig,
                                         buffer: UnsafeMutableRawBufferPointer(start: replyPointer, count: 64))
            let message = UnsafeRawBufferPointer(start: requestPointer, count: isotpRequestLength)
            let giveUp = Sys.now() &+ isotpLimitNs
            var events: ISOTPEvents
            do throws(ISOTPError) {
                events = try sender.start(message, nowNs: Sys.now(), link: &link)
            } catch {
                s.pointee.isotpFail(error, task: 0)
                return
            }
            var replyLength: Int? = nil
            while true {
                if let error = events.error {
                    s.pointee.isotpFail(error, task: 0)
                    return
                }
                if events.sent { s.pointee.isotpRequestFrames = sender.framesSent }
                if let n = events.receivedLength { replyLength = n }
                if replyLength != nil { break }
                guard let more = pump(side, &sender, &receiver, &link, giveUpNs: giveUp) else {
                    s.pointee.isotpFail(nil, task: 0)
                    return
                }
                events = more
            }
            // The reply: 0x76, "OK", the length received (big endian), and the request's checksum.
            guard replyLength == isotpReplyLength, let reply = receiver.message else {
                s.pointee.isotpFail(nil, task: 0)
                return
            }
            let length = Int(reply[3]) << 8 | Int(reply[4])
            let echoed = UInt32(reply[5]) << 24 | UInt32(reply[6]) << 16 | UInt32(reply[7]) << 8 | UInt32(reply[8])
            s.pointee.isotpReplyOK = reply[0] == 0x76 && reply[1] == UInt8(ascii: "O") && reply[2] == UInt8(ascii: "K")
                && length == isotpRequestLength && echoed == sum
            if !s.pointee.isotpReplyOK { s.pointee.isotpFail(nil, task: 0) }
        }
    }
    if !drainTransmit(side) { s.pointee.isotpFail(nil, task: 0) }
}

/// Task can1's side: receives the request, checks every byte, replies.
func isotpServer(_ side: Side) {
    let s = side.shared
    let can = side.can
    var storage = InlineArray<512, UInt8>(repeating: 0)
    var replyBytes = InlineArray<12, UInt8>(repeating: 0)
    withUnsafeMutablePointer(to: &storage) { storagePointer in
        withUnsafeMutablePointer(to: &replyBytes) { replyPointer in
            var link = ControllerLink(controller: can)
            var receiver = ISOTPReceiver(config: serverConfig,
                                         buffer: UnsafeMutableRawBufferPointer(start: storagePointer, count: 512))
            var sender = ISOTPSender(config: serverConfig)
            let giveUp = Sys.now() &+ isotpLimitNs
            var events = ISOTPEvents()
            var replying = false
            while true {
                if let error = events.error {
                    s.pointee.isotpFail(error, task: 1)
                    return
                }
                if events.sent { break }
                if let n = events.receivedLength, !replying, let message = receiver.message {
                    s.pointee.isotpReceived = n
                    s.pointee.isotpFlowControls = link.flowControls
                    var sum: UInt32 = 0
                    var good = n == isotpRequestLength
                    var i = 0
                    while i < n {
                        if message[i] != requestByte(i) { good = false }
                        sum = sum &* 31 &+ UInt32(message[i])
                        i += 1
                    }
                    if !good {
                        s.pointee.isotpFail(nil, task: 1)
                        return
                    }
                    replyPointer.pointee[0] = 0x76
                    replyPointer.pointee[1] = UInt8(ascii: "O")
                    replyPointer.pointee[2] = UInt8(ascii: "K")
                    replyPointer.pointee[3] = UInt8(truncatingIfNeeded: n >> 8)
                    replyPointer.pointee[4] = UInt8(truncatingIfNeeded: n)
                    replyPointer.pointee[5] = UInt8(truncatingIfNeeded: sum >> 24)
                    replyPointer.pointee[6] = UInt8(truncatingIfNeeded: sum >> 16)
                    replyPointer.pointee[7] = UInt8(truncatingIfNeeded: sum >> 8)
                    replyPointer.pointee[8] = UInt8(truncatingIfNeeded: sum)
                    replyPointer.pointee[9] = 0x55
                    replyPointer.pointee[10] = 0xAA
                    replyPointer.pointee[11] = 0x00
                    replying = true
                    let reply = UnsafeRawBufferPointer(start: replyPointer, count: isotpReplyLength)
                    do throws(ISOTPError) {
                        events = try sender.start(reply, nowNs: Sys.now(), link: &link)
                    } catch {
                        s.pointee.isotpFail(error, task: 1)
                        return
                    }
                    continue
                }
                guard let more = pump(side, &sender, &receiver, &link, giveUpNs: giveUp) else {
                    s.pointee.isotpFail(nil, task: 1)
                    return
                }
                events = more
            }
        }
    }
    if !drainTransmit(side) { s.pointee.isotpFail(nil, task: 1) }
}

/// `NAME: sent N received N overruns N queue drops N` for one controller.
func writeStatistics(_ name: StaticString, _ stats: SJA1000Statistics, to console: inout Console) {
    console.write(name)
    console.write(": sent ")
    console.write(decimal: stats.framesSent)
    console.write(" received ")
    console.write(decimal: stats.framesReceived)
    console.write(" overruns ")
    console.write(decimal: stats.overruns)
    console.write(" queue drops ")
    console.write(decimal: stats.receiveQueueDrops + stats.transmitQueueDrops)
}

/// A short name for an ISO-TP failure (nil: a timeout of the whole exchange or wrong content).
func isotpErrorName(_ error: ISOTPError?) -> StaticString {
    guard let error else { return "no error event: timeout or wrong content" }
    switch error {
    case .timeoutAs: return "N_As timeout"
    case .timeoutAr: return "N_Ar timeout"
    case .timeoutBs: return "N_Bs timeout"
    case .timeoutCr: return "N_Cr timeout"
    case .wrongSequenceNumber: return "wrong sequence number"
    case .unexpectedPDU: return "unexpected PDU"
    case .bufferOverflow: return "buffer overflow"
    case .waitLimit: return "too many FC waits"
    case .invalidFlowStatus: return "invalid flow status"
    case .malformedFlowControl: return "malformed flow control"
    case .busy: return "busy"
    case .invalidLength: return "invalid length"
    case .invalidConfig: return "invalid config"
    }
}

/// Folds `more` into `events` (the first error wins).
func merge(_ events: inout ISOTPEvents, _ more: ISOTPEvents) {
    if events.error == nil { events.error = more.error }
    if let n = more.receivedLength { events.receivedLength = n }
    if more.sent { events.sent = true }
}

/// Task on controller 0: sends every demo frame and checks its echo, then sends the burst.
func can0Task(_ arg: UInt) {
    let s = shared(arg)
    withUnsafeMutablePointer(to: &s.pointee.can0) { can in
        let side = Side(shared: s, can: can, task: 0)
        var i = 0
        while i < demoFrameCount {
            let frame = demoFrame(i)
            can.pointee.send(frame)
            if let echo = nextFrame(side) {
                if echo.sameFrame(as: frame) { s.pointee.echoesMatched += 1 } else { s.pointee.bad(i, task: 0, timeout: false) }
            } else {
                s.pointee.bad(i, task: 0, timeout: true)
                return
            }
            i += 1
        }
        var k = 0
        while k < burstCount {
            if !can.pointee.send(burstFrame(k)) { s.pointee.bad(100 + k, task: 0, timeout: false) }
            k += 1
        }
        if !drainTransmit(side) { s.pointee.bad(100, task: 0, timeout: true) }
        isotpClient(side)
    }
}

/// Task on controller 1: checks every frame against the table and echoes it, then checks the burst.
func can1Task(_ arg: UInt) {
    let s = shared(arg)
    withUnsafeMutablePointer(to: &s.pointee.can1) { can in
        let side = Side(shared: s, can: can, task: 1)
        var i = 0
        while i < demoFrameCount {
            guard let frame = nextFrame(side) else {
                s.pointee.bad(i, task: 1, timeout: true)
                return
            }
            if frame.sameFrame(as: demoFrame(i)) { s.pointee.framesMatched += 1 } else { s.pointee.bad(i, task: 1, timeout: false) }
            can.pointee.send(frame)
            i += 1
        }
        if !drainTransmit(side) { s.pointee.bad(i, task: 1, timeout: true) }
        var k = 0
        while k < burstCount {
            guard let frame = nextFrame(side) else {
                s.pointee.bad(100 + k, task: 1, timeout: true)
                return
            }
            if frame.sameFrame(as: burstFrame(k)) { s.pointee.burstMatched += 1 } else { s.pointee.bad(100 + k, task: 1, timeout: false) }
            k += 1
        }
        isotpServer(side)
    }
}

/// Gives `task` its controller's notification (wait) and interrupt (acknowledge) capabilities.
func grant(_ kernel: inout KernelState<FixedPriorityPolicy>, _ task: TaskID?, notification: UInt8, binding: Int?) {
    guard let task, let binding else { return }
    try? kernel.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: notification), rights: .read),
                                     at: SlotRef(task: task, slot: CapSlot(notificationSlot)))
    try? kernel.capabilities.install(Capability(object: ObjectRef(kind: .interrupt, index: UInt8(binding)), rights: .write),
                                     at: SlotRef(task: task, slot: CapSlot(interruptSlot)))
}

/// Whether interrupt `number` is pending (level asserted) at the board's interrupt controller; nil if unknown.
func interruptAsserted(_ platform: Platform, _ number: UInt32) -> Bool? {
    guard let intc = platform.interruptController else { return nil }
    let word = UInt(number / 32) * 4
    let bit = UInt32(1) << (number % 32)
    if intc.compatible.equals("arm,cortex-a15-gic") || intc.compatible.equals("arm,gic-400") {
        return orion_mmio_read32(UInt(intc.base) + 0x200 + word) & bit != 0  // GICD_ISPENDRn
    }
    if intc.compatible.equals("sifive,plic-1.0.0") || intc.compatible.equals("riscv,plic0") {
        return orion_mmio_read32(UInt(intc.base) + 0x1000 + word) & bit != 0  // PLIC pending bits
    }
    return nil
}

/// The PLIC latches a source's pending bit until a claim (a GIC follows the line level): claims `number` for
/// hart 0's S-mode context with the source enabled only for the claim (`sie.SEIE` stays off, so no trap is
/// taken) and completes it. Returns whether the claim named `number`; true on other controllers.
func claimLatched(_ platform: Platform, _ number: UInt32) -> Bool {
    guard let intc = platform.interruptController,
          intc.compatible.equals("sifive,plic-1.0.0") || intc.compatible.equals("riscv,plic0") else { return true }
    let base = UInt(intc.base)
    let context: UInt = 1
    let enable = base + 0x2000 + context * 0x80 + UInt(number / 32) * 4
    let claim = base + 0x20_0000 + context * 0x1000 + 4
    orion_mmio_write32(base + UInt(number) * 4, 1)  // priority 1, above the threshold of 0
    orion_mmio_write32(enable, orion_mmio_read32(enable) | UInt32(1) << (number % 32))
    let claimed = orion_mmio_read32(claim)
    if claimed != 0 { orion_mmio_write32(claim, claimed) }
    orion_mmio_write32(enable, orion_mmio_read32(enable) & ~(UInt32(1) << (number % 32)))
    orion_mmio_write32(base + UInt(number) * 4, 0)
    return claimed == number
}

func writePCIAddress(_ address: PCIAddress, to console: inout Console) {
    console.write(hexDigits: UInt64(address.bus), minimumWidth: 2)
    console.write(":")
    console.write(hexDigits: UInt64(address.device), minimumWidth: 2)
    console.write(".")
    console.write(decimal: Int(address.function))
}

/// The page of a card's controller registers (its SJA1000 BAR).
func registerPage(_ card: PCIDeviceResources) -> UInt64 {
    PageGeometry.roundDown(card.bars[Kvaser.controllerBAR].cpuAddress)
}

/// Lists bus 0 and configures the `occurrence`-th Kvaser card; prints its resources.
func setUpCard(_ system: UnsafeMutablePointer<System>, config: ECAMConfigSpace, allocator: inout PCIResourceAllocator,
               occurrence: Int) -> PCIDeviceResources? {
    guard let function = PCIBus.find(config, vendorID: Kvaser.vendorID, deviceID: Kvaser.deviceID, occurrence: occurrence) else {
        return nil
    }
    let card = PCIBus.configure(function, in: config, allocator: &allocator)
    var console = system.pointee.console
    console.write("can")
    console.write(decimal: occurrence)
    console.write(": kvaser_pci at ")
    writePCIAddress(function.address, to: &console)
    var i = 0
    while i < 3 {
        let bar = card.bars[i]
        console.write(" bar")
        console.write(decimal: i)
        console.write(bar.space == .io ? "=io:" : "=mem:")
        console.write(hex: bar.busAddress)
        console.write("@")
        console.write(hex: bar.cpuAddress)
        i += 1
    }
    if let route = card.interrupt {
        console.write(" INT")
        console.put(UInt8(ascii: "A") &+ function.interruptPin &- 1)
        console.write("->irq ")
        console.write(decimal: UInt64(route.number))
    }
    console.newline()
    system.pointee.console = console
    if card.unassigned || card.bars[Kvaser.controllerBAR].space != .io || card.bars[Kvaser.controllerBAR].size == 0 {
        return nil
    }
    // Let the SJA1000's interrupt through the S5920 to INTA.
    orion_mmio_write32(UInt(card.bars[Kvaser.bridgeBAR].cpuAddress) + Kvaser.intcsr, Kvaser.addOnInterruptEnable)
    return card
}

@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    guard system.pointee.platform.pcieECAM != nil, let fdt = system.pointee.devicetree(),
          let host = PCIHostBridge(devicetree: fdt) else {
        system.pointee.console.write("can-demo: this board has no PCIe host bridge; the SJA1000 demo needs qemu-virt-aarch64 or qemu-virt-riscv64\n")
        return 3
    }
    system.pointee.console.write("pci: ecam ")
    system.pointee.console.write(hex: host.ecam.base)
    if let io = host.io {
        system.pointee.console.write(" io ")
        system.pointee.console.write(hex: io.cpuBase)
    }
    if let memory = host.memory32 {
        system.pointee.console.write(" mem ")
        system.pointee.console.write(hex: memory.cpuBase)
    }
    system.pointee.console.write(" interrupt-map entries ")
    system.pointee.console.write(decimal: host.routeCount)
    system.pointee.console.newline()
    let config = ECAMConfigSpace(base: UInt(host.ecam.base), size: host.ecam.size)
    PCIBus.scan(config, bus: host.firstBus) { function in
        system.pointee.console.write("pci ")
        writePCIAddress(function.address, to: &system.pointee.console)
        system.pointee.console.write(" ")
        system.pointee.console.write(hexDigits: UInt64(function.vendorID), minimumWidth: 4)
        system.pointee.console.write(":")
        system.pointee.console.write(hexDigits: UInt64(function.deviceID), minimumWidth: 4)
        system.pointee.console.write(" class ")
        system.pointee.console.write(hexDigits: UInt64(function.classCode), minimumWidth: 6)
        system.pointee.console.newline()
        return true
    }
    var allocator = PCIResourceAllocator(host: host)
    let found0 = setUpCard(system, config: config, allocator: &allocator, occurrence: 0)
    allocator.align(.io, to: PageGeometry.pageSize)
    guard let card0 = found0, let card1 = setUpCard(system, config: config, allocator: &allocator, occurrence: 1) else {
        system.pointee.console.write("can-demo: needs two kvaser_pci cards on one can-bus (`orion run --app can-demo` adds them:\n")
        system.pointee.console.write("  -object can-bus,id=canbus0 -device kvaser_pci,canbus=canbus0 -device kvaser_pci,canbus=canbus0)\n")
        return 3
    }
    guard registerPage(card0) != registerPage(card1) else {
        system.pointee.console.write("can-demo: both controllers' registers are in one page; no task could be given its own\n")
        return 1
    }
    var data = Shared(can0: Controller(registers: SJA1000MMIO(base: UInt(card0.bars[Kvaser.controllerBAR].cpuAddress))),
                      can1: Controller(registers: SJA1000MMIO(base: UInt(card1.bars[Kvaser.controllerBAR].cpuAddress))))
    let timing = SJA1000BusTiming.kvaser500k
    guard data.can0.start(timing: timing), data.can1.start(timing: timing) else {
        system.pointee.console.write("can-demo: an SJA1000 did not leave reset mode or refused PeliCAN mode\n")
        return 1
    }
    system.pointee.console.write("sja1000: PeliCAN, BTR0=")
    system.pointee.console.write(hex: UInt64(timing.btr0))
    system.pointee.console.write(" BTR1=")
    system.pointee.console.write(hex: UInt64(timing.btr1))
    system.pointee.console.write(" (")
    system.pointee.console.write(decimal: timing.bitrate(oscillatorHz: 16_000_000))
    system.pointee.console.write(" bit/s, sample point ")
    system.pointee.console.write(decimal: timing.samplePointPerMille / 10)
    system.pointee.console.write("%)\n")

    // Interrupt routing: a frame from can0 must assert can1's INTx line at the controller, and releasing the
    // receive buffer must drop it. (The tasks below then get these interrupts through the kernel.)
    var failures = 0
    if let route = card1.interrupt {
        data.can0.send(demoFrame(1))
        data.can0.service()
        let before = interruptAsserted(system.pointee.platform, route.number)
        data.can1.service()
        let frame = data.can1.receive()
        let claimed = claimLatched(system.pointee.platform, route.number)
        let after = interruptAsserted(system.pointee.platform, route.number)
        system.pointee.console.write("irq: can1 receive asserts irq ")
        system.pointee.console.write(decimal: UInt64(route.number))
        if before == true && claimed && after == false && frame?.sameFrame(as: demoFrame(1)) == true {
            system.pointee.console.write(": yes, released after the read: yes\n")
        } else {
            system.pointee.console.write(": NO (asserted before/after the read: ")
            system.pointee.console.write(before == true ? "yes/" : "no/")
            system.pointee.console.write(after == true ? "yes)\n" : "no)\n")
            failures += 1
        }
    } else {
        system.pointee.console.write("irq: no interrupt-map entry for can1\n")
        failures += 1
    }

    // Each controller's INTx line is bound to its task's notification: the kernel masks the line and signals
    // the task, which services the controller and acknowledges (unmasks) the line.
    guard let line0 = card0.interrupt?.number, let line1 = card1.interrupt?.number else {
        system.pointee.console.write("can-demo: a card has no interrupt-map entry\n")
        return 1
    }
    var fired0: UInt64 = 0
    var fired1: UInt64 = 0
    // Each task reaches the shared block, its own stack and its own controller's registers, nothing else.
    let bar0 = card0.bars[Kvaser.controllerBAR], bar1 = card1.bars[Kvaser.controllerBAR]
    let ran = withSharedMemory(&data) { p, area in
        let argument = UInt(bitPattern: p)
        return runFixedPriorityTaskSet(&system.pointee, limitNs: 20_000_000_000, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let task0 = builder.declare(TaskDescriptor(name: "can0", entry: can0Task, argument: argument, stackBytes: 16384,
                                                       priority: Priority(10)), in: &kernel)
            let task1 = builder.declare(TaskDescriptor(name: "can1", entry: can1Task, argument: argument, stackBytes: 16384,
                                                       priority: Priority(10)), in: &kernel)
            builder.grantDevice(base: bar0.cpuAddress, size: bar0.size, to: task0, slot: CapSlot(registersSlot), in: &kernel)
            builder.grantDevice(base: bar1.cpuAddress, size: bar1.size, to: task1, slot: CapSlot(registersSlot), in: &kernel)
            let binding0 = builder.bindInterrupt(line: line0, notification: 0, bits: interruptBit, in: &kernel)
            let binding1 = builder.bindInterrupt(line: line1, notification: 1, bits: interruptBit, in: &kernel)
            grant(&kernel, task0, notification: 0, binding: binding0)
            grant(&kernel, task1, notification: 1, binding: binding1)
        }, inspect: { kernel in
            fired0 = kernel.interrupts[0].count
            fired1 = kernel.interrupts[1].count
        })
    }
    guard let report = ran else {
        system.pointee.console.write("can-demo: the shared pool is too small\n")
        return 1
    }
    var console = system.pointee.console
    console.write("frames: can0->can1 matched ")
    console.write(decimal: data.framesMatched)
    console.write("/")
    console.write(decimal: demoFrameCount)
    console.write(", echoes can1->can0 matched ")
    console.write(decimal: data.echoesMatched)
    console.write("/")
    console.write(decimal: demoFrameCount)
    console.write(", burst matched ")
    console.write(decimal: data.burstMatched)
    console.write("/")
    console.write(decimal: burstCount)
    console.newline()
    console.write("can-demo: isotp ")
    console.write(decimal: data.isotpReceived)
    console.write(" bytes ")
    if !data.isotpFailed && data.isotpReceived == isotpRequestLength && data.isotpReplyOK {
        console.write("ok (")
        console.write(decimal: data.isotpRequestFrames)
        console.write(" frames, ")
        console.write(decimal: data.isotpFlowControls)
        console.write(" flow controls), reply ")
        console.write(decimal: isotpReplyLength)
        console.write(" bytes ok\n")
    } else {
        console.write("FAIL (seen by can")
        console.write(decimal: data.isotpErrorTask)
        console.write(": ")
        console.write(isotpErrorName(data.isotpError))
        console.write(")\n")
        failures += 1
    }
    console.write("irq: line ")
    console.write(decimal: UInt64(line0))
    console.write(" fired ")
    console.write(decimal: fired0)
    console.write(" times, line ")
    console.write(decimal: UInt64(line1))
    console.write(" fired ")
    console.write(decimal: fired1)
    console.write(" times; tasks woken by interrupt ")
    console.write(decimal: data.interruptWakes[0])
    console.write("/")
    console.write(decimal: data.interruptWakes[1])
    console.write(", by time ")
    console.write(decimal: data.timedWakes[0])
    console.write("/")
    console.write(decimal: data.timedWakes[1])
    console.newline()
    if fired0 == 0 || fired1 == 0 || data.interruptWakes[0] == 0 || data.interruptWakes[1] == 0 {
        console.write("can-demo: an interrupt line was never delivered to its task\n")
        failures += 1
    }
    writeStatistics("can0", data.can0.statistics, to: &console)
    console.write("; ")
    writeStatistics("can1", data.can1.statistics, to: &console)
    console.newline()
    if data.mismatches > 0 || data.timeouts > 0 {
        console.write("can-demo: ")
        console.write(decimal: data.mismatches)
        console.write(" mismatches, ")
        console.write(decimal: data.timeouts)
        console.write(" timeouts; first at frame ")
        console.write(decimal: data.firstBad)
        console.write(" seen by can")
        console.write(decimal: data.firstBadTask)
        console.newline()
        failures += 1
    }
    if report.end == .timeLimit {
        console.write("can-demo: the task set hit its time limit\n")
        failures += 1
    }
    let complete = data.framesMatched == demoFrameCount && data.echoesMatched == demoFrameCount && data.burstMatched == burstCount
    if !complete { failures += 1 }
    data.can0.stop()
    data.can1.stop()
    console.write(failures == 0 ? "can-demo: ok\n" : "can-demo: FAIL\n")
    system.pointee.console = console
    return failures == 0 ? 0 : 1
}
#else
// On the host this target only proves the app compiles; the image runs on a board.
print("orion-app-can-demo is a board image: run it with `orion run --board qemu-virt-aarch64 --app can-demo`")
#endif
