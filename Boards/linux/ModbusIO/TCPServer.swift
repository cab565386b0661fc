// Modbus TCP server loops for Linux: one or more threads, each polling (poll(2)) its own non-blocking
// connections, with two fixed 260-byte buffers per connection; all of them accept from one listener and
// share one connection cap. A connection that sends half a frame, stops reading its replies or disconnects
// only holds its own slot until the idle timeout; at the cap the longest-idle connection makes room for a
// new one, so idle sockets cannot lock out a client that has work to do.

import CModbusIO
import Fieldbus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the loops counted, for `orion modbus serve` to print.
public struct ModbusTCPServerCounters: Sendable, Equatable {
    public var connectionsAccepted = 0
    /// Connections closed at once: no slot was free (evicted connections not yet closed by their loop).
    public var connectionsRefused = 0
    /// Connections closed to make room for a new one at the cap (the longest idle each time).
    public var connectionsEvicted = 0
    /// Connections closed after the idle timeout without a byte received or sent.
    public var connectionsTimedOut = 0
    public var framesReceived = 0
    public var repliesSent = 0
    /// Headers that cannot delimit a frame (protocol id not 0, length outside 2...254): the connection
    /// is closed, as its stream can no longer be followed.
    public var badFrames = 0
    public init() {}

    mutating func add(_ o: ModbusTCPServerCounters) {
        connectionsAccepted += o.connectionsAccepted
        connectionsRefused += o.connectionsRefused
        connectionsEvicted += o.connectionsEvicted
        connectionsTimedOut += o.connectionsTimedOut
        framesReceived += o.framesReceived
        repliesSent += o.repliesSent
        badFrames += o.badFrames
    }
}

