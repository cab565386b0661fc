// NXP SJA1000 stand-alone CAN controller in PeliCAN mode: register map, frame encoding, bus timing, and a
// controller with bounded receive and transmit queues of the portable `CANFrame`. No allocation; the
// registers are a protocol so encoding and queueing run on the host in tests.

import Kernel
import KernelSupport

/// Byte-wide access to the controller's 32 registers.
public protocol SJA1000Registers {
    func read(_ register: Int) -> UInt8
    func write(_ register: Int, _ value: UInt8)
}

/// Registers at `base + register` (a PCI I/O BAR as the CPU sees it through the bridge's I/O window,
/// or any memory-mapped SJA1000).
public struct SJA1000MMIO: SJA1000Registers {
    public let base: UInt

    public init(base: UInt) { self.base = base }

    public func read(_ register: Int) -> UInt8 { orion_mmio_read8(base + UInt(register)) }

    public func write(_ register: Int, _ value: UInt8) {
        orion_mmio_write8(base + UInt(register), value)
        orion_mmio_barrier()
    }
}

/// PeliCAN register offsets and bits (SJA1000 data sheet, section 6.4).
public enum SJA1000 {
    public static let mode = 0
    public static let command = 1
    public static let status = 2
    public static let interrupt = 3
    public static let interruptEnable = 4
    public static let busTiming0 = 6
    public static let busTiming1 = 7
    public static let outputControl = 8
    public static let arbitrationLostCapture = 11
    public static let errorCodeCapture = 12
    public static let errorWarningLimit = 13
    public static let rxErrorCounter = 14
    public static let txErrorCounter = 15
    /// Frame information, then identifier and data (operating mode); ACR0..3 / AMR0..3 in reset mode.
    public static let frameBuffer = 16
    public static let acceptanceCode0 = 16
    public static let acceptanceMask0 = 20
    public static let rxMessageCounter = 29
    public static let clockDivider = 31

    // MOD
    public static let modeReset: UInt8 = 0x01
    public static let modeListenOnly: UInt8 = 0x02
    public static let modeSelfTest: UInt8 = 0x04
    public static let modeSingleFilter: UInt8 = 0x08
    // CMR
    public static let commandTransmit: UInt8 = 0x01
    public static let commandAbort: UInt8 = 0x02
    public static let commandReleaseReceiveBuffer: UInt8 = 0x04
    public static let commandClearOverrun: UInt8 = 0x08
    public static let commandSelfReception: UInt8 = 0x10
    // SR
    public static let statusReceiveBuffer: UInt8 = 0x01
    public static let statusDataOverrun: UInt8 = 0x02
    public static let statusTransmitBufferFree: UInt8 = 0x04
    public static let statusTransmitComplete: UInt8 = 0x08
    public static let statusError: UInt8 = 0x40
    public static let statusBusOff: UInt8 = 0x80
    // IR / IER
    public static let interruptReceive: UInt8 = 0x01
    public static let interruptTransmit: UInt8 = 0x02
    public static let interruptErrorWarning: UInt8 = 0x04
    public static let interruptDataOverrun: UInt8 = 0x08
    public static let interruptErrorPassive: UInt8 = 0x20
    public static let interruptArbitrationLost: UInt8 = 0x40
    public static let interruptBusError: UInt8 = 0x80
    // CDR
    public static let clockPeliCAN: UInt8 = 0x80
    public static let clockComparatorBypass: UInt8 = 0x40
    public static let clockOff: UInt8 = 0x08
    // OCR: normal output mode, TX0 and TX1 push-pull.
    public static let outputNormalPushPull: UInt8 = 0xDA
    // Frame information byte
    public static let frameExtended: UInt8 = 0x80
    public static let frameRemote: UInt8 = 0x40

    /// The interrupts the driver enables: receive, transmit, error warning, data overrun, bus error.
    public static let enabledInterrupts: UInt8 = interruptReceive | interruptTransmit | interruptErrorWarning
        | interruptDataOverrun | interruptBusError
}

/// BTR0/BTR1. The time quantum is `2 × prescaler / f_osc` (the crystal); a bit is `1 + tseg1 + tseg2` quanta.
public struct SJA1000BusTiming: Equatable, Sendable {
    public var btr0: UInt8
    public var btr1: UInt8

