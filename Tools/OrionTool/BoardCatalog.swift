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

    /// The `-M` machine name.
    public var machine: String { machineArguments[1] }
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
            needsRawImage: true, fixedCPUs: 4, fixedMemoryMiB: 1024, firmware: nil),
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
    /// Modbus RTU on raspi3b's mini UART, QEMU's second `-serial`, which becomes a host pty (QEMU prints
    /// `char device redirected to /dev/pts/N (label serial1)` on stderr, which `orion run` passes through).
    /// `soak` drives the same two CAN cards where the machine has PCIe (the virt boards), and elsewhere (raspi3b)
    /// carries Modbus RTU frames between two of its own tasks, with no device.
    public static func impliedQEMUArguments(app: String, board: BoardSpec) throws -> [String] {
        switch app {
        case "can-demo":
            guard board.machine == "virt" else {
                throw OrionError("app 'can-demo' needs PCIe for its two kvaser_pci CAN cards, which \(board.name) does not have: use --board qemu-virt-aarch64 or --board qemu-virt-riscv64")
            }
            return canBusArguments
        case "soak":
            return board.machine == "virt" ? canBusArguments : []
        case "modbus-demo":
            guard board.machine == "raspi3b" else {
                throw OrionError("app 'modbus-demo' serves Modbus RTU on the BCM2835 mini UART, which \(board.name) does not have: use --board raspi3b")
            }
            return ["-serial", "pty"]
        default:
            return []
        }
    }

    /// One emulated CAN bus with two Kvaser PCIcan cards (SJA1000) on it.
    static let canBusArguments = ["-object", "can-bus,id=canbus0",
                                  "-device", "kvaser_pci,canbus=canbus0",
                                  "-device", "kvaser_pci,canbus=canbus0"]
}
