// DCP from a Linux interface, as an engineering tool uses it (`orion pn discover`, `set-name`, `set-ip`, `blink`):
// a request out on the raw socket, the answers with its Xid collected until a timeout.

import CEtherCATIO
import Fieldbus

/// Why a DCP exchange failed.
public enum PNDCPExchangeError: Error, Equatable, Sendable {
    case link(PNLinkError)
    /// No answer from the device before the timeout.
    case noAnswer
    /// No device with that NameOfStation answered the Identify.
    case noSuchStation(String)
    /// The device refused a block of the Set: option, suboption, BlockError.
    case refused(option: UInt8, suboption: UInt8, code: UInt8)

    public var message: String {
        switch self {
        case .link(let e): return e.message
        case .noAnswer: return "no answer from the device"
        case .noSuchStation(let name): return "no device named '\(name)' answered (orion pn discover lists the devices)"
        case .refused(let option, let sub, let code):
            let what: String
            switch code {
            case 1: what = "option not supported"
            case 2: what = "suboption not supported"
            case 3: what = "suboption not set (value refused)"
            case 4: what = "resource error"
            case 5: what = "set not possible (local reasons)"
            case 6: what = "set not possible (in operation: a controller is connected)"
            default: what = "block error \(code)"
            }
            return "the device refused option \(option)/\(sub): \(what)"
        }
    }
}

/// DCP requests from one interface.
public final class PNLinuxDCP {
    public let socket: PNRawSocket
    /// The source address requests go out with: the interface's own.
    public var mac: EthernetAddress { socket.mac }
    private var xid: UInt32
    private let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1514, alignment: 8)
    private let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)

    public init(interface: String) throws(PNLinkError) {
        socket = try PNRawSocket(interface: interface)
        xid = UInt32(truncatingIfNeeded: PNWait.nowNs() / 1000) | 0x0100_0000
    }

    deinit {
        socket.close()
        tx.deallocate()
        rx.deallocate()
    }

    private func nextXid() -> UInt32 {
        xid &+= 1
        return xid
    }

    /// Identify (all devices, or the one named `name`): every answer until `timeoutNs`, in order of arrival, one
    /// per MAC address. `responseDelay` lets devices spread their answers (10 ms steps).
    public func identify(name: String? = nil, timeoutNs: UInt64, responseDelay: UInt16 = 1) throws(PNDCPExchangeError) -> [PNDCPIdentity] {
        let id = nextXid()
        let bytes = Array((name ?? "").utf8)
        let n = bytes.withUnsafeBytes { nb in
            PNDCPController.writeIdentify(into: tx, source: mac, xid: id, responseDelay: responseDelay, name: name == nil ? nil : nb)
        }
        try send(n)
        var found: [PNDCPIdentity] = []
        let deadline = PNWait.nowNs() + timeoutNs
        while true {
            let got = socket.receive(into: rx, deadlineNs: deadline)
            if got <= 0 { break }
            let frame = UnsafeRawBufferPointer(rebasing: rx[0..<Int(got)])
            if let identity = try? PNDCPController.readIdentity(frame, xid: id), !found.contains(where: { $0.mac == identity.mac }) {
                found.append(identity)
                if name != nil { break }  // a name is unique on a network: the first answer is the one
            }
        }
        return found
    }

    /// The device named `name` (Identify with a NameOfStation filter).
    public func find(name: String, timeoutNs: UInt64) throws(PNDCPExchangeError) -> PNDCPIdentity {
        guard let device = try identify(name: name, timeoutNs: timeoutNs).first else { throw .noSuchStation(name) }
        return device
    }

    /// Sets the NameOfStation of `device`.
    public func setName(_ name: String, device: EthernetAddress, permanent: Bool, timeoutNs: UInt64) throws(PNDCPExchangeError) {
        let id = nextXid()
        let n = Array(name.utf8).withUnsafeBytes {
            PNDCPController.writeSetName(into: tx, source: mac, device: device, xid: id, name: $0, permanent: permanent)
        }
        try exchangeSet(n, xid: id, device: device, timeoutNs: timeoutNs)
    }

    /// Sets the IP suite of `device`.
    public func setIP(_ suite: PNIPSuite, device: EthernetAddress, permanent: Bool, timeoutNs: UInt64) throws(PNDCPExchangeError) {
        let id = nextXid()
        let n = PNDCPController.writeSetIP(into: tx, source: mac, device: device, xid: id, ip: suite, permanent: permanent)
        try exchangeSet(n, xid: id, device: device, timeoutNs: timeoutNs)
    }

    /// Makes `device` flash its LED.
    public func signal(device: EthernetAddress, timeoutNs: UInt64) throws(PNDCPExchangeError) {
        let id = nextXid()
        let n = PNDCPController.writeSignal(into: tx, source: mac, device: device, xid: id)
        try exchangeSet(n, xid: id, device: device, timeoutNs: timeoutNs)
    }

    /// Resets `device`'s communication parameters (name and IP) to factory values.
    public func resetToFactory(device: EthernetAddress, timeoutNs: UInt64) throws(PNDCPExchangeError) {
        let id = nextXid()
        let n = PNDCPController.writeResetToFactory(into: tx, source: mac, device: device, xid: id)
        try exchangeSet(n, xid: id, device: device, timeoutNs: timeoutNs)
    }

    private func send(_ n: Int) throws(PNDCPExchangeError) {
        let r = socket.send(UnsafeRawBufferPointer(rebasing: tx[0..<n]))
        if r < 0 { throw .link(.system(operation: "sending on \(socket.interface)", errno: -r)) }
    }

    private func exchangeSet(_ n: Int, xid id: UInt32, device: EthernetAddress, timeoutNs: UInt64) throws(PNDCPExchangeError) {
        try send(n)
        let deadline = PNWait.nowNs() + timeoutNs
        while true {
            let got = socket.receive(into: rx, deadlineNs: deadline)
            if got <= 0 { throw .noAnswer }
            var refused: PNDCPExchangeError?
            let answered = (try? PNDCPController.readSetResponse(UnsafeRawBufferPointer(rebasing: rx[0..<Int(got)]), xid: id, device: device) { r in
                if r.code != 0 && refused == nil { refused = .refused(option: r.option, suboption: r.suboption, code: r.code) }
            }) ?? false
            if answered {
                if let refused { throw refused }
                return
            }
        }
    }
}
