// Modbus TCP framing: the 7-byte MBAP header (transaction id, protocol id 0, length, unit id) before the PDU.

/// TCP application data units (MODBUS Messaging on TCP/IP Implementation Guide V1.0b, section 3.1.3).
public enum ModbusTCP {
    /// Bytes of the MBAP header, unit id included.
    public static let headerLength = 7
    /// Unit id a server answers as itself when it is not a gateway (libmodbus answers 0xFF and 0 too).
    public static let directUnitId: UInt8 = 0xFF
    /// The registered port.
    public static let port: UInt16 = 502

    /// One TCP ADU taken apart; `pdu` points into the decoded bytes.
    public struct Frame {
        /// Transaction id, echoed by the server so the client can match the response.
        public var transactionId: UInt16
        /// Unit id: the server behind a gateway, or 0xFF / 0 for the server itself.
        public var unitId: UInt8
        /// Function code and data.
        public var pdu: UnsafeRawBufferPointer
    }

    /// The whole ADU length announced by a header, once at least `headerLength` bytes of a stream arrived:
    /// what a stream reader waits for before calling `decode`.
    // @implements SWR-MODBUS-FRAME-2
    public static func frameLength(header: UnsafeRawBufferPointer) throws(ModbusFrameError) -> Int {
        guard header.count >= headerLength else { throw .truncated }
        guard header.modbusU16(2) == 0 else { throw .badProtocolId }
        let length = Int(header.modbusU16(4))
        guard length >= 2, length <= ModbusLimits.maxPDU + 1 else { throw .badLength }
        return 6 + length
    }

    /// Takes one complete ADU apart: protocol id 0, a length field of 2...254 that matches the bytes given.
    // @implements SWR-MODBUS-FRAME-2
    public static func decode(_ frame: UnsafeRawBufferPointer) throws(ModbusFrameError) -> Frame {
        let length = try frameLength(header: frame)
        guard frame.count >= length else { throw .truncated }
        guard frame.count == length else { throw .badLength }
        return Frame(transactionId: frame.modbusU16(0), unitId: frame[6],
                     pdu: UnsafeRawBufferPointer(rebasing: frame[headerLength..<length]))
    }

    /// Writes the MBAP header for a PDU of `pduLength` bytes at the start of `buffer`; returns the ADU length.
    /// Build the PDU in place at offset `headerLength`, or use `encode`.
    @discardableResult
    public static func writeHeader(transactionId: UInt16, unitId: UInt8, pduLength: Int,
                                   into buffer: UnsafeMutableRawBufferPointer) -> Int {
        buffer.modbusSetU16(0, transactionId)
        buffer.modbusSetU16(2, 0)
        buffer.modbusSetU16(4, UInt16(truncatingIfNeeded: pduLength + 1))
        buffer[6] = unitId
        return headerLength + pduLength
    }

    /// Writes header and `pdu` into `buffer`; returns the ADU length.
    public static func encode(transactionId: UInt16, unitId: UInt8, pdu: UnsafeRawBufferPointer,
                              into buffer: UnsafeMutableRawBufferPointer) throws(ModbusFrameError) -> Int {
        guard pdu.count >= 1, pdu.count <= ModbusLimits.maxPDU else { throw .tooLong }
        guard buffer.count >= headerLength + pdu.count else { throw .bufferTooSmall }
        for i in 0..<pdu.count { buffer[headerLength + i] = pdu[i] }
        return writeHeader(transactionId: transactionId, unitId: unitId, pduLength: pdu.count, into: buffer)
    }
}
