// CAN application protocol over EtherCAT (CoE, ETG.1000.6 §5.6): SDO uploads through a slave's standard
// mailbox. A request is written into the slave's receive mailbox (sync manager 0, the whole buffer, so the
// sync manager hands it over), the answer read from its send mailbox (sync manager 1) once its status says
// full. Expedited (≤ 4 bytes), normal and segmented uploads; aborts with their CiA 301 / ETG.1000.6 code.
// Buffers are the caller's: nothing allocates.

/// A slave's standard mailbox as the master uses it: where its two sync managers are, and the counter the
/// mailbox header carries (1...7, 0 is reserved).
public struct EtherCATMailbox: Sendable {
    public var station: UInt16
    public var receiveOffset: UInt16
    public var receiveSize: UInt16
    public var sendOffset: UInt16
    public var sendSize: UInt16
    var counter: UInt8 = 0
    /// Mailbox messages written to the slave and read from it.
    public var requestsSent: UInt64 = 0
    public var responsesReceived: UInt64 = 0
    /// Emergency messages received (while waiting for other answers), and the latest.
    public var emergencies: UInt64 = 0
    public var lastEmergency: EtherCATEmergency? = nil

    mutating func recordEmergency(_ e: EtherCATEmergency) {
        emergencies &+= 1
        lastEmergency = e
    }

    public init(station: UInt16, receiveOffset: UInt16, receiveSize: UInt16, sendOffset: UInt16, sendSize: UInt16) {
        self.station = station
        self.receiveOffset = receiveOffset
        self.receiveSize = receiveSize
        self.sendOffset = sendOffset
        self.sendSize = sendSize
    }

    /// The next mailbox counter (1, 2, ..., 7, 1, ...).
    mutating func nextCounter() -> UInt8 {
        counter = counter % 7 + 1
        return counter
    }
}

/// A CoE emergency message (ETG.1000.6 §5.6.4, CiA 301): error code, error register and five manufacturer bytes.
public struct EtherCATEmergency: Sendable, Equatable {
    public var code: UInt16
    public var register: UInt8
    /// The manufacturer-specific bytes, first in the low byte.
    public var data: UInt64
    public init(code: UInt16, register: UInt8, data: UInt64) {
        self.code = code
        self.register = register
        self.data = data
    }
}

/// Why a CoE exchange failed (beyond the datagram exchange itself).
public enum EtherCATMailboxError: Error, Sendable, Equatable {
    /// The slave answered the SDO with an abort.
    case sdoAbort(index: UInt16, subindex: UInt8, code: EtherCATSDOAbortCode)
    /// No answer in the send mailbox before the timeout.
    case timeout
    /// The slave's mailbox is too small for the request, or the buffers given are.
    case mailboxTooSmall
    /// The object is larger than the buffer given for it.
    case objectTooLarge(size: Int)
    /// The answer is not a CoE SDO response to the request (wrong type, service, command, index or toggle), or
    /// it is cut short; with the first bytes of its CoE part for the message.
    case unexpectedResponse(command: UInt8, service: UInt8)
    /// The slave answered with a mailbox error (type 0) and this code (ETG.1000.4 Table 29).
    case mailboxError(code: UInt16)
    /// A remapping names an object that is no PDO (0x1600-0x17FF, 0x1A00-0x1BFF) or assignment (0x1C10-0x1C2F),
    /// or more than 254 entries: refused before anything is sent.
    case notRemappable(index: UInt16)
}

/// An SDO abort code (CiA 301, ETG.1000.6 Table 41).
public struct EtherCATSDOAbortCode: Sendable, Equatable {
    public var raw: UInt32
    public init(_ raw: UInt32) { self.raw = raw }

