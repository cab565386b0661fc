// Modbus TCP server loops for Linux: one or more threads, each polling (poll(2)) its own non-blocking
// connections, with two fixed 260-byte buffers per connection; all of them accept from one listener. A
// connection that sends half a frame, stops reading its replies or disconnects only holds its own slot;
// the others keep being served.

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

public final class ModbusTCPServer: @unchecked Sendable {
    /// A request ADU in, the reply ADU written into the second buffer; returns the reply's length (0: none).
    /// With more than one thread it is called from several threads, one call at a time per thread: the
    /// caller serialises what it shares.
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
    /// What every loop counted, summed when `run` returns.
    public private(set) var counters = ModbusTCPServerCounters()

    /// Listens on `host:port` (empty host: all addresses, port 0: any free port, see `port`).
    public init(host: String, port: Int, maxConnections: Int = 1000) throws(ModbusIOError) {
        let fd = orion_mb_tcp_listen(host, Int32(port), 1024)
        if fd < 0 { throw .from(fd, "listen on \(host.isEmpty ? "*" : host):\(port)") }
        listener = fd
        self.port = Int(orion_mb_local_port(fd))
        self.maxConnections = maxConnections
    }

    deinit { close(listener) }

    /// Serves on `threads` event loops (this thread and `threads - 1` more) until `shouldStop` returns true
    /// (checked at least every 200 ms by each). Each loop accepts from the shared listener and serves the
    /// connections it accepted; `maxConnections` is split between them.
    public func run(threads: Int = 1, shouldStop: @escaping @Sendable () -> Bool, handle: @escaping Handler) {
        let count = max(1, threads)
        let share = max(1, (maxConnections + count - 1) / count)
        let results = UnsafeMutablePointer<ModbusTCPServerCounters>.allocate(capacity: count)
        results.initialize(repeating: ModbusTCPServerCounters(), count: count)
        defer { results.deallocate() }
        let box = LoopStart(server: self, share: share, shouldStop: shouldStop, handle: handle, results: results)
        var others: [pthread_t] = []
        for index in 1..<count {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(LoopContext(start: box, index: index)).toOpaque()
            if pthread_create(&thread, nil, { raw in
                let context = Unmanaged<LoopContext>.fromOpaque(raw!).takeRetainedValue()
                context.start.runLoop(index: context.index)
                return nil
            }, context) == 0 {
                others.append(thread)
            } else {
                Unmanaged<LoopContext>.fromOpaque(context).release()
            }
        }
        box.runLoop(index: 0)
        for thread in others { pthread_join(thread, nil) }
        var total = ModbusTCPServerCounters()
        for i in 0..<count {
            total.connectionsAccepted += results[i].connectionsAccepted
            total.connectionsRefused += results[i].connectionsRefused
            total.framesReceived += results[i].framesReceived
            total.repliesSent += results[i].repliesSent
            total.badFrames += results[i].badFrames
        }
        counters = total
    }

    /// What a loop needs to start: shared by the threads, each writing only its own `results` slot.
    final class LoopStart: @unchecked Sendable {
        let server: ModbusTCPServer
        let share: Int
        let shouldStop: @Sendable () -> Bool
        let handle: Handler
        let results: UnsafeMutablePointer<ModbusTCPServerCounters>

        init(server: ModbusTCPServer, share: Int, shouldStop: @escaping @Sendable () -> Bool, handle: @escaping Handler,
             results: UnsafeMutablePointer<ModbusTCPServerCounters>) {
            self.server = server
            self.share = share
            self.shouldStop = shouldStop
            self.handle = handle
            self.results = results
        }

        func runLoop(index: Int) {
            var loop = Loop(listener: server.listener, maxConnections: share)
            loop.run(shouldStop: shouldStop, handle: handle)
            results[index] = loop.counters
            loop.closeAll()
        }
    }

    final class LoopContext {
        let start: LoopStart
        let index: Int
        init(start: LoopStart, index: Int) {
            self.start = start
            self.index = index
        }
    }

    /// One event loop: its connections, their buffers and its counters.
    struct Loop {
        let listener: Int32
        let maxConnections: Int
        var counters = ModbusTCPServerCounters()
        var connections: [Connection] = []
        /// Buffers of closed connections, reused by the next ones: no allocation per connection once warm.
        var spare: [UnsafeMutableRawBufferPointer] = []

        init(listener: Int32, maxConnections: Int) {
            self.listener = listener
            self.maxConnections = maxConnections
            connections.reserveCapacity(min(maxConnections, 4096))
        }

        mutating func closeAll() {
            for c in connections {
                close(c.fd)
                c.input.deallocate()
                c.output.deallocate()
            }
            connections.removeAll()
            for b in spare { b.deallocate() }
            spare.removeAll()
        }

        mutating func run(shouldStop: () -> Bool, handle: Handler) {
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
                var tally = counters
                for i in 1..<fds.count where fds[i].revents != 0 {
                    if !Loop.service(&connections[i - 1], &tally, revents: fds[i].revents, handle: handle) { closing.append(i - 1) }
                }
                counters = tally
                for i in closing.reversed() {
                    let c = connections.remove(at: i)
                    close(c.fd)
                    spare.append(c.input)
                    spare.append(c.output)
                }
                if fds[0].revents & Int16(POLLIN) != 0 { acceptAll() }
            }
        }

        mutating func buffer() -> UnsafeMutableRawBufferPointer {
            spare.popLast() ?? .allocate(byteCount: ModbusLimits.maxTCPADU, alignment: 8)
        }

        /// Takes what the listener has; another loop may have taken it first (EAGAIN), which is fine.
        mutating func acceptAll() {
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
        static func service(_ c: inout Connection, _ counters: inout ModbusTCPServerCounters, revents: Int16, handle: Handler) -> Bool {
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

        static func flush(_ c: inout Connection) -> Bool {
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
}
