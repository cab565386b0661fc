// PROFINET DCP: NameOfStation rules, the frame reader's bounds, and the device's answers to Identify, Get and Set
// requests built by scapy (an independent implementation; Fixtures/pn_dcp_fixtures.py regenerates them).

import Testing
@testable import Fieldbus

private let deviceMAC = EthernetAddress(0x02, 0x00, 0x00, 0x00, 0x12, 0x34)
private let controllerMAC = EthernetAddress(0x02, 0x00, 0x00, 0x00, 0x00, 0xAA)

private func model() -> PNDeviceModel {
    var m = PNDeviceModel(vendorID: 0x0493, deviceID: 0x0002, typeOfStation: PNFixedString("orion-io"),
                          identification: PNIdentification(vendorID: 0x0493, orderID: PNFixedString("ORION-IO-1"), serialNumber: PNFixedString("0001")))
    try! m.add(PNSubmoduleSlot(slot: 1, subslot: 1, moduleIdent: 0x30, submoduleIdent: 0x130, inputLength: 1))
    return m
}

private func stored(name: String = "", ip: PNIPSuite = PNIPSuite()) -> PNDCPStoredState {
    var s = PNDCPStoredState(ip: ip)
    Array(name.utf8).withUnsafeBufferPointer { s.name.set($0) }
    return s
}

/// The device's reply to `frame` (empty when it does not answer) and what happened.
private func answer(_ device: inout PNDCPDevice, _ frame: [UInt8]) -> ([UInt8], PNDCPOutcome) {
    var reply = [UInt8](repeating: 0xEE, count: 1514)
    let outcome = frame.withUnsafeBytes { f in reply.withUnsafeMutableBytes { device.handle(frame: f, reply: $0) } }
    return (Array(reply[0..<outcome.replyLength]), outcome)
}

/// The blocks of a DCP frame as (option, suboption, data).
private func blocks(_ frame: [UInt8]) throws -> [(UInt8, UInt8, [UInt8])] {
    try frame.withUnsafeBytes { raw in
        var r = try PNDCPFrameReader(frame: raw)
        var out: [(UInt8, UInt8, [UInt8])] = []
        while let b = try r.nextBlock() { out.append((b.option, b.suboption, Array(raw[b.offset..<(b.offset + b.length)]))) }
        return out
    }
}

private func name(_ s: String) -> Bool { Array(s.utf8).withUnsafeBytes { PNStationName.isValid($0) } }

@Suite("PROFINET DCP")
struct PROFINETDCPTests {
    // @verifies SWR-PN-NAME-1
    @Test("NameOfStation rules: DNS labels, lower case, no port names, no IP form")
    func stationNames() {
        for good in ["", "a", "orion-dev", "plc-line-3.hall-2", "port-12", "port-123x", "port-1234", "x" + String(repeating: "a", count: 62),
                     String(repeating: "abcdefghi.", count: 23) + "abcdefghi", "1.2.3", "1.2.3.4.5", "device-1.2.3.4", "port-123-1234"] {
            #expect(name(good), "\(good) should be valid")
        }
        for bad in ["Orion", "orion_dev", "-orion", "orion-", "a..b", ".a", "a.", "a.-b", "a-.b", "port-123", "port-123-45678",
                    "port-000.plc", "192.168.0.1", "1.2.3.4", "xn--bcher-kva", "a b", "ä", String(repeating: "a", count: 64),
                    String(repeating: "abcdefghi.", count: 24) + "a"] {
            #expect(!name(bad), "\(bad) should be refused")
        }
    }

