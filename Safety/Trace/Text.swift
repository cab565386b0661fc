// Text helpers on UTF-8 bytes: the trace reads tens of thousands of files' lines, and Foundation's
// CharacterSet trimming and Character iteration dominated its time.

/// The lines of `text`, split at `\n`, each without a trailing `\r` (so CRLF files read like LF files).
func sourceLines(_ text: String) -> [String] {
    text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { bytes in
        let line = bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes
        return String(decoding: line, as: UTF8.self)
    }
}

/// `s` without leading and trailing spaces and tabs.
func trimmed<S: StringProtocol>(_ s: S) -> String {
    let bytes = Substring(s).utf8
    guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
    let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
    return String(decoding: bytes[first...last], as: UTF8.self)
}

/// `s` without leading and trailing `character`s (an ASCII character).
func trimmed<S: StringProtocol>(_ s: S, of character: Unicode.Scalar) -> String {
    let c = UInt8(character.value)
    let bytes = Substring(s).utf8
    guard let first = bytes.firstIndex(where: { $0 != c }) else { return "" }
    let last = bytes.lastIndex(where: { $0 != c })!
    return String(decoding: bytes[first...last], as: UTF8.self)
}

/// ASCII letter or digit.
@inline(__always) func isASCIIAlphanumeric(_ b: UInt8) -> Bool {
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
}

/// The runs of `s` whose bytes satisfy `isWord` (non-ASCII bytes always count as word bytes).
func words(_ s: String, isWord: (UInt8) -> Bool) -> [String] {
    s.utf8.split(whereSeparator: { $0 < 0x80 && !isWord($0) }).map { String(decoding: $0, as: UTF8.self) }
}
