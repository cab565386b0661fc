// Notifications: signal ORs bits (and the capability's badge) into the word; wait takes the whole word or
// blocks (most urgent waiter first), optionally until a deadline (waitUntil).

extension KernelState {
    mutating func signal(_ caller: UInt8, slot: UInt64, bits: UInt64) {
        guard let (n, badge) = object(caller, slot: slot, kind: .notification, rights: .write), n < KernelState.notificationCapacity else { return }
        finish(caller)
        notifications[n].word |= bits | badge
        wakeWaiter(n)
    }

    /// Hands notification `n`'s word to its most urgent waiter, if it has one (and bits are set).
    mutating func wakeWaiter(_ n: Int) {
        guard notifications[n].word != 0, let waiter = notifications[n].waiters.popMin() else { return }
        if tasks[waiter.index].waitTimed {
            timed.remove(waiter)
            tasks[waiter.index].waitTimed = false
        }
        finish(waiter.raw, 0, notifications[n].word)
        notifications[n].word = 0
        makeReady(waiter.raw)
    }

    /// `wait`, and with `deadlineNs` (`waitUntil`) back with bits 0 once that time has come; a deadline
    /// already past returns at once.
    // @implements SWR-KERN-IRQ-1
    mutating func wait(_ caller: UInt8, slot: UInt64, deadlineNs: UInt64? = nil, nowNs: UInt64 = 0) {
        guard let (n, _) = object(caller, slot: slot, kind: .notification, rights: .read), n < KernelState.notificationCapacity else { return }
        let word = notifications[n].word
        if word != 0 {
            notifications[n].word = 0
            finish(caller, 0, word)
            return
        }
        if let deadline = deadlineNs, deadline <= nowNs {
            finish(caller, 0, 0)
            return
        }
        let c = Int(caller)
        tasks[c].state = .blockedNotification
        tasks[c].blockedOn = UInt8(n)
        notifications[n].waiters.insert(TaskID(caller), key: Policy.heapKey(tasks[c].urgency))
        if let deadline = deadlineNs {
            tasks[c].waitTimed = true
            tasks[c].wakeNs = deadline
            timed.insert(TaskID(caller), key: deadline)
        }
        current = TaskControlBlock.none
    }
}
