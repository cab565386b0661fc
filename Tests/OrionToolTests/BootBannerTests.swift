// Parsing the boot banner and assembling QEMU command lines, without booting anything.

import Foundation
import Testing
@testable import OrionTool
import TestSupport

@Suite("Boot banner and QEMU arguments")
struct BootBannerTests {
    @Test func parsesABanner() throws {
        let banner = try #require(BootBanner(line: "Orion RT 0.1.0 board=qemu-virt-aarch64 arch=aarch64 cpus=2 mem=256MiB timer=62500000Hz console=arm,pl011@0x9000000\r"))
        #expect(banner.version == "0.1.0")
        #expect(banner.board == "qemu-virt-aarch64")
        #expect(banner.arch == "aarch64")
        #expect(banner.cpus == 2)
        #expect(banner.memoryMiB == 256)
        #expect(banner.timerHz == 62_500_000)
        #expect(banner.consoleCompatible == "arm,pl011")
        #expect(banner.consoleBase == 0x0900_0000)
    }

    @Test(arguments: [
        "",
        "Orion RT 0.1.0 board=x arch=x86 cpus=1 mem=1MiB timer=1Hz console=a@0x1",
        "Orion RT 0.1.0 board=x arch=aarch64 cpus=one mem=1MiB timer=1Hz console=a@0x1",
        "Orion RT 0.1.0 board=x arch=aarch64 cpus=1 mem=1MB timer=1Hz console=a@0x1",
        "Orion RT 0.1.0 board=x arch=aarch64 cpus=1 mem=1MiB timer=1Hz console=a",
        "Orion RT 0.1.0 arch=aarch64 board=x cpus=1 mem=1MiB timer=1Hz console=a@0x1",
        "Orion RT 0.1.0 board=x arch=aarch64 cpus=1 mem=1MiB timer=1Hz console=a@0x1 extra",
    ])
    func rejectsMalformedBanners(_ line: String) {
        #expect(BootBanner(line: line) == nil)
    }

    @Test func findsTheBannerInATranscript() {
        let transcript = "OpenSBI v1.2\r\nBoot HART ID: 0\r\nOrion RT 0.1.0 board=qemu-virt-riscv64 arch=riscv64 cpus=3 mem=512MiB timer=10000000Hz console=ns16550a@0x10000000\r\ndemo: ok\r\n"
        #expect(BootBanner.first(in: transcript)?.cpus == 3)
        #expect(BootBanner.first(in: "nothing here") == nil)
    }

    @Test func qemuArgumentsCarryTheOptions() throws {
        let board = try #require(BoardCatalog.board(named: "qemu-virt-aarch64"))
        let args = try QEMU.arguments(board: board, image: URL(fileURLWithPath: "/tmp/k.elf"),
                                      options: BootOptions(cpus: 2, memoryMiB: 256, icount: true, extraArguments: ["-d", "int"]))
        #expect(args == ["-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
                         "-M", "virt", "-cpu", "cortex-a53", "-semihosting",
                         "-smp", "2", "-m", "256M", "-icount", "shift=0,sleep=off", "-kernel", "/tmp/k.elf", "-d", "int"])
    }

    @Test func raspi3bRefusesOtherCPUCountsAndMemory() throws {
        let board = try #require(BoardCatalog.board(named: "raspi3b"))
        let image = URL(fileURLWithPath: "/tmp/kernel8.img")
        #expect(throws: OrionError.self) { try QEMU.arguments(board: board, image: image, options: BootOptions(cpus: 2)) }
        #expect(throws: OrionError.self) { try QEMU.arguments(board: board, image: image, options: BootOptions(memoryMiB: 512)) }
        let args = try QEMU.arguments(board: board, image: image, options: BootOptions(cpus: 4, memoryMiB: 1024))
        #expect(args.contains("raspi3b"))
    }

    @Test func badOptionValuesAreErrors() throws {
        let board = try #require(BoardCatalog.board(named: "qemu-virt-riscv64"))
        let image = URL(fileURLWithPath: "/tmp/k.elf")
        #expect(throws: OrionError.self) { try QEMU.arguments(board: board, image: image, options: BootOptions(cpus: 0)) }
        #expect(throws: OrionError.self) { try QEMU.arguments(board: board, image: image, options: BootOptions(memoryMiB: 1)) }
    }

    @Test func everyBoardHasAFolderWithToolsetAndLinkerScript() throws {
        let root = TestPaths.packageRoot
        for board in BoardCatalog.all {
            for file in ["toolset.json", "link.ld", "boot.S", "README.md"] {
                let path = root.appendingPathComponent("Boards/\(board.name)/\(file)").path
                #expect(FileManager.default.fileExists(atPath: path), "\(path) is missing")
            }
        }
        #expect(BoardCatalog.apps(root: root).contains(BoardCatalog.defaultApp))
    }

    /// Every board image is Embedded Swift with the heap ruled out, linked by its own script.
    @Test func everyToolsetBuildsEmbeddedWithoutAllocations() throws {
        let root = TestPaths.packageRoot
        for board in BoardCatalog.all {
            let data = try Data(contentsOf: root.appendingPathComponent("Boards/\(board.name)/toolset.json"))
            let toolset = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let swiftFlags = try #require((toolset["swiftCompiler"] as? [String: Any])?["extraCLIOptions"] as? [String])
            #expect(swiftFlags.contains("-no-allocations"), "\(board.name)")
            #expect(zip(swiftFlags, swiftFlags.dropFirst()).contains { $0 == "-enable-experimental-feature" && $1 == "Embedded" })
            let linkerFlags = try #require((toolset["linker"] as? [String: Any])?["extraCLIOptions"] as? [String])
            #expect(zip(linkerFlags, linkerFlags.dropFirst()).contains { $0 == "-T" && $1 == "Boards/\(board.name)/link.ld" })
        }
    }
}
