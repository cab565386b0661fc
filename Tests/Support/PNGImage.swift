// Enough of PNG to look at the pixels of a browser's screenshot: the chunks, zlib/DEFLATE (RFC 1950/1951)
// and the row filters, for 8-bit RGB and RGBA without interlacing (what headless Chromium writes).

import Foundation

/// A decoded PNG: 8-bit RGB or RGBA, not interlaced (alpha dropped).
public struct PNGImage: Sendable {
    public var width: Int
    public var height: Int
    /// The decoded rows (possibly fewer than `height`), 0xRRGGBB per pixel.
    public var rows: [[UInt32]]

    public struct Malformed: Error, CustomStringConvertible { public var description: String }

    /// Decodes the first `maxRows` rows (all of them by default).
    public init(_ data: Data, maxRows: Int = .max) throws {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8].elementsEqual([137, 80, 78, 71, 13, 10, 26, 10]) else { throw Malformed(description: "no PNG signature") }
        var offset = 8
        var header: [UInt8] = []
        var compressed: [UInt8] = []
        func be32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        while offset + 12 <= bytes.count {
            let length = be32(offset)
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            guard offset + 12 + length <= bytes.count else { throw Malformed(description: "chunk \(type) runs past the end") }
            let body = bytes[offset + 8..<offset + 8 + length]
            if type == "IHDR" { header = Array(body) }
            if type == "IDAT" { compressed += body }
            offset += 12 + length
            if type == "IEND" { break }
        }
        guard header.count == 13 else { throw Malformed(description: "no IHDR") }
        width = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        height = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
        guard header[8] == 8, header[9] == 2 || header[9] == 6, header[12] == 0 else {
            throw Malformed(description: "bit depth \(header[8]), colour type \(header[9]), interlace \(header[12]): not handled")
        }
        let channels = header[9] == 6 ? 4 : 3
        let stride = width * channels
        let wanted = min(maxRows, height)
        guard compressed.count > 2, compressed[0] & 0x0F == 8 else { throw Malformed(description: "IDAT is not zlib deflate") }
        var inflater = Inflater(Array(compressed[2...]), limit: wanted * (stride + 1))
        let raw = try inflater.inflate()
        guard raw.count >= wanted * (stride + 1) else { throw Malformed(description: "image data ends after \(raw.count) bytes") }

        rows = []
        var previous = [UInt8](repeating: 0, count: stride)
        for y in 0..<wanted {
            let start = y * (stride + 1)
            let filter = raw[start]
            var line = Array(raw[start + 1...start + stride])
            for i in 0..<stride {
                let a = i >= channels ? Int(line[i - channels]) : 0
                let b = Int(previous[i])
                let c = i >= channels ? Int(previous[i - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw Malformed(description: "filter \(filter) on row \(y)")
                }
                line[i] = UInt8(truncatingIfNeeded: Int(line[i]) + predictor)
            }
            rows.append((0..<width).map { x in
                UInt32(line[x * channels]) << 16 | UInt32(line[x * channels + 1]) << 8 | UInt32(line[x * channels + 2])
            })
            previous = line
        }
    }

    /// How many distinct colours the decoded rows hold.
    public var colours: Int { Set(rows.joined()).count }

    /// How many decoded pixels have each colour (0xRRGGBB).
    public func histogram() -> [UInt32: Int] {
        var counts: [UInt32: Int] = [:]
        for pixel in rows.joined() { counts[pixel, default: 0] += 1 }
        return counts
    }
}

/// A DEFLATE decoder (RFC 1951) that stops once `limit` bytes are out.
struct Inflater {
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        init(lengths: [Int]) {
            for length in lengths { counts[length] += 1 }
            counts[0] = 0
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    let input: [UInt8]
    let limit: Int
    var position = 0
    var bitBuffer = 0
    var bitCount = 0
    var output: [UInt8] = []

    init(_ input: [UInt8], limit: Int) {
        self.input = input
        self.limit = limit
        output.reserveCapacity(limit)
    }

    mutating func bits(_ n: Int) throws -> Int {
        while bitCount < n {
            guard position < input.count else { throw PNGImage.Malformed(description: "deflate data ends early") }
            bitBuffer |= Int(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        let value = bitBuffer & ((1 << n) - 1)
        bitBuffer >>= n
        bitCount -= n
        return value
    }

    mutating func decode(_ h: Huffman) throws -> Int {
        var code = 0, first = 0, index = 0
        for length in 1...15 {
            code |= try bits(1)
            let count = h.counts[length]
            if code - first < count { return h.symbols[index + code - first] }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        throw PNGImage.Malformed(description: "bad Huffman code")
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let fixedLengths = Huffman(lengths: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })
    static let fixedDistances = Huffman(lengths: [Int](repeating: 5, count: 30))

    mutating func inflate() throws -> [UInt8] {
        var last = 0
        while last == 0 && output.count < limit {
            last = try bits(1)
            switch try bits(2) {
            case 0:
                bitBuffer = 0
                bitCount = 0
                guard position + 4 <= input.count else { throw PNGImage.Malformed(description: "stored block header") }
                let length = Int(input[position]) | Int(input[position + 1]) << 8
                position += 4
                guard position + length <= input.count else { throw PNGImage.Malformed(description: "stored block runs past the end") }
                output += input[position..<position + length]
                position += length
            case 1:
                try codes(Self.fixedLengths, Self.fixedDistances)
            case 2:
                let literals = try bits(5) + 257, distances = try bits(5) + 1, codeLengths = try bits(4) + 4
                var lengths = [Int](repeating: 0, count: 19)
                for i in 0..<codeLengths { lengths[[16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15][i]] = try bits(3) }
                let lengthCode = Huffman(lengths: lengths)
                var all: [Int] = []
                while all.count < literals + distances {
                    let symbol = try decode(lengthCode)
                    switch symbol {
                    case 0..<16: all.append(symbol)
                    case 16:
                        guard let previous = all.last else { throw PNGImage.Malformed(description: "repeat with nothing before") }
                        all += [Int](repeating: previous, count: 3 + (try bits(2)))
                    case 17: all += [Int](repeating: 0, count: 3 + (try bits(3)))
                    default: all += [Int](repeating: 0, count: 11 + (try bits(7)))
                    }
                }
                try codes(Huffman(lengths: Array(all[0..<literals])), Huffman(lengths: Array(all[literals..<literals + distances])))
            default:
                throw PNGImage.Malformed(description: "block type 3")
            }
        }
        return output
    }

    mutating func codes(_ lengths: Huffman, _ distances: Huffman) throws {
        while output.count < limit {
            let symbol = try decode(lengths)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let i = symbol - 257
                guard i < 29 else { throw PNGImage.Malformed(description: "length symbol \(symbol)") }
                let length = Self.lengthBase[i] + (try bits(Self.lengthExtra[i]))
                let d = try decode(distances)
                guard d < 30 else { throw PNGImage.Malformed(description: "distance symbol \(d)") }
                let distance = Self.distanceBase[d] + (try bits(Self.distanceExtra[d]))
                guard distance <= output.count else { throw PNGImage.Malformed(description: "distance too far back") }
                let from = output.count - distance
                for k in 0..<length { output.append(output[from + k]) }
            }
        }
    }
}
