// A Modbus request PDU as a value: built by a client, encoded to bytes, and decoded and checked by a server.

/// One request PDU. Payloads (coil bits, register values, diagnostic data) stay in the caller's buffer as
/// wire bytes: bits packed least significant first, registers big-endian.
public enum ModbusRequest {
    /// FC 1: `count` coils from `address`.
    case readCoils(address: UInt16, count: UInt16)
    /// FC 2: `count` discrete inputs from `address`.
    case readDiscreteInputs(address: UInt16, count: UInt16)
    /// FC 3: `count` holding registers from `address`.
    case readHoldingRegisters(address: UInt16, count: UInt16)
    /// FC 4: `count` input registers from `address`.
    case readInputRegisters(address: UInt16, count: UInt16)
    /// FC 5: set one coil. `value` is 0xFF00 (on) or 0x0000 (off) in a valid request.
    case writeSingleCoil(address: UInt16, value: UInt16)
    /// FC 6: set one holding register.
    case writeSingleRegister(address: UInt16, value: UInt16)
    /// FC 8: a diagnostics sub-function and its data (two bytes for the counters, any even length for echo).
    case diagnostics(subFunction: UInt16, data: UnsafeRawBufferPointer)
    /// FC 15: `count` coils from `address`, packed in `bits`.
    case writeMultipleCoils(address: UInt16, count: UInt16, bits: UnsafeRawBufferPointer)
    /// FC 16: `count` holding registers from `address`, big-endian in `values`.
    case writeMultipleRegisters(address: UInt16, count: UInt16, values: UnsafeRawBufferPointer)
    /// FC 22: `register = (register & andMask) | (orMask & ~andMask)`.
    case maskWriteRegister(address: UInt16, andMask: UInt16, orMask: UInt16)
    /// FC 23: write `writeCount` registers at `writeAddress` (big-endian `values`), then read `readCount` at
    /// `readAddress`.
    case readWriteMultipleRegisters(readAddress: UInt16, readCount: UInt16, writeAddress: UInt16,
                                    writeCount: UInt16, values: UnsafeRawBufferPointer)
    /// FC 43 / MEI 14: read device identification objects.
    case readDeviceIdentification(code: ModbusDeviceIDCode, objectId: UInt8)

    /// The function code of this request.
    public var function: ModbusFunction {
        switch self {
        case .readCoils: .readCoils
        case .readDiscreteInputs: .readDiscreteInputs
        case .readHoldingRegisters: .readHoldingRegisters
        case .readInputRegisters: .readInputRegisters
        case .writeSingleCoil: .writeSingleCoil
        case .writeSingleRegister: .writeSingleRegister
        case .diagnostics: .diagnostics
        case .writeMultipleCoils: .writeMultipleCoils
        case .writeMultipleRegisters: .writeMultipleRegisters
        case .maskWriteRegister: .maskWriteRegister
        case .readWriteMultipleRegisters: .readWriteMultipleRegisters
        case .readDeviceIdentification: .encapsulatedInterface
        }
    }

    /// The MEI type of read device identification in FC 43.
    public static let meiReadDeviceIdentification: UInt8 = 0x0E

    /// Writes the PDU into `buffer`; returns its length. Quantities are written as given, limits unchecked,
    /// so a client can also send what a server must refuse.
    public func encode(into buffer: UnsafeMutableRawBufferPointer) throws(ModbusFrameError) -> Int {
        var w = ModbusWriter(buffer)
        w.u8(function.rawValue)
        switch self {
        case .readCoils(let a, let n), .readDiscreteInputs(let a, let n),
             .readHoldingRegisters(let a, let n), .readInputRegisters(let a, let n),
             .writeSingleCoil(let a, let n), .writeSingleRegister(let a, let n):
            w.u16(a); w.u16(n)
        case .diagnostics(let sub, let data):
            w.u16(sub); w.bytes(data)
        case .writeMultipleCoils(let a, let n, let payload), .writeMultipleRegisters(let a, let n, let payload):
            w.u16(a); w.u16(n); w.u8(UInt8(truncatingIfNeeded: payload.count)); w.bytes(payload)
        case .maskWriteRegister(let a, let and, let or):
            w.u16(a); w.u16(and); w.u16(or)
        case .readWriteMultipleRegisters(let ra, let rn, let wa, let wn, let values):
            w.u16(ra); w.u16(rn); w.u16(wa); w.u16(wn)
            w.u8(UInt8(truncatingIfNeeded: values.count)); w.bytes(values)
        case .readDeviceIdentification(let code, let object):
            w.u8(Self.meiReadDeviceIdentification); w.u8(code.rawValue); w.u8(object)
        }
        guard !w.overflow, w.count <= ModbusLimits.maxPDU else { throw w.overflow ? .bufferTooSmall : .tooLong }
        return w.count
    }

