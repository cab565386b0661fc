// Fuzz targets of the CAN stack: cansend/candump text, the ISO-TP receiver and the SJA1000 receive path.

import CANTool
import Fieldbus

enum FuzzCAN {
    /// cansend syntax: a frame that parses formats back to text that parses to the same frame.
    static func frameSyntax(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        guard let frame = try? CANFrameSyntax.parse(text) else { return }
        let again = CANFrameSyntax.format(frame)
        guard let reparsed = try? CANFrameSyntax.parse(again) else {
            invariant(false, "formatted frame \(again) of \(text.debugDescription) does not parse")
            return
        }
        invariant(same(frame, reparsed), "round trip changed \(text.debugDescription) into \(again)")
    }

    /// candump's interface-and-filters arguments; what parses is then used to format log and plain lines.
    static func dumpArguments(_ input: UnsafeRawBufferPointer) {
        var reader = FuzzReader(input)
        let selector = reader.byte()
        let text = String(decoding: reader.rest(), as: UTF8.self)
        guard let target = try? CANDumpTarget.parse(text) else { return }
        invariant(!target.interface.isEmpty, "empty interface accepted in \(text.debugDescription)")
        var frame = CANFrame()
        frame.id = UInt32(selector) << 3
        var formatter = CANDumpFormatter(timestampMode: CANTimestampMode.allCases[Int(selector) % CANTimestampMode.allCases.count],
                                         logFormat: selector & 1 != 0, explainErrors: selector & 2 != 0, nameWidth: Int(selector & 7))
        _ = formatter.line(frame, interface: target.interface, timestampNanoseconds: Int64(selector) * 1_000_003)
    }

    /// candump -L lines: a line that parses is written again by candump's log formatter and parses back to
    /// the same interface, time and frame.
    static func logLine(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        guard let parsed = try? CANLogLine.parse(text) else { return }
        // 12 digits of seconds fit in microseconds, not always in the formatter's nanoseconds.
        guard parsed.timestampMicroseconds <= Int64.max / 1000 else { return }
        var formatter = CANDumpFormatter(timestampMode: .none, logFormat: true)
        let line = formatter.line(parsed.frame, interface: parsed.interface,
                                  timestampNanoseconds: parsed.timestampMicroseconds * 1000)
        guard let again = try? CANLogLine.parse(line.hasSuffix("\n") ? String(line.dropLast()) : line) else {
            invariant(false, "candump's own line \(line.debugDescription) for \(text.debugDescription) does not parse")
            return
        }
        invariant(again.interface == parsed.interface && again.timestampMicroseconds == parsed.timestampMicroseconds
                  && same(again.frame, parsed.frame), "round trip changed \(text.debugDescription) into \(line.debugDescription)")
    }

    /// A stream of frames (id choice, flags, length, data) and clock steps into one receiver with a
    /// 4095-byte buffer; its counters stay within the message it announced and the buffer it has.
    static func isotpReceiver(_ input: UnsafeRawBufferPointer) {
        var reader = FuzzReader(input)
        let mode = reader.byte()
        let fd = mode & 1 != 0
        let config = ISOTPConfig(txId: 0x7E8, rxId: 0x7E0, fd: fd, blockSize: mode >> 4, stMin: mode & 0x0E,
                                 maxWaitFrames: 4, nCrNs: 50_000_000)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4095, alignment: 8)
        defer { buffer.deallocate() }
        var receiver = ISOTPReceiver(config: config, buffer: buffer)
        var link = CountingLink()
        var now: UInt64 = 0
        var frames = 0
        while !reader.isAtEnd && frames < 2000 {
            frames += 1
            let control = reader.byte()
            now &+= UInt64(reader.byte()) * 1_000_000
            if control & 0x80 != 0 {
                _ = receiver.tick(nowNs: now, link: &link)
                continue
            }
            let id: UInt32 = control & 0x40 != 0 ? 0x123 : 0x7E0
            let length = Int(reader.byte()) % (fd ? 65 : 9)
            let payload = reader.take(length)
            var bytes = [UInt8](payload)
            if fd && !CANDLC.isFDLength(bytes.count) { bytes += [UInt8](repeating: 0, count: CANDLC.paddedLength(bytes.count) - bytes.count) }
            guard !bytes.isEmpty, let frame = bytes.withUnsafeBufferPointer({ try? CANFrame(id: id, fd: fd, data: $0) }) else { continue }
            let events = receiver.receive(frame, nowNs: now, link: &link)
            if let length = events.receivedLength {
                invariant(length <= buffer.count, "message of \(length) bytes in a \(buffer.count)-byte buffer")
                invariant(receiver.message?.count == length, "message length disagrees with the event")
            }
            invariant(receiver.receivedCount <= max(receiver.expectedLength, 64), "received \(receiver.receivedCount) of \(receiver.expectedLength)")
        }
        invariant(link.sent <= frames, "more flow control frames than frames in")
    }

    /// The controller's interrupt service over registers whose every read comes from the input: it must
    /// stop (at most 64 frames per call), count what it drops and never trap on a register image.
    static func sja1000(_ input: UnsafeRawBufferPointer) {
        let registers = ScriptedSJA1000(input)
        var controller = SJA1000Controller(registers: registers)
        var calls = 0
        while !registers.exhausted && calls < 256 {
            calls += 1
            controller.service()
            while let frame = controller.receive() {
                invariant(Int(frame.length) <= 8, "a classic controller produced a \(frame.length)-byte frame")
            }
            if registers.peek() & 1 != 0 {
                var frame = CANFrame()
                frame.id = UInt32(calls)
                _ = controller.send(frame)
            }
        }
        let s = controller.statistics
        invariant(s.framesReceived + s.receiveQueueDrops <= calls * 64, "more frames than the service bound allows")
    }

    static func same(_ a: CANFrame, _ b: CANFrame) -> Bool {
        guard a.id == b.id, a.isExtended == b.isExtended, a.isRemote == b.isRemote, a.isError == b.isError,
              a.isFD == b.isFD, a.bitRateSwitch == b.bitRateSwitch, a.errorStateIndicator == b.errorStateIndicator,
              a.length == b.length else { return false }
        if a.isRemote { return true }
        for i in 0..<Int(a.length) where a.data[i] != b.data[i] { return false }
        return true
    }
}

/// A link that accepts every frame and counts them.
struct CountingLink: CANFrameLink {
    var sent = 0
    mutating func send(_ frame: inout CANFrame) -> Bool {
        sent += 1
        return true
    }
}

/// An SJA1000 whose register reads are the input's bytes in order (0 once they run out); writes are ignored.
final class ScriptedSJA1000: SJA1000Registers {
    let bytes: [UInt8]
    var position = 0

    init(_ input: UnsafeRawBufferPointer) { bytes = [UInt8](input) }

    var exhausted: Bool { position >= bytes.count }

    func peek() -> UInt8 { position < bytes.count ? bytes[position] : 0 }

    func read(_ register: Int) -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    func write(_ register: Int, _ value: UInt8) {}
}
