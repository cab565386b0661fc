// Where the Pi firmware and devicetrees come from: `--firmware DIR`, else the caches Tools/fetch-debs fills
// (~/.cache/orion-rt/raspi-firmware from Debian's raspi-firmware, ~/.cache/orion-rt/raspi-dtbs from the
// arm64 kernel package), fetched when missing. ORION_CACHE_DIR moves the cache folder (as for QEMU 10) and
// ORION_FIRMWARE_SUITE=none turns fetching off (test hooks; the suite is bookworm otherwise).

import Foundation

/// A file resolved for the card with where it came from, for the manifest.
public struct SourcedFiles: Sendable, Equatable {
    /// Card name → host path.
    public let files: [String: String]
    /// `raspi-firmware 1.20220830+ds-1` or `directory /path`.
    public let origin: String
}

/// Finding (and fetching) the Pi firmware and devicetrees.
public struct PiFirmware: Sendable {
    /// The cache base (`~/.cache/orion-rt`).
    public let cache: String
    /// The Debian suite to fetch from, nil when fetching is off.
    public let suite: String?
    /// `Tools/fetch-debs` of the checkout.
    public let fetchDebs: String

    /// Fetching into the cache folder `cache` (`orion`'s cache, ~/.cache/orion-rt) with the checkout at `root`'s
    /// Tools/fetch-debs; the suite from ORION_FIRMWARE_SUITE (bookworm when unset, `none` turns fetching off).
    public init(root: String, cache: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.cache = cache
        let wanted = environment["ORION_FIRMWARE_SUITE"].flatMap { $0.isEmpty ? nil : $0 } ?? "bookworm"
        suite = wanted == "none" ? nil : wanted
        fetchDebs = root + "/Tools/fetch-debs"
    }

    var firmwareCache: String { cache + "/raspi-firmware" }
    var firmwareFolder: String { firmwareCache + "/root/usr/lib/raspi-firmware" }
    var dtbCache: String { cache + "/raspi-dtbs" }

    /// The firmware files of `profile`: from `directory` when given (all must be there), else from the cache,
    /// fetching it when a file is missing. Throws a message naming `--firmware` when neither works.
    public func firmware(for profile: RaspiProfile, directory: String?) throws(ImageToolError) -> SourcedFiles {
        if let directory {
            let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
            let missing = profile.firmwareFiles.filter { !FileManager.default.isReadableFile(atPath: absolute + "/" + $0) }
            guard missing.isEmpty else {
                throw ImageToolError("--firmware \(directory): \(missing.joined(separator: ", ")) missing (a \(profile.board) card needs "
                    + "\(profile.firmwareFiles.joined(separator: ", ")), from Debian's raspi-firmware or github.com/raspberrypi/firmware boot/)")
            }
            return SourcedFiles(files: Dictionary(uniqueKeysWithValues: profile.firmwareFiles.map { ($0, absolute + "/" + $0) }),
                                origin: "directory \(absolute)")
        }
        func present() -> Bool { profile.firmwareFiles.allSatisfy { FileManager.default.isReadableFile(atPath: firmwareFolder + "/" + $0) } }
        if !present() {
            guard let suite else {
                throw ImageToolError("the Raspberry Pi firmware is not in \(firmwareFolder) and fetching is off (ORION_FIRMWARE_SUITE=none): "
                    + "pass --firmware DIR with \(profile.firmwareFiles.joined(separator: ", "))")
            }
            FileHandle.standardError.write(Data("orion: fetching the Raspberry Pi firmware (Debian raspi-firmware, \(suite) non-free-firmware) into \(firmwareCache)\n".utf8))
            let result = try ImageHostTools.run(fetchDebs, ["--suite", suite, "--components", "non-free-firmware", "--into", firmwareCache, "raspi-firmware"])
            guard result.status == 0, present() else {
                throw ImageToolError("cannot fetch the Raspberry Pi firmware (Tools/fetch-debs --suite \(suite) raspi-firmware: "
                    + "\(result.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last ?? "failed")): "
                    + "pass --firmware DIR with \(profile.firmwareFiles.joined(separator: ", "))")
            }
        }
        let version = Self.version(of: "raspi-firmware", in: firmwareCache) ?? "unknown version"
        return SourcedFiles(files: Dictionary(uniqueKeysWithValues: profile.firmwareFiles.map { ($0, firmwareFolder + "/" + $0) }),
                            origin: "raspi-firmware \(version)")
    }