    /// The code's name as the standards give it; nil for a code they do not name.
    public var name: StaticString? {
        switch raw {
        case 0x0503_0000: return "Toggle bit not changed"
        case 0x0504_0000: return "SDO protocol timeout"
        case 0x0504_0001: return "Client/Server command specifier not valid or unknown"
        case 0x0504_0005: return "Out of memory"
        case 0x0601_0000: return "Unsupported access to an object"
        case 0x0601_0001: return "Attempt to read a write-only object"
        case 0x0601_0002: return "Attempt to write a read-only object"
        case 0x0601_0003: return "Subindex cannot be written, SI0 must be 0 for write access"
        case 0x0601_0004: return "SDO complete access not supported for objects of variable length"
        case 0x0601_0005: return "Object length exceeds mailbox size"
        case 0x0601_0006: return "Object mapped to RxPDO, SDO download blocked"
        case 0x0602_0000: return "The object does not exist in the object directory"
        case 0x0604_0041: return "The object can not be mapped into the PDO"
        case 0x0604_0042: return "The number and length of the objects to be mapped would exceed the PDO length"
        case 0x0604_0043: return "General parameter incompatibility reason"
        case 0x0604_0047: return "General internal incompatibility in the device"
        case 0x0606_0000: return "Access failed due to a hardware error"
        case 0x0607_0010: return "Data type does not match, length of service parameter does not match"
        case 0x0607_0012: return "Data type does not match, length of service parameter too high"
        case 0x0607_0013: return "Data type does not match, length of service parameter too low"
        case 0x0609_0011: return "Subindex does not exist"
        case 0x0609_0030: return "Value range of parameter exceeded (only for write access)"
        case 0x0609_0031: return "Value of parameter written too high"
        case 0x0609_0032: return "Value of parameter written too low"
        case 0x0609_0036: return "Maximum value is less than minimum value"
        case 0x0800_0000: return "General error"
        case 0x0800_0020: return "Data cannot be transferred or stored to the application"
        case 0x0800_0021: return "Data cannot be transferred or stored to the application because of local control"
        case 0x0800_0022: return "Data cannot be transferred or stored to the application because of the present device state"
        case 0x0800_0023: return "Object dictionary dynamic generation fails or no object dictionary is present"
        default: return nil
        }
    }
}

/// Mailbox and CoE layout constants.
enum EtherCATCoEWire {
    /// Mailbox header: length (2), address (2), channel/priority (1), type/counter (1).
    static let mailboxHeader = 6
    /// CoE header: number and service (2).
    static let coeHeader = 2
    /// SDO header: command (1), index (2), subindex (1).
    static let sdoHeader = 4
    static let typeError: UInt8 = 0
    static let typeCoE: UInt8 = 3
    static let serviceEmergency: UInt8 = 1
    static let serviceSDORequest: UInt8 = 2
    static let serviceSDOResponse: UInt8 = 3
    static let serviceSDOInformation: UInt8 = 8
}

extension EtherCATMaster {
    /// Uploads (reads) object `index`:`subindex` of the slave behind `mailbox` into `buffer` and returns its
    /// length: expedited, normal or segmented as the slave answers; with `completeAccess`, every subindex from
    /// `subindex` (0 or 1) on in one transfer. `scratch` holds one mailbox (at least the larger of the two sizes).
    /// Emergencies arriving meanwhile are skipped. Every wait is bounded by `timeoutNs`.
    // @implements SWR-ECAT-COE-1
    public mutating func sdoUpload(_ mailbox: inout EtherCATMailbox, index: UInt16, subindex: UInt8, completeAccess: Bool = false,
                                   into buffer: UnsafeMutableRawBufferPointer, scratch: UnsafeMutableRawBufferPointer,
                                   timeoutNs: UInt64) throws(EtherCATMailboxFailure) -> Int {
        let size = Int(max(mailbox.receiveSize, mailbox.sendSize))
        guard mailbox.receiveSize >= 16, mailbox.sendSize >= 16, scratch.count >= size else { throw .mailbox(.mailboxTooSmall) }
        // Upload request: command 0x40 (initiate upload), complete access bit 0x10.
        try sendSDO(&mailbox, command: 0x40 | (completeAccess ? 0x10 : 0), index: index, subindex: subindex, scratch: scratch)
        var n = try receiveSDO(&mailbox, index: index, subindex: subindex, scratch: scratch, timeoutNs: timeoutNs)
        let base = EtherCATCoEWire.mailboxHeader + EtherCATCoEWire.coeHeader
        let command = scratch[base]
        guard command & 0xE0 == 0x40 else { throw .mailbox(.unexpectedResponse(command: command, service: EtherCATCoEWire.serviceSDOResponse)) }
        if command & 0x02 != 0 {
            // Expedited: up to 4 bytes in the response, n (bits 2-3) unused when s (bit 0) is set.
            let length = command & 0x01 != 0 ? 4 - Int((command >> 2) & 3) : 4
            guard length <= buffer.count else { throw .mailbox(.objectTooLarge(size: length)) }
            for i in 0..<length { buffer[i] = scratch[base + 4 + i] }
            return length
        }
        // Normal: the complete size, then as many bytes as the response holds.
        guard n >= base + 8 else { throw .mailbox(.unexpectedResponse(command: command, service: EtherCATCoEWire.serviceSDOResponse)) }
        let complete = Int(u32(scratch, base + 4))
        guard complete <= buffer.count else { throw .mailbox(.objectTooLarge(size: complete)) }
        var have = min(n - (base + 8), complete)
        for i in 0..<have { buffer[i] = scratch[base + 8 + i] }
        var toggle: UInt8 = 0
        var segments = 0
        while have < complete {
            segments += 1
            guard segments <= complete + 1 else { throw .mailbox(.unexpectedResponse(command: 0, service: 0)) }
            // Upload segment request: 0x60 with the toggle bit (0x10).
            try sendSDO(&mailbox, command: 0x60 | toggle, index: 0, subindex: 0, scratch: scratch)
            n = try receiveSDO(&mailbox, index: nil, subindex: nil, scratch: scratch, timeoutNs: timeoutNs)
            let c = scratch[base]
            guard c & 0xE0 == 0x00, c & 0x10 == toggle else {
                throw .mailbox(.unexpectedResponse(command: c, service: EtherCATCoEWire.serviceSDOResponse))
            }
            // Segment data follows the command byte; the mailbox length says how much (at least 7 bytes, of which
            // n (bits 1-3) are unused in a 7-byte segment).
            var length = n - (base + 1)
            if length <= 7 { length = 7 - Int((c >> 1) & 7) }
            length = min(length, complete - have)
            guard length >= 0, base + 1 + length <= n else { throw .mailbox(.unexpectedResponse(command: c, service: EtherCATCoEWire.serviceSDOResponse)) }
            for i in 0..<length { buffer[have + i] = scratch[base + 1 + i] }
            have += length
            if c & 0x01 != 0 { break }  // the last segment
            toggle ^= 0x10
        }
        return have
    }

