// A split virtqueue (Virtual I/O Device 1.2, §2.7) in caller memory: the descriptor table, the available ring
// the driver fills and the used ring the device returns buffers through. One descriptor per buffer (no chains,
// no indirect descriptors): what a network driver's receive and transmit queues need. Memory is identity-mapped
// on every board (MemoryMap), so a buffer's address is what the device is told. No allocation.

import KernelSupport

/// A split virtqueue of `size` entries laid out in one caller-owned block.
public struct VirtioSplitQueue {
    /// Entries (a power of two, 1...32768).
    public let size: UInt16
    /// Where the three parts are (device-visible addresses: memory is identity-mapped).
    public let descriptorTable: UInt
    public let availableRing: UInt
    public let usedRing: UInt
    /// Descriptors not handed to the device, as a stack of their indices (kept in the descriptors' `next`).
    var freeHead: UInt16
    public private(set) var freeCount: UInt16
    /// The driver's next available index and the next used index it has not yet taken.
    var availableIndex: UInt16 = 0
    var usedIndex: UInt16 = 0

    /// Descriptor flags (§2.7.5).
    static var flagNext: UInt16 { 1 }
    static var flagWrite: UInt16 { 2 }
    static var inFlight: UInt16 { 0xFFFF }

    /// Bytes of each part for `size` entries: descriptors 16 each; available ring flags, index, the ring and
    /// `used_event`; used ring flags, index, the ring of (id, length) pairs and `avail_event`.
    public static func descriptorBytes(_ size: UInt16) -> Int { 16 * Int(size) }
    public static func availableBytes(_ size: UInt16) -> Int { 6 + 2 * Int(size) }
    public static func usedBytes(_ size: UInt16) -> Int { 6 + 8 * Int(size) }

    /// The whole block: descriptors (16-byte aligned), then the available ring, then the used ring at the next
    /// 4-byte boundary.
    public static func totalBytes(_ size: UInt16) -> Int {
        let used = (descriptorBytes(size) + availableBytes(size) + 3) & ~3
        return used + usedBytes(size)
    }

    /// A queue of `size` entries over `memory` (16-byte aligned, at least `totalBytes(size)`; zeroed here); nil
    /// when the size is not a power of two in range or the memory does not fit.
    public init?(size: UInt16, memory: UnsafeMutableRawBufferPointer) {
        guard size > 0, size <= 32768, size & (size - 1) == 0, let base = memory.baseAddress,
              UInt(bitPattern: base) & 15 == 0, memory.count >= Self.totalBytes(size) else { return nil }
        var i = 0
        while i < Self.totalBytes(size) {
            memory[i] = 0
            i += 1
        }
        self.size = size
        descriptorTable = UInt(bitPattern: base)
        availableRing = descriptorTable + UInt(Self.descriptorBytes(size))
        usedRing = descriptorTable + UInt((Self.descriptorBytes(size) + Self.availableBytes(size) + 3) & ~3)
        // Every descriptor free: descriptor k's `next` is k + 1.
        var k: UInt16 = 0
        while k < size {
            Self.store16(descriptorTable + UInt(k) * 16 + 14, k &+ 1)
            k += 1
        }
        freeHead = 0
        freeCount = size
    }

    /// Hands one buffer to the device: `deviceWrites` for a receive buffer the device fills, otherwise a buffer
    /// it reads. Returns the descriptor's index (the id the used ring gives back), nil when every descriptor is
    /// out. The caller notifies the device afterwards (`needsNotification` says whether it asked not to be).
    public mutating func post(address: UInt64, length: UInt32, deviceWrites: Bool) -> UInt16? {
        guard freeCount > 0 else { return nil }
        let id = freeHead
        let d = descriptorTable + UInt(id) * 16
        freeHead = Self.load16(d + 14)
        freeCount -= 1
        Self.store64(d, address)
        Self.store32(d + 8, length)
        Self.store16(d + 12, deviceWrites ? Self.flagWrite : 0)
        // `next` means nothing to the device without the NEXT flag: 0xFFFF marks the descriptor as the device's.
        Self.store16(d + 14, Self.inFlight)
        // The ring entry, then (after a barrier) the index that publishes it (§2.7.13).
        Self.store16(availableRing + 4 + UInt(availableIndex & (size - 1)) * 2, id)
        orion_mmio_barrier()
        availableIndex &+= 1
        Self.store16(availableRing + 2, availableIndex)
        orion_mmio_barrier()
        return id
    }

