// The server: every function code's request and response, every exception at the protocol limits, broadcast,
// unit ids, diagnostics counters, device identification, and 1,000 random byte strings.

import Testing
@testable import Fieldbus
import Kernel

@Suite struct ModbusServerTests {
    typealias F = ModbusFixture

    /// Decodes a response PDU.
    func decoded<R>(_ bytes: [UInt8], _ body: (ModbusResponse) throws -> R) throws -> R {
        try bytes.withUnsafeBytes { try body(try ModbusResponse.decode($0)) }
    }

    // @verifies SWR-MODBUS-SERVER-1
    @Test func readFunctionsRoundTrip() throws {
        let f = F()
        f.coils[3] = true; f.coils[4] = true; f.coils[12] = true
        #expect(f.pdu(.readCoils(address: F.coilStart + 3, count: 10)) == [0x01, 2, 0b11, 0b10])
        // Input bits are set where the index is a multiple of 3: indices 0, 3, 6, 9 of the first 10.
        #expect(f.pdu(.readDiscreteInputs(address: F.inputBitStart, count: 10)) == [0x02, 2, 0b0100_1001, 0b10])
        #expect(f.pdu(.readHoldingRegisters(address: F.holdingStart + 1, count: 2)) == [0x03, 4, 0, 1, 0, 2])
        #expect(f.pdu(.readInputRegisters(address: F.inputRegisterStart, count: 1)) == [0x04, 2, 0x10, 0x00])
        try decoded(f.pdu(.readHoldingRegisters(address: F.holdingStart, count: 125))) {
            guard case .registers(.readHoldingRegisters, let bytes) = $0 else { Issue.record("\($0)"); return }
            #expect(bytes.count == 250 && bytes.modbusU16(248) == 124)
        }
        try decoded(f.pdu(.readCoils(address: F.coilStart, count: 2000))) {
            guard case .bits(.readCoils, let bytes) = $0 else { Issue.record("\($0)"); return }
            #expect(bytes.count == 250)
        }
    }

    // @verifies SWR-MODBUS-SERVER-1
    @Test func writeFunctionsRoundTrip() throws {
        let f = F()
        let coil = encode(.writeSingleCoil(address: F.coilStart + 1, value: 0xFF00))
        #expect(f.pdu(coil) == coil && f.coils[1])
        #expect(f.pdu(.writeSingleCoil(address: F.coilStart + 1, value: 0)) == coil[0..<3] + [0, 0] && !f.coils[1])
        let reg = encode(.writeSingleRegister(address: F.holdingStart + 5, value: 0xABCD))
        #expect(f.pdu(reg) == reg && f.holding[5] == 0xABCD)
        let bits: [UInt8] = [0b1010_0101, 0b1]
        let wc = bits.withUnsafeBytes { f.pdu(.writeMultipleCoils(address: F.coilStart + 8, count: 9, bits: $0)) }
        #expect(wc == [0x0F] + be([F.coilStart + 8, 9]))
        #expect((0..<9).map { f.coils[8 + $0] } == [true, false, true, false, false, true, false, true, true])
        let values = be([0x1111, 0x2222, 0x3333])
        let wr = values.withUnsafeBytes { f.pdu(.writeMultipleRegisters(address: F.holdingStart + 10, count: 3, values: $0)) }
        #expect(wr == [0x10] + be([F.holdingStart + 10, 3]))
        #expect(Array(f.holding[10..<13]) == [0x1111, 0x2222, 0x3333])
        // Mask write, the specification's example: 0x12 AND 0xF2 OR (0x25 AND NOT 0xF2) = 0x17.
        f.holding[4] = 0x12
        let mask = encode(.maskWriteRegister(address: F.holdingStart + 4, andMask: 0xF2, orMask: 0x25))
        #expect(f.pdu(mask) == mask && f.holding[4] == 0x17)
        // Read/write: the write happens first, so the read sees it.
        let rw = be([0xAAAA, 0xBBBB]).withUnsafeBytes {
            f.pdu(.readWriteMultipleRegisters(readAddress: F.holdingStart + 20, readCount: 3,
                                              writeAddress: F.holdingStart + 21, writeCount: 2, values: $0))
        }
        #expect(rw == [0x17, 6] + be([20, 0xAAAA, 0xBBBB]))
    }

