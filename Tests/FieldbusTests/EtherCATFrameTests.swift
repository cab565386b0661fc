// The EtherCAT frame codec, working-counter rules, SII image parsing and the master's exchange (retries, lost,
// unmatched and malformed frames) against a scripted link.

import Testing
@testable import Fieldbus

private let master: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0x02, 0x00, 0x00, 0x00, 0x00, 0x01)

private func frame(_ build: (inout EtherCATFrameWriter) -> Void) -> [UInt8] {
    var bytes = [UInt8](repeating: 0xAA, count: EtherCATWire.maxFrame)
    let n = bytes.withUnsafeMutableBytes { raw -> Int in
        var w = EtherCATFrameWriter(buffer: raw, source: master)
        build(&w)
        return w.finish()
    }
    return Array(bytes[0..<n])
}

private func datagrams(_ bytes: [UInt8]) throws -> [EtherCATDatagram] {
    try bytes.withUnsafeBytes { raw in
        var reader = try EtherCATFrameReader(frame: raw)
        var out: [EtherCATDatagram] = []
        while let d = try reader.next() { out.append(d) }
        return out
    }
}

private func readerError(_ bytes: [UInt8]) -> EtherCATFrameError? {
    do {
        _ = try datagrams(bytes)
        return nil
    } catch let error as EtherCATFrameError {
        return error
    } catch {
        return nil
    }
}

@Suite("EtherCAT frames")
struct EtherCATFrameTests {
    /// A BRD of register 0x0000 (2 bytes), index 1, as every master's first frame: byte for byte.
    @Test func aBroadcastReadIsLaidOutAsTheStandardSays() {
        let bytes = frame { w in _ = w.append(.brd, index: 1, address: EtherCATDatagram.physical(adp: 0, ado: 0), length: 2) }
        #expect(bytes.count == 60)  // padded to the Ethernet minimum
        #expect(Array(bytes[0..<6]) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Array(bytes[6..<12]) == [0x02, 0, 0, 0, 0, 0x01])
        #expect(Array(bytes[12..<14]) == [0x88, 0xA4])
        #expect(Array(bytes[14..<16]) == [0x0E, 0x10])  // 14 bytes of datagrams, type 1
        #expect(Array(bytes[16..<30]) == [0x07, 0x01, 0, 0, 0, 0, 0x02, 0x00, 0, 0, 0, 0, 0, 0])
        #expect(bytes[30...].allSatisfy { $0 == 0 })
    }

    // @verifies SWR-ECAT-FRAME-1
    @Test func severalDatagramsRoundTripWithTheMoreBitAndAddresses() throws {
        var offsets: [Int] = []
        let bytes = frame { w in
            offsets.append(w.append(.aprd, index: 7, address: EtherCATDatagram.physical(adp: EtherCATDatagram.autoIncrement(position: 3), ado: 0x0130), length: 2)!)
            offsets.append(w.append(.fpwr, index: 8, address: EtherCATDatagram.physical(adp: 1001, ado: 0x0120), length: 2)!)
            offsets.append(w.append(.lrw, index: 9, address: 0x0001_0000, length: 100)!)
        }
        let d = try datagrams(bytes)
        #expect(d.count == 3)
        #expect(d.map(\.command) == [.aprd, .fpwr, .lrw])
        #expect(d.map(\.index) == [7, 8, 9])
        #expect(d[0].adp == 0xFFFD && d[0].ado == 0x0130)
        #expect(d[1].adp == 1001 && d[1].ado == 0x0120)
        #expect(d[2].address == 0x0001_0000 && d[2].length == 100)
        #expect(d.map(\.dataOffset) == offsets)
        #expect(bytes[16 + 7] & 0x80 != 0 && bytes[offsets[1] - 10 + 7] & 0x80 != 0)  // M on all but the last
        #expect(bytes[offsets[2] - 10 + 7] & 0x80 == 0)
    }

    @Test func aDatagramThatDoesNotFitIsRefused() {
        var bytes = [UInt8](repeating: 0, count: EtherCATWire.maxFrame)
        bytes.withUnsafeMutableBytes { raw in
            var w = EtherCATFrameWriter(buffer: raw, source: master)
            #expect(w.append(.lrd, index: 0, address: 0, length: EtherCATWire.maxDatagramData + 1) == nil)
            #expect(w.append(.lrd, index: 0, address: 0, length: EtherCATWire.maxDatagramData) != nil)
            #expect(w.append(.nop, index: 1, address: 0, length: 0) == nil)
            #expect(w.finish() == EtherCATWire.maxFrame)
        }
    }

    // @verifies SWR-ECAT-FRAME-1
    @Test func malformedFramesGetTheirReason() {
        let good = frame { w in _ = w.append(.brd, index: 1, address: 0, length: 2) }
        #expect(readerError(Array(good[0..<15])) == .truncatedFrame)
        var ip = good; ip[12] = 0x08; ip[13] = 0x00
        #expect(readerError(ip) == .notEtherCAT(etherType: 0x0800))
        var mailbox = good; mailbox[15] = 0x50  // type 5
        #expect(readerError(mailbox) == .unsupportedType(5))
        var long = good; long[14] = 0xFF; long[15] = 0x17  // 0x7FF bytes
        #expect(readerError(long) == .lengthPastFrame(length: 0x7FF, available: good.count - 16))
        var cut = good; cut[22] = 0x40  // datagram length 64 inside a 14-byte EtherCAT length
        #expect(readerError(cut) == .truncatedDatagram(offset: 16))
        var unknown = good; unknown[16] = 0x20
        #expect(readerError(unknown) == .unknownCommand(0x20))
        var more = good; more[23] |= 0x80  // M set on the last datagram
        #expect(readerError(more) == .missingDatagram(offset: 30))
    }

    @Test func workingCountersFollowTheReadWriteRules() {
        #expect(EtherCATCommand.brd.expectedWorkingCounter(readers: 5) == 5)
        #expect(EtherCATCommand.fpwr.expectedWorkingCounter(readers: 0, writers: 1) == 1)
        #expect(EtherCATCommand.lrw.expectedWorkingCounter(readers: 2, writers: 1, readWriters: 1) == 2 + 2 + 3)
        #expect(EtherCATCommand.aprw.expectedWorkingCounter(readers: 0, readWriters: 1) == 3)
        #expect(EtherCATCommand.armw.expectedWorkingCounter(readers: 1, writers: 3) == 4)
        let all = (0...255).compactMap { EtherCATCommand(rawValue: UInt8($0)) }
        #expect(all.filter { $0.reads && $0.writes }.map(\.name.description) == ["APRW", "FPRW", "BRW", "LRW", "ARMW", "FRMW"])
        #expect(all.count == 15)
    }

    @Test func alStatusCodesHaveTheirNames() {
        #expect(EtherCATALStatusCode(0x001B).name?.description == "Sync manager watchdog")
        #expect(EtherCATALStatusCode(0x001D).name?.description == "Invalid output configuration")
        #expect(EtherCATALStatusCode(0x001E).name?.description == "Invalid input configuration")
        #expect(EtherCATALStatusCode(0x0011).name?.description == "Invalid requested state change")
        #expect(EtherCATALStatusCode(0x1234).name == nil)
        let status = EtherCATALStatus(raw: 0x0014)
        #expect(status.state == .safeOperational && status.error)
        #expect(EtherCATALStatus(raw: 0x0005).state == nil)
    }
}

