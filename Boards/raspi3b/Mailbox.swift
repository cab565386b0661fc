// VideoCore mailbox property channel: how a Raspberry Pi kernel asks the firmware about the machine.

import KernelSupport

/// The VideoCore mailbox 0 at `base` (0x3f00b880 on BCM2837).
struct Mailbox {
    let base: UInt
    static let propertyChannel: UInt32 = 8

    /// The ARM's share of RAM (tag 0x00010005), or nil when the firmware does not answer.
    func armMemory() -> (base: UInt64, size: UInt64)? {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { scratch -> (base: UInt64, size: UInt64)? in
            // The buffer must be 16-byte aligned: its address's low 4 bits carry the channel.
            let start = UInt(bitPattern: scratch.baseAddress!)
            let aligned = (start + 15) & ~15
            let message = UnsafeMutablePointer<UInt32>(bitPattern: aligned)!
            message[0] = 32            // buffer size in bytes
            message[1] = 0             // request
            message[2] = 0x0001_0005   // tag: get ARM memory
            message[3] = 8             // value buffer size
            message[4] = 0             // request length
            message[5] = 0             // base (answer)
            message[6] = 0             // size (answer)
            message[7] = 0             // end tag
            guard call(address: UInt32(truncatingIfNeeded: aligned)) else { return nil }
            guard message[1] == 0x8000_0000 else { return nil }
            return (UInt64(message[5]), UInt64(message[6]))
        }
    }

    /// Sends a property buffer and waits (bounded) for the answer on the same channel.
    private func call(address: UInt32) -> Bool {
        let status = base + 0x18
        let full: UInt32 = 1 << 31
        let empty: UInt32 = 1 << 30
        var spins = 0
        while orion_mmio_read32(status) & full != 0 {
            spins += 1
            if spins > 1_000_000 { return false }
        }
        orion_mmio_barrier()
        orion_mmio_write32(base + 0x20, address | Mailbox.propertyChannel)
        spins = 0
        while spins < 10_000_000 {
            if orion_mmio_read32(status) & empty == 0 {
                let reply = orion_mmio_read32(base + 0x00)
                if reply & 0xF == Mailbox.propertyChannel {
                    orion_mmio_barrier()
                    return true
                }
            }
            spins += 1
        }
        return false
    }
}
