// Replays every committed fuzz input (seeds and former crashes) through its target, so a regression of a
// fixed crash fails `swift test` even where no fuzzer runs.

import Foundation
import FuzzTargets
import Testing

@Suite struct FuzzCorpusTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Runs every committed input of `target` (seeds and former crashes) through it.
    func replay(_ target: FuzzTarget) throws {
        let folder = FuzzCorpus.folder(of: target, root: Self.root)
        let files = try #require(FuzzCorpus.files(at: folder), "no corpus folder \(folder)")
        #expect(!files.isEmpty, "the corpus of \(target.rawValue) has no seeds")
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(data.count <= target.maxLength, "\(file) is longer than the target's -max_len")
            data.withUnsafeBytes { target.run($0) }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusReplays(_ target: FuzzTarget) throws {
        try replay(target)
    }

    // The targets whose inputs a requirement speaks of, again under the requirement's name.

    // @verifies SWR-HAL-FDT-1
    @Test func devicetreeCorpusIsRejectedOrReadWithoutTrapping() throws {
        try replay(.fdt)
    }

    // @verifies SWR-CAN-FILTER-2
    @Test func filterTextCorpusIsParsedOrRefused() throws {
        try replay(.candumpArguments)
    }

    // @verifies SWR-CAN-ISOTP-1
    @Test func isotpCorpusKeepsReassemblyInItsBuffer() throws {
        try replay(.isotpReceiver)
    }

    // @verifies SWR-MODBUS-FRAME-1
    // @verifies SWR-MODBUS-FRAME-2
    @Test func modbusServerCorpusIsAnsweredWithWellFormedFrames() throws {
        try replay(.modbusRTUServer)
        try replay(.modbusTCPServer)
    }

    // @verifies SWR-MODBUS-CLIENT-1
    @Test func modbusClientCorpusAcceptsOnlyMatchingAnswers() throws {
        try replay(.modbusClient)
    }
}
