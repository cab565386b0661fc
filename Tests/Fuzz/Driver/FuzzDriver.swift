// `orion-fuzz`: the fuzz targets behind one binary. Built by `Tools/fuzz` with libFuzzer
// (`-sanitize=fuzzer,address -DORION_FUZZ`), it is a libFuzzer binary whose target is named by
// ORION_FUZZ_TARGET; built plainly, it replays inputs: `orion-fuzz TARGET FILE|FOLDER...`.

import FuzzTargets

#if ORION_FUZZ
import Foundation

/// The target named by ORION_FUZZ_TARGET, read once.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["ORION_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("orion-fuzz: error: set ORION_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// Before fuzzing: with ORION_FUZZ_LIST set, print each target's name, -max_len and summary and exit (what
/// `Tools/fuzz` reads); otherwise check ORION_FUZZ_TARGET at once, not at the first input.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    if ProcessInfo.processInfo.environment["ORION_FUZZ_LIST"] != nil {
        for target in FuzzTarget.allCases { print("\(target.rawValue)\t\(target.maxLength)\t\(target.summary)") }
        exit(0)
    }
    _ = selectedTarget
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
import Foundation

@main
struct Replay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")
            FileHandle.standardError.write(Data("usage: orion-fuzz TARGET FILE|FOLDER...\ntargets: \(names)\n".utf8))
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            guard let files = FuzzCorpus.files(at: path) else {
                FileHandle.standardError.write(Data("orion-fuzz: error: \(path): no such file or folder\n".utf8))
                exit(2)
            }
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("orion-fuzz: error: cannot read \(file)\n".utf8))
                    exit(2)
                }
                data.withUnsafeBytes { target.run($0) }
                count += 1
            }
        }
        print("orion-fuzz: \(target.rawValue): \(count) inputs replayed")
    }
}
#endif
