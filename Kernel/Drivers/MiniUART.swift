// BCM2835 auxiliary "mini UART" (raspi3b's second serial port): transmit, polled receive, and line setup.

import KernelSupport

/// The mini UART; `base` is its AUX_MU_IO register (0x3f215040 on BCM2837).
///
/// The mini UART has 8-byte FIFOs, 7 or 8 data bits, one stop bit and no parity bit; its baud rate is the
/// core clock / (8 × (AUX_MU_BAUD + 1)). On real hardware GPIO 14/15 (or 32/33) must also select
/// function ALT5; QEMU's `-M raspi3b` connects it to its second `-serial` without GPIO setup.
public struct MiniUART: ByteSink {
    /// Address of AUX_MU_IO.
    public let base: UInt
    /// Offsets from AUX_MU_IO.
    static let interruptEnableOffset: UInt = 0x04
    static let interruptIdentifyOffset: UInt = 0x08
    static let lineControlOffset: UInt = 0x0C
    static let modemControlOffset: UInt = 0x10
    static let lineStatusOffset: UInt = 0x14
    static let controlOffset: UInt = 0x20
    static let baudOffset: UInt = 0x28
    /// AUX_ENABLES sits 0x3C below AUX_MU_IO; bit 0 enables the mini UART.
    static let auxEnablesBackOffset: UInt = 0x3C
    static let dataReady: UInt32 = 1 << 0
    static let transmitterEmpty: UInt32 = 1 << 5
    static let transmitterIdle: UInt32 = 1 << 6

    /// A driver for the mini UART whose data register is at `base`.
    public init(base: UInt) { self.base = base }

    /// The AUX_MU_BAUD value for `baud` from a core clock of `clockHz` (rounded to the nearest rate).
    public static func baudDivisor(baud: UInt32, clockHz: UInt32) -> UInt32 {
        let eight = UInt64(baud) * 8
        let divisor = (UInt64(clockHz) + eight / 2) / eight
        return UInt32(truncatingIfNeeded: max(divisor, 1) - 1)
    }

    /// The baud rate a divisor gives at `clockHz`.
    public static func actualBaud(divisor: UInt32, clockHz: UInt32) -> UInt32 {
        UInt32(UInt64(clockHz) / (8 * (UInt64(divisor) + 1)))
    }

    /// Enables the mini UART in AUX_ENABLES and sets 8 data bits, no flow control, interrupts off, both
    /// FIFOs cleared, and `divisor` in AUX_MU_BAUD; then turns receiver and transmitter on.
    public func configure(divisor: UInt32) {
        let enables = base - MiniUART.auxEnablesBackOffset
        orion_mmio_write32(enables, orion_mmio_read32(enables) | 1)
        orion_mmio_write32(base + MiniUART.controlOffset, 0)
        orion_mmio_write32(base + MiniUART.interruptEnableOffset, 0)
        orion_mmio_write32(base + MiniUART.lineControlOffset, 3)  // 8-bit mode
        orion_mmio_write32(base + MiniUART.modemControlOffset, 0)
        orion_mmio_write32(base + MiniUART.interruptIdentifyOffset, 0xC6)  // clear both FIFOs
        orion_mmio_write32(base + MiniUART.baudOffset, divisor & 0xFFFF)
        orion_mmio_write32(base + MiniUART.controlOffset, 3)  // receiver and transmitter on
    }

    /// Whether a received byte waits in the FIFO.
    public var hasByte: Bool { orion_mmio_read32(base + MiniUART.lineStatusOffset) & MiniUART.dataReady != 0 }

    /// The next received byte, or nil when the receive FIFO is empty.
    public func receive() -> UInt8? {
        guard hasByte else { return nil }
        return UInt8(truncatingIfNeeded: orion_mmio_read32(base))
    }

    /// Whether the transmitter has sent everything (FIFO empty and the shift register idle).
    public var transmitDone: Bool { orion_mmio_read32(base + MiniUART.lineStatusOffset) & MiniUART.transmitterIdle != 0 }

    /// Waits for room, then sends `byte`.
    public mutating func put(_ byte: UInt8) {
        while orion_mmio_read32(base + MiniUART.lineStatusOffset) & MiniUART.transmitterEmpty == 0 {}
        orion_mmio_write32(base, UInt32(byte))
    }
}
