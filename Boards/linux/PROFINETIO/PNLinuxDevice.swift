// The portable PROFINET device (Fieldbus PNDevice) run on a Linux interface: frames from the raw socket, RPC
// datagrams from UDP port 34964, the device's timers at their deadlines; until the duration ends or SIGINT/SIGTERM.
// DCP's changes are applied here: an IP suite set by DCP becomes the interface's address (so the kernel's UDP
// answers RPC on it), and what must survive a restart goes to the caller's `persist`.

import CEtherCATIO
import Fieldbus

/// The platform side of the device on Linux.
struct PNLinuxIO: PNDeviceIO {
    let raw: PNRawSocket
    let udp: PNUDPSocket
    var framesSent: UInt64 = 0
    var sendErrors: UInt64 = 0

    mutating func sendFrame(_ frame: UnsafeRawBufferPointer) {
        if raw.send(frame) < 0 { sendErrors += 1 } else { framesSent += 1 }
    }

    mutating func sendUDP(to address: UInt32, port: UInt16, _ payload: UnsafeRawBufferPointer) {
        if udp.send(to: address, port: port, payload) < 0 { sendErrors += 1 }
    }
}

/// What a run of the device did, for the statistics at exit.
public struct PNLinuxDeviceStatistics: Sendable {
    public var dcp = PNDCPCounters()
    public var cm = PNCMCounters()
    public var framesReceived: UInt64 = 0
    public var framesSent: UInt64 = 0
    public var sendErrors: UInt64 = 0
    public var datagramsReceived: UInt64 = 0
    /// The last AR's alarm CR counters (nil when no controller connected).
    public var alarms: PNAlarmCounters?
    public var secondsRun: Double = 0
}

/// Runs a PROFINET device on a Linux interface.
public final class PNLinuxDevice {
    public let raw: PNRawSocket
    public let udp: PNUDPSocket
    public private(set) var device: PNDevice
    private let buffers: PNDevice.Buffers
    /// Stores what must survive a restart: the name and IP set permanently, I&M1–4.
    public var persist: (PNDCPStoredState, PNIMRecords) -> Void = { _, _ in }
    /// Called for every change DCP made (after the interface address was applied), e.g. to log it.
    public var onEvents: (PNDCPEvents, PNDevice) -> Void = { _, _ in }

    /// Opens `interface` and makes the device: its name and IP from `stored` (an IP suite not stored is taken from
    /// the interface's own address, so a device on a configured interface reports that).
    public init(interface: String, model: PNDeviceModel, stored: PNDCPStoredState, im: PNIMRecords = PNIMRecords()) throws(PNLinkError) {
        raw = try PNRawSocket(interface: interface)
        do {
            udp = try PNUDPSocket(interface: interface, port: 34964)
        } catch {
            raw.close()
            throw error
        }
        let sizes = PNConnection.imageSizes(model)
        buffers = PNDevice.Buffers(tx: .allocate(byteCount: 1514, alignment: 8), delayed: .allocate(byteCount: 1514, alignment: 8),
                                   inputs: .allocate(byteCount: max(1, sizes.input), alignment: 8),
                                   outputs: .allocate(byteCount: max(1, sizes.output), alignment: 8))
        buffers.inputs.initializeMemory(as: UInt8.self, repeating: 0)
        buffers.outputs.initializeMemory(as: UInt8.self, repeating: 0)
        device = PNDevice(mac: raw.mac, model: model, stored: stored, im: im, buffers: buffers)
        if stored.ip.isZero {
            if let current = PNInterfaceAddress.get(interface), current.address != 0 { device.dcp.adoptCurrentAddress(current) }
        } else {
            _ = PNInterfaceAddress.set(interface, stored.ip)
        }
    }

    /// Starts with NameOfStation `name` (not stored: what the device answers to until DCP sets another).
    public func adoptName(_ name: String) {
        Array(name.utf8).withUnsafeBytes { device.dcp.adoptName($0) }
    }

    /// Serves until `durationNs` passed (nil: until a stop signal).
    public func run(durationNs: UInt64?) -> PNLinuxDeviceStatistics {
        PNWait.catchStopSignals()
        var io = PNLinuxIO(raw: raw, udp: udp)
        var stats = PNLinuxDeviceStatistics()
        let start = PNWait.nowNs()
        let end = durationNs.map { start &+ $0 } ?? UInt64.max
        let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
        defer { frame.deallocate() }
        while !PNWait.stopRequested {
            let now = PNWait.nowNs()
            if now >= end { break }
            device.poll(nowNs: now, io: &io)
            let deadline = min(end, device.nextDeadlineNs)
            let ready = PNWait.readable([raw.fd, udp.fd], deadlineNs: deadline)
            if ready & 1 != 0 {
                // Everything queued, so a burst does not wait a poll round per frame.
                for _ in 0..<64 {
                    let n = raw.receive(into: frame)
                    if n <= 0 { break }
                    stats.framesReceived += 1
                    let events = device.receiveFrame(UnsafeRawBufferPointer(rebasing: frame[0..<Int(n)]), nowNs: PNWait.nowNs(), io: &io)
                    if !events.isEmpty { apply(events) }
                }
            }
            if ready & 2 != 0 {
                for _ in 0..<16 {
                    let (n, address, port) = udp.receive(into: frame)
                    if n == 0 { break }
                    guard n > 0 else { continue }
                    stats.datagramsReceived += 1
                    let events = device.receiveUDP(UnsafeRawBufferPointer(rebasing: frame[0..<Int(n)]), from: address, port: port,
                                                   nowNs: PNWait.nowNs(), io: &io)
                    if !events.isEmpty { apply(events) }
                    observe()  // each datagram may change the AR's state: none is missed
                }
            }
            observe()
        }
        stats.dcp = device.dcp.counters
        stats.cm = device.connection.counters
        stats.alarms = device.connection.alarms?.counters
        stats.framesSent = io.framesSent
        stats.sendErrors = io.sendErrors
        stats.secondsRun = Double(PNWait.nowNs() - start) / 1e9
        return stats
    }

    /// Called each round with the device: the platform's inputs (a counter, a script) and outputs (printed).
    public var onCycle: (inout PNDevice, UInt64) -> Void = { _, _ in }
    /// Called when the AR's state changes.
    public var onARChange: (PNDevice) -> Void = { _ in }
    private var lastState = PNARState.idle

    private func observe() {
        onCycle(&device, PNWait.nowNs())
        if device.connection.state != lastState {
            lastState = device.connection.state
            onARChange(device)
        }
    }

    private func apply(_ events: PNDCPEvents) {
        if events.contains(.ipChanged) { _ = PNInterfaceAddress.set(raw.interface, device.dcp.ip) }
        if events.contains(.storageChanged) { persist(device.dcp.stored, device.connection.im) }
        onEvents(events, device)
    }

    public func close() {
        raw.close()
        udp.close()
    }

    deinit {
        buffers.tx.deallocate()
        buffers.delayed.deallocate()
        buffers.inputs.deallocate()
        buffers.outputs.deallocate()
    }
}