/// An SII image built field by field: header, strings, general, sync managers, a TxPDO.
func siiImage(extraCategories: [[UInt8]] = [], end: Bool = true) -> [UInt8] {
    var image = [UInt8](repeating: 0, count: 0x80)
    func put16(_ word: Int, _ v: UInt16) { image[word * 2] = UInt8(v & 0xFF); image[word * 2 + 1] = UInt8(v >> 8) }
    func put32(_ word: Int, _ v: UInt32) { put16(word, UInt16(v & 0xFFFF)); put16(word + 1, UInt16(v >> 16)) }
    put16(0x04, 7)           // alias
    put32(0x08, 0x0000_079A) // vendor
    put32(0x0A, 0x00DE_FEDE) // product
    put32(0x0C, 0x0000_5A01) // revision
    put32(0x0E, 42)          // serial
    put16(0x18, 0x1000); put16(0x19, 128); put16(0x1A, 0x1080); put16(0x1B, 128)
    put16(0x1C, 0x000C)      // CoE, FoE
    put16(0x3E, 15)          // 2 KiB
    put16(0x3F, 1)
    func category(_ type: UInt16, _ data: [UInt8]) {
        var d = data
        if d.count % 2 == 1 { d.append(0) }
        image += [UInt8(type & 0xFF), UInt8(type >> 8), UInt8((d.count / 2) & 0xFF), UInt8((d.count / 2) >> 8)] + d
    }
    let strings = ["Group", "image", "EK9999", "Test terminal", "Inputs", "Counter"]
    category(10, [UInt8(strings.count)] + strings.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) })
    var general = [UInt8](repeating: 0, count: 32)
    general[0] = 1; general[1] = 2; general[2] = 3; general[3] = 4; general[5] = 0x23; general[12] = 0x6E  // 110 mA
    category(30, general)
    category(41, [0x00, 0x10, 128, 0, 0x26, 0, 1, 1,  0x80, 0x10, 128, 0, 0x22, 0, 1, 2,
                  0x00, 0x11, 0, 0, 0x24, 0, 1, 3,    0x80, 0x11, 6, 0, 0x20, 0, 1, 4])
    // TxPDO 0x1A00 on SM3 with two entries: 0x6000:01 16 bit "Counter", 0x6000:02 32 bit.
    category(50, [0x00, 0x1A, 2, 3, 0, 5, 0, 0,
                  0x00, 0x60, 1, 6, 6, 16, 0, 0,
                  0x00, 0x60, 2, 0, 7, 32, 0, 0])
    for c in extraCategories { image += c }
    if end { image += [0xFF, 0xFF] }
    return image
}

@Suite("EtherCAT SII")
struct EtherCATSIITests {
    // @verifies SWR-ECAT-SII-1
    @Test func headerGeneralStringsSyncManagersAndPDOsAreRead() throws {
        try siiImage().withUnsafeBytes { raw in
            let sii = try EtherCATSII(image: raw)
            #expect(sii.stationAlias == 7 && sii.vendorID == 0x079A && sii.productCode == 0xDEFEDE && sii.revision == 0x5A01 && sii.serialNumber == 42)
            #expect(sii.mailboxReceiveOffset == 0x1000 && sii.mailboxSendSize == 128)
            #expect(sii.mailboxProtocols == EtherCATMailboxProtocols.coe.union(.foe))
            #expect(sii.eepromBytes == 2048)
            let general = try #require(try sii.general())
            #expect(general.currentOnEBus == 110 && general.coeDetails == 0x23)
            #expect(String(decoding: try #require(try sii.string(general.nameIndex)), as: UTF8.self) == "Test terminal")
            #expect(String(decoding: try #require(try sii.string(general.orderIndex)), as: UTF8.self) == "EK9999")
            #expect(try sii.string(0) == nil && sii.string(7) == nil)
            var kinds: [UInt8] = []
            try sii.forEachSyncManager { _, sm in kinds.append(sm.type) }
            #expect(kinds == [1, 2, 3, 4])
            var pdos: [EtherCATSIIPDO] = []
            try sii.forEachPDO(inputs: true) { pdos.append($0) }
            #expect(pdos.count == 1 && pdos[0].index == 0x1A00 && pdos[0].syncManager == 3 && pdos[0].entryCount == 2)
            #expect(sii.entry(pdos[0], 1) == EtherCATSIIPDOEntry(index: 0x6000, subindex: 2, nameIndex: 0, dataType: 7, bitLength: 32, flags: 0))
            #expect(try sii.pdoBits(inputs: true) == 48 && sii.pdoBits(inputs: false) == 0)
        }
    }

    // @verifies SWR-ECAT-SII-1
    @Test func malformedImagesAreErrorsNotTraps() throws {
        #expect(throws: EtherCATSIIError.truncatedHeader(bytes: 10)) {
            try [UInt8](repeating: 0, count: 10).withUnsafeBytes { _ = try EtherCATSII(image: $0) }
        }
        // A category whose size runs past the image.
        let past = siiImage(extraCategories: [[41, 0, 0x40, 0]], end: false)
        #expect(throws: EtherCATSIIError.categoryPastEnd(wordOffset: (past.count - 4) / 2)) {
            try past.withUnsafeBytes { raw in _ = try EtherCATSII(image: raw).category(.distributedClocks) }
        }
        // 65 NOP categories before the end: refused.
        let many = siiImage(extraCategories: Array(repeating: [0, 0, 0, 0], count: 65))
        #expect(throws: EtherCATSIIError.tooManyCategories) {
            try many.withUnsafeBytes { raw in _ = try EtherCATSII(image: raw).category(.distributedClocks) }
        }
        // A PDO whose entries run past its category; a string past the strings category.
        var badPDO = siiImage()
        let pdoHeader = badPDO.count - 2 - 24 - 4
        badPDO[pdoHeader + 4 + 2] = 9  // nine entries in a 24-byte category
        #expect(throws: EtherCATSIIError.malformedCategory(type: 50, wordOffset: pdoHeader / 2)) {
            try badPDO.withUnsafeBytes { raw in try EtherCATSII(image: raw).forEachPDO(inputs: true) { _ in } }
        }
        var badString = siiImage()
        badString[0x80 + 4 + 1] = 200  // the first string claims 200 bytes
        #expect(throws: EtherCATSIIError.malformedCategory(type: 10, wordOffset: 0x40)) {
            try badString.withUnsafeBytes { raw in _ = try EtherCATSII(image: raw).string(2) }
        }
    }
}

/// A link that answers from a script: each sent frame is handed to `answer`, which returns the frames to
/// deliver (none: the frame is lost).
struct ScriptedLink: EtherCATLink {
    var macAddress: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) { master }
    var answer: ([UInt8]) -> [[UInt8]]
    var queue: [[UInt8]] = []
    var clock: UInt64 = 0
    var sent = 0

    mutating func send(_ frame: UnsafeRawBufferPointer) throws(EtherCATLinkError) {
        sent += 1
        clock += 1000  // a frame takes a microsecond on the wire and in the slaves
        queue += answer(Array(frame))
    }

    mutating func receive(into buffer: UnsafeMutableRawBufferPointer, deadlineNs: UInt64) throws(EtherCATLinkError) -> Int {
        guard !queue.isEmpty else {
            clock = deadlineNs + 1
            return 0
        }
        let f = queue.removeFirst()
        for (i, b) in f.prefix(buffer.count).enumerated() { buffer[i] = b }
        return min(f.count, buffer.count)
    }

    func nowNs() -> UInt64 { clock }
}

/// The reply a segment of `slaves` slaves gives to a frame whose first datagram is a read: data set to `value`
/// bytes, working counter `wkc`.
func reply(to frame: [UInt8], wkc: UInt16, fill: UInt8 = 0x5A) -> [UInt8] {
    var r = frame
    r[6] |= 0x02  // the first slave marks the source address
    let length = Int(UInt16(r[22]) | UInt16(r[23]) << 8) & 0x7FF
    for i in 0..<length { r[26 + i] = fill }
    r[26 + length] = UInt8(wkc & 0xFF)
    r[27 + length] = UInt8(wkc >> 8)
    return r
}

@Suite("EtherCAT master exchange")
struct EtherCATMasterTests {
    func withMaster<R>(_ answer: @escaping ([UInt8]) -> [[UInt8]], _ body: (inout EtherCATMaster<ScriptedLink>) throws -> R) rethrows -> R {
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        defer { tx.deallocate(); rx.deallocate() }
        var m = EtherCATMaster(link: ScriptedLink(answer: answer), tx: tx, rx: rx, timeoutNs: 1_000_000, attempts: 3)
        return try body(&m)
    }

