// raspi3b: QEMU `-M raspi3b` (BCM2837). No devicetree arrives with a bare kernel8.img, so the board asks
// the firmware mailbox for memory and knows the rest from the SoC's fixed layout.

#if arch(arm64)
import BoardBoot
import Kernel

/// BCM2837 facts used when the devicetree is missing.
enum Raspi3b {
    static let name: StaticString = "raspi3b"
    static let tickHz: UInt64 = 100
    static let peripheralBase: UInt = 0x3F00_0000
    static let localPeripheralBase: UInt = 0x4000_0000
    static let atagCore: UInt32 = 0x5441_0001
    /// The mini UART's AUX_MU_IO register, and the VideoCore core clock its baud rate divides (250 MHz on a Pi 3).
    static let miniUART: UInt64 = 0x3F21_5040
    static let coreClockHz: UInt32 = 250_000_000

    static var fallback: Platform {
        var platform = Platform()
        platform.cpuCount = 4  // BCM2837: four Cortex-A53 cores
        if let memory = Mailbox(base: peripheralBase + 0xB880).armMemory() {
            platform.memory.append(MemoryRange(base: memory.base, size: memory.size))
        } else {
            platform.memory.append(MemoryRange(base: 0, size: 0x3F00_0000))
        }
        platform.timerFrequencyHz = orion_a64_cntfrq()
        platform.console = DeviceInfo(compatible: DeviceName("arm,pl011"), base: UInt64(peripheralBase + 0x20_1000), size: 0x1000)
        platform.interruptController = DeviceInfo(
            compatible: DeviceName("brcm,bcm2836-l1-intc"), base: UInt64(localPeripheralBase), size: 0x100)
        return platform
    }
}

/// Entry from boot.S (core 0, EL1): probe, start the tick, run the application, exit with its status.
@_cdecl("orion_raspi3b_start")
func orionRaspi3bStart(_ devicetree: UInt) {
    RaspberryPi.routeConsoleToHeaderPins(peripheralBase: Raspi3b.peripheralBase)
    // Without -dtb, QEMU's Pi loader passes the address of an ATAG list (ATAG_CORE = 0x54410001), not a devicetree.
    let passedATAGs = devicetree != 0
        && UnsafePointer<UInt32>(bitPattern: devicetree + 4)?.pointee == Raspi3b.atagCore
    var system = System.boot(board: Raspi3b.name, arch: .aarch64, devicetree: passedATAGs ? 0 : devicetree,
                             fallback: Raspi3b.fallback)
    system.auxiliaryUART = DeviceInfo(compatible: DeviceName("brcm,bcm2835-aux-uart"), base: Raspi3b.miniUART, size: 0x40)
    system.auxiliaryUARTClockHz = Raspi3b.coreClockHz
    let intc = LocalIntc(base: UInt(system.platform.interruptController?.base ?? UInt64(Raspi3b.localPeripheralBase)))
    intc.enableTimer(core: 0)
    a64Route = .bcmLocal(intc)
    GenericTimer.start(hz: Raspi3b.tickHz, frequency: system.platform.timerFrequencyHz ?? orion_a64_cntfrq())
    system.tickStarted(hz: Raspi3b.tickHz)
    orion_a64_irq_enable()
    let status = withUnsafeMutablePointer(to: &system) { orion_app_main(UnsafeMutableRawPointer($0)) }
    orion_a64_irq_disable()
    system.exit(status)
}
#endif
