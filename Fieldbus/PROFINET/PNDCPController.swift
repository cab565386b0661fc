// The controller's (engineering tool's) side of DCP (IEC 61158-6-10 §4.3): Identify requests (all, or filtered
// by NameOfStation), Get, Set of NameOfStation and IP suite, Signal and reset to factory; and the responses read
// back into a device's identity or a Set's block errors. What PRONETA, pnio-dcp and `orion pn discover` do.

/// What an Identify (or Get) response says about a device.
public struct PNDCPIdentity: Sendable, Equatable {
    public var mac: EthernetAddress
    public var name: PNFixedString<240>
    public var typeOfStation: PNFixedString<64>
    public var ip: PNIPSuite
    /// BlockInfo of the IP parameter (bit 0: set, bit 1: by DHCP, bit 7: conflict).
    public var ipInfo: UInt16
    public var vendorID: UInt16
    public var deviceID: UInt16
    public var deviceRole: UInt8
    public var instance: UInt16?
    /// Which of the blocks above the response had (the rest are defaults).
    public var hasName = false
    public var hasIP = false
    public var hasDeviceID = false

    public init(mac: EthernetAddress) {
        self.mac = mac
        name = PNFixedString()
        typeOfStation = PNFixedString()
        ip = PNIPSuite()
        ipInfo = 0
        vendorID = 0
        deviceID = 0
        deviceRole = 0
        instance = nil
    }
}

/// The result of one block of a Set, as the device answered it.
public struct PNDCPSetResult: Sendable, Equatable {
    public var option: UInt8
    public var suboption: UInt8
    public var error: PNDCPBlockError?
    /// The raw BlockError byte (for values this side does not name).
    public var code: UInt8
}

/// Builds DCP requests and reads DCP responses.
public enum PNDCPController {
    /// An Identify request to the multicast address: all devices (no `name`) or the one with NameOfStation
    /// `name`. `responseDelay` is the ResponseDelayFactor (devices spread their answers over
    /// 10 ms × (factor − 1)).
    public static func writeIdentify(into buffer: UnsafeMutableRawBufferPointer, source: EthernetAddress, xid: UInt32,
                                     responseDelay: UInt16 = 1, name: UnsafeRawBufferPointer? = nil) -> Int {
        var w = PNDCPFrameWriter(buffer: buffer, header: PNDCPHeader(
            destination: PNDCPWire.identifyMulticast, source: source, frameID: PNDCPWire.frameIdentifyRequest,
            serviceID: PNDCPWire.serviceIdentify, serviceType: PNDCPWire.typeRequest, xid: xid, responseDelay: responseDelay))
        if let name {
            if let o = w.block(option: PNDCPWire.optionDeviceProperties, suboption: PNDCPWire.subNameOfStation, length: name.count) {
                for i in 0..<name.count { buffer[o + i] = name[i] }
            }
        } else {
            _ = w.block(option: PNDCPWire.optionAll, suboption: PNDCPWire.subAll, length: 0)
        }
        return w.finish()
    }

    /// A Get request to `device` for the option/suboption pairs in `options` (high byte option, low suboption).
    public static func writeGet(into buffer: UnsafeMutableRawBufferPointer, source: EthernetAddress, device: EthernetAddress,
                                xid: UInt32, options: UnsafeBufferPointer<UInt16>) -> Int {
        var w = PNDCPFrameWriter(buffer: buffer, header: PNDCPHeader(
            destination: device, source: source, frameID: PNDCPWire.frameGetSet, serviceID: PNDCPWire.serviceGet,
            serviceType: PNDCPWire.typeRequest, xid: xid))
        for i in 0..<min(options.count, 64) { w.append16(options[i]) }
        return w.finish()
    }

    /// A Set request of NameOfStation (`permanent`: kept across power cycles).
    public static func writeSetName(into buffer: UnsafeMutableRawBufferPointer, source: EthernetAddress, device: EthernetAddress,
                                    xid: UInt32, name: UnsafeRawBufferPointer, permanent: Bool) -> Int {
        var w = setWriter(buffer, source, device, xid)
        w.block(option: PNDCPWire.optionDeviceProperties, suboption: PNDCPWire.subNameOfStation,
                prefix: permanent ? PNDCPWire.qualifierPermanent : 0, bytes: name)
        return w.finish()
    }

    /// A Set request of the IP parameter.
    public static func writeSetIP(into buffer: UnsafeMutableRawBufferPointer, source: EthernetAddress, device: EthernetAddress,
                                  xid: UInt32, ip: PNIPSuite, permanent: Bool) -> Int {
        var w = setWriter(buffer, source, device, xid)
        if let o = w.block(option: PNDCPWire.optionIP, suboption: PNDCPWire.subIPParameter, length: 14) {
            w.put16(permanent ? PNDCPWire.qualifierPermanent : 0, at: o)
            w.put32(ip.address, at: o + 2)
            w.put32(ip.netmask, at: o + 6)
            w.put32(ip.gateway, at: o + 10)
        }
        return w.finish()
    }

