// Guest app `selftest`: the kernel's on-target test suite (scheduling, budgets, IPC, capabilities, faults).
// Prints one PASS/FAIL line per case, then `SELFTEST PASS n/n` or `SELFTEST FAIL k/n`, and exits 0 or 1.

import BoardBoot
import Kernel
import Boards

#if hasFeature(Embedded)

// Note: nothing here is a top-level stored variable: main.swift's top-level code never runs on a board.

/// One millisecond in ns.
var ms: UInt64 { 1_000_000 }

/// Memory the tasks of one case share with the checker (it lives on the boot stack during the run).
struct Shared {
    var trace = InlineArray<64, UInt8>(repeating: 0)
    var traceCount = 0
    var values = InlineArray<16, Int64>(repeating: 0)
    var valueCount = 0
    var spinNs = InlineArray<8, UInt64>(repeating: 0)
    var jobs = InlineArray<8, Int>(repeating: 0)
    /// FP registers found changed across a yield, per FP task (max: not run).
    var fpChanged = InlineArray<2, UInt64>(repeating: UInt64.max)
    /// What a task's first FP use saw in the registers (OR of all; max: not run).
    var fpFirstLook = UInt64.max

    mutating func record(_ mark: UInt8) {
        if traceCount < 64 { trace[traceCount] = mark; traceCount += 1 }
    }

    mutating func value(_ v: Int64) {
        if valueCount < 16 { values[valueCount] = v; valueCount += 1 }
    }

    func traceEquals(_ expected: StaticString) -> Bool {
        guard expected.utf8CodeUnitCount == traceCount else { return false }
        var i = 0
        while i < traceCount {
            if expected.utf8Start[i] != trace[i] { return false }
            i += 1
        }
        return true
    }
}

/// A task argument: the shared block's address in the low bits, a small per-task index in the top byte.
func argument(_ p: UnsafeMutablePointer<Shared>, index: Int = 0) -> UInt {
    UInt(bitPattern: p) | (UInt(index) << 56)
}

@inline(__always) func shared(_ arg: UInt) -> UnsafeMutablePointer<Shared> {
    UnsafeMutablePointer<Shared>(bitPattern: arg & ((1 << 56) - 1))!
}

@inline(__always) func index(_ arg: UInt) -> Int { Int(arg >> 56) }

/// Busy for `ns` of wall time.
func spin(ns: UInt64) {
    let end = Sys.now() &+ ns
    while Sys.now() < end {}
}

/// Prints the deadline misses of each of a periodic case's three tasks (to tell a kernel fault from the
/// host stalling QEMU: without `-icount`, guest time is the host's wall clock).
func reportMisses(_ system: UnsafeMutablePointer<System>, _ perTask: InlineArray<3, UInt32>) {
    system.pointee.console.write("    misses per task:")
    var i = 0
    while i < 3 {
        system.pointee.console.write(" ")
        system.pointee.console.write(decimal: UInt64(perTask[i]))
        i += 1
    }
    system.pointee.console.newline()
}

/// Counts and prints case results.
struct Suite {
    var passed = 0
    var failed = 0

    mutating func check(_ system: UnsafeMutablePointer<System>, _ name: StaticString, _ ok: Bool) {
        system.pointee.console.write(ok ? "  PASS " : "  FAIL ")
        system.pointee.console.write(name)
        system.pointee.console.newline()
        if ok { passed += 1 } else { failed += 1 }
    }
}

/// Runs `body` with a fresh shared block.
/// Runs `body` with a fresh shared block in the shared pool (tasks get it through `shareWithEveryTask`).
func withShared(_ body: (UnsafeMutablePointer<Shared>, MemoryArea) -> Void) {
    var data = Shared()
    _ = withSharedMemory(&data) { body($0, $1) }
}

/// The capability slot every task of a case holds its shared block in.
var sharedSlot: UInt8 { 15 }

func endpointCap(_ index: UInt8, _ rights: Rights, badge: UInt64 = 0) -> Capability {
    Capability(object: ObjectRef(kind: .endpoint, index: index), rights: rights, badge: badge)
}

func install<P: SchedulingPolicy>(_ kernel: inout KernelState<P>, _ task: TaskID?, _ slot: UInt8, _ cap: Capability) {
    guard let task else { return }
    try? kernel.capabilities.install(cap, at: SlotRef(task: task, slot: CapSlot(slot)))
}

// MARK: Task bodies

@_cdecl("st_yield") func stYield(_ arg: UInt) {
    let mark = UInt8(ascii: "A") + UInt8(index(arg))
    var i = 0
    while i < 3 { shared(arg).pointee.record(mark); Sys.yield(); i += 1 }
}

/// Fills every FP register with its own values, yields, counts the registers that changed; 20 times.
@_cdecl("st_fp") func stFP(_ arg: UInt) {
    let i = index(arg)
    var changed: UInt64 = 0
    var round: UInt64 = 0
    while round < 20 {
        #if arch(arm64)
        changed &+= orion_a64_fp_probe(UInt64(i + 1) << 40 | round << 8)
        #elseif arch(riscv64)
        changed &+= orion_rv_fp_probe(UInt64(i + 1) << 40 | round << 8)
        #endif
        round += 1
    }
    shared(arg).pointee.fpChanged[i] = changed
}

/// Yields among FP tasks without touching FP, then makes its first FP use: it must see zeros.
@_cdecl("st_fp_late") func stFPLate(_ arg: UInt) {
    var round = 0
    while round < 20 {
        Sys.yield()
        round += 1
    }
    #if arch(arm64)
    shared(arg).pointee.fpFirstLook = orion_a64_fp_first_look()
    #elseif arch(riscv64)
    shared(arg).pointee.fpFirstLook = orion_rv_fp_first_look()
    #endif
}

@_cdecl("st_low") func stLow(_ arg: UInt) {
    shared(arg).pointee.record(UInt8(ascii: "l"))
    spin(ns: 3 * ms)
    shared(arg).pointee.record(UInt8(ascii: "L"))
}

@_cdecl("st_mark") func stMark(_ arg: UInt) {
    shared(arg).pointee.record(UInt8(ascii: "A") + UInt8(index(arg)))
}

/// Periodic: spins `spinNs[i]` per job for `jobs[i]` jobs.
@_cdecl("st_periodic") func stPeriodic(_ arg: UInt) {
    let s = shared(arg)
    let i = index(arg)
    var job = 0
    while job < s.pointee.jobs[i] {
        spin(ns: s.pointee.spinNs[i])
        Sys.waitForNextPeriod()
        job += 1
    }
}

@_cdecl("st_sleeper") func stSleeper(_ arg: UInt) {
    let target = Sys.now() &+ 2 * ms
    Sys.sleep(untilNs: target)
    let woke = Sys.now()
    shared(arg).pointee.values[0] = woke >= target && woke - target < 5 * ms ? 1 : 2
}

