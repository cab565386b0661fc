// The CRC-16 of Modbus RTU (reflected polynomial 0xA001, initial value 0xFFFF), computed bit by bit.

/// The CRC-16/MODBUS checksum of an RTU frame. On the wire it follows the frame low byte first.
/// Bitwise rather than table-driven: a 256-byte RTU frame costs about 2,000 shifts, which at serial-line
/// rates is nothing, and no table sits in RAM.
public enum ModbusCRC {
    /// The CRC register before the first byte.
    public static let initial: UInt16 = 0xFFFF

    /// Continues `crc` over `bytes` (start from `initial`).
    // @implements SWR-MODBUS-FRAME-1
    public static func update(_ crc: UInt16, _ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var crc = crc
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        }
        return crc
    }

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt16 { update(initial, bytes) }
}
