// Guest app `soak`: a mixed workload that runs for a set time and counts what went wrong. Periodic budgeted
// tasks admitted by the kernel's analysis (fixed priority or EDF), an IPC server its client calls, a queue
// with a notification beside it, and bus traffic with sequence numbers: two SJA1000 kvaser_pci cards on the
// virt boards (can0 sends, can1 echoes), Modbus RTU frames between a client and a server task on boards
// without PCIe (raspi3b). Every 10 s of guest time a status line; at the end a `soak: PASS`/`soak: FAIL`
// line, exit 0 or 1 (2 on bad parameters). Parameters come from the kernel command line (`soak.seconds=N`,
// `soak.policy=fp|edf`, `soak.inject=none|overrun|unadmittable|fault`): the devicetree's /chosen bootargs, or on a
// board QEMU gives no devicetree (raspi3b) the Arm semihosting command line (QEMU's -kernel and -append).
// `Tools/soak` runs it and reads the lines (docs/SOAK.md).

import BoardBoot
import Fieldbus
import Kernel
import KernelSupport
import Boards

#if hasFeature(Embedded)

// Nothing here is a top-level stored variable: main.swift's top-level code never runs on a board.

// MARK: Parameters

/// What the run does wrong on purpose, to prove the soak can fail.
enum Injection: UInt8 {
    /// Nothing: every count must stay 0.
    case none
    /// One job of `ctl`, 5 s after boot, runs three budgets long: a budget overrun and a deadline miss.
    case overrun
    /// An extra task (`hog`, 9 ms every 10 ms above everything) makes the set unschedulable: admission refuses it.
    case unadmittable
    /// `prod` executes an undefined instruction 5 s after boot: the kernel stops it and prints its fault report.
    case fault
}

/// The run's parameters.
struct SoakConfig {
    /// Guest seconds the workload runs (1 ... `maxSeconds`).
    var seconds: UInt64 = 60
    /// EDF instead of fixed priorities.
    var edf = false
    var inject = Injection.none
    /// The longest run accepted: a week.
    static var maxSeconds: UInt64 { 604_800 }
}

/// The command line the parameters are read from, as bytes.
struct CommandLine {
    var pointer: UnsafePointer<UInt8>
    var count: Int
    subscript(_ i: Int) -> UInt8 { pointer[i] }
}

/// Whether `line[start ..< end]` spells `text`.
func spells(_ line: CommandLine, _ start: Int, _ end: Int, _ text: StaticString) -> Bool {
    guard end - start == text.utf8CodeUnitCount else { return false }
    var i = 0
    while i < end - start {
        if line[start + i] != text.utf8Start[i] { return false }
        i += 1
    }
    return true
}

/// Prints `soak: error: <word>: <reason>`.
func reject(_ console: inout Console, _ line: CommandLine, _ start: Int, _ end: Int, _ reason: StaticString) {
    console.write("soak: error: ")
    var i = start
    while i < end {
        console.put(line[i])
        i += 1
    }
    console.write(": ")
    console.write(reason)
    console.newline()
}

func isSpace(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == 0 }

/// Reads the `soak.*` words of the command line (other words are not ours). False after printing an error.
func parse(_ line: CommandLine, into config: inout SoakConfig, console: inout Console) -> Bool {
    var i = 0
    while i < line.count {
        if isSpace(line[i]) { i += 1; continue }
        let start = i
        while i < line.count && !isSpace(line[i]) { i += 1 }
        let end = i
        let prefix = StaticString("soak.").utf8CodeUnitCount
        guard end - start > prefix, spells(line, start, start + prefix, "soak.") else { continue }
        var equals = start + prefix
        while equals < end && line[equals] != UInt8(ascii: "=") { equals += 1 }
        let key = start + prefix
        let valueStart = min(equals + 1, end)
        if spells(line, key, equals, "seconds") {
            guard let value = decimalValue(UnsafeRawBufferPointer(start: line.pointer, count: line.count), valueStart, end) else { reject(&console, line, start, end, "not a number"); return false }
            guard value >= 1, value <= SoakConfig.maxSeconds else {
                reject(&console, line, start, end, "out of range 1...604800")
                return false
            }
            config.seconds = value
        } else if spells(line, key, equals, "policy") {
            if spells(line, valueStart, end, "fp") { config.edf = false }
            else if spells(line, valueStart, end, "edf") { config.edf = true }
            else { reject(&console, line, start, end, "must be fp or edf"); return false }
        } else if spells(line, key, equals, "inject") {
            if spells(line, valueStart, end, "none") { config.inject = .none }
            else if spells(line, valueStart, end, "overrun") { config.inject = .overrun }
            else if spells(line, valueStart, end, "unadmittable") { config.inject = .unadmittable }
            else if spells(line, valueStart, end, "fault") { config.inject = .fault }
            else { reject(&console, line, start, end, "must be none, overrun, unadmittable or fault"); return false }
        } else {
            reject(&console, line, start, end, "unknown parameter (soak.seconds, soak.policy, soak.inject)")
            return false
        }
    }
    return true
}