    public init(btr0: UInt8, btr1: UInt8) {
        self.btr0 = btr0
        self.btr1 = btr1
    }

    /// Encodes prescaler 1...64, tseg1 1...16, tseg2 1...8, sjw 1...4 (nil outside the controller's limits).
    public init?(prescaler: Int, tseg1: Int, tseg2: Int, sjw: Int, tripleSampling: Bool = false) {
        guard (1...64).contains(prescaler), (1...16).contains(tseg1), (1...8).contains(tseg2),
              (1...4).contains(sjw) else { return nil }
        btr0 = UInt8((sjw - 1) << 6 | (prescaler - 1))
        btr1 = UInt8((tripleSampling ? 0x80 : 0) | (tseg2 - 1) << 4 | (tseg1 - 1))
    }

    public var prescaler: Int { Int(btr0 & 0x3F) + 1 }
    public var sjw: Int { Int(btr0 >> 6) + 1 }
    public var tseg1: Int { Int(btr1 & 0x0F) + 1 }
    public var tseg2: Int { Int((btr1 >> 4) & 0x07) + 1 }
    public var quantaPerBit: Int { 1 + tseg1 + tseg2 }

    /// The bitrate this timing gives with a crystal of `oscillatorHz` (the CAN clock is half of it).
    public func bitrate(oscillatorHz: UInt64) -> UInt64 {
        oscillatorHz / (2 * UInt64(prescaler) * UInt64(quantaPerBit))
    }

    /// Sample point in per mille of the bit.
    public var samplePointPerMille: Int { (1 + tseg1) * 1000 / quantaPerBit }

    /// 500 kbit/s, 87.5 % sample point with the 16 MHz crystal of Kvaser PCIcan cards (8 MHz CAN clock):
    /// prescaler 1 (125 ns quanta), 16 quanta per bit, SJW 1 — BTR0 0x00, BTR1 0x1C.
    public static let kvaser500k = SJA1000BusTiming(btr0: 0x00, btr1: 0x1C)
}

/// Frame ↔ transmit/receive buffer bytes (registers 16...28).
public enum SJA1000FrameCodec {
    /// Buffer bytes of a frame (frame information, 2 or 4 identifier bytes, up to 8 data bytes).
    public static let maximumBytes = 13

    /// Encodes a classic data or remote frame; returns how many bytes to write, nil for FD or error frames.
    public static func encode(_ frame: CANFrame, into buffer: inout InlineArray<13, UInt8>) -> Int? {
        guard !frame.isFD, !frame.isError, frame.length <= 8 else { return nil }
        var info = frame.length & 0x0F
        if frame.isExtended { info |= SJA1000.frameExtended }
        if frame.isRemote { info |= SJA1000.frameRemote }
        buffer[0] = info
        var next: Int
        if frame.isExtended {
            let shifted = (frame.id & CANFrame.extendedMask) << 3
            buffer[1] = UInt8(truncatingIfNeeded: shifted >> 24)
            buffer[2] = UInt8(truncatingIfNeeded: shifted >> 16)
            buffer[3] = UInt8(truncatingIfNeeded: shifted >> 8)
            buffer[4] = UInt8(truncatingIfNeeded: shifted)
            next = 5
        } else {
            let shifted = (frame.id & CANFrame.standardMask) << 5
            buffer[1] = UInt8(truncatingIfNeeded: shifted >> 8)
            buffer[2] = UInt8(truncatingIfNeeded: shifted)
            next = 3
        }
        if !frame.isRemote {
            var i = 0
            while i < Int(frame.length) {
                buffer[next] = frame.data[i]
                next += 1
                i += 1
            }
        }
        return next
    }

    /// Decodes receive buffer bytes (a DLC above 8 means 8 bytes, as on the bus).
    public static func decode(_ buffer: InlineArray<13, UInt8>) -> CANFrame {
        let info = buffer[0]
        var frame = CANFrame()
        let length = Int(min(info & 0x0F, 8))
        frame.isExtended = info & SJA1000.frameExtended != 0
        frame.isRemote = info & SJA1000.frameRemote != 0
        var next: Int
        if frame.isExtended {
            let raw = UInt32(buffer[1]) << 24 | UInt32(buffer[2]) << 16 | UInt32(buffer[3]) << 8 | UInt32(buffer[4])
            frame.id = raw >> 3
            next = 5
        } else {
            frame.id = (UInt32(buffer[1]) << 3) | UInt32(buffer[2] >> 5)
            next = 3
        }
        if !frame.isRemote {
            var i = 0
            while i < length {
                frame.data[i] = buffer[next]
                next += 1
                i += 1
            }
        }
        try? frame.setLength(length)
        return frame
    }
}

