// The Modbus RTU demo booted through `orion run` on raspi3b and raspi4b: the server task on the mini UART answers an
// independent client (libmodbus, compiled here) through the host pty QEMU makes of the second serial port;
// and the QEMU arguments the app implies.

import Foundation
import Testing
@testable import OrionTool
import TestSupport

/// A libmodbus RTU client: reads holding registers 0-3 twice, 400 ms apart (the counter and the uptime must
/// advance), writes register 7 and reads it back, reads register 16 (exception 2 expected), then writes 1
/// to register 15, which ends the demo. Prints one line per step; exits 0 when every step went as expected.
/// A request that times out is sent again, at most twice, as a Modbus master does: without `--icount` a loaded
/// host can hand QEMU a request's bytes with a pause the guest measures as the RTU frame gap, and the server
/// rightly drops the two halves (CRC error, bad frame). The retries are counted and printed.
private let clientSource = #"""
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <modbus.h>

static int retries = 0;

/* Runs a libmodbus call again (at most twice) when it timed out: the server never saw a whole request. */
#define RETRYING(call) ({ int r_; int n_ = 0; \
    while ((r_ = (call)) == -1 && errno == ETIMEDOUT && n_ < 2) { n_++; retries++; modbus_flush(ctx); } r_; })

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: client PTY\n"); return 2; }
    modbus_t *ctx = modbus_new_rtu(argv[1], 19200, 'N', 8, 1);
    if (!ctx) { perror("modbus_new_rtu"); return 1; }
    modbus_set_slave(ctx, 17);
    modbus_set_response_timeout(ctx, 2, 0);
    if (modbus_connect(ctx) != 0) { printf("connect: %s\n", modbus_strerror(errno)); return 1; }
    uint16_t a[4], b[4], v = 0;
    int failures = 0;
    if (RETRYING(modbus_read_registers(ctx, 0, 4, a)) != 4) { printf("read1 failed: %s\n", modbus_strerror(errno)); return 1; }
    printf("read1 %u %u %u %u\n", a[0], a[1], a[2], a[3]);
    usleep(400000);
    if (RETRYING(modbus_read_registers(ctx, 0, 4, b)) != 4) { printf("read2 failed: %s\n", modbus_strerror(errno)); return 1; }
    printf("read2 %u %u %u %u\n", b[0], b[1], b[2], b[3]);
    unsigned long upA = (unsigned long)a[2] << 16 | a[3], upB = (unsigned long)b[2] << 16 | b[3];
    if (b[0] > a[0] && upB > upA) printf("counter advanced\n"); else { printf("counter did NOT advance\n"); failures++; }
    if (RETRYING(modbus_write_register(ctx, 7, 0xBEEF)) != 1) { printf("write failed: %s\n", modbus_strerror(errno)); failures++; }
    if (RETRYING(modbus_read_registers(ctx, 7, 1, &v)) != 1 || v != 0xBEEF) { printf("readback failed (%u)\n", v); failures++; }
    else printf("readback 0x%04X\n", v);
    if (RETRYING(modbus_read_registers(ctx, 16, 1, &v)) != -1) { printf("illegal address answered\n"); failures++; }
    else if (errno == EMBXILADD) printf("illegal address: exception 2\n");
    else { printf("illegal address: %s\n", modbus_strerror(errno)); failures++; }
    if (RETRYING(modbus_write_register(ctx, 15, 1)) != 1) { printf("stop failed: %s\n", modbus_strerror(errno)); failures++; }
    else printf("stop written\n");
    printf("retries %d\n", retries);
    modbus_close(ctx);
    modbus_free(ctx);
    return failures == 0 ? 0 : 1;
}
"""#

@Suite("Modbus RTU demo in QEMU", .serialized)
struct ModbusDemoBootTests {
    /// Compiles the libmodbus client (installing libmodbus-dev, pkg-config and a C compiler when missing).
    func buildClient(in folder: String) throws -> String {
        if HostProcess.which("cc") == nil { try HostProcess.aptInstall("gcc") }
        if HostProcess.which("pkg-config") == nil { try HostProcess.aptInstall("pkg-config") }
        if try HostProcess.run("pkg-config", ["--exists", "libmodbus"]).status != 0 { try HostProcess.aptInstall("libmodbus-dev") }
        let flags = try HostProcess.run("pkg-config", ["--cflags", "--libs", "libmodbus"])
        #expect(flags.status == 0, "\(flags.stderr)")
        let source = folder + "/client.c", binary = folder + "/client"
        try clientSource.write(toFile: source, atomically: true, encoding: .utf8)
        let compile = try HostProcess.run("cc", ["-o", binary, source] + flags.stdout.split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }, timeout: 120)
        guard compile.status == 0 else { throw ToolFailure("cc failed:\n\(compile.stderr)") }
        return binary
    }

    @Test(arguments: ["raspi3b", "raspi4b"])
    func modbusDemoAnswersLibmodbusThroughThePty(_ board: String) throws {
        try RaspberryPi.ensureQEMU(board: board)
        let folder = NSTemporaryDirectory() + "modbus-demo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let client = try buildClient(in: folder)

        // orion run in the background, its output in files we can watch while it runs.
        let outFile = folder + "/orion.out", errFile = folder + "/orion.err"
        _ = FileManager.default.createFile(atPath: outFile, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile, contents: nil)
        let out = try #require(FileHandle(forWritingAtPath: outFile))
        let err = try #require(FileHandle(forWritingAtPath: errFile))
        defer { try? out.close(); try? err.close() }
        let orion = Process()
        orion.executableURL = URL(fileURLWithPath: TestPaths.orion)
        orion.arguments = ["run", "--board", board, "--app", "modbus-demo", "--timeout", "120"]
        orion.currentDirectoryURL = TestPaths.packageRoot
        orion.standardInput = FileHandle.nullDevice
        orion.standardOutput = out
        orion.standardError = err
        try orion.run()
        defer {
            if orion.isRunning {
                orion.terminate()
                orion.waitUntilExit()
            }
        }
        let read = { (file: String) in String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self) }

        // Wait (through the image build) for the server task, then take the pty QEMU reported.
        let ready = Date().addingTimeInterval(1200)
        while orion.isRunning && !read(outFile).contains("modbus-demo: serving") && Date() < ready { usleep(100_000) }
        let booted = read(outFile)
        try #require(booted.contains("modbus-demo: serving"), "stdout:\n\(booted)\nstderr:\n\(read(errFile).suffix(3000))")
        let line = try #require(booted.split(whereSeparator: \.isNewline).first { $0.hasPrefix("char device redirected to /dev/pts/") },
                                "no pty in:\n\(booted)")
        let pty = String(line.split(separator: " ")[4])
        #expect(booted.contains("(label serial1)"))

        let answer = try HostProcess.run(client, [pty], timeout: 60)
        #expect(answer.status == 0, "client:\n\(answer.stdout)\(answer.stderr)")
        #expect(answer.stdout.contains("counter advanced"), "\(answer.stdout)")
        #expect(answer.stdout.contains("readback 0xBEEF"), "\(answer.stdout)")
        #expect(answer.stdout.contains("illegal address: exception 2"), "\(answer.stdout)")
        #expect(answer.stdout.contains("stop written"), "\(answer.stdout)")

        // The stop register ends the demo: summary, exit 0.
        let end = Date().addingTimeInterval(60)
        while orion.isRunning && Date() < end { usleep(100_000) }
        #expect(!orion.isRunning, "the demo did not end after the stop register was written")
        if orion.isRunning { return }
        let stdout = read(outFile)
        #expect(orion.terminationStatus == 0, "stdout:\n\(stdout)\nstderr:\n\(read(errFile).suffix(3000))")
        // Six requests reached unit 17 (read, read, write, read, read of register 16, write); one was an exception.
        // A retried request was one the server dropped as split (CRC error); without retries there are none.
        #expect(stdout.contains("modbus-demo: 6 requests served, 1 exception replies, "), "\(stdout)")
        if answer.stdout.contains("retries 0\n") {
            #expect(stdout.contains("modbus-demo: 6 requests served, 1 exception replies, 0 CRC errors"), "\(stdout)")
        } else {
            #expect(answer.stdout.contains("retries "), "\(answer.stdout)")
        }
        #expect(stdout.contains("ended by the stop register"), "\(stdout)")
    }

    /// The virt boards have no mini UART: orion refuses before building.
    @Test func modbusDemoIsRefusedOnABoardWithoutAMiniUART() throws {
        let run = try OrionExecutable.run(["run", "--board", "qemu-virt-aarch64", "--app", "modbus-demo", "--timeout", "30"])
        #expect(run.status == 2, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stderr.contains("mini UART"))
        #expect(run.stderr.contains("--board raspi3b"))
    }

    @Test func modbusDemoImpliesAPtyForTheSecondSerialPort() throws {
        for name in ["raspi3b", "raspi4b"] {
            let pi = try #require(BoardCatalog.board(named: name))
            #expect(try BoardCatalog.impliedQEMUArguments(app: "modbus-demo", board: pi) == ["-serial", "pty"])
        }
        for name in ["qemu-virt-aarch64", "qemu-virt-riscv64"] {
            let virt = try #require(BoardCatalog.board(named: name))
            #expect(throws: OrionError.self) { try BoardCatalog.impliedQEMUArguments(app: "modbus-demo", board: virt) }
        }
    }
}