/// Room for the semihosting command line (QEMU writes the kernel's path, a space and -append's text).
struct CommandLineBuffer {
    var bytes = InlineArray<512, UInt8>(repeating: 0)
}

/// Reads the command line: the devicetree's /chosen bootargs, else (Arm) semihosting SYS_GET_CMDLINE, which
/// QEMU answers with `-kernel`'s path and `-append`'s text. Runs `body` on it (nil: none found); returns nil
/// without running it when the semihosting command line is too long for the buffer (an error, printed).
func withCommandLine<R>(_ system: UnsafeMutablePointer<System>, _ buffer: inout CommandLineBuffer,
                        _ body: (CommandLine?) -> R) -> R? {
    if let fdt = system.pointee.devicetree(), let chosen = fdt.node(atPath: "/chosen"),
       let bootargs = fdt.property("bootargs", of: chosen) {
        guard let base = bootargs.raw.baseAddress else { return body(nil) }
        return body(CommandLine(pointer: base.assumingMemoryBound(to: UInt8.self), count: bootargs.count))
    }
    #if arch(arm64)
    return withUnsafeMutableBytes(of: &buffer.bytes) { raw in
        // SYS_GET_CMDLINE (0x15): { buffer, size in/out }.
        var block: (UInt64, UInt64) = (UInt64(UInt(bitPattern: raw.baseAddress)), UInt64(raw.count - 1))
        let status = withUnsafeMutablePointer(to: &block) { orion_a64_semihost(0x15, UInt64(UInt(bitPattern: $0))) }
        guard status == 0, block.1 < UInt64(raw.count) else {
            // QEMU refuses a command line longer than the buffer: say so rather than run on defaults.
            system.pointee.console.write("soak: error: the semihosting command line does not fit 511 bytes\n")
            return nil
        }
        let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return body(CommandLine(pointer: UnsafePointer(base), count: Int(block.1)))
    }
    #else
    return body(nil)
    #endif
}

// MARK: Shared state

var ms: UInt64 { 1_000_000 }
var statusPeriodNs: UInt64 { 10_000_000_000 }

/// Capability slots, the same in every task that uses them.
enum Slot {
    static var endpoint: UInt8 { 0 }
    static var notification: UInt8 { 1 }
    static var queue: UInt8 { 2 }
    static var requestQueue: UInt8 { 3 }
    static var replyQueue: UInt8 { 4 }
    static var interrupt: UInt8 { 5 }
    /// `can0`'s and `can1`'s controller registers (their card's SJA1000 I/O BAR, granted to that task alone).
    static var registers: UInt8 { 6 }
    /// The `Soak` block (a region of the shared pool every task is granted).
    static var shared: UInt8 { 15 }
}

typealias Controller = SJA1000Controller<SJA1000MMIO>

/// What the tasks share with `orion_app_main` (in the shared pool during the run, granted to every task).
/// Each counter has one writer; the monitor only reads them.
struct Soak {
    var config: SoakConfig
    /// IPC: calls answered correctly, and wrong or failed ones.
    var ipcCalls: UInt64 = 0
    var ipcErrors: UInt64 = 0
    /// Queue and notification: messages sent, received in order, out of order or failed.
    var queueSent: UInt64 = 0
    var queueReceived: UInt64 = 0
    var sinkErrors: UInt64 = 0
    var prodErrors: UInt64 = 0
    var signals: UInt64 = 0
    var wakeups: UInt64 = 0
    /// The bus: CAN (two cards) or Modbus RTU between two tasks.
    var can = false
    var can0: Controller? = nil
    var can1: Controller? = nil
    /// The bus counters of each side (0: can0 or mbc, 1: can1 or mbs), one writer each: a side preempted
    /// in the middle of an increment cannot lose the other side's.
    var bus = InlineArray<2, BusCounters>(repeating: BusCounters())
    /// Next sequence numbers: can0's next frame, can1's expected one, can0's expected echo.
    var sendSeq: UInt32 = 0
    var forwardSeq: UInt32 = 0
    var echoSeq: UInt32 = 0
    /// Modbus: the server's holding registers.
    var registers = InlineArray<16, UInt16>(repeating: 0)
    /// Tasks declared, for the monitor's `taskInfo` reads.
    var taskCount = 0
}

/// What one side of the bus counted: frames put on the bus / taken off it, frames that never arrived (gaps in
/// the sequence), and frames that arrived wrong (content, order, or a refused send).
struct BusCounters {
    var tx: UInt64 = 0
    var rx: UInt64 = 0
    var lost: UInt64 = 0
    var errors: UInt64 = 0
}

