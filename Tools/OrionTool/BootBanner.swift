// Parsing the kernel's one-line boot banner, so tools and tests can check what a board detected.

/// The fields of `Orion RT <version> board=… arch=… cpus=… mem=…MiB timer=…Hz console=<compatible>@0x<base>`.
public struct BootBanner: Equatable, Sendable {
    /// Kernel version.
    public var version: String
    /// Board name.
    public var board: String
    /// Architecture.
    public var arch: String
    /// CPUs detected.
    public var cpus: Int
    /// Memory detected, MiB.
    public var memoryMiB: Int
    /// Timer frequency, Hz.
    public var timerHz: UInt64
    /// Console `compatible` string.
    public var consoleCompatible: String
    /// Console register base.
    public var consoleBase: UInt64

    /// Parses a banner line; nil if `line` is not one (keys must appear in order, with their units).
    public init?(line: some StringProtocol) {
        // Console lines end in CR LF; "\r\n" is one Character, so split on any whitespace.
        let words = String(line).split(whereSeparator: { (c: Character) in c.isWhitespace }).map(String.init)
        guard words.count == 9, words[0] == "Orion", words[1] == "RT" else { return nil }
        version = words[2]
        func value(_ word: String, _ key: String, unit: String = "") -> String? {
            guard word.hasPrefix(key + "="), word.hasSuffix(unit) else { return nil }
            let body = word.dropFirst(key.count + 1)
            return String(body.dropLast(unit.count))
        }
        guard let board = value(words[3], "board"), !board.isEmpty,
              let arch = value(words[4], "arch"), arch == "aarch64" || arch == "riscv64",
              let cpus = value(words[5], "cpus").flatMap({ Int($0) }),
              let memory = value(words[6], "mem", unit: "MiB").flatMap({ Int($0) }),
              let timer = value(words[7], "timer", unit: "Hz").flatMap({ UInt64($0) }),
              let console = value(words[8], "console") else { return nil }
        let parts = console.split(separator: "@")
        guard parts.count == 2, parts[1].hasPrefix("0x"), let base = UInt64(parts[1].dropFirst(2), radix: 16) else { return nil }
        self.board = board
        self.arch = arch
        self.cpus = cpus
        self.memoryMiB = memory
        self.timerHz = timer
        self.consoleCompatible = String(parts[0])
        self.consoleBase = base
    }

    /// The first banner in a console transcript.
    public static func first(in transcript: String) -> BootBanner? {
        for line in transcript.split(whereSeparator: { $0.isNewline }) {
            if let banner = BootBanner(line: line) { return banner }
        }
        return nil
    }
}
