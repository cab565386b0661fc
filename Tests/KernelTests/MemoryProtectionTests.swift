// The portable half of memory protection on the host: the page-table builder for both architectures (walked
// back entry by entry), protection domains, and the kernel's check of every pointer a system call takes.

import Testing
@testable import Kernel

// Its own entry: referring to another file's @_cdecl function emits a second copy of its C symbol.
@_cdecl("kernel_memory_test_noop") func memoryTestNoop(_ arg: UInt) {}

/// Page-aligned host memory that stands for physical memory (identity-mapped, as on the boards).
final class HostPages {
    let base: UnsafeMutableRawPointer
    let pages: Int
    init(_ pages: Int) {
        self.pages = pages
        base = UnsafeMutableRawPointer.allocate(byteCount: pages * 4096, alignment: 4096)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: pages * 4096)
    }
    deinit { base.deallocate() }
    var address: UInt64 { UInt64(UInt(bitPattern: base)) }
    func page(_ i: Int) -> UInt64 { address + UInt64(i) * 4096 }
    var pool: PageTablePool { PageTablePool(base: UInt(bitPattern: base), capacity: pages) }
}

let page = PageGeometry.pageSize

/// A board-like layout of one task set: code, read-only data, kernel data, three stacks above guard pages, a
/// block shared by tasks 0 and 1, and an MMIO window granted to task 2 only.
struct TaskSetLayout {
    let code = MemoryArea(base: 0x4020_0000, size: 40 * page, access: .readExecute, owner: .user)
    let rodata = MemoryArea(base: 0x4022_8000, size: 8 * page, access: .read, owner: .user)
    let kernelData = MemoryArea(base: 0x4023_0000, size: 300 * page, access: .readWrite, owner: .kernel)
    let kernelEntry = MemoryArea(base: 0x4020_0000, size: page, access: .readExecute, owner: .kernel)
    let stackPool: UInt64 = 0x4040_0000
    let stackPages: UInt64 = 2
    let shared = MemoryArea(base: 0x4050_0000, size: 2 * page, access: .readWrite, owner: .user)
    let mmio = MemoryArea(base: 0x1000_0000, size: page, access: .readWrite, type: .device, owner: .user)

    /// Task `t`'s stack: `stackPages` pages above an unmapped guard page.
    func stack(_ t: Int) -> MemoryArea {
        let base = stackPool + UInt64(t) * (stackPages + 1) * page + page
        return MemoryArea(base: base, size: stackPages * page, access: .readWrite, owner: .user)
    }

    /// The kernel with three tasks and their domains, as TaskSetBuilder declares them on a board.
    func kernel() throws -> KernelState<FixedPriorityPolicy> {
        var k = KernelState<FixedPriorityPolicy>()
        for t in 0..<3 {
            let id = try k.declare(TaskDescriptor(name: "t", entry: memoryTestNoop, priority: Priority(UInt8(10 + t))))
            try k.addToDomain(id, code)
            try k.addToDomain(id, rodata)
            try k.addToDomain(id, stack(t))
        }
        let s = try k.declareRegion(shared)
        try k.grantRegion(s, to: TaskID(0), rights: Rights.read.union(.write), slot: 15)
        try k.grantRegion(s, to: TaskID(1), rights: .read, slot: 15)
        let m = try k.declareRegion(mmio)
        try k.grantRegion(m, to: TaskID(2), rights: Rights.read.union(.write), slot: 14)
        return k
    }
}

