// Assembling a Pi SD card image without root or loop mounts: a sparse file, an MBR with one bootable FAT32-LBA
// partition (sfdisk), the FAT file system made in a file of its own (mkfs.vfat), the files copied in (mcopy),
// the file system placed at the partition's offset; written to a temporary file that is renamed over the
// output only when complete.

import Foundation

/// The host programs the image needs, with the Debian package of each.
public enum ImageHostTools {
    /// Program → Debian package.
    public static let required: [(program: String, package: String)] = [
        ("sfdisk", "fdisk"), ("mkfs.vfat", "dosfstools"), ("mcopy", "mtools"), ("mtype", "mtools"),
        ("fdtput", "device-tree-compiler"),
    ]

    /// The path of `program` on PATH (plus /sbin and /usr/sbin, where Debian puts sfdisk and mkfs.vfat).
    public static func find(_ program: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for folder in path + ["/usr/sbin", "/sbin"] where FileManager.default.isExecutableFile(atPath: folder + "/" + program) {
            return folder + "/" + program
        }
        return nil
    }

    /// Every program found, or an error naming the missing ones and their Debian packages.
    public static func locate() throws(ImageToolError) -> [String: String] {
        var found: [String: String] = [:]
        var missing: [(String, String)] = []
        for (program, package) in required {
            if let path = find(program) { found[program] = path } else { missing.append((program, package)) }
        }
        guard missing.isEmpty else {
            let packages = Array(Set(missing.map(\.1))).sorted()
            throw ImageToolError("\(missing.map(\.0).joined(separator: ", ")) not found: install the Debian package\(packages.count > 1 ? "s" : "") "
                + "\(packages.joined(separator: " ")) (apt-get install \(packages.joined(separator: " ")))")
        }
        return found
    }

    /// Runs `program` with `arguments` (stdin from `input`), returning its status and standard error.
    public static func run(_ program: String, _ arguments: [String], input: String? = nil) throws(ImageToolError) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MTOOLS_SKIP_CHECK"] = "1"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let out = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        do { try process.run() } catch { throw ImageToolError("cannot run \(program): \(error.localizedDescription)") }
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try? inPipe.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// One file for the card: its name there and where its bytes are.
public struct CardFile: Sendable, Equatable {
    /// The name on the FAT partition.
    public let name: String
    /// The host file.
    public let source: String
    /// Bytes.
    public let bytes: UInt64

    /// A file named `name` on the card, copied from `source`.
    public init(name: String, source: String, bytes: UInt64) {
        self.name = name
        self.source = source
        self.bytes = bytes
    }
}

/// Builds SD card images.
public enum SDImageBuilder {
    /// The partition starts at 4 MiB (sector 8192), the erase-block alignment SD cards like.
    public static let partitionStartSector = 8192
    /// The FAT volume label.
    public static let volumeLabel = "ORIONBOOT"

    /// Room the FAT32 file system itself takes in a partition of `bytes` (two FATs of 4 bytes per 512-byte
    /// cluster, 32 reserved sectors, one cluster per file's slack and directory), so the files must fit in the rest.
    public static func usableBytes(partitionBytes: UInt64, files: [CardFile]) -> (needed: UInt64, available: UInt64) {
        let clusters = partitionBytes / 512
        let fatBytes = 2 * clusters * 4
        let overhead = 32 * 512 + fatBytes + 64 << 10
        let needed = files.reduce(UInt64(0)) { $0 + ($1.bytes + 4095) / 4096 * 4096 }
        return (needed, partitionBytes > overhead ? partitionBytes - overhead : 0)
    }

