// The polled virtio network driver against a model of a modern virtio PCI network device written from Virtual
// I/O Device 1.2: the common configuration (§4.1.4.3), the notification area (§4.1.4.4), the network device's
// configuration (§5.1.4) and the device's side of the two split virtqueues (§2.7, §5.1.6), working on the rings in
// real host memory at the addresses the driver programmed. Then the transport's placing of the structures in BARs.

@testable import Kernel
import Testing

/// A virtio-net device whose structures sit in BAR 4 at a made-up address, as QEMU lays them out: common
/// configuration at 0, ISR at 0x1000, device configuration at 0x2000, notifications at 0x3000.
final class VirtioNetDeviceModel: VirtioRegisterAccess {
    static let barAddress: UInt64 = 0x1000_0000
    let common = UInt(barAddress), isr = UInt(barAddress) + 0x1000
    let deviceConfig = UInt(barAddress) + 0x2000, notify = UInt(barAddress) + 0x3000
    static let version1: UInt64 = 1 << 32, featureMAC: UInt64 = 1 << 5
    /// Besides: CSUM, GUEST_CSUM, MRG_RXBUF, STATUS, RING_EVENT_IDX, ACCESS_PLATFORM, RING_PACKED (none of which
    /// the driver may take).
    static let others: UInt64 = 1 << 0 | 1 << 1 | 1 << 15 | 1 << 16 | 1 << 29 | 1 << 33 | 1 << 34

