// The Linux VM the SocketCAN tests boot (this host's kernel has no AF_CAN): Debian's kernel under QEMU
// through virtme-ng, always without KVM, with the host filesystem shared so host-built binaries run inside.

import Foundation

public enum LinuxVM {
    /// The newest Debian kernel image in /boot, if any.
    public static func kernel() -> String? {
        let boot = (try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? []
        return boot.filter { $0.hasPrefix("vmlinuz-") && $0.hasSuffix("-amd64") }.sorted().last.map { "/boot/" + $0 }
    }

    /// Runs `command` with bash; standard output and error together, as one text.
    public static func shell(_ command: String, timeout: TimeInterval = 900) throws -> (status: Int32, output: String) {
        let r = try HostProcess.run("/bin/bash", ["-c", command], timeout: timeout)
        return (r.status, r.stdout + r.stderr)
    }

    /// Installs what the VM needs and is missing (the project's rule: tests install their tools, never skip):
    /// Debian's kernel, qemu-system-x86, busybox-static, iproute2 and virtme-ng, plus `also` (Debian package
    /// and whether it is already there). Returns the kernel image.
    public static func ensureTools(also: [(package: String, present: Bool)] = []) throws -> String {
        var packages = [String]()
        if kernel() == nil { packages.append("linux-image-amd64") }
        if HostProcess.which("qemu-system-x86_64") == nil { packages.append("qemu-system-x86") }
        if !FileManager.default.fileExists(atPath: "/bin/busybox") { packages.append("busybox-static") }
        if HostProcess.which("ip") == nil { packages.append("iproute2") }
        packages += also.filter { !$0.present }.map(\.package)
        if !packages.isEmpty {
            let sudo = getuid() == 0 ? "" : "sudo "
            let r = try shell("export DEBIAN_FRONTEND=noninteractive; \(sudo)apt-get update -qq && \(sudo)apt-get install -y -qq --no-install-recommends \(packages.joined(separator: " "))")
            guard r.status == 0 else { throw ToolFailure("apt-get install \(packages) failed:\n\(r.output.suffix(2000))") }
        }
        try ProjectPython.ensure()
        guard let kernel = kernel() else { throw ToolFailure("no /boot/vmlinuz-*-amd64 after installing linux-image-amd64") }
        return kernel
    }

    /// Boots the VM with `qemuOptions` and runs the shell script `script` inside; its output (and the VM's)
    /// comes back as one text.
    public static func run(script: String, qemuOptions: String, timeout: TimeInterval = 600) throws -> (status: Int32, output: String) {
        let kernel = try ensureTools()
        let file = NSTemporaryDirectory() + "orion-vm-\(getpid())-\(UUID().uuidString).sh"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try shell("cd /tmp && PATH='\(ProjectPython.bin)':\"$PATH\" timeout -k 10 \(Int(timeout)) vng --disable-kvm --run \(kernel) --qemu-opts='\(qemuOptions)' --exec 'bash \(file) 2>&1' 2>&1",
                         timeout: timeout + 30)
    }
}