    /// Downloads (writes) `data` to object `index`:`subindex` of the slave behind `mailbox`: expedited when it is
    /// 1-4 bytes (and not complete access), otherwise normal, with as much as the receive mailbox holds in the
    /// initiate request and the rest in download segments (7 or more bytes each, the toggle alternating). With
    /// `completeAccess`, `data` is every subindex from `subindex` (0 or 1) on. `scratch` holds one mailbox. Every
    /// wait is bounded by `timeoutNs`; an abort comes back as `.sdoAbort`.
    // @implements SWR-ECAT-COE-1
    public mutating func sdoDownload(_ mailbox: inout EtherCATMailbox, index: UInt16, subindex: UInt8, completeAccess: Bool = false,
                                     from data: UnsafeRawBufferPointer, scratch: UnsafeMutableRawBufferPointer,
                                     timeoutNs: UInt64) throws(EtherCATMailboxFailure) {
        let size = Int(max(mailbox.receiveSize, mailbox.sendSize))
        guard mailbox.receiveSize >= 16, mailbox.sendSize >= 16, scratch.count >= size else { throw .mailbox(.mailboxTooSmall) }
        guard data.count > 0 else { throw .mailbox(.objectTooLarge(size: 0)) }
        let base = EtherCATCoEWire.mailboxHeader + EtherCATCoEWire.coeHeader
        scratch[base + 1] = UInt8(index & 0xFF); scratch[base + 2] = UInt8(index >> 8)
        scratch[base + 3] = subindex
        let access: UInt8 = completeAccess ? 0x10 : 0
        var sent: Int
        if data.count <= 4 && !completeAccess {
            // Expedited initiate: ccs 1, e and s set, n = 4 - size unused bytes.
            scratch[base] = 0x20 | UInt8(4 - data.count) << 2 | 0x02 | 0x01
            for i in 0..<4 { scratch[base + 4 + i] = i < data.count ? data[i] : 0 }
            try sendCoE(&mailbox, service: EtherCATCoEWire.serviceSDORequest, length: EtherCATCoEWire.coeHeader + 8, scratch: scratch)
            sent = data.count
        } else {
            // Normal initiate: s set, the complete size, then what fits.
            scratch[base] = 0x20 | access | 0x01
            let total = UInt32(data.count)
            for i in 0..<4 { scratch[base + 4 + i] = UInt8(truncatingIfNeeded: total >> (8 * UInt32(i))) }
            let room = Int(mailbox.receiveSize) - (base + 8)
            sent = min(room, data.count)
            for i in 0..<sent { scratch[base + 8 + i] = data[i] }
            try sendCoE(&mailbox, service: EtherCATCoEWire.serviceSDORequest, length: EtherCATCoEWire.coeHeader + 8 + sent, scratch: scratch)
        }
        _ = try receiveSDO(&mailbox, index: index, subindex: subindex, scratch: scratch, timeoutNs: timeoutNs)
        guard scratch[base] & 0xE0 == 0x60 else {
            throw .mailbox(.unexpectedResponse(command: scratch[base], service: EtherCATCoEWire.serviceSDOResponse))
        }
        var toggle: UInt8 = 0
        let segmentRoom = Int(mailbox.receiveSize) - (base + 1)
        while sent < data.count {
            let length = min(segmentRoom, data.count - sent)
            let last = sent + length == data.count
            // Download segment: ccs 0, toggle, n = 7 - size unused bytes of a short segment, c on the last one.
            scratch[base] = toggle | (length < 7 ? UInt8(7 - length) << 1 : 0) | (last ? 0x01 : 0)
            for i in 0..<length { scratch[base + 1 + i] = data[sent + i] }
            var pad = length
            while pad < 7 { scratch[base + 1 + pad] = 0; pad += 1 }
            try sendCoE(&mailbox, service: EtherCATCoEWire.serviceSDORequest, length: EtherCATCoEWire.coeHeader + 1 + max(length, 7), scratch: scratch)
            _ = try receiveSDO(&mailbox, index: nil, subindex: nil, scratch: scratch, timeoutNs: timeoutNs)
            let c = scratch[base]
            guard c & 0xE0 == 0x20, c & 0x10 == toggle else {
                throw .mailbox(.unexpectedResponse(command: c, service: EtherCATCoEWire.serviceSDOResponse))
            }
            sent += length
            toggle ^= 0x10
        }
    }

