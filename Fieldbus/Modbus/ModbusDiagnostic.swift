// The FC 8 diagnostics sub-functions Orion RT's server answers.

/// A diagnostics (FC 8) sub-function code.
public enum ModbusDiagnostic: UInt16, Sendable {
    /// Echo the request data.
    case returnQueryData = 0x00
    /// Zero all counters; echoes the request.
    case clearCounters = 0x0A
    /// `ModbusCounters.busMessages`.
    case busMessageCount = 0x0B
    /// `ModbusCounters.busCommunicationErrors` (CRC errors).
    case busCommunicationErrorCount = 0x0C
    /// `ModbusCounters.busExceptionErrors`.
    case busExceptionErrorCount = 0x0D
    /// `ModbusCounters.serverMessages`.
    case serverMessageCount = 0x0E
    /// `ModbusCounters.serverNoResponse`.
    case serverNoResponseCount = 0x0F
    /// `ModbusCounters.serverNAK`.
    case serverNAKCount = 0x10
    /// `ModbusCounters.serverBusy`.
    case serverBusyCount = 0x11
    /// `ModbusCounters.busCharacterOverrun`.
    case busCharacterOverrunCount = 0x12
}
