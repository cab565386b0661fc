// Errors `orion` reports to the user, each with the exit status it maps to.

/// A failure the CLI turns into a message on stderr and an exit status.
public struct OrionError: Error, CustomStringConvertible, Sendable {
    /// The message for the human (no "error:" prefix).
    public let message: String
    /// The process exit status.
    public let exitStatus: Int32

    /// An error that exits with `exitStatus` (2 = bad usage or input, unless said otherwise).
    public init(_ message: String, exitStatus: Int32 = 2) {
        self.message = message
        self.exitStatus = exitStatus
    }

    public var description: String { message }
}
