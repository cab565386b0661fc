// The Modbus function codes Orion RT's stack speaks, and the bit that marks an exception response.

/// A Modbus public function code (the first byte of every PDU).
public enum ModbusFunction: UInt8, Sendable {
    /// Read 1...2000 coils (read/write bits).
    case readCoils = 0x01
    /// Read 1...2000 discrete inputs (read-only bits).
    case readDiscreteInputs = 0x02
    /// Read 1...125 holding registers (read/write words).
    case readHoldingRegisters = 0x03
    /// Read 1...125 input registers (read-only words).
    case readInputRegisters = 0x04
    /// Write one coil: 0xFF00 on, 0x0000 off.
    case writeSingleCoil = 0x05
    /// Write one holding register.
    case writeSingleRegister = 0x06
    /// Serial-line diagnostics: echo, counters (the sub-function selects which).
    case diagnostics = 0x08
    /// Write 1...1968 coils.
    case writeMultipleCoils = 0x0F
    /// Write 1...123 holding registers.
    case writeMultipleRegisters = 0x10
    /// Change one holding register to `(current AND andMask) OR (orMask AND NOT andMask)`.
    case maskWriteRegister = 0x16
    /// Write 1...121 holding registers, then read 1...125 holding registers, in one transaction.
    case readWriteMultipleRegisters = 0x17
    /// Encapsulated interface transport; Orion RT implements MEI type 14, read device identification.
    case encapsulatedInterface = 0x2B

    /// The bit a server sets in the function code of an exception response.
    public static let exceptionBit: UInt8 = 0x80
}