@_cdecl("st_clock") func stClock(_ arg: UInt) {
    var last = Sys.now()
    var ok: Int64 = 1
    var i = 0
    while i < 1000 {
        let t = Sys.now()
        if t < last { ok = 0 }
        last = t
        i += 1
    }
    shared(arg).pointee.values[1] = ok == 1 ? 1 : 2
}

/// Echo server: replies with the message reversed; records the badge; a 0-byte call ends it.
@_cdecl("st_echo_server") func stEchoServer(_ arg: UInt) {
    var buffer = InlineArray<64, UInt8>(repeating: 0)
    var out = InlineArray<64, UInt8>(repeating: 0)
    withUnsafeMutableBytes(of: &buffer) { inBytes in
        withUnsafeMutableBytes(of: &out) { outBytes in
            var (length, badge) = Sys.receive(0, buffer: inBytes.baseAddress, capacity: 64)
            while length > 0 {
                shared(arg).pointee.values[0] = Int64(bitPattern: badge)
                var i = 0
                while i < Int(length) { outBytes[i] = inBytes[Int(length) - 1 - i]; i += 1 }
                (length, badge) = Sys.replyReceive(message: outBytes.baseAddress, length: Int(length), 0,
                                                   buffer: inBytes.baseAddress, capacity: 64)
            }
            _ = Sys.reply(message: nil, length: 0)
        }
    }
}

@_cdecl("st_echo_client") func stEchoClient(_ arg: UInt) {
    let s = shared(arg)
    var message = InlineArray<80, UInt8>(repeating: 0)
    var reply = InlineArray<64, UInt8>(repeating: 0)
    withUnsafeMutableBytes(of: &message) { m in
        withUnsafeMutableBytes(of: &reply) { r in
            var good = 0
            var round = 0
            while round < 100 {
                var i = 0
                while i < 64 { m[i] = UInt8(truncatingIfNeeded: i &+ round); i += 1 }
                let n = Sys.call(0, message: m.baseAddress, length: 64, reply: r.baseAddress, replyCapacity: 64)
                var same = n == 64
                i = 0
                while same && i < 64 { same = r[i] == m[63 - i]; i += 1 }
                if same { good += 1 }
                round += 1
            }
            s.pointee.values[1] = Int64(good)
            s.pointee.values[2] = Sys.call(0, message: m.baseAddress, length: 65, reply: r.baseAddress, replyCapacity: 64)
            _ = Sys.call(0, message: m.baseAddress, length: 0, reply: r.baseAddress, replyCapacity: 64)
        }
    }
}

/// Short echo server: answers each short message with its bytes complemented, in registers both ways; counts
/// messages that arrived with bytes past their length (values[3]: must stay 0).
@_cdecl("st_short_server") func stShortServer(_ arg: UInt) {
    let s = shared(arg)
    var (length, badge, words) = Sys.receiveShort(0)
    while length > 0 {
        s.pointee.values[0] = Int64(bitPattern: badge)
        if words != words.prefix(Int(length)) { s.pointee.values[3] += 1 }
        (length, badge, words) = Sys.replyReceiveShort(MessageWords(~words.w0, ~words.w1, ~words.w2, ~words.w3),
                                                       length: Int(length), 0)
    }
    _ = Sys.reply(message: nil, length: 0)
}

/// A short message of `n` bytes for round `round`.
func shortMessage(_ round: Int) -> MessageWords {
    let seed = UInt64(round + 1) &* 0x9E37_79B9_7F4A_7C15
    return MessageWords(seed, seed ^ 0x1111_2222_3333_4444, seed &+ 0x0F0F, ~seed)
}

/// Short client: 96 calls of 1 to 32 bytes; values[1] counts the replies that are the message complemented and
/// cut to its length; values[2] is the answer to a 33-byte short message.
@_cdecl("st_short_client") func stShortClient(_ arg: UInt) {
    let s = shared(arg)
    var good = 0
    var round = 0
    while round < 96 {
        let n = round % 32 + 1
        let m = shortMessage(round)
        let (length, reply) = Sys.callShort(0, m, length: n)
        if length == Int64(n) && reply == MessageWords(~m.w0, ~m.w1, ~m.w2, ~m.w3).prefix(n) { good += 1 }
        round += 1
    }
    s.pointee.values[1] = Int64(good)
    s.pointee.values[2] = Sys.callShort(0, MessageWords(), length: 33).0
    _ = Sys.callShort(0, MessageWords(), length: 0)
}

/// Short client of the buffer echo server (which reverses the bytes): values[4] counts the 32 calls of 1 to 32
/// bytes whose reply came back reversed, in registers.
@_cdecl("st_short_to_buffer_client") func stShortToBufferClient(_ arg: UInt) {
    let s = shared(arg)
    var good = 0
    var n = 1
    while n <= 32 {
        let m = shortMessage(n)
        let (length, reply) = Sys.callShort(0, m, length: n)
        var expected = MessageWords()
        withUnsafeBytes(of: m) { source in
            withUnsafeMutableBytes(of: &expected) { target in
                var i = 0
                while i < n { target[i] = source[n - 1 - i]; i += 1 }
            }
        }
        if length == Int64(n) && reply == expected { good += 1 }
        n += 1
    }
    s.pointee.values[4] = Int64(good)
    _ = Sys.callShort(0, MessageWords(), length: 0)
}

@_cdecl("st_waiter") func stWaiter(_ arg: UInt) {
    let s = shared(arg)
    var n = 0
    while n < index(arg) {
        let (status, bits) = Sys.wait(0)
        s.pointee.value(status < 0 ? status : Int64(bits))
        n += 1
    }
}

@_cdecl("st_signaller") func stSignaller(_ arg: UInt) {
    _ = Sys.signal(0, bits: 1)
    _ = Sys.signal(0, bits: 4)
}

@_cdecl("st_signal_twice") func stSignalTwice(_ arg: UInt) {
    _ = Sys.signal(0, bits: 2)
    _ = Sys.signal(0, bits: 8)
}

@_cdecl("st_producer") func stProducer(_ arg: UInt) {
    var byte: UInt8 = 0
    while byte < 12 {
        withUnsafeBytes(of: &byte) { _ = Sys.queueSend(0, message: $0.baseAddress, length: 1) }
        shared(arg).pointee.record(UInt8(ascii: "p"))
        byte += 1
    }
}

@_cdecl("st_consumer") func stConsumer(_ arg: UInt) {
    var n = 0
    var inOrder: Int64 = 1
    while n < 12 {
        var byte: UInt8 = 0xFF
        let length = withUnsafeMutableBytes(of: &byte) { Sys.queueReceive(0, buffer: $0.baseAddress, capacity: 1) }
        if length != 1 || byte != UInt8(n) { inOrder = 0 }
        shared(arg).pointee.record(UInt8(ascii: "q"))
        n += 1
    }
    shared(arg).pointee.values[0] = inOrder
}

