// Where a modern virtio PCI device (Virtual I/O Device 1.2, §4.1.4) keeps its structures: vendor-specific
// capabilities in its configuration space name, for the common configuration, the notifications, the ISR status
// and the device-specific configuration, a BAR and a range in it. The walk is bounded and checks every pointer.

/// A structure's place: BAR `bar`, `length` bytes from `offset`.
public struct VirtioPCIRegion: Equatable, Sendable {
    public var bar: UInt8
    public var offset: UInt32
    public var length: UInt32
    public init(bar: UInt8, offset: UInt32, length: UInt32) {
        self.bar = bar
        self.offset = offset
        self.length = length
    }
}

/// The four structures of a modern virtio PCI device and the notification offset multiplier.
public struct VirtioPCICapabilities: Equatable, Sendable {
    public var common: VirtioPCIRegion?
    public var notify: VirtioPCIRegion?
    public var isr: VirtioPCIRegion?
    public var device: VirtioPCIRegion?
    /// Queue `q`'s notification register is at `notify.offset + queue_notify_off(q) * notifyMultiplier`.
    public var notifyMultiplier: UInt32 = 0

    public init() {}

    /// Whether the device can be driven the modern way (common configuration and notifications found).
    public var isModern: Bool { common != nil && notify != nil }

    /// The most capabilities walked (a 256-byte configuration space holds at most 48 of 4 bytes or more).
    public static var maxCapabilities: Int { 48 }

    /// Reads the capability list of the function at `address` (status bit 4, pointer at 0x34, each capability
    /// header inside 0x40...0xFF and 4-byte aligned, a virtio capability's 16 or 20 bytes too); the first of each
    /// virtio structure type counts.
    // @implements SWR-HAL-VIRTIO-1
    public static func read<C: PCIConfigSpace>(_ config: C, at address: PCIAddress) -> VirtioPCICapabilities {
        var caps = VirtioPCICapabilities()
        let status = config.read32(address, 0x04) >> 16
        guard status & 0x10 != 0 else { return caps }
        var pointer = Int(config.read32(address, 0x34) & 0xFC)
        var walked = 0
        while pointer >= 0x40 && pointer <= 0xFC && walked < maxCapabilities {
            walked += 1
            let header = config.read32(address, pointer)
            let id = header & 0xFF
            let next = Int((header >> 8) & 0xFC)
            let length = (header >> 16) & 0xFF
            let type = (header >> 24) & 0xFF
            if id == 0x09 && length >= 16 && pointer + 16 <= 0x100 {
                let bar = UInt8(truncatingIfNeeded: config.read32(address, pointer + 4))
                let region = VirtioPCIRegion(bar: bar, offset: config.read32(address, pointer + 8),
                                             length: config.read32(address, pointer + 12))
                if bar <= 5 {
                    switch type {
                    case 1: if caps.common == nil { caps.common = region }
                    case 2:
                        if caps.notify == nil && length >= 20 && pointer + 20 <= 0x100 {
                            caps.notify = region
                            caps.notifyMultiplier = config.read32(address, pointer + 16)
                        }
                    case 3: if caps.isr == nil { caps.isr = region }
                    case 4: if caps.device == nil { caps.device = region }
                    default: break
                    }
                }
            }
            pointer = next
        }
        return caps
    }
}
