// Words for the portable stack's typed errors, so no enum case name reaches a user of `orion modbus`.

import Fieldbus

extension ModbusFrameError {
    /// What is wrong with the frame, as a phrase (`malformed reply: ` goes before it).
    public var message: String {
        switch self {
        case .truncated: return "the frame is shorter than its header, function or byte count says"
        case .badCRC: return "the CRC does not match the frame"
        case .badLength: return "the frame's length does not agree with its length field, byte count or function"
        case .badProtocolId: return "the MBAP protocol id is not 0 (not Modbus)"
        case .tooLong: return "the frame is longer than the largest Modbus frame (256 bytes RTU, 260 TCP)"
        case .bufferTooSmall: return "the frame does not fit the buffer"
        }
    }
}

extension ModbusClientError {
    /// What went wrong with a request or its reply, as a sentence a user can act on.
    public var message: String {
        switch self {
        case .busy: return "a request is still outstanding"
        case .encoding(let error): return "cannot encode the request: \(error.message)"
        case .frame(let error): return "malformed reply: \(error.message)"
        case .unexpectedResponse:
            return "the reply does not answer the request (another function, address, quantity or byte count)"
        }
    }
}

extension ModbusClientDrop {
    /// Why a frame was set aside while waiting for the reply.
    public var message: String {
        switch self {
        case .nothingOutstanding: return "a frame while no request was outstanding"
        case .otherTransaction(let id): return "a reply with another transaction id (\(id))"
        case .otherUnit(let unit): return "a reply from another unit id (\(unit))"
        case .damaged(let error): return "a damaged frame (\(error.message))"
        }
    }
}
