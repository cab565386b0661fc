// swift-tools-version: 6.0
// Orion RT: one package for the host (tests, tools) and for bare-metal boards (Embedded Swift).
//
// Host:   swift build / swift test
// Board:  swift build --triple <triple> --toolset Boards/<board>/toolset.json --product orion-app-<app>
//         (what `orion build --board <board> --app <app>` runs; see docs/ARCHITECTURE.md)
import PackageDescription

/// Guest applications: each one is an image entry for every board (`orion run --app NAME`).
let guestApps = ["demo", "fail", "fault", "selftest", "bench", "can-demo", "modbus-demo", "jitter", "soak", "hostile", "ecat-demo", "pn-demo"]

/// Board support written in Swift, one folder per board plus code they share.
let boardSwiftSources = [
    "common/System.swift",
    "common/Exit.swift",
    "common/TaskRuntime.swift",
    "common/TaskArch.swift",
    "common/TaskMemory.swift",
    "common/Syscalls.swift",
    "common/RaspberryPi.swift",
    "common/VirtioNetPCI.swift",
    "arch/riscv64/RISCV64.swift",
    "arch/riscv64/UserTrap.swift",
    "arch/riscv64/AddressSpaces.swift",
    "arch/aarch64/AArch64.swift",
    "arch/aarch64/AArch64UserTrap.swift",
    "arch/aarch64/AArch64AddressSpaces.swift",
    "qemu-virt-aarch64/QemuVirtAArch64.swift",
    "qemu-virt-aarch64/GICv2.swift",
    "qemu-virt-riscv64/QemuVirtRISCV64.swift",
    "qemu-virt-riscv64/PLIC.swift",
    "qemu-virt-riscv64/SBI.swift",
    "raspi3b/Raspi3b.swift",
    "raspi3b/Mailbox.swift",
    "raspi3b/LocalIntc.swift",
    "raspi4b/Raspi4b.swift",
]
/// Boot code and the few C symbols a freestanding image needs.
let boardCSources = [
    "common/libc.c",
    "arch/riscv64/riscv64-trap.S",
    "arch/riscv64/riscv64-tasks.S",
    "arch/riscv64/sv39.c",
    "common/task-storage.c",
    "arch/aarch64/aarch64-vectors.S",
    "arch/aarch64/aarch64-tasks.S",
    "arch/aarch64/aarch64-mmu.c",
    "qemu-virt-aarch64/boot.S",
    "qemu-virt-riscv64/boot.S",
    "raspi3b/boot.S",
    "raspi4b/boot.S",
]
let boardNonSources = [
    "Apps", "linux", "README.md", "arch/aarch64/aarch64-start.inc",
    "qemu-virt-aarch64/link.ld", "qemu-virt-aarch64/toolset.json", "qemu-virt-aarch64/README.md",
    "qemu-virt-riscv64/link.ld", "qemu-virt-riscv64/toolset.json", "qemu-virt-riscv64/ld.lld.sh", "qemu-virt-riscv64/README.md",
    "raspi3b/link.ld", "raspi3b/toolset.json", "raspi3b/README.md",
    "raspi4b/link.ld", "raspi4b/toolset.json", "raspi4b/README.md",
]

