// RISC-V Sv39 address spaces of a task set: the kernel space (ASID 0) and one space per task (ASID = index
// + 1), built from the kernel's protection domains into the static page-table pool (sv39.c) when the task
// set starts; the user-copy routine; the report of a fault the kernel itself took.

#if arch(riscv64)
import BoardBoot
import Kernel

/// The link-time layout (page-aligned ranges from link.ld).
enum RVLayout {
    static func range(_ first: Int32) -> (base: UInt64, size: UInt64) {
        let start = orion_rv_link_symbol(first)
        return (start, orion_rv_link_symbol(first + 1) &- start)
    }
    static var kernelText: (base: UInt64, size: UInt64) { range(0) }
    static var text: (base: UInt64, size: UInt64) { range(2) }
    static var rodata: (base: UInt64, size: UInt64) { range(4) }
    static var kernelData: (base: UInt64, size: UInt64) { range(6) }
    static var userPool: (base: UInt64, size: UInt64) { range(8) }
    /// Devices and PCI windows below RAM: PLIC, UART, test device, PCI I/O, ECAM, PCI MMIO (page 0 left out).
    static let devices = MemoryArea(base: 0x1000, size: 0x8000_0000 - 0x1000, access: .readWrite, type: .device,
                                    owner: .kernel)
}

extension Arch {
    /// Builds the task set's address spaces into the page-table pool: the kernel space (kernel text RX,
    /// rodata R, kernel data RW, devices RW; no task memory) and, for each of the `taskCount` tasks, its
    /// domain (user) plus the privileged entry text and kernel data (privileged) that taking a trap and the
    /// user copy need. Writes each task's satp into its frame word 100 and installs the user-copy routine.
    /// False (printed) when the pool is too small or a domain cannot be mapped.
    // @implements SWR-KERN-MEM-1
    static func buildAddressSpaces<P: SchedulingPolicy>(_ kernel: inout KernelState<P>, taskCount: Int) -> Bool {
        var pool = PageTablePool(base: orion_rv_page_pool_base(), capacity: Int(ORION_RV_POOL_PAGES))
        let kernelText = RVLayout.kernelText, text = RVLayout.text, rodata = RVLayout.rodata
        let data = RVLayout.kernelData
        let entryText = MemoryArea(base: kernelText.base, size: kernelText.size, access: .readExecute, owner: .kernel)
        let kernelData = MemoryArea(base: data.base, size: data.size, access: .readWrite, owner: .kernel)
        var failure: MappingError? = nil
        var failedTask = -1
        do throws(MappingError) {
            guard var space = PageTable<Sv39PageTables>(pool: &pool) else { throw .outOfTables }
            try space.map(entryText, pool: &pool)
            try space.map(MemoryArea(base: text.base, size: text.size, access: .readExecute, owner: .kernel), pool: &pool)
            try space.map(MemoryArea(base: rodata.base, size: rodata.size, access: .read, owner: .kernel), pool: &pool)
            try space.map(kernelData, pool: &pool)
            try space.map(RVLayout.devices, pool: &pool, blocks: true)
            orion_rv_install_kernel_space(space.translationBase(asid: 0))
            var t = 0
            while t < taskCount {
                failedTask = t
                guard var task = PageTable<Sv39PageTables>(pool: &pool) else { throw .outOfTables }
                try kernel.domains[t].map(into: &task, pool: &pool)
                try task.map(entryText, pool: &pool)
                try task.map(kernelData, pool: &pool)
                TaskFrames.frame(t)[100] = task.translationBase(asid: UInt16(t + 1))
                t += 1
            }
        } catch {
            failure = error
        }
        if let failure {
            if var console = faultConsole {
                console.write("address spaces: ")
                switch failure {
                case .outOfTables:
                    console.write("the page-table pool (")
                    console.write(decimal: Int(ORION_RV_POOL_PAGES))
                    console.write(" pages, ORION_RV_POOL_PAGES) is too small for ")
                    console.write(decimal: taskCount)
                    console.write(" tasks")
                case .alreadyMapped: console.write("a task's range overlaps kernel memory")
                case .misaligned, .beyondAddressLimit: console.write("a range is not page-aligned or beyond 39 bits")
                case .writableAndExecutable: console.write("a range is writable and executable")
                }
                if failedTask >= 0 {
                    console.write(" (task #")
                    console.write(decimal: failedTask)
                    console.write(")")
                }
                console.newline()
                faultConsole = console
            }
            return false
        }
        kernel.userCopy.routine = orion_rv_user_copy
        kernel.userCopy.between = orion_rv_task_copy
        return true
    }
}

/// The access a RISC-V exception cause stands for: page faults 12/13/15 and access faults 1/5/7.
func rvFaultKind(_ cause: UInt64) -> (kind: StaticString, access: StaticString)? {
    switch cause {
    case 12: return ("page fault", "execute")
    case 13: return ("page fault", "read")
    case 15: return ("page fault", "write")
    case 1: return ("access fault", "execute")
    case 5: return ("access fault", "read")
    case 7: return ("access fault", "write")
    default: return nil
    }
}

/// A trap the kernel took in S-mode inside the task world (a kernel bug): reported, and the machine ends
/// with the fault status. Runs on the panic stack in the kernel space.
// @implements SWR-KERN-MEM-3
@_cdecl("orion_rv_kernel_panic")
func orionRVKernelPanic(_ cause: UInt64, _ pc: UInt64, _ value: UInt64) -> Never {
    var console = faultConsole ?? .ns16550(NS16550(base: 0x1000_0000))
    console.write("\nKERNEL PANIC: ")
    if let (kind, access) = rvFaultKind(cause) {
        console.write(kind)
        console.write(" ")
        console.write(access)
        console.write(" at ")
        console.write(hex: value)
    } else {
        console.write("exception scause=")
        console.write(hex: cause)
        console.write(" stval=")
        console.write(hex: value)
    }
    console.write(" in S-mode, sepc=")
    console.write(hex: pc)
    console.newline()
    GuestExit.exit(faultExitStatus, platform: Platform())
}
#endif
