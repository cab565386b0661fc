// Device interrupts bound to notifications: binding rules, delivery (mask + signal), acknowledgement
// (unmask requests for the board), waits with a deadline, and what the deadlock check makes of them.

import Testing
@testable import Kernel

// Its own entry: referring to another file's @_cdecl function emits a second copy of its C symbol.
@_cdecl("kernel_irq_test_noop") func irqTestNoop(_ arg: UInt) {}

@Suite("Interrupt bindings")
struct InterruptBindingTests {
    /// A driver task (slot 0: notification 3, read; slot 1: interrupt binding, write) and an idle task.
    func driverKernel(_ k: inout KernelState<FixedPriorityPolicy>, line: UInt32 = 38) throws -> (TaskID, TaskID, Int) {
        let driver = try k.declare(TaskDescriptor(name: "driver", entry: irqTestNoop, priority: Priority(20)))
        let other = try k.declare(TaskDescriptor(name: "other", entry: irqTestNoop, priority: Priority(5)))
        let binding = try k.bindInterrupt(line: line, notification: 3, bits: 0x10)
        try k.capabilities.install(Capability(object: ObjectRef(kind: .notification, index: 3), rights: .read),
                                   at: SlotRef(task: driver, slot: 0))
        try k.capabilities.install(Capability(object: ObjectRef(kind: .interrupt, index: UInt8(binding)), rights: .write),
                                   at: SlotRef(task: driver, slot: 1))
        return (driver, other, binding)
    }

