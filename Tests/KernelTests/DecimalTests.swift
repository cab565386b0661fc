// The kernel's allocation-free decimal reader that the guest apps use for command-line values.

import Kernel
import Testing

struct DecimalTests {
    func value(_ text: String, _ start: Int = 0, _ end: Int? = nil) -> UInt64? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { decimalValue($0, start, end ?? bytes.count) }
    }

    @Test func readsDigits() {
        #expect(value("0") == 0)
        #expect(value("1000") == 1000)
        #expect(value("18446744073709551615") == UInt64.max)
        #expect(value("jitter.loops=250", 13) == 250)
    }

    @Test func refusesWhatIsNotANumber() {
        #expect(value("") == nil)
        #expect(value("12x") == nil)
        #expect(value("-1") == nil)
        #expect(value("18446744073709551616") == nil)  // one above UInt64.max
        #expect(value("123", 2, 1) == nil)
        #expect(value("123", 0, 4) == nil)  // past the end
        #expect(value("123", -1, 2) == nil)
    }
}
