// What the kernel knows about the machine it boots on: filled from the devicetree, completed by board fallbacks.

/// A device the platform found: its first `compatible` string and its register windows.
public struct DeviceInfo: Equatable, Sendable {
    /// The most specific `compatible` string.
    public var compatible: DeviceName
    /// The first register window (CPU physical address).
    public var base: UInt64
    /// The size of the first register window.
    public var size: UInt64
    /// A second register window where the device has one (the GIC's CPU interface), else 0.
    public var secondBase: UInt64

    /// A device at `base`.
    public init(compatible: DeviceName, base: UInt64, size: UInt64 = 0, secondBase: UInt64 = 0) {
        self.compatible = compatible
        self.base = base
        self.size = size
        self.secondBase = secondBase
    }
}

/// Where a platform fact came from.
public enum FactSource: Equatable, Sendable {
    /// Read from the devicetree the firmware passed.
    case devicetree
    /// Supplied by the board because the devicetree lacked it (or there was none).
    case board
}

/// The physical memory ranges of the machine (at most `MemoryMap.capacity`).
public struct MemoryMap: Equatable, Sendable {
    /// How many ranges are kept.
    public static let capacity = 8
    var storage = InlineArray<8, MemoryRange>(repeating: MemoryRange(base: 0, size: 0))
    /// Number of ranges in use.
    public private(set) var count = 0

    /// An empty map.
    public init() {}

    /// Appends a range; returns false when full.
    @discardableResult
    public mutating func append(_ range: MemoryRange) -> Bool {
        guard count < MemoryMap.capacity else { return false }
        storage[count] = range
        count += 1
        return true
    }

    /// Range `index` (0 ..< count).
    public subscript(index: Int) -> MemoryRange { storage[index] }

    /// The sum of all range sizes.
    public var totalBytes: UInt64 {
        var total: UInt64 = 0
        var i = 0
        while i < count {
            total &+= storage[i].size
            i += 1
        }
        return total
    }

    public static func == (lhs: MemoryMap, rhs: MemoryMap) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var i = 0
        while i < lhs.count {
            if lhs.storage[i] != rhs.storage[i] { return false }
            i += 1
        }
        return true
    }
}

/// The machine as detected at boot. Optional facts are nil when neither the devicetree nor the board knows them.
public struct Platform: Equatable, Sendable {
    /// Number of enabled CPUs.
    public var cpuCount: Int = 0
    /// RAM ranges.
    public var memory = MemoryMap()
    /// Frequency of the system timer counter.
    public var timerFrequencyHz: UInt64?
    /// The console UART.
    public var console: DeviceInfo?
    /// The root interrupt controller.
    public var interruptController: DeviceInfo?
    /// The PCIe configuration space (ECAM) window.
    public var pcieECAM: MemoryRange?
    /// A device that ends the machine with a status (QEMU's `sifive,test0`).
    public var exitDevice: DeviceInfo?
    /// Where the CPU count, memory and console came from.
    public var source: FactSource = .board
    /// RISC-V: the harts have Sstc (the supervisor timer compare `stimecmp`, written without an SBI call),
    /// named in the first CPU's `riscv,isa` or `riscv,isa-extensions`. False when not named (SBI then).
    public var hasSstc = false

    /// An empty description (nothing known yet).
    public init() {}

    /// Fills what is still unknown from `fallback` (the board's fixed facts).
    public mutating func complete(with fallback: Platform) {
        if cpuCount == 0 { cpuCount = fallback.cpuCount }
        if memory.count == 0 { memory = fallback.memory }
        if timerFrequencyHz == nil { timerFrequencyHz = fallback.timerFrequencyHz }
        if console == nil { console = fallback.console }
        if interruptController == nil { interruptController = fallback.interruptController }
        if pcieECAM == nil { pcieECAM = fallback.pcieECAM }
        if exitDevice == nil { exitDevice = fallback.exitDevice }
    }

    public static func == (lhs: Platform, rhs: Platform) -> Bool {
        lhs.cpuCount == rhs.cpuCount && lhs.memory == rhs.memory && lhs.timerFrequencyHz == rhs.timerFrequencyHz
            && lhs.console == rhs.console && lhs.interruptController == rhs.interruptController
            && lhs.pcieECAM == rhs.pcieECAM && lhs.exitDevice == rhs.exitDevice && lhs.source == rhs.source
            && lhs.hasSstc == rhs.hasSstc
    }
}
