// Fuzz target of the portable IPv4 stack (Fieldbus/IP): one stack fed a stream of received frames, sends,
// clock steps, configuration changes and port bindings. Every frame sits in an allocation of its own exact
// size, so AddressSanitizer sees any read past it; every reply and sent frame must lie in its buffer and carry
// valid checksums.
//
// Input: a first byte picking the configuration, then records of an operation byte and its operands:
//   op % 8 in 0...3  a received frame: 2-byte length, that many bytes; op bit 3 recomputes the IPv4, ICMP and
//                    UDP checksums first (so the fuzzer gets past them), bit 4 makes the Ethernet destination
//                    ours, bit 5 the IPv4 destination ours, bit 6 gives a reply buffer of a 1-byte length
//   4                writeUDP: 4-byte destination, 2-byte port, 2-byte payload length and payload; bit 6 a
//                    frame buffer of a 1-byte length
//   5                the clock moves on by a 2-byte count of 10 ms
//   6                configure: 4-byte address, prefix length byte, 4-byte gateway
//   7                poll for announcements, then bind (even byte) or unbind a 2-byte port

import Fieldbus

enum FuzzIP {
    static let mac = EthernetAddress(0x52, 0x54, 0x00, 0x12, 0x34, 0x56)
    static let address = IPv4Wire.address(192, 168, 7, 2)