    // @verifies SWR-PN-DCP-1
    @Test("An Identify All is answered after the MAC's response delay with the device's identity")
    func identifyAll() throws {
        var device = PNDCPDevice(mac: deviceMAC, model: model(), stored: stored(name: "orion-dev", ip: PNIPSuite(address: 0xC0A8_4D14, netmask: 0xFFFF_FF00)))
        let (reply, outcome) = answer(&device, DCPFixtures.identifyAll)
        #expect(reply.count >= 60)
        // Response delay factor 0x80: (0x12 << 8 | 0x34) % 128 = 52 steps of 10 ms.
        #expect(outcome.delayNs == 52 * 10_000_000)
        #expect(Array(reply[0..<6]) == [0x02, 0x00, 0x00, 0x00, 0x00, 0xAA])
        #expect(Array(reply[6..<12]) == [0x02, 0x00, 0x00, 0x00, 0x12, 0x34])
        #expect(Array(reply[12..<18]) == [0x88, 0x92, 0xFE, 0xFF, 0x05, 0x01])
        #expect(Array(reply[18..<22]) == [0x00, 0x00, 0x10, 0x01])  // the request's Xid
        let b = try blocks(reply)
        let find = { (o: UInt8, s: UInt8) in b.first { $0.0 == o && $0.1 == s }?.2 }
        #expect(find(2, 2) == [0, 0] + Array("orion-dev".utf8))
        #expect(find(2, 1) == [0, 0] + Array("orion-io".utf8))
        #expect(find(2, 3) == [0, 0, 0x04, 0x93, 0x00, 0x02])
        #expect(find(2, 4) == [0, 0, 0x01, 0x00])
        #expect(find(1, 2) == [0, 1, 192, 168, 77, 20, 255, 255, 255, 0, 0, 0, 0, 0])
        #expect(device.counters.identifyAnswered == 1)
    }

    // @verifies SWR-PN-DCP-1
    @Test("An Identify filtered by name is answered only by the device of that name")
    func identifyByName() throws {
        var device = PNDCPDevice(mac: deviceMAC, model: model(), stored: stored(name: "orion-dev"))
        let (reply, outcome) = answer(&device, DCPFixtures.identifyByName)
        #expect(!reply.isEmpty)
        #expect(outcome.delayNs == 0)  // factor 1: no spread
        let (other, _) = answer(&device, DCPFixtures.identifyOtherName)
        #expect(other.isEmpty)
        #expect(device.counters.identifyAnswered == 1 && device.counters.identifyFiltered == 1)
    }

    // @verifies SWR-PN-DCP-1
    @Test("Set NameOfStation permanently: answered OK, the name is taken and must be stored")
    func setNamePermanent() throws {
        var device = PNDCPDevice(mac: deviceMAC, model: model(), stored: stored(name: "orion-dev"))
        let (reply, outcome) = answer(&device, DCPFixtures.setNamePermanent)
        let b = try blocks(reply)
        #expect(b.count == 1 && b[0].0 == 5 && b[0].1 == 4 && b[0].2 == [2, 2, 0])
        #expect(outcome.events.contains(.nameChanged) && outcome.events.contains(.storageChanged))
        #expect(device.name == stored(name: "plc-line-3").name)
        #expect(device.stored.name == stored(name: "plc-line-3").name)
    }

    // @verifies SWR-PN-DCP-1
    // @verifies SWR-PN-NAME-1
    @Test("Set of an invalid NameOfStation is refused with BlockError 3 and changes nothing")
    func setBadName() throws {
        var device = PNDCPDevice(mac: deviceMAC, model: model(), stored: stored(name: "orion-dev"))
        let (reply, outcome) = answer(&device, DCPFixtures.setBadName)
        let b = try blocks(reply)
        #expect(b.count == 1 && b[0].2 == [2, 2, 3])
        #expect(outcome.events.isEmpty)
        #expect(device.name == stored(name: "orion-dev").name)
        #expect(device.counters.setRefused == 1)
    }

    // @verifies SWR-PN-DCP-1
    @Test("Set IP temporarily: taken now, the stored suite stays empty")
    func setIPTemporary() throws {
        var device = PNDCPDevice(mac: deviceMAC, model: model())
        let (reply, outcome) = answer(&device, DCPFixtures.setIPTemporary)
        #expect(try blocks(reply).first?.2 == [1, 2, 0])
        #expect(outcome.events.contains(.ipChanged) && !outcome.events.contains(.storageChanged))
        #expect(device.ip == PNIPSuite(address: 0xC0A8_4D1E, netmask: 0xFFFF_FF00, gateway: 0xC0A8_4D01))
        #expect(device.stored.ip.isZero)
    }

