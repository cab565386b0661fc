// Real SocketCAN: this host's kernel has no AF_CAN, so one Linux VM (virtme-ng, Debian's kernel, TCG) runs a
// generated shell script that does every check on vcan and on two emulated Kvaser PCI cards (the real
// sja1000 driver), against can-utils. The script prints sections (`::begin NAME` ... `::end NAME rc=N`);
// the tests below assert on them. One boot for the whole suite.

import Foundation
import TestSupport
import Testing

/// Output of one section of the VM script.
struct VMSection {
    var lines: [String]
    var status: Int
    var text: String { lines.joined(separator: "\n") }
}

/// Runs a command on the host; returns status and combined output.
@discardableResult
func host(_ command: String, timeout: TimeInterval = 900) throws -> (status: Int32, output: String) {
    try LinuxVM.shell(command, timeout: timeout)
}

/// Where `orion` is: next to this test bundle (built by `swift build --product orion` with the same scratch
/// path; built here when missing).
enum CANOrion {
    static var buildFolder: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func path() throws -> String {
        if let given = ProcessInfo.processInfo.environment["ORION_CAN_BIN"] { return given }
        let orion = buildFolder.appendingPathComponent("orion").path
        if !FileManager.default.isExecutableFile(atPath: orion) {
            // .build/<triple>/debug → scratch path .build
            let scratch = buildFolder.deletingLastPathComponent().deletingLastPathComponent().path
            let build = try host("cd '\(packageRoot.path)' && swift build --scratch-path '\(scratch)' --product orion 2>&1 | tail -5")
            guard FileManager.default.isExecutableFile(atPath: orion) else {
                throw VMError("orion is not built at \(orion) and building it failed:\n\(build.output)")
            }
        }
        return orion
    }

    /// Runs orion on this host.
    static func run(_ arguments: [String], timeout: TimeInterval = 20) throws -> (status: Int32, output: String) {
        let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
        return try host("timeout \(Int(timeout)) '\(try path())' \(quoted)", timeout: timeout + 5)
    }
}

struct VMError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The VM tooling: virtme-ng, Debian's kernel, QEMU for x86, can-utils, libsocketcan. Installs what is missing.
enum CANVM {
    static func ensureTools() throws {
        _ = try LinuxVM.ensureTools(also: [
            ("can-utils", ["cansend", "candump", "isotpsend", "cangen"].allSatisfy { HostProcess.which($0) != nil }),
            ("libsocketcan-dev", FileManager.default.fileExists(atPath: "/usr/include/libsocketcan.h")),
        ])
    }

    /// Boots the VM once with two Kvaser PCI cards on one CAN bus and runs `script`; returns its sections.
    static func run(script: String, timeout: TimeInterval = 600) throws -> (sections: [String: VMSection], raw: String) {
        try ensureTools()
        let r = try LinuxVM.run(script: script,
                                qemuOptions: "-object can-bus,id=canbus0 -device kvaser_pci,canbus=canbus0 -device kvaser_pci,canbus=canbus0",
                                timeout: timeout)
        var sections = [String: VMSection]()
        var current: String?
        var lines = [String]()
        for line in r.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let clean = line.hasSuffix("\r") ? String(line.dropLast()) : line
            if clean.hasPrefix("::begin ") {
                current = String(clean.dropFirst(8))
                lines = []
            } else if clean.hasPrefix("::end "), let name = current {
                let status = Int(clean.split(separator: "=").last ?? "") ?? -1
                sections[name] = VMSection(lines: lines, status: status)
                current = nil
            } else if current != nil {
                lines.append(clean)
            }
        }
        try? r.output.write(toFile: "/tmp/orion-can-vm-last.log", atomically: true, encoding: .utf8)
        guard sections["done"] != nil else {
            throw VMError("the VM did not finish the script (status \(r.status)):\n\(r.output.suffix(4000))")
        }
        return (sections, r.output)
    }
}

/// Frames in every cansend form, sent by cansend and by orion in the same order.
let vmFrames = ["123#DEADBEEF", "1F334455#1122", "123#R", "123#R5", "123##1AABBCC", "7FF#",
                "12345678##3.00.11.22.33.44.55.66.77.88.99", "5A1#11.2233.44556677.88", "00000123#R3", "213##311223344"]

/// ISO-TP message sizes exchanged with the kernel's can-isotp: single frame edges, multi-frame, the 12-bit maximum.
let isotpPayloadSizes = [1, 7, 8, 62, 4095]