@Suite("Page-table builder")
struct PageTableBuilderTests {
    /// Every page of `area` translates to itself with the area's rights; the pages around it do not, unless
    /// `neighboursMapped`.
    func expectMapped<F: PageTableFormat>(_ table: PageTable<F>, _ area: MemoryArea, typeEncoded: Bool = true,
                                          sourceLocation: SourceLocation = #_sourceLocation) {
        var a = area.base
        while a < area.end {
            guard let t = table.translate(a + 8) else {
                Issue.record("page \(String(a, radix: 16)) unmapped", sourceLocation: sourceLocation)
                return
            }
            #expect(t.physical == a + 8, sourceLocation: sourceLocation)
            #expect(t.access == area.access, sourceLocation: sourceLocation)
            #expect(t.owner == area.owner, sourceLocation: sourceLocation)
            if typeEncoded { #expect(t.type == area.type, sourceLocation: sourceLocation) }
            a += page
        }
    }

    // @verifies SWR-KERN-MEM-1
    @Test func aarch64RangesWalkBackWithTheirRights() throws {
        let host = HostPages(16)
        var pool = host.pool
        var table = try #require(PageTable<AArch64PageTables>(pool: &pool))
        let layout = TaskSetLayout()
        for area in [layout.code, layout.rodata, layout.stack(0), layout.mmio, layout.kernelData] {
            try table.map(area, pool: &pool)
            expectMapped(table, area)
        }
        // The guard page under the stack, and the pages past the ends, stay unmapped.
        #expect(table.translate(layout.stack(0).base - page) == nil)
        #expect(table.translate(layout.stack(0).end) == nil)
        #expect(table.translate(0x4000_0000) == nil)
        // Descriptor bits: user code is EL0-executable but privileged-execute-never; kernel data is
        // execute-never at both levels; device memory uses MAIR index 0 and is never executable.
        let codeEntry = AArch64PageTables.leafEntry(0x4020_0000, level: 2, access: .readExecute, type: .normal, owner: .user)
        #expect(codeEntry & (1 << 54) == 0 && codeEntry & (1 << 53) != 0 && codeEntry & (1 << 6) != 0 && codeEntry & (1 << 7) != 0)
        let dataEntry = AArch64PageTables.leafEntry(0x4023_0000, level: 2, access: .readWrite, type: .normal, owner: .kernel)
        #expect(dataEntry & (1 << 54) != 0 && dataEntry & (1 << 53) != 0 && dataEntry & (1 << 6) == 0 && dataEntry & (1 << 7) == 0)
        #expect((dataEntry >> 2) & 7 == 1 && dataEntry & (1 << 11) != 0 && dataEntry & (1 << 10) != 0)
        let deviceEntry = AArch64PageTables.leafEntry(0x1000_0000, level: 2, access: .readExecute, type: .device, owner: .kernel)
        #expect((deviceEntry >> 2) & 7 == 0 && deviceEntry & (1 << 53) != 0 && deviceEntry & (1 << 54) != 0)
        #expect(AArch64PageTables.translationBase(root: 0x4100_0000, asid: 7) == 0x0007_0000_4100_0000)
    }

    // @verifies SWR-KERN-MEM-1
    @Test func sv39RangesWalkBackWithTheirRights() throws {
        let host = HostPages(16)
        var pool = host.pool
        var table = try #require(PageTable<Sv39PageTables>(pool: &pool))
        let layout = TaskSetLayout()
        for area in [layout.code, layout.rodata, layout.stack(1), layout.kernelData] {
            try table.map(area, pool: &pool)
            expectMapped(table, area)
        }
        try table.map(layout.mmio, pool: &pool)
        expectMapped(table, MemoryArea(base: layout.mmio.base, size: page, access: .readWrite, owner: .user), typeEncoded: false)
        #expect(table.translate(layout.stack(1).base - page) == nil)
        let user = Sv39PageTables.leafEntry(0x8020_0000, level: 2, access: .readExecute, type: .normal, owner: .user)
        #expect(user & 0xFF == 0b1101_1011)  // D A - U X - R V
        let kernel = Sv39PageTables.leafEntry(0x8020_0000, level: 2, access: .readWrite, type: .normal, owner: .kernel)
        #expect(kernel & 0xFF == 0b1100_0111)  // D A - - - W R V
        #expect(Sv39PageTables.translationBase(root: 0x8100_0000, asid: 3) == (UInt64(8) << 60) | (UInt64(3) << 44) | 0x81000)
    }

    @Test func blocksAreUsedWhereAlignmentAllows() throws {
        let host = HostPages(8)
        var pool = host.pool
        var table = try #require(PageTable<AArch64PageTables>(pool: &pool))
        // 1 GiB + 2 MiB + 4 KiB, aligned: one 1 GiB block, one 2 MiB block, one page (root + 1 + 1 tables).
        let area = MemoryArea(base: 0x4000_0000, size: (1 << 30) + (2 << 20) + page, access: .readWrite, type: .device, owner: .kernel)
        try table.map(area, pool: &pool, blocks: true)
        #expect(pool.used == 3)
        #expect(table.translate(0x4000_0000 + (1 << 30) - 8)?.physical == 0x4000_0000 + (1 << 30) - 8)
        #expect(table.translate(0x8020_0000 + 16)?.access == .readWrite)
        #expect(table.translate(0x8020_1000) == nil)
    }

    // @verifies SWR-KERN-MEM-1
    @Test func badRangesAreRefusedBeforeAnythingIsWritten() throws {
        let host = HostPages(8)
        var pool = host.pool
        var table = try #require(PageTable<Sv39PageTables>(pool: &pool))
        let wx = MemoryArea(base: 0x8000_0000, size: page, access: MemoryAccess(rawValue: 7), owner: .user)
        #expect(throws: MappingError.writableAndExecutable) { try table.map(wx, pool: &pool) }
        #expect(throws: MappingError.misaligned) {
            try table.map(MemoryArea(base: 0x8000_0010, size: page, access: .read, owner: .user), pool: &pool)
        }
        #expect(throws: MappingError.misaligned) {
            try table.map(MemoryArea(base: 0x8000_0000, size: 0, access: .read, owner: .user), pool: &pool)
        }
        #expect(throws: MappingError.beyondAddressLimit) {
            try table.map(MemoryArea(base: (1 << 39) - page, size: 2 * page, access: .read, owner: .user), pool: &pool)
        }
        #expect(pool.used == 1)  // nothing but the root
        try table.map(MemoryArea(base: 0x8000_0000, size: 2 * page, access: .read, owner: .user), pool: &pool)
        #expect(throws: MappingError.alreadyMapped) {
            try table.map(MemoryArea(base: 0x8000_1000, size: page, access: .read, owner: .user), pool: &pool)
        }
        // A pool too small for the tables a range needs.
        var tiny = PageTablePool(base: UInt(host.page(6)), capacity: 2)
        var other = try #require(PageTable<Sv39PageTables>(pool: &tiny))
        #expect(throws: MappingError.outOfTables) {
            try other.map(MemoryArea(base: 0x8000_0000, size: page, access: .read, owner: .user), pool: &tiny)
        }
    }

    /// The tables of a whole task set, as a board builds them from the kernel's domains: each task's mappings
    /// are exactly its declared ranges, W^X holds in every leaf, no two tasks share a writable page except the
    /// declared shared block, and every stack has its unmapped guard page.
    // @verifies SWR-KERN-MEM-1
    @Test func everyTaskSeesExactlyItsDomain() throws {
        let layout = TaskSetLayout()
        let k = try layout.kernel()
        let host = HostPages(64)
        var pool = host.pool
        var tables: [PageTable<AArch64PageTables>] = []
        for t in 0..<3 {
            var table = try #require(PageTable<AArch64PageTables>(pool: &pool))
            try k.domains[t].map(into: &table, pool: &pool)
            try table.map(layout.kernelData, pool: &pool)  // privileged: the trap path's frames and stack
            tables.append(table)
        }
        // Walk every page of the whole layout window for every task and compare with the declaration.
        let windows: [(UInt64, UInt64)] = [(0x4020_0000, 0x4060_0000), (0x1000_0000, 0x1000_4000)]
        var writers: [UInt64: [Int]] = [:]
        for t in 0..<3 {
            for (start, end) in windows {
                var a = start
                while a < end {
                    let declared = k.domains[t].permits(a, length: page, .read) || k.domains[t].permits(a, length: page, .execute)
                    let inKernel = layout.kernelData.contains(a, length: page)
                    let mapped = tables[t].translate(a)
                    if let m = mapped {
                        #expect(!m.access.violatesWXorX)
                        if m.owner == .user {
                            #expect(declared, "task \(t) maps \(String(a, radix: 16)) it was never given")
                            #expect(k.domains[t].permits(a, length: page, m.access))
                            if m.access.contains(.write) { writers[a, default: []].append(t) }
                        } else {
                            #expect(inKernel)
                        }
                    } else {
                        #expect(!declared, "task \(t) lost \(String(a, radix: 16))")
                    }
                    a += page
                }
            }
            #expect(tables[t].translate(layout.stack(t).base - page) == nil, "guard page of task \(t)")
        }
        for (address, tasks) in writers where tasks.count > 1 {
            #expect(layout.shared.contains(address, length: page), "\(String(address, radix: 16)) writable by \(tasks)")
        }
        // The shared block: task 0 writes, task 1 only reads, task 2 does not see it; the MMIO window is task 2's.
        #expect(tables[0].translate(layout.shared.base)?.access == .readWrite)
        #expect(tables[1].translate(layout.shared.base)?.access == .read)
        #expect(tables[2].translate(layout.shared.base) == nil)
        #expect(tables[2].translate(layout.mmio.base)?.type == .device)
        #expect(tables[0].translate(layout.mmio.base) == nil)
        // Other tasks' stacks are invisible.
        #expect(tables[0].translate(layout.stack(1).base) == nil)
        #expect(tables[1].translate(layout.stack(2).base) == nil)
    }

    @Test func domainsRefuseOverlapWXAndTooManyRanges() throws {
        var d = ProtectionDomain()
        try d.add(MemoryArea(base: 0x8000_0000, size: 2 * page, access: .readWrite, owner: .kernel))
        #expect(d[0].owner == .user)
        #expect(throws: DomainError.overlaps) { try d.add(MemoryArea(base: 0x8000_1000, size: page, access: .read, owner: .user)) }
        #expect(throws: DomainError.writableAndExecutable) {
            try d.add(MemoryArea(base: 0x9000_0000, size: page, access: MemoryAccess(rawValue: 7), owner: .user))
        }
        #expect(throws: DomainError.misaligned) { try d.add(MemoryArea(base: 0x9000_0004, size: page, access: .read, owner: .user)) }
        for i in 1..<ProtectionDomain.capacity {
            try d.add(MemoryArea(base: 0xA000_0000 + UInt64(i) * page, size: page, access: .read, owner: .user))
        }
        #expect(throws: DomainError.full) { try d.add(MemoryArea(base: 0xB000_0000, size: page, access: .read, owner: .user)) }
        // Checks: inside one range with the access; ranges straddling an edge or wrapping are refused.
        #expect(d.permits(0x8000_0000, length: 2 * page, .readWrite))
        #expect(!d.permits(0x8000_0000, length: 2 * page + 1, .read))
        #expect(!d.permits(0x7FFF_FFFF, length: 2, .read))
        #expect(!d.permits(0xA000_1000, length: 1, .write))
        #expect(!d.permits(UInt64.max - 3, length: 8, .read))
        #expect(d.permits(0xDEAD_0000, length: 0, .write))
    }
}

