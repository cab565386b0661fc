// Why an RTU or TCP frame could not be taken apart.

/// A framing fault found while decoding an RTU or TCP ADU (before any PDU is looked at).
public enum ModbusFrameError: Error, Equatable, Sendable {
    /// Fewer bytes than the smallest frame, or than the MBAP length field announces.
    case truncated
    /// The RTU CRC does not match the frame.
    case badCRC
    /// The MBAP length field is below 2 (unit id and function code) or above 254 (unit id and 253-byte PDU),
    /// or bytes follow the announced frame.
    case badLength
    /// The MBAP protocol identifier is not 0 (Modbus).
    case badProtocolId
    /// More bytes than the largest ADU of the framing.
    case tooLong
    /// The caller's output buffer cannot hold the frame.
    case bufferTooSmall
}
