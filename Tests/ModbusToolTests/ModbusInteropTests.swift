// orion modbus against the implementations the field trusts: a libmodbus C harness (Harness/mbharness.c,
// compiled here with cc), pymodbus, and tshark's Modbus dissectors as a wire oracle. TCP on loopback, RTU
// over a socat pty pair. Missing tools are installed (apt, pip), never skipped.

import Foundation
import Testing
import TestSupport

enum ModbusTestbed {
    static let scratch: String = {
        let dir = NSTemporaryDirectory() + "orion-modbus-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// The libmodbus harness, built once per run (installing libmodbus-dev when it is missing).
    static func harness() throws -> String {
        let binary = scratch + "/mbharness"
        if FileManager.default.isExecutableFile(atPath: binary) { return binary }
        if !FileManager.default.fileExists(atPath: "/usr/include/modbus/modbus.h") { try HostProcess.aptInstall("libmodbus-dev") }
        if HostProcess.which("pkg-config") == nil { try HostProcess.aptInstall("pkg-config") }
        let source = TestPaths.packageRoot.path + "/Tests/ModbusToolTests/Harness/mbharness.c"
        let cc = try HostProcess.run("cc", ["-O2", "-o", binary, source, "-I/usr/include/modbus", "-lmodbus", "-lpthread"], timeout: 120)
        guard cc.status == 0 else { throw ToolFailure("cc mbharness.c failed:\n\(cc.stderr)") }
        return binary
    }

    static func need(_ tool: String, package: String) throws {
        if HostProcess.which(tool) == nil { try HostProcess.aptInstall(package) }
    }

    /// pymodbus (pinned: its API changes between minors) and pyserial for RTU.
    static func pymodbus() throws {
        try ProjectPython.ensure()
    }

    /// A pty pair joined by socat: what one side writes the other reads.
    static func ptyPair() throws -> (Background, String, String) {
        try need("socat", package: "socat")
        let id = UUID().uuidString.prefix(8)
        let a = "\(scratch)/pty-\(id)-a", b = "\(scratch)/pty-\(id)-b"
        let socat = try Background("socat", ["pty,raw,echo=0,link=\(a)", "pty,raw,echo=0,link=\(b)"])
        let deadline = Date().addingTimeInterval(5)
        while !(FileManager.default.fileExists(atPath: a) && FileManager.default.fileExists(atPath: b)) {
            guard Date() < deadline else { socat.stop(signal: SIGKILL); throw ToolFailure("socat made no pty pair") }
            usleep(20_000)
        }
        return (socat, a, b)
    }

    static let model = ["--coils", "100", "--discrete-inputs", "100", "--holding-registers", "100", "--input-registers", "100"]

    /// `orion modbus serve --tcp 127.0.0.1:0` over the 100-of-each model; returns it and its port.
    static func orionTCPServer() throws -> (Background, Int) {
        let server = try Background(TestPaths.orion, ["modbus", "serve", "--tcp", "127.0.0.1:0"] + model)
        return (server, try server.port(after: "127.0.0.1:"))
    }

    static func orion(_ arguments: [String]) throws -> ProcessResult {
        try OrionExecutable.run(["modbus"] + arguments, timeout: 30)
    }

    static func python(_ script: String, _ arguments: [String], timeout: TimeInterval = 30) throws -> ProcessResult {
        let file = scratch + "/script-\(UUID().uuidString).py"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        return try HostProcess.run(ProjectPython.python, [file] + arguments, timeout: timeout)
    }
}

@Suite(.serialized) struct ModbusInteropTests {
    @Test func libmodbusClientAgainstOrionTCPServer() throws {
        let harness = try ModbusTestbed.harness()
        let (server, port) = try ModbusTestbed.orionTCPServer()
        let run = try HostProcess.run(harness, ["check-tcp", "127.0.0.1", String(port)], timeout: 60)
        let counters = server.stop()
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("0 failures"))
        #expect(counters.contains("connections 30"), "\(counters) status \(server.process.terminationStatus) \(server.process.terminationReason.rawValue)")  // 100 concurrent, 200 random and the others
    }

