// Fuzz targets of the portable kernel: the devicetree reader and everything the boot path reads from it.

import Kernel

enum FuzzKernel {
    /// A blob is either refused by `FDT(bytes:)` or walkable to the end with every accessor the platform
    /// probe uses; the walk is bounded by the blob, so it must finish.
    static func fdt(_ input: UnsafeRawBufferPointer) {
        guard let fdt = try? FDT(bytes: input) else { return }
        var nodes = 0
        var walk = fdt.allNodes
        while let (node, depth) = walk.next() {
            nodes += 1
            invariant(nodes <= input.count, "more nodes than bytes in the blob")
            invariant(depth >= 0, "negative depth")
            _ = fdt.name(of: node)
            var properties = fdt.properties(of: node)
            while let property = properties.next() {
                invariant(property.value.count <= input.count, "a property longer than the blob")
                var strings = property.value.strings
                while strings.next() != nil {}
                _ = property.value.number
            }
            // parent(of:) walks the tree from the root: for a few nodes only, or the target is quadratic.
            if nodes <= 16 { _ = fdt.parent(of: node) }
            _ = fdt.addressCells(of: node)
            _ = fdt.sizeCells(of: node)
            _ = fdt.regCount(of: node)
            _ = fdt.reg(0, of: node)
            _ = fdt.isEnabled(node)
            var children = fdt.children(of: node)
            while children.next() != nil {}
        }
        if let chosen = fdt.node(atPath: "/chosen"), let path = fdt.property("stdout-path", of: chosen) {
            _ = fdt.resolve(pathOrAlias: path.firstString)
        }
        _ = fdt.node(phandle: 1)
        _ = try? Platform(devicetree: fdt)
        _ = PCIHostBridge(devicetree: fdt)
    }
}
