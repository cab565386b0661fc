// Synchronous endpoints (seL4's endpoint.c): call, receive and reply, with the one copy from client to server
// and back, and priority inheritance through the server a caller waits on.

extension KernelState {
    // @implements SWR-KERN-IPC-1
    mutating func callEndpoint(_ caller: TaskID, slot: UInt64, message: UInt, length: Int, reply: UInt, replyCapacity: Int) {
        guard length >= 0, length <= ipcMessageLimit, replyCapacity >= 0 else {
            finish(caller, error: .badLength)
            return
        }
        guard let (endpoint, badge) = self.endpoint(caller, slot: slot, rights: .write) else { return }
        guard endpointCapabilityIsCurrent(caller, slot: slot, endpoint: endpoint) else {
            finish(caller, error: .serverRestarted)  // granted before the server's last generation ended
            return
        }
        guard userCanAccess(caller, message, length: length, .read),
              userCanAccess(caller, reply, length: min(replyCapacity, ipcMessageLimit), .write) else {
            finish(caller, error: .badAddress)
            return
        }
        let c = caller.index
        tasks[c].bufferAddress = message
        tasks[c].bufferLength = length
        tasks[c].replyAddress = reply
        tasks[c].replyCapacity = min(replyCapacity, ipcMessageLimit)
        tasks[c].callBadge = badge
        tasks[c].blockedOn = endpoint.raw
        current = nil
        let e = endpoint.index
        if let receiver = endpoints[e].receiver {
            endpoints[e].receiver = nil
            deliverCall(from: caller, to: receiver, endpoint: endpoint)
            makeReady(receiver)
        } else {
            tasks[c].state = .blockedSend
            endpoints[e].callers.insert(caller, key: Policy.heapKey(tasks[c].urgency))
            refreshInheritance(endpoints[e].server)
        }
    }

    /// Copies a caller's message into a server's receive buffer (the one copy) and links them for the reply.
    mutating func deliverCall(from client: TaskID, to server: TaskID, endpoint: EndpointID) {
        let s = server.index
        let c = client.index
        let length = tasks[c].bufferLength
        copyMessage(from: client, tasks[c].bufferAddress, to: server, tasks[s].bufferAddress, length: min(length, tasks[s].bufferLength))
        finish(server, Int64(length), tasks[c].callBadge)
        tasks[c].state = .blockedReply
        tasks[c].blockedOn = server.raw  // in blockedReply, the server the client waits for
        tasks[s].servingClient = client
        tasks[s].servedEndpoint = endpoint
        endpoints[endpoint.index].server = server
        refreshInheritance(server)
    }

    mutating func receive(_ caller: TaskID, slot: UInt64, buffer: UInt, capacity: Int) {
        let c = caller.index
        guard tasks[c].servingClient == nil else {
            finish(caller, error: .invalidArgument)  // reply to the current client first
            return
        }
        guard capacity >= 0 else {
            finish(caller, error: .badLength)
            return
        }
        guard let (endpoint, _) = self.endpoint(caller, slot: slot, rights: .read) else { return }
        guard userCanAccess(caller, buffer, length: min(capacity, ipcMessageLimit), .write) else {
            finish(caller, error: .badAddress)
            return
        }
        tasks[c].bufferAddress = buffer
        tasks[c].bufferLength = min(capacity, ipcMessageLimit)
        tasks[c].servedEndpoint = endpoint
        let e = endpoint.index
        endpoints[e].server = caller
        if let client = endpoints[e].callers.popMin() {
            deliverCall(from: client, to: caller, endpoint: endpoint)
        } else {
            tasks[c].state = .blockedReceive
            tasks[c].blockedOn = endpoint.raw
            endpoints[e].receiver = caller
            refreshInheritance(caller)
            current = nil
        }
    }

    /// Sends the reply to the client being served; false (with the error set) if there is none.
    mutating func reply(_ caller: TaskID, message: UInt, length: Int) -> Bool {
        let c = caller.index
        guard let client = tasks[c].servingClient else {
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
        let k = client.index
        copyMessage(from: caller, message, to: client, tasks[k].replyAddress, length: min(length, tasks[k].replyCapacity))
        finish(client, Int64(length), 0)
        tasks[c].servingClient = nil
        refreshInheritance(caller)
        makeReady(client)
        return true
    }
}