/// The totals of both sides and of the queue's two ends, read in place (a computed property of `Soak` read
/// through the pointer would copy the whole struct, controllers and all, onto a task's stack).
func framesTx(_ s: UnsafeMutablePointer<Soak>) -> UInt64 { s.pointee.bus[0].tx &+ s.pointee.bus[1].tx }
func framesRx(_ s: UnsafeMutablePointer<Soak>) -> UInt64 { s.pointee.bus[0].rx &+ s.pointee.bus[1].rx }
func lost(_ s: UnsafeMutablePointer<Soak>) -> UInt64 { s.pointee.bus[0].lost &+ s.pointee.bus[1].lost }
func frameErrors(_ s: UnsafeMutablePointer<Soak>) -> UInt64 { s.pointee.bus[0].errors &+ s.pointee.bus[1].errors }
func queueErrors(_ s: UnsafeMutablePointer<Soak>) -> UInt64 { s.pointee.sinkErrors &+ s.pointee.prodErrors }

@inline(__always) func soak(_ arg: UInt) -> UnsafeMutablePointer<Soak> { UnsafeMutablePointer<Soak>(bitPattern: arg)! }

/// Some real work for a job: a checksum over a small buffer (a few tens of µs in a debug build).
func work(_ seed: UInt32) -> UInt32 {
    var buffer = InlineArray<64, UInt32>(repeating: 0)
    var x = seed | 1
    var i = 0
    while i < 64 {
        x ^= x << 13
        x ^= x >> 17
        x ^= x << 5
        buffer[i] = x
        i += 1
    }
    var sum: UInt32 = 0
    i = 0
    while i < 64 {
        sum = sum &* 31 &+ buffer[i]
        i += 1
    }
    return sum
}

/// Busy for `ns` of guest time.
func spin(ns: UInt64) {
    let end = Sys.now() &+ ns
    while Sys.now() < end {}
}

// MARK: Tasks: IPC, queue, notification

/// `ctl` (periodic 10 ms, budget 2 ms): some work, then a call to `srv` with a sequence number, whose reply
/// must be 3 * seq + 1.
@_cdecl("soak_ctl")
func soakCtl(_ arg: UInt) {
    let s = soak(arg)
    var seq: UInt64 = 0
    var injected = false
    while true {
        _ = work(UInt32(truncatingIfNeeded: seq))
        if s.pointee.config.inject == .overrun && !injected && Sys.now() >= 5_000_000_000 {
            injected = true
            spin(ns: 6 * ms)  // three budgets: throttled, and the job ends after its deadline
        }
        var message = seq
        var reply: UInt64 = 0
        let length = withUnsafeBytes(of: &message) { m in
            withUnsafeMutableBytes(of: &reply) { r in
                Sys.call(Slot.endpoint, message: m.baseAddress, length: 8, reply: r.baseAddress, replyCapacity: 8)
            }
        }
        if length == 8 && reply == seq &* 3 &+ 1 { s.pointee.ipcCalls &+= 1 } else { s.pointee.ipcErrors &+= 1 }
        seq &+= 1
        Sys.waitForNextPeriod()
    }
}

/// `srv`: answers each call with 3 * seq + 1.
@_cdecl("soak_srv")
func soakSrv(_ arg: UInt) {
    var message: UInt64 = 0
    var reply: UInt64 = 0
    var (length, _) = withUnsafeMutableBytes(of: &message) { Sys.receive(Slot.endpoint, buffer: $0.baseAddress, capacity: 8) }
    while true {
        reply = length == 8 ? message &* 3 &+ 1 : 0
        (length, _) = withUnsafeBytes(of: &reply) { r in
            withUnsafeMutableBytes(of: &message) { m in
                Sys.replyReceive(message: r.baseAddress, length: 8, Slot.endpoint, buffer: m.baseAddress, capacity: 8)
            }
        }
    }
}

/// `prod` (periodic 20 ms, budget 2 ms): some work, a numbered message into the queue, a signal to `sink`.
@_cdecl("soak_prod")
func soakProd(_ arg: UInt) {
    let s = soak(arg)
    var seq: UInt64 = 0
    while true {
        if s.pointee.config.inject == .fault && Sys.now() >= 5_000_000_000 { orion_undefined_instruction() }
        _ = work(UInt32(truncatingIfNeeded: seq) ^ 0x5A5A)
        var message = seq
        let sent = withUnsafeBytes(of: &message) { Sys.queueSend(Slot.queue, message: $0.baseAddress, length: 8) }
        if sent == 0 { s.pointee.queueSent &+= 1 } else { s.pointee.prodErrors &+= 1 }
        if Sys.signal(Slot.notification, bits: 1) == 0 { s.pointee.signals &+= 1 } else { s.pointee.prodErrors &+= 1 }
        seq &+= 1
        Sys.waitForNextPeriod()
    }
}

/// `sink`: waits for the notification, then takes every message sent so far; they must come in order.
@_cdecl("soak_sink")
func soakSink(_ arg: UInt) {
    let s = soak(arg)
    var expected: UInt64 = 0
    var taken: UInt64 = 0
    while true {
        let (result, bits) = Sys.wait(Slot.notification)
        guard result == 0, bits & 1 != 0 else {
            s.pointee.sinkErrors &+= 1
            continue
        }
        s.pointee.wakeups &+= 1
        while taken < s.pointee.queueSent {
            taken &+= 1
            var message: UInt64 = 0
            let length = withUnsafeMutableBytes(of: &message) { Sys.queueReceive(Slot.queue, buffer: $0.baseAddress, capacity: 8) }
            if length == 8 && message == expected { s.pointee.queueReceived &+= 1 } else { s.pointee.sinkErrors &+= 1 }
            expected = length == 8 ? message &+ 1 : expected &+ 1
        }
    }
}