/// The payload the script's `pl N` prints: byte i (1-based) is i * 7 mod 256, as isotpsend reads and isotprecv prints.
func isotpPayload(_ n: Int) -> String { (1...n).map { hexByte(($0 * 7) % 256) + " " }.joined() }

func hexByte(_ v: Int) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[v >> 4], digits[v & 15]])
}

/// The script the VM runs. `O` is orion; every command is under `timeout` so nothing hangs.
func vmScript(orion: String) -> String {
    let frames = vmFrames.joined(separator: " ")
    let isotpSizes = isotpPayloadSizes.map(String.init).joined(separator: " ")
    return #"""
    set -u
    O='\#(orion)'
    T='timeout 120'
    begin() { echo "::begin $1"; }
    end() { echo "::end $1 rc=$2"; }
    # Start a receiver in the background and wait until it (or the command under timeout) holds a socket:
    # TCG is slow to load the Swift runtime, a fixed sleep would be either too short or wasteful.
    bg() {
        "$@" & local p=$! i c
        for i in $(seq 300); do
            for c in $p $(pgrep -P $p); do
                if ls -l /proc/$c/fd 2>/dev/null | grep -q 'socket:'; then sleep 0.3; return; fi
            done
            sleep 0.1
        done
    }
    modprobe vcan; modprobe can-raw; modprobe can-isotp
    ip link add dev vcan0 type vcan && ip link set vcan0 mtu 72 && ip link set up vcan0
    ip link add dev vcan1 type vcan && ip link set vcan1 mtu 16 && ip link set up vcan1
    ip link add dev vcan2 type vcan
    FRAMES='\#(frames)'
    N=$(echo $FRAMES | wc -w)

    begin startup; s=$(date +%s%N); $O can bittiming --clock 8000000 --bitrate 500000; rc=$?; echo "ms=$(( ($(date +%s%N) - s) / 1000000 ))"; end startup $rc

    # cansend -> orion can dump (default, -L) and candump, the same frames.
    bg $T candump -n $N vcan0 > /tmp/cd.txt
    bg $T candump -L -n $N vcan0 > /tmp/cdL.txt
    bg $T $O can dump -n $N vcan0 > /tmp/od.txt
    bg $T $O can dump -L -n $N vcan0 > /tmp/odL.txt
    for f in $FRAMES; do cansend vcan0 $f; done
    wait
    begin candump; cat /tmp/cd.txt; end candump 0
    begin candumpL; cat /tmp/cdL.txt; end candumpL 0
    begin oriondump; cat /tmp/od.txt; end oriondump 0
    begin oriondumpL; cat /tmp/odL.txt; end oriondumpL 0

    # orion can send -> candump -L. Each orion start loads the Swift runtime under TCG (seconds on a loaded
    # host), so the receiver waits for all the sends, not the 30 s the other receivers get.
    bg timeout 300 candump -L -n $N vcan0 > /tmp/cs.txt
    rcs=0; for f in $FRAMES; do $T $O can send vcan0 $f || rcs=$?; done
    wait
    begin orionsend; cat /tmp/cs.txt; end orionsend $rcs

    # -t z and -t d on both tools, two interfaces.
    bg $T candump -t z -n 3 vcan0 vcan1 > /tmp/cz.txt
    bg $T $O can dump -t z -n 3 vcan0 vcan1 > /tmp/oz.txt
    cansend vcan0 123#11; sleep 0.2; cansend vcan1 124#22; sleep 0.2; cansend vcan0 125#33
    wait
    begin candumpz; cat /tmp/cz.txt; end candumpz 0
    begin oriondumpz; cat /tmp/oz.txt; end oriondumpz 0

    # Filters: id:mask, id~mask, 8-digit ids, and error frames with -e.
    F='vcan0,123:7FF,400~700,12345678:1FFFFFFF'
    bg $T candump -L -n 4 $F > /tmp/cf.txt
    bg $T $O can dump -L -n 4 $F > /tmp/of.txt
    for f in 123#01 124#02 401#03 555#04 12345678#05 12345679#06; do cansend vcan0 $f; done
    wait
    begin candumpfilter; cut -d' ' -f2- /tmp/cf.txt; end candumpfilter 0
    begin oriondumpfilter; cut -d' ' -f2- /tmp/of.txt; end oriondumpfilter 0
    bg $T candump -e -n 3 vcan0,#FFFFFFFF > /tmp/ce.txt
    bg $T $O can dump -e -n 3 vcan0,#FFFFFFFF > /tmp/oe.txt
    cansend vcan0 20000004#0004000000000000; cansend vcan0 123#11; cansend vcan0 20000088#0000080A00000C0D
    wait
    begin candumperr; cat /tmp/ce.txt; end candumperr 0
    begin oriondumperr; cat /tmp/oe.txt; end oriondumperr 0

    # orion can gen -> candump, cangen -> orion can dump.
    # orion gen hands the kernel 64 frames per sendmmsg; a loaded VM can leave candump behind, so it gets a
    # receive buffer that holds the whole burst (the frames arriving is what is checked, not candump's pace).
    bg $T candump -r 4194304 -n 500 vcan0 > /tmp/cg.txt
    $T $O can gen vcan0 -g 0 -n 500 -e -f; rcg=$?
    wait
    begin oriongen; wc -l < /tmp/cg.txt; awk '{print $3}' /tmp/cg.txt | sort -u | wc -l; end oriongen $rcg
    bg $T $O can dump -n 500 vcan0 > /tmp/og.txt
    cangen vcan0 -g 0 -n 500 -p 10
    wait
    begin cangen; wc -l < /tmp/og.txt; end cangen 0

    # Bad input and errors: each exits with a message, nothing hangs.
    for c in "send vcan0 123#R9" "send vcan0 123#001122334455667788" "send vcan0 12X#00" "send vcan1 123##1AABBCC" \
             "dump nosuch0" "send nosuch0 123#00" "dump vcan2" "dump vcan0,12x:7FF" "link vcan0 bitrate 500000"; do
        begin "bad $c"; $T $O can $c 2>&1; end "bad $c" $?
    done

    # ISO-TP against the kernel's can-isotp (isotpsend/isotprecv), classic CAN, 1..4095 bytes, block sizes.
    pl() { seq 1 $1 | awk '{printf "%02X ", ($1 * 7) % 256}'; }
    bg $T $O can isotp recv -l vcan0 -s 7e8 -d 7e0 -b 4 > /tmp/ir.txt
    rc=0; for n in \#(isotpSizes); do pl $n | $T isotpsend -s 7e0 -d 7e8 vcan0 || rc=$?; done
    sleep 1; kill $!; wait
    begin isotpin; cat /tmp/ir.txt; echo; end isotpin $rc
    # One isotprecv per message: it exits (and flushes) after each.
    rc=0; : > /tmp/ik.txt
    for n in \#(isotpSizes); do
        bg $T isotprecv -s 7e8 -d 7e0 -b 2 vcan0 >> /tmp/ik.txt
        pl $n | $T $O can isotp send vcan0 -s 7e0 -d 7e8 || rc=$?
        wait
    done
    begin isotpout; cat /tmp/ik.txt; echo; end isotpout $rc
    # CAN FD: 64-byte frames both ways.
    bg $T $O can isotp recv vcan0 -s 7e8 -d 7e0 --fd > /tmp/ifd.txt
    pl 300 | $T isotpsend -s 7e0 -d 7e8 -L 72:64:0 vcan0; rc=$?
    wait
    bg $T isotprecv -s 7e8 -d 7e0 -L 72:64:0 vcan0 > /tmp/ifd2.txt
    pl 300 | $T $O can isotp send vcan0 -s 7e0 -d 7e8 --fd; rc2=$?
    wait
    begin isotpfd; cat /tmp/ifd.txt /tmp/ifd2.txt; end isotpfd $((rc + rc2))
    begin "isotp timeout recv"; $T $O can isotp recv vcan0 -s 7e8 -d 7e0 --timeout 1000 2>&1; end "isotp timeout recv" $?
    begin "isotp timeout send"; pl 20 | $T $O can isotp send vcan0 -s 7e0 -d 7e8 2>&1; end "isotp timeout send" $?

    # Two Kvaser PCI cards (Linux sja1000 driver) on one emulated bus.
    begin linkset; $T $O can link can0 bitrate 250000 up; rc=$?; ip -details link show can0; end linkset $rc
    ip link set can1 type can bitrate 250000 && ip link set can1 up
    begin linkshow; $T $O can link can0; end linkshow $?
    bg $T $O can dump -n 2 can1 > /tmp/k1.txt
    cansend can0 123#DEADBEEF; cansend can0 1F334455#R2
    wait
    begin kvaser01; cat /tmp/k1.txt; end kvaser01 0
    bg $T candump -L -n 2 can0 > /tmp/k0.txt
    $T $O can send can1 7FF#0102030405060708; $T $O can send can1 00000042#; rck=$?
    wait
    begin kvaser10; cut -d' ' -f2- /tmp/k0.txt; end kvaser10 $rck
    begin linkdown; $T $O can link can0 down; rc=$?; ip link show can0; end linkdown $rc
    begin done; end done 0
    """#
}

@Suite("SocketCAN in a Linux VM", .serialized)
struct SocketCANVMTests {
    /// One VM run shared by every test of the suite.
    static let result: Result<[String: VMSection], VMError> = {
        do {
            let orion = try CANOrion.path()
            let (sections, _) = try CANVM.run(script: vmScript(orion: orion))
            return .success(sections)
        } catch let error as VMError {
            return .failure(error)
        } catch {
            return .failure(VMError("\(error)"))
        }
    }()

    func section(_ name: String) throws -> VMSection {
        let sections = try Self.result.get()
        return try #require(sections[name], "no section \(name) in the VM output")
    }

    /// candump -L lines without the timestamp.
    func frames(_ s: VMSection) -> [String] { s.lines.filter { !$0.isEmpty }.map { String($0.split(separator: " ").last ?? "") } }

    @Test func orionStartsInTheVM() throws {
        let s = try section("startup")
        #expect(s.status == 0, "\(s.text)")
        #expect(s.text.contains("bitrate 500000 sample-point 0.875 tq 125 prop-seg 6 phase-seg1 7 phase-seg2 2 sjw 1 brp 1"))
    }

    @Test func cansendToOrionDumpMatchesCandump() throws {
        let candump = try section("candump"), orion = try section("oriondump")
        #expect(orion.lines.filter { !$0.isEmpty }.count == vmFrames.count)
        #expect(orion.text == candump.text)
        // -L lines carry the same kernel timestamps, so they must match byte for byte.
        let candumpL = try section("candumpL"), orionL = try section("oriondumpL")
        #expect(orionL.text == candumpL.text)
        #expect(frames(orionL).contains("123##5AABBCC"))
    }

    @Test func orionSendToCandump() throws {
        let sent = try section("orionsend"), reference = try section("candumpL")
        #expect(sent.status == 0, "\(sent.text)")
        #expect(frames(sent) == frames(reference))
        #expect(frames(sent).count == vmFrames.count)
    }

    @Test func relativeTimestampsOnTwoInterfaces() throws {
        let c = try section("candumpz"), o = try section("oriondumpz")
        #expect(o.lines.filter { !$0.isEmpty }.count == 3)
        // Same layout as candump; the times differ by when each tool saw the first frame.
        func shape(_ line: String) -> String { line.replacingOccurrences(of: #"\(\d{3}\.\d{6}\)"#, with: "(T)", options: .regularExpression) }
        #expect(o.lines.map(shape) == c.lines.map(shape))
        #expect(o.lines.first?.hasPrefix(" (000.000000)  vcan0  123   [1]  11") == true)
    }

    @Test func filtersMatchCandump() throws {
        let c = try section("candumpfilter"), o = try section("oriondumpfilter")
        #expect(o.text == c.text)
        #expect(o.lines.filter { !$0.isEmpty } == ["vcan0 123#01", "vcan0 124#02", "vcan0 555#04", "vcan0 12345678#05"])
        let ce = try section("candumperr"), oe = try section("oriondumperr")
        #expect(oe.text == ce.text)
        #expect(oe.text.contains("\tprotocol-violation{{tx-dominant-bit-error}{data-field}}"))
    }

    @Test func generatorsInterwork() throws {
        let g = try section("oriongen")
        #expect(g.status == 0)
        let counts = g.lines.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(counts.first == 500, "\(g.text)")
        #expect((counts.last ?? 0) > 1, "random ids expected")
        let c = try section("cangen")
        #expect(c.lines.first?.trimmingCharacters(in: .whitespaces) == "500")
    }

    @Test(arguments: [
        ("send vcan0 123#R9", 2, "DLC 9 too large"),
        ("send vcan0 123#001122334455667788", 2, "more than 8 data bytes"),
        ("send vcan0 12X#00", 2, "is not a hex digit"),
        ("send vcan1 123##1AABBCC", 1, "does not carry CAN FD frames"),
        ("dump nosuch0", 2, "no such CAN interface 'nosuch0'"),
        ("send nosuch0 123#00", 2, "no such CAN interface 'nosuch0'"),
        ("dump vcan2", 1, "CAN interface 'vcan2' is down"),
        ("dump vcan0,12x:7FF", 2, "expected ':'"),
        ("link vcan0 bitrate 500000", 1, "'vcan0' is not a CAN interface"),
    ])
    func badInput(command: String, status: Int, message: String) throws {
        let s = try section("bad \(command)")
        #expect(s.status == status, "\(s.text)")
        #expect(s.text.contains("orion: error:") && s.text.contains(message), "\(s.text)")
    }

    @Test func isotpWithTheKernel() throws {
        let expected = isotpPayloadSizes.map(isotpPayload)
        let incoming = try section("isotpin")
        #expect(incoming.status == 0, "\(incoming.text)")
        #expect(incoming.lines.filter { !$0.isEmpty } == expected, "isotpsend -> orion can isotp recv")
        let outgoing = try section("isotpout")
        #expect(outgoing.status == 0, "\(outgoing.text)")
        #expect(outgoing.lines.filter { !$0.isEmpty } == expected, "orion can isotp send -> isotprecv")
        let fd = try section("isotpfd")
        #expect(fd.status == 0, "\(fd.text)")
        #expect(fd.lines.filter { !$0.isEmpty } == [isotpPayload(300), isotpPayload(300)])
    }

    @Test func isotpTimeouts() throws {
        let recv = try section("isotp timeout recv")
        #expect(recv.status == 1 && recv.text.contains("orion: error: timeout: no ISO-TP message on vcan0 within 1000 ms"), "\(recv.text)")
        let send = try section("isotp timeout send")
        #expect(send.status == 1 && send.text.contains("no flow control"), "\(send.text)")
    }

    @Test func kvaserCardsThroughTheSJA1000Driver() throws {
        let set = try section("linkset")
        #expect(set.status == 0, "\(set.text)")
        #expect(set.text.contains("bitrate 250000 sample-point 0.875"), "\(set.text)")
        #expect(set.text.contains("state UP") || set.text.contains("ERROR-ACTIVE"))
        let show = try section("linkshow")
        #expect(show.text.contains("state ERROR-ACTIVE (berr-counter tx 0 rx 0)"), "\(show.text)")
        #expect(show.text.contains("bitrate 250000 sample-point 0.875") && show.text.contains("clock 8000000"), "\(show.text)")
        let k01 = try section("kvaser01")
        #expect(k01.lines.filter { !$0.isEmpty } == ["  can1  123   [4]  DE AD BE EF", "  can1  1F334455   [2]  remote request"])
        let k10 = try section("kvaser10")
        #expect(k10.status == 0)
        #expect(k10.lines.filter { !$0.isEmpty } == ["can0 7FF#0102030405060708", "can0 00000042#"])
        let down = try section("linkdown")
        #expect(down.status == 0 && down.text.contains("state DOWN"), "\(down.text)")
    }
}

@Suite("orion can on a host without AF_CAN")
struct HostWithoutCANTests {
    @Test func dumpSaysTheKernelHasNoCAN() throws {
        // This only means something where the kernel lacks AF_CAN (this build host); elsewhere the interface is missing.
        let hasCAN = FileManager.default.fileExists(atPath: "/proc/net/can")
        let r = try CANOrion.run(["can", "dump", "vcan0"], timeout: 10)
        if hasCAN {
            #expect(r.status != 0 && r.output.contains("orion: error:"), "\(r.output)")
        } else {
            #expect(r.status == 1, "\(r.output)")
            #expect(r.output.contains("orion: error: this kernel has no CAN support"), "\(r.output)")
        }
    }

    @Test func badFrameIsRejectedBeforeAnySocket() throws {
        let r = try CANOrion.run(["can", "send", "vcan0", "123#DEADBEE"])
        #expect(r.status == 2)
        #expect(r.output.contains("orion: error: bad CAN frame '123#DEADBEE': odd number of hex digits") && r.output.contains("\n             ^"), "\(r.output)")
    }

    @Test func bitTimingNeedsNoInterface() throws {
        let r = try CANOrion.run(["can", "bittiming", "--clock", "8000000", "--bitrate", "500000"])
        #expect(r.status == 0)
        #expect(r.output == "bitrate 500000 sample-point 0.875 tq 125 prop-seg 6 phase-seg1 7 phase-seg2 2 sjw 1 brp 1\n")
        let bad = try CANOrion.run(["can", "bittiming", "--clock", "8000000", "--bitrate", "500000", "--controller", "x"])
        #expect(bad.status == 2)
    }
}
