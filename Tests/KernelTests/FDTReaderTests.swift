// The FDT reader on a hand-built machine description: lookups, aliases, phandles, address translation.

import Testing
@testable import Kernel

/// Runs `body` with a validated FDT over `bytes`.
func withFDT<T>(_ bytes: [UInt8], _ body: (FDT) throws -> T) throws -> T {
    try bytes.withUnsafeBytes { raw in
        let fdt = try FDT(bytes: raw)
        return try body(fdt)
    }
}

/// The text of a byte view.
func text(_ bytes: FDTBytes) -> String { String(decoding: bytes.raw, as: UTF8.self) }

@Suite("FDT reader")
struct FDTReaderTests {
    let sample = FDTBuilder.sampleMachine().blob()

    // @verifies SWR-HAL-FDT-1
    @Test func findsNodesByPathWithAndWithoutUnitAddress() throws {
        try withFDT(sample) { fdt in
            let uart = try #require(fdt.node(atPath: "/soc/uart@9000000"))
            #expect(text(fdt.name(of: uart)) == "uart@9000000")
            #expect(fdt.node(atPath: "/soc/uart") == uart)
            #expect(fdt.node(atPath: "/soc/uart@9000001") == nil)
            #expect(fdt.node(atPath: "/") == fdt.root)
            #expect(fdt.node(atPath: "soc") == nil)
            #expect(fdt.parent(of: uart) == fdt.node(atPath: "/soc"))
            #expect(fdt.parent(of: fdt.root) == nil)
        }
    }

    @Test func readsPropertiesAndStringLists() throws {
        try withFDT(sample) { fdt in
            let uart = try #require(fdt.node(atPath: "/soc/uart@9000000"))
            let compatible = try #require(fdt.property("compatible", of: uart))
            var entries: [String] = []
            var iterator = compatible.strings
            while let entry = iterator.next() { entries.append(text(entry)) }
            #expect(entries == ["arm,pl011", "arm,primecell"])
            #expect(fdt.isCompatible(uart, with: "arm,primecell"))
            #expect(!fdt.isCompatible(uart, with: "arm,pl01"))
            #expect(fdt.property("no-such-property", of: uart) == nil)
            let intc = try #require(fdt.node(atPath: "/intc@8000000"))
            #expect(fdt.property("interrupt-controller", of: intc)?.count == 0)
        }
    }

    @Test func resolvesAliasesAndPhandles() throws {
        try withFDT(sample) { fdt in
            let uart = fdt.node(atPath: "/soc/uart@9000000")
            #expect(fdt.resolve(pathOrAlias: FDTBytes("serial0")) == uart)
            #expect(fdt.resolve(pathOrAlias: FDTBytes("serial1")) == nil)
            #expect(fdt.node(phandle: 0x10) == fdt.node(atPath: "/intc@8000000"))
            #expect(fdt.node(phandle: 0x11) == nil)
        }
    }

    @Test func countsChildrenWithoutDescendingIntoGrandchildren() throws {
        try withFDT(sample) { fdt in
            var names: [String] = []
            var iterator = fdt.children(of: fdt.root)
            while let child = iterator.next() { names.append(text(fdt.name(of: child))) }
            #expect(names == ["chosen", "aliases", "cpus", "memory@40000000", "soc", "intc@8000000", "pcie@10000000"])
        }
    }

    @Test func translatesRegThroughRanges() throws {
        try withFDT(sample) { fdt in
            let uart = try #require(fdt.node(atPath: "/soc/uart@9000000"))
            #expect(fdt.reg(0, of: uart) == MemoryRange(base: 0x0900_0000, size: 0x1000))
            let memory = try #require(fdt.node(atPath: "/memory@40000000"))
            #expect(fdt.regCount(of: memory) == 2)
            #expect(fdt.reg(1, of: memory) == MemoryRange(base: 0x5000_0000, size: 0x0800_0000))
            #expect(fdt.reg(2, of: memory) == nil)
        }
    }

    @Test func untranslatableAddressIsNil() throws {
        // A bus without `ranges` does not map its children into the CPU's address space.
        var b = FDTBuilder()
        b.begin("")
        b.begin("bus")
        b.property("#address-cells", cells: [1])
        b.property("#size-cells", cells: [1])
        b.begin("dev@10")
        b.property("reg", cells: [0x10, 0x4])
        b.end()
        b.end()
        b.end()
        b.finish()
        try withFDT(b.blob()) { fdt in
            let dev = try #require(fdt.node(atPath: "/bus/dev@10"))
            #expect(fdt.reg(0, of: dev) == nil)
        }
    }

    @Test func acceptsVersion16Blobs() throws {
        let blob = FDTBuilder.sampleMachine().blob(version: 16)
        try withFDT(blob) { fdt in
            #expect(fdt.version == 16)
            #expect(fdt.node(atPath: "/cpus/cpu@1") != nil)
        }
    }
}
