// DCE/RPC to a PROFINET device without an AR, as a commissioning tool does it (`orion pn read-im0`): one request
// at a time over a UDP socket of the interface, resent when unanswered, the answer matched by activity UUID and
// sequence number.

import CEtherCATIO
import Fieldbus

/// Reads records of a device without connecting to it.
public final class PNLinuxRPCClient {
    public let udp: PNUDPSocket
    private let tx = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 8)
    private let rx = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
    private var sequence: UInt32 = 0
    /// Sends per request, and how long each waits for the answer.
    public var attempts = 3
    public var timeoutNs: UInt64 = 1_000_000_000

    /// A socket on `interface` (any local port).
    public init(interface: String) throws(PNLinkError) {
        udp = try PNUDPSocket(interface: interface, port: 0)
    }

    /// ReadImplicit of `index` in `api`/`slot`/`subslot` of the device DCP identified: the response header and the
    /// record data.
    public func readImplicit(_ device: PNDCPIdentity, api: UInt32 = 0, slot: UInt16, subslot: UInt16,
                             index: UInt16) throws(PNControllerFailure) -> (PNRecordResponse, [UInt8]) {
        let read = PNImplicitRead(vendorID: device.vendorID, deviceID: device.deviceID, instance: device.instance ?? 1)
        let id = PNLinuxController.activity()
        sequence &+= 1
        let seq = sequence
        let n: Int
        do {
            n = try read.writeRequest(into: tx, activity: id, sequence: seq, api: api, slot: slot, subslot: subslot, index: index)
        } catch {
            throw .controller(step: "read", error)
        }
        for _ in 0..<max(1, attempts) {
            let r = udp.send(to: device.ip.address, port: 34964, UnsafeRawBufferPointer(rebasing: tx[0..<n]))
            if r < 0 { throw .link(.system(operation: "sending the read request", errno: -r)) }
            let deadline = PNWait.nowNs() + timeoutNs
            while PNWait.nowNs() < deadline {
                if PNWait.readable([udp.fd], deadlineNs: deadline) == 0 { continue }
                let (got, from, _) = udp.receive(into: rx)
                guard got > 0, from == device.ip.address else { continue }
                let datagram = UnsafeRawBufferPointer(rebasing: rx[0..<Int(got)])
                guard PNControllerAR.isAnswer(datagram, activity: id, sequence: seq) else { continue }
                do {
                    let (header, data) = try PNImplicitRead.readResponse(datagram)
                    return (header, Array(data))
                } catch {
                    throw .controller(step: "read", error)
                }
            }
        }
        throw .noAnswer("read")
    }

    public func close() { udp.close() }

    deinit {
        tx.deallocate()
        rx.deallocate()
    }
}
