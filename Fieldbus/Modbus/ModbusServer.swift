// A Modbus server: decodes requests, checks them as the specification and libmodbus do, runs them against
// its hooks and writes the response or exception, counting what it sees; RTU and TCP framing on top.

/// A Modbus server over any data the `Hooks` own. It does no I/O: a transport hands it a request (PDU, RTU
/// frame or TCP ADU) and a response buffer of at least `ModbusLimits.maxTCPADU` bytes, distinct from the
/// request, and sends what it writes there. A length of 0 means send nothing.
public struct ModbusServer<Hooks: ModbusServerHooks> {
    /// The data.
    public var hooks: Hooks
    /// The RTU address (1...247) this server answers; over TCP it also answers 0 and 0xFF.
    public var unitId: UInt8
    /// Over TCP, answer every unit id, as libmodbus' server does (its unit test expects a reply to any id).
    public var tcpAnswersAnyUnit: Bool
    /// What the server has seen and done.
    public var counters = ModbusCounters()

    /// A server with unit id `unitId` over `hooks`.
    public init(hooks: Hooks, unitId: UInt8 = 1, tcpAnswersAnyUnit: Bool = true) {
        self.hooks = hooks
        self.unitId = unitId
        self.tcpAnswersAnyUnit = tcpAnswersAnyUnit
    }

    /// Answers one RTU frame: checks its CRC (counting a failure as a bus communication error), ignores frames
    /// for other addresses, runs requests for its address and for broadcast (address 0), and writes the
    /// response frame, address and CRC included, to `response`. Broadcasts get no response.
    // @implements SWR-MODBUS-FRAME-1
    public mutating func handleRTU(frame: UnsafeRawBufferPointer, into response: UnsafeMutableRawBufferPointer) -> Int {
        counters.busMessages &+= 1
        let decoded: ModbusRTU.Frame
        do {
            decoded = try ModbusRTU.decode(frame)
        } catch {
            if error == .badCRC { counters.busCommunicationErrors &+= 1 } else { counters.badFrames &+= 1 }
            return 0
        }
        let broadcast = decoded.address == ModbusRTU.broadcastAddress
        guard broadcast || decoded.address == unitId else { return 0 }
        guard response.count >= ModbusLimits.maxRTUADU else { return 0 }
        let length = respond(decoded.pdu, into: UnsafeMutableRawBufferPointer(rebasing: response[1...]),
                             broadcast: broadcast)
        guard length > 0 else { return 0 }
        response[0] = decoded.address
        return ModbusRTU.appendCRC(response, bodyLength: 1 + length)
    }

    /// Answers one TCP ADU: checks the MBAP header (a fault is counted as a bad frame and answered with
    /// nothing; the transport should then drop the connection, as the stream is out of step) and answers with
    /// the same transaction and unit id.
    // @implements SWR-MODBUS-FRAME-2
    public mutating func handleTCP(frame: UnsafeRawBufferPointer, into response: UnsafeMutableRawBufferPointer) -> Int {
        counters.busMessages &+= 1
        let decoded: ModbusTCP.Frame
        do {
            decoded = try ModbusTCP.decode(frame)
        } catch {
            counters.badFrames &+= 1
            return 0
        }
        let unit = decoded.unitId
        guard tcpAnswersAnyUnit || unit == unitId || unit == 0 || unit == ModbusTCP.directUnitId else { return 0 }
        guard response.count >= ModbusLimits.maxTCPADU else { return 0 }
        let length = respond(decoded.pdu, into: UnsafeMutableRawBufferPointer(rebasing: response[ModbusTCP.headerLength...]),
                             broadcast: false)
        guard length > 0 else { return 0 }
        return ModbusTCP.writeHeader(transactionId: decoded.transactionId, unitId: unit, pduLength: length,
                                     into: response)
    }

    /// Answers one request PDU addressed to this server, writing the response PDU (at most 253 bytes) to
    /// `response`; returns its length.
    public mutating func handle(request pdu: UnsafeRawBufferPointer, into response: UnsafeMutableRawBufferPointer) -> Int {
        counters.busMessages &+= 1
        return respond(pdu, into: response, broadcast: false)
    }