    /// The devicetree of `profile`: `directory/NAME` when `--firmware` holds it, else from the cache, fetched
    /// from Debian's arm64 kernel package when missing.
    public func devicetree(for profile: RaspiProfile, directory: String?) throws(ImageToolError) -> SourcedFiles {
        let name = profile.devicetree
        if let directory {
            let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path + "/" + name
            if FileManager.default.isReadableFile(atPath: absolute) {
                return SourcedFiles(files: [name: absolute], origin: "\(name) from directory \(URL(fileURLWithPath: absolute).deletingLastPathComponent().path)")
            }
        }
        if let found = cachedDevicetree(name) { return found }
        guard let suite else {
            throw ImageToolError("the devicetree \(name) is not in \(dtbCache) and fetching is off (ORION_FIRMWARE_SUITE=none): "
                + "put it in the --firmware DIR")
        }
        FileHandle.standardError.write(Data("orion: fetching the Pi devicetrees (Debian linux-image-arm64, \(suite)) into \(dtbCache)\n".utf8))
        // The metapackage names the versioned kernel package in its Depends.
        let meta = try ImageHostTools.run(fetchDebs, ["--suite", suite, "--arch", "arm64", "--into", dtbCache + "/meta", "linux-image-arm64"])
        let control = meta.status == 0 ? Self.dependsOfKernelMeta(cache: dtbCache + "/meta") : nil
        guard let package = control else {
            throw ImageToolError("cannot fetch the devicetree \(name) (linux-image-arm64 from \(suite)): put it in the --firmware DIR")
        }
        let result = try ImageHostTools.run(fetchDebs, ["--suite", suite, "--arch", "arm64", "--only", "./usr/lib/linux-image-*/broadcom/bcm2*-rpi-*",
                                                        "--into", dtbCache, package])
        guard result.status == 0, let found = cachedDevicetree(name) else {
            throw ImageToolError("cannot fetch the devicetree \(name) (\(package) from \(suite)): put it in the --firmware DIR")
        }
        return found
    }

    func cachedDevicetree(_ name: String) -> SourcedFiles? {
        let lib = dtbCache + "/root/usr/lib"
        let kernels = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).filter { $0.hasPrefix("linux-image-") }.sorted()
        for kernel in kernels.reversed() {
            let path = lib + "/" + kernel + "/broadcom/" + name
            if FileManager.default.isReadableFile(atPath: path) {
                let version = Self.version(of: kernel, in: dtbCache) ?? "unknown version"
                return SourcedFiles(files: [name: path], origin: "\(name) from \(kernel) \(version)")
            }
        }
        return nil
    }

    /// The versioned kernel package (`linux-image-6.1.0-50-arm64`) the metapackage fetched into `cache` depends
    /// on, read from its unpacked changelog folder name (`usr/share/doc/linux-image-6.1.0-50-arm64`) or the private
    /// apt lists.
    static func dependsOfKernelMeta(cache: String) -> String? {
        let lists = cache + "/apt/lists"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: lists)) ?? []).filter { $0.hasSuffix("_Packages") }
        for file in files {
            guard let text = try? String(contentsOfFile: lists + "/" + file, encoding: .utf8) else { continue }
            for stanza in text.components(separatedBy: "\n\n") where stanza.hasPrefix("Package: linux-image-arm64\n") {
                for line in stanza.split(separator: "\n") where line.hasPrefix("Depends: ") {
                    let first = line.dropFirst("Depends: ".count).split(separator: ",").first?.split(separator: " ").first
                    if let first, first.hasPrefix("linux-image-") { return String(first) }
                }
            }
        }
        return nil
    }

    /// The version fetch-debs recorded for `package` in `cache/versions.tsv`.
    public static func version(of package: String, in cache: String) -> String? {
        guard let text = try? String(contentsOfFile: cache + "/versions.tsv", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            if fields.count == 2, fields[0] == package { return String(fields[1]) }
        }
        return nil
    }
}
