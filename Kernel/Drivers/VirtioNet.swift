// A virtio network device on modern virtio PCI (Virtual I/O Device 1.2: §3.1 device initialization, §4.1.4
// the PCI transport, §5.1 the network device): one receive and one transmit split virtqueue, every frame with
// its 12-byte `virtio_net_hdr` and nothing offloaded (VIRTIO_F_VERSION_1 and VIRTIO_NET_F_MAC only); received
// frames polled or signalled by the device's INTx interrupt (ISR status read to drop it). Queues and buffers live in one caller-owned block; memory is
// identity-mapped, so an address in it is what the device is told. No allocation.

import KernelSupport

/// Access to a device's registers (the real device through MMIO; a model of it in host tests).
public protocol VirtioRegisterAccess {
    func read8(_ address: UInt) -> UInt8
    func read16(_ address: UInt) -> UInt16
    func read32(_ address: UInt) -> UInt32
    func write8(_ address: UInt, _ value: UInt8)
    func write16(_ address: UInt, _ value: UInt16)
    func write32(_ address: UInt, _ value: UInt32)
}

/// The device's registers through volatile memory-mapped access.
public struct VirtioMMIO: VirtioRegisterAccess {
    public init() {}
    public func read8(_ address: UInt) -> UInt8 { orion_mmio_read8(address) }
    public func read16(_ address: UInt) -> UInt16 { orion_mmio_read16(address) }
    public func read32(_ address: UInt) -> UInt32 { orion_mmio_read32(address) }
    public func write8(_ address: UInt, _ value: UInt8) { orion_mmio_write8(address, value) }
    public func write16(_ address: UInt, _ value: UInt16) { orion_mmio_write16(address, value) }
    public func write32(_ address: UInt, _ value: UInt32) { orion_mmio_write32(address, value) }
}

/// Where a modern virtio PCI device's structures are, as CPU addresses.
public struct VirtioPCITransport: Equatable, Sendable {
    public var common: UInt
    public var notify: UInt
    public var notifyLength: UInt32
    public var notifyMultiplier: UInt32
    public var isr: UInt
    public var device: UInt
    public var deviceLength: UInt32

    /// The transport for `capabilities`, the BARs' CPU addresses and sizes given by `bar(i)`; nil when the
    /// device is not modern, or a structure lies outside its BAR (or in an unassigned one).
    // @implements SWR-HAL-VIRTIO-1
    public init?(_ capabilities: VirtioPCICapabilities, bar: (Int) -> (address: UInt64, size: UInt64)?) {
        guard let c = capabilities.common, let n = capabilities.notify else { return nil }
        func place(_ r: VirtioPCIRegion, minimum: UInt32) -> UInt? {
            guard r.length >= minimum, let b = bar(Int(r.bar)), b.address != 0,
                  UInt64(r.offset) + UInt64(r.length) <= b.size else { return nil }
            return UInt(b.address + UInt64(r.offset))
        }
        guard let common = place(c, minimum: VirtioCommon.size), let notify = place(n, minimum: 2) else { return nil }
        self.common = common
        self.notify = notify
        notifyLength = n.length
        notifyMultiplier = capabilities.notifyMultiplier
        isr = capabilities.isr.flatMap { place($0, minimum: 1) } ?? 0
        if let d = capabilities.device, let address = place(d, minimum: 1) {
            device = address
            deviceLength = d.length
        } else {
            device = 0
            deviceLength = 0
        }
    }
}

/// The common configuration structure's fields (§4.1.4.3).
public enum VirtioCommon {
    static var deviceFeatureSelect: UInt { 0x00 }
    static var deviceFeature: UInt { 0x04 }
    static var driverFeatureSelect: UInt { 0x08 }
    static var driverFeature: UInt { 0x0C }
    static var numQueues: UInt { 0x12 }
    static var deviceStatus: UInt { 0x14 }
    static var queueSelect: UInt { 0x16 }
    static var queueSize: UInt { 0x18 }
    static var queueMSIXVector: UInt { 0x1A }
    static var queueEnable: UInt { 0x1C }
    static var queueNotifyOff: UInt { 0x1E }
    static var queueDescriptors: UInt { 0x20 }
    static var queueDriver: UInt { 0x28 }
    static var queueDevice: UInt { 0x30 }
    /// Bytes of the structure.
    public static var size: UInt32 { 0x38 }

