// Synchronous endpoints (seL4's endpoint.c): call, receive and reply, with the one copy from client to server
// and back, and priority inheritance through the server a caller waits on.

extension KernelState {
    // @implements SWR-KERN-IPC-1
    mutating func callEndpoint(_ caller: UInt8, slot: UInt64, message: UInt, length: Int, reply: UInt, replyCapacity: Int) {
        guard length >= 0, length <= ipcMessageLimit, replyCapacity >= 0 else {
            finish(caller, error: .badLength)
            return
        }
        guard let (e, badge) = object(caller, slot: slot, kind: .endpoint, rights: .write), e < KernelState.endpointCapacity else { return }
        guard endpointCapabilityIsCurrent(caller, slot: slot, endpoint: e) else {
            finish(caller, error: .serverRestarted)  // granted before the server's last generation ended
            return
        }
        guard userCanAccess(caller, message, length: length, .read),
              userCanAccess(caller, reply, length: min(replyCapacity, ipcMessageLimit), .write) else {
            finish(caller, error: .badAddress)
            return
        }
        let c = Int(caller)
        tasks[c].bufferAddress = message
        tasks[c].bufferLength = length
        tasks[c].replyAddress = reply
        tasks[c].replyCapacity = min(replyCapacity, ipcMessageLimit)
        tasks[c].callBadge = badge
        tasks[c].blockedOn = UInt8(e)
        current = TaskControlBlock.none
        let receiver = endpoints[e].receiver
        if receiver != TaskControlBlock.none {
            endpoints[e].receiver = TaskControlBlock.none
            deliverCall(from: caller, to: receiver, endpoint: e)
            makeReady(receiver)
        } else {
            tasks[c].state = .blockedSend
            endpoints[e].callers.insert(TaskID(caller), key: Policy.heapKey(tasks[c].urgency))
            refreshInheritance(endpoints[e].server)
        }
    }

    /// Copies a caller's message into a server's receive buffer (the one copy) and links them for the reply.
    mutating func deliverCall(from client: UInt8, to server: UInt8, endpoint e: Int) {
        let s = Int(server)
        let c = Int(client)
        let length = tasks[c].bufferLength
        copyMessage(from: client, tasks[c].bufferAddress, to: server, tasks[s].bufferAddress, length: min(length, tasks[s].bufferLength))
        finish(server, Int64(length), tasks[c].callBadge)
        tasks[c].state = .blockedReply
        tasks[c].blockedOn = server  // in blockedReply, the server the client waits for
        tasks[s].servingClient = client
        tasks[s].servedEndpoint = UInt8(e)
        endpoints[e].server = server
        refreshInheritance(server)
    }

    mutating func receive(_ caller: UInt8, slot: UInt64, buffer: UInt, capacity: Int) {
        let c = Int(caller)
        guard tasks[c].servingClient == TaskControlBlock.none else {
            finish(caller, error: .invalidArgument)  // reply to the current client first
            return
        }
        guard capacity >= 0 else {
            finish(caller, error: .badLength)
            return
        }
        guard let (e, _) = object(caller, slot: slot, kind: .endpoint, rights: .read), e < KernelState.endpointCapacity else { return }
        guard userCanAccess(caller, buffer, length: min(capacity, ipcMessageLimit), .write) else {
            finish(caller, error: .badAddress)
            return
        }
        tasks[c].bufferAddress = buffer
        tasks[c].bufferLength = min(capacity, ipcMessageLimit)
        tasks[c].servedEndpoint = UInt8(e)
        endpoints[e].server = caller
        if let client = endpoints[e].callers.popMin() {
            deliverCall(from: client.raw, to: caller, endpoint: e)
        } else {
            tasks[c].state = .blockedReceive
            tasks[c].blockedOn = UInt8(e)
            endpoints[e].receiver = caller
            refreshInheritance(caller)
            current = TaskControlBlock.none
        }
    }

    /// Sends the reply to the client being served; false (with the error set) if there is none.
    mutating func reply(_ caller: UInt8, message: UInt, length: Int) -> Bool {
        let c = Int(caller)
        let client = tasks[c].servingClient
        guard client != TaskControlBlock.none else {
            finish(caller, error: .noClient)
            return false
        }
        guard length >= 0, length <= ipcMessageLimit else {
            finish(caller, error: .badLength)
            return false
        }
        guard userCanAccess(caller, message, length: length, .read) else {
            finish(caller, error: .badAddress)
            return false
        }
        let k = Int(client)
        copyMessage(from: caller, message, to: client, tasks[k].replyAddress, length: min(length, tasks[k].replyCapacity))
        finish(client, Int64(length), 0)
        tasks[c].servingClient = TaskControlBlock.none
        refreshInheritance(caller)
        makeReady(client)
        return true
    }
}