    // How the device is built.
    var offered = version1 | featureMAC | others
    var acceptsFeatures = true
    var mac: [UInt8] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]
    let maximum: [UInt16]
    let notifyOff: [UInt16]
    let multiplier: UInt32
    /// Reads of device_status after a reset that still show the old status (the reset takes that long).
    var resetReads = 0
    let transport: VirtioPCITransport

    // Its registers.
    struct Queue {
        var size: UInt16, msix: UInt16 = 0, enabled = false
        var desc: UInt64 = 0, driver: UInt64 = 0, device: UInt64 = 0
        var nextAvailable: UInt16 = 0, usedIndex: UInt16 = 0
    }
    var status: UInt8 = 0
    var deviceFeatureSelect: UInt32 = 0, driverFeatureSelect: UInt32 = 0
    var driverFeatures: UInt64 = 0
    var queueSelect: UInt16 = 0
    var queues: [Queue] = []
    var pendingResetReads = 0

    // What the driver did.
    var statusWrites: [UInt8] = []
    var queueSizeWrites: [(queue: UInt16, size: UInt16)] = []
    var notifications: [(address: UInt, value: UInt16, status: UInt8)] = []
    /// Accesses the specification does not allow: an unknown address, a wrong width, a read-only field written,
    /// a status bit cleared, a queue changed after it was enabled, a notification of a queue not enabled.
    var violations: [String] = []
    /// Transmit buffers the device has taken and not yet returned.
    var held: [UInt16] = []

    init(maximum: [UInt16] = [256, 256], notifyOff: [UInt16] = [0, 1], multiplier: UInt32 = 4) {
        self.maximum = maximum
        self.notifyOff = notifyOff
        self.multiplier = multiplier
        var caps = VirtioPCICapabilities()
        caps.common = VirtioPCIRegion(bar: 4, offset: 0, length: 0x1000)
        caps.isr = VirtioPCIRegion(bar: 4, offset: 0x1000, length: 0x1000)
        caps.device = VirtioPCIRegion(bar: 4, offset: 0x2000, length: 0x1000)
        caps.notify = VirtioPCIRegion(bar: 4, offset: 0x3000, length: 0x1000)
        caps.notifyMultiplier = multiplier
        transport = VirtioPCITransport(caps) { $0 == 4 ? (Self.barAddress, 0x4000) : nil }!
        reset()
    }

    /// Writing 0 to device_status (§4.1.4.3.1): every field back to its initial value.
    func reset() {
        status = 0
        deviceFeatureSelect = 0
        driverFeatureSelect = 0
        driverFeatures = 0
        queueSelect = 0
        queues = maximum.map { Queue(size: $0) }
        held = []
    }

    /// The queue queue_select names (nil for one the device does not have).
    var selected: Int? { Int(queueSelect) < queues.count ? Int(queueSelect) : nil }
    func notifyAddress(_ q: Int) -> UInt { notify + UInt(notifyOff[q]) * UInt(multiplier) }

    func read8(_ a: UInt) -> UInt8 { UInt8(truncatingIfNeeded: read(a, 1)) }
    func read16(_ a: UInt) -> UInt16 { UInt16(truncatingIfNeeded: read(a, 2)) }
    func read32(_ a: UInt) -> UInt32 { read(a, 4) }
    func write8(_ a: UInt, _ v: UInt8) { write(a, 1, UInt32(v)) }
    func write16(_ a: UInt, _ v: UInt16) { write(a, 2, UInt32(v)) }
    func write32(_ a: UInt, _ v: UInt32) { write(a, 4, v) }

    static func half(_ v: UInt64, _ offset: UInt) -> UInt32 { UInt32(truncatingIfNeeded: offset & 4 == 0 ? v : v >> 32) }
    static func setHalf(_ v: inout UInt64, _ offset: UInt, _ x: UInt32) {
        v = offset & 4 == 0 ? v & ~0xFFFF_FFFF | UInt64(x) : v & 0xFFFF_FFFF | UInt64(x) << 32
    }

    func read(_ a: UInt, _ width: Int) -> UInt32 {
        if a >= deviceConfig && a < deviceConfig + 6 && width == 1 { return UInt32(mac[Int(a - deviceConfig)]) }
        let q = selected
        switch (a &- common, width) {
        case (0x00, 4): return deviceFeatureSelect
        case (0x04, 4): return deviceFeatureSelect < 2 ? Self.half(offered, UInt(deviceFeatureSelect) * 4) : 0
        case (0x08, 4): return driverFeatureSelect
        case (0x0C, 4): return driverFeatureSelect < 2 ? Self.half(driverFeatures, UInt(driverFeatureSelect) * 4) : 0
        case (0x10, 2): return 0xFFFF                                  // msix_config: no vector
        case (0x12, 2): return UInt32(queues.count)                    // num_queues
        case (0x14, 1):
            if pendingResetReads > 0 {
                pendingResetReads -= 1
                return 0x0F
            }
            return UInt32(status)
        case (0x15, 1): return 0                                       // config_generation
        case (0x16, 2): return UInt32(queueSelect)
        case (0x18, 2): return UInt32(q.map { queues[$0].size } ?? 0)  // 0: no such queue
        case (0x1A, 2): return UInt32(q.map { queues[$0].msix } ?? 0)
        case (0x1C, 2): return q.map { queues[$0].enabled ? 1 : 0 } ?? 0
        case (0x1E, 2): return UInt32(q.map { notifyOff[$0] } ?? 0)
        case (0x20, 4), (0x24, 4): return q.map { Self.half(queues[$0].desc, a - common) } ?? 0
        case (0x28, 4), (0x2C, 4): return q.map { Self.half(queues[$0].driver, a - common) } ?? 0
        case (0x30, 4), (0x34, 4): return q.map { Self.half(queues[$0].device, a - common) } ?? 0
        default:
            violations.append("read\(width * 8) of \(String(a, radix: 16))")
            return 0
        }
    }

    func write(_ a: UInt, _ width: Int, _ v: UInt32) {
        if a >= notify && a < notify + 0x1000 && width == 2 {
            let q = (0..<queues.count).first { notifyAddress($0) == a && UInt32($0) == v }
            if q == nil || !queues[q!].enabled { violations.append("notify \(v) at \(String(a, radix: 16))") }
            notifications.append((a, UInt16(v), status))
            return
        }
        let q = selected, o = a &- common
        if let q, queues[q].enabled, [0x18, 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34].contains(o) {
            violations.append("queue \(q) changed after it was enabled")
        }
        switch (o, width) {
        case (0x00, 4): deviceFeatureSelect = v
        case (0x08, 4): driverFeatureSelect = v
        case (0x0C, 4): if driverFeatureSelect < 2 { Self.setHalf(&driverFeatures, UInt(driverFeatureSelect) * 4, v) }
        case (0x10, 2): break
        case (0x14, 1):
            let value = UInt8(v)
            statusWrites.append(value)
            if value == 0 {
                reset()
                pendingResetReads = resetReads
                return
            }
            if status & ~value != 0 { violations.append("status \(status) cleared by \(value)") }
            status = value
            // FEATURES_OK stays set only for a subset of what was offered that the device accepts (§2.2.2).
            if value & 8 != 0 && (!acceptsFeatures || driverFeatures & ~offered != 0) { status &= ~8 }
        case (0x16, 2): queueSelect = UInt16(v)
        case (0x18, 2):
            guard let q else { return violations.append("queue_size of no queue") }
            let size = UInt16(v)
            if size == 0 || size > maximum[q] || size & (size - 1) != 0 { violations.append("queue_size \(size)") }
            queueSizeWrites.append((UInt16(q), size))
            queues[q].size = size
        case (0x1A, 2): if let q { queues[q].msix = UInt16(v) }
        case (0x1C, 2):
            guard let q, v == 1 else { return violations.append("queue_enable \(v)") }
            queues[q].enabled = true
        case (0x20, 4), (0x24, 4): if let q { Self.setHalf(&queues[q].desc, o, v) }
        case (0x28, 4), (0x2C, 4): if let q { Self.setHalf(&queues[q].driver, o, v) }
        case (0x30, 4), (0x34, 4): if let q { Self.setHalf(&queues[q].device, o, v) }
        default: violations.append("write\(width * 8) of \(v) to \(String(a, radix: 16))")
        }
    }

    // The device's side of the rings (§2.7.6, §2.7.8), at the addresses the driver programmed.
    func load16(_ a: UInt64) -> UInt16 { UnsafePointer<UInt16>(bitPattern: UInt(a))!.pointee }
    func load32(_ a: UInt64) -> UInt32 { UnsafePointer<UInt32>(bitPattern: UInt(a))!.pointee }
    func store16(_ a: UInt64, _ v: UInt16) { UnsafeMutablePointer<UInt16>(bitPattern: UInt(a))!.pointee = v }
    func store32(_ a: UInt64, _ v: UInt32) { UnsafeMutablePointer<UInt32>(bitPattern: UInt(a))!.pointee = v }

    func availableIndex(_ q: Int) -> UInt16 { load16(queues[q].driver + 2) }
    func availableFlags(_ q: Int) -> UInt16 { load16(queues[q].driver) }
    func setUsedFlags(_ q: Int, _ flags: UInt16) { store16(queues[q].device, flags) }

    struct Buffer { var id: UInt16, address: UInt64, length: UInt32, flags: UInt16 }
    func descriptor(_ q: Int, _ id: UInt16) -> Buffer {
        let d = queues[q].desc + UInt64(id) * 16
        return Buffer(id: id, address: UInt64(load32(d)) | UInt64(load32(d + 4)) << 32, length: load32(d + 8), flags: load16(d + 12))
    }
    /// The buffers made available and not yet taken, without taking them (at most a queue's worth; an id outside
    /// the descriptor table is a driver error, noted and skipped).
    func available(_ q: Int) -> [Buffer] {
        let queue = queues[q]
        let count = availableIndex(q) &- queue.nextAvailable
        if count > queue.size { violations.append("queue \(q): \(count) buffers available") }
        return (0..<min(count, queue.size)).compactMap { k in
            let id = load16(queue.driver + 4 + UInt64((queue.nextAvailable &+ k) & (queue.size - 1)) * 2)
            guard id < queue.size else {
                violations.append("queue \(q): descriptor \(id) made available")
                return nil
            }
            return descriptor(q, id)
        }
    }
    /// Takes the next available buffer; nothing before DRIVER_OK or on a queue not enabled (§3.1.1, §4.1.4.3.2).
    func take(_ q: Int) -> Buffer? {
        guard status & 4 != 0, queues[q].enabled, let next = available(q).first else { return nil }
        queues[q].nextAvailable &+= 1
        return next
    }
    /// Returns `id` through the used ring with `length` bytes written.
    func use(_ q: Int, id: UInt32, length: UInt32) {
        let e = queues[q].device + 4 + UInt64(queues[q].usedIndex & (queues[q].size - 1)) * 8
        store32(e, id)
        store32(e + 4, length)
        queues[q].usedIndex &+= 1
        store16(queues[q].device + 2, queues[q].usedIndex)
    }

    /// Receives `frame` from the wire into the next receive buffer: header (num_buffers 1, §5.1.6.4) then the frame;
    /// the used length `usedLength` when given, otherwise what was written. False when no buffer was posted.
    func deliver(_ frame: [UInt8], usedLength: UInt32? = nil) -> Bool {
        guard let b = take(0), b.flags == 2, Int(b.length) >= 12 + frame.count else { return false }
        let p = UnsafeMutableRawPointer(bitPattern: UInt(b.address))!
        p.initializeMemory(as: UInt8.self, repeating: 0, count: 12)
        p.storeBytes(of: UInt16(1), toByteOffset: 10, as: UInt16.self)
        frame.withUnsafeBytes { (p + 12).copyMemory(from: $0.baseAddress!, byteCount: frame.count) }
        use(0, id: UInt32(b.id), length: usedLength ?? UInt32(12 + frame.count))
        return true
    }
    /// Takes every buffer made available for transmission (header included) and holds it.
    func transmit() -> [(Buffer, [UInt8])] {
        var out: [(Buffer, [UInt8])] = []
        while let b = take(1) {
            held.append(b.id)
            out.append((b, Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(b.address)), count: Int(b.length)))))
        }
        return out
    }
    /// Returns the held transmit buffers (length 0: the device wrote nothing into them).
    func completeTransmits() {
        for id in held { use(1, id: UInt32(id), length: 0) }
        held = []
    }
}

