// How `orion ecat` prints: IgH's slave table, SDO values by type, numbers as the commands take them.

import EtherCATTool
import Fieldbus
import RealTime
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

@Suite("EtherCAT run summary and PDO listing")
struct EtherCATRunSummaryTests {
    @Test func percentilesComeFromTheHistogramAndOverflowsAreBeyondIt() {
        let buckets = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 100)
        let overflows = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 10)
        defer { buckets.deallocate(); overflows.deallocate() }
        var record = LatencyHistogram(unit: .microseconds, buckets: buckets, overflowCycles: overflows)
        for us in 1...98 { record.record(nanoseconds: UInt64(us) * 1000) }   // 1..98 us
        record.record(nanoseconds: 500_000)                                 // two beyond the histogram
        record.record(nanoseconds: 700_000)
        let summary = EtherCATRunSummary(cycles: record.cycles, cycleNs: 1_000_000, elapsedNs: 100_000_000, framesLost: 1, lostCycles: 1,
                                         unmatched: 0, malformed: 0, wkcErrors: 0, recoveries: 0, expectedWKC: 6, record: record,
                                         states: "slave 0: OP")
        #expect(summary.percentile(0.5) == 50)
        #expect(summary.percentile(0.98) == 98)
        #expect(summary.percentile(0.99) == nil)  // among the overflows
        #expect(summary.text().contains("jitter (us): min 1, avg 60, median 50, p99 >99, max 700, over histogram 2\n"))
        #expect(summary.json().contains("\"jitter_us\":{\"min\":1,\"avg\":60,\"median\":50,\"p99\":null,\"max\":700,\"overflows\":2}"))
    }

    @Test func thePDOListingHasIgHsLayout() {
        let listing = EtherCATPDOListing(position: 0, source: "CoE", syncManagers: [
            .init(index: 2, start: 0x1400, defaultSize: 0, control: 0x24, enable: 1, pdos: [
                .init(index: 0x1600, name: "Out", entries: [.init(index: 0x7000, subindex: 1, bits: 1, name: "LED")])]),
            .init(index: 3, start: 0x1800, defaultSize: 12, control: 0x20, enable: 1, pdos: [
                .init(index: 0x1A00, name: "In", entries: [.init(index: 0x6000, subindex: 0, bits: 16, name: "x")])]),
        ])
        #expect(listing.text() == """
            SM2: PhysAddr 0x1400, DefaultSize    0, ControlRegister 0x24, Enable 1
              RxPDO 0x1600 "Out"
                PDO entry 0x7000:01,  1 bit, "LED"
            SM3: PhysAddr 0x1800, DefaultSize   12, ControlRegister 0x20, Enable 1
              TxPDO 0x1a00 "In"
                PDO entry 0x6000:00, 16 bit, "x"

            """)
        #expect(listing.bits(outputs: true) == 1 && listing.bits(outputs: false) == 16)
    }
}
