// A seed for the tag scanner: tags before functions, types, attributes and nested closures.

struct Pump {
    /// Starts the pump.
    // @implements SWR-PUMP-1
    // @implements SWR-PUMP-2@3
    public mutating func start(rate: Int) -> Bool {
        guard rate > 0 else { return false }
        return { rate < 100 }()
    }

    // @implements SWR-PUMP-3
    @inline(__always) static func stop() {}
}

@Suite struct PumpTests {
    // @verifies SWR-PUMP-1
    @Test(arguments: [1, 2]) func starts(_ n: Int) {}

    /* @verifies SWR-PUMP-3 */
    @Test func stops() {}
}
