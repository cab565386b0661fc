// CRC-16 vectors from the Modbus specifications, RTU framing and timing, and MBAP header edge cases.

import Testing
@testable import Fieldbus

@Suite struct ModbusFramingTests {
    func crc(_ bytes: [UInt8]) -> UInt16 { bytes.withUnsafeBytes { ModbusCRC.checksum($0) } }

    // @verifies SWR-MODBUS-FRAME-1
    @Test func crcVectors() {
        // Modbus over Serial Line: read 10 holding registers of server 1 ends in C5 CD (low byte first).
        #expect(rtuFrame(0x01, [0x03, 0x00, 0x00, 0x00, 0x0A]).suffix(2) == [0xC5, 0xCD])
        // Appendix B of the serial line specification: address 02, function 07 gives CRC 0x1241, sent 41 12.
        #expect(crc([0x02, 0x07]) == 0x1241)
        // The application protocol's example request (server 0x11, read 3 registers from 0x006B): 76 87.
        #expect(rtuFrame(0x11, [0x03, 0x00, 0x6B, 0x00, 0x03]).suffix(2) == [0x76, 0x87])
        // CRC-16/MODBUS catalogue check value.
        #expect(crc(Array("123456789".utf8)) == 0x4B37)
        #expect(crc([]) == 0xFFFF)
        // Continuing a CRC over two pieces equals the CRC of the whole.
        let whole: [UInt8] = [1, 2, 3, 4, 5, 6, 7]
        let split = [UInt8](whole[4...]).withUnsafeBytes { tail in
            ModbusCRC.update([UInt8](whole[..<4]).withUnsafeBytes { ModbusCRC.checksum($0) }, tail)
        }
        #expect(split == crc(whole))
    }

    // @verifies SWR-MODBUS-FRAME-1
    @Test func rtuRoundTripAndFaults() throws {
        var out = [UInt8](repeating: 0, count: 256)
        let pdu: [UInt8] = [0x03, 0x00, 0x00, 0x00, 0x0A]
        let n = try pdu.withUnsafeBytes { p in try out.withUnsafeMutableBytes { try ModbusRTU.encode(address: 1, pdu: p, into: $0) } }
        #expect(Array(out[0..<n]) == [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD])
        let frame = Array(out[0..<n])
        try frame.withUnsafeBytes { f in
            let decoded = try ModbusRTU.decode(f)
            #expect(decoded.address == 1 && Array(decoded.pdu) == pdu)
        }
        for i in 0..<frame.count {
            var bad = frame
            bad[i] ^= 0x10
            #expect(throws: ModbusFrameError.badCRC) { try bad.withUnsafeBytes { _ = try ModbusRTU.decode($0) } }
        }
        #expect(throws: ModbusFrameError.truncated) { try [UInt8](frame[0..<3]).withUnsafeBytes { _ = try ModbusRTU.decode($0) } }
        let long = rtuFrame(1, [0x10] + [UInt8](repeating: 0, count: 253))
        #expect(throws: ModbusFrameError.tooLong) { try long.withUnsafeBytes { _ = try ModbusRTU.decode($0) } }
        #expect(throws: ModbusFrameError.bufferTooSmall) {
            var small = [UInt8](repeating: 0, count: 7)
            _ = try pdu.withUnsafeBytes { p in try small.withUnsafeMutableBytes { try ModbusRTU.encode(address: 1, pdu: p, into: $0) } }
        }
    }

    @Test func rtuTimingPerBaud() {
        // 11 bits per character: t3.5 = 38.5 bit times, t1.5 = 16.5 bit times, rounded up to whole ns.
        #expect(ModbusRTU.interFrameDelayNs(baud: 9600) == 4_010_417)
        #expect(ModbusRTU.interCharacterTimeoutNs(baud: 9600) == 1_718_750)
        #expect(ModbusRTU.interFrameDelayNs(baud: 19200) == 2_005_209)
        #expect(ModbusRTU.interCharacterTimeoutNs(baud: 19200) == 859_375)
        #expect(ModbusRTU.interFrameDelayNs(baud: 1200) == 32_083_334)
        #expect(ModbusRTU.characterTimeNs(baud: 9600) == 1_145_834)
        // Above 19200 baud the specification fixes 1750 µs and 750 µs.
        for baud in [19201, 38400, 57600, 115200, 921600] {
            #expect(ModbusRTU.interFrameDelayNs(baud: baud) == 1_750_000)
            #expect(ModbusRTU.interCharacterTimeoutNs(baud: baud) == 750_000)
        }
        #expect(ModbusRTU.interFrameDelayNs(baud: 0) == 0)
    }

    // @verifies SWR-MODBUS-FRAME-2
    @Test func mbapEdgeCases() throws {
        let pdu: [UInt8] = [0x03, 0x00, 0x00, 0x00, 0x01]
        try tcpFrame(0xBEEF, 0xFF, pdu).withUnsafeBytes { f in
            let decoded = try ModbusTCP.decode(f)
            #expect(decoded.transactionId == 0xBEEF && decoded.unitId == 0xFF && Array(decoded.pdu) == pdu)
            #expect(try ModbusTCP.frameLength(header: UnsafeRawBufferPointer(rebasing: f[0..<7])) == 12)
        }
        func decodeError(_ frame: [UInt8]) -> ModbusFrameError? {
            do { _ = try frame.withUnsafeBytes { try ModbusTCP.decode($0) }; return nil } catch { return error as? ModbusFrameError }
        }
        #expect(decodeError(tcpFrame(1, 1, pdu, protocolId: 1)) == .badProtocolId)
        #expect(decodeError(tcpFrame(1, 1, pdu, length: 1)) == .badLength)       // unit id only, no function
        #expect(decodeError(tcpFrame(1, 1, pdu, length: 0)) == .badLength)
        #expect(decodeError(tcpFrame(1, 1, pdu, length: 255)) == .badLength)     // PDU of 254 bytes
        #expect(decodeError(tcpFrame(1, 1, pdu, length: 7)) == .truncated)       // announces one byte more
        #expect(decodeError(tcpFrame(1, 1, pdu, length: 5)) == .badLength)       // a byte left over
        #expect(decodeError(Array(tcpFrame(1, 1, pdu)[0..<6])) == .truncated)
        #expect(decodeError([]) == .truncated)
        // The largest PDU passes, one more byte does not.
        let full = [UInt8(0x10)] + [UInt8](repeating: 0, count: 252)
        #expect(decodeError(tcpFrame(1, 1, full)) == nil)
        #expect(decodeError(tcpFrame(1, 1, full + [0])) == .badLength)
        var out = [UInt8](repeating: 0, count: 8)
        #expect(throws: ModbusFrameError.bufferTooSmall) {
            _ = try pdu.withUnsafeBytes { p in try out.withUnsafeMutableBytes { try ModbusTCP.encode(transactionId: 1, unitId: 1, pdu: p, into: $0) } }
        }
    }
}