    /// Runs a request for this server and counts it; returns the response length, 0 for a broadcast.
    mutating func respond(_ pdu: UnsafeRawBufferPointer, into response: UnsafeMutableRawBufferPointer,
                          broadcast: Bool) -> Int {
        counters.serverMessages &+= 1
        var length: Int
        if response.count < ModbusLimits.maxPDU {
            length = exception(.serverDeviceFailure, pdu, into: response)
        } else {
            do {
                length = try execute(pdu, into: response)
            } catch {
                length = exception(error, pdu, into: response)
            }
        }
        if broadcast {
            counters.serverNoResponse &+= 1
            return 0
        }
        if length == 2, response[0] & ModbusFunction.exceptionBit != 0 {
            counters.busExceptionErrors &+= 1
            if response[1] == ModbusException.serverDeviceBusy.rawValue { counters.serverBusy &+= 1 }
        }
        return length
    }

    /// Writes an exception response for `pdu`'s function code.
    // @implements SWR-MODBUS-SERVER-1
    func exception(_ code: ModbusException, _ pdu: UnsafeRawBufferPointer,
                   into response: UnsafeMutableRawBufferPointer) -> Int {
        guard response.count >= 2 else { return 0 }
        response[0] = (pdu.count > 0 ? pdu[0] : 0) | ModbusFunction.exceptionBit
        response[1] = code.rawValue
        return 2
    }

    /// Decodes, checks and carries out a request; throws the exception to answer with.
    // @implements SWR-MODBUS-SERVER-1
    mutating func execute(_ pdu: UnsafeRawBufferPointer, into r: UnsafeMutableRawBufferPointer) throws(ModbusException) -> Int {
        let request = try ModbusRequest.decode(pdu)
        r[0] = pdu[0]
        switch request {
        case .readCoils(let address, let count), .readDiscreteInputs(let address, let count):
            let bytes = (Int(count) + 7) / 8
            try hooks.readBits(request.function == .readCoils ? .coils : .discreteInputs, address: address,
                               count: Int(count), into: UnsafeMutableRawBufferPointer(rebasing: r[2..<(2 + bytes)]))
            r[1] = UInt8(bytes)
            return 2 + bytes
        case .readHoldingRegisters(let address, let count), .readInputRegisters(let address, let count):
            let bytes = Int(count) * 2
            try hooks.readRegisters(request.function == .readHoldingRegisters ? .holdingRegisters : .inputRegisters,
                                    address: address, count: Int(count),
                                    into: UnsafeMutableRawBufferPointer(rebasing: r[2..<(2 + bytes)]))
            r[1] = UInt8(bytes)
            return 2 + bytes
        case .writeSingleCoil(let address, let value):
            var scratch: UInt8 = 0
            try withUnsafeMutableBytes(of: &scratch) { (b) throws(ModbusException) in
                try hooks.readBits(.coils, address: address, count: 1, into: b)
            }
            guard value == 0xFF00 || value == 0 else { throw .illegalDataValue }
            var bit: UInt8 = value == 0 ? 0 : 1
            try withUnsafeBytes(of: &bit) { (b) throws(ModbusException) in
                try hooks.writeCoils(address: address, count: 1, packed: b)
            }
            return echo(pdu, 5, into: r)
        case .writeSingleRegister(let address, let value):
            var word = value.bigEndian
            try withUnsafeBytes(of: &word) { (b) throws(ModbusException) in
                try hooks.writeHoldingRegisters(address: address, count: 1, bigEndian: b)
            }
            return echo(pdu, 5, into: r)
        case .diagnostics(let sub, let data):
            return try diagnostics(sub, data, pdu, into: r)
        case .writeMultipleCoils(let address, let count, let bits):
            try hooks.writeCoils(address: address, count: Int(count), packed: bits)
            return echo(pdu, 5, into: r)
        case .writeMultipleRegisters(let address, let count, let values):
            try hooks.writeHoldingRegisters(address: address, count: Int(count), bigEndian: values)
            return echo(pdu, 5, into: r)
        case .maskWriteRegister(let address, let andMask, let orMask):
            var word: UInt16 = 0
            try withUnsafeMutableBytes(of: &word) { (b) throws(ModbusException) in
                try hooks.readRegisters(.holdingRegisters, address: address, count: 1, into: b)
            }
            let current = UInt16(bigEndian: word)
            word = ((current & andMask) | (orMask & ~andMask)).bigEndian
            try withUnsafeBytes(of: &word) { (b) throws(ModbusException) in
                try hooks.writeHoldingRegisters(address: address, count: 1, bigEndian: b)
            }
            return echo(pdu, 7, into: r)
        case .readWriteMultipleRegisters(let readAddress, let readCount, let writeAddress, let writeCount, let values):
            let bytes = Int(readCount) * 2
            let out = UnsafeMutableRawBufferPointer(rebasing: r[2..<(2 + bytes)])
            // Both ranges are checked before anything is written: a read first proves the read range.
            try hooks.readRegisters(.holdingRegisters, address: readAddress, count: Int(readCount), into: out)
            try hooks.writeHoldingRegisters(address: writeAddress, count: Int(writeCount), bigEndian: values)
            try hooks.readRegisters(.holdingRegisters, address: readAddress, count: Int(readCount), into: out)
            r[1] = UInt8(bytes)
            return 2 + bytes
        case .readDeviceIdentification(let code, let objectId):
            return try deviceIdentification(code, objectId, into: r)
        }
    }

