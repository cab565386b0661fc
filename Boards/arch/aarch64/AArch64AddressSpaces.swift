// AArch64 address spaces of a task set: the kernel's space (ASID 0) and one per task (ASID index + 1),
// built from the tasks' protection domains into the page-table pool when the task world starts, and the
// user-copy routine the kernel reaches task memory through. The boot space is built by aarch64-mmu.c.

#if arch(arm64)
import BoardBoot
import Kernel

extension Arch {
    /// Builds the kernel space and one space per task from `kernel.domains`, writes each task's TTBR0_EL1
    /// into its frame (word 100), installs the user-copy routine and drops stale translations. Called once
    /// all tasks are declared, before the first one runs. False (with a message on the console) when the
    /// page-table pool is too small or a domain cannot be mapped; then nothing may run.
    // @implements SWR-KERN-MEM-1
    static func buildAddressSpaces<P: SchedulingPolicy>(_ kernel: inout KernelState<P>, taskCount: Int) -> Bool {
        let capacity = Int(orion_a64_page_pool_pages())
        var pool = PageTablePool(base: orion_a64_page_pool_base(), capacity: capacity)
        let image = orion_a64_image_layout()
        let text = MemoryArea(base: image.textStart, size: image.textEnd - image.textStart, access: .readExecute, owner: .kernel)
        let entryText = MemoryArea(base: image.kernelTextStart, size: image.kernelTextEnd - image.kernelTextStart,
                                   access: .readExecute, owner: .kernel)
        let rodata = MemoryArea(base: image.rodataStart, size: image.rodataEnd - image.rodataStart, access: .read, owner: .kernel)
        let data = MemoryArea(base: image.kernelDataStart, size: image.kernelDataEnd - image.kernelDataStart,
                              access: .readWrite, owner: .kernel)
        var failedTask = -1
        do throws(MappingError) {
            // The kernel space: its code, constants, data and the devices; no task memory.
            guard var space = PageTable<AArch64PageTables>(pool: &pool) else { throw .outOfTables }
            try space.map(text, pool: &pool)
            try space.map(entryText, pool: &pool)
            if rodata.size > 0 { try space.map(rodata, pool: &pool) }
            try space.map(data, pool: &pool, blocks: true)
            var region = orion_a64_boot_map()
            while let r = region, r.pointee.kind != UInt64(ORION_A64_REGION_END) {
                if r.pointee.kind == UInt64(ORION_A64_REGION_DEVICE) {
                    try space.map(MemoryArea(base: r.pointee.base, size: r.pointee.size, access: .readWrite, type: .device,
                                             owner: .kernel), pool: &pool, blocks: true)
                }
                region = r + 1
            }
            let kernelSpace = space.translationBase(asid: 0)
            // A task's space: its domain (user), plus what taking a trap needs, privileged.
            var t = 0
            while t < taskCount {
                failedTask = t
                guard var task = PageTable<AArch64PageTables>(pool: &pool) else { throw .outOfTables }
                try kernel.domains[t].map(into: &task, pool: &pool)
                try task.map(entryText, pool: &pool)
                try task.map(data, pool: &pool, blocks: true)
                TaskFrames.frame(t)[100] = task.translationBase(asid: UInt16(t + 1))
                t += 1
            }
            orion_a64_install_spaces(kernelSpace)
        } catch {
            var t = 0
            while t < taskCount {
                TaskFrames.frame(t)[100] = 0
                t += 1
            }
            if var console = faultConsole {
                console.write("memory: cannot build the address spaces")
                if failedTask >= 0 {
                    console.write(" (task ")
                    console.write(taskName(failedTask))
                    console.write(")")
                }
                console.write(": ")
                switch error {
                case .outOfTables:
                    console.write("the page-table pool (")
                    console.write(decimal: capacity)
                    console.write(" pages, Boards/arch/aarch64/aarch64-mmu.c) is too small")
                case .alreadyMapped: console.write("a range overlaps another or the kernel's data")
                case .misaligned: console.write("a range is not page-aligned")
                case .beyondAddressLimit: console.write("a range lies beyond the 39-bit address space")
                case .writableAndExecutable: console.write("a range is writable and executable")
                }
                console.newline()
                faultConsole = console
            }
            return false
        }
        kernel.userCopy.routine = orion_a64_user_copy
        kernel.userCopy.between = orion_a64_task_copy
        return true
    }
}

/// Whether ESR_EL1 reports an instruction or data abort (from EL0 or EL1).
func a64IsAbort(_ esr: UInt64) -> Bool {
    switch esr >> 26 {
    case 0x20, 0x21, 0x24, 0x25: return true
    default: return false
    }
}

/// The cause of a synchronous exception, from ESR_EL1: "data abort write at 0x…, permission fault".
/// Returns false when the class is not an abort (nothing written).
// @implements SWR-KERN-MEM-3
func a64WriteAbort(esr: UInt64, far: UInt64, to console: inout Console) -> Bool {
    let exceptionClass = esr >> 26
    let instruction: Bool
    switch exceptionClass {
    case 0x20, 0x21: instruction = true  // instruction abort from a lower / the same EL
    case 0x24, 0x25: instruction = false  // data abort from a lower / the same EL
    default: return false
    }
    if instruction {
        console.write("instruction abort execute at ")
    } else {
        console.write(esr & (1 << 6) != 0 ? "data abort write at " : "data abort read at ")
    }
    console.write(hex: far)
    console.write(", ")
    switch (esr & 0x3F) >> 2 {  // DFSC / IFSC without the level
    case 0b0001: console.write("translation fault (not mapped)")
    case 0b0011: console.write("permission fault")
    case 0b0010: console.write("access flag fault")
    case 0b0000: console.write("address size fault")
    default:
        if esr & 0x3F == 0b100001 {
            console.write("alignment fault")
        } else {
            console.write("fault status ")
            console.write(hex: esr & 0x3F)
        }
    }
    if esr & 0x3F < 0b010000 {
        console.write(" at level ")
        console.write(decimal: esr & 3)
    }
    return true
}
#endif
