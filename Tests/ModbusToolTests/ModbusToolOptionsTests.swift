// orion modbus's command-line parsing and output, without any I/O.

import ModbusTool
import Testing

@Suite struct ModbusToolOptionsTests {
    @Test func endpoints() throws {
        #expect(try ModbusEndpoint.parse(":1502", defaultPort: nil) == ModbusEndpoint(host: "", port: 1502))
        #expect(try ModbusEndpoint.parse("127.0.0.1:1502", defaultPort: nil) == ModbusEndpoint(host: "127.0.0.1", port: 1502))
        #expect(try ModbusEndpoint.parse("[::1]:1502", defaultPort: nil) == ModbusEndpoint(host: "::1", port: 1502))
        #expect(try ModbusEndpoint.parse("plc.local", defaultPort: 502) == ModbusEndpoint(host: "plc.local", port: 502))
        #expect(throws: ModbusUsageError.self) { try ModbusEndpoint.parse("127.0.0.1", defaultPort: nil) }
        #expect(throws: ModbusUsageError.self) { try ModbusEndpoint.parse("h:70000", defaultPort: 502) }
        #expect(throws: ModbusUsageError.self) { try ModbusEndpoint.parse(":502", defaultPort: 502) }
    }

    @Test func referencesAreOneBasedUnlessZero() throws {
        #expect(try protocolAddress(reference: 1, zeroBased: false, count: 1) == 0)
        #expect(try protocolAddress(reference: 0, zeroBased: true, count: 1) == 0)
        #expect(throws: ModbusUsageError.self) { try protocolAddress(reference: 0, zeroBased: false, count: 1) }
        #expect(throws: ModbusUsageError.self) { try protocolAddress(reference: 65536, zeroBased: false, count: 2) }
    }

    @Test func writeValues() throws {
        let holding = ModbusDataType(table: .holdingRegisters), coils = ModbusDataType(table: .coils)
        #expect(try parseWriteValues(["1", "0x10", "-1"], type: holding) == [1, 16, 0xFFFF])
        #expect(try parseWriteValues(["1", "0"], type: coils) == [1, 0])
        #expect(throws: ModbusUsageError.self) { try parseWriteValues(["2"], type: coils) }
        #expect(throws: ModbusUsageError.self) { try parseWriteValues(["65536"], type: holding) }
        #expect(throws: ModbusUsageError.self) { try parseWriteValues(["1"], type: ModbusDataType(table: .inputRegisters)) }
        #expect(throws: ModbusUsageError.self) { try parseWriteValues(Array(repeating: "1", count: 124), type: holding) }
        #expect(try parseParity("even") == "E" && parseParity("N") == "N")
    }

    /// `-t 4:int` and `-t 4:float` write two registers per value, low word first unless -B (as mbpoll).
    @Test func writeValues32() throws {
        let int = ModbusDataType(table: .holdingRegisters, format: .int)
        let float = ModbusDataType(table: .holdingRegisters, format: .float)
        #expect(try parseWriteValues(["-5", "100000"], type: int) == [0xFFFB, 0xFFFF, 0x86A0, 0x0001])
        #expect(try parseWriteValues(["-5"], type: int, bigEndianWords: true) == [0xFFFF, 0xFFFB])
        #expect(try parseWriteValues(["0xFFFFFFFF"], type: int) == [0xFFFF, 0xFFFF])
        #expect(try parseWriteValues(["1.5"], type: float) == [0x0000, 0x3FC0])
        #expect(try parseWriteValues(["1.5"], type: float, bigEndianWords: true) == [0x3FC0, 0x0000])
        for bad in ["2147483648", "-2147483649", "1.5", "x"] {
            #expect(throws: ModbusUsageError.self, "\(bad)") { try parseWriteValues([bad], type: int) }
        }
        for bad in ["nan", "inf", "-inf", "1e39", "x"] {
            #expect(throws: ModbusUsageError.self, "\(bad)") { try parseWriteValues([bad], type: float) }
        }
        #expect(throws: ModbusUsageError.self) { try parseWriteValues(Array(repeating: "1", count: 62), type: int) }
        #expect(try parseWriteValues(Array(repeating: "1", count: 61), type: int).count == 122)
    }