    @Test func orionClientAgainstLibmodbusTCPServer() throws {
        let harness = try ModbusTestbed.harness()
        let server = try Background(harness, ["serve-tcp", "0"])
        defer { server.stop(signal: SIGKILL) }
        let at = "127.0.0.1:\(try server.port(after: "listening on port "))"
        let read = try ModbusTestbed.orion(["read", "--tcp", at, "-t", "4", "-r", "1", "-c", "3", "-1"])
        #expect(read.status == 0 && read.stdout == "[1]: \t1000\n[2]: \t1001\n[3]: \t1002\n", "\(read)")
        let write = try ModbusTestbed.orion(["write", "--tcp", at, "-t", "4", "-r", "5", "7", "-8"])
        #expect(write.status == 0 && write.stdout == "Written 2 references.\n", "\(write)")
        let back = try ModbusTestbed.orion(["read", "--tcp", at, "-r", "5", "-c", "2", "-1", "--json"])
        #expect(back.stdout == "{\"table\":\"holding registers\",\"unit\":1,\"reference\":5,\"address\":4,\"values\":[7,65528]}\n", "\(back)")
        let zero = try ModbusTestbed.orion(["read", "--tcp", at, "-t", "3", "-0", "-r", "0", "-c", "2", "-1"])
        #expect(zero.stdout == "[0]: \t2000\n[1]: \t2001\n", "\(zero)")
        let coils = try ModbusTestbed.orion(["write", "--tcp", at, "-t", "0", "-r", "1", "1", "1", "0"])
        #expect(coils.status == 0, "\(coils)")
        let bits = try ModbusTestbed.orion(["read", "--tcp", at, "-t", "0", "-r", "1", "-c", "4", "-1"])
        #expect(bits.stdout == "[1]: \t1\n[2]: \t1\n[3]: \t0\n[4]: \t1\n", "\(bits)")
        let inputs = try ModbusTestbed.orion(["read", "--tcp", at, "-t", "1", "-r", "1", "-c", "2", "-1"])
        #expect(inputs.stdout == "[1]: \t0\n[2]: \t1\n", "\(inputs)")
        let beyond = try ModbusTestbed.orion(["read", "--tcp", at, "-r", "100", "-c", "2", "-1"])
        #expect(beyond.status == 1 && beyond.stderr.contains("exception 2 (illegal data address)"), "\(beyond)")
        let usage = try ModbusTestbed.orion(["read", "--tcp", at, "-t", "7", "-1"])
        #expect(usage.status == 2, "\(usage)")
        let readOnly = try ModbusTestbed.orion(["write", "--tcp", at, "-t", "3", "1"])
        #expect(readOnly.status == 2, "\(readOnly)")
        let noLoops = try ModbusTestbed.orion(["serve", "--tcp", "127.0.0.1:0", "--threads", "0"])
        #expect(noLoops.status == 2 && noLoops.stderr.contains("--threads must be 1...64"), "\(noLoops)")
        #expect(!noLoops.stdout.contains("serving"), "refused before it listens: \(noLoops)")
    }

    @Test func timeoutIsAnOperationalFailure() throws {
        // A listener that never answers: accept and sit.
        let (server, port) = try ModbusTestbed.orionTCPServer()
        server.stop()
        let refused = try ModbusTestbed.orion(["read", "--tcp", "127.0.0.1:\(port)", "-1", "--timeout", "0.3"])
        #expect(refused.status == 1, "\(refused)")
    }

    @Test func rtuOverPtyBothWaysWithLibmodbus() throws {
        let harness = try ModbusTestbed.harness()
        let (socat, a, b) = try ModbusTestbed.ptyPair()
        defer { socat.stop(signal: SIGKILL) }
        let server = try Background(TestPaths.orion, ["modbus", "serve", "--rtu", a, "--baud", "19200", "--parity", "E", "--id", "17"] + ModbusTestbed.model)
        try server.wait(for: "serving Modbus RTU")
        let run = try HostProcess.run(harness, ["check-rtu", b, "19200", "E", "17"], timeout: 60)
        let counters = server.stop()
        #expect(run.status == 0 && run.stdout.contains("0 failures"), "\(run.stdout)\(run.stderr)")
        #expect(counters.contains("CRC errors 1"), "\(counters)")

        let libmodbus = try Background(harness, ["serve-rtu", a, "19200", "E", "17"])
        defer { libmodbus.stop(signal: SIGKILL) }
        try libmodbus.wait(for: "listening")
        let rtu = ["--rtu", b, "-b", "19200", "-P", "even", "-a", "17"]
        let read = try ModbusTestbed.orion(["read"] + rtu + ["-t", "4", "-r", "1", "-c", "3", "-1"])
        #expect(read.stdout == "[1]: \t1000\n[2]: \t1001\n[3]: \t1002\n", "\(read)")
        let write = try ModbusTestbed.orion(["write"] + rtu + ["-t", "4", "-r", "10", "4242"])
        #expect(write.status == 0, "\(write)")
        let back = try ModbusTestbed.orion(["read"] + rtu + ["-t", "4", "-r", "10", "-1", "--json"])
        #expect(back.stdout.contains("\"values\":[4242]"), "\(back)")
        let beyond = try ModbusTestbed.orion(["read"] + rtu + ["-t", "3", "-r", "101", "-1"])
        #expect(beyond.status == 1 && beyond.stderr.contains("exception 2"), "\(beyond)")
        let other = try ModbusTestbed.orion(["read", "--rtu", b, "-b", "19200", "-P", "even", "-a", "18", "-1", "--timeout", "0.3"])
        #expect(other.status == 1 && other.stderr.contains("no reply"), "\(other)")
    }

