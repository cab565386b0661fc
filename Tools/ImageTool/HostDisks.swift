// What `orion flash` reads about the host's disks before it writes one: the block device's sysfs entry
// (removable, size, model, vendor, partitions, holders), the mount table (/proc/self/mountinfo) and the swap
// areas (/proc/swaps). The roots of sysfs and /proc are settable (ORION_SYSFS_ROOT, ORION_PROC_ROOT) so the
// tests can check every refusal against a fake host.

import Foundation

/// Where the host's disk facts are read from.
public struct HostRoots: Sendable, Equatable {
    /// The sysfs mount (`/sys`).
    public var sysfs: String
    /// The procfs mount (`/proc`).
    public var proc: String

    /// The real host.
    public init(sysfs: String = "/sys", proc: String = "/proc") {
        self.sysfs = sysfs
        self.proc = proc
    }

    /// The real host, or the test hooks `ORION_SYSFS_ROOT` and `ORION_PROC_ROOT` when set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> HostRoots {
        HostRoots(sysfs: environment["ORION_SYSFS_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? "/sys",
                  proc: environment["ORION_PROC_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? "/proc")
    }
}

/// One mounted file system from /proc/self/mountinfo.
public struct MountEntry: Sendable, Equatable {
    /// `major:minor` of the mounted device (0:N for file systems without one, such as btrfs subvolumes).
    public let device: String
    /// Where it is mounted (octal escapes decoded).
    public let mountPoint: String
    /// The mount source (`/dev/sda2`), as the kernel reports it.
    public let source: String
}

/// Parsers of the kernel's mount and swap tables.
public enum HostTables {
    /// The most lines read from a table (a host has hundreds at most).
    public static let maximumLines = 100_000

    /// Parses /proc/self/mountinfo: `ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [FIELDS...] - TYPE SOURCE SUPER`.
    /// Throws on a line that does not have that shape.
    // @implements SWR-FLASH-REFUSE-2
    public static func mountInfo(_ text: String) throws(ImageToolError) -> [MountEntry] {
        var entries: [MountEntry] = []
        var number = 0
        for line in text.split(separator: "\n") {
            number += 1
            guard number <= maximumLines else { throw ImageToolError("mountinfo: more than \(maximumLines) lines") }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 7, let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 2 < fields.count,
                  isDeviceNumber(fields[2]) else {
                throw ImageToolError("mountinfo:\(number): not a mountinfo line")
            }
            entries.append(MountEntry(device: String(fields[2]), mountPoint: unescape(fields[4]), source: unescape(fields[dash + 2])))
        }
        return entries
    }

    /// Parses /proc/swaps: a header line, then `FILENAME TYPE SIZE USED PRIORITY`; returns the file names.
    // @implements SWR-FLASH-REFUSE-2
    public static func swaps(_ text: String) throws(ImageToolError) -> [String] {
        var names: [String] = []
        for (index, line) in text.split(separator: "\n").enumerated() {
            guard index < maximumLines else { throw ImageToolError("swaps: more than \(maximumLines) lines") }
            if index == 0 && line.hasPrefix("Filename") { continue }
            guard let name = line.split(separator: " ").first, line.split(separator: " ").count >= 2 else {
                throw ImageToolError("swaps:\(index + 1): not a swap line")
            }
            names.append(unescape(name))
        }
        return names
    }

    /// `8:16`: two decimal numbers.
    static func isDeviceNumber(_ text: Substring) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 10 && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    /// Decodes the kernel's octal escapes (`\040` for a space).
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var i = 0
        while i < raw.count {
            if raw[i] == 0x5C, i + 4 <= raw.count, raw[(i + 1)..<(i + 4)].allSatisfy({ (0x30...0x37).contains($0) }) {
                let value = raw[(i + 1)..<(i + 4)].reduce(0) { $0 * 8 + Int($1 - 0x30) }
                if value <= 255 {
                    bytes.append(UInt8(value))
                    i += 4
                    continue
                }
            }
            bytes.append(raw[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A whole disk as sysfs describes it.
public struct BlockDisk: Sendable, Equatable {
    /// Kernel name (`sdb`, `mmcblk0`).
    public let name: String
    /// `major:minor`.
    public let device: String
    /// sysfs `removable`, or an SD/MMC card (whose slot reports 0 although the card comes out).
    public let removable: Bool
    /// Size in bytes (sysfs `size` is in 512-byte sectors).
    public let bytes: UInt64
    /// `device/vendor`, trimmed (empty when sysfs has none).
    public let vendor: String
    /// `device/model`, trimmed.
    public let model: String
    /// Its partitions: kernel name and `major:minor`.
    public let partitions: [(name: String, device: String)]
    /// Devices stacked on it or its partitions (device-mapper, RAID).
    public let holders: [String]

    /// A disk with these facts.
    public init(name: String, device: String, removable: Bool, bytes: UInt64, vendor: String, model: String,
                partitions: [(name: String, device: String)], holders: [String]) {
        self.name = name
        self.device = device
        self.removable = removable
        self.bytes = bytes
        self.vendor = vendor
        self.model = model
        self.partitions = partitions
        self.holders = holders
    }

    public static func == (a: BlockDisk, b: BlockDisk) -> Bool {
        a.name == b.name && a.device == b.device && a.removable == b.removable && a.bytes == b.bytes && a.vendor == b.vendor
            && a.model == b.model && a.holders == b.holders
            && a.partitions.map { $0.name + "=" + $0.device } == b.partitions.map { $0.name + "=" + $0.device }
    }

    /// `SanDisk Ultra (sdb, 31.9 GB)`.
    public var label: String {
        let maker = [vendor, model].filter { !$0.isEmpty }.joined(separator: " ")
        return "\(maker.isEmpty ? "unknown model" : maker) (\(name), \(FlashProgress.decimalSize(bytes)))"
    }
}

/// Looks up block devices in sysfs.
public struct SysfsDisks: Sendable {
    /// The roots read.
    public let roots: HostRoots

    /// Reads under `roots`.
    public init(roots: HostRoots) { self.roots = roots }

    var classBlock: String { roots.sysfs + "/class/block" }

    func read(_ path: String, limit: Int = 4096) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit)) ?? Data()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The kernel name of the block device numbered `device` (`8:16`), or nil.
    public func name(ofDevice device: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: classBlock)) ?? []
        return names.sorted().first { read(classBlock + "/" + $0 + "/dev") == device }
    }

    /// Whether `name` is a partition, and then the disk holding it.
    public func wholeDisk(ofPartition name: String) -> String? {
        let entry = classBlock + "/" + name
        guard FileManager.default.fileExists(atPath: entry + "/partition") else { return nil }
        let resolved = URL(fileURLWithPath: entry).resolvingSymlinksInPath()
        return resolved.deletingLastPathComponent().lastPathComponent
    }

    /// The disk called `name`; throws when sysfs has no such block device.
    // @implements SWR-FLASH-REFUSE-1
    public func disk(named name: String) throws(ImageToolError) -> BlockDisk {
        let folder = classBlock + "/" + name
        guard let device = read(folder + "/dev") else { throw ImageToolError("\(name) is not a block device sysfs knows (\(folder))") }
        let sectors = read(folder + "/size").flatMap { UInt64($0) } ?? 0
        let removableFlag = read(folder + "/removable") == "1"
        var partitions: [(name: String, device: String)] = []
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        for child in children where FileManager.default.fileExists(atPath: folder + "/" + child + "/partition") {
            partitions.append((child, read(folder + "/" + child + "/dev") ?? ""))
        }
        var holders = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/holders")) ?? []
        for partition in partitions {
            holders += (try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + partition.name + "/holders")) ?? []
        }
        return BlockDisk(name: name, device: device, removable: removableFlag || name.hasPrefix("mmcblk"),
                         bytes: sectors.multipliedReportingOverflow(by: 512).overflow ? UInt64.max : sectors * 512,
                         vendor: read(folder + "/device/vendor") ?? "", model: read(folder + "/device/model") ?? "",
                         partitions: partitions, holders: holders.sorted())
    }

    /// The mount table (`PROC/self/mountinfo`).
    public func mounts() throws(ImageToolError) -> [MountEntry] {
        guard let text = read(roots.proc + "/self/mountinfo", limit: 16 << 20) else {
            throw ImageToolError("cannot read \(roots.proc)/self/mountinfo to see what is mounted")
        }
        return try HostTables.mountInfo(text)
    }

    /// The swap areas (`PROC/swaps`; none when the file is absent: a kernel without swap support).
    public func swaps() throws(ImageToolError) -> [String] {
        guard let text = read(roots.proc + "/swaps", limit: 1 << 20) else { return [] }
        return try HostTables.swaps(text)
    }
}

/// Why `orion flash` will not write a disk.
public enum FlashRefusal: Sendable, Equatable {
    /// A partition was named, not the disk.
    case partition(name: String, disk: String)
    /// The disk holds the running system: a partition mounted at `/`, `/boot`, ..., or a swap area.
    case systemDisk(partition: String, use: String)
    /// A partition of the disk is mounted.
    case mounted(partition: String, at: String)
    /// Device-mapper or RAID devices sit on the disk.
    case held(by: [String])
    /// The disk is not removable.
    case notRemovable
    /// The disk is larger than the limit for an SD card.
    case tooLarge(bytes: UInt64)
    /// The disk is smaller than the image.
    case tooSmall(bytes: UInt64, image: UInt64)

