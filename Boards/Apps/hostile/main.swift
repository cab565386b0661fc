// Guest app `hostile`: a task makes 100,000 system calls with seeded random numbers, arguments and pointers
// (aimed at the kernel, at other tasks, at unmapped space and at the edges of its own memory) while a victim
// checks the pattern on its stack, a checksum task checks a block it shares read-only with the victim and the
// kernel's records of every task, and a periodic task runs at its deadline. Prints the counts, then
// `HOSTILE PASS` (exit 0) only with 0 kernel faults, 0 task faults, 0 corrupted bytes and 0 deadline misses.

import BoardBoot
import Kernel
import Boards

#if hasFeature(Embedded)

// Note: nothing here is a top-level stored variable: main.swift's top-level code never runs on a board.

/// System calls the hostile task makes.
var hostileCalls: Int { 100_000 }
/// One millisecond in ns.
var ms: UInt64 { 1_000_000 }

/// What the boot code tells the tasks and what they report (shared pool). The hostile task gets it
/// read-only: it learns its targets from here and cannot change the counters.
struct Record {
    /// The hostile task's seed.
    var seed: UInt64 = 0
    /// Targets: the kernel's data, the kernel's entry text, the console's registers, the block.
    var kernelData: UInt64 = 0
    var kernelText: UInt64 = 0
    var uart: UInt64 = 0
    var block: UInt64 = 0
    /// Where the hostile task reports (`Report`).
    var report: UInt64 = 0
    /// The hostile task's own page (granted read-write to it alone): the memory it may legitimately name.
    var scratch: UInt64 = 0
    /// Published by the victim and the echo server when they start: their stack buffers.
    var victimStack: UInt64 = 0
    var echoStack: UInt64 = 0
    /// Bytes found changed by the victim (its stack pattern) and by the checksum task (block, task records).
    var corrupted: UInt64 = 0
    /// Checks the victim and the checksum task made.
    var checks: UInt64 = 0
}

/// What the hostile task reports (granted read-write to it, read-only to the others).
struct Report {
    /// Results by error code (index 0: success, 1...15: -SyscallError raw value, 15 also for larger).
    var results = InlineArray<16, UInt64>(repeating: 0)
    /// Set when the hostile task is done.
    var done: UInt64 = 0
}

/// The block the victim writes and the checksum task reads (granted read-write / read-only; not to the hostile).
struct Block {
    var words = InlineArray<64, UInt64>(repeating: 0)
}

/// Capability slots.
enum Slot {
    static var endpoint: UInt8 { 0 }
    static var queue: UInt8 { 1 }
    static var notification: UInt8 { 2 }
    static var scratch: UInt8 { 12 }
    static var report: UInt8 { 13 }
    static var block: UInt8 { 14 }
    static var record: UInt8 { 15 }
}

/// Task indices (declaration order).
enum Task {
    static var steady: Int { 0 }
    static var victim: Int { 1 }
    static var checksum: Int { 2 }
    static var sink: Int { 3 }
    static var echo: Int { 4 }
    static var hostile: Int { 5 }
    static var count: Int { 6 }
}

@inline(__always) func record(_ arg: UInt) -> UnsafeMutablePointer<Record> { UnsafeMutablePointer<Record>(bitPattern: arg)! }
@inline(__always) func report(_ r: UnsafeMutablePointer<Record>) -> UnsafeMutablePointer<Report> {
    UnsafeMutablePointer<Report>(bitPattern: UInt(r.pointee.report))!
}

/// The victim's stack pattern: word i of its 4 KiB is `pattern(i)`.
@inline(__always) func pattern(_ i: Int) -> UInt64 { UInt64(i) &* 0x9E37_79B9_7F4A_7C15 ^ 0x0123_4567_89AB_CDEF }

/// Periodic, most urgent: its deadlines are the ones the attack must not move.
@_cdecl("hostile_steady") func steadyTask(_ arg: UInt) {
    let r = record(arg)
    while report(r).pointee.done == 0 {
        Sys.waitForNextPeriod()
    }
}

