// Fuzz targets of the portable EtherCAT stack: received frames (the datagram reader and the master's reply
// matching) and SII EEPROM images; and `orion ecat`'s remapping arguments.

import EtherCATTool
import Fieldbus

enum FuzzEtherCAT {
    /// `--map` (first byte even) or `--assign` (odd) values: what parses is within the bounds and reads back the
    /// same when written out again in hex.
    static func remapArguments(_ input: UnsafeRawBufferPointer) {
        guard let selector = input.first else { return }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: input.dropFirst()), as: UTF8.self)
        func hex(_ v: some BinaryInteger) -> String { "0x" + String(v, radix: 16) }
        if selector & 1 == 0 {
            guard let map = try? EtherCATRemap.parseMap(text) else { return }
            invariant(map.position <= EtherCATRemap.maxPosition && map.entries.count <= 254, "out of bounds: \(text.debugDescription)")
            invariant((0x1600...0x17FF).contains(map.pdo) || (0x1A00...0x1BFF).contains(map.pdo), "PDO \(map.pdo) taken")
            invariant(map.entries.allSatisfy { $0 & 0xFF != 0 }, "an entry of 0 bits taken from \(text.debugDescription)")
            let again = "\(map.position):\(hex(map.pdo))=" + map.entries.map { "\(hex($0 >> 16)):\(hex(($0 >> 8) & 0xFF)):\($0 & 0xFF)" }.joined(separator: ",")
            invariant((try? EtherCATRemap.parseMap(again)) == map, "\(again) does not read back as \(text.debugDescription)")
        } else {
            guard let assign = try? EtherCATRemap.parseAssign(text) else { return }
            invariant(assign.position <= EtherCATRemap.maxPosition && assign.pdos.count <= 254, "out of bounds: \(text.debugDescription)")
            invariant((0x1C10...0x1C2F).contains(assign.object), "object \(assign.object) taken")
            let again = "\(assign.position):\(hex(assign.object))=" + assign.pdos.map { hex($0) }.joined(separator: ",")
            invariant((try? EtherCATRemap.parseAssign(again)) == assign, "\(again) does not read back as \(text.debugDescription)")
        }
    }

    /// The input as a received frame: every datagram read (each within the frame), then handed to a master as
    /// the reply to a broadcast read, which must take it or count it and give up, never trap.
    static func frame(_ input: UnsafeRawBufferPointer) {
        if var reader = try? EtherCATFrameReader(frame: input) {
            var count = 0
            while let d = try? reader.next() {
                invariant(d.dataOffset + d.length + 2 <= input.count, "datagram past the frame")
                count += 1
                invariant(count <= input.count / 12 + 1, "more datagrams than the frame holds")
            }
        }
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: EtherCATWire.maxFrame, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        defer { tx.deallocate(); rx.deallocate() }
        var master = EtherCATMaster(link: ReplayLink(reply: input), tx: tx, rx: rx, timeoutNs: 1000, attempts: 1)
        let length = input.count > 0 ? Int(input[0] % 9) : 2
        if let (_, _) = try? master.read(.brd, adp: 0, ado: 0, count: length) {
            invariant(master.counters.framesReceived == 1, "an answer without a frame")
        } else {
            invariant(master.counters.framesLost == 1, "a lost frame not counted")
        }
    }

    /// The input as an SII image: every accessor over it.
    static func sii(_ input: UnsafeRawBufferPointer) {
        guard let sii = try? EtherCATSII(image: input) else {
            invariant(input.count < EtherCATSII.headerBytes, "a full header refused")
            return
        }
        _ = (sii.vendorID, sii.productCode, sii.revision, sii.serialNumber, sii.mailboxProtocols, sii.eepromBytes)
        _ = try? sii.general()
        for i in 0...255 {
            if let s = try? sii.string(UInt8(i)) {
                invariant(s.count <= 255, "a string longer than its length byte allows")
            }
        }
        try? sii.forEachSyncManager { _, _ in }
        for inputs in [false, true] {
            try? sii.forEachPDO(inputs: inputs) { pdo in
                var i = 0
                while i < pdo.entryCount { _ = sii.entry(pdo, i); i += 1 }
            }
            _ = try? sii.pdoBits(inputs: inputs)
        }
    }
}

