// `--map` and `--assign` values: what they become, and every kind of bad value refused with the reason.

import EtherCATTool
import Testing

@Suite("orion ecat --map and --assign")
struct EtherCATRemapArgumentTests {
    // @verifies SWR-ECAT-PDO-2
    @Test func valuesBecomeEntriesAndPDOs() throws {
        let map = try EtherCATRemap.parseMap("0:0x1a00=0x6000:0:16,0x6001:0:16,24576:2:8")
        #expect(map == EtherCATMapArgument(position: 0, pdo: 0x1A00, entries: [0x6000_0010, 0x6001_0010, 0x6000_0208]))
        #expect(try EtherCATRemap.parseMap("3:0x1600=0:0:4,0x7000:1:4").entries == [0x0000_0004, 0x7000_0104])  // a gap
        #expect(try EtherCATRemap.parseMap("1:0x1601=").entries == [])   // unmapped
        let assign = try EtherCATRemap.parseAssign("2:0x1C13=0x1A00,0x1a01")
        #expect(assign == EtherCATAssignArgument(position: 2, object: 0x1C13, pdos: [0x1A00, 0x1A01]))
        #expect(try EtherCATRemap.parseAssign("0:0x1c12=").pdos == [])
        #expect(try EtherCATRemap.parseAssign("0:0x1c14=0x1600,0x1a00").pdos == [0x1600, 0x1A00])
    }

    // @verifies SWR-ECAT-PDO-2
    @Test func badValuesSayWhatIsWrong() {
        let maps: [(String, String)] = [
            ("0:0x1a00", "expected POSITION:PDO=..."),
            ("0x1a00=0x6000:0:16", "expected POSITION:PDO before '='"),
            ("x:0x1a00=0x6000:0:16", "POSITION 'x' is not 0...65534"),
            ("0:0x2000=0x6000:0:16", "PDO '0x2000' is not in 0x1600-0x17ff or 0x1a00-0x1bff"),
            ("0:0x1a00=0x6000:0", "entry '0x6000:0' is not INDEX:SUBINDEX:BITS"),
            ("0:0x1a00=0x6000:0:0", "BITS '0' is not 1...255"),
            ("0:0x1a00=0x6000:256:8", "SUBINDEX '256' is not 0...0xff"),
            ("0:0x1a00=0x10000:0:8", "INDEX '0x10000' is not 0...0xffff"),
            ("0:0x1a00=0x6000:0:8,", "entry '' is not INDEX:SUBINDEX:BITS"),
            ("0:0x1a00=" + Array(repeating: "0x6000:0:8", count: 255).joined(separator: ","), "more than 254 entries"),
            (String(repeating: "9", count: 5000), "longer than 4096 characters"),
        ]
        for (text, why) in maps {
            #expect(throws: EtherCATRemapError(description: "--map '\(text.prefix(80))': \(why)")) { try EtherCATRemap.parseMap(text) }
        }
        let assigns: [(String, String)] = [
            ("0:0x1a00=0x1a00", "OBJECT '0x1a00' is not in 0x1c10-0x1c2f"),
            ("0:0x1c12=0x1a00", "PDO '0x1a00' is not an RxPDO (0x1600-0x17ff)"),
            ("0:0x1c13=0x1600", "PDO '0x1600' is not a TxPDO (0x1a00-0x1bff)"),
            ("0:0x1c14=0x2000", "PDO '0x2000' is not a PDO (0x1600-0x17ff, 0x1a00-0x1bff)"),
            ("70000:0x1c12=0x1600", "POSITION '70000' is not 0...65534"),
        ]
        for (text, why) in assigns {
            #expect(throws: EtherCATRemapError(description: "--assign '\(text.prefix(80))': \(why)")) { try EtherCATRemap.parseAssign(text) }
        }
    }
}
