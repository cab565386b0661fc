// Modbus RTU framing: server address, PDU, CRC-16 low byte first; and the silent intervals that delimit frames.

/// RTU application data units (MODBUS over Serial Line V1.02, sections 2.5.1 and 6.2).
public enum ModbusRTU {
    /// The address a client sends to every server at once; servers execute writes and do not answer.
    public static let broadcastAddress: UInt8 = 0
    /// Highest individual server address (248...255 are reserved).
    public static let maxServerAddress: UInt8 = 247
    /// Smallest RTU frame: address, function code, two CRC bytes.
    public static let minFrame = 4

    /// One RTU frame taken apart; `pdu` points into the decoded bytes.
    public struct Frame {
        /// Server address: 0 broadcast, 1...247 a server.
        public var address: UInt8
        /// Function code and data.
        public var pdu: UnsafeRawBufferPointer
    }

    /// Writes `address`, `pdu` and the CRC into `buffer`; returns the frame length.
    public static func encode(address: UInt8, pdu: UnsafeRawBufferPointer,
                              into buffer: UnsafeMutableRawBufferPointer) throws(ModbusFrameError) -> Int {
        guard pdu.count >= 1, pdu.count <= ModbusLimits.maxPDU else { throw .tooLong }
        let length = pdu.count + 3
        guard buffer.count >= length else { throw .bufferTooSmall }
        buffer[0] = address
        for i in 0..<pdu.count { buffer[1 + i] = pdu[i] }
        appendCRC(buffer, bodyLength: pdu.count + 1)
        return length
    }

    /// Appends the CRC of the `bodyLength` bytes at the start of `buffer` after them (for a PDU built in place
    /// at offset 1); returns the frame length. The buffer must hold `bodyLength + 2` bytes.
    @discardableResult
    public static func appendCRC(_ buffer: UnsafeMutableRawBufferPointer, bodyLength: Int) -> Int {
        let crc = ModbusCRC.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<bodyLength]))
        buffer[bodyLength] = UInt8(truncatingIfNeeded: crc)
        buffer[bodyLength + 1] = UInt8(truncatingIfNeeded: crc >> 8)
        return bodyLength + 2
    }

    /// Takes one complete frame (as delimited by a 3.5-character silence) apart, checking its CRC.
    // @implements SWR-MODBUS-FRAME-1
    public static func decode(_ frame: UnsafeRawBufferPointer) throws(ModbusFrameError) -> Frame {
        guard frame.count >= minFrame else { throw .truncated }
        guard frame.count <= ModbusLimits.maxRTUADU else { throw .tooLong }
        let body = frame.count - 2
        let crc = ModbusCRC.checksum(UnsafeRawBufferPointer(rebasing: frame[0..<body]))
        guard UInt16(frame[body]) | UInt16(frame[body + 1]) << 8 == crc else { throw .badCRC }
        return Frame(address: frame[0], pdu: UnsafeRawBufferPointer(rebasing: frame[1..<body]))
    }

    /// Bits per character on the line: start, 8 data, parity or second stop bit, stop.
    public static let bitsPerCharacter: UInt64 = 11

    /// The silence that ends a frame (t3.5), in nanoseconds: 3.5 character times, rounded up, and a fixed
    /// 1750 µs above 19200 baud.
    public static func interFrameDelayNs(baud: Int) -> UInt64 {
        guard baud > 0 else { return 0 }
        if baud > 19200 { return 1_750_000 }
        return ceilDiv(35 * bitsPerCharacter * 100_000_000, UInt64(baud))
    }

    /// The longest silence allowed inside a frame (t1.5), in nanoseconds: 1.5 character times, rounded up,
    /// and a fixed 750 µs above 19200 baud.
    public static func interCharacterTimeoutNs(baud: Int) -> UInt64 {
        guard baud > 0 else { return 0 }
        if baud > 19200 { return 750_000 }
        return ceilDiv(15 * bitsPerCharacter * 100_000_000, UInt64(baud))
    }

    /// The time one character takes on the line, in nanoseconds, rounded up.
    public static func characterTimeNs(baud: Int) -> UInt64 {
        guard baud > 0 else { return 0 }
        return ceilDiv(bitsPerCharacter * 1_000_000_000, UInt64(baud))
    }

    static func ceilDiv(_ a: UInt64, _ b: UInt64) -> UInt64 { (a + b - 1) / b }
}
