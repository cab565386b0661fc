// Message queues: queueSend copies into the ring (or straight to the most urgent blocked receiver) and blocks
// when full; queueReceive copies out and lets the most urgent blocked sender's message in.

extension KernelState {
    mutating func queueSend(_ caller: UInt8, slot: UInt64, message: UInt, length: Int) {
        guard length >= 0, length <= ipcMessageLimit else {
            finish(caller, error: .badLength)
            return
        }
        guard let (q, _) = object(caller, slot: slot, kind: .queue, rights: .write), q < KernelState.queueCapacity else { return }
        guard userCanAccess(caller, message, length: length, .read) else {
            finish(caller, error: .badAddress)
            return
        }
        if let receiver = queues[q].receivers.popMin() {
            let r = Int(receiver.raw)
            copyMessage(from: caller, message, to: receiver.raw, tasks[r].bufferAddress, length: min(length, tasks[r].bufferLength))
            finish(receiver.raw, Int64(length), 0)
            makeReady(receiver.raw)
            finish(caller)
        } else if pushFromUser(caller, queue: q, message, length: length) {
            finish(caller)
        } else {
            let c = Int(caller)
            tasks[c].state = .blockedQueueSend
            tasks[c].blockedOn = UInt8(q)
            tasks[c].bufferAddress = message
            tasks[c].bufferLength = length
            queues[q].senders.insert(TaskID(caller), key: Policy.heapKey(tasks[c].urgency))
            current = TaskControlBlock.none
        }
    }

    mutating func queueReceive(_ caller: UInt8, slot: UInt64, buffer: UInt, capacity: Int) {
        guard capacity >= 0 else {
            finish(caller, error: .badLength)
            return
        }
        guard let (q, _) = object(caller, slot: slot, kind: .queue, rights: .read), q < KernelState.queueCapacity else { return }
        guard userCanAccess(caller, buffer, length: min(capacity, ipcMessageLimit), .write) else {
            finish(caller, error: .badAddress)
            return
        }
        if let length = popToUser(caller, queue: q, buffer, capacity: min(capacity, ipcMessageLimit)) {
            finish(caller, Int64(length), 0)
            // Room now: the most urgent blocked sender's message goes in.
            if let sender = queues[q].senders.popMin() {
                let s = Int(sender.raw)
                _ = pushFromUser(sender.raw, queue: q, tasks[s].bufferAddress, length: tasks[s].bufferLength)
                finish(sender.raw)
                makeReady(sender.raw)
            }
        } else {
            let c = Int(caller)
            tasks[c].state = .blockedQueueReceive
            tasks[c].blockedOn = UInt8(q)
            tasks[c].bufferAddress = buffer
            tasks[c].bufferLength = min(capacity, ipcMessageLimit)
            queues[q].receivers.insert(TaskID(caller), key: Policy.heapKey(tasks[c].urgency))
            current = TaskControlBlock.none
        }
    }
}
