// Human-readable text for devicetree errors, written to a byte sink (usable at boot and on the host).

extension FDTError {
    /// Writes one line-fragment describing the error, e.g. `bad magic 0x12345678`.
    public func write<Sink: ByteSink>(to sink: inout Sink) {
        switch self {
        case .truncatedHeader(let available):
            sink.write("truncated header: "); sink.write(decimal: available); sink.write(" of 40 bytes")
        case .badMagic(let magic):
            sink.write("bad magic "); sink.write(hex: UInt64(magic))
        case .unsupportedVersion(let version):
            sink.write("unsupported version "); sink.write(decimal: UInt64(version))
        case .badTotalSize(let total, let available):
            sink.write("totalsize "); sink.write(decimal: UInt64(total))
            sink.write(" does not fit the "); sink.write(decimal: available); sink.write(" bytes available")
        case .blockOutOfBounds(let block):
            switch block {
            case .structure: sink.write("structure block")
            case .strings: sink.write("strings block")
            case .memoryReservation: sink.write("memory reservation block")
            }
            sink.write(" lies outside the blob")
        case .truncatedStructure(let offset):
            sink.write("structure block ends inside a token at offset "); sink.write(decimal: offset)
        case .unknownToken(let token, let offset):
            sink.write("unknown token "); sink.write(hex: UInt64(token)); sink.write(" at offset "); sink.write(decimal: offset)
        case .unterminatedNodeName(let offset):
            sink.write("unterminated node name at offset "); sink.write(decimal: offset)
        case .propertyOutOfBounds(let offset):
            sink.write("property value past the structure block at offset "); sink.write(decimal: offset)
        case .badNameOffset(let nameOffset, let offset):
            sink.write("property name offset "); sink.write(decimal: UInt64(nameOffset))
            sink.write(" outside the strings block at offset "); sink.write(decimal: offset)
        case .unterminatedString(let offset):
            sink.write("unterminated property name for the property at offset "); sink.write(decimal: offset)
        case .nestingTooDeep(let offset):
            sink.write("nodes nest deeper than "); sink.write(decimal: FDT.maxDepth)
            sink.write(" at offset "); sink.write(decimal: offset)
        case .unbalancedEndNode(let offset):
            sink.write("unbalanced node structure at offset "); sink.write(decimal: offset)
        case .missingEnd:
            sink.write("structure block ends without closing every node and an END token")
        case .noRootNode:
            sink.write("no root node")
        case .phandleCycle(let phandle):
            sink.write("phandle chain through "); sink.write(hex: UInt64(phandle)); sink.write(" loops or is too long")
        }
    }
}
