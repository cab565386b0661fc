// Booting a board image in QEMU: the command line, tool checks, and running it under a time limit.

import Foundation

/// Options of `orion run` that shape the QEMU command line.
public struct BootOptions: Sendable {
    /// `-smp`, when given.
    public var cpus: Int?
    /// `-m` in MiB, when given.
    public var memoryMiB: Int?
    /// `-icount shift=0,sleep=off`: one nanosecond of virtual time per instruction and no real-time sleeping when idle, so timing repeats exactly.
    public var icount = false
    /// Extra arguments passed through to QEMU, after Orion's own.
    public var extraArguments: [String] = []
    /// A devicetree blob for `-dtb` (the one the board's firmware would pass), or nil for none.
    public var devicetree: String?

    /// Defaults: QEMU's CPU count and memory, no icount, nothing extra, no devicetree.
    public init(cpus: Int? = nil, memoryMiB: Int? = nil, icount: Bool = false, extraArguments: [String] = [],
                devicetree: String? = nil) {
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.icount = icount
        self.extraArguments = extraArguments
        self.devicetree = devicetree
    }
}

/// The QEMU that boots a board: its executable, what it needs in its environment and first on its command
/// line, and where it came from.
public struct QEMUInstallation: Sendable, Equatable {
    /// The `qemu-system-*` executable.
    public let executable: String
    /// Variables laid over the environment (`QEMU_MODULE_DIR` for a QEMU in the cache).
    public let environment: [String: String]
    /// Arguments that go before all others (`-L DATA` for a QEMU in the cache).
    public let arguments: [String]
    /// Where it came from, for `orion boards` (`QEMU 10.0.2 from bookworm-backports, ~/.cache/orion-rt/qemu-10`).
    public let origin: String
}

/// QEMU invocation for a board.
public enum QEMU {
    /// Arguments for booting `image` on `board`: console on stdio, no monitor, no display.
    public static func arguments(board: BoardSpec, image: URL, options: BootOptions) throws -> [String] {
        var args = ["-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot"]
        args += board.machineArguments
        if let cpus = options.cpus {
            guard cpus >= 1 else { throw OrionError("--smp must be at least 1 (got \(cpus))") }
            if let fixed = board.fixedCPUs, fixed != cpus {
                throw OrionError("\(board.name) always has \(fixed) CPUs (the machine fixes it); drop --smp or pass --smp \(fixed)")
            }
            args += ["-smp", String(cpus)]
        }
        if let memory = options.memoryMiB {
            guard memory >= 16 else { throw OrionError("--memory must be at least 16 MiB (got \(memory))") }
            if let fixed = board.fixedMemoryMiB, fixed != memory {
                throw OrionError("\(board.name) always has \(fixed) MiB of memory (the machine fixes it); drop --memory or pass --memory \(fixed)")
            }
            args += ["-m", "\(memory)M"]
        }
        if options.icount { args += ["-icount", "shift=0,sleep=off"] }
        if let devicetree = options.devicetree { args += ["-dtb", devicetree] }
        args += ["-kernel", image.path]
        args += options.extraArguments
        return args
    }

    /// Why `board` cannot boot on this host, or nil when it can.
    public static func missingRequirement(board: BoardSpec) -> String? {
        do {
            _ = try installation(for: board)
        } catch {
            return (error as? OrionError)?.message ?? "\(error)"
        }
        if let firmware = board.firmware, !HostTools.hasFirmware(firmware) {
            return "QEMU firmware \(firmware) not found: install the Debian package qemu-system-data (apt-get install qemu-system-data)"
        }
        return nil
    }

    /// The QEMU that boots `board`: the system's `qemuBinary` on PATH, or the one a setup script unpacked into
    /// Orion's cache, run with its own modules (`QEMU_MODULE_DIR`) and data (`-L`) so that it never loads
    /// the system QEMU's. Throws, naming the package or command that installs it, when it is missing.
    public static func installation(for board: BoardSpec) throws -> QEMUInstallation {
        switch board.qemuSource {
        case .system:
            guard let path = HostTools.find(board.qemuBinary) else {
                throw OrionError("\(board.qemuBinary) not found: install the Debian package \(board.qemuPackage) (apt-get install \(board.qemuPackage))")
            }
            return QEMUInstallation(executable: path, environment: [:], arguments: [], origin: "system QEMU, \(path)")
        case .cache(let cached):
            let folder = HostTools.cacheFolder.appendingPathComponent(cached.folder)
            let root = folder.appendingPathComponent("root")
            let executable = root.appendingPathComponent("usr/bin/\(board.qemuBinary)").path
            // Its modules sit in the host's multiarch folder (usr/lib/x86_64-linux-gnu/qemu on amd64).
            let modules = HostTools.expand(root.appendingPathComponent("usr/lib").path, pattern: "*-linux-gnu", name: "qemu")
            let data = root.appendingPathComponent("usr/share/qemu").path
            let versions = (try? String(contentsOf: folder.appendingPathComponent("versions.tsv"), encoding: .utf8)) ?? ""
            guard FileManager.default.isExecutableFile(atPath: executable), let modules,
                  FileManager.default.fileExists(atPath: data),
                  let version = debianUpstreamVersion(package: cached.package, in: versions) else {
                throw OrionError("\(cached.release) for -M \(board.machine) is not installed in "
                                 + "\(HostTools.abbreviatingHome(folder.path)): run \(cached.setupCommand)")
            }
            return QEMUInstallation(
                executable: executable, environment: ["QEMU_MODULE_DIR": modules], arguments: ["-L", data],
                origin: "QEMU \(version) from \(cached.suite), \(HostTools.abbreviatingHome(folder.path))")
        }
    }

    /// The upstream version (`10.0.2`) of `package` in a fetch-debs `versions.tsv` (`package<TAB>1:10.0.2+ds-2...`).
    static func debianUpstreamVersion(package: String, in versions: String) -> String? {
        for line in versions.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            guard fields.count == 2, fields[0] == package else { continue }
            var version = Substring(fields[1])
            if let colon = version.firstIndex(of: ":") { version = version[version.index(after: colon)...] }
            let upstream = version.prefix { $0 != "+" && $0 != "-" && $0 != "~" }
            return upstream.isEmpty ? nil : String(upstream)
        }
        return nil
    }

    /// The devicetree the board's firmware passes, from Orion's cache; throws naming the setup command when
    /// it is missing. Nil for a board without one.
    public static func firmwareDevicetree(for board: BoardSpec) throws -> String? {
        guard let file = board.firmwareDevicetree else { return nil }
        let root = HostTools.cacheFolder.appendingPathComponent(file.folder).appendingPathComponent("root")
        if let path = HostTools.expand(root.path, pattern: file.pattern, name: file.name) { return path }
        throw OrionError("\(board.name)'s devicetree \(file.name) is not in "
                         + "\(HostTools.abbreviatingHome(root.deletingLastPathComponent().path)): run \(file.setupCommand) "
                         + "(or boot without it: --no-devicetree)")
    }
}