let package = Package(
    name: "OrionRT",
    products: [
        .executable(name: "orion", targets: ["orion"]),
        .library(name: "Kernel", targets: ["Kernel"]),
        .library(name: "RealTime", targets: ["RealTime"]),
        .library(name: "Fieldbus", targets: ["Fieldbus"]),
        .executable(name: "orion-fuzz", targets: ["orion-fuzz"]),
    ] + guestApps.map { .executable(name: "orion-app-\($0)", targets: ["App_\($0)"]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // Portable core: plain Swift that also builds as Embedded Swift.
        .target(name: "KernelSupport", path: "Kernel/Support"),
        .target(name: "Kernel", dependencies: ["KernelSupport"], path: "Kernel", exclude: ["Support", "README.md"]),
        .target(name: "RealTime", dependencies: ["Kernel"], path: "RealTime"),
        .target(name: "Fieldbus", dependencies: ["Kernel"], path: "Fieldbus"),

        // Boards: boot assembly + C (BoardBoot) and Swift drivers (Boards).
        .target(
            name: "BoardBoot", path: "Boards",
            exclude: boardNonSources + boardSwiftSources,
            sources: boardCSources, publicHeadersPath: "include"),
        .target(
            name: "Boards", dependencies: ["Kernel", "RealTime", "BoardBoot"], path: "Boards",
            exclude: boardNonSources + boardCSources + ["include"],
            sources: boardSwiftSources),
    ] + guestApps.map {
        .executableTarget(
            name: "App_\($0)", dependencies: ["Kernel", "RealTime", "Fieldbus", "Boards", "BoardBoot"],
            path: "Boards/Apps/\($0)")
    } + [
        // Host tools.
        .target(name: "OrionTool", path: "Tools/OrionTool"),
        .target(name: "SafetyTrace", path: "Safety/Trace", exclude: ["README.md"]),
        .target(name: "HostText", path: "Tools/HostText"),
        .target(name: "SchedTool", dependencies: ["RealTime", "HostText", .product(name: "Yams", package: "Yams")], path: "Tools/SchedTool"),
        // Linux host as a board: SocketCAN raw sockets and libsocketcan interface control.
        .target(name: "CSocketCAN", path: "Boards/linux/CSocketCAN", linkerSettings: [.linkedLibrary("socketcan")]),
        .target(name: "LinuxCAN", dependencies: ["CSocketCAN", "Fieldbus"], path: "Boards/linux/CANSocket"),
        .target(name: "CANTool", dependencies: ["Fieldbus"], path: "Tools/CANTool"),
        // Linux host as a board: Modbus TCP sockets and RTU over termios serial lines.
        .target(name: "CModbusIO", path: "Boards/linux/CModbusIO"),
        .target(name: "LinuxModbus", dependencies: ["CModbusIO", "Fieldbus"], path: "Boards/linux/ModbusIO"),
        .target(name: "ModbusTool", path: "Tools/ModbusTool"),
        // Linux host as a board: EtherCAT over AF_PACKET raw sockets.
        .target(name: "CEtherCATIO", path: "Boards/linux/CEtherCATIO"),
        .target(name: "LinuxEtherCAT", dependencies: ["CEtherCATIO", "Fieldbus"], path: "Boards/linux/EtherCATIO"),
        .target(name: "EtherCATTool", dependencies: ["Fieldbus", "RealTime", "HostText"], path: "Tools/EtherCATTool"),
        // Linux host as a board: PROFINET DCP/RT over AF_PACKET (the raw sockets of CEtherCATIO), RPC over UDP sockets.
        .target(name: "LinuxPROFINET", dependencies: ["CEtherCATIO", "Fieldbus"], path: "Boards/linux/PROFINETIO"),
        // PROFINET IO: device model files, GSDML written and read (the portable stack is Fieldbus/PROFINET).
        .target(name: "PROFINETTool", dependencies: ["Fieldbus", "RealTime", "HostText", .product(name: "Yams", package: "Yams")], path: "Tools/PROFINETTool"),
        // Linux host as a board: cyclictest-style measuring threads (clock_nanosleep, SCHED_FIFO, affinity).
        .target(name: "CJitter", path: "Boards/linux/CJitter"),
        .target(name: "LinuxJitter", dependencies: ["CJitter", "RealTime"], path: "Boards/linux/JitterIO"),
        .target(name: "JitterTool", dependencies: ["RealTime", "HostText"], path: "Tools/JitterTool"),
        // SD card images for the Pis and writing them to cards (`orion image`, `orion flash`).
        .target(name: "ImageTool", path: "Tools/ImageTool"),
        .executableTarget(
            name: "orion",
            dependencies: ["OrionTool", "SafetyTrace", "SchedTool", "CANTool", "LinuxCAN", "ModbusTool", "LinuxModbus", "EtherCATTool", "LinuxEtherCAT", "PROFINETTool", "LinuxPROFINET", "Fieldbus", "JitterTool", "LinuxJitter", "ImageTool",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/orion"),

        // Fuzzing: the targets (a library the corpus replay tests share) and the libFuzzer/replay driver.
        .target(name: "FuzzTargets", dependencies: ["Kernel", "Fieldbus", "CANTool", "SchedTool", "SafetyTrace", "JitterTool", "ImageTool", "EtherCATTool",
                                                "PROFINETTool"],
                path: "Tests/Fuzz/Targets"),
        .executableTarget(name: "orion-fuzz", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/Driver"),

        // Tests, and what several test targets share (host only: Foundation, Process).
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "KernelTests", dependencies: ["Kernel", "TestSupport"], path: "Tests/KernelTests"),
        .testTarget(name: "RealTimeTests", dependencies: ["RealTime"], path: "Tests/RealTimeTests"),
        .testTarget(name: "FieldbusTests", dependencies: ["Fieldbus", "TestSupport"], path: "Tests/FieldbusTests", exclude: ["Fixtures"]),
        .testTarget(name: "SJA1000Tests", dependencies: ["Fieldbus"], path: "Tests/SJA1000Tests"),
        .testTarget(name: "OrionToolTests", dependencies: ["OrionTool", "TestSupport"], path: "Tests/OrionToolTests"),
        .testTarget(name: "SafetyTraceTests", dependencies: ["SafetyTrace", "TestSupport"], path: "Tests/SafetyTraceTests", exclude: ["Fixtures"]),
        .testTarget(name: "SchedToolTests", dependencies: ["SchedTool", "TestSupport"], path: "Tests/SchedToolTests"),
        .testTarget(name: "CANToolTests", dependencies: ["CANTool", "Fieldbus", "TestSupport"], path: "Tests/CANToolTests"),
        .testTarget(name: "JitterToolTests", dependencies: ["JitterTool", "TestSupport"], path: "Tests/JitterToolTests"),
        .testTarget(name: "ImageToolTests", dependencies: ["ImageTool", "OrionTool", "TestSupport"], path: "Tests/ImageToolTests"),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["FuzzTargets"], path: "Tests/FuzzCorpusTests"),
        .testTarget(name: "EtherCATToolTests", dependencies: ["EtherCATTool", "Fieldbus", "RealTime", "TestSupport"], path: "Tests/EtherCATToolTests",
                    exclude: ["Harness"]),
        .testTarget(name: "PROFINETToolTests", dependencies: ["PROFINETTool", "Fieldbus", "TestSupport"], path: "Tests/PROFINETToolTests",
                    exclude: ["Harness"]),
        .testTarget(name: "ModbusToolTests", dependencies: ["ModbusTool", "TestSupport"], path: "Tests/ModbusToolTests", exclude: ["Harness"]),
    ]
)