extension FuzzEtherCAT {
    /// The input as what a slave's send mailbox holds after an SDO upload request (each read of it gives the
    /// next 64 bytes, so segmented transfers get fresh answers): the upload ends with bytes or an error, within
    /// the buffer, never a trap or a hang.
    static func mailbox(_ input: UnsafeRawBufferPointer) {
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: EtherCATWire.maxFrame, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { tx.deallocate(); rx.deallocate(); buffer.deallocate(); scratch.deallocate() }
        var master = EtherCATMaster(link: MailboxReplayLink(answers: input), tx: tx, rx: rx, timeoutNs: 10_000, attempts: 1)
        var mailbox = EtherCATMailbox(station: 1001, receiveOffset: 0x1000, receiveSize: 64, sendOffset: 0x1100, sendSize: 64)
        if let n = try? master.sdoUpload(&mailbox, index: 0x1018, subindex: 1, into: buffer, scratch: scratch, timeoutNs: 1_000_000) {
            invariant(n <= buffer.count, "an upload longer than its buffer")
        }
        // The same answers to a download of 100 bytes (an initiate of 48, then segments of up to 55).
        var writer = EtherCATMaster(link: MailboxReplayLink(answers: input), tx: tx, rx: rx, timeoutNs: 10_000, attempts: 1)
        var target = EtherCATMailbox(station: 1001, receiveOffset: 0x1000, receiveSize: 64, sendOffset: 0x1100, sendSize: 64)
        for i in 0..<100 { buffer[i] = UInt8(i) }
        _ = try? writer.sdoDownload(&target, index: 0x2000, subindex: 1, from: UnsafeRawBufferPointer(rebasing: buffer[0..<100]),
                                    scratch: scratch, timeoutNs: 1_000_000)
        invariant(target.requestsSent <= 3, "more download requests than 100 bytes need")
        // The same answers to SDO information: the object list (fragments), an object's and an entry's description.
        var reader = EtherCATMaster(link: MailboxReplayLink(answers: input), tx: tx, rx: rx, timeoutNs: 10_000, attempts: 1)
        var dictionary = EtherCATMailbox(station: 1001, receiveOffset: 0x1000, receiveSize: 64, sendOffset: 0x1100, sendSize: 64)
        var listed = 0
        _ = try? reader.sdoObjectList(&dictionary, scratch: scratch, timeoutNs: 100_000) { _ in listed += 1 }
        invariant(listed <= input.count / 2, "more objects listed than the answers hold")
        let name = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<16])
        if let o = try? reader.sdoObjectDescription(&dictionary, index: 0x1018, name: name, scratch: scratch, timeoutNs: 100_000) {
            invariant(o.nameLength <= name.count, "an object name longer than its buffer")
        }
        if let e = try? reader.sdoEntryDescription(&dictionary, index: 0x1018, subindex: 1, name: name, scratch: scratch, timeoutNs: 100_000) {
            invariant(e.nameLength <= name.count, "an entry name longer than its buffer")
        }
    }
}

/// A one-slave segment whose send mailbox is full with the next 64 bytes of `answers` at every read; every
/// write is acknowledged. The clock moves a microsecond a frame.
struct MailboxReplayLink: EtherCATLink {
    let answers: UnsafeRawBufferPointer
    var offset = 0
    var clock: UInt64 = 0
    var pending: [UInt8] = []
    var macAddress: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) { (2, 0, 0, 0, 0, 1) }

    mutating func send(_ frame: UnsafeRawBufferPointer) throws(EtherCATLinkError) {
        clock += 1000
        guard frame.count >= 28 else { return }
        var reply = [UInt8](frame)
        let command = frame[16], ado = UInt16(frame[20]) | UInt16(frame[21]) << 8
        let length = Int(UInt16(frame[22]) | UInt16(frame[23]) << 8) & 0x7FF
        guard 26 + length + 2 <= reply.count else { return }
        if command == EtherCATCommand.fprd.rawValue && ado == 0x080D {
            reply[26] = offset < answers.count ? 0x08 : 0
        } else if command == EtherCATCommand.fprd.rawValue && ado == 0x1100 {
            for i in 0..<length {
                reply[26 + i] = offset + i < answers.count ? answers[offset + i] : 0
            }
            offset += 64
        }
        reply[26 + length] = 1
        pending = reply
    }

    mutating func receive(into buffer: UnsafeMutableRawBufferPointer, deadlineNs: UInt64) throws(EtherCATLinkError) -> Int {
        guard !pending.isEmpty else {
            clock = deadlineNs + 1
            return 0
        }
        let n = min(pending.count, buffer.count)
        for i in 0..<n { buffer[i] = pending[i] }
        pending = []
        return n
    }

    func nowNs() -> UInt64 { clock }
}

/// A link whose every receive returns `reply` once, then nothing.
struct ReplayLink: EtherCATLink {
    let reply: UnsafeRawBufferPointer
    var delivered = false
    var clock: UInt64 = 0
    var macAddress: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) { (2, 0, 0, 0, 0, 1) }

    mutating func send(_ frame: UnsafeRawBufferPointer) throws(EtherCATLinkError) {}

    mutating func receive(into buffer: UnsafeMutableRawBufferPointer, deadlineNs: UInt64) throws(EtherCATLinkError) -> Int {
        guard !delivered else {
            clock = deadlineNs + 1
            return 0
        }
        delivered = true
        let n = min(reply.count, buffer.count)
        if n > 0 { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: reply[0..<n])) }
        return n
    }

    func nowNs() -> UInt64 { clock }
}
