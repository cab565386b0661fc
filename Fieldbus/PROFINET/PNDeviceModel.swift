// The PROFINET IO device model (IEC 61158-6-10 / PNO's GSDML): an API (0, the only one here) with slots, each
// holding a module, each module one or more submodules with their ident numbers and I/O data lengths. Declared
// once: the connection manager compares a controller's expected configuration with it, the cyclic frames are laid
// out from it, I&M0 answers from it, and the host tools write the GSDML from the same values. Fixed capacity,
// no allocation (a board keeps it in static storage).

/// A fixed-length visible string of a PROFINET record (I&M0's order ID and serial number, DCP's type of station):
/// ASCII bytes, padded with spaces on the right as the records want them.
public struct PNFixedString<let capacity: Int>: Sendable, Equatable {
    public var bytes: InlineArray<capacity, UInt8>
    /// The meaningful length (trailing padding excluded).
    public private(set) var count: Int

    public init() {
        bytes = InlineArray(repeating: 0x20)
        count = 0
    }

    /// `text` cut to `capacity` bytes (the host tools check lengths with a message before they get here).
    public init(_ text: StaticString) {
        self.init()
        text.withUTF8Buffer { set($0) }
    }

    /// Sets the string from `source`; bytes past `capacity` are dropped, characters outside 0x20...0x7E become '?'.
    public mutating func set(_ source: UnsafeBufferPointer<UInt8>) {
        let n = min(source.count, capacity)
        for i in 0..<capacity { bytes[i] = 0x20 }
        for i in 0..<n {
            let b = source[i]
            bytes[i] = (b >= 0x20 && b <= 0x7E) ? b : 0x3F
        }
        count = n
    }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<capacity where a.bytes[i] != b.bytes[i] { return false }
        return true
    }
}

/// One submodule in the device: where it sits, what it is, how much cyclic data it has.
public struct PNSubmoduleSlot: Sendable, Equatable {
    public var api: UInt32
    public var slot: UInt16
    public var subslot: UInt16
    public var moduleIdent: UInt32
    public var submoduleIdent: UInt32
    /// Input data bytes (device → controller) per cycle, IOPS excluded.
    public var inputLength: UInt16
    /// Output data bytes (controller → device) per cycle, IOPS excluded.
    public var outputLength: UInt16

    public init(api: UInt32 = 0, slot: UInt16, subslot: UInt16, moduleIdent: UInt32, submoduleIdent: UInt32,
                inputLength: UInt16 = 0, outputLength: UInt16 = 0) {
        self.api = api
        self.slot = slot
        self.subslot = subslot
        self.moduleIdent = moduleIdent
        self.submoduleIdent = submoduleIdent
        self.inputLength = inputLength
        self.outputLength = outputLength
    }

    /// The submodule's data description in a connect: NO_IO submodules (the DAP, interface, ports) still
    /// take part in the input CR with a zero-length input (IOPS only).
    public var hasNoIO: Bool { inputLength == 0 && outputLength == 0 }
}

/// The identification and maintenance data of I&M0 (IEC 61158-6-10, record 0xAFF0), shared by the DAP and
/// every submodule that has no I&M of its own.
public struct PNIdentification: Sendable, Equatable {
    public var vendorID: UInt16
    public var orderID: PNFixedString<20>
    public var serialNumber: PNFixedString<16>
    public var hardwareRevision: UInt16
    /// Software revision: prefix ('V' released, 'R' revision, 'P' prototype, 'U' under test, 'T' test device),
    /// functional enhancement, bug fix, internal change.
    public var softwareRevision: (prefix: UInt8, functional: UInt8, bugFix: UInt8, internal: UInt8)
    public var revisionCounter: UInt16
    public var profileID: UInt16
    public var profileSpecificType: UInt16
    /// Which of I&M1…I&M4 the device supports (bit 1 = I&M1 … bit 4 = I&M4), I&M0's IM_Supported.
    public var supportedIM: UInt16

    public init(vendorID: UInt16, orderID: PNFixedString<20>, serialNumber: PNFixedString<16>,
                hardwareRevision: UInt16 = 1, softwareRevision: (UInt8, UInt8, UInt8, UInt8) = (0x56, 1, 0, 0),
                revisionCounter: UInt16 = 0, profileID: UInt16 = 0, profileSpecificType: UInt16 = 0,
                supportedIM: UInt16 = 0x001E) {
        self.vendorID = vendorID
        self.orderID = orderID
        self.serialNumber = serialNumber
        self.hardwareRevision = hardwareRevision
        self.softwareRevision = softwareRevision
        self.revisionCounter = revisionCounter
        self.profileID = profileID
        self.profileSpecificType = profileSpecificType
        self.supportedIM = supportedIM
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.vendorID == b.vendorID && a.orderID == b.orderID && a.serialNumber == b.serialNumber
            && a.hardwareRevision == b.hardwareRevision && a.softwareRevision == b.softwareRevision
            && a.revisionCounter == b.revisionCounter && a.profileID == b.profileID
            && a.profileSpecificType == b.profileSpecificType && a.supportedIM == b.supportedIM
    }
}

/// Why a submodule could not be added to a model.
public enum PNDeviceModelError: Error, Sendable, Equatable {
    /// More submodules than the model holds.
    case full
    /// Two submodules at the same API/slot/subslot.
    case duplicate(slot: UInt16, subslot: UInt16)
    /// Subslot 0 does not exist (subslots start at 1; 0x8000... are interface and ports).
    case badSubslot(slot: UInt16, subslot: UInt16)
    /// A submodule's I/O data is longer than one RT_CLASS_1 frame could carry.
    case tooMuchData(slot: UInt16, subslot: UInt16)
    /// The same slot with two different module idents.
    case moduleMismatch(slot: UInt16)
}

