// Synchronous endpoints (seL4's endpoint.c): call, receive and reply, with the one copy from client to server
// and back, and priority inheritance through the server a caller waits on.

extension KernelState {
    // @implements SWR-KERN-IPC-1
    mutating func callEndpoint(_ caller: TaskID, slot: UInt64, message: UInt, length: Int, reply: UInt, replyCapacity: Int) {
        guard length >= 0, length <= ipcMessageLimit, replyCapacity >= 0 else {
            finish(caller, error: .badLength)
            return
        }
        guard let (endpoint, badge) = callableEndpoint(caller, slot: slot) else { return }
        guard userCanAccess(caller, message, length: length, .read),
              userCanAccess(caller, reply, length: min(replyCapacity, ipcMessageLimit), .write) else {
            finish(caller, error: .badAddress)
            return
        }
        let c = caller.index
        tasks[c].shortIPC = false
        tasks[c].bufferAddress = message
        tasks[c].bufferLength = length
        tasks[c].replyAddress = reply
        tasks[c].replyCapacity = min(replyCapacity, ipcMessageLimit)
        enterCall(caller, endpoint: endpoint, badge: badge)
    }

    /// `callShort`: a call whose message (at most `ipcShortMessageLimit` bytes) and reply are in registers.
    // @implements SWR-KERN-IPC-1
    mutating func callEndpoint(_ caller: TaskID, slot: UInt64, words: MessageWords, length: Int) {
        guard length >= 0, length <= ipcShortMessageLimit else {
            finish(caller, error: .badLength)
            return
        }
        guard let (endpoint, badge) = callableEndpoint(caller, slot: slot) else { return }
        let c = caller.index
        tasks[c].shortIPC = true
        tasks[c].shortWords = words.prefix(length)
        tasks[c].bufferAddress = 0
        tasks[c].bufferLength = length
        tasks[c].replyAddress = 0
        tasks[c].replyCapacity = ipcShortMessageLimit
        enterCall(caller, endpoint: endpoint, badge: badge)
    }

    /// The endpoint (and badge) `caller` may call through `slot`, or nil with the error set.
    mutating func callableEndpoint(_ caller: TaskID, slot: UInt64) -> (EndpointID, UInt64)? {
        guard let (endpoint, badge) = self.endpoint(caller, slot: slot, rights: .write) else { return nil }
        guard endpointCapabilityIsCurrent(caller, slot: slot, endpoint: endpoint) else {
            finish(caller, error: .serverRestarted)  // granted before the server's last generation ended
            return nil
        }
        return (endpoint, badge)
    }

    /// The call, its message and reply buffer recorded: hands it to a waiting server or queues the caller.
    mutating func enterCall(_ caller: TaskID, endpoint: EndpointID, badge: UInt64) {
        let c = caller.index
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

    /// Copies a caller's message into a server's receive buffer or registers (the one copy) and links them for
    /// the reply. Either side may be short (`shortIPC`): the message goes from registers or a buffer to
    /// registers or a buffer.
    mutating func deliverCall(from client: TaskID, to server: TaskID, endpoint: EndpointID) {
        let s = server.index
        let c = client.index
        let length = tasks[c].bufferLength
        let count = min(length, tasks[s].bufferLength)
        if tasks[s].shortIPC {
            let words = tasks[c].shortIPC ? tasks[c].shortWords.prefix(count) : wordsFromTask(client, tasks[c].bufferAddress, count: count)
            finish(server, Int64(length), tasks[c].callBadge, words: words)
        } else {
            if tasks[c].shortIPC {
                wordsToTask(server, tasks[s].bufferAddress, tasks[c].shortWords, count: count)
            } else {
                copyMessage(from: client, tasks[c].bufferAddress, to: server, tasks[s].bufferAddress, length: count)
            }
            finish(server, Int64(length), tasks[c].callBadge)
        }
        tasks[c].state = .blockedReply
        tasks[c].blockedOn = server.raw  // in blockedReply, the server the client waits for
        tasks[s].servingClient = client
        tasks[s].servedEndpoint = endpoint
        endpoints[endpoint.index].server = server
        refreshInheritance(server)
    }

    /// The first `count` bytes (at most `ipcShortMessageLimit`) of `task`'s memory at `address` (checked
    /// before) as a short message.
    mutating func wordsFromTask(_ task: TaskID, _ address: UInt, count: Int) -> MessageWords {
        var words = MessageWords()
        let n = min(count, ipcShortMessageLimit)
        withUnsafeMutableBytes(of: &words) { raw in copyFromUser(task, address, to: raw.baseAddress!, length: n) }
        return words
    }

    /// Writes the first `count` bytes (at most `ipcShortMessageLimit`) of a short message into `task`'s memory
    /// at `address` (checked before).
    mutating func wordsToTask(_ task: TaskID, _ address: UInt, _ words: MessageWords, count: Int) {
        var bytes = words
        let n = min(count, ipcShortMessageLimit)
        withUnsafeBytes(of: &bytes) { raw in copyToUser(task, from: raw.baseAddress!, to: address, length: n) }
    }

    /// `receive`, or `receiveShort` when `short` (the message arrives in registers; `buffer` and `capacity`
    /// are not used).
    mutating func receive(_ caller: TaskID, slot: UInt64, buffer: UInt, capacity: Int, short: Bool = false) {
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
        guard short || userCanAccess(caller, buffer, length: min(capacity, ipcMessageLimit), .write) else {
            finish(caller, error: .badAddress)
            return
        }
        tasks[c].shortIPC = short
        tasks[c].bufferAddress = short ? 0 : buffer
        tasks[c].bufferLength = short ? ipcShortMessageLimit : min(capacity, ipcMessageLimit)
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

    /// Sends the reply to the client being served — from `message` in the caller's memory, or from `short`
    /// (registers, at most `ipcShortMessageLimit` bytes) — into the client's reply buffer or registers; false
    /// (with the error set) if there is none.
    mutating func reply(_ caller: TaskID, message: UInt, length: Int, short: MessageWords? = nil) -> Bool {
        let c = caller.index
        guard let client = tasks[c].servingClient else {
            finish(caller, error: .noClient)
            return false
        }
        guard length >= 0, length <= (short == nil ? ipcMessageLimit : ipcShortMessageLimit) else {
            finish(caller, error: .badLength)
            return false
        }
        guard short != nil || userCanAccess(caller, message, length: length, .read) else {
            finish(caller, error: .badAddress)
            return false
        }
        let k = client.index
        let count = min(length, tasks[k].replyCapacity)
        if tasks[k].shortIPC {
            let words = short.map { $0.prefix(count) } ?? wordsFromTask(caller, message, count: count)
            finish(client, Int64(length), 0, words: words)
        } else {
            if let words = short {
                wordsToTask(client, tasks[k].replyAddress, words, count: count)
            } else {
                copyMessage(from: caller, message, to: client, tasks[k].replyAddress, length: count)
            }
            finish(client, Int64(length), 0)
        }
        tasks[c].servingClient = nil
        refreshInheritance(caller)
        makeReady(client)
        return true
    }
}
