// PCI on a generic ECAM host bridge (QEMU virt): configuration space, bus scanning, BAR sizing and
// assignment from the bridge's devicetree windows, and INTx routing through its `interrupt-map`.
// Nothing here allocates; the configuration space is a protocol so the logic runs on the host in tests.

import KernelSupport

/// Bus, device and function of a PCI function.
public struct PCIAddress: Equatable, Sendable {
    public var bus: UInt8
    public var device: UInt8
    public var function: UInt8

    public init(bus: UInt8, device: UInt8, function: UInt8) {
        self.bus = bus
        self.device = device & 31
        self.function = function & 7
    }

    /// Offset of the function's 4 KiB configuration page inside the ECAM window.
    public var ecamOffset: UInt { UInt(bus) << 20 | UInt(device) << 15 | UInt(function) << 12 }

    /// The first cell (phys.hi) of the function's devicetree unit address: `bus << 16 | device << 11 | function << 8`.
    public var unitAddressHigh: UInt32 { UInt32(bus) << 16 | UInt32(device) << 11 | UInt32(function) << 8 }
}

/// 32-bit access to configuration space (offsets are multiples of 4).
public protocol PCIConfigSpace {
    func read32(_ address: PCIAddress, _ offset: Int) -> UInt32
    func write32(_ address: PCIAddress, _ offset: Int, _ value: UInt32)
}

/// Configuration space through an ECAM window mapped at `base` (CPU physical address, identity-mapped).
public struct ECAMConfigSpace: PCIConfigSpace {
    public let base: UInt
    /// Number of buses the window covers (1 MiB each).
    public let busCount: Int

    public init(base: UInt, size: UInt64) {
        self.base = base
        self.busCount = Int(min(size >> 20, 256))
    }

    public func read32(_ address: PCIAddress, _ offset: Int) -> UInt32 {
        guard Int(address.bus) < busCount else { return 0xFFFF_FFFF }
        return orion_mmio_read32(base + address.ecamOffset + UInt(offset & 0xFFC))
    }

    public func write32(_ address: PCIAddress, _ offset: Int, _ value: UInt32) {
        guard Int(address.bus) < busCount else { return }
        orion_mmio_write32(base + address.ecamOffset + UInt(offset & 0xFFC), value)
        orion_mmio_barrier()
    }
}

/// Configuration-space register offsets and command bits used here.
public enum PCIRegister {
    public static let id = 0x00             // vendor (low 16), device (high 16)
    public static let commandStatus = 0x04  // command (low 16), status (high 16)
    public static let classRevision = 0x08  // revision (low 8), class code (high 24)
    public static let headerType = 0x0C     // header type in bits 16..23, bit 23 = multi-function
    public static let bar0 = 0x10
    public static let interrupt = 0x3C      // line (low 8), pin (next 8: 1 = INTA ... 4 = INTD)

    public static let commandIO: UInt32 = 1 << 0
    public static let commandMemory: UInt32 = 1 << 1
    public static let commandBusMaster: UInt32 = 1 << 2
    public static let commandINTxDisable: UInt32 = 1 << 10
}

/// The address space a BAR or a bridge window decodes.
public enum PCISpace: Equatable, Sendable {
    case io
    case memory32
    case memory64
}

/// One base address register after sizing (and assignment).
public struct PCIBAR: Equatable, Sendable {
    public var space: PCISpace
    public var prefetchable: Bool
    /// Decoded size in bytes; 0 when the BAR is not implemented.
    public var size: UInt64
    /// Address on the PCI bus (what the BAR holds).
    public var busAddress: UInt64
    /// Where the CPU reaches it (through the bridge window).
    public var cpuAddress: UInt64

    public init(space: PCISpace = .memory32, prefetchable: Bool = false, size: UInt64 = 0,
                busAddress: UInt64 = 0, cpuAddress: UInt64 = 0) {
        self.space = space
        self.prefetchable = prefetchable
        self.size = size
        self.busAddress = busAddress
        self.cpuAddress = cpuAddress
    }

