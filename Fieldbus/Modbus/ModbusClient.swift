// A Modbus client without I/O or threads: builds request frames, matches the frames that come back to the
// one outstanding request, and keeps its timeout and retries from the caller's clock.

/// The ADU framing a client or transport uses.
public enum ModbusFraming: Sendable {
    /// Address, PDU, CRC; one request on the line at a time.
    case rtu
    /// MBAP header and PDU.
    case tcp
}

/// Why a client could not send a request or could not use a response.
public enum ModbusClientError: Error, Equatable, Sendable {
    /// A request is still outstanding.
    case busy
    /// The request does not fit the buffer or the protocol's 253-byte PDU.
    case encoding(ModbusFrameError)
    /// The received frame is damaged (bad CRC, bad MBAP header, inconsistent PDU); the request stays
    /// outstanding until its timeout.
    case frame(ModbusFrameError)
    /// The frame matched the outstanding request's transaction and unit but answers a different function, or
    /// echoes a different address or quantity, or carries a byte count the request did not ask for; the
    /// request is over.
    case unexpectedResponse
}

/// What `ModbusClient.poll` tells the caller to do.
public enum ModbusClientPoll: Equatable, Sendable {
    /// Nothing outstanding.
    case idle
    /// Keep waiting for a response, at most until this time.
    case waiting(untilNs: UInt64)
    /// The timeout passed and a retry is left: send the same request frame again.
    case resend
    /// The timeout passed with no retry left: the request is over, unanswered.
    case timedOut
}

/// Why `ModbusClient.receive` dropped a frame while a request stayed outstanding (or none was).
public enum ModbusClientDrop: Equatable, Sendable {
    /// No request was outstanding.
    case nothingOutstanding
    /// TCP: the frame carries another transaction id (a late answer to an earlier request, say).
    case otherTransaction(UInt16)
    /// TCP: the right transaction id from another unit id; RTU: another server address.
    case otherUnit(UInt8)
    /// The frame is damaged (bad CRC, MBAP protocol id not 0, length not matching).
    case damaged(ModbusFrameError)
}

/// The request a client waits for an answer to.
public struct ModbusPendingRequest: Sendable {
    /// MBAP transaction id (TCP).
    public var transactionId: UInt16
    /// Unit id or RTU address it was sent to.
    public var unitId: UInt8
    /// Its function code.
    public var function: UInt8
    /// Address and quantity (or value) fields the response has to agree with.
    var address: UInt16, quantity: UInt16
    /// Response data bytes a read expects (-1: not a read).
    var expectedBytes: Int
    /// When the current attempt times out.
    public var deadlineNs: UInt64
    /// Sends left after this one.
    public var retriesLeft: Int
}

/// A client for one connection or serial line, one request outstanding at a time. The caller sends the bytes
/// `send` writes, passes every received frame to `receive`, and calls `poll` with the time to learn when to
/// resend or give up. Nothing here blocks, allocates or reads a clock.
public struct ModbusClient {
    /// RTU or TCP.
    public var framing: ModbusFraming
    /// How long to wait for each attempt's response.
    public var timeoutNs: UInt64
    /// Sends after the first one when no response comes in time.
    public var retries: Int
    /// The outstanding request.
    public private(set) var pending: ModbusPendingRequest?
    /// The MBAP transaction id of the next request.
    public var nextTransactionId: UInt16 = 1
    /// Requests timed out unanswered, resends, and received frames dropped as damaged or unmatched.
    public private(set) var timeouts = 0, resends = 0, droppedFrames = 0
    /// Why the last dropped frame was dropped (nil before the first drop).
    public private(set) var lastDrop: ModbusClientDrop?

    /// A client with the given framing, per-attempt timeout and retries.
    public init(framing: ModbusFraming, timeoutNs: UInt64 = 500_000_000, retries: Int = 0) {
        self.framing = framing
        self.timeoutNs = timeoutNs
        self.retries = retries
    }

