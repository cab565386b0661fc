// A Modbus response PDU as a value: decoded and checked by a client.

/// One response PDU. Payloads point into the caller's buffer as wire bytes: bits packed least significant
/// first, registers big-endian.
public enum ModbusResponse {
    /// FC 1 or 2: `bytes` packed bits (the byte count the server sent).
    case bits(function: ModbusFunction, bytes: UnsafeRawBufferPointer)
    /// FC 3, 4 or 23: `bytes` big-endian registers.
    case registers(function: ModbusFunction, bytes: UnsafeRawBufferPointer)
    /// FC 5 or 6: the echo of the address and value written.
    case writeSingle(function: ModbusFunction, address: UInt16, value: UInt16)
    /// FC 15 or 16: the address and quantity written.
    case writeMultiple(function: ModbusFunction, address: UInt16, count: UInt16)
    /// FC 22: the echo of the request.
    case maskWriteRegister(address: UInt16, andMask: UInt16, orMask: UInt16)
    /// FC 8: the sub-function and its data (the echo, or a counter as two bytes).
    case diagnostics(subFunction: UInt16, data: UnsafeRawBufferPointer)
    /// FC 43/14: one part of the device identification.
    case deviceIdentification(ModbusDeviceIdentification)
    /// An exception response: the function code asked for (bit 7 cleared) and the exception code as sent.
    case exception(function: UInt8, code: UInt8)

    /// The exception, when this is an exception response with a code this stack knows.
    public var exception: ModbusException? {
        if case .exception(_, let code) = self { return ModbusException(rawValue: code) }
        return nil
    }

    /// Decodes a response PDU, checking that its byte counts agree with its length. Throws `badLength` for
    /// a PDU whose structure does not hold together and `truncated` for one too short for its function.
    // @implements SWR-MODBUS-CLIENT-1
    public static func decode(_ pdu: UnsafeRawBufferPointer) throws(ModbusFrameError) -> ModbusResponse {
        guard pdu.count >= 1 else { throw .truncated }
        guard pdu.count <= ModbusLimits.maxPDU else { throw .tooLong }
        if pdu[0] & ModbusFunction.exceptionBit != 0 {
            guard pdu.count == 2 else { throw pdu.count < 2 ? .truncated : .badLength }
            return .exception(function: pdu[0] & ~ModbusFunction.exceptionBit, code: pdu[1])
        }
        guard let function = ModbusFunction(rawValue: pdu[0]) else { throw .badLength }
        switch function {
        case .readCoils, .readDiscreteInputs, .readHoldingRegisters, .readInputRegisters,
             .readWriteMultipleRegisters:
            guard pdu.count >= 2 else { throw .truncated }
            let bytes = Int(pdu[1])
            guard pdu.count >= 2 + bytes else { throw .truncated }
            guard pdu.count == 2 + bytes else { throw .badLength }
            let data = UnsafeRawBufferPointer(rebasing: pdu[2...])
            if function.rawValue <= 2 { return .bits(function: function, bytes: data) }
            guard bytes % 2 == 0 else { throw .badLength }
            return .registers(function: function, bytes: data)
        case .writeSingleCoil, .writeSingleRegister, .writeMultipleCoils, .writeMultipleRegisters:
            guard pdu.count >= 5 else { throw .truncated }
            guard pdu.count == 5 else { throw .badLength }
            if function == .writeSingleCoil || function == .writeSingleRegister {
                return .writeSingle(function: function, address: pdu.modbusU16(1), value: pdu.modbusU16(3))
            }
            return .writeMultiple(function: function, address: pdu.modbusU16(1), count: pdu.modbusU16(3))
        case .maskWriteRegister:
            guard pdu.count >= 7 else { throw .truncated }
            guard pdu.count == 7 else { throw .badLength }
            return .maskWriteRegister(address: pdu.modbusU16(1), andMask: pdu.modbusU16(3), orMask: pdu.modbusU16(5))
        case .diagnostics:
            guard pdu.count >= 5 else { throw .truncated }
            guard pdu.count % 2 == 1 else { throw .badLength }
            return .diagnostics(subFunction: pdu.modbusU16(1), data: UnsafeRawBufferPointer(rebasing: pdu[3...]))
        case .encapsulatedInterface:
            return .deviceIdentification(try ModbusDeviceIdentification.decode(pdu))
        }
    }
}

/// The objects of one read device identification response (FC 43 / MEI 14), still in wire form.
public struct ModbusDeviceIdentification {
    /// The access the request asked for.
    public var code: UInt8
    /// The server's conformity level (0x01...0x03, with 0x80 when it also allows individual access).
    public var conformityLevel: UInt8
    /// Whether more objects follow in another transaction (stream access only).
    public var moreFollows: Bool
    /// The object id to ask for next when `moreFollows`.
    public var nextObjectId: UInt8
    /// How many objects `objects` holds.
    public var objectCount: Int
    /// The objects: id, length, value, one after another.
    public var objects: UnsafeRawBufferPointer

    /// The object ids standardised by the specification.
    public enum Object: UInt8, Sendable {
        /// Vendor name (basic, mandatory).
        case vendorName = 0x00
        /// Product code (basic, mandatory).
        case productCode = 0x01
        /// Major and minor revision (basic, mandatory).
        case majorMinorRevision = 0x02
        /// Vendor URL (regular).
        case vendorURL = 0x03
        /// Product name (regular).
        case productName = 0x04
        /// Model name (regular).
        case modelName = 0x05
        /// User application name (regular).
        case userApplicationName = 0x06
    }

    /// The value of object `id`, when this response holds it.
    public func object(_ id: UInt8) -> UnsafeRawBufferPointer? {
        var offset = 0
        while offset + 2 <= objects.count {
            let length = Int(objects[offset + 1])
            if objects[offset] == id {
                return UnsafeRawBufferPointer(rebasing: objects[(offset + 2)..<(offset + 2 + length)])
            }
            offset += 2 + length
        }
        return nil
    }

    /// Decodes the PDU of a read device identification response, checking that the object list fills it.
    public static func decode(_ pdu: UnsafeRawBufferPointer) throws(ModbusFrameError) -> ModbusDeviceIdentification {
        guard pdu.count >= 7 else { throw .truncated }
        guard pdu[0] == ModbusFunction.encapsulatedInterface.rawValue,
              pdu[1] == ModbusRequest.meiReadDeviceIdentification else { throw .badLength }
        let count = Int(pdu[6])
        var offset = 7
        for _ in 0..<count {
            guard offset + 2 <= pdu.count else { throw .truncated }
            offset += 2 + Int(pdu[offset + 1])
            guard offset <= pdu.count else { throw .truncated }
        }
        guard offset == pdu.count else { throw .badLength }
        return ModbusDeviceIdentification(
            code: pdu[2], conformityLevel: pdu[3], moreFollows: pdu[4] == 0xFF, nextObjectId: pdu[5],
            objectCount: count, objects: UnsafeRawBufferPointer(rebasing: pdu[7...]))
    }
}
