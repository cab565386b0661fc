// The master's datagram exchange over a link (a Linux raw socket, a board's NIC): one frame out, the frame back
// with the working counter, matched by the datagram index; lost and late frames counted. Fixed buffers inside:
// nothing allocates, so the same code runs in `orion ecat` and in a board task.

/// A link that carries EtherCAT frames: the Linux raw socket, a board's NIC driver, a test double.
public protocol EtherCATLink {
    /// The source MAC address frames go out with.
    var macAddress: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) { get }
    /// Sends a frame (Ethernet header included, no FCS).
    mutating func send(_ frame: UnsafeRawBufferPointer) throws(EtherCATLinkError)
    /// Receives one frame into `buffer` until `deadlineNs` (the link's clock): its length, or 0 at the deadline.
    mutating func receive(into buffer: UnsafeMutableRawBufferPointer, deadlineNs: UInt64) throws(EtherCATLinkError) -> Int
    /// The link's clock in nanoseconds (monotonic).
    func nowNs() -> UInt64
}

/// Why a link failed.
public enum EtherCATLinkError: Error, Sendable, Equatable {
    /// The link is down (no carrier, interface down).
    case linkDown
    /// Any other failure of the link, with the system's error number (0 when there is none).
    case failed(code: Int32)
}

/// Why an exchange failed.
public enum EtherCATError: Error, Sendable, Equatable {
    case link(EtherCATLinkError)
    /// No frame with the datagram's index came back before the timeout, after every retry.
    case noResponse
    /// The data does not fit one datagram.
    case tooLong(Int)
    /// The working counter is not what the operation needs.
    case workingCounter(expected: UInt16, got: UInt16)
    /// A slave's SII interface reported an error or stayed busy.
    case sii(address: UInt16, status: UInt16)
    /// A slave did not reach a requested state: its AL status and AL status code.
    case state(station: UInt16, requested: EtherCATState, status: EtherCATALStatus, code: EtherCATALStatusCode)
    /// An SII image that does not parse.
    case siiImage(EtherCATSIIError)
}

/// Counters of the exchange (lost frames are frames sent without a matching reply in time).
public struct EtherCATCounters: Sendable, Equatable {
    public var framesSent: UInt64 = 0
    public var framesReceived: UInt64 = 0
    /// Frames sent whose reply did not come back in time.
    public var framesLost: UInt64 = 0
    /// Frames received that were not the reply waited for (an old index, another master's): dropped.
    public var framesUnmatched: UInt64 = 0
    /// Frames received that did not parse (truncated, wrong lengths, unknown commands): dropped.
    public var framesMalformed: UInt64 = 0
    public init() {}
}

/// The master's end of the wire: exchanges single datagrams with a timeout and retries, in two frame buffers
/// the caller provides (static storage on a board, allocated once on Linux).
public struct EtherCATMaster<Link: EtherCATLink> {
    public var link: Link
    /// How long to wait for a frame to come back.
    public var timeoutNs: UInt64
    /// Sends of one datagram before `noResponse`.
    public var attempts: Int
    public private(set) var counters = EtherCATCounters()
    private var index: UInt8 = 0
    private let tx: UnsafeMutableRawBufferPointer
    private let rx: UnsafeMutableRawBufferPointer

    /// A master on `link` with `tx` (≥ 1514 bytes) and `rx` (≥ 1514 bytes) as its frame buffers.
    public init(link: Link, tx: UnsafeMutableRawBufferPointer, rx: UnsafeMutableRawBufferPointer,
                timeoutNs: UInt64 = 100_000_000, attempts: Int = 3) {
        precondition(tx.count >= EtherCATWire.maxFrame && rx.count >= EtherCATWire.maxFrame)
        self.link = link
        self.tx = tx
        self.rx = rx
        self.timeoutNs = timeoutNs
        self.attempts = max(1, attempts)
    }