    static func stack(_ input: UnsafeRawBufferPointer) {
        var r = FuzzReader(input)
        var stack: IPv4Stack
        switch r.byte() % 4 {
        case 0: stack = IPv4Stack(mac: mac)
        case 1: stack = IPv4Stack(mac: mac, config: IPv4Config(address: address, netmask: 0xFFFF_FFFE))
        default: stack = IPv4Stack(mac: mac, config: IPv4Config(address: address, netmask: 0xFFFF_FF00, gateway: IPv4Wire.address(192, 168, 7, 1)))
        }
        _ = stack.bind(port: 34964)
        var nowMs: UInt64 = 0
        var frames: UInt32 = 0
        while !r.isAtEnd {
            let op = r.byte()
            switch op % 8 {
            case 0...3:
                let length = Int(r.uint16())
                let bytes = r.take(length)
                let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
                defer { frame.deallocate() }
                if bytes.count > 0 { frame.copyMemory(from: bytes) }
                if op & 0x10 != 0 && frame.count >= 6 {
                    (frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]) = mac.tuple
                }
                if op & 0x08 != 0 { fixChecksums(frame, destination: op & 0x20 != 0 ? stack.config.address : nil) }
                let room = op & 0x40 != 0 ? Int(r.byte()) : EthernetWire.maxFrame
                let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: room, alignment: 1)
                defer { reply.deallocate() }
                let before = stack.counters
                let input = stack.receive(frame: UnsafeRawBufferPointer(frame), reply: reply, nowMs: nowMs)
                frames &+= 1
                invariant(stack.counters.framesReceived == frames, "a frame not counted")
                switch input {
                case .reply(let n):
                    checkSent(UnsafeRawBufferPointer(reply), n, stack)
                case .datagram(let d):
                    invariant(d.payloadOffset >= 42 && d.payloadLength >= 0 && d.payloadOffset + d.payloadLength <= frame.count,
                              "payload \(d.payloadOffset)+\(d.payloadLength) outside a \(frame.count)-byte frame")
                    invariant(stack.isBound(port: d.destinationPort), "delivered to unbound port \(d.destinationPort)")
                    invariant(stack.counters.udpDelivered == before.udpDelivered &+ 1, "a delivery not counted")
                case .dropped(let reason):
                    invariant(stack.counters.dropped(reason) == before.dropped(reason) &+ 1, "drop \(reason) not counted")
                case .nothing:
                    break
                }
            case 4:
                let destination = r.uint32()
                let port = r.uint16()
                let payload = r.take(Int(r.uint16()) % 1600)
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: payload.count, alignment: 1)
                defer { copy.deallocate() }
                if payload.count > 0 { copy.copyMemory(from: payload) }
                let room = op & 0x40 != 0 ? Int(r.byte()) : EthernetWire.maxFrame
                let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: room, alignment: 1)
                defer { frame.deallocate() }
                switch stack.writeUDP(to: destination, sourcePort: 34964, destinationPort: port, payload: UnsafeRawBufferPointer(copy),
                                      into: frame, nowMs: nowMs) {
                case .frame(let n):
                    checkSent(UnsafeRawBufferPointer(frame), n, stack)
                    invariant(n >= 42 + payload.count, "a \(payload.count)-byte payload in a \(n)-byte frame")
                case .needsResolution(let n):
                    checkSent(UnsafeRawBufferPointer(frame), n, stack)
                case .awaitingResolution, .failed:
                    break
                }
            case 5:
                nowMs &+= UInt64(r.uint16()) * 10
            case 6:
                let a = r.uint32()
                let prefix = Int(r.byte() % 33)
                stack.configure(IPv4Config(address: a, netmask: IPv4Wire.netmask(prefixLength: prefix), gateway: r.uint32()), nowMs: nowMs)
            default:
                let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: EthernetWire.maxFrame, alignment: 1)
                defer { frame.deallocate() }
                let n = stack.poll(nowMs: nowMs, into: frame)
                if n > 0 { checkSent(UnsafeRawBufferPointer(frame), n, stack) }
                let port = r.uint16()
                if port % 2 == 0 { _ = stack.bind(port: port) } else { stack.unbind(port: port) }
            }
        }
    }

    /// A frame the stack wrote: within its buffer, padded, from our MAC, untagged ARP or IPv4 with every
    /// checksum right.
    static func checkSent(_ b: UnsafeRawBufferPointer, _ n: Int, _ stack: IPv4Stack) {
        invariant(n > 0 && n <= b.count, "a \(n)-byte frame in a \(b.count)-byte buffer")
        invariant(n >= min(EthernetWire.minFrame, b.count), "a \(n)-byte frame not padded")
        let frame = UnsafeRawBufferPointer(rebasing: b[0..<n])
        guard let eth = EthernetHeader.read(frame) else { return invariant(false, "no Ethernet header") }
        invariant(eth.source == stack.mac && eth.vlanTCI == nil, "wrong source or tagged")
        if eth.etherType == EthernetWire.typeARP {
            let arp = ARPPacket.read(frame, at: 14)
            invariant(arp != nil && arp!.senderMAC == stack.mac, "a malformed ARP packet")
            return
        }
        invariant(eth.etherType == EthernetWire.typeIPv4 && n >= 34, "neither ARP nor IPv4")
        invariant(frame[14] == 0x45, "an IPv4 header with options or another version")
        let total = Int(frame[16]) << 8 | Int(frame[17])
        invariant(total >= 28 && 14 + total <= n, "total length \(total) outside the frame")
        invariant(InternetChecksum.of(UnsafeRawBufferPointer(rebasing: frame[14..<34])) == 0, "IPv4 header checksum")
        invariant(frame[22] != 0, "TTL 0 sent")
        let payload = UnsafeRawBufferPointer(rebasing: frame[34..<(14 + total)])
        switch frame[23] {
        case IPv4Wire.protocolICMP:
            invariant(InternetChecksum.of(payload) == 0, "ICMP checksum")
        case IPv4Wire.protocolUDP:
            invariant(Int(payload[4]) << 8 | Int(payload[5]) == payload.count, "UDP length")
            invariant(payload[6] != 0 || payload[7] != 0, "UDP checksum left out")
            var sum = InternetChecksum()
            sum.add(UnsafeRawBufferPointer(rebasing: frame[26..<34]))
            sum.add(word: 17)
            sum.add(word: UInt16(payload.count))
            sum.add(payload)
            invariant(sum.value == 0, "UDP checksum")
        default:
            invariant(false, "IP protocol \(frame[23]) sent")
        }
    }

    /// Recomputes the IPv4 header checksum (after setting the destination when given) and the ICMP or UDP
    /// checksum of a received frame, as far as its lengths allow.
    static func fixChecksums(_ f: UnsafeMutableRawBufferPointer, destination: IPv4Address?) {
        let view = UnsafeRawBufferPointer(f)
        guard let eth = EthernetHeader.read(view), eth.etherType == EthernetWire.typeIPv4 else { return }
        let ip = eth.payloadOffset
        guard f.count - ip >= 20 else { return }
        let ihl = Int(f[ip] & 0x0F) * 4
        guard ihl >= 20, ip + ihl <= f.count else { return }
        func set16(_ at: Int, _ v: UInt16) { f[at] = UInt8(v >> 8); f[at + 1] = UInt8(v & 0xFF) }
        if let d = destination {
            set16(ip + 16, UInt16(d >> 16))
            set16(ip + 18, UInt16(d & 0xFFFF))
        }
        set16(ip + 10, 0)
        set16(ip + 10, InternetChecksum.of(UnsafeRawBufferPointer(rebasing: view[ip..<(ip + ihl)])))
        let total = min(Int(f[ip + 2]) << 8 | Int(f[ip + 3]), f.count - ip)
        guard total > ihl else { return }
        let p = ip + ihl
        let length = total - ihl
        switch f[ip + 9] {
        case IPv4Wire.protocolICMP where length >= 4:
            set16(p + 2, 0)
            set16(p + 2, InternetChecksum.of(UnsafeRawBufferPointer(rebasing: view[p..<(p + length)])))
        case IPv4Wire.protocolUDP where length >= 8:
            let udp = min(Int(f[p + 4]) << 8 | Int(f[p + 5]), length)
            guard udp >= 8 else { return }
            set16(p + 6, 0)
            var sum = InternetChecksum()
            sum.add(UnsafeRawBufferPointer(rebasing: view[(ip + 12)..<(ip + 20)]))
            sum.add(word: 17)
            sum.add(word: UInt16(Int(f[p + 4]) << 8 | Int(f[p + 5])))
            sum.add(UnsafeRawBufferPointer(rebasing: view[p..<(p + udp)]))
            let c = sum.value
            set16(p + 6, c == 0 ? 0xFFFF : c)
        default:
            break
        }
    }
}
