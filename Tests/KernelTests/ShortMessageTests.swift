// Short messages (`callShort`, `receiveShort`, `replyReceiveShort`): up to 32 bytes carried in registers both
// ways. Either side of a call may be short or use buffers; the bytes must arrive the same either way, cut to the
// receiver's capacity, with nothing past the message's length, and errors must never carry message words.

import Testing
@testable import Kernel

extension FastPathWorld {
    /// `serverWaiting`, with the server in a short receive.
    func shortServerWaiting() {
        #expect(k.start(nowNs: 0) == waiter)
        #expect(k.board(.wait, 1, now: 10).next == client)
        #expect(k.board(.sleepUntil, 1000, now: 20).next == other)
        #expect(k.board(.sleepUntil, 2000, now: 30).next == server)
        #expect(k.board(.receiveShort, 0, now: 40).next == nil)
        #expect(k.timerInterrupt(nowNs: 1000) == client)
    }

    /// The bytes of `words`, as a task reading its registers into a buffer sees them.
    func bytes(of words: MessageWords) -> [UInt8] {
        withUnsafeBytes(of: words) { Array($0) }
    }

    /// The pending result of `task`: (r0, r1, the message words if they go with it).
    func result(_ task: TaskID) -> (Int64, UInt64, MessageWords?)? {
        guard let (r0, r1, words) = k.takeResultAndWords(of: task) else { return nil }
        return (r0, r1, words ? k.tasks[task.index].shortWords : nil)
    }
}

/// A short message whose byte i is `first + i`.
func countingWords(from first: UInt8) -> MessageWords {
    var words = MessageWords()
    withUnsafeMutableBytes(of: &words) { raw in
        for i in 0..<raw.count { raw[i] = first &+ UInt8(i) }
    }
    return words
}

@Suite("Short messages in registers")
struct ShortMessageTests {
    @Test func prefixKeepsTheFirstBytesAndZeroesTheRest() {
        let all = countingWords(from: 1)
        for count in [0, 1, 7, 8, 9, 15, 16, 24, 31, 32, 33, 64] {
            let bytes = withUnsafeBytes(of: all.prefix(count)) { Array($0) }
            let kept = min(count, 32)
            #expect(Array(bytes[..<kept]) == (0..<kept).map { UInt8($0 + 1) }, "count \(count)")
            #expect(bytes[kept...].allSatisfy { $0 == 0 }, "count \(count)")
        }
        #expect(all.prefix(-1) == MessageWords())
    }

    /// Short client, short server: the message and the reply go register to register on the fast path, cut to
    /// their lengths.
    // @verifies SWR-KERN-IPC-1
    @Test func aShortCallToAShortServerTakesTheFastPathBothWays() throws {
        let w = try FastPathWorld()
        w.shortServerWaiting()
        let m = countingWords(from: 1)
        let call = w.k.board(.callShort, 0, 11, m.w0, m.w1, m.w2, m.w3, now: 1100)
        #expect(call.fast && call.next == w.server)
        let delivered = try #require(w.result(w.server))
        #expect(delivered.0 == 11 && delivered.1 == 7)
        #expect(w.bytes(of: try #require(delivered.2)) == Array(1...11) + Array(repeating: 0, count: 21))
        #expect(w.k.tasks[w.server.index].effectivePriority == Priority(20))  // inherited
        #expect(w.k.tasks[w.client.index].state == .blockedReply)

        let r = countingWords(from: 101)
        let answer = w.k.board(.replyReceiveShort, 32, 0, r.w0, r.w1, r.w2, r.w3, now: 1200)
        #expect(answer.fast && answer.next == w.client)
        let reply = try #require(w.result(w.client))
        #expect(reply.0 == 32 && reply.1 == 0 && reply.2 == r)
        #expect(w.k.tasks[w.server.index].state == .blockedReceive)
        #expect(w.k.tasks[w.server.index].effectivePriority == Priority(5))
        #expect(w.k.tasks[w.server.index].shortIPC)
    }

    /// A short client of a server that receives into a buffer: the general path copies the words into the
    /// buffer, and a reply from a buffer comes back in the client's registers (its first 32 bytes; the length is
    /// the whole reply's).
    // @verifies SWR-KERN-IPC-1
    @Test func aShortClientOfABufferServerGetsItsBytesAcrossBothWays() throws {
        let w = try FastPathWorld()
        w.serverWaiting()  // receive into the server's buffer at 0, capacity 64
        let m = countingWords(from: 1)
        let call = w.k.board(.callShort, 0, 20, m.w0, m.w1, m.w2, m.w3, now: 1100)
        #expect(!call.fast && call.next == w.server)
        let delivered = try #require(w.result(w.server))
        #expect(delivered.0 == 20 && delivered.1 == 7 && delivered.2 == nil)
        #expect(w.bytes(w.server, 0, 20) == Array(1...20))
        #expect(w.bytes(w.server, 20, 4) == [0, 0, 0, 0])  // nothing past the message

        w.fill(w.server, 200, (0..<40).map { UInt8(200 + $0) })
        let answer = w.k.board(.replyReceive, w.buffer(w.server, 200), 40, 0, w.buffer(w.server), 64, now: 1200)
        #expect(!answer.fast && answer.next == w.client)
        let reply = try #require(w.result(w.client))
        #expect(reply.0 == 40)
        #expect(w.bytes(of: try #require(reply.2)) == (0..<32).map { UInt8(200 + $0) })
    }

