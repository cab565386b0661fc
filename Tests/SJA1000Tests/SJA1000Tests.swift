// The SJA1000 driver on the host: frame ↔ buffer encoding (PeliCAN layout), bus timing fields, the bounded
// queues, and the controller against a register-level model of the chip (reset mode, filters, RX FIFO,
// transmit buffer, interrupt flags).

import Testing
@testable import Fieldbus

/// A PeliCAN SJA1000 as far as the driver uses it.
final class ModelSJA1000: SJA1000Registers {
    var mode: UInt8 = 0x01
    var clock: UInt8 = 0
    var interruptEnable: UInt8 = 0
    var interruptFlags: UInt8 = 0
    var status: UInt8 = 0x0C  // transmit buffer free, transmission complete
    var codeMask = [UInt8](repeating: 0, count: 8)
    var timing: (UInt8, UInt8) = (0, 0)
    var output: UInt8 = 0
    var transmitBuffer = [UInt8](repeating: 0, count: 13)
    var receiveFIFO: [[UInt8]] = []
    var sent: [[UInt8]] = []
    /// When false, a transmit request leaves the buffer busy (as while arbitration is running).
    var completesImmediately = true
    var commands: [UInt8] = []

    func read(_ register: Int) -> UInt8 {
        switch register {
        case 0: return mode
        case 2: return status | (receiveFIFO.isEmpty ? 0 : 0x01)
        case 3:
            let flags = interruptFlags | (receiveFIFO.isEmpty ? 0 : 0x01)
            interruptFlags = 0
            return flags
        case 4: return interruptEnable
        case 6: return timing.0
        case 7: return timing.1
        case 16...28:
            if mode & 1 != 0 { return register < 24 ? codeMask[register - 16] : 0 }
            guard let frame = receiveFIFO.first else { return 0 }
            let i = register - 16
            return i < frame.count ? frame[i] : 0
        case 31: return clock
        default: return 0
        }
    }

    func write(_ register: Int, _ value: UInt8) {
        switch register {
        case 0: mode = value & 0x1F
        case 1:
            commands.append(value)
            if value & 0x04 != 0, !receiveFIFO.isEmpty { receiveFIFO.removeFirst() }
            if value & 0x01 != 0 {
                sent.append(transmitBuffer)
                if completesImmediately {
                    status |= 0x0C
                    interruptFlags |= 0x02
                } else {
                    status &= ~0x0C
                }
            }
        case 4: interruptEnable = value
        case 6: if mode & 1 != 0 { timing.0 = value }
        case 7: if mode & 1 != 0 { timing.1 = value }
        case 8: if mode & 1 != 0 { output = value }
        case 16...28:
            if mode & 1 != 0 {
                if register < 24 { codeMask[register - 16] = value }
            } else {
                transmitBuffer[register - 16] = value
            }
        case 31: if mode & 1 != 0 { clock = value }
        default: break
        }
    }

    func finishTransmission() {
        status |= 0x0C
        interruptFlags |= 0x02
    }
}

func frame(_ id: UInt32, extended: Bool = false, remote: Bool = false, _ bytes: [UInt8] = []) -> CANFrame {
    var f = CANFrame()
    f.id = id
    f.isExtended = extended
    f.isRemote = remote
    for (i, b) in bytes.enumerated() { f.data[i] = b }
    try? f.setLength(bytes.count)
    return f
}

func encoded(_ f: CANFrame) -> [UInt8]? {
    var buffer = InlineArray<13, UInt8>(repeating: 0)
    guard let count = SJA1000FrameCodec.encode(f, into: &buffer) else { return nil }
    return (0..<count).map { buffer[$0] }
}

func decoded(_ bytes: [UInt8]) -> CANFrame {
    var buffer = InlineArray<13, UInt8>(repeating: 0)
    for (i, b) in bytes.enumerated() { buffer[i] = b }
    return SJA1000FrameCodec.decode(buffer)
}

@Suite("SJA1000")
struct SJA1000Tests {
    @Test func standardFrameLayout() {
        // ID 0x7FF: ID.10..3 in byte 1, ID.2..0 in the top bits of byte 2; DLC in the frame information.
        #expect(encoded(frame(0x7FF, [1, 2, 3])) == [0x03, 0xFF, 0xE0, 1, 2, 3])
        #expect(encoded(frame(0x123)) == [0x00, 0x24, 0x60])
    }