// MARK: Tasks: CAN

/// Forward frames (can0 -> can1) carry id 0x100, echoes (can1 -> can0) 0x101; data: the sequence number
/// (little endian) and its complement.
func sequenceFrame(id: UInt32, _ seq: UInt32) -> CANFrame {
    var frame = CANFrame()
    frame.id = id
    var k = 0
    while k < 4 {
        frame.data[k] = UInt8(truncatingIfNeeded: seq >> (8 * UInt32(k)))
        frame.data[4 + k] = ~frame.data[k]
        k += 1
    }
    try? frame.setLength(8)
    return frame
}

/// The sequence number of a frame with identifier `id`, nil when it is not one of ours.
func sequence(of frame: CANFrame, id: UInt32) -> UInt32? {
    guard frame.id == id, !frame.isExtended, !frame.isRemote, frame.length == 8 else { return nil }
    var seq: UInt32 = 0
    var k = 0
    while k < 4 {
        guard frame.data[4 + k] == ~frame.data[k] else { return nil }
        seq |= UInt32(frame.data[k]) << (8 * UInt32(k))
        k += 1
    }
    return seq
}

/// Counts a received sequence number against the expected one: a gap is lost frames, an older number an error.
func account(_ s: UnsafeMutablePointer<Soak>, side: Int, _ seq: UInt32?, expected: inout UInt32) {
    guard let seq else {
        s.pointee.bus[side].errors &+= 1
        return
    }
    s.pointee.bus[side].rx &+= 1
    if seq == expected {
        expected &+= 1
    } else if seq &- expected < 0x8000_0000 {
        s.pointee.bus[side].lost &+= UInt64(seq &- expected)
        expected = seq &+ 1
    } else {
        s.pointee.bus[side].errors &+= 1
    }
}

/// can1's side: takes every forward frame, checks its number and echoes it. Used by `can1` and at the end.
func drainCan1(_ s: UnsafeMutablePointer<Soak>) {
    guard s.pointee.can1 != nil else { return }
    _ = s.pointee.can1!.service()
    while let frame = s.pointee.can1!.receive() {
        let seq = sequence(of: frame, id: 0x100)
        account(s, side: 1, seq, expected: &s.pointee.forwardSeq)
        if let seq {
            if s.pointee.can1!.send(sequenceFrame(id: 0x101, seq)) { s.pointee.bus[1].tx &+= 1 } else { s.pointee.bus[1].errors &+= 1 }
        }
    }
    _ = s.pointee.can1!.service()
}

/// can0's side: takes every echo and checks its number. Used by `can0` and at the end.
func drainCan0(_ s: UnsafeMutablePointer<Soak>) {
    guard s.pointee.can0 != nil else { return }
    _ = s.pointee.can0!.service()
    while let frame = s.pointee.can0!.receive() {
        account(s, side: 0, sequence(of: frame, id: 0x101), expected: &s.pointee.echoSeq)
    }
}

/// `can0` (periodic 10 ms, budget 2 ms, polls its controller): checks the echoes that came back, sends the
/// next numbered frame.
@_cdecl("soak_can0")
func soakCan0(_ arg: UInt) {
    let s = soak(arg)
    while true {
        drainCan0(s)
        if s.pointee.can0!.send(sequenceFrame(id: 0x100, s.pointee.sendSeq)) {
            s.pointee.bus[0].tx &+= 1
            s.pointee.sendSeq &+= 1
        } else {
            s.pointee.bus[0].errors &+= 1
        }
        _ = s.pointee.can0!.service()
        Sys.waitForNextPeriod()
    }
}

/// `can1` (driven by its card's interrupt): receives, checks and echoes; acknowledges the interrupt. The
/// 50 ms limit on the wait guards against a lost interrupt (the frames are then still taken, late).
@_cdecl("soak_can1")
func soakCan1(_ arg: UInt) {
    let s = soak(arg)
    while true {
        let (result, bits) = Sys.wait(Slot.notification, untilNs: Sys.now() &+ 50 * ms)
        drainCan1(s)
        if result == 0 && bits & 1 != 0 { _ = Sys.interruptAck(Slot.interrupt) }
    }
}

// MARK: Tasks: Modbus RTU

