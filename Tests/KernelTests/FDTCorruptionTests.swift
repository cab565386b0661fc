// Broken devicetree blobs: every one is rejected with an error value, none traps.

import Testing
@testable import Kernel

/// Writes a big-endian word into `bytes` at `offset`.
func patch(_ bytes: inout [UInt8], at offset: Int, _ value: UInt32) {
    bytes[offset] = UInt8(value >> 24)
    bytes[offset + 1] = UInt8((value >> 16) & 0xFF)
    bytes[offset + 2] = UInt8((value >> 8) & 0xFF)
    bytes[offset + 3] = UInt8(value & 0xFF)
}

func readWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
}

/// The error `FDT(bytes:)` throws for `bytes`, or nil when it accepts them.
func rejection(_ bytes: [UInt8]) -> FDTError? {
    bytes.withUnsafeBytes { raw -> FDTError? in
        do throws(FDTError) {
            _ = try FDT(bytes: raw)
            return nil
        } catch {
            return error
        }
    }
}

/// A minimal valid tree built by `body` between the root's BEGIN_NODE and END_NODE.
func tree(_ body: (inout FDTBuilder) -> Void) -> FDTBuilder {
    var b = FDTBuilder()
    b.begin("")
    body(&b)
    b.end()
    b.finish()
    return b
}

struct BrokenBlob: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let expected: FDTError
    var testDescription: String { name }
}

/// The header offsets of the fields FDTBuilder writes.
enum Header {
    static let totalSize = 4, offStruct = 8, offStrings = 12, offReserve = 16, version = 20, sizeStrings = 32, sizeStruct = 36
}

