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

    /// Defaults: QEMU's CPU count and memory, no icount, nothing extra.
    public init(cpus: Int? = nil, memoryMiB: Int? = nil, icount: Bool = false, extraArguments: [String] = []) {
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.icount = icount
        self.extraArguments = extraArguments
    }
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
        args += ["-kernel", image.path]
        args += options.extraArguments
        return args
    }

    /// Why `board` cannot boot on this host, or nil when it can.
    public static func missingRequirement(board: BoardSpec) -> String? {
        guard HostTools.find(board.qemuBinary) != nil else {
            return "\(board.qemuBinary) not found: install the Debian package \(board.qemuPackage) (apt-get install \(board.qemuPackage))"
        }
        if let firmware = board.firmware, !HostTools.hasFirmware(firmware) {
            return "QEMU firmware \(firmware) not found: install the Debian package qemu-system-data (apt-get install qemu-system-data)"
        }
        return nil
    }
}
