// The client: request frames, response matching by transaction/unit/function, exceptions, timeouts and
// retries on the caller's clock, and a round trip through the server over RTU and TCP.

import Testing
@testable import Fieldbus

@Suite struct ModbusClientTests {
    /// Sends `request` and returns the frame bytes.
    func send(_ client: inout ModbusClient, _ request: ModbusRequest, unit: UInt8, now: UInt64 = 0) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 260)
        let n = try out.withUnsafeMutableBytes { try client.send(request, unitId: unit, into: $0, nowNs: now) }
        return Array(out[0..<n])
    }

    /// What `receive` makes of a frame: the response's PDU bytes, nil when dropped, or the error.
    func receive(_ client: inout ModbusClient, _ frame: [UInt8]) -> Result<[UInt8]?, ModbusClientError> {
        frame.withUnsafeBytes { f in
            do throws(ModbusClientError) {
                guard let response = try client.receive(f) else { return .success(nil) }
                _ = response
                let pdu = client.framing == .tcp ? Array(frame[7...]) : Array(frame[1..<(frame.count - 2)])
                return .success(pdu)
            } catch {
                return .failure(error)
            }
        }
    }

    @Test func tcpRequestFrameAndTransactionIds() throws {
        var client = ModbusClient(framing: .tcp)
        client.nextTransactionId = 0xFFFF
        let frame = try send(&client, .readHoldingRegisters(address: 0x6B, count: 3), unit: 0x11)
        #expect(frame == tcpFrame(0xFFFF, 0x11, [0x03, 0x00, 0x6B, 0x00, 0x03]))
        #expect(throws: ModbusClientError.busy) { _ = try send(&client, .readCoils(address: 0, count: 1), unit: 1) }
        client.cancel()
        let next = try send(&client, .readCoils(address: 0, count: 1), unit: 1)
        #expect(next[0...1] == [0, 0])                       // the id wraps to 0
    }

    // @verifies SWR-MODBUS-CLIENT-1
    @Test func tcpMatchingByTransactionAndUnit() throws {
        var client = ModbusClient(framing: .tcp)
        client.nextTransactionId = 7
        _ = try send(&client, .readHoldingRegisters(address: 0, count: 2), unit: 5)
        let answer: [UInt8] = [0x03, 4, 0, 1, 0, 2]
        #expect(try receive(&client, tcpFrame(6, 5, answer)).get() == nil)     // a stale transaction
        #expect(client.lastDrop == .otherTransaction(6))
        #expect(try receive(&client, tcpFrame(7, 4, answer)).get() == nil)     // another unit
        #expect(client.lastDrop == .otherUnit(4))
        #expect(receive(&client, tcpFrame(7, 5, answer, protocolId: 1)) == .failure(.frame(.badProtocolId)))
        #expect(client.lastDrop == .damaged(.badProtocolId))
        #expect(client.pending != nil && client.droppedFrames == 3)
        #expect(try receive(&client, tcpFrame(7, 5, answer)).get() == answer)
        #expect(client.pending == nil)
        #expect(try receive(&client, tcpFrame(7, 5, answer)).get() == nil)     // nothing outstanding any more
        #expect(client.lastDrop == .nothingOutstanding)
    }

    // @verifies SWR-MODBUS-CLIENT-1
    @Test func responseMustAnswerTheRequest() throws {
        var client = ModbusClient(framing: .tcp)
        // Another function, a byte count for a different quantity, a different echo: unexpected, request over.
        _ = try send(&client, .readHoldingRegisters(address: 0, count: 2), unit: 1)
        #expect(receive(&client, tcpFrame(1, 1, [0x04, 4, 0, 1, 0, 2])) == .failure(.unexpectedResponse))
        #expect(client.pending == nil)
        _ = try send(&client, .readHoldingRegisters(address: 0, count: 2), unit: 1)
        #expect(receive(&client, tcpFrame(2, 1, [0x03, 2, 0, 1])) == .failure(.unexpectedResponse))
        _ = try send(&client, .writeSingleRegister(address: 9, value: 1), unit: 1)
        #expect(receive(&client, tcpFrame(3, 1, [0x06] + be([9, 2]))) == .failure(.unexpectedResponse))
        _ = try send(&client, .writeSingleRegister(address: 9, value: 1), unit: 1)
        #expect(receive(&client, tcpFrame(4, 1, [0x06] + be([9, 1]))) == .success([0x06] + be([9, 1])))
        // A byte count that disagrees with the PDU length is a damaged frame.
        _ = try send(&client, .readCoils(address: 0, count: 8), unit: 1)
        #expect(receive(&client, tcpFrame(5, 1, [0x01, 2, 0xFF])) == .failure(.frame(.truncated)))
    }

    // @verifies SWR-MODBUS-CLIENT-1
    @Test func exceptionResponses() throws {
        var client = ModbusClient(framing: .rtu)
        for code: UInt8 in [1, 2, 3, 4, 6, 0x0A, 0x0B] {
            _ = try send(&client, .readInputRegisters(address: 0, count: 1), unit: 3)
            let frame = rtuFrame(3, [0x84, code])
            let response = try frame.withUnsafeBytes { try client.receive($0) }
            let decoded = try #require(response)
            #expect(decoded.exception == ModbusException(rawValue: code))
            #expect(decoded.exception != nil)
        }
        // An exception for another function is not the answer.
        _ = try send(&client, .readInputRegisters(address: 0, count: 1), unit: 3)
        #expect(receive(&client, rtuFrame(3, [0x83, 2])) == .failure(.unexpectedResponse))
    }

    // @verifies SWR-MODBUS-CLIENT-1
    @Test func rtuMatchingAndBroadcast() throws {
        var client = ModbusClient(framing: .rtu)
        let frame = try send(&client, .readHoldingRegisters(address: 0, count: 10), unit: 1)
        #expect(frame == [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD])
        let answer = [UInt8(0x03), 20] + [UInt8](repeating: 0, count: 20)
        var bad = rtuFrame(1, answer)
        bad[5] ^= 0xFF
        #expect(receive(&client, bad) == .failure(.frame(.badCRC)))
        #expect(try receive(&client, rtuFrame(2, answer)).get() == nil)
        #expect(client.pending != nil && client.lastDrop == .otherUnit(2))
        #expect(try receive(&client, rtuFrame(1, answer)).get() == answer)
        // A broadcast leaves nothing to wait for.
        let broadcast = try send(&client, .writeSingleRegister(address: 1, value: 2), unit: 0)
        #expect(broadcast == rtuFrame(0, [0x06] + be([1, 2])))
        #expect(client.pending == nil && client.poll(nowNs: 0) == .idle)
    }

    // @verifies SWR-MODBUS-CLIENT-1
    @Test func timeoutsAndRetries() throws {
        var client = ModbusClient(framing: .tcp, timeoutNs: 1_000, retries: 2)
        #expect(client.poll(nowNs: 0) == .idle)
        _ = try send(&client, .readCoils(address: 0, count: 1), unit: 1, now: 10_000)
        #expect(client.poll(nowNs: 10_999) == .waiting(untilNs: 11_000))
        #expect(client.poll(nowNs: 11_000) == .resend)
        #expect(client.poll(nowNs: 11_500) == .waiting(untilNs: 12_000))
        #expect(client.poll(nowNs: 12_100) == .resend)
        #expect(client.poll(nowNs: 13_099) == .waiting(untilNs: 13_100))
        #expect(client.poll(nowNs: 13_100) == .timedOut)
        #expect(client.poll(nowNs: 13_200) == .idle)
        #expect(client.timeouts == 1 && client.resends == 2)
        // A late answer to the timed-out request is dropped.
        #expect(try receive(&client, tcpFrame(1, 1, [0x01, 1, 1])).get() == nil)
        // An answer within a retry ends the request with no timeout counted.
        _ = try send(&client, .readCoils(address: 0, count: 1), unit: 1, now: 20_000)
        #expect(client.poll(nowNs: 21_000) == .resend)
        #expect(try receive(&client, tcpFrame(2, 1, [0x01, 1, 1])).get() != nil)
        #expect(client.poll(nowNs: 30_000) == .idle && client.timeouts == 1)
    }

    /// Every function code from the client through the server and back, over both framings.
    @Test(arguments: [ModbusFraming.rtu, .tcp])
    func roundTripThroughServer(framing: ModbusFraming) throws {
        let f = ModbusFixture(unitId: 9)
        var client = ModbusClient(framing: framing)
        let F = ModbusFixture.self
        let values = be([5, 6]), bits: [UInt8] = [0b101]
        try values.withUnsafeBytes { v in
            try bits.withUnsafeBytes { b in
                let requests: [ModbusRequest] = [
                    .readCoils(address: F.coilStart, count: 3), .readDiscreteInputs(address: F.inputBitStart, count: 3),
                    .readHoldingRegisters(address: F.holdingStart, count: 2), .readInputRegisters(address: F.inputRegisterStart, count: 2),
                    .writeSingleCoil(address: F.coilStart, value: 0xFF00), .writeSingleRegister(address: F.holdingStart, value: 3),
                    .diagnostics(subFunction: 0, data: v), .diagnostics(subFunction: 0x0B, data: UnsafeRawBufferPointer(rebasing: v[0..<0])),
                    .writeMultipleCoils(address: F.coilStart, count: 3, bits: b),
                    .writeMultipleRegisters(address: F.holdingStart, count: 2, values: v),
                    .maskWriteRegister(address: F.holdingStart, andMask: 0xFF, orMask: 0x100),
                    .readWriteMultipleRegisters(readAddress: F.holdingStart, readCount: 2, writeAddress: F.holdingStart, writeCount: 2, values: v),
                    .readDeviceIdentification(code: .basic, objectId: 0),
                    .readHoldingRegisters(address: 0, count: 1),
                ]
                for request in requests {
                    var frame = try send(&client, request, unit: 9)
                    if case .diagnostics(0x0B, _) = request {   // a counter request carries 0x0000
                        frame = framing == .tcp ? tcpFrame(UInt16(frame[0]) << 8 | UInt16(frame[1]), 9, [0x08] + be([0x0B, 0]))
                                                : rtuFrame(9, [0x08] + be([0x0B, 0]))
                    }
                    let reply = framing == .tcp ? f.tcp(frame) : f.rtu(frame)
                    let response = try reply.withUnsafeBytes { try client.receive($0) }
                    let decoded = try #require(response)
                    if case .readHoldingRegisters(0, _) = request {
                        #expect(decoded.exception == .illegalDataAddress)
                    } else {
                        #expect(decoded.exception == nil, "\(request) -> \(decoded)")
                    }
                }
            }
        }
        #expect(Array(f.holding[0..<2]) == [5, 6])
        #expect(f.coils[0] && !f.coils[1] && f.coils[2])
    }
}