typealias ModelNet = VirtioNet<VirtioNetDeviceModel>

/// A started driver behind a reference, so that its mutating calls can sit inside `#expect`.
final class StartedVirtioNet {
    var net: ModelNet
    init(_ model: VirtioNetDeviceModel, _ memory: UnsafeMutableRawBufferPointer) throws {
        net = try ModelNet.start(model, model.transport, memory: memory)
    }
    var counters: VirtioNetCounters { net.counters }
    var badUsedEntries: UInt64 { net.badUsedEntries }
    func send(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { net.send($0) } }
    /// The next received frame (empty when none) through a caller buffer of `capacity` bytes.
    func receive(capacity: Int = 2048) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: capacity)
        let n = out.withUnsafeMutableBytes { net.receive(into: $0) }
        return Array(out[0..<n])
    }
}

/// Memory for the driver, 16-byte aligned and filled with a pattern the driver must overwrite where it matters.
fileprivate func virtioBlock(queueSize: UInt16 = 16, extra: Int = 0) -> UnsafeMutableRawBufferPointer {
    let m = UnsafeMutableRawBufferPointer.allocate(byteCount: ModelNet.memoryBytes(queueSize: queueSize) + extra, alignment: 16)
    m.initializeMemory(as: UInt8.self, repeating: 0xA5)
    return m
}

