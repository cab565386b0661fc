// The exception codes a Modbus server answers with when it cannot carry out a request.

/// A Modbus exception code: the one byte after the function code (with bit 7 set) of an exception response.
/// It is also the typed error the PDU decoder and the server hooks throw.
public enum ModbusException: UInt8, Error, Sendable {
    /// The function code (or diagnostics sub-function, or MEI type) is not supported.
    case illegalFunction = 0x01
    /// The addressed data lies (partly) outside the server's data model.
    case illegalDataAddress = 0x02
    /// A value in the request is not allowed: quantity out of limits, byte count mismatch, bad coil value.
    case illegalDataValue = 0x03
    /// The server failed while carrying out the request.
    case serverDeviceFailure = 0x04
    /// The server is busy with a long-running command; the client should retry later.
    case serverDeviceBusy = 0x06
    /// A gateway found no path to the target unit.
    case gatewayPathUnavailable = 0x0A
    /// A gateway's target unit did not respond.
    case gatewayTargetFailedToRespond = 0x0B
}
