// The platform probe on the devicetrees a Raspberry Pi SD card carries (Debian's bcm2711-rpi-4-b.dtb and
// bcm2837-rpi-3-b.dtb, fetched by Tools/setup-qemu10 when missing) and on the one QEMU 10's raspi4b machine
// makes of it; and how a board keeps its console on its own UART type when the devicetree names another.

import Foundation
import Testing
@testable import Kernel
import TestSupport

@Suite("Raspberry Pi devicetrees")
struct RaspberryPiDevicetreeTests {
    func blob(_ path: String) throws -> [UInt8] {
        [UInt8](try #require(FileManager.default.contents(atPath: path), "cannot read \(path)"))
    }

    /// The Pi 4 devicetree as Debian ships it: everything behind /soc is translated from the VideoCore bus
    /// (0x7e...) to ARM addresses (0xfe...), the GIC-400 from 0x4004_x000 to 0xff84_x000; the console it
    /// names is the mini UART (stdout-path = serial1), which raspi4b replaces with the PL011 (serial0).
    // @verifies SWR-HAL-PLAT-1
    // @verifies SWR-HAL-PLAT-4
    @Test func pi4DevicetreeFacts() throws {
        let dtb = try blob(try RaspberryPi.devicetree("bcm2711-rpi-4-b.dtb"))
        try withFDT(dtb) { fdt in
            var platform = try Platform(devicetree: fdt)
            #expect(platform.cpuCount == 4)
            // The firmware fills /memory (reg = <0 0 0> in the file): nothing to take before it has.
            #expect(platform.memory.count == 0)
            #expect(platform.timerFrequencyHz == nil)
            #expect(platform.interruptController == DeviceInfo(
                compatible: DeviceName("arm,gic-400"), base: 0xFF84_1000, size: 0x1000, secondBase: 0xFF84_2000))
            #expect(platform.console == DeviceInfo(compatible: DeviceName("brcm,bcm2835-aux-uart"), base: 0xFE21_5040, size: 0x40))
            #expect(Platform.device(compatibleWith: "brcm,bcm2835-aux-uart", in: fdt)?.base == 0xFE21_5040)

            let named = platform.keepConsole(compatibleWith: "arm,pl011", in: fdt)
            #expect(named?.compatible == DeviceName("brcm,bcm2835-aux-uart"))
            #expect(platform.console == DeviceInfo(compatible: DeviceName("arm,pl011"), base: 0xFE20_1000, size: 0x200))
            // Already on the PL011: nothing changes.
            #expect(platform.keepConsole(compatibleWith: "arm,pl011", in: fdt) == nil)
            #expect(platform.console?.base == 0xFE20_1000)
        }
    }

    /// What the raspi4b guest reads under `orion run`: QEMU 10 fills /memory with the first GiB less the
    /// VideoCore's 64 MiB, the figure the boot test expects in the banner.
    // @verifies SWR-HAL-PLAT-1
    @Test func qemuRaspi4bMachineDevicetree() throws {
        let folder = NSTemporaryDirectory() + "raspi4b-dtb-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let machine = try RaspberryPi.raspi4bMachineDevicetree(from: try RaspberryPi.devicetree("bcm2711-rpi-4-b.dtb"), into: folder)
        try withFDT(try blob(machine)) { fdt in
            let platform = try Platform(devicetree: fdt)
            #expect(platform.cpuCount == 4)
            #expect(platform.memory.count == 1)
            #expect(platform.memory[0] == MemoryRange(base: 0, size: 0x3C00_0000))
            #expect(platform.memoryMiB == 960)
            #expect(platform.interruptController?.base == 0xFF84_1000)
        }
    }

    /// The boot code of both Pis parks cores 1-3 by writing their spin-table entries at 0xe0, 0xe8 and 0xf0
    /// (A64_RELEASE_SPIN_TABLE): the addresses the devicetrees give as their `cpu-release-addr`.
    @Test(arguments: ["bcm2711-rpi-4-b.dtb", "bcm2837-rpi-3-b.dtb"])
    func secondaryCoresUseTheSpinTableTheBootCodeWrites(_ name: String) throws {
        try withFDT(try blob(try RaspberryPi.devicetree(name))) { fdt in
            var releases: [UInt64] = []
            let cpus = try #require(fdt.node(atPath: "/cpus"))
            var children = fdt.children(of: cpus)
            while let cpu = children.next() {
                guard fdt.property("device_type", of: cpu)?.firstString.equals("cpu") == true else { continue }
                #expect(fdt.property("enable-method", of: cpu)?.firstString.equals("spin-table") == true)
                if let release = fdt.property("cpu-release-addr", of: cpu)?.cells(at: 0, count: 2) { releases.append(release) }
            }
            #expect(releases == [0xD8, 0xE0, 0xE8, 0xF0])
        }
    }

    /// A machine whose stdout-path names an NS16550 while the board's console type is the PL011.
    func machine(serial0: String?, pl011Status: [String?]) -> [UInt8] {
        var b = FDTBuilder()
        b.begin("")
        b.property("#address-cells", cells: [1])
        b.property("#size-cells", cells: [1])
        b.begin("chosen")
        b.property("stdout-path", string: "/uart@3000:115200n8")
        b.end()
        if let serial0 {
            b.begin("aliases")
            b.property("serial0", string: serial0)
            b.end()
        }
        b.begin("uart@3000")
        b.property("compatible", string: "ns16550a")
        b.property("reg", cells: [0x3000, 0x100])
        b.end()
        for (index, status) in pl011Status.enumerated() {
            b.begin("uart@\(index + 1)000")
            b.property("compatible", strings: ["arm,pl011", "arm,primecell"])
            b.property("reg", cells: [UInt32(index + 1) * 0x1000, 0x1000])
            if let status { b.property("status", string: status) }
            b.end()
        }
        b.end()
        b.finish()
        return b.blob()
    }

    // @verifies SWR-HAL-PLAT-4
    @Test func keepConsoleTakesSerial0ThenTheFirstEnabledUARTOfTheType() throws {
        // serial0 names the second PL011: it is taken, not the first one.
        try withFDT(machine(serial0: "/uart@2000", pl011Status: [nil, nil])) { fdt in
            var platform = try Platform(devicetree: fdt)
            #expect(platform.console?.compatible == DeviceName("ns16550a"))
            #expect(platform.keepConsole(compatibleWith: "arm,pl011", in: fdt)?.base == 0x3000)
            #expect(platform.console == DeviceInfo(compatible: DeviceName("arm,pl011"), base: 0x2000, size: 0x1000))
        }
        // No serial0: the first enabled PL011 (the disabled one is passed over).
        try withFDT(machine(serial0: nil, pl011Status: ["disabled", "okay"])) { fdt in
            var platform = try Platform(devicetree: fdt)
            #expect(platform.keepConsole(compatibleWith: "arm,pl011", in: fdt) != nil)
            #expect(platform.console?.base == 0x2000)
        }
        // serial0 names the NS16550 itself: the first enabled PL011.
        try withFDT(machine(serial0: "/uart@3000", pl011Status: [nil])) { fdt in
            var platform = try Platform(devicetree: fdt)
            #expect(platform.keepConsole(compatibleWith: "arm,pl011", in: fdt) != nil)
            #expect(platform.console?.base == 0x1000)
        }
        // No PL011 at all: no console from the devicetree; the board's own fact fills it.
        try withFDT(machine(serial0: nil, pl011Status: [])) { fdt in
            var platform = try Platform(devicetree: fdt)
            #expect(platform.keepConsole(compatibleWith: "arm,pl011", in: fdt) != nil)
            #expect(platform.console == nil)
            var fallback = Platform()
            fallback.console = DeviceInfo(compatible: DeviceName("arm,pl011"), base: 0xFE20_1000)
            platform.complete(with: fallback)
            #expect(platform.console?.base == 0xFE20_1000)
        }
    }
}
