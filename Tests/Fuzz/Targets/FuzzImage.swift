// Fuzz targets of `orion image` / `orion flash`'s readers: the MBR of an image or card, the orion.txt manifest
// read back from a card, and the host's mount and swap tables with the refusals decided from them.

import ImageTool

enum FuzzImage {
    static func mbr(_ input: UnsafeRawBufferPointer) {
        var reader = FuzzReader(input)
        let diskSectors = UInt64(reader.uint32())
        let sector = [UInt8](reader.rest())
        guard let table = try? MBR(sector: sector, diskBytes: diskSectors == 0 ? nil : diskSectors * 512) else { return }
        invariant(table.partitions.count <= 4, "more than four primary partitions")
        for (index, partition) in table.partitions.enumerated() {
            invariant(partition.type != 0 && partition.sectors > 0 && partition.firstSector > 0, "an empty entry was accepted")
            if diskSectors != 0 {
                invariant(UInt64(partition.firstSector) + UInt64(partition.sectors) <= diskSectors, "a partition past the disk")
            }
            for other in table.partitions[(index + 1)...] {
                let overlap = UInt64(partition.firstSector) < UInt64(other.firstSector) + UInt64(other.sectors)
                    && UInt64(other.firstSector) < UInt64(partition.firstSector) + UInt64(partition.sectors)
                invariant(!overlap, "overlapping partitions were accepted")
            }
        }
    }

    static func manifest(_ input: UnsafeRawBufferPointer) {
        guard let manifest = try? ImageManifest.parse([UInt8](input)) else { return }
        invariant(manifest.kernelSHA256.utf8.count == 64, "a hash of the wrong length")
        // What is written reads back the same, apart from line breaks a value cannot hold.
        let again = try? ImageManifest.parse(Array(manifest.text().utf8))
        invariant(again != nil, "a parsed manifest does not read back: \(manifest)")
    }

    static func mountinfo(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        let mounts = (try? HostTables.mountInfo(text)) ?? []
        let swaps = (try? HostTables.swaps(text)) ?? []
        let disk = BlockDisk(name: "sdz", device: "8:200", removable: true, bytes: 32 << 30, vendor: "", model: "",
                             partitions: [("sdz1", "8:201"), ("sdz2", "8:202")], holders: [])
        let refusals = FlashSafety.refusals(disk: disk, mounts: mounts, swaps: swaps, imageBytes: 64 << 20, force: true)
        for refusal in refusals { invariant(!refusal.overridable, "--force left an overridable refusal") }
        let usesDisk = mounts.contains { ["8:200", "8:201", "8:202"].contains($0.device) }
        invariant(!usesDisk || !refusals.isEmpty, "a mounted partition of the disk was not refused")
    }
}