    /// Writes the frame of `request` to `unitId` into `buffer` and makes it the outstanding request; returns
    /// the frame length. An RTU broadcast (unit 0) expects no response and leaves nothing outstanding.
    public mutating func send(_ request: ModbusRequest, unitId: UInt8, into buffer: UnsafeMutableRawBufferPointer,
                              nowNs: UInt64) throws(ModbusClientError) -> Int {
        guard pending == nil else { throw .busy }
        let offset = framing == .tcp ? ModbusTCP.headerLength : 1
        guard buffer.count > offset + 2 else { throw .encoding(.bufferTooSmall) }
        let pduLength: Int
        do {
            pduLength = try request.encode(into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]))
        } catch {
            throw .encoding(error)
        }
        let transactionId = nextTransactionId
        let length: Int
        switch framing {
        case .tcp:
            nextTransactionId &+= 1
            length = ModbusTCP.writeHeader(transactionId: transactionId, unitId: unitId, pduLength: pduLength, into: buffer)
        case .rtu:
            guard buffer.count >= 1 + pduLength + 2 else { throw .encoding(.bufferTooSmall) }
            buffer[0] = unitId
            length = ModbusRTU.appendCRC(buffer, bodyLength: 1 + pduLength)
            if unitId == ModbusRTU.broadcastAddress { return length }
        }
        var address: UInt16 = 0, quantity: UInt16 = 0, expected = -1
        switch request {
        case .readCoils(let a, let n), .readDiscreteInputs(let a, let n):
            address = a; quantity = n; expected = (Int(n) + 7) / 8
        case .readHoldingRegisters(let a, let n), .readInputRegisters(let a, let n):
            address = a; quantity = n; expected = Int(n) * 2
        case .readWriteMultipleRegisters(_, let n, _, _, _):
            expected = Int(n) * 2
        case .writeSingleCoil(let a, let v), .writeSingleRegister(let a, let v),
             .writeMultipleCoils(let a, let v, _), .writeMultipleRegisters(let a, let v, _):
            address = a; quantity = v
        case .maskWriteRegister(let a, _, _):
            address = a
        case .diagnostics(let sub, _):
            address = sub
        case .readDeviceIdentification:
            break
        }
        pending = ModbusPendingRequest(transactionId: transactionId, unitId: unitId, function: request.function.rawValue,
                                       address: address, quantity: quantity, expectedBytes: expected,
                                       deadlineNs: nowNs &+ timeoutNs, retriesLeft: retries)
        return length
    }

    /// Matches a received frame to the outstanding request. Returns the response (an exception response
    /// included) and ends the request; returns nil for a frame that is not the answer to it (another
    /// transaction or unit id over TCP, another address over RTU, or nothing outstanding), which is dropped and
    /// counted. The response points into `frame`.
    // @implements SWR-MODBUS-CLIENT-1
    public mutating func receive(_ frame: UnsafeRawBufferPointer) throws(ModbusClientError) -> ModbusResponse? {
        guard let request = pending else { return drop(.nothingOutstanding) }
        let pdu: UnsafeRawBufferPointer
        do {
            switch framing {
            case .tcp:
                let decoded = try ModbusTCP.decode(frame)
                guard decoded.transactionId == request.transactionId else { return drop(.otherTransaction(decoded.transactionId)) }
                guard decoded.unitId == request.unitId else { return drop(.otherUnit(decoded.unitId)) }
                pdu = decoded.pdu
            case .rtu:
                let decoded = try ModbusRTU.decode(frame)
                guard decoded.address == request.unitId else { return drop(.otherUnit(decoded.address)) }
                pdu = decoded.pdu
            }
        } catch {
            _ = drop(.damaged(error))
            throw .frame(error)
        }
        let response: ModbusResponse
        do {
            response = try ModbusResponse.decode(pdu)
        } catch {
            pending = nil
            throw .frame(error)
        }
        pending = nil
        guard pdu[0] & ~ModbusFunction.exceptionBit == request.function else { throw .unexpectedResponse }
        switch response {
        case .bits(_, let bytes), .registers(_, let bytes):
            guard bytes.count == request.expectedBytes else { throw .unexpectedResponse }
        case .writeSingle(_, let address, let value), .writeMultiple(_, let address, let value):
            guard address == request.address, value == request.quantity else { throw .unexpectedResponse }
        case .maskWriteRegister(let address, _, _):
            guard address == request.address else { throw .unexpectedResponse }
        case .diagnostics(let sub, _):
            guard sub == request.address else { throw .unexpectedResponse }
        case .deviceIdentification, .exception:
            break
        }
        return response
    }

    /// Counts a dropped frame and why; returns nil for `receive` to return.
    mutating func drop(_ why: ModbusClientDrop) -> ModbusResponse? {
        droppedFrames += 1
        lastDrop = why
        return nil
    }

    /// Advances the timeout of the outstanding request to `nowNs`.
    // @implements SWR-MODBUS-CLIENT-1
    public mutating func poll(nowNs: UInt64) -> ModbusClientPoll {
        guard var request = pending else { return .idle }
        guard nowNs >= request.deadlineNs else { return .waiting(untilNs: request.deadlineNs) }
        if request.retriesLeft > 0 {
            request.retriesLeft -= 1
            request.deadlineNs = nowNs &+ timeoutNs
            pending = request
            resends += 1
            return .resend
        }
        pending = nil
        timeouts += 1
        return .timedOut
    }

    /// Gives up the outstanding request without waiting (a transport closed, say).
    public mutating func cancel() { pending = nil }
}