/// A bounded first-in first-out queue of frames; a push into a full queue fails (the caller counts the drop).
public struct CANFrameQueue: Sendable {
    public static let capacity = 16
    var slots = InlineArray<16, CANFrame>(repeating: CANFrame())
    var head = 0
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == CANFrameQueue.capacity }

    @discardableResult
    public mutating func push(_ frame: CANFrame) -> Bool {
        guard count < CANFrameQueue.capacity else { return false }
        slots[(head + count) % CANFrameQueue.capacity] = frame
        count += 1
        return true
    }

    public mutating func pop() -> CANFrame? {
        guard count > 0 else { return nil }
        let frame = slots[head]
        head = (head + 1) % CANFrameQueue.capacity
        count -= 1
        return frame
    }

    /// The oldest frame, left in the queue.
    public var first: CANFrame? { count > 0 ? slots[head] : nil }
}

/// What a controller counted since it was started.
public struct SJA1000Statistics: Equatable, Sendable {
    public var framesReceived = 0
    public var framesSent = 0
    /// Received frames lost because the receive queue was full.
    public var receiveQueueDrops = 0
    /// `send` calls refused because the transmit queue was full.
    public var transmitQueueDrops = 0
    /// Frames the controller itself lost (data overrun interrupts).
    public var overruns = 0
    public var busErrors = 0
    public var errorWarnings = 0
    /// Times `service` found an interrupt flag set.
    public var interrupts = 0

    public init() {}
}

/// An SJA1000 in PeliCAN mode: `service` does what the interrupt handler does (drain the receive FIFO into
/// the receive queue, feed the transmit buffer from the transmit queue, count errors); call it from the
/// interrupt or, polled, from the task that owns the controller.
public struct SJA1000Controller<Registers: SJA1000Registers> {
    public let registers: Registers
    public var receiveQueue = CANFrameQueue()
    public var transmitQueue = CANFrameQueue()
    public var statistics = SJA1000Statistics()
    /// A frame is in the transmit buffer and not yet reported sent.
    public private(set) var transmitting = false

    public init(registers: Registers) { self.registers = registers }

    /// Enters reset mode (waiting until the controller confirms it); false if it never does.
    public func enterReset() -> Bool {
        var tries = 0
        while tries < 100 {
            registers.write(SJA1000.mode, SJA1000.modeReset)
            if registers.read(SJA1000.mode) & SJA1000.modeReset != 0 { return true }
            tries += 1
        }
        return false
    }

    /// Resets and configures the controller (PeliCAN, accept everything, `timing`, push-pull outputs, the
    /// driver's interrupts) and starts it; false when it does not answer like an SJA1000.
    public mutating func start(timing: SJA1000BusTiming, clockDivider: UInt8 = SJA1000.clockPeliCAN | SJA1000.clockComparatorBypass | SJA1000.clockOff,
                               outputControl: UInt8 = SJA1000.outputNormalPushPull) -> Bool {
        guard enterReset() else { return false }
        registers.write(SJA1000.clockDivider, clockDivider)
        guard registers.read(SJA1000.clockDivider) & SJA1000.clockPeliCAN != 0 else { return false }
        registers.write(SJA1000.interruptEnable, 0)
        // Acceptance masks all ones: every identifier passes.
        var i = 0
        while i < 4 {
            registers.write(SJA1000.acceptanceCode0 + i, 0x00)
            registers.write(SJA1000.acceptanceMask0 + i, 0xFF)
            i += 1
        }
        registers.write(SJA1000.busTiming0, timing.btr0)
        registers.write(SJA1000.busTiming1, timing.btr1)
        registers.write(SJA1000.outputControl, outputControl)
        registers.write(SJA1000.errorWarningLimit, 96)
        registers.write(SJA1000.rxErrorCounter, 0)
        registers.write(SJA1000.txErrorCounter, 0)
        _ = registers.read(SJA1000.errorCodeCapture)
        _ = registers.read(SJA1000.interrupt)
        registers.write(SJA1000.interruptEnable, SJA1000.enabledInterrupts)
        receiveQueue = CANFrameQueue()
        transmitQueue = CANFrameQueue()
        statistics = SJA1000Statistics()
        transmitting = false
        // Leave reset mode, and check the controller took it. Dual filter mode: with all-ones masks both
        // filters pass everything, and QEMU's single-filter emulation (7.2) drops standard frames.
        var tries = 0
        while tries < 100 {
            registers.write(SJA1000.mode, 0)
            if registers.read(SJA1000.mode) & SJA1000.modeReset == 0 { return true }
            tries += 1
        }
        return false
    }

