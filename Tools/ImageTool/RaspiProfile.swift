// What an SD card for each Raspberry Pi holds: the firmware files, the devicetree the firmware passes to the
// kernel, and the config.txt lines that boot Orion RT with its console on the PL011.

/// The SD card layout of one Raspberry Pi board.
public struct RaspiProfile: Sendable, Equatable {
    /// The `--board` name (`raspi3b`, `raspi4b`).
    public let board: String
    /// Firmware files from Debian's raspi-firmware (`usr/lib/raspi-firmware`), copied to the card as they are.
    public let firmwareFiles: [String]
    /// Firmware files of the other Pi generation, which this card must not carry (the wrong firmware boots nothing).
    public let foreignFirmwareFiles: [String]
    /// The devicetree from Debian's arm64 kernel package (`usr/lib/linux-image-*/broadcom/`).
    public let devicetree: String
    /// config.txt lines particular to the board.
    let boardConfig: [String]

    /// The Raspberry Pi 3 Model B (BCM2837): bootcode.bin loads start.elf/fixup.dat from the card.
    /// The firmware gives GPIO 14/15 to the mini UART; the board moves them to the PL011 itself. The mini UART's
    /// baud clock is the core clock, which `core_freq=250` fixes (the 250 MHz modbus-demo assumes).
    public static let raspi3b = RaspiProfile(
        board: "raspi3b",
        firmwareFiles: ["bootcode.bin", "start.elf", "fixup.dat"],
        foreignFirmwareFiles: ["start4.elf", "fixup4.dat"],
        devicetree: "bcm2837-rpi-3-b.dtb",
        boardConfig: ["core_freq=250"])

    /// The Raspberry Pi 4 Model B (BCM2711): the boot ROM reads the EEPROM bootloader, which loads
    /// start4.elf/fixup4.dat (no bootcode.bin). The core clock varies unless pinned (`core_freq_min=500`), which
    /// the mini UART's baud rate needs.
    public static let raspi4b = RaspiProfile(
        board: "raspi4b",
        firmwareFiles: ["start4.elf", "fixup4.dat"],
        foreignFirmwareFiles: ["bootcode.bin", "start.elf", "fixup.dat"],
        devicetree: "bcm2711-rpi-4-b.dtb",
        boardConfig: ["core_freq=500", "core_freq_min=500"])

    /// Every Pi `orion image` knows.
    public static let all = [raspi3b, raspi4b]

    /// The profile of `board`, or nil when the board boots from no SD card.
    public static func named(_ board: String) -> RaspiProfile? { all.first { $0.board == board } }

    /// The kernel's file name on the card.
    public static let kernelFile = "kernel8.img"
    /// The manifest's file name on the card.
    public static let manifestFile = "orion.txt"
    /// The firmware's configuration file.
    public static let configFile = "config.txt"

    /// The PL011's reference clock (Hz) and the console's rate. The Pi boards route the PL011 to GPIO 14/15 and
    /// program its divisors for 115200 8N1 from a 48 MHz clock (Boards/common/RaspberryPi.swift); these lines make
    /// the firmware run the UART clock at the 48 MHz the kernel assumes.
    public static let uartClockHz = 48_000_000
    /// The console's baud rate.
    public static let consoleBaud = 115_200

    /// config.txt: 64-bit kernel, the UART on, its 48 MHz clock, the kernel and the devicetree by name. No
    /// `dtoverlay=disable-bt`: Debian's devicetrees carry no `__symbols__`, so the firmware could not apply it
    /// (and there is no overlays/ folder on the card); the kernel routes the PL011 to the header pins itself.
    // @implements SWR-FLASH-IMAGE-1
    public func configText() -> String {
        var lines = [
            "# Orion RT boot configuration for \(board), written by orion image.",
            "arm_64bit=1",
            "kernel=\(Self.kernelFile)",
            "device_tree=\(devicetree)",
            "enable_uart=1",
            "init_uart_clock=\(Self.uartClockHz)",
            "init_uart_baud=\(Self.consoleBaud)",
        ]
        lines += boardConfig
        return lines.joined(separator: "\n") + "\n"
    }

    /// The console the card's devicetree names: Debian's (mainline) Pi devicetrees say `stdout-path =
    /// "serial1:115200n8"`, the mini UART that sits on GPIO 14/15 by default; Orion moves the PL011 (alias serial0)
    /// there and makes it its console, so the copy on the card names serial0.
    public static let stdoutPath = "serial0:115200n8"

    /// Every file the card holds, in the order they are copied.
    public var cardFiles: [String] {
        firmwareFiles + [devicetree, Self.configFile, Self.kernelFile, Self.manifestFile]
    }
}
