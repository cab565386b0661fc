// A PROFINET IO device as one value: DCP (name, IP, identify), LLDP, and the connection manager with its AR and
// cyclic data. The platform (a Linux raw socket and UDP socket, a board's NIC with the portable IP layer) feeds it received frames
// and datagrams and calls `poll` at `nextDeadlineNs`; it answers through a `PNDeviceIO` the platform implements.
// Buffers the caller provides (static storage on a board, allocated once on Linux): nothing allocates, so the same
// code runs in `orion pn device` and in a board task.

import Kernel

/// How the device sends: the platform's raw Ethernet and UDP.
public protocol PNDeviceIO {
    /// Sends one Ethernet frame (header included, no FCS).
    mutating func sendFrame(_ frame: UnsafeRawBufferPointer)
    /// Sends one UDP datagram from the device's RPC port to `address`:`port`.
    mutating func sendUDP(to address: UInt32, port: UInt16, _ payload: UnsafeRawBufferPointer)
}

/// A PROFINET IO device.
public struct PNDevice {
    public var model: PNDeviceModel
    public var dcp: PNDCPDevice
    /// The connection manager and its AR.
    public var connection: PNConnection
    /// The Identify response waiting for its response delay (length 0: none).
    private let delayed: UnsafeMutableRawBufferPointer
    private var delayedLength = 0
    private var delayedDueNs: UInt64 = 0
    private let tx: UnsafeMutableRawBufferPointer
    /// When the next LLDP frame goes out (PROFINET: every 5 s; the first at the first poll).
    private var nextLLDPNs: UInt64 = 0
    /// Whether the device sends LLDP (a platform whose network already runs an LLDP agent turns it off).
    public var sendsLLDP = true