    /// Decodes a BAR from the value it read back after all ones were written to it (`probeHigh`: the
    /// same for the upper half of a 64-bit memory BAR). Size 0 means the BAR is not implemented.
    public static func decode(probe: UInt32, probeHigh: UInt32 = 0) -> PCIBAR {
        if probe & 1 == 1 {
            var mask = probe & ~UInt32(3)
            // A 16-bit I/O decoder reads back zeros in the upper half.
            if mask != 0 && mask & 0xFFFF_0000 == 0 { mask |= 0xFFFF_0000 }
            return PCIBAR(space: .io, size: mask == 0 ? 0 : UInt64(~mask &+ 1))
        }
        let type = (probe >> 1) & 3
        let prefetchable = probe & 8 != 0
        let low = probe & ~UInt32(0xF)
        if type == 2 {
            let full = UInt64(probeHigh) << 32 | UInt64(low)
            return PCIBAR(space: .memory64, prefetchable: prefetchable, size: full == 0 ? 0 : ~full &+ 1)
        }
        return PCIBAR(space: .memory32, prefetchable: prefetchable, size: low == 0 ? 0 : UInt64(~low &+ 1))
    }
}

/// A window the host bridge forwards: bus addresses `busBase ..< busBase + size` appear at `cpuBase`.
public struct PCIWindow: Equatable, Sendable {
    public var space: PCISpace
    public var busBase: UInt64
    public var cpuBase: UInt64
    public var size: UInt64

    public init(space: PCISpace, busBase: UInt64, cpuBase: UInt64, size: UInt64) {
        self.space = space
        self.busBase = busBase
        self.cpuBase = cpuBase
        self.size = size
    }

    /// The CPU address of bus address `bus` (which must lie in the window).
    public func cpuAddress(ofBus bus: UInt64) -> UInt64 { cpuBase &+ (bus &- busBase) }
}

/// One `interrupt-map` entry: a (masked) device address and pin, and the controller input it reaches.
public struct PCIInterruptRoute: Equatable, Sendable {
    /// Masked phys.hi of the device's unit address.
    public var unitAddressHigh: UInt32
    /// Masked INTx pin (1 = INTA).
    public var pin: UInt32
    /// phandle of the interrupt controller.
    public var controller: UInt32
    /// The controller's interrupt number: a GIC INTID (SPI n = 32 + n) or a PLIC source.
    public var number: UInt32
    /// Cells in the controller's interrupt specifier (3 for a GIC, 1 for a PLIC).
    public var cells: UInt32

    public init(unitAddressHigh: UInt32, pin: UInt32, controller: UInt32, number: UInt32, cells: UInt32) {
        self.unitAddressHigh = unitAddressHigh
        self.pin = pin
        self.controller = controller
        self.number = number
        self.cells = cells
    }
}

/// What the devicetree says about a generic ECAM host bridge (`pci-host-ecam-generic`).
public struct PCIHostBridge: Sendable {
    /// Most `interrupt-map` entries kept (QEMU virt has 16: 4 slots × 4 pins).
    public static let routeCapacity = 32

    public var ecam: MemoryRange
    public var firstBus: UInt8 = 0
    public var lastBus: UInt8 = 0
    public var io: PCIWindow?
    public var memory32: PCIWindow?
    public var memory64: PCIWindow?
    var routes = InlineArray<32, PCIInterruptRoute>(repeating: PCIInterruptRoute(
        unitAddressHigh: 0, pin: 0, controller: 0, number: 0, cells: 0))
    public private(set) var routeCount = 0
    public var mapMaskHigh: UInt32 = 0xFFFF_FFFF
    public var mapMaskPin: UInt32 = 7

    /// A bridge with only an ECAM window (windows and routes are added by the caller).
    public init(ecam: MemoryRange) {
        self.ecam = ecam
        lastBus = UInt8(clamping: max(Int(ecam.size >> 20), 1) - 1)
    }

    /// Route `index` (0 ..< routeCount).
    public func route(_ index: Int) -> PCIInterruptRoute { routes[index] }

    /// Appends a route; false when full.
    @discardableResult
    public mutating func appendRoute(_ route: PCIInterruptRoute) -> Bool {
        guard routeCount < PCIHostBridge.routeCapacity else { return false }
        routes[routeCount] = route
        routeCount += 1
        return true
    }

    /// The controller input INTx `pin` (1...4) of the function at `address` reaches, per `interrupt-map`.
    /// Functions on bus 0 sit on the root bus, so the map applies directly (it already encodes the swizzle).
    public func interrupt(for address: PCIAddress, pin: UInt8) -> PCIInterruptRoute? {
        guard pin >= 1 && pin <= 4 else { return nil }
        let high = address.unitAddressHigh & mapMaskHigh
        let maskedPin = UInt32(pin) & mapMaskPin
        var i = 0
        while i < routeCount {
            if routes[i].unitAddressHigh == high && routes[i].pin == maskedPin { return routes[i] }
            i += 1
        }
        return nil
    }

