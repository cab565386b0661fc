// Guest app `modbus-demo` (raspi3b, raspi4b): a Modbus RTU server, unit 17, on the board's BCM2835-style mini
// UART (`System.auxiliaryUART`, QEMU's second serial port, which `orion run` makes a host pty). One task owns the UART: it polls the receive FIFO,
// ends a request frame after 3.5 character times of silence at the configured baud rate, hands it to the
// portable `ModbusServer` and sends the reply. A periodic task refreshes holding registers 0-3 every 100 ms.
// The run ends after `runNs` (60 s), or when a client writes 1 to the stop register (15); then it prints
// a summary and exits 0. Other boards have no mini UART: exit 3 (orion refuses them before building).

import BoardBoot
import Fieldbus
import Kernel
import KernelSupport
import Boards

#if hasFeature(Embedded)

// Nothing here is a top-level stored variable: main.swift's top-level code never runs on a board.

enum ModbusDemo {
    static var baud: UInt32 { 19_200 }
    static var unitID: UInt8 { 17 }
    /// How long the demo serves before it ends by itself.
    static var runNs: UInt64 { 60_000_000_000 }
    /// The refresh period of registers 0-3.
    static var updatePeriodNs: UInt64 { 100_000_000 }
    /// Holding registers 0..<registerCount exist; 15 is the stop register.
    static var registerCount: Int { 16 }
    static var stopRegister: Int { 15 }
    /// Receive polling: while idle, and while a frame is arriving (a fraction of the frame gap).
    static var idlePollNs: UInt64 { 1_000_000 }
    /// Capability slots: the `DemoState` block (both tasks), the holding registers (both tasks), the mini
    /// UART's registers (the RTU task alone).
    static var stateSlot: UInt8 { 15 }
    static var registersSlot: UInt8 { 14 }
    static var uartSlot: UInt8 { 13 }
    /// The mini UART's registers from AUX_MU_IO: AUX_MU_IO ... AUX_MU_BAUD (a devicetree without a size).
    static var uartWindowBytes: UInt64 { 0x40 }
}

/// What the tasks share with `orion_app_main` (in the shared pool during the run, granted to both tasks).
struct DemoState {
    var uart: MiniUART
    var frameGapNs: UInt64
    /// Holding registers 0..<16 (a block of the shared pool of their own, granted to both tasks, which the
    /// server's data table points into).
    var registers: UnsafeMutableBufferPointer<UInt16>
    var server: ModbusServer<ModbusDataTable>
    var overruns = 0
    var updates = 0
    var stop = false
    var stoppedByClient = false
    var endNs: UInt64 = 0
}

@inline(__always) func demoState(_ arg: UInt) -> UnsafeMutablePointer<DemoState> {
    UnsafeMutablePointer<DemoState>(bitPattern: arg)!
}

/// The end of the run, fixed by the first task that asks.
func runEnd(_ state: UnsafeMutablePointer<DemoState>) -> UInt64 {
    if state.pointee.endNs == 0 { state.pointee.endNs = Sys.now() &+ ModbusDemo.runNs }
    return state.pointee.endNs
}

/// The RTU task: owns the mini UART, assembles frames by silence, answers them.
func rtuTask(_ arg: UInt) {
    let state = demoState(arg)
    let end = runEnd(state)
    let gap = state.pointee.frameGapNs
    let busyPoll = max(gap / 4, 100_000)
    var frame = InlineArray<256, UInt8>(repeating: 0)
    var reply = InlineArray<260, UInt8>(repeating: 0)  // the server wants room for ModbusLimits.maxTCPADU
    var length = 0
    var lastByteNs: UInt64 = 0
    Sys.write("modbus-demo: serving\n")
    while !state.pointee.stop {
        var received = false
        while let byte = state.pointee.uart.receive() {
            if length < 256 {
                frame[length] = byte
                length += 1
            } else {
                state.pointee.overruns += 1
            }
            received = true
        }
        let now = Sys.now()
        if received { lastByteNs = now }
        if length > 0 && now &- lastByteNs >= gap {
            let replyLength = withUnsafeBytes(of: &frame) { request in
                withUnsafeMutableBytes(of: &reply) { out in
                    answer(state, request: UnsafeRawBufferPointer(rebasing: request[0..<length]), reply: out)
                }
            }
            var k = 0
            while k < replyLength {
                state.pointee.uart.put(reply[k])
                k += 1
            }
            length = 0
            continue
        }
        if now >= end { break }
        Sys.sleep(untilNs: now &+ (length > 0 ? busyPoll : ModbusDemo.idlePollNs))
    }
    state.pointee.stop = true
}

