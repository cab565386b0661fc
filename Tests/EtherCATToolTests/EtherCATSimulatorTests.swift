// `orion ecat` against KickCAT's slave simulator on a veth pair, with SOEM (pysoem) and KickCAT's own master
// (kickcat) as the reference: the same slaves, identities, station addresses and SII words. Needs root (network
// namespaces); the simulator and the reference masters are installed by Tools/setup-peers --ethercat.

import EtherCATTool
import Fieldbus
import Foundation
import Testing
import TestSupport

/// The JSON a reference master printed (its last line: kickcat prints progress first).
func referenceJSON(_ master: String, _ interface: String, _ extra: [String] = []) throws -> [String: Any] {
    let script = TestPaths.packageRoot.appendingPathComponent("Tests/EtherCATToolTests/Harness/ecat_reference.py").path
    let r = try HostProcess.run(ProjectPython.python, [script, master, interface] + extra, timeout: 300)
    guard r.status == 0, let line = r.stdout.split(separator: "\n").last,
          let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw ToolFailure("\(master) on \(interface) failed (\(r.status)):\n\(r.stdout.suffix(2000))\n\(r.stderr.suffix(2000))")
    }
    return object
}

/// Runs `orion ecat` with a timeout that suits the simulator (latency spikes up to about 90 ms under load).
func ecat(_ arguments: [String]) throws -> ProcessResult {
    try OrionExecutable.run(["ecat"] + arguments, timeout: 300)
}

/// `orion ecat slaves` until the simulator answers (it takes a moment to open its interface), bounded.
func waitForSlaves(_ interface: String, count: Int) throws {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        let r = try ecat(["slaves", "-i", interface, "--json", "--timeout", "200"])
        if r.status == 0, r.stdout.components(separatedBy: "\"position\"").count - 1 == count { return }
        usleep(200_000)
    }
    throw ToolFailure("the simulator on \(interface) did not show \(count) slaves within 30 s")
}

@Suite("orion ecat against the KickCAT simulator", .serialized)
struct EtherCATSimulatorTests {
    init() throws {
        try EtherCATSegment.ensurePeers()
        try ProjectPython.ensure()
    }

    /// Count, identity, names and station addresses as SOEM and KickCAT find them; the SII words as SOEM reads them.
    @Test func slavesMatchWhatSOEMAndKickCATFind() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let run = try ecat(["slaves", "-i", segment.interface, "--json", "--timeout", "200"])
        #expect(run.status == 0, "\(run.stderr)")
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let slaves = try #require(ours["slaves"] as? [[String: Any]])

        let soem = try referenceJSON("pysoem", segment.interface, ["128"])
        let soemSlaves = try #require(soem["slaves"] as? [[String: Any]])
        #expect(soem["count"] as? Int == slaves.count)
        #expect(slaves.count == 2)
        for (i, (mine, theirs)) in zip(slaves, soemSlaves).enumerated() {
            for key in ["vendor_id", "product_code", "revision"] {
                #expect(mine[key] as? Int == theirs[key] as? Int, "slave \(i) \(key)")
            }
            // The SII words SOEM reads are the start of the image `sii-read` writes.
            let image = try ecat(["sii-read", "-i", segment.interface, "-p", String(i), "--timeout", "200", "--hex"])
            #expect(image.status == 0, "\(image.stderr)")
            let words = image.stdout.split(separator: "\n").flatMap { $0.split(separator: " ").dropFirst() }
            let soemWords = try #require(theirs["sii"] as? String)
            let soemBytes = stride(from: 0, to: soemWords.count, by: 2).map { UInt8(soemWords.dropFirst($0).prefix(2), radix: 16)! }
            let soemAsWords = stride(from: 0, to: soemBytes.count - 1, by: 2).map { String(format: "%04x", Int(soemBytes[$0]) | Int(soemBytes[$0 + 1]) << 8) }
            #expect(words.prefix(soemAsWords.count).map(String.init) == Array(soemAsWords.prefix(words.count)), "slave \(i) SII words")
            #expect(words.count >= 64, "slave \(i): the image has at least the header")
            // SOEM names a slave by SII string 1; orion, as IgH, by the general category's name string: both
            // are in the image orion read.
            let file = NSTemporaryDirectory() + "sii-\(segment.interface)-\(i).bin"
            defer { try? FileManager.default.removeItem(atPath: file) }
            let binary = try ecat(["sii-read", "-i", segment.interface, "-p", String(i), "--timeout", "200", "-o", file])
            #expect(binary.status == 0, "\(binary.stderr)")
            let bytes = [UInt8](FileManager.default.contents(atPath: file) ?? Data())
            try bytes.withUnsafeBytes { raw in
                let sii = try EtherCATSII(image: raw)
                let first = try #require(try sii.string(1))
                #expect(String(decoding: first, as: UTF8.self) == theirs["name"] as? String, "slave \(i) string 1")
                let general = try #require(try sii.general())
                let name = try #require(try sii.string(general.nameIndex))
                #expect(String(decoding: name, as: UTF8.self) == mine["name"] as? String, "slave \(i) device name")
            }
        }