    /// Device status bits (§2.1).
    public static var acknowledge: UInt8 { 1 }
    public static var driver: UInt8 { 2 }
    public static var driverOK: UInt8 { 4 }
    public static var featuresOK: UInt8 { 8 }
    public static var needsReset: UInt8 { 64 }
    public static var failed: UInt8 { 128 }
}

/// Why a virtio network device could not be started.
public enum VirtioNetError: Error, Sendable, Equatable {
    /// The device did not read back status 0 after the reset.
    case resetTimedOut
    /// The device does not offer VIRTIO_F_VERSION_1 (a legacy-only device).
    case notVersion1
    /// The device cleared FEATURES_OK: it refused the features the driver chose.
    case featuresRefused
    /// The device has no queue `index`, or one smaller than 2 entries.
    case noQueue(index: UInt16)
    /// The caller's memory is smaller than the queues and buffers need (bytes needed).
    case memoryTooSmall(needed: Int)
}

/// What the device did, counted.
public struct VirtioNetCounters: Sendable, Equatable {
    public var framesSent: UInt64 = 0
    public var framesReceived: UInt64 = 0
    /// Sends refused because every transmit buffer was still the device's.
    public var transmitFull: UInt64 = 0
    /// Received buffers dropped: shorter than the header plus an Ethernet header, longer than the buffer, or
    /// longer than the caller's buffer.
    public var receiveDropped: UInt64 = 0
    public init() {}
}

/// A started virtio network device: frames out through queue 1, in through queue 0.
public struct VirtioNet<R: VirtioRegisterAccess> {
    public let registers: R
    public let transport: VirtioPCITransport
    var receiveQueue: VirtioSplitQueue
    var transmitQueue: VirtioSplitQueue
    let receiveBuffers: UInt
    let transmitBuffers: UInt
    let receiveNotify: UInt
    let transmitNotify: UInt
    /// The device's MAC address (all zero when it offers none).
    public private(set) var macAddress: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
    public private(set) var counters = VirtioNetCounters()

    /// Every frame in either direction starts with this header (`virtio_net_hdr` with `num_buffers`, which
    /// VIRTIO_F_VERSION_1 always has).
    public static var headerBytes: Int { 12 }
    /// Each buffer holds the header and the longest untagged Ethernet frame without FCS (1514 bytes).
    public static var bufferBytes: Int { 2048 }

    /// Feature bits (§5.1.3, §6).
    static var featureMAC: UInt64 { 1 << 5 }
    static var featureVersion1: UInt64 { 1 << 32 }

    /// Bytes of memory `start` needs for queues of `size` entries: the two queues (each rounded to 16 bytes)
    /// and `size` buffers for each direction.
    public static func memoryBytes(queueSize size: UInt16) -> Int {
        let queue = (VirtioSplitQueue.totalBytes(size) + 15) & ~15
        return 2 * queue + 2 * Int(size) * bufferBytes
    }

