// The file `orion pn device` keeps its remanent data in (what p-net keeps in its storage folder): the
// NameOfStation and IP suite a controller set permanently over DCP, and the I&M1–4 records it wrote; read at start
// and written on every change.
//
//     # orion pn device: NameOfStation and IP suite set permanently over DCP, I&M1-4 written by a controller
//     name=orion-dev
//     ip=192.168.77.30 255.255.255.0 0.0.0.0
//     im1-function=conveyor 3
//     im1-location=hall B
//     im2-date=2026-12-07 23:45
//     im3-descriptor=spare: ORION-IO-1
//     im4-signature=00112233...  (54 bytes in hex)

import Fieldbus

/// A storage file that does not read, with `file:line:`.
public struct PNStorageFileError: Error, Sendable, Equatable {
    public let message: String
}

/// What the device keeps across restarts.
public struct PNDeviceStorage: Sendable, Equatable {
    public var dcp: PNDCPStoredState
    public var im: PNIMRecords
    public init(dcp: PNDCPStoredState = PNDCPStoredState(), im: PNIMRecords = PNIMRecords()) {
        self.dcp = dcp
        self.im = im
    }
}

/// Reading and writing the storage file.
public enum PNStorageFile {
    /// Largest file taken.
    public static let maxSize = 4096

    // @implements SWR-PN-IM-1
    public static func parse(_ text: String, path: String) throws(PNStorageFileError) -> PNDeviceStorage {
        var state = PNDCPStoredState()
        var im = PNIMRecords()
        guard text.utf8.count <= maxSize else { throw PNStorageFileError(message: "\(path): larger than \(maxSize) bytes: not a storage file") }
        var seen = Set<String>()
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = trim(raw)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ what: String) -> PNStorageFileError { PNStorageFileError(message: "\(path):\(i + 1): \(what)") }
            guard let eq = line.firstIndex(of: "=") else { throw fail("expected key=value, got '\(line)'") }
            let key = trim(Substring(line)[..<eq])
            let value = trim(Substring(line)[line.index(after: eq)...])
            guard seen.insert(key).inserted else { throw fail("'\(key)' given twice") }
            switch key {
            case "name":
                if let problem = PNDCPText.nameProblem(value) { throw fail("name '\(value)' is not a valid NameOfStation: \(problem)") }
                Array(value.utf8).withUnsafeBufferPointer { state.name.set($0) }
            case "ip":
                let parts = value.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                guard parts.count == 3, let a = PNDCPText.parseIPv4(parts[0]), let m = PNDCPText.parseIPv4(parts[1]),
                      let g = PNDCPText.parseIPv4(parts[2]) else {
                    throw fail("ip must be ADDRESS NETMASK GATEWAY (dotted quads), got '\(value)'")
                }
                let suite = PNIPSuite(address: a, netmask: m, gateway: g)
                guard suite.isValid else { throw fail("'\(value)' is not a valid IP suite (netmask, host address, gateway in the subnet)") }
                state.ip = suite
            case "im1-function": try setField(value, into: &im.im1.tagFunction, key, fail)
            case "im1-location": try setField(value, into: &im.im1.tagLocation, key, fail)
            case "im2-date": try setField(value, into: &im.im2.date, key, fail)
            case "im3-descriptor": try setField(value, into: &im.im3.descriptor, key, fail)
            case "im4-signature":
                let digits = Array(value.utf8)
                guard digits.count == 2 * PNIM4.size else { throw fail("im4-signature must be \(PNIM4.size) bytes in hex (\(2 * PNIM4.size) digits)") }
                for i in 0..<PNIM4.size {
                    guard let byte = UInt8(String(decoding: digits[(2 * i)..<(2 * i + 2)], as: UTF8.self), radix: 16) else {
                        throw fail("im4-signature: '\(value)' is not hex")
                    }
                    im.im4.signature[i] = byte
                }
            default:
                throw fail("unknown key '\(key)' (name, ip, im1-function, im1-location, im2-date, im3-descriptor, im4-signature)")
            }
        }
        return PNDeviceStorage(dcp: state, im: im)
    }

    /// A printable ASCII value that fits the I&M field (its padding spaces are not written, so they are not read).
    private static func setField<let n: Int>(_ value: String, into field: inout PNFixedString<n>, _ key: String,
                                         _ fail: (String) -> PNStorageFileError) throws(PNStorageFileError) {
        let bytes = Array(value.utf8)
        guard bytes.count <= n else { throw fail("\(key) is longer than its \(n) characters") }
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { throw fail("\(key) must be printable ASCII") }
        bytes.withUnsafeBufferPointer { field.set($0) }
    }

    public static func format(_ storage: PNDeviceStorage) -> String {
        let state = storage.dcp
        var out = "# orion pn device: NameOfStation and IP suite set permanently over DCP, I&M1-4 written by a controller\n"
        if state.name.count > 0 { out += "name=\(PNDCPText.string(state.name))\n" }
        if !state.ip.isZero {
            out += "ip=\(PNDCPText.ipv4(state.ip.address)) \(PNDCPText.ipv4(state.ip.netmask)) \(PNDCPText.ipv4(state.ip.gateway))\n"
        }
        let im = storage.im
        guard im != PNIMRecords() else { return out }
        func field<let n: Int>(_ key: String, _ s: PNFixedString<n>) {
            // Trailing spaces are the field's padding: not written.
            var value = PNDCPText.string(s)
            while value.hasSuffix(" ") { value.removeLast() }
            if !value.isEmpty { out += "\(key)=\(value)\n" }
        }
        field("im1-function", im.im1.tagFunction)
        field("im1-location", im.im1.tagLocation)
        field("im2-date", im.im2.date)
        field("im3-descriptor", im.im3.descriptor)
        if im.im4 != PNIM4() {
            out += "im4-signature=" + (0..<PNIM4.size).map { i -> String in
                let b = im.im4.signature[i]
                return (b < 16 ? "0" : "") + String(b, radix: 16)
            }.joined() + "\n"
        }
        return out
    }
}

private func trim(_ s: Substring) -> String {
    var s = s
    while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
    return String(s)
}
