// The running system as an application sees it: platform, console, timer ticks, exit. Shared by every board.

import BoardBoot
import Kernel

/// Timer interrupts taken since the tick was started (written only by the interrupt handler).
nonisolated(unsafe) var timerTicks: UInt64 = 0
/// The console the fault handlers print to.
nonisolated(unsafe) var faultConsole: Console?

/// Exit status a guest reports when the kernel catches a CPU fault.
public let faultExitStatus: Int32 = 70

/// Everything a guest application gets from the kernel at this stage.
public struct System {
    /// The board's name as printed in the banner.
    public let board: StaticString
    /// The CPU architecture.
    public let arch: Architecture
    /// What was detected at boot.
    public let platform: Platform
    /// The console UART.
    public var console: Console
    /// Frequency of the periodic tick, 0 until `startTick` ran.
    public private(set) var tickHz: UInt64 = 0
    /// Where the devicetree the platform was read from lies (0: none, or it was rejected).
    public private(set) var devicetreeAddress: UInt = 0
    /// The board's second serial port, for an application's own protocol (`modbus-demo`): the BCM2835-style
    /// mini UART of the Raspberry Pis (its AUX_MU_IO register); nil when the board has none.
    public internal(set) var auxiliaryUART: DeviceInfo?
    /// The clock the auxiliary UART's baud-rate generator divides (the VideoCore core clock), in Hz.
    public internal(set) var auxiliaryUARTClockHz: UInt32 = 0

    /// Probes the platform from the devicetree at `devicetree` (0 for none), fills the gaps from `fallback`,
    /// selects the console driver by `compatible` and prints the banner. A board whose console is always
    /// one UART type (raspi4b: the PL011) names it in `consoleCompatible`: a devicetree console of another
    /// type is replaced (`Platform.keepConsole`), and a line after the banner says so.
    public static func boot(board: StaticString, arch: Architecture, devicetree: UInt, fallback: Platform,
                            consoleCompatible: StaticString? = nil) -> System {
        var platform = Platform()
        var failure: FDTError?
        var replacedConsole: DeviceInfo?
        if devicetree != 0, let pointer = UnsafeRawPointer(bitPattern: devicetree) {
            if let size = FDT.totalSize(at: pointer) {
                // Bound the size before trusting it: no devicetree here is anywhere near 16 MiB.
                let bytes = UnsafeRawBufferPointer(start: pointer, count: min(size, 16 << 20))
                do throws(FDTError) {
                    let fdt = try FDT(bytes: bytes)
                    platform = try Platform(devicetree: fdt)
                    if let consoleCompatible { replacedConsole = platform.keepConsole(compatibleWith: consoleCompatible, in: fdt) }
                } catch {
                    failure = error
                }
            } else {
                failure = .badMagic(UInt32(bigEndian: pointer.loadUnaligned(as: UInt32.self)))
            }
        }
        platform.complete(with: fallback)
        let console = platform.console.flatMap { Console.driver(for: $0) }
            ?? fallback.console.flatMap { Console.driver(for: $0) }
            ?? .pl011(PL011(base: 0x0900_0000))
        var system = System(board: board, arch: arch, platform: platform, console: console)
        if failure == nil { system.devicetreeAddress = devicetree }
        faultConsole = console
        platform.writeBanner(to: &system.console, board: board, arch: arch)
        if let replacedConsole, failure == nil {
            system.console.write("console: the devicetree's stdout-path names ")
            system.console.write(replacedConsole.compatible)
            system.console.write("@")
            system.console.write(hex: replacedConsole.base)
            system.console.write("; the board's console is the ")
            system.console.write(consoleCompatible ?? "")
            system.console.write("\n")
        }
        if let failure {
            system.console.write("devicetree at ")
            system.console.write(hex: UInt64(devicetree))
            system.console.write(" rejected: ")
            failure.write(to: &system.console)
            system.console.write(" (using the board's built-in facts)\n")
        } else if devicetree == 0 {
            system.console.write("devicetree: none passed (using the board's built-in facts)\n")
        }
        return system
    }

    init(board: StaticString, arch: Architecture, platform: Platform, console: Console) {
        self.board = board
        self.arch = arch
        self.platform = platform
        self.console = console
    }

    /// The devicetree, validated again, for drivers that need more than `platform` keeps (PCI windows,
    /// interrupt maps); nil when there was none.
    public func devicetree() -> FDT? {
        guard devicetreeAddress != 0, let pointer = UnsafeRawPointer(bitPattern: devicetreeAddress),
              let size = FDT.totalSize(at: pointer) else { return nil }
        return try? FDT(bytes: UnsafeRawBufferPointer(start: pointer, count: min(size, 16 << 20)))
    }

    /// Ticks taken so far.
    public var ticks: UInt64 { timerTicks }

    /// Records that the board started a periodic tick at `hz`.
    mutating func tickStarted(hz: UInt64) { tickHz = hz }

    /// The free-running system counter (ticks at `platform.timerFrequencyHz`).
    public func counter() -> UInt64 { systemCounter() }

    /// Sleeps (wait-for-interrupt) until `count` more ticks have been taken.
    public func waitForTicks(_ count: UInt64) {
        let target = timerTicks &+ count
        while timerTicks < target {
            #if arch(arm64)
            orion_a64_wfi()
            #elseif arch(riscv64)
            orion_rv_wfi()
            #endif
        }
    }

    /// Ends the machine with `status` (0 = success), as QEMU's exit status.
    public func exit(_ status: Int32) -> Never {
        GuestExit.exit(status, platform: platform)
    }
}

/// The architecture's free-running counter (CNTPCT_EL0 / the `time` CSR).
@inline(__always)
public func systemCounter() -> UInt64 {
    #if arch(arm64)
    return orion_a64_cntpct()
    #elseif arch(riscv64)
    return orion_rv_time()
    #else
    return 0
    #endif
}

/// Writes registers `0 ..< count` of a saved frame, four to a line (`x0=…`).
func writeRegisters(_ frame: UnsafeMutablePointer<UInt64>, count: Int, to console: inout Console) {
    var i = 0
    while i < count {
        console.write(i < 10 ? " x" : "x")
        console.write(decimal: i)
        console.write("=")
        console.write(hexDigits: frame[i], minimumWidth: 16)
        console.write(i % 4 == 3 || i == count - 1 ? "\n" : "  ")
        i += 1
    }
}

#if hasFeature(Embedded)
/// Console output for the C `putchar` that Embedded Swift's runtime uses for trap messages.
@_cdecl("orion_console_putc")
func orionConsolePutc(_ c: Int32) {
    guard var console = faultConsole else { return }
    console.put(UInt8(truncatingIfNeeded: c))
    faultConsole = console
}
#endif
