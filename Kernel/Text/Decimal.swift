// Reading a decimal number out of bytes without allocating: kernel command-line values (`jitter.*`, `soak.*`).

/// The unsigned decimal number spelled by `bytes[start ..< end]`; nil when the range is empty or outside
/// `bytes`, holds anything but ASCII digits, or is above `UInt64.max`.
public func decimalValue(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64? {
    guard start >= 0, end > start, end <= bytes.count else { return nil }
    var value: UInt64 = 0
    var i = start
    while i < end {
        let c = bytes[i]
        guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
        let (times, o1) = value.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
        guard !o1, !o2 else { return nil }
        value = sum
        i += 1
    }
    return value
}
