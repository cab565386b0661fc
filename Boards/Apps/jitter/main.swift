// Guest app `jitter`: cyclictest on a board, with the kernel's own scheduler and one-shot timer. Two records:
// thread 0, timer-interrupt latency (counter reaching the armed compare value -> the kernel's timer handler,
// measured by the kernel's probe); thread 1, task release latency (a high-priority task sleeps until
// absolute release times `interval` apart and records how late it runs, as cyclictest's threads do).
// Parameters come from the kernel command line (QEMU `-append`, the devicetree's /chosen bootargs):
//   jitter.interval_us=1000 jitter.loops=1000 jitter.histogram=1000 jitter.nsecs=0
// The output is the header lines, cyclictest's histogram block and `jitter: done`, which
// `orion jitter --board` reads. Exit 0 after a full run, 1 when the run did not complete, 2 on bad parameters.

import BoardBoot
import Kernel
import RealTime
import Boards

#if hasFeature(Embedded)

/// The measurement's parameters.
struct JitterConfig {
    /// Release period, µs (cyclictest -i).
    var intervalUs: UInt64 = 1000
    /// Releases measured (cyclictest -l).
    var loops: UInt64 = 1000
    /// Buckets per thread (cyclictest -h).
    var histogram: UInt64 = 1000
    /// Nanosecond buckets and figures instead of µs (cyclictest -N).
    var nanoseconds = false
}

/// Capability slots of the measuring task: its `ReleaseTask` block and the application storage.
var releaseTaskSlot: UInt8 { 15 }
var appStorageSlot: UInt8 { 14 }

/// Where the two records keep their buckets and overflow cycle numbers (no heap on a board). Thread 1's,
/// written by the measuring task, are in the board's application storage (`orion_app_storage`, in the user
/// pool), granted to that task alone. Thread 0's are written by the kernel's timer probe in the trap handler,
/// whose address space maps no task memory: they are an `InterruptStorage` on the boot stack (kernel data).
enum JitterStorage {
    /// The most buckets (and kept overflow cycle numbers) a thread can have.
    static var capacity: Int { 10_000 }
    /// Bucket storage of the measuring task (thread 1).
    static var releaseBuckets: UnsafeMutablePointer<UInt64> { orion_app_storage_base() }
    /// Overflow cycle storage of the measuring task (thread 1).
    static var releaseOverflowCycles: UnsafeMutablePointer<UInt64> { orion_app_storage_base() + capacity }
    /// Whether the board's storage holds the measuring task's record.
    static var fits: Bool { Int(orion_app_storage_words()) >= 2 * capacity }
    /// The application storage as whole pages, for the measuring task's grant.
    static var area: MemoryArea {
        let base = UInt64(UInt(bitPattern: orion_app_storage_base()))
        return MemoryArea(base: base, size: PageGeometry.roundUp(UInt64(orion_app_storage_words()) * 8),
                          access: .readWrite, owner: .user)
    }
}

/// Thread 0's buckets (`capacity` words) followed by its overflow cycle numbers (`capacity` words).
typealias InterruptStorage = InlineArray<20_000, UInt64>

/// What the measuring task gets through its argument: a block of the shared pool, granted to it.
struct ReleaseTask {
    var intervalNs: UInt64
    var loops: UInt64
    /// Thread 1's record (its buckets in the application storage).
    var record: LatencyHistogram
}

/// The measuring task: absolute release times `interval` apart, the first one interval from now (as
/// cyclictest starts); each wake-up's lateness is recorded. Ends after `loops` releases.
@_cdecl("jitter_release")
func jitterRelease(_ arg: UInt) {
    guard let task = UnsafeMutablePointer<ReleaseTask>(bitPattern: arg) else { return }
    let interval = task.pointee.intervalNs
    let loops = task.pointee.loops
    var target = Sys.now()
    var i: UInt64 = 0
    while i < loops {
        target &+= interval
        Sys.sleep(untilNs: target)
        let now = Sys.now()
        task.pointee.record.record(nanoseconds: now > target ? now &- target : 0)
        i += 1
    }
}

// MARK: Parameters

/// Whether `word[start ..< end]` spells `text`.
func spells(_ word: FDTBytes, _ start: Int, _ end: Int, _ text: StaticString) -> Bool {
    guard end - start == text.utf8CodeUnitCount else { return false }
    var i = 0
    while i < end - start {
        if word.raw[start + i] != text.utf8Start[i] { return false }
        i += 1
    }
    return true
}

