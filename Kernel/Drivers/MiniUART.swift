// BCM2835 auxiliary "mini UART", transmit side (raspi3b's second serial port).

import KernelSupport

/// The mini UART; `base` is its AUX_MU_IO register (0x3f215040 on BCM2837).
public struct MiniUART: ByteSink {
    /// Address of AUX_MU_IO.
    public let base: UInt
    static let lineStatusOffset: UInt = 0x14
    static let transmitterEmpty: UInt32 = 1 << 5

    /// A driver for the mini UART whose data register is at `base`.
    public init(base: UInt) { self.base = base }

    /// Waits for room, then sends `byte`.
    public mutating func put(_ byte: UInt8) {
        while orion_mmio_read32(base + MiniUART.lineStatusOffset) & MiniUART.transmitterEmpty == 0 {}
        orion_mmio_write32(base, UInt32(byte))
    }
}