/// The whole device: its identity for DCP and I&M0, and its real configuration (slot 0 is the DAP, with the
/// interface 0x8000 and port 0x8001 submodules).
public struct PNDeviceModel: Sendable {
    public static let capacity = 32
    /// Largest C_SDU of an RT_CLASS_1 frame (IEC 61158-6-10: 40…1440 bytes of data, IOPS and IOCS included).
    public static let maxFrameData = 1440

    /// DCP's DeviceID suboption and the GSDML's DeviceIdentity.
    public var vendorID: UInt16
    public var deviceID: UInt16
    /// DCP's DeviceRole (bit 0: IO device).
    public var deviceRole: UInt8 = 0x01
    /// DCP's DeviceInstance (high, low).
    public var instance: UInt16 = 0x0001
    /// DCP's DeviceVendorValue ("type of station", GSDML's DNS_CompatibleName is the name of station).
    public var typeOfStation: PNFixedString<64>
    public var identification: PNIdentification
    public private(set) var submodules: InlineArray<32, PNSubmoduleSlot>
    public private(set) var count: Int

    /// A model with only the DAP: module `dapModuleIdent` in slot 0 with submodule 1 (`dapSubmoduleIdent`),
    /// the interface (0x8000, `interfaceIdent`) and one port (0x8001, `portIdent`).
    public init(vendorID: UInt16, deviceID: UInt16, typeOfStation: PNFixedString<64>, identification: PNIdentification,
                dapModuleIdent: UInt32 = 0x0000_0001, dapSubmoduleIdent: UInt32 = 0x0000_0001,
                interfaceIdent: UInt32 = 0x0000_8000, portIdent: UInt32 = 0x0000_8001) {
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.typeOfStation = typeOfStation
        self.identification = identification
        submodules = InlineArray(repeating: PNSubmoduleSlot(slot: 0, subslot: 0, moduleIdent: 0, submoduleIdent: 0))
        count = 0
        submodules[0] = PNSubmoduleSlot(slot: 0, subslot: 1, moduleIdent: dapModuleIdent, submoduleIdent: dapSubmoduleIdent)
        submodules[1] = PNSubmoduleSlot(slot: 0, subslot: 0x8000, moduleIdent: dapModuleIdent, submoduleIdent: interfaceIdent)
        submodules[2] = PNSubmoduleSlot(slot: 0, subslot: 0x8001, moduleIdent: dapModuleIdent, submoduleIdent: portIdent)
        count = 3
    }

    /// Adds a submodule (plugs a module into a slot, or another submodule into a plugged module).
    public mutating func add(_ s: PNSubmoduleSlot) throws(PNDeviceModelError) {
        guard s.subslot != 0 else { throw .badSubslot(slot: s.slot, subslot: s.subslot) }
        guard Int(s.inputLength) + 1 <= Self.maxFrameData, Int(s.outputLength) + 1 <= Self.maxFrameData else {
            throw .tooMuchData(slot: s.slot, subslot: s.subslot)
        }
        for i in 0..<count {
            let e = submodules[i]
            if e.api == s.api && e.slot == s.slot {
                if e.subslot == s.subslot { throw .duplicate(slot: s.slot, subslot: s.subslot) }
                if e.moduleIdent != s.moduleIdent { throw .moduleMismatch(slot: s.slot) }
            }
        }
        guard count < Self.capacity else { throw .full }
        submodules[count] = s
        count += 1
    }

    /// The submodule at `api`/`slot`/`subslot`, if plugged.
    public func submodule(api: UInt32 = 0, slot: UInt16, subslot: UInt16) -> PNSubmoduleSlot? {
        for i in 0..<count {
            let e = submodules[i]
            if e.api == api && e.slot == slot && e.subslot == subslot { return e }
        }
        return nil
    }

    /// The module ident plugged in `slot`, if any.
    public func moduleIdent(api: UInt32 = 0, slot: UInt16) -> UInt32? {
        for i in 0..<count where submodules[i].api == api && submodules[i].slot == slot { return submodules[i].moduleIdent }
        return nil
    }

    public subscript(index: Int) -> PNSubmoduleSlot { submodules[index] }
}

extension PNDeviceModel {
    /// Orion RT's example IO device: 8 digital inputs in slot 1, 8 digital outputs in slot 2, a 4/4-byte module in
    /// slot 3, vendor 0xFEED (a placeholder: a product needs the vendor ID PI assigned to its maker). The boards'
    /// `pn-demo` runs it; `orion pn device` without `--config` reads the same device from its built-in file (a test
    /// holds the two equal).
    public static func orionExample() -> PNDeviceModel {
        let identification = PNIdentification(vendorID: 0xFEED, orderID: PNFixedString("ORION-IO-1"), serialNumber: PNFixedString("0001"),
                                              hardwareRevision: 1, softwareRevision: (0x56, 1, 0, 0))
        var model = PNDeviceModel(vendorID: 0xFEED, deviceID: 0x0002, typeOfStation: PNFixedString("orion-io"),
                                  identification: identification)
        // Three modules in three slots of a 32-entry model: none of these can fail.
        try? model.add(PNSubmoduleSlot(slot: 1, subslot: 1, moduleIdent: 0x30, submoduleIdent: 0x130, inputLength: 1))
        try? model.add(PNSubmoduleSlot(slot: 2, subslot: 1, moduleIdent: 0x31, submoduleIdent: 0x131, outputLength: 1))
        try? model.add(PNSubmoduleSlot(slot: 3, subslot: 1, moduleIdent: 0x32, submoduleIdent: 0x132, inputLength: 4, outputLength: 4))
        return model
    }
}
