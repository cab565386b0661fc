// `orion pn device --alarm TYPE:SLOT[.SUBSLOT][@SECONDS]`: an alarm the device raises that long after its AR
// reached cyclic data (process, diagnosis, pull, plug), for commissioning a controller's alarm handling the way a
// test button on a real device does.

import Fieldbus

/// One scheduled alarm.
public struct PNScheduledAlarm: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case process, diagnosis, pull, plug
    }

    public var kind: Kind
    public var slot: UInt16
    public var subslot: UInt16
    /// From the AR's first cyclic data, in milliseconds.
    public var afterMs: UInt64

    public init(kind: Kind, slot: UInt16, subslot: UInt16 = 1, afterMs: UInt64 = 1000) {
        self.kind = kind
        self.slot = slot
        self.subslot = subslot
        self.afterMs = afterMs
    }

    /// The longest delay taken (a day).
    public static let maxAfterMs: UInt64 = 86_400_000

    /// Reads `TYPE:SLOT[.SUBSLOT][@SECONDS]` (seconds with up to three decimals; default 1). The message names
    /// what is wrong.
    public static func parse(_ text: String) throws(PNAlarmArgumentError) -> PNScheduledAlarm {
        guard text.utf8.count <= 64 else { throw PNAlarmArgumentError("'\(text.prefix(64))...' is too long") }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])) else {
            throw PNAlarmArgumentError("'\(text)': expected TYPE:SLOT[.SUBSLOT][@SECONDS] with TYPE one of "
                                       + Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let timed = parts[1].split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let place = timed[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let slot = UInt16(place[0]), slot <= 0x7FFF else {
            throw PNAlarmArgumentError("'\(text)': the slot must be a number 0...32767")
        }
        var subslot: UInt16 = 1
        if place.count == 2 {
            let s = place[1]
            let value = s.lowercased().hasPrefix("0x") ? UInt16(s.dropFirst(2), radix: 16) : UInt16(s)
            guard let value, value != 0 else { throw PNAlarmArgumentError("'\(text)': the subslot must be 1...0xFFFF") }
            subslot = value
        }
        var afterMs: UInt64 = 1000
        if timed.count == 2 {
            guard let ms = milliseconds(timed[1]), ms <= maxAfterMs else {
                throw PNAlarmArgumentError("'\(text)': the delay must be seconds 0...86400 (e.g. @2 or @0.5)")
            }
            afterMs = ms
        }
        return PNScheduledAlarm(kind: kind, slot: slot, subslot: subslot, afterMs: afterMs)
    }

    /// "2", "0.5", "1.250" as milliseconds; nil for anything else.
    static func milliseconds(_ s: Substring) -> UInt64? {
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !parts[0].isEmpty, parts[0].count <= 6, parts[0].allSatisfy(\.isASCII), let whole = UInt64(parts[0]) else { return nil }
        var fraction: UInt64 = 0
        if parts.count == 2 {
            let f = parts[1]
            guard !f.isEmpty, f.count <= 3, f.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt64(f) else { return nil }
            fraction = v * [1, 100, 10, 1][f.count]
        }
        return whole * 1000 + fraction
    }

    /// The argument again (`parse(text) == self`).
    public var text: String {
        let seconds = afterMs % 1000 == 0 ? "\(afterMs / 1000)" : "\(afterMs / 1000)." + String(String(afterMs % 1000 + 1000).dropFirst())
        return "\(kind.rawValue):\(slot).\(subslot)@\(seconds)"
    }
}

public struct PNAlarmArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
