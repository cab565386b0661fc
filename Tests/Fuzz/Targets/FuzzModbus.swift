// Fuzz targets of the portable Modbus stack: the server's RTU and TCP framing and the client's matching of
// responses to requests.

import Fieldbus

enum FuzzModbus {
    /// Raw bytes as an RTU frame, and (so the fuzzer reaches the request decoder at once) the same body
    /// behind a valid CRC.
    static func rtuServer(_ input: UnsafeRawBufferPointer) {
        withServer { server in
            answer(&server, input, tcp: false)
            guard input.count >= 1, input.count <= ModbusLimits.maxRTUADU - 2 else { return }
            var framed = [UInt8](input) + [0, 0]
            framed.withUnsafeMutableBytes { _ = ModbusRTU.appendCRC($0, bodyLength: input.count) }
            framed[0] = input[0] % 3 == 0 ? 0 : 17  // broadcast or this server
            framed.withUnsafeMutableBytes { _ = ModbusRTU.appendCRC($0, bodyLength: input.count) }
            framed.withUnsafeBytes { answer(&server, $0, tcp: false) }
        }
    }

    /// Raw bytes as a TCP ADU, and the same PDU behind an MBAP header whose length matches.
    static func tcpServer(_ input: UnsafeRawBufferPointer) {
        withServer { server in
            answer(&server, input, tcp: true)
            guard input.count >= 1, input.count <= ModbusLimits.maxPDU else { return }
            let unit: UInt8 = input[0] & 1 == 0 ? 17 : 0xFF
            var adu: [UInt8] = [0x12, 0x34, 0, 0, UInt8((input.count + 1) >> 8), UInt8((input.count + 1) & 0xFF), unit]
            adu += [UInt8](input)
            adu.withUnsafeBytes { answer(&server, $0, tcp: true) }
        }
    }

    /// A request chosen by the first bytes, then the rest as the reply frame (and as a reply with valid
    /// framing for that request's transaction/address): a response is accepted only if it answers the request.
    static func client(_ input: UnsafeRawBufferPointer) {
        var reader = FuzzReader(input)
        let choice = reader.byte()
        let tcp = choice & 0x80 != 0
        let unit: UInt8 = 17
        let address = reader.uint16(), count = UInt16(reader.byte() % 126) + 1
        let request: ModbusRequest
        switch choice & 7 {
        case 0: request = .readCoils(address: address, count: count)
        case 1: request = .readDiscreteInputs(address: address, count: count)
        case 2: request = .readHoldingRegisters(address: address, count: count)
        case 3: request = .readInputRegisters(address: address, count: count)
        case 4: request = .writeSingleRegister(address: address, value: count)
        case 5: request = .maskWriteRegister(address: address, andMask: 0xF0F0, orMask: count)
        case 6: request = .writeSingleCoil(address: address, value: 0xFF00)
        default: request = .readDeviceIdentification(code: .basic, objectId: 0)
        }
        let body = [UInt8](reader.rest())
        var out = [UInt8](repeating: 0, count: ModbusLimits.maxTCPADU)
        for framed in [false, true] {
            var client = ModbusClient(framing: tcp ? .tcp : .rtu)
            guard let sent = out.withUnsafeMutableBytes({ try? client.send(request, unitId: unit, into: $0, nowNs: 0) }),
                  sent > 0 else { return }
            var reply = body
            if framed {
                if tcp {
                    reply = [out[0], out[1], 0, 0, UInt8((body.count + 1) >> 8 & 0xFF), UInt8((body.count + 1) & 0xFF), unit] + body
                } else {
                    reply = [unit] + body + [0, 0]
                    reply.withUnsafeMutableBytes { _ = ModbusRTU.appendCRC($0, bodyLength: body.count + 1) }
                }
            }
            reply.withUnsafeBytes { bytes in
                guard let response = try? client.receive(bytes) else { return }
                // An accepted answer to a read carries exactly what was asked for.
                switch (request, response) {
                case (.readHoldingRegisters, .registers(_, let data)), (.readInputRegisters, .registers(_, let data)):
                    invariant(data.count == Int(count) * 2, "\(data.count) register bytes accepted for \(count) registers")
                case (.readCoils, .bits(_, let data)), (.readDiscreteInputs, .bits(_, let data)):
                    invariant(data.count == (Int(count) + 7) / 8, "\(data.count) bit bytes accepted for \(count) bits")
                default:
                    break
                }
            }
        }
    }

    static func answer(_ server: inout ModbusServer<ModbusDataTable>, _ frame: UnsafeRawBufferPointer, tcp: Bool) {
        var response = [UInt8](repeating: 0, count: ModbusLimits.maxTCPADU)
        let n = response.withUnsafeMutableBytes {
            tcp ? server.handleTCP(frame: frame, into: $0) : server.handleRTU(frame: frame, into: $0)
        }
        invariant(n >= 0 && n <= (tcp ? ModbusLimits.maxTCPADU : ModbusLimits.maxRTUADU), "response of \(n) bytes")
        guard n > 0 else { return }
        // What the server sends must itself be a well-formed frame.
        response.withUnsafeBytes { bytes in
            let sent = UnsafeRawBufferPointer(rebasing: bytes[0..<n])
            if tcp {
                invariant((try? ModbusTCP.decode(sent)) != nil, "the server sent a malformed TCP ADU")
            } else {
                invariant((try? ModbusRTU.decode(sent)) != nil, "the server sent a malformed RTU frame")
            }
        }
    }

    /// A server over small blocks of every table (storage allocated here; the server itself allocates nothing).
    static func withServer(_ body: (inout ModbusServer<ModbusDataTable>) -> Void) {
        let coils = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 64)
        let inputs = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 64)
        let holding = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: 64)
        let inputRegisters = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: 64)
        defer { coils.deallocate(); inputs.deallocate(); holding.deallocate(); inputRegisters.deallocate() }
        coils.initialize(repeating: false)
        inputs.initialize(repeating: true)
        holding.initialize(repeating: 0x1234)
        inputRegisters.initialize(repeating: 0x5678)
        let table = ModbusDataTable(coils: ModbusBitBlock(start: 0, values: coils),
                                    discreteInputs: ModbusBitBlock(start: 0, values: inputs),
                                    holdingRegisters: ModbusRegisterBlock(start: 0, values: holding),
                                    inputRegisters: ModbusRegisterBlock(start: 0, values: inputRegisters))
        var server = ModbusServer(hooks: table, unitId: 17)
        body(&server)
    }
}
