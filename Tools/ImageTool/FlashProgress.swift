// The progress line `orion flash` redraws on a terminal while it writes (bar, percent, amount, rate, ETA, like
// balenaEtcher's CLI and dd's status=progress), and the plain summary line it prints when not on a terminal.

/// Formatting of sizes, rates and progress.
public enum FlashProgress {
    /// The bar's width in characters.
    public static let barWidth = 30

    /// `[##########..........]  50%  32.0 MiB of 64.0 MiB  12.5 MiB/s  ETA 0:03` for `done` of `total` bytes after
    /// `seconds`. The rate and ETA read `--` until a rate is known.
    public static func line(done: UInt64, total: UInt64, seconds: Double) -> String {
        let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled)
        let percent = Int((fraction * 100).rounded(.down))
        var text = "[\(bar)] \(pad(String(percent), 3))%  \(binarySize(done)) of \(binarySize(total))"
        if seconds > 0, done > 0, seconds.isFinite {
            let rate = Double(done) / seconds
            let remaining = Double(total > done ? total - done : 0) / rate
            text += "  \(binarySize(UInt64(rate)))/s  ETA \(clock(remaining))"
        } else {
            text += "  --/s  ETA --:--"
        }
        return text
    }

    /// `wrote 64.0 MiB in 5.2 s (12.3 MiB/s)`.
    public static func summary(verb: String, bytes: UInt64, seconds: Double) -> String {
        let rate = seconds > 0 && seconds.isFinite ? "\(binarySize(UInt64(Double(bytes) / seconds)))/s" : "--/s"
        return "\(verb) \(binarySize(bytes)) in \(fixed(seconds, 1)) s (\(rate))"
    }

    /// `64.0 MiB`, `1.5 GiB`, `512 B`.
    public static func binarySize(_ bytes: UInt64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return "\(fixed(value, 1)) \(units[unit])"
    }

    /// `31.9 GB` (decimal, as card makers label cards).
    public static func decimalSize(_ bytes: UInt64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : "\(fixed(value, 1)) \(units[unit])"
    }

    /// `m:ss`, or `h:mm:ss` from an hour; `--:--` for no estimate.
    public static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 360_000 else { return "--:--" }
        let whole = Int(seconds.rounded(.up))
        let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60)
        return h > 0 ? "\(h):\(pad2(m)):\(pad2(s))" : "\(m):\(pad2(s))"
    }

    static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
    static func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }

    /// `value` with `digits` decimals, without Foundation's locale.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "--" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value * scale).rounded()
        guard scaled < 1e15 else { return "--" }
        let whole = Int(scaled)
        let integer = whole / Int(scale), fraction = whole % Int(scale)
        if digits == 0 { return String(integer) }
        let fractionText = String(fraction)
        return "\(integer).\(String(repeating: "0", count: digits - fractionText.count))\(fractionText)"
    }
}