/// `mbc` (periodic 10 ms, budget 2 ms): writes the sequence number into holding register seq % 16 of unit
/// 17, then reads it back; both RTU frames go through the request queue, the answers come back through the
/// reply queue. A missing or wrong answer is a lost frame.
@_cdecl("soak_mbc")
func soakModbusClient(_ arg: UInt) {
    let s = soak(arg)
    var client = ModbusClient(framing: .rtu)
    var seq: UInt16 = 0
    var frame = InlineArray<64, UInt8>(repeating: 0)
    while true {
        let register = UInt16(seq % 16)
        var k = 0
        while k < 2 {
            let request: ModbusRequest = k == 0 ? .writeSingleRegister(address: register, value: seq)
                                                : .readHoldingRegisters(address: register, count: 1)
            let ok = withUnsafeMutableBytes(of: &frame) { buffer -> Bool in
                let length: Int
                do throws(ModbusClientError) {
                    length = try client.send(request, unitId: 17, into: buffer, nowNs: Sys.now())
                } catch {
                    return false
                }
                guard Sys.queueSend(Slot.requestQueue, message: buffer.baseAddress, length: length) == 0 else { return false }
                s.pointee.bus[0].tx &+= 1
                let replyLength = Sys.queueReceive(Slot.replyQueue, buffer: buffer.baseAddress, capacity: buffer.count)
                guard replyLength > 0 else { return false }
                s.pointee.bus[0].rx &+= 1
                let response: ModbusResponse?
                do throws(ModbusClientError) {
                    response = try client.receive(UnsafeRawBufferPointer(rebasing: buffer[0 ..< Int(replyLength)]))
                } catch {
                    client.cancel()
                    return false
                }
                switch response {
                case .writeSingle(_, let address, let value)?:
                    return k == 0 && address == register && value == seq
                case .registers(_, let bytes)?:
                    return k == 1 && bytes.count == 2 && UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == seq
                default:
                    return false
                }
            }
            if !ok {
                s.pointee.bus[0].lost &+= 1
                client.cancel()
            }
            k += 1
        }
        seq &+= 1
        Sys.waitForNextPeriod()
    }
}

/// `mbs`: the Modbus RTU server, unit 17, 16 holding registers: answers each request frame of the queue.
@_cdecl("soak_mbs")
func soakModbusServer(_ arg: UInt) {
    let s = soak(arg)
    withUnsafeMutableBytes(of: &s.pointee.registers) { raw in
        let table = ModbusDataTable(holdingRegisters: ModbusRegisterBlock(values: raw.bindMemory(to: UInt16.self)))
        var server = ModbusServer(hooks: table, unitId: 17)
        var request = InlineArray<64, UInt8>(repeating: 0)
        var reply = InlineArray<260, UInt8>(repeating: 0)  // the server wants room for ModbusLimits.maxTCPADU
        while true {
            let length = withUnsafeMutableBytes(of: &request) { Sys.queueReceive(Slot.requestQueue, buffer: $0.baseAddress, capacity: 64) }
            guard length > 0 else {
                s.pointee.bus[1].errors &+= 1
                continue
            }
            s.pointee.bus[1].rx &+= 1
            let replyLength = withUnsafeBytes(of: &request) { r in
                withUnsafeMutableBytes(of: &reply) { out in
                    server.handleRTU(frame: UnsafeRawBufferPointer(rebasing: r[0 ..< Int(length)]), into: out)
                }
            }
            let sent = withUnsafeBytes(of: &reply) { Sys.queueSend(Slot.replyQueue, message: $0.baseAddress, length: replyLength) }
            if sent == 0 && replyLength > 0 { s.pointee.bus[1].tx &+= 1 } else { s.pointee.bus[1].errors &+= 1 }
        }
    }
}

// MARK: Monitor

/// A line being assembled for one `debugWrite`.
struct Line {
    var bytes = InlineArray<240, UInt8>(repeating: 0)
    var count = 0

    mutating func append(_ text: StaticString) {
        var i = 0
        while i < text.utf8CodeUnitCount && count < 240 {
            bytes[count] = text.utf8Start[i]
            count += 1
            i += 1
        }
    }

    mutating func append(_ value: UInt64) {
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var n = 0
        var v = value
        repeat {
            digits[n] = UInt8(ascii: "0") &+ UInt8(v % 10)
            v /= 10
            n += 1
        } while v > 0
        while n > 0 && count < 240 {
            n -= 1
            bytes[count] = digits[n]
            count += 1
        }
    }
}

/// The kernel's counters summed over the periodic tasks.
struct TaskTotals {
    var jobs: UInt64 = 0
    var misses: UInt64 = 0
    var overruns: UInt64 = 0
    var faults: UInt64 = 0
    /// Device interrupts the kernel delivered (can1's card), known after the run.
    var interrupts: UInt64 = 0
}

