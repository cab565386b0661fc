// The Linux host as a board for `orion jitter`: cyclictest's measuring threads. Each thread sleeps with
// clock_nanosleep(TIMER_ABSTIME) to the next release on CLOCK_MONOTONIC, reads the clock on waking and records
// how late it woke in a LatencyHistogram whose storage was allocated before the measurement started.

import CJitter
import Glibc
import RealTime

/// How one measuring thread runs.
public struct JitterThreadSetup: Sendable, Equatable {
    /// Thread number.
    public var index: Int
    /// Release interval, ns.
    public var intervalNs: UInt64
    /// SCHED_FIFO priority; 0 leaves the thread SCHED_OTHER.
    public var priority: Int
    /// CPU to pin to, or nil.
    public var cpu: Int?
    /// Cycles to measure; 0 until stopped.
    public var loops: UInt64
    /// Unit of the figures and buckets.
    public var unit: LatencyUnit
    /// Histogram buckets (0: statistics only).
    public var buckets: Int

    public init(index: Int, intervalNs: UInt64, priority: Int, cpu: Int?, loops: UInt64, unit: LatencyUnit, buckets: Int) {
        self.index = index
        self.intervalNs = intervalNs
        self.priority = priority
        self.cpu = cpu
        self.loops = loops
        self.unit = unit
        self.buckets = buckets
    }
}

/// Why the measurement could not run.
public struct LinuxJitterError: Error, CustomStringConvertible {
    /// What failed, with the system's reason.
    public let message: String
    public var description: String { message }
}

/// What a measuring thread owns: its setup, its record and the flags the main thread reads.
struct MeasuringThread {
    var setup: JitterThreadSetup
    var record: LatencyHistogram
    var tid: Int32 = 0
    var stop: Int32 = 0
    var done: Int32 = 0
    /// -errno of a failed setup step (priority, affinity), 0 if none.
    var failure: Int32 = 0
    var failedStep: Int32 = 0
    var thread: UInt64 = 0
}

/// The measuring threads of one run.
public final class LinuxJitterRun {
    let threads: UnsafeMutablePointer<MeasuringThread>
    let count: Int
    var started = 0

    /// Prepares the threads' storage (all allocation happens here, before any measurement).
    public init(_ setups: [JitterThreadSetup]) {
        count = setups.count
        threads = .allocate(capacity: max(count, 1))
        for (i, setup) in setups.enumerated() {
            let buckets = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: setup.buckets)
            // cyclictest keeps the cycle numbers of at most as many overflows as it has buckets.
            let overflows = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: setup.buckets)
            (threads + i).initialize(to: MeasuringThread(
                setup: setup, record: LatencyHistogram(unit: setup.unit, buckets: buckets, overflowCycles: overflows)))
        }
    }

    deinit {
        for i in 0..<count {
            threads[i].record.buckets.deallocate()
            threads[i].record.overflowCycles.deallocate()
        }
        threads.deinitialize(count: count)
        threads.deallocate()
    }

    /// Starts every thread.
    public func start() throws(LinuxJitterError) {
        for i in 0..<count {
            var id: UInt64 = 0
            let rc = orion_jt_start_thread(measuringThreadBody, UnsafeMutableRawPointer(threads + i), &id)
            guard rc == 0 else {
                stop()
                join()
                throw LinuxJitterError(message: "cannot start measuring thread \(i): \(errnoText(-rc))")
            }
            threads[i].thread = id
            started = i + 1
        }
    }

    /// Whether some thread has finished (its loops done, or it failed): cyclictest then ends the whole run.
    public var anyDone: Bool {
        (0..<started).contains { orion_jt_flag_get(&threads[$0].done) != 0 }
    }

    /// Asks every thread to stop after its current cycle.
    public func stop() {
        for i in 0..<count { orion_jt_flag_set(&threads[i].stop, 1) }
    }

    /// Waits for the started threads to end.
    public func join() {
        for i in 0..<started { _ = orion_jt_join_thread(threads[i].thread) }
        started = 0
    }

    /// Thread `i`'s record, kernel thread id and setup failure (as text), read while it runs or after.
    public func snapshot(_ i: Int) -> (record: LatencyHistogram, tid: Int, failure: String?) {
        let t = threads[i]
        var failure: String? = nil
        if t.failure != 0 {
            let step = t.failedStep == 1 ? "pin to CPU \(t.setup.cpu ?? -1)" : "set SCHED_FIFO priority \(t.setup.priority)"
            failure = "thread \(i): cannot \(step): \(errnoText(-t.failure))"
        }
        return (t.record, Int(t.tid), failure)
    }

    /// Number of threads.
    public var threadCount: Int { count }
}

/// A measuring thread: set up, then sleep to each release and record the lateness.
private func measuringThreadBody(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let t = context?.assumingMemoryBound(to: MeasuringThread.self) else { return nil }
    t.pointee.tid = orion_jt_gettid()
    if let cpu = t.pointee.setup.cpu {
        let rc = orion_jt_pin_to_cpu(Int32(cpu))
        if rc != 0 {
            t.pointee.failure = rc
            t.pointee.failedStep = 1
            orion_jt_flag_set(&t.pointee.done, 1)
            return nil
        }
    }
    if t.pointee.setup.priority > 0 {
        let rc = orion_jt_set_fifo(Int32(t.pointee.setup.priority))
        if rc != 0 {
            t.pointee.failure = rc
            t.pointee.failedStep = 2
            orion_jt_flag_set(&t.pointee.done, 1)
            return nil
        }
    }
    let interval = t.pointee.setup.intervalNs
    let loops = t.pointee.setup.loops
    var next = orion_jt_now_ns() &+ interval
    while orion_jt_flag_get(&t.pointee.stop) == 0 {
        _ = orion_jt_sleep_until_ns(next)
        let now = orion_jt_now_ns()
        t.pointee.record.record(nanoseconds: now >= next ? now - next : 0)
        next &+= interval
        while next <= now { next &+= interval }  // a missed release is skipped, as cyclictest does
        if loops != 0 && t.pointee.record.cycles >= loops { break }
    }
    orion_jt_flag_set(&t.pointee.done, 1)
    return nil
}

/// Process-wide set-up cyclictest does before measuring.
public enum LinuxJitterHost {
    /// mlockall(MCL_CURRENT | MCL_FUTURE).
    public static func lockMemory() throws(LinuxJitterError) {
        let rc = orion_jt_lock_memory()
        if rc != 0 { throw LinuxJitterError(message: "mlockall failed: \(errnoText(-rc))") }
    }

    /// Holds /dev/cpu_dma_latency at 0 µs for the life of the process; false when it cannot (not root, no file).
    public static func holdDMALatencyZero() -> Bool { orion_jt_hold_dma_latency_zero() >= 0 }

    /// The CPUs this process may run on.
    public static func allowedCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 4096)
        let n = orion_jt_allowed_cpus(&cpus, 4096)
        return n > 0 ? cpus.prefix(Int(n)).map(Int.init) : [0]
    }

    /// SIGINT/SIGTERM end the run with a report instead of killing the process.
    public static func catchStopSignals() { _ = orion_jt_catch_stop_signals() }

    /// Whether SIGINT or SIGTERM arrived.
    public static var stopSignalled: Bool { orion_jt_stop_signalled() != 0 }

    /// CLOCK_MONOTONIC, ns.
    public static func nowNs() -> UInt64 { orion_jt_now_ns() }

    /// Sleeps until CLOCK_MONOTONIC reaches `ns`.
    public static func sleep(untilNs ns: UInt64) { _ = orion_jt_sleep_until_ns(ns) }
}

/// The system's text for an errno value.
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
