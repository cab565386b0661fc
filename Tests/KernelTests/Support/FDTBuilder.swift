// Test helper: writes small devicetree blobs token by token, so tests can make valid and broken ones precisely.

/// Builds a version-17 devicetree blob.
struct FDTBuilder {
    var structure: [UInt8] = []
    var strings: [UInt8] = []
    var stringOffsets: [String: UInt32] = [:]

    mutating func word(_ value: UInt32) {
        structure += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    mutating func pad() { while structure.count % 4 != 0 { structure.append(0) } }

    mutating func begin(_ name: String) {
        word(1)
        structure += Array(name.utf8) + [0]
        pad()
    }

    mutating func end() { word(2) }

    mutating func nameOffset(_ name: String) -> UInt32 {
        if let offset = stringOffsets[name] { return offset }
        let offset = UInt32(strings.count)
        strings += Array(name.utf8) + [0]
        stringOffsets[name] = offset
        return offset
    }

    mutating func property(_ name: String, bytes: [UInt8]) {
        let offset = nameOffset(name)
        word(3)
        word(UInt32(bytes.count))
        word(offset)
        structure += bytes
        pad()
    }

    mutating func property(_ name: String, cells: [UInt32]) {
        var bytes: [UInt8] = []
        for cell in cells {
            bytes += [UInt8(cell >> 24), UInt8((cell >> 16) & 0xFF), UInt8((cell >> 8) & 0xFF), UInt8(cell & 0xFF)]
        }
        property(name, bytes: bytes)
    }

    mutating func property(_ name: String, string: String) {
        property(name, bytes: Array(string.utf8) + [0])
    }

    mutating func property(_ name: String, strings list: [String]) {
        property(name, bytes: list.flatMap { Array($0.utf8) + [0] })
    }

    mutating func finish() { word(9) }

    /// The blob: header, empty memory reservation map, structure block, strings block.
    func blob(version: UInt32 = 17) -> [UInt8] {
        let headerSize = 40
        let reserveOffset = headerSize
        let structOffset = reserveOffset + 16
        let stringsOffset = structOffset + structure.count
        let total = stringsOffset + strings.count
        var out: [UInt8] = []
        func put(_ value: Int) {
            let v = UInt32(value)
            out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        }
        put(0xD00D_FEED); put(total); put(structOffset); put(stringsOffset); put(reserveOffset)
        put(Int(version)); put(16); put(0); put(strings.count); put(structure.count)
        out += [UInt8](repeating: 0, count: 16)
        out += structure
        out += strings
        return out
    }

    /// A small but complete machine: two CPUs, 256 MiB, a PL011 console via stdout-path, a GIC, PCIe.
    static func sampleMachine() -> FDTBuilder {
        var b = FDTBuilder()
        b.begin("")
        b.property("#address-cells", cells: [2])
        b.property("#size-cells", cells: [2])
        b.property("interrupt-parent", cells: [0x10])
        b.begin("chosen")
        b.property("stdout-path", string: "serial0:115200n8")
        b.property("bootargs", string: "app=demo")
        b.end()
        b.begin("aliases")
        b.property("serial0", string: "/soc/uart@9000000")
        b.end()
        b.begin("cpus")
        b.property("#address-cells", cells: [1])
        b.property("#size-cells", cells: [0])
        b.property("timebase-frequency", cells: [10_000_000])
        for i in 0..<2 {
            b.begin("cpu@\(i)")
            b.property("device_type", string: "cpu")
            b.property("reg", cells: [UInt32(i)])
            b.end()
        }
        b.begin("cpu@2")
        b.property("device_type", string: "cpu")
        b.property("status", string: "disabled")
        b.end()
        b.end()
        b.begin("memory@40000000")
        b.property("device_type", string: "memory")
        b.property("reg", cells: [0, 0x4000_0000, 0, 0x0800_0000, 0, 0x5000_0000, 0, 0x0800_0000])
        b.end()
        b.begin("soc")
        b.property("#address-cells", cells: [1])
        b.property("#size-cells", cells: [1])
        // Bus address 0 maps to CPU address 0x0900_0000 .. +0x0100_0000.
        b.property("ranges", cells: [0x0, 0, 0x0900_0000, 0x0100_0000])
        b.begin("uart@9000000")
        b.property("compatible", strings: ["arm,pl011", "arm,primecell"])
        b.property("reg", cells: [0x0, 0x1000])
        b.end()
        b.end()
        b.begin("intc@8000000")
        b.property("compatible", string: "arm,cortex-a15-gic")
        b.property("interrupt-controller", bytes: [])
        b.property("phandle", cells: [0x10])
        b.property("reg", cells: [0, 0x0800_0000, 0, 0x1_0000, 0, 0x0801_0000, 0, 0x1_0000])
        b.end()
        b.begin("pcie@10000000")
        b.property("compatible", string: "pci-host-ecam-generic")
        b.property("reg", cells: [0x40, 0x1000_0000, 0, 0x1000_0000])
        b.end()
        b.end()
        b.finish()
        return b
    }
}
