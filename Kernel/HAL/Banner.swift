// The one-line boot banner that tools parse, and the platform report lines that follow it.

/// The CPU architecture an image runs on.
public enum Architecture: Sendable {
    /// 64-bit Arm.
    case aarch64
    /// 64-bit RISC-V.
    case riscv64

    /// The name printed in the banner.
    public var name: StaticString {
        switch self {
        case .aarch64: return "aarch64"
        case .riscv64: return "riscv64"
        }
    }
}

extension Platform {
    /// Memory in whole MiB (rounded down).
    public var memoryMiB: UInt64 { memory.totalBytes >> 20 }

    /// Writes `Orion RT <version> board=<board> arch=<arch> cpus=<N> mem=<MiB>MiB timer=<Hz>Hz console=<compatible>@0x<base>`.
    // @implements SWR-HAL-PLAT-2
    public func writeBanner<Sink: ByteSink>(to sink: inout Sink, board: StaticString, arch: Architecture) {
        sink.write("Orion RT ")
        sink.write(OrionVersion.string)
        sink.write(" board=")
        sink.write(board)
        sink.write(" arch=")
        sink.write(arch.name)
        sink.write(" cpus=")
        sink.write(decimal: cpuCount)
        sink.write(" mem=")
        sink.write(decimal: memoryMiB)
        sink.write("MiB timer=")
        sink.write(decimal: timerFrequencyHz ?? 0)
        sink.write("Hz console=")
        if let console {
            sink.write(console.compatible)
            sink.write("@")
            sink.write(hex: console.base)
        } else {
            sink.write("none")
        }
        sink.newline()
    }

    /// Writes the detail lines after the banner: memory ranges, interrupt controller, PCIe, fact source.
    public func writeReport<Sink: ByteSink>(to sink: inout Sink) {
        var i = 0
        while i < memory.count {
            sink.write("memory: ")
            sink.write(hex: memory[i].base)
            sink.write(" size ")
            sink.write(hex: memory[i].size)
            sink.newline()
            i += 1
        }
        sink.write("intc: ")
        if let intc = interruptController {
            sink.write(intc.compatible)
            sink.write("@")
            sink.write(hex: intc.base)
        } else {
            sink.write("none")
        }
        sink.newline()
        sink.write("pcie-ecam: ")
        if let ecam = pcieECAM {
            sink.write(hex: ecam.base)
            sink.write(" size ")
            sink.write(hex: ecam.size)
        } else {
            sink.write("none")
        }
        sink.newline()
        sink.write("platform-source: ")
        sink.write(source == .devicetree ? "devicetree" : "board")
        sink.newline()
    }
}
