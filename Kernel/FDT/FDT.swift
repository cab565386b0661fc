// Flattened devicetree (DTB, devicetree specification v0.4 chapter 5) reader: validates once, then reads without allocating.

/// A node of a devicetree, named by the offset of its BEGIN_NODE token in the blob.
public struct FDTNode: Equatable, Sendable {
    /// Byte offset of the node's BEGIN_NODE token from the start of the blob.
    public let offset: Int
}

/// A property of a node: its name (from the strings block) and its raw value.
public struct FDTProperty: Sendable {
    /// The property name, without NUL.
    public let name: FDTBytes
    /// The property value as stored (big-endian cells, strings with NULs, or empty).
    public let value: FDTBytes
}

/// A validated flattened devicetree blob.
///
/// `init` walks the whole structure block once and rejects anything malformed, so the
/// accessors afterwards cannot fail on structure; they return nil for what is absent.
// @implements SWR-HAL-FDT-1
public struct FDT: Sendable {
    /// The devicetree magic number (big-endian in the blob).
    public static let magic: UInt32 = 0xD00D_FEED
    /// Size of the version-17 header in bytes.
    public static let headerSize = 40
    /// The deepest node nesting accepted (root is depth 1).
    public static let maxDepth = 32
    /// The longest chain of phandle references followed (interrupt-parent, ranges parents).
    public static let maxPhandleHops = 16

    static let tokenBeginNode: UInt32 = 1
    static let tokenEndNode: UInt32 = 2
    static let tokenProp: UInt32 = 3
    static let tokenNop: UInt32 = 4
    static let tokenEnd: UInt32 = 9

    /// The whole blob, `totalsize` bytes.
    public let blob: FDTBytes
    /// The header's `version`.
    public let version: UInt32
    /// The physical ID of the boot CPU from the header.
    public let bootCPU: UInt32
    let structStart: Int
    let structEnd: Int
    let stringsStart: Int
    let stringsEnd: Int
    /// The root node.
    public private(set) var root: FDTNode

    /// The `totalsize` field of a blob whose header starts at `pointer`, when its magic is right.
    /// Boot code uses this to size the buffer before validating it.
    public static func totalSize(at pointer: UnsafeRawPointer) -> Int? {
        let header = FDTBytes(UnsafeRawBufferPointer(start: pointer, count: 8))
        guard header.u32(at: 0) == magic, let size = header.u32(at: 4) else { return nil }
        return Int(size)
    }

    /// Validates `bytes` as a devicetree blob; `bytes` may be longer than the blob's `totalsize`.
    public init(bytes: UnsafeRawBufferPointer) throws(FDTError) {
        let all = FDTBytes(bytes)
        guard all.count >= FDT.headerSize else { throw .truncatedHeader(available: all.count) }
        // The header is 10 big-endian words.
        func word(_ i: Int) -> UInt32 { all.u32(at: i * 4)! }
        let magic = word(0)
        guard magic == FDT.magic else { throw .badMagic(magic) }
        let totalSize = word(1)
        guard Int(totalSize) >= FDT.headerSize, Int(totalSize) <= all.count else {
            throw .badTotalSize(totalSize: totalSize, available: all.count)
        }
        let version = word(5)
        let lastCompatible = word(6)
        guard version >= 16, lastCompatible <= 17 else { throw .unsupportedVersion(version) }
        let total = Int(totalSize)
        let offStruct = Int(word(2))
        let offStrings = Int(word(3))
        let offReserve = Int(word(4))
        let sizeStrings = Int(word(8))
        // Version 16 has no size_dt_struct: the block may run to the end of the blob.
        let sizeStruct = version >= 17 ? Int(word(9)) : total - min(offStruct, total)
        guard offStruct >= FDT.headerSize, offStruct % 4 == 0, offStruct <= total, sizeStruct <= total - offStruct else {
            throw .blockOutOfBounds(.structure)
        }
        guard offStrings <= total, sizeStrings <= total - offStrings else { throw .blockOutOfBounds(.strings) }
        guard offReserve % 8 == 0, offReserve >= FDT.headerSize, offReserve <= total - 16 else {
            throw .blockOutOfBounds(.memoryReservation)
        }
        self.blob = all.slice(0, total)
        self.version = version
        self.bootCPU = word(7)
        self.structStart = offStruct
        self.structEnd = offStruct + sizeStruct
        self.stringsStart = offStrings
        self.stringsEnd = offStrings + sizeStrings
        self.root = FDTNode(offset: offStruct)
        self.root = try validateStructure()
    }

