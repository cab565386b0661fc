// candump's `IF[,filter...]` arguments: the interface name and its filter set (the portable core's
// CANFilterText parses the filters; errors come back with the position in the whole argument).

import Fieldbus

/// One `orion can dump` interface argument.
public struct CANDumpTarget: Sendable {
    public var interface: String
    /// SocketCAN id/mask pairs to install (nil: keep the default, all data frames).
    public var filters: [(id: UInt32, mask: UInt32)]?
    /// CAN_RAW_ERR_FILTER (0: no error frames).
    public var errorMask: UInt32
    /// CAN_RAW_JOIN_FILTERS.
    public var joined: Bool

    /// Parses `can0`, `can0,123:7FF,400~700,#FFFFFFFF,j`, `any,0~0,#FFFFFFFF`.
    public static func parse(_ argument: String) throws(CANSyntaxError) -> CANDumpTarget {
        let bytes = Array(argument.utf8)
        guard let comma = bytes.firstIndex(of: UInt8(ascii: ",")) else {
            if let problem = CANInterfaceName.problem(argument) { throw CANSyntaxError(position: 0, reason: problem) }
            return CANDumpTarget(interface: argument, filters: nil, errorMask: 0, joined: false)
        }
        guard comma > 0 else { throw CANSyntaxError(position: 0, reason: "missing interface name before the filters") }
        let name = String(decoding: bytes[0..<comma], as: UTF8.self)
        if let problem = CANInterfaceName.problem(name) { throw CANSyntaxError(position: 0, reason: problem) }
        // Filter errors come back as byte offsets; the caret counts characters.
        let nameCharacters = name.count
        let rest = Array(bytes[(comma + 1)...])
        do throws(CANFilterParseError) {
            var set = try rest.withUnsafeBufferPointer { (buffer) throws(CANFilterParseError) -> CANFilterSet in
                try CANFilterText.parse(buffer)
            }
            // The set always holds the full list (SocketCAN's default 0:0 when only `#mask` or `j` was given).
            var pairs: [(id: UInt32, mask: UInt32)] = []
            for i in 0..<set.count { pairs.append((set[i].id, set[i].mask)) }
            return CANDumpTarget(interface: name, filters: pairs, errorMask: set.errorMask.rawValue, joined: set.joined)
        } catch {
            let before = String(decoding: rest[0..<min(error.position, rest.count)], as: UTF8.self).count
            throw CANSyntaxError(position: nameCharacters + 1 + before, reason: describe(error.kind))
        }
    }

    static func describe(_ kind: CANFilterParseError.Kind) -> String {
        switch kind {
        case .expectedHexDigit: return "expected a hex digit"
        case .tooManyDigits: return "more than 8 hex digits"
        case .expectedSeparator: return "expected ':' (match) or '~' (inverted match) after the CAN id"
        case .expectedComma: return "expected ',' before the next filter"
        case .emptyItem: return "empty filter"
        case .tooManyFilters: return "too many filters (at most \(CANFilterSet.capacity))"
        }
    }
}
