// QEMU 10 (for raspi4b) and the Raspberry Pi devicetrees, as the tests that boot raspi4b or read a Pi
// devicetree need them: Tools/setup-qemu10 fetches them into Orion's cache when missing (no root; quick when
// present), once per test process; fetch-debs runs under a lock, so test processes at once wait for each other.

import Foundation

public enum RaspberryPi {
    /// Orion's cache: ORION_CACHE_DIR, else $XDG_CACHE_HOME/orion-rt, else ~/.cache/orion-rt (as `orion` and
    /// Tools/setup-qemu10 find it).
    public static var cache: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["ORION_CACHE_DIR"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/orion-rt" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/orion-rt"
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var qemu: String?

    /// Runs Tools/setup-qemu10 (once per process) and returns QEMU 10's qemu-system-aarch64.
    @discardableResult
    public static func ensureQEMU10() throws -> String {
        try lock.withLock {
            if let qemu { return qemu }
            let setup = TestPaths.packageRoot.appendingPathComponent("Tools/setup-qemu10").path
            let run = try HostProcess.run(setup, [], timeout: 1200)
            let path = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            guard run.status == 0, FileManager.default.isExecutableFile(atPath: path) else {
                throw ToolFailure("Tools/setup-qemu10 failed (\(run.status)):\n\(run.stdout.suffix(2000))\n\(run.stderr.suffix(2000))")
            }
            qemu = path
            return path
        }
    }

    /// Makes sure `board` can boot: QEMU 10 and the devicetrees for raspi4b; nothing for the other boards,
    /// whose QEMU is the system's.
    public static func ensureQEMU(board: String) throws {
        if board == "raspi4b" { try ensureQEMU10() }
    }

    /// The Debian devicetree `name` (bcm2711-rpi-4-b.dtb, bcm2837-rpi-3-b.dtb) a Pi's SD card carries,
    /// fetched with QEMU 10 by Tools/setup-qemu10.
    public static func devicetree(_ name: String) throws -> String {
        try ensureQEMU10()
        let lib = cache + "/raspi-dtbs/root/usr/lib"
        let kernels = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).filter { $0.hasPrefix("linux-image-") }.sorted()
        for kernel in kernels {
            let path = "\(lib)/\(kernel)/broadcom/\(name)"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw ToolFailure("\(name) is not under \(lib)/linux-image-*/broadcom after Tools/setup-qemu10")
    }

    /// The devicetree QEMU 10's raspi4b machine passes the guest when given `-dtb dtb` (its `dumpdtb`):
    /// QEMU fills /memory and drops the nodes of devices it does not model.
    public static func raspi4bMachineDevicetree(from dtb: String, into folder: String) throws -> String {
        let qemu = try ensureQEMU10()
        let root = URL(fileURLWithPath: qemu).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let out = folder + "/raspi4b-machine.dtb"
        let lib = root + "/usr/lib"
        let multiarch = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).sorted()
            .first { $0.hasSuffix("-linux-gnu") && FileManager.default.fileExists(atPath: "\(lib)/\($0)/qemu") }
        guard let multiarch else { throw ToolFailure("no \(lib)/*-linux-gnu/qemu module folder after Tools/setup-qemu10") }
        let run = try HostProcess.run(qemu, ["-L", root + "/usr/share/qemu", "-M", "raspi4b,dumpdtb=" + out, "-dtb", dtb,
                                             "-display", "none", "-monitor", "none", "-serial", "none"],
                                      environment: ["QEMU_MODULE_DIR": "\(lib)/\(multiarch)/qemu"], timeout: 120)
        guard run.status == 0, FileManager.default.fileExists(atPath: out) else {
            throw ToolFailure("qemu raspi4b dumpdtb failed (\(run.status)):\n\(run.stderr.suffix(2000))")
        }
        return out
    }
}