/// Server for the inversion case: serves two calls, each taking 3 ms of CPU.
@_cdecl("st_slow_server") func stSlowServer(_ arg: UInt) {
    var buffer: UInt64 = 0
    withUnsafeMutableBytes(of: &buffer) { b in
        _ = Sys.receive(0, buffer: b.baseAddress, capacity: 8)
        spin(ns: 3 * ms)
        _ = Sys.replyReceive(message: nil, length: 0, 0, buffer: b.baseAddress, capacity: 8)
        spin(ns: 3 * ms)
        _ = Sys.reply(message: nil, length: 0)
    }
}

@_cdecl("st_client_low") func stClientLow(_ arg: UInt) {
    _ = Sys.call(0, message: nil, length: 0, reply: nil, replyCapacity: 0)
}

@_cdecl("st_client_high") func stClientHigh(_ arg: UInt) {
    let start = Sys.now()
    _ = Sys.call(0, message: nil, length: 0, reply: nil, replyCapacity: 0)
    shared(arg).pointee.values[0] = Int64(Sys.now() &- start)
}

@_cdecl("st_medium") func stMedium(_ arg: UInt) {
    spin(ns: 20 * ms)
    shared(arg).pointee.values[1] = 1
}

/// Capability checks (privileged task): slot 0 = endpoint (all rights), slot 1 = task capability for the peer.
@_cdecl("st_caps") func stCaps(_ arg: UInt) {
    let s = shared(arg)
    // Mint a read-only copy: a call through it is denied.
    s.pointee.values[0] = Sys.capMint(0, slot: 2, rights: .read, badge: 0)
    s.pointee.values[1] = Sys.call(2, message: nil, length: 0, reply: nil, replyCapacity: 0)
    // A copy without the grant right cannot be copied further.
    s.pointee.values[2] = Sys.capMint(0, slot: 3, rights: .write, badge: 7)
    s.pointee.values[3] = Sys.capCopy(3, slot: 4)
    // Revoke removes everything derived from slot 0.
    s.pointee.values[4] = Sys.capCopy(0, slot: 5)
    s.pointee.values[5] = Sys.capCopy(0, toTask: 1, slot: 0)  // into the peer's CSpace
    Sys.sleep(untilNs: Sys.now() &+ 2 * ms)                      // the peer checks it has it
    s.pointee.values[6] = Sys.capRevoke(0)
    s.pointee.values[7] = Sys.call(5, message: nil, length: 0, reply: nil, replyCapacity: 0)
    // The audit ring holds the denied copy (operation 3 = copy? see AuditOperation) and the grants.
    var entry = InlineArray<16, UInt8>(repeating: 0)
    var deniedCopy: Int64 = 0
    var granted: Int64 = 0
    withUnsafeMutableBytes(of: &entry) { e in
        var i = 0
        while i < 64 {
            let (status, _) = Sys.auditRead(i, buffer: e.baseAddress)
            if status < 0 { break }
            if e[5] == AuditOperation.copy.rawValue && e[8] == 1 { deniedCopy += 1 }
            if e[8] == 0 { granted += 1 }
            i += 1
        }
    }
    s.pointee.values[8] = deniedCopy
    s.pointee.values[9] = granted
}

@_cdecl("st_caps_peer") func stCapsPeer(_ arg: UInt) {
    let s = shared(arg)
    Sys.sleep(untilNs: Sys.now() &+ 1 * ms)
    // Granted by the privileged task: deleting it succeeds only if it is there.
    s.pointee.values[10] = Sys.capDelete(0)
    var entry = InlineArray<16, UInt8>(repeating: 0)
    s.pointee.values[11] = withUnsafeMutableBytes(of: &entry) { Sys.auditRead(0, buffer: $0.baseAddress).0 }
}

@_cdecl("st_faulter") func stFaulter(_ arg: UInt) {
    shared(arg).pointee.record(UInt8(ascii: "f"))
    orion_undefined_instruction()
    shared(arg).pointee.record(UInt8(ascii: "X"))
}

@_cdecl("st_privileged") func stPrivileged(_ arg: UInt) {
    shared(arg).pointee.record(UInt8(ascii: "p"))
    _ = orion_privileged_probe()
    shared(arg).pointee.record(UInt8(ascii: "X"))
}

@_cdecl("st_counter") func stCounter(_ arg: UInt) {
    shared(arg).pointee.values[0] += 1
}

// MARK: Supervisor

/// The number of restarts the supervisor case makes.
var restartRounds: Int { 100 }

/// Serves calls and faults (a real memory fault: it reads the kernel's data) on every third request; on each
/// start after a restart, records the time since it faulted (values[13] → sum in values[14], max in values[15]).
@_cdecl("st_flaky_server") func stFlakyServer(_ arg: UInt) {
    let s = shared(arg)
    if s.pointee.values[13] != 0 {
        let latency = Int64(bitPattern: Sys.now()) - s.pointee.values[13]
        s.pointee.values[14] += latency
        if latency > s.pointee.values[15] { s.pointee.values[15] = latency }
        s.pointee.values[13] = 0
    }
    var buffer: UInt64 = 0
    withUnsafeMutableBytes(of: &buffer) { b in
        var (length, _) = Sys.receive(0, buffer: b.baseAddress, capacity: 8)
        while length > 0 {
            s.pointee.values[6] += 1
            if s.pointee.values[6] % 3 == 0 {
                s.pointee.values[13] = Int64(bitPattern: Sys.now())
                _ = Sys.now()  // a system call is a compiler barrier: the time above is stored before the fault
                let kernel = UnsafeMutablePointer<UInt64>(bitPattern: UInt(bitPattern: orion_kernel_storage_base()))!
                s.pointee.values[12] = Int64(bitPattern: kernel.pointee)  // faults
            }
            (length, _) = Sys.replyReceive(message: b.baseAddress, length: 8, 0, buffer: b.baseAddress, capacity: 8)
        }
        _ = Sys.reply(message: nil, length: 0)
    }
}

/// Calls the server until the supervisor is done: values[0 + i] successes, values[2 + i] serverRestarted, values[4 + i]
/// any other result; client 0 then tells the server to end (length 0).
@_cdecl("st_restart_client") func stRestartClient(_ arg: UInt) {
    let s = shared(arg)
    let i = index(arg)
    var message: UInt64 = UInt64(i)
    var reply: UInt64 = 0
    withUnsafeMutableBytes(of: &message) { m in
        withUnsafeMutableBytes(of: &reply) { r in
            while s.pointee.values[7] == 0 {
                let result = Sys.call(0, message: m.baseAddress, length: 8, reply: r.baseAddress, replyCapacity: 8)
                if result == 8 {
                    s.pointee.values[i] += 1
                } else if result == -SyscallError.serverRestarted.rawValue {
                    s.pointee.values[2 + i] += 1
                } else {
                    s.pointee.values[4 + i] += 1
                    Sys.yield()
                }
            }
            if i == 0 { _ = Sys.call(0, message: m.baseAddress, length: 0, reply: r.baseAddress, replyCapacity: 8) }
        }
    }
}

