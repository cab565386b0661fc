// Building the platform description from a devicetree, board fallbacks, the banner and the console choice.

import Testing
@testable import Kernel

/// A byte sink that collects into an array (host tests only).
struct CollectingSink: ByteSink {
    var bytes: [UInt8] = []
    mutating func put(_ byte: UInt8) { bytes.append(byte) }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

@Suite("Platform")
struct PlatformTests {
    // @verifies SWR-HAL-PLAT-1
    @Test func probesTheSampleMachine() throws {
        let platform = try withFDT(FDTBuilder.sampleMachine().blob()) { try Platform(devicetree: $0) }
        #expect(platform.cpuCount == 2)  // cpu@2 is disabled
        #expect(platform.memoryMiB == 256)
        #expect(platform.memory.count == 2)
        #expect(platform.timerFrequencyHz == 10_000_000)
        #expect(platform.console == DeviceInfo(compatible: DeviceName("arm,pl011"), base: 0x0900_0000, size: 0x1000))
        #expect(platform.interruptController?.compatible == DeviceName("arm,cortex-a15-gic"))
        #expect(platform.interruptController?.secondBase == 0x0801_0000)
        #expect(platform.pcieECAM == MemoryRange(base: 0x40_1000_0000, size: 0x1000_0000))
        #expect(platform.source == .devicetree)
    }

    @Test func boardFallbackFillsOnlyTheGaps() throws {
        var b = FDTBuilder()
        b.begin("")
        b.begin("cpus")
        b.begin("cpu@0")
        b.property("device_type", string: "cpu")
        b.end()
        b.end()
        b.end()
        b.finish()
        var platform = try withFDT(b.blob()) { try Platform(devicetree: $0) }
        var fallback = Platform()
        fallback.cpuCount = 4
        fallback.memory.append(MemoryRange(base: 0, size: 960 << 20))
        fallback.timerFrequencyHz = 19_200_000
        fallback.console = DeviceInfo(compatible: DeviceName("arm,pl011"), base: 0x3F20_1000)
        platform.complete(with: fallback)
        #expect(platform.cpuCount == 1)
        #expect(platform.memoryMiB == 960)
        #expect(platform.timerFrequencyHz == 19_200_000)
        #expect(platform.console?.base == 0x3F20_1000)
    }

    // @verifies SWR-HAL-PLAT-2
    @Test func bannerHasTheFixedFormat() throws {
        let platform = try withFDT(FDTBuilder.sampleMachine().blob()) { try Platform(devicetree: $0) }
        var sink = CollectingSink()
        platform.writeBanner(to: &sink, board: "qemu-virt-aarch64", arch: .aarch64)
        #expect(sink.text == "Orion RT 0.1.0 board=qemu-virt-aarch64 arch=aarch64 cpus=2 mem=256MiB timer=10000000Hz console=arm,pl011@0x9000000\n")
    }

    @Test func bannerSaysNoneWithoutAConsole() {
        var sink = CollectingSink()
        Platform().writeBanner(to: &sink, board: "x", arch: .riscv64)
        #expect(sink.text == "Orion RT 0.1.0 board=x arch=riscv64 cpus=0 mem=0MiB timer=0Hz console=none\n")
    }

    // @verifies SWR-HAL-PLAT-3
    @Test func consoleDriverIsChosenByCompatible() {
        func driver(_ name: StaticString) -> Console? {
            Console.driver(for: DeviceInfo(compatible: DeviceName(name), base: 0x1000))
        }
        if case .pl011(let uart) = driver("arm,pl011") { #expect(uart.base == 0x1000) } else { Issue.record("arm,pl011 → PL011") }
        if case .ns16550 = driver("ns16550a") {} else { Issue.record("ns16550a → NS16550") }
        if case .miniUART = driver("brcm,bcm2835-aux-uart") {} else { Issue.record("aux uart → mini UART") }
        #expect(driver("sifive,uart0") == nil)
    }

    @Test func numbersAreWrittenInDecimalAndHex() {
        var sink = CollectingSink()
        sink.write(decimal: UInt64(0))
        sink.write(" ")
        sink.write(decimal: UInt64.max)
        sink.write(" ")
        sink.write(decimal: -42)
        sink.write(" ")
        sink.write(hex: 0)
        sink.write(" ")
        sink.write(hex: 0x40_1000_0000)
        sink.write(" ")
        sink.write(hexDigits: 0xAB, minimumWidth: 4)
        #expect(sink.text == "0 18446744073709551615 -42 0x0 0x4010000000 00ab")
    }

    @Test func deviceNamesAreCutAtCapacity() {
        let long = DeviceName("a-very-long-compatible-string-that-goes-on-and-on-and-on")
        #expect(long.count == DeviceName.capacity)
        #expect(DeviceName("ns16550a").equals("ns16550a"))
        #expect(!DeviceName("ns16550a").equals("ns16550"))
    }

    /// Sstc is found as a whole `_`-separated extension of riscv,isa or in riscv,isa-extensions, nowhere else.
    // @verifies SWR-HAL-PLAT-1
    @Test(arguments: [("rv64imafdch_zicsr_zifencei_sstc", [String](), true), ("rv64gc_sstc_zicsr", [], true),
                      ("rv64imac_zicsr_sstcx", [], false), ("rv64imac", [], false), ("rv64sstc", [], false),
                      ("rv64imac", ["i", "m", "sstc"], true), ("", ["zicsr"], false)])
    func sstcComesFromTheISAString(isa: String, extensions: [String], expected: Bool) throws {
        var b = FDTBuilder()
        b.begin("")
        b.begin("cpus")
        b.begin("cpu@0")
        b.property("device_type", string: "cpu")
        if !isa.isEmpty { b.property("riscv,isa", string: isa) }
        if !extensions.isEmpty { b.property("riscv,isa-extensions", strings: extensions) }
        b.end()
        b.end()
        b.end()
        b.finish()
        let platform = try withFDT(b.blob()) { try Platform(devicetree: $0) }
        #expect(platform.hasSstc == expected)
    }
}
