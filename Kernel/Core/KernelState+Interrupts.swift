// Device interrupts delivered to tasks, seL4-style: a line is bound (at boot) to a notification and bits;
// when it fires, the board masks it at the interrupt controller and the kernel signals the bits; the task
// that services the device acknowledges through an interrupt capability, and the board unmasks the line.

/// One interrupt line bound to a notification.
public struct InterruptObject: Sendable {
    /// The line's number at the board's interrupt controller (GIC INTID, PLIC source).
    public var line: UInt32 = 0
    /// The notification the line signals.
    public var notification = NotificationID(0)
    /// The bits it ORs into the notification's word.
    public var bits: UInt64 = 0
    /// Fired and not yet acknowledged: the line is masked at the controller.
    public var masked = false
    /// Times the line fired.
    public var count: UInt64 = 0

    /// An unused binding.
    public init() {}
}

/// Why `bindInterrupt` refused a binding.
public enum InterruptBindingError: Error, Equatable, Sendable {
    /// All `interruptCapacity` bindings are in use.
    case tooManyBindings
    /// The line is bound already (a line signals one notification).
    case lineAlreadyBound
    /// No such notification.
    case invalidNotification
    /// Bits 0 would never wake a waiter.
    case noBits
}

extension KernelState {
    // MARK: Boot

    /// Binds interrupt `line` to notification `notification`: when it fires, `bits` are signalled. Returns
    /// the binding's index, which an `.interrupt` capability names. Boot time only.
    // @implements SWR-KERN-IRQ-1
    public mutating func bindInterrupt(line: UInt32, notification: Int, bits: UInt64) throws(InterruptBindingError) -> Int {
        guard bits != 0 else { throw .noBits }
        guard notification >= 0, notification < KernelState.notificationCapacity else { throw .invalidNotification }
        var i = 0
        while i < interruptCount {
            if interrupts[i].line == line { throw .lineAlreadyBound }
            i += 1
        }
        guard interruptCount < KernelState.interruptCapacity else { throw .tooManyBindings }
        var binding = InterruptObject()
        binding.line = line
        binding.notification = NotificationID(UInt8(notification))
        binding.bits = bits
        interrupts[interruptCount] = binding
        interruptCount += 1
        return interruptCount - 1
    }

    /// The binding index of `line`, if it is bound. (`mutating` only so that it reads the table in place; see
    /// `running`.)
    public mutating func binding(ofLine line: UInt32) -> Int? {
        var i = 0
        while i < interruptCount {
            if interrupts[i].line == line { return i }
            i += 1
        }
        return nil
    }

    // MARK: Entry point

    /// Handles device interrupt `line`, which the board has masked at the controller: signals its
    /// notification (the line stays masked until `interruptAck`), then schedules like a timer interrupt.
    /// An unbound line is left masked and ignored. O(bindings + log n).
    // @implements SWR-KERN-IRQ-1
    public mutating func interrupt(line: UInt32, nowNs: UInt64) -> TaskID? {
        charge(nowNs: nowNs)
        if let i = binding(ofLine: line) {
            interrupts[i].masked = true
            interrupts[i].count &+= 1
            let notification = interrupts[i].notification
            notifications[notification.index].word |= interrupts[i].bits
            wakeWaiter(notification)
        }
        releaseDue(nowNs: nowNs)
        return schedule(nowNs: nowNs)
    }

    /// The next line an `interruptAck` asked to unmask (the board unmasks it at the controller before it
    /// returns to a task), or nil.
    public mutating func takeLineToUnmask() -> UInt32? {
        guard unmaskRequests != 0 else { return nil }
        let i = unmaskRequests.trailingZeroBitCount
        unmaskRequests &= ~(UInt8(1) << UInt8(i))
        return interrupts[i].line
    }

    /// Whether an interrupt could still wake a blocked task (a waiter on a bound notification).
    var interruptCanWake: Bool {
        mutating get {
            var i = 0
            while i < interruptCount {
                if notifications[interrupts[i].notification.index].waiters.count > 0 { return true }
                i += 1
            }
            return false
        }
    }

    // MARK: System call

    /// `interruptAck(slot)`: the holder has serviced the device; its line is unmasked on the way out.
    /// Acknowledging a line that is not masked does nothing.
    // @implements SWR-KERN-IRQ-1
    mutating func acknowledgeInterrupt(_ caller: TaskID, slot: UInt64) {
        guard let (i, _) = object(caller, slot: slot, kind: .interrupt, rights: .write) else { return }
        guard i < interruptCount else {
            finish(caller, error: .invalidArgument)
            return
        }
        finish(caller)
        if interrupts[i].masked {
            interrupts[i].masked = false
            unmaskRequests |= UInt8(1) << UInt8(i)
        }
    }
}
