// Shared fixtures of the Modbus tests: a server over a data table laid out like libmodbus' unit tests, and
// helpers that run byte arrays through the buffer-pointer API.

@testable import Fieldbus
import Kernel

/// Storage of a test data table, freed with the fixture.
final class ModbusFixture {
    static let coilStart: UInt16 = 0x130, coilCount = 2000
    static let inputBitStart: UInt16 = 0x1C4, inputBitCount = 2000
    static let holdingStart: UInt16 = 0x160, holdingCount = 200
    static let inputRegisterStart: UInt16 = 0x108, inputRegisterCount = 200

    let coils = UnsafeMutableBufferPointer<Bool>.allocate(capacity: coilCount)
    let inputBits = UnsafeMutableBufferPointer<Bool>.allocate(capacity: inputBitCount)
    let holding = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: holdingCount)
    let inputRegisters = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: inputRegisterCount)
    var server: ModbusServer<ModbusDataTable>

    init(unitId: UInt8 = 17) {
        coils.initialize(repeating: false)
        for i in 0..<inputBits.count { inputBits[i] = i % 3 == 0 }
        for i in 0..<holding.count { holding[i] = UInt16(i) }
        for i in 0..<inputRegisters.count { inputRegisters[i] = 0x1000 + UInt16(i) }
        let table = ModbusDataTable(
            coils: ModbusBitBlock(start: Self.coilStart, values: coils),
            discreteInputs: ModbusBitBlock(start: Self.inputBitStart, values: inputBits),
            holdingRegisters: ModbusRegisterBlock(start: Self.holdingStart, values: holding),
            inputRegisters: ModbusRegisterBlock(start: Self.inputRegisterStart, values: inputRegisters),
            identity: ModbusDeviceIdentity(vendorName: "Orion", productCode: "OMB-1", majorMinorRevision: "2.3",
                                           productName: "Orion Modbus"))
        server = ModbusServer(hooks: table, unitId: unitId)
    }

    deinit {
        coils.deallocate(); inputBits.deallocate(); holding.deallocate(); inputRegisters.deallocate()
    }

    /// The server's answer to a request PDU.
    func pdu(_ request: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ModbusLimits.maxTCPADU)
        let n = request.withUnsafeBytes { req in out.withUnsafeMutableBytes { server.handle(request: req, into: $0) } }
        return Array(out[0..<n])
    }

    /// The server's answer to a request built from `request`.
    func pdu(_ request: ModbusRequest) -> [UInt8] { pdu(encode(request)) }

    /// The server's answer to an RTU frame.
    func rtu(_ frame: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ModbusLimits.maxTCPADU)
        let n = frame.withUnsafeBytes { req in out.withUnsafeMutableBytes { server.handleRTU(frame: req, into: $0) } }
        return Array(out[0..<n])
    }

    /// The server's answer to a TCP ADU.
    func tcp(_ frame: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ModbusLimits.maxTCPADU)
        let n = frame.withUnsafeBytes { req in out.withUnsafeMutableBytes { server.handleTCP(frame: req, into: $0) } }
        return Array(out[0..<n])
    }
}

/// The PDU bytes of a request.
func encode(_ request: ModbusRequest) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 300)
    let n = out.withUnsafeMutableBytes { try! request.encode(into: $0) }
    return Array(out[0..<n])
}

/// A request PDU from fields: each `UInt16` as two big-endian bytes.
func be(_ values: [UInt16]) -> [UInt8] { values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }

/// An RTU frame of `address` and `pdu` with its CRC.
func rtuFrame(_ address: UInt8, _ pdu: [UInt8]) -> [UInt8] {
    let body = [address] + pdu
    let crc = body.withUnsafeBytes { ModbusCRC.checksum($0) }
    return body + [UInt8(crc & 0xFF), UInt8(crc >> 8)]
}

/// A TCP ADU of `pdu`.
func tcpFrame(_ tid: UInt16, _ unit: UInt8, _ pdu: [UInt8], protocolId: UInt16 = 0, length: Int? = nil) -> [UInt8] {
    be([tid, protocolId, UInt16(length ?? pdu.count + 1)]) + [unit] + pdu
}

/// The exception a response PDU carries, nil when it is not an exception response of `function`.
func exceptionOf(_ response: [UInt8], _ function: UInt8) -> ModbusException? {
    guard response.count == 2, response[0] == function | 0x80 else { return nil }
    return ModbusException(rawValue: response[1])
}

/// Reproducible pseudo-random bytes for the fuzz tests, from the kernel's SplitMix64.
extension SplitMix64 {
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