/// Keeps 4 KiB of pattern on its stack and checks all of it every period; rewrites the block each time.
@_cdecl("hostile_victim") func victimTask(_ arg: UInt) {
    let r = record(arg)
    var page = InlineArray<512, UInt64>(repeating: 0)
    var i = 0
    while i < 512 {
        page[i] = pattern(i)
        i += 1
    }
    withUnsafeMutableBytes(of: &page) { raw in
        r.pointee.victimStack = UInt64(UInt(bitPattern: raw.baseAddress!))
        let block = UnsafeMutablePointer<Block>(bitPattern: UInt(r.pointee.block))!
        var round: UInt64 = 1
        while report(r).pointee.done == 0 {
            var w = 0
            while w < 64 {
                block.pointee.words[w] = round &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(w)
                w += 1
            }
            var bad: UInt64 = 0
            let words = raw.bindMemory(to: UInt64.self)
            var j = 0
            while j < 512 {
                var x = words[j] ^ pattern(j)
                while x != 0 {  // changed bytes of the word
                    if x & 0xFF != 0 { bad += 1 }
                    x >>= 8
                }
                j += 1
            }
            r.pointee.corrupted += bad
            r.pointee.checks += 1
            round += 1
            Sys.waitForNextPeriod()
        }
    }
}

/// Checks the block (read-only for it) and, through taskInfo, every task's kernel record: none faulted, no
/// deadline missed.
@_cdecl("hostile_checksum") func checksumTask(_ arg: UInt) {
    let r = record(arg)
    let block = UnsafeMutablePointer<Block>(bitPattern: UInt(r.pointee.block))!
    var info: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
    while report(r).pointee.done == 0 {
        let base = block.pointee.words[0]
        var w = 1
        while w < 64 {
            if block.pointee.words[w] != base &+ UInt64(w) { r.pointee.corrupted += 1 }
            w += 1
        }
        var t = 0
        while t < Task.count {
            let status = withUnsafeMutableBytes(of: &info) { Sys.taskInfo(t, buffer: $0.baseAddress) }
            if status != 0 || info.0 == UInt64(TaskState.faulted.rawValue) || info.2 != 0 { r.pointee.corrupted += 1 }
            t += 1
        }
        r.pointee.checks += 1
        Sys.waitForNextPeriod()
    }
    // The hostile task may have deleted its own capabilities: the checksum task ends the echo server and the sink.
    _ = Sys.call(Slot.endpoint, message: nil, length: 0, reply: nil, replyCapacity: 0)
    _ = Sys.queueSend(Slot.queue, message: nil, length: 0)
}

/// Echoes every call until the hostile task is done (the checksum task's last call then ends it: the
/// hostile task could send anything, so no message content ends it).
@_cdecl("hostile_echo") func echoTask(_ arg: UInt) {
    let r = record(arg)
    var buffer = InlineArray<64, UInt8>(repeating: 0)
    withUnsafeMutableBytes(of: &buffer) { b in
        r.pointee.echoStack = UInt64(UInt(bitPattern: b.baseAddress!))
        var (length, _) = Sys.receive(Slot.endpoint, buffer: b.baseAddress, capacity: 64)
        while report(r).pointee.done == 0 {
            let n = length > 0 ? Int(min(length, 64)) : 0
            (length, _) = Sys.replyReceive(message: b.baseAddress, length: n, Slot.endpoint, buffer: b.baseAddress, capacity: 64)
        }
        _ = Sys.reply(message: nil, length: 0)
    }
}

/// Drains the queue until the hostile task is done (then the checksum task's last message ends it).
@_cdecl("hostile_sink") func sinkTask(_ arg: UInt) {
    let r = record(arg)
    var buffer = InlineArray<64, UInt8>(repeating: 0)
    withUnsafeMutableBytes(of: &buffer) { b in
        repeat {
            _ = Sys.queueReceive(Slot.queue, buffer: b.baseAddress, capacity: 64)
        } while report(r).pointee.done == 0
    }
}

