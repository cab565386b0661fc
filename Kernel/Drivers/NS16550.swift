// NS16550A-compatible UART, transmit side (the console on qemu virt riscv64).

import KernelSupport

/// An NS16550 UART whose registers are `1 << registerShift` bytes apart.
public struct NS16550: ByteSink {
    /// Register base.
    public let base: UInt
    /// log2 of the register stride (devicetree `reg-shift`, 0 on QEMU).
    public let registerShift: UInt
    static let transmitHolding: UInt = 0
    static let lineStatus: UInt = 5
    static let transmitHoldingEmpty: UInt8 = 1 << 5

    /// A driver for the UART at `base`.
    public init(base: UInt, registerShift: UInt = 0) {
        self.base = base
        self.registerShift = registerShift
    }

    /// Waits until the holding register is empty, then sends `byte`.
    public mutating func put(_ byte: UInt8) {
        while orion_mmio_read8(base + (NS16550.lineStatus << registerShift)) & NS16550.transmitHoldingEmpty == 0 {}
        orion_mmio_write8(base + (NS16550.transmitHolding << registerShift), byte)
    }
}
