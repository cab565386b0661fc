// RISC-V platform-level interrupt controller: brought to a known state at boot (all sources off for this hart).

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
}