    // MARK: Tokens

    enum Token {
        case beginNode(name: FDTBytes)
        case endNode
        case property(nameOffset: UInt32, value: FDTBytes)
        case nop
        case end
    }

    /// Decodes the token at `offset`, returning it and the offset of the next token.
    func token(at offset: Int) throws(FDTError) -> (Token, Int) {
        guard offset >= structStart, offset <= structEnd - 4, let tag = blob.u32(at: offset) else {
            throw .truncatedStructure(offset: offset)
        }
        let body = offset + 4
        switch tag {
        case FDT.tokenBeginNode:
            var end = body
            while true {
                guard end < structEnd else { throw .unterminatedNodeName(offset: offset) }
                if blob.raw[end] == 0 { break }
                end += 1
            }
            return (.beginNode(name: blob.slice(body, end)), FDT.align4(end + 1))
        case FDT.tokenEndNode:
            return (.endNode, body)
        case FDT.tokenProp:
            guard body <= structEnd - 8, let length = blob.u32(at: body), let nameOffset = blob.u32(at: body + 4) else {
                throw .truncatedStructure(offset: offset)
            }
            let valueStart = body + 8
            guard Int(length) <= structEnd - valueStart else { throw .propertyOutOfBounds(offset: offset) }
            let valueEnd = valueStart + Int(length)
            return (.property(nameOffset: nameOffset, value: blob.slice(valueStart, valueEnd)), FDT.align4(valueEnd))
        case FDT.tokenNop:
            return (.nop, body)
        case FDT.tokenEnd:
            return (.end, body)
        default:
            throw .unknownToken(tag, offset: offset)
        }
    }

    static func align4(_ value: Int) -> Int { (value + 3) & ~3 }

    /// The property name stored at `nameOffset` in the strings block.
    func propertyName(_ nameOffset: UInt32, tokenOffset: Int) throws(FDTError) -> FDTBytes {
        let start = stringsStart + Int(nameOffset)
        guard Int(nameOffset) < stringsEnd - stringsStart else { throw .badNameOffset(nameOffset, offset: tokenOffset) }
        var end = start
        while true {
            guard end < stringsEnd else { throw .unterminatedString(offset: tokenOffset) }
            if blob.raw[end] == 0 { break }
            end += 1
        }
        return blob.slice(start, end)
    }

    /// Walks every token once: balanced nodes, bounded depth, names inside their blocks, exactly one root, then END.
    private func validateStructure() throws(FDTError) -> FDTNode {
        var offset = structStart
        var depth = 0
        var rootNode: FDTNode?
        var rootClosed = false
        while true {
            if offset >= structEnd { throw .missingEnd }
            let (tok, next) = try token(at: offset)
            switch tok {
            case .beginNode:
                if depth == 0 {
                    guard rootNode == nil else { throw .unbalancedEndNode(offset: offset) }
                    rootNode = FDTNode(offset: offset)
                }
                depth += 1
                guard depth <= FDT.maxDepth else { throw .nestingTooDeep(offset: offset) }
            case .endNode:
                guard depth > 0 else { throw .unbalancedEndNode(offset: offset) }
                depth -= 1
                if depth == 0 { rootClosed = true }
            case .property(let nameOffset, _):
                guard depth > 0 else { throw .unbalancedEndNode(offset: offset) }
                _ = try propertyName(nameOffset, tokenOffset: offset)
            case .nop:
                break
            case .end:
                guard depth == 0, rootClosed, let found = rootNode else {
                    throw rootNode == nil ? .noRootNode : .missingEnd
                }
                return found
            }
            offset = next
        }
    }

