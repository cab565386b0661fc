// The FDT reader and platform probe on real devicetrees that QEMU itself generates, checked against the
// QEMU options used and, node by node, against dtc's fdtget as an independent reader.

import Foundation
import Testing
@testable import Kernel

struct VirtConfig: CustomTestStringConvertible, Sendable {
    let arch: String
    let cpus: Int
    let memoryMiB: Int
    var testDescription: String { "\(arch) -smp \(cpus) -m \(memoryMiB)" }
}

let virtConfigs = [
    VirtConfig(arch: "aarch64", cpus: 1, memoryMiB: 128),
    VirtConfig(arch: "aarch64", cpus: 2, memoryMiB: 256),
    VirtConfig(arch: "aarch64", cpus: 4, memoryMiB: 1024),
    VirtConfig(arch: "aarch64", cpus: 8, memoryMiB: 3072),
    VirtConfig(arch: "riscv64", cpus: 1, memoryMiB: 128),
    VirtConfig(arch: "riscv64", cpus: 3, memoryMiB: 512),
    VirtConfig(arch: "riscv64", cpus: 8, memoryMiB: 2048),
]

@Suite("QEMU devicetrees")
struct QEMUDevicetreeTests {
    // @verifies SWR-HAL-PLAT-1
    @Test(arguments: virtConfigs)
    func platformMatchesTheQEMUOptions(_ config: VirtConfig) throws {
        let blob = try QEMUDevicetrees.virt(arch: config.arch, cpus: config.cpus, memoryMiB: config.memoryMiB)
        let platform = try withFDT(blob) { try Platform(devicetree: $0) }
        #expect(platform.cpuCount == config.cpus)
        #expect(platform.memoryMiB == UInt64(config.memoryMiB))
        #expect(platform.source == .devicetree)
        if config.arch == "aarch64" {
            #expect(platform.memory[0].base == 0x4000_0000)
            #expect(platform.console == DeviceInfo(compatible: DeviceName("arm,pl011"), base: 0x0900_0000, size: 0x1000))
            #expect(platform.interruptController == DeviceInfo(
                compatible: DeviceName("arm,cortex-a15-gic"), base: 0x0800_0000, size: 0x1_0000, secondBase: 0x0801_0000))
            #expect(platform.pcieECAM?.size == 0x1000_0000)
            // QEMU's Arm timer node has no clock-frequency: the board reads CNTFRQ_EL0 instead.
            #expect(platform.timerFrequencyHz == nil)
            #expect(platform.exitDevice == nil)
            #expect(!platform.hasSstc)
        } else {
            #expect(platform.memory[0].base == 0x8000_0000)
            #expect(platform.console == DeviceInfo(compatible: DeviceName("ns16550a"), base: 0x1000_0000, size: 0x100))
            #expect(platform.interruptController?.compatible == DeviceName("sifive,plic-1.0.0"))
            #expect(platform.interruptController?.base == 0x0C00_0000)
            #expect(platform.pcieECAM == MemoryRange(base: 0x3000_0000, size: 0x1000_0000))
            #expect(platform.timerFrequencyHz == 10_000_000)
            #expect(platform.exitDevice?.base == 0x10_0000)
            #expect(platform.hasSstc)  // QEMU 7.2's riscv,isa ends in _sstc
        }
    }

    /// Every node's children, property names and property bytes agree with what fdtget (from dtc) reads.
    @Test(arguments: ["aarch64", "riscv64"])
    func readerAgreesWithFdtget(_ arch: String) throws {
        guard QEMUDevicetrees.available("fdtget") else {
            Issue.record("fdtget is not installed: run Tools/test (it installs device-tree-compiler)")
            return
        }
        let blob = try QEMUDevicetrees.virt(arch: arch, cpus: 2, memoryMiB: 256)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("orion-oracle-\(UUID().uuidString).dtb")
        try Data(blob).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        func fdtget(_ arguments: [String]) throws -> [String] {
            let (status, output) = try QEMUDevicetrees.run("fdtget", [file.path] + arguments)
            #expect(status == 0, "fdtget \(arguments) failed: \(output)")
            return output.split(separator: "\n").map(String.init)
        }
        var checkedProperties = 0
        try withFDT(blob) { fdt in
            // Depth-first with explicit paths.
            var stack: [(FDTNode, String)] = [(fdt.root, "/")]
            while let (node, path) = stack.popLast() {
                var children: [(FDTNode, String)] = []
                var iterator = fdt.children(of: node)
                while let child = iterator.next() {
                    let name = text(fdt.name(of: child))
                    children.append((child, path == "/" ? "/" + name : path + "/" + name))
                }
                #expect(children.map { String($0.1.split(separator: "/").last!) } == (try fdtget(["-l", path])), "children of \(path)")
                var names: [String] = []
                var properties = fdt.properties(of: node)
                while let property = properties.next() {
                    let name = text(property.name)
                    names.append(name)
                    let expected = try fdtget(["-t", "bx", path, name]).joined(separator: " ")
                    let ours = property.value.raw.map { String($0, radix: 16) }.joined(separator: " ")
                    #expect(ours == expected, "\(path):\(name)")
                    checkedProperties += 1
                }
                #expect(names == (try fdtget(["-p", path])), "properties of \(path)")
                stack.append(contentsOf: children.reversed())
            }
        }
        #expect(checkedProperties > 50)
    }
}
