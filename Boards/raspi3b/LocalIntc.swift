// BCM2836/7 per-core interrupt block at 0x40000000 (raspi3b has no GIC): routes each core's timers to its IRQ.

import KernelSupport

/// The "ARM local peripherals" interrupt block.
struct LocalIntc {
    let base: UInt

    /// Routes `core`'s non-secure physical timer (CNTPNSIRQ) to its IRQ line.
    func enableTimer(core: UInt) {
        orion_mmio_write32(base + 0x40 + core * 4, 1 << 1)
    }

    /// Whether `core`'s non-secure physical timer is the pending IRQ source.
    func timerPending(core: UInt) -> Bool {
        orion_mmio_read32(base + 0x60 + core * 4) & (1 << 1) != 0
    }
}
