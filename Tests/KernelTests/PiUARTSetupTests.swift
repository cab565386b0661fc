// The Raspberry Pi boards route their PL011 console to GPIO 14/15 and set its rate themselves: the GPFSEL
// field arithmetic and the PL011 divisors, checked against the values the BCM and Arm manuals give.

import Testing
@testable import Kernel

@Suite("Pi UART setup")
struct PiUARTSetupTests {
    /// 48 MHz / (16 × 115200) = 26.0417: IBRD 26, FBRD round(0.0417 × 64) = 3 (the PL011 TRM's own example
    /// uses a 4 MHz clock and 230400 baud: 1.085 → IBRD 1, FBRD 5).
    @Test func pl011Divisors() {
        #expect(PL011.baudDivisors(baud: 115_200, clockHz: 48_000_000)! == (26, 3))
        #expect(PL011.baudDivisors(baud: 230_400, clockHz: 4_000_000)! == (1, 5))
        #expect(PL011.baudDivisors(baud: 9_600, clockHz: 48_000_000)! == (312, 32))
        // Rates the divisor cannot express are refused, not wrapped.
        #expect(PL011.baudDivisors(baud: 0, clockHz: 48_000_000) == nil)
        #expect(PL011.baudDivisors(baud: 4_000_000, clockHz: 48_000_000) == nil)
        #expect(PL011.baudDivisors(baud: 1, clockHz: 48_000_000) == nil)
        #expect(PL011.baudDivisors(baud: UInt32.max, clockHz: UInt32.max) == nil)
    }

    /// GPIO 14 and 15 live in GPFSEL1 (offset 4) at bits 12-14 and 15-17; ALT0 is 0b100 and other pins keep theirs.
    @Test func gpioFunctionFields() {
        #expect(BCMGPIO.functionField(pin: 14)! == (4, 12))
        #expect(BCMGPIO.functionField(pin: 15)! == (4, 15))
        #expect(BCMGPIO.functionField(pin: 0)! == (0, 0))
        #expect(BCMGPIO.functionField(pin: 57)! == (0x14, 21))
        #expect(BCMGPIO.functionField(pin: 58) == nil)
        #expect(BCMGPIO.functionField(pin: -1) == nil)
        var gpfsel1: UInt32 = 0xFFFF_FFFF
        gpfsel1 = BCMGPIO.selecting(.alt0, pin: 14, in: gpfsel1)
        gpfsel1 = BCMGPIO.selecting(.alt0, pin: 15, in: gpfsel1)
        #expect(gpfsel1 == 0xFFFF_FFFF & ~(0o77 << 12) | 0o44 << 12)
        #expect(BCMGPIO.selecting(.alt5, pin: 14, in: 0) == 0b010 << 12)
        #expect(BCMGPIO.selecting(.alt0, pin: 99, in: 0x1234) == 0x1234)
    }
}
