// Builds a `Platform` from a devicetree: CPUs, memory, timer, console, interrupt controller, PCIe, exit device.

/// Interrupt controllers the kernel can drive, most specific first (a function, not an array: no heap).
func knownInterruptController(_ index: Int) -> StaticString? {
    switch index {
    case 0: return "arm,gic-400"
    case 1: return "arm,cortex-a15-gic"
    case 2: return "arm,gic-v3"
    case 3: return "riscv,plic0"
    case 4: return "sifive,plic-1.0.0"
    case 5: return "brcm,bcm2836-l1-intc"
    default: return nil
    }
}

extension Platform {
    /// Reads every fact the devicetree has; what it lacks stays nil (or 0) for the board to fill.
    // @implements SWR-HAL-PLAT-1
    public init(devicetree fdt: FDT) throws(FDTError) {
        self.init()
        source = .devicetree
        cpuCount = Platform.countCPUs(fdt)
        memory = Platform.memoryRanges(fdt)
        timerFrequencyHz = Platform.timerFrequency(fdt)
        hasSstc = Platform.firstCPUHasExtension(fdt, "sstc")
        if let node = Platform.consoleNode(fdt) {
            console = Platform.device(node, in: fdt)
        }
        if let node = try Platform.rootInterruptController(fdt) {
            interruptController = Platform.device(node, in: fdt)
        }
        if let node = fdt.firstNode(compatibleWith: "pci-host-ecam-generic"), fdt.isEnabled(node) {
            pcieECAM = fdt.reg(0, of: node)
        }
        if let node = fdt.firstNode(compatibleWith: "sifive,test0") {
            exitDevice = Platform.device(node, in: fdt)
        }
    }

    /// Enabled children of `/cpus` whose `device_type` is "cpu".
    static func countCPUs(_ fdt: FDT) -> Int {
        guard let cpus = fdt.node(atPath: "/cpus") else { return 0 }
        var count = 0
        var children = fdt.children(of: cpus)
        while let child = children.next() {
            let isCPU = fdt.property("device_type", of: child)?.firstString.equals("cpu")
                ?? fdt.name(of: child).hasPrefix("cpu@")
            if isCPU && fdt.isEnabled(child) { count += 1 }
        }
        return count
    }

    /// Whether the first CPU node names RISC-V extension `name`: in `riscv,isa-extensions` (a string list) or as
    /// one of the `_`-separated multi-letter extensions of `riscv,isa` ("rv64imafdc_zicsr_sstc").
    static func firstCPUHasExtension(_ fdt: FDT, _ name: StaticString) -> Bool {
        guard let cpus = fdt.node(atPath: "/cpus") else { return false }
        var children = fdt.children(of: cpus)
        while let child = children.next() {
            guard fdt.name(of: child).hasPrefix("cpu@") else { continue }
            if fdt.property("riscv,isa-extensions", of: child)?.containsString(name) ?? false { return true }
            guard let isa = fdt.property("riscv,isa", of: child)?.firstString else { return false }
            var start = isa.firstIndex(of: UInt8(ascii: "_")).map { $0 + 1 } ?? isa.count  // after the single letters
            while start < isa.count {
                var end = start
                while end < isa.count, isa.byte(at: end) != UInt8(ascii: "_") { end += 1 }
                if isa.slice(start, end).equals(name) { return true }
                start = end + 1
            }
            return false
        }
        return false
    }

    /// Every `reg` range of every enabled node whose `device_type` is "memory".
    static func memoryRanges(_ fdt: FDT) -> MemoryMap {
        var map = MemoryMap()
        var children = fdt.children(of: fdt.root)
        while let child = children.next() {
            guard fdt.property("device_type", of: child)?.firstString.equals("memory") ?? false,
                  fdt.isEnabled(child) else { continue }
            var index = 0
            let count = fdt.regCount(of: child)
            while index < count {
                if let range = fdt.reg(index, of: child), range.size > 0 { map.append(range) }
                index += 1
            }
        }
        return map
    }

    /// RISC-V: `/cpus/timebase-frequency`. Arm: the architected timer node's `clock-frequency`, when given.
    static func timerFrequency(_ fdt: FDT) -> UInt64? {
        if let cpus = fdt.node(atPath: "/cpus"), let value = fdt.property("timebase-frequency", of: cpus)?.number {
            return value
        }
        if let timer = fdt.firstNode(compatibleWith: "arm,armv8-timer") ?? fdt.firstNode(compatibleWith: "arm,armv7-timer"),
           let value = fdt.property("clock-frequency", of: timer)?.number {
            return value
        }
        return nil
    }

