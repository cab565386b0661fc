// What the Raspberry Pi boards (raspi3b, raspi4b) share: their PL011 console routed to the header pins.

#if arch(arm64)
import Kernel

enum RaspberryPi {
    /// The PL011's reference clock as the image's config.txt sets it (`init_uart_clock=48000000`), and the console rate.
    static let uartClockHz: UInt32 = 48_000_000
    static let consoleBaud: UInt32 = 115_200

    /// Puts the PL011 on the header's GPIO 14/15 (function ALT0) at 115200 8N1, and takes it off the Bluetooth
    /// modem's GPIO 32/33 (ALT3), so it is wired to the header pins only. A real Pi's firmware gives GPIO 14/15 to
    /// the mini UART unless `dtoverlay=disable-bt` applies, which it cannot with Debian's devicetrees (built
    /// without `__symbols__`): the board selects the pins itself, as bare-metal Pi code does. QEMU takes the same
    /// writes (its GPIO block models GPFSEL; its UARTs ignore pins and rates). The GPIO block and the PL011 sit
    /// 0x20_0000 and 0x20_1000 above the peripheral base on every Pi.
    static func routeConsoleToHeaderPins(peripheralBase: UInt) {
        let gpio = BCMGPIO(base: peripheralBase + 0x20_0000)
        gpio.select(.input, pin: 32)
        gpio.select(.input, pin: 33)
        gpio.select(.alt0, pin: 14)
        gpio.select(.alt0, pin: 15)
        PL011(base: peripheralBase + 0x20_1000).configure(baud: consoleBaud, clockHz: uartClockHz)
    }
}
#endif