/// The hostile task: `hostileCalls` random system calls with random arguments, then the report.
@_cdecl("hostile_task") func hostileTask(_ arg: UInt) {
    let r = record(arg)
    var random = SplitMix64(seed: r.pointee.seed)
    var counts = InlineArray<16, UInt64>(repeating: 0)
    // Its own target: the scratch page (its stack holds its bookkeeping, which it must not hit itself).
    let ownStart = r.pointee.scratch
    do {
        var n = 0
        while n < hostileCalls {
            let number = callNumber(random.next())
            var args = InlineArray<6, UInt64>(repeating: 0)
            var a = 0
            while a < 6 {
                args[a] = argument(random.next(), r, own: ownStart)
                a += 1
            }
            // Mostly a slot it holds, so that the calls get past the capability check to the pointers.
            let slotPick = random.next()
            if slotPick % 4 != 0 { args[0] = slotPick >> 62 }
            // Lengths mostly near the 64-byte limit, so that calls get past the length check to the pointers.
            let lengthPick = random.next()
            if lengthPick % 8 != 0 {
                let length = (lengthPick >> 8) % 80
                switch number {
                case Syscall.call.rawValue: args[2] = length; args[4] = (lengthPick >> 20) % 80
                case Syscall.receive.rawValue, Syscall.queueSend.rawValue, Syscall.queueReceive.rawValue: args[2] = length
                case Syscall.reply.rawValue: args[1] = length
                case Syscall.replyReceive.rawValue: args[1] = length; args[4] = (lengthPick >> 20) % 80
                case Syscall.callShort.rawValue: args[1] = length % 40  // around the 32-byte limit
                case Syscall.replyReceiveShort.rawValue: args[0] = length % 40
                default: break
                }
            }
            // It keeps the three capabilities it attacks through: deleting one would end most of the attack.
            if number == Syscall.capDelete.rawValue && args[0] < 3 { args[0] += 3 }
            // Bounded waits only, so that the attack ends: a sleep or timed wait lasts at most 50 us.
            if number == Syscall.sleepUntil.rawValue || number == Syscall.waitUntil.rawValue {
                args[number == Syscall.sleepUntil.rawValue ? 0 : 1] = Sys.now() &+ (random.next() % 50_000)
            }
            let result = orion_syscall(number, args[0], args[1], args[2], args[3], args[4], args[5]).r0
            counts[result < 0 ? Int(min(-result, 15)) : 0] &+= 1
            n += 1
        }
    }
    let out = report(r)
    out.pointee.results = counts
    out.pointee.done = 1
}

/// A system call number, unknown ones included; not `exitTask` (it would end the attack) nor `debugWrite`
/// (a pointer into its own memory would print it; debugWrite's check is the kernel's `copyFromTask`).
func callNumber(_ pick: UInt64) -> UInt64 {
    let n = pick % 31  // 0-28 are calls, 29 and 30 unknown
    if n == Syscall.exitTask.rawValue || n == Syscall.debugWrite.rawValue { return Syscall.yield.rawValue }
    return n
}

/// A random argument: a small number (slots, lengths), a pointer at something the task may not touch, a
/// pointer straddling the edges of its own buffer, an unmapped or wrapping address, or 64 random bits.
func argument(_ pick: UInt64, _ r: UnsafeMutablePointer<Record>, own: UInt64) -> UInt64 {
    let offset = (pick >> 8) % 8192
    switch pick % 12 {
    case 0: return pick >> 60                                   // 0...15: slots, small lengths
    case 1: return (pick >> 16) % 80                            // lengths around the 64-byte limit
    case 2: return r.pointee.kernelData &+ offset               // the kernel's data and state
    case 3: return r.pointee.kernelText &+ (offset % 4096)      // the kernel's entry text
    case 4: return r.pointee.victimStack &+ (offset % 4096)     // the victim's pattern
    case 5: return r.pointee.echoStack &+ (offset % 64)         // the echo server's buffer
    case 6: return r.pointee.block &+ (offset % 512)            // the block it was not granted
    case 7: return r.pointee.uart &+ (offset % 64)              // the console's registers
    case 8: return own &+ 4096 &- (offset % 16)                 // straddling the end of its scratch page
    case 9: return own &- (offset % 16) &+ (offset % 4096) * (offset & 1)  // its start, or inside
    case 10:                                                    // unmapped, the top of the space, wrapping
        switch offset % 4 {
        case 0: return 0
        case 1: return 0xFFFF_FFFF_FFFF_FFF8
        case 2: return 0x7F_FFFF_F000
        default: return 1 << 39
        }
    default: return pick
    }
}

