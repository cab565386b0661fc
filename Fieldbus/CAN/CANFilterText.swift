// candump's filter syntax read from UTF-8 bytes without allocating: `id:mask`, `id~mask`, `#errmask`, `j`.

/// What is wrong with a filter text, and where (a 0-based byte offset into the text given to the parser).
public struct CANFilterParseError: Error, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A hex digit was expected here (an empty id, mask or error mask, or another character).
        case expectedHexDigit
        /// A ninth hex digit: ids, masks and error masks are 32-bit values written in at most 8 digits.
        case tooManyDigits
        /// After the id, `:` (match) or `~` (inverted match) was expected.
        case expectedSeparator
        /// After a complete item, only `,` (next item) or the end of the text may follow.
        case expectedComma
        /// An empty item (two commas in a row, or a comma at either end).
        case emptyItem
        /// More id/mask filters than `CANFilterSet.capacity`.
        case tooManyFilters
    }

    public var kind: Kind
    /// Offset of the offending byte (the text's length when the text ended too early).
    public var position: Int

    public init(_ kind: Kind, at position: Int) {
        self.kind = kind
        self.position = position
    }
}

/// candump's filter syntax: a comma-separated list of
/// - `<id>:<mask>`: accept when `rx_id & mask == id & mask`;
/// - `<id>~<mask>`: accept when it does not (`CAN_INV_FILTER`);
/// - `#<error mask>`: deliver the error frames of these classes (`CAN_RAW_ERR_FILTER`);
/// - `j` or `J`: join the filters (a frame must pass all of them).
///
/// Ids and masks are hex, 1 to 8 digits; an id written with exactly 8 digits selects extended frames
/// (`CAN_EFF_FLAG` is added to the id, as candump does); the error flag is cleared from every mask.
/// Without any id/mask item the set keeps SocketCAN's default filter (everything).
public enum CANFilterText {
    /// Parses `text` (UTF-8 bytes, the part after `interface,` in candump's argument) into a filter set.
    // @implements SWR-CAN-FILTER-2
    public static func parse(_ text: UnsafeBufferPointer<UInt8>) throws(CANFilterParseError) -> CANFilterSet {
        var set = CANFilterSet()
        var sawFilter = false
        var i = 0
        let n = text.count
        if n == 0 { throw CANFilterParseError(.emptyItem, at: 0) }
        while true {
            guard i < n, text[i] != UInt8(ascii: ",") else { throw CANFilterParseError(.emptyItem, at: i) }
            let c = text[i]
            if c == UInt8(ascii: "j") || c == UInt8(ascii: "J") {
                set.joined = true
                i += 1
            } else if c == UInt8(ascii: "#") {
                let (value, end) = try hex(text, from: i + 1)
                set.errorMask = CANErrorClass(rawValue: value)
                i = end
            } else {
                let start = i
                var (id, end) = try hex(text, from: i)
                guard end < n, text[end] == UInt8(ascii: ":") || text[end] == UInt8(ascii: "~") else {
                    throw CANFilterParseError(.expectedSeparator, at: end)
                }
                let inverted = text[end] == UInt8(ascii: "~")
                if end - start == 8 { id |= CANFrame.extendedFlag }
                if inverted { id |= CANFilter.invertFlag }
                let (mask, maskEnd) = try hex(text, from: end + 1)
                if !sawFilter {
                    set.removeAll()
                    sawFilter = true
                }
                guard set.append(CANFilter(id: id, mask: mask & ~CANFrame.errorFlag)) else {
                    throw CANFilterParseError(.tooManyFilters, at: start)
                }
                i = maskEnd
            }
            if i == n { return set }
            guard text[i] == UInt8(ascii: ",") else { throw CANFilterParseError(.expectedComma, at: i) }
            i += 1
        }
    }

    /// Parses the bytes of a string (a convenience for hosts; the parser itself is allocation-free).
    public static func parse(_ text: StaticString) throws(CANFilterParseError) -> CANFilterSet {
        let buffer = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        return try parse(buffer)
    }

    /// Reads 1...8 hex digits from `start`; returns the value and the offset after the last digit.
    static func hex(_ text: UnsafeBufferPointer<UInt8>, from start: Int) throws(CANFilterParseError) -> (UInt32, Int) {
        var value: UInt32 = 0
        var i = start
        while i < text.count, let digit = hexValue(text[i]) {
            guard i - start < 8 else { throw CANFilterParseError(.tooManyDigits, at: i) }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        guard i > start else { throw CANFilterParseError(.expectedHexDigit, at: start) }
        return (value, i)
    }

    /// The value of one hex digit, or nil.
    @inlinable
    public static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
