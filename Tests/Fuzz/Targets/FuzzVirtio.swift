// Fuzz targets of the virtio driver groundwork: the walk of a modern virtio PCI device's capability list over a
// configuration space the input supplies, and the split virtqueue driven by a script against a hostile device.

import Kernel

enum FuzzVirtio {
    /// The input is the function's 256-byte configuration space (zero-padded or cut). The walk must finish, read
    /// only aligned registers inside the space and never write, and what it finds must be what some vendor
    /// capability inside 0x40...0xFF says: BARs 0...5 only, a multiplier only with a notify structure.
    static func pciCapabilities(_ input: UnsafeRawBufferPointer) {
        let config = FuzzPCIConfigSpace(input)
        let address = PCIAddress(bus: 0, device: 0, function: 0)
        let caps = VirtioPCICapabilities.read(config, at: address)
        invariant(config.writes == 0, "the capability walk wrote configuration space")
        invariant(config.badReads == 0, "the capability walk read outside the 256-byte space or unaligned")
        // Status and pointer, then the header and at most four more registers of each capability walked.
        invariant(config.reads <= 2 + 5 * VirtioPCICapabilities.maxCapabilities, "\(config.reads) reads: the walk is not bounded")
        invariant(caps.isModern == (caps.common != nil && caps.notify != nil), "isModern disagrees with common and notify")
        invariant(caps.notify != nil || caps.notifyMultiplier == 0, "a notify multiplier without a notify structure")
        if config.word(0x04) >> 16 & 0x10 == 0 {
            invariant(caps == VirtioPCICapabilities(), "structures found without the capabilities-list status bit")
        }
        for (type, region) in [(1, caps.common), (2, caps.notify), (3, caps.isr), (4, caps.device)] {
            guard let region else { continue }
            invariant(region.bar <= 5, "type \(type) structure in BAR \(region.bar)")
            invariant(config.hasCapability(type: type, region, multiplier: type == 2 ? caps.notifyMultiplier : nil),
                      "type \(type) structure \(region) is in no vendor capability of the space")
        }
        // The same space reads the same.
        invariant(VirtioPCICapabilities.read(config, at: address) == caps, "a second walk found something else")
    }

    /// Byte 0 picks the queue size (8 or 16); the rest is a script of driver and device steps over one queue in
    /// memory of exactly its size (AddressSanitizer sees any access past it). The device is hostile: it writes
    /// any id and length into the used ring and moves its used index anywhere. The harness keeps the set of
    /// descriptors the device holds and, from the used ring it wrote, what each `takeUsed` must return.
    /// Ops (low 3 bits of a byte; 16-bit values big-endian): 0 post (bit 4: the device writes; bits 5-7 shift the
    /// address) u32 u8 address, u16 length; 1 the device writes a used entry u32 id, u32 length; 2 an honest device
    /// returns the next available buffer, u16 length; 3 takeUsed; 4 the used index jumps by u8 (u16 with bits 5-7
    /// set); 5 used-ring flags u16; 6 round trips (post, the device returns it, take), u8 & 15 of them; 7 takeUsed
    /// until it returns nil.
    static func splitQueue(_ input: UnsafeRawBufferPointer) {
        var reader = FuzzReader(input)
        let size: UInt16 = reader.byte() & 1 == 0 ? 8 : 16
        let bytes = VirtioSplitQueue.totalBytes(size)
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 16)
        defer { memory.deallocate() }
        guard var queue = VirtioSplitQueue(size: size, memory: memory) else {
            invariant(false, "no queue of size \(size) in \(bytes) aligned bytes")
            return
        }
        var device = HostileVirtioDevice(queue: queue)
        var model = QueueModel(size: size)
        model.check(queue)
        // Bulk work is budgeted so that one input stays fast: 256 round trips, and used entries to skip enough for
        // the 16-bit used index to wrap once, which alone takes ~40 ms in the fuzz build, so a 16-bit jump is rare
        // (driving the available index round would take 65536 round trips, seconds an input).
        var cycles = 0
        var jumped = 0
        while !reader.isAtEnd {
            let op = reader.byte()
            switch op & 7 {
            case 0:
                let address = UInt64(reader.uint32()) << (UInt64(op >> 5) * 4) | UInt64(reader.byte())
                let length = UInt32(reader.uint16())
                model.post(&queue, device: device, address: address, length: length, deviceWrites: op & 0x10 != 0)
            case 1:
                device.writeUsed(id: reader.uint32(), length: reader.uint32())
            case 2:
                // An honest device: returns the next buffer the driver made available.
                if let id = device.nextAvailable() { device.writeUsed(id: UInt32(id), length: UInt32(reader.uint16())) }
            case 3:
                model.take(&queue, device: device)
            case 4:
                let delta = op & 0xE0 == 0xE0 ? reader.uint16() : UInt16(reader.byte())
                guard jumped + Int(delta) <= (1 << 16) + 1024 else { break }
                jumped += Int(delta)
                device.jump(by: delta)
            case 5:
                let flags = reader.uint16()
                device.setFlags(flags)
                invariant(queue.needsNotification == (flags & 1 == 0), "needsNotification ignores used flags \(flags)")
            case 6:
                // Round trips: post, the device returns it at once, take.
                let count = Int(reader.byte() & 15)
                guard cycles + count <= 256 else { break }
                cycles += count
                for k in 0..<count {
                    model.post(&queue, device: device, address: UInt64(k) << 12, length: 1526, deviceWrites: true)
                    if let id = device.nextAvailable() { device.writeUsed(id: UInt32(id), length: UInt32(truncatingIfNeeded: k)) }
                    model.take(&queue, device: device)
                }
            default:
                // Drain: take until nothing is left (each call consumes at least one used entry or returns nil).
                var calls = 0
                while model.take(&queue, device: device) {
                    calls += 1
                    invariant(calls <= Int(size), "takeUsed returned more buffers than the device held")
                }
            }
            model.check(queue)
        }
    }
}