@Suite("Kernel pointer checks")
struct KernelPointerCheckTests {
    func endpoint(_ rights: Rights) -> Capability { Capability(object: ObjectRef(kind: .endpoint, index: 0), rights: rights) }

    /// Two tasks with one page of stack each (real host memory; the client also a read-only page) and a
    /// privileged, least urgent third with another page.
    func kernel(_ host: HostPages) throws -> KernelState<FixedPriorityPolicy> {
        var k = KernelState<FixedPriorityPolicy>()
        let server = try k.declare(TaskDescriptor(name: "server", entry: memoryTestNoop, priority: Priority(1)))
        let client = try k.declare(TaskDescriptor(name: "client", entry: memoryTestNoop, priority: Priority(30)))
        let admin = try k.declare(TaskDescriptor(name: "admin", entry: memoryTestNoop, priority: Priority(0), privileged: true))
        try k.addToDomain(server, MemoryArea(base: host.page(0), size: page, access: .readWrite, owner: .user))
        try k.addToDomain(client, MemoryArea(base: host.page(2), size: page, access: .readWrite, owner: .user))
        try k.addToDomain(client, MemoryArea(base: host.page(4), size: page, access: .read, owner: .user))
        try k.addToDomain(admin, MemoryArea(base: host.page(6), size: page, access: .readWrite, owner: .user))
        try k.capabilities.install(endpoint(.read), at: SlotRef(task: server, slot: 0))
        try k.capabilities.install(endpoint(.write), at: SlotRef(task: client, slot: 0))
        return k
    }