    /// Resets and starts the device (§3.1.1): ACKNOWLEDGE, DRIVER, the features, FEATURES_OK, queues 0 and 1 of
    /// `queueSize` entries (rounded down to a power of two; halved while the device's maximum is smaller), the
    /// MAC, DRIVER_OK; then every receive
    /// buffer is handed to the device. `memory` must be 16-byte aligned and hold `memoryBytes(queueSize:)`.
    /// With `receiveInterrupts` the device interrupts (INTx: no MSI-X vector is set) when it returns receive
    /// buffers; otherwise it is asked not to, for a driver that polls. It never interrupts for sent frames.
    // @implements SWR-HAL-VIRTIO-1
    public static func start(_ registers: R, _ transport: VirtioPCITransport, memory: UnsafeMutableRawBufferPointer,
                             queueSize: UInt16 = 16, receiveInterrupts: Bool = false) throws(VirtioNetError) -> VirtioNet {
        let c = transport.common
        let r = registers
        // Reset, and wait (bounded) for the device to say it is done.
        r.write8(c + VirtioCommon.deviceStatus, 0)
        var spins = 0
        while r.read8(c + VirtioCommon.deviceStatus) != 0 {
            spins += 1
            if spins > 1_000_000 { throw .resetTimedOut }
        }
        var status = VirtioCommon.acknowledge
        r.write8(c + VirtioCommon.deviceStatus, status)
        status |= VirtioCommon.driver
        r.write8(c + VirtioCommon.deviceStatus, status)
        r.write32(c + VirtioCommon.deviceFeatureSelect, 0)
        var offered = UInt64(r.read32(c + VirtioCommon.deviceFeature))
        r.write32(c + VirtioCommon.deviceFeatureSelect, 1)
        offered |= UInt64(r.read32(c + VirtioCommon.deviceFeature)) << 32
        guard offered & featureVersion1 != 0 else {
            r.write8(c + VirtioCommon.deviceStatus, status | VirtioCommon.failed)
            throw .notVersion1
        }
        let chosen = offered & (featureVersion1 | featureMAC)
        r.write32(c + VirtioCommon.driverFeatureSelect, 0)
        r.write32(c + VirtioCommon.driverFeature, UInt32(truncatingIfNeeded: chosen))
        r.write32(c + VirtioCommon.driverFeatureSelect, 1)
        r.write32(c + VirtioCommon.driverFeature, UInt32(truncatingIfNeeded: chosen >> 32))
        status |= VirtioCommon.featuresOK
        r.write8(c + VirtioCommon.deviceStatus, status)
        guard r.read8(c + VirtioCommon.deviceStatus) & VirtioCommon.featuresOK != 0 else {
            r.write8(c + VirtioCommon.deviceStatus, status | VirtioCommon.failed)
            throw .featuresRefused
        }
        // Both queues: the smaller of what was asked (rounded down to a power of two, at least 2) and what the
        // device has (halved until it fits).
        var size: UInt16 = queueSize < 2 ? 2 : UInt16(1) << (15 - queueSize.leadingZeroBitCount)
        var q: UInt16 = 0
        while q < 2 {
            r.write16(c + VirtioCommon.queueSelect, q)
            let maximum = r.read16(c + VirtioCommon.queueSize)
            guard maximum >= 2 else {
                r.write8(c + VirtioCommon.deviceStatus, status | VirtioCommon.failed)
                throw .noQueue(index: q)
            }
            while size > maximum { size >>= 1 }
            q += 1
        }
        guard size >= 2, let base = memory.baseAddress, UInt(bitPattern: base) & 15 == 0,
              memory.count >= memoryBytes(queueSize: size) else {
            r.write8(c + VirtioCommon.deviceStatus, status | VirtioCommon.failed)
            throw .memoryTooSmall(needed: memoryBytes(queueSize: max(size, 2)) + 15)
        }
        let queueBytes = (VirtioSplitQueue.totalBytes(size) + 15) & ~15
        let rx = VirtioSplitQueue(size: size, memory: UnsafeMutableRawBufferPointer(rebasing: memory[0..<queueBytes]))!
        let tx = VirtioSplitQueue(size: size, memory: UnsafeMutableRawBufferPointer(rebasing: memory[queueBytes..<(2 * queueBytes)]))!
        var notifies: (UInt, UInt) = (0, 0)
        q = 0
        while q < 2 {
            let queue = q == 0 ? rx : tx
            r.write16(c + VirtioCommon.queueSelect, q)
            r.write16(c + VirtioCommon.queueSize, size)
            r.write16(c + VirtioCommon.queueMSIXVector, 0xFFFF)
            write64(r, c + VirtioCommon.queueDescriptors, UInt64(queue.descriptorTable))
            write64(r, c + VirtioCommon.queueDriver, UInt64(queue.availableRing))
            write64(r, c + VirtioCommon.queueDevice, UInt64(queue.usedRing))
            let offset = UInt(r.read16(c + VirtioCommon.queueNotifyOff)) * UInt(transport.notifyMultiplier)
            let notify = offset + 2 <= UInt(transport.notifyLength) ? transport.notify + offset : transport.notify
            if q == 0 { notifies.0 = notify } else { notifies.1 = notify }
            r.write16(c + VirtioCommon.queueEnable, 1)
            q += 1
        }
        let buffers = UInt(bitPattern: base) + UInt(2 * queueBytes)
        var device = VirtioNet(registers: r, transport: transport, receiveQueue: rx, transmitQueue: tx,
                               receiveBuffers: buffers, transmitBuffers: buffers + UInt(size) * UInt(bufferBytes),
                               receiveNotify: notifies.0, transmitNotify: notifies.1)
        if chosen & featureMAC != 0 && transport.device != 0 && transport.deviceLength >= 6 {
            let d = transport.device
            device.macAddress = (r.read8(d), r.read8(d + 1), r.read8(d + 2), r.read8(d + 3), r.read8(d + 4), r.read8(d + 5))
        }
        if !receiveInterrupts { device.receiveQueue.suppressInterrupts() }
        device.transmitQueue.suppressInterrupts()
        status |= VirtioCommon.driverOK
        r.write8(c + VirtioCommon.deviceStatus, status)
        while let id = device.receiveQueue.nextDescriptor {
            _ = device.receiveQueue.post(address: UInt64(device.receiveBuffer(id)), length: UInt32(bufferBytes), deviceWrites: true)
        }
        r.write16(device.receiveNotify, 0)
        return device
    }