        let kickcat = try referenceJSON("kickcat", segment.interface)
        #expect(kickcat["count"] as? Int == slaves.count)
        #expect(kickcat["stations"] as? [Int] == slaves.compactMap { $0["station"] as? Int })
    }

    /// The table and `-v` blocks carry what IgH's tool shows for these slaves.
    @Test func theTableAndTheVerboseListingShowTheSlaves() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let table = try ecat(["slaves", "-i", segment.interface, "--timeout", "200"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.range(of: #"^0  0:0  (INIT|PREOP|SAFEOP|OP)  \+  KickCAT slave stack example$"#, options: .regularExpression) != nil, "\(lines)")
        #expect(lines.last?.hasSuffix("  xmc48slave") == true, "\(lines)")
        let verbose = try ecat(["slaves", "-i", segment.interface, "-v", "--timeout", "200"])
        #expect(verbose.status == 0)
        for text in ["=== Slave 0 ===", "Vendor Id:       0x0000079a", "Product code:    0x00defede", "Supported protocols: CoE",
                     "SM0: start 0x1000, size 512", "=== Slave 1 ===", "Vendor Id:       0x00001337"] {
            #expect(verbose.stdout.contains(text), "missing \(text) in:\n\(verbose.stdout)")
        }
    }

    /// `states`: PREOP after setting up the mailboxes from the SII, a refused transition reported with the
    /// slave's AL status code and name (and acknowledged), one slave back to INIT.
    // @verifies SWR-ECAT-STATE-1
    @Test func statesAreRequestedAndRefusalsReportedWithTheirCode() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        func table() throws -> [String] {
            try ecat(["slaves", "-i", segment.interface, "--timeout", "200"]).stdout.split(separator: "\n").map {
                $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).prefix(2).joined(separator: " ")
            }
        }
        #expect(try table() == ["INIT +", "INIT +"])
        let preop = try ecat(["states", "-i", segment.interface, "--timeout", "200", "PREOP"])
        #expect(preop.status == 0, "\(preop.stderr)")
        #expect(try table() == ["PREOP +", "PREOP +"])
        let boot = try ecat(["states", "-i", segment.interface, "--timeout", "200", "boot"])
        #expect(boot.status == 1)
        #expect(boot.stderr.contains("slave 1001 did not reach BOOT: in PREOP with error, AL status code 0x0011 (Invalid requested state change)"), "\(boot.stderr)")
        #expect(try table() == ["PREOP +", "PREOP +"])  // the error was acknowledged
        let one = try ecat(["states", "-i", segment.interface, "--timeout", "200", "-p", "1", "INIT"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(try table() == ["PREOP +", "INIT +"])
        let unknown = try ecat(["states", "-i", segment.interface, "RUN"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown state 'RUN'"))
        let nobody = try ecat(["states", "-i", segment.interface, "-p", "2", "INIT"])
        #expect(nobody.status == 2 && nobody.stderr.contains("no slave at position 2: 2 slaves"))
    }

    /// `upload` reads what SOEM's `sdo_read` reads; an object the slave does not have comes back as the same
    /// abort, with its code and name; a type that does not fit the object is a usage error.
    // @verifies SWR-ECAT-COE-1
    @Test func uploadReadsWhatSOEMReads() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        for position in 0..<2 {
            for (index, subindex) in [("0x1018", "1"), ("0x1018", "2"), ("0x1C12", "0"), ("0x1C13", "1")] {
                let soem = try referenceJSON("sdo", segment.interface, [String(position), index, subindex])
                let ours = try ecat(["upload", "-i", segment.interface, "--timeout", "200", "-p", String(position), index, subindex])
                if let hex = soem["hex"] as? String {
                    #expect(ours.status == 0, "\(ours.stderr)")
                    #expect(ours.stdout.replacingOccurrences(of: " ", with: "").trimmingCharacters(in: .whitespacesAndNewlines) == hex,
                            "slave \(position) \(index):\(subindex): \(ours.stdout) vs \(hex)")
                } else {
                    let code = try #require(soem["abort"] as? Int)
                    #expect(ours.status == 1)
                    #expect(ours.stderr.contains(String(format: "aborted: 0x%08x", code)), "\(ours.stderr)")
                }
            }
        }
        let missing = try ecat(["upload", "-i", segment.interface, "--timeout", "200", "0x1008", "0"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("SDO 0x1008:00 aborted: 0x06020000 (The object does not exist in the object directory)"), "\(missing.stderr)")
        let soemMissing = try referenceJSON("sdo", segment.interface, ["0", "0x1008", "0"])
        #expect(soemMissing["abort"] as? Int == 0x0602_0000)
        let typed = try ecat(["upload", "-i", segment.interface, "--timeout", "200", "-t", "uint32", "0x1018", "1"])
        #expect(typed.status == 0 && typed.stdout == "0x000006a5 1701\n", "\(typed.stdout)")
        let mismatch = try ecat(["upload", "-i", segment.interface, "--timeout", "200", "-t", "uint16", "0x1018", "1"])
        #expect(mismatch.status == 2 && mismatch.stderr.contains("the object has 4 bytes, uint16 takes 2"), "\(mismatch.stderr)")
        let badIndex = try ecat(["upload", "-i", segment.interface, "0x10000", "0"])
        #expect(badIndex.status == 2 && badIndex.stderr.contains("INDEX must be 0...0xffff"))
    }

    /// `download` then `upload` round-trips a value, SOEM reads what orion wrote and orion what SOEM wrote;
    /// complete access writes several subindexes at once; a value of the wrong size, a read-only object and a
    /// missing one come back as the slave's aborts with their names (exit 1), a value outside its type is a
    /// usage error (exit 2).
    // @verifies SWR-ECAT-COE-1
    @Test func downloadRoundTripsAndSOEMAgrees() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let i = segment.interface
        // xmc4800's 0x2000 (FreezeValue) has two read-write UDINTs.
        let written = try ecat(["download", "-i", i, "--timeout", "200", "-p", "1", "0x2000", "1", "0x12345678"])
        #expect(written.status == 0, "\(written.stderr)")
        let back = try ecat(["upload", "-i", i, "--timeout", "200", "-p", "1", "-t", "uint32", "0x2000", "1"])
        #expect(back.stdout == "0x12345678 305419896\n", "\(back.stdout) \(back.stderr)")
        #expect(try referenceJSON("sdo", i, ["1", "0x2000", "1"])["hex"] as? String == "78563412")
        #expect(try referenceJSON("sdo-write", i, ["1", "0x2000", "2", "0a0b0c0d"])["written"] as? Int == 4)
        let soemWrote = try ecat(["upload", "-i", i, "--timeout", "200", "-p", "1", "-t", "uint32", "0x2000", "2"])
        #expect(soemWrote.stdout == "0x0d0c0b0a 218893066\n", "\(soemWrote.stdout) \(soemWrote.stderr)")
        let signed = try ecat(["download", "-i", i, "--timeout", "200", "-p", "1", "-t", "int32", "--", "0x2000", "2", "-7"])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try referenceJSON("sdo", i, ["1", "0x2000", "2"])["hex"] as? String == "f9ffffff")
        // Complete access: subindexes 1 and 2 in one transfer, read back the same way (subindex 0, a pad byte).
        let whole = try ecat(["download", "-i", i, "--timeout", "200", "-p", "1", "-t", "raw", "--complete", "0x2000", "1", "01000000 02000000"])
        #expect(whole.status == 0, "\(whole.stderr)")
        let all = try ecat(["upload", "-i", i, "--timeout", "200", "-p", "1", "--complete", "0x2000", "0"])
        #expect(all.stdout == "02 00 01 00 00 00 02 00 00 00\n", "\(all.stdout) \(all.stderr)")
        // The slave says no.
        let wrongSize = try ecat(["download", "-i", i, "--timeout", "200", "-p", "1", "-t", "uint16", "0x2000", "1", "5"])
        #expect(wrongSize.status == 1)
        #expect(wrongSize.stderr.contains("SDO 0x2000:01 aborted: 0x06070010 (Data type does not match, length of service parameter does not match)"), "\(wrongSize.stderr)")
        let readOnly = try ecat(["download", "-i", i, "--timeout", "200", "-p", "1", "0x1018", "1", "5"])
        #expect(readOnly.status == 1 && readOnly.stderr.contains("0x06010002 (Attempt to write a read-only object)"), "\(readOnly.stderr)")
        let missing = try ecat(["download", "-i", i, "--timeout", "200", "-p", "0", "-t", "uint8", "0x5555", "0", "1"])
        #expect(missing.status == 1 && missing.stderr.contains("0x06020000 (The object does not exist in the object directory)"), "\(missing.stderr)")
        // Usage errors, before any frame.
        let tooBig = try ecat(["download", "-i", i, "-p", "1", "-t", "uint8", "0x2000", "1", "256"])
        #expect(tooBig.status == 2 && tooBig.stderr.contains("'256' is not a uint8 (0...255"), "\(tooBig.stderr)")
        let noValue = try ecat(["download", "-i", i, "-p", "1", "0x2000", "1"])
        #expect(noValue.status == 2)
        let caTyped = try ecat(["download", "-i", i, "-p", "1", "-t", "uint32", "--complete", "0x2000", "1", "5"])
        #expect(caTyped.status == 2 && caTyped.stderr.contains("complete access takes the object's bytes"))
    }

    /// `sdos` reads the same object dictionary through SDO information as SOEM does (`slave.od`): the same
    /// objects in the same order with the same names and object codes, and the same type, size and access for
    /// every entry SOEM describes.
    // @verifies SWR-ECAT-COE-1
    @Test func sdosListsTheDictionarySOEMReads() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        for position in 0..<2 {
            let run = try ecat(["sdos", "-i", segment.interface, "--timeout", "200", "-p", String(position), "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let ours = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let objects = try #require(ours["objects"] as? [[String: Any]])
            let soem = try #require(try referenceJSON("od", segment.interface, [String(position)])["objects"] as? [[String: Any]])
            #expect(objects.count == soem.count && objects.count >= 6, "slave \(position): \(objects.count) vs \(soem.count)")
            for (mine, theirs) in zip(objects, soem) {
                let index = mine["index"] as? Int ?? -1
                #expect(index == theirs["index"] as? Int)
                #expect(mine["name"] as? String == theirs["name"] as? String, "0x\(String(index, radix: 16)) name")
                #expect(mine["object_code"] as? Int == theirs["object_code"] as? Int, "0x\(String(index, radix: 16)) object code")
                let myEntries = (mine["entries"] as? [[String: Any]]) ?? []
                for e in (theirs["entries"] as? [[String: Any]]) ?? [] where (e["bit_length"] as? Int ?? 0) > 0 {
                    let sub = e["subindex"] as? Int ?? -1
                    let m = myEntries.first { $0["subindex"] as? Int == sub }
                    #expect(m?["data_type"] as? Int == e["data_type"] as? Int, "0x\(String(index, radix: 16)):\(sub) type")
                    #expect(m?["bit_length"] as? Int == e["bit_length"] as? Int, "0x\(String(index, radix: 16)):\(sub) bits")
                    #expect(m?["access"] as? Int == e["access"] as? Int, "0x\(String(index, radix: 16)):\(sub) access")
                    #expect(m?["name"] as? String == e["name"] as? String, "0x\(String(index, radix: 16)):\(sub) name")
                }
            }
        }
        let text = try ecat(["sdos", "-i", segment.interface, "--timeout", "200", "-p", "0"])
        #expect(text.stdout.contains("SDO 0x1018, \"Identity Object\"\n  0x1018:00, r-r-r-, uint8, 8 bit, \"Subindex 000\"\n  0x1018:01, r-r-r-, uint32, 32 bit, \"Vendor ID\""),
                "\(text.stdout.prefix(1500))")
        let quiet = try ecat(["sdos", "-i", segment.interface, "--timeout", "200", "-p", "0", "-q"])
        #expect(quiet.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("SDO 0x") })
    }

    /// `pdos` lists what each slave's own CoE objects map (0x1C12/0x1C13 and the PDOs they assign, read here
    /// through SOEM's `sdo_read`): the same PDOs, entries and sizes. (SOEM's own `config_map` sizes one of
    /// these slaves differently; the slave's objects are the oracle.)
    // @verifies SWR-ECAT-PDO-1
    @Test func pdosEqualTheSlavesOwnObjects() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let run = try ecat(["pdos", "-i", segment.interface, "--timeout", "200", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let slaves = try #require(ours["slaves"] as? [[String: Any]])
        #expect(slaves.count == 2)
        for (position, mine) in slaves.enumerated() {
            let objects = try referenceJSON("mapping", segment.interface, [String(position)])
            #expect(mine["source"] as? String == "CoE")
            #expect(mine["outputs_bits"] as? Int == objects["outputs_bits"] as? Int, "slave \(position) outputs")
            #expect(mine["inputs_bits"] as? Int == objects["inputs_bits"] as? Int, "slave \(position) inputs")
            // Every PDO with every entry, in order.
            let managers = try #require(mine["sync_managers"] as? [[String: Any]])
            let listed = managers.flatMap { ($0["pdos"] as? [[String: Any]]) ?? [] }.map { pdo -> [Int] in
                [pdo["index"] as? Int ?? -1] + ((pdo["entries"] as? [[String: Any]]) ?? []).flatMap {
                    [$0["index"] as? Int ?? -1, $0["subindex"] as? Int ?? -1, $0["bits"] as? Int ?? -1]
                }
            }
            let expected = (((objects["outputs_pdos"] as? [[String: Any]]) ?? []) + ((objects["inputs_pdos"] as? [[String: Any]]) ?? [])).map { pdo -> [Int] in
                [pdo["index"] as? Int ?? -2] + ((pdo["entries"] as? [[Int]]) ?? []).flatMap { $0 }
            }
            #expect(listed == expected, "slave \(position)")
        }
        // The freedom board: 3 bytes out, 12 in (its objects); IgH's text form.
        #expect(slaves.first?["outputs_bits"] as? Int == 24 && slaves.first?["inputs_bits"] as? Int == 96)
        let text = try ecat(["pdos", "-i", segment.interface, "--timeout", "200", "-p", "0"])
        #expect(text.stdout.contains("SM2: PhysAddr 0x1400, DefaultSize    0, ControlRegister 0x24, Enable 1\n  RxPDO 0x1600 \"\"\n    PDO entry 0x7000:00,  8 bit, \"\""), "\(text.stdout)")
        #expect(!text.stdout.contains("=== Master 0"))
    }

    /// PDO remapping in PREOP as KickCAT's DS402 `Drive` does it, on the simulated DS402 drive (its mapping
    /// objects are writable in PREOP): RxPDO 0x1600 cut down to control word and target position, TxPDO 0x1A00
    /// to status word and actual position, each assigned alone. SOEM (pysoem) reads back exactly those objects
    /// from the slave; the run lays its image out from them and reaches OP with them; `states OP` remaps too. The
    /// freedom board's fixed mapping refuses with its abort (exit 1); bad values and positions are exit 2.
    // @verifies SWR-ECAT-PDO-2
    @Test func pdosRemappedInPreopAreWhatTheSlaveHoldsAndWhatTheRunUses() throws {
        let segment = try EtherCATSegment(slaves: EtherCATSegment.drive)
        defer { segment.close() }
        let i = segment.interface
        try waitForSlaves(i, count: 1)
        let remap = ["--map", "0:0x1600=0x6040:0:16,0x607a:0:32", "--assign", "0:0x1c12=0x1600",
                     "--map", "0:0x1a00=0x6041:0:16,0x6064:0:32", "--assign", "0:0x1c13=0x1a00"]
        let file = NSTemporaryDirectory() + "ecat-remap-\(i).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try ecat(["run", "-i", i, "--cycle", "1ms", "--duration", "2s", "--json", file] + remap)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("OP: 1 slave, image 6 bytes out + 6 in, expected working counter 3"), "\(run.stdout)")
        if let json = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any] {
            #expect(json["wkc_errors"] as? Int == 0, "\(run.stdout)")
            #expect(json["states"] as? String == "slave 0: OP", "\(run.stdout)")
        } else {
            Issue.record("no JSON from the run: \(run.stdout) \(run.stderr)")
        }
        let objects = try referenceJSON("mapping", i, ["0"])
        #expect(objects["outputs_bits"] as? Int == 48 && objects["inputs_bits"] as? Int == 48, "\(objects)")
        let outputs = (objects["outputs_pdos"] as? [[String: Any]]) ?? []
        #expect(outputs.map { $0["index"] as? Int } == [0x1600], "\(objects)")
        #expect((outputs.first?["entries"] as? [[Int]]) == [[0x6040, 0, 16], [0x607A, 0, 32]], "\(objects)")
        let inputs = (objects["inputs_pdos"] as? [[String: Any]]) ?? []
        #expect(inputs.map { $0["index"] as? Int } == [0x1A00], "\(objects)")
        #expect((inputs.first?["entries"] as? [[Int]]) == [[0x6041, 0, 16], [0x6064, 0, 32]], "\(objects)")
        // `states OP` with a remapping: a TxPDO of status word only, 2 input bytes, OP reached.
        let op = try ecat(["states", "-i", i, "--timeout", "200", "OP", "--map", "0:0x1a00=0x6041:0:16"])
        #expect(op.status == 0, "\(op.stdout) \(op.stderr)")
        let pdos = try ecat(["pdos", "-i", i, "--timeout", "200", "--json"])
        let listing = try? JSONSerialization.jsonObject(with: Data(pdos.stdout.utf8)) as? [String: Any]
        #expect(((listing?["slaves"] as? [[String: Any]])?.first?["inputs_bits"] as? Int) == 16, "\(pdos.stdout)")
        // Bad values, a position beyond the segment, remapping with a state that lays out nothing: exit 2.
        for bad in [["--map", "0:0x2000=0x6000:0:16"], ["--assign", "0:0x1c12=0x1a00"], ["--map", "5:0x1a00=0x6041:0:16"]] {
            let r = try ecat(["run", "-i", i, "--cycle", "1ms", "--duration", "1s"] + bad)
            #expect(r.status == 2, "\(bad): \(r.stderr)")
        }
        let preop = try ecat(["states", "-i", i, "PREOP", "--map", "0:0x1a00=0x6041:0:16"])
        #expect(preop.status == 2 && preop.stderr.contains("go with SAFEOP or OP"), "\(preop.stderr)")
        // The freedom board's PDOs are fixed (its 0x1A00 is read-only): the slave's abort, exit 1.
        let fixed = try EtherCATSegment()
        defer { fixed.close() }
        try waitForSlaves(fixed.interface, count: 2)
        let refused = try ecat(["run", "-i", fixed.interface, "--cycle", "1ms", "--duration", "1s", "--map", "0:0x1a00=0x6000:0:16"])
        #expect(refused.status == 1, "\(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("slave 0: remapping: SDO 0x1a00:00 aborted: 0x06010002 (Attempt to write a read-only object)"), "\(refused.stderr)")
    }

    /// `states SAFEOP` and `states OP` (process data configured, the exchange running until OP); `run` reaches
    /// OP and exchanges for two seconds with the expected working counter (2 per slave with outputs, 1 per
    /// slave with inputs) and no error; the slaves end in PREOP; bad options are usage errors.
    // @verifies SWR-ECAT-PDO-1
    // @verifies SWR-ECAT-STATE-1
    @Test func theSegmentReachesOpAndRunsWithTheExpectedWorkingCounter() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let i = segment.interface
        func states() throws -> [String] {
            try ecat(["slaves", "-i", i, "--timeout", "200"]).stdout.split(separator: "\n").map {
                $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).prefix(2).joined(separator: " ")
            }
        }
        let safeop = try ecat(["states", "-i", i, "--timeout", "200", "SAFEOP"])
        #expect(safeop.status == 0, "\(safeop.stderr)")
        #expect(try states() == ["SAFEOP +", "SAFEOP +"])
        let op = try ecat(["states", "-i", i, "--timeout", "200", "OP"])
        #expect(op.status == 0, "\(op.stderr)")
        #expect(try states().allSatisfy { $0 == "OP +" || $0 == "SAFEOP +" }, "after OP was reached and the exchange stopped")
        let file = NSTemporaryDirectory() + "ecat-run-\(i).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try ecat(["run", "-i", i, "--cycle", "1ms", "--duration", "2s", "--json", file])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("OP: 2 slaves, image 5 bytes out + 38 in, expected working counter 6"), "\(run.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(json["cycles"] as? Int == 2000)
        #expect(json["expected_wkc"] as? Int == 6)
        // A frame the loaded simulator answers late is lost, not an error of the slaves: the working counter
        // of every frame that came back was right.
        #expect(json["wkc_errors"] as? Int == 0, "\(run.stdout)")
        // The simulator pauses for milliseconds under load (a clean-clone run saw 107 of 2000 late): a bound
        // against a broken exchange, not a performance figure (docs/PERFORMANCE.md has those).
        #expect((json["frames_lost"] as? Int ?? 2000) < 400, "\(run.stdout)")
        #expect(json["states"] as? String == "slave 0: OP, slave 1: OP")
        let jitter = try #require(json["jitter_us"] as? [String: Any])
        #expect((jitter["max"] as? Int ?? -1) >= (jitter["min"] as? Int ?? 0))
        #expect(try states() == ["PREOP +", "PREOP +"])
        // The CI gate: a largest jitter above --max-latency fails the run (no wake-up is 0 us late).
        let gated = try ecat(["run", "-i", i, "--cycle", "1ms", "--duration", "300ms", "--max-latency", "0", "-q"])
        #expect(gated.status == 1 && gated.stderr.contains("exceeds --max-latency 0 us"), "\(gated.stderr)")
        #expect(gated.stdout.contains("cycles: 300 of 1000 us"), "the summary still comes first: \(gated.stdout)")
        for (options, message) in [(["--cycle", "50us"], "--cycle must be 100us...1s"), (["--cycle", "fast"], "--cycle must be"),
                                   (["--duration", "0s"], "--duration must be"), (["--priority", "100"], "--priority must be 0...99")] {
            let bad = try ecat(["run", "-i", i] + options)
            #expect(bad.status == 2 && bad.stderr.contains(message), "\(options): \(bad.stderr)")
        }
    }

    /// The second segment of the test bed: KickCAT's DS402 servo drive built from its ESI file. The same
    /// identity as SOEM finds, the PDOs of its own 0x1C12/0x1C13 objects, OP with the expected working counter.
    // @verifies SWR-ECAT-PDO-1
    @Test func theDS402DriveIsListedMappedAndRunInOp() throws {
        let segment = try EtherCATSegment(slaves: EtherCATSegment.drive)
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 1)
        let i = segment.interface
        let slaves = try ecat(["slaves", "-i", i, "--json", "--timeout", "200"])
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(slaves.stdout.utf8)) as? [String: Any])
        let mine = try #require((ours["slaves"] as? [[String: Any]])?.first)
        let soem = try #require((try referenceJSON("pysoem", i, ["64"])["slaves"] as? [[String: Any]])?.first)
        for key in ["vendor_id", "product_code", "revision"] {
            #expect(mine[key] as? Int == soem[key] as? Int, "\(key)")
        }
        let pdos = try ecat(["pdos", "-i", i, "--timeout", "200", "--json"])
        #expect(pdos.status == 0, "\(pdos.stderr)")
        let listing = try #require(((try JSONSerialization.jsonObject(with: Data(pdos.stdout.utf8)) as? [String: Any])?["slaves"] as? [[String: Any]])?.first)
        let objects = try referenceJSON("mapping", i, ["0"])
        let outputBits = try #require(objects["outputs_bits"] as? Int)
        let inputBits = try #require(objects["inputs_bits"] as? Int)
        #expect(listing["outputs_bits"] as? Int == outputBits)
        #expect(listing["inputs_bits"] as? Int == inputBits)
        #expect(outputBits > 0 && inputBits > 0)
        let file = NSTemporaryDirectory() + "ecat-drive-\(i).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try ecat(["run", "-i", i, "--cycle", "1ms", "--duration", "2s", "--json", file])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("OP: 1 slave, image \(outputBits / 8) bytes out + \(inputBits / 8) in, expected working counter 3"), "\(run.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(json["wkc_errors"] as? Int == 0, "\(run.stdout)")
        #expect(json["states"] as? String == "slave 0: OP")
    }

    /// `run --dc`: the propagation delays orion measures are the ones SOEM's `config_dc` writes; with the
    /// reference clock's time in every cycle's frame the other slave's clock stays locked to it (its system time
    /// difference register: under 1 µs on an idle host, under 10 µs asserted); the working counter stays right.
    // @verifies SWR-ECAT-DC-1
    @Test func distributedClocksMatchSOEMsDelaysAndStayLocked() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let i = segment.interface
        let soem = try referenceJSON("dc", i)
        #expect(soem["dc"] as? Bool == true)
        let soemDelays = try #require(soem["delays"] as? [Int])
        let file = NSTemporaryDirectory() + "ecat-dc-\(i).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try ecat(["run", "-i", i, "--cycle", "1ms", "--duration", "3s", "--dc", "--shift", "100", "--json", file])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("DC: reference clock slave 0, delays slave 0 0 ns, slave 1 \(soemDelays.last ?? -1) ns, SYNC0 every 1000 us shifted 100 us"), "\(run.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let dc = try #require(json["dc"] as? [String: Any])
        #expect(dc["delays_ns"] as? [Int] == soemDelays)
        #expect((dc["samples"] as? Int ?? 0) >= 50)
        // Locked: an offset not set or a clock not kept on the reference shows as milliseconds. On an idle host
        // the difference stays under 1 µs (docs/ETHERCAT.md); with the simulator held off the CPU by other tests
        // (the clean-clone run at 5934a00 had a 6.5 ms pause in the same run) a sample reached 4 µs.
        #expect((dc["max_difference_second_half_ns"] as? Int ?? .max) < 10_000, "\(run.stdout)")
        #expect(json["wkc_errors"] as? Int == 0)
        let badShift = try ecat(["run", "-i", i, "--cycle", "1ms", "--dc", "--shift", "2000"])
        #expect(badShift.status == 2 && badShift.stderr.contains("--shift must be within one cycle"))
        let noDC = try ecat(["run", "-i", i, "--shift", "10"])
        #expect(noDC.status == 2 && noDC.stderr.contains("--shift needs --dc"))
    }

    /// A slave that leaves OP while the others stay (another tool asks it for PREOP in the middle of a run):
    /// orion sees it (working counter or AL status), configures its process data again, and brings it back to
    /// OP through SAFEOP while the other slave goes on exchanging.
    // @verifies SWR-ECAT-PDO-1
    @Test func aSlaveThatLeavesOpIsBroughtBack() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let file = NSTemporaryDirectory() + "ecat-leave-\(segment.interface).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let orion = try Background(TestPaths.orion, ["ecat", "run", "-i", segment.interface, "--cycle", "1ms", "--duration", "8s", "--json", file])
        defer { orion.stop() }
        try orion.wait(for: "OP: 2 slaves")
        usleep(1_000_000)
        // The other tool's own wait for PREOP races with the run bringing the slave back: its result is not
        // the point; the run's recovery is.
        _ = try ecat(["states", "-i", segment.interface, "--timeout", "200", "--wait", "2000", "-p", "1", "PREOP"])
        // (The other tool's traffic can delay the run's frames enough that a slave briefly counts as not
        // answering and the segment is addressed again, with the same addresses: harmless, not asserted.)
        try orion.wait(for: "every slave in OP again", timeout: 20)
        let status = try orion.waitForExit(timeout: 60)
        #expect(status == 0, "\(orion.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(json["cycles"] as? Int == 8000)
        #expect((json["recoveries"] as? Int ?? 0) >= 1, "\(orion.output)")
        #expect(json["states"] as? String == "slave 0: OP, slave 1: OP", "\(orion.output)")
    }

    /// The simulator stops mid-run: orion reports the slaves gone, counts the lost frames, keeps its cycle (no
    /// hang), and when a new simulator starts gives the segment its station addresses again and brings both
    /// slaves back to OP.
    // @verifies SWR-ECAT-PDO-1
    @Test func aSegmentThatDisappearsIsBroughtBackToOp() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let file = NSTemporaryDirectory() + "ecat-fault-\(segment.interface).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let orion = try Background(TestPaths.orion, ["ecat", "run", "-i", segment.interface, "--cycle", "1ms", "--duration", "12s", "--json", file])
        defer { orion.stop() }
        try orion.wait(for: "OP: 2 slaves")
        usleep(1_000_000)
        segment.stop()
        try orion.wait(for: "2 of 2 slaves do not answer")
        usleep(1_500_000)
        try segment.start(EtherCATSegment.twoSlaves)
        try orion.wait(for: "every slave in OP again", timeout: 30)
        let status = try orion.waitForExit(timeout: 60)
        #expect(status == 0, "\(orion.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect(json["cycles"] as? Int == 12000, "the cycle went on through the outage")
        #expect((json["frames_lost"] as? Int ?? 0) > 500, "about 1.5 s without slaves: \(orion.output)")
        #expect((json["readdressed"] as? Int ?? 0) >= 1)
        #expect(json["states"] as? String == "slave 0: OP, slave 1: OP", "\(orion.output)")
    }

    /// A hostile sender on the segment (scapy, from the slaves' end of the pair) while orion runs: truncated
    /// datagrams, lengths past the frame, a wrong frame type, a more-datagrams bit with nothing after it, an
    /// unknown command, and well-formed frames that are not orion's (another length, a working counter of 99).
    /// Every one is counted (malformed or foreign) and dropped; the cycle goes on with the right working
    /// counter; nothing traps.
    // @verifies SWR-ECAT-MATCH-1
    // @verifies SWR-ECAT-FRAME-1
    @Test func hostileFramesAreCountedAndDropped() throws {
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let file = NSTemporaryDirectory() + "ecat-hostile-\(segment.interface).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        // The run lasts until it is interrupted after the sender is done (under load scapy can take longer than
        // any fixed duration, and a frame arriving after the run is not counted by it).
        let orion = try Background(TestPaths.orion, ["ecat", "run", "-i", segment.interface, "--cycle", "1ms", "--duration", "120s", "--json", file])
        defer { orion.stop() }
        try orion.wait(for: "OP: 2 slaves")
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/EtherCATToolTests/Harness/ecat_hostile.py").path
        let sender = try HostProcess.run("ip", ["netns", "exec", segment.namespace, ProjectPython.python, script, segment.peer, "20", "5"], timeout: 100)
        #expect(sender.status == 0, "\(sender.stderr)")
        let sent = try #require(try JSONSerialization.jsonObject(with: Data((sender.stdout.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
        let malformedSent = try #require(sent["malformed"] as? Int)
        let foreignSent = try #require(sent["foreign"] as? Int)
        #expect(malformedSent == 120 && foreignSent == 40)
        usleep(500_000)
        #expect(orion.process.isRunning, "the run ended before the sender was done: \(orion.output)")
        orion.stop()
        #expect(orion.process.terminationStatus == 0, "\(orion.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect((json["cycles"] as? Int ?? 0) > 500, "\(orion.output)")
        // Each hostile frame is seen once (the simulator may also pass some on: at least as many, not fewer).
        #expect((json["malformed"] as? Int ?? 0) >= malformedSent, "\(orion.output)")
        #expect((json["unmatched"] as? Int ?? 0) >= foreignSent, "\(orion.output)")
        #expect(json["wkc_errors"] as? Int == 0, "\(orion.output)")
        #expect(json["states"] as? String == "slave 0: OP, slave 1: OP")
    }

    /// tshark's ecat dissector reads every frame of a scan, an SDO upload and a second of cyclic exchange with no
    /// malformed frame and no warning; the master sends from a unicast, locally administered address.
    @Test func tsharkDissectsTheScanWithoutComplaint() throws {
        if HostProcess.which("tshark") == nil { try HostProcess.aptInstall("tshark") }
        let segment = try EtherCATSegment()
        defer { segment.close() }
        try waitForSlaves(segment.interface, count: 2)
        let capture = NSTemporaryDirectory() + "ecat-\(segment.interface).pcap"
        defer { try? FileManager.default.removeItem(atPath: capture) }
        let dumpcap = try Background("dumpcap", ["-q", "-i", segment.interface, "-f", "ether proto 0x88a4", "-w", capture, "-P"])
        defer { dumpcap.stop() }
        try dumpcap.wait(for: "Capturing on")
        usleep(300_000)
        let scan = try ecat(["slaves", "-i", segment.interface, "-v", "--timeout", "200"])
        #expect(scan.status == 0)
        // The mailbox and process-data traffic too: SDO uploads, the PDO read, SAFEOP, OP and a second of LRW.
        let sdo = try ecat(["upload", "-i", segment.interface, "--timeout", "200", "0x1018", "1"])
        #expect(sdo.status == 0)
        let run = try ecat(["run", "-i", segment.interface, "--cycle", "1ms", "--duration", "1s", "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        usleep(500_000)
        dumpcap.stop()
        let all = try HostProcess.run("tshark", ["-r", capture, "-T", "fields", "-e", "eth.src", "-e", "ecat.cmd"], timeout: 120)
        let lines = all.stdout.split(separator: "\n")
        #expect(lines.count > 20, "\(all.stdout.prefix(500)) \(all.stderr)")
        #expect(lines.allSatisfy { line in
            guard let first = line.split(separator: ":").first, let byte = UInt8(first, radix: 16) else { return false }
            return byte & 0x01 == 0 && byte & 0x02 != 0
        }, "\(lines.prefix(5))")
        // LRW (command 0x0c) and the CoE mailbox are in the capture.
        #expect(lines.filter { $0.hasSuffix("\t0x0c") }.count >= 900, "LRW frames")
        let coe = try HostProcess.run("tshark", ["-r", capture, "-Y", "ecat_mailbox.coe", "-T", "fields", "-e", "frame.number"], timeout: 120)
        #expect(coe.stdout.split(separator: "\n").count >= 2, "CoE frames: \(coe.stderr)")
        let complaints = try HostProcess.run("tshark", ["-r", capture, "-Y", "_ws.malformed || _ws.expert.severity >= warning"], timeout: 120)
        #expect(complaints.status == 0 && complaints.stdout.isEmpty, "\(complaints.stdout.prefix(2000))")
    }

    /// No interface: exit 2 with the reason; an interface without slaves: exit 1, no hang.
    @Test func aMissingInterfaceOrAQuietSegmentIsAClearError() throws {
        let missing = try ecat(["slaves", "-i", "nosuchif0"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no network interface 'nosuchif0'"), "\(missing.stderr)")
        let quiet = try EtherCATSegment(slaves: [])
        defer { quiet.close() }
        let started = Date()
        let none = try ecat(["slaves", "-i", quiet.interface, "--timeout", "50", "--retries", "2"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no reply on \(quiet.interface)"), "\(none.stderr)")
        #expect(Date().timeIntervalSince(started) < 20)
        let bad = try ecat(["slaves", "-i", quiet.interface, "--timeout", "0"])
        #expect(bad.status == 2 && bad.stderr.contains("--timeout must be 1...10000 ms"))
        let nobody = try ecat(["sii-read", "-i", "nosuchif0", "-p", "-1"])
        #expect(nobody.status == 2)
    }
}
