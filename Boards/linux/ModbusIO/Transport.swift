// Blocking transports for a Modbus client (TCP connection, serial RTU line) and the RTU server's line.
// They move whole frames: TCP frames are delimited by the MBAP length field, RTU frames by a silence of
// 3.5 character times (Modbus over serial line, 2.5.1.1).

import CModbusIO
import Fieldbus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Microseconds of silence that end an RTU frame at `baud` with `bitsPerCharacter` (start, 8 data,
/// parity or second stop, stop = 11): 3.5 characters, fixed at 1750 µs above 19200 baud as the spec says.
public func rtuFrameGapMicroseconds(baud: Int, bitsPerCharacter: Int = 11) -> Int {
    if baud > 19200 { return 1750 }
    return (35 * bitsPerCharacter * 1_000_000 + 10 * baud - 1) / (10 * baud)
}

/// Writes all of `adu` to `fd`, waiting for room when the descriptor is non-blocking.
func writeAll(_ fd: Int32, _ adu: [UInt8]) throws(ModbusIOError) {
    let code = adu.withUnsafeBytes { writeAll(fd, $0) }
    if code != 0 { throw .system(operation: "write", errno: code) }
}

/// Writes all of `bytes`; 0 or the errno that stopped it.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            if errno == EAGAIN {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 1000)
                continue
            }
            return errno
        }
        offset += n
    }
    return 0
}

/// Waits until `fd` is readable or `deadline` (monotonic µs) passes; false on timeout.
func waitReadable(_ fd: Int32, until deadline: Int64) -> Bool {
    while true {
        let left = deadline - orion_mb_now_us()
        if left <= 0 { return false }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&p, 1, Int32((left + 999) / 1000))
        if n > 0 { return true }
        if n < 0 && errno != EINTR { return false }
    }
}

/// A client's TCP connection to a Modbus server.
public final class ModbusTCPConnection {
    public let fd: Int32

    public init(host: String, port: Int, timeoutMilliseconds: Int = 3000) throws(ModbusIOError) {
        let r = orion_mb_tcp_connect(host, Int32(port), Int32(timeoutMilliseconds))
        if r < 0 { throw .from(r, "connect to \(host):\(port)") }
        fd = r
    }

    deinit { close(fd) }

    public func send(_ adu: [UInt8]) throws(ModbusIOError) {
        try writeAll(fd, adu)
    }

    /// Reads one MBAP frame (7-byte header and the length field's bytes after the unit id), at most 260
    /// bytes. Its protocol id is left for the caller to check (the frame is still delimited by its length);
    /// a length field outside 2...254 cannot delimit a frame and is `.malformed`.
    public func receiveFrame(timeoutMilliseconds: Int) throws(ModbusIOError) -> [UInt8] {
        let deadline = orion_mb_now_us() + Int64(timeoutMilliseconds) * 1000
        var frame = [UInt8]()
        var want = 7
        var chunk = [UInt8](repeating: 0, count: 300)
        while frame.count < want {
            guard waitReadable(fd, until: deadline) else { throw .timeout }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, want - frame.count) }
            if n == 0 { throw .closed }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .system(operation: "read", errno: errno)
            }
            frame += chunk[0..<n]
            if frame.count >= 6 && want == 7 {
                let length = Int(frame[4]) << 8 | Int(frame[5])
                guard (2...ModbusLimits.maxPDU + 1).contains(length) else {
                    throw .malformed("the MBAP length field is \(length), outside 2...254, so the stream cannot be followed")
                }
                want = 6 + length
            }
        }
        return frame
    }
}

/// A serial line (tty or pty) in raw mode carrying RTU frames.
public final class ModbusSerialLine {
    public let fd: Int32
    public let baud: Int
    /// Silence that ends a frame, in microseconds (3.5 characters; at least 2 ms, poll's resolution
    /// being a millisecond and a pty delivering a frame in pieces now and then).
    public let gapMicroseconds: Int

    public init(path: String, baud: Int, parity: Character, stopBits: Int) throws(ModbusIOError) {
        let p = parity.asciiValue.map { CChar(bitPattern: $0) } ?? 0
        let r = orion_mb_serial_open(path, Int32(baud), p, Int32(stopBits))
        if r == -EINVAL { throw .badSetting("unsupported serial setting: \(baud) baud, parity \(parity), \(stopBits) stop bits") }
        if r < 0 { throw .from(r, "open \(path)") }
        fd = r
        self.baud = baud
        let bits = 1 + 8 + (parity == "N" ? 0 : 1) + stopBits
        gapMicroseconds = max(rtuFrameGapMicroseconds(baud: baud, bitsPerCharacter: max(bits, 11)), 2000)
    }

    deinit { close(fd) }

    public func send(_ adu: [UInt8]) throws(ModbusIOError) {
        try writeAll(fd, adu)
    }

    /// Bytes `receiveFrame` takes without a gap before it returns (and at most what `drain` discards).
    public static let maxBurst = 4096

    /// Discards what is waiting on the line, at most `maxBurst` bytes (a line that never pauses cannot
    /// hold the caller here).
    public func drain() {
        var chunk = [UInt8](repeating: 0, count: 256)
        var discarded = 0
        while discarded < Self.maxBurst {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 256) }
            if n <= 0 { return }
            discarded += n
        }
    }

    /// Reads one frame: waits up to `timeoutMilliseconds` for its first byte, then takes bytes until the
    /// line is silent for the frame gap. Nil when nothing arrived. At most 257 bytes are kept: a longer
    /// burst comes back as 257 bytes, one more than an RTU ADU's maximum, so the caller rejects it as too
    /// long. A burst without any gap is cut after `maxBurst` bytes, so a peer that never pauses cannot keep
    /// the caller from its loop (and from noticing a stop request); the rest is read as the next frames.
    public func receiveFrame(timeoutMilliseconds: Int) throws(ModbusIOError) -> [UInt8]? {
        guard waitReadable(fd, until: orion_mb_now_us() + Int64(timeoutMilliseconds) * 1000) else { return nil }
        var frame = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 256)
        var burst = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 256) }
            if n > 0 {
                if frame.count < 257 { frame += chunk[0..<min(n, 257 - frame.count)] }
                burst += n
                if burst >= Self.maxBurst { return frame }
                continue
            }
            if n < 0 && errno != EAGAIN && errno != EINTR {
                if errno == EIO { throw .closed }  // pty whose other side closed
                throw .system(operation: "read", errno: errno)
            }
            if n == 0 && frame.isEmpty {  // readable but empty: a hang-up; let the caller poll again
                usleep(UInt32(gapMicroseconds))
                return nil
            }
            if !waitReadable(fd, until: orion_mb_now_us() + Int64(gapMicroseconds)) { return frame }
        }
    }
}
