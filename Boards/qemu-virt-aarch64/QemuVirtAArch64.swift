// qemu-virt-aarch64: QEMU `-M virt -cpu cortex-a53`; everything is read from the devicetree QEMU passes in x0.

#if arch(arm64)
import BoardBoot
import Kernel

/// The board's facts for what the devicetree might lack (it normally has them all but the timer frequency).
enum QemuVirtAArch64 {
    static let name: StaticString = "qemu-virt-aarch64"
    /// Tick rate of the kernel's periodic timer.
    static let tickHz: UInt64 = 100
    /// The EL1 non-secure physical timer is PPI 14, INTID 30.
    static let timerInterrupt: UInt32 = 30
    /// Where QEMU puts the devicetree for a bare-metal (non-Linux) ELF: the start of RAM; x0 is then 0.
    static let bareMetalDevicetree: UInt = 0x4000_0000

    static var fallback: Platform {
        var platform = Platform()
        platform.cpuCount = 1
        platform.timerFrequencyHz = orion_a64_cntfrq()
        platform.console = DeviceInfo(compatible: DeviceName("arm,pl011"), base: 0x0900_0000, size: 0x1000)
        platform.interruptController = DeviceInfo(
            compatible: DeviceName("arm,cortex-a15-gic"), base: 0x0800_0000, size: 0x1_0000, secondBase: 0x0801_0000)
        return platform
    }
}

/// Entry from boot.S at EL1 with a stack: probe, start the tick, run the application, exit with its status.
@_cdecl("orion_qemu_virt_aarch64_start")
func orionQemuVirtAArch64Start(_ devicetree: UInt) {
    let devicetree = devicetree != 0 ? devicetree : QemuVirtAArch64.bareMetalDevicetree
    var system = System.boot(board: QemuVirtAArch64.name, arch: .aarch64, devicetree: devicetree,
                             fallback: QemuVirtAArch64.fallback)
    if let intc = system.platform.interruptController, intc.compatible.equals("arm,cortex-a15-gic")
        || intc.compatible.equals("arm,gic-400") {
        let gic = GICv2(distributor: UInt(intc.base), cpuInterface: UInt(intc.secondBase))
        gic.initialize()
        gic.enable(QemuVirtAArch64.timerInterrupt)
        a64Route = .gicv2(gic, timerID: QemuVirtAArch64.timerInterrupt)
        GenericTimer.start(hz: QemuVirtAArch64.tickHz, frequency: system.platform.timerFrequencyHz ?? orion_a64_cntfrq())
        system.tickStarted(hz: QemuVirtAArch64.tickHz)
        orion_a64_irq_enable()
    } else {
        system.console.write("no supported interrupt controller: running without a tick\n")
    }
    let status = withUnsafeMutablePointer(to: &system) { orion_app_main(UnsafeMutableRawPointer($0)) }
    orion_a64_irq_disable()
    system.exit(status)
}
#endif
