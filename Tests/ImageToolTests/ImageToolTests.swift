// Unit tests of ImageTool: sizes, config.txt, the manifest, MBR reading, the mount and swap tables, the
// refusals against a fake sysfs, progress lines, and writing with the read-back check.

import Foundation
import Testing
@testable import ImageTool
import TestSupport

@Suite("ImageTool")
struct ImageToolTests {
    @Test func sizesParseWithUnitsAndStayPowersOfTwoInRange() throws {
        #expect(try ImageSize(parsing: "64M").bytes == 64 << 20)
        #expect(try ImageSize(parsing: "128m").bytes == 128 << 20)
        #expect(try ImageSize(parsing: "1G").bytes == 1 << 30)
        #expect(try ImageSize(parsing: "2GiB").bytes == 2 << 30)
        #expect(try ImageSize(parsing: "65536K").bytes == 64 << 20)
        #expect(try ImageSize(parsing: String(256 << 20)).bytes == 256 << 20)
        #expect(ImageSize.standard.description == "64M")
        #expect(try ImageSize(parsing: "1G").description == "1G")
        for bad in ["", "M", "abc", "100M", "32M", "4G", "64X", "-64M", "99999999999999999G", "6 4M"] {
            #expect(throws: ImageToolError.self, "\(bad)") { try ImageSize(parsing: bad) }
        }
        let error = try #require(throws: ImageToolError.self) { try ImageSize(parsing: "100M") }
        #expect(error.message.contains("power of two"))
        #expect(error.message.contains("64M to 2G"))
        #expect(error.exitStatus == 2)
    }

    // @verifies SWR-FLASH-IMAGE-1
    @Test(arguments: RaspiProfile.all)
    func configTextBootsA64BitKernelWithThePL011Console(_ profile: RaspiProfile) {
        let lines = profile.configText().split(separator: "\n").map(String.init)
        for line in ["arm_64bit=1", "enable_uart=1", "kernel=kernel8.img",
                     "init_uart_clock=48000000", "init_uart_baud=115200", "device_tree=\(profile.devicetree)"] {
            #expect(lines.contains(line), "\(profile.board): \(line) missing from\n\(profile.configText())")
        }
        // No overlay: Debian's devicetrees cannot take one (no __symbols__); the kernel routes the PL011 itself.
        #expect(!lines.contains { $0.hasPrefix("dtoverlay") }, "\(profile.configText())")
        #expect(Set(profile.firmwareFiles).isDisjoint(with: profile.foreignFirmwareFiles))
        #expect(profile.cardFiles.contains("kernel8.img") && profile.cardFiles.contains("orion.txt"))
        switch profile.board {
        case "raspi3b":
            #expect(profile.firmwareFiles == ["bootcode.bin", "start.elf", "fixup.dat"])
            #expect(lines.contains("core_freq=250"))
            #expect(profile.devicetree == "bcm2837-rpi-3-b.dtb")
        default:
            #expect(profile.firmwareFiles == ["start4.elf", "fixup4.dat"])
            #expect(lines.contains("core_freq_min=500"))
            #expect(profile.devicetree == "bcm2711-rpi-4-b.dtb")
        }
        #expect(RaspiProfile.named("qemu-virt-aarch64") == nil)
    }

    static let manifest = ImageManifest(
        board: "raspi3b", app: "selftest", configuration: "release", orionVersion: "0.1.0",
        kernelSHA256: String(repeating: "ab", count: 32), kernelBytes: 163_680, firmware: "raspi-firmware 1.20220830+ds-1",
        devicetree: "bcm2837-rpi-3-b.dtb from linux-image-6.1.0-50-arm64 6.1.176-1", tool: "orion image")

