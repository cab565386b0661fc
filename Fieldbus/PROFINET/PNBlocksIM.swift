// The identification and maintenance records as blocks (IEC 61158-6-10 §5.2.25, PROFINET "Identification &
// Maintenance Functions" guideline): I&M0 (0x0020, record 0xAFF0, read-only, from `PNIdentification`), I&M1
// (0x0021, tag function and location), I&M2 (0x0022, installation date), I&M3 (0x0023, descriptor) and I&M4
// (0x0024, signature). Visible strings are space-padded on the wire; trailing NULs read as padding too.

/// I&M0: who made the device and which version it is.
public struct PNIM0: Sendable, Equatable {
    public static let contentSize = 54

    public var identification: PNIdentification
    /// IM_Version: 1.1 for this layout.
    public var versionMajor: UInt8
    public var versionMinor: UInt8

    public init(_ identification: PNIdentification, versionMajor: UInt8 = 1, versionMinor: UInt8 = 1) {
        self.identification = identification
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
    }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.im0)
        var f = PNBlockFields(block)
        let vendorID = try f.u16()
        let orderID: PNFixedString<20> = try f.string()
        let serial: PNFixedString<16> = try f.string()
        let hardware = try f.u16()
        let software = (try f.u8(), try f.u8(), try f.u8(), try f.u8())
        let counter = try f.u16()
        let profile = try f.u16()
        let profileType = try f.u16()
        versionMajor = try f.u8()
        versionMinor = try f.u8()
        let supported = try f.u16()
        try f.end()
        identification = PNIdentification(vendorID: vendorID, orderID: orderID, serialNumber: serial,
                                          hardwareRevision: hardware, softwareRevision: software,
                                          revisionCounter: counter, profileID: profile,
                                          profileSpecificType: profileType, supportedIM: supported)
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let id = identification
        let start = try w.beginBlock(PNBlockType.im0)
        try w.u16(id.vendorID)
        try w.string(id.orderID)
        try w.string(id.serialNumber)
        try w.u16(id.hardwareRevision)
        try w.u8(id.softwareRevision.prefix)
        try w.u8(id.softwareRevision.functional)
        try w.u8(id.softwareRevision.bugFix)
        try w.u8(id.softwareRevision.internal)
        try w.u16(id.revisionCounter)
        try w.u16(id.profileID)
        try w.u16(id.profileSpecificType)
        try w.u8(versionMajor)
        try w.u8(versionMinor)
        try w.u16(id.supportedIM)
        try w.endBlock(start)
    }
}

/// I&M1: what the device does in the plant and where it is (written by the engineering tool).
public struct PNIM1: Sendable, Equatable {
    public var tagFunction: PNFixedString<32>
    public var tagLocation: PNFixedString<22>

    public init(tagFunction: PNFixedString<32> = PNFixedString(), tagLocation: PNFixedString<22> = PNFixedString()) {
        self.tagFunction = tagFunction
        self.tagLocation = tagLocation
    }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.im1)
        var f = PNBlockFields(block)
        tagFunction = try f.string()
        tagLocation = try f.string()
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.im1)
        try w.string(tagFunction)
        try w.string(tagLocation)
        try w.endBlock(start)
    }
}

/// I&M2: installation date, "YYYY-MM-DD HH:MM".
public struct PNIM2: Sendable, Equatable {
    public var date: PNFixedString<16>

    public init(date: PNFixedString<16> = PNFixedString()) { self.date = date }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.im2)
        var f = PNBlockFields(block)
        date = try f.string()
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.im2)
        try w.string(date)
        try w.endBlock(start)
    }
}

/// I&M3: a free descriptor.
public struct PNIM3: Sendable, Equatable {
    public var descriptor: PNFixedString<54>

    public init(descriptor: PNFixedString<54> = PNFixedString()) { self.descriptor = descriptor }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.im3)
        var f = PNBlockFields(block)
        descriptor = try f.string()
        try f.end()
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.im3)
        try w.string(descriptor)
        try w.endBlock(start)
    }
}

/// I&M4: a signature (binary: PROFIsafe's F-parameter CRC and the like), 54 bytes.
public struct PNIM4: Sendable, Equatable {
    public static let size = 54
    public var signature: InlineArray<54, UInt8>

    /// An all-zero signature.
    public init() { signature = InlineArray(repeating: 0) }

    // @implements SWR-PN-RPC-1
    public init(parsing block: PNBlock) throws(PNBlockError) {
        try block.expect(PNBlockType.im4)
        var f = PNBlockFields(block)
        let raw = try f.bytes(Self.size)
        try f.end()
        signature = InlineArray(repeating: 0)
        for i in 0..<Self.size { signature[i] = raw[i] }
    }

    public func write(to w: inout PNWriter) throws(PNBytesError) {
        let start = try w.beginBlock(PNBlockType.im4)
        for i in 0..<Self.size { try w.u8(signature[i]) }
        try w.endBlock(start)
    }

    public static func == (a: Self, b: Self) -> Bool {
        for i in 0..<size where a.signature[i] != b.signature[i] { return false }
        return true
    }
}

/// I&M1–4 of the device: what an engineering tool writes into it (function and location tags, installation date,
/// descriptor, signature) and reads back; the platform keeps them across restarts.
public struct PNIMRecords: Sendable, Equatable {
    public var im1 = PNIM1()
    public var im2 = PNIM2()
    public var im3 = PNIM3()
    public var im4 = PNIM4()
    public init() {}
}
