// The boards `orion` knows: how each is built (triple, toolset) and booted (QEMU machine, image format).

import Foundation

/// A board `orion build` and `orion run` can target.
public struct BoardSpec: Sendable, Equatable {
    /// Folder name under `Boards/`, and the `--board` value.
    public let name: String
    /// `aarch64` or `riscv64`.
    public let arch: String
    /// The Embedded Swift target triple.
    public let triple: String
    /// The QEMU system emulator binary.
    public let qemuBinary: String
    /// The Debian package that provides `qemuBinary`.
    public let qemuPackage: String
    /// `-M` value (and `-cpu` where needed) as QEMU arguments.
    public let machineArguments: [String]
    /// Whether QEMU gets a raw binary (`kernel8.img`) rather than the ELF.
    public let needsRawImage: Bool
    /// CPU count and memory fixed by the machine (nil when `-smp`/`-m` may change them).
    public let fixedCPUs: Int?
    /// Memory in MiB fixed by the machine.
    public let fixedMemoryMiB: Int?
    /// Firmware file QEMU needs to boot this board (OpenSBI for riscv64), if any.
    public let firmware: String?
    /// Where the board's QEMU comes from: the system's (on PATH), or one unpacked into Orion's cache.
    public var qemuSource: QEMUSource = .system
    /// The devicetree the board's firmware passes, which `orion run` passes with `-dtb` (nil: none, or
    /// QEMU makes its own, as on the virt machines).
    public var firmwareDevicetree: CachedFile?
    /// The board's second serial port for an application protocol (`modbus-demo`): QEMU's second
    /// `-serial`, nil when the board has none.
    public var secondSerialPort: String?

    /// The `-M` machine name.
    public var machine: String { machineArguments[1] }
}

/// Where a board's QEMU is found.
public enum QEMUSource: Sendable, Equatable {
    /// The system's QEMU, `qemuBinary` on PATH, from the Debian package `qemuPackage`.
    case system
    /// A newer QEMU unpacked side by side (not installed) into a folder of Orion's cache by a setup script.
    case cache(CachedQEMU)
}

/// A QEMU that a setup script unpacks into Orion's cache (`~/.cache/orion-rt/FOLDER/root`, Tools/fetch-debs).
public struct CachedQEMU: Sendable, Equatable {
    /// The folder under the cache (`qemu-10`).
    public let folder: String
    /// The QEMU version it provides, as users name it (`QEMU 10`).
    public let release: String
    /// The Debian suite it comes from (`bookworm-backports`).
    public let suite: String
    /// The Debian package whose version `versions.tsv` records (`qemu-system-arm`).
    public let package: String
    /// The command that installs it, run from the checkout (`Tools/setup-qemu10`).
    public let setupCommand: String
}

/// A file that a setup script unpacks into a folder of Orion's cache (the Raspberry Pi devicetrees).
public struct CachedFile: Sendable, Equatable {
    /// The folder under the cache (`raspi-dtbs`).
    public let folder: String
    /// The file's name; it is looked for below `FOLDER/root` at `pattern` (a path with one `*` folder).
    public let name: String
    /// The path below `FOLDER/root` of the folder holding it; `*` stands for one folder name
    /// (`usr/lib/linux-image-*/broadcom`, the kernel version).
    public let pattern: String
    /// The command that fetches it, run from the checkout.
    public let setupCommand: String
}

/// Every board, default first.
public enum BoardCatalog {
    /// The board used when `--board` is not given.
    public static let defaultBoard = "qemu-virt-aarch64"
    /// The application used when `--app` is not given.
    public static let defaultApp = "demo"

    /// All boards in the order `orion boards` prints them.
    public static let all: [BoardSpec] = [
        BoardSpec(
            name: "qemu-virt-aarch64", arch: "aarch64", triple: "aarch64-none-none-elf",
            qemuBinary: "qemu-system-aarch64", qemuPackage: "qemu-system-arm",
            machineArguments: ["-M", "virt", "-cpu", "cortex-a53", "-semihosting"],
            needsRawImage: false, fixedCPUs: nil, fixedMemoryMiB: nil, firmware: nil),
        BoardSpec(
            name: "qemu-virt-riscv64", arch: "riscv64", triple: "riscv64-none-none-eabi",
            qemuBinary: "qemu-system-riscv64", qemuPackage: "qemu-system-misc",
            machineArguments: ["-M", "virt", "-bios", "default"],
            needsRawImage: false, fixedCPUs: nil, fixedMemoryMiB: nil,
            firmware: "opensbi-riscv64-generic-fw_dynamic.bin"),
        BoardSpec(
            name: "raspi3b", arch: "aarch64", triple: "aarch64-none-none-elf",
            qemuBinary: "qemu-system-aarch64", qemuPackage: "qemu-system-arm",
            machineArguments: ["-M", "raspi3b", "-semihosting"],
            needsRawImage: true, fixedCPUs: 4, fixedMemoryMiB: 1024, firmware: nil,
            secondSerialPort: "BCM2837 mini UART"),
        // QEMU 7.2 has no raspi4b machine (QEMU 9.0 added it): it boots in QEMU 10 from bookworm-backports.
        BoardSpec(
            name: "raspi4b", arch: "aarch64", triple: "aarch64-none-none-elf",
            qemuBinary: "qemu-system-aarch64", qemuPackage: "qemu-system-arm",
            machineArguments: ["-M", "raspi4b", "-semihosting"],
            needsRawImage: true, fixedCPUs: 4, fixedMemoryMiB: 2048, firmware: nil,
            qemuSource: .cache(CachedQEMU(folder: "qemu-10", release: "QEMU 10", suite: "bookworm-backports",
                                          package: "qemu-system-arm", setupCommand: "Tools/setup-qemu10")),
            firmwareDevicetree: CachedFile(folder: "raspi-dtbs", name: "bcm2711-rpi-4-b.dtb",
                                           pattern: "usr/lib/linux-image-*/broadcom", setupCommand: "Tools/setup-qemu10"),
            secondSerialPort: "BCM2711 mini UART"),
    ]