/// The supervisor (slot 0: the endpoint, all rights; 2: its fault notification; 3, 4: the two clients):
/// mints the clients' call capabilities, then on every fault reads why, restarts the server, revokes the
/// old capabilities and mints fresh ones. values[9] counts restarts, values[10] faults read as `read`.
@_cdecl("st_supervisor") func stSupervisor(_ arg: UInt) {
    let s = shared(arg)
    func grantClients() {
        _ = Sys.capMint(0, toTask: 3, slot: 0, rights: .write, badge: 0)
        _ = Sys.capMint(0, toTask: 4, slot: 0, rights: .write, badge: 0)
    }
    grantClients()
    var record: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
    while s.pointee.values[9] < Int64(restartRounds) {
        _ = Sys.wait(2)
        let (status, _) = withUnsafeMutableBytes(of: &record) { Sys.faultInfo(2, buffer: $0.baseAddress) }
        if status == 0 && record.2 == UInt64(FaultKind.read.rawValue) { s.pointee.values[10] += 1 }
        _ = Sys.restartTask(2)
        _ = Sys.capRevoke(0)
        grantClients()
        s.pointee.values[9] += 1
    }
    s.pointee.values[7] = 1
}

// MARK: Cases


// MARK: Memory protection

/// Attackers (index in the argument): each touches memory outside its domain once and would record
/// `values[index] = 1` only if the access went through. 0 reads the kernel's data, 1 writes another task's
/// stack, 2 executes its own stack, 3 jumps into the kernel's entry text, 4 reads the console's registers
/// (no capability for them), 5 writes a region it was granted read-only (after reading it).
@_cdecl("st_attacker") func stAttacker(_ arg: UInt) {
    let s = shared(arg)
    let i = index(arg)
    switch i {
    case 0:
        let kernel = UnsafeMutablePointer<UInt64>(bitPattern: UInt(bitPattern: orion_kernel_storage_base()))!
        s.pointee.values[0] = Int64(bitPattern: kernel.pointee) | 1
    case 1:
        let victim = UnsafeMutablePointer<UInt64>(bitPattern: UInt(s.pointee.values[8]))!
        victim.pointee = 0xBAD
        s.pointee.values[1] = 1
    case 2:
        #if arch(arm64)
        var code: UInt64 = 0xd65f03c0_d65f03c0  // ret; ret
        #else
        var code: UInt64 = 0x00008067_00008067  // ret; ret
        #endif
        withUnsafeMutableBytes(of: &code) { raw in
            let routine = unsafeBitCast(raw.baseAddress!, to: (@convention(c) () -> Void).self)
            routine()
        }
        s.pointee.values[2] = 1
    case 3:
        let routine = unsafeBitCast(UnsafeRawPointer(bitPattern: orion_layout_kernel_text_start())!,
                                    to: (@convention(c) () -> Void).self)
        routine()
        s.pointee.values[3] = 1
    case 4:
        let uart = UnsafeMutablePointer<UInt32>(bitPattern: UInt(s.pointee.values[9]))!
        s.pointee.values[4] = Int64(uart.pointee) | 1
    default:
        let region = UnsafeMutablePointer<UInt64>(bitPattern: UInt(s.pointee.values[10]))!
        s.pointee.values[11] = Int64(bitPattern: region.pointee)   // reading is allowed
        region.pointee = 0xBAD
        s.pointee.values[5] = 1
    }
}

/// The victim: publishes the address of a canary on its stack, sleeps while the attackers run, then checks it.
@_cdecl("st_victim") func stVictim(_ arg: UInt) {
    var canary: UInt64 = 0x5A5A_5A5A_5A5A_5A5A
    withUnsafeMutablePointer(to: &canary) { c in
        shared(arg).pointee.values[8] = Int64(Int(bitPattern: UInt(bitPattern: c)))
        Sys.sleep(untilNs: Sys.now() &+ 20 * ms)
        shared(arg).pointee.values[12] = c.pointee == 0x5A5A_5A5A_5A5A_5A5A ? 1 : 2
    }
}

/// Periodic and most urgent: must meet every deadline while the attackers fault.
@_cdecl("st_steady") func stSteady(_ arg: UInt) {
    var job = 0
    while job < 20 {
        spin(ns: 100_000)
        Sys.waitForNextPeriod()
        job += 1
    }
}

/// Calls with pointers it may not use (into the kernel, into the server's stack, a reply into the kernel):
/// each must come back badAddress at once; then a good call.
@_cdecl("st_bad_caller") func stBadCaller(_ arg: UInt) {
    let s = shared(arg)
    var message: UInt64 = 0x1111_2222_3333_4444
    var reply: UInt64 = 0
    let kernel = UnsafeMutableRawPointer(orion_kernel_storage_base())
    let serverStack = UnsafeMutableRawPointer(bitPattern: UInt(s.pointee.values[8]))
    withUnsafeMutableBytes(of: &message) { m in
        withUnsafeMutableBytes(of: &reply) { r in
            s.pointee.values[0] = Sys.call(0, message: kernel, length: 8, reply: r.baseAddress, replyCapacity: 8)
            s.pointee.values[1] = Sys.call(0, message: serverStack, length: 8, reply: r.baseAddress, replyCapacity: 8)
            s.pointee.values[2] = Sys.call(0, message: m.baseAddress, length: 8, reply: kernel, replyCapacity: 8)
            s.pointee.values[3] = Sys.call(0, message: m.baseAddress, length: 8, reply: serverStack, replyCapacity: 8)
            s.pointee.values[4] = Sys.call(0, message: m.baseAddress, length: 8, reply: r.baseAddress, replyCapacity: 8)
        }
    }
    s.pointee.values[5] = Int64(bitPattern: reply)
}

/// Receives one call into a buffer on its stack (published first) and replies with what it got.
@_cdecl("st_echo_once") func stEchoOnce(_ arg: UInt) {
    var buffer: UInt64 = 0xEEEE_EEEE_EEEE_EEEE
    withUnsafeMutableBytes(of: &buffer) { b in
        shared(arg).pointee.values[8] = Int64(Int(bitPattern: UInt(bitPattern: b.baseAddress!)))
        let (length, _) = Sys.receive(0, buffer: b.baseAddress, capacity: 8)
        shared(arg).pointee.values[6] = length
        _ = Sys.reply(message: b.baseAddress, length: 8)
    }
}

// MARK: Cases