    static let pymodbusClient = """
        import sys
        from pymodbus.client import ModbusTcpClient, ModbusSerialClient
        if sys.argv[1] == "tcp":
            c = ModbusTcpClient("127.0.0.1", port=int(sys.argv[2]), timeout=2)
        else:
            c = ModbusSerialClient(port=sys.argv[2], baudrate=19200, parity="N", stopbits=1, bytesize=8, timeout=1)
        unit = int(sys.argv[3])
        assert c.connect()
        w = c.write_registers(0, [11, 22, 33], slave=unit); assert not w.isError(), w
        r = c.read_holding_registers(0, 3, slave=unit); assert r.registers == [11, 22, 33], r
        w = c.write_register(50, 0xBEEF, slave=unit); assert not w.isError(), w
        r = c.read_holding_registers(50, 1, slave=unit); assert r.registers == [0xBEEF], r
        w = c.write_coils(0, [True, False, True], slave=unit); assert not w.isError(), w
        r = c.read_coils(0, 3, slave=unit); assert r.bits[:3] == [True, False, True], r.bits
        w = c.write_coil(9, True, slave=unit); assert not w.isError(), w
        r = c.read_discrete_inputs(0, 8, slave=unit); assert not r.isError(), r
        r = c.read_input_registers(0, 100, slave=unit); assert len(r.registers) == 100, r
        r = c.read_holding_registers(99, 2, slave=unit); assert r.isError() and r.exception_code == 2, r
        print("pymodbus client ok")
        """

    static let pymodbusServer = """
        import sys, logging
        from pymodbus.datastore import ModbusSequentialDataBlock, ModbusSlaveContext, ModbusServerContext
        from pymodbus.server import StartTcpServer, StartSerialServer
        from pymodbus.transaction import ModbusRtuFramer
        store = ModbusSlaveContext(di=ModbusSequentialDataBlock(0, [i % 2 for i in range(100)]),
                                   co=ModbusSequentialDataBlock(0, [0] * 100),
                                   hr=ModbusSequentialDataBlock(0, [3000 + i for i in range(100)]),
                                   ir=ModbusSequentialDataBlock(0, [4000 + i for i in range(100)]), zero_mode=True)
        context = ModbusServerContext(slaves={17: store}, single=False)
        print("listening", flush=True)
        if sys.argv[1] == "tcp":
            StartTcpServer(context=context, address=("127.0.0.1", int(sys.argv[2])))
        else:
            StartSerialServer(context=context, framer=ModbusRtuFramer, port=sys.argv[2], baudrate=19200, parity="N", stopbits=1, bytesize=8)
        """

    @Test func pymodbusBothWaysTCP() throws {
        try ModbusTestbed.pymodbus()
        let (server, port) = try ModbusTestbed.orionTCPServer()
        let client = try ModbusTestbed.python(Self.pymodbusClient, ["tcp", String(port), "1"])
        server.stop()
        #expect(client.status == 0 && client.stdout.contains("ok"), "\(client)")

        // orion client -> pymodbus server, on a port found free just before.
        let free = try ModbusTestbed.orionTCPServer()
        free.0.stop()
        let py = try Background(ProjectPython.python, ["-c", Self.pymodbusServer, "tcp", String(free.1)])
        defer { py.stop(signal: SIGKILL) }
        try py.wait(for: "listening")
        var read = try ModbusTestbed.orion(["--help"])
        for _ in 0..<50 {  // the server binds after printing
            read = try ModbusTestbed.orion(["read", "--tcp", "127.0.0.1:\(free.1)", "-a", "17", "-r", "1", "-c", "2", "-1"])
            if read.status == 0 { break }
            usleep(100_000)
        }
        #expect(read.stdout == "[1]: \t3000\n[2]: \t3001\n", "\(read)")
        let write = try ModbusTestbed.orion(["write", "--tcp", "127.0.0.1:\(free.1)", "-a", "17", "-t", "0", "-r", "1", "1", "0", "1"])
        #expect(write.status == 0, "\(write)")
        let bits = try ModbusTestbed.orion(["read", "--tcp", "127.0.0.1:\(free.1)", "-a", "17", "-t", "0", "-r", "1", "-c", "3", "-1"])
        #expect(bits.stdout == "[1]: \t1\n[2]: \t0\n[3]: \t1\n", "\(bits)")
    }

