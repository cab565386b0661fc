// Problems `orion jitter` reports about its inputs (histogram files): where, and what is wrong.

/// A problem with an input: a file that cannot be read, or a line in it that is not what cyclictest writes.
///
/// `description` is `path:line: message` when the line is known, `path: message` when only the file is,
/// and the bare message otherwise; it carries no "error:" prefix (the CLI adds its own).
public struct JitterToolError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file, as given on the command line (nil when the problem concerns no file).
    public var path: String?
    /// The 1-based line in `path` (nil when the problem concerns the whole file).
    public var line: Int?
    /// What is wrong.
    public var message: String

    public init(path: String? = nil, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        switch (path, line) {
        case let (path?, line?): return "\(path):\(line): \(message)"
        case let (path?, nil): return "\(path): \(message)"
        case let (nil, line?): return "line \(line): \(message)"
        case (nil, nil): return message
        }
    }
}
