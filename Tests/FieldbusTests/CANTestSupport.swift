// Helpers shared by the Fieldbus tests: frames from byte arrays, text from sinks, a recording link.

import Fieldbus
import Kernel

/// A classic or FD data frame from an array (test convenience).
func frame(_ id: UInt32, _ bytes: [UInt8], extended: Bool? = nil, fd: Bool = false) throws -> CANFrame {
    try bytes.withUnsafeBufferPointer { buffer throws(CANFrameError) in
        try CANFrame(id: id, extended: extended, fd: fd, data: buffer)
    }
}

/// The payload of a frame as an array.
func payload(_ f: CANFrame) -> [UInt8] {
    (0..<Int(f.length)).map { f.byte($0) }
}

/// Collects what a ByteSink receives as a String.
struct StringSink: ByteSink {
    var bytes: [UInt8] = []
    mutating func put(_ byte: UInt8) { bytes.append(byte) }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Parses candump filter text from a Swift string.
func parseFilters(_ text: String) throws(CANFilterParseError) -> CANFilterSet {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBufferPointer { buffer throws(CANFilterParseError) in
        try CANFilterText.parse(buffer)
    }
}

/// A link that records every frame it is given, with the time the test says it is, and can refuse frames.
struct RecordingLink: CANFrameLink {
    var frames: [CANFrame] = []
    var times: [UInt64] = []
    var now: UInt64 = 0
    /// How many of the next send calls to refuse.
    var refuseNext = 0

    mutating func send(_ frame: inout CANFrame) -> Bool {
        if refuseNext > 0 {
            refuseNext -= 1
            return false
        }
        frames.append(frame)
        times.append(now)
        return true
    }

    /// Takes the recorded frames out.
    mutating func take() -> [CANFrame] {
        defer { frames.removeAll() }
        return frames
    }
}