    @Test func pymodbusBothWaysRTU() throws {
        try ModbusTestbed.pymodbus()
        let (socat, a, b) = try ModbusTestbed.ptyPair()
        defer { socat.stop(signal: SIGKILL) }
        // Parity none here: pyserial's tcsetattr fails with EINVAL on a pty that drops PARENB.
        let server = try Background(TestPaths.orion, ["modbus", "serve", "--rtu", a, "--parity", "N", "--id", "17"] + ModbusTestbed.model)
        try server.wait(for: "serving Modbus RTU")
        let client = try ModbusTestbed.python(Self.pymodbusClient, ["rtu", b, "17"])
        server.stop()
        #expect(client.status == 0 && client.stdout.contains("ok"), "\(client)")

        let py = try Background(ProjectPython.python, ["-c", Self.pymodbusServer, "rtu", a])
        defer { py.stop(signal: SIGKILL) }
        try py.wait(for: "listening")
        usleep(500_000)
        let rtu = ["--rtu", b, "-b", "19200", "-P", "none", "-a", "17"]
        let read = try ModbusTestbed.orion(["read"] + rtu + ["-t", "3", "-r", "1", "-c", "2", "-1"])
        #expect(read.stdout == "[1]: \t4000\n[2]: \t4001\n", "\(read)")
        let write = try ModbusTestbed.orion(["write"] + rtu + ["-r", "3", "9", "10"])
        #expect(write.status == 0, "\(write)")
        let back = try ModbusTestbed.orion(["read"] + rtu + ["-r", "3", "-c", "2", "-1"])
        #expect(back.stdout == "[3]: \t9\n[4]: \t10\n", "\(back)")
    }

    @Test func tsharkDissectsOrionTCPTrafficCleanly() throws {
        try ModbusTestbed.need("tshark", package: "tshark")
        let (server, port) = try ModbusTestbed.orionTCPServer()
        defer { server.stop() }
        let pcap = ModbusTestbed.scratch + "/tcp-\(port).pcap"
        let dumpcap = try Background("dumpcap", ["-q", "-i", "lo", "-f", "tcp port \(port)", "-w", pcap, "-P"])
        try dumpcap.wait(for: "Capturing on")
        usleep(300_000)
        let at = "127.0.0.1:\(port)"
        let requests: [[String]] = [
            ["write", "--tcp", at, "-t", "4", "-r", "1", "1", "2", "3"], ["write", "--tcp", at, "-t", "4", "-r", "9", "77"],
            ["write", "--tcp", at, "-t", "0", "-r", "1", "1", "0", "1"], ["write", "--tcp", at, "-t", "0", "-r", "8", "1"],
            ["read", "--tcp", at, "-t", "4", "-c", "10", "-1"], ["read", "--tcp", at, "-t", "3", "-c", "5", "-1"],
            ["read", "--tcp", at, "-t", "0", "-c", "20", "-1"], ["read", "--tcp", at, "-t", "1", "-c", "9", "-1"],
            ["read", "--tcp", at, "-t", "4", "-r", "100", "-c", "5", "-1"],  // exception reply
        ]
        for r in requests { _ = try ModbusTestbed.orion(r) }
        usleep(500_000)
        dumpcap.stop()
        // The port preference tells the dissector which side is the server (queries from responses).
        let decode = ["-r", pcap, "-d", "tcp.port==\(port),mbtcp", "-o", "mbtcp.tcp.port:\(port)"]
        let bad = try HostProcess.run("tshark", decode + ["-Y", "_ws.malformed || _ws.expert.severity >= \"Warning\""], timeout: 60)
        #expect(bad.status == 0 && bad.stdout.isEmpty, "\(bad)")
        let mbtcp = try HostProcess.run("tshark", decode + ["-Y", "mbtcp", "-T", "fields", "-e", "modbus.func_code",
                                                            "-e", "modbus.exception_code"], timeout: 60)
        let rows = mbtcp.stdout.split(separator: "\n")
        #expect(rows.count == 2 * requests.count, "\(mbtcp.stdout)")
        #expect(Set(rows.map { $0.split(separator: "\t").first.map(String.init) ?? "" }) == ["16", "6", "15", "5", "3", "4", "1", "2"])
        #expect(rows.filter { $0.hasSuffix("\t2") }.count == 1, "one illegal data address reply: \(rows)")
    }