    // @verifies SWR-FLASH-IMAGE-2
    @Test func manifestRoundTripsAndRefusesWhatItDoesNotKnow() throws {
        let text = Self.manifest.text()
        #expect(text.contains("board=raspi3b\n"))
        #expect(text.contains("kernel-sha256=\(String(repeating: "ab", count: 32))\n"))
        #expect(try ImageManifest.parse(Array(text.utf8)) == Self.manifest)
        #expect(try ImageManifest.parse(Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)) == Self.manifest)
        var other = Self.manifest
        other.app = "demo"
        #expect(try ImageManifest.parse(Array(other.text().utf8)) != Self.manifest)
        let bad: [(String, String)] = [
            (text.replacingOccurrences(of: "board=raspi3b\n", with: ""), "no 'board'"),
            (text + "colour=blue\n", "unknown key 'colour'"),
            (text + "app=demo\n", "'app' given twice"),
            (text + "no equals sign\n", "not key=value"),
            (text.replacingOccurrences(of: "format=1", with: "format=2"), "format 2"),
            (text.replacingOccurrences(of: String(repeating: "ab", count: 32), with: String(repeating: "AB", count: 32)), "64 lowercase hex"),
            (text.replacingOccurrences(of: "kernel-bytes=163680", with: "kernel-bytes=-1"), "not a byte count"),
            (text + String(repeating: "#", count: 5000), "more than a manifest"),
        ]
        for (input, message) in bad {
            let error = try #require(throws: ImageToolError.self) { try ImageManifest.parse(Array(input.utf8)) }
            #expect(error.message.contains(message), "\(error.message)")
        }
        #expect(throws: ImageToolError.self) { try ImageManifest.parse([0xFF, 0xFE]) }
        // A value with a line break cannot smuggle in a second key.
        other.tool = "x\nboard=raspi4b"
        #expect(try ImageManifest.parse(Array(other.text().utf8)).board == "raspi3b")
    }

