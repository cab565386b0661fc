// Fuzz targets of the host tools' file readers: task sets, requirements and tags, trace configuration,
// test results, coverage data and cyclictest histograms.

import Foundation
import JitterTool
import SafetyTrace
import SchedTool

enum FuzzFiles {
    static func text(_ input: UnsafeRawBufferPointer) -> String { String(decoding: input, as: UTF8.self) }

    static func schedYAML(_ input: UnsafeRawBufferPointer) {
        guard let set = try? TaskSetFile.parse(bytes: [UInt8](input), path: "fuzz.yaml") else { return }
        invariant(!set.tasks.isEmpty, "a task set without tasks was accepted")
    }

    static func requirements(_ input: UnsafeRawBufferPointer) {
        guard let items = try? RequirementParser.parse(text(input), file: "fuzz.md") else { return }
        for item in items { invariant(!item.id.isEmpty, "an item without an id") }
    }

    static func tags(_ input: UnsafeRawBufferPointer) {
        guard let tags = try? TagScanner.scan(text(input), file: "fuzz.swift") else { return }
        for tag in tags { invariant(tag.location.line >= 1, "a tag at line \(tag.location.line)") }
    }

    static func traceConfig(_ input: UnsafeRawBufferPointer) {
        _ = try? TraceConfig.parse(text(input), file: "trace.conf")
    }

    static func junit(_ input: UnsafeRawBufferPointer) {
        _ = try? TestResults.parse(Data(input), file: "results.xml")
    }

    static func llvmCov(_ input: UnsafeRawBufferPointer) {
        _ = try? CoverageData.parse(Data(input), file: "coverage.json")
    }

    static func histogram(_ input: UnsafeRawBufferPointer) {
        guard let file = try? LatencyHistogramFile(bytes: [UInt8](input), path: "fuzz.hist") else { return }
        for thread in file.threads {
            invariant(!thread.hasSamples || thread.minimum <= thread.maximum, "a footer with min above max accepted")
        }
    }
}
