// RISC-V platform-level interrupt controller: brought to a known state at boot (all sources off for this hart),
// then sources enabled, claimed, completed and masked one by one for interrupts delivered to tasks.

import KernelSupport

/// A PLIC at `base`; context `2 * hart + 1` is a hart's S-mode on QEMU virt.
struct PLIC {
    let base: UInt

    /// Masks every source for `context` and opens its priority threshold.
    func initialize(context: UInt, sources: UInt = 96) {
        var word: UInt = 0
        while word * 32 < sources {
            orion_mmio_write32(base + 0x2000 + context * 0x80 + word * 4, 0)
            word += 1
        }
        orion_mmio_write32(base + 0x20_0000 + context * 0x1000, 0)
    }

    /// Gives `source` priority 1 (above the threshold of 0) and enables it for `context`.
    func enable(_ source: UInt32, context: UInt) {
        orion_mmio_write32(base + UInt(source) * 4, 1)
        let word = enableWord(source, context: context)
        orion_mmio_write32(word, orion_mmio_read32(word) | UInt32(1) << (source % 32))
    }

    /// Disables (masks) `source` for `context`.
    func disable(_ source: UInt32, context: UInt) {
        let word = enableWord(source, context: context)
        orion_mmio_write32(word, orion_mmio_read32(word) & ~(UInt32(1) << (source % 32)))
    }

    /// Claims the highest-priority pending source for `context` (0: none).
    func claim(context: UInt) -> UInt32 { orion_mmio_read32(base + 0x20_0000 + context * 0x1000 + 4) }

    /// Completes a claimed `source` (it must still be enabled, or the PLIC ignores the completion).
    func complete(_ source: UInt32, context: UInt) {
        orion_mmio_write32(base + 0x20_0000 + context * 0x1000 + 4, source)
    }

    func enableWord(_ source: UInt32, context: UInt) -> UInt {
        base + 0x2000 + context * 0x80 + UInt(source / 32) * 4
    }
}
