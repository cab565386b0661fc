// The diagnostic counters of a Modbus server, as FC 8 sub-functions 0x0B...0x12 report them.

/// Event counters of a server (MODBUS over Serial Line V1.02, section 6.1.1). Each wraps at 65535 as the
/// 16-bit fields FC 8 reports them in.
public struct ModbusCounters: Equatable, Sendable {
    /// Messages seen (sub-function 0x0B): every frame received, addressed to this server or not, intact or not.
    public var busMessages: UInt16 = 0
    /// CRC errors (sub-function 0x0C).
    public var busCommunicationErrors: UInt16 = 0
    /// Exception responses sent (sub-function 0x0D).
    public var busExceptionErrors: UInt16 = 0
    /// Messages addressed to this server or broadcast (sub-function 0x0E).
    public var serverMessages: UInt16 = 0
    /// Messages addressed to this server that got no response: broadcasts (sub-function 0x0F).
    public var serverNoResponse: UInt16 = 0
    /// Negative acknowledgements sent (sub-function 0x10; this server sends none).
    public var serverNAK: UInt16 = 0
    /// Busy exceptions sent (sub-function 0x11).
    public var serverBusy: UInt16 = 0
    /// Characters lost to overruns (sub-function 0x12), counted by the transport.
    public var busCharacterOverrun: UInt16 = 0
    /// Frames dropped for a fault other than the CRC: too short, too long, bad MBAP header. Not in FC 8.
    public var badFrames: UInt16 = 0

    /// All counters zero.
    public init() {}
}