    /// Writes `frames` as a pcap of link type 147 (USER0), one frame per record.
    static func writeRTUPcap(_ frames: [[UInt8]], to path: String) throws {
        var data = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        u32(0xA1B2_C3D4); u16(2); u16(4); u32(0); u32(0); u32(65535); u32(147)
        for (i, frame) in frames.enumerated() {
            u32(UInt32(i)); u32(0); u32(UInt32(frame.count)); u32(UInt32(frame.count))
            data.append(contentsOf: frame)
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test func tsharkDissectsOrionRTUTrafficCleanly() throws {
        try ModbusTestbed.need("tshark", package: "tshark")
        try ModbusTestbed.need("socat", package: "socat")
        // socat -x logs every chunk it relays between the two ptys in hex: orion writes each frame at once.
        let id = UUID().uuidString.prefix(8)
        let a = "\(ModbusTestbed.scratch)/x-\(id)-a", b = "\(ModbusTestbed.scratch)/x-\(id)-b"
        let socat = try Background("socat", ["-x", "pty,raw,echo=0,link=\(a)", "pty,raw,echo=0,link=\(b)"])
        defer { socat.stop(signal: SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: b) && Date() < deadline { usleep(20_000) }
        let server = try Background(TestPaths.orion, ["modbus", "serve", "--rtu", a, "--id", "17"] + ModbusTestbed.model)
        try server.wait(for: "serving Modbus RTU")
        let rtu = ["--rtu", b, "-P", "even", "-a", "17"]
        let requests: [[String]] = [
            ["write"] + rtu + ["-r", "1", "1", "2", "3"], ["write"] + rtu + ["-r", "9", "77"],
            ["write"] + rtu + ["-t", "0", "-r", "1", "1", "0", "1"], ["write"] + rtu + ["-t", "0", "-r", "8", "1"],
            ["read"] + rtu + ["-c", "10", "-1"], ["read"] + rtu + ["-t", "3", "-c", "5", "-1"],
            ["read"] + rtu + ["-t", "0", "-c", "20", "-1"], ["read"] + rtu + ["-t", "1", "-c", "9", "-1"],
            ["read"] + rtu + ["-r", "100", "-c", "5", "-1"],  // exception reply
        ]
        for r in requests { _ = try ModbusTestbed.orion(r) }
        server.stop()
        usleep(200_000)
        let frames: [[UInt8]] = socat.output.split(separator: "\n").filter { $0.hasPrefix(" ") }.map { line in
            line.split(separator: " ").compactMap { UInt8($0, radix: 16) }
        }
        #expect(frames.count == 2 * requests.count, "\(socat.output)")
        let pcap = ModbusTestbed.scratch + "/rtu-\(id).pcap"
        try Self.writeRTUPcap(frames, to: pcap)
        let decode = ["-r", pcap, "-o", "uat:user_dlts:\"User 0 (DLT=147)\",\"mbrtu\",\"0\",\"\",\"0\",\"\"",
                      "-o", "mbrtu.crc_verification:TRUE"]
        let bad = try HostProcess.run("tshark", decode + ["-Y", "_ws.malformed || _ws.expert.severity >= \"Warning\""], timeout: 60)
        #expect(bad.status == 0 && bad.stdout.isEmpty, "\(bad)")
        let rows = try HostProcess.run("tshark", decode + ["-Y", "mbrtu", "-T", "fields", "-e", "mbrtu.unit_id",
                                                           "-e", "modbus.func_code", "-e", "modbus.exception_code"], timeout: 60)
        let lines = rows.stdout.split(separator: "\n")
        #expect(lines.count == frames.count && lines.allSatisfy { $0.hasPrefix("17\t") }, "\(rows.stdout)")
        #expect(lines.filter { $0.hasSuffix("\t2") }.count == 1, "one illegal data address reply: \(lines)")
    }
}