    /// Buffers the device keeps for its lifetime.
    public struct Buffers {
        /// The frame being answered (≥ 1514 bytes).
        public var tx: UnsafeMutableRawBufferPointer
        /// An Identify response waiting for its delay (≥ 1514 bytes).
        public var delayed: UnsafeMutableRawBufferPointer
        /// The input data of every submodule in model order, and the outputs (`PNConnection.imageSizes`).
        public var inputs: UnsafeMutableRawBufferPointer
        public var outputs: UnsafeMutableRawBufferPointer
        public init(tx: UnsafeMutableRawBufferPointer, delayed: UnsafeMutableRawBufferPointer,
                    inputs: UnsafeMutableRawBufferPointer, outputs: UnsafeMutableRawBufferPointer) {
            precondition(tx.count >= 1514 && delayed.count >= 1514)
            self.tx = tx
            self.delayed = delayed
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    public init(mac: EthernetAddress, model: PNDeviceModel, stored: PNDCPStoredState = PNDCPStoredState(), im: PNIMRecords = PNIMRecords(),
                buffers: Buffers) {
        self.model = model
        dcp = PNDCPDevice(mac: mac, model: model, stored: stored)
        let sizes = PNConnection.imageSizes(model)
        precondition(buffers.inputs.count >= sizes.input && buffers.outputs.count >= sizes.output)
        connection = PNConnection(inputImage: buffers.inputs, outputImage: buffers.outputs,
                                  seed: UInt64(mac.b2) << 24 | UInt64(mac.b3) << 16 | UInt64(mac.b4) << 8 | UInt64(mac.b5))
        tx = buffers.tx
        delayed = buffers.delayed
        connection.im = im
    }

    public var mac: EthernetAddress { dcp.mac }

    /// Handles one received Ethernet frame; what changed that the platform must act on (persist, blink, apply the
    /// IP address).
    public mutating func receiveFrame<IO: PNDeviceIO>(_ frame: UnsafeRawBufferPointer, nowNs: UInt64, io: inout IO) -> PNDCPEvents {
        if connection.receiveCyclic(frame, model: model, nowNs: nowNs) { return PNDCPEvents() }
        if connection.receiveAlarm(frame) {
            // A transport ACK the controller's DATA-PDU calls for goes out at once.
            sendAlarmFrames(nowNs: nowNs, io: &io)
            return PNDCPEvents()
        }
        dcp.inOperation = connection.state != .idle
        let outcome = dcp.handle(frame: frame, reply: tx)
        guard outcome.replyLength > 0 else { return outcome.events }
        // A new name or address is announced at once.
        if outcome.events.contains(.nameChanged) || outcome.events.contains(.ipChanged) { nextLLDPNs = nowNs }
        if outcome.delayNs == 0 {
            let n = outcome.replyLength
            io.sendFrame(UnsafeRawBufferPointer(rebasing: tx[0..<n]))
        } else {
            // One Identify response waits at a time; a newer Identify replaces an older one not yet answered.
            let n = outcome.replyLength
            for i in 0..<n { delayed[i] = tx[i] }
            delayedLength = n
            delayedDueNs = nowNs &+ outcome.delayNs
        }
        return outcome.events
    }

    /// Handles one RPC datagram from `address`:`port` (to the device's UDP port 34964). `.storageChanged` when a
    /// controller wrote I&M1–4 (`connection.im`: the platform stores them).
    @discardableResult
    public mutating func receiveUDP<IO: PNDeviceIO>(_ datagram: UnsafeRawBufferPointer, from address: UInt32, port: UInt16,
                                                    nowNs: UInt64, io: inout IO) -> PNDCPEvents {
        let n = connection.receiveRPC(datagram, from: address, port: port, model: model, mac: dcp.mac, nowNs: nowNs, reply: tx)
        if n > 0 { io.sendUDP(to: address, port: port, UnsafeRawBufferPointer(rebasing: tx[0..<n])) }
        poll(nowNs: nowNs, io: &io)
        guard connection.imChanged else { return PNDCPEvents() }
        connection.imChanged = false
        return PNDCPEvents.storageChanged.union(.imChanged)
    }

    /// Sends what is due at `nowNs`: a delayed Identify response, the ApplicationReady request, the input frame.
    public mutating func poll<IO: PNDeviceIO>(nowNs: UInt64, io: inout IO) {
        let ready = connection.applicationReadyRequest(nowNs: nowNs, model: model, into: tx)
        if ready > 0 { io.sendUDP(to: connection.controllerIP, port: 34964, UnsafeRawBufferPointer(rebasing: tx[0..<ready])) }
        let cyclic = connection.cyclicFrame(nowNs: nowNs, model: model, mac: dcp.mac, into: tx)
        if cyclic > 0 { io.sendFrame(UnsafeRawBufferPointer(rebasing: tx[0..<cyclic])) }
        sendAlarmFrames(nowNs: nowNs, io: &io)
        if sendsLLDP && nowNs >= nextLLDPNs {
            nextLLDPNs = nowNs &+ PNLLDP.intervalNs
            let n = PNLLDP.write(into: tx, mac: dcp.mac, name: dcp.name, address: dcp.ip.address)
            if n > 0 { io.sendFrame(UnsafeRawBufferPointer(rebasing: tx[0..<n])) }
        }
        if delayedLength > 0 && nowNs >= delayedDueNs {
            let n = delayedLength
            delayedLength = 0
            io.sendFrame(UnsafeRawBufferPointer(rebasing: delayed[0..<n]))
        }
    }

    /// Sends every alarm frame due (at most a few: one per priority and kind).
    private mutating func sendAlarmFrames<IO: PNDeviceIO>(nowNs: UInt64, io: inout IO) {
        var k = 0
        while k < 6 {
            let n = connection.alarmFrame(nowNs: nowNs, mac: dcp.mac, into: tx)
            if n == 0 { break }
            io.sendFrame(UnsafeRawBufferPointer(rebasing: tx[0..<n]))
            k += 1
        }
    }

    /// Queues an alarm of `alarmType` for the submodule at `slot`/`subslot` (its module and submodule idents from
    /// the model), with the item `usi` (a diagnosis USI takes `diagnosis`); false when there is no AR exchanging
    /// data, no such submodule, or the queue is full.
    // @implements SWR-PN-ALARM-1
    public mutating func raiseAlarm(_ alarmType: UInt16, slot: UInt16, subslot: UInt16, highPriority: Bool = false,
                                    usi: UInt16? = nil, diagnosis: PNChannelDiagnosis? = nil) -> Bool {
        guard let s = model.submodule(slot: slot, subslot: subslot) else { return false }
        let channel = diagnosis != nil && alarmType == PNAlarmType.diagnosis
        let alarm = PNAlarmNotification(highPriority: highPriority, alarmType: alarmType, api: s.api, slot: slot, subslot: subslot,
                                        moduleIdent: s.moduleIdent, submoduleIdent: s.submoduleIdent,
                                        specifier: PNAlarmSpecifier(sequenceNumber: 0, channelDiagnosis: channel, submoduleDiagnosis: channel,
                                                                    arDiagnosis: channel),
                                        usi: usi, diagnosis: diagnosis)
        return connection.raise(alarm)
    }

    /// Pulls the submodule at `slot`/`subslot` (its data is no longer exchanged, its IOPS bad) and tells the
    /// controller with a pull alarm; false when there is no AR exchanging data or it is pulled already.
    // @implements SWR-PN-ALARM-1
    public mutating func pull(slot: UInt16, subslot: UInt16) -> Bool {
        guard connection.state == .data, model.submodule(slot: slot, subslot: subslot) != nil,
              connection.setPulled(slot: slot, subslot: subslot, true) else { return false }
        return raiseAlarm(PNAlarmType.pull, slot: slot, subslot: subslot)
    }

    /// Plugs a pulled submodule back (its data exchanged again) with a plug alarm.
    // @implements SWR-PN-ALARM-1
    public mutating func plug(slot: UInt16, subslot: UInt16) -> Bool {
        guard connection.state == .data, connection.setPulled(slot: slot, subslot: subslot, false) else { return false }
        return raiseAlarm(PNAlarmType.plug, slot: slot, subslot: subslot)
    }

    /// When `poll` next has something to do (UInt64.max: nothing pending).
    public var nextDeadlineNs: UInt64 {
        // Two-argument min only: the variadic one builds an array, which a board's -no-allocations refuses.
        min(min(min(delayedLength > 0 ? delayedDueNs : UInt64.max, connection.nextDeadlineNs), sendsLLDP ? nextLLDPNs : UInt64.max),
            connection.nextAlarmDeadlineNs)
    }
}
