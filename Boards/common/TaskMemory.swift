// Task memory on a board: each task's protection domain (code, read-only data, its stack above a guard page,
// the regions granted to it), and the shared pool that tasks share with each other or with the boot code.

import BoardBoot
import Kernel

/// The image's layout, from the board's link.ld (page-aligned symbols).
public enum ImageLayout {
    /// All code: user read+execute in a task's domain (the kernel's entry text is mapped apart, privileged).
    public static var code: MemoryArea {
        area(orion_layout_text_start(), orion_layout_text_end(), .readExecute)
    }

    /// Read-only data: user read-only in a task's domain.
    public static var readOnlyData: MemoryArea {
        area(orion_layout_rodata_start(), orion_layout_rodata_end(), .read)
    }

    /// The kernel's data (data, bss, boot stack, kernel state): never in a task's domain.
    public static var kernelData: MemoryArea {
        area(orion_layout_kernel_data_start(), orion_layout_kernel_data_end(), .readWrite)
    }

    /// Task memory (stacks, shared pool, app storage): never mapped in the kernel's own address space.
    public static var userPool: MemoryArea {
        area(orion_layout_user_pool_start(), orion_layout_user_pool_end(), .readWrite)
    }

    #if !hasFeature(Embedded)
    // A host build links no board script: the layout is empty.
    static func orion_layout_text_start() -> UInt { 0 }
    static func orion_layout_text_end() -> UInt { 0 }
    static func orion_layout_rodata_start() -> UInt { 0 }
    static func orion_layout_rodata_end() -> UInt { 0 }
    static func orion_layout_kernel_data_start() -> UInt { 0 }
    static func orion_layout_kernel_data_end() -> UInt { 0 }
    static func orion_layout_user_pool_start() -> UInt { 0 }
    static func orion_layout_user_pool_end() -> UInt { 0 }
    #endif

    static func area(_ start: UInt, _ end: UInt, _ access: MemoryAccess) -> MemoryArea {
        let base = PageGeometry.roundDown(UInt64(start))
        return MemoryArea(base: base, size: PageGeometry.roundUp(UInt64(end)) - base, access: access, owner: .user)
    }
}

/// Pages of the shared pool handed out, stack-wise (`withSharedMemory` gives them back).
nonisolated(unsafe) var sharedPoolUsed: UInt = 0
/// Whether the user pool was zeroed (once, before the first task set: it is not in .bss).
nonisolated(unsafe) var userPoolZeroed = false

/// Zeroes the user pool (stacks, shared pool, app storage) the first time a task set starts.
func zeroUserPoolOnce() {
    guard !userPoolZeroed else { return }
    userPoolZeroed = true
    let pool = ImageLayout.userPool
    guard pool.size > 0, let start = UnsafeMutablePointer<UInt64>(bitPattern: UInt(pool.base)) else { return }
    var i = 0
    let words = Int(pool.size / 8)
    while i < words {
        start[i] = 0
        i += 1
    }
}

/// Runs `body` with `value` moved into whole pages of the shared pool, which tasks can be granted
/// (`TaskSetBuilder.grant`); afterwards the (possibly changed) value is copied back into `value` and the pages
/// are returned. `body` gets the value's address and the pages as an area; nil when the pool is too small.
/// The boot code may read and write the value while no task set runs.
public func withSharedMemory<T, R>(_ value: inout T, _ body: (UnsafeMutablePointer<T>, MemoryArea) -> R) -> R? {
    let bytes = UInt(PageGeometry.roundUp(UInt64(max(MemoryLayout<T>.size, 1))))
    guard sharedPoolUsed + bytes <= UInt(orion_shared_pool_size()) else { return nil }
    zeroUserPoolOnce()
    let start = UInt(orion_shared_pool_base()) + sharedPoolUsed
    sharedPoolUsed += bytes
    defer { sharedPoolUsed -= bytes }
    let pointer = UnsafeMutablePointer<T>(bitPattern: start)!
    pointer.initialize(to: value)
    let area = MemoryArea(base: UInt64(start), size: UInt64(bytes), access: .readWrite, owner: .user)
    let result = body(pointer, area)
    value = pointer.move()
    return result
}

/// Runs `body` with `count` zeroed bytes (rounded up to whole pages) of the shared pool: memory for tasks and
/// devices alike (buffers a device reaches by DMA; memory is identity-mapped, so their addresses are the
/// device's too). nil when the pool is too small. The bytes are the pool's again afterwards.
public func withSharedBytes<R>(_ count: Int, _ body: (UnsafeMutableRawBufferPointer, MemoryArea) -> R) -> R? {
    let bytes = UInt(PageGeometry.roundUp(UInt64(max(count, 1))))
    guard sharedPoolUsed + bytes <= UInt(orion_shared_pool_size()) else { return nil }
    zeroUserPoolOnce()
    let start = UInt(orion_shared_pool_base()) + sharedPoolUsed
    sharedPoolUsed += bytes
    defer { sharedPoolUsed -= bytes }
    let memory = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: start)!, count: Int(bytes))
    var i = 0
    while i < Int(bytes) {
        memory[i] = 0
        i += 1
    }
    return body(memory, MemoryArea(base: UInt64(start), size: UInt64(bytes), access: .readWrite, owner: .user))
}

extension TaskSetBuilder {
    /// Grants task `task` the memory in `area` with `rights` (`.read`, or `.read` + `.write`) through a
    /// `.memoryRegion` capability in `slot`: the area is mapped into the task's domain. One region object per
    /// distinct area, shared by every task it is granted to. Ignored after an earlier error; errors are kept.
    // @implements SWR-KERN-MEM-1
    public mutating func grant<P: SchedulingPolicy>(_ area: MemoryArea, rights: Rights, to task: TaskID?, slot: CapSlot,
                                                    in kernel: inout KernelState<P>) {
        guard error == nil, let task else { return }
        var region = -1
        var i = 0
        while i < kernel.regionCount {
            if kernel.regions[i].range.base == area.base && kernel.regions[i].range.size == area.size { region = i }
            i += 1
        }
        do throws(RegionError) {
            if region < 0 { region = try kernel.declareRegion(area) }
            try kernel.grantRegion(region, to: task, rights: rights, slot: slot)
        } catch {
            self.error = .memory(error)
        }
    }

    /// Grants every task declared after this call `area` (read, write) through a capability in `slot`: for
    /// a block that all tasks of a set share with the boot code (a test's record, a demo's counters).
    public mutating func shareWithEveryTask(_ area: MemoryArea, slot: CapSlot) {
        everyTaskArea = area
        everyTaskSlot = slot
    }

    /// Grants task `task` a device's registers at `base ..< base + size` (rounded out to whole pages, mapped as
    /// device memory, read and write) through a `.memoryRegion` capability in `slot`.
    public mutating func grantDevice<P: SchedulingPolicy>(base: UInt64, size: UInt64, to task: TaskID?, slot: CapSlot,
                                                          in kernel: inout KernelState<P>) {
        let start = PageGeometry.roundDown(base)
        let end = PageGeometry.roundUp(base &+ max(size, 1))
        grant(MemoryArea(base: start, size: end - start, access: .readWrite, type: .device, owner: .user),
              rights: Rights.read.union(.write), to: task, slot: slot, in: &kernel)
    }
}