    /// mbpoll's `-t`: a format is implemented or refused, never ignored (`4:bogus` used to print 16-bit decimals).
    @Test func dataTypes() throws {
        #expect(try ModbusDataType.parse("4") == ModbusDataType(table: .holdingRegisters))
        #expect(try ModbusDataType.parse("3:HEX") == ModbusDataType(table: .inputRegisters, format: .hex))
        #expect(try ModbusDataType.parse("4:int") == ModbusDataType(table: .holdingRegisters, format: .int))
        #expect(try ModbusDataType.parse("4:float") == ModbusDataType(table: .holdingRegisters, format: .float))
        #expect(try ModbusDataType.parse("0") == ModbusDataType(table: .coils))
        for bad in ["4:bogus", "4:", "4:int16", "0:float", "1:hex", "2", "7", "", ":int"] {
            #expect(throws: ModbusUsageError.self, "\(bad)") { try ModbusDataType.parse(bad) }
        }
        #expect(try ModbusDataType.parse("4:float").maxCount(writing: false) == 62)
        #expect(try ModbusDataType.parse("4:int").maxCount(writing: true) == 61)
        #expect(try ModbusDataType.parse("4:hex").maxCount(writing: false) == 125)
    }

    @Test func mbpollTableAndJSON() {
        let holding = ModbusDataType(table: .holdingRegisters)
        // Debian's mbpoll 1.4.11: unsigned, with the signed value after it when bit 15 is set.
        #expect(ModbusOutput.table([123, 0xFFFF], type: holding, firstReference: 1) == "[1]: \t123\n[2]: \t65535 (-1)\n")
        #expect(ModbusOutput.table([0xFFFF], type: holding, firstReference: 7, unsigned: true) == "[7]: \t65535\n")
        #expect(ModbusOutput.table([1, 0], type: ModbusDataType(table: .coils), firstReference: 0) == "[0]: \t1\n[1]: \t0\n")
        #expect(ModbusOutput.table([0x7B, 0xFFFB], type: ModbusDataType(table: .inputRegisters, format: .hex), firstReference: 1)
                == "[1]: \t0x007B\n[2]: \t0xFFFB\n")
        let int = ModbusDataType(table: .holdingRegisters, format: .int)
        #expect(ModbusOutput.table([0xFFFB, 0xFFFF, 0x86A0, 0x0001], type: int, firstReference: 21) == "[21]: \t-5\n[23]: \t100000\n")
        #expect(ModbusOutput.table([0xFFFF, 0xFFFB], type: int, firstReference: 1, bigEndianWords: true) == "[1]: \t-5\n")
        let float = ModbusDataType(table: .holdingRegisters, format: .float)
        #expect(ModbusOutput.table([0, 0x3FC0, 0, 0xC010, 0x0FD0, 0x4049], type: float, firstReference: 11)
                == "[11]: \t1.5\n[13]: \t-2.25\n[15]: \t3.14159\n")
        #expect(ModbusOutput.table([0xFFFF, 0xFFFF], type: float, firstReference: 1) == "[1]: \t-nan\n")
        #expect(ModbusOutput.json([1, 2], type: ModbusDataType(table: .inputRegisters), unit: 17, firstReference: 1, address: 0)
                == "{\"table\":\"input registers\",\"unit\":17,\"reference\":1,\"address\":0,\"values\":[1,2]}\n")
        #expect(ModbusOutput.json([0, 0x3FC0, 0xFFFF, 0xFFFF], type: float, unit: 1, firstReference: 1, address: 0)
                == "{\"table\":\"holding registers\",\"unit\":1,\"reference\":1,\"address\":0,\"format\":\"float\",\"values\":[1.5,null]}\n")
        #expect(ModbusOutput.json([0xFFFB, 0xFFFF], type: int, unit: 1, firstReference: 1, address: 0).hasSuffix("\"format\":\"int\",\"values\":[-5]}\n"))
        #expect(ModbusOutput.jsonError("say \"hi\"", exception: 2) == "{\"error\":\"say \\\"hi\\\"\",\"exception\":2}\n")
        #expect(ModbusOutput.jsonError("a\nb\u{1}") == "{\"error\":\"a\\nb\\u0001\"}\n")
    }
}