    static func sector(entries: [(flag: UInt8, type: UInt8, first: UInt32, count: UInt32)], signature: Bool = true) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 512)
        for (index, entry) in entries.enumerated() {
            let at = 446 + index * 16
            bytes[at] = entry.flag
            bytes[at + 4] = entry.type
            for i in 0..<4 {
                bytes[at + 8 + i] = UInt8(truncatingIfNeeded: entry.first >> (8 * UInt32(i)))
                bytes[at + 12 + i] = UInt8(truncatingIfNeeded: entry.count >> (8 * UInt32(i)))
            }
        }
        if signature { bytes[510] = 0x55; bytes[511] = 0xAA }
        return bytes
    }

    // @verifies SWR-FLASH-MBR-1
    @Test func mbrGivesTheBootPartitionAndRefusesBrokenTables() throws {
        let mbr = try MBR(sector: Self.sector(entries: [(0x80, 0x0C, 8192, 122_880)]), diskBytes: 64 << 20)
        #expect(mbr.partitions.count == 1)
        let boot = try #require(mbr.bootPartition)
        #expect(boot.bootable && boot.type == 0x0C && boot.byteOffset == 4 << 20 && boot.byteCount == 60 << 20)
        let two = try MBR(sector: Self.sector(entries: [(0, 0x83, 2048, 2048), (0, 0x0C, 4096, 100)]))
        #expect(two.bootPartition?.number == 2)
        #expect(try MBR(sector: Self.sector(entries: [(0, 0x83, 2048, 2048)])).bootPartition == nil)
        let broken: [([UInt8], String)] = [
            (Array(Self.sector(entries: []).prefix(100)), "not 512"),
            (Self.sector(entries: [(0x80, 0x0C, 8192, 100)], signature: false), "0x55AA"),
            (Self.sector(entries: [(0x81, 0x0C, 8192, 100)]), "boot flag"),
            (Self.sector(entries: [(0x80, 0x0C, 0, 100)]), "start 0"),
            (Self.sector(entries: [(0x80, 0x0C, 8192, 200_000)]), "past the end"),
            (Self.sector(entries: [(0, 0x0C, 8192, 1000), (0, 0x83, 9000, 1000)]), "overlap"),
            (Self.sector(entries: [(0, 0x0C, UInt32.max, UInt32.max)]), "past the end"),
        ]
        for (sector, message) in broken {
            let error = try #require(throws: ImageToolError.self) { try MBR(sector: sector, diskBytes: 64 << 20) }
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    // @verifies SWR-FLASH-REFUSE-2
    @Test func mountInfoAndSwapsParse() throws {
        let text = """
            22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw
            30 22 8:17 / /media/my\\040card rw,nosuid - vfat /dev/sdb1 rw,fmask=0022
            31 22 0:45 / /home rw - btrfs /dev/nvme0n1p3 rw

            """
        let mounts = try HostTables.mountInfo(text)
        #expect(mounts == [MountEntry(device: "8:2", mountPoint: "/", source: "/dev/sda2"),
                           MountEntry(device: "8:17", mountPoint: "/media/my card", source: "/dev/sdb1"),
                           MountEntry(device: "0:45", mountPoint: "/home", source: "/dev/nvme0n1p3")])
        for bad in ["22 1 8:2 / / rw", "22 1 x:y / / rw - ext4 /dev/sda2 rw", "a b c d e f g"] {
            #expect(throws: ImageToolError.self, "\(bad)") { try HostTables.mountInfo(bad) }
        }
        let swaps = try HostTables.swaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sda3 partition 999 0 -2\n/swapfile file 10 0 -3\n")
        #expect(swaps == ["/dev/sda3", "/swapfile"])
        #expect(try HostTables.swaps("") == [])
        #expect(throws: ImageToolError.self) { try HostTables.swaps("Filename Type\nonlyone\n") }
    }

    static func disk(removable: Bool = true, bytes: UInt64 = 32_000_000_000, holders: [String] = []) -> BlockDisk {
        BlockDisk(name: "sdz", device: "8:200", removable: removable, bytes: bytes, vendor: "Generic", model: "SD Reader",
                  partitions: [("sdz1", "8:201"), ("sdz2", "8:202")], holders: holders)
    }

    // @verifies SWR-FLASH-REFUSE-1
    // @verifies SWR-FLASH-REFUSE-2
    // @verifies SWR-FLASH-REFUSE-3
    @Test func refusalsFollowImagerAndOnlySomeYieldToForce() {
        func check(_ disk: BlockDisk, mounts: [MountEntry] = [], swaps: [String] = [], force: Bool = false) -> [FlashRefusal] {
            FlashSafety.refusals(disk: disk, mounts: mounts, swaps: swaps, imageBytes: 64 << 20, force: force)
        }
        #expect(check(Self.disk()) == [])
        #expect(check(Self.disk(removable: false)) == [.notRemovable])
        #expect(check(Self.disk(removable: false), force: true) == [])
        #expect(check(Self.disk(bytes: 300 << 30)) == [.tooLarge(bytes: 300 << 30)])
        #expect(check(Self.disk(bytes: 256 << 30)) == [])
        #expect(check(Self.disk(bytes: 300 << 30), force: true) == [])
        #expect(check(Self.disk(bytes: 1 << 20), force: true) == [.tooSmall(bytes: 1 << 20, image: 64 << 20)])
        let media = MountEntry(device: "8:201", mountPoint: "/media/card", source: "/dev/sdz1")
        #expect(check(Self.disk(), mounts: [media], force: true) == [.mounted(partition: "sdz1", at: "/media/card")])
        let root = MountEntry(device: "0:31", mountPoint: "/", source: "/dev/sdz2")  // btrfs: matched by its source
        #expect(check(Self.disk(), mounts: [root], force: true) == [.systemDisk(partition: "sdz2", use: "mounted at /")])
        let boot = MountEntry(device: "8:201", mountPoint: "/boot", source: "/dev/sdz1")
        #expect(check(Self.disk(), mounts: [boot]).first == .systemDisk(partition: "sdz1", use: "mounted at /boot"))
        #expect(check(Self.disk(), swaps: ["/dev/sdz2"], force: true) == [.systemDisk(partition: "sdz2", use: "a swap area")])
        #expect(check(Self.disk(), swaps: ["/swapfile", "/dev/sda3"]) == [])
        #expect(check(Self.disk(), mounts: [MountEntry(device: "8:1", mountPoint: "/", source: "/dev/sda1")]) == [])
        #expect(check(Self.disk(holders: ["dm-0"]), force: true) == [.held(by: ["dm-0"])])
        for refusal in [FlashRefusal.notRemovable, .tooLarge(bytes: 300 << 30)] {
            #expect(refusal.overridable && refusal.message.contains("--force"))
        }
        for refusal in [FlashRefusal.mounted(partition: "sdz1", at: "/m"), .systemDisk(partition: "sdz1", use: "a swap area"),
                        .held(by: ["dm-0"]), .partition(name: "sdz1", disk: "sdz")] {
            #expect(!refusal.overridable && !refusal.message.contains("--force overrides"))
        }
        #expect(FlashRefusal.partition(name: "sdz1", disk: "sdz").message.contains("/dev/sdz"))
        #expect(Self.disk().label == "Generic SD Reader (sdz, 32.0 GB)")
    }

    /// A fake sysfs: sdz (removable SD reader, 2 partitions, one with a device-mapper holder) and sda (fixed).
    // @verifies SWR-FLASH-REFUSE-1
    @Test func sysfsDisksAreReadFromAConfigurableRoot() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("orion-sysfs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        func put(_ path: String, _ text: String) throws {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let block = "class/block"
        try put("\(block)/sdz/dev", "8:200\n")
        try put("\(block)/sdz/removable", "1\n")
        try put("\(block)/sdz/size", "62333952\n")
        try put("\(block)/sdz/device/vendor", "Generic \n")
        try put("\(block)/sdz/device/model", "STORAGE DEVICE  \n")
        try put("\(block)/sdz/sdz1/dev", "8:201\n")
        try put("\(block)/sdz/sdz1/partition", "1\n")
        try put("\(block)/sdz/sdz2/dev", "8:202\n")
        try put("\(block)/sdz/sdz2/partition", "2\n")
        try FileManager.default.createDirectory(atPath: root + "/\(block)/sdz/sdz2/holders/dm-3", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/\(block)/sdz1", withDestinationPath: "sdz/sdz1")
        try put("\(block)/mmcblk0/dev", "179:0\n")
        try put("\(block)/mmcblk0/removable", "0\n")
        try put("\(block)/mmcblk0/size", "100\n")
        let disks = SysfsDisks(roots: HostRoots(sysfs: root, proc: root + "/proc"))
        #expect(disks.name(ofDevice: "8:200") == "sdz")
        #expect(disks.name(ofDevice: "8:201") == "sdz1")
        #expect(disks.name(ofDevice: "9:9") == nil)
        #expect(disks.wholeDisk(ofPartition: "sdz1") == "sdz")
        #expect(disks.wholeDisk(ofPartition: "sdz") == nil)
        let sdz = try disks.disk(named: "sdz")
        #expect(sdz.removable && sdz.bytes == 62_333_952 * 512 && sdz.vendor == "Generic" && sdz.model == "STORAGE DEVICE")
        #expect(sdz.partitions.map(\.name) == ["sdz1", "sdz2"] && sdz.partitions.map(\.device) == ["8:201", "8:202"])
        #expect(sdz.holders == ["dm-3"])
        #expect(try disks.disk(named: "mmcblk0").removable, "an SD slot counts as removable")
        #expect(throws: ImageToolError.self) { try disks.disk(named: "nosuch") }
        #expect(throws: ImageToolError.self) { try disks.mounts() }
        #expect(try disks.swaps() == [])
        try put("proc/self/mountinfo", "22 1 8:201 / /media/x rw - vfat /dev/sdz1 rw\n")
        #expect(try disks.mounts().map(\.mountPoint) == ["/media/x"])
        #expect(HostRoots.fromEnvironment(["ORION_SYSFS_ROOT": "/s", "ORION_PROC_ROOT": "/p"]) == HostRoots(sysfs: "/s", proc: "/p"))
        #expect(HostRoots.fromEnvironment([:]) == HostRoots(sysfs: "/sys", proc: "/proc"))
        #expect(DeviceNumber.text(UInt64(8 << 8 | 200)) == "8:200")
        #expect(DeviceNumber.text(UInt64(259) << 8 | 3) == "259:3")
        #expect(DeviceNumber.text(UInt64(8 << 8) | (UInt64(0x1234) >> 8) << 20 | 0x34) == "8:4660")
    }

    @Test func progressLinesShowBarRateAndETA() {
        let line = FlashProgress.line(done: 32 << 20, total: 64 << 20, seconds: 2)
        #expect(line == "[###############...............]  50%  32.0 MiB of 64.0 MiB  16.0 MiB/s  ETA 0:02")
        #expect(FlashProgress.line(done: 0, total: 64 << 20, seconds: 0).hasSuffix("--/s  ETA --:--"))
        #expect(FlashProgress.line(done: 64 << 20, total: 64 << 20, seconds: 4).hasPrefix("[" + String(repeating: "#", count: 30) + "] 100%"))
        #expect(FlashProgress.summary(verb: "wrote", bytes: 64 << 20, seconds: 5.25) == "wrote 64.0 MiB in 5.3 s (12.2 MiB/s)")
        #expect(FlashProgress.clock(3725) == "1:02:05")
        #expect(FlashProgress.clock(.infinity) == "--:--")
        #expect(FlashProgress.binarySize(512) == "512 B")
        #expect(FlashProgress.binarySize(3 << 30) == "3.0 GiB")
        #expect(FlashProgress.decimalSize(31_914_983_424) == "31.9 GB")
        #expect(FlashProgress.decimalSize(999) == "999 B")
    }

    // @verifies SWR-FLASH-VERIFY-1
    @Test func writeThenVerifyCatchesACorruptedWrite() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orion-writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = folder + "/image", target = folder + "/card"
        var bytes = [UInt8](repeating: 0, count: 9 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: image))
        // A longer old file is cut to the image's length.
        try Data(repeating: 7, count: 10 << 20).write(to: URL(fileURLWithPath: target))
        var calls = 0
        let hash = try FlashWriter.write(image: image, to: target) { done, total in
            calls += 1
            #expect(done <= total && total == UInt64(bytes.count))
        }
        #expect(calls == 3)
        let reference = try HostProcess.run("sha256sum", [image])
        #expect(reference.stdout.hasPrefix(hash + " "))
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data(bytes))
        try FlashWriter.verify(target: target, bytes: UInt64(bytes.count), expected: hash)
        _ = try FlashWriter.write(image: image, to: target, corruptOffset: 5_000_000) { _, _ in }
        let error = try #require(throws: ImageToolError.self) {
            try FlashWriter.verify(target: target, bytes: UInt64(bytes.count), expected: hash)
        }
        #expect(error.exitStatus == 1)
        #expect(error.message.hasPrefix("verify failed"))
        #expect(error.message.contains("--force"))
        let short = try #require(throws: ImageToolError.self) {
            try FlashWriter.verify(target: target, bytes: UInt64(bytes.count) + 1, expected: hash)
        }
        #expect(short.message.contains("ends at byte"))
        #expect(throws: ImageToolError.self) { _ = try FlashWriter.write(image: folder + "/none", to: target) { _, _ in } }
        #expect(throws: ImageToolError.self) { _ = try FlashWriter.write(image: image, to: folder + "/no/such/dir") { _, _ in } }
    }
}