    /// `/chosen/stdout-path` (without `:options`, path or alias), else the `serial0` alias.
    static func consoleNode(_ fdt: FDT) -> FDTNode? {
        if let chosen = fdt.node(atPath: "/chosen"),
           let path = fdt.property("stdout-path", of: chosen) ?? fdt.property("linux,stdout-path", of: chosen) {
            var target = path.firstString
            if let colon = target.firstIndex(of: UInt8(ascii: ":")) { target = target.slice(0, colon) }
            if let node = fdt.resolve(pathOrAlias: target) { return node }
        }
        return fdt.resolve(pathOrAlias: FDTBytes("serial0"))
    }

    /// The controller that device interrupts are routed to: follow `interrupt-parent` from the root (or the
    /// first node that names one) to a node marked `interrupt-controller`; else the first known controller.
    static func rootInterruptController(_ fdt: FDT) throws(FDTError) -> FDTNode? {
        var start: FDTNode?
        if fdt.property("interrupt-parent", of: fdt.root) != nil {
            start = fdt.root
        } else {
            var iterator = fdt.allNodes
            while let (node, _) = iterator.next() {
                if fdt.property("interrupt-parent", of: node) != nil { start = node; break }
            }
        }
        if var current = start {
            var hops = 0
            while let handle = fdt.property("interrupt-parent", of: current)?.u32(at: 0) {
                hops += 1
                guard hops <= FDT.maxPhandleHops, let target = fdt.node(phandle: handle) else {
                    throw .phandleCycle(handle)
                }
                // A controller that names itself as its parent is the root of the interrupt tree.
                if target == current { break }
                current = target
                if fdt.property("interrupt-controller", of: current) != nil,
                   fdt.property("interrupt-parent", of: current) == nil {
                    break
                }
            }
            if fdt.property("interrupt-controller", of: current) != nil { return current }
        }
        var index = 0
        while let compatible = knownInterruptController(index) {
            if let node = fdt.firstNode(compatibleWith: compatible) { return node }
            index += 1
        }
        return nil
    }

    /// A node's first `compatible` string and its first (and second) `reg` windows.
    static func device(_ node: FDTNode, in fdt: FDT) -> DeviceInfo? {
        guard let compatible = fdt.property("compatible", of: node)?.firstString,
              let first = fdt.reg(0, of: node) else { return nil }
        let second = fdt.reg(1, of: node)?.base ?? 0
        return DeviceInfo(compatible: DeviceName(compatible), base: first.base, size: first.size, secondBase: second)
    }
}

extension Platform {
    /// The first enabled node compatible with `compatible`, as a device (first `compatible` string, `reg`
    /// windows translated to CPU addresses); nil when the devicetree has none.
    public static func device(compatibleWith compatible: StaticString, in fdt: FDT) -> DeviceInfo? {
        var iterator = fdt.allNodes
        while let (node, _) = iterator.next() {
            if fdt.isCompatible(node, with: compatible) && fdt.isEnabled(node), let info = device(node, in: fdt) { return info }
        }
        return nil
    }

    /// Keeps the console on the board's console UART type: when the devicetree's `stdout-path` (or `serial0`)
    /// names a UART that is not compatible with `compatible`, the console becomes the devicetree's `serial0`
    /// alias if that is of the board's type, else its first enabled node of that type, else nothing (the
    /// board's own fact fills it). A Raspberry Pi 4 devicetree names the mini UART (`serial1`), the UART
    /// Linux uses while Bluetooth has the PL011; raspi4b keeps its console on the PL011, which QEMU connects
    /// to its first `-serial`. Returns the console the devicetree named when it was replaced, else nil.
    // @implements SWR-HAL-PLAT-4
    public mutating func keepConsole(compatibleWith compatible: StaticString, in fdt: FDT) -> DeviceInfo? {
        guard let named = console, !Platform.isCompatible(named, with: compatible, in: fdt) else { return nil }
        if let alias = fdt.resolve(pathOrAlias: FDTBytes("serial0")), fdt.isEnabled(alias),
           fdt.isCompatible(alias, with: compatible), let info = Platform.device(alias, in: fdt) {
            console = info
        } else {
            console = Platform.device(compatibleWith: compatible, in: fdt)
        }
        return named
    }

    /// Whether the node `device` was read from lists `compatible` (its first string, or any string of the
    /// node at its address).
    static func isCompatible(_ device: DeviceInfo, with compatible: StaticString, in fdt: FDT) -> Bool {
        if device.compatible.equals(compatible) { return true }
        var iterator = fdt.allNodes
        while let (node, _) = iterator.next() {
            guard fdt.isCompatible(node, with: compatible), let first = fdt.reg(0, of: node) else { continue }
            if first.base == device.base { return true }
        }
        return false
    }
}