    /// Copies the first `count` bytes of the request as the response.
    func echo(_ pdu: UnsafeRawBufferPointer, _ count: Int, into r: UnsafeMutableRawBufferPointer) -> Int {
        for i in 0..<count { r[i] = pdu[i] }
        return count
    }

    /// FC 8: echo, clear counters, or one counter.
    mutating func diagnostics(_ sub: UInt16, _ data: UnsafeRawBufferPointer, _ pdu: UnsafeRawBufferPointer,
                              into r: UnsafeMutableRawBufferPointer) throws(ModbusException) -> Int {
        guard let function = ModbusDiagnostic(rawValue: sub) else { throw .illegalFunction }
        if function == .returnQueryData { return echo(pdu, pdu.count, into: r) }
        guard data.count == 2, data.modbusU16(0) == 0 else { throw .illegalDataValue }
        let value: UInt16
        switch function {
        case .returnQueryData, .clearCounters:
            counters = ModbusCounters()
            return echo(pdu, pdu.count, into: r)
        case .busMessageCount: value = counters.busMessages
        case .busCommunicationErrorCount: value = counters.busCommunicationErrors
        case .busExceptionErrorCount: value = counters.busExceptionErrors
        case .serverMessageCount: value = counters.serverMessages
        case .serverNoResponseCount: value = counters.serverNoResponse
        case .serverNAKCount: value = counters.serverNAK
        case .serverBusyCount: value = counters.serverBusy
        case .busCharacterOverrunCount: value = counters.busCharacterOverrun
        }
        _ = echo(pdu, 3, into: r)
        r.modbusSetU16(3, value)
        return 5
    }

    /// The conformity level: 0x81, 0x82 or 0x83 by the highest category of object present (individual
    /// access is always allowed).
    func conformityLevel() -> UInt8 {
        var id: UInt8 = 0x80
        while true {
            if hooks.deviceIdentificationObject(id) != nil { return 0x83 }
            if id == 0xFF { break }
            id += 1
        }
        for id: UInt8 in 3...6 where hooks.deviceIdentificationObject(id) != nil { return 0x82 }
        return 0x81
    }

    /// FC 43/14: the objects of the asked category from `objectId` (or from 0 when it names no object of
    /// the category), as many as fit in a 253-byte PDU, with "more follows" and the next id when they do not;
    /// or the one object asked for individually.
    mutating func deviceIdentification(_ code: ModbusDeviceIDCode, _ objectId: UInt8,
                                       into r: UnsafeMutableRawBufferPointer) throws(ModbusException) -> Int {
        r[1] = ModbusRequest.meiReadDeviceIdentification
        r[2] = code.rawValue
        r[3] = conformityLevel()
        r[4] = 0
        r[5] = 0
        var count: UInt8 = 0
        var offset = 7
        // offset and count go in and out as inout: a nested function that captured them would box them on
        // the heap, which Embedded Swift's -no-allocations refuses.
        func put(_ id: UInt8, _ value: UnsafeRawBufferPointer, limit: Int, _ offset: inout Int, _ count: inout UInt8) {
            let length = min(value.count, limit - offset - 2)
            r[offset] = id
            r[offset + 1] = UInt8(length)
            for i in 0..<length { r[offset + 2 + i] = value[i] }
            offset += 2 + length
            count += 1
        }
        if code == .individual {
            guard let value = hooks.deviceIdentificationObject(objectId) else { throw .illegalDataAddress }
            put(objectId, value, limit: ModbusLimits.maxPDU, &offset, &count)
        } else {
            let last: UInt8 = code == .basic ? 0x02 : code == .regular ? 0x7F : 0xFF
            var id = objectId
            if id > last || hooks.deviceIdentificationObject(id) == nil { id = 0 }
            while true {
                if let value = hooks.deviceIdentificationObject(id) {
                    if offset + 2 + value.count > ModbusLimits.maxPDU, count > 0 {
                        r[4] = 0xFF
                        r[5] = id
                        break
                    }
                    put(id, value, limit: ModbusLimits.maxPDU, &offset, &count)
                }
                if id == last { break }
                id += 1
            }
        }
        r[6] = count
        return offset
    }
}
