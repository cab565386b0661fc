// The device's side of DCP (IEC 61158-6-10 §4.3, CMINA): answers Identify requests whose filters all match
// (after the response delay the spread of its MAC address gives), Get requests, and Set requests for
// NameOfStation, the IP suite (temporary or permanent), Signal (blink) and reset to factory. What must outlive a
// restart is not stored here: `handle` reports it as events, and the caller (a file on Linux, flash on a board)
// persists it. Frames that do not parse are counted and dropped.

import Kernel

/// What a handled frame changed, for the caller to act on (persist, blink, apply the address to the interface).
/// `BitFlags`, not OptionSet, whose array literal allocates.
public struct PNDCPEvents: BitFlags, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// The NameOfStation changed.
    public static let nameChanged = PNDCPEvents(rawValue: 1 << 0)
    /// The IP suite changed.
    public static let ipChanged = PNDCPEvents(rawValue: 1 << 1)
    /// What must survive a restart changed (a permanent Set, or a temporary Set that clears a stored value, or a
    /// reset): the caller writes `PNDCPDevice.stored` to its storage.
    public static let storageChanged = PNDCPEvents(rawValue: 1 << 2)
    /// Signal: flash the LED (1 Hz for 3 s).
    public static let signal = PNDCPEvents(rawValue: 1 << 3)
    /// Reset to factory: the device dropped its name and IP; the caller also resets application data.
    public static let resetToFactory = PNDCPEvents(rawValue: 1 << 4)
    /// A controller wrote I&M1–4 (with `storageChanged`: not a DCP event, but kept the same way).
    public static let imChanged = PNDCPEvents(rawValue: 1 << 5)
}

/// What the device keeps across restarts (PROFINET's "remanent" NameOfStation and IP suite).
public struct PNDCPStoredState: Sendable, Equatable {
    public var name: PNFixedString<240>
    public var ip: PNIPSuite

    public init(name: PNFixedString<240> = PNFixedString(), ip: PNIPSuite = PNIPSuite()) {
        self.name = name
        self.ip = ip
    }
}

/// Counters of the DCP responder.
public struct PNDCPCounters: Sendable, Equatable {
    public var identifyAnswered: UInt64 = 0
    /// Identify requests whose filter did not match this device (not an error).
    public var identifyFiltered: UInt64 = 0
    public var getAnswered: UInt64 = 0
    public var setAnswered: UInt64 = 0
    /// Set requests with a block refused (bad name, bad IP suite, unsupported option).
    public var setRefused: UInt64 = 0
    /// DCP frames that did not parse, or with a service or frame ID that makes no sense here: dropped.
    public var malformed: UInt64 = 0
    /// Get/Set requests to another MAC address, responses of other devices: not ours.
    public var notOurs: UInt64 = 0
    public init() {}
}

/// What `PNDCPDevice.handle` decided for one frame.
public struct PNDCPOutcome: Sendable {
    /// Length of the reply frame written into the reply buffer; 0: nothing to send.
    public var replyLength: Int = 0
    /// Send the reply this much later (Identify responses are spread; everything else 0).
    public var delayNs: UInt64 = 0
    public var events = PNDCPEvents()
    public init() {}
}

/// A device's DCP state and responder.
public struct PNDCPDevice: Sendable {
    public let mac: EthernetAddress
    public var vendorID: UInt16
    public var deviceID: UInt16
    public var deviceRole: UInt8
    public var instance: UInt16
    public var typeOfStation: PNFixedString<64>
    /// The name the device answers to now (temporary or permanent).
    public private(set) var name: PNFixedString<240>
    public private(set) var ip: PNIPSuite
    /// What is kept across restarts.
    public private(set) var stored: PNDCPStoredState
    /// While an AR is established, Set of the name or IP suite is refused (BlockError 6, in operation), unless
    /// the value stays the same.
    public var inOperation = false
    public private(set) var counters = PNDCPCounters()

    /// A device with `model`'s identity, starting from what storage kept.
    public init(mac: EthernetAddress, model: PNDeviceModel, stored: PNDCPStoredState = PNDCPStoredState()) {
        self.mac = mac
        vendorID = model.vendorID
        deviceID = model.deviceID
        deviceRole = model.deviceRole
        instance = model.instance
        typeOfStation = model.typeOfStation
        self.stored = stored
        name = stored.name
        ip = stored.ip
    }

    /// Takes `suite` as the current IP suite without storing it: the address the platform already has (a Linux
    /// interface configured with `ip addr`), reported until DCP sets another.
    public mutating func adoptCurrentAddress(_ suite: PNIPSuite) {
        if suite.isValid { ip = suite }
    }