/// The periodic task: register 0 counts updates, 1 the requests addressed to this server, 2-3 the uptime in ms (high word first).
func updateTask(_ arg: UInt) {
    let state = demoState(arg)
    let end = runEnd(state)
    let start = Sys.now()
    while !state.pointee.stop {
        let now = Sys.now()
        if now >= end { break }
        state.pointee.updates &+= 1
        let uptimeMs = UInt32(truncatingIfNeeded: (now &- start) / 1_000_000)
        let registers = state.pointee.registers
        registers[0] = UInt16(truncatingIfNeeded: state.pointee.updates)
        registers[1] = state.pointee.server.counters.serverMessages
        registers[2] = UInt16(truncatingIfNeeded: uptimeMs >> 16)
        registers[3] = UInt16(truncatingIfNeeded: uptimeMs)
        Sys.waitForNextPeriod()
    }
}

/// Hands one silence-delimited frame to the server and notes a write of 1 to the stop register; returns the
/// length of the reply frame it wrote into `reply` (0: none, for a bad CRC, another unit or a broadcast).
func answer(_ state: UnsafeMutablePointer<DemoState>, request: UnsafeRawBufferPointer,
            reply: UnsafeMutableRawBufferPointer) -> Int {
    let length = state.pointee.server.handleRTU(frame: request, into: reply)
    if state.pointee.registers[ModbusDemo.stopRegister] == 1 && !state.pointee.stop {
        state.pointee.stop = true
        state.pointee.stoppedByClient = true
    }
    return length
}

@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    var console = system.pointee.console
    guard let aux = system.pointee.auxiliaryUART, aux.compatible.equals("brcm,bcm2835-aux-uart") else {
        console.write("modbus-demo: this board has no BCM2835 mini UART; the Modbus RTU demo needs raspi3b or raspi4b\n")
        system.pointee.console = console
        return 3
    }
    let uart = MiniUART(base: UInt(truncatingIfNeeded: aux.base))
    let divisor = MiniUART.baudDivisor(baud: ModbusDemo.baud, clockHz: system.pointee.auxiliaryUARTClockHz)
    uart.configure(divisor: divisor)
    while uart.receive() != nil {}
    let uartWindow = (base: aux.base, size: max(aux.size, ModbusDemo.uartWindowBytes))
    var registers = InlineArray<16, UInt16>(repeating: 0)
    let status = withSharedMemory(&registers) { pointer, registersArea -> Int32 in
        let values = UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(pointer).bindMemory(to: UInt16.self, capacity: 16),
                                                count: 16)
        let table = ModbusDataTable(holdingRegisters: ModbusRegisterBlock(values: values))
        var data = DemoState(uart: uart, frameGapNs: ModbusRTU.interFrameDelayNs(baud: Int(ModbusDemo.baud)),
                             registers: values, server: ModbusServer(hooks: table, unitId: ModbusDemo.unitID))
        return serve(system, &data, divisor: divisor, registers: registersArea, uartWindow: uartWindow)
    }
    guard let status else {
        system.pointee.console.write("modbus-demo: the shared pool is too small\n")
        return 1
    }
    return status
}