/// The status line (`soak: t=...s jobs=... ...`), or with `final` the one after the run (`soak: end t=...`).
func statusLine(_ s: UnsafeMutablePointer<Soak>, seconds: UInt64, _ totals: TaskTotals, final: Bool = false) -> Line {
    var line = Line()
    line.append(final ? "soak: end t=" : "soak: t=")
    line.append(seconds)
    line.append("s jobs=");           line.append(totals.jobs)
    line.append(" misses=");          line.append(totals.misses)
    line.append(" overruns=");        line.append(totals.overruns)
    line.append(" faults=");          line.append(totals.faults)
    line.append(" ipc=");             line.append(s.pointee.ipcCalls)
    line.append(" ipc_errors=");      line.append(s.pointee.ipcErrors)
    line.append(" queue=");           line.append(s.pointee.queueReceived)
    line.append(" queue_errors=");    line.append(queueErrors(s))
    line.append(" notify=");          line.append(s.pointee.wakeups)
    line.append(" frames_tx=");       line.append(framesTx(s))
    line.append(" frames_rx=");       line.append(framesRx(s))
    line.append(" lost=");            line.append(lost(s))
    line.append(" frame_errors=");    line.append(frameErrors(s))
    if final && s.pointee.can {
        line.append(" irq=")
        line.append(totals.interrupts)
    }
    line.append("\n")
    return line
}

/// `mon` (periodic 10 s, first release 10 s in, budget 20 ms, privileged to read the kernel's task
/// counters): prints the status line.
@_cdecl("soak_mon")
func soakMonitor(_ arg: UInt) {
    let s = soak(arg)
    var round: UInt64 = 1
    while true {
        var totals = TaskTotals()
        var info = InlineArray<5, UInt64>(repeating: 0)
        var t = 0
        while t < s.pointee.taskCount {
            let ok = withUnsafeMutableBytes(of: &info) { Sys.taskInfo(t, buffer: $0.baseAddress) } == 0
            if ok {
                totals.jobs &+= info[1]
                totals.misses &+= info[2]
                totals.overruns &+= info[3]
                if info[0] == UInt64(TaskState.faulted.rawValue) { totals.faults &+= 1 }
            }
            t += 1
        }
        var line = statusLine(s, seconds: round * statusPeriodNs / 1_000_000_000, totals)
        withUnsafeBytes(of: &line.bytes) { Sys.write(bytes: $0.baseAddress!, count: line.count) }
        round += 1
        Sys.waitForNextPeriod()
    }
}

// MARK: The task set

/// The two cards' controller register windows (their SJA1000 I/O BARs), for the CAN tasks' grants.
struct CANRegisters {
    var can0: PCIBAR
    var can1: PCIBAR
}

/// Declares the task set and gives each task its capabilities and memory: every task the `Soak` block
/// (`area`), each CAN task its own controller's registers; `line` is can1's interrupt (nil: Modbus).
func declare<P: SchedulingPolicy>(_ kernel: inout KernelState<P>, _ builder: inout TaskSetBuilder,
                                  _ s: UnsafeMutablePointer<Soak>, area: MemoryArea, canLine: UInt32?,
                                  registers: CANRegisters?) {
    let arg = UInt(bitPattern: s)
    builder.shareWithEveryTask(area, slot: CapSlot(Slot.shared))
    func cap(_ task: TaskID?, _ slot: UInt8, _ kind: ObjectKind, _ index: UInt8, _ rights: Rights) {
        guard let task else { return }
        try? kernel.capabilities.install(Capability(object: ObjectRef(kind: kind, index: index), rights: rights),
                                         at: SlotRef(task: task, slot: CapSlot(slot)))
    }
    // Fixed priorities are rate monotonic; EDF uses the periods (deadline = period).
    let ctl = builder.declare(TaskDescriptor(name: "ctl", entry: soakCtl, argument: arg, stackBytes: 16384, priority: Priority(50),
                                             periodNs: 10 * ms, budgetNs: 2 * ms), in: &kernel)
    let srv = builder.declare(TaskDescriptor(name: "srv", entry: soakSrv, argument: arg, stackBytes: 16384, priority: Priority(55)), in: &kernel)
    let prod = builder.declare(TaskDescriptor(name: "prod", entry: soakProd, argument: arg, stackBytes: 16384, priority: Priority(40),
                                              periodNs: 20 * ms, budgetNs: 2 * ms), in: &kernel)
    let sink = builder.declare(TaskDescriptor(name: "sink", entry: soakSink, argument: arg, stackBytes: 16384, priority: Priority(20)), in: &kernel)
    cap(ctl, Slot.endpoint, .endpoint, 0, .write)
    cap(srv, Slot.endpoint, .endpoint, 0, .read)
    cap(prod, Slot.queue, .queue, 0, .write)
    cap(prod, Slot.notification, .notification, 0, .write)
    cap(sink, Slot.queue, .queue, 0, .read)
    cap(sink, Slot.notification, .notification, 0, .read)
    if let canLine, let registers {
        let can0 = builder.declare(TaskDescriptor(name: "can0", entry: soakCan0, argument: arg, stackBytes: 16384,
                                                  priority: Priority(45), periodNs: 10 * ms, budgetNs: 2 * ms), in: &kernel)
        let can1 = builder.declare(TaskDescriptor(name: "can1", entry: soakCan1, argument: arg, stackBytes: 16384,
                                                  priority: Priority(30)), in: &kernel)
        builder.grantDevice(base: registers.can0.cpuAddress, size: registers.can0.size, to: can0, slot: CapSlot(Slot.registers), in: &kernel)
        builder.grantDevice(base: registers.can1.cpuAddress, size: registers.can1.size, to: can1, slot: CapSlot(Slot.registers), in: &kernel)
        if let binding = builder.bindInterrupt(line: canLine, notification: 1, bits: 1, in: &kernel) {
            cap(can1, Slot.notification, .notification, 1, .read)
            cap(can1, Slot.interrupt, .interrupt, UInt8(binding), .write)
        }
    } else {
        let mbc = builder.declare(TaskDescriptor(name: "mbc", entry: soakModbusClient, argument: arg, stackBytes: 16384,
                                                 priority: Priority(45), periodNs: 10 * ms, budgetNs: 2 * ms), in: &kernel)
        let mbs = builder.declare(TaskDescriptor(name: "mbs", entry: soakModbusServer, argument: arg, stackBytes: 16384,
                                                 priority: Priority(46)), in: &kernel)
        cap(mbc, Slot.requestQueue, .queue, 1, .write)
        cap(mbc, Slot.replyQueue, .queue, 2, .read)
        cap(mbs, Slot.requestQueue, .queue, 1, .read)
        cap(mbs, Slot.replyQueue, .queue, 2, .write)
    }
    builder.declare(TaskDescriptor(name: "mon", entry: soakMonitor, argument: arg, stackBytes: 32768, priority: Priority(10),
                                   periodNs: statusPeriodNs, budgetNs: 20 * ms, offsetNs: statusPeriodNs,
                                   privileged: true), in: &kernel)
    if s.pointee.config.inject == .unadmittable {
        builder.declare(TaskDescriptor(name: "hog", entry: soakCtl, argument: arg, priority: Priority(60),
                                       periodNs: 10 * ms, budgetNs: 9 * ms), in: &kernel)
    }
    s.pointee.taskCount = Int(kernel.taskCount)
}

