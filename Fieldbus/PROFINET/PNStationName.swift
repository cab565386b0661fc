// NameOfStation rules (IEC 61158-6-10 §4.3.1.4.16, after the DNS label rules of RFC 5890): the name a
// controller finds its device by. Checked before a DCP Set takes it, and by `orion pn set-name` before it sends.

/// What is wrong with a NameOfStation.
public enum PNStationNameError: Error, Sendable, Equatable {
    /// More than 240 characters.
    case tooLong(Int)
    /// A label (the text between dots) is empty or longer than 63 characters.
    case badLabelLength(label: Int)
    /// A character other than a–z, 0–9, '-' and '.' (upper case is not allowed on the wire).
    case badCharacter(offset: Int, UInt8)
    /// A label starts or ends with '-'.
    case hyphenAtLabelEdge(label: Int)
    /// The first label looks like a port name ("port-xyz" or "port-xyz-abcde" with digits).
    case portName
    /// The name has the form n.n.n.n of an IPv4 address.
    case ipAddressForm
    /// An internationalised ("xn--") label, which PROFINET names cannot carry.
    case punycode(label: Int)
}

/// NameOfStation validation.
public enum PNStationName {
    public static let maxLength = 240
    public static let maxLabelLength = 63

    /// Checks `name` (its bytes); an empty name is valid (it means "no name").
    // @implements SWR-PN-NAME-1
    public static func validate(_ name: UnsafeRawBufferPointer) throws(PNStationNameError) {
        let n = name.count
        if n == 0 { return }
        guard n <= maxLength else { throw .tooLong(n) }
        var label = 0
        var labelStart = 0
        var allDigits = true
        for i in 0...n {
            let atEnd = i == n
            let c: UInt8 = atEnd ? 0x2E : name[i]
            if c == 0x2E {  // '.'
                let length = i - labelStart
                guard length >= 1 && length <= maxLabelLength else { throw .badLabelLength(label: label) }
                guard name[labelStart] != 0x2D && name[i - 1] != 0x2D else { throw .hyphenAtLabelEdge(label: label) }
                if length >= 4 && name[labelStart] == 0x78 && name[labelStart + 1] == 0x6E
                    && name[labelStart + 2] == 0x2D && name[labelStart + 3] == 0x2D {
                    throw .punycode(label: label)
                }
                label += 1
                labelStart = i + 1
                continue
            }
            let lower = c >= 0x61 && c <= 0x7A
            let digit = c >= 0x30 && c <= 0x39
            guard lower || digit || c == 0x2D else { throw .badCharacter(offset: i, c) }
            if !digit { allDigits = false }
        }
        if label == 4 && allDigits { throw .ipAddressForm }
        // "port-xyz" or "port-xyz-abcde" as the first label (or the whole name).
        var firstEnd = 0
        while firstEnd < n && name[firstEnd] != 0x2E { firstEnd += 1 }
        if firstEnd == 8 || firstEnd == 14, name[0] == 0x70, name[1] == 0x6F, name[2] == 0x72, name[3] == 0x74, name[4] == 0x2D {
            var pattern = true
            for i in 5..<firstEnd {
                let c = name[i]
                let wantHyphen = i == 8
                if wantHyphen ? c != 0x2D : !(c >= 0x30 && c <= 0x39) { pattern = false }
            }
            if pattern { throw .portName }
        }
    }

    /// Whether `name` is valid.
    public static func isValid(_ name: UnsafeRawBufferPointer) -> Bool {
        do throws(PNStationNameError) {
            try validate(name)
            return true
        } catch {
            return false
        }
    }
}