/// A 256-byte configuration space (little-endian registers) that counts reads, reads out of place, and writes.
final class FuzzPCIConfigSpace: PCIConfigSpace {
    var bytes = [UInt8](repeating: 0, count: 256)
    var reads = 0
    var badReads = 0
    var writes = 0

    init(_ input: UnsafeRawBufferPointer) {
        for i in 0..<min(input.count, 256) { bytes[i] = input[i] }
    }

    func word(_ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    func read32(_ address: PCIAddress, _ offset: Int) -> UInt32 {
        reads += 1
        guard offset >= 0, offset <= 252, offset & 3 == 0 else {
            badReads += 1
            return 0xFFFF_FFFF
        }
        return word(offset)
    }

    func write32(_ address: PCIAddress, _ offset: Int, _ value: UInt32) { writes += 1 }

    /// Whether a vendor capability (id 9) of `type` inside 0x40...0xFF, long enough for what it holds, names
    /// `region` (and, for notify, `multiplier`).
    func hasCapability(type: Int, _ region: VirtioPCIRegion, multiplier: UInt32?) -> Bool {
        let need = multiplier == nil ? 16 : 20
        var p = 0x40
        while p + need <= 0x100 {
            if bytes[p] == 0x09, Int(bytes[p + 2]) >= need, Int(bytes[p + 3]) == type, bytes[p + 4] == region.bar,
               word(p + 8) == region.offset, word(p + 12) == region.length,
               multiplier == nil || word(p + 16) == multiplier! {
                return true
            }
            p += 4
        }
        return false
    }
}

/// The device side of the queue, reading the available ring and writing the used ring as raw memory.
struct HostileVirtioDevice {
    let queue: VirtioSplitQueue
    var lastAvailable: UInt16 = 0

    func load16(_ a: UInt) -> UInt16 { UnsafePointer<UInt16>(bitPattern: a)!.pointee }
    func load32(_ a: UInt) -> UInt32 { UnsafePointer<UInt32>(bitPattern: a)!.pointee }
    func store16(_ a: UInt, _ v: UInt16) { UnsafeMutablePointer<UInt16>(bitPattern: a)!.pointee = v }
    func store32(_ a: UInt, _ v: UInt32) { UnsafeMutablePointer<UInt32>(bitPattern: a)!.pointee = v }

    /// The used ring's index field: the device's next used slot.
    var usedIndex: UInt16 { load16(queue.usedRing + 2) }

    /// The used-ring entry in slot `index` (taken modulo the size).
    func usedEntry(_ index: UInt16) -> (id: UInt32, length: UInt32) {
        let e = queue.usedRing + 4 + UInt(index & (queue.size - 1)) * 8
        return (load32(e), load32(e + 4))
    }

    /// The next descriptor id the driver published, if any.
    mutating func nextAvailable() -> UInt16? {
        guard load16(queue.availableRing + 2) != lastAvailable else { return nil }
        let id = load16(queue.availableRing + 4 + UInt(lastAvailable & (queue.size - 1)) * 2)
        lastAvailable &+= 1
        return id
    }

    /// Writes (id, length) at the current used index and publishes it.
    func writeUsed(id: UInt32, length: UInt32) {
        let index = usedIndex
        let e = queue.usedRing + 4 + UInt(index & (queue.size - 1)) * 8
        store32(e, id)
        store32(e + 4, length)
        store16(queue.usedRing + 2, index &+ 1)
    }

    /// Moves the used index on without writing entries (what is in the ring then is stale or zero).
    func jump(by delta: UInt16) { store16(queue.usedRing + 2, usedIndex &+ delta) }