    /// Sends one datagram of `command` at `address` and returns its working counter; `data` goes out (zeros for
    /// a read of `data.count` bytes are the caller's) and comes back in place.
    // @implements SWR-ECAT-MATCH-1
    public mutating func exchange(_ command: EtherCATCommand, address: UInt32, data: UnsafeMutableRawBufferPointer)
        throws(EtherCATError) -> UInt16 {
        try exchangeFrame(command, address: address, data: data, second: nil).0
    }

    /// Two datagrams in one frame (the process data and the reference clock's time, as every cycle with
    /// distributed clocks sends them): both go out, both come back in place; returns both working counters.
    // @implements SWR-ECAT-MATCH-1
    public mutating func exchange(_ command: EtherCATCommand, address: UInt32, data: UnsafeMutableRawBufferPointer,
                                  and second: EtherCATCommand, address secondAddress: UInt32, data secondData: UnsafeMutableRawBufferPointer)
        throws(EtherCATError) -> (UInt16, UInt16) {
        try exchangeFrame(command, address: address, data: data, second: (second, secondAddress, secondData))
    }

    mutating func exchangeFrame(_ command: EtherCATCommand, address: UInt32, data: UnsafeMutableRawBufferPointer,
                                second: (EtherCATCommand, UInt32, UnsafeMutableRawBufferPointer)?) throws(EtherCATError) -> (UInt16, UInt16) {
        guard data.count <= EtherCATWire.maxDatagramData else { throw .tooLong(data.count) }
        var attempt = 0
        while attempt < attempts {
            attempt += 1
            index &+= 1
            var writer = EtherCATFrameWriter(buffer: tx, source: link.macAddress)
            guard let at = writer.append(command, index: index, address: address, length: data.count) else {
                throw .tooLong(data.count)
            }
            if data.count > 0 { UnsafeMutableRawBufferPointer(rebasing: tx[at..<(at + data.count)]).copyMemory(from: UnsafeRawBufferPointer(data)) }
            if let (c2, a2, d2) = second {
                guard let at2 = writer.append(c2, index: index, address: a2, length: d2.count) else { throw .tooLong(data.count + d2.count) }
                if d2.count > 0 { UnsafeMutableRawBufferPointer(rebasing: tx[at2..<(at2 + d2.count)]).copyMemory(from: UnsafeRawBufferPointer(d2)) }
            }
            let length = writer.finish()
            do {
                try link.send(UnsafeRawBufferPointer(rebasing: tx[0..<length]))
            } catch {
                throw .link(error)
            }
            counters.framesSent &+= 1
            if let wkc = try awaitReply(index: index, command: command, into: data, second: second.map { ($0.0, $0.2) }) { return wkc }
            counters.framesLost &+= 1
        }
        throw .noResponse
    }

