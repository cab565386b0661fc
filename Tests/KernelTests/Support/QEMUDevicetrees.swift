// Test helper: asks QEMU itself for the devicetree of a virt machine (`-M virt,dumpdtb=FILE`).

import Foundation

enum QEMUDevicetreeError: Error, CustomStringConvertible {
    case missingTool(String)
    case failed(String)

    var description: String {
        switch self {
        case .missingTool(let message), .failed(let message): return message
        }
    }
}

enum QEMUDevicetrees {
    /// Runs `program` with `arguments` and returns (status, combined output).
    static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Whether `program` is on PATH.
    static func available(_ program: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(program)")
        }
    }

    /// The devicetree blob QEMU builds for `-M virt` on `arch` with `cpus` CPUs and `memoryMiB` of RAM.
    static func virt(arch: String, cpus: Int, memoryMiB: Int) throws -> [UInt8] {
        let program = "qemu-system-\(arch)"
        guard available(program) else {
            throw QEMUDevicetreeError.missingTool("\(program) is not installed: run Tools/test (it installs qemu-system-arm and qemu-system-misc)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orion-dtb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("virt.dtb")
        var arguments = ["-M", "virt,dumpdtb=\(file.path)", "-smp", String(cpus), "-m", "\(memoryMiB)M", "-display", "none"]
        if arch == "aarch64" { arguments += ["-cpu", "cortex-a53"] }
        let (status, output) = try run(program, arguments)
        guard status == 0, let data = FileManager.default.contents(atPath: file.path) else {
            throw QEMUDevicetreeError.failed("\(program) dumpdtb failed (\(status)): \(output)")
        }
        return [UInt8](data)
    }
}
