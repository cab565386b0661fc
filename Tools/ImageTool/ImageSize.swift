// The `--size` of an SD card image: a power of two (QEMU's SD card model refuses other sizes) between
// 64 MiB and 2 GiB, written with a K, M or G suffix (binary units) or in bytes.

import Foundation

/// A validated image size.
public struct ImageSize: Sendable, Equatable, CustomStringConvertible {
    /// The size in bytes.
    public let bytes: Int

    /// The smallest image: FAT32 needs at least 65525 clusters (about 33 MiB at 512 bytes each) after the
    /// partition's 4 MiB offset, and the next power of two is 64 MiB.
    public static let minimum = 64 << 20
    /// The largest image: a boot partition never needs more, and the file is written whole.
    public static let maximum = 2 << 30
    /// The default, `64M`.
    public static let standard = ImageSize(checked: 64 << 20)
    /// The range as --help and errors state it.
    public static let rangeText = "a power of two from 64M to 2G"

    init(checked bytes: Int) { self.bytes = bytes }

    /// Parses `64M`, `1G`, `32768K` or plain bytes; throws a message naming the value and the range.
    public init(parsing text: String) throws(ImageToolError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var digits = Substring(trimmed)
        var unit = 1
        if digits.hasSuffix("iB") { digits = digits.dropLast(2) }
        if let last = digits.last, !last.isNumber, digits.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }), digits.count > 1 {
            switch last {
            case "K", "k": unit = 1 << 10
            case "M", "m": unit = 1 << 20
            case "G", "g": unit = 1 << 30
            default: throw ImageToolError("--size: '\(text)' has an unknown unit (use K, M or G; \(Self.rangeText))")
            }
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else {
            throw ImageToolError("--size: '\(text)' is not a size (\(Self.rangeText), e.g. 64M)")
        }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow, bytes >= Self.minimum, bytes <= Self.maximum else {
            throw ImageToolError("--size: '\(text)' is out of range (\(Self.rangeText))")
        }
        guard bytes & (bytes - 1) == 0 else {
            throw ImageToolError("--size: '\(text)' is not a power of two (QEMU's SD card needs one; \(Self.rangeText))")
        }
        self.bytes = bytes
    }

    /// `64M`, `1G`.
    public var description: String {
        bytes >= 1 << 30 && bytes % (1 << 30) == 0 ? "\(bytes >> 30)G" : "\(bytes >> 20)M"
    }
}

/// Bad input to the image and flash logic: the message for the user (the CLI prints it and exits 2).
public struct ImageToolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, naming the input.
    public let message: String
    /// Exit status: 2 bad input or refusal, 1 the checked property failed (verify).
    public let exitStatus: Int32
    /// An error with `message`.
    public init(_ message: String, exitStatus: Int32 = 2) {
        self.message = message
        self.exitStatus = exitStatus
    }
    public var description: String { message }
}