    /// Waits for the frame carrying datagram `index` back; copies its data into `data` and returns its working
    /// counter, nil at the timeout. Other frames are counted and dropped.
    // @implements SWR-ECAT-MATCH-1
    private mutating func awaitReply(index: UInt8, command: EtherCATCommand, into data: UnsafeMutableRawBufferPointer,
                                     second: (EtherCATCommand, UnsafeMutableRawBufferPointer)?) throws(EtherCATError) -> (UInt16, UInt16)? {
        let deadline = link.nowNs() &+ timeoutNs
        while true {
            let n: Int
            do {
                n = try link.receive(into: rx, deadlineNs: deadline)
            } catch {
                throw .link(error)
            }
            if n <= 0 { return nil }
            counters.framesReceived &+= 1
            let frame = UnsafeRawBufferPointer(rebasing: rx[0..<min(n, rx.count)])
            let reader: EtherCATFrameReader
            do {
                reader = try EtherCATFrameReader(frame: frame)
            } catch {
                counters.framesMalformed &+= 1
                continue
            }
            var datagrams = reader
            let datagram: EtherCATDatagram?
            do {
                datagram = try datagrams.next()
            } catch {
                counters.framesMalformed &+= 1
                continue
            }
            guard let datagram else {
                counters.framesMalformed &+= 1
                continue
            }
            // The rest of the frame must be well-formed too (a more-datagrams bit with nothing after it, a cut
            // second datagram): otherwise the frame is malformed, whatever its first datagram says.
            var whole = true
            var next: EtherCATDatagram? = nil
            do {
                next = try datagrams.next()
                if next != nil { while try datagrams.next() != nil {} }
            } catch {
                whole = false
            }
            guard whole else {
                counters.framesMalformed &+= 1
                continue
            }
            guard datagram.index == index, datagram.command == command, datagram.length == data.count else {
                counters.framesUnmatched &+= 1
                continue
            }
            var secondWKC: UInt16 = 0
            if let (c2, d2) = second {
                guard let n2 = next, n2.command == c2, n2.length == d2.count else {
                    counters.framesUnmatched &+= 1
                    continue
                }
                if d2.count > 0 { d2.copyMemory(from: UnsafeRawBufferPointer(rebasing: frame[n2.dataOffset..<(n2.dataOffset + d2.count)])) }
                secondWKC = n2.workingCounter
            }
            if data.count > 0 {
                data.copyMemory(from: UnsafeRawBufferPointer(rebasing: frame[datagram.dataOffset..<(datagram.dataOffset + data.count)]))
            }
            return (datagram.workingCounter, secondWKC)
        }
    }

    // MARK: Register access

    /// Reads `count` (≤ 8) bytes of a register little-endian: from the slave at `position` (APRD), at station
    /// `station` (FPRD), or ORed over all slaves (BRD). Returns the value and the working counter.
    public mutating func read(_ command: EtherCATCommand, adp: UInt16, ado: UInt16, count: Int) throws(EtherCATError) -> (UInt64, UInt16) {
        var value: UInt64 = 0
        let n = min(max(count, 0), 8)
        let wkc = try withUnsafeMutableBytes(of: &value) { (raw) throws(EtherCATError) -> UInt16 in
            try exchange(command, address: EtherCATDatagram.physical(adp: adp, ado: ado),
                         data: UnsafeMutableRawBufferPointer(rebasing: raw[0..<n]))
        }
        return (UInt64(littleEndian: value), wkc)
    }

    /// Writes the low `count` (≤ 8) bytes of `value` little-endian to a register; returns the working counter.
    public mutating func write(_ command: EtherCATCommand, adp: UInt16, ado: UInt16, value: UInt64, count: Int) throws(EtherCATError) -> UInt16 {
        var v = value.littleEndian
        let n = min(max(count, 0), 8)
        return try withUnsafeMutableBytes(of: &v) { (raw) throws(EtherCATError) -> UInt16 in
            try exchange(command, address: EtherCATDatagram.physical(adp: adp, ado: ado),
                         data: UnsafeMutableRawBufferPointer(rebasing: raw[0..<n]))
        }
    }

    /// Writes a register at station `station` and requires the slave's working counter (1).
    public mutating func writeStation(_ station: UInt16, _ register: UInt16, _ value: UInt64, count: Int) throws(EtherCATError) {
        let wkc = try write(.fpwr, adp: station, ado: register, value: value, count: count)
        guard wkc == 1 else { throw .workingCounter(expected: 1, got: wkc) }
    }

    /// Reads a register at station `station`, requiring the slave's working counter (1).
    public mutating func readStation(_ station: UInt16, _ register: UInt16, count: Int) throws(EtherCATError) -> UInt64 {
        let (value, wkc) = try read(.fprd, adp: station, ado: register, count: count)
        guard wkc == 1 else { throw .workingCounter(expected: 1, got: wkc) }
        return value
    }

    // MARK: Bus scan

    /// The number of slaves on the segment: the working counter of a broadcast read (each slave adds 1).
    public mutating func countSlaves() throws(EtherCATError) -> Int {
        Int(try read(.brd, adp: 0, ado: EtherCATRegister.type, count: 2).1)
    }