    /// The window that decodes `space` (64-bit memory falls back to the 32-bit window).
    public func window(for space: PCISpace) -> PCIWindow? {
        switch space {
        case .io: return io
        case .memory32: return memory32
        case .memory64: return memory64 ?? memory32
        }
    }

    /// Reads the first enabled `pci-host-ecam-generic` node: `reg`, `bus-range`, `ranges`, `interrupt-map(-mask)`.
    public init?(devicetree fdt: FDT) {
        guard let node = fdt.firstNode(compatibleWith: "pci-host-ecam-generic"), fdt.isEnabled(node),
              let ecam = fdt.reg(0, of: node) else { return nil }
        self.init(ecam: ecam)
        if let range = fdt.property("bus-range", of: node), let first = range.u32(at: 0), let last = range.u32(at: 4) {
            firstBus = UInt8(clamping: first)
            lastBus = UInt8(clamping: last)
        }
        let childCells = fdt.addressCells(of: node)  // 3 for PCI
        let sizeCells = fdt.sizeCells(of: node)
        let parentNode = fdt.parent(of: node) ?? fdt.root
        let parentCells = fdt.addressCells(of: parentNode)
        if childCells == 3, parentCells <= 2, sizeCells <= 2, let ranges = fdt.property("ranges", of: node) {
            let entryCells = childCells + parentCells + sizeCells
            var entry = 0
            while (entry + 1) * entryCells * 4 <= ranges.count {
                let at = entry * entryCells
                entry += 1
                guard let high = ranges.u32(at: at * 4), let busBase = ranges.cells(at: at + 1, count: 2),
                      let cpu = ranges.cells(at: at + 3, count: parentCells),
                      let size = ranges.cells(at: at + 3 + parentCells, count: sizeCells),
                      let cpuBase = fdt.translate(cpu, onBusOf: parentNode) else { continue }
                switch (high >> 24) & 3 {
                case 1: if io == nil { io = PCIWindow(space: .io, busBase: busBase, cpuBase: cpuBase, size: size) }
                case 2: if memory32 == nil { memory32 = PCIWindow(space: .memory32, busBase: busBase, cpuBase: cpuBase, size: size) }
                case 3: if memory64 == nil { memory64 = PCIWindow(space: .memory64, busBase: busBase, cpuBase: cpuBase, size: size) }
                default: break
                }
            }
        }
        readInterruptMap(fdt, node: node, childCells: childCells)
    }

    mutating func readInterruptMap(_ fdt: FDT, node: FDTNode, childCells: Int) {
        if let mask = fdt.property("interrupt-map-mask", of: node), mask.count >= (childCells + 1) * 4 {
            mapMaskHigh = mask.u32(at: 0) ?? 0xFFFF_FFFF
            mapMaskPin = mask.u32(at: childCells * 4) ?? 7
        }
        guard let map = fdt.property("interrupt-map", of: node) else { return }
        let childInterruptCells = Int(fdt.property("#interrupt-cells", of: node)?.u32(at: 0) ?? 1)
        var cell = 0
        let total = map.count / 4
        while cell + childCells + childInterruptCells + 1 <= total {
            guard let high = map.u32(at: cell * 4),
                  let pin = map.u32(at: (cell + childCells) * 4),
                  let phandle = map.u32(at: (cell + childCells + childInterruptCells) * 4),
                  let parent = fdt.node(phandle: phandle),
                  let parentInterruptCells = fdt.property("#interrupt-cells", of: parent)?.u32(at: 0) else { return }
            // An interrupt parent without #address-cells contributes no address cells (as Linux reads it).
            let parentAddressCells = Int(fdt.property("#address-cells", of: parent)?.u32(at: 0) ?? 0)
            let specifier = cell + childCells + childInterruptCells + 1 + parentAddressCells
            let cells = Int(parentInterruptCells)
            guard cells >= 1, specifier + cells <= total, let first = map.u32(at: specifier * 4) else { return }
            var number: UInt32? = first
            if cells >= 3, let second = map.u32(at: (specifier + 1) * 4) {
                // GIC specifier: <type number flags>; type 0 = SPI (INTID 32 + n), 1 = PPI (INTID 16 + n).
                // A number past the 32-bit INTID space names no input: that entry is dropped, the rest still read.
                let (intid, overflow) = second.addingReportingOverflow(first == 1 ? 16 : 32)
                number = overflow ? nil : intid
            }
            if let number {
                appendRoute(PCIInterruptRoute(unitAddressHigh: high & mapMaskHigh, pin: pin & mapMaskPin,
                                              controller: phandle, number: number, cells: UInt32(cells)))
            }
            cell = specifier + cells
        }
    }
}

