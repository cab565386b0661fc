// A record read without an AR (DCE/RPC ReadImplicit, opnum 5), as a commissioning tool does it: the request for
// one record of one submodule, and its answer's record data. With index 0xAFF0 this is the I&M0 read that
// engineering tools and PRONETA show as the device's identification.

/// The ReadImplicit request and its answer, for the device `deviceObject` names.
public struct PNImplicitRead: Sendable {
    /// The device's DCE/RPC object UUID (from its vendor ID, device ID and instance, as DCP reports them).
    public let deviceObject: PNUUID

    public init(vendorID: UInt16, deviceID: UInt16, instance: UInt16 = 1) {
        deviceObject = PNRPCInterface.object(instance: instance, deviceID: deviceID, vendorID: vendorID)
    }

    /// The request datagram in `buffer`: IODReadReqHeader with a nil ARUUID for `index` of `api`/`slot`/`subslot`,
    /// taking at most `maxLength` bytes of record data. Its length.
    public func writeRequest(into buffer: UnsafeMutableRawBufferPointer, activity: PNUUID, sequence: UInt32, api: UInt32 = 0,
                             slot: UInt16, subslot: UInt16, index: UInt16, maxLength: UInt32 = 1024,
                             order: PNByteOrder = .littleEndian) throws(PNControllerError) -> Int {
        let header = PNRPCHeader(packetType: .request, opnum: PNRPCOperation.readImplicit.rawValue, objectUUID: deviceObject,
                                 interfaceUUID: PNRPCInterface.device, activityUUID: activity, sequenceNumber: sequence, byteOrder: order)
        do {
            var w = try PNRPCWriter(buffer: buffer, request: header, argsMaximum: maxLength + 64)
            try PNRecordRequest(read: UInt16(truncatingIfNeeded: sequence), api: api, slot: slot, subslot: subslot, index: index,
                                maxLength: maxLength).write(to: &w.args)
            return try w.finish()
        } catch {
            throw .bytes(error)
        }
    }

    /// The answer's IODReadResHeader and the record data after it (within `datagram`), its PNIO status checked; a
    /// refused read is `.refused` with the device's status.
    // @implements SWR-PN-RPC-1
    public static func readResponse(_ datagram: UnsafeRawBufferPointer) throws(PNControllerError) -> (PNRecordResponse, UnsafeRawBufferPointer) {
        let args = try PNControllerAR.responseArgs(datagram)
        var reader = PNBlockReader(args)
        do throws(PNBlockError) {
            guard let block = try reader.next() else { throw PNBlockError.missingBlock(PNBlockType.iodReadResHeader) }
            let header = try PNRecordResponse(parsing: block)
            guard header.blockType == PNBlockType.iodReadResHeader else { throw PNBlockError.unexpectedBlock(header.blockType) }
            let data = try reader.data(Int(header.recordDataLength))
            return (header, data)
        } catch {
            throw .block(error)
        }
    }

    /// The I&M0 block in a read's record data (index 0xAFF0).
    public static func im0(_ data: UnsafeRawBufferPointer) throws(PNControllerError) -> PNIM0 {
        var reader = PNBlockReader(data)
        do throws(PNBlockError) {
            guard let block = try reader.next() else { throw PNBlockError.missingBlock(PNBlockType.im0) }
            return try PNIM0(parsing: block)
        } catch {
            throw .block(error)
        }
    }
}
