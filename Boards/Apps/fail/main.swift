// Guest app `fail`: reports a deliberate failure, so tests can check that a guest's status fails the host command.

import Kernel
import Boards

#if hasFeature(Embedded)
@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    system.pointee.console.write("fail: deliberate failure, exit status 3\n")
    return 3
}
#else
print("orion-app-fail is a board image: run it with `orion run --board qemu-virt-aarch64 --app fail`")
#endif
