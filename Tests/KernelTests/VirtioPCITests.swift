// The virtio PCI capability walk against configuration spaces laid out as QEMU's virtio-net-pci presents one
// (common, ISR, device, notify in BAR 4, an MSI-X capability between them) and broken ones.

@testable import Kernel
import Testing

/// One function's 256-byte configuration space as 64 registers.
struct CapabilitySpace: PCIConfigSpace {
    var registers = [UInt32](repeating: 0, count: 64)
    func read32(_ address: PCIAddress, _ offset: Int) -> UInt32 { offset >= 0 && offset < 256 ? registers[offset / 4] : 0xFFFF_FFFF }
    func write32(_ address: PCIAddress, _ offset: Int, _ value: UInt32) {}

    mutating func capability(at p: Int, id: UInt32, next: Int, words: [UInt32]) {
        registers[p / 4] = id | UInt32(next) << 8 | (words.first ?? 0)
        for (i, w) in words.dropFirst().enumerated() { registers[p / 4 + 1 + i] = w }
    }

    /// A virtio capability: length, type, BAR, offset, length (and the multiplier for notify).
    mutating func virtio(at p: Int, next: Int, type: UInt32, bar: UInt32, offset: UInt32, length: UInt32, multiplier: UInt32? = nil) {
        let capLength: UInt32 = multiplier == nil ? 16 : 20
        capability(at: p, id: 0x09, next: next, words: [capLength << 16 | type << 24, bar, offset, length] + (multiplier.map { [$0] } ?? []))
    }
}

@Suite("Virtio PCI capabilities")
struct VirtioPCITests {
    let address = PCIAddress(bus: 0, device: 1, function: 0)

    func qemuVirtioNet() -> CapabilitySpace {
        var s = CapabilitySpace()
        s.registers[0] = 0x1041_1AF4        // virtio-net (modern)
        s.registers[1] = 0x0010_0000        // status: capabilities list
        s.registers[0x34 / 4] = 0x98
        s.capability(at: 0x98, id: 0x11, next: 0x84, words: [0, 0, 0])   // MSI-X, skipped
        s.virtio(at: 0x84, next: 0x70, type: 4, bar: 4, offset: 0x2000, length: 0x1000)
        s.virtio(at: 0x70, next: 0x60, type: 3, bar: 4, offset: 0x1000, length: 0x1000)
        s.virtio(at: 0x60, next: 0x40, type: 1, bar: 4, offset: 0x0000, length: 0x1000)
        s.virtio(at: 0x40, next: 0x00, type: 2, bar: 4, offset: 0x3000, length: 0x1000, multiplier: 4)
        return s
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func theFourStructuresAreFoundWhereQEMUPutsThem() {
        let caps = VirtioPCICapabilities.read(qemuVirtioNet(), at: address)
        #expect(caps.isModern)
        #expect(caps.common == VirtioPCIRegion(bar: 4, offset: 0, length: 0x1000))
        #expect(caps.notify == VirtioPCIRegion(bar: 4, offset: 0x3000, length: 0x1000))
        #expect(caps.isr == VirtioPCIRegion(bar: 4, offset: 0x1000, length: 0x1000))
        #expect(caps.device == VirtioPCIRegion(bar: 4, offset: 0x2000, length: 0x1000))
        #expect(caps.notifyMultiplier == 4)
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func brokenListsEndTheWalkWithoutTrapping() {
        // No capabilities bit: nothing.
        var none = qemuVirtioNet()
        none.registers[1] = 0
        #expect(VirtioPCICapabilities.read(none, at: address) == VirtioPCICapabilities())
        // A loop (a capability pointing at itself) stops after the bound; a pointer into the header or past
        // the space stops at once; a BAR above 5 is ignored; a notify capability too short for its multiplier
        // is not taken.
        var loop = qemuVirtioNet()
        loop.virtio(at: 0x40, next: 0x40, type: 2, bar: 4, offset: 0x3000, length: 0x1000, multiplier: 4)
        #expect(VirtioPCICapabilities.read(loop, at: address).notifyMultiplier == 4)
        var low = qemuVirtioNet()
        low.registers[0x34 / 4] = 0x20
        #expect(!VirtioPCICapabilities.read(low, at: address).isModern)
        var badBAR = qemuVirtioNet()
        badBAR.virtio(at: 0x60, next: 0x40, type: 1, bar: 9, offset: 0, length: 0x1000)
        #expect(VirtioPCICapabilities.read(badBAR, at: address).common == nil)
        var short = qemuVirtioNet()
        short.virtio(at: 0x40, next: 0x00, type: 2, bar: 4, offset: 0x3000, length: 0x1000)
        #expect(VirtioPCICapabilities.read(short, at: address).notify == nil)
        // A 4-byte capability in the last dword (0xFC, as PCI allows) is walked through: the virtio ones it
        // links back to are found.
        var last = qemuVirtioNet()
        last.registers[0x34 / 4] = 0xFC
        last.capability(at: 0xFC, id: 0x05, next: 0x98, words: [])
        #expect(VirtioPCICapabilities.read(last, at: address) == VirtioPCICapabilities.read(qemuVirtioNet(), at: address))
        #expect(VirtioPCICapabilities.read(last, at: address).isModern)
        // Every pointer value from the device: never a trap, always a bounded walk.
        for p in 0...255 {
            var any = qemuVirtioNet()
            any.registers[0x34 / 4] = UInt32(p)
            _ = VirtioPCICapabilities.read(any, at: address)
        }
    }
}
