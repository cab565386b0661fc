// Errors of the Linux Modbus transports, with a message a user can act on.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a socket or serial operation failed.
public enum ModbusIOError: Error, Equatable, Sendable {
    /// No reply (or no complete frame) within the timeout.
    case timeout
    /// The peer closed the connection.
    case closed
    /// A serial setting this host cannot apply (baud rate, parity, stop bits).
    case badSetting(String)
    /// The peer sent a stream this side cannot follow (an MBAP length field outside 2...254).
    case malformed(String)
    /// Any other system error, with the operation that failed.
    case system(operation: String, errno: Int32)

    public var message: String {
        switch self {
        case .timeout: return "timed out"
        case .closed: return "connection closed by the peer"
        case .badSetting(let what): return what
        case .malformed(let what): return "malformed reply: \(what)"
        case .system(let operation, let code): return "\(operation): \(String(cString: strerror(code)))"
        }
    }

    static func from(_ code: Int32, _ operation: String) -> ModbusIOError {
        -code == ETIMEDOUT ? .timeout : .system(operation: operation, errno: -code)
    }
}
