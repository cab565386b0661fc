// The storage file of `orion pn device`: the name and IP suite set permanently over DCP and the I&M1-4 records a
// controller wrote, read back exactly as written; a bad file is `file:line: what is wrong`.

import Fieldbus
import Foundation
@testable import PROFINETTool
import Testing

@Suite("orion pn device storage file")
struct StorageFileTests {
    // @verifies SWR-PN-IM-1
    @Test func roundTrip() throws {
        var storage = PNDeviceStorage()
        Array("line-4.cell-2".utf8).withUnsafeBufferPointer { storage.dcp.name.set($0) }
        storage.dcp.ip = PNIPSuite(address: 0xC0A8_4D1E, netmask: 0xFFFF_FF00, gateway: 0xC0A8_4D01)
        storage.im.im1 = PNIM1(tagFunction: PNFixedString("conveyor 3"), tagLocation: PNFixedString("hall B"))
        storage.im.im2 = PNIM2(date: PNFixedString("2026-12-07 23:45"))
        storage.im.im3 = PNIM3(descriptor: PNFixedString("spare: ORION-IO-1"))
        for i in 0..<PNIM4.size { storage.im.im4.signature[i] = UInt8(i * 7 & 0xFF) }
        let text = PNStorageFile.format(storage)
        #expect(text.contains("im1-function=conveyor 3\n") && text.contains("im2-date=2026-12-07 23:45\n"), "\(text)")
        #expect(try PNStorageFile.parse(text, path: "s.conf") == storage)
        // Nothing written for what was never set; an empty file is an empty storage.
        #expect(!PNStorageFile.format(PNDeviceStorage()).contains("im"))
        #expect(try PNStorageFile.parse("", path: "s.conf") == PNDeviceStorage())
    }

    // @verifies SWR-PN-IM-1
    @Test(arguments: [
        ("im1-function=\(String(repeating: "f", count: 33))", "s.conf:1: im1-function is longer than its 32 characters"),
        ("name=a\nim1-location=caf\u{e9}", "s.conf:2: im1-location must be printable ASCII"),
        ("im4-signature=00", "s.conf:1: im4-signature must be 54 bytes in hex"),
        ("im4-signature=" + String(repeating: "zz", count: 54), "s.conf:1: im4-signature: "),
        ("im2-date=a\nim2-date=b", "s.conf:2: 'im2-date' given twice"),
        ("im5-thing=1", "s.conf:1: unknown key 'im5-thing' (name, ip, im1-function"),
    ])
    func badFiles(_ text: String, _ message: String) {
        do {
            let taken = try PNStorageFile.parse(text, path: "s.conf")
            Issue.record("\(text.debugDescription) was taken: \(taken)")
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }
}