    // @verifies SWR-ECAT-MATCH-1
    @Test func aReplyIsMatchedByIndexAndItsDataAndWorkingCounterReturned() throws {
        try withMaster({ [reply(to: $0, wkc: 3)] }) { (m: inout EtherCATMaster<ScriptedLink>) throws in
            let (value, wkc) = try m.read(.brd, adp: 0, ado: 0, count: 2)
            #expect(value == 0x5A5A && wkc == 3)
            #expect(try m.countSlaves() == 3)
            #expect(m.counters.framesSent == 2 && m.counters.framesReceived == 2 && m.counters.framesLost == 0)
        }
    }

    // @verifies SWR-ECAT-MATCH-1
    @Test func aLostFrameIsSentAgainAndCounted() throws {
        var calls = 0
        try withMaster({ f in calls += 1; return calls == 1 ? [] : [reply(to: f, wkc: 1)] }) { (m: inout EtherCATMaster<ScriptedLink>) throws in
            #expect(try m.read(.fprd, adp: 1001, ado: 0x130, count: 2).1 == 1)
            #expect(m.counters.framesLost == 1 && m.counters.framesSent == 2)
        }
        try withMaster({ _ in [] }) { (m: inout EtherCATMaster<ScriptedLink>) throws in
            #expect(throws: EtherCATError.noResponse) { _ = try m.read(.brd, adp: 0, ado: 0, count: 2) }
            #expect(m.counters.framesLost == 3)
        }
    }

    // @verifies SWR-ECAT-MATCH-1
    @Test func strayMalformedAndOldFramesAreCountedAndDropped() throws {
        try withMaster({ f in
            var stale = reply(to: f, wkc: 9)
            stale[17] &-= 1  // an older index
            var truncated = reply(to: f, wkc: 1)
            truncated.removeLast(40)
            var ip = f; ip[12] = 0x08; ip[13] = 0
            // The right datagram, but its more-datagrams bit promises a second one the frame does not hold.
            var dangling = reply(to: f, wkc: 1)
            dangling[23] |= 0x80
            return [stale, truncated, ip, dangling, reply(to: f, wkc: 1)]
        }) { (m: inout EtherCATMaster<ScriptedLink>) throws in
            #expect(try m.read(.fprd, adp: 1001, ado: 0x130, count: 2) == (0x5A5A, 1))
            #expect(m.counters.framesUnmatched == 1 && m.counters.framesMalformed == 3 && m.counters.framesLost == 0)
        }
    }
}

/// A one-slave segment in a script: FPWR/FPRD at station 1001 answer with WKC 1; register 0x0130 (AL status)
/// reads as the next of `statuses` (the last repeats), 0x0134 as `code`; writes are recorded.
final class ScriptedSlave: @unchecked Sendable {
    var statuses: [UInt16]
    var code: UInt16
    var writes: [(UInt16, [UInt8])] = []

    init(statuses: [UInt16], code: UInt16 = 0) {
        self.statuses = statuses
        self.code = code
    }

    func answer(_ frame: [UInt8]) -> [[UInt8]] {
        let command = frame[16], ado = UInt16(frame[20]) | UInt16(frame[21]) << 8
        let length = Int(UInt16(frame[22]) | UInt16(frame[23]) << 8) & 0x7FF
        var reply = reply(to: frame, wkc: 1, fill: 0)
        if command == EtherCATCommand.fpwr.rawValue {
            writes.append((ado, Array(frame[26..<(26 + length)])))
            reply = frame
            reply[26 + length] = 1
        } else if ado == EtherCATRegister.alStatus {
            let value = statuses.count > 1 ? statuses.removeFirst() : statuses[0]
            reply[26] = UInt8(value & 0xFF); reply[27] = UInt8(value >> 8)
        } else if ado == EtherCATRegister.alStatusCode {
            reply[26] = UInt8(code & 0xFF); reply[27] = UInt8(code >> 8)
        }
        return [reply]
    }
}

@Suite("EtherCAT state machine and mailbox setup")
struct EtherCATStateMachineTests {
    func withSlave<R>(_ slave: ScriptedSlave, _ body: (inout EtherCATMaster<ScriptedLink>) throws -> R) rethrows -> R {
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        defer { tx.deallocate(); rx.deallocate() }
        var m = EtherCATMaster(link: ScriptedLink(answer: slave.answer), tx: tx, rx: rx, timeoutNs: 1_000_000, attempts: 1)
        return try body(&m)
    }

    // @verifies SWR-ECAT-STATE-1
    @Test func aRequestedStateIsWaitedForThenReached() throws {
        let slave = ScriptedSlave(statuses: [0x0001, 0x0001, 0x0002])
        try withSlave(slave) { (m: inout EtherCATMaster<ScriptedLink>) throws in
            try m.requestState(station: 1001, .preOperational, timeoutNs: 1_000_000_000)
        }
        #expect(slave.writes.count == 1 && slave.writes[0].0 == EtherCATRegister.alControl && slave.writes[0].1 == [0x02, 0x00])
    }

    // @verifies SWR-ECAT-STATE-1
    @Test func aRefusalIsReportedWithItsCodeAndAcknowledged() throws {
        let slave = ScriptedSlave(statuses: [0x0012], code: 0x0011)
        #expect(throws: EtherCATError.state(station: 1001, requested: .bootstrap, status: EtherCATALStatus(raw: 0x0012),
                                            code: EtherCATALStatusCode(0x0011))) {
            try withSlave(slave) { (m: inout EtherCATMaster<ScriptedLink>) throws in
                try m.requestState(station: 1001, .bootstrap, timeoutNs: 1_000_000_000)
            }
        }
        // The request, then the acknowledge of the state it is in (PREOP | 0x10).
        #expect(slave.writes.map(\.1) == [[0x03, 0x00], [0x12, 0x00]])
    }

    // @verifies SWR-ECAT-STATE-1
    @Test func aSlaveThatNeverGetsThereIsATimeoutNotAHang() throws {
        let slave = ScriptedSlave(statuses: [0x0001])
        #expect(throws: EtherCATError.state(station: 1001, requested: .preOperational, status: EtherCATALStatus(raw: 0x0001),
                                            code: EtherCATALStatusCode(0))) {
            try withSlave(slave) { (m: inout EtherCATMaster<ScriptedLink>) throws in
                try m.requestState(station: 1001, .preOperational, timeoutNs: 50_000)  // 50 frames' time
            }
        }
    }

    @Test func theMailboxSyncManagersComeFromTheSII() throws {
        let slave = ScriptedSlave(statuses: [0x0001])
        try withSlave(slave) { (m: inout EtherCATMaster<ScriptedLink>) throws in
            try m.configureMailbox(station: 1001, receiveOffset: 0x1000, receiveSize: 128, sendOffset: 0x1080, sendSize: 128)
            try m.configureMailbox(station: 1001, receiveOffset: 0, receiveSize: 0, sendOffset: 0, sendSize: 0)  // none
        }
        #expect(slave.writes.count == 2)
        #expect(slave.writes[0].0 == 0x0800 && slave.writes[0].1 == [0x00, 0x10, 128, 0, 0x26, 0, 0x01, 0])
        #expect(slave.writes[1].0 == 0x0808 && slave.writes[1].1 == [0x80, 0x10, 128, 0, 0x22, 0, 0x01, 0])
    }
}

/// A slave's mailbox in a script: a request written to the receive mailbox (0x1000) is answered by `respond`
/// with the mailbox bytes to put in the send mailbox (0x1100), which SM1's status (0x080D) then shows full.
class ScriptedMailboxSlave: @unchecked Sendable {
    let size: Int
    var pending: [UInt8]? = nil
    var requests: [[UInt8]] = []
    let respond: ([UInt8]) -> [UInt8]

    init(size: Int, respond: @escaping ([UInt8]) -> [UInt8]) {
        self.size = size
        self.respond = respond
    }

