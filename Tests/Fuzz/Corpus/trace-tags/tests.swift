import Testing

struct MotorTests {
    // @verifies SWR-A
    @Test(arguments: [1, 2])
    func motorStarts(_ n: Int) {}

    /*
     * @verifies SWR-B@2
     */
    @Test func motorStops() {}
}
