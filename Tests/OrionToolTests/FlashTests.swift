// `orion image` and `orion flash` through the built executable: the image's partition table (sfdisk), its FAT
// contents (mtools), config.txt, kernel8.img against `orion build`'s, the manifest's hash; booting the image in
// QEMU; flashing to a file (again: "already flashed"; --force); every refusal against a fake sysfs and mount
// table; a corrupted write caught; bad input.

import Foundation
import Testing
@testable import OrionTool
import TestSupport

/// The host tools the image tests and `orion image` use, installed from Debian when missing (never skipped).
enum ImageHostPackages {
    static let programs = [("sfdisk", "fdisk"), ("mkfs.vfat", "dosfstools"), ("mcopy", "mtools"), ("mdir", "mtools"),
                           ("mtype", "mtools"), ("fdtput", "device-tree-compiler")]

    static func path(_ program: String) -> String? {
        HostProcess.which(program) ?? ["/usr/sbin/", "/sbin/"].map { $0 + program }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let ready: Result<Void, ToolFailure> = Result { () throws(ToolFailure) in
        for (program, package) in programs where path(program) == nil { try HostProcess.aptInstall(package) }
        for (program, package) in programs where path(program) == nil { throw ToolFailure("\(package) installed but \(program) is missing") }
    }

    /// Runs an mtools/sfdisk command; its output.
    static func run(_ program: String, _ arguments: [String]) throws -> ProcessResult {
        try ready.get()
        return try HostProcess.run(path(program)!, arguments, environment: ["MTOOLS_SKIP_CHECK": "1"], timeout: 120)
    }
}

/// A scratch folder for one test.
func flashScratch(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("orion-flash-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// One image per board made once for the suite (`orion image --app selftest -c release`).
enum SharedImages {
    static let folder = try! flashScratch("shared")
    nonisolated(unsafe) static var made: [String: Result<String, ToolFailure>] = [:]
    static let lock = NSLock()

    static func image(_ board: String) throws -> String {
        try lock.withLock {
            if let done = made[board] { return try done.get() }
            let result = Result { () throws(ToolFailure) -> String in
                let path = folder + "/\(board).img"
                do {
                    try ImageHostPackages.ready.get()
                    if board == "raspi4b" { try RaspberryPi.ensureQEMU10() }
                    let run = try OrionExecutable.run(["image", "--board", board, "--app", "selftest", "-c", "release", "-o", path])
                    guard run.status == 0 else { throw ToolFailure("orion image --board \(board) exited \(run.status):\n\(run.stderr.suffix(3000))") }
                } catch let failure as ToolFailure { throw failure } catch { throw ToolFailure("\(error)") }
                return path
            }
            made[board] = result
            return try result.get()
        }
    }
}

@Suite("orion image and orion flash", .serialized)
struct FlashTests {
    static let boards = ["raspi3b", "raspi4b"]

    // @verifies SWR-FLASH-IMAGE-1
    // @verifies SWR-FLASH-IMAGE-2
    @Test(arguments: boards)
    func imageHoldsTheBoardsFilesAndBootConfiguration(_ board: String) throws {
        let image = try SharedImages.image(board)
        #expect(try FileManager.default.attributesOfItem(atPath: image)[.size] as? Int == 64 << 20)
        // The partition table: one bootable FAT32-LBA partition at 4 MiB to the end.
        let table = try ImageHostPackages.run("sfdisk", ["--json", image])
        #expect(table.status == 0, "\(table.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(table.stdout.utf8)) as? [String: Any])
        let partitionTable = try #require(json["partitiontable"] as? [String: Any])
        #expect(partitionTable["label"] as? String == "dos")
        let partitions = try #require(partitionTable["partitions"] as? [[String: Any]])
        #expect(partitions.count == 1)
        #expect(partitions.first?["type"] as? String == "c")
        #expect(partitions.first?["bootable"] as? Bool == true)
        #expect(partitions.first?["start"] as? Int == 8192)
        #expect(partitions.first?["size"] as? Int == (64 << 20) / 512 - 8192)
        let mtoolsImage = image + "@@\(8192 * 512)"
        // The FAT contents: exactly this Pi's files.
        let listing = try ImageHostPackages.run("mdir", ["-b", "-i", mtoolsImage, "::/"])
        #expect(listing.status == 0, "\(listing.stderr)")
        let names = Set(listing.stdout.split(whereSeparator: \.isNewline).map { String($0.split(separator: "/").last ?? "") })
        let firmware = board == "raspi3b" ? ["bootcode.bin", "start.elf", "fixup.dat"] : ["start4.elf", "fixup4.dat"]
        let devicetree = board == "raspi3b" ? "bcm2837-rpi-3-b.dtb" : "bcm2711-rpi-4-b.dtb"
        #expect(names == Set(firmware + [devicetree, "config.txt", "kernel8.img", "orion.txt"]), "\(listing.stdout)")
        for other in board == "raspi3b" ? ["start4.elf", "fixup4.dat"] : ["bootcode.bin", "start.elf", "fixup.dat"] {
            #expect(!names.contains(other))
        }
        let fsck = try ImageHostPackages.run("minfo", ["-i", mtoolsImage, "::"])
        #expect(fsck.stdout.contains("FAT32") || fsck.stdout.contains("fat_bits=32") || fsck.stdout.contains("sectors per fat"), "\(fsck.stdout)")
        // config.txt.
        let config = try ImageHostPackages.run("mtype", ["-i", mtoolsImage, "::/config.txt"]).stdout
        let lines = Set(config.split(whereSeparator: \.isNewline).map(String.init))
        for line in ["arm_64bit=1", "enable_uart=1", "kernel=kernel8.img", "init_uart_clock=48000000",
                     "init_uart_baud=115200", "device_tree=\(devicetree)"] {
            #expect(lines.contains(line), "\(line) missing:\n\(config)")
        }
        // The devicetree names the PL011 (serial0) as the console.
        let folder = try flashScratch("dtb")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try ImageHostPackages.run("mcopy", ["-i", mtoolsImage, "::/" + devicetree, "::/kernel8.img", folder]).status == 0)
        let stdoutPath = try HostProcess.run("fdtget", ["-t", "s", folder + "/" + devicetree, "/chosen", "stdout-path"])
        #expect(stdoutPath.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "serial0:115200n8")
        // kernel8.img is byte for byte what `orion build` makes.
        let build = try OrionExecutable.run(["build", "--board", board, "--app", "selftest", "-c", "release"])
        #expect(build.status == 0, "\(build.stderr.suffix(2000))")
        let raw = try #require(build.stdout.split(whereSeparator: \.isNewline).last.map(String.init))
        #expect(raw.hasSuffix("/kernel8.img"))
        let built = try Data(contentsOf: URL(fileURLWithPath: raw))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/kernel8.img")) == built)
        // The manifest names the board and app and carries the kernel's hash and size.
        let manifest = try ImageHostPackages.run("mtype", ["-i", mtoolsImage, "::/orion.txt"]).stdout
        let values = Dictionary(manifest.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") }.compactMap { line -> (String, String)? in
            guard let eq = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<eq]), String(line[line.index(after: eq)...]))
        }, uniquingKeysWith: { a, _ in a })
        let sha = try HostProcess.run("sha256sum", [raw]).stdout.split(separator: " ").first.map(String.init)
        #expect(values["kernel-sha256"] == sha)
        #expect(values["kernel-bytes"] == String(built.count))
        #expect(values["board"] == board && values["app"] == "selftest" && values["configuration"] == "release")
        #expect(values["orion-version"] == "0.1.0")
        #expect(values["firmware"]?.hasPrefix("raspi-firmware 1.") == true, "\(manifest)")
        #expect(values["devicetree"]?.hasPrefix("\(devicetree) from linux-image-") == true, "\(manifest)")
    }

    /// The emulated board boots the image: its own kernel8.img and devicetree, the image as its SD card.
    // @verifies SWR-FLASH-IMAGE-1
    @Test(arguments: boards)
    func imageBootsInQEMUThroughFlashQemu(_ board: String) throws {
        let image = try SharedImages.image(board)
        let run = try OrionExecutable.run(["flash", "--board", board, "--app", "selftest", "-c", "release", "--image", image,
                                           "--qemu", "--icount", "--timeout", "300"])
        #expect(run.status == 0, "stdout:\n\(run.stdout.suffix(3000))\nstderr:\n\(run.stderr.suffix(3000))")
        #expect(run.stderr.contains("booting \(image)"))
        #expect(run.stdout.contains("Orion RT 0.1.0 board=\(board)"))
        let summary = run.stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix("SELFTEST ") }.map(String.init) ?? ""
        #expect(summary.hasPrefix("SELFTEST PASS "), "\(run.stdout.suffix(2000))")
    }

    /// qemu-virt boards have no SD card: flashing boots the ELF as `orion run` does; an image is refused.
    @Test func virtBoardsBootAsOrionRunDoes() throws {
        let run = try OrionExecutable.run(["flash", "--board", "qemu-virt-aarch64", "--timeout", "120"])
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("demo: ok"))
        #expect(run.stderr.contains("has no SD card"))
        let fail = try OrionExecutable.run(["flash", "--board", "qemu-virt-aarch64", "--app", "fail", "--timeout", "120"])
        #expect(fail.status == 3)
        let refused = try OrionExecutable.run(["flash", "--board", "qemu-virt-aarch64", "--device", "/tmp/x.img"])
        #expect(refused.status == 2 && refused.stderr.contains("no SD card to write"))
        let image = try OrionExecutable.run(["image", "--board", "qemu-virt-aarch64", "-o", "/tmp/x.img"])
        #expect(image.status == 2 && image.stderr.contains("boots from no SD card"), "\(image.stderr)")
    }

    // @verifies SWR-FLASH-VERIFY-1
    // @verifies SWR-FLASH-SAME-1
    @Test func flashToAFileVerifiesAndNoticesAnAlreadyFlashedCard() throws {
        let image = try SharedImages.image("raspi3b")
        let folder = try flashScratch("file")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let card = folder + "/card.bin"
        let first = try OrionExecutable.run(["flash", "--board", "raspi3b", "--image", image, "--device", card])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("flashed \(card)") && first.stdout.contains("verified"))
        #expect(first.stderr.contains("orion: wrote 64.0 MiB in "), "a plain final line off a terminal: \(first.stderr)")
        #expect(!first.stderr.contains("\r"), "no redrawn bar off a terminal")
        #expect(try Data(contentsOf: URL(fileURLWithPath: card)) == Data(contentsOf: URL(fileURLWithPath: image)))
        let second = try OrionExecutable.run(["flash", "--board", "raspi3b", "--image", image, "--device", card])
        #expect(second.status == 0)
        #expect(second.stdout.hasPrefix("already flashed: \(card)"), "\(second.stdout)")
        #expect(!second.stderr.contains("wrote"))
        let forced = try OrionExecutable.run(["flash", "--board", "raspi3b", "--image", image, "--device", card, "--force"])
        #expect(forced.status == 0 && forced.stdout.contains("flashed \(card)") && forced.stderr.contains("wrote 64.0 MiB"))
        // A card holding another image (here: garbage where the manifest was) is written without --force.
        let handle = try #require(FileHandle(forUpdatingAtPath: card))
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: Data(repeating: 0, count: 512))
        try handle.close()
        let other = try OrionExecutable.run(["flash", "--board", "raspi3b", "--image", image, "--device", card])
        #expect(other.status == 0 && other.stdout.contains("flashed \(card)"), "\(other.stdout)\(other.stderr)")
        // --image of another board is refused.
        let wrong = try OrionExecutable.run(["flash", "--board", "raspi4b", "--image", image, "--device", card])
        #expect(wrong.status == 2, "\(wrong.stderr)")
    }

    /// On a terminal (a pty from util-linux `script`): the redrawn progress bar with percent, rate and ETA; and the
    /// confirmation prompt, where any answer but `yes` writes nothing.
    // @verifies SWR-FLASH-CONFIRM-1
    @Test func onATerminalProgressIsABarAndTheUserIsAsked() throws {
        let image = try SharedImages.image("raspi3b")
        let folder = try flashScratch("tty")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let command = "'\(TestPaths.orion)' flash --board raspi3b --image '\(image)' --device '\(folder)/card.bin'"
        let run = try HostProcess.run("script", ["-qec", command, "/dev/null"], in: TestPaths.packageRoot.path, timeout: 300)
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.contains("\rwriting   ["), "\(run.stdout.prefix(500))")
        #expect(run.stdout.contains("] 100%  64.0 MiB of 64.0 MiB  "), "\(run.stdout.suffix(800))")
        #expect(run.stdout.contains("/s  ETA "))
        #expect(run.stdout.contains("\rverifying ["))
        #expect(run.stdout.contains("orion: wrote 64.0 MiB in "))
        // The prompt on a terminal: "no" leaves the (fake) disk alone.
        let host = try FakeHost()
        defer { try? FileManager.default.removeItem(atPath: host.root) }
        let ask = "ORION_SYSFS_ROOT='\(host.root)/sys' ORION_PROC_ROOT='\(host.root)/proc' '\(TestPaths.orion)' flash --board raspi3b --image '\(image)' --device '\(host.device)'"
        let answer = folder + "/answer"
        try "no\n".write(toFile: answer, atomically: true, encoding: .utf8)
        let asked = try HostProcess.run("/bin/sh", ["-c", "script -qec \"$0\" /dev/null < '\(answer)'", ask], in: TestPaths.packageRoot.path, timeout: 120)
        #expect(asked.status == 2, "\(asked.stdout)")
        #expect(asked.stdout.contains("Generic SD/MMC Reader (sdz, 31.9 GB)"))
        #expect(asked.stdout.contains("Type 'yes' to continue: "), "\(asked.stdout)")
        #expect(asked.stdout.contains("orion: error: not confirmed: \(host.device) was not written"), "\(asked.stdout)")
    }

    // @verifies SWR-FLASH-VERIFY-1
    @Test func aCorruptedWriteFailsTheVerify() throws {
        let image = try SharedImages.image("raspi3b")
        let folder = try flashScratch("corrupt")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try OrionExecutable.run(["flash", "--board", "raspi3b", "--image", image, "--device", folder + "/card.bin"],
                                          environment: ["ORION_FLASH_CORRUPT_OFFSET": "5000000"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("orion: error: verify failed: \(folder)/card.bin reads back with SHA-256 "))
        #expect(run.stderr.contains("write it again with --force"))
        #expect(!run.stdout.contains("flashed"))
    }

    /// A fake host: a block device node for disk 8:200 (partitions 8:201, 8:202) with sysfs and /proc to match.
    struct FakeHost {
        let root: String
        let device: String
        let partition: String

        init(removable: Bool = true, sectors: UInt64 = 62_333_952, mountinfo: String = "", swaps: String = "") throws {
            let root = try flashScratch("host")
            self.root = root
            device = root + "/dev-sdz"
            partition = root + "/dev-sdz1"
            func put(_ path: String, _ text: String) throws {
                let url = URL(fileURLWithPath: root + "/" + path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
            try put("sys/class/block/sdz/dev", "8:200\n")
            try put("sys/class/block/sdz/removable", removable ? "1\n" : "0\n")
            try put("sys/class/block/sdz/size", "\(sectors)\n")
            try put("sys/class/block/sdz/device/vendor", "Generic\n")
            try put("sys/class/block/sdz/device/model", "SD/MMC Reader\n")
            try put("sys/class/block/sdz/sdz1/dev", "8:201\n")
            try put("sys/class/block/sdz/sdz1/partition", "1\n")
            try put("sys/class/block/sdz/sdz2/dev", "8:202\n")
            try put("sys/class/block/sdz/sdz2/partition", "2\n")
            try FileManager.default.createSymbolicLink(atPath: root + "/sys/class/block/sdz1", withDestinationPath: "sdz/sdz1")
            try put("proc/self/mountinfo", "22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n" + mountinfo)
            try put("proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" + swaps)
            // The nodes are never opened: every case here is refused before writing.
            for (path, minor) in [(device, 200), (partition, 201)] {
                let made = try HostProcess.run("mknod", [path, "b", "8", String(minor)])
                guard made.status == 0 else { throw ToolFailure("mknod \(path) failed (needs root or CAP_MKNOD): \(made.stderr)") }
            }
        }

        var environment: [String: String] { ["ORION_SYSFS_ROOT": root + "/sys", "ORION_PROC_ROOT": root + "/proc"] }

        func flash(_ extra: [String] = [], target: String? = nil) throws -> ProcessResult {
            let image = try SharedImages.image("raspi3b")
            return try OrionExecutable.run(["flash", "--board", "raspi3b", "--image", image, "--device", target ?? device] + extra,
                                           environment: environment)
        }
    }

    struct RefusalCase: Sendable, CustomTestStringConvertible {
        let name: String
        let removable: Bool
        let sectors: UInt64
        let mountinfo: String
        let swaps: String
        let partition: Bool
        let force: Bool
        let message: String
        var testDescription: String { name }
    }

    static let refusals = [
        RefusalCase(name: "not removable", removable: false, sectors: 62_333_952, mountinfo: "", swaps: "", partition: false, force: false,
                    message: "it is not a removable disk (an SD card or USB reader is); --force overrides this"),
        RefusalCase(name: "larger than 256 GiB", removable: true, sectors: 1_000_000_000, mountinfo: "", swaps: "", partition: false, force: false,
                    message: "larger than the 256 GiB an SD card for a Pi would be; --force overrides this"),
        RefusalCase(name: "mounted", removable: true, sectors: 62_333_952, mountinfo: "40 22 8:201 / /media/user/BOOT rw - vfat /dev/sdz1 rw\n",
                    swaps: "", partition: false, force: true, message: "sdz1 is mounted at /media/user/BOOT; unmount every partition"),
        RefusalCase(name: "holds /", removable: true, sectors: 62_333_952, mountinfo: "41 22 8:202 / / rw - ext4 /dev/sdz2 rw\n",
                    swaps: "", partition: false, force: true, message: "it holds the running system (sdz2 is mounted at /); nothing overrides this"),
        RefusalCase(name: "holds /boot", removable: true, sectors: 62_333_952, mountinfo: "41 22 8:201 / /boot rw - vfat /dev/sdz1 rw\n",
                    swaps: "", partition: false, force: true, message: "it holds the running system (sdz1 is mounted at /boot)"),
        RefusalCase(name: "holds swap", removable: true, sectors: 62_333_952, mountinfo: "", swaps: "/dev/sdz2 partition 1048572 0 -2\n",
                    partition: false, force: true, message: "it holds the running system (sdz2 is a swap area)"),
        RefusalCase(name: "a partition", removable: true, sectors: 62_333_952, mountinfo: "", swaps: "", partition: true, force: true,
                    message: "sdz1 is a partition; give the whole card, /dev/sdz"),
        RefusalCase(name: "smaller than the image", removable: true, sectors: 1000, mountinfo: "", swaps: "", partition: false, force: true,
                    message: "smaller than the 67.1 MB image"),
    ]

    // @verifies SWR-FLASH-REFUSE-1
    // @verifies SWR-FLASH-REFUSE-2
    // @verifies SWR-FLASH-REFUSE-3
    @Test(arguments: refusals)
    func refusesDisksItMustNotWrite(_ refusal: RefusalCase) throws {
        let host = try FakeHost(removable: refusal.removable, sectors: refusal.sectors, mountinfo: refusal.mountinfo, swaps: refusal.swaps)
        defer { try? FileManager.default.removeItem(atPath: host.root) }
        let run = try host.flash(["--yes"] + (refusal.force ? ["--force"] : []), target: refusal.partition ? host.partition : nil)
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("orion: error: refusing to write "), "\(run.stderr)")
        #expect(run.stderr.contains(refusal.message), "\(run.stderr)")
        #expect(!run.stderr.contains("wrote"))
    }

    /// --force lets a fixed or very large disk through the checks, to the confirmation; without a terminal and
    /// --yes that confirmation refuses, after naming the disk (so nothing is written here).
    // @verifies SWR-FLASH-REFUSE-3
    // @verifies SWR-FLASH-CONFIRM-1
    @Test func forceOverridesOnlyTheOverridableAndConfirmationIsNeeded() throws {
        for (removable, sectors) in [(false, UInt64(62_333_952)), (true, UInt64(1_000_000_000))] {
            let host = try FakeHost(removable: removable, sectors: sectors)
            defer { try? FileManager.default.removeItem(atPath: host.root) }
            let run = try host.flash(["--force"])
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.contains("Generic SD/MMC Reader (sdz, "), "the model, vendor and size are shown: \(run.stderr)")
            #expect(run.stderr.contains("everything on it will be overwritten"))
            #expect(run.stderr.contains("refusing to write \(host.device) without confirmation: no terminal to ask on; pass --yes to confirm"), "\(run.stderr)")
        }
        let host = try FakeHost()
        defer { try? FileManager.default.removeItem(atPath: host.root) }
        let plain = try host.flash()
        #expect(plain.status == 2 && plain.stderr.contains("Generic SD/MMC Reader (sdz, 31.9 GB)"), "\(plain.stderr)")
        #expect(plain.stderr.contains("pass --yes to confirm"))
        // A block device sysfs does not know is refused too.
        let unknown = try OrionExecutable.run(["flash", "--board", "raspi3b", "--image", try SharedImages.image("raspi3b"), "--device", host.device, "--yes"],
                                              environment: ["ORION_SYSFS_ROOT": host.root + "/nothing", "ORION_PROC_ROOT": host.root + "/proc"])
        #expect(unknown.status == 2 && unknown.stderr.contains("is not in \(host.root)/nothing/class/block"), "\(unknown.stderr)")
        let folder = try OrionExecutable.run(["flash", "--board", "raspi3b", "--image", try SharedImages.image("raspi3b"), "--device", "/tmp"])
        #expect(folder.status == 2 && folder.stderr.contains("neither a block device nor a regular file"))
    }

    /// Bad input: a clear message and exit 2, before anything is built.
    @Test func badInputIsRefusedWithExit2() throws {
        let cases: [([String], String)] = [
            (["image", "--board", "raspi9", "-o", "/tmp/x.img"], "unknown board 'raspi9'"),
            (["image", "--board", "raspi3b", "-o", "/tmp/x.img", "--size", "100M"], "is not a power of two"),
            (["image", "--board", "raspi3b", "-o", "/tmp/x.img", "--size", "16M"], "out of range (a power of two from 64M to 2G)"),
            (["image", "--board", "raspi3b", "-o", "/tmp/x.img", "--size", "4G"], "out of range"),
            (["image", "--board", "raspi3b", "-o", "/tmp/x.img", "--size", "lots"], "is not a size"),
            (["image", "--board", "raspi3b", "-o", "/tmp/x.img", "-c", "fast"], "unknown configuration 'fast'"),
            (["image", "--board", "raspi3b", "-o", "/tmp/x.img", "--app", "nosuch"], "unknown app 'nosuch'"),
            (["image", "--board", "raspi3b", "-o", "/tmp/x.img", "--firmware", "/nonexistent"], "--firmware /nonexistent: bootcode.bin, start.elf, fixup.dat missing"),
            (["image", "--board", "raspi3b", "-o", "/nonexistent/x.img"], "no such folder /nonexistent"),
            (["flash", "--board", "raspi3b"], "--device is needed"),
            (["flash", "--board", "raspi3b", "--qemu", "--timeout", "0"], "--timeout: 0.0 is out of range"),
            (["flash", "--board", "raspi3b", "--image", "/nonexistent.img", "--device", "/tmp/y.img"], "--image /nonexistent.img: no such readable file"),
            (["flash", "--board", "raspi3b", "--qemu", "--device", "/tmp/y.img"], "drop --device"),
        ]
        for (arguments, message) in cases {
            let run = try OrionExecutable.run(arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains("orion: error: ") && run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/x.img"))
    }

    /// No firmware and no way to fetch it: the message names --firmware. An image too small for its files is
    /// refused, and no output (not even a partial one) is left.
    @Test func missingFirmwareAndTooSmallImagesAreClearErrors() throws {
        try ImageHostPackages.ready.get()
        let folder = try flashScratch("firmware")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = folder + "/sd.img"
        let missing = try OrionExecutable.run(["image", "--board", "raspi3b", "-o", output],
                                              environment: ["ORION_CACHE_DIR": folder + "/empty-cache", "ORION_FIRMWARE_SUITE": "none"])
        #expect(missing.status == 2, "\(missing.stderr)")
        #expect(missing.stderr.contains("the Raspberry Pi firmware is not in \(folder)/empty-cache/raspi-firmware"), "\(missing.stderr)")
        #expect(missing.stderr.contains("pass --firmware DIR"))
        // A firmware folder whose start.elf is larger than a 64M card: too small.
        let big = folder + "/big-firmware"
        try FileManager.default.createDirectory(atPath: big, withIntermediateDirectories: true)
        let real = try #require(ImageFirmwareCache.folder())
        for name in ["bootcode.bin", "fixup.dat", "bcm2837-rpi-3-b.dtb"] {
            try FileManager.default.copyItem(atPath: (name.hasSuffix(".dtb") ? try #require(ImageFirmwareCache.devicetree(name)) : real + "/" + name), toPath: big + "/" + name)
        }
        #expect(FileManager.default.createFile(atPath: big + "/start.elf", contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: big + "/start.elf"))
        try handle.truncate(atOffset: 70 << 20)
        try handle.close()
        let small = try OrionExecutable.run(["image", "--board", "raspi3b", "-o", output, "--firmware", big])
        #expect(small.status == 2, "\(small.stderr)")
        #expect(small.stderr.contains("the image is too small: the files need "), "\(small.stderr)")
        #expect(small.stderr.contains("use a larger --size"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["big-firmware"], "no image and no temporary file left")
        // The same folder with a 128M image works, and the manifest says where the firmware came from.
        let bigger = try OrionExecutable.run(["image", "--board", "raspi3b", "-o", output, "--firmware", big, "--size", "128M"])
        #expect(bigger.status == 0, "\(bigger.stderr)")
        let manifest = try ImageHostPackages.run("mtype", ["-i", output + "@@\(8192 * 512)", "::/orion.txt"]).stdout
        #expect(manifest.contains("firmware=directory \(big)\n"), "\(manifest)")
        #expect(manifest.contains("devicetree=bcm2837-rpi-3-b.dtb from directory \(big)"), "\(manifest)")
    }
}

/// The firmware and devicetree caches `orion image` fills (the shared image is made first, so they exist).
enum ImageFirmwareCache {
    static var cache: String { RaspberryPi.cache }

    static func folder() -> String? {
        _ = try? SharedImages.image("raspi3b")
        let path = cache + "/raspi-firmware/root/usr/lib/raspi-firmware"
        return FileManager.default.fileExists(atPath: path + "/bootcode.bin") ? path : nil
    }

    static func devicetree(_ name: String) -> String? {
        let lib = cache + "/raspi-dtbs/root/usr/lib"
        let kernels = (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []
        return kernels.sorted().reversed().map { lib + "/" + $0 + "/broadcom/" + name }.first { FileManager.default.fileExists(atPath: $0) }
    }
}
