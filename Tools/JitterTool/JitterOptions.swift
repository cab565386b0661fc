// `orion jitter`'s command line, parsed with cyclictest's letters and meaning (getopt rules: clustered short
// options, attached or separate values, `--long=value`), but with a clear error for every bad value.

/// A bad command line: the message for the user; `orion` exits 2.
public struct JitterUsageError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, in one line.
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How many measuring threads.
public enum JitterThreads: Equatable, Sendable {
    /// A fixed number.
    case count(Int)
    /// One per CPU the process may use (`-t` without a number, `-S`).
    case perCPU
}

/// Where the measuring threads run.
public enum JitterAffinity: Equatable, Sendable {
    /// Wherever the scheduler puts them.
    case unpinned
    /// Thread N on the Nth allowed CPU (`-a` without a set, `-S`).
    case allCPUs
    /// Spread over these CPUs, thread N on the (N mod count)th (`-a 0-2,5`).
    case cpus([Int])
}

/// Everything `orion jitter` was asked to do.
public struct JitterOptions: Equatable, Sendable {
    /// SCHED_FIFO priority of the threads; 0 keeps SCHED_OTHER (`-p`).
    public var priority = 0
    /// Base interval in µs (`-i`).
    public var intervalUs: UInt64 = 1000
    /// Added to the interval per further thread, µs (`-d`).
    public var distanceUs: UInt64 = 500
    /// Cycles per thread; 0 runs until a signal or the duration (`-l`).
    public var loops: UInt64 = 0
    /// Run length in seconds (`-D`, suffixes s m h d).
    public var durationS: UInt64? = nil
    /// mlockall before measuring (`-m`).
    public var lockMemory = false
    /// How many threads (`-t`, `-S`).
    public var threads = JitterThreads.count(1)
    /// CPU pinning (`-a`, `-S`).
    public var affinity = JitterAffinity.unpinned
    /// Print only the summary at the end (`-q`).
    public var quiet = false
    /// Figures and buckets in ns instead of µs (`-N`).
    public var nanoseconds = false
    /// Histogram buckets (the largest latency tracked, in the unit), 0 for none (`-h`, `-H`).
    public var histogram = 0
    /// `-H`: a summary column over all threads.
    public var histogramAllThreads = false
    /// Write the histogram here instead of stdout (`--histfile`).
    public var histfile: String? = nil
    /// Write the results as rt-tests JSON here (`--json`).
    public var jsonPath: String? = nil
    /// Exit 1 when any thread's maximum exceeds this many µs (`--max-latency`, not in cyclictest).
    public var maxLatencyUs: UInt64? = nil
    /// Measure this Orion board in QEMU instead of the host (`--board`).
    public var board: String? = nil
    /// Give up on the board run after this many seconds (`--timeout`).
    public var timeoutS: UInt64 = 300
    /// Run the board under QEMU -icount shift=0 (`--icount`).
    public var icount = false
    /// `--help`.
    public var help = false
    /// `-d` was given with a histogram, which sets it to 0 (cyclictest warns about this).
    public var distanceIgnored = false

    public init() {}

    /// The histogram is printed on stdout (`-h` without `--histfile`): cyclictest is then quiet.
    public var histogramOnStdout: Bool { histogram > 0 && histfile == nil }

    /// Interval of thread `index`, µs.
    public func intervalUs(ofThread index: Int) -> UInt64 { intervalUs + UInt64(index) * distanceUs }