let brokenBlobs: [BrokenBlob] = {
    let good = FDTBuilder.sampleMachine().blob()
    let structOffset = Int(readWord(good, at: Header.offStruct))
    var cases: [BrokenBlob] = []

    cases.append(BrokenBlob(name: "empty", bytes: [], expected: .truncatedHeader(available: 0)))
    cases.append(BrokenBlob(name: "truncated header", bytes: Array(good.prefix(39)), expected: .truncatedHeader(available: 39)))

    var badMagic = good
    patch(&badMagic, at: 0, 0xEDFE_0DD0)
    cases.append(BrokenBlob(name: "bad magic (byte-swapped)", bytes: badMagic, expected: .badMagic(0xEDFE_0DD0)))

    var tooBig = good
    patch(&tooBig, at: Header.totalSize, UInt32(good.count + 1))
    cases.append(BrokenBlob(name: "totalsize past the buffer", bytes: tooBig, expected: .badTotalSize(totalSize: UInt32(good.count + 1), available: good.count)))

    var tooSmall = good
    patch(&tooSmall, at: Header.totalSize, 12)
    cases.append(BrokenBlob(name: "totalsize smaller than the header", bytes: tooSmall, expected: .badTotalSize(totalSize: 12, available: good.count)))

    var oldVersion = good
    patch(&oldVersion, at: Header.version, 15)
    cases.append(BrokenBlob(name: "version 15", bytes: oldVersion, expected: .unsupportedVersion(15)))

    var structPastEnd = good
    patch(&structPastEnd, at: Header.offStruct, UInt32(good.count + 64))
    cases.append(BrokenBlob(name: "structure offset past the end", bytes: structPastEnd, expected: .blockOutOfBounds(.structure)))

    var structSizePastEnd = good
    patch(&structSizePastEnd, at: Header.sizeStruct, 0xFFFF_FFF0)
    cases.append(BrokenBlob(name: "structure size past the end", bytes: structSizePastEnd, expected: .blockOutOfBounds(.structure)))

    var stringsPastEnd = good
    patch(&stringsPastEnd, at: Header.sizeStrings, UInt32(good.count))
    cases.append(BrokenBlob(name: "strings block past the end", bytes: stringsPastEnd, expected: .blockOutOfBounds(.strings)))

    var reservePastEnd = good
    patch(&reservePastEnd, at: Header.offReserve, UInt32(good.count))
    cases.append(BrokenBlob(name: "memory reservation past the end", bytes: reservePastEnd, expected: .blockOutOfBounds(.memoryReservation)))

    var unknownToken = good
    patch(&unknownToken, at: structOffset, 7)
    cases.append(BrokenBlob(name: "unknown token", bytes: unknownToken, expected: .unknownToken(7, offset: structOffset)))

    // A node name that never ends: the structure block holds only BEGIN_NODE and name bytes.
    var unterminated = FDTBuilder()
    unterminated.word(1)
    unterminated.structure += Array("endless-name".utf8)
    cases.append(BrokenBlob(name: "unterminated node name", bytes: unterminated.blob(), expected: .unterminatedNodeName(offset: structOffset)))

    // A property whose length runs past the structure block.
    var hugeProperty = tree { $0.property("x", cells: [1]) }
    // Root BEGIN_NODE with its empty name takes 8 bytes; the PROP tag follows, then its length at 12.
    patch(&hugeProperty.structure, at: 12, 0x7FFF_FFFF)
    cases.append(BrokenBlob(name: "property length past the block", bytes: hugeProperty.blob(), expected: .propertyOutOfBounds(offset: structOffset + 8)))

    // A property name offset past the strings block.
    var badName = tree { $0.property("x", cells: [1]) }
    patch(&badName.structure, at: 16, 999)
    cases.append(BrokenBlob(name: "name offset outside strings", bytes: badName.blob(), expected: .badNameOffset(999, offset: structOffset + 8)))

    // The strings block's last name has no NUL.
    var unterminatedString = tree { $0.property("compatible", cells: [1]) }
    unterminatedString.strings.removeLast()
    cases.append(BrokenBlob(name: "unterminated property name", bytes: unterminatedString.blob(), expected: .unterminatedString(offset: structOffset + 8)))

    // Nodes nested deeper than the limit.
    var deep = FDTBuilder()
    deep.begin("")
    for i in 0..<40 { deep.begin("n\(i)") }
    for _ in 0..<41 { deep.end() }
    deep.finish()
    var depthOffset = structOffset
    do {
        // Offset of the 33rd BEGIN_NODE: root (8 bytes) + 31 children of 8 bytes each (names n0..n9 pad to 4 or 8).
        var probe = FDTBuilder()
        probe.begin("")
        for i in 0..<(FDT.maxDepth - 1) { probe.begin("n\(i)") }
        depthOffset = structOffset + probe.structure.count
    }
    cases.append(BrokenBlob(name: "nesting deeper than the limit", bytes: deep.blob(), expected: .nestingTooDeep(offset: depthOffset)))

    // One END_NODE too many.
    var extraEnd = FDTBuilder()
    extraEnd.begin("")
    extraEnd.end()
    extraEnd.end()
    extraEnd.finish()
    cases.append(BrokenBlob(name: "extra END_NODE", bytes: extraEnd.blob(), expected: .unbalancedEndNode(offset: structOffset + 12)))

    // Two root nodes.
    var twoRoots = FDTBuilder()
    twoRoots.begin("")
    twoRoots.end()
    twoRoots.begin("")
    twoRoots.end()
    twoRoots.finish()
    cases.append(BrokenBlob(name: "second root node", bytes: twoRoots.blob(), expected: .unbalancedEndNode(offset: structOffset + 12)))

    // A property outside any node.
    var looseProperty = FDTBuilder()
    looseProperty.property("x", cells: [1])
    looseProperty.finish()
    cases.append(BrokenBlob(name: "property before the root", bytes: looseProperty.blob(), expected: .unbalancedEndNode(offset: structOffset)))

    // The root never closes.
    var unclosed = FDTBuilder()
    unclosed.begin("")
    unclosed.finish()
    cases.append(BrokenBlob(name: "root never closed", bytes: unclosed.blob(), expected: .missingEnd))

    // No END token: the block just stops.
    var noEnd = FDTBuilder()
    noEnd.begin("")
    noEnd.end()
    cases.append(BrokenBlob(name: "no END token", bytes: noEnd.blob(), expected: .missingEnd))

    // Only an END token.
    var empty = FDTBuilder()
    empty.finish()
    cases.append(BrokenBlob(name: "no root node", bytes: empty.blob(), expected: .noRootNode))

    // The structure block cut in the middle of a PROP header.
    var cut = tree { $0.property("x", cells: [1]) }
    cut.structure = Array(cut.structure.prefix(12))
    cases.append(BrokenBlob(name: "structure cut inside a token", bytes: cut.blob(), expected: .truncatedStructure(offset: structOffset + 8)))
    return cases
}()

@Suite("FDT corruption")
struct FDTCorruptionTests {
    // @verifies SWR-HAL-FDT-1
    @Test(arguments: brokenBlobs)
    func brokenBlobIsRejected(_ blob: BrokenBlob) {
        #expect(rejection(blob.bytes) == blob.expected)
    }

    @Test func sampleIsAccepted() {
        #expect(rejection(FDTBuilder.sampleMachine().blob()) == nil)
    }

