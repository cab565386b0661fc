// qemu-virt-riscv64: QEMU `-M virt` with OpenSBI below; the kernel runs in S-mode with the devicetree in a1.

#if arch(riscv64)
import BoardBoot
import Kernel

/// Facts for what the devicetree might lack.
enum QemuVirtRISCV64 {
    static let name: StaticString = "qemu-virt-riscv64"
    static let tickHz: UInt64 = 100

    static var fallback: Platform {
        var platform = Platform()
        platform.cpuCount = 1
        platform.timerFrequencyHz = 10_000_000
        platform.console = DeviceInfo(compatible: DeviceName("ns16550a"), base: 0x1000_0000, size: 0x100)
        platform.interruptController = DeviceInfo(compatible: DeviceName("sifive,plic-1.0.0"), base: 0x0C00_0000)
        platform.exitDevice = DeviceInfo(compatible: DeviceName("sifive,test0"), base: 0x10_0000, size: 0x1000)
        return platform
    }
}

/// Entry from boot.S: probe, quiet the PLIC, start the SBI tick, run the application, exit with its status.
@_cdecl("orion_qemu_virt_riscv64_start")
func orionQemuVirtRISCV64Start(_ hart: UInt, _ devicetree: UInt) {
    var system = System.boot(board: QemuVirtRISCV64.name, arch: .riscv64, devicetree: devicetree,
                             fallback: QemuVirtRISCV64.fallback)
    if let intc = system.platform.interruptController,
       intc.compatible.equals("sifive,plic-1.0.0") || intc.compatible.equals("riscv,plic0") {
        let plic = PLIC(base: UInt(intc.base))
        plic.initialize(context: 2 * hart + 1)
        rvPLIC = plic
        rvPLICContext = 2 * hart + 1
    }
    let version = SBI.specVersion()
    system.console.write("sbi: spec ")
    system.console.write(decimal: UInt64(version >> 24) & 0x7F)
    system.console.write(".")
    system.console.write(decimal: UInt64(version) & 0xFF_FFFF)
    system.console.write(" boot hart ")
    system.console.write(decimal: UInt64(hart))
    system.console.newline()
    SBITimer.start(hz: QemuVirtRISCV64.tickHz, frequency: system.platform.timerFrequencyHz ?? 10_000_000)
    system.tickStarted(hz: QemuVirtRISCV64.tickHz)
    let status = withUnsafeMutablePointer(to: &system) { orion_app_main(UnsafeMutableRawPointer($0)) }
    orion_rv_sstatus_clear(1 << 1)
    system.exit(status)
}
#endif