func fixedPriorityCases(_ system: UnsafeMutablePointer<System>, _ suite: inout Suite) {
    withShared { p, area in
        _ = runFixedPriorityTaskSet(&system.pointee, limitNs: 200 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "sleeper", entry: stSleeper, argument: argument(p), priority: Priority(10)), in: &kernel)
            builder.declare(TaskDescriptor(name: "clock", entry: stClock, argument: argument(p), priority: Priority(1)), in: &kernel)
        }
        suite.check(system, "time: sleep(until:) wakes on time, not early", p.pointee.values[0] == 1)
        suite.check(system, "time: now() never goes backwards", p.pointee.values[1] == 1)
    }
    withShared { p, area in
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 200 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "yield-a", entry: stYield, argument: argument(p, index: 0), priority: Priority(10)), in: &kernel)
            builder.declare(TaskDescriptor(name: "yield-b", entry: stYield, argument: argument(p, index: 1), priority: Priority(10)), in: &kernel)
        }
        suite.check(system, "fp: equal priorities run FIFO; yield alternates them", report.end == .allTasksEnded && p.pointee.traceEquals("ABABAB"))
    }
    withShared { p, area in
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 200 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "fp-a", entry: stFP, argument: argument(p, index: 0), priority: Priority(10)), in: &kernel)
            builder.declare(TaskDescriptor(name: "no-fp", entry: stFPLate, argument: argument(p), priority: Priority(10)), in: &kernel)
            builder.declare(TaskDescriptor(name: "fp-b", entry: stFP, argument: argument(p, index: 1), priority: Priority(10)), in: &kernel)
        }
        suite.check(system, "lazy fp: each task's FP registers survive its switches; a first use sees zeros",
                    report.end == .allTasksEnded && p.pointee.fpChanged[0] == 0 && p.pointee.fpChanged[1] == 0
                        && p.pointee.fpFirstLook == 0)
    }
    withShared { p, area in
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 200 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "low", entry: stLow, argument: argument(p), priority: Priority(5)), in: &kernel)
            builder.declare(TaskDescriptor(name: "high", entry: stMark, argument: argument(p, index: 7), priority: Priority(40), offsetNs: 1 * ms), in: &kernel)
        }
        suite.check(system, "fp: a released higher-priority task preempts at once", report.end == .allTasksEnded && p.pointee.traceEquals("lHL"))
    }
    withShared { p, area in
        // Periods of tens of ms: a debug image under QEMU without -icount takes up to about 1 ms from a
        // timer interrupt to the task running (the bench app, debug, no -icount), which must stay small
        // against them.
        p.pointee.spinNs[0] = 5 * ms / 2; p.pointee.jobs[0] = 20
        p.pointee.spinNs[1] = 5 * ms; p.pointee.jobs[1] = 10
        p.pointee.spinNs[2] = 10 * ms; p.pointee.jobs[2] = 5
        var jobsOK = true
        var misses: UInt32 = 0
        var perTask = InlineArray<3, UInt32>(repeating: 0)
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 1500 * ms, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "p25", entry: stPeriodic, argument: argument(p, index: 0), priority: Priority(30), periodNs: 25 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "p50", entry: stPeriodic, argument: argument(p, index: 1), priority: Priority(20), periodNs: 50 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "p100", entry: stPeriodic, argument: argument(p, index: 2), priority: Priority(10), periodNs: 100 * ms), in: &kernel)
        }, inspect: { kernel in
            var i = 0
            while i < 3 {
                jobsOK = jobsOK && Int(kernel.tasks[i].jobsCompleted) == p.pointee.jobs[i]
                misses += kernel.tasks[i].deadlineMisses
                perTask[i] = kernel.tasks[i].deadlineMisses
                i += 1
            }
        })
        suite.check(system, "fp: periodic task set completes every job", report.end == .allTasksEnded && jobsOK)
        suite.check(system, "fp: periodic task set has zero deadline misses", misses == 0)
        if misses > 0 { reportMisses(system, perTask) }
    }
    withShared { p, area in
        // Periods of tens of ms, for the reason given in the periodic case above.
        p.pointee.spinNs[0] = 60 * ms; p.pointee.jobs[0] = 2
        p.pointee.spinNs[1] = 10 * ms; p.pointee.jobs[1] = 6
        var overruns: UInt32 = 0
        var lowMisses: UInt32 = 1
        _ = runFixedPriorityTaskSet(&system.pointee, limitNs: 1500 * ms, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "greedy", entry: stPeriodic, argument: argument(p, index: 0), priority: Priority(30),
                                           periodNs: 50 * ms, budgetNs: 5 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "victim", entry: stPeriodic, argument: argument(p, index: 1), priority: Priority(20),
                                           periodNs: 50 * ms), in: &kernel)
        }, inspect: { kernel in
            overruns = kernel.tasks[0].budgetOverruns
            lowMisses = kernel.tasks[1].deadlineMisses
        })
        suite.check(system, "budget: an overrun is counted and the task throttled", overruns >= 1)
        suite.check(system, "budget: throttling keeps a lower-priority task on time", lowMisses == 0)
    }
    withShared { p, area in
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 500 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let server = builder.declare(TaskDescriptor(name: "echo", entry: stEchoServer, argument: argument(p), priority: Priority(20)), in: &kernel)
            let client = builder.declare(TaskDescriptor(name: "client", entry: stEchoClient, argument: argument(p), priority: Priority(10)), in: &kernel)
            install(&kernel, server, 0, endpointCap(0, .read))
            install(&kernel, client, 0, endpointCap(0, .write, badge: 0x42))
        }
        suite.check(system, "ipc: 100 call/reply round trips of 64 bytes", report.end == .allTasksEnded && p.pointee.values[1] == 100)
        suite.check(system, "ipc: the server receives the caller's badge", p.pointee.values[0] == 0x42)
        suite.check(system, "ipc: a message over 64 bytes is refused", p.pointee.values[2] == -SyscallError.badLength.rawValue)
    }
    withShared { p, area in
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 500 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let server = builder.declare(TaskDescriptor(name: "short-echo", entry: stShortServer, argument: argument(p), priority: Priority(20)), in: &kernel)
            let client = builder.declare(TaskDescriptor(name: "short", entry: stShortClient, argument: argument(p), priority: Priority(10)), in: &kernel)
            install(&kernel, server, 0, endpointCap(0, .read))
            install(&kernel, client, 0, endpointCap(0, .write, badge: 0x43))
        }
        suite.check(system, "ipc: 96 short call/reply round trips of 1-32 bytes in registers, nothing past the length",
                    report.end == .allTasksEnded && p.pointee.values[1] == 96 && p.pointee.values[3] == 0 && p.pointee.values[0] == 0x43)
        suite.check(system, "ipc: a short message over 32 bytes is refused", p.pointee.values[2] == -SyscallError.badLength.rawValue)
    }
    withShared { p, area in
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 500 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let server = builder.declare(TaskDescriptor(name: "echo", entry: stEchoServer, argument: argument(p), priority: Priority(20)), in: &kernel)
            let client = builder.declare(TaskDescriptor(name: "short", entry: stShortToBufferClient, argument: argument(p), priority: Priority(10)), in: &kernel)
            install(&kernel, server, 0, endpointCap(0, .read))
            install(&kernel, client, 0, endpointCap(0, .write))
        }
        suite.check(system, "ipc: a short client of a buffer server gets its 32 replies in registers",
                    report.end == .allTasksEnded && p.pointee.values[4] == 32)
    }
    withShared { p, area in
        _ = runFixedPriorityTaskSet(&system.pointee, limitNs: 100 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let w = builder.declare(TaskDescriptor(name: "waiter", entry: stWaiter, argument: argument(p, index: 2), priority: Priority(20)), in: &kernel)
            let s = builder.declare(TaskDescriptor(name: "signaller", entry: stSignaller, argument: argument(p), priority: Priority(10)), in: &kernel)
            install(&kernel, w, 0, Capability(object: ObjectRef(kind: .notification, index: 0), rights: .read, badge: 0))
            install(&kernel, s, 0, Capability(object: ObjectRef(kind: .notification, index: 0), rights: .write, badge: 0))
        }
        suite.check(system, "notification: a signal wakes the waiter with its bits",
                    p.pointee.valueCount == 2 && p.pointee.values[0] == 1 && p.pointee.values[1] == 4)
    }
    withShared { p, area in
        _ = runFixedPriorityTaskSet(&system.pointee, limitNs: 100 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let s = builder.declare(TaskDescriptor(name: "signaller", entry: stSignalTwice, argument: argument(p), priority: Priority(20)), in: &kernel)
            let w = builder.declare(TaskDescriptor(name: "waiter", entry: stWaiter, argument: argument(p, index: 1), priority: Priority(10)), in: &kernel)
            install(&kernel, w, 0, Capability(object: ObjectRef(kind: .notification, index: 1), rights: .read, badge: 0))
            install(&kernel, s, 0, Capability(object: ObjectRef(kind: .notification, index: 1), rights: .write, badge: 0))
        }
        suite.check(system, "notification: signals before the wait accumulate (OR)", p.pointee.valueCount == 1 && p.pointee.values[0] == 0xA)
    }
    withShared { p, area in
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 100 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let producer = builder.declare(TaskDescriptor(name: "producer", entry: stProducer, argument: argument(p), priority: Priority(20)), in: &kernel)
            let consumer = builder.declare(TaskDescriptor(name: "consumer", entry: stConsumer, argument: argument(p), priority: Priority(10)), in: &kernel)
            install(&kernel, producer, 0, Capability(object: ObjectRef(kind: .queue, index: 0), rights: .write, badge: 0))
            install(&kernel, consumer, 0, Capability(object: ObjectRef(kind: .queue, index: 0), rights: .read, badge: 0))
        }
        suite.check(system, "queue: FIFO order; a full queue blocks the sender",
                    report.end == .allTasksEnded && p.pointee.values[0] == 1 && p.pointee.traceEquals("pppppppppqpqpqpqqqqqqqqq"))
    }
    withShared { p, area in
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 300 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let server = builder.declare(TaskDescriptor(name: "server", entry: stSlowServer, argument: argument(p), priority: Priority(1)), in: &kernel)
            let low = builder.declare(TaskDescriptor(name: "low", entry: stClientLow, argument: argument(p), priority: Priority(5)), in: &kernel)
            let high = builder.declare(TaskDescriptor(name: "high", entry: stClientHigh, argument: argument(p), priority: Priority(30), offsetNs: 1 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "medium", entry: stMedium, argument: argument(p), priority: Priority(10), offsetNs: 1 * ms), in: &kernel)
            install(&kernel, server, 0, endpointCap(0, .read))
            install(&kernel, low, 0, endpointCap(0, .write))
            install(&kernel, high, 0, endpointCap(0, .write))
        }
        let response = UInt64(max(p.pointee.values[0], 0))
        suite.check(system, "ipc: priority inheritance bounds inversion (high waits < 10 ms, not the 20 ms medium task)",
                    report.end == .allTasksEnded && response > 0 && response < 10 * ms && p.pointee.values[1] == 1)
    }
    withShared { p, area in
        _ = runFixedPriorityTaskSet(&system.pointee, limitNs: 100 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let caps = builder.declare(TaskDescriptor(name: "caps", entry: stCaps, argument: argument(p), priority: Priority(20), privileged: true), in: &kernel)
            let peer = builder.declare(TaskDescriptor(name: "peer", entry: stCapsPeer, argument: argument(p), priority: Priority(10)), in: &kernel)
            install(&kernel, caps, 0, endpointCap(3, Rights(rawValue: 7)))
            if let peer { install(&kernel, caps, 1, Capability(object: ObjectRef(kind: .task, index: peer.raw), rights: .write, badge: 0)) }
        }
        let v = p.pointee.values
        suite.check(system, "caps: mint narrows rights; a call through a read-only copy is denied",
                    v[0] == 0 && v[1] == -SyscallError.insufficientRights.rawValue)
        suite.check(system, "caps: copying without the grant right is denied", v[2] == 0 && v[3] == -SyscallError.insufficientRights.rawValue)
        suite.check(system, "caps: a capability granted into another task's CSpace is there", v[5] == 0 && v[10] == 0)
        suite.check(system, "caps: revoke removes every derived capability", v[4] == 0 && v[6] >= 3 && v[7] == -SyscallError.invalidCapability.rawValue)
        suite.check(system, "caps: grants and denials are in the audit ring", v[8] >= 1 && v[9] >= 3)
        suite.check(system, "caps: only a privileged task reads the audit ring", v[11] == -SyscallError.notPrivileged.rawValue)
    }
    withShared { p, area in
        var faulterState = TaskState.unused
        var otherState = TaskState.unused
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 100 * ms, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "faulter", entry: stFaulter, argument: argument(p), priority: Priority(20)), in: &kernel)
            builder.declare(TaskDescriptor(name: "bystander", entry: stMark, argument: argument(p, index: 6), priority: Priority(10)), in: &kernel)
        }, inspect: { kernel in
            faulterState = kernel.tasks[0].state
            otherState = kernel.tasks[1].state
        })
        suite.check(system, "fault: a faulting task is stopped, the others keep running",
                    report.end == .allTasksEnded && faulterState == .faulted && otherState == .exited && p.pointee.traceEquals("fG"))
    }
    withShared { p, area in
        var state = TaskState.unused
        _ = runFixedPriorityTaskSet(&system.pointee, limitNs: 100 * ms, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "probe", entry: stPrivileged, argument: argument(p)), in: &kernel)
        }, inspect: { kernel in state = kernel.tasks[0].state })
        suite.check(system, "isolation: tasks run unprivileged (a kernel-only instruction faults)", state == .faulted && p.pointee.traceEquals("p"))
    }
    withShared { p, area in
        var allExited = true
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 200 * ms, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            var i = 0
            while i < 64 {
                builder.declare(TaskDescriptor(name: "many", entry: stCounter, argument: argument(p), stackBytes: 4096, priority: Priority(UInt8(i))), in: &kernel)
                i += 1
            }
        }, inspect: { kernel in
            var i = 0
            while i < 64 { allExited = allExited && kernel.tasks[i].state == .exited; i += 1 }
        })
        suite.check(system, "tasks: a table of 64 static tasks runs to completion", report.end == .allTasksEnded && p.pointee.values[0] == 64 && allExited)
    }
}