    @Test("While a controller is connected, changing the name is refused (BlockError 6)")
    func inOperation() throws {
        var device = PNDCPDevice(mac: deviceMAC, model: model(), stored: stored(name: "orion-dev"))
        device.inOperation = true
        let (reply, _) = answer(&device, DCPFixtures.setNamePermanent)
        #expect(try blocks(reply).first?.2 == [2, 2, 6])
        #expect(device.name == stored(name: "orion-dev").name)
    }

    @Test("Get NameOfStation answers the name; a Get for another MAC is not answered")
    func get() throws {
        var device = PNDCPDevice(mac: deviceMAC, model: model(), stored: stored(name: "orion-dev"))
        let (reply, _) = answer(&device, DCPFixtures.getName)
        let b = try blocks(reply)
        #expect(b.count == 1 && b[0].0 == 2 && b[0].1 == 2 && b[0].2 == [0, 0] + Array("orion-dev".utf8))
        var other = PNDCPDevice(mac: EthernetAddress(0x02, 0, 0, 0, 0x99, 0x99), model: model())
        #expect(answer(&other, DCPFixtures.getName).0.isEmpty)
        #expect(other.counters.notOurs == 1)
    }

    @Test("Requests the controller side writes are read back by the device (round trip)")
    func controllerRequests() throws {
        var device = PNDCPDevice(mac: deviceMAC, model: model(), stored: stored(name: "orion-dev"))
        var frame = [UInt8](repeating: 0, count: 1514)
        let newName = Array("cell-7".utf8)
        let n = frame.withUnsafeMutableBytes { f in newName.withUnsafeBytes { PNDCPController.writeSetName(into: f, source: controllerMAC, device: deviceMAC, xid: 77, name: $0, permanent: false) } }
        let (reply, _) = answer(&device, Array(frame[0..<n]))
        var results: [PNDCPSetResult] = []
        let taken = try reply.withUnsafeBytes { try PNDCPController.readSetResponse($0, xid: 77, device: deviceMAC) { results.append($0) } }
        #expect(taken && results.count == 1 && results[0].error == PNDCPBlockError.none)
        let m = frame.withUnsafeMutableBytes { PNDCPController.writeIdentify(into: $0, source: controllerMAC, xid: 78, responseDelay: 1, name: nil) }
        let (identify, _) = answer(&device, Array(frame[0..<m]))
        let id = try identify.withUnsafeBytes { try PNDCPController.readIdentity($0, xid: 78) }
        #expect(id?.name == stored(name: "cell-7").name && id?.vendorID == 0x0493 && id?.deviceID == 0x0002 && id?.mac == deviceMAC)
        let s = frame.withUnsafeMutableBytes { PNDCPController.writeSignal(into: $0, source: controllerMAC, device: deviceMAC, xid: 79) }
        #expect(answer(&device, Array(frame[0..<s])).1.events.contains(.signal))
        let r = frame.withUnsafeMutableBytes { PNDCPController.writeResetToFactory(into: $0, source: controllerMAC, device: deviceMAC, xid: 80) }
        #expect(answer(&device, Array(frame[0..<r])).1.events.contains(.resetToFactory))
        #expect(device.name.count == 0 && device.ip.isZero)
    }