    /// The descriptor the next `post` will use (its id, so the caller can fill the buffer that belongs to it
    /// first), nil when every descriptor is out.
    public var nextDescriptor: UInt16? { freeCount > 0 ? freeHead : nil }

    /// Asks the device not to interrupt when it returns buffers (VIRTQ_AVAIL_F_NO_INTERRUPT, §2.7.7): for a
    /// driver that polls the used ring.
    public mutating func suppressInterrupts() {
        Self.store16(availableRing, 1)
        orion_mmio_barrier()
    }

    /// Whether the device wants to be notified of new buffers (the used ring's flags do not say
    /// VIRTQ_USED_F_NO_NOTIFY).
    public var needsNotification: Bool { Self.load16(usedRing) & 1 == 0 }

    /// The next buffer the device has finished with: its descriptor's id and the bytes the device wrote (for a
    /// receive buffer), the descriptor freed; nil when there is none. An id outside the queue or of a
    /// descriptor the device does not hold (a device error) is dropped and counted in `badUsedEntries`, and so
    /// is every entry of a used index more than `size` entries ahead. At most `size` entries a call.
    // @implements SWR-HAL-VIRTIO-1
    public mutating func takeUsed() -> (id: UInt16, length: UInt32)? {
        while true {
            orion_mmio_barrier()
            let deviceIndex = Self.load16(usedRing + 2)
            guard deviceIndex != usedIndex else { return nil }
            // A device can be at most `size` entries ahead (it holds no more buffers than that): an index further
            // on is a device error, taken whole (every entry it claims counted as bad) rather than walked entry by
            // entry, so one call looks at no more than `size` entries.
            let ahead = deviceIndex &- usedIndex
            guard ahead <= size else {
                badUsedEntries &+= UInt64(ahead)
                usedIndex = deviceIndex
                return nil
            }
            orion_mmio_barrier()
            let entry = usedRing + 4 + UInt(usedIndex & (size - 1)) * 8
            let id32 = Self.load32(entry)
            let length = Self.load32(entry + 4)
            usedIndex &+= 1
            guard id32 < UInt32(size), Self.load16(descriptorTable + UInt(id32) * 16 + 14) == Self.inFlight else {
                badUsedEntries &+= 1
                continue
            }
            let id = UInt16(id32)
            Self.store16(descriptorTable + UInt(id) * 16 + 14, freeHead)
            freeHead = id
            freeCount += 1
            return (id, length)
        }
    }

    /// Used-ring entries that named no descriptor of this queue.
    public private(set) var badUsedEntries: UInt64 = 0

    /// The buffer address descriptor `id` holds.
    public func address(of id: UInt16) -> UInt64 { Self.load64(descriptorTable + UInt(id & (size - 1)) * 16) }

    // Little-endian memory access (every virtio 1.x structure is little-endian; all supported targets are).
    @inline(__always) static func load16(_ a: UInt) -> UInt16 { UnsafePointer<UInt16>(bitPattern: a)!.pointee }
    @inline(__always) static func load32(_ a: UInt) -> UInt32 { UnsafePointer<UInt32>(bitPattern: a)!.pointee }
    @inline(__always) static func load64(_ a: UInt) -> UInt64 {
        UInt64(load32(a)) | UInt64(load32(a + 4)) << 32
    }
    @inline(__always) static func store16(_ a: UInt, _ v: UInt16) { UnsafeMutablePointer<UInt16>(bitPattern: a)!.pointee = v }
    @inline(__always) static func store32(_ a: UInt, _ v: UInt32) { UnsafeMutablePointer<UInt32>(bitPattern: a)!.pointee = v }
    @inline(__always) static func store64(_ a: UInt, _ v: UInt64) {
        store32(a, UInt32(truncatingIfNeeded: v))
        store32(a + 4, UInt32(truncatingIfNeeded: v >> 32))
    }
}