    // @verifies SWR-KERN-MEM-2
    @Test func aCallWithAPointerOutsideTheCallersDomainCopiesNothing() throws {
        let host = HostPages(8)
        var k = try kernel(host)
        let bytes = host.base.assumingMemoryBound(to: UInt8.self)
        for i in 0..<64 { bytes[2 * 4096 + i] = UInt8(i) }          // the client's message
        for i in 0..<64 { bytes[0 * 4096 + i] = 0xEE }              // the server's stack: the "victim"
        #expect(k.start(nowNs: 0) == 1)
        // Message in another task's memory, in unmapped memory, straddling the end of its page, at a wrapping
        // address; reply buffer read-only or in the server's memory: each refused with badAddress.
        let bad: [(UInt64, UInt64, UInt64)] = [
            (host.page(0), 8, host.page(2) + 512),       // message in the server's stack
            (host.page(1), 8, host.page(2) + 512),       // message in memory nobody owns
            (host.page(3) - 4, 8, host.page(2) + 512),   // message running past the client's page
            (UInt64.max - 3, 8, host.page(2) + 512),     // wrapping
            (host.page(2), 8, host.page(4)),             // reply into read-only memory
            (host.page(2), 8, host.page(0)),             // reply into the server's stack
        ]
        for (message, length, reply) in bad {
            #expect(k.call(.call, 0, message, length, reply, 64) == 1)
            #expect(k.takeResult(of: 1)!.0 == -SyscallError.badAddress.rawValue)
            #expect(k.tasks[1].state == .running)
        }
        #expect((0..<64).allSatisfy { bytes[$0] == 0xEE })
        // Read-only memory is fine as a message; the server then receives into its own stack.
        for i in 0..<8 { bytes[4 * 4096 + i] = 0x40 + UInt8(i) }
        #expect(k.call(.call, 0, host.page(4), 8, host.page(2) + 512, 64) == 0)
        #expect(k.call(.receive, 0, host.page(1), 64) == 0)                       // not the server's memory
        #expect(k.takeResult(of: 0)!.0 == -SyscallError.badAddress.rawValue)
        #expect(k.call(.receive, 0, host.page(0) + 4096 - 32, 64) == 0)          // 64 bytes would run past its page
        #expect(k.takeResult(of: 0)!.0 == -SyscallError.badAddress.rawValue)
        #expect(k.call(.receive, 0, host.page(0), 64) == 0)
        #expect(k.takeResult(of: 0)! == (8, 0))
        #expect((0..<8).allSatisfy { bytes[$0] == 0x40 + UInt8($0) })
        // The reply from a pointer into the client's memory is refused; from its own stack it is copied.
        #expect(k.call(.reply, host.page(2), 8) == 0)
        #expect(k.takeResult(of: 0)!.0 == -SyscallError.badAddress.rawValue)
        #expect(k.call(.reply, host.page(0), 8) == 1)
        #expect(k.takeResult(of: 1)! == (8, 0))
        #expect((0..<8).allSatisfy { bytes[2 * 4096 + 512 + $0] == 0x40 + UInt8($0) })
    }