    /// Decodes and checks a request PDU the way a server must before touching its data: an unknown function
    /// (or diagnostics sub-function is left to the server) gives `illegalFunction`; a quantity outside the
    /// protocol limits, a byte count that does not match the quantity or the PDU length, or a coil value other
    /// than 0xFF00/0x0000 gives `illegalDataValue`. Addresses are checked by the data model, not here.
    // @implements SWR-MODBUS-SERVER-1
    public static func decode(_ pdu: UnsafeRawBufferPointer) throws(ModbusException) -> ModbusRequest {
        guard pdu.count >= 1, pdu.count <= ModbusLimits.maxPDU else { throw .illegalDataValue }
        guard let function = ModbusFunction(rawValue: pdu[0]) else { throw .illegalFunction }
        switch function {
        case .readCoils, .readDiscreteInputs, .readHoldingRegisters, .readInputRegisters:
            guard pdu.count == 5 else { throw .illegalDataValue }
            let address = pdu.modbusU16(1), count = pdu.modbusU16(3)
            let limit = function.rawValue <= 2 ? ModbusLimits.maxReadBits : ModbusLimits.maxReadRegisters
            guard count >= 1, Int(count) <= limit else { throw .illegalDataValue }
            switch function {
            case .readCoils: return .readCoils(address: address, count: count)
            case .readDiscreteInputs: return .readDiscreteInputs(address: address, count: count)
            case .readHoldingRegisters: return .readHoldingRegisters(address: address, count: count)
            default: return .readInputRegisters(address: address, count: count)
            }
        case .writeSingleCoil:
            guard pdu.count == 5 else { throw .illegalDataValue }
            return .writeSingleCoil(address: pdu.modbusU16(1), value: pdu.modbusU16(3))
        case .writeSingleRegister:
            guard pdu.count == 5 else { throw .illegalDataValue }
            return .writeSingleRegister(address: pdu.modbusU16(1), value: pdu.modbusU16(3))
        case .diagnostics:
            guard pdu.count >= 5, pdu.count % 2 == 1 else { throw .illegalDataValue }
            return .diagnostics(subFunction: pdu.modbusU16(1), data: UnsafeRawBufferPointer(rebasing: pdu[3...]))
        case .writeMultipleCoils:
            guard pdu.count >= 6 else { throw .illegalDataValue }
            let count = pdu.modbusU16(3), bytes = Int(pdu[5])
            guard count >= 1, Int(count) <= ModbusLimits.maxWriteBits, bytes == (Int(count) + 7) / 8,
                  pdu.count == 6 + bytes else { throw .illegalDataValue }
            return .writeMultipleCoils(address: pdu.modbusU16(1), count: count,
                                       bits: UnsafeRawBufferPointer(rebasing: pdu[6...]))
        case .writeMultipleRegisters:
            guard pdu.count >= 6 else { throw .illegalDataValue }
            let count = pdu.modbusU16(3), bytes = Int(pdu[5])
            guard count >= 1, Int(count) <= ModbusLimits.maxWriteRegisters, bytes == Int(count) * 2,
                  pdu.count == 6 + bytes else { throw .illegalDataValue }
            return .writeMultipleRegisters(address: pdu.modbusU16(1), count: count,
                                           values: UnsafeRawBufferPointer(rebasing: pdu[6...]))
        case .maskWriteRegister:
            guard pdu.count == 7 else { throw .illegalDataValue }
            return .maskWriteRegister(address: pdu.modbusU16(1), andMask: pdu.modbusU16(3), orMask: pdu.modbusU16(5))
        case .readWriteMultipleRegisters:
            guard pdu.count >= 10 else { throw .illegalDataValue }
            let readCount = pdu.modbusU16(3), writeCount = pdu.modbusU16(7), bytes = Int(pdu[9])
            guard readCount >= 1, Int(readCount) <= ModbusLimits.maxReadWriteReadRegisters,
                  writeCount >= 1, Int(writeCount) <= ModbusLimits.maxReadWriteWriteRegisters,
                  bytes == Int(writeCount) * 2, pdu.count == 10 + bytes else { throw .illegalDataValue }
            return .readWriteMultipleRegisters(readAddress: pdu.modbusU16(1), readCount: readCount,
                                               writeAddress: pdu.modbusU16(5), writeCount: writeCount,
                                               values: UnsafeRawBufferPointer(rebasing: pdu[10...]))
        case .encapsulatedInterface:
            guard pdu.count >= 2, pdu[1] == meiReadDeviceIdentification else { throw .illegalFunction }
            guard pdu.count == 4, let code = ModbusDeviceIDCode(rawValue: pdu[2]) else { throw .illegalDataValue }
            return .readDeviceIdentification(code: code, objectId: pdu[3])
        }
    }
}

/// The access a read device identification request asks for.
public enum ModbusDeviceIDCode: UInt8, Sendable {
    /// Stream access to the basic objects 0x00...0x02.
    case basic = 1
    /// Stream access to the regular objects 0x00...0x06 (basic included).
    case regular = 2
    /// Stream access to the extended objects 0x80...0xFF as well.
    case extended = 3
    /// One object, by id.
    case individual = 4
}

/// Appends bytes to a caller buffer, remembering an overflow instead of trapping.
struct ModbusWriter {
    let buffer: UnsafeMutableRawBufferPointer
    var count = 0
    var overflow = false

    init(_ buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) {
        self.buffer = buffer
        count = offset
    }

    mutating func u8(_ value: UInt8) {
        guard count < buffer.count else { overflow = true; return }
        buffer[count] = value
        count += 1
    }

    mutating func u16(_ value: UInt16) {
        u8(UInt8(truncatingIfNeeded: value >> 8))
        u8(UInt8(truncatingIfNeeded: value))
    }

    mutating func bytes(_ data: UnsafeRawBufferPointer) {
        guard buffer.count - count >= data.count else { overflow = true; return }
        for byte in data { buffer[count] = byte; count += 1 }
    }
}
