// Message queues: queueSend copies into the ring (or straight to the most urgent blocked receiver) and blocks
// when full; queueReceive copies out and lets the most urgent blocked sender's message in.

extension KernelState {
    mutating func queueSend(_ caller: TaskID, slot: UInt64, message: UInt, length: Int) {
        guard length >= 0, length <= ipcMessageLimit else {
            finish(caller, error: .badLength)
            return
        }
        guard let queue = self.queue(caller, slot: slot, rights: .write) else { return }
        let q = queue.index
        guard userCanAccess(caller, message, length: length, .read) else {
            finish(caller, error: .badAddress)
            return
        }
        if let receiver = queues[q].receivers.popMin() {
            let r = receiver.index
            copyMessage(from: caller, message, to: receiver, tasks[r].bufferAddress, length: min(length, tasks[r].bufferLength))
            finish(receiver, Int64(length), 0)
            makeReady(receiver)
            finish(caller)
        } else if pushFromUser(caller, queue: queue, message, length: length) {
            finish(caller)
        } else {
            let c = caller.index
            tasks[c].state = .blockedQueueSend
            tasks[c].blockedOn = queue.raw
            tasks[c].bufferAddress = message
            tasks[c].bufferLength = length
            queues[q].senders.insert(caller, key: Policy.heapKey(tasks[c].urgency))
            current = nil
        }
    }

    mutating func queueReceive(_ caller: TaskID, slot: UInt64, buffer: UInt, capacity: Int) {
        guard capacity >= 0 else {
            finish(caller, error: .badLength)
            return
        }
        guard let queue = self.queue(caller, slot: slot, rights: .read) else { return }
        let q = queue.index
        guard userCanAccess(caller, buffer, length: min(capacity, ipcMessageLimit), .write) else {
            finish(caller, error: .badAddress)
            return
        }
        if let length = popToUser(caller, queue: queue, buffer, capacity: min(capacity, ipcMessageLimit)) {
            finish(caller, Int64(length), 0)
            // Room now: the most urgent blocked sender's message goes in.
            if let sender = queues[q].senders.popMin() {
                let s = sender.index
                _ = pushFromUser(sender, queue: queue, tasks[s].bufferAddress, length: tasks[s].bufferLength)
                finish(sender)
                makeReady(sender)
            }
        } else {
            let c = caller.index
            tasks[c].state = .blockedQueueReceive
            tasks[c].blockedOn = queue.raw
            tasks[c].bufferAddress = buffer
            tasks[c].bufferLength = min(capacity, ipcMessageLimit)
            queues[q].receivers.insert(caller, key: Policy.heapKey(tasks[c].urgency))
            current = nil
        }
    }
}
