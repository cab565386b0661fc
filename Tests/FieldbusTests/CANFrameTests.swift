// Frames and the DLC/length mapping of classic CAN and CAN FD.

import Testing
@testable import Fieldbus

@Suite struct CANFrameTests {
    @Test func dlcToLengthClassicAndFD() {
        for dlc in UInt8(0)...8 {
            #expect(CANDLC.length(forDLC: dlc, fd: false) == dlc)
            #expect(CANDLC.length(forDLC: dlc, fd: true) == dlc)
        }
        let fd: [UInt8] = [12, 16, 20, 24, 32, 48, 64]
        for (i, dlc) in (UInt8(9)...15).enumerated() {
            #expect(CANDLC.length(forDLC: dlc, fd: false) == 8)
            #expect(CANDLC.length(forDLC: dlc, fd: true) == fd[i])
        }
    }

    @Test func lengthToDLCRoundsUp() {
        let expected: [(Int, UInt8)] = [(0, 0), (8, 8), (9, 9), (12, 9), (13, 10), (16, 10), (17, 11), (20, 11),
                                        (21, 12), (24, 12), (25, 13), (32, 13), (33, 14), (48, 14), (49, 15), (64, 15)]
        for (length, dlc) in expected { #expect(CANDLC.dlc(forLength: length) == dlc, "length \(length)") }
        #expect(CANDLC.isFDLength(12) && !CANDLC.isFDLength(13) && CANDLC.isFDLength(64) && !CANDLC.isFDLength(65))
    }

    @Test func frameChecksIdAndLength() throws {
        #expect(throws: CANFrameError.identifierTooLarge) { try frame(0x800, [], extended: false) }
        #expect(throws: CANFrameError.badLength) { try frame(0x123, Array(repeating: 0, count: 9)) }
        #expect(throws: CANFrameError.badLength) { try frame(0x123, Array(repeating: 0, count: 13), fd: true) }
        let f = try frame(0x1234_5678, [1, 2, 3])
        #expect(f.isExtended && f.socketCANId == 0x9234_5678)
        let r = try CANFrame.remote(id: 0x123, length: 4)
        #expect(r.socketCANId == 0x4000_0123 && r.length == 4)
    }
}
