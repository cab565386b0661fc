// Guest app `fault`: executes an undefined instruction, so tests can see the kernel catch the exception,
// print the register dump and end the machine with the fault status (70).

import BoardBoot
import Kernel
import Boards

#if hasFeature(Embedded)
@_cdecl("orion_app_main")
func orionAppMain(_ raw: UnsafeMutableRawPointer) -> Int32 {
    let system = raw.assumingMemoryBound(to: System.self)
    system.pointee.console.write("fault: executing an undefined instruction\n")
    orion_undefined_instruction()
    system.pointee.console.write("fault: still running after the fault\n")
    return 0
}
#else
print("orion-app-fault is a board image: run it with `orion run --board qemu-virt-aarch64 --app fault`")
#endif
