// What a Modbus server asks of whoever owns its data: a task, a driver, or the bounded ModbusDataTable.

/// The four Modbus data tables.
public enum ModbusTable: Sendable {
    /// Read/write bits (FC 1, 5, 15).
    case coils
    /// Read-only bits (FC 2).
    case discreteInputs
    /// Read/write registers (FC 3, 6, 16, 22, 23).
    case holdingRegisters
    /// Read-only registers (FC 4).
    case inputRegisters
}

/// The data behind a `ModbusServer`. The server decodes and checks each request, then calls these with
/// quantities already within the protocol limits; an implementation checks addresses (throwing
/// `illegalDataAddress` for any part of the range it does not hold, before changing anything) and may throw
/// `serverDeviceFailure` or `serverDeviceBusy`. Used as a generic parameter, never as an existential.
public protocol ModbusServerHooks {
    /// Packs `count` bits of `table` (coils or discrete inputs) from `address` into `packed`, least
    /// significant bit first, unused high bits of the last byte zero. `packed` holds `(count + 7) / 8` bytes.
    mutating func readBits(_ table: ModbusTable, address: UInt16, count: Int,
                           into packed: UnsafeMutableRawBufferPointer) throws(ModbusException)

    /// Stores `count` registers of `table` (holding or input) from `address` into `bigEndian`, two bytes each.
    mutating func readRegisters(_ table: ModbusTable, address: UInt16, count: Int,
                                into bigEndian: UnsafeMutableRawBufferPointer) throws(ModbusException)

    /// Sets `count` coils from `address` to the bits packed in `packed`, least significant bit first.
    mutating func writeCoils(address: UInt16, count: Int, packed: UnsafeRawBufferPointer) throws(ModbusException)

    /// Sets `count` holding registers from `address` to the big-endian values in `bigEndian`.
    mutating func writeHoldingRegisters(address: UInt16, count: Int,
                                        bigEndian: UnsafeRawBufferPointer) throws(ModbusException)

    /// The value of device identification object `id` (0x00 vendor name, 0x01 product code, 0x02 revision,
    /// 0x03...0x06 regular, 0x80...0xFF extended), or nil when the device does not have it. The bytes must
    /// stay valid until the response is built.
    func deviceIdentificationObject(_ id: UInt8) -> UnsafeRawBufferPointer?
}
