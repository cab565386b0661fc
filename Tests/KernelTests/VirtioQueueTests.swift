// The split virtqueue against a device model written from the Virtual I/O Device 1.2 specification (§2.7):
// the device reads the available ring, takes each descriptor's buffer, and returns it through the used ring.

import Kernel
import Testing

/// The device side of a split queue, reading and writing the same memory as a device would.
struct VirtqueueDeviceModel {
    let queue: VirtioSplitQueue
    var lastAvailable: UInt16 = 0
    var usedIndex: UInt16 = 0

    func u16(_ a: UInt) -> UInt16 { UnsafePointer<UInt16>(bitPattern: a)!.pointee }
    func u32(_ a: UInt) -> UInt32 { UnsafePointer<UInt32>(bitPattern: a)!.pointee }

    /// The next buffer the driver made available: (descriptor id, address, length, device-writable).
    mutating func nextAvailable() -> (UInt16, UInt64, UInt32, Bool)? {
        guard u16(queue.availableRing + 2) != lastAvailable else { return nil }
        let id = u16(queue.availableRing + 4 + UInt(lastAvailable & (queue.size - 1)) * 2)
        lastAvailable &+= 1
        let d = queue.descriptorTable + UInt(id) * 16
        let address = UInt64(u32(d)) | UInt64(u32(d + 4)) << 32
        return (id, address, u32(d + 8), u16(d + 12) & 2 != 0)
    }

    /// Returns descriptor `id` through the used ring with `length` bytes written.
    mutating func use(_ id: UInt32, length: UInt32) {
        let e = queue.usedRing + 4 + UInt(usedIndex & (queue.size - 1)) * 8
        UnsafeMutablePointer<UInt32>(bitPattern: e)!.pointee = id
        UnsafeMutablePointer<UInt32>(bitPattern: e + 4)!.pointee = length
        usedIndex &+= 1
        UnsafeMutablePointer<UInt16>(bitPattern: queue.usedRing + 2)!.pointee = usedIndex
    }
}

@Suite("Virtio split queue")
struct VirtioQueueTests {
    @Test func theLayoutFollowsTheSpecification() throws {
        #expect(VirtioSplitQueue.totalBytes(8) == 128 + 24 + 70)     // 16·8, 6+2·8 → 152 rounded to 152, 6+8·8
        #expect(VirtioSplitQueue.totalBytes(256) == 4096 + 518 + 2 + 2054)
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { memory.deallocate() }
        let q = try #require(VirtioSplitQueue(size: 8, memory: memory))
        let base = UInt(bitPattern: memory.baseAddress!)
        #expect(q.descriptorTable == base && q.availableRing == base + 128 && q.usedRing == base + 152)
        #expect(q.freeCount == 8)
        // Not a power of two, too small, misaligned: no queue.
        #expect(VirtioSplitQueue(size: 6, memory: memory) == nil)
        #expect(VirtioSplitQueue(size: 256, memory: memory) == nil)
        #expect(VirtioSplitQueue(size: 8, memory: UnsafeMutableRawBufferPointer(rebasing: memory[8..<4000])) == nil)
    }

    @Test func buffersGoToTheDeviceAndComeBackWithTheirLength() throws {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { memory.deallocate() }
        var q = try #require(VirtioSplitQueue(size: 4, memory: memory))
        var device = VirtqueueDeviceModel(queue: q)
        #expect(q.needsNotification)
        // Four receive buffers fill the queue; a fifth does not fit.
        var ids: [UInt16] = []
        for k in 0..<4 {
            let posted = q.post(address: 0x1000 * UInt64(k + 1), length: 1526, deviceWrites: true)
            ids.append(try #require(posted))
        }
        #expect(q.post(address: 0x9000, length: 64, deviceWrites: false) == nil)
        for k in 0..<4 {
            let next = device.nextAvailable()
            let (id, address, length, writable) = try #require(next)
            #expect(id == ids[k] && address == 0x1000 * UInt64(k + 1) && length == 1526 && writable)
        }
        let none = device.nextAvailable()
        #expect(none == nil)
        // The device returns two, out of order; the driver takes them in used-ring order.
        device.use(UInt32(ids[2]), length: 60)
        device.use(UInt32(ids[0]), length: 1514)
        let first = q.takeUsed(), second = q.takeUsed(), third = q.takeUsed()
        #expect(first?.id == ids[2] && first?.length == 60)
        #expect(second?.id == ids[0] && second?.length == 1514)
        #expect(third == nil)
        #expect(q.freeCount == 2)
        // Freed descriptors are used again; the indices wrap past 65535 without trouble.
        for round in 0..<70_000 {
            let posted = q.post(address: UInt64(round), length: 100, deviceWrites: false)
            let id = try #require(posted)
            let next = device.nextAvailable()
            let (seen, address, _, writable) = try #require(next)
            #expect(seen == id && address == UInt64(round) && !writable)
            device.use(UInt32(id), length: 0)
            let taken = q.takeUsed()
            #expect(taken?.id == id)
        }
        #expect(q.freeCount == 2 && q.badUsedEntries == 0)
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func aDeviceThatReturnsWhatItDoesNotHoldIsCountedNotTrusted() throws {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { memory.deallocate() }
        var q = try #require(VirtioSplitQueue(size: 4, memory: memory))
        var device = VirtqueueDeviceModel(queue: q)
        let posted = q.post(address: 0x2000, length: 64, deviceWrites: true)
        let id = try #require(posted)
        _ = device.nextAvailable()
        device.use(7, length: 1)              // outside the queue
        device.use(UInt32(id &+ 1), length: 1) // a free descriptor
        device.use(UInt32(id), length: 42)    // the real one
        device.use(UInt32(id), length: 42)    // the same one twice
        let first = q.takeUsed(), second = q.takeUsed()
        #expect(first?.id == id && first?.length == 42)
        #expect(second == nil)
        #expect(q.badUsedEntries == 3)
        #expect(q.freeCount == 4)
    }

    /// A used index far more than the queue's size ahead is a device error taken whole: every entry it claims
    /// counted, nothing returned, no walk over tens of thousands of entries; the queue goes on from there.
    // @verifies SWR-HAL-VIRTIO-1
    @Test func aUsedIndexTooFarAheadIsOneDeviceErrorNotAWalk() throws {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { memory.deallocate() }
        var q = try #require(VirtioSplitQueue(size: 4, memory: memory))
        var device = VirtqueueDeviceModel(queue: q)
        let posted = q.post(address: 0x2000, length: 64, deviceWrites: true)
        let id = try #require(posted)
        _ = device.nextAvailable()
        device.usedIndex = 40_000
        UnsafeMutablePointer<UInt16>(bitPattern: q.usedRing + 2)!.pointee = 40_000
        #expect(q.takeUsed() == nil)
        #expect(q.badUsedEntries == 40_000)
        #expect(q.takeUsed() == nil && q.badUsedEntries == 40_000)
        // From there the queue goes on: the next entry the device writes is taken.
        device.use(UInt32(id), length: 9)
        let taken = q.takeUsed()
        #expect(taken?.id == id && taken?.length == 9)
        #expect(q.freeCount == 4)
    }
}