    // MARK: Nodes and properties (on a validated blob these cannot fail)

    /// The node's name including any unit address (`serial@10000000`); empty for the root.
    public func name(of node: FDTNode) -> FDTBytes {
        guard let (tok, _) = try? token(at: node.offset), case .beginNode(let name) = tok else { return FDTBytes(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return name
    }

    /// The offset of the first token after the node's name.
    func bodyStart(of node: FDTNode) -> Int? {
        guard let (tok, next) = try? token(at: node.offset), case .beginNode = tok else { return nil }
        return next
    }

    /// The node's properties, in blob order.
    public func properties(of node: FDTNode) -> FDTPropertyIterator {
        FDTPropertyIterator(fdt: self, offset: bodyStart(of: node) ?? structEnd)
    }

    /// The value of the property called `name`, or nil.
    public func property(_ name: StaticString, of node: FDTNode) -> FDTBytes? {
        var iterator = properties(of: node)
        while let property = iterator.next() {
            if property.name.equals(name) { return property.value }
        }
        return nil
    }

    /// The node's direct children, in blob order.
    public func children(of node: FDTNode) -> FDTChildIterator {
        FDTChildIterator(fdt: self, offset: bodyStart(of: node) ?? structEnd)
    }

    /// Every node of the tree in depth-first order, with its depth (root = 1).
    public var allNodes: FDTNodeIterator { FDTNodeIterator(fdt: self, offset: root.offset) }

    /// The child of `node` whose name is `component`; a component without `@` also matches a name with a unit address.
    public func child(of node: FDTNode, named component: FDTBytes) -> FDTNode? {
        let wantsUnit = component.firstIndex(of: UInt8(ascii: "@")) != nil
        var iterator = children(of: node)
        while let candidate = iterator.next() {
            let candidateName = name(of: candidate)
            if candidateName.equals(component) { return candidate }
            if !wantsUnit, let at = candidateName.firstIndex(of: UInt8(ascii: "@")),
               candidateName.slice(0, at).equals(component) {
                return candidate
            }
        }
        return nil
    }

    /// The node at an absolute path such as `/soc/serial@10000000`, or nil.
    public func node(atPath path: FDTBytes) -> FDTNode? {
        guard path.byte(at: 0) == UInt8(ascii: "/") else { return nil }
        var current = root
        var start = 1
        while start < path.count {
            var end = start
            while end < path.count, path.raw[end] != UInt8(ascii: "/") { end += 1 }
            if end > start {
                guard let next = child(of: current, named: path.slice(start, end)) else { return nil }
                current = next
            }
            start = end + 1
        }
        return current
    }

    /// The node at an absolute path given as a literal.
    public func node(atPath path: StaticString) -> FDTNode? { node(atPath: FDTBytes(path)) }

    /// Resolves a path or an alias name (from `/aliases`) to a node.
    public func resolve(pathOrAlias: FDTBytes) -> FDTNode? {
        if pathOrAlias.byte(at: 0) == UInt8(ascii: "/") { return node(atPath: pathOrAlias) }
        guard let aliases = node(atPath: "/aliases") else { return nil }
        var iterator = properties(of: aliases)
        while let property = iterator.next() {
            if property.name.equals(pathOrAlias) {
                let target = property.value.firstString
                // An alias must name a full path; anything else would let aliases chain.
                return target.byte(at: 0) == UInt8(ascii: "/") ? node(atPath: target) : nil
            }
        }
        return nil
    }

    /// The node whose `phandle` (or legacy `linux,phandle`) is `phandle`.
    public func node(phandle: UInt32) -> FDTNode? {
        var iterator = allNodes
        while let (candidate, _) = iterator.next() {
            if let value = property("phandle", of: candidate) ?? property("linux,phandle", of: candidate),
               value.count == 4, value.u32(at: 0) == phandle {
                return candidate
            }
        }
        return nil
    }

    /// The parent of `node`, or nil for the root.
    public func parent(of node: FDTNode) -> FDTNode? {
        var stack = InlineArray<33, Int>(repeating: 0)  // maxDepth + 1 offsets
        var iterator = allNodes
        while let (candidate, depth) = iterator.next() {
            stack[depth] = candidate.offset
            if candidate == node { return depth > 1 ? FDTNode(offset: stack[depth - 1]) : nil }
        }
        return nil
    }

    /// Whether the node's `compatible` list contains `string`.
    public func isCompatible(_ node: FDTNode, with string: StaticString) -> Bool {
        property("compatible", of: node)?.containsString(string) ?? false
    }

    /// The first node whose `compatible` contains `string`.
    public func firstNode(compatibleWith string: StaticString) -> FDTNode? {
        var iterator = allNodes
        while let (candidate, _) = iterator.next() {
            if isCompatible(candidate, with: string) { return candidate }
        }
        return nil
    }

    /// Whether the node is enabled (`status` absent, "okay" or "ok").
    public func isEnabled(_ node: FDTNode) -> Bool {
        guard let status = property("status", of: node)?.firstString else { return true }
        return status.equals("okay") || status.equals("ok")
    }

    /// `#address-cells` declared by `node` for its children (default 2).
    public func addressCells(of node: FDTNode) -> Int {
        Int(property("#address-cells", of: node)?.u32(at: 0) ?? 2)
    }

    /// `#size-cells` declared by `node` for its children (default 1).
    public func sizeCells(of node: FDTNode) -> Int {
        Int(property("#size-cells", of: node)?.u32(at: 0) ?? 1)
    }
}

/// Iterates a node's properties.
public struct FDTPropertyIterator: IteratorProtocol {
    let fdt: FDT
    var offset: Int

    /// The next property, or nil at the first child or the end of the node.
    public mutating func next() -> FDTProperty? {
        while let (tok, next) = try? fdt.token(at: offset) {
            switch tok {
            case .nop:
                offset = next
            case .property(let nameOffset, let value):
                guard let name = try? fdt.propertyName(nameOffset, tokenOffset: offset) else { return nil }
                offset = next
                return FDTProperty(name: name, value: value)
            default:
                return nil
            }
        }
        return nil
    }
}

/// Iterates a node's direct children, skipping grandchildren.
public struct FDTChildIterator: IteratorProtocol {
    let fdt: FDT
    var offset: Int
    var finished = false

    /// The next child, or nil after the node's END_NODE.
    public mutating func next() -> FDTNode? {
        while !finished, let (tok, next) = try? fdt.token(at: offset) {
            let here = offset
            offset = next
            switch tok {
            case .beginNode:
                skipSubtree()  // so the following call starts at this child's next sibling
                return FDTNode(offset: here)
            case .endNode, .end:
                finished = true
            case .property, .nop:
                break
            }
        }
        return nil
    }

    /// Advances `offset` past the END_NODE that closes the node just entered.
    private mutating func skipSubtree() {
        var depth = 1
        while depth > 0, let (tok, next) = try? fdt.token(at: offset) {
            offset = next
            switch tok {
            case .beginNode: depth += 1
            case .endNode: depth -= 1
            case .end: finished = true; return
            default: break
            }
        }
    }
}

/// Iterates every node depth-first, with its depth (root = 1).
public struct FDTNodeIterator: IteratorProtocol {
    let fdt: FDT
    var offset: Int
    var depth = 0

    /// The next node and its depth, or nil at the end of the tree.
    public mutating func next() -> (FDTNode, Int)? {
        while let (tok, next) = try? fdt.token(at: offset) {
            let here = offset
            offset = next
            switch tok {
            case .beginNode:
                depth += 1
                return (FDTNode(offset: here), depth)
            case .endNode:
                depth -= 1
                if depth <= 0 { return nil }
            case .end:
                return nil
            case .property, .nop:
                break
            }
        }
        return nil
    }
}
