// The manifest `orion image` puts on the card (`orion.txt`): which board, app and build the card boots, the
// kernel's hash, and where the firmware and devicetree came from. `orion flash` reads it back from a card to
// tell "already flashed" (as humility compares the image on a part).

/// The contents of `orion.txt`: `key=value` lines, a `#` comment first.
public struct ImageManifest: Sendable, Equatable {
    /// `raspi3b`, `raspi4b`.
    public var board: String
    /// The guest application.
    public var app: String
    /// `debug` or `release`.
    public var configuration: String
    /// Orion RT's version (Kernel/Version.swift).
    public var orionVersion: String
    /// SHA-256 of kernel8.img, lowercase hex.
    public var kernelSHA256: String
    /// kernel8.img's size in bytes.
    public var kernelBytes: Int
    /// `raspi-firmware 1.20220830+ds-1`, or `directory PATH` for `--firmware`.
    public var firmware: String
    /// `bcm2837-rpi-3-b.dtb from linux-image-6.1.0-50-arm64 6.1.176-1`.
    public var devicetree: String
    /// What made the image.
    public var tool: String

    /// The manifest format this code writes and reads.
    public static let format = "1"
    /// The largest manifest read (a card's file could be anything).
    public static let maximumBytes = 4096

    /// A manifest with every field.
    public init(board: String, app: String, configuration: String, orionVersion: String, kernelSHA256: String,
                kernelBytes: Int, firmware: String, devicetree: String, tool: String) {
        self.board = board
        self.app = app
        self.configuration = configuration
        self.orionVersion = orionVersion
        self.kernelSHA256 = kernelSHA256
        self.kernelBytes = kernelBytes
        self.firmware = firmware
        self.devicetree = devicetree
        self.tool = tool
    }

    static let keys = ["format", "board", "app", "configuration", "orion-version", "kernel-sha256", "kernel-bytes",
                       "firmware", "devicetree", "tool"]

    /// The file's text.
    // @implements SWR-FLASH-IMAGE-2
    public func text() -> String {
        let values = [Self.format, board, app, configuration, orionVersion, kernelSHA256, String(kernelBytes), firmware, devicetree, tool]
        var out = "# Orion RT SD card manifest (orion image); orion flash compares it to tell an already flashed card.\n"
        for (key, value) in zip(Self.keys, values) { out += "\(key)=\(Self.clean(value))\n" }
        return out
    }

    /// A value on one line: line breaks become spaces.
    static func clean(_ value: String) -> String {
        String(value.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    /// Reads a manifest; throws naming the line or the missing key. Unknown keys are refused too (a newer
    /// format), as is a file over 4096 bytes, a duplicate key, a bad hash or size.
    // @implements SWR-FLASH-IMAGE-2
    public static func parse(_ bytes: [UInt8]) throws(ImageToolError) -> ImageManifest {
        guard bytes.count <= maximumBytes else { throw ImageToolError("orion.txt: \(bytes.count) bytes, more than a manifest's \(maximumBytes)") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ImageToolError("orion.txt: not UTF-8 text") }
        var values: [String: String] = [:]
        var number = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else { throw ImageToolError("orion.txt:\(number): not key=value") }
            let key = String(line[..<equals]), value = String(line[line.index(after: equals)...])
            guard keys.contains(key) else { throw ImageToolError("orion.txt:\(number): unknown key '\(key)'") }
            guard values[key] == nil else { throw ImageToolError("orion.txt:\(number): '\(key)' given twice") }
            values[key] = value
        }
        for key in keys where values[key] == nil { throw ImageToolError("orion.txt: no '\(key)'") }
        guard values["format"] == format else { throw ImageToolError("orion.txt: format \(values["format"]!) (this orion reads \(format))") }
        let hash = values["kernel-sha256"]!
        guard hash.utf8.count == 64, hash.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw ImageToolError("orion.txt: kernel-sha256 is not 64 lowercase hex digits")
        }
        let sizeText = values["kernel-bytes"]!
        guard sizeText.utf8.count <= 12, sizeText.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let size = Int(sizeText) else {
            throw ImageToolError("orion.txt: kernel-bytes '\(sizeText)' is not a byte count")
        }
        return ImageManifest(board: values["board"]!, app: values["app"]!, configuration: values["configuration"]!,
                             orionVersion: values["orion-version"]!, kernelSHA256: hash, kernelBytes: size,
                             firmware: values["firmware"]!, devicetree: values["devicetree"]!, tool: values["tool"]!)
    }

    /// One line for messages: `raspi3b selftest (release), kernel 1a2b3c4d…`.
    public var summary: String {
        "\(board) \(app) (\(configuration)), Orion RT \(orionVersion), kernel8.img sha256 \(kernelSHA256.prefix(16))…"
    }
}
