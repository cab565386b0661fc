// The sizes and quantity limits the Modbus application protocol specification sets.

/// Protocol limits from the Modbus application protocol specification V1.1b3.
public enum ModbusLimits {
    /// Largest PDU (function code and data): 256-byte RTU ADU less address and CRC.
    public static let maxPDU = 253
    /// Largest RTU ADU: address, PDU, CRC.
    public static let maxRTUADU = 256
    /// Largest TCP ADU: 7-byte MBAP header and PDU.
    public static let maxTCPADU = 260
    /// Most coils or discrete inputs one read (FC 1, 2) may ask for.
    public static let maxReadBits = 2000
    /// Most registers one read (FC 3, 4) may ask for.
    public static let maxReadRegisters = 125
    /// Most coils one write multiple coils (FC 15) may carry.
    public static let maxWriteBits = 1968
    /// Most registers one write multiple registers (FC 16) may carry.
    public static let maxWriteRegisters = 123
    /// Most registers the read half of read/write multiple registers (FC 23) may ask for.
    public static let maxReadWriteReadRegisters = 125
    /// Most registers the write half of read/write multiple registers (FC 23) may carry.
    public static let maxReadWriteWriteRegisters = 121
}