    func answer(_ frame: [UInt8]) -> [[UInt8]] {
        let command = frame[16], ado = UInt16(frame[20]) | UInt16(frame[21]) << 8
        let length = Int(UInt16(frame[22]) | UInt16(frame[23]) << 8) & 0x7FF
        var r = frame
        r[26 + length] = 1  // WKC
        if command == EtherCATCommand.fpwr.rawValue && ado == 0x1000 {
            let request = Array(frame[26..<(26 + length)])
            requests.append(request)
            pending = respond(request)
        } else if command == EtherCATCommand.fprd.rawValue && ado == 0x080D {
            r[26] = pending == nil ? 0 : 0x08
        } else if command == EtherCATCommand.fprd.rawValue && ado == 0x1100 {
            let m = pending ?? []
            for i in 0..<length { r[26 + i] = i < m.count ? m[i] : 0 }
            pending = nil
        }
        return [r]
    }

    /// A CoE mailbox message: the mailbox header, CoE header (`service`), then `body`.
    static func coe(service: UInt8, _ body: [UInt8]) -> [UInt8] {
        let length = 2 + body.count
        return [UInt8(length & 0xFF), UInt8(length >> 8), 0, 0, 0, 0x03 | 0x10, 0, service << 4] + body
    }
}

@Suite("EtherCAT CoE SDO upload")
struct EtherCATCoETests {
    func upload(_ slave: ScriptedMailboxSlave, index: UInt16, subindex: UInt8, capacity: Int = 256) throws(EtherCATMailboxFailure) -> [UInt8] {
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: slave.size, alignment: 8)
        defer { tx.deallocate(); rx.deallocate(); buffer.deallocate(); scratch.deallocate() }
        var m = EtherCATMaster(link: ScriptedLink(answer: slave.answer), tx: tx, rx: rx, timeoutNs: 1_000_000, attempts: 1)
        var mailbox = EtherCATMailbox(station: 1001, receiveOffset: 0x1000, receiveSize: UInt16(slave.size), sendOffset: 0x1100,
                                      sendSize: UInt16(slave.size))
        let n = try m.sdoUpload(&mailbox, index: index, subindex: subindex, into: buffer, scratch: scratch, timeoutNs: 100_000)
        return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }

    // @verifies SWR-ECAT-COE-1
    @Test func anExpeditedUploadGivesItsBytesAndTheRequestIsLaidOutRight() throws {
        let slave = ScriptedMailboxSlave(size: 128) { _ in
            ScriptedMailboxSlave.coe(service: 3, [0x4B, 0x18, 0x10, 0x01, 0xA5, 0x06, 0x00, 0x00])  // 2 bytes (n = 2)
        }
        #expect(try upload(slave, index: 0x1018, subindex: 1) == [0xA5, 0x06])
        let request = try #require(slave.requests.first)
        #expect(request.count == 128)  // the whole receive mailbox, so the sync manager passes it on
        #expect(Array(request[0..<16]) == [10, 0, 0, 0, 0, 0x13, 0x00, 0x20, 0x40, 0x18, 0x10, 0x01, 0, 0, 0, 0])
    }

    // @verifies SWR-ECAT-COE-1
    @Test func aLargeObjectComesInSegmentsWithTheToggleBit() throws {
        let object = (0..<40).map { UInt8($0 + 1) }
        let slave = ScriptedMailboxSlave(size: 32) { request in
            switch request[8] & 0xF0 {
            case 0x40:  // initiate: normal, complete size 40, the first 14 bytes (32 - 6 - 2 - 8 = 16 room)
                return ScriptedMailboxSlave.coe(service: 3, [0x41, 0x08, 0x10, 0x00, 40, 0, 0, 0] + Array(object[0..<14]))
            default:    // segments of up to 23 bytes; the last has c set
                let toggle = request[8] & 0x10
                let start = toggle == 0 ? 14 : 37
                let end = min(start + 23, 40)
                return ScriptedMailboxSlave.coe(service: 3, [toggle | (end == 40 ? 1 : 0)] + Array(object[start..<end]))
            }
        }
        #expect(try upload(slave, index: 0x1008, subindex: 0) == object)
        #expect(slave.requests.map { $0[8] } == [0x40, 0x60, 0x70])
    }

    // @verifies SWR-ECAT-COE-1
    @Test func anAbortComesBackWithItsCodeAndName() throws {
        let slave = ScriptedMailboxSlave(size: 128) { _ in
            ScriptedMailboxSlave.coe(service: 2, [0x80, 0x08, 0x10, 0x00, 0x00, 0x00, 0x02, 0x06])
        }
        #expect(throws: EtherCATMailboxFailure.mailbox(.sdoAbort(index: 0x1008, subindex: 0, code: EtherCATSDOAbortCode(0x0602_0000)))) {
            _ = try upload(slave, index: 0x1008, subindex: 0)
        }
        #expect(EtherCATSDOAbortCode(0x0602_0000).name?.description == "The object does not exist in the object directory")
        #expect(EtherCATSDOAbortCode(0x0609_0011).name?.description == "Subindex does not exist")
    }

    // @verifies SWR-ECAT-COE-1
    @Test func badAnswersAreErrorsNotTraps() throws {
        // Silence: a timeout. A mailbox error. A response to another object. An object larger than the buffer.
        #expect(throws: EtherCATMailboxFailure.mailbox(.timeout)) {
            _ = try upload(NeverFullSlave(size: 64), index: 1, subindex: 0)
        }
        let error = ScriptedMailboxSlave(size: 64) { _ in [4, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x02, 0x00] }
        #expect(throws: EtherCATMailboxFailure.mailbox(.mailboxError(code: 2))) { _ = try upload(error, index: 1, subindex: 0) }
        let other = ScriptedMailboxSlave(size: 64) { _ in ScriptedMailboxSlave.coe(service: 3, [0x4F, 0x00, 0x10, 0x00, 1, 0, 0, 0]) }
        #expect(throws: EtherCATMailboxFailure.mailbox(.unexpectedResponse(command: 0x4F, service: 3))) { _ = try upload(other, index: 0x1018, subindex: 1) }
        let big = ScriptedMailboxSlave(size: 64) { _ in ScriptedMailboxSlave.coe(service: 3, [0x41, 0x08, 0x10, 0x00, 0, 1, 0, 0]) }
        #expect(throws: EtherCATMailboxFailure.mailbox(.objectTooLarge(size: 256))) { _ = try upload(big, index: 0x1008, subindex: 0, capacity: 100) }
        #expect(throws: EtherCATMailboxFailure.mailbox(.mailboxTooSmall)) { _ = try upload(ScriptedMailboxSlave(size: 8) { _ in [] }, index: 1, subindex: 0) }
    }
}

/// A slave whose send mailbox never fills.
final class NeverFullSlave: ScriptedMailboxSlave, @unchecked Sendable {
    init(size: Int) { super.init(size: size) { _ in [] } }
    override func answer(_ frame: [UInt8]) -> [[UInt8]] {
        var r = super.answer(frame)
        if frame[16] == EtherCATCommand.fprd.rawValue && (UInt16(frame[20]) | UInt16(frame[21]) << 8) == 0x080D { r[0][26] = 0 }
        return r
    }
}