    @Test func extendedFrameLayout() {
        // 29-bit ID shifted left by 3 over four bytes; FF bit in the frame information.
        #expect(encoded(frame(0x1ABC_DEF, extended: true, [0xAA])) == [0x81, 0x0D, 0x5E, 0x6F, 0x78, 0xAA])
        #expect(encoded(frame(0x1FFF_FFFF, extended: true)) == [0x80, 0xFF, 0xFF, 0xFF, 0xF8])
    }

    @Test func remoteFramesCarryTheirDLCButNoData() throws {
        let remote = try CANFrame.remote(id: 0x456, length: 4)
        #expect(encoded(remote) == [0x44, 0x8A, 0xC0])
        let back = decoded([0x44, 0x8A, 0xC0])
        #expect(back.isRemote && back.length == 4 && back.id == 0x456 && !back.isExtended)
    }

    @Test func fdAndErrorFramesAreRefused() throws {
        var fd = frame(0x10, [1])
        fd.isFD = true
        #expect(encoded(fd) == nil)
        var error = frame(0x10)
        error.isError = true
        #expect(encoded(error) == nil)
    }

    @Test(arguments: 0...8)
    func roundTripsEveryLength(_ length: Int) {
        let bytes = (0..<length).map { UInt8(0x30 + $0) }
        for f in [frame(0x5A5, bytes), frame(0x1234_5678, extended: true, bytes)] {
            let back = decoded(encoded(f)!)
            #expect(back.sameFrame(as: f))
        }
    }

    @Test func dlcAboveEightReadsAsEightBytes() {
        let f = decoded([0x0F, 0x00, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9])
        #expect(f.length == 8 && f.id == 1 && f.data[7] == 8)
    }

    @Test func busTimingFields() throws {
        let t = try #require(SJA1000BusTiming(prescaler: 1, tseg1: 13, tseg2: 2, sjw: 1))
        #expect(t == SJA1000BusTiming.kvaser500k)
        #expect(t.btr0 == 0x00 && t.btr1 == 0x1C)
        #expect(t.bitrate(oscillatorHz: 16_000_000) == 500_000)
        #expect(t.samplePointPerMille == 875)
        let slow = try #require(SJA1000BusTiming(prescaler: 4, tseg1: 13, tseg2: 2, sjw: 2, tripleSampling: true))
        #expect(slow.btr0 == 0x43 && slow.btr1 == 0x9C)
        #expect(slow.bitrate(oscillatorHz: 16_000_000) == 125_000)
        #expect(SJA1000BusTiming(prescaler: 65, tseg1: 13, tseg2: 2, sjw: 1) == nil)
        #expect(SJA1000BusTiming(prescaler: 1, tseg1: 17, tseg2: 2, sjw: 1) == nil)
    }

