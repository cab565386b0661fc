// Ending the machine with a status: Arm semihosting SYS_EXIT, or the RISC-V virt test device.

import BoardBoot
import KernelSupport
import Kernel

/// How a guest ends QEMU with a status code.
enum GuestExit {
    /// Ends the machine with `status` by the board's mechanism; never returns.
    static func exit(_ status: Int32, platform: Platform) -> Never {
        #if arch(arm64)
        // SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit and the status as subcode (AArch64 parameter block).
        var block: (UInt64, UInt64) = (0x20026, UInt64(UInt32(bitPattern: status)))
        withUnsafeMutablePointer(to: &block) { pointer in
            _ = orion_a64_semihost(0x18, UInt64(UInt(bitPattern: pointer)))
        }
        #elseif arch(riscv64)
        // sifive,test0: 0x5555 = pass; (code << 16) | 0x3333 = fail with code.
        let base = UInt(truncatingIfNeeded: platform.exitDevice?.base ?? 0x10_0000)
        let value: UInt32 = status == 0 ? 0x5555 : (UInt32(UInt16(truncatingIfNeeded: status)) << 16) | 0x3333
        orion_mmio_write32(base, value)
        #endif
        while true {
            #if arch(arm64)
            orion_a64_wfi()
            #elseif arch(riscv64)
            orion_rv_wfi()
            #endif
        }
    }
}