/// The kernel's counters of every task after the run.
func totals<P: SchedulingPolicy>(_ kernel: inout KernelState<P>) -> TaskTotals {
    var totals = TaskTotals()
    var t = 0
    while t < kernel.taskCount {
        totals.jobs &+= UInt64(kernel.tasks[t].jobsCompleted)
        totals.misses &+= UInt64(kernel.tasks[t].deadlineMisses)
        totals.overruns &+= UInt64(kernel.tasks[t].budgetOverruns)
        if kernel.tasks[t].state == .faulted { totals.faults &+= 1 }
        t += 1
    }
    if kernel.interruptCount > 0 { totals.interrupts = kernel.interrupts[0].count }
    return totals
}

// MARK: CAN cards

/// Kvaser PCIcan (QEMU `kvaser_pci`): the AMCC S5920 bridge in BAR0, the SJA1000 in BAR1 (I/O).
enum Kvaser {
    static var vendorID: UInt16 { 0x10E8 }
    static var deviceID: UInt16 { 0x8406 }
    /// S5920 INTCSR, and its bit that lets the SJA1000's interrupt reach INTA.
    static var intcsr: UInt { 0x38 }
    static var addOnInterruptEnable: UInt32 { 0x2000 }
}

/// Finds and configures the `occurrence`-th card: its controller, its INTx line and its controller's BAR; nil
/// when absent. The card's BARs start on a fresh page, so that a task granted one card's registers (in whole
/// pages) reaches no other card.
func card(_ config: ECAMConfigSpace, _ allocator: inout PCIResourceAllocator, occurrence: Int) -> (Controller, UInt32?, PCIBAR)? {
    guard let function = PCIBus.find(config, vendorID: Kvaser.vendorID, deviceID: Kvaser.deviceID, occurrence: occurrence) else {
        return nil
    }
    if occurrence > 0 { allocator.align(.io, to: PageGeometry.pageSize) }
    let card = PCIBus.configure(function, in: config, allocator: &allocator)
    guard !card.unassigned, card.bars[1].space == .io, card.bars[1].size != 0 else { return nil }
    orion_mmio_write32(UInt(card.bars[0].cpuAddress) + Kvaser.intcsr, Kvaser.addOnInterruptEnable)
    return (Controller(registers: SJA1000MMIO(base: UInt(card.bars[1].cpuAddress))), card.interrupt?.number, card.bars[1])
}

// MARK: Main