    /// The board called `name`, or nil.
    public static func board(named name: String) -> BoardSpec? {
        all.first { $0.name == name }
    }

    /// The guest applications, from the folders under `Boards/Apps` of the package at `root`.
    public static func apps(root: URL) -> [String] {
        let folder = root.appendingPathComponent("Boards/Apps")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }
}

extension BoardCatalog {
    /// QEMU arguments an application implies (the devices it drives), placed before the user's `--qemu-arg`s.
    /// `can-demo` needs two Kvaser PCIcan cards (SJA1000) on one emulated CAN bus, so it runs only on boards
    /// with PCIe (the virt machines); elsewhere this throws, before anything is built. `modbus-demo` serves
    /// Modbus RTU on the board's second serial port (the mini UART of raspi3b and raspi4b), QEMU's second
    /// `-serial`, which becomes a host pty (QEMU prints `char device redirected to /dev/pts/N (label serial1)`
    /// on stderr, which `orion run` passes through). `soak` drives the same two CAN cards where the machine
    /// has PCIe (the virt boards), and elsewhere (the Pis) carries Modbus RTU frames between two of its own
    /// tasks, with no device.
    /// `ecat-demo` and `pn-demo` need a modern virtio-net NIC (PCIe: the virt boards) attached to the host tap
    /// device `tap`, where the EtherCAT segment or the PROFINET controller is (QEMU opens the tap, creating it when
    /// it does not exist; that needs root).
    public static func impliedQEMUArguments(app: String, board: BoardSpec, tap: String = defaultTap) throws -> [String] {
        switch app {
        case "ecat-demo", "pn-demo":
            guard board.machine == "virt" else {
                throw OrionError("app '\(app)' needs PCIe for its virtio-net NIC, which \(board.name) does not have: use --board qemu-virt-aarch64 or --board qemu-virt-riscv64")
            }
            try checkTapName(tap)
            return ["-netdev", "tap,id=ecat0,ifname=\(tap),script=no,downscript=no",
                    "-device", "virtio-net-pci,netdev=ecat0,disable-legacy=on"]
        case "can-demo":
            guard board.machine == "virt" else {
                throw OrionError("app 'can-demo' needs PCIe for its two kvaser_pci CAN cards, which \(board.name) does not have: use --board qemu-virt-aarch64 or --board qemu-virt-riscv64")
            }
            return canBusArguments
        case "soak":
            return board.machine == "virt" ? canBusArguments : []
        case "modbus-demo":
            guard board.secondSerialPort != nil else {
                let boards = all.filter { $0.secondSerialPort != nil }.map { "--board \($0.name)" }.joined(separator: " or ")
                throw OrionError("app 'modbus-demo' serves Modbus RTU on the BCM2835 mini UART, which \(board.name) does not have: use \(boards)")
            }
            return ["-serial", "pty"]
        default:
            return []
        }
    }

    /// The tap device the NIC of `ecat-demo` and `pn-demo` is attached to unless `orion run --tap` names another.
    public static let defaultTap = "ectap0"

    /// A Linux interface name QEMU's option syntax cannot misread: 1 to 15 of letters, digits, `_`, `-`, `.`.
    public static func checkTapName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D || c == 0x2E
        }
        guard (1...15).contains(name.utf8.count), allowed, name != ".", name != ".." else {
            throw OrionError("--tap: '\(name)' is not an interface name (1 to 15 letters, digits, '_', '-' or '.')")
        }
    }

    /// One emulated CAN bus with two Kvaser PCIcan cards (SJA1000) on it.
    static let canBusArguments = ["-object", "can-bus,id=canbus0",
                                  "-device", "kvaser_pci,canbus=canbus0",
                                  "-device", "kvaser_pci,canbus=canbus0"]
}
