// The kernel's side of memory protection: each task's protection domain, memory-region objects that
// capabilities name, the check of every pointer a task passes, and the copies in and out of task memory.

/// A range of memory a capability can grant (a buffer shared between tasks, a device's MMIO window).
public struct MemoryRegionObject: Sendable {
    /// The range (user-owned; its `access` is the most any capability for it can give).
    public var range = MemoryArea(base: 0, size: 0, access: MemoryAccess(), owner: .user)

    /// An unused object.
    public init() {}
}

/// Why a region could not be declared or granted at boot.
public enum RegionError: Error, Equatable, Sendable {
    /// All `regionCapacity` region objects are in use.
    case tooManyRegions
    /// No such region or task.
    case invalidArgument
    /// The task's domain refused the range.
    case domain(DomainError)
    /// The capability could not be installed.
    case capability(CapabilityError)
}

/// How the kernel copies between task memory and its own: a routine the board installs (it switches to the
/// task's address space for the copy and back), or, when none is installed (host tests, boards without
/// protection), a plain copy. Called only after the range was checked against the task's domain.
public struct UserCopy: Sendable {
    /// `(task, userAddress, kernelAddress, length, toUser)`: copies `length` bytes from `userAddress` in
    /// `task`'s address space to `kernelAddress` (or the other way when `toUser`).
    public typealias Routine = @convention(c) (UInt8, UInt, UInt, Int, Bool) -> Void
    /// `(fromTask, fromAddress, toTask, toAddress, length)`: copies `length` bytes (at most `ipcMessageLimit`)
    /// from one task's memory to another's in one call (through the kernel stack, each side in its own space).
    public typealias BetweenRoutine = @convention(c) (UInt8, UInt, UInt8, UInt, Int) -> Void
    /// The board's routine, nil for a direct copy.
    public var routine: Routine?
    /// The board's task-to-task routine for IPC messages, nil to go through `routine` twice.
    public var between: BetweenRoutine?

    /// A direct copy (no routine).
    public init(routine: Routine? = nil, between: BetweenRoutine? = nil) {
        self.routine = routine
        self.between = between
    }
}

extension KernelState {
    /// Region objects available.
    public static var regionCapacity: Int { 16 }

    // MARK: Boot

    /// Adds `range` to `task`'s domain (its stack, its data); boot time only.
    public mutating func addToDomain(_ task: TaskID, _ range: MemoryArea) throws(RegionError) {
        guard task.index < taskCount else { throw .invalidArgument }
        do throws(DomainError) {
            try domains[task.index].add(range)
        } catch {
            throw .domain(error)
        }
        protectionEnforced = true
    }

    /// Declares a region object (a shared buffer or an MMIO window) that capabilities can name; returns its
    /// index. Boot time only.
    public mutating func declareRegion(_ range: MemoryArea) throws(RegionError) -> Int {
        guard regionCount < KernelState.regionCapacity else { throw .tooManyRegions }
        var object = MemoryRegionObject()
        object.range = range
        object.range.owner = .user
        regions[regionCount] = object
        regionCount += 1
        return regionCount - 1
    }

    /// Grants `task` region `region` with `rights` (`.read`, `.write`): installs a `.memoryRegion`
    /// capability in `slot` and adds the range, with the access those rights give, to the task's domain
    /// (so it is mapped). Boot time only: region capabilities are fixed once the task set runs.
    // @implements SWR-KERN-MEM-1
    public mutating func grantRegion(_ region: Int, to task: TaskID, rights: Rights, slot: CapSlot) throws(RegionError) {
        guard region >= 0, region < regionCount, task.index < taskCount else { throw .invalidArgument }
        var range = regions[region].range
        var access = MemoryAccess()
        if rights.contains(.read) { access = access.union(.read) }
        if rights.contains(.write) { access = access.union(.write).union(.read) }
        range.access = range.access.intersection(access)
        guard !range.access.isEmpty else { throw .invalidArgument }
        do throws(CapabilityError) {
            try capabilities.install(Capability(object: ObjectRef(kind: .memoryRegion, index: UInt8(region)),
                                                rights: rights.intersection(Rights.read.union(.write))),
                                     at: SlotRef(task: task, slot: slot))
        } catch {
            throw .capability(error)
        }
        try addToDomain(task, range)
    }

    // MARK: Checks and copies