/// The image builder itself, on small stand-in files (the real firmware and kernel are in OrionToolTests' FlashTests).
@Suite("ImageTool image builder")
struct SDImageBuilderTests {
    static let ready: Result<Void, ToolFailure> = Result { () throws(ToolFailure) in
        for (program, package) in ImageHostTools.required where ImageHostTools.find(program) == nil { try HostProcess.aptInstall(package) }
    }

    // @verifies SWR-FLASH-IMAGE-1
    // @verifies SWR-FLASH-SAME-1
    // @verifies SWR-FLASH-MBR-1
    @Test func buildsAPartitionedFATImageAtomicallyAndReadsItsManifestBack() throws {
        try Self.ready.get()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orion-builder-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var files: [CardFile] = []
        let manifest = ImageToolTests.manifest
        for (name, text) in [("bootcode.bin", "boot"), ("config.txt", RaspiProfile.raspi3b.configText()), ("orion.txt", manifest.text())] {
            try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
            files.append(CardFile(name: name, source: folder + "/" + name, bytes: UInt64(text.utf8.count)))
        }
        let output = folder + "/sd.img"
        try SDImageBuilder.build(files: files, size: .standard, output: output)
        #expect(try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int == 64 << 20)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") } == [], "no temporary left")
        #expect(try SDImageBuilder.bootPartitionOffset(of: output) == 4 << 20)
        #expect(try SDImageBuilder.readFile("config.txt", from: output) == Array(RaspiProfile.raspi3b.configText().utf8))
        #expect(SDImageBuilder.holds(manifest, output))
        var other = manifest
        other.kernelSHA256 = String(repeating: "cd", count: 32)
        #expect(!SDImageBuilder.holds(other, output))
        #expect(!SDImageBuilder.holds(manifest, folder + "/config.txt"), "a file without a partition table holds no image")
        #expect(throws: ImageToolError.self) { try SDImageBuilder.readFile("nosuch.txt", from: output) }
        #expect(throws: ImageToolError.self) { try SDImageBuilder.readFile("config.txt", from: output, limit: 10) }
        // Too large for the card: refused before anything is written, and the old output stays as it was.
        let huge = [CardFile(name: "start.elf", source: folder + "/bootcode.bin", bytes: 70 << 20)]
        let error = try #require(throws: ImageToolError.self) { try SDImageBuilder.build(files: huge, size: .standard, output: output) }
        #expect(error.message.contains("too small") && error.exitStatus == 2)
        #expect(SDImageBuilder.holds(manifest, output))
        #expect(throws: ImageToolError.self) { try SDImageBuilder.build(files: files, size: .standard, output: folder + "/no/sd.img") }
        #expect(throws: ImageToolError.self) { try SDImageBuilder.build(files: files, size: .standard, output: folder) }
    }
}