    @Test func queueIsBoundedAndFIFO() {
        var q = CANFrameQueue()
        for i in 0..<CANFrameQueue.capacity { let r1 = q.push(frame(UInt32(i))); #expect(r1) }
        #expect(q.isFull)
        let r2 = q.push(frame(0x7FF))
        #expect(!r2)
        for i in 0..<CANFrameQueue.capacity { let r3 = q.pop(); #expect(r3?.id == UInt32(i)) }
        let r4 = q.pop()
        #expect(r4 == nil)
        // Wraps around.
        for round in 0..<40 {
            q.push(frame(UInt32(round)))
            let r5 = q.pop()
            #expect(r5?.id == UInt32(round))
        }
    }

    @Test func startProgramsTheChip() {
        let chip = ModelSJA1000()
        var can = SJA1000Controller(registers: chip)
        let r6 = can.start(timing: .kvaser500k)
        #expect(r6)
        #expect(chip.clock & 0x80 != 0)  // PeliCAN
        #expect(chip.codeMask == [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(chip.timing.0 == 0x00 && chip.timing.1 == 0x1C)
        #expect(chip.output == SJA1000.outputNormalPushPull)
        #expect(chip.interruptEnable == 0x8F)  // RI, TI, EI, DOI, BEI
        #expect(chip.mode & 1 == 0)  // operating
    }

    @Test func startFailsWhenTheChipStaysInReset() {
        final class Stuck: SJA1000Registers {
            func read(_ register: Int) -> UInt8 { register == 31 ? 0x80 : 0x01 }
            func write(_ register: Int, _ value: UInt8) {}
        }
        var can = SJA1000Controller(registers: Stuck())
        let r7 = can.start(timing: .kvaser500k)
        #expect(!r7)
    }

    @Test func receiveDrainsTheFIFOAndReleasesEachFrame() {
        let chip = ModelSJA1000()
        var can = SJA1000Controller(registers: chip)
        let r8 = can.start(timing: .kvaser500k)
        #expect(r8)
        chip.receiveFIFO = [encoded(frame(0x100, [1]))!, encoded(frame(0x1FFF_0000, extended: true, [2, 3]))!]
        let flags = can.service()
        #expect(flags & SJA1000.interruptReceive != 0)
        #expect(chip.receiveFIFO.isEmpty)
        #expect(chip.commands.filter { $0 == SJA1000.commandReleaseReceiveBuffer }.count == 2)
        let r9 = can.receive()
        #expect(r9?.sameFrame(as: frame(0x100, [1])) == true)
        let r10 = can.receive()
        #expect(r10?.sameFrame(as: frame(0x1FFF_0000, extended: true, [2, 3])) == true)
        let r11 = can.receive()
        #expect(r11 == nil)
        #expect(can.statistics.framesReceived == 2)
    }

    @Test func fullReceiveQueueDropsAndCounts() {
        let chip = ModelSJA1000()
        var can = SJA1000Controller(registers: chip)
        let r12 = can.start(timing: .kvaser500k)
        #expect(r12)
        chip.receiveFIFO = (0..<(CANFrameQueue.capacity + 3)).map { encoded(frame(UInt32($0)))! }
        can.service()
        #expect(chip.receiveFIFO.isEmpty)  // the chip is always emptied, so it never overruns for this
        #expect(can.statistics.framesReceived == CANFrameQueue.capacity)
        #expect(can.statistics.receiveQueueDrops == 3)
        let oldest = can.receive()
        #expect(oldest?.id == 0)  // the oldest are kept
    }

    @Test func transmitQueueFeedsTheBufferOneFrameAtATime() {
        let chip = ModelSJA1000()
        chip.completesImmediately = false
        var can = SJA1000Controller(registers: chip)
        let r13 = can.start(timing: .kvaser500k)
        #expect(r13)
        let r14 = can.send(frame(0x1, [0xA]))
        #expect(r14)
        let r15 = can.send(frame(0x2, extended: true, [0xB]))
        #expect(r15)
        #expect(chip.sent.count == 1)  // the second waits for the buffer
        #expect(Array(chip.sent[0].prefix(4)) == encoded(frame(0x1, [0xA]))!)
        can.service()
        #expect(chip.sent.count == 1)  // still busy
        chip.finishTransmission()
        can.service()
        #expect(chip.sent.count == 2)
        #expect(Array(chip.sent[1].prefix(6)) == encoded(frame(0x2, extended: true, [0xB]))!)
        chip.finishTransmission()
        can.service()
        #expect(can.statistics.framesSent == 2)
        #expect(!can.transmitting && can.transmitQueue.isEmpty)
    }

    @Test func fullTransmitQueueRefusesAndCounts() {
        let chip = ModelSJA1000()
        chip.completesImmediately = false
        var can = SJA1000Controller(registers: chip)
        let r16 = can.start(timing: .kvaser500k)
        #expect(r16)
        // One frame goes into the chip's buffer, the queue holds `capacity` more.
        for i in 0...CANFrameQueue.capacity { let r17 = can.send(frame(UInt32(i))); #expect(r17) }
        let r18 = can.send(frame(0x7FF))
        #expect(!r18)
        #expect(can.statistics.transmitQueueDrops == 1)
        var fd = frame(0x1, [1])
        fd.isFD = true
        let r19 = can.send(fd)
        #expect(!r19)
    }

    @Test func overrunAndBusErrorsAreCountedAndCleared() {
        let chip = ModelSJA1000()
        var can = SJA1000Controller(registers: chip)
        let r20 = can.start(timing: .kvaser500k)
        #expect(r20)
        chip.interruptFlags = SJA1000.interruptDataOverrun | SJA1000.interruptBusError | SJA1000.interruptErrorWarning
        can.service()
        #expect(can.statistics.overruns == 1)
        #expect(can.statistics.busErrors == 1)
        #expect(can.statistics.errorWarnings == 1)
        #expect(chip.commands.contains(SJA1000.commandClearOverrun))
    }
}