    /// Whether `task` may `access` `address ..< address + length`: the range lies in one range of its domain
    /// that allows it. Every pointer a system call takes is checked here before anything is copied.
    // @implements SWR-KERN-MEM-2
    /// (`mutating` only so that it reads the domains in place: a borrowed read made the compiler copy the
    /// whole table, 26 KB, on every check.)
    @inline(__always)
    public mutating func userCanAccess(_ task: TaskID, _ address: UInt, length: Int, _ access: MemoryAccess) -> Bool {
        guard task.index < taskCount, length >= 0 else { return false }
        if !protectionEnforced { return length == 0 || address != 0 }
        return domains[task.index].allows(UInt64(address), length: UInt64(length), access)
    }

    /// Checks and copies `length` bytes of `task`'s memory at `address` into the kernel's `buffer` (for system
    /// calls the board handles itself, such as `debugWrite`); false, with nothing copied, if the task may not
    /// read that range.
    // @implements SWR-KERN-MEM-2
    public mutating func copyFromTask(_ task: TaskID, _ address: UInt, to buffer: UnsafeMutableRawPointer, length: Int) -> Bool {
        guard userCanAccess(task, address, length: length, .read) else { return false }
        copyFromUser(task, address, to: buffer, length: length)
        return true
    }

    /// Writes `length` bytes from the kernel's `zeros` over `task`'s memory at `address` (the board resetting a
    /// restarted task's stack; the range must be the task's own, or nothing happens).
    public mutating func zeroTaskMemory(_ task: TaskID, _ address: UInt, zeros: UnsafeRawPointer, length: Int) {
        guard userCanAccess(task, address, length: length, .write) else { return }
        copyToUser(task, from: zeros, to: address, length: length)
    }

    /// Copies `length` bytes from `task`'s `address` to the kernel's `buffer` (checked before).
    mutating func copyFromUser(_ task: TaskID, _ address: UInt, to buffer: UnsafeMutableRawPointer, length: Int) {
        guard length > 0 else { return }
        if let routine = userCopy.routine {
            routine(task.raw, address, UInt(bitPattern: buffer), length, false)
        } else if let source = UnsafeRawPointer(bitPattern: address) {
            buffer.copyMemory(from: source, byteCount: length)
        }
    }

    /// Copies `length` bytes from the kernel's `buffer` to `task`'s `address` (checked before).
    mutating func copyToUser(_ task: TaskID, from buffer: UnsafeRawPointer, to address: UInt, length: Int) {
        guard length > 0 else { return }
        if let routine = userCopy.routine {
            routine(task.raw, address, UInt(bitPattern: buffer), length, true)
        } else if let destination = UnsafeMutableRawPointer(bitPattern: address) {
            destination.copyMemory(from: buffer, byteCount: length)
        }
    }

    /// Copies an IPC message from one task's buffer to another's through a kernel buffer (each side in its
    /// own address space). Both ranges were checked when the calls that named them were made.
    mutating func copyMessage(from source: TaskID, _ sourceAddress: UInt, to destination: TaskID, _ destinationAddress: UInt,
                              length: Int) {
        guard length > 0 else { return }
        let n = min(length, ipcMessageLimit)
        if let between = userCopy.between {
            between(source.raw, sourceAddress, destination.raw, destinationAddress, n)
            return
        }
        var bounce: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bounce) { raw in
            copyFromUser(source, sourceAddress, to: raw.baseAddress!, length: n)
            copyToUser(destination, from: UnsafeRawPointer(raw.baseAddress!), to: destinationAddress, length: n)
        }
    }

    /// Queues a message from `task`'s `address` (checked before) on `queue`; false when the queue is full.
    mutating func pushFromUser(_ task: TaskID, queue: QueueID, _ address: UInt, length: Int) -> Bool {
        let q = queue.index
        guard queues[q].count < MessageQueueObject.capacity else { return false }
        var bounce: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        let n = min(max(length, 0), ipcMessageLimit)
        return withUnsafeMutableBytes(of: &bounce) { raw in
            copyFromUser(task, address, to: raw.baseAddress!, length: n)
            return queues[q].push(from: UInt(bitPattern: raw.baseAddress!), length: n)
        }
    }

    /// Takes the oldest message of `queue` into `task`'s `address` (checked before, `capacity` bytes at
    /// most); returns its full length, nil when the queue is empty.
    mutating func popToUser(_ task: TaskID, queue: QueueID, _ address: UInt, capacity: Int) -> Int? {
        let q = queue.index
        var bounce: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &bounce) { raw -> Int? in
            guard let length = queues[q].pop(to: UInt(bitPattern: raw.baseAddress!), capacity: ipcMessageLimit) else { return nil }
            copyToUser(task, from: UnsafeRawPointer(raw.baseAddress!), to: address, length: min(length, max(capacity, 0)))
            return length
        }
    }
}