    /// A Set request of Control/Signal: the device flashes its LED.
    public static func writeSignal(into buffer: UnsafeMutableRawBufferPointer, source: EthernetAddress, device: EthernetAddress,
                                   xid: UInt32) -> Int {
        var w = setWriter(buffer, source, device, xid)
        w.block(option: PNDCPWire.optionControl, suboption: PNDCPWire.subControlSignal, prefix: 0, PNDCPWire.signalFlashOnce)
        return w.finish()
    }

    /// A Set request of Control/ResetToFactory with `mode` (BlockQualifier; 0x0004: communication parameters).
    public static func writeResetToFactory(into buffer: UnsafeMutableRawBufferPointer, source: EthernetAddress,
                                           device: EthernetAddress, xid: UInt32, mode: UInt16 = 0x0004) -> Int {
        var w = setWriter(buffer, source, device, xid)
        if let o = w.block(option: PNDCPWire.optionControl, suboption: PNDCPWire.subControlResetToFactory, length: 2) {
            w.put16(mode, at: o)
        }
        return w.finish()
    }

    private static func setWriter(_ buffer: UnsafeMutableRawBufferPointer, _ source: EthernetAddress,
                                  _ device: EthernetAddress, _ xid: UInt32) -> PNDCPFrameWriter {
        PNDCPFrameWriter(buffer: buffer, header: PNDCPHeader(
            destination: device, source: source, frameID: PNDCPWire.frameGetSet, serviceID: PNDCPWire.serviceSet,
            serviceType: PNDCPWire.typeRequest, xid: xid))
    }

    /// Reads an Identify or Get response to `xid` into the device's identity; nil for any other frame.
    public static func readIdentity(_ frame: UnsafeRawBufferPointer, xid: UInt32) throws(PNDCPFrameError) -> PNDCPIdentity? {
        var r = try PNDCPFrameReader(frame: frame)
        let h = r.header
        guard h.xid == xid, h.serviceType & 1 == 1,
              h.serviceID == PNDCPWire.serviceIdentify || h.serviceID == PNDCPWire.serviceGet else { return nil }
        var id = PNDCPIdentity(mac: h.source)
        while let b = try r.nextBlock() {
            guard b.length >= 2 else { continue }
            let info = pnRead16(frame, b.offset)
            let data = UnsafeRawBufferPointer(rebasing: frame[(b.offset + 2)..<(b.offset + b.length)])
            switch (b.option, b.suboption) {
            case (PNDCPWire.optionDeviceProperties, PNDCPWire.subNameOfStation):
                id.name.set(data.assumingMemoryBound(to: UInt8.self))
                id.hasName = true
            case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceVendor):
                id.typeOfStation.set(data.assumingMemoryBound(to: UInt8.self))
            case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceID) where data.count >= 4:
                id.vendorID = pnRead16(data, 0)
                id.deviceID = pnRead16(data, 2)
                id.hasDeviceID = true
            case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceRole) where data.count >= 1:
                id.deviceRole = data[0]
            case (PNDCPWire.optionDeviceProperties, PNDCPWire.subDeviceInstance) where data.count >= 2:
                id.instance = pnRead16(data, 0)
            case (PNDCPWire.optionIP, PNDCPWire.subIPParameter) where data.count >= 12,
                 (PNDCPWire.optionIP, PNDCPWire.subIPSuite) where data.count >= 12:
                id.ip = PNIPSuite(address: pnRead32(data, 0), netmask: pnRead32(data, 4), gateway: pnRead32(data, 8))
                id.ipInfo = info
                id.hasIP = true
            default:
                break
            }
        }
        return id
    }

    /// Reads a Set response to `xid` from `device`: the result of each block, through `result`; false when the
    /// frame is not that response.
    public static func readSetResponse(_ frame: UnsafeRawBufferPointer, xid: UInt32, device: EthernetAddress,
                                       result: (PNDCPSetResult) -> Void) throws(PNDCPFrameError) -> Bool {
        var r = try PNDCPFrameReader(frame: frame)
        let h = r.header
        guard h.xid == xid, h.source == device, h.serviceID == PNDCPWire.serviceSet, h.serviceType & 1 == 1 else { return false }
        while let b = try r.nextBlock() {
            guard b.option == PNDCPWire.optionControl, b.suboption == PNDCPWire.subControlResponse, b.length >= 3 else { continue }
            let code = frame[b.offset + 2]
            result(PNDCPSetResult(option: frame[b.offset], suboption: frame[b.offset + 1],
                                  error: PNDCPBlockError(rawValue: code), code: code))
        }
        return true
    }
}