fileprivate func frame(_ count: Int, seed: Int = 0) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed) } }

@Suite("Virtio network device")
struct VirtioNetTests {
    /// Starts the driver and returns the error it threw, nil when it started.
    func startError(_ model: VirtioNetDeviceModel, _ memory: UnsafeMutableRawBufferPointer, queueSize: UInt16 = 16) -> VirtioNetError? {
        do throws(VirtioNetError) {
            _ = try ModelNet.start(model, model.transport, memory: memory, queueSize: queueSize)
            return nil
        } catch {
            return error
        }
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func startFollowsTheInitializationSequenceAndTakesOnlyVersion1AndMAC() throws {
        let model = VirtioNetDeviceModel()
        model.status = 0x8F    // left over from an earlier driver: the reset must clear it
        let memory = virtioBlock()
        defer { memory.deallocate() }
        let net = try ModelNet.start(model, model.transport, memory: memory)
        #expect(model.statusWrites == [0, 1, 3, 11, 15])
        #expect(model.status == 15)
        #expect(model.driverFeatures == VirtioNetDeviceModel.version1 | VirtioNetDeviceModel.featureMAC)
        #expect(net.macAddress == (0x52, 0x54, 0x00, 0x12, 0x34, 0x56))
        #expect(net.counters == VirtioNetCounters())
        #expect(model.violations == [])
        #expect(!net.needsReset)
        model.status |= 64
        #expect(net.needsReset)
    }

    @Test func withoutMACOfferedOnlyVersion1IsTakenAndTheAddressIsZero() throws {
        let model = VirtioNetDeviceModel()
        model.offered &= ~VirtioNetDeviceModel.featureMAC
        let memory = virtioBlock()
        defer { memory.deallocate() }
        let net = try ModelNet.start(model, model.transport, memory: memory)
        #expect(model.driverFeatures == VirtioNetDeviceModel.version1)
        #expect(net.macAddress == (0, 0, 0, 0, 0, 0))
        #expect(model.statusWrites == [0, 1, 3, 11, 15] && model.violations == [])
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func queueSizesAreWhatWasAskedOrHalvedToFitTheDevice() throws {
        // (device maxima, asked, expected)
        let cases: [([UInt16], UInt16, UInt16)] = [([256, 256], 16, 16), ([8, 8], 16, 8), ([256, 4], 16, 4),
                                                   ([2, 256], 64, 2), ([256, 256], 256, 256), ([32768, 32768], 8, 8),
                                                   ([12, 256], 16, 8),   // not a power of two: halved below it
                                                   ([256, 256], 12, 8), ([256, 256], 100, 64),  // asked: rounded down
                                                   ([256, 256], 0, 2), ([256, 256], 1, 2)]      // at least 2
        for (maxima, asked, expected) in cases {
            let model = VirtioNetDeviceModel(maximum: maxima)
            let memory = virtioBlock(queueSize: expected)
            defer { memory.deallocate() }
            let net = try ModelNet.start(model, model.transport, memory: memory, queueSize: asked)
            #expect(model.queueSizeWrites.map(\.queue) == [0, 1], "\(maxima) \(asked)")
            #expect(model.queueSizeWrites.map(\.size) == [expected, expected], "\(maxima) \(asked)")
            #expect(model.availableIndex(0) == expected, "\(maxima) \(asked)")
            #expect(model.violations == [], "\(maxima) \(asked)")
            _ = net
        }
        // A device that needs fewer entries than asked needs only the memory for them.
        let model = VirtioNetDeviceModel(maximum: [8, 8])
        let memory = virtioBlock(queueSize: 8)
        defer { memory.deallocate() }
        #expect(startError(model, memory, queueSize: 16) == nil)
    }

    @Test func theQueuesLiveInTheCallersBlockAndEveryReceiveBufferIsPosted() throws {
        let model = VirtioNetDeviceModel(notifyOff: [3, 5])
        let memory = virtioBlock()
        defer { memory.deallocate() }
        _ = try ModelNet.start(model, model.transport, memory: memory)
        // The split queue layout (§2.7): descriptors (16 bytes each), the available ring (2-byte aligned) and the
        // used ring (4-byte aligned); the transmit queue at the next 16-byte boundary after the receive queue.
        let base = UInt64(UInt(bitPattern: memory.baseAddress!))
        let used: UInt64 = (16 * 16 + 6 + 2 * 16 + 3) & ~3
        let queueBytes: UInt64 = (used + 6 + 8 * 16 + 15) & ~15
        for q in 0..<2 {
            let start = base + UInt64(q) * queueBytes
            #expect(model.queues[q].desc == start && model.queues[q].driver == start + 256 && model.queues[q].device == start + used)
            #expect(model.queues[q].enabled && model.queues[q].msix == 0xFFFF)
            #expect(model.availableFlags(q) == 1)     // VIRTQ_AVAIL_F_NO_INTERRUPT: polled
        }
        // Sixteen distinct 2048-byte receive buffers after both queues and inside the block, device-writable.
        #expect(model.availableIndex(0) == 16 && model.availableIndex(1) == 0)
        let buffers = model.available(0)
        #expect(Set(buffers.map(\.id)).count == 16 && Set(buffers.map(\.address)).count == 16)
        for b in buffers {
            #expect(b.flags == 2 && b.length == 2048)
            #expect(b.address >= base + 2 * queueBytes && b.address + 2048 <= base + UInt64(memory.count))
            #expect((b.address - base - 2 * queueBytes) % 2048 == 0)
        }
        // Notified once, with the queue index, at notify + queue_notify_off × multiplier, after DRIVER_OK.
        #expect(model.notifications.count == 1)
        #expect(model.notifications.first?.address == model.notify + 12 && model.notifications.first?.value == 0)
        #expect(model.notifications.first?.status == 15)
        #expect(model.violations == [])
        // With multiplier 0 every queue is notified at the one address, told apart by the value.
        let shared = VirtioNetDeviceModel(notifyOff: [0, 1], multiplier: 0)
        let net = try StartedVirtioNet(shared, memory)
        #expect(net.send(frame(60)))
        #expect(shared.notifications.map(\.address) == [shared.notify, shared.notify])
        #expect(shared.notifications.map(\.value) == [0, 1])
        #expect(shared.violations == [])
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func aSlowResetIsWaitedForButNotForever() throws {
        let model = VirtioNetDeviceModel()
        model.resetReads = 1000
        let memory = virtioBlock()
        defer { memory.deallocate() }
        #expect(startError(model, memory) == nil)
        model.resetReads = Int.max
        #expect(startError(model, memory) == .resetTimedOut)
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func aDeviceWithoutVersion1IsFailed() {
        let model = VirtioNetDeviceModel()
        model.offered = VirtioNetDeviceModel.featureMAC | 1 << 0    // a legacy-only device
        let memory = virtioBlock()
        defer { memory.deallocate() }
        #expect(startError(model, memory) == .notVersion1)
        #expect(model.status & 128 != 0 && model.status & 4 == 0)
        #expect(model.statusWrites.last == 0x83)
        #expect(model.violations == [])
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func aDeviceThatRefusesTheFeaturesIsFailed() {
        let model = VirtioNetDeviceModel()
        model.acceptsFeatures = false
        let memory = virtioBlock()
        defer { memory.deallocate() }
        #expect(startError(model, memory) == .featuresRefused)
        #expect(model.status & 128 != 0 && model.status & 8 == 0 && model.status & 4 == 0)
        #expect(model.queueSizeWrites.isEmpty)
    }

    @Test func aMissingQueueFailsTheDevice() {
        let memory = virtioBlock()
        defer { memory.deallocate() }
        for (maxima, index) in [([0, 256], 0), ([256, 0], 1), ([256], 1), ([256, 1], 1)] as [([UInt16], UInt16)] {
            let model = VirtioNetDeviceModel(maximum: maxima, notifyOff: [0, 1])
            #expect(startError(model, memory) == .noQueue(index: index), "\(maxima)")
            #expect(model.status & 128 != 0 && model.status & 4 == 0, "\(maxima)")
            #expect(model.queues.allSatisfy { !$0.enabled }, "\(maxima)")
        }
    }

    @Test func tooLittleOrMisalignedMemoryIsRefused() throws {
        let needed = ModelNet.memoryBytes(queueSize: 16)
        let memory = virtioBlock(extra: 16)
        defer { memory.deallocate() }
        let short = VirtioNetDeviceModel()
        let error = startError(short, UnsafeMutableRawBufferPointer(rebasing: memory[0..<(needed - 1)]))
        guard case .memoryTooSmall(let reported) = error else {
            Issue.record("expected memoryTooSmall, got \(String(describing: error))")
            return
        }
        #expect(reported >= needed)
        #expect(short.status & 128 != 0 && short.status & 4 == 0 && short.queues.allSatisfy { !$0.enabled })
        let misaligned = VirtioNetDeviceModel()
        guard case .memoryTooSmall = startError(misaligned, UnsafeMutableRawBufferPointer(rebasing: memory[8...])) else {
            Issue.record("a misaligned block was taken")
            return
        }
        #expect(startError(VirtioNetDeviceModel(), UnsafeMutableRawBufferPointer(rebasing: memory[0..<needed])) == nil)
    }

    @Test func aFrameGoesOutBehindAZeroHeaderAndTheDeviceIsNotified() throws {
        let model = VirtioNetDeviceModel(notifyOff: [0, 2])
        let memory = virtioBlock()
        defer { memory.deallocate() }
        let net = try StartedVirtioNet(model, memory)
        let out = frame(60, seed: 3)
        #expect(net.send(out))
        #expect(model.notifications.last?.address == model.notify + 8 && model.notifications.last?.value == 1)
        let sent = model.transmit()
        try #require(sent.count == 1)
        let (buffer, bytes) = sent[0]
        #expect(buffer.length == 72 && buffer.flags == 0)
        #expect(Array(bytes[0..<12]) == [UInt8](repeating: 0, count: 12))
        #expect(Array(bytes[12...]) == out)
        let base = UInt64(UInt(bitPattern: memory.baseAddress!))
        #expect(buffer.address >= base && buffer.address + 2048 <= base + UInt64(memory.count))
        #expect(!model.available(0).contains { $0.address == buffer.address })     // not a receive buffer
        #expect(net.counters.framesSent == 1)
        // A device that asks not to be notified (VIRTQ_USED_F_NO_NOTIFY) is not.
        model.setUsedFlags(1, 1)
        let before = model.notifications.count
        #expect(net.send(frame(14)))
        #expect(model.notifications.count == before)
        #expect(model.transmit().count == 1)
        #expect(model.violations == [])
    }

    @Test func aFullTransmitQueueRefusesAndCountsUntilTheDeviceReturnsBuffers() throws {
        let model = VirtioNetDeviceModel()
        let memory = virtioBlock()
        defer { memory.deallocate() }
        let net = try StartedVirtioNet(model, memory)
        for k in 0..<16 { #expect(net.send(frame(100, seed: k)), "send \(k)") }
        #expect(!net.send(frame(100)))
        #expect(net.counters.transmitFull == 1 && net.counters.framesSent == 16)
        // The device takes them all (in order, each in its own buffer) but returns nothing yet: still full.
        let sent = model.transmit()
        #expect(sent.map { Array($0.1[12...]) } == (0..<16).map { frame(100, seed: $0) })
        #expect(Set(sent.map(\.0.address)).count == 16)
        #expect(!net.send(frame(100)))
        #expect(net.counters.transmitFull == 2)
        // Once it returns them, sending works again; all sixteen are usable.
        model.completeTransmits()
        for k in 0..<16 { #expect(net.send(frame(64, seed: k)), "resend \(k)") }
        #expect(net.counters.transmitFull == 2 && net.counters.framesSent == 32)
        #expect(model.transmit().map { Array($0.1[12...]) } == (0..<16).map { frame(64, seed: $0) })
        #expect(model.violations == [])
    }

    @Test func framesLongerThanABufferAreRefused() throws {
        let model = VirtioNetDeviceModel()
        let memory = virtioBlock()
        defer { memory.deallocate() }
        let net = try StartedVirtioNet(model, memory)
        #expect(!net.send(frame(2048 - 12 + 1)))
        #expect(!net.send(frame(4096)))
        #expect(model.availableIndex(1) == 0 && net.counters.framesSent == 0)
        #expect(net.send(frame(2048 - 12)))
        let sent = model.transmit()
        #expect(sent.count == 1 && sent.first?.0.length == 2048 && sent.first.map { Array($0.1[12...]) } == frame(2036))
    }

    @Test func receivedFramesComeInOrderWithoutTheHeaderAndTheirBuffersGoBack() throws {
        let model = VirtioNetDeviceModel()
        let memory = virtioBlock()
        defer { memory.deallocate() }
        let net = try StartedVirtioNet(model, memory)
        #expect(net.receive() == [])
        #expect(model.deliver(frame(60, seed: 1)) && model.deliver(frame(1514, seed: 2)))
        let notifiedBefore = model.notifications.count
        #expect(net.receive() == frame(60, seed: 1))
        #expect(model.availableIndex(0) == 17)
        #expect(net.receive() == frame(1514, seed: 2))
        #expect(model.availableIndex(0) == 18)
        #expect(net.receive() == [])
        #expect(model.notifications.count == notifiedBefore + 2 && model.notifications.last?.value == 0)
        #expect(net.counters.framesReceived == 2 && net.counters.receiveDropped == 0)
        // Many more than the queue holds, in bursts of five: buffers keep coming back, the indices wrap.
        for burst in 0..<20 {
            for k in 0..<5 { #expect(model.deliver(frame(64 + k, seed: burst * 5 + k))) }
            for k in 0..<5 { #expect(net.receive() == frame(64 + k, seed: burst * 5 + k)) }
        }
        #expect(net.receive() == [] && net.counters.framesReceived == 102)
        #expect(model.available(0).count == 16 && model.violations == [])
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func implausibleLengthsAreDroppedAndCounted() throws {
        let model = VirtioNetDeviceModel()
        let memory = virtioBlock()
        defer { memory.deallocate() }
        let net = try StartedVirtioNet(model, memory)
        // Shorter than header and Ethernet header, longer than the buffer: dropped; the buffer goes back.
        #expect(model.deliver(frame(13), usedLength: 12 + 13))
        #expect(model.deliver(frame(60), usedLength: 0))
        #expect(model.deliver(frame(60), usedLength: 2049))
        #expect(model.deliver(frame(60), usedLength: UInt32.max))
        #expect(net.receive() == [])
        #expect(net.counters.receiveDropped == 4 && net.counters.framesReceived == 0)
        #expect(model.availableIndex(0) == 20 && model.available(0).count == 16)
        // The limits themselves are taken.
        #expect(model.deliver(frame(14)) && model.deliver(frame(2036)))
        #expect(net.receive() == frame(14))
        #expect(net.receive() == frame(2036))
        // Longer than the caller's buffer: dropped and counted; the next that fits comes through.
        #expect(model.deliver(frame(100, seed: 5)) && model.deliver(frame(64, seed: 6)))
        #expect(net.receive(capacity: 64) == frame(64, seed: 6))
        #expect(net.counters.receiveDropped == 5 && net.counters.framesReceived == 3)
        #expect(model.available(0).count == 16 && model.violations == [])
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func usedEntriesForBuffersTheDeviceDoesNotHoldAreCountedNotTrusted() throws {
        let model = VirtioNetDeviceModel()
        let memory = virtioBlock()
        defer { memory.deallocate() }
        let net = try StartedVirtioNet(model, memory)
        // Receive: ids outside the queue, then a real frame.
        model.use(0, id: 16, length: 60)
        model.use(0, id: UInt32.max, length: 60)
        #expect(model.deliver(frame(60, seed: 9)))
        #expect(net.receive() == frame(60, seed: 9))
        #expect(net.badUsedEntries == 2 && net.counters.receiveDropped == 0)
        // Transmit: the device returns a descriptor the driver never gave it.
        #expect(net.send(frame(60)))
        let sent = try #require(model.transmit().first)
        model.use(1, id: UInt32(sent.0.id ^ 1), length: 0)
        #expect(net.send(frame(61)))
        #expect(net.badUsedEntries == 3)
        // Nothing was lost: still sixteen receive buffers posted, and the held transmit buffer comes back.
        model.completeTransmits()
        #expect(model.transmit().count == 1)
        for k in 0..<15 { #expect(net.send(frame(60, seed: k)), "send \(k)") }
        #expect(model.available(0).count == 16 && net.badUsedEntries == 3)
    }

    // MARK: The transport

    func capabilities() -> VirtioPCICapabilities {
        var caps = VirtioPCICapabilities()
        caps.common = VirtioPCIRegion(bar: 4, offset: 0, length: 0x1000)
        caps.isr = VirtioPCIRegion(bar: 4, offset: 0x1000, length: 0x1000)
        caps.device = VirtioPCIRegion(bar: 2, offset: 0x800, length: 0x100)
        caps.notify = VirtioPCIRegion(bar: 4, offset: 0x3000, length: 0x1000)
        caps.notifyMultiplier = 4
        return caps
    }

    func bars(_ i: Int) -> (address: UInt64, size: UInt64)? {
        switch i {
        case 2: (0x8000_0000, 0x1000)
        case 4: (0x40_0000_0000, 0x4000)
        default: nil
        }
    }

    @Test func theTransportPlacesEachStructureInItsBAR() throws {
        let t = try #require(VirtioPCITransport(capabilities(), bar: bars))
        #expect(t.common == 0x40_0000_0000 && t.isr == 0x40_0000_1000 && t.notify == 0x40_0000_3000)
        #expect(t.device == 0x8000_0800 && t.deviceLength == 0x100)
        #expect(t.notifyLength == 0x1000 && t.notifyMultiplier == 4)
        // A common configuration exactly the structure's size at the end of its BAR fits.
        var tight = capabilities()
        tight.common = VirtioPCIRegion(bar: 4, offset: 0x4000 - 0x38, length: 0x38)
        #expect(VirtioPCITransport(tight, bar: bars)?.common == 0x40_0000_3FC8)
        // ISR and device configuration are optional: missing or misplaced, they are 0.
        var optional = capabilities()
        optional.isr = nil
        optional.device = VirtioPCIRegion(bar: 2, offset: 0xF00, length: 0x101)
        let o = try #require(VirtioPCITransport(optional, bar: bars))
        #expect(o.isr == 0 && o.device == 0 && o.deviceLength == 0)
    }

    // @verifies SWR-HAL-VIRTIO-1
    @Test func theTransportRefusesMissingOrMisplacedStructures() {
        var noCommon = capabilities(); noCommon.common = nil
        var noNotify = capabilities(); noNotify.notify = nil
        var beyond = capabilities(); beyond.notify = VirtioPCIRegion(bar: 4, offset: 0x3000, length: 0x1001)
        var farBeyond = capabilities(); farBeyond.common = VirtioPCIRegion(bar: 4, offset: 0xFFFF_FFFF, length: 0xFFFF_FFFF)
        var shortCommon = capabilities(); shortCommon.common = VirtioPCIRegion(bar: 4, offset: 0, length: 0x37)
        var absentBAR = capabilities(); absentBAR.notify = VirtioPCIRegion(bar: 3, offset: 0, length: 0x100)
        for caps in [noCommon, noNotify, beyond, farBeyond, shortCommon, absentBAR] {
            #expect(VirtioPCITransport(caps, bar: bars) == nil, "\(caps)")
        }
        // A BAR left unassigned (address 0) places nothing.
        #expect(VirtioPCITransport(capabilities()) { $0 == 4 ? (0, 0x4000) : bars($0) } == nil)
    }
}
