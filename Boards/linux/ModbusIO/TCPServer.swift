// Modbus TCP server loop for Linux: one thread, poll(2) over non-blocking sockets, two fixed 260-byte
// buffers per connection. A connection that sends half a frame, stops reading its replies or
// disconnects only holds its own slot; the others keep being served.

import CModbusIO
import Fieldbus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the loop counted, for `orion modbus serve` to print.
public struct ModbusTCPServerCounters: Sendable, Equatable {
    public var connectionsAccepted = 0
    public var connectionsRefused = 0
    public var framesReceived = 0
    public var repliesSent = 0
    /// Headers that cannot delimit a frame (protocol id not 0, length outside 2...254): the connection
    /// is closed, as its stream can no longer be followed.
    public var badFrames = 0
    public init() {}
}

public final class ModbusTCPServer {
    /// A request ADU in, the reply ADU written into the second buffer; returns the reply's length (0: none).
    public typealias Handler = (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Int

    struct Connection {
        var fd: Int32
        var input: UnsafeMutableRawBufferPointer
        var output: UnsafeMutableRawBufferPointer
        var filled = 0
        var sent = 0
        var pending = 0
    }

    public let listener: Int32
    public let port: Int
    public let maxConnections: Int
    public private(set) var counters = ModbusTCPServerCounters()
    private var connections: [Connection] = []
    /// Buffers of closed connections, reused by the next ones: no allocation per connection once warm.
    private var spare: [UnsafeMutableRawBufferPointer] = []

    /// Listens on `host:port` (empty host: all addresses, port 0: any free port, see `port`).
    public init(host: String, port: Int, maxConnections: Int = 1000) throws(ModbusIOError) {
        let fd = orion_mb_tcp_listen(host, Int32(port), 1024)
        if fd < 0 { throw .from(fd, "listen on \(host.isEmpty ? "*" : host):\(port)") }
        listener = fd
        self.port = Int(orion_mb_local_port(fd))
        self.maxConnections = maxConnections
        connections.reserveCapacity(maxConnections)
    }

    deinit {
        for c in connections {
            close(c.fd)
            c.input.deallocate()
            c.output.deallocate()
        }
        for b in spare { b.deallocate() }
        close(listener)
    }

    public var openConnections: Int { connections.count }

    /// Serves until `shouldStop` returns true (checked at least every 200 ms).
    public func run(shouldStop: () -> Bool, handle: Handler) {
        var fds = [pollfd]()
        while !shouldStop() {
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
            for c in connections {
                // While its reply is not out, a connection is not read from: its peer must read first.
                fds.append(pollfd(fd: c.fd, events: Int16(c.pending > 0 ? POLLOUT : POLLIN), revents: 0))
            }
            let n = poll(&fds, nfds_t(fds.count), 200)
            if n <= 0 { continue }
            var closing = [Int]()
            for i in 1..<fds.count where fds[i].revents != 0 {
                if !service(&connections[i - 1], revents: fds[i].revents, handle: handle) { closing.append(i - 1) }
            }
            for i in closing.reversed() {
                let c = connections.remove(at: i)
                close(c.fd)
                spare.append(c.input)
                spare.append(c.output)
            }
            if fds[0].revents & Int16(POLLIN) != 0 { acceptAll() }
        }
    }

    private func buffer() -> UnsafeMutableRawBufferPointer {
        spare.popLast() ?? .allocate(byteCount: ModbusLimits.maxTCPADU, alignment: 8)
    }

    private func acceptAll() {
        while true {
            let fd = orion_mb_tcp_accept(listener)
            if fd < 0 { return }
            if connections.count >= maxConnections {
                counters.connectionsRefused += 1
                close(fd)
                continue
            }
            counters.connectionsAccepted += 1
            connections.append(Connection(fd: fd, input: buffer(), output: buffer()))
        }
    }

    /// Flushes, reads and answers one connection; false when it is to be closed.
    private func service(_ c: inout Connection, revents: Int16, handle: Handler) -> Bool {
        if revents & Int16(POLLERR | POLLNVAL) != 0 { return false }
        if c.pending > 0 {
            guard flush(&c) else { return false }
            if c.pending > 0 { return true }
        } else if revents & Int16(POLLIN | POLLHUP) != 0 {
            let n = read(c.fd, c.input.baseAddress! + c.filled, c.input.count - c.filled)
            if n == 0 { return false }
            if n < 0 { return errno == EAGAIN || errno == EINTR }
            c.filled += n
        }
        // Answer the complete frames in the buffer (a client may send several before reading).
        while c.pending == 0 && c.filled >= ModbusTCP.headerLength {
            let size: Int
            do {
                size = try ModbusTCP.frameLength(header: UnsafeRawBufferPointer(rebasing: c.input[0..<c.filled]))
            } catch {
                counters.badFrames += 1
                return false
            }
            if c.filled < size { break }
            counters.framesReceived += 1
            let replyLength = handle(UnsafeRawBufferPointer(rebasing: c.input[0..<size]), c.output)
            if c.filled > size {
                (c.input.baseAddress!).copyMemory(from: c.input.baseAddress! + size, byteCount: c.filled - size)
            }
            c.filled -= size
            if replyLength > 0 {
                c.pending = replyLength
                c.sent = 0
                counters.repliesSent += 1
                guard flush(&c) else { return false }
            }
        }
        return true
    }

    private func flush(_ c: inout Connection) -> Bool {
        while c.sent < c.pending {
            let n = write(c.fd, c.output.baseAddress! + c.sent, c.pending - c.sent)
            if n < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN
            }
            c.sent += n
        }
        c.pending = 0
        c.sent = 0
        return true
    }
}