    /// Writes an image of `size` holding `files` to `output` (atomically: a temporary file in the same folder,
    /// renamed when complete, removed on any failure).
    // @implements SWR-FLASH-IMAGE-1
    public static func build(files: [CardFile], size: ImageSize, output: String) throws(ImageToolError) {
        let tools = try ImageHostTools.locate()
        let partitionBytes = UInt64(size.bytes - partitionStartSector * 512)
        let (needed, available) = usableBytes(partitionBytes: partitionBytes, files: files)
        guard needed <= available else {
            throw ImageToolError("the image is too small: the files need \(FlashProgress.binarySize(needed)) and a --size \(size) image "
                + "has room for \(FlashProgress.binarySize(available)); use a larger --size (\(ImageSize.rangeText))")
        }
        let outputURL = URL(fileURLWithPath: output)
        let folder = outputURL.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ImageToolError("cannot write the image to \(output): no such folder \(folder)")
        }
        if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), isFolder.boolValue {
            throw ImageToolError("cannot write the image to \(output): it is a folder")
        }
        let temporary = folder + "/." + outputURL.lastPathComponent + ".orion-\(getpid()).tmp"
        let fatFile = temporary + ".fat"
        defer {
            try? FileManager.default.removeItem(atPath: temporary)
            try? FileManager.default.removeItem(atPath: fatFile)
        }
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw ImageToolError("cannot write the image to \(output): cannot create \(temporary) (\(FlashWriter.reason(errno)))")
        }
        do { try handle.truncate(atOffset: UInt64(size.bytes)); try handle.close() } catch {
            throw ImageToolError("cannot write the image to \(output): \(error.localizedDescription)")
        }
        let table = "label: dos\nstart=\(partitionStartSector), type=c, bootable\n"
        let sfdisk = try ImageHostTools.run(tools["sfdisk"]!, ["--quiet", "--no-reread", "--no-tell-kernel", temporary], input: table)
        guard sfdisk.status == 0 else { throw ImageToolError("sfdisk failed (\(sfdisk.status)): \(sfdisk.output)", exitStatus: 1) }
        let kib = partitionBytes / 1024
        let mkfs = try ImageHostTools.run(tools["mkfs.vfat"]!, ["-C", "-F", "32", "-S", "512", "-n", volumeLabel, fatFile, String(kib)])
        guard mkfs.status == 0 else { throw ImageToolError("mkfs.vfat failed (\(mkfs.status)): \(mkfs.output)", exitStatus: 1) }
        for file in files {
            let copy = try ImageHostTools.run(tools["mcopy"]!, ["-o", "-i", fatFile, file.source, "::/" + file.name])
            guard copy.status == 0 else {
                if copy.output.lowercased().contains("full") {
                    throw ImageToolError("the image is too small for \(file.name): use a larger --size (\(ImageSize.rangeText))")
                }
                throw ImageToolError("mcopy of \(file.name) failed (\(copy.status)): \(copy.output)", exitStatus: 1)
            }
        }
        try place(fatFile, into: temporary, atByte: UInt64(partitionStartSector * 512))
        guard rename(temporary, output) == 0 else {
            throw ImageToolError("cannot write the image to \(output): \(FlashWriter.reason(errno))")
        }
    }

    /// Copies the file system `fat` into `image` at `offset`, then flushes the image.
    static func place(_ fat: String, into image: String, atByte offset: UInt64) throws(ImageToolError) {
        let input = open(fat, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw ImageToolError("cannot read \(fat): \(FlashWriter.reason(errno))", exitStatus: 1) }
        defer { close(input) }
        let output = open(image, O_WRONLY | O_CLOEXEC)
        guard output >= 0 else { throw ImageToolError("cannot write \(image): \(FlashWriter.reason(errno))", exitStatus: 1) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: FlashWriter.chunkBytes)
        var position = offset
        while true {
            let n = try FlashWriter.readFull(input, &buffer, path: fat)
            if n == 0 { break }
            // Runs of zeros stay holes in the sparse image.
            if buffer[0..<n].contains(where: { $0 != 0 }) {
                let written = buffer.withUnsafeBytes { pwrite(output, $0.baseAddress, n, off_t(position)) }
                guard written == n else { throw ImageToolError("writing \(image) failed: \(FlashWriter.reason(errno))", exitStatus: 1) }
            }
            position += UInt64(n)
        }
        guard fsync(output) == 0 else { throw ImageToolError("flushing \(image) failed: \(FlashWriter.reason(errno))", exitStatus: 1) }
    }

    /// The boot partition's first byte in `image` (a file or a device), from its MBR.
    public static func bootPartitionOffset(of image: String) throws(ImageToolError) -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: image) else { throw ImageToolError("cannot read \(image): \(FlashWriter.reason(errno))") }
        defer { try? handle.close() }
        let sector = (try? handle.read(upToCount: 512)) ?? Data()
        let mbr = try MBR(sector: [UInt8](sector))
        guard let boot = mbr.bootPartition else { throw ImageToolError("\(image) has no FAT32 (type 0x0C) boot partition") }
        return boot.byteOffset
    }

    /// The bytes of `name` on the boot partition of `image` (read with mtype, at most `limit` bytes).
    public static func readFile(_ name: String, from image: String, limit: Int = 64 << 20) throws(ImageToolError) -> [UInt8] {
        let offset = try bootPartitionOffset(of: image)
        let tools = try ImageHostTools.locate()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tools["mtype"]!)
        process.arguments = ["-i", "\(image)@@\(offset)", "::/" + name]
        var environment = ProcessInfo.processInfo.environment
        environment["MTOOLS_SKIP_CHECK"] = "1"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw ImageToolError("cannot run mtype: \(error.localizedDescription)") }
        let data = (try? out.fileHandleForReading.read(upToCount: limit + 1)) ?? Data()
        if data.count > limit { process.terminate() }
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard data.count <= limit else { throw ImageToolError("\(name) on \(image) is larger than \(limit) bytes") }
        guard process.terminationStatus == 0 else {
            throw ImageToolError("\(image) has no readable \(name) (\(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        return [UInt8](data)
    }

    /// Whether `target` (a card or a file) already holds an image with `manifest`: its boot partition's orion.txt
    /// reads back equal. A target without a partition table, a FAT boot partition or a valid manifest does not.
    // @implements SWR-FLASH-SAME-1
    public static func holds(_ manifest: ImageManifest, _ target: String) -> Bool {
        guard let bytes = try? readFile(RaspiProfile.manifestFile, from: target, limit: ImageManifest.maximumBytes),
              let onCard = try? ImageManifest.parse(bytes) else { return false }
        return onCard == manifest
    }

    /// Copies `name` from the boot partition of `image` to the host file `destination`.
    public static func extract(_ name: String, from image: String, to destination: String) throws(ImageToolError) {
        let bytes = try readFile(name, from: image)
        guard FileManager.default.createFile(atPath: destination, contents: Data(bytes)) else {
            throw ImageToolError("cannot write \(destination)")
        }
    }
}
