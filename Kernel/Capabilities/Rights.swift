// Access rights a capability carries: read, write and grant (the seL4 rights, reduced to three bits).

/// What a capability lets its holder do with the object it names: a set of three rights.
/// It has OptionSet's names, but not the conformance: OptionSet brings `init(arrayLiteral:)`, whose
/// variadic Array is refused under Embedded Swift's `-no-allocations`. Combine rights with `union`.
public struct Rights: BitFlags, Hashable, Sendable {
    /// The bits: 0 read, 1 write, 2 grant; higher bits never occur.
    public let rawValue: UInt8

    /// Rights from a bit pattern; bits that name no right are dropped.
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0b111 }

    /// Receive from an endpoint or queue, wait on a notification, read the audit log.
    public static let read = Rights(rawValue: 1 << 0)
    /// Send or call, signal a notification, act on a task object.
    public static let write = Rights(rawValue: 1 << 1)
    /// Derive from this capability: copy, mint or move it.
    public static let grant = Rights(rawValue: 1 << 2)
    /// Read, write and grant.
    public static let all = Rights(rawValue: 0b111)

    /// Whether every right in `other` is also in `self` (the same as `contains`).
    public func isSuperset(of other: Rights) -> Bool { contains(other) }
}
