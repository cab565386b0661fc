// `orion image` and `orion flash`: an SD card image for a Raspberry Pi, written to a card (or a file) with
// Imager-grade checks, or booted in QEMU. The logic lives in ImageTool; this file wires options to it.

import ArgumentParser
import Foundation
import ImageTool
import Kernel
import OrionTool

/// Options naming what goes on the card.
struct CardOptions: ParsableArguments {
    @Option(name: .long, help: "Board: raspi3b or raspi4b (for `orion flash` also a qemu-virt-* board, see --qemu).")
    var board: String

    @Option(name: .long, help: "Guest application (a folder under Boards/Apps).")
    var app: String = BoardCatalog.defaultApp

    @Option(name: .customShort("c"), help: "Build configuration: debug or release.")
    var configuration: String = "debug"

    @Option(name: .long, help: "Image size, \(ImageSize.rangeText) (K, M, G: binary units).")
    var size: String = ImageSize.standard.description

    @Option(name: .long, help: "Folder holding the Pi firmware (and optionally the devicetree) instead of Debian's raspi-firmware, fetched into ~/.cache/orion-rt when missing.")
    var firmware: String?

    /// The board spec, its SD card profile, the configuration and the size, all checked before anything is built.
    func resolve() throws -> (Workspace, BoardSpec, RaspiProfile, BuildConfiguration, ImageSize) {
        let workspace = try Workspace.locate()
        guard let spec = BoardCatalog.board(named: board) else {
            throw OrionError("unknown board '\(board)' (known: \(BoardCatalog.all.map(\.name).joined(separator: ", ")))")
        }
        guard let profile = RaspiProfile.named(board) else {
            throw OrionError("\(board) boots from no SD card (QEMU loads its kernel directly): images are for \(RaspiProfile.all.map(\.board).joined(separator: ", "))")
        }
        guard let config = BuildConfiguration(rawValue: configuration) else {
            throw OrionError("unknown configuration '\(configuration)' (use debug or release)")
        }
        let size = try ImageSize(parsing: self.size)
        try workspace.validate(app: app)
        return (workspace, spec, profile, config, size)
    }

    /// Builds the kernel and writes the image to `output`; returns its manifest.
    func makeImage(output: String) throws -> ImageManifest {
        let (workspace, spec, profile, config, size) = try resolve()
        _ = try ImageHostTools.locate()
        let sources = PiFirmware(root: workspace.root.path, cache: HostTools.cacheFolder.path)
        let firmwareFiles = try sources.firmware(for: profile, directory: firmware)
        let devicetree = try sources.devicetree(for: profile, directory: firmware)
        let built = try workspace.build(board: spec, app: app, configuration: config)
        guard let kernel = built.raw else { throw OrionError("\(board) built no kernel8.img", exitStatus: 1) }
        let kernelHash = try FlashWriter.hashFile(kernel.path)
        let kernelBytes = (try? FileManager.default.attributesOfItem(atPath: kernel.path)[.size] as? Int) ?? 0
        let manifest = ImageManifest(
            board: board, app: app, configuration: config.rawValue, orionVersion: "\(OrionVersion.string)",
            kernelSHA256: kernelHash, kernelBytes: kernelBytes, firmware: firmwareFiles.origin,
            devicetree: devicetree.origin + ", stdout-path \(RaspiProfile.stdoutPath)",
            tool: "orion image (sfdisk, mkfs.vfat, mtools)")
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("orion-image-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }
        let configPath = staging.appendingPathComponent(RaspiProfile.configFile).path
        let manifestPath = staging.appendingPathComponent(RaspiProfile.manifestFile).path
        try Data(profile.configText().utf8).write(to: URL(fileURLWithPath: configPath))
        try Data(manifest.text().utf8).write(to: URL(fileURLWithPath: manifestPath))
        // The devicetree names the PL011 as the console (what disable-bt makes of the firmware's tree).
        let dtbPath = staging.appendingPathComponent(profile.devicetree).path
        try FileManager.default.copyItem(atPath: devicetree.files[profile.devicetree]!, toPath: dtbPath)
        let fdtput = try ImageHostTools.run(ImageHostTools.find("fdtput")!, ["-t", "s", dtbPath, "/chosen", "stdout-path", RaspiProfile.stdoutPath])
        guard fdtput.status == 0 else { throw OrionError("fdtput on \(profile.devicetree) failed: \(fdtput.output)", exitStatus: 1) }
        var sourcesByName = firmwareFiles.files
        sourcesByName[profile.devicetree] = dtbPath
        sourcesByName[RaspiProfile.configFile] = configPath
        sourcesByName[RaspiProfile.kernelFile] = kernel.path
        sourcesByName[RaspiProfile.manifestFile] = manifestPath
        let files = profile.cardFiles.map { name -> CardFile in
            let path = sourcesByName[name]!
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.uint64Value ?? 0
            return CardFile(name: name, source: path, bytes: bytes)
        }
        try SDImageBuilder.build(files: files, size: size, output: output)
        return manifest
    }
}

/// Maps ImageTool's errors onto orion's.
func orionError(_ error: Error) -> Error {
    if let image = error as? ImageToolError { return OrionError(image.message, exitStatus: image.exitStatus) }
    return error
}

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Build an SD card image for a Raspberry Pi: MBR, one FAT32 boot partition with the firmware, devicetree, config.txt, kernel8.img and orion.txt.",
        discussion: """
            Needs sfdisk, mkfs.vfat and mtools (Debian fdisk, dosfstools, mtools); no root, no loop mounts. The \
            firmware comes from --firmware DIR or Debian's raspi-firmware (fetched with Tools/fetch-debs into \
            ~/.cache/orion-rt/raspi-firmware when missing), the devicetree from Debian's arm64 kernel package. The \
            output is written to a temporary file and renamed when complete. See docs/FLASHING.md.
            """)

    @OptionGroup var card: CardOptions

    @Option(name: .shortAndLong, help: "The image file to write.")
    var output: String

    func run() throws {
        do {
            guard !output.isEmpty else { throw OrionError("-o: the path is empty") }
            // The output's folder is checked before the build (the builder checks again before writing).
            let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw OrionError("cannot write the image to \(output): no such folder \(folder)")
            }
            let manifest = try card.makeImage(output: output)
            print(output)
            FileHandle.standardError.write(Data("orion: \(output): \(card.size) image for \(manifest.summary)\n".utf8))
        } catch {
            fail(orionError(error))
        }
    }
}