    /// Whether `--force` overrides it (never for a disk in use).
    public var overridable: Bool {
        switch self {
        case .notRemovable, .tooLarge: return true
        default: return false
        }
    }

    /// The reason and what to do, for `orion: error: refusing to write /dev/sdX: ...`.
    public var message: String {
        switch self {
        case .partition(let name, let disk):
            return "\(name) is a partition; give the whole card, /dev/\(disk)"
        case .systemDisk(let partition, let use):
            return "it holds the running system (\(partition) is \(use)); nothing overrides this"
        case .mounted(let partition, let at):
            return "\(partition) is mounted at \(at); unmount every partition of the card first (umount \(at))"
        case .held(let holders):
            return "it is in use by \(holders.joined(separator: ", ")) (device-mapper or RAID); stop them first"
        case .notRemovable:
            return "it is not a removable disk (an SD card or USB reader is); --force overrides this"
        case .tooLarge(let bytes):
            return "it is \(FlashProgress.decimalSize(bytes)), larger than the 256 GiB an SD card for a Pi would be; --force overrides this"
        case .tooSmall(let bytes, let image):
            return "it is \(FlashProgress.decimalSize(bytes)), smaller than the \(FlashProgress.decimalSize(image)) image"
        }
    }
}

/// The checks Raspberry Pi Imager and balenaEtcher make before writing a disk.
public enum FlashSafety {
    /// Disks larger than this are refused unless `--force` (no SD card is; a host's data disk often is).
    public static let largestCard: UInt64 = 256 << 30
    /// Mount points that belong to the running system.
    public static let systemMountPoints: Set<String> = ["/", "/boot", "/boot/efi", "/boot/firmware", "/usr", "/var", "/home"]

