// cansend's frame syntax: every form it accepts, and the malformed ones with the caret position.

import CANTool
import Fieldbus
import Testing

@Suite("cansend syntax")
struct SendSyntaxTests {
    func parse(_ text: String) throws -> CANFrame { try CANFrameSyntax.parse(text) }

    func bytes(_ frame: CANFrame) -> [UInt8] { (0..<Int(frame.length)).map { frame.data[$0] } }

    @Test func standardData() throws {
        let f = try parse("123#DEADBEEF")
        #expect(f.id == 0x123 && !f.isExtended && !f.isRemote && !f.isFD && !f.isError)
        #expect(bytes(f) == [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(CANFrameSyntax.format(f) == "123#DEADBEEF")
    }

    @Test func extendedData() throws {
        let f = try parse("1F334455#1122")
        #expect(f.id == 0x1F33_4455 && f.isExtended)
        #expect(bytes(f) == [0x11, 0x22])
        #expect(f.socketCANId == 0x9F33_4455)
        #expect(CANFrameSyntax.format(f) == "1F334455#1122")
        // Eight digits always mean extended, even for a small id.
        let small = try parse("00000123#R3")
        #expect(small.isExtended && small.isRemote && small.id == 0x123 && small.length == 3)
    }

    @Test func remoteFrames() throws {
        let r = try parse("123#R")
        #expect(r.isRemote && r.length == 0)
        #expect(CANFrameSyntax.format(r) == "123#R")
        let r5 = try parse("123#r5")
        #expect(r5.isRemote && r5.length == 5)
        #expect(CANFrameSyntax.format(r5) == "123#R5")
    }

    @Test func emptyAndDotted() throws {
        #expect(try parse("7FF#").length == 0)
        #expect(bytes(try parse("123#DE.AD.BE.EF")) == [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(bytes(try parse("5A1#11.2233.44556677.88")) == [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
        #expect(bytes(try parse("5AA#de.ad")) == [0xDE, 0xAD])
    }

    @Test func fdFrames() throws {
        let f = try parse("123##1AABBCC")
        #expect(f.isFD && f.bitRateSwitch && !f.errorStateIndicator)
        #expect(bytes(f) == [0xAA, 0xBB, 0xCC])
        // The kernel adds CANFD_FDF (4) to received FD frames; candump -L prints that nibble.
        #expect(CANFrameSyntax.format(f, fdFlags: 5) == "123##5AABBCC")
        #expect(CANFrameSyntax.format(f) == "123##5AABBCC")
        let empty = try parse("123##1")
        #expect(empty.isFD && empty.length == 0)
        // 11 bytes are padded to the FD length 12, as the kernel does.
        let padded = try parse("12345678##3.00.11.22.33.44.55.66.77.88.99")
        #expect(padded.length == 12 && padded.errorStateIndicator && padded.bitRateSwitch)
        #expect(bytes(padded) == [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0, 0])
        let full = try parse("213##0" + String(repeating: "AB", count: 64))
        #expect(full.length == 64)
    }

    @Test func errorFrame() throws {
        let f = try parse("20000004#0004000000000000")
        #expect(f.isError && !f.isExtended && f.id == 4)
        #expect(CANFrameSyntax.format(f) == "20000004#0004000000000000")
    }

    @Test(arguments: [
        ("", 0), ("12", 2), ("123", 3), ("1234#00", 4), ("12#00", 2), ("123456789#00", 8),
        ("12X#00", 2), ("123#DEADBEE", 11), ("123#DEADBEEG", 11), ("123#D", 5), ("123#0G", 5),
        ("123#R9", 5), ("123#RX", 5), ("123#R12", 6), ("123#001122334455667788", 20), ("123##", 5),
        ("123##X11", 5), ("123##1" + String(repeating: "00", count: 65), 134), ("800#00", 0),
        ("7FFFFFFF#00", 0), ("123#11..22", 7), ("123#1.122", 5),
        // Positions count characters, not UTF-8 bytes.
        ("123#DEéF", 6), ("1é3#00", 1), ("123#👍", 4), ("123#11\u{7}", 6), ("é", 1),
    ])
    func malformed(text: String, position: Int) {
        #expect(throws: CANSyntaxError.self) { try CANFrameSyntax.parse(text) }
        do {
            _ = try CANFrameSyntax.parse(text)
        } catch {
            #expect(error.position == position, "\(text): \(error.reason)")
            // Words only: no Swift enum case (CANFrameError's) reaches the user.
            for name in ["identifierTooLarge", "badLength", "badRemoteFrame"] {
                #expect(!error.reason.contains(name), "\(text): \(error.reason)")
            }
        }
    }

    // Issue 11: error frames with class bits above 0x7FF were refused with `identifierTooLarge`; cansend sends
    // them (8 digits with CAN_ERR_FLAG are an error frame, whatever the class bits).
    @Test func errorFramesTakeEveryClassBit() throws {
        let f = try parse("20000800#0000000000000000")
        #expect(f.isError && !f.isExtended && f.id == 0x800)
        #expect(f.socketCANId == 0x2000_0800)
        #expect(CANFrameSyntax.format(f) == "20000800#0000000000000000")
        let all = try parse("3FFFFFFF#00")
        #expect(all.isError && all.id == 0x1FFF_FFFF && all.socketCANId == 0x3FFF_FFFF)
        // The extended flag in the 8 digits is what 8 digits mean anyway (cansend sets it itself).
        let flagged = try parse("80000123#11")
        #expect(flagged.isExtended && !flagged.isError && flagged.id == 0x123)
        let errorWithFlag = try parse("A0000004#00")
        #expect(errorWithFlag.isError && errorWithFlag.id == 4)
    }

    // Issue 11: a non-ASCII character was shown as Latin-1 (each UTF-8 byte a character) at its byte offset.
    @Test func nonASCIIIsShownAsTypedAtItsCharacterColumn() {
        do {
            _ = try CANFrameSyntax.parse("123#DEéF")
            Issue.record("accepted")
        } catch {
            #expect(error.reason == "'é' is not a hex digit")
            #expect(error.render(input: "123#DEéF") == "bad CAN frame '123#DEéF': 'é' is not a hex digit\n  123#DEéF\n        ^")
        }
        do {
            _ = try CANFrameSyntax.parse("123#00\u{1B}[2J")
            Issue.record("accepted")
        } catch {
            #expect(error.reason == "U+001B is not a hex digit")
            // The escape does not reach the terminal; the caret stays under it.
            let text = error.render(input: "123#00\u{1B}[2J")
            #expect(!text.contains("\u{1B}"))
            #expect(text.hasSuffix("\n  123#00?[2J\n        ^"))
        }
    }

    @Test func caretRendering() {
        do {
            _ = try CANFrameSyntax.parse("12X#00")
            Issue.record("accepted")
        } catch {
            #expect(error.render(input: "12X#00") == "bad CAN frame '12X#00': 'X' is not a hex digit\n  12X#00\n    ^")
        }
    }
}
