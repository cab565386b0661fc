// `orion flash`: write a Pi SD card image to a removable disk (or a file) after the checks Raspberry Pi Imager
// and balenaEtcher make, verify it by reading it back, and notice an already flashed card; or "flash" the
// emulated board by booting the image in QEMU.

import ArgumentParser
import Foundation
import ImageTool
import OrionTool

struct Flash: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a Raspberry Pi SD card image to a removable disk or a file (checked, verified), or boot it in QEMU (--qemu).",
        discussion: """
            Refuses (exit 2) a partition, a disk that holds the running system or a swap area, a mounted disk, \
            one in use by device-mapper/RAID, or smaller than the image; and, unless --force, a disk that is not \
            removable or larger than 256 GiB. Asks before writing unless --yes (without a terminal, --yes is \
            needed). A card whose orion.txt equals the new image's is left alone ("already flashed") unless \
            --force. After writing: fsync, then the card is read back and its SHA-256 compared (exit 1 on a \
            mismatch). --device may be a regular file (created if missing; the disk checks do not apply). \
            Test hooks: ORION_SYSFS_ROOT, ORION_PROC_ROOT (where /sys and /proc are read), \
            ORION_FLASH_CORRUPT_OFFSET (flip that byte after writing). See docs/FLASHING.md.
            """)

    @OptionGroup var card: CardOptions

    @Option(name: .long, help: "The disk (/dev/sdX, /dev/mmcblkN) or file to write.")
    var device: String?

    @Option(name: .long, help: "Write this image (made by `orion image`) instead of building one.")
    var image: String?

    @Flag(name: .long, help: "Do not ask for confirmation.")
    var yes = false

    @Flag(name: .long, help: "Write a disk that is not removable or is larger than 256 GiB, and write even when the card already holds the image.")
    var force = false

    @Flag(name: .long, help: "Boot the image in QEMU instead of writing a card (the emulated board's flash).")
    var qemu = false

    @Option(parsing: .unconditional, help: "With --qemu: kill QEMU and exit 124 after this many seconds (more than 0, at most 86400).")
    var timeout: Double = 120

    @Flag(help: "With --qemu: deterministic virtual time (QEMU -icount shift=0,sleep=off), as orion run --icount.")
    var icount = false

    func run() throws {
        do {
            guard timeout.isFinite, timeout > 0, timeout <= 86_400 else {
                throw OrionError("--timeout: \(timeout) is out of range (more than 0, at most 86400 seconds)")
            }
            if card.board.hasPrefix("qemu-") { try bootVirt() }
            if qemu {
                guard device == nil else { throw OrionError("--qemu boots the image in QEMU: drop --device") }
                try bootImage()
            }
            guard let device, !device.isEmpty else { throw OrionError("--device is needed: the card to write (/dev/sdX), or a file; or --qemu to boot the image in QEMU") }
            try write(to: device)
        } catch {
            fail(orionError(error))
        }
    }

    /// The image to flash: `--image`, or one built into the build folder.
    func imagePath(_ workspace: Workspace) throws -> (String, ImageManifest) {
        if let image {
            guard FileManager.default.isReadableFile(atPath: image) else { throw OrionError("--image \(image): no such readable file") }
            let manifest = try ImageManifest.parse(SDImageBuilder.readFile(RaspiProfile.manifestFile, from: image, limit: ImageManifest.maximumBytes))
            guard manifest.board == card.board else {
                throw OrionError("--image \(image) is for \(manifest.board), not --board \(card.board)")
            }
            return (image, manifest)
        }
        let folder = workspace.root.appendingPathComponent(".build/images")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("\(card.board)-\(card.app)-\(card.configuration).img").path
        let manifest = try card.makeImage(output: path)
        FileHandle.standardError.write(Data("orion: image \(path) (\(manifest.summary))\n".utf8))
        return (path, manifest)
    }

    /// qemu-virt-* boards have no SD card: flashing them is booting the ELF, as `orion run` does.
    func bootVirt() throws -> Never {
        guard let spec = BoardCatalog.board(named: card.board) else {
            throw OrionError("unknown board '\(card.board)' (known: \(BoardCatalog.all.map(\.name).joined(separator: ", ")))")
        }
        guard device == nil, image == nil else {
            throw OrionError("\(card.board) has no SD card to write: drop --device/--image (orion flash --board \(card.board) boots the image in QEMU, as orion run does)")
        }
        let workspace = try Workspace.locate()
        guard let config = BuildConfiguration(rawValue: card.configuration) else {
            throw OrionError("unknown configuration '\(card.configuration)' (use debug or release)")
        }
        if let missing = QEMU.missingRequirement(board: spec) { throw OrionError(missing) }
        let implied = try BoardCatalog.impliedQEMUArguments(app: card.app, board: spec)
        let built = try workspace.build(board: spec, app: card.app, configuration: config)
        FileHandle.standardError.write(Data("orion: \(card.board) has no SD card; booting \(built.bootImage.path) in QEMU as orion run does\n".utf8))
        let devicetree = try QEMU.firmwareDevicetree(for: spec)
        try boot(spec, try QEMU.arguments(board: spec, image: built.bootImage,
                                          options: BootOptions(icount: icount, extraArguments: implied, devicetree: devicetree)))
    }

    /// Boots the Pi image in QEMU: the kernel8.img and devicetree read out of the image, the image as the SD card.
    func bootImage() throws -> Never {
        let workspace = try Workspace.locate()
        guard let spec = BoardCatalog.board(named: card.board) else {
            throw OrionError("unknown board '\(card.board)' (known: \(BoardCatalog.all.map(\.name).joined(separator: ", ")))")
        }
        guard let profile = RaspiProfile.named(card.board) else { throw OrionError("\(card.board) boots from no SD card") }
        if let missing = QEMU.missingRequirement(board: spec) { throw OrionError(missing) }
        let implied = try BoardCatalog.impliedQEMUArguments(app: card.app, board: spec)
        let (path, manifest) = try imagePath(workspace)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("orion-flash-qemu-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let kernel = scratch.appendingPathComponent(RaspiProfile.kernelFile).path
        let dtb = scratch.appendingPathComponent(profile.devicetree).path
        try SDImageBuilder.extract(RaspiProfile.kernelFile, from: path, to: kernel)
        try SDImageBuilder.extract(profile.devicetree, from: path, to: dtb)
        guard try FlashWriter.hashFile(kernel) == manifest.kernelSHA256 else {
            throw OrionError("\(path): kernel8.img does not match the SHA-256 in its orion.txt", exitStatus: 1)
        }
        let extra = ["-drive", "if=sd,format=raw,file=\(URL(fileURLWithPath: path).standardizedFileURL.path)"] + implied
        let arguments = try QEMU.arguments(board: spec, image: URL(fileURLWithPath: kernel),
                                           options: BootOptions(icount: icount, extraArguments: extra, devicetree: dtb))
        FileHandle.standardError.write(Data("orion: booting \(path) (\(manifest.summary)) on \(spec.name) in QEMU\n".utf8))
        try boot(spec, arguments)
    }

    /// Runs QEMU with `orion run`'s exit status and timeout behaviour.
    func boot(_ spec: BoardSpec, _ arguments: [String]) throws -> Never {
        let qemu = try QEMU.installation(for: spec)
        switch try HostTools.runGuest(qemu.executable, qemu.arguments + arguments, environment: qemu.environment, timeout: timeout) {
        case .exited(let status):
            if status != 0 { FileHandle.standardError.write(Data("orion: guest exited with status \(status)\n".utf8)) }
            Foundation.exit(status)
        case .didNotStart(let status, let message):
            throw OrionError("QEMU did not start the guest (exit status \(status)):\n\(message)")
        case .timedOut:
            FileHandle.standardError.write(Data("orion: error: timeout: the guest did not exit within \(timeout) s; QEMU was killed\n".utf8))
            Foundation.exit(124)
        }
    }

    /// Writes the image to `target` (a disk or a file) after the checks, then verifies it.
    func write(to target: String) throws {
        let workspace = try Workspace.locate()
        _ = try card.resolve()
        var info = stat()
        let exists = stat(target, &info) == 0
        let isBlock = exists && (info.st_mode & S_IFMT) == S_IFBLK
        if exists && !isBlock && (info.st_mode & S_IFMT) != S_IFREG {
            throw OrionError("refusing to write \(target): it is neither a block device nor a regular file")
        }
        var disk: BlockDisk?
        if isBlock {
            disk = try checkDisk(target, rdev: info.st_rdev)
        }
        let (path, manifest) = try imagePath(workspace)
        let imageBytes = UInt64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        if let disk {
            let refusals = FlashSafety.refusals(disk: disk, mounts: try SysfsDisks(roots: HostRoots.fromEnvironment()).mounts(),
                                                swaps: try SysfsDisks(roots: HostRoots.fromEnvironment()).swaps(),
                                                imageBytes: imageBytes, force: force)
            if let first = refusals.first { throw OrionError("refusing to write \(target): \(first.message)") }
        }
        if exists, !force, SDImageBuilder.holds(manifest, target) {
            print("already flashed: \(target) holds \(manifest.summary); --force writes it again")
            return
        }
        if let disk { try confirm(target, disk) }
        let corrupt = ProcessInfo.processInfo.environment["ORION_FLASH_CORRUPT_OFFSET"].flatMap { UInt64($0) }
        let progress = ProgressPrinter(verb: "wrote")
        let expected = try FlashWriter.write(image: path, to: target, corruptOffset: corrupt) { progress.update($0, $1) }
        progress.finish(imageBytes)
        let check = ProgressPrinter(verb: "verified")
        try FlashWriter.verify(target: target, bytes: imageBytes, expected: expected) { check.update($0, $1) }
        check.finish(imageBytes)
        print("flashed \(target): \(manifest.summary); SHA-256 \(expected) verified")
    }

    /// The disk `target` names, or a refusal: a partition, or a device sysfs does not know.
    // @implements SWR-FLASH-REFUSE-1
    func checkDisk(_ target: String, rdev: dev_t) throws -> BlockDisk {
        let disks = SysfsDisks(roots: HostRoots.fromEnvironment())
        let number = DeviceNumber.text(UInt64(rdev))
        guard let name = disks.name(ofDevice: number) else {
            throw OrionError("refusing to write \(target): block device \(number) is not in \(disks.roots.sysfs)/class/block")
        }
        if let whole = disks.wholeDisk(ofPartition: name) {
            throw OrionError("refusing to write \(target): \(FlashRefusal.partition(name: name, disk: whole).message)")
        }
        return try disks.disk(named: name)
    }

    /// Prints what will be overwritten and asks, unless --yes; without a terminal and --yes, refuses.
    // @implements SWR-FLASH-CONFIRM-1
    func confirm(_ target: String, _ disk: BlockDisk) throws {
        let text = "orion: \(target): \(disk.label) — everything on it will be overwritten\n"
        FileHandle.standardError.write(Data(text.utf8))
        if yes { return }
        guard isatty(0) == 1 else {
            throw OrionError("refusing to write \(target) without confirmation: no terminal to ask on; pass --yes to confirm")
        }
        FileHandle.standardError.write(Data("Write the image to \(target)? Type 'yes' to continue: ".utf8))
        guard let answer = readLine(strippingNewline: true), answer.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
            throw OrionError("not confirmed: \(target) was not written")
        }
    }
}

/// Progress on stderr: a redrawn bar on a terminal, one summary line otherwise.
final class ProgressPrinter {
    let verb: String
    let start = Date()
    let terminal = isatty(2) == 1
    var lastDraw = Date.distantPast

    init(verb: String) { self.verb = verb }

    func update(_ done: UInt64, _ total: UInt64) {
        guard terminal, Date().timeIntervalSince(lastDraw) >= 0.2 || done == total else { return }
        lastDraw = Date()
        let line = FlashProgress.line(done: done, total: total, seconds: Date().timeIntervalSince(start))
        FileHandle.standardError.write(Data("\r\(verb == "wrote" ? "writing  " : "verifying") \(line)".utf8))
    }

    func finish(_ bytes: UInt64) {
        let summary = FlashProgress.summary(verb: verb, bytes: bytes, seconds: Date().timeIntervalSince(start))
        FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[K" : "") + "orion: \(summary)\n").utf8))
    }
}