    /// Stops the controller (reset mode, interrupts off).
    public func stop() {
        registers.write(SJA1000.interruptEnable, 0)
        _ = enterReset()
    }

    /// Queues `frame` for sending and starts the transmitter when idle; false (and counted) when the queue
    /// is full or the frame is not classic CAN.
    @discardableResult
    public mutating func send(_ frame: CANFrame) -> Bool {
        guard !frame.isFD, !frame.isError, transmitQueue.push(frame) else {
            statistics.transmitQueueDrops += 1
            return false
        }
        startTransmitter()
        return true
    }

    /// The oldest received frame.
    public mutating func receive() -> CANFrame? { receiveQueue.pop() }

    /// Handles the controller's pending events; returns the interrupt flags it read.
    @discardableResult
    public mutating func service() -> UInt8 {
        let flags = registers.read(SJA1000.interrupt)  // reading clears all flags but RI
        if flags != 0 { statistics.interrupts += 1 }
        var status = registers.read(SJA1000.status)
        var bound = 0
        while status & SJA1000.statusReceiveBuffer != 0 && bound < 64 {
            var buffer = InlineArray<13, UInt8>(repeating: 0)
            var i = 0
            while i < SJA1000FrameCodec.maximumBytes {
                buffer[i] = registers.read(SJA1000.frameBuffer + i)
                i += 1
            }
            registers.write(SJA1000.command, SJA1000.commandReleaseReceiveBuffer)
            if receiveQueue.push(SJA1000FrameCodec.decode(buffer)) {
                statistics.framesReceived += 1
            } else {
                statistics.receiveQueueDrops += 1
            }
            status = registers.read(SJA1000.status)
            bound += 1
        }
        if flags & SJA1000.interruptDataOverrun != 0 || status & SJA1000.statusDataOverrun != 0 {
            statistics.overruns += 1
            registers.write(SJA1000.command, SJA1000.commandClearOverrun)
        }
        if flags & SJA1000.interruptBusError != 0 {
            statistics.busErrors += 1
            _ = registers.read(SJA1000.errorCodeCapture)  // re-arms the capture
        }
        if flags & SJA1000.interruptErrorWarning != 0 { statistics.errorWarnings += 1 }
        if flags & SJA1000.interruptArbitrationLost != 0 { _ = registers.read(SJA1000.arbitrationLostCapture) }
        if transmitting && status & SJA1000.statusTransmitBufferFree != 0 {
            transmitting = false
            if status & SJA1000.statusTransmitComplete != 0 { statistics.framesSent += 1 }
        }
        startTransmitter()
        return flags
    }

    /// Loads the next queued frame into the transmit buffer when it is free.
    mutating func startTransmitter() {
        guard !transmitting, let frame = transmitQueue.first else { return }
        guard registers.read(SJA1000.status) & SJA1000.statusTransmitBufferFree != 0 else { return }
        var buffer = InlineArray<13, UInt8>(repeating: 0)
        guard let count = SJA1000FrameCodec.encode(frame, into: &buffer) else {
            _ = transmitQueue.pop()
            return
        }
        var i = 0
        while i < count {
            registers.write(SJA1000.frameBuffer + i, buffer[i])
            i += 1
        }
        _ = transmitQueue.pop()
        transmitting = true
        registers.write(SJA1000.command, SJA1000.commandTransmit)
    }

    /// The controller's status register.
    public var status: UInt8 { registers.read(SJA1000.status) }
    /// Receive and transmit error counters.
    public var errorCounters: (receive: UInt8, transmit: UInt8) {
        (registers.read(SJA1000.rxErrorCounter), registers.read(SJA1000.txErrorCounter))
    }
}
