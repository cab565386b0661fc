// Why a flattened devicetree blob was rejected: every malformed input maps to one of these cases.

/// The block of a devicetree blob that a header offset points into.
public enum FDTBlock: Equatable, Sendable {
    /// The structure block (nodes and properties).
    case structure
    /// The strings block (property names).
    case strings
    /// The memory reservation block.
    case memoryReservation
}

/// A malformed or unsupported flattened devicetree; the offset is a byte offset into the blob.
public enum FDTError: Error, Equatable, Sendable {
    /// Fewer bytes than the 40-byte header were available.
    case truncatedHeader(available: Int)
    /// The first word is not 0xd00dfeed.
    case badMagic(UInt32)
    /// The blob's compatible version is newer than 17 or its version older than 16.
    case unsupportedVersion(UInt32)
    /// The header's totalsize is smaller than the header or larger than the bytes available.
    case badTotalSize(totalSize: UInt32, available: Int)
    /// A header offset or size points outside the blob.
    case blockOutOfBounds(FDTBlock)
    /// The structure block ended in the middle of a token.
    case truncatedStructure(offset: Int)
    /// A token that is none of BEGIN_NODE, END_NODE, PROP, NOP, END.
    case unknownToken(UInt32, offset: Int)
    /// A node name runs off the end of the structure block without a NUL.
    case unterminatedNodeName(offset: Int)
    /// A property's value runs past the structure block.
    case propertyOutOfBounds(offset: Int)
    /// A property's name offset is outside the strings block.
    case badNameOffset(UInt32, offset: Int)
    /// A property name runs off the end of the strings block without a NUL.
    case unterminatedString(offset: Int)
    /// Nodes nest deeper than `FDT.maxDepth`.
    case nestingTooDeep(offset: Int)
    /// An END_NODE (or END) with no open node, or a second root node.
    case unbalancedEndNode(offset: Int)
    /// The structure block ended while nodes were still open, or without an END token.
    case missingEnd
    /// The structure block holds no root node.
    case noRootNode
    /// A chain of phandle references (interrupt-parent, aliases) loops or is too long.
    case phandleCycle(UInt32)
}
