// Guest app `demo`: the platform report, a measured burst of timer ticks, then a clean exit 0.

import Kernel
import Boards

#if hasFeature(Embedded)
@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    system.pointee.platform.writeReport(to: &system.pointee.console)
    let hz = system.pointee.tickHz
    guard hz > 0 else {
        system.pointee.console.write("demo: no timer tick\n")
        return 1
    }
    // Ten ticks of wall time, timed against the free-running counter.
    let wanted: UInt64 = 10
    let start = system.pointee.counter()
    system.pointee.waitForTicks(wanted)
    let elapsed = system.pointee.counter() &- start
    let frequency = system.pointee.platform.timerFrequencyHz ?? 1
    system.pointee.console.write("timer: ticks=")
    system.pointee.console.write(decimal: system.pointee.ticks)
    system.pointee.console.write(" hz=")
    system.pointee.console.write(decimal: hz)
    system.pointee.console.write(" elapsed=")
    system.pointee.console.write(decimal: elapsed &* 1_000_000 / frequency)
    system.pointee.console.write("us\n")
    system.pointee.console.write("demo: ok\n")
    return 0
}
#else
// On the host this target only proves the app compiles; the image runs on a board.
print("orion-app-demo is a board image: run it with `orion run --board qemu-virt-aarch64 --app demo`")
#endif