/// Memory protection on the board: attackers fault and are reported while the others keep their deadlines;
/// system calls with foreign pointers get badAddress and copy nothing.
// (Traced through the boot test that runs these cases: BootTests.kernelSelftestPasses.)
func memoryCases(_ system: UnsafeMutablePointer<System>, _ suite: inout Suite) {
    let names: InlineArray<6, StaticString> = ["memory: reading the kernel's data faults",
                                              "memory: writing another task's stack faults",
                                              "memory: executing its own stack faults",
                                              "memory: jumping into the kernel's text faults",
                                              "memory: touching an MMIO window without a capability faults",
                                              "memory: a region granted read-only cannot be written"]
    var readOnly: UInt64 = 0x00C0_FFEE
    _ = withSharedMemory(&readOnly) { ro, roArea in
        withShared { p, area in
            p.pointee.values[9] = Int64(bitPattern: system.pointee.platform.console?.base ?? 0)
            p.pointee.values[10] = Int64(Int(bitPattern: UInt(bitPattern: ro)))
            var states = InlineArray<6, TaskState>(repeating: .unused)
            var steadyJobs: UInt32 = 0
            var steadyMisses: UInt32 = 99
            let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 200 * ms, setup: { kernel, builder in
                builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
                builder.declare(TaskDescriptor(name: "steady", entry: stSteady, argument: argument(p), priority: Priority(40),
                                               periodNs: 2 * ms, budgetNs: 1 * ms), in: &kernel)
                builder.declare(TaskDescriptor(name: "victim", entry: stVictim, argument: argument(p), priority: Priority(30)), in: &kernel)
                var i = 0
                while i < 6 {
                    let a = builder.declare(TaskDescriptor(name: "attacker", entry: stAttacker, argument: argument(p, index: i),
                                                           priority: Priority(UInt8(20 - i))), in: &kernel)
                    if i == 5 { builder.grant(roArea, rights: .read, to: a, slot: 14, in: &kernel) }
                    i += 1
                }
            }, inspect: { kernel in
                var i = 0
                while i < 6 {
                    states[i] = kernel.tasks[2 + i].state
                    i += 1
                }
                steadyJobs = kernel.tasks[0].jobsCompleted
                steadyMisses = kernel.tasks[0].deadlineMisses
            })
            var i = 0
            while i < 6 {
                suite.check(system, names[i], report.end == .allTasksEnded && states[i] == .faulted && p.pointee.values[i] == 0)
                i += 1
            }
            suite.check(system, "memory: the victim's stack is intact and no other task missed a deadline",
                        p.pointee.values[12] == 1 && steadyJobs == 20 && steadyMisses == 0 && ro.pointee == 0x00C0_FFEE
                            && p.pointee.values[11] == 0x00C0_FFEE)
        }
    }
    withShared { p, area in
        _ = runFixedPriorityTaskSet(&system.pointee, limitNs: 100 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let server = builder.declare(TaskDescriptor(name: "echo", entry: stEchoOnce, argument: argument(p), priority: Priority(20)), in: &kernel)
            let client = builder.declare(TaskDescriptor(name: "caller", entry: stBadCaller, argument: argument(p), priority: Priority(10)), in: &kernel)
            install(&kernel, server, 0, endpointCap(0, .read))
            install(&kernel, client, 0, endpointCap(0, .write))
        }
        let v = p.pointee.values
        let bad = -SyscallError.badAddress.rawValue
        suite.check(system, "memory: a call with a message or reply pointer into the kernel or another task gets badAddress",
                    v[0] == bad && v[1] == bad && v[2] == bad && v[3] == bad)
        suite.check(system, "memory: after refused calls the server received only the good message",
                    v[4] == 8 && v[6] == 8 && v[5] == 0x1111_2222_3333_4444)
    }
}