/// Hands out bus addresses from the bridge's windows, each naturally aligned to its size.
public struct PCIResourceAllocator: Sendable {
    var nextIO: UInt64 = 0
    var nextMemory32: UInt64 = 0
    var nextMemory64: UInt64 = 0
    let host: PCIHostBridge

    /// The first I/O address handed out: low ports are left alone, as PC-heritage devices expect.
    public static let firstIOPort: UInt64 = 0x1000

    public init(host: PCIHostBridge) {
        self.host = host
        if let io = host.io { nextIO = max(io.busBase, PCIResourceAllocator.firstIOPort) }
        if let memory = host.memory32 { nextMemory32 = memory.busBase }
        if let memory = host.memory64 { nextMemory64 = memory.busBase }
    }

    /// Moves the next address handed out in `space` up to a multiple of `boundary` (a power of two), so
    /// the next device's registers start a page of their own and that page can be granted to one task alone
    /// (memory protection maps whole pages). Does nothing for a boundary that is not a power of two.
    public mutating func align(_ space: PCISpace, to boundary: UInt64) {
        guard boundary > 0, boundary & (boundary - 1) == 0 else { return }
        func up(_ value: UInt64) -> UInt64 { (value &+ boundary &- 1) & ~(boundary &- 1) }
        switch space {
        case .io: nextIO = up(nextIO)
        case .memory32: nextMemory32 = up(nextMemory32)
        case .memory64: nextMemory64 = up(nextMemory64)
        }
    }

    /// Reserves `size` bytes (a power of two) of `space`; returns the BAR with its bus and CPU addresses.
    /// With `below4G`, a 64-bit memory BAR is placed in the 32-bit window (where every board maps devices).
    public mutating func assign(_ bar: PCIBAR, below4G: Bool = false) -> PCIBAR? {
        guard bar.size > 0, bar.size & (bar.size - 1) == 0 else { return nil }
        let space: PCISpace = bar.space == .memory64 && (host.memory64 == nil || below4G) ? .memory32 : bar.space
        guard let window = host.window(for: space) else { return nil }
        let align = bar.size
        var next: UInt64
        switch space {
        case .io: next = nextIO
        case .memory32: next = nextMemory32
        case .memory64: next = nextMemory64
        }
        let start = (next &+ align &- 1) & ~(align &- 1)
        guard start >= window.busBase, start &+ bar.size <= window.busBase &+ window.size, start &+ bar.size > start else {
            return nil
        }
        next = start &+ bar.size
        switch space {
        case .io: nextIO = next
        case .memory32: nextMemory32 = next
        case .memory64: nextMemory64 = next
        }
        var assigned = bar
        assigned.busAddress = start
        assigned.cpuAddress = window.cpuAddress(ofBus: start)
        return assigned
    }
}

/// A function found on the bus.
public struct PCIFunction: Equatable, Sendable {
    public var address: PCIAddress
    public var vendorID: UInt16
    public var deviceID: UInt16
    /// Base class, subclass, programming interface (24 bits).
    public var classCode: UInt32
    public var headerType: UInt8
    /// INTx pin (1 = INTA), 0 for none.
    public var interruptPin: UInt8

    public init(address: PCIAddress, vendorID: UInt16, deviceID: UInt16, classCode: UInt32, headerType: UInt8, interruptPin: UInt8) {
        self.address = address
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.classCode = classCode
        self.headerType = headerType
        self.interruptPin = interruptPin
    }
}

/// A configured function: its BARs with their addresses and its interrupt.
public struct PCIDeviceResources: Sendable {
    public var function: PCIFunction
    public var bars = InlineArray<6, PCIBAR>(repeating: PCIBAR())
    public var interrupt: PCIInterruptRoute?
    /// Set when a BAR could not be placed in its window.
    public var unassigned = false

    public init(function: PCIFunction) { self.function = function }
}

/// Bus scanning and function setup over any configuration space.
public enum PCIBus {
    /// The function at `address`, or nil when nothing answers (vendor 0xFFFF).
    public static func function<C: PCIConfigSpace>(at address: PCIAddress, in config: C) -> PCIFunction? {
        let id = config.read32(address, PCIRegister.id)
        let vendor = UInt16(truncatingIfNeeded: id)
        guard vendor != 0xFFFF, vendor != 0 else { return nil }
        let classRevision = config.read32(address, PCIRegister.classRevision)
        let header = UInt8(truncatingIfNeeded: config.read32(address, PCIRegister.headerType) >> 16)
        let pin = UInt8(truncatingIfNeeded: config.read32(address, PCIRegister.interrupt) >> 8)
        return PCIFunction(address: address, vendorID: vendor, deviceID: UInt16(truncatingIfNeeded: id >> 16),
                           classCode: classRevision >> 8, headerType: header, interruptPin: pin)
    }

