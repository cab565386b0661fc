// A bounded Modbus data model in caller-provided storage: four blocks, each at a configurable start address.

/// Bits (coils or discrete inputs) at consecutive Modbus addresses from `start`, one `Bool` per bit in
/// storage the caller owns.
public struct ModbusBitBlock {
    /// The Modbus address of `values[0]`.
    public var start: UInt16
    /// The bits.
    public var values: UnsafeMutableBufferPointer<Bool>

    /// A block of `values.count` bits from `start`.
    public init(start: UInt16 = 0, values: UnsafeMutableBufferPointer<Bool>) {
        self.start = start
        self.values = values
    }

    /// A block holding no addresses: every access is an illegal data address.
    public static var empty: ModbusBitBlock { ModbusBitBlock(values: UnsafeMutableBufferPointer(start: nil, count: 0)) }

    /// The index of `address` when all of `address ..< address + count` lies in the block.
    // @implements SWR-MODBUS-SERVER-1
    public func index(_ address: UInt16, count: Int) throws(ModbusException) -> Int {
        let offset = Int(address) - Int(start)
        guard offset >= 0, count >= 0, offset + count <= values.count else { throw .illegalDataAddress }
        return offset
    }
}

/// Registers (holding or input) at consecutive Modbus addresses from `start`, in storage the caller owns.
public struct ModbusRegisterBlock {
    /// The Modbus address of `values[0]`.
    public var start: UInt16
    /// The registers.
    public var values: UnsafeMutableBufferPointer<UInt16>

    /// A block of `values.count` registers from `start`.
    public init(start: UInt16 = 0, values: UnsafeMutableBufferPointer<UInt16>) {
        self.start = start
        self.values = values
    }

    /// A block holding no addresses: every access is an illegal data address.
    public static var empty: ModbusRegisterBlock {
        ModbusRegisterBlock(values: UnsafeMutableBufferPointer(start: nil, count: 0))
    }

    /// The index of `address` when all of `address ..< address + count` lies in the block.
    // @implements SWR-MODBUS-SERVER-1
    public func index(_ address: UInt16, count: Int) throws(ModbusException) -> Int {
        let offset = Int(address) - Int(start)
        guard offset >= 0, count >= 0, offset + count <= values.count else { throw .illegalDataAddress }
        return offset
    }
}

/// The device identification objects a `ModbusDataTable` reports: the three basic ones and the four regular
/// ones (an empty string leaves a regular object out).
public struct ModbusDeviceIdentity {
    /// Object 0x00.
    public var vendorName: StaticString
    /// Object 0x01.
    public var productCode: StaticString
    /// Object 0x02, such as "1.0".
    public var majorMinorRevision: StaticString
    /// Object 0x03.
    public var vendorURL: StaticString
    /// Object 0x04.
    public var productName: StaticString
    /// Object 0x05.
    public var modelName: StaticString
    /// Object 0x06.
    public var userApplicationName: StaticString

    /// An identity; the regular objects default to absent.
    public init(vendorName: StaticString = "Orion RT", productCode: StaticString = "ORION-MB",
                majorMinorRevision: StaticString = "1.0", vendorURL: StaticString = "",
                productName: StaticString = "", modelName: StaticString = "", userApplicationName: StaticString = "") {
        self.vendorName = vendorName
        self.productCode = productCode
        self.majorMinorRevision = majorMinorRevision
        self.vendorURL = vendorURL
        self.productName = productName
        self.modelName = modelName
        self.userApplicationName = userApplicationName
    }

    /// Object `id` as bytes, nil when absent (an empty regular object, or any other id).
    public func object(_ id: UInt8) -> UnsafeRawBufferPointer? {
        let text: StaticString
        switch id {
        case 0: text = vendorName
        case 1: text = productCode
        case 2: text = majorMinorRevision
        case 3: text = vendorURL
        case 4: text = productName
        case 5: text = modelName
        case 6: text = userApplicationName
        default: return nil
        }
        guard id <= 2 || text.utf8CodeUnitCount > 0 else { return nil }
        return UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
    }
}

/// The bounded data model of a server: coils, discrete inputs, holding and input registers, each a block of
/// caller storage at its own start address. Accesses outside a block are illegal data addresses.
public struct ModbusDataTable: ModbusServerHooks {
    /// FC 1, 5, 15.
    public var coils: ModbusBitBlock
    /// FC 2.
    public var discreteInputs: ModbusBitBlock
    /// FC 3, 6, 16, 22, 23.
    public var holdingRegisters: ModbusRegisterBlock
    /// FC 4.
    public var inputRegisters: ModbusRegisterBlock
    /// FC 43/14.
    public var identity: ModbusDeviceIdentity

    /// A data model of the given blocks (any of them `.empty`).
    public init(coils: ModbusBitBlock = .empty, discreteInputs: ModbusBitBlock = .empty,
                holdingRegisters: ModbusRegisterBlock = .empty, inputRegisters: ModbusRegisterBlock = .empty,
                identity: ModbusDeviceIdentity = ModbusDeviceIdentity()) {
        self.coils = coils
        self.discreteInputs = discreteInputs
        self.holdingRegisters = holdingRegisters
        self.inputRegisters = inputRegisters
        self.identity = identity
    }

    /// Packs bits of the coils or discrete inputs.
    public mutating func readBits(_ table: ModbusTable, address: UInt16, count: Int,
                                  into packed: UnsafeMutableRawBufferPointer) throws(ModbusException) {
        let block = table == .coils ? coils : discreteInputs
        let first = try block.index(address, count: count)
        for i in 0..<((count + 7) / 8) { packed[i] = 0 }
        for i in 0..<count where block.values[first + i] {
            packed[i >> 3] |= UInt8(1) << UInt8(i & 7)
        }
    }

    /// Stores holding or input registers big-endian.
    public mutating func readRegisters(_ table: ModbusTable, address: UInt16, count: Int,
                                       into bigEndian: UnsafeMutableRawBufferPointer) throws(ModbusException) {
        let block = table == .holdingRegisters ? holdingRegisters : inputRegisters
        let first = try block.index(address, count: count)
        for i in 0..<count { bigEndian.modbusSetU16(2 * i, block.values[first + i]) }
    }

    /// Sets coils from packed bits.
    public mutating func writeCoils(address: UInt16, count: Int, packed: UnsafeRawBufferPointer) throws(ModbusException) {
        let first = try coils.index(address, count: count)
        for i in 0..<count { coils.values[first + i] = packed[i >> 3] & (UInt8(1) << UInt8(i & 7)) != 0 }
    }

    /// Sets holding registers from big-endian values.
    public mutating func writeHoldingRegisters(address: UInt16, count: Int,
                                               bigEndian: UnsafeRawBufferPointer) throws(ModbusException) {
        let first = try holdingRegisters.index(address, count: count)
        for i in 0..<count { holdingRegisters.values[first + i] = bigEndian.modbusU16(2 * i) }
    }

    /// The objects of `identity`.
    public func deviceIdentificationObject(_ id: UInt8) -> UnsafeRawBufferPointer? { identity.object(id) }
}