    /// Gives the slave at `position` the station address `station` (APWR of register 0x0010).
    public mutating func assignStation(position: Int, station: UInt16) throws(EtherCATError) {
        let wkc = try write(.apwr, adp: EtherCATDatagram.autoIncrement(position: position), ado: EtherCATRegister.stationAddress,
                            value: UInt64(station), count: 2)
        guard wkc == 1 else { throw .workingCounter(expected: 1, got: wkc) }
    }

    // MARK: SII

    /// Reads the SII words from `wordAddress` through the slave's EEPROM interface into `into` (4 or 8 bytes a
    /// read, as the slave offers): takes the EEPROM for EtherCAT, issues read commands and waits out the busy
    /// flag (bounded by the timeout); returns the bytes read.
    public mutating func readSII(station: UInt16, wordAddress: Int, into buffer: UnsafeMutableRawBufferPointer) throws(EtherCATError) -> Int {
        try writeStation(station, EtherCATRegister.siiConfig, 0, count: 1)  // the EEPROM belongs to EtherCAT
        var done = 0
        var word = wordAddress
        while done < buffer.count {
            // Control: read command (bit 8) with the word address in 0x0504.
            try writeStation(station, EtherCATRegister.siiControl, 0x0100 | UInt64(word & 0xFFFF) << 16, count: 6)
            let status = try awaitSII(station: station)
            let chunk = status & 0x0040 != 0 ? 8 : 4
            let value = try readStation(station, EtherCATRegister.siiData, count: chunk)
            var i = 0
            while i < chunk && done < buffer.count {
                buffer[done] = UInt8(truncatingIfNeeded: value >> UInt64(8 * i))
                done += 1
                i += 1
            }
            word += chunk / 2
        }
        return done
    }

    /// Waits until the SII interface is not busy; its status word. Throws on an error bit or a timeout.
    private mutating func awaitSII(station: UInt16) throws(EtherCATError) -> UInt16 {
        let deadline = link.nowNs() &+ timeoutNs
        while true {
            let status = UInt16(truncatingIfNeeded: try readStation(station, EtherCATRegister.siiControl, count: 2))
            if status & 0x8000 == 0 {
                // Checksum error (11), device info error (12), command error (13), write error (14).
                if status & 0x7800 != 0 { throw .sii(address: station, status: status) }
                return status
            }
            if link.nowNs() > deadline { throw .sii(address: station, status: status) }
        }
    }

    // MARK: State machine

    /// Requests `state` from the slave at `station` and waits (bounded by `timeoutNs`) until it is there; a
    /// slave that sets the error flag is acknowledged (its error flag cleared) and reported with its code.
    // @implements SWR-ECAT-STATE-1
    public mutating func requestState(station: UInt16, _ state: EtherCATState, timeoutNs wait: UInt64) throws(EtherCATError) {
        try writeStation(station, EtherCATRegister.alControl, UInt64(state.rawValue), count: 2)
        let deadline = link.nowNs() &+ wait
        while true {
            let status = EtherCATALStatus(raw: UInt16(truncatingIfNeeded: try readStation(station, EtherCATRegister.alStatus, count: 2)))
            if status.error {
                let code = EtherCATALStatusCode(UInt16(truncatingIfNeeded: try readStation(station, EtherCATRegister.alStatusCode, count: 2)))
                // Acknowledge: request the state the slave is in with the acknowledge bit (0x10).
                _ = try? writeStation(station, EtherCATRegister.alControl, UInt64(status.raw & 0x0F) | 0x10, count: 2)
                throw .state(station: station, requested: state, status: status, code: code)
            }
            if status.state == state { return }
            if link.nowNs() > deadline {
                let code = EtherCATALStatusCode(UInt16(truncatingIfNeeded: (try? readStation(station, EtherCATRegister.alStatusCode, count: 2)) ?? 0))
                throw .state(station: station, requested: state, status: status, code: code)
            }
        }
    }
}