    // @verifies SWR-KERN-MEM-2
    @Test func diagnosticsAndQueuesCheckTheirBuffers() throws {
        let host = HostPages(8)
        var k = try kernel(host)
        try k.capabilities.install(Capability(object: ObjectRef(kind: .queue, index: 0), rights: .all), at: SlotRef(task: TaskID(2), slot: 1))
        #expect(k.start(nowNs: 0) == 1)
        _ = k.call(.exitTask)   // client done: the server runs
        _ = k.call(.exitTask)   // server done: admin runs
        #expect(k.current == 2)
        // taskInfo into the kernel-held server page: refused; into its own page: written.
        #expect(k.call(.taskInfo, 0, host.page(0)) == 2)
        #expect(k.takeResult(of: 2)!.0 == -SyscallError.badAddress.rawValue)
        #expect(k.call(.taskInfo, 0, host.page(7) - 8) == 2)     // 40 bytes past its page
        #expect(k.takeResult(of: 2)!.0 == -SyscallError.badAddress.rawValue)
        #expect(k.call(.taskInfo, 1, host.page(6)) == 2)
        #expect(k.takeResult(of: 2)!.0 == 0)
        #expect(host.base.load(fromByteOffset: 6 * 4096, as: UInt64.self) == UInt64(TaskState.exited.rawValue))
        #expect(k.call(.auditRead, 0, host.page(1)) == 2)
        #expect(k.takeResult(of: 2)!.0 == -SyscallError.badAddress.rawValue)
        // A queue message from someone else's memory is refused and nothing is queued.
        #expect(k.call(.queueSend, 1, host.page(2), 8) == 2)
        #expect(k.takeResult(of: 2)!.0 == -SyscallError.badAddress.rawValue)
        #expect(k.queues[0].count == 0)
        host.base.storeBytes(of: 0x1122_3344_5566_7788 as UInt64, toByteOffset: 6 * 4096 + 100, as: UInt64.self)
        #expect(k.call(.queueSend, 1, host.page(6) + 100, 8) == 2)
        #expect(k.takeResult(of: 2)!.0 == 0)
        #expect(k.call(.queueReceive, 1, host.page(5), 8) == 2)
        #expect(k.takeResult(of: 2)!.0 == -SyscallError.badAddress.rawValue)
        #expect(k.queues[0].count == 1)   // a refused receive takes nothing
        #expect(k.call(.queueReceive, 1, host.page(6) + 200, 8) == 2)
        #expect(k.takeResult(of: 2)!.0 == 8)
        #expect(host.base.load(fromByteOffset: 6 * 4096 + 200, as: UInt64.self) == 0x1122_3344_5566_7788)
    }

    /// Region capabilities are fixed at boot: copying, moving or deleting one is refused, so the page tables
    /// built from them stay true.
    // @verifies SWR-KERN-MEM-1
    @Test func regionCapabilitiesCannotBeMovedOrDeleted() throws {
        let layout = TaskSetLayout()
        var k = try layout.kernel()
        #expect(k.start(nowNs: 0) == 2)
        for call in [Syscall.capCopy, .capMint, .capMove, .capDelete, .capRevoke] {
            let (a1, a2): (UInt64, UInt64) = call == .capMove ? (3, 0) : (0xFF, 3)
            #expect(k.call(call, 14, a1, a2, 7, 0) == 2)
            #expect(k.takeResult(of: 2)!.0 == -SyscallError.invalidArgument.rawValue)
        }
        #expect(k.capabilities.capability(at: SlotRef(task: TaskID(2), slot: 14))?.object.kind == .memoryRegion)
        #expect(k.regionCount == 2)
    }
}