    // @verifies SWR-MODBUS-SERVER-1
    @Test func exceptionsAtTheLimits() {
        let f = F()
        func ex(_ r: ModbusRequest) -> ModbusException? { exceptionOf(f.pdu(r), r.function.rawValue) }
        // Quantities: the limit passes, one more (and zero) is an illegal data value.
        #expect(ex(.readCoils(address: F.coilStart, count: 2000)) == nil)
        #expect(ex(.readCoils(address: F.coilStart, count: 2001)) == .illegalDataValue)
        #expect(ex(.readCoils(address: F.coilStart, count: 0)) == .illegalDataValue)
        #expect(ex(.readDiscreteInputs(address: F.inputBitStart, count: 2001)) == .illegalDataValue)
        #expect(ex(.readHoldingRegisters(address: F.holdingStart, count: 125)) == nil)
        #expect(ex(.readHoldingRegisters(address: F.holdingStart, count: 126)) == .illegalDataValue)
        #expect(ex(.readInputRegisters(address: F.inputRegisterStart, count: 126)) == .illegalDataValue)
        // The quantity is checked before the address, as libmodbus does.
        #expect(ex(.readHoldingRegisters(address: 0, count: 126)) == .illegalDataValue)
        let regs = [UInt8](repeating: 0, count: 248), coils = [UInt8](repeating: 0, count: 247)
        regs.withUnsafeBytes { r in
            #expect(ex(.writeMultipleRegisters(address: F.holdingStart, count: 123, values: UnsafeRawBufferPointer(rebasing: r[0..<246]))) == nil)
            #expect(ex(.writeMultipleRegisters(address: F.holdingStart, count: 124, values: UnsafeRawBufferPointer(rebasing: r[0..<246]))) == .illegalDataValue)
            #expect(ex(.readWriteMultipleRegisters(readAddress: F.holdingStart, readCount: 125, writeAddress: F.holdingStart,
                                                   writeCount: 121, values: UnsafeRawBufferPointer(rebasing: r[0..<242]))) == nil)
            #expect(ex(.readWriteMultipleRegisters(readAddress: F.holdingStart, readCount: 126, writeAddress: F.holdingStart,
                                                   writeCount: 1, values: UnsafeRawBufferPointer(rebasing: r[0..<2]))) == .illegalDataValue)
            #expect(ex(.readWriteMultipleRegisters(readAddress: F.holdingStart, readCount: 1, writeAddress: F.holdingStart,
                                                   writeCount: 122, values: UnsafeRawBufferPointer(rebasing: r[0..<242]))) == .illegalDataValue)
            // Byte count disagreeing with the quantity.
            #expect(ex(.writeMultipleRegisters(address: F.holdingStart, count: 2, values: UnsafeRawBufferPointer(rebasing: r[0..<2]))) == .illegalDataValue)
        }
        coils.withUnsafeBytes { c in
            #expect(ex(.writeMultipleCoils(address: F.coilStart, count: 1968, bits: UnsafeRawBufferPointer(rebasing: c[0..<246]))) == nil)
            #expect(ex(.writeMultipleCoils(address: F.coilStart, count: 1969, bits: c)) == .illegalDataValue)
            #expect(ex(.writeMultipleCoils(address: F.coilStart, count: 9, bits: UnsafeRawBufferPointer(rebasing: c[0..<1]))) == .illegalDataValue)
        }
        // Addresses: one past the end of each block, and one before its start.
        #expect(ex(.readCoils(address: F.coilStart + 1999, count: 2)) == .illegalDataAddress)
        #expect(ex(.readCoils(address: F.coilStart - 1, count: 1)) == .illegalDataAddress)
        #expect(ex(.readDiscreteInputs(address: F.inputBitStart + 2000, count: 1)) == .illegalDataAddress)
        #expect(ex(.readHoldingRegisters(address: F.holdingStart + 199, count: 2)) == .illegalDataAddress)
        #expect(ex(.readInputRegisters(address: F.inputRegisterStart + 200, count: 1)) == .illegalDataAddress)
        #expect(ex(.readInputRegisters(address: 0xFFFF, count: 125)) == .illegalDataAddress)
        #expect(ex(.writeSingleCoil(address: F.coilStart + 2000, value: 0xFF00)) == .illegalDataAddress)
        #expect(ex(.writeSingleRegister(address: F.holdingStart + 200, value: 1)) == .illegalDataAddress)
        #expect(ex(.maskWriteRegister(address: F.holdingStart + 200, andMask: 0, orMask: 0)) == .illegalDataAddress)
        be([1]).withUnsafeBytes { v in
            #expect(ex(.readWriteMultipleRegisters(readAddress: F.holdingStart + 200, readCount: 1, writeAddress: F.holdingStart,
                                                   writeCount: 1, values: v)) == .illegalDataAddress)
            #expect(ex(.readWriteMultipleRegisters(readAddress: F.holdingStart, readCount: 1, writeAddress: F.holdingStart + 200,
                                                   writeCount: 1, values: v)) == .illegalDataAddress)
            #expect(ex(.writeMultipleRegisters(address: F.holdingStart + 200, count: 1, values: v)) == .illegalDataAddress)
        }
        #expect(f.holding[0] == 0)   // the read/write with a bad read address wrote nothing
        // A coil value other than on/off.
        #expect(ex(.writeSingleCoil(address: F.coilStart, value: 0x1234)) == .illegalDataValue)
        // Unknown function codes, sub-functions and MEI types; bad device id codes and objects.
        #expect(exceptionOf(f.pdu([0x42]), 0x42) == .illegalFunction)
        #expect(exceptionOf(f.pdu([0x07]), 0x07) == .illegalFunction)
        #expect(exceptionOf(f.pdu([0x08, 0x00, 0x01, 0x00, 0x00]), 0x08) == .illegalFunction)
        #expect(exceptionOf(f.pdu([0x08, 0x00, 0x0B, 0x00, 0x01]), 0x08) == .illegalDataValue)
        #expect(exceptionOf(f.pdu([0x2B, 0x0D, 0x01, 0x00]), 0x2B) == .illegalFunction)
        #expect(exceptionOf(f.pdu([0x2B, 0x0E, 0x05, 0x00]), 0x2B) == .illegalDataValue)
        #expect(ex(.readDeviceIdentification(code: .individual, objectId: 0x05)) == .illegalDataAddress)
        // Truncated and overlong PDUs of known functions.
        #expect(exceptionOf(f.pdu([0x03, 0x00, 0x00, 0x00]), 0x03) == .illegalDataValue)
        #expect(exceptionOf(f.pdu([0x06, 0x01, 0x60, 0x00, 0x01, 0x00]), 0x06) == .illegalDataValue)
        #expect(f.server.counters.busExceptionErrors > 20)
    }

    struct FailingHooks: ModbusServerHooks {
        var error: ModbusException
        mutating func readBits(_ table: ModbusTable, address: UInt16, count: Int, into packed: UnsafeMutableRawBufferPointer) throws(ModbusException) { throw error }
        mutating func readRegisters(_ table: ModbusTable, address: UInt16, count: Int, into bigEndian: UnsafeMutableRawBufferPointer) throws(ModbusException) { throw error }
        mutating func writeCoils(address: UInt16, count: Int, packed: UnsafeRawBufferPointer) throws(ModbusException) { throw error }
        mutating func writeHoldingRegisters(address: UInt16, count: Int, bigEndian: UnsafeRawBufferPointer) throws(ModbusException) { throw error }
        func deviceIdentificationObject(_ id: UInt8) -> UnsafeRawBufferPointer? { nil }
    }

    // @verifies SWR-MODBUS-SERVER-1
    @Test func hookFailuresBecomeExceptions() {
        for error in [ModbusException.serverDeviceFailure, .serverDeviceBusy] {
            var server = ModbusServer(hooks: FailingHooks(error: error))
            var out = [UInt8](repeating: 0, count: 260)
            let n = encode(.readHoldingRegisters(address: 0, count: 1)).withUnsafeBytes { r in
                out.withUnsafeMutableBytes { server.handle(request: r, into: $0) }
            }
            #expect(Array(out[0..<n]) == [0x83, error.rawValue])
            #expect(server.counters.busExceptionErrors == 1)
            #expect(server.counters.serverBusy == (error == .serverDeviceBusy ? 1 : 0))
        }
        // A response buffer too small for any PDU gets a server device failure, not a trap.
        var server = ModbusServer(hooks: FailingHooks(error: .serverDeviceFailure))
        var small = [UInt8](repeating: 0, count: 4)
        let n = encode(.readHoldingRegisters(address: 0, count: 1)).withUnsafeBytes { r in
            small.withUnsafeMutableBytes { server.handle(request: r, into: $0) }
        }
        #expect(Array(small[0..<n]) == [0x83, 0x04])
    }

    // @verifies SWR-MODBUS-FRAME-1
    @Test func rtuAddressingBroadcastAndCounters() {
        let f = F(unitId: 17)
        let read = encode(.readHoldingRegisters(address: F.holdingStart, count: 1))
        #expect(f.rtu(rtuFrame(17, read)) == rtuFrame(17, [0x03, 2, 0, 0]))
        #expect(f.rtu(rtuFrame(18, read)).isEmpty)                 // another server's request
        var bad = rtuFrame(17, read)
        bad[2] ^= 1
        #expect(f.rtu(bad).isEmpty)                                // bad CRC: dropped, counted
        #expect(f.rtu([17, 3]).isEmpty)                            // too short: a bad frame
        // Broadcast: the write is carried out, nothing is sent back.
        #expect(f.rtu(rtuFrame(0, encode(.writeSingleRegister(address: F.holdingStart, value: 77)))).isEmpty)
        #expect(f.holding[0] == 77)
        #expect(f.rtu(rtuFrame(0, encode(.readHoldingRegisters(address: F.holdingStart, count: 200)))).isEmpty)
        #expect(f.server.counters.busExceptionErrors == 0)         // the broadcast's exception was not sent
        #expect(f.server.counters.badFrames == 1)
        // FC 8 reports what happened: 6 frames before this one, 1 CRC error, 0 exceptions, 3 requests for this server
        // and each counter request before it (this one included), 2 unanswered broadcasts.
        func counter(_ sub: UInt16) -> [UInt8] { f.rtu(rtuFrame(17, [0x08] + be([sub, 0]))) }
        #expect(counter(0x0B) == rtuFrame(17, [0x08] + be([0x0B, 7])))
        #expect(counter(0x0C) == rtuFrame(17, [0x08] + be([0x0C, 1])))
        #expect(counter(0x0D) == rtuFrame(17, [0x08] + be([0x0D, 0])))
        #expect(counter(0x0E) == rtuFrame(17, [0x08] + be([0x0E, 7])))
        #expect(counter(0x0F) == rtuFrame(17, [0x08] + be([0x0F, 2])))
        #expect(counter(0x10) == rtuFrame(17, [0x08] + be([0x10, 0])))
        #expect(counter(0x11) == rtuFrame(17, [0x08] + be([0x11, 0])))
        #expect(counter(0x12) == rtuFrame(17, [0x08] + be([0x12, 0])))
        // Echo, then clear.
        let echo = [0x08] + be([0x00, 0xA537, 0x1234])
        #expect(f.rtu(rtuFrame(17, echo)) == rtuFrame(17, echo))
        #expect(f.rtu(rtuFrame(17, [0x08] + be([0x0A, 0]))) == rtuFrame(17, [0x08] + be([0x0A, 0])))
        #expect(f.server.counters == ModbusCounters())
    }

    @Test func tcpUnitIdsAndMBAP() {
        let f = F(unitId: 17)
        let read = encode(.readInputRegisters(address: F.inputRegisterStart, count: 1))
        for unit: UInt8 in [17, 0xFF, 0, 42] {
            #expect(f.tcp(tcpFrame(0x1234, unit, read)) == tcpFrame(0x1234, unit, [0x04, 2, 0x10, 0x00]))
        }
        f.server.tcpAnswersAnyUnit = false
        #expect(f.tcp(tcpFrame(1, 42, read)).isEmpty)
        #expect(!f.tcp(tcpFrame(1, 0xFF, read)).isEmpty && !f.tcp(tcpFrame(1, 0, read)).isEmpty)
        #expect(f.tcp(tcpFrame(1, 17, read, protocolId: 1)).isEmpty)
        #expect(f.tcp(tcpFrame(1, 17, read, length: 300)).isEmpty)
        #expect(f.tcp(Array(tcpFrame(1, 17, read).dropLast())).isEmpty)
        #expect(f.server.counters.badFrames == 3)
    }

    struct ExtendedIdentity: ModbusServerHooks {
        static let long: StaticString = "012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        mutating func readBits(_ table: ModbusTable, address: UInt16, count: Int, into packed: UnsafeMutableRawBufferPointer) throws(ModbusException) {}
        mutating func readRegisters(_ table: ModbusTable, address: UInt16, count: Int, into bigEndian: UnsafeMutableRawBufferPointer) throws(ModbusException) {}
        mutating func writeCoils(address: UInt16, count: Int, packed: UnsafeRawBufferPointer) throws(ModbusException) {}
        mutating func writeHoldingRegisters(address: UInt16, count: Int, bigEndian: UnsafeRawBufferPointer) throws(ModbusException) {}
        func deviceIdentificationObject(_ id: UInt8) -> UnsafeRawBufferPointer? {
            id <= 2 || (0x80...0x83).contains(id) ? UnsafeRawBufferPointer(start: Self.long.utf8Start, count: id <= 2 ? 4 : 120) : nil
        }
    }

    @Test func deviceIdentification() throws {
        let f = F()
        try decoded(f.pdu(.readDeviceIdentification(code: .basic, objectId: 0))) {
            guard case .deviceIdentification(let id) = $0 else { Issue.record("\($0)"); return }
            #expect(id.objectCount == 3 && !id.moreFollows && id.conformityLevel == 0x82)
            #expect(id.object(0).map(Array.init) == Array("Orion".utf8))
            #expect(id.object(2).map(Array.init) == Array("2.3".utf8))
        }
        try decoded(f.pdu(.readDeviceIdentification(code: .regular, objectId: 0))) {
            guard case .deviceIdentification(let id) = $0 else { Issue.record("\($0)"); return }
            #expect(id.objectCount == 4 && id.object(4).map(Array.init) == Array("Orion Modbus".utf8))
        }
        // A stream starting at an object the device lacks starts over at 0.
        try decoded(f.pdu(.readDeviceIdentification(code: .basic, objectId: 0x40))) {
            guard case .deviceIdentification(let id) = $0 else { Issue.record("\($0)"); return }
            #expect(id.objectCount == 3)
        }
        try decoded(f.pdu(.readDeviceIdentification(code: .individual, objectId: 1))) {
            guard case .deviceIdentification(let id) = $0 else { Issue.record("\($0)"); return }
            #expect(id.objectCount == 1 && id.object(1).map(Array.init) == Array("OMB-1".utf8))
        }
        // Extended objects of 120 bytes: the response stops before 253 bytes and says where to go on.
        var server = ModbusServer(hooks: ExtendedIdentity())
        func ask(_ object: UInt8) throws -> ModbusDeviceIdentification? {
            var out = [UInt8](repeating: 0, count: 260)
            let n = encode(.readDeviceIdentification(code: .extended, objectId: object)).withUnsafeBytes { r in
                out.withUnsafeMutableBytes { server.handle(request: r, into: $0) }
            }
            #expect(n <= ModbusLimits.maxPDU)
            return try decoded(Array(out[0..<n])) { if case .deviceIdentification(let id) = $0 { id } else { nil } }
        }
        let first = try #require(try ask(0))
        #expect(first.conformityLevel == 0x83 && first.moreFollows && first.nextObjectId == 0x81 && first.objectCount == 4)
        let second = try #require(try ask(first.nextObjectId))
        #expect(second.moreFollows && second.nextObjectId == 0x83 && second.objectCount == 2)
        let third = try #require(try ask(second.nextObjectId))
        #expect(!third.moreFollows && third.objectCount == 1)
    }

    // @verifies SWR-MODBUS-SERVER-1
    // @verifies SWR-MODBUS-FRAME-1
    // @verifies SWR-MODBUS-FRAME-2
    @Test func randomBytesNeverTrap() throws {
        let f = F()
        var rng = SplitMix64(seed: 7)
        var answered = 0
        for i in 0..<1000 {
            let length = Int(rng.next() % 270)
            var bytes = rng.bytes(length)
            // Make some of them plausible: a known function code, a good CRC, a consistent MBAP length.
            if i % 4 == 0, !bytes.isEmpty { bytes[0] = [1, 2, 3, 4, 5, 6, 8, 15, 16, 22, 23, 43][i % 12] }
            let pdu = f.pdu(bytes)
            #expect(pdu.count >= 2 && pdu.count <= ModbusLimits.maxPDU)
            if bytes.isEmpty || bytes.count > 253 || ModbusFunction(rawValue: bytes[0]) == nil {
                #expect(exceptionOf(pdu, bytes.first ?? 0) != nil)
            }
            // Every answer decodes as a response.
            _ = try pdu.withUnsafeBytes { try ModbusResponse.decode($0) }
            let before = f.server.counters
            let frame = i % 2 == 0 ? rtuFrame(17, Array(bytes.prefix(253))) : bytes
            let rtu = f.rtu(frame)
            let after = f.server.counters
            if !rtu.isEmpty {
                answered += 1
                let address = try rtu.withUnsafeBytes { try ModbusRTU.decode($0).address }
                #expect(address == 17)
            } else {
                // Dropped frames are counted, or were not for this server.
                let dropped = after.busCommunicationErrors &+ after.badFrames &+ after.serverNoResponse
                    != before.busCommunicationErrors &+ before.badFrames &+ before.serverNoResponse
                #expect(dropped || frame.first != 17, "frame \(frame)")
            }
            #expect(after.busMessages == before.busMessages &+ 1)
            let tcp = f.tcp(i % 3 == 0 ? tcpFrame(UInt16(i), 1, Array(bytes.prefix(253))) : bytes)
            if !tcp.isEmpty {
                let tid = try tcp.withUnsafeBytes { try ModbusTCP.decode($0).transactionId }
                #expect(tid == UInt16(i))
            }
        }
        #expect(answered > 100)
        #expect(f.server.counters.busCommunicationErrors > 100 && f.server.counters.badFrames > 100)
    }
}
