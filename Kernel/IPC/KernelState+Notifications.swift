// Notifications: signal ORs bits (and the capability's badge) into the word; wait takes the whole word or
// blocks (most urgent waiter first), optionally until a deadline (waitUntil).

extension KernelState {
    mutating func signal(_ caller: TaskID, slot: UInt64, bits: UInt64) {
        guard let (notification, badge) = self.notification(caller, slot: slot, rights: .write) else { return }
        finish(caller)
        notifications[notification.index].word |= bits | badge
        wakeWaiter(notification)
    }

    /// Hands `notification`'s word to its most urgent waiter, if it has one (and bits are set).
    mutating func wakeWaiter(_ notification: NotificationID) {
        let n = notification.index
        guard notifications[n].word != 0, let waiter = notifications[n].waiters.popMin() else { return }
        if tasks[waiter.index].waitTimed {
            timed.remove(waiter)
            tasks[waiter.index].waitTimed = false
        }
        finish(waiter, 0, notifications[n].word)
        notifications[n].word = 0
        makeReady(waiter)
    }

    /// `wait`, and with `deadlineNs` (`waitUntil`) back with bits 0 once that time has come; a deadline
    /// already past returns at once.
    // @implements SWR-KERN-IRQ-1
    mutating func wait(_ caller: TaskID, slot: UInt64, deadlineNs: UInt64? = nil, nowNs: UInt64 = 0) {
        guard let (notification, _) = self.notification(caller, slot: slot, rights: .read) else { return }
        let n = notification.index
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
        let c = caller.index
        tasks[c].state = .blockedNotification
        tasks[c].blockedOn = notification.raw
        notifications[n].waiters.insert(caller, key: Policy.heapKey(tasks[c].urgency))
        if let deadline = deadlineNs {
            tasks[c].waitTimed = true
            tasks[c].wakeNs = deadline
            timed.insert(caller, key: deadline)
        }
        current = nil
    }
}