/// The supervisor restarts a faulting server 100 times while two clients keep calling it.
// (Traced through the boot test that runs these cases: BootTests.kernelSelftestPasses.)
func supervisorCases(_ system: UnsafeMutablePointer<System>, _ suite: inout Suite) {
    withShared { p, area in
        var slotsAtStart = 0
        var slotsAtEnd = 0
        var generation: UInt16 = 0
        var queued = 99
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 5_000 * ms, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let supervisor = builder.declare(TaskDescriptor(name: "supervisor", entry: stSupervisor, argument: argument(p), priority: Priority(30)), in: &kernel)
            builder.declare(TaskDescriptor(name: "spare", entry: stMark, argument: argument(p, index: 1), priority: Priority(1)), in: &kernel)
            let server = builder.declare(TaskDescriptor(name: "flaky", entry: stFlakyServer, argument: argument(p), priority: Priority(20)), in: &kernel)
            let c0 = builder.declare(TaskDescriptor(name: "client0", entry: stRestartClient, argument: argument(p, index: 0), priority: Priority(10)), in: &kernel)
            let c1 = builder.declare(TaskDescriptor(name: "client1", entry: stRestartClient, argument: argument(p, index: 1), priority: Priority(11)), in: &kernel)
            guard let supervisor, let c0, let c1 else { return }
            install(&kernel, supervisor, 0, endpointCap(0, Rights(rawValue: 7)))
            install(&kernel, supervisor, 2, Capability(object: ObjectRef(kind: .notification, index: 0), rights: .read))
            install(&kernel, supervisor, 3, Capability(object: ObjectRef(kind: .task, index: c0.raw), rights: .write))
            install(&kernel, supervisor, 4, Capability(object: ObjectRef(kind: .task, index: c1.raw), rights: .write))
            install(&kernel, server, 0, endpointCap(0, .read))
            try? kernel.setSupervisor(supervisor, notification: 0, bits: 1)
            slotsAtStart = countSlots(&kernel)
        }, inspect: { kernel in
            slotsAtEnd = countSlots(&kernel)
            generation = kernel.tasks[2].generation
            queued = kernel.endpoints[0].callers.count + kernel.notifications[0].waiters.count
        })
        let v = p.pointee.values
        let restarts = Int(v[9])
        system.pointee.console.write("    supervisor: ")
        system.pointee.console.write(decimal: UInt64(restarts))
        system.pointee.console.write(" restarts, calls served ")
        system.pointee.console.write(decimal: UInt64(v[0] + v[1]))
        system.pointee.console.write(", serverRestarted ")
        system.pointee.console.write(decimal: UInt64(v[2] + v[3]))
        system.pointee.console.write(", other results ")
        system.pointee.console.write(decimal: UInt64(v[4] + v[5]))
        system.pointee.console.write("; fault -> running again avg ")
        system.pointee.console.write(decimal: UInt64(v[14]) / UInt64(max(restarts, 1)))
        system.pointee.console.write(" ns, max ")
        system.pointee.console.write(decimal: UInt64(v[15]))
        system.pointee.console.write(" ns\n")
        suite.check(system, "supervisor: a faulting server is restarted 100 times; every call succeeds or gets serverRestarted",
                    report.end == .allTasksEnded && restarts == restartRounds && v[10] == Int64(restartRounds)
                        && generation == UInt16(restartRounds) && v[0] + v[1] > 0 && v[2] + v[3] > 0 && v[4] + v[5] == 0)
        suite.check(system, "supervisor: no leak (capability slots and wait queues back to their starting occupancy)",
                    slotsAtEnd == slotsAtStart + 2 && queued == 0)
    }
}