    /// Calls `visit` for every function on `bus`, in device then function order; stops when it returns false.
    public static func scan<C: PCIConfigSpace>(_ config: C, bus: UInt8, _ visit: (PCIFunction) -> Bool) {
        var device: UInt8 = 0
        while device < 32 {
            if let first = function(at: PCIAddress(bus: bus, device: device, function: 0), in: config) {
                if !visit(first) { return }
                if first.headerType & 0x80 != 0 {
                    var fn: UInt8 = 1
                    while fn < 8 {
                        if let other = function(at: PCIAddress(bus: bus, device: device, function: fn), in: config) {
                            if !visit(other) { return }
                        }
                        fn += 1
                    }
                }
            }
            device += 1
        }
    }

    /// The `occurrence`-th function (0 = first) on `bus` with this vendor and device ID.
    public static func find<C: PCIConfigSpace>(_ config: C, bus: UInt8 = 0, vendorID: UInt16, deviceID: UInt16,
                                               occurrence: Int = 0) -> PCIFunction? {
        var found: PCIFunction?
        var seen = 0
        scan(config, bus: bus) { candidate in
            guard candidate.vendorID == vendorID && candidate.deviceID == deviceID else { return true }
            if seen == occurrence {
                found = candidate
                return false
            }
            seen += 1
            return true
        }
        return found
    }

    /// Sizes every BAR of a type-0 function, assigns it from the bridge windows, looks up its INTx route
    /// and turns on I/O and/or memory decoding and bus mastering (INTx left enabled).
    /// With `below4G`, 64-bit memory BARs go into the 32-bit window too.
    public static func configure<C: PCIConfigSpace>(_ function: PCIFunction, in config: C,
                                                    allocator: inout PCIResourceAllocator, below4G: Bool = false) -> PCIDeviceResources {
        let address = function.address
        var result = PCIDeviceResources(function: function)
        let commandStatus = config.read32(address, PCIRegister.commandStatus)
        // Decoding off while the BARs hold all-ones probes.
        let quiet = commandStatus & 0xFFFF & ~(PCIRegister.commandIO | PCIRegister.commandMemory)
        config.write32(address, PCIRegister.commandStatus, quiet)
        var usesIO = false
        var usesMemory = false
        var index = 0
        let barCount = function.headerType & 0x7F == 0 ? 6 : 2
        while index < barCount {
            let offset = PCIRegister.bar0 + index * 4
            config.write32(address, offset, 0xFFFF_FFFF)
            let probe = config.read32(address, offset)
            var probeHigh: UInt32 = 0
            let is64 = probe & 1 == 0 && (probe >> 1) & 3 == 2 && index + 1 < barCount
            if is64 {
                config.write32(address, offset + 4, 0xFFFF_FFFF)
                probeHigh = config.read32(address, offset + 4)
            }
            var bar = PCIBAR.decode(probe: probe, probeHigh: probeHigh)
            if bar.size > 0 {
                if let assigned = allocator.assign(bar, below4G: below4G) {
                    bar = assigned
                    if bar.space == .io { usesIO = true } else { usesMemory = true }
                } else {
                    result.unassigned = true
                }
            }
            config.write32(address, offset, UInt32(truncatingIfNeeded: bar.busAddress) | (probe & (probe & 1 == 1 ? 0x3 : 0xF)))
            if is64 { config.write32(address, offset + 4, UInt32(truncatingIfNeeded: bar.busAddress >> 32)) }
            result.bars[index] = bar
            index += is64 ? 2 : 1
        }
        result.interrupt = allocator.host.interrupt(for: address, pin: function.interruptPin)
        if let route = result.interrupt {
            let old = config.read32(address, PCIRegister.interrupt)
            config.write32(address, PCIRegister.interrupt, (old & ~UInt32(0xFF)) | (route.number & 0xFF))
        }
        var command = quiet & ~PCIRegister.commandINTxDisable
        if usesIO { command |= PCIRegister.commandIO }
        if usesMemory { command |= PCIRegister.commandMemory }
        command |= PCIRegister.commandBusMaster
        config.write32(address, PCIRegister.commandStatus, command)
        return result
    }
}