    /// Takes `name` as the current NameOfStation without storing it (a name the platform starts with when none was
    /// set permanently); an invalid name is not taken.
    public mutating func adoptName(_ name: UnsafeRawBufferPointer) {
        guard PNStationName.isValid(name) else { return }
        self.name.set(name.assumingMemoryBound(to: UInt8.self))
    }

    /// The response delay of an Identify with ResponseDelayFactor `factor`: 10 ms times the MAC's last two bytes
    /// modulo the factor (0 for a factor of 0, 1 or above 6400).
    public func responseDelayNs(factor: UInt16) -> UInt64 {
        guard factor > 1 && factor <= 6400 else { return 0 }
        let spread = (UInt64(mac.b4) << 8 | UInt64(mac.b5)) % UInt64(factor)
        return spread * 10_000_000
    }

    /// Handles one received frame (any EtherType: non-DCP frames are returned untouched with no reply); a reply
    /// goes into `reply` (≥ 1514 bytes).
    public mutating func handle(frame: UnsafeRawBufferPointer, reply: UnsafeMutableRawBufferPointer) -> PNDCPOutcome {
        var outcome = PNDCPOutcome()
        let reader: PNDCPFrameReader
        do throws(PNDCPFrameError) {
            reader = try PNDCPFrameReader(frame: frame)
        } catch {
            switch error {
            case .notPROFINET, .notDCP: break
            default: counters.malformed += 1
            }
            return outcome
        }
        let h = reader.header
        guard h.isRequest else {
            if h.frameID == PNDCPWire.frameIdentifyResponse || h.serviceType & 1 == 1 { counters.notOurs += 1 } else { counters.malformed += 1 }
            return outcome
        }
        switch (h.frameID, h.serviceID) {
        case (PNDCPWire.frameIdentifyRequest, PNDCPWire.serviceIdentify):
            guard h.destination == PNDCPWire.identifyMulticast || h.destination == mac else {
                counters.notOurs += 1
                return outcome
            }
            identify(reader, reply: reply, outcome: &outcome)
        case (PNDCPWire.frameGetSet, PNDCPWire.serviceGet), (PNDCPWire.frameGetSet, PNDCPWire.serviceSet):
            guard h.destination == mac else {
                counters.notOurs += 1
                return outcome
            }
            if h.serviceID == PNDCPWire.serviceGet { get(reader, reply: reply, outcome: &outcome) } else { set(reader, reply: reply, outcome: &outcome) }
        case (PNDCPWire.frameHello, _):
            counters.notOurs += 1  // another device's Hello
        case (PNDCPWire.frameGetSet, _):
            // A service this device does not offer on Get/Set: answered "not supported".
            var w = PNDCPFrameWriter(buffer: reply, header: responseHeader(h, type: PNDCPWire.typeResponseNotSupported))
            outcome.replyLength = w.finish()
        default:
            counters.malformed += 1
        }
        return outcome
    }

    private func responseHeader(_ request: PNDCPHeader, frameID: UInt16? = nil, type: UInt8 = PNDCPWire.typeResponseSuccess) -> PNDCPHeader {
        PNDCPHeader(destination: request.source, source: mac, frameID: frameID ?? request.frameID,
                    serviceID: request.serviceID, serviceType: type, xid: request.xid)
    }

    // MARK: Identify

    private mutating func identify(_ r: PNDCPFrameReader, reply: UnsafeMutableRawBufferPointer, outcome: inout PNDCPOutcome) {
        var reader = r
        var filters = 0
        do throws(PNDCPFrameError) {
            while let b = try reader.nextBlock() {
                filters += 1
                if !matches(b, in: reader.frame) {
                    counters.identifyFiltered += 1
                    return
                }
            }
        } catch {
            counters.malformed += 1
            return
        }
        guard filters > 0 else {
            counters.malformed += 1  // an Identify carries at least the AllSelector
            return
        }
        var w = PNDCPFrameWriter(buffer: reply, header: responseHeader(r.header, frameID: PNDCPWire.frameIdentifyResponse))
        writeAll(&w)
        outcome.replyLength = w.finish()
        outcome.delayNs = responseDelayNs(factor: r.header.responseDelay)
        counters.identifyAnswered += 1
    }