@Suite("EtherCAT CoE SDO download")
struct EtherCATCoEDownloadTests {
    func download(_ slave: ScriptedMailboxSlave, index: UInt16, subindex: UInt8, _ data: [UInt8],
                  completeAccess: Bool = false) throws(EtherCATMailboxFailure) -> EtherCATMailbox {
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: slave.size, alignment: 8)
        defer { tx.deallocate(); rx.deallocate(); scratch.deallocate() }
        var m = EtherCATMaster(link: ScriptedLink(answer: slave.answer), tx: tx, rx: rx, timeoutNs: 1_000_000, attempts: 1)
        var mailbox = EtherCATMailbox(station: 1001, receiveOffset: 0x1000, receiveSize: UInt16(slave.size), sendOffset: 0x1100,
                                      sendSize: UInt16(slave.size))
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 8)
        defer { bytes.deallocate() }
        for (i, b) in data.enumerated() { bytes[i] = b }
        try m.sdoDownload(&mailbox, index: index, subindex: subindex, completeAccess: completeAccess,
                          from: UnsafeRawBufferPointer(rebasing: bytes[0..<data.count]), scratch: scratch, timeoutNs: 100_000)
        return mailbox
    }

    // @verifies SWR-ECAT-COE-1
    @Test func anExpeditedDownloadCarriesItsBytesAndSize() throws {
        let slave = ScriptedMailboxSlave(size: 128) { r in
            ScriptedMailboxSlave.coe(service: 3, [0x60, r[9], r[10], r[11], 0, 0, 0, 0])
        }
        _ = try download(slave, index: 0x2000, subindex: 1, [0x78, 0x56, 0x34])
        let request = try #require(slave.requests.first)
        // ccs 1, n = 1 unused byte, expedited, size indicated: 0x27.
        #expect(Array(request[0..<16]) == [10, 0, 0, 0, 0, 0x13, 0x00, 0x20, 0x27, 0x00, 0x20, 0x01, 0x78, 0x56, 0x34, 0])
    }

    // @verifies SWR-ECAT-COE-1
    @Test func aLargeObjectGoesInSegmentsAndArrivesWhole() throws {
        let object = (0..<60).map { UInt8($0 * 3 & 0xFF) }
        var received: [UInt8] = []
        var complete = 0
        var toggles: [UInt8] = []
        let slave = ScriptedMailboxSlave(size: 32) { r in
            let length = Int(r[0]) | Int(r[1]) << 8
            if r[8] & 0xE0 == 0x20 {  // initiate: s set, complete size, then 16 bytes (32 - 16)
                complete = Int(r[12]) | Int(r[13]) << 8
                received += r[16..<(6 + length)]
                return ScriptedMailboxSlave.coe(service: 3, [0x60, r[9], r[10], r[11], 0, 0, 0, 0])
            }
            // A segment: 7 - n bytes when short, else all the mailbox length gives.
            let n = length - 3 <= 7 ? 7 - Int((r[8] >> 1) & 7) : length - 3
            received += r[9..<(9 + n)]
            toggles.append(r[8] & 0x11)
            return ScriptedMailboxSlave.coe(service: 3, [0x20 | (r[8] & 0x10)])
        }
        _ = try download(slave, index: 0x1008, subindex: 0, object)
        #expect(complete == 60)
        #expect(received == object)
        // 16 + 23 + 21 bytes: the toggle alternates, the last segment has c set.
        #expect(toggles == [0x00, 0x11])
    }

    // @verifies SWR-ECAT-COE-1
    @Test func aShortLastSegmentSaysHowManyBytesAreUnused() throws {
        var last: [UInt8] = []
        let slave = ScriptedMailboxSlave(size: 32) { r in
            if r[8] & 0xE0 == 0x20 { return ScriptedMailboxSlave.coe(service: 3, [0x60, r[9], r[10], r[11], 0, 0, 0, 0]) }
            last = Array(r[0..<16])
            return ScriptedMailboxSlave.coe(service: 3, [0x20 | (r[8] & 0x10)])
        }
        _ = try download(slave, index: 0x1008, subindex: 0, (0..<19).map { UInt8($0) })
        // 16 bytes in the initiate, then 3: a 7-byte segment with n = 4 unused, c set: 0x09.
        #expect(last == [10, 0, 0, 0, 0, last[5], 0x00, 0x20, 0x09, 16, 17, 18, 0, 0, 0, 0])
    }

    // @verifies SWR-ECAT-COE-1
    @Test func anAbortAndAWrongAnswerAreErrorsAndEmergenciesAreRecorded() throws {
        let readOnly = ScriptedMailboxSlave(size: 64) { _ in
            ScriptedMailboxSlave.coe(service: 2, [0x80, 0x00, 0x10, 0x00, 0x02, 0x00, 0x01, 0x06])
        }
        #expect(throws: EtherCATMailboxFailure.mailbox(.sdoAbort(index: 0x1000, subindex: 0, code: EtherCATSDOAbortCode(0x0601_0002)))) {
            _ = try download(readOnly, index: 0x1000, subindex: 0, [1, 2, 3, 4])
        }
        // KickCAT's slaves keep the request's low bits in an abort's command byte (0x8B): still an abort.
        let sloppy = ScriptedMailboxSlave(size: 64) { _ in
            ScriptedMailboxSlave.coe(service: 2, [0x8B, 0x00, 0x20, 0x01, 0x10, 0x00, 0x07, 0x06])
        }
        #expect(throws: EtherCATMailboxFailure.mailbox(.sdoAbort(index: 0x2000, subindex: 1, code: EtherCATSDOAbortCode(0x0607_0010)))) {
            _ = try download(sloppy, index: 0x2000, subindex: 1, [1, 2])
        }
        let uploadAnswer = ScriptedMailboxSlave(size: 64) { r in ScriptedMailboxSlave.coe(service: 3, [0x43, r[9], r[10], r[11], 0, 0, 0, 0]) }
        #expect(throws: EtherCATMailboxFailure.mailbox(.unexpectedResponse(command: 0x43, service: 3))) {
            _ = try download(uploadAnswer, index: 0x2000, subindex: 1, [1])
        }
        #expect(throws: EtherCATMailboxFailure.mailbox(.objectTooLarge(size: 0))) {
            _ = try download(uploadAnswer, index: 0x2000, subindex: 1, [])
        }
        // An emergency first (error code 0x8130, register 0x11, data 01..05), then the answer.
        let mailbox = try download(EmergencyThenAnswer(size: 64), index: 0x2000, subindex: 1, [1, 2])
        #expect(mailbox.emergencies == 1)
        #expect(mailbox.lastEmergency == EtherCATEmergency(code: 0x8130, register: 0x11, data: 0x05_0403_0201))
        #expect(mailbox.requestsSent == 1)
        #expect(mailbox.responsesReceived == 2)
    }
}

/// A slave that puts an emergency in its send mailbox before each answer.
final class EmergencyThenAnswer: ScriptedMailboxSlave, @unchecked Sendable {
    var queue: [[UInt8]] = []
    init(size: Int) { super.init(size: size) { _ in [] } }
    override func answer(_ frame: [UInt8]) -> [[UInt8]] {
        let command = frame[16], ado = UInt16(frame[20]) | UInt16(frame[21]) << 8
        let length = Int(UInt16(frame[22]) | UInt16(frame[23]) << 8) & 0x7FF
        var r = frame
        r[26 + length] = 1
        if command == EtherCATCommand.fpwr.rawValue && ado == 0x1000 {
            let q = Array(frame[26...])
            queue = [ScriptedMailboxSlave.coe(service: 1, [0x30, 0x81, 0x11, 1, 2, 3, 4, 5]),
                     ScriptedMailboxSlave.coe(service: 3, [0x60, q[9], q[10], q[11], 0, 0, 0, 0])]
        } else if command == EtherCATCommand.fprd.rawValue && ado == 0x080D {
            r[26] = queue.isEmpty ? 0 : 0x08
        } else if command == EtherCATCommand.fprd.rawValue && ado == 0x1100 {
            let m = queue.isEmpty ? [] : queue.removeFirst()
            for i in 0..<length { r[26 + i] = i < m.count ? m[i] : 0 }
        }
        return [r]
    }
}

