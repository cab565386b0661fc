// BCM2835/BCM2711 GPIO function select: which peripheral drives a pin (the Pi's UART pins are GPIO 14/15).

import KernelSupport

/// The GPIO block of a Broadcom Pi SoC (0x3f20_0000 on BCM2837, 0xfe20_0000 on BCM2711).
///
/// Each pin has a 3-bit function field, ten pins per GPFSEL register (GPFSEL0 at offset 0). The same layout
/// holds on BCM2835, BCM2837 and BCM2711 (BCM2835 ARM Peripherals §6.1, BCM2711 ARM Peripherals §5.3).
public struct BCMGPIO {
    /// Register base.
    public let base: UInt

    /// A pin function: input, output, or one of the six alternate functions.
    public enum Function: UInt32 {
        case input = 0b000
        case output = 0b001
        case alt0 = 0b100
        case alt1 = 0b101
        case alt2 = 0b110
        case alt3 = 0b111
        case alt4 = 0b011
        case alt5 = 0b010
    }

    /// The highest pin number (BCM2711 has 58 GPIOs, 0...57; BCM2835 54).
    public static let lastPin = 57

    /// A driver for the GPIO block at `base`.
    public init(base: UInt) { self.base = base }

    /// The GPFSEL register offset and bit shift of `pin`, or nil past the last pin.
    public static func functionField(pin: Int) -> (offset: UInt, shift: UInt32)? {
        guard pin >= 0, pin <= lastPin else { return nil }
        return (UInt(pin / 10) * 4, UInt32(pin % 10) * 3)
    }

    /// `register` with the function field of `pin` set to `function` (other pins unchanged).
    public static func selecting(_ function: Function, pin: Int, in register: UInt32) -> UInt32 {
        guard let (_, shift) = functionField(pin: pin) else { return register }
        return register & ~(UInt32(0b111) << shift) | function.rawValue << shift
    }

    /// Gives `pin` to `function` (read-modify-write of its GPFSEL register); false for a pin past the last.
    @discardableResult
    public func select(_ function: Function, pin: Int) -> Bool {
        guard let (offset, _) = BCMGPIO.functionField(pin: pin) else { return false }
        let old = orion_mmio_read32(base + offset)
        orion_mmio_write32(base + offset, BCMGPIO.selecting(function, pin: pin, in: old))
        return true
    }

    /// The function `pin` has now, or nil for a pin past the last.
    public func function(of pin: Int) -> Function? {
        guard let (offset, shift) = BCMGPIO.functionField(pin: pin) else { return nil }
        return Function(rawValue: (orion_mmio_read32(base + offset) >> shift) & 0b111)
    }
}