    /// Whether one Identify filter block matches this device (IEC 61158-6-10: every filter must match).
    private func matches(_ b: PNDCPBlock, in f: UnsafeRawBufferPointer) -> Bool {
        let data = UnsafeRawBufferPointer(rebasing: f[b.offset..<(b.offset + b.length)])
        switch (b.option, b.suboption) {
        case (PNDCPWire.optionAll, PNDCPWire.subAll): return true
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subNameOfStation):
            return equal(data, name)
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subAliasName):
            return false  // no LLDP neighbourhood alias yet: an alias never names this device
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceVendor):
            return equal(data, typeOfStation)
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceID):
            return data.count == 4 && pnRead16(data, 0) == vendorID && pnRead16(data, 2) == deviceID
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceRole):
            return data.count >= 1 && data[0] & deviceRole != 0
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceInstance):
            return data.count == 2 && pnRead16(data, 0) == instance
        case (PNDCPWire.optionIP, PNDCPWire.subIPParameter):
            return data.count == 12 && pnRead32(data, 0) == ip.address && pnRead32(data, 4) == ip.netmask
                && pnRead32(data, 8) == ip.gateway
        default:
            return false  // a filter for something this device does not have
        }
    }

    private func equal<let n: Int>(_ data: UnsafeRawBufferPointer, _ s: PNFixedString<n>) -> Bool {
        guard data.count == s.count else { return false }
        for i in 0..<s.count where data[i] != s.bytes[i] { return false }
        return true
    }

    /// The blocks of an Identify response (and of a Get of All): what p-net and Siemens devices send.
    private func writeAll(_ w: inout PNDCPFrameWriter) {
        write(&w, PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceVendor)
        write(&w, PNDCPWire.optionDeviceProperties, PNDCPWire.subNameOfStation)
        write(&w, PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceID)
        write(&w, PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceRole)
        write(&w, PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceOptions)
        write(&w, PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceInstance)
        write(&w, PNDCPWire.optionIP, PNDCPWire.subIPParameter)
    }

    /// Writes the response block of one option/suboption; false when this device has no such data.
    @discardableResult
    private func write(_ w: inout PNDCPFrameWriter, _ option: UInt8, _ sub: UInt8) -> Bool {
        switch (option, sub) {
        case (PNDCPWire.optionIP, PNDCPWire.subIPMAC):
            guard let o = w.block(option: option, suboption: sub, length: 8) else { return true }
            w.put16(0, at: o)
            mac.write(w.buffer, at: o + 2)
        case (PNDCPWire.optionIP, PNDCPWire.subIPParameter):
            guard let o = w.block(option: option, suboption: sub, length: 14) else { return true }
            w.put16(ip.address != 0 ? PNDCPWire.ipInfoSet : 0, at: o)
            w.put32(ip.address, at: o + 2)
            w.put32(ip.netmask, at: o + 6)
            w.put32(ip.gateway, at: o + 10)
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceVendor):
            writeString(&w, option, sub, typeOfStation)
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subNameOfStation):
            writeString(&w, option, sub, name)
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceID):
            w.block(option: option, suboption: sub, prefix: 0, vendorID, deviceID)
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceRole):
            w.block(option: option, suboption: sub, prefix: 0, UInt16(deviceRole) << 8)
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceInstance):
            w.block(option: option, suboption: sub, prefix: 0, instance)
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceOptions):
            // The option/suboption pairs this device supports.
            let pairs: InlineArray<13, UInt16> = [
                0x0101, 0x0102, 0x0201, 0x0202, 0x0203, 0x0204, 0x0205, 0x0207, 0x0501, 0x0502, 0x0503, 0x0504, 0x0506,
            ]
            guard let o = w.block(option: option, suboption: sub, length: 2 + 2 * pairs.count) else { return true }
            w.put16(0, at: o)
            for i in 0..<pairs.count { w.put16(pairs[i], at: o + 2 + 2 * i) }
        default:
            return false
        }
        return true
    }

    private func writeString<let n: Int>(_ w: inout PNDCPFrameWriter, _ option: UInt8, _ sub: UInt8, _ s: PNFixedString<n>) {
        guard let o = w.block(option: option, suboption: sub, length: 2 + s.count) else { return }
        w.put16(0, at: o)
        for i in 0..<s.count { w.buffer[o + 2 + i] = s.bytes[i] }
    }

    // MARK: Get

    private mutating func get(_ r: PNDCPFrameReader, reply: UnsafeMutableRawBufferPointer, outcome: inout PNDCPOutcome) {
        var w = PNDCPFrameWriter(buffer: reply, header: responseHeader(r.header))
        do throws(PNDCPFrameError) {
            // A Get request's data is a list of option/suboption pairs (2 bytes each), not blocks.
            var o = r.header.dataOffset
            let end = o + r.header.dataLength
            guard r.header.dataLength & 1 == 0 else { throw .truncatedBlock(offset: o) }
            while o + 2 <= end {
                let option = r.frame[o], sub = r.frame[o + 1]
                if option == PNDCPWire.optionAll && sub == PNDCPWire.subAll {
                    writeAll(&w)
                } else if !write(&w, option, sub) {
                    // Not there: a Control/Response block with the error.
                    if let d = w.block(option: PNDCPWire.optionControl, suboption: PNDCPWire.subControlResponse, length: 3) {
                        w.buffer[d] = option
                        w.buffer[d + 1] = sub
                        w.buffer[d + 2] = knownOption(option) ? PNDCPBlockError.suboptionNotSupported.rawValue : PNDCPBlockError.optionNotSupported.rawValue
                    }
                }
                o += 2
            }
        } catch {
            counters.malformed += 1
            return
        }
        outcome.replyLength = w.finish()
        counters.getAnswered += 1
    }

    private func knownOption(_ option: UInt8) -> Bool {
        option == PNDCPWire.optionIP || option == PNDCPWire.optionDeviceProperties || option == PNDCPWire.optionControl
    }

    // MARK: Set

    private mutating func set(_ r: PNDCPFrameReader, reply: UnsafeMutableRawBufferPointer, outcome: inout PNDCPOutcome) {
        var reader = r
        var w = PNDCPFrameWriter(buffer: reply, header: responseHeader(r.header))
        var refused = false
        do throws(PNDCPFrameError) {
            while let b = try reader.nextBlock() {
                let error = apply(b, in: r.frame, events: &outcome.events)
                if error != .none { refused = true }
                if let d = w.block(option: PNDCPWire.optionControl, suboption: PNDCPWire.subControlResponse, length: 3) {
                    w.buffer[d] = b.option
                    w.buffer[d + 1] = b.suboption
                    w.buffer[d + 2] = error.rawValue
                }
            }
        } catch {
            counters.malformed += 1
            return
        }
        outcome.replyLength = w.finish()
        counters.setAnswered += 1
        if refused { counters.setRefused += 1 }
    }

    /// Applies one Set block; its BlockError.
    private mutating func apply(_ b: PNDCPBlock, in f: UnsafeRawBufferPointer, events: inout PNDCPEvents) -> PNDCPBlockError {
        guard b.length >= 2 else { return .suboptionNotSet }
        let qualifier = pnRead16(f, b.offset)
        let permanent = qualifier & PNDCPWire.qualifierPermanent != 0
        let value = UnsafeRawBufferPointer(rebasing: f[(b.offset + 2)..<(b.offset + b.length)])
        switch (b.option, b.suboption) {
        case (PNDCPWire.optionDeviceProperties, PNDCPWire.subNameOfStation):
            guard PNStationName.isValid(value) else { return .suboptionNotSet }
            var new = PNFixedString<240>()
            new.set(value.assumingMemoryBound(to: UInt8.self))
            if inOperation && new != name { return .setNotPossibleInOperation }
            if new != name { events = events.union(.nameChanged) }
            name = new
            let keep = permanent ? new : PNFixedString<240>()
            if keep != stored.name {
                stored.name = keep
                events = events.union(.storageChanged)
            }
            return .none
        case (PNDCPWire.optionIP, PNDCPWire.subIPParameter), (PNDCPWire.optionIP, PNDCPWire.subIPSuite):
            // The IP suite (3/3) carries DNS servers after the parameter; only the parameter is taken.
            guard value.count >= 12 else { return .suboptionNotSet }
            let new = PNIPSuite(address: pnRead32(value, 0), netmask: pnRead32(value, 4), gateway: pnRead32(value, 8))
            guard new.isValid else { return .suboptionNotSet }
            if inOperation && new != ip { return .setNotPossibleInOperation }
            if new != ip { events = events.union(.ipChanged) }
            ip = new
            let keep = permanent ? new : PNIPSuite()
            if keep != stored.ip {
                stored.ip = keep
                events = events.union(.storageChanged)
            }
            return .none
        case (PNDCPWire.optionControl, PNDCPWire.subControlSignal):
            guard value.count == 2 else { return .suboptionNotSet }
            guard pnRead16(value, 0) == PNDCPWire.signalFlashOnce else { return .suboptionNotSet }
            events = events.union(.signal)
            return .none
        case (PNDCPWire.optionControl, PNDCPWire.subControlStart), (PNDCPWire.optionControl, PNDCPWire.subControlStop):
            return .none  // the brackets around a multi-block Set: nothing to do
        case (PNDCPWire.optionControl, PNDCPWire.subControlFactoryReset), (PNDCPWire.optionControl, PNDCPWire.subControlResetToFactory):
            if inOperation { return .setNotPossibleInOperation }
            if name.count != 0 || !ip.isZero { events = events.union(.nameChanged).union(.ipChanged) }
            name = PNFixedString()
            ip = PNIPSuite()
            stored = PNDCPStoredState()
            events = events.union(.storageChanged).union(.resetToFactory)
            return .none
        case (PNDCPWire.optionIP, _), (PNDCPWire.optionDeviceProperties, _), (PNDCPWire.optionControl, _):
            return .suboptionNotSupported
        default:
            return .optionNotSupported
        }
    }
}