/// Prints `jitter: error: <word>: <reason>` (the word as given on the command line).
func reject(_ console: inout Console, _ bytes: FDTBytes, _ start: Int, _ end: Int, _ reason: StaticString) {
    console.write("jitter: error: ")
    var i = start
    while i < end {
        console.put(bytes.raw[i])
        i += 1
    }
    console.write(reason)
    console.newline()
}

/// Reads the `jitter.*` words of `bootargs` (space-separated, any order; other words are not ours) into
/// `config`. Prints the error and returns false on an unknown key or a bad value.
func parse(_ bootargs: FDTBytes, into config: inout JitterConfig, console: inout Console) -> Bool {
    var i = 0
    let n = bootargs.count
    while i < n {
        let c = bootargs.raw[i]
        if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == 0 {
            i += 1
            continue
        }
        let start = i
        while i < n {
            let d = bootargs.raw[i]
            if d == UInt8(ascii: " ") || d == UInt8(ascii: "\t") || d == UInt8(ascii: "\n") || d == 0 { break }
            i += 1
        }
        let end = i
        let prefix = StaticString("jitter.").utf8CodeUnitCount
        guard end - start > prefix, spells(bootargs, start, start + prefix, "jitter.") else { continue }
        var equals = start + prefix
        while equals < end && bootargs.raw[equals] != UInt8(ascii: "=") { equals += 1 }
        let keyStart = start + prefix
        let value = equals < end ? decimalValue(bootargs.raw, equals + 1, end) : nil
        if spells(bootargs, keyStart, equals, "interval_us") {
            guard let value else { reject(&console, bootargs, start, end, ": not a number"); return false }
            guard value > 0 else { reject(&console, bootargs, start, end, ": must be at least 1"); return false }
            config.intervalUs = value
        } else if spells(bootargs, keyStart, equals, "loops") {
            guard let value else { reject(&console, bootargs, start, end, ": not a number"); return false }
            guard value > 0 else { reject(&console, bootargs, start, end, ": must be at least 1 (the run must end)"); return false }
            config.loops = value
        } else if spells(bootargs, keyStart, equals, "histogram") {
            guard let value else { reject(&console, bootargs, start, end, ": not a number"); return false }
            guard value > 0 else { reject(&console, bootargs, start, end, ": must be at least 1"); return false }
            guard value <= UInt64(JitterStorage.capacity) else {
                reject(&console, bootargs, start, end, ": more than the 10000 buckets this image holds")
                return false
            }
            config.histogram = value
        } else if spells(bootargs, keyStart, equals, "nsecs") {
            guard let value else { reject(&console, bootargs, start, end, ": not a number"); return false }
            guard value <= 1 else { reject(&console, bootargs, start, end, ": must be 0 or 1"); return false }
            config.nanoseconds = value == 1
        } else {
            reject(&console, bootargs, start, end, ": unknown parameter")
            return false
        }
    }
    // The run, twice over as its time limit, must fit 64-bit nanoseconds with room to spare.
    let (periodNs, o1) = config.intervalUs.multipliedReportingOverflow(by: 1000)
    let (runNs, o2) = periodNs.multipliedReportingOverflow(by: config.loops)
    guard !o1, !o2, runNs < UInt64(1) << 60 else {
        console.write("jitter: error: jitter.loops times jitter.interval_us is too long a run\n")
        return false
    }
    return true
}

// MARK: Main