    /// The last component of a device path (`sdb1` of `/dev/sdb1`), without Foundation's path bridging (which
    /// traps on a NUL byte, and a mount table line may hold anything).
    static func baseName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? "")
    }

    /// Every reason to refuse `disk`, most serious first; with `force`, the overridable ones are left out.
    // @implements SWR-FLASH-REFUSE-1
    // @implements SWR-FLASH-REFUSE-2
    // @implements SWR-FLASH-REFUSE-3
    public static func refusals(disk: BlockDisk, mounts: [MountEntry], swaps: [String], imageBytes: UInt64,
                                force: Bool) -> [FlashRefusal] {
        var found: [FlashRefusal] = []
        let members = [(disk.name, disk.device)] + disk.partitions.map { ($0.name, $0.device) }
        func member(of mount: MountEntry) -> String? {
            let sourceName = baseName(mount.source)
            return members.first { $0.1 == mount.device || (mount.source.hasPrefix("/dev/") && $0.0 == sourceName) }?.0
        }
        for swap in swaps {
            let name = baseName(swap)
            if swap.hasPrefix("/dev/"), members.contains(where: { $0.0 == name }) { found.append(.systemDisk(partition: name, use: "a swap area")) }
        }
        for mount in mounts {
            guard let name = member(of: mount) else { continue }
            if systemMountPoints.contains(mount.mountPoint) {
                found.append(.systemDisk(partition: name, use: "mounted at \(mount.mountPoint)"))
            }
        }
        for mount in mounts where !systemMountPoints.contains(mount.mountPoint) {
            if let name = member(of: mount) { found.append(.mounted(partition: name, at: mount.mountPoint)) }
        }
        if !disk.holders.isEmpty { found.append(.held(by: disk.holders)) }
        if disk.bytes < imageBytes { found.append(.tooSmall(bytes: disk.bytes, image: imageBytes)) }
        if !disk.removable { found.append(.notRemovable) }
        if disk.bytes > largestCard { found.append(.tooLarge(bytes: disk.bytes)) }
        return force ? found.filter { !$0.overridable } : found
    }
}

/// Linux device numbers.
public enum DeviceNumber {
    /// `major:minor` of a `st_rdev` (glibc's encoding: 12 bits of major and 20 of minor, split).
    public static func text(_ rdev: UInt64) -> String {
        let major = ((rdev >> 8) & 0xFFF) | ((rdev >> 32) & ~UInt64(0xFFF))
        let minor = (rdev & 0xFF) | ((rdev >> 12) & ~UInt64(0xFF))
        return "\(major):\(minor)"
    }
}
