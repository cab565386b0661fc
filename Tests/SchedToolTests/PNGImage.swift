// A minimal PNG reader for the browser-render test: zlib inflate (RFC 1950/1951) and the PNG row filters,
// for 8-bit RGB and RGBA images without interlacing (what headless Chromium writes).

struct PNGError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Decoded pixels, RGB per pixel (alpha dropped).
struct PNGImage {
    let width: Int
    let height: Int
    /// 3 bytes per pixel, row by row.
    let rgb: [UInt8]

    init(_ data: [UInt8]) throws {
        guard data.count > 8, Array(data[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw PNGError("not a PNG") }
        var position = 8
        var header: [UInt8] = []
        var compressed: [UInt8] = []
        func u32(_ at: Int) -> Int { Int(data[at]) << 24 | Int(data[at + 1]) << 16 | Int(data[at + 2]) << 8 | Int(data[at + 3]) }
        while position + 8 <= data.count {
            let length = u32(position)
            let type = String(decoding: data[(position + 4)..<(position + 8)], as: UTF8.self)
            let start = position + 8
            guard start + length + 4 <= data.count else { throw PNGError("truncated chunk \(type)") }
            let body = Array(data[start..<(start + length)])
            if type == "IHDR" { header = body }
            if type == "IDAT" { compressed += body }
            if type == "IEND" { break }
            position = start + length + 4
        }
        guard header.count == 13 else { throw PNGError("no IHDR") }
        let width = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        let height = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
        guard header[8] == 8, header[12] == 0 else { throw PNGError("only 8-bit, non-interlaced PNGs are read (depth \(header[8]), interlace \(header[12]))") }
        let channels: Int
        switch header[9] {
        case 2: channels = 3
        case 6: channels = 4
        default: throw PNGError("colour type \(header[9]) is not read")
        }
        guard compressed.count > 2 else { throw PNGError("no image data") }
        var inflater = Inflater(Array(compressed[2...]))  // skip the zlib header
        let raw = try inflater.inflate()
        let stride = width * channels
        guard raw.count >= height * (stride + 1) else { throw PNGError("image data too short: \(raw.count) for \(width)x\(height)") }
        var previous = [UInt8](repeating: 0, count: stride)
        var rgb: [UInt8] = []
        rgb.reserveCapacity(width * height * 3)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            var row = Array(raw[(y * (stride + 1) + 1)..<((y + 1) * (stride + 1))])
            for x in 0..<stride {
                let a = x >= channels ? Int(row[x - channels]) : 0
                let b = Int(previous[x])
                let c = x >= channels ? Int(previous[x - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let pa: Int = Swift.abs(p - a)
                    let pb: Int = Swift.abs(p - b)
                    let pc: Int = Swift.abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw PNGError("unknown row filter \(filter)")
                }
                row[x] = UInt8((Int(row[x]) + predictor) & 0xFF)
            }
            for x in 0..<width { rgb += row[(x * channels)..<(x * channels + 3)] }
            previous = row
        }
        self.width = width
        self.height = height
        self.rgb = rgb
    }

    /// How many pixels have each colour (packed 0xRRGGBB).
    func histogram() -> [UInt32: Int] {
        var counts: [UInt32: Int] = [:]
        var k = 0
        while k < rgb.count {
            counts[UInt32(rgb[k]) << 16 | UInt32(rgb[k + 1]) << 8 | UInt32(rgb[k + 2]), default: 0] += 1
            k += 3
        }
        return counts
    }
}

/// Deflate decoding (stored, fixed and dynamic Huffman blocks), canonical codes decoded bit by bit.
struct Inflater {
    let input: [UInt8]
    var position = 0
    var bitBuffer = 0
    var bitCount = 0
    var output: [UInt8] = []

    init(_ input: [UInt8]) { self.input = input }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                               4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// A canonical Huffman code: how many codes of each length, and the symbols in code order.
    struct Code {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        init(lengths: [Int]) {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var offsets = [Int](repeating: 0, count: 16)
            for l in 1..<16 { offsets[l] = offsets[l - 1] + counts[l - 1] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, l) in lengths.enumerated() where l != 0 {
                symbols[offsets[l]] = symbol
                offsets[l] += 1
            }
        }
    }

    mutating func bits(_ n: Int) throws -> Int {
        while bitCount < n {
            guard position < input.count else { throw PNGError("deflate stream ends early") }
            bitBuffer |= Int(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        let value = bitBuffer & ((1 << n) - 1)
        bitBuffer >>= n
        bitCount -= n
        return value
    }

    mutating func decode(_ code: Code) throws -> Int {
        var value = 0, first = 0, index = 0
        for length in 1..<16 {
            value |= try bits(1)
            let count = code.counts[length]
            if value - count < first { return code.symbols[index + value - first] }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        throw PNGError("bad Huffman code")
    }

    mutating func inflate() throws -> [UInt8] {
        var last = false
        while !last {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0:
                bitBuffer = 0
                bitCount = 0
                guard position + 4 <= input.count else { throw PNGError("stored block header cut short") }
                let length = Int(input[position]) | Int(input[position + 1]) << 8
                position += 4
                guard position + length <= input.count else { throw PNGError("stored block cut short") }
                output += input[position..<(position + length)]
                position += length
            case 1:
                var lengths = [Int](repeating: 8, count: 288)
                for s in 144..<256 { lengths[s] = 9 }
                for s in 256..<280 { lengths[s] = 7 }
                try codes(Code(lengths: lengths), Code(lengths: [Int](repeating: 5, count: 30)))
            case 2:
                let literalCount = try bits(5) + 257
                let distanceCount = try bits(5) + 1
                let codeLengthCount = try bits(4) + 4
                var codeLengths = [Int](repeating: 0, count: 19)
                for k in 0..<codeLengthCount { codeLengths[Inflater.codeLengthOrder[k]] = try bits(3) }
                let lengthCode = Code(lengths: codeLengths)
                var lengths: [Int] = []
                while lengths.count < literalCount + distanceCount {
                    let symbol = try decode(lengthCode)
                    switch symbol {
                    case 0..<16: lengths.append(symbol)
                    case 16:
                        guard let previous = lengths.last else { throw PNGError("repeat with no previous length") }
                        lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
                    case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
                    default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
                    }
                }
                try codes(Code(lengths: Array(lengths[0..<literalCount])), Code(lengths: Array(lengths[literalCount..<(literalCount + distanceCount)])))
            default:
                throw PNGError("invalid block type")
            }
        }
        return output
    }

    mutating func codes(_ literals: Code, _ distances: Code) throws {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 { output.append(UInt8(symbol)); continue }
            if symbol == 256 { return }
            let k = symbol - 257
            guard k < Inflater.lengthBase.count else { throw PNGError("bad length symbol") }
            let length = Inflater.lengthBase[k] + (try bits(Inflater.lengthExtra[k]))
            let d = try decode(distances)
            guard d < Inflater.distanceBase.count else { throw PNGError("bad distance symbol") }
            let distance = Inflater.distanceBase[d] + (try bits(Inflater.distanceExtra[d]))
            guard distance <= output.count else { throw PNGError("distance beyond the output") }
            let from = output.count - distance
            for m in 0..<length { output.append(output[from + m]) }
        }
    }
}