@Suite("EtherCAT process data")
struct EtherCATProcessDataTests {
    // @verifies SWR-ECAT-PDO-1
    @Test func theImageHasEveryOutputFirstThenEveryInputAndItsWorkingCounter() throws {
        var slaves = [EtherCATSlaveProcessData(station: 1001), EtherCATSlaveProcessData(station: 1002), EtherCATSlaveProcessData(station: 1003)]
        slaves[0].outputBits = 24; slaves[0].inputBits = 96   // 3 out, 12 in
        slaves[1].outputBits = 0; slaves[1].inputBits = 9     // inputs only, 9 bits take 2 bytes
        slaves[2].outputBits = 1; slaves[2].inputBits = 0     // outputs only
        let layout = try slaves.withUnsafeMutableBufferPointer { (b) throws(EtherCATProcessDataError) in try EtherCATProcessImage.layout(b) }
        #expect(layout == EtherCATProcessImageLayout(outputBytes: 4, inputBytes: 14, expectedWorkingCounter: 2 + 1 + 1 + 2))
        #expect(slaves.map(\.outputOffset) == [0, 3, 3])
        #expect(slaves.map(\.inputOffset) == [4, 16, 18])
        var huge = [EtherCATSlaveProcessData(station: 1001)]
        huge[0].inputBits = 8 * 1500
        #expect(throws: EtherCATProcessDataError.imageTooLarge(1500)) {
            _ = try huge.withUnsafeMutableBufferPointer { (b) throws(EtherCATProcessDataError) in try EtherCATProcessImage.layout(b) }
        }
    }

    // @verifies SWR-ECAT-PDO-1
    @Test func syncManagersAndFMMUsAreWrittenAsETG1000Lays() throws {
        var writes: [(UInt16, [UInt8])] = []
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        defer { tx.deallocate(); rx.deallocate() }
        var m = EtherCATMaster(link: ScriptedLink(answer: { frame in
            let ado = UInt16(frame[20]) | UInt16(frame[21]) << 8
            let length = Int(UInt16(frame[22]) | UInt16(frame[23]) << 8) & 0x7FF
            writes.append((ado, Array(frame[26..<(26 + length)])))
            var r = frame
            r[26 + length] = 1
            return [r]
        }), tx: tx, rx: rx, timeoutNs: 1_000_000, attempts: 1)
        var slave = EtherCATSlaveProcessData(station: 1001)
        slave.outputBits = 24; slave.inputBits = 96
        slave.outputStart = 0x1400; slave.outputControl = 0x24
        slave.inputStart = 0x1800
        slave.outputOffset = 0; slave.inputOffset = 5
        try m.configureProcessData(slave, logicalBase: 0x0001_0000)
        #expect(writes.map(\.0) == [0x0810, 0x0818, 0x0600, 0x0608, 0x0610, 0x0618])
        #expect(writes[0].1 == [0x00, 0x14, 3, 0, 0x24, 0, 1, 0])    // SM2: 0x1400, 3 bytes, control 0x24, enabled
        #expect(writes[1].1 == [0x00, 0x18, 12, 0, 0x20, 0, 1, 0])   // SM3: 0x1800, 12 bytes, control 0x20
        #expect(writes[2].1 == [0x00, 0x00, 0x01, 0x00, 3, 0, 0, 7])  // FMMU0: logical 0x10000, 3 bytes, bits 0-7
        #expect(writes[3].1 == [0x00, 0x14, 0, 2, 1, 0, 0, 0])        // physical 0x1400 bit 0, write, active
        #expect(writes[4].1 == [0x05, 0x00, 0x01, 0x00, 12, 0, 0, 7])  // FMMU1: logical 0x10005, 12 bytes
        #expect(writes[5].1 == [0x00, 0x18, 0, 1, 1, 0, 0, 0])        // physical 0x1800, read, active
        // A direction without data: its sync manager and FMMU are written switched off.
        writes = []
        slave.inputBits = 0
        try m.configureProcessData(slave, logicalBase: 0)
        #expect(writes[1].1 == [0x00, 0x18, 0, 0, 0x20, 0, 0, 0])
        #expect(writes[5].1[4] == 0)
    }

    // @verifies SWR-ECAT-PDO-1
    @Test func theMappingIsReadFromTheAssignmentAndEveryPDO() throws {
        // 0x1C12: two PDOs, 0x1600 (two entries) and 0x1601 (one).
        let objects: [UInt32: [UInt8]] = [
            0x1C12_00: [2], 0x1C12_01: [0x00, 0x16], 0x1C12_02: [0x01, 0x16],
            0x1600_00: [2], 0x1600_01: [0x10, 0x00, 0x00, 0x70], 0x1600_02: [0x01, 0x01, 0x00, 0x70],
            0x1601_00: [1], 0x1601_01: [0x08, 0x00, 0x01, 0x70],
        ]
        let slave = ScriptedMailboxSlave(size: 128) { r in
            let index = UInt32(r[9]) | UInt32(r[10]) << 8, sub = UInt32(r[11])
            guard let value = objects[index << 8 | sub] else {
                return ScriptedMailboxSlave.coe(service: 2, [0x80, r[9], r[10], r[11], 0x00, 0x00, 0x02, 0x06])
            }
            let n = UInt8(4 - value.count) << 2
            return ScriptedMailboxSlave.coe(service: 3, [0x43 | n, r[9], r[10], r[11]] + value + [UInt8](repeating: 0, count: 4 - value.count))
        }
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 128, alignment: 8)
        defer { tx.deallocate(); rx.deallocate(); scratch.deallocate() }
        var m = EtherCATMaster(link: ScriptedLink(answer: slave.answer), tx: tx, rx: rx, timeoutNs: 1_000_000, attempts: 1)
        var mailbox = EtherCATMailbox(station: 1001, receiveOffset: 0x1000, receiveSize: 128, sendOffset: 0x1100, sendSize: 128)
        var entries: [[Int]] = []
        let bits = try m.readMapping(&mailbox, assignment: 0x1C12, scratch: scratch, timeoutNs: 100_000) { pdo, index, sub, length in
            entries.append([Int(pdo), Int(index), Int(sub), Int(length)])
        }
        #expect(bits == 16 + 1 + 8)
        #expect(entries == [[0x1600, 0x7000, 0, 16], [0x1600, 0x7000, 1, 1], [0x1601, 0x7001, 0, 8]])
        // A slave without the assignment object: the abort names it, so the caller can fall back to the SII.
        #expect(throws: EtherCATMailboxFailure.mailbox(.sdoAbort(index: 0x1C13, subindex: 0, code: EtherCATSDOAbortCode(0x0602_0000)))) {
            _ = try m.readMapping(&mailbox, assignment: 0x1C13, scratch: scratch, timeoutNs: 100_000) { _, _, _, _ in }
        }
    }
}

@Suite("EtherCAT CoE SDO information")
struct EtherCATSDOInformationTests {
    /// A mailbox slave answering SDO information requests from a two-object dictionary; the list comes in
    /// `fragments` fragments.
    static func slave(size: Int = 64, fragments: Int = 1) -> FragmentingInfoSlave {
        FragmentingInfoSlave(size: size, fragments: fragments)
    }

