// Acceptance filters against SocketCAN's semantics (af_can.c/raw.c), worked out by hand per case, and
// candump's filter syntax with its errors.

import Testing
@testable import Fieldbus

private func sff(_ id: UInt32) -> UInt32 { id }
private func eff(_ id: UInt32) -> UInt32 { id | CANFrame.extendedFlag }
private func rtr(_ id: UInt32) -> UInt32 { id | CANFrame.remoteFlag }

// @verifies SWR-CAN-FILTER-1
@Suite struct CANFilterTests {
    @Test func defaultSetAcceptsAllDataButNoErrors() {
        let set = CANFilterSet()
        #expect(set.accepts(canId: sff(0x123)) && set.accepts(canId: eff(0x1234_5678)) && set.accepts(canId: rtr(0)))
        #expect(!set.accepts(canId: CANFrame.errorFlag | 0x40))
        let none = CANFilterSet.none
        #expect(!none.accepts(canId: sff(0x123)) && !none.accepts(canId: eff(0)))
    }

    @Test func maskWithoutEFFFlagMatchesBothFormats() {
        // 123:7FF — the EFF flag is not compared, so SFF 0x123 and EFF 0x00000123 both pass; RTR too.
        let f = CANFilter(id: 0x123, mask: 0x7FF)
        #expect(f.matches(canId: sff(0x123)) && f.matches(canId: eff(0x123)) && f.matches(canId: rtr(0x123)))
        #expect(f.matches(canId: eff(0x1000_0123)))  // only the low 11 bits are compared
        #expect(!f.matches(canId: sff(0x124)))
    }

    @Test func effFlagInMaskSelectsOneFormat() {
        let sffOnly = CANFilter(id: 0x123, mask: 0x7FF | CANFrame.extendedFlag)
        #expect(sffOnly.matches(canId: sff(0x123)) && !sffOnly.matches(canId: eff(0x123)))
        let effOnly = CANFilter(id: eff(0x123), mask: CANFrame.extendedMask | CANFrame.extendedFlag)
        #expect(effOnly.matches(canId: eff(0x123)) && !effOnly.matches(canId: sff(0x123)))
        #expect(CANFilter.exact(0x1234_5678).matches(canId: eff(0x1234_5678)))
    }

    @Test func rtrFlagInMaskSeparatesDataAndRemote() {
        let dataOnly = CANFilter(id: 0x123, mask: 0x7FF | CANFrame.remoteFlag)
        #expect(dataOnly.matches(canId: sff(0x123)) && !dataOnly.matches(canId: rtr(0x123)))
        let remoteOnly = CANFilter(id: rtr(0x123), mask: 0x7FF | CANFrame.remoteFlag)
        #expect(!remoteOnly.matches(canId: sff(0x123)) && remoteOnly.matches(canId: rtr(0x123)))
    }

    @Test func sffOnlyFilterIsReducedToElevenBits() {
        // af_can: EFF flag in the mask but not in the id -> mask &= SFF_MASK|EFF|RTR, id &= mask.
        // id 0x1234, mask 0x1FFFFFFF|EFF -> mask 0x800007FF, id 0x234: SFF 0x234 passes, EFF 0x1234 does not.
        let f = CANFilter(id: 0x1234, mask: CANFrame.extendedMask | CANFrame.extendedFlag)
        #expect(f.effective.mask == 0x8000_07FF && f.effective.id == 0x234)
        #expect(f.matches(canId: sff(0x234)) && !f.matches(canId: eff(0x1234)))
    }

    @Test func invertedFilterRejectsWhatThePairMatches() {
        let f = CANFilter(id: 0x123 | CANFilter.invertFlag, mask: 0x7FF)
        #expect(!f.matches(canId: sff(0x123)) && f.matches(canId: sff(0x124)))
        // EFF 0x01000123 & 0x7FF == 0x123: matched by the pair, so rejected by the inverted filter.
        #expect(!f.matches(canId: eff(0x0100_0123)) && f.matches(canId: eff(0x0100_0124)))
        #expect(!f.matches(canId: CANFrame.errorFlag | 0x4))  // error frames never pass id filters
    }

