// Arm GICv2 (cortex-a15-gic on qemu virt): distributor and CPU interface, enough to take PPIs.

import KernelSupport

/// A GICv2 with its distributor and CPU-interface register windows.
struct GICv2 {
    let distributor: UInt
    let cpuInterface: UInt

    /// Turns on the distributor and this CPU's interface, with every priority let through.
    func initialize() {
        orion_mmio_write32(distributor + 0x000, 1)      // GICD_CTLR: enable
        orion_mmio_write32(cpuInterface + 0x004, 0xFF)  // GICC_PMR: lowest priority threshold
        orion_mmio_write32(cpuInterface + 0x000, 1)     // GICC_CTLR: enable
    }

    /// Enables interrupt `id` at priority 0x80.
    func enable(_ id: UInt32) {
        let priorityWord = distributor + 0x400 + UInt(id / 4) * 4
        let shift = (id % 4) * 8
        let old = orion_mmio_read32(priorityWord)
        orion_mmio_write32(priorityWord, (old & ~(0xFF << shift)) | (0x80 << shift))
        orion_mmio_write32(distributor + 0x100 + UInt(id / 32) * 4, 1 << (id % 32))  // GICD_ISENABLERn
    }

    /// Routes shared interrupt `id` (32 and up) to CPU 0 and enables it at priority 0x80, level-sensitive
    /// as the distributor resets it.
    func enableShared(_ id: UInt32) {
        if id >= 32 {
            let targetWord = distributor + 0x800 + UInt(id / 4) * 4  // GICD_ITARGETSRn
            let shift = (id % 4) * 8
            let old = orion_mmio_read32(targetWord)
            orion_mmio_write32(targetWord, (old & ~(0xFF << shift)) | (0x01 << shift))
        }
        enable(id)
    }

    /// Disables (masks) interrupt `id` (GICD_ICENABLERn); a pending level stays pending.
    func disable(_ id: UInt32) {
        orion_mmio_write32(distributor + 0x180 + UInt(id / 32) * 4, 1 << (id % 32))
    }

    /// Reads GICC_IAR (acknowledges the highest-priority pending interrupt).
    func acknowledge() -> UInt32 { orion_mmio_read32(cpuInterface + 0x00C) }

    /// Writes GICC_EOIR for a value returned by `acknowledge`.
    func endOfInterrupt(_ ack: UInt32) { orion_mmio_write32(cpuInterface + 0x010, ack) }
}