@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    var shared = Record()
    var out = Report()
    var block = Block()
    var scratch = Block()
    shared.seed = 0x0B1E_C7ED_5EED_0001
    shared.kernelData = UInt64(UInt(bitPattern: orion_kernel_storage_base()))
    shared.kernelText = UInt64(orion_layout_kernel_text_start())
    shared.uart = system.pointee.platform.console?.base ?? 0
    var ok = false
    var taskFaults = 0
    var misses: UInt32 = 0
    var recordsIntact = true
    var end = TaskSetEnd.timeLimit
    var corrupted = UInt64.max
    _ = withSharedMemory(&scratch) { scratchPointer, scratchArea -> Void in
    shared.scratch = UInt64(UInt(bitPattern: scratchPointer))
    _ = withSharedMemory(&block) { blockPointer, blockArea -> Void in
        _ = withSharedMemory(&out) { outPointer, outArea -> Void in
            shared.block = UInt64(UInt(bitPattern: blockPointer))
            shared.report = UInt64(UInt(bitPattern: outPointer))
            _ = withSharedMemory(&shared) { r, area -> Void in
                let arg = UInt(bitPattern: r)
                let rw = Rights.read.union(.write)
                var declared = InlineArray<6, TaskDescriptor>(repeating: TaskDescriptor(name: "?", entry: steadyTask))
                declared[Task.steady] = TaskDescriptor(name: "steady", entry: steadyTask, argument: arg, priority: Priority(50),
                                                       periodNs: 1 * ms, budgetNs: 200_000)
                declared[Task.victim] = TaskDescriptor(name: "victim", entry: victimTask, argument: arg, stackBytes: 16384,
                                                       priority: Priority(40), periodNs: 2 * ms, budgetNs: 800_000)
                declared[Task.checksum] = TaskDescriptor(name: "checksum", entry: checksumTask, argument: arg, priority: Priority(30),
                                                         periodNs: 2 * ms, budgetNs: 500_000, privileged: true)
                declared[Task.sink] = TaskDescriptor(name: "sink", entry: sinkTask, argument: arg, priority: Priority(20))
                declared[Task.echo] = TaskDescriptor(name: "echo", entry: echoTask, argument: arg, priority: Priority(15))
                declared[Task.hostile] = TaskDescriptor(name: "hostile", entry: hostileTask, argument: arg, priority: Priority(5))
                let result = runFixedPriorityTaskSet(&system.pointee, limitNs: 60_000 * ms, setup: { kernel, builder in
                    var ids = InlineArray<6, TaskID?>(repeating: nil)
                    var t = 0
                    while t < Task.count {
                        ids[t] = builder.declare(declared[t], in: &kernel)
                        t += 1
                    }
                    t = 0
                    while t < Task.count {
                        if t != Task.hostile {
                            builder.grant(area, rights: rw, to: ids[t], slot: CapSlot(Slot.record), in: &kernel)
                            builder.grant(outArea, rights: .read, to: ids[t], slot: CapSlot(Slot.report), in: &kernel)
                        }
                        t += 1
                    }
                    builder.grant(area, rights: .read, to: ids[Task.hostile], slot: CapSlot(Slot.record), in: &kernel)
                    builder.grant(outArea, rights: rw, to: ids[Task.hostile], slot: CapSlot(Slot.report), in: &kernel)
                    builder.grant(scratchArea, rights: rw, to: ids[Task.hostile], slot: CapSlot(Slot.scratch), in: &kernel)
                    builder.grant(blockArea, rights: rw, to: ids[Task.victim], slot: CapSlot(Slot.block), in: &kernel)
                    builder.grant(blockArea, rights: .read, to: ids[Task.checksum], slot: CapSlot(Slot.block), in: &kernel)
                    func cap(_ kind: ObjectKind, _ rights: Rights) -> Capability {
                        Capability(object: ObjectRef(kind: kind, index: 0), rights: rights)
                    }
                    if let echo = ids[Task.echo], let sink = ids[Task.sink], let hostile = ids[Task.hostile] {
                        try? kernel.capabilities.install(cap(.endpoint, .read), at: SlotRef(task: echo, slot: CapSlot(Slot.endpoint)))
                        try? kernel.capabilities.install(cap(.queue, .read), at: SlotRef(task: sink, slot: CapSlot(Slot.queue)))
                        try? kernel.capabilities.install(cap(.endpoint, .write), at: SlotRef(task: hostile, slot: CapSlot(Slot.endpoint)))
                        try? kernel.capabilities.install(cap(.queue, .write), at: SlotRef(task: hostile, slot: CapSlot(Slot.queue)))
                        try? kernel.capabilities.install(cap(.notification, .write), at: SlotRef(task: hostile, slot: CapSlot(Slot.notification)))
                    }
                    if let checksum = ids[Task.checksum] {
                        try? kernel.capabilities.install(cap(.endpoint, .write), at: SlotRef(task: checksum, slot: CapSlot(Slot.endpoint)))
                        try? kernel.capabilities.install(cap(.queue, .write), at: SlotRef(task: checksum, slot: CapSlot(Slot.queue)))
                    }
                }, inspect: { kernel in
                    var t = 0
                    while t < Task.count {
                        let tcb = kernel.tasks[t]
                        if tcb.state == .faulted { taskFaults += 1 }
                        misses &+= tcb.deadlineMisses
                        if tcb.basePriority != declared[t].priority || tcb.periodNs != declared[t].periodNs
                            || tcb.budgetNs != declared[t].budgetNs || tcb.privileged != declared[t].privileged
                            || tcb.state != .exited {
                            recordsIntact = false
                        }
                        t += 1
                    }
                })
                end = result.end
                corrupted = r.pointee.corrupted
            }
        }
    }
    }
    ok = corrupted == 0
    system.pointee.console.write("hostile: corrupted bytes ")
    system.pointee.console.write(decimal: corrupted)
    system.pointee.console.newline()
    let names: InlineArray<16, StaticString> = ["ok", "unknownCall", "invalidCapability", "wrongObject", "insufficientRights",
                                               "badLength", "noClient", "serverFaulted", "slotOccupied", "notPrivileged",
                                               "invalidArgument", "badgeAlreadySet", "badAddress", "serverRestarted", "e14", "e15+"]
    var total: UInt64 = 0
    system.pointee.console.write("hostile: results")
    var i = 0
    while i < 16 {
        total &+= out.results[i]
        if out.results[i] != 0 {
            system.pointee.console.write(" ")
            system.pointee.console.write(names[i])
            system.pointee.console.write("=")
            system.pointee.console.write(decimal: out.results[i])
        }
        i += 1
    }
    system.pointee.console.newline()
    system.pointee.console.write("hostile: calls ")
    system.pointee.console.write(decimal: total)
    system.pointee.console.write(", kernel faults 0, task faults ")
    system.pointee.console.write(decimal: UInt64(taskFaults))
    system.pointee.console.write(", deadline misses ")
    system.pointee.console.write(decimal: UInt64(misses))
    system.pointee.console.write(", checks ")
    system.pointee.console.write(decimal: shared.checks)
    system.pointee.console.write(recordsIntact ? ", task records intact" : ", task records CHANGED")
    system.pointee.console.write(end == .allTasksEnded ? ", all tasks ended\n" : ", the task set did not end\n")
    let pass = ok && end == .allTasksEnded && total == UInt64(hostileCalls) && taskFaults == 0 && misses == 0
        && recordsIntact && shared.checks > 0
    system.pointee.console.write(pass ? "HOSTILE PASS\n" : "HOSTILE FAIL\n")
    return pass ? 0 : 1
}
#else
print("orion-app-hostile is a board image: run it with `orion run --board qemu-virt-riscv64 --app hostile`")
#endif