/// Occupied capability slots over all tasks.
func countSlots<P: SchedulingPolicy>(_ kernel: inout KernelState<P>) -> Int {
    var n = 0
    var t = 0
    while t < kernel.taskCount {
        var slot: UInt8 = 0
        while slot < 16 {
            if kernel.capabilities.kind(at: SlotRef(task: TaskID(UInt8(t)), slot: CapSlot(slot))) != nil { n += 1 }
            slot += 1
        }
        t += 1
    }
    return n
}

func admissionCases(_ system: UnsafeMutablePointer<System>, _ suite: inout Suite) {
    withShared { p, area in
        let report = runFixedPriorityTaskSet(&system.pointee, limitNs: 100 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "hog-a", entry: stMark, argument: argument(p), priority: Priority(20),
                                           periodNs: 10 * ms, budgetNs: 6 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "hog-b", entry: stMark, argument: argument(p, index: 1), priority: Priority(10),
                                           periodNs: 10 * ms, relativeDeadlineNs: 5 * ms, budgetNs: 3 * ms), in: &kernel)
        }
        suite.check(system, "admission: an unschedulable fixed-priority table is refused before it runs",
                    report.end == .refused && p.pointee.traceCount == 0)
    }
    withShared { p, area in
        let report = runEDFTaskSet(&system.pointee, limitNs: 100 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "hog-a", entry: stMark, argument: argument(p), periodNs: 10 * ms,
                                           relativeDeadlineNs: 5 * ms, budgetNs: 3 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "hog-b", entry: stMark, argument: argument(p, index: 1), periodNs: 10 * ms,
                                           relativeDeadlineNs: 5 * ms, budgetNs: 3 * ms), in: &kernel)
        }
        suite.check(system, "admission: an EDF table whose demand exceeds supply is refused",
                    report.end == .refused && p.pointee.traceCount == 0)
    }
}

func edfCases(_ system: UnsafeMutablePointer<System>, _ suite: inout Suite) {
    withShared { p, area in
        // Periods of tens of ms, for the reason given in the fixed-priority case.
        p.pointee.spinNs[0] = 5 * ms; p.pointee.jobs[0] = 15
        p.pointee.spinNs[1] = 15 * ms / 2; p.pointee.jobs[1] = 10
        p.pointee.spinNs[2] = 25 * ms / 2; p.pointee.jobs[2] = 6
        var jobsOK = true
        var misses: UInt32 = 0
        var perTask = InlineArray<3, UInt32>(repeating: 0)
        let report = runEDFTaskSet(&system.pointee, limitNs: 1500 * ms, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "e20", entry: stPeriodic, argument: argument(p, index: 0), periodNs: 20 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "e30", entry: stPeriodic, argument: argument(p, index: 1), periodNs: 30 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "e50", entry: stPeriodic, argument: argument(p, index: 2), periodNs: 50 * ms), in: &kernel)
        }, inspect: { kernel in
            var i = 0
            while i < 3 {
                jobsOK = jobsOK && Int(kernel.tasks[i].jobsCompleted) == p.pointee.jobs[i]
                misses += kernel.tasks[i].deadlineMisses
                perTask[i] = kernel.tasks[i].deadlineMisses
                i += 1
            }
        })
        suite.check(system, "edf: periodic task set (U = 0.75) completes every job", report.end == .allTasksEnded && jobsOK)
        suite.check(system, "edf: periodic task set has zero deadline misses", misses == 0)
        if misses > 0 { reportMisses(system, perTask) }
    }
    withShared { p, area in
        let report = runEDFTaskSet(&system.pointee, limitNs: 100 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "late", entry: stMark, argument: argument(p, index: 23), relativeDeadlineNs: 10 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "early", entry: stMark, argument: argument(p, index: 24), relativeDeadlineNs: 5 * ms), in: &kernel)
        }
        suite.check(system, "edf: the earliest deadline runs first, whatever the declaration order", report.end == .allTasksEnded && p.pointee.traceEquals("YX"))
    }
    withShared { p, area in
        p.pointee.spinNs[0] = 3 * ms; p.pointee.jobs[0] = 2
        var misses: UInt32 = 0
        _ = runEDFTaskSet(&system.pointee, limitNs: 100 * ms, setup: { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            builder.declare(TaskDescriptor(name: "tardy", entry: stPeriodic, argument: argument(p, index: 0), periodNs: 5 * ms,
                                           relativeDeadlineNs: 2 * ms), in: &kernel)
        }, inspect: { kernel in misses = kernel.tasks[0].deadlineMisses })
        suite.check(system, "edf: a job finishing after its deadline is counted as a miss", misses >= 1)
    }
    withShared { p, area in
        let report = runEDFTaskSet(&system.pointee, limitNs: 300 * ms) { kernel, builder in
            builder.shareWithEveryTask(area, slot: CapSlot(sharedSlot))
            let server = builder.declare(TaskDescriptor(name: "server", entry: stSlowServer, argument: argument(p), relativeDeadlineNs: 1_000 * ms), in: &kernel)
            let low = builder.declare(TaskDescriptor(name: "far", entry: stClientLow, argument: argument(p), relativeDeadlineNs: 500 * ms), in: &kernel)
            let high = builder.declare(TaskDescriptor(name: "near", entry: stClientHigh, argument: argument(p), relativeDeadlineNs: 8 * ms, offsetNs: 1 * ms), in: &kernel)
            builder.declare(TaskDescriptor(name: "middle", entry: stMedium, argument: argument(p), relativeDeadlineNs: 100 * ms, offsetNs: 1 * ms), in: &kernel)
            install(&kernel, server, 0, endpointCap(0, .read))
            install(&kernel, low, 0, endpointCap(0, .write))
            install(&kernel, high, 0, endpointCap(0, .write))
        }
        let response = UInt64(max(p.pointee.values[0], 0))
        suite.check(system, "edf: a server inherits its most urgent caller's deadline",
                    report.end == .allTasksEnded && response > 0 && response < 10 * ms)
    }
}

@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    var suite = Suite()
    system.pointee.console.write("selftest: kernel core on ")
    system.pointee.console.write(system.pointee.board)
    system.pointee.console.newline()
    fixedPriorityCases(system, &suite)
    edfCases(system, &suite)
    admissionCases(system, &suite)
    memoryCases(system, &suite)
    supervisorCases(system, &suite)
    let total = suite.passed + suite.failed
    system.pointee.console.write(suite.failed == 0 ? "SELFTEST PASS " : "SELFTEST FAIL ")
    system.pointee.console.write(decimal: suite.failed == 0 ? suite.passed : suite.failed)
    system.pointee.console.write("/")
    system.pointee.console.write(decimal: total)
    system.pointee.console.newline()
    return suite.failed == 0 ? 0 : 1
}
#else
print("orion-app-selftest is a board image: run it with `orion run --board qemu-virt-aarch64 --app selftest`")
#endif