    func setFlags(_ flags: UInt16) { store16(queue.usedRing, flags) }
}

/// What the driver side must do, kept apart from the queue: the descriptors the device holds and how far the
/// driver has read the used ring (each `takeUsed` consumes the entries it skips plus the one it returns).
struct QueueModel {
    let size: UInt16
    /// Bit `id` set: the device holds descriptor `id` (sizes up to 32).
    var held: UInt32 = 0
    var driverUsed: UInt16 = 0
    var bad: UInt64 = 0

    init(size: UInt16) { self.size = size }

    mutating func post(_ queue: inout VirtioSplitQueue, device: HostileVirtioDevice, address: UInt64, length: UInt32,
                       deviceWrites: Bool) {
        let freeBefore = queue.freeCount
        let availBefore = device.load16(queue.availableRing + 2)
        let posted = queue.post(address: address, length: length, deviceWrites: deviceWrites)
        invariant((posted == nil) == (freeBefore == 0), "post returned \(String(describing: posted)) with \(freeBefore) free")
        guard let id = posted else {
            invariant(device.load16(queue.availableRing + 2) == availBefore, "a refused post moved the available index")
            return
        }
        invariant(id < size, "post handed out descriptor \(id) of a \(size)-entry queue")
        invariant(held & 1 << id == 0, "post handed out descriptor \(id), which the device still holds")
        held |= 1 << id
        invariant(queue.freeCount == freeBefore - 1, "post left freeCount \(queue.freeCount) after \(freeBefore)")
        invariant(device.load16(queue.availableRing + 2) == availBefore &+ 1, "post did not publish one entry")
        let slot = device.load16(queue.availableRing + 4 + UInt(availBefore & (size - 1)) * 2)
        invariant(slot == id, "available ring slot holds \(slot), not the posted \(id)")
        let d = queue.descriptorTable + UInt(id) * 16
        invariant(queue.address(of: id) == address && device.load32(d + 8) == length
                  && device.load16(d + 12) == (deviceWrites ? 2 : 0), "descriptor \(id) does not hold what was posted")
    }

    /// One `takeUsed`, checked against the used ring as the device left it; true when it returned a buffer.
    @discardableResult
    mutating func take(_ queue: inout VirtioSplitQueue, device: HostileVirtioDevice) -> Bool {
        let freeBefore = queue.freeCount
        let deviceIndex = device.usedIndex
        // The reference walk: entries naming no held descriptor are skipped, the first that names one is it. The
        // ring repeats every `size` entries, so when none of the first `size` names one, none of them does.
        var expected: (id: UInt16, length: UInt32)?
        var skipped: UInt64 = 0
        var index = driverUsed
        // A used index more than `size` ahead is a device error the queue takes whole: every entry counted bad.
        if deviceIndex &- driverUsed > size {
            skipped = UInt64(deviceIndex &- driverUsed)
            index = deviceIndex
        }
        while index != deviceIndex {
            if skipped == UInt64(size) {
                skipped = UInt64(deviceIndex &- driverUsed)
                index = deviceIndex
                break
            }
            let entry = device.usedEntry(index)
            index &+= 1
            if entry.id < UInt32(size) && held & 1 << entry.id != 0 {
                expected = (UInt16(entry.id), entry.length)
                break
            }
            skipped += 1
        }
        let taken = queue.takeUsed()
        if let taken {
            invariant(taken.id < size, "takeUsed returned id \(taken.id) of a \(size)-entry queue")
            invariant(held & 1 << taken.id != 0, "takeUsed returned descriptor \(taken.id), which the device did not hold")
        }
        invariant(taken?.id == expected?.id && taken?.length == expected?.length,
                  "takeUsed returned \(String(describing: taken)), the used ring says \(String(describing: expected))")
        invariant(queue.badUsedEntries == bad + skipped, "badUsedEntries \(queue.badUsedEntries), expected \(bad + skipped)")
        bad = queue.badUsedEntries
        driverUsed = index
        guard let taken else {
            invariant(queue.freeCount == freeBefore, "an empty takeUsed changed freeCount")
            return false
        }
        held &= ~(1 << taken.id)
        invariant(queue.freeCount == freeBefore + 1, "takeUsed left freeCount \(queue.freeCount) after \(freeBefore)")
        return true
    }

    /// After every step: the free descriptors and the held ones are the whole queue.
    func check(_ queue: VirtioSplitQueue) {
        invariant(queue.freeCount <= size, "freeCount \(queue.freeCount) in a \(size)-entry queue")
        invariant(Int(queue.freeCount) + held.nonzeroBitCount == Int(size),
                  "freeCount \(queue.freeCount) with \(held.nonzeroBitCount) descriptors held in a \(size)-entry queue")
        invariant(queue.size == size, "the queue's size changed")
    }
}
