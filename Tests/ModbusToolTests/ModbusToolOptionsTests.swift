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
        #expect(try parseWriteValues(["1", "0x10", "-1"], table: .holdingRegisters) == [1, 16, 0xFFFF])
        #expect(try parseWriteValues(["1", "0"], table: .coils) == [1, 0])
        #expect(throws: ModbusUsageError.self) { try parseWriteValues(["2"], table: .coils) }
        #expect(throws: ModbusUsageError.self) { try parseWriteValues(["65536"], table: .holdingRegisters) }
        #expect(throws: ModbusUsageError.self) { try parseWriteValues(["1"], table: .inputRegisters) }
        #expect(throws: ModbusUsageError.self) { try parseWriteValues(Array(repeating: "1", count: 124), table: .holdingRegisters) }
        #expect(try parseParity("even") == "E" && parseParity("N") == "N")
    }

    @Test func mbpollTableAndJSON() {
        #expect(ModbusOutput.table([123, 0xFFFF], table: .holdingRegisters, firstReference: 1) == "[1]: \t123\n[2]: \t-1\n")
        #expect(ModbusOutput.table([0xFFFF], table: .holdingRegisters, firstReference: 7, unsigned: true) == "[7]: \t65535\n")
        #expect(ModbusOutput.table([1, 0], table: .coils, firstReference: 0) == "[0]: \t1\n[1]: \t0\n")
        #expect(ModbusOutput.json([1, 2], table: .inputRegisters, unit: 17, firstReference: 1, address: 0)
                == "{\"table\":\"input registers\",\"unit\":17,\"reference\":1,\"address\":0,\"values\":[1,2]}\n")
        #expect(ModbusOutput.jsonError("say \"hi\"", exception: 2) == "{\"error\":\"say \\\"hi\\\"\",\"exception\":2}\n")
    }
}