    // @verifies SWR-PN-DCP-1
    @Test("Truncated and inconsistent frames are counted as malformed and not answered")
    func malformed() {
        var device = PNDCPDevice(mac: deviceMAC, model: model(), stored: stored(name: "orion-dev"))
        let good = DCPFixtures.setNamePermanent
        var cases: [[UInt8]] = [Array(good[0..<20]), Array(good[0..<25])]
        var long = good
        long[24] = 0x05  // DCPDataLength 0x0510: past the frame
        cases.append(long)
        var block = good
        block[29] = 0x40  // block length 0x40: past DCPDataLength
        cases.append(block)
        var noBlocks = DCPFixtures.identifyAll
        noBlocks[25] = 0  // an Identify without even the AllSelector
        cases.append(noBlocks)
        for c in cases { #expect(answer(&device, c).0.isEmpty) }
        #expect(device.counters.malformed == 5)
        // Another EtherType is not DCP's business: not counted.
        var ip = good
        ip[12] = 0x08; ip[13] = 0x00
        #expect(answer(&device, ip).0.isEmpty)
        #expect(device.counters.malformed == 5)
    }

    @Test("IP suites: contiguous netmask, host address, gateway in the subnet")
    func ipSuites() {
        #expect(PNIPSuite().isValid)
        #expect(PNIPSuite(address: 0xC0A8_0102, netmask: 0xFFFF_FF00, gateway: 0xC0A8_0101).isValid)
        #expect(!PNIPSuite(address: 0xC0A8_0102, netmask: 0xFF00_FF00).isValid)  // not contiguous
        #expect(!PNIPSuite(address: 0xC0A8_0100, netmask: 0xFFFF_FF00).isValid)  // network address
        #expect(!PNIPSuite(address: 0xC0A8_01FF, netmask: 0xFFFF_FF00).isValid)  // broadcast
        #expect(!PNIPSuite(address: 0x7F00_0001, netmask: 0xFF00_0000).isValid)  // loopback
        #expect(!PNIPSuite(address: 0xC0A8_0102, netmask: 0xFFFF_FF00, gateway: 0x0A00_0001).isValid)  // gateway elsewhere
    }
}

/// Generated by Fixtures/pn_dcp_fixtures.py (scapy 2.7.0); do not edit by hand.
enum DCPFixtures {
    static let identifyAll: [UInt8] = [
        0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x88, 0x92, 0xfe, 0xfe,
        0x05, 0x00, 0x00, 0x00, 0x10, 0x01, 0x00, 0x80, 0x00, 0x04, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]
    static let identifyByName: [UInt8] = [
        0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x88, 0x92, 0xfe, 0xfe,
        0x05, 0x00, 0x00, 0x00, 0x10, 0x02, 0x00, 0x01, 0x00, 0x0d, 0x02, 0x02, 0x00, 0x09, 0x6f, 0x72,
        0x69, 0x6f, 0x6e, 0x2d, 0x64, 0x65, 0x76, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]
    static let identifyOtherName: [UInt8] = [
        0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x88, 0x92, 0xfe, 0xfe,
        0x05, 0x00, 0x00, 0x00, 0x10, 0x03, 0x00, 0x01, 0x00, 0x0d, 0x02, 0x02, 0x00, 0x09, 0x6f, 0x74,
        0x68, 0x65, 0x72, 0x2d, 0x64, 0x65, 0x76, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]
    static let setNamePermanent: [UInt8] = [
        0x02, 0x00, 0x00, 0x00, 0x12, 0x34, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x88, 0x92, 0xfe, 0xfd,
        0x04, 0x00, 0x00, 0x00, 0x10, 0x04, 0x00, 0x00, 0x00, 0x10, 0x02, 0x02, 0x00, 0x0c, 0x00, 0x01,
        0x70, 0x6c, 0x63, 0x2d, 0x6c, 0x69, 0x6e, 0x65, 0x2d, 0x33, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]
    static let setIPTemporary: [UInt8] = [
        0x02, 0x00, 0x00, 0x00, 0x12, 0x34, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x88, 0x92, 0xfe, 0xfd,
        0x04, 0x00, 0x00, 0x00, 0x10, 0x05, 0x00, 0x00, 0x00, 0x12, 0x01, 0x02, 0x00, 0x0e, 0x00, 0x00,
        0xc0, 0xa8, 0x4d, 0x1e, 0xff, 0xff, 0xff, 0x00, 0xc0, 0xa8, 0x4d, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]
    static let setBadName: [UInt8] = [
        0x02, 0x00, 0x00, 0x00, 0x12, 0x34, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x88, 0x92, 0xfe, 0xfd,
        0x04, 0x00, 0x00, 0x00, 0x10, 0x06, 0x00, 0x00, 0x00, 0x0e, 0x02, 0x02, 0x00, 0x0a, 0x00, 0x01,
        0x42, 0x61, 0x64, 0x5f, 0x4e, 0x61, 0x6d, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]
    static let getName: [UInt8] = [
        0x02, 0x00, 0x00, 0x00, 0x12, 0x34, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x88, 0x92, 0xfe, 0xfd,
        0x03, 0x00, 0x00, 0x00, 0x10, 0x07, 0x00, 0x00, 0x00, 0x02, 0x02, 0x02, 0x00, 0x00, 0x65, 0x74,
        0x32, 0x30, 0x30, 0x73, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]
}