    init(registers: R, transport: VirtioPCITransport, receiveQueue: VirtioSplitQueue, transmitQueue: VirtioSplitQueue,
         receiveBuffers: UInt, transmitBuffers: UInt, receiveNotify: UInt, transmitNotify: UInt) {
        self.registers = registers
        self.transport = transport
        self.receiveQueue = receiveQueue
        self.transmitQueue = transmitQueue
        self.receiveBuffers = receiveBuffers
        self.transmitBuffers = transmitBuffers
        self.receiveNotify = receiveNotify
        self.transmitNotify = transmitNotify
    }

    static func write64(_ r: R, _ address: UInt, _ value: UInt64) {
        r.write32(address, UInt32(truncatingIfNeeded: value))
        r.write32(address + 4, UInt32(truncatingIfNeeded: value >> 32))
    }

    func receiveBuffer(_ id: UInt16) -> UInt { receiveBuffers + UInt(id) * UInt(Self.bufferBytes) }
    func transmitBuffer(_ id: UInt16) -> UInt { transmitBuffers + UInt(id) * UInt(Self.bufferBytes) }

    /// Reads (and so clears) the ISR status (§4.1.4.5): bit 0 a queue interrupt, bit 1 a configuration change.
    /// Reading it drops the device's INTx line; 0 when the device has no ISR structure.
    public func interruptStatus() -> UInt8 {
        transport.isr == 0 ? 0 : registers.read8(transport.isr)
    }

    /// Whether the device has set DEVICE_NEEDS_RESET (it stopped working; only a new `start` helps).
    public var needsReset: Bool { registers.read8(transport.common + VirtioCommon.deviceStatus) & VirtioCommon.needsReset != 0 }

    /// Takes back transmit buffers the device has sent.
    mutating func reclaimTransmitted() {
        while transmitQueue.takeUsed() != nil {}
    }

    /// Queues one frame (Ethernet header on, no FCS; at most `bufferBytes - headerBytes`, 2036 bytes: a VLAN tag
    /// or a jumbo-less 1514-byte frame fits) and tells the device. False when it is longer or every transmit
    /// buffer is still the device's (counted).
    public mutating func send(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard frame.count <= Self.bufferBytes - Self.headerBytes else { return false }
        reclaimTransmitted()
        guard let id = transmitQueue.nextDescriptor else {
            counters.transmitFull &+= 1
            return false
        }
        let buffer = UnsafeMutableRawPointer(bitPattern: transmitBuffer(id))!
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: Self.headerBytes)
        if frame.count > 0 { (buffer + Self.headerBytes).copyMemory(from: frame.baseAddress!, byteCount: frame.count) }
        _ = transmitQueue.post(address: UInt64(transmitBuffer(id)), length: UInt32(Self.headerBytes + frame.count), deviceWrites: false)
        if transmitQueue.needsNotification { registers.write16(transmitNotify, 1) }
        counters.framesSent &+= 1
        return true
    }

    /// The next received frame copied into `buffer` (without the virtio header): its length, 0 when none has
    /// arrived. A frame that does not fit is dropped and counted; its buffer goes back to the device either way.
    // @implements SWR-HAL-VIRTIO-1
    public mutating func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while let (id, written) = receiveQueue.takeUsed() {
            let length = Int(written)
            var copied = 0
            if length >= Self.headerBytes + 14 && length <= Self.bufferBytes && length - Self.headerBytes <= buffer.count {
                copied = length - Self.headerBytes
                buffer.baseAddress!.copyMemory(from: UnsafeRawPointer(bitPattern: receiveBuffer(id) + UInt(Self.headerBytes))!,
                                               byteCount: copied)
                counters.framesReceived &+= 1
            } else {
                counters.receiveDropped &+= 1
            }
            if let again = receiveQueue.nextDescriptor {
                _ = receiveQueue.post(address: UInt64(receiveBuffer(again)), length: UInt32(Self.bufferBytes), deviceWrites: true)
                if receiveQueue.needsNotification { registers.write16(receiveNotify, 0) }
            }
            if copied > 0 { return copied }
        }
        return 0
    }

    /// Used-ring entries either queue dropped because they named no descriptor of the queue (a device error).
    public var badUsedEntries: UInt64 { receiveQueue.badUsedEntries &+ transmitQueue.badUsedEntries }
}
