// Decoding `reg` entries and translating bus addresses to CPU addresses through parents' `ranges`.

/// A physical address range.
public struct MemoryRange: Equatable, Sendable {
    /// First byte.
    public var base: UInt64
    /// Length in bytes.
    public var size: UInt64

    /// A range of `size` bytes at `base`.
    public init(base: UInt64, size: UInt64) {
        self.base = base
        self.size = size
    }
}

extension FDT {
    /// The number of entries in the node's `reg` property.
    public func regCount(of node: FDTNode) -> Int {
        guard let parentNode = parent(of: node), let reg = property("reg", of: node) else { return 0 }
        let entryCells = addressCells(of: parentNode) + sizeCells(of: parentNode)
        guard entryCells > 0 else { return 0 }
        return reg.count / (entryCells * 4)
    }

    /// Entry `index` of the node's `reg`, translated to a CPU physical address; nil if absent or not translatable.
    public func reg(_ index: Int, of node: FDTNode) -> MemoryRange? {
        guard let parentNode = parent(of: node), let reg = property("reg", of: node) else { return nil }
        let addressCells = addressCells(of: parentNode)
        let sizeCells = sizeCells(of: parentNode)
        let entryCells = addressCells + sizeCells
        guard entryCells > 0, addressCells <= 2, sizeCells <= 2, index >= 0 else { return nil }
        guard let address = reg.cells(at: index * entryCells, count: addressCells),
              let size = reg.cells(at: index * entryCells + addressCells, count: sizeCells) else { return nil }
        guard let translated = translate(address, onBusOf: parentNode) else { return nil }
        return MemoryRange(base: translated, size: size)
    }

    /// Translates an address on the bus that `bus`'s children sit on up to the root's address space.
    ///
    /// Missing `ranges` on a non-root bus means the address cannot be translated; empty `ranges` is identity.
    public func translate(_ address: UInt64, onBusOf bus: FDTNode) -> UInt64? {
        var value = address
        var current = bus
        var hops = 0
        while current != root {
            hops += 1
            guard hops <= FDT.maxDepth, let parentNode = parent(of: current) else { return nil }
            guard let ranges = property("ranges", of: current) else { return nil }
            if ranges.count > 0 {
                let childCells = addressCells(of: current)
                let parentCells = addressCells(of: parentNode)
                let sizeCells = sizeCells(of: current)
                // PCI-style child addresses (3 cells) carry flags in the first cell; only compare the low 2.
                let childLow = min(childCells, 2)
                let entryCells = childCells + parentCells + sizeCells
                guard entryCells > 0, parentCells <= 2, sizeCells <= 2 else { return nil }
                var matched: UInt64?
                var entry = 0
                while (entry + 1) * entryCells * 4 <= ranges.count {
                    let base = entry * entryCells
                    if let childBase = ranges.cells(at: base + childCells - childLow, count: childLow),
                       let parentBase = ranges.cells(at: base + childCells, count: parentCells),
                       let length = ranges.cells(at: base + childCells + parentCells, count: sizeCells),
                       value >= childBase, value - childBase < length {
                        matched = parentBase &+ (value - childBase)
                        break
                    }
                    entry += 1
                }
                guard let next = matched else { return nil }
                value = next
            }
            current = parentNode
        }
        return value
    }
}
