// candump -L lines read back (the round trip with the formatter) and interface names checked as Linux does.

import CANTool
import Fieldbus
import Testing

@Suite("candump log lines and interface names")
struct LogLineTests {
    @Test func readsWhatTheFormatterWrites() throws {
        var formatter = CANDumpFormatter(logFormat: true)
        for text in ["123#DEADBEEF", "1F334455#1122", "123#R5", "123##1AABBCC", "20000800#0000000000000000", "7FF#"] {
            let frame = try CANFrameSyntax.parse(text)
            let line = formatter.line(frame, interface: "vcan0", timestampNanoseconds: 1_795_723_535_765_571_000)
            let read = try CANLogLine.parse(String(line.dropLast()))
            #expect(read.timestampMicroseconds == 1_795_723_535_765_571)
            #expect(read.interface == "vcan0")
            #expect(read.frame.sameFrame(as: frame), "\(line)")
        }
    }

    @Test(arguments: [
        ("", 0, "expected '('"), ("(1.000000 vcan0 123#00", 9, "expected ')'"), ("(x.000000) vcan0 123#00", 1, "seconds"),
        ("(1.00000) vcan0 123#00", 8, "6 digits"), ("(1.000000)vcan0 123#00", 10, "expected a space"),
        ("(1.000000) vcan0", 16, "the frame"), ("(1.000000) ../x 123#00", 11, "'/'"),
        ("(1.000000) abcdefghijklmnop 123#00", 11, "too long"), ("(1.000000) vcan0 123#0G", 22, "'G' is not a hex digit"),
        ("(1.000000) véan0 123#0G", 22, "'G'"), ("(1234567890123.000000) vcan0 123#00", 13, "12 digits"),
    ])
    func malformedLines(line: String, position: Int, reason: String) {
        do {
            _ = try CANLogLine.parse(line)
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.position == position, "\(line): \(error.reason)")
            #expect(error.reason.contains(reason), "\(line): \(error.reason)")
        }
    }

    @Test func overlongLinesAreRefusedBeforeParsing() {
        #expect(throws: CANSyntaxError.self) { try CANLogLine.parse("(1.000000) vcan0 123#" + String(repeating: "0", count: 1000)) }
    }

    // Issue 11: names that Linux refuses (dev_valid_name) reached socket() and came back as "no such device".
    @Test(arguments: [
        ("", "empty interface name"), ("abcdefghijklmnop", "too long (16 bytes; Linux allows at most 15)"),
        ("../x", "contains '/'"), ("a/b", "contains '/'"), ("can0:1", "contains ':'"), (".", "'.' and '..'"), ("..", "'.' and '..'"),
        ("a b", "white space"), ("a\tb", "white space"), ("a\u{1B}b", "control character"), ("ééééééééé", "too long (18 bytes"),
    ])
    func refusedNames(name: String, problem: String) {
        let message = CANInterfaceName.problem(name)
        #expect(message?.contains(problem) == true, "\(name): \(message ?? "accepted")")
        #expect(message?.contains("\u{1B}") != true)
    }

    @Test func acceptedNames() {
        for name in ["vcan0", "can1", "any", "abcdefghijklmno", "my-can_0.1", "é"] {
            #expect(CANInterfaceName.problem(name) == nil, "\(name)")
        }
    }

    @Test func dumpTargetsCheckTheirName() {
        #expect(throws: CANSyntaxError.self) { try CANDumpTarget.parse("../x,123:7FF") }
        #expect(throws: CANSyntaxError.self) { try CANDumpTarget.parse("abcdefghijklmnop") }
        #expect((try? CANDumpTarget.parse("vcan0,123:7FF"))?.interface == "vcan0")
        // A filter error points into the whole argument.
        do {
            _ = try CANDumpTarget.parse("vcan0,12x:7FF")
            Issue.record("accepted")
        } catch {
            #expect(error.position == 8)
        }
    }
}