/// Prints the setup, runs the two tasks, prints the summary. Each task reaches its stack, `data` and the
/// holding registers (`registers`, pages of the shared pool); the RTU task also the mini UART's registers.
func serve(_ system: UnsafeMutablePointer<System>, _ data: inout DemoState, divisor: UInt32, registers: MemoryArea,
           uartWindow: (base: UInt64, size: UInt64)) -> Int32 {
    var console = system.pointee.console
    console.write("modbus-demo: RTU server unit ")
    console.write(decimal: UInt64(ModbusDemo.unitID))
    console.write(" on the mini UART at ")
    console.write(hex: UInt64(data.uart.base))
    console.write(", ")
    console.write(decimal: UInt64(ModbusDemo.baud))
    console.write(" baud 8N1 (AUX_MU_BAUD ")
    console.write(decimal: UInt64(divisor))
    console.write(" = ")
    console.write(decimal: UInt64(MiniUART.actualBaud(divisor: divisor, clockHz: system.pointee.auxiliaryUARTClockHz)))
    console.write(" baud), frame gap ")
    console.write(decimal: data.frameGapNs / 1000)
    console.write(" us, holding registers 0-")
    console.write(decimal: ModbusDemo.registerCount - 1)
    console.write(", for ")
    console.write(decimal: ModbusDemo.runNs / 1_000_000_000)
    console.write(" s or until register ")
    console.write(decimal: ModbusDemo.stopRegister)
    console.write(" is written 1\n")
    system.pointee.console = console
    let ran = withSharedMemory(&data) { p, area in
        let argument = UInt(bitPattern: p)
        return runFixedPriorityTaskSet(&system.pointee, limitNs: ModbusDemo.runNs + 5_000_000_000, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(ModbusDemo.stateSlot))
            let rtu = builder.declare(TaskDescriptor(name: "rtu", entry: rtuTask, argument: argument, stackBytes: 16384,
                                                     priority: Priority(20)), in: &kernel)
            let update = builder.declare(TaskDescriptor(name: "update", entry: updateTask, argument: argument, stackBytes: 8192,
                                                        priority: Priority(10), periodNs: ModbusDemo.updatePeriodNs), in: &kernel)
            let readWrite = Rights.read.union(.write)
            builder.grant(registers, rights: readWrite, to: rtu, slot: CapSlot(ModbusDemo.registersSlot), in: &kernel)
            builder.grant(registers, rights: readWrite, to: update, slot: CapSlot(ModbusDemo.registersSlot), in: &kernel)
            builder.grantDevice(base: uartWindow.base, size: uartWindow.size, to: rtu, slot: CapSlot(ModbusDemo.uartSlot), in: &kernel)
        })
    }
    guard let report = ran else {
        system.pointee.console.write("modbus-demo: the shared pool is too small\n")
        return 1
    }
    let counters = data.server.counters
    console = system.pointee.console
    console.write("modbus-demo: ")
    console.write(decimal: UInt64(counters.serverMessages))
    console.write(" requests served, ")
    console.write(decimal: UInt64(counters.busExceptionErrors))
    console.write(" exception replies, ")
    console.write(decimal: UInt64(counters.busCommunicationErrors))
    console.write(" CRC errors, ")
    console.write(decimal: UInt64(counters.badFrames))
    console.write(" bad frames, ")
    console.write(decimal: UInt64(counters.busMessages))
    console.write(" frames seen, ")
    console.write(decimal: data.overruns)
    console.write(" bytes over the frame limit, ")
    console.write(decimal: data.updates)
    console.write(" register updates; ended by ")
    console.write(data.stoppedByClient ? "the stop register\n" : (report.end == .timeLimit ? "the time limit\n" : "the run time\n"))
    system.pointee.console = console
    return 0
}
#else
// On the host this target only proves the app compiles; the image runs on a board.
print("orion-app-modbus-demo is a board image: run it with `orion run --board raspi3b --app modbus-demo` (or --board raspi4b)")
#endif