    /// Parses `arguments` (without the program and subcommand names).
    public static func parse(_ arguments: [String]) throws(JitterUsageError) -> JitterOptions {
        var options = JitterOptions()
        var smp = false
        var distanceGiven = false
        var i = 0
        /// The value of an option that requires one: attached, or the next argument.
        func required(_ name: String, attached: String?) throws(JitterUsageError) -> String {
            if let attached { return attached }
            i += 1
            guard i < arguments.count else { throw JitterUsageError("option \(name) needs a value") }
            return arguments[i]
        }
        /// The value of `-t`/`-a`: attached, or the next argument if it looks like one (as cyclictest does).
        func optional(attached: String?, accept: (String) -> Bool) -> String? {
            if let attached { return attached }
            if i + 1 < arguments.count, accept(arguments[i + 1]) {
                i += 1
                return arguments[i]
            }
            return nil
        }
        func apply(_ key: String, _ name: String, attached: String?) throws(JitterUsageError) {
            switch key {
            case "p":
                options.priority = try number(required(name, attached: attached), name, in: 0...99)
            case "i":
                options.intervalUs = UInt64(try number(required(name, attached: attached), name, in: 1...1_000_000_000))
            case "d":
                distanceGiven = true
                options.distanceUs = UInt64(try number(required(name, attached: attached), name, in: 0...1_000_000_000))
            case "l":
                options.loops = UInt64(try number(required(name, attached: attached), name, in: 0...Int.max))
            case "D":
                options.durationS = try duration(required(name, attached: attached), name)
            case "m":
                options.lockMemory = true
            case "t":
                let value = optional(attached: attached, accept: { $0.allSatisfy(\.isNumber) && !$0.isEmpty })
                if smp { break }  // cyclictest: -t is ignored after --smp
                if let value {
                    options.threads = .count(try number(value, name, in: 1...1024))
                } else {
                    options.threads = .perCPU
                }
            case "a":
                let value = optional(attached: attached, accept: { looksLikeCPUSet($0) })
                if smp { break }
                if let value {
                    options.affinity = .cpus(try cpuSet(value, name))
                } else {
                    options.affinity = .allCPUs
                }
            case "S":
                smp = true
                options.threads = .perCPU
                options.affinity = .allCPUs
            case "q":
                options.quiet = true
            case "N":
                options.nanoseconds = true
            case "h", "H":
                // cyclictest's HIST_MAX: what it takes, and what `orion jitter plot` reads back.
                options.histogram = try number(required(name, attached: attached), name, in: 1...1_000_000)
                if key == "H" { options.histogramAllThreads = true }
            case "histfile":
                let path = try required(name, attached: attached)
                guard !path.isEmpty else { throw JitterUsageError("option --histfile needs a file name") }
                options.histfile = path
            case "json":
                let path = try required(name, attached: attached)
                guard !path.isEmpty else { throw JitterUsageError("option --json needs a file name") }
                options.jsonPath = path
            case "max-latency":
                options.maxLatencyUs = UInt64(try number(required(name, attached: attached), name, in: 0...Int.max))
            case "board":
                options.board = try required(name, attached: attached)
            case "timeout":
                options.timeoutS = UInt64(try number(required(name, attached: attached), name, in: 1...86_400))
            case "icount":
                options.icount = true
            case "help":
                options.help = true
            default:
                throw JitterUsageError("unknown option \(name)")
            }
        }
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--" {
                if i + 1 < arguments.count { throw JitterUsageError("unexpected argument '\(arguments[i + 1])'") }
                break
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name: String
                let value: String?
                if let equals = body.firstIndex(of: "=") {
                    name = String(body[..<equals])
                    value = String(body[body.index(after: equals)...])
                } else {
                    name = String(body)
                    value = nil
                }
                guard let key = longOptions[name] else { throw JitterUsageError("unknown option --\(name)") }
                if value != nil, flagKeys.contains(key) { throw JitterUsageError("option --\(name) takes no value") }
                if key == "t" || key == "a", value == nil {
                    // Long forms take their optional value only after '=' (getopt_long).
                    try apply(key, "--\(name)", attached: nil)
                } else {
                    try apply(key, "--\(name)", attached: value)
                }
            } else if argument.hasPrefix("-"), argument.count > 1 {
                // A cluster of short options; one that takes a value ends the cluster.
                var rest = Substring(argument.dropFirst())
                while let letter = rest.first {
                    rest = rest.dropFirst()
                    let key = String(letter)
                    guard shortOptions.contains(key) else { throw JitterUsageError("unknown option -\(key)") }
                    if flagKeys.contains(key) {
                        try apply(key, "-\(key)", attached: nil)
                        continue
                    }
                    try apply(key, "-\(key)", attached: rest.isEmpty ? nil : String(rest))
                    break
                }
            } else {
                throw JitterUsageError("unexpected argument '\(argument)'")
            }
            i += 1
        }
        // cyclictest: with a histogram every thread has the same interval (and priority).
        if options.histogram > 0 && options.distanceUs != 0 {
            options.distanceIgnored = distanceGiven
            options.distanceUs = 0
        }
        if options.board != nil {
            let hostOnly: [(Bool, String)] = [
                (options.priority != 0, "-p"), (options.threads != .count(1), "-t/-S"), (options.affinity != .unpinned, "-a/-S"),
                (options.lockMemory, "-m"), (options.durationS != nil, "-D"), (options.histogramAllThreads, "-H"),
            ]
            if let (_, name) = hostOnly.first(where: { $0.0 }) {
                throw JitterUsageError("option \(name) applies to Linux threads, not to --board (the board measures its timer interrupt and one task)")
            }
        }
        return options
    }

    /// The longest `-D`: 365 days.
    public static let maximumDurationS: UInt64 = 365 * 86_400

    static let shortOptions: Set<String> = ["p", "i", "d", "l", "D", "m", "t", "a", "S", "q", "N", "h", "H"]
    static let flagKeys: Set<String> = ["m", "S", "q", "N", "icount", "help"]
    static let longOptions: [String: String] = [
        "priority": "p", "interval": "i", "distance": "d", "loops": "l", "duration": "D", "mlockall": "m",
        "threads": "t", "affinity": "a", "smp": "S", "quiet": "q", "nsecs": "N", "histogram": "h", "histofall": "H",
        "histfile": "histfile", "json": "json", "max-latency": "max-latency", "board": "board", "timeout": "timeout",
        "icount": "icount", "help": "help",
    ]

    static func number(_ text: String, _ name: String, in range: ClosedRange<Int>) throws(JitterUsageError) -> Int {
        guard let value = Int(text) else { throw JitterUsageError("option \(name): '\(text)' is not a whole number") }
        guard range.contains(value) else {
            throw JitterUsageError("option \(name): \(value) is out of range (\(range.lowerBound) to \(range.upperBound))")
        }
        return value
    }

    /// cyclictest's duration: a number of seconds, or with a suffix s, m, h or d.
    static func duration(_ text: String, _ name: String) throws(JitterUsageError) -> UInt64 {
        var digits = Substring(text)
        var scale: UInt64 = 1
        if let last = text.last, !last.isNumber {
            switch last {
            case "s", "S": scale = 1
            case "m", "M": scale = 60
            case "h", "H": scale = 3600
            case "d", "D": scale = 86_400
            default: throw JitterUsageError("option \(name): '\(text)' is not a duration (seconds, or a number with s, m, h or d)")
            }
            digits = digits.dropLast()
        }
        guard let value = UInt64(digits), value > 0 else {
            throw JitterUsageError("option \(name): '\(text)' is not a duration (seconds, or a number with s, m, h or d)")
        }
        // At most a year: beyond it the end time would overflow the clock arithmetic.
        let (seconds, overflowed) = value.multipliedReportingOverflow(by: scale)
        guard !overflowed, seconds <= maximumDurationS else {
            throw JitterUsageError("option \(name): '\(text)' is out of range (1 s to 365 d)")
        }
        return seconds
    }

    static func looksLikeCPUSet(_ text: String) -> Bool {
        !text.isEmpty && text.first!.isNumber && text.allSatisfy { $0.isNumber || $0 == "," || $0 == "-" }
    }

    /// A CPU list such as `0-2,5`, ascending without duplicates.
    static func cpuSet(_ text: String, _ name: String) throws(JitterUsageError) -> [Int] {
        var cpus = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]),
                  low >= 0, low <= high, high < 4096 else {
                throw JitterUsageError("option \(name): '\(text)' is not a CPU list (like 0-2,5)")
            }
            for cpu in low...high { cpus.insert(cpu) }
        }
        return cpus.sorted()
    }
}
