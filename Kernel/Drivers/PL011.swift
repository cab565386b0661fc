// Arm PrimeCell PL011 UART, transmit side and line setup (the console on qemu virt and the Raspberry Pis).

import KernelSupport

/// A PL011 UART at a fixed register base.
public struct PL011: ByteSink {
    /// Register base (CPU physical address; the kernel runs with an identity map).
    public let base: UInt
    static let dataRegister: UInt = 0x00
    static let flagRegister: UInt = 0x18
    static let transmitFIFOFull: UInt32 = 1 << 5
    static let busy: UInt32 = 1 << 3
    static let integerBaudRegister: UInt = 0x24
    static let fractionalBaudRegister: UInt = 0x28
    static let lineControlRegister: UInt = 0x2C
    static let controlRegister: UInt = 0x30
    static let interruptMaskRegister: UInt = 0x38
    static let interruptClearRegister: UInt = 0x44
    /// UARTLCR_H: 8 data bits (WLEN = 0b11), FIFOs on, one stop bit, no parity.
    static let eightN1WithFIFOs: UInt32 = 0b11 << 5 | 1 << 4
    /// UARTCR: UART, transmitter and receiver enabled.
    static let enabledTxRx: UInt32 = 1 << 0 | 1 << 8 | 1 << 9

    /// A driver for the UART at `base`.
    public init(base: UInt) { self.base = base }

    /// IBRD and FBRD for `baud` from a reference clock of `clockHz`: the divisor clock / (16 × baud) as a 16-bit
    /// integer part and a 6-bit fraction, rounded to the nearest 1/64 (PL011 TRM §3.3.6); nil when the divisor
    /// is below 1 or above 65535 (no such rate at this clock).
    public static func baudDivisors(baud: UInt32, clockHz: UInt32) -> (integer: UInt32, fraction: UInt32)? {
        guard baud > 0 else { return nil }
        // 64 × clock / (16 × baud) = 4 × clock / baud, rounded: the divisor in 1/64ths.
        let sixtyFourths = (UInt64(clockHz) * 4 + UInt64(baud) / 2) / UInt64(baud)
        let integer = sixtyFourths >> 6
        guard integer >= 1, integer <= 0xFFFF else { return nil }
        return (UInt32(integer), UInt32(sixtyFourths & 0x3F))
    }

    /// Sets the line to `baud` 8N1 with FIFOs from a `clockHz` reference clock, with interrupts masked, and
    /// enables transmit and receive. A real Pi's firmware may leave the UART at another rate or off (it sets up
    /// only the UART that `enable_uart` names); the board then sets it up itself. False when no divisor fits.
    @discardableResult
    public func configure(baud: UInt32, clockHz: UInt32) -> Bool {
        guard let divisors = PL011.baudDivisors(baud: baud, clockHz: clockHz) else { return false }
        orion_mmio_write32(base + PL011.controlRegister, 0)
        // Let a character in flight leave before the rate changes (bounded: QEMU never sets BUSY for long).
        var spins = 0
        while orion_mmio_read32(base + PL011.flagRegister) & PL011.busy != 0 && spins < 1_000_000 { spins += 1 }
        orion_mmio_write32(base + PL011.interruptMaskRegister, 0)
        orion_mmio_write32(base + PL011.interruptClearRegister, 0x7FF)
        orion_mmio_write32(base + PL011.integerBaudRegister, divisors.integer)
        orion_mmio_write32(base + PL011.fractionalBaudRegister, divisors.fraction)
        // LCR_H after the divisors: the write of LCR_H is what latches IBRD and FBRD.
        orion_mmio_write32(base + PL011.lineControlRegister, PL011.eightN1WithFIFOs)
        orion_mmio_write32(base + PL011.controlRegister, PL011.enabledTxRx)
        return true
    }

    /// Waits for room in the transmit FIFO, then sends `byte`.
    public mutating func put(_ byte: UInt8) {
        while orion_mmio_read32(base + PL011.flagRegister) & PL011.transmitFIFOFull != 0 {}
        orion_mmio_write32(base + PL011.dataRegister, UInt32(byte))
    }
}