    /// A buffer client of a short server: the server gets the client's bytes in registers, and its short reply
    /// is written into the client's reply buffer, no further than the buffer's capacity.
    // @verifies SWR-KERN-IPC-1
    @Test func aBufferClientOfAShortServerGetsItsBytesAcrossBothWays() throws {
        let w = try FastPathWorld()
        w.shortServerWaiting()
        w.fill(w.client, 0, Array(1...48))
        w.fill(w.client, 512, Array(repeating: 0xEE, count: 32))
        let call = w.k.board(.call, 0, w.buffer(w.client), 48, w.buffer(w.client, 512), 16, now: 1100)
        #expect(!call.fast && call.next == w.server)
        let delivered = try #require(w.result(w.server))
        #expect(delivered.0 == 48)  // the whole message's length; its first 32 bytes in registers
        #expect(w.bytes(of: try #require(delivered.2)) == Array(1...32))

        let r = countingWords(from: 101)
        let answer = w.k.board(.replyReceiveShort, 24, 0, r.w0, r.w1, r.w2, r.w3, now: 1200)
        #expect(!answer.fast && answer.next == w.client)
        let reply = try #require(w.result(w.client))
        #expect(reply.0 == 24 && reply.2 == nil)
        #expect(w.bytes(w.client, 512, 16) == Array(101...116))  // capacity 16
        #expect(w.bytes(w.client, 528, 16) == Array(repeating: 0xEE, count: 16))
    }

    /// A short call that finds no server waiting queues with its words; a later short receive gets them.
    // @verifies SWR-KERN-IPC-1
    @Test func aQueuedShortCallKeepsItsMessageUntilTheServerReceives() throws {
        let w = try FastPathWorld()
        #expect(w.k.start(nowNs: 0) == w.waiter)
        #expect(w.k.board(.wait, 1, now: 10).next == w.client)
        let m = countingWords(from: 51)
        #expect(w.k.board(.callShort, 0, 32, m.w0, m.w1, m.w2, m.w3, now: 20).next == w.other)
        #expect(w.k.tasks[w.client.index].state == .blockedSend)
        #expect(w.k.board(.sleepUntil, 5000, now: 30).next == w.server)
        let receive = w.k.board(.receiveShort, 0, now: 40)
        #expect(receive.next == w.server)
        let delivered = try #require(w.result(w.server))
        #expect(delivered.0 == 32 && delivered.1 == 7 && delivered.2 == m)
        #expect(w.k.tasks[w.server.index].effectivePriority == Priority(20))
    }

    /// Lengths past 32 bytes are refused with nothing sent; errors carry no message words; the receive half of
    /// a refused replyReceiveShort does not happen.
    // @verifies SWR-KERN-IPC-1
    @Test func tooLongShortMessagesAreRefusedAndErrorsCarryNoWords() throws {
        let w = try FastPathWorld()
        w.shortServerWaiting()
        let tooLong = w.k.board(.callShort, 0, 33, 1, 2, 3, 4, now: 1100)
        #expect(!tooLong.fast && tooLong.next == w.client)
        let refused = try #require(w.result(w.client))
        #expect(refused.0 == -SyscallError.badLength.rawValue && refused.2 == nil)
        #expect(w.k.tasks[w.server.index].state == .blockedReceive)

        let wrongSlot = w.k.board(.callShort, 3, 8, 1, 2, 3, 4, now: 1110)
        #expect(!wrongSlot.fast)
        #expect(try #require(w.result(w.client)).0 == -SyscallError.invalidCapability.rawValue)

        #expect(w.k.board(.callShort, 0, 8, 1, 2, 3, 4, now: 1120).next == w.server)
        _ = w.result(w.server)
        let badReply = w.k.board(.replyReceiveShort, 40, 0, 1, 2, 3, 4, now: 1200)
        #expect(!badReply.fast && badReply.next == w.server)
        let error = try #require(w.result(w.server))
        #expect(error.0 == -SyscallError.badLength.rawValue && error.2 == nil)
        #expect(w.k.tasks[w.server.index].servingClient == w.client)  // still serving: no reply was sent
        #expect(w.k.tasks[w.client.index].state == .blockedReply)
    }
}
