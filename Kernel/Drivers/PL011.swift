// Arm PrimeCell PL011 UART, transmit side (the console on qemu virt and raspi3b).

import KernelSupport

/// A PL011 UART at a fixed register base.
public struct PL011: ByteSink {
    /// Register base (CPU physical address; the kernel runs with an identity map).
    public let base: UInt
    static let dataRegister: UInt = 0x00
    static let flagRegister: UInt = 0x18
    static let transmitFIFOFull: UInt32 = 1 << 5

    /// A driver for the UART at `base`.
    public init(base: UInt) { self.base = base }

    /// Waits for room in the transmit FIFO, then sends `byte`.
    public mutating func put(_ byte: UInt8) {
        while orion_mmio_read32(base + PL011.flagRegister) & PL011.transmitFIFOFull != 0 {}
        orion_mmio_write32(base + PL011.dataRegister, UInt32(byte))
    }
}