    func run<R>(_ slave: ScriptedMailboxSlave, _ body: (inout EtherCATMaster<ScriptedLink>, inout EtherCATMailbox, UnsafeMutableRawBufferPointer)
                throws(EtherCATMailboxFailure) -> R) throws(EtherCATMailboxFailure) -> R {
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: slave.size, alignment: 8)
        defer { tx.deallocate(); rx.deallocate(); scratch.deallocate() }
        var m = EtherCATMaster(link: ScriptedLink(answer: slave.answer), tx: tx, rx: rx, timeoutNs: 1_000_000, attempts: 1)
        var mailbox = EtherCATMailbox(station: 1001, receiveOffset: 0x1000, receiveSize: UInt16(slave.size), sendOffset: 0x1100,
                                      sendSize: UInt16(slave.size))
        return try body(&m, &mailbox, scratch)
    }

    // @verifies SWR-ECAT-COE-1
    @Test func theObjectListIsReadAcrossFragments() throws {
        for fragments in [1, 3] {
            let slave = Self.slave(fragments: fragments)
            var indices: [UInt16] = []
            let n = try run(slave) { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
                try m.sdoObjectList(&mailbox, scratch: scratch, timeoutNs: 100_000) { indices.append($0) }
            }
            #expect(n == 6 && indices == [0x1000, 0x1018, 0x1600, 0x1A00, 0x1C12, 0x1C13], "\(fragments) fragments")
            // The request: opcode 1, list type 1 (all objects).
            #expect(Array(slave.requests[0][6..<14]) == [0x00, 0x80, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00])
        }
    }

    // @verifies SWR-ECAT-COE-1
    @Test func objectAndEntryDescriptionsCarryTypeSizeAccessAndName() throws {
        let name = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { name.deallocate() }
        let object = try run(Self.slave()) { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
            try m.sdoObjectDescription(&mailbox, index: 0x1018, name: name, scratch: scratch, timeoutNs: 100_000)
        }
        #expect(object == EtherCATObjectDescription(index: 0x1018, dataType: 0x0023, maxSubindex: 4, objectCode: 9, nameLength: 8))
        #expect(Array(name[0..<8]) == Array("Identity".utf8))
        let entry = try run(Self.slave()) { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
            try m.sdoEntryDescription(&mailbox, index: 0x1018, subindex: 1, name: name, scratch: scratch, timeoutNs: 100_000)
        }
        #expect(entry == EtherCATEntryDescription(index: 0x1018, subindex: 1, dataType: 7, bitLength: 32, access: 0x07, nameLength: 9))
        #expect(Array(name[0..<9]) == Array("Vendor ID".utf8))
        // A name longer than the buffer is cut, not overrun.
        let short = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 8)
        defer { short.deallocate() }
        let cut = try run(Self.slave()) { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
            try m.sdoEntryDescription(&mailbox, index: 0x1018, subindex: 1, name: short, scratch: scratch, timeoutNs: 100_000)
        }
        #expect(cut.nameLength == 4)
    }

    // @verifies SWR-ECAT-COE-1
    @Test func anInformationErrorIsAnAbortWithTheObject() throws {
        let name = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { name.deallocate() }
        #expect(throws: EtherCATMailboxFailure.mailbox(.sdoAbort(index: 0x2000, subindex: 0, code: EtherCATSDOAbortCode(0x0602_0000)))) {
            _ = try run(Self.slave()) { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
                try m.sdoObjectDescription(&mailbox, index: 0x2000, name: name, scratch: scratch, timeoutNs: 100_000)
            }
        }
        // An answer of another service (an SDO response) is not taken as information.
        let wrong = ScriptedMailboxSlave(size: 64) { _ in ScriptedMailboxSlave.coe(service: 3, [0x60, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: EtherCATMailboxFailure.mailbox(.unexpectedResponse(command: 0x60, service: 3))) {
            _ = try run(wrong) { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
                try m.sdoObjectList(&mailbox, scratch: scratch, timeoutNs: 100_000) { _ in }
            }
        }
    }
}

/// A slave with a six-object dictionary answering SDO information: the list in `fragments` fragments, 0x1018's
/// description and its entry 1's; other objects are an information error (0x06020000).
final class FragmentingInfoSlave: ScriptedMailboxSlave, @unchecked Sendable {
    var queue: [[UInt8]] = []
    let fragments: Int
    init(size: Int, fragments: Int) {
        self.fragments = fragments
        super.init(size: size) { _ in [] }
    }

    static func info(_ opcode: UInt8, left: Int, _ body: [UInt8]) -> [UInt8] {
        ScriptedMailboxSlave.coe(service: 8, [opcode, 0, UInt8(left & 0xFF), UInt8(left >> 8)] + body)
    }

    func respond(_ r: [UInt8]) -> [[UInt8]] {
        let le: (UInt16) -> [UInt8] = { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        switch r[8] & 0x7F {
        case 1:
            let all: [UInt16] = [0x1000, 0x1018, 0x1600, 0x1A00, 0x1C12, 0x1C13]
            let per = (all.count + fragments - 1) / fragments
            return (0..<fragments).map { f in
                let part = all[(f * per)..<min(all.count, (f + 1) * per)].flatMap(le)
                let left = fragments - f - 1
                return Self.info(left > 0 ? 0x82 : 0x02, left: left, (f == 0 ? le(1) : []) + part)
            }
        case 3 where r[12] == 0x18 && r[13] == 0x10:
            return [Self.info(0x04, left: 0, le(0x1018) + le(0x0023) + [4, 9] + Array("Identity".utf8))]
        case 5 where r[12] == 0x18 && r[13] == 0x10 && r[14] == 1:
            return [Self.info(0x06, left: 0, le(0x1018) + [1, 0] + le(7) + le(32) + le(0x07) + Array("Vendor ID".utf8))]
        default:
            return [Self.info(0x07, left: 0, [0x00, 0x00, 0x02, 0x06])]
        }
    }

    override func answer(_ frame: [UInt8]) -> [[UInt8]] {
        let command = frame[16], ado = UInt16(frame[20]) | UInt16(frame[21]) << 8
        let length = Int(UInt16(frame[22]) | UInt16(frame[23]) << 8) & 0x7FF
        var r = frame
        r[26 + length] = 1
        if command == EtherCATCommand.fpwr.rawValue && ado == 0x1000 {
            let request = Array(frame[26..<(26 + length)])
            requests.append(request)
            queue = respond(request)
        } else if command == EtherCATCommand.fprd.rawValue && ado == 0x080D {
            r[26] = queue.isEmpty ? 0 : 0x08
        } else if command == EtherCATCommand.fprd.rawValue && ado == 0x1100 {
            let m = queue.isEmpty ? [] : queue.removeFirst()
            for i in 0..<length { r[26 + i] = i < m.count ? m[i] : 0 }
        }
        return [r]
    }
}

@Suite("EtherCAT distributed clocks")
struct EtherCATDistributedClockTests {
    func slave(_ station: UInt16, ports: UInt8, times: (UInt32, UInt32, UInt32, UInt32), dc: Bool = true) -> EtherCATDCSlave {
        var s = EtherCATDCSlave(station: station, hasDC: dc)
        s.openPorts = ports
        s.portTimes = times
        return s
    }

    // @verifies SWR-ECAT-DC-1
    @Test func delaysAlongALineAreHalfTheLoopTimeDifferences() throws {
        // Three slaves in a line; the frame needs 100 ns out and 100 ns back per hop plus 300 ns through each
        // slave. Slave 0 sees it back at port 1 1300 ns after port 0, slave 1 after 800 ns, slave 2 never.
        // The 32-bit receive times wrap between port 0 and port 1 of the first slave.
        var line = [slave(1001, ports: 0b11, times: (0xFFFF_FF00, 0x0000_0414, 0, 0)),
                    slave(1002, ports: 0b01, times: (5, 0, 0, 0), dc: false),  // no DC: skipped
                    slave(1003, ports: 0b11, times: (0x0000_0100, 0x0000_0420, 0, 0)),
                    slave(1004, ports: 0b01, times: (0x0000_0300, 0, 0, 0))]
        let reference = try line.withUnsafeMutableBufferPointer { (b) throws(EtherCATDCError) in try EtherCATDC.computeDelays(b) }
        #expect(reference == 0)
        #expect(line[0].loopTime == 0x514)   // wrapped: 0x414 - 0xFFFFFF00
        #expect(line[2].loopTime == 0x320)
        let second: UInt32 = (0x514 - 0x320) / 2
        let third: UInt32 = second + 0x320 / 2
        let delays: [UInt32] = line.map(\.delay)
        #expect(delays == [0, 0, second, third])
        // A junction is refused; a segment without DC has no reference.
        var junction = [slave(1001, ports: 0b111, times: (0, 10, 20, 0))]
        #expect(throws: EtherCATDCError.branchedTopology(station: 1001)) {
            _ = try junction.withUnsafeMutableBufferPointer { (b) throws(EtherCATDCError) in try EtherCATDC.computeDelays(b) }
        }
        var none = [slave(1001, ports: 1, times: (0, 0, 0, 0), dc: false)]
        #expect(throws: EtherCATDCError.noReferenceClock) {
            _ = try none.withUnsafeMutableBufferPointer { (b) throws(EtherCATDCError) in try EtherCATDC.computeDelays(b) }
        }
    }

    // @verifies SWR-ECAT-DC-1
    @Test func offsetsDifferencesAndSyncStartsWrapAndRoundAsTheRegistersDo() {
        // local + offset = master, modulo 2^64, either way round.
        #expect(EtherCATDC.offset(masterTime: 1_000, localTime: 400) &+ 400 == 1_000)
        let wrapped = EtherCATDC.offset(masterTime: 5, localTime: UInt64.max - 4)
        #expect((UInt64.max - 4) &+ wrapped == 5 && wrapped == 10)
        #expect(EtherCATDC.offset(masterTime: 400, localTime: 1_000) == UInt64.max - 599)
        // 0x092C: sign bit set when the local copy is ahead.
        #expect(EtherCATDC.difference(0x8000_0064) == 100)
        #expect(EtherCATDC.difference(0x0000_0064) == -100)
        #expect(EtherCATDC.difference(0x7FFF_FFFF) == -0x7FFF_FFFF)
        // The first cycle boundary at least the lead after now, then the shift.
        #expect(EtherCATDC.syncStart(now: 1_234_567, cycleNs: 1_000_000, shiftNs: 0, leadNs: 100_000_000) == 102_000_000)
        #expect(EtherCATDC.syncStart(now: 1_234_567, cycleNs: 1_000_000, shiftNs: -250_000, leadNs: 100_000_000) == 101_750_000)
        #expect(EtherCATDC.syncStart(now: UInt64.max - 10, cycleNs: 1_000, shiftNs: 0, leadNs: 100) % 1_000 == 0)
    }

    // @verifies SWR-ECAT-DC-1
    // @verifies SWR-ECAT-MATCH-1
    @Test func theCyclicFrameCarriesTheImageAndTheReferenceTime() throws {
        var sent: [UInt8] = []
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 8)
        defer { tx.deallocate(); rx.deallocate(); image.deallocate() }
        image.copyBytes(from: [1, 2, 3, 4])
        var m = EtherCATMaster(link: ScriptedLink(answer: { f in
            sent = f
            var r = f
            // LRW at 16: 4 data bytes (26-29), WKC 30-31; FRMW at 32: data 42-49, WKC 50-51.
            r[26] = 0xAA; r[30] = 3
            for i in 0..<8 { r[42 + i] = UInt8(0x10 + i) }
            r[50] = 1
            return [r]
        }), tx: tx, rx: rx, timeoutNs: 1_000_000, attempts: 1)
        var time: UInt64 = 0
        let wkc = try m.exchangeProcessData(image, referenceClock: 1001, systemTime: &time)
        #expect(wkc == 3)
        #expect(time == 0x1716_1514_1312_1110)
        #expect(image[0] == 0xAA)
        // LRW with the more-datagrams bit, then FRMW of 0x0910 at station 1001 (0x03E9), 8 bytes.
        #expect(sent[16] == EtherCATCommand.lrw.rawValue && sent[23] & 0x80 != 0)
        #expect(Array(sent[32..<40]) == [EtherCATCommand.frmw.rawValue, sent[17], 0xE9, 0x03, 0x10, 0x09, 8, 0])
    }
}