    @Test func errorsHaveReadableText() {
        var sink = CollectingSink()
        FDTError.badMagic(0x1234).write(to: &sink)
        #expect(sink.text == "bad magic 0x1234")
        sink = CollectingSink()
        FDTError.nestingTooDeep(offset: 96).write(to: &sink)
        #expect(sink.text == "nodes nest deeper than 32 at offset 96")
    }

    // @verifies SWR-HAL-FDT-1
    @Test func interruptParentCycleIsAnError() throws {
        // /a names /b as its interrupt parent and /b names /a: neither is a controller root.
        let blob = tree { b in
            b.property("interrupt-parent", cells: [1])
            b.begin("a")
            b.property("phandle", cells: [1])
            b.property("interrupt-parent", cells: [2])
            b.property("interrupt-controller", bytes: [])
            b.end()
            b.begin("b")
            b.property("phandle", cells: [2])
            b.property("interrupt-parent", cells: [1])
            b.property("interrupt-controller", bytes: [])
            b.end()
        }.blob()
        let result: FDTError? = try withFDT(blob) { fdt -> FDTError? in
            do throws(FDTError) {
                _ = try Platform(devicetree: fdt)
                return nil
            } catch {
                return error
            }
        }
        #expect(result == .phandleCycle(1) || result == .phandleCycle(2))
    }

    /// Every prefix of a valid blob (with totalsize left as written) is rejected cleanly, and every
    /// prefix with totalsize patched to match either parses or is rejected cleanly.
    @Test func everyTruncationIsHandled() {
        let good = FDTBuilder.sampleMachine().blob()
        for length in 0..<good.count {
            let prefix = Array(good.prefix(length))
            #expect(rejection(prefix) != nil, "prefix of \(length) bytes was accepted")
            if length >= 40 {
                var patched = prefix
                patch(&patched, at: Header.totalSize, UInt32(length))
                exercise(patched)
            }
        }
    }

    /// Seeded random corruption: flipped bytes and overwritten words anywhere in the blob. Whatever the
    /// reader accepts is then probed in full; the property is that nothing traps.
    @Test func randomCorruptionNeverTraps() throws {
        var rng = SplitMix64(seed: 0x0_0D10_4E57)
        let blobs = [
            FDTBuilder.sampleMachine().blob(),
            packed(try QEMUDevicetrees.virt(arch: "aarch64", cpus: 2, memoryMiB: 256)),
            packed(try QEMUDevicetrees.virt(arch: "riscv64", cpus: 2, memoryMiB: 256)),
        ]
        var accepted = 0
        for base in blobs {
            for _ in 0..<1500 {
                var bytes = base
                let edits = 1 + Int(rng.next() % 4)
                for _ in 0..<edits {
                    let position = Int(rng.next() % UInt64(bytes.count))
                    if rng.next() % 2 == 0 {
                        bytes[position] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                    } else if position + 4 <= bytes.count {
                        patch(&bytes, at: position & ~3, UInt32(truncatingIfNeeded: rng.next() % 0x200))
                    }
                }
                if exercise(bytes) { accepted += 1 }
            }
        }
        // Corruption in property values leaves the structure valid, so some mutants must still parse.
        #expect(accepted > 0)
    }
}

/// The blob cut after its last used byte (QEMU pads its blobs to 1 MiB), with totalsize to match.
func packed(_ blob: [UInt8]) -> [UInt8] {
    let structEnd = Int(readWord(blob, at: Header.offStruct) + readWord(blob, at: Header.sizeStruct))
    let stringsEnd = Int(readWord(blob, at: Header.offStrings) + readWord(blob, at: Header.sizeStrings))
    var out = Array(blob.prefix(max(structEnd, stringsEnd)))
    patch(&out, at: Header.totalSize, UInt32(out.count))
    return out
}

/// Parses `bytes` and, when accepted, walks every node and property and probes the platform. Returns whether accepted.
@discardableResult
func exercise(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { raw in
        guard let fdt = try? FDT(bytes: raw) else { return false }
        var nodes = fdt.allNodes
        while let (node, _) = nodes.next() {
            _ = fdt.name(of: node)
            _ = fdt.parent(of: node)
            var properties = fdt.properties(of: node)
            while let property = properties.next() { _ = property.value.number }
            _ = fdt.reg(0, of: node)
        }
        _ = try? Platform(devicetree: fdt)
        return true
    }
}

/// A small deterministic generator (SplitMix64) so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