    /// Writes an SDO request (command, index, subindex, four zero bytes) into the slave's receive mailbox.
    mutating func sendSDO(_ mailbox: inout EtherCATMailbox, command: UInt8, index: UInt16, subindex: UInt8,
                          scratch: UnsafeMutableRawBufferPointer) throws(EtherCATMailboxFailure) {
        let base = EtherCATCoEWire.mailboxHeader + EtherCATCoEWire.coeHeader
        scratch[base] = command
        scratch[base + 1] = UInt8(index & 0xFF); scratch[base + 2] = UInt8(index >> 8)
        scratch[base + 3] = subindex
        for i in 4..<8 { scratch[base + i] = 0 }
        try sendCoE(&mailbox, service: EtherCATCoEWire.serviceSDORequest, length: EtherCATCoEWire.coeHeader + 8, scratch: scratch)
    }

    /// Sends the CoE message whose body (after the CoE header) the caller has put at `scratch[8...]`: `length` is
    /// what follows the mailbox header (CoE header included). The mailbox header and CoE header are filled in,
    /// the rest of the buffer zeroed, and the whole receive mailbox written, so that the sync manager passes it on.
    mutating func sendCoE(_ mailbox: inout EtherCATMailbox, service: UInt8, length: Int,
                          scratch: UnsafeMutableRawBufferPointer) throws(EtherCATMailboxFailure) {
        let size = Int(mailbox.receiveSize)
        guard EtherCATCoEWire.mailboxHeader + length <= size, size <= scratch.count else { throw .mailbox(.mailboxTooSmall) }
        for i in (EtherCATCoEWire.mailboxHeader + length)..<size { scratch[i] = 0 }
        scratch[0] = UInt8(length & 0xFF); scratch[1] = UInt8(length >> 8)  // length of what follows the mailbox header
        scratch[2] = 0; scratch[3] = 0                      // address: the master
        scratch[4] = 0                                      // channel 0, priority 0
        scratch[5] = EtherCATCoEWire.typeCoE | mailbox.nextCounter() << 4
        scratch[6] = 0; scratch[7] = service << 4           // number 0, service
        let wkc: UInt16
        do {
            wkc = try exchange(.fpwr, address: EtherCATDatagram.physical(adp: mailbox.station, ado: mailbox.receiveOffset),
                               data: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<size]))
        } catch {
            throw .exchange(error)
        }
        guard wkc == 1 else { throw .exchange(.workingCounter(expected: 1, got: wkc)) }
        mailbox.requestsSent &+= 1
    }

    /// Waits until the slave's send mailbox is full (sync manager 1's status, bit 3), reads it, and returns the
    /// bytes used (mailbox header included) when it holds the CoE SDO response (to `index`:`subindex` when they are
    /// given); emergencies are read and skipped. A mailbox error or another answer is an error.
    // @implements SWR-ECAT-COE-1
    mutating func receiveSDO(_ mailbox: inout EtherCATMailbox, index: UInt16?, subindex: UInt8?, scratch: UnsafeMutableRawBufferPointer,
                             timeoutNs: UInt64, information: Bool = false) throws(EtherCATMailboxFailure) -> Int {
        let deadline = link.nowNs() &+ timeoutNs
        let size = Int(mailbox.sendSize)
        while true {
            let status: UInt64
            do {
                status = try readStation(mailbox.station, EtherCATRegister.syncManager + 8 + 5, count: 1)
            } catch {
                throw .exchange(error)
            }
            if status & 0x08 == 0 {
                if link.nowNs() > deadline { throw .mailbox(.timeout) }
                continue
            }
            let wkc: UInt16
            do {
                wkc = try exchange(.fprd, address: EtherCATDatagram.physical(adp: mailbox.station, ado: mailbox.sendOffset),
                                   data: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<size]))
            } catch {
                throw .exchange(error)
            }
            guard wkc == 1 else { throw .exchange(.workingCounter(expected: 1, got: wkc)) }
            let length = Int(UInt16(scratch[0]) | UInt16(scratch[1]) << 8)
            let used = EtherCATCoEWire.mailboxHeader + length
            let type = scratch[5] & 0x0F
            if type == EtherCATCoEWire.typeError {
                throw .mailbox(.mailboxError(code: used >= 10 ? UInt16(scratch[8]) | UInt16(scratch[9]) << 8 : 0))
            }
            guard type == EtherCATCoEWire.typeCoE, used <= size, length >= EtherCATCoEWire.coeHeader + 1 else {
                throw .mailbox(.unexpectedResponse(command: 0, service: 0))
            }
            mailbox.responsesReceived &+= 1
            let service = scratch[7] >> 4
            if service == EtherCATCoEWire.serviceEmergency {
                // Error code (2), error register (1), manufacturer data (5).
                if used >= 16 {
                    mailbox.recordEmergency(EtherCATEmergency(code: UInt16(scratch[8]) | UInt16(scratch[9]) << 8, register: scratch[10],
                                                              data: UInt64(scratch[11]) | UInt64(scratch[12]) << 8 | UInt64(scratch[13]) << 16
                                                                  | UInt64(scratch[14]) << 24 | UInt64(scratch[15]) << 32))
                }
                if link.nowNs() > deadline { throw .mailbox(.timeout) }
                continue
            }
            let base = EtherCATCoEWire.mailboxHeader + EtherCATCoEWire.coeHeader
            let command = scratch[base]
            if information {
                // SDO information: opcode (bit 7: more fragments follow), reserved, fragments left; an error
                // (opcode 7) carries an abort code.
                guard service == EtherCATCoEWire.serviceSDOInformation, used >= base + 4 else {
                    throw .mailbox(.unexpectedResponse(command: command, service: service))
                }
                if command & 0x7F == 7 {
                    guard used >= base + 8 else { throw .mailbox(.unexpectedResponse(command: command, service: service)) }
                    throw .mailbox(.sdoAbort(index: index ?? 0, subindex: subindex ?? 0, code: EtherCATSDOAbortCode(u32(scratch, base + 4))))
                }
                return used
            }
            guard service == EtherCATCoEWire.serviceSDOResponse || service == EtherCATCoEWire.serviceSDORequest else {
                throw .mailbox(.unexpectedResponse(command: command, service: service))
            }
            if command & 0xE0 == 0x80 {  // abort (ccs 4; some slaves leave the other bits of the request set)
                guard used >= base + 8 else { throw .mailbox(.unexpectedResponse(command: command, service: service)) }
                throw .mailbox(.sdoAbort(index: UInt16(scratch[base + 1]) | UInt16(scratch[base + 2]) << 8, subindex: scratch[base + 3],
                                         code: EtherCATSDOAbortCode(u32(scratch, base + 4))))
            }
            guard service == EtherCATCoEWire.serviceSDOResponse else {
                throw .mailbox(.unexpectedResponse(command: command, service: service))
            }
            if let index, let subindex {
                guard used >= base + EtherCATCoEWire.sdoHeader + 4,
                      UInt16(scratch[base + 1]) | UInt16(scratch[base + 2]) << 8 == index, scratch[base + 3] == subindex else {
                    throw .mailbox(.unexpectedResponse(command: command, service: service))
                }
            }
            return used
        }
    }

    func u32(_ b: UnsafeMutableRawBufferPointer, _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
}

/// A CoE exchange failed: on the wire, or in the mailbox protocol.
public enum EtherCATMailboxFailure: Error, Sendable, Equatable {
    case exchange(EtherCATError)
    case mailbox(EtherCATMailboxError)
}
