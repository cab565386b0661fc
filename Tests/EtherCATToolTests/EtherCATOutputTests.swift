// How `orion ecat` prints: IgH's slave table, SDO values by type, numbers as the commands take them.

import EtherCATTool
import Fieldbus
import Testing

@Suite("orion ecat output")
struct EtherCATOutputTests {
    func view(_ position: Int, alias: UInt16 = 0, status: UInt16, name: String) -> EtherCATSlaveView {
        var r = EtherCATSlaveRecord(position: position, station: UInt16(1001 + position))
        r.alias = alias
        r.alStatus = EtherCATALStatus(raw: status)
        return EtherCATSlaveView(record: r, name: name, sii: [])
    }

    @Test func theTablePadsItsColumnsAndCountsPositionsFromTheLastAlias() {
        let slaves = (0..<12).map { view($0, alias: $0 == 10 ? 7 : 0, status: $0 == 11 ? 0x14 : 0x02, name: $0 == 3 ? "" : "S\($0)") }
        let lines = EtherCATOutput.slavesTable(slaves).split(separator: "\n").map(String.init)
        #expect(lines[0] == " 0  0:0  PREOP   +  S0")
        #expect(lines[3] == " 3  0:3  PREOP   +  (no name)")
        #expect(lines[10] == "10  7:0  PREOP   +  S10")
        #expect(lines[11] == "11  7:1  SAFEOP  E  S11")
    }

    @Test func jsonEscapesNamesAndCarriesTheRecord() {
        let json = EtherCATOutput.slavesJSON([view(0, status: 0x01, name: "a \"b\"\n")])
        #expect(json == "{\"slaves\":[{\"position\":0,\"station\":1001,\"alias\":0,\"state\":\"INIT\",\"error\":false,\"al_status_code\":0,\"vendor_id\":0,\"product_code\":0,\"revision\":0,\"serial\":0,\"dc\":false,\"name\":\"a \\\"b\\\"\\n\"}]}\n")
    }

    @Test func valuesAreShownByTypeAsIgHDoes() throws {
        #expect(try EtherCATValues.format([0xA5, 0x06, 0, 0], as: .uint32) == "0x000006a5 1701")
        #expect(try EtherCATValues.format([0xFF, 0xFF], as: .int16) == "0xffff -1")
        #expect(try EtherCATValues.format([0x01], as: .bool) == "1")
        #expect(try EtherCATValues.format(Array("xmc48\0zz".utf8), as: .string) == "xmc48")
        #expect(try EtherCATValues.format([0x00, 0x00, 0x80, 0x3F], as: .float) == "1.0")
        #expect(try EtherCATValues.format([1, 0xAB], as: nil) == "01 ab")
        #expect(throws: EtherCATValueError.self) { try EtherCATValues.format([1, 2, 3, 4], as: .uint16) }
        #expect(EtherCATValues.parseNumber("0x1C12", range: 0...0xFFFF) == 0x1C12)
        #expect(EtherCATValues.parseNumber("65536", range: 0...0xFFFF) == nil)
        #expect(EtherCATValues.parseNumber("-1", range: 0...0xFF) == nil)
        #expect(parseEtherCATState("safe-op") == .safeOperational && parseEtherCATState("run") == nil)
    }
}

@Suite("EtherCAT download values")
struct EtherCATValueEncodingTests {
    @Test func integersAreLittleEndianInTheirTypesRange() throws {
        #expect(try EtherCATValues.encode("0x12345678", as: .uint32) == [0x78, 0x56, 0x34, 0x12])
        #expect(try EtherCATValues.encode("65535", as: .uint16) == [0xFF, 0xFF])
        #expect(try EtherCATValues.encode("-2", as: .int16) == [0xFE, 0xFF])
        #expect(try EtherCATValues.encode("-128", as: .int8) == [0x80])
        #expect(try EtherCATValues.encode("true", as: .bool) == [1])
        #expect(try EtherCATValues.encode("1.5", as: .float) == [0, 0, 0xC0, 0x3F])
        #expect(try EtherCATValues.encode("01 a0:ff", as: .octetString) == [0x01, 0xA0, 0xFF])
        #expect(try EtherCATValues.encode("ab", as: .string) == [0x61, 0x62])
        // Each value round-trips through the upload formatter.
        #expect(try EtherCATValues.format(EtherCATValues.encode("-300", as: .int32), as: .int32) == "0xfffffed4 -300")
    }

    @Test func valuesOutsideTheTypeAreErrorsThatSayWhy() {
        for (text, type) in [("256", EtherCATDataType.uint8), ("-1", .uint16), ("128", .int8), ("-129", .int8), ("x", .uint32),
                             ("2", .bool), ("nan", .float), ("0a0", .raw), ("zz", .octetString), ("", .string)] {
            #expect(throws: EtherCATValueError.self) { _ = try EtherCATValues.encode(text, as: type) }
        }
        #expect((try? EtherCATValues.encode("256", as: .uint8)) == nil)
        do {
            _ = try EtherCATValues.encode("70000", as: .uint16)
        } catch {
            #expect("\(error)" == "'70000' is not a uint16 (0...65535, decimal or 0x-hex)")
        }
    }
}
