// The file `orion pn device` keeps its remanent data in (what p-net keeps in its storage folder): the
// NameOfStation and IP suite a controller set permanently over DCP, read at start and written on every change.
//
//     # orion pn device: set permanently over DCP
//     name=orion-dev
//     ip=192.168.77.30 255.255.255.0 0.0.0.0

import Fieldbus

/// A storage file that does not read, with `file:line:`.
public struct PNStorageFileError: Error, Sendable, Equatable {
    public let message: String
}

/// Reading and writing the storage file.
public enum PNStorageFile {
    /// Largest file taken.
    public static let maxSize = 4096

    public static func parse(_ text: String, path: String) throws(PNStorageFileError) -> PNDCPStoredState {
        var state = PNDCPStoredState()
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
            default:
                throw fail("unknown key '\(key)' (name, ip)")
            }
        }
        return state
    }

    public static func format(_ state: PNDCPStoredState) -> String {
        var out = "# orion pn device: NameOfStation and IP suite set permanently over DCP\n"
        if state.name.count > 0 { out += "name=\(PNDCPText.string(state.name))\n" }
        if !state.ip.isZero {
            out += "ip=\(PNDCPText.ipv4(state.ip.address)) \(PNDCPText.ipv4(state.ip.netmask)) \(PNDCPText.ipv4(state.ip.gateway))\n"
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
