// The console: a UART driver chosen by `compatible` string, with newline translation.

/// The console UART, one case per supported driver (an enum, not an existential: no heap, static dispatch).
public enum Console: ByteSink {
    /// Arm PL011.
    case pl011(PL011)
    /// NS16550A.
    case ns16550(NS16550)
    /// BCM2835 mini UART.
    case miniUART(MiniUART)

    /// The driver for a device, chosen by its `compatible` string; nil when no driver matches.
    // @implements SWR-HAL-PLAT-3
    public static func driver(for device: DeviceInfo) -> Console? {
        let base = UInt(truncatingIfNeeded: device.base)
        let name = device.compatible
        if name.equals("arm,pl011") || name.equals("arm,primecell") {
            return .pl011(PL011(base: base))
        }
        if name.equals("ns16550a") || name.equals("ns16550") || name.equals("snps,dw-apb-uart") {
            return .ns16550(NS16550(base: base))
        }
        if name.equals("brcm,bcm2835-aux-uart") {
            return .miniUART(MiniUART(base: base))
        }
        return nil
    }

    /// Sends `byte`; a newline goes out as CR LF, as terminals expect.
    public mutating func put(_ byte: UInt8) {
        if byte == UInt8(ascii: "\n") { raw(UInt8(ascii: "\r")) }
        raw(byte)
    }

    mutating func raw(_ byte: UInt8) {
        switch self {
        case .pl011(var uart): uart.put(byte); self = .pl011(uart)
        case .ns16550(var uart): uart.put(byte); self = .ns16550(uart)
        case .miniUART(var uart): uart.put(byte); self = .miniUART(uart)
        }
    }
}
