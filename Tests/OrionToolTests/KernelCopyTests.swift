// The kernel state is ~Copyable, yet the compiler can still copy parts of it (or all of it) onto the stack
// when a table is read through a borrowed `self`. On a trap path such a copy costs more than the trap: a
// non-mutating getter that read one field copied the whole 128 KiB state on every kernel entry of a debug
// image and made the jitter, soak and modbus boot tests miss their timing. These tests disassemble the
// riscv64 images (debug and release) and fail when a function on the trap path calls `memcpy` with a
// constant size of 4 KiB or more. riscv64 only: there the size is a `lui`/`addi` pair right before the call,
// which can be read reliably; aarch64 builds the size in registers the disassembly does not name.

import Foundation
import Testing
import TestSupport

/// One `memcpy` call with a constant size found in a disassembly.
struct LargeCopy: CustomStringConvertible {
    var function: String
    var bytes: Int
    var description: String { "\(function): memcpy of \(bytes) bytes" }
}

/// Finds `memcpy`/`memmove` calls whose size argument (a2) is built from a `lui` (and optional `addi`) within
/// the dozen instructions before the call, of at least `threshold` bytes. Returns mangled function names.
func largeCopies(inRISCVDisassembly text: String, threshold: Int) -> [LargeCopy] {
    var found: [LargeCopy] = []
    var function = ""
    var window: [Substring] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        if line.hasSuffix(">:"), let open = line.firstIndex(of: "<") {
            function = String(line[line.index(after: open) ..< line.index(line.endIndex, offsetBy: -2)])
            window.removeAll()
            continue
        }
        window.append(line)
        if window.count > 12 { window.removeFirst() }
        guard line.contains("<memcpy>") || line.contains("<memmove>") else { continue }
        // The size is a2's value at the call: follow every instruction in the window that writes a2. A
        // `lui`/`li` sets a known value, `addi a2, a2, imm` adds to it, any other write (a shift, a load, a
        // subtraction: a size computed at run time, or a2 reused for an address) makes it unknown.
        var upper: Int?
        var lower = 0
        for previous in window {
            let fields = previous.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "," }).map(String.init)
            guard let op = fields.firstIndex(where: { $0.first?.isLetter == true && !$0.hasSuffix(":") }), fields.count > op + 1,
                  fields[op + 1] == "a2" else { continue }
            let mnemonic = fields[op]
            // Stores and branches name a2 first without writing it.
            let bare = mnemonic.hasPrefix("c.") ? String(mnemonic.dropFirst(2)) : mnemonic
            if ["sb", "sh", "sw", "sd", "fsw", "fsd"].contains(bare) || bare.hasPrefix("b") { continue }
            func number(_ s: String) -> Int? {
                s.hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) : s.hasPrefix("-0x") ? Int(s.dropFirst(3), radix: 16).map { -$0 } : Int(s)
            }
            switch bare {
            case "lui" where fields.count > op + 2:
                upper = number(fields[op + 2]).map { $0 << 12 }
                lower = 0
            case "li" where fields.count > op + 2:
                upper = number(fields[op + 2])
                lower = 0
            case "addi" where fields.count > op + 3 && fields[op + 2] == "a2" && upper != nil:
                lower += number(fields[op + 3]) ?? 0
            default:
                upper = nil
                lower = 0
            }
        }
        if let upper, upper + lower >= threshold { found.append(LargeCopy(function: function, bytes: upper + lower)) }
    }
    return found
}

@Suite("no large copies on the kernel's trap path", .serialized)
struct KernelCopyTests {
    /// Demangles `names` with the toolchain's swift-demangle (one per line, same order).
    static func demangle(_ names: [String]) throws -> [String] {
        guard !names.isEmpty else { return [] }
        let tool = try #require(HostProcess.which("swift-demangle"), "swift-demangle is part of the Swift toolchain")
        // Embedded Swift mangles with $e; swift-demangle reads the $s form.
        let run = try HostProcess.run(tool, ["--simplified", "--compact"] + names.map { $0.hasPrefix("$e") ? "$s" + $0.dropFirst(2) : $0 })
        return run.stdout.split(separator: "\n").map(String.init)
    }

    /// Whether a demangled function runs on a trap: a kernel entry, what the board does around it, or any
    /// kernel-state operation except the boot-time ones (init, declare, bindings, grants, start).
    static func onTrapPath(_ name: String) -> Bool {
        let boot = ["init(", ".init", "declare", "bindInterrupt", "declareRegion", "grantRegion", "setSupervisor", "start(",
                    "runTaskSet", "admit", "reset", "orionAppMain", "buildAddressSpaces", "initialize(to:)"]
        if boot.contains(where: { name.contains($0) }) { return false }
        let trap = ["KernelState.", "CapabilityTable.", "resume", "handleTaskTrap", "drainEvents", "debugWrite",
                    "programTimer", "restartTaskImage", "probeTimerLatency"]
        return trap.contains { name.contains($0) }
    }

    @Test func parserReadsRISCVSizes() {
        let text = """
        0000000080200000 <$eBig>:
        80200000:      	lui	a2, 0x20
        80200004:      	addi	a2, a2, 0x140
        80200008:      	jal	0x80210c18 <memcpy>
        000000008020000c <$eSmall>:
        8020000c:      	li	a2, 0x40
        80200010:      	jal	0x80210c18 <memcpy>
        0000000080200014 <$eRuntime>:
        80200014:      	lui	a2, 0x2
        80200018:      	sub	a2, s0, a2
        8020001c:      	sd	a0, 0x708(a2)
        80200020:      	slli	a2, a0, 0xb
        80200024:      	jal	0x80210c18 <memcpy>
        0000000080200028 <$eStored>:
        80200028:      	lui	a2, 0x3
        8020002c:      	sd	a2, 0x10(sp)
        80200030:      	jal	0x80210c18 <memcpy>
        """
        let copies = largeCopies(inRISCVDisassembly: text, threshold: 4096)
        // A size computed at run time (a2 shifted from a0, after a lui for a stack address) is not a constant
        // copy; a store of a2 does not change it.
        #expect(copies.map(\.function) == ["$eBig", "$eStored"])
        #expect(copies.first?.bytes == 0x20140)
    }

    @Test(arguments: ["debug", "release"])
    func trapPathCopiesNothingLarge(_ configuration: String) throws {
        // The same image the boot tests run (jitter exercises the idle loop, interrupts and the probe).
        for app in ["jitter", "selftest"] {
            let build = try OrionExecutable.run(["build", "--board", "qemu-virt-riscv64", "--app", app, "-c", configuration])
            #expect(build.status == 0, "\(build.stderr)")
            let elf = try #require(build.stdout.split(separator: "\n").first.map(String.init))
            let objdump = try #require(HostProcess.which("llvm-objdump"), "llvm-objdump is part of the Swift toolchain")
            let dump = try HostProcess.run(objdump, ["-d", "--no-show-raw-insn", elf])
            #expect(dump.status == 0, "\(dump.stderr)")
            let copies = largeCopies(inRISCVDisassembly: dump.stdout, threshold: 4096)
            #expect(!copies.isEmpty || configuration == "release",
                    "a debug image copies the state at boot (KernelState.init): finding none means the parser is broken")
            let names = try Self.demangle(copies.map(\.function))
            let offenders = zip(copies, names).filter { Self.onTrapPath($0.1) }.map { "\($0.1): \($0.0.bytes) bytes" }
            #expect(offenders.isEmpty, "\(app) (\(configuration)) copies on the trap path:\n\(offenders.joined(separator: "\n"))")
        }
    }
}
