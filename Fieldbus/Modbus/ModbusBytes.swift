// Big-endian field access in raw buffers, the byte order of every Modbus field except the RTU CRC.

extension UnsafeRawBufferPointer {
    /// The big-endian 16-bit value at `offset` (the caller checked the bounds).
    @inlinable func modbusU16(_ offset: Int) -> UInt16 { UInt16(self[offset]) << 8 | UInt16(self[offset + 1]) }
}

extension UnsafeMutableRawBufferPointer {
    /// Stores `value` big-endian at `offset` (the caller checked the bounds).
    @inlinable func modbusSetU16(_ offset: Int, _ value: UInt16) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }
}