@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    var config = SoakConfig()
    var buffer = CommandLineBuffer()
    var source: StaticString = "default"
    let parsed = withCommandLine(system, &buffer) { line -> Bool in
        guard let line else { return true }
        source = system.pointee.devicetree() != nil ? "bootargs" : "semihosting"
        return parse(line, into: &config, console: &system.pointee.console)
    }
    guard parsed == true else { return 2 }
    var data = Soak(config: config)
    var canLine: UInt32? = nil
    var registers: CANRegisters? = nil
    if system.pointee.platform.pcieECAM != nil, let fdt = system.pointee.devicetree(), let host = PCIHostBridge(devicetree: fdt) {
        let ecam = ECAMConfigSpace(base: UInt(host.ecam.base), size: host.ecam.size)
        var allocator = PCIResourceAllocator(host: host)
        if let (c0, _, bar0) = card(ecam, &allocator, occurrence: 0), let (c1, line1, bar1) = card(ecam, &allocator, occurrence: 1) {
            data.can0 = c0
            data.can1 = c1
            registers = CANRegisters(can0: bar0, can1: bar1)
            guard data.can0!.start(timing: .kvaser500k), data.can1!.start(timing: .kvaser500k), let line1 else {
                system.pointee.console.write("soak: FAIL an SJA1000 did not start or has no interrupt line\n")
                return 1
            }
            data.can = true
            canLine = line1
        }
    }
    var console = system.pointee.console
    console.write("soak: board=")
    console.write(system.pointee.board)
    console.write(" seconds=")
    console.write(decimal: config.seconds)
    console.write(config.edf ? " policy=edf" : " policy=fp")
    console.write(" bus=")
    console.write(data.can ? "can" : "modbus-rtu")
    console.write(" inject=")
    switch config.inject {
    case .none: console.write("none")
    case .overrun: console.write("overrun")
    case .unadmittable: console.write("unadmittable")
    case .fault: console.write("fault")
    }
    console.write(" parameters=")
    console.write(source)
    console.newline()
    system.pointee.console = console

    let limitNs = config.seconds * 1_000_000_000
    var end = TaskSetEnd.allTasksEnded
    var sums = TaskTotals()
    let ran: Void? = withSharedMemory(&data) { s, area in
        let report: TaskSetReport
        if config.edf {
            report = runEDFTaskSet(&system.pointee, limitNs: limitNs, setup: { kernel, builder in
                declare(&kernel, &builder, s, area: area, canLine: canLine, registers: registers)
            }, inspect: { sums = totals(&$0) })
        } else {
            report = runFixedPriorityTaskSet(&system.pointee, limitNs: limitNs, setup: { kernel, builder in
                declare(&kernel, &builder, s, area: area, canLine: canLine, registers: registers)
            }, inspect: { sums = totals(&$0) })
        }
        end = report.end
        // Frames still on their way when the time ran out: a few rounds of both sides, polled.
        if s.pointee.can {
            var round = 0
            while round < 4 {
                drainCan1(s)
                drainCan0(s)
                round += 1
            }
        }
    }
    guard ran != nil else {
        system.pointee.console.write("soak: FAIL the shared pool is too small\n")
        return 1
    }
    console = system.pointee.console
    // Frames sent but never received (after the drain above) are lost too. (A forward frame lost in a gap
    // also never gets its echo, so it counts on both sides: any loss fails the run either way.)
    if data.can {
        let unanswered = UInt64(data.sendSeq &- data.forwardSeq) &+ UInt64(data.forwardSeq &- data.echoSeq)
        data.bus[0].lost &+= unanswered
        data.can0!.stop()
        data.can1!.stop()
    }
    var line = withUnsafeMutablePointer(to: &data) { statusLine($0, seconds: config.seconds, sums, final: true) }
    if end != .refused {
        withUnsafeBytes(of: &line.bytes) { bytes in
            var i = 0
            while i < line.count { console.put(bytes[i]); i += 1 }
        }
    }
    var failed = false
    switch end {
    case .refused:
        console.write("soak: FAIL admission refused the task set\n")
        system.pointee.console = console
        return 1
    case .deadlock:
        console.write("soak: FAIL every task is blocked for good (deadlock)\n")
        failed = true
    case .allTasksEnded:
        console.write("soak: FAIL the tasks ended before the time did (a task set that did not start, or faults)\n")
        failed = true
    case .timeLimit:
        break
    }
    let (lostFrames, errors, received) = withUnsafeMutablePointer(to: &data) {
        (lost($0), $0.pointee.ipcErrors &+ queueErrors($0) &+ frameErrors($0), framesRx($0))
    }
    let quiet = sums.misses == 0 && sums.overruns == 0 && sums.faults == 0 && lostFrames == 0 && errors == 0
    let busy = sums.jobs > 0 && data.ipcCalls > 0 && data.queueReceived > 0 && received > 0
    if !quiet || !busy { failed = true }
    console.write(failed ? "soak: FAIL" : "soak: PASS")
    console.write(" misses=")
    console.write(decimal: sums.misses)
    console.write(" overruns=")
    console.write(decimal: sums.overruns)
    console.write(" faults=")
    console.write(decimal: sums.faults)
    console.write(" lost=")
    console.write(decimal: lostFrames)
    console.write(" errors=")
    console.write(decimal: errors)
    if !busy { console.write(" (no traffic: a part of the workload never ran)") }
    console.newline()
    system.pointee.console = console
    return failed ? 1 : 0
}
#else
// On the host this target only proves the app compiles; the image runs on a board.
print("orion-app-soak is a board image: run it with `Tools/soak --board qemu-virt-aarch64 --minutes 2`")
#endif