@Suite("EtherCAT PDO remapping")
struct EtherCATRemapTests {
    /// A slave that answers every expedited download, or aborts the one at `refuse` (index << 8 | subindex).
    func run(refuse: UInt32? = nil, _ body: (inout EtherCATMaster<ScriptedLink>, inout EtherCATMailbox, UnsafeMutableRawBufferPointer) throws(EtherCATMailboxFailure) -> Void)
        -> (writes: [(UInt16, UInt8, [UInt8])], error: EtherCATMailboxFailure?) {
        var writes: [(UInt16, UInt8, [UInt8])] = []
        let slave = ScriptedMailboxSlave(size: 128) { r in
            let index = UInt16(r[9]) | UInt16(r[10]) << 8, sub = r[11]
            let n = 4 - Int((r[8] >> 2) & 3)
            writes.append((index, sub, Array(r[12..<(12 + n)])))
            if let refuse, refuse == UInt32(index) << 8 | UInt32(sub) {
                return ScriptedMailboxSlave.coe(service: 3, [0x80, r[9], r[10], r[11], 0x41, 0x00, 0x04, 0x06])  // 0x06040041
            }
            return ScriptedMailboxSlave.coe(service: 3, [0x60, r[9], r[10], r[11], 0, 0, 0, 0])
        }
        let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
        let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1536, alignment: 8)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 128, alignment: 8)
        defer { tx.deallocate(); rx.deallocate(); scratch.deallocate() }
        var m = EtherCATMaster(link: ScriptedLink(answer: slave.answer), tx: tx, rx: rx, timeoutNs: 1_000_000, attempts: 1)
        var mailbox = EtherCATMailbox(station: 1001, receiveOffset: 0x1000, receiveSize: 128, sendOffset: 0x1100, sendSize: 128)
        do {
            try body(&m, &mailbox, scratch)
        } catch {
            return (writes, error)
        }
        return (writes, nil)
    }

    /// ETG.1000.6's order, as KickCAT's `mapPDO` does it: the mapping off (subindex 0 = 0, one byte), each entry
    /// (four bytes, index << 16 | subindex << 8 | bits), the count; the assignment the same way with 2-byte PDOs.
    // @verifies SWR-ECAT-PDO-2
    @Test func aMappingAndAnAssignmentAreWrittenInTheStandardsOrder() throws {
        let entries: [UInt32] = [0x6000_0010, 0x6001_0010, 0x6002_0010]
        let pdos: [UInt16] = [0x1A00]
        let result = run { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
            try entries.withUnsafeBufferPointer { (e) throws(EtherCATMailboxFailure) in
                try m.writeMapping(&mailbox, pdo: 0x1A00, entries: e, scratch: scratch, timeoutNs: 100_000)
            }
            try pdos.withUnsafeBufferPointer { (p) throws(EtherCATMailboxFailure) in
                try m.writeAssignment(&mailbox, assignment: 0x1C13, pdos: p, scratch: scratch, timeoutNs: 100_000)
            }
        }
        #expect(result.error == nil)
        let expected: [(UInt16, UInt8, [UInt8])] = [
            (0x1A00, 0, [0]), (0x1A00, 1, [0x10, 0x00, 0x00, 0x60]), (0x1A00, 2, [0x10, 0x00, 0x01, 0x60]),
            (0x1A00, 3, [0x10, 0x00, 0x02, 0x60]), (0x1A00, 0, [3]),
            (0x1C13, 0, [0]), (0x1C13, 1, [0x00, 0x1A]), (0x1C13, 0, [1]),
        ]
        #expect(result.writes.count == expected.count)
        for (w, e) in zip(result.writes, expected) {
            #expect(w.0 == e.0 && w.1 == e.1 && w.2 == e.2, "\(w) != \(e)")
        }
    }

    /// A refused step stops the remapping with the slave's abort; objects outside the PDO and assignment ranges
    /// and too many entries are refused before anything is sent.
    // @verifies SWR-ECAT-PDO-2
    @Test func refusalsStopTheRemapping() throws {
        let entries: [UInt32] = [0x9999_0010, 0x6001_0010]
        let refused = run(refuse: 0x1A00_01) { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
            try entries.withUnsafeBufferPointer { (e) throws(EtherCATMailboxFailure) in
                try m.writeMapping(&mailbox, pdo: 0x1A00, entries: e, scratch: scratch, timeoutNs: 100_000)
            }
        }
        #expect(refused.writes.count == 2)
        guard case .mailbox(.sdoAbort(0x1A00, 1, let code))? = refused.error else {
            Issue.record("expected the abort, got \(String(describing: refused.error))")
            return
        }
        #expect(code.raw == 0x0604_0041)
        let many = [UInt32](repeating: 0x6000_0008, count: 255)
        for (pdo, list) in [(UInt16(0x2000), [UInt32(0x6000_0008)]), (0x1A00, many)] {
            let r = run { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
                try list.withUnsafeBufferPointer { (e) throws(EtherCATMailboxFailure) in
                    try m.writeMapping(&mailbox, pdo: pdo, entries: e, scratch: scratch, timeoutNs: 100_000)
                }
            }
            #expect(r.writes.isEmpty && r.error == .mailbox(.notRemappable(index: pdo)))
        }
        let one: [UInt16] = [0x1A00]
        let r = run { (m, mailbox, scratch) throws(EtherCATMailboxFailure) in
            try one.withUnsafeBufferPointer { (p) throws(EtherCATMailboxFailure) in
                try m.writeAssignment(&mailbox, assignment: 0x1C30, pdos: p, scratch: scratch, timeoutNs: 100_000)
            }
        }
        #expect(r.writes.isEmpty && r.error == .mailbox(.notRemappable(index: 0x1C30)))
    }
}
