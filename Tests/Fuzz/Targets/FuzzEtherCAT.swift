// Fuzz targets of the portable EtherCAT stack: received frames (the datagram reader and the master's reply
// matching) and SII EEPROM images.

import Fieldbus

enum FuzzEtherCAT {
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
