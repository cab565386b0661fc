// raspi4b: Raspberry Pi 4 Model B (BCM2711, four Cortex-A72), QEMU 10's `-M raspi4b` or the real board. The
// firmware passes a devicetree in x0 (QEMU does with -dtb); without one the board knows the SoC's layout
// and asks the VideoCore mailbox for its memory. Console: the PL011; tick: the generic timer through the GIC-400.

#if arch(arm64)
import BoardBoot
import Kernel

/// BCM2711 facts, used where the devicetree is missing or lacks them.
enum Raspi4b {
    static let name: StaticString = "raspi4b"
    static let tickHz: UInt64 = 100
    /// The peripherals' ARM physical base (the devicetree's bus address 0x7e00_0000, through /soc `ranges`).
    static let peripheralBase: UInt = 0xFE00_0000
    /// GIC-400 distributor and CPU interface (bus 0x4004_1000/0x4004_2000, translated).
    static let gicDistributor: UInt64 = 0xFF84_1000
    static let gicCPUInterface: UInt64 = 0xFF84_2000
    /// The EL1 non-secure physical timer is PPI 14, INTID 30 (the devicetree's timer node says the same).
    static let timerInterrupt: UInt32 = 30
    /// The mini UART's AUX_MU_IO register, and the VideoCore core clock its baud rate divides (500 MHz on a Pi 4).
    static let miniUART: UInt64 = 0xFE21_5040
    static let coreClockHz: UInt32 = 500_000_000
    static let atagCore: UInt32 = 0x5441_0001

    static var fallback: Platform {
        var platform = Platform()
        platform.cpuCount = 4  // BCM2711: four Cortex-A72 cores
        if let memory = Mailbox(base: peripheralBase + 0xB880).armMemory() {
            platform.memory.append(MemoryRange(base: memory.base, size: memory.size))
        } else {
            platform.memory.append(MemoryRange(base: 0, size: 0x3C00_0000))  // the first GiB less the VideoCore's share
        }
        platform.timerFrequencyHz = orion_a64_cntfrq()
        platform.console = DeviceInfo(compatible: DeviceName("arm,pl011"), base: UInt64(peripheralBase + 0x20_1000), size: 0x200)
        platform.interruptController = DeviceInfo(
            compatible: DeviceName("arm,gic-400"), base: gicDistributor, size: 0x1000, secondBase: gicCPUInterface)
        return platform
    }
}

/// Entry from boot.S (core 0, EL1): probe, start the tick, run the application, exit with its status.
@_cdecl("orion_raspi4b_start")
func orionRaspi4bStart(_ devicetree: UInt) {
    RaspberryPi.routeConsoleToHeaderPins(peripheralBase: Raspi4b.peripheralBase)
    // Without -dtb, QEMU's Pi loader passes the address of an ATAG list (ATAG_CORE = 0x54410001), not a devicetree.
    let passedATAGs = devicetree != 0
        && UnsafePointer<UInt32>(bitPattern: devicetree + 4)?.pointee == Raspi4b.atagCore
    // The console stays on the PL011 even where the devicetree's stdout-path names the mini UART (see README).
    var system = System.boot(board: Raspi4b.name, arch: .aarch64, devicetree: passedATAGs ? 0 : devicetree,
                             fallback: Raspi4b.fallback, consoleCompatible: "arm,pl011")
    system.auxiliaryUART = system.devicetree().flatMap { Platform.device(compatibleWith: "brcm,bcm2835-aux-uart", in: $0) }
        ?? DeviceInfo(compatible: DeviceName("brcm,bcm2835-aux-uart"), base: Raspi4b.miniUART, size: 0x40)
    system.auxiliaryUARTClockHz = Raspi4b.coreClockHz
    guard let intc = system.platform.interruptController, intc.compatible.equals("arm,gic-400")
        || intc.compatible.equals("arm,cortex-a15-gic") else {
        system.console.write("no supported interrupt controller: running without a tick\n")
        let status = withUnsafeMutablePointer(to: &system) { orion_app_main(UnsafeMutableRawPointer($0)) }
        system.exit(status)
    }
    let gic = GICv2(distributor: UInt(intc.base), cpuInterface: UInt(intc.secondBase))
    gic.initialize()
    gic.enable(Raspi4b.timerInterrupt)
    a64Route = .gicv2(gic, timerID: Raspi4b.timerInterrupt)
    GenericTimer.start(hz: Raspi4b.tickHz, frequency: system.platform.timerFrequencyHz ?? orion_a64_cntfrq())
    system.tickStarted(hz: Raspi4b.tickHz)
    orion_a64_irq_enable()
    let status = withUnsafeMutablePointer(to: &system) { orion_app_main(UnsafeMutableRawPointer($0)) }
    orion_a64_irq_disable()
    system.exit(status)
}
#endif
