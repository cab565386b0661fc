// Counter ticks to nanoseconds: the one conversion the kernel and the tasks share, so a task that reads the
// counter itself (`Sys.now()`, no system call) gets exactly the kernel's time.

/// Converts ticks of a counter running at a fixed frequency to nanoseconds, ⌊ticks · 10⁹ / frequency⌋.
/// When a tick is a whole number of nanoseconds (QEMU's 62.5 MHz: 16; 10 MHz: 100) that is one
/// multiplication; otherwise (a Raspberry Pi's 19.2 or 54 MHz) whole seconds and the remainder are
/// converted separately, two divisions, so nothing overflows for counters up to 1 GHz.
///
/// The whole clock is one word, `encoded`, which the kernel hands to every task in a register
/// (TPIDRRO_EL0 on aarch64, `tp` on riscv64): nanoseconds per tick, or the frequency with bit 63 set.
public struct CounterClock: Equatable, Sendable {
    /// Nanoseconds per tick when that is whole, else the frequency in hertz with bit 63 set.
    public let encoded: UInt64

    /// The flag that marks `encoded` as a frequency.
    static var frequencyFlag: UInt64 { 1 << 63 }

    /// The clock of a counter at `frequencyHz` (1 Hz ... 1 GHz; outside that range it is clamped).
    public init(frequencyHz: UInt64) {
        let hz = min(max(frequencyHz, 1), 1_000_000_000)
        encoded = 1_000_000_000 % hz == 0 ? 1_000_000_000 / hz : hz | Self.frequencyFlag
    }

    /// Nanoseconds in `ticks` (a counter value, or a difference of two).
    @inline(__always)
    public func nanoseconds(ticks: UInt64) -> UInt64 {
        Self.nanoseconds(ticks: ticks, encoded: encoded)
    }

    /// Nanoseconds in `ticks` for the clock `encoded` (what a task computes from the word the kernel gave it).
    @inline(__always)
    public static func nanoseconds(ticks: UInt64, encoded: UInt64) -> UInt64 {
        if encoded & frequencyFlag == 0 { return ticks &* encoded }
        let hz = encoded & ~frequencyFlag
        return ticks / hz &* 1_000_000_000 &+ ticks % hz &* 1_000_000_000 / hz
    }

    /// The first tick count whose time is at least `ns` (so a timer armed for it never fires early),
    /// ⌈ns · frequency / 10⁹⌉.
    public func ticks(atNs ns: UInt64) -> UInt64 {
        if encoded & Self.frequencyFlag == 0 {
            return ns / encoded &+ (ns % encoded == 0 ? 0 : 1)
        }
        let hz = encoded & ~Self.frequencyFlag
        return ns / 1_000_000_000 &* hz &+ (ns % 1_000_000_000 &* hz &+ 999_999_999) / 1_000_000_000
    }
}
