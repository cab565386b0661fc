// A small seeded pseudo-random generator: SplitMix64 (Steele, Lea & Flood, OOPSLA 2014). Deterministic
// across platforms, so a seed reproduces a simulation or a randomized test exactly; no allocation.

/// SplitMix64: a 64-bit state advanced by a Weyl increment and mixed by two multiply-xorshift rounds.
public struct SplitMix64: Sendable, Equatable {
    /// The generator state (the seed at first).
    public var state: UInt64

    /// A generator started from `seed` (every seed, including 0, gives a full-period sequence).
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value drawn uniformly from `low ... high` (rejection sampling, so no modulo bias); `low` when
    /// `high < low`.
    public mutating func uniform(_ low: UInt64, _ high: UInt64) -> UInt64 {
        guard high > low else { return low }
        let span = high - low
        if span == UInt64.max { return next() }
        let n = span + 1
        // Values below `threshold` would make some residues more likely than others.
        let threshold = (0 &- n) % n
        while true {
            let r = next()
            if r >= threshold { return low + r % n }
        }
    }
}