@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    var config = JitterConfig()
    if let fdt = system.pointee.devicetree(), let chosen = fdt.node(atPath: "/chosen"),
       let bootargs = fdt.property("bootargs", of: chosen) {
        guard parse(bootargs, into: &config, console: &system.pointee.console) else { return 2 }
    }
    let histogram = Int(config.histogram)
    let unit: LatencyUnit = config.nanoseconds ? .nanoseconds : .microseconds
    let intervalNs = config.intervalUs * 1000
    let limitNs = intervalNs * config.loops * 2 + 10_000_000_000

    system.pointee.console.write("jitter: board=")
    system.pointee.console.write(system.pointee.board)
    system.pointee.console.write(" interval=")
    system.pointee.console.write(decimal: config.intervalUs)
    system.pointee.console.write("us loops=")
    system.pointee.console.write(decimal: config.loops)
    system.pointee.console.write(" histogram=")
    system.pointee.console.write(decimal: config.histogram)
    system.pointee.console.write(config.nanoseconds ? " unit=ns\n" : " unit=us\n")
    system.pointee.console.write("jitter: thread 0 = timer interrupt latency\n")
    system.pointee.console.write("jitter: thread 1 = task release latency\n")

    guard JitterStorage.fits else {
        system.pointee.console.write("jitter: error: the board's application storage is too small\n")
        return 1
    }
    // cyclictest keeps as many overflow cycle numbers per thread as the histogram has buckets.
    var interruptStorage = InterruptStorage(repeating: 0)
    return withUnsafeMutablePointer(to: &interruptStorage) { storage in
        let words = UnsafeMutableRawPointer(storage).assumingMemoryBound(to: UInt64.self)
        var records = InlineArray<2, LatencyHistogram>(repeating: LatencyHistogram(
            unit: unit, buckets: UnsafeMutableBufferPointer(start: words, count: histogram),
            overflowCycles: UnsafeMutableBufferPointer(start: words + JitterStorage.capacity, count: histogram)))
        records[1] = LatencyHistogram(
            unit: unit, buckets: UnsafeMutableBufferPointer(start: JitterStorage.releaseBuckets, count: histogram),
            overflowCycles: UnsafeMutableBufferPointer(start: JitterStorage.releaseOverflowCycles, count: histogram))
        return withUnsafeMutablePointer(to: &records) { recordArray in
            let record = UnsafeMutableRawPointer(recordArray).assumingMemoryBound(to: LatencyHistogram.self)
            return measure(system, config: config, intervalNs: intervalNs, limitNs: limitNs,
                           interrupt: record, release: record + 1)
        }
    }
}

/// Runs the measuring task with the kernel's timer probe installed, then prints the histogram block.
func measure(_ system: UnsafeMutablePointer<System>, config: JitterConfig, intervalNs: UInt64, limitNs: UInt64,
             interrupt: UnsafeMutablePointer<LatencyHistogram>, release: UnsafeMutablePointer<LatencyHistogram>) -> Int32 {
    // The task's record moves into the shared pool for the run and back into `release` afterwards.
    var task = ReleaseTask(intervalNs: intervalNs, loops: config.loops, record: release.pointee)
    installTimerLatencyProbe(interrupt)
    let ran = withSharedMemory(&task) { argument, area in
        runFixedPriorityTaskSet(&system.pointee, limitNs: limitNs) { kernel, builder in
            let jitter = builder.declare(TaskDescriptor(name: "jitter", entry: jitterRelease, argument: UInt(bitPattern: argument),
                                                        priority: Priority(63)), in: &kernel)
            builder.grant(area, rights: Rights.read.union(.write), to: jitter, slot: CapSlot(releaseTaskSlot), in: &kernel)
            builder.grant(JitterStorage.area, rights: Rights.read.union(.write), to: jitter, slot: CapSlot(appStorageSlot), in: &kernel)
        }
    }
    installTimerLatencyProbe(nil)
    release.pointee = task.record
    guard let report = ran else {
        system.pointee.console.write("jitter: error: the shared pool is too small\n")
        return 1
    }
    switch report.end {
    case .timeLimit:
        system.pointee.console.write("jitter: error: time limit\n")
        return 1
    case .deadlock, .refused:
        system.pointee.console.write("jitter: error: the measuring task could not run\n")
        return 1
    case .allTasksEnded:
        break
    }
    guard release.pointee.cycles == config.loops else {
        system.pointee.console.write("jitter: error: the measuring task ended after ")
        system.pointee.console.write(decimal: release.pointee.cycles)
        system.pointee.console.write(" of ")
        system.pointee.console.write(decimal: config.loops)
        system.pointee.console.write(" loops\n")
        return 1
    }
    // cyclictest's status lines: the interrupt has no task priority (P: 0); the release task runs at 63.
    var thread: UInt64 = 0
    while thread < 2 {
        let record = thread == 0 ? interrupt : release
        LatencyStatusLine(record.pointee, index: thread, tid: 0, priority: thread == 0 ? 0 : 63, intervalUs: config.intervalUs)
            .write(to: &system.pointee.console)
        system.pointee.console.newline()
        thread += 1
    }
    HistogramText.write(UnsafeBufferPointer(start: interrupt, count: 2), allThreadsColumn: false,
                        to: &system.pointee.console)
    system.pointee.console.write("jitter: done\n")
    return 0
}
#else
print("orion-app-jitter is a board image: run it with `orion jitter --board qemu-virt-aarch64`")
#endif