    @Test func anyMatchAndJoinedAllMatch() {
        var set = CANFilterSet.none
        set.append(CANFilter(id: 0x100, mask: 0x700))
        set.append(CANFilter(id: 0x020, mask: 0x0F0))
        #expect(set.accepts(canId: 0x130) && set.accepts(canId: 0x220) && set.accepts(canId: 0x120))
        #expect(!set.accepts(canId: 0x230))
        set.joined = true
        #expect(set.accepts(canId: 0x120) && !set.accepts(canId: 0x130) && !set.accepts(canId: 0x220))
    }

    @Test func errorMaskSelectsErrorClasses() {
        var set = CANFilterSet()
        set.errorMask = CANErrorClass.busOff.union(.controller)
        #expect(set.accepts(canId: CANFrame.errorFlag | 0x40))
        #expect(set.accepts(canId: CANFrame.errorFlag | 0x04 | 0x200))
        #expect(!set.accepts(canId: CANFrame.errorFlag | 0x08))
        var f = CANFrame()
        f.setSocketCANId(CANFrame.errorFlag | 0x40)
        #expect(set.accepts(f))
    }

    @Test func capacityIsEnforced() {
        var set = CANFilterSet.none
        for i in 0..<CANFilterSet.capacity {
            let added = set.append(.exact(UInt32(i)))
            #expect(added)
        }
        let overflow = set.append(.all)
        #expect(!overflow)
        #expect(set.count == CANFilterSet.capacity && set[31] == .exact(31))
    }
}

// @verifies SWR-CAN-FILTER-2
@Suite struct CANFilterTextTests {
    @Test func idMaskPairs() throws {
        var set = try parseFilters("123:7FF")
        #expect(set.count == 1 && set[0] == CANFilter(id: 0x123, mask: 0x7FF) && set.errorMask.isEmpty)
        set = try parseFilters("12345678:1FFFFFFF,00000123:1fffffff")
        #expect(set[0] == CANFilter(id: 0x9234_5678, mask: 0x1FFF_FFFF))
        #expect(set[1].id == 0x8000_0123, "eight digits mean an extended id, as in candump")
        set = try parseFilters("123~7FF")
        #expect(set[0].id == 0x2000_0123 && set[0].isInverted)
        set = try parseFilters("123:3FFFFFFF")
        #expect(set[0].mask == 0x1FFF_FFFF, "the error flag is cleared from masks")
    }

    @Test func errorMaskAndJoin() throws {
        var set = try parseFilters("#FFFFFFFF")
        #expect(set.count == 1 && set[0] == .all, "without id filters the default filter stays")
        #expect(set.errorMask.rawValue == 0xFFFF_FFFF)
        set = try parseFilters("100:700,j,#4,020:0F0")
        #expect(set.joined && set.errorMask.rawValue == 4 && set.count == 2)
        #expect(set.accepts(canId: 0x120) && !set.accepts(canId: 0x130))
    }

    @Test(arguments: [
        ("", CANFilterParseError.Kind.emptyItem, 0),
        ("123", .expectedSeparator, 3),
        ("123:", .expectedHexDigit, 4),
        ("12G:7FF", .expectedSeparator, 2),
        ("123:7FFX", .expectedComma, 7),
        ("123:7FF,", .emptyItem, 8),
        (",123:7FF", .emptyItem, 0),
        ("123:7FF,,1:1", .emptyItem, 8),
        ("123456789:1", .tooManyDigits, 8),
        ("1:123456789", .tooManyDigits, 10),
        ("#", .expectedHexDigit, 1),
        ("#12x", .expectedComma, 3),
        ("x", .expectedHexDigit, 0),
        (":7FF", .expectedHexDigit, 0),
        ("jj", .expectedComma, 1),
    ])
    func errorsPointAtTheBadCharacter(text: String, kind: CANFilterParseError.Kind, position: Int) {
        #expect(throws: CANFilterParseError(kind, at: position)) { try parseFilters(text) }
    }

    @Test func tooManyFilters() {
        let text = (0...32).map { String($0, radix: 16) + ":7FF" }.joined(separator: ",")
        let start = text.utf8.count - "20:7FF".utf8.count
        #expect(throws: CANFilterParseError(.tooManyFilters, at: start)) { try parseFilters(text) }
    }

    @Test func staticStringConvenience() throws {
        let set = try CANFilterText.parse("7E8:7FF")
        #expect(set.accepts(canId: 0x7E8) && !set.accepts(canId: 0x7E0))
    }
}