    // @verifies SWR-KERN-IRQ-1
    @Test func bindingRules() throws {
        var k = KernelState<FixedPriorityPolicy>()
        #expect(throws: InterruptBindingError.noBits) { _ = try k.bindInterrupt(line: 33, notification: 0, bits: 0) }
        #expect(throws: InterruptBindingError.invalidNotification) {
            _ = try k.bindInterrupt(line: 33, notification: KernelState<FixedPriorityPolicy>.notificationCapacity, bits: 1)
        }
        #expect(throws: InterruptBindingError.invalidNotification) { _ = try k.bindInterrupt(line: 33, notification: -1, bits: 1) }
        #expect(try k.bindInterrupt(line: 33, notification: 0, bits: 1) == 0)
        #expect(throws: InterruptBindingError.lineAlreadyBound) { _ = try k.bindInterrupt(line: 33, notification: 1, bits: 1) }
        for i in 1..<KernelState<FixedPriorityPolicy>.interruptCapacity {
            #expect(try k.bindInterrupt(line: 40 + UInt32(i), notification: i, bits: 1) == i)
        }
        #expect(throws: InterruptBindingError.tooManyBindings) { _ = try k.bindInterrupt(line: 99, notification: 0, bits: 1) }
        #expect(k.binding(ofLine: 33) == 0)
        #expect(k.binding(ofLine: 47) == 7)
        #expect(k.binding(ofLine: 99) == nil)
    }

    // @verifies SWR-KERN-IRQ-1
    @Test func interruptWakesTheWaiterAndStaysMaskedUntilAcknowledged() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let (driver, other, binding) = try driverKernel(&k)
        #expect(k.start(nowNs: 0) == driver)
        #expect(k.call(.wait, 0) == other)  // the driver blocks on its notification
        #expect(k.tasks[driver.index].state == .blockedNotification)
        // The line fires while the other task runs: the driver preempts it with the binding's bits.
        #expect(k.interrupt(line: 38, nowNs: 1000) == driver)
        #expect(k.takeResult(of: driver)! == (0, 0x10))
        #expect(k.interrupts[binding].masked == true)
        #expect(k.interrupts[binding].count == 1)
        #expect(k.takeLineToUnmask() == nil)  // nothing to unmask before the acknowledgement
        #expect(k.call(.interruptAck, 1) == driver)
        #expect(k.takeResult(of: driver)! == (0, 0))
        #expect(k.interrupts[binding].masked == false)
        #expect(k.takeLineToUnmask() == 38)
        #expect(k.takeLineToUnmask() == nil)
        // A second acknowledgement changes nothing: the line is not masked.
        #expect(k.call(.interruptAck, 1) == driver)
        #expect(k.takeLineToUnmask() == nil)
    }

    // @verifies SWR-KERN-IRQ-1
    @Test func interruptBeforeTheWaitIsKept() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let (driver, _, _) = try driverKernel(&k)
        #expect(k.start(nowNs: 0) == driver)
        #expect(k.interrupt(line: 38, nowNs: 10) == driver)  // fires while the driver runs: no switch
        #expect(k.call(.wait, 0) == driver)                  // the bits are waiting: no block
        #expect(k.takeResult(of: driver)! == (0, 0x10))
    }

    // @verifies SWR-KERN-IRQ-1
    @Test func unboundLineIsIgnored() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let (driver, _, binding) = try driverKernel(&k)
        #expect(k.start(nowNs: 0) == driver)
        #expect(k.interrupt(line: 37, nowNs: 10) == driver)
        #expect(k.notifications[3].word == 0)
        #expect(k.interrupts[binding].count == 0)
    }

    // @verifies SWR-KERN-CAP-1
    // @verifies SWR-KERN-IRQ-1
    @Test func acknowledgeNeedsTheInterruptCapability() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let (driver, other, binding) = try driverKernel(&k)
        #expect(k.start(nowNs: 0) == driver)
        _ = k.interrupt(line: 38, nowNs: 10)
        #expect(k.call(.interruptAck, 0) == driver)  // slot 0 is the notification
        #expect(k.takeResult(of: driver)!.0 == -SyscallError.wrongObject.rawValue)
        #expect(k.call(.interruptAck, 9) == driver)  // empty slot
        #expect(k.takeResult(of: driver)!.0 == -SyscallError.invalidCapability.rawValue)
        // A read-only copy may not acknowledge.
        try k.capabilities.install(Capability(object: ObjectRef(kind: .interrupt, index: UInt8(binding)), rights: .read),
                                   at: SlotRef(task: driver, slot: 2))
        #expect(k.call(.interruptAck, 2) == driver)
        #expect(k.takeResult(of: driver)!.0 == -SyscallError.insufficientRights.rawValue)
        #expect(k.interrupts[binding].masked == true)
        #expect(k.takeLineToUnmask() == nil)
        _ = other
    }

    // @verifies SWR-KERN-IRQ-1
    @Test func waitUntilReturnsNoBitsAtTheDeadline() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let (driver, other, _) = try driverKernel(&k)
        #expect(k.start(nowNs: 0) == driver)
        #expect(k.call(.waitUntil, 0, 5000, now: 100) == other)
        #expect(k.nextTimerDeadlineNs() == 5000)
        #expect(k.timerInterrupt(nowNs: 5000) == driver)
        #expect(k.takeResult(of: driver)! == (0, 0))
        // A deadline already past returns at once.
        #expect(k.call(.waitUntil, 0, 10, now: 6000) == driver)
        #expect(k.takeResult(of: driver)! == (0, 0))
    }

    // @verifies SWR-KERN-IRQ-1
    @Test func interruptBeforeTheDeadlineCancelsTheTimeout() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let (driver, other, _) = try driverKernel(&k)
        #expect(k.start(nowNs: 0) == driver)
        #expect(k.call(.waitUntil, 0, 5000, now: 100) == other)
        #expect(k.interrupt(line: 38, nowNs: 200) == driver)
        #expect(k.takeResult(of: driver)! == (0, 0x10))
        #expect(k.nextTimerDeadlineNs() == nil)  // the deadline left the timed heap with the wake-up
        #expect(k.tasks[driver.index].waitTimed == false)
    }

    @Test func aWaiterOnABoundNotificationIsNoDeadlock() throws {
        var k = KernelState<FixedPriorityPolicy>()
        let (driver, other, _) = try driverKernel(&k)
        #expect(k.start(nowNs: 0) == driver)
        #expect(k.call(.wait, 0) == other)
        #expect(k.call(.exitTask) == nil)
        #expect(k.canProgress == true)  // only an interrupt can wake the driver now, and one may come
        _ = k.interrupt(line: 38, nowNs: 300)
        #expect(k.current == driver)
    }
}