public final class ModbusTCPServer: @unchecked Sendable {
    /// A request ADU in, the reply ADU written into the second buffer; returns the reply's length (0: none).
    /// With more than one thread it is called from several threads, one call at a time per thread: the
    /// caller serialises what it shares.
    public typealias Handler = (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Int

    /// The event loops `run` accepts.
    public static let threadRange = 1...64
    /// The connection caps `init` accepts.
    public static let connectionRange = 1...10_000
    /// The idle timeouts `init` accepts, in milliseconds (0.1 s ... 1 day).
    public static let idleTimeoutRange = 100...86_400_000
    /// Bytes a connection holds in user space: a request buffer and a reply buffer of one TCP ADU each.
    /// A client that does not read its replies is not read from either (its requests wait in the kernel's
    /// socket buffers) until it times out.
    public static let bytesPerConnection = 2 * ModbusLimits.maxTCPADU

    struct Connection {
        var fd: Int32
        var slot: Int
        var input: UnsafeMutableRawBufferPointer
        var output: UnsafeMutableRawBufferPointer
        var filled = 0
        var sent = 0
        var pending = 0
        /// Bytes read and written so far: a change is traffic.
        var traffic = 0
        /// When a byte last came in or went out (monotonic µs).
        var lastActiveUs: Int64
    }

    public let listener: Int32
    public let port: Int
    public let maxConnections: Int
    public let idleTimeoutMilliseconds: Int
    /// What every loop counted, summed when `run` returns.
    public private(set) var counters = ModbusTCPServerCounters()

    /// Listens on `host:port` (empty host: all addresses, port 0: any free port, see `port`). At most
    /// `maxConnections` (`connectionRange`) are served at once over all loops; one without traffic for
    /// `idleTimeoutMilliseconds` (`idleTimeoutRange`) is closed. Out-of-range values are clamped: the
    /// command line checks them first.
    public init(host: String, port: Int, maxConnections: Int = 1000, idleTimeoutMilliseconds: Int = 60_000) throws(ModbusIOError) {
        let fd = orion_mb_tcp_listen(host, Int32(port), 1024)
        if fd < 0 { throw .from(fd, "listen on \(host.isEmpty ? "*" : host):\(port)") }
        listener = fd
        self.port = Int(orion_mb_local_port(fd))
        self.maxConnections = min(max(maxConnections, Self.connectionRange.lowerBound), Self.connectionRange.upperBound)
        self.idleTimeoutMilliseconds = min(max(idleTimeoutMilliseconds, Self.idleTimeoutRange.lowerBound),
                                           Self.idleTimeoutRange.upperBound)
    }

    deinit { close(listener) }

    /// Serves on `threads` event loops (this thread and `threads - 1` more, clamped to `threadRange`) until
    /// `shouldStop` returns true (checked at least every 200 ms by each). Each loop accepts from the shared
    /// listener and serves the connections it accepted; the cap is counted over all of them.
    public func run(threads: Int = 1, shouldStop: @escaping @Sendable () -> Bool, handle: @escaping Handler) {
        let count = min(max(threads, Self.threadRange.lowerBound), Self.threadRange.upperBound)
        let results = UnsafeMutablePointer<ModbusTCPServerCounters>.allocate(capacity: count)
        results.initialize(repeating: ModbusTCPServerCounters(), count: count)
        defer { results.deallocate() }
        let registry = Registry(maxConnections: maxConnections)
        let box = LoopStart(server: self, registry: registry, shouldStop: shouldStop, handle: handle, results: results)
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
        for i in 0..<count { total.add(results[i]) }
        total.connectionsEvicted = registry.evictions
        counters = total
    }

    /// The connections of every loop, as far as the cap and eviction need them: a slot per connection with
    /// its descriptor and last activity, under one mutex. A loop takes a slot when it accepts and gives it
    /// back before it closes the descriptor, so an evicting loop only ever shuts down (never closes) a
    /// descriptor that is still open; the owning loop then sees the hang-up and closes it.
    final class Registry: @unchecked Sendable {
        let mutex: UnsafeMutablePointer<pthread_mutex_t>
        let maxConnections: Int
        /// Twice the cap: room for connections evicted but not yet closed by their loop.
        let slots: Int
        let fds: UnsafeMutablePointer<Int32>
        let lastActiveUs: UnsafeMutablePointer<Int64>
        let evicted: UnsafeMutablePointer<Bool>
        /// Connections held and not evicted.
        var open = 0
        var evictions = 0

        init(maxConnections: Int) {
            self.maxConnections = maxConnections
            slots = 2 * maxConnections
            mutex = .allocate(capacity: 1)
            pthread_mutex_init(mutex, nil)
            fds = .allocate(capacity: slots)
            fds.initialize(repeating: -1, count: slots)
            lastActiveUs = .allocate(capacity: slots)
            lastActiveUs.initialize(repeating: 0, count: slots)
            evicted = .allocate(capacity: slots)
            evicted.initialize(repeating: false, count: slots)
        }

        deinit {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
            fds.deallocate()
            lastActiveUs.deallocate()
            evicted.deallocate()
        }

        /// A slot for `fd`, or nil when none is free. At the cap the longest-idle connection is shut down
        /// first (its loop closes it).
        func admit(_ fd: Int32, nowUs: Int64) -> Int? {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            guard let free = (0..<slots).first(where: { fds[$0] < 0 }) else { return nil }
            if open >= maxConnections {
                var oldest = -1
                for i in 0..<slots where fds[i] >= 0 && !evicted[i] {
                    if oldest < 0 || lastActiveUs[i] < lastActiveUs[oldest] { oldest = i }
                }
                guard oldest >= 0 else { return nil }
                shutdown(fds[oldest], Int32(SHUT_RDWR))
                evicted[oldest] = true
                open -= 1
                evictions += 1
            }
            fds[free] = fd
            lastActiveUs[free] = nowUs
            evicted[free] = false
            open += 1
            return free
        }

        /// Records traffic on `slot`.
        func touch(_ slot: Int, nowUs: Int64) {
            pthread_mutex_lock(mutex)
            lastActiveUs[slot] = nowUs
            pthread_mutex_unlock(mutex)
        }

        /// Gives `slot` back; the caller closes the descriptor afterwards.
        func release(_ slot: Int) {
            pthread_mutex_lock(mutex)
            if !evicted[slot] { open -= 1 }
            fds[slot] = -1
            evicted[slot] = false
            pthread_mutex_unlock(mutex)
        }
    }

    /// What a loop needs to start: shared by the threads, each writing only its own `results` slot.
    final class LoopStart: @unchecked Sendable {
        let server: ModbusTCPServer
        let registry: Registry
        let shouldStop: @Sendable () -> Bool
        let handle: Handler
        let results: UnsafeMutablePointer<ModbusTCPServerCounters>

        init(server: ModbusTCPServer, registry: Registry, shouldStop: @escaping @Sendable () -> Bool, handle: @escaping Handler,
             results: UnsafeMutablePointer<ModbusTCPServerCounters>) {
            self.server = server
            self.registry = registry
            self.shouldStop = shouldStop
            self.handle = handle
            self.results = results
        }

        func runLoop(index: Int) {
            var loop = Loop(listener: server.listener, registry: registry,
                            idleTimeoutUs: Int64(server.idleTimeoutMilliseconds) * 1000)
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
        let registry: Registry
        let idleTimeoutUs: Int64
        var counters = ModbusTCPServerCounters()
        var connections: [Connection] = []
        /// Buffers of closed connections, reused by the next ones: no allocation per connection once warm.
        var spare: [UnsafeMutableRawBufferPointer] = []
        /// After accept failed for want of descriptors: the listener is left alone until then (µs).
        var acceptPausedUntilUs: Int64 = 0

        init(listener: Int32, registry: Registry, idleTimeoutUs: Int64) {
            self.listener = listener
            self.registry = registry
            self.idleTimeoutUs = idleTimeoutUs
            connections.reserveCapacity(min(registry.maxConnections, 4096))
        }

        mutating func closeAll() {
            for c in connections {
                registry.release(c.slot)
                close(c.fd)
                c.input.deallocate()
                c.output.deallocate()
            }
            connections.removeAll()
            for b in spare { b.deallocate() }
            spare.removeAll()
        }

        mutating func closeConnection(at i: Int) {
            let c = connections.remove(at: i)
            registry.release(c.slot)
            close(c.fd)
            spare.append(c.input)
            spare.append(c.output)
        }

        mutating func run(shouldStop: () -> Bool, handle: Handler) {
            var fds = [pollfd]()
            while !shouldStop() {
                var now = orion_mb_now_us()
                // Idle connections go first: they may be what keeps a new client out.
                for i in connections.indices.reversed() where now - connections[i].lastActiveUs >= idleTimeoutUs {
                    counters.connectionsTimedOut += 1
                    closeConnection(at: i)
                }
                var waitMs: Int64 = 200
                if let oldest = connections.map(\.lastActiveUs).min() {
                    waitMs = max(1, min(waitMs, (oldest + idleTimeoutUs - now + 999) / 1000))
                }
                let listening = now >= acceptPausedUntilUs
                fds.removeAll(keepingCapacity: true)
                fds.append(pollfd(fd: listening ? listener : -1, events: Int16(POLLIN), revents: 0))
                for c in connections {
                    // While its reply is not out, a connection is not read from: its peer must read first.
                    fds.append(pollfd(fd: c.fd, events: Int16(c.pending > 0 ? POLLOUT : POLLIN), revents: 0))
                }
                let n = poll(&fds, nfds_t(fds.count), Int32(waitMs))
                if n <= 0 { continue }
                now = orion_mb_now_us()
                var closing = [Int]()
                var tally = counters
                for i in 1..<fds.count where fds[i].revents != 0 {
                    let before = connections[i - 1].traffic
                    let keep = Loop.service(&connections[i - 1], &tally, revents: fds[i].revents, handle: handle)
                    let c = connections[i - 1]
                    if c.traffic != before {
                        connections[i - 1].lastActiveUs = now
                        registry.touch(c.slot, nowUs: now)
                    }
                    if !keep { closing.append(i - 1) }
                }
                counters = tally
                for i in closing.reversed() { closeConnection(at: i) }
                if fds[0].revents & Int16(POLLIN) != 0 { acceptSome(nowUs: now) }
            }
        }

        mutating func buffer() -> UnsafeMutableRawBufferPointer {
            spare.popLast() ?? .allocate(byteCount: ModbusLimits.maxTCPADU, alignment: 8)
        }

        /// Takes up to 16 of what the listener has (the other loops get the rest); another loop may have
        /// taken it first (EAGAIN), which is fine. Out of descriptors, the listener rests for 100 ms instead
        /// of waking this loop again at once.
        mutating func acceptSome(nowUs: Int64) {
            for _ in 0..<16 {
                let fd = orion_mb_tcp_accept(listener)
                if fd < 0 {
                    if fd != -EAGAIN && fd != -EWOULDBLOCK && fd != -EINTR && fd != -ECONNABORTED {
                        acceptPausedUntilUs = nowUs + 100_000
                    }
                    return
                }
                guard let slot = registry.admit(fd, nowUs: nowUs) else {
                    counters.connectionsRefused += 1
                    close(fd)
                    continue
                }
                counters.connectionsAccepted += 1
                connections.append(Connection(fd: fd, slot: slot, input: buffer(), output: buffer(), lastActiveUs: nowUs))
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
                c.traffic &+= n
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
                c.traffic &+= n
            }
            c.pending = 0
            c.sent = 0
            return true
        }
    }
}
