import TSEncoding
import TSSupport

/// Encodes and decodes one rollup block: the buckets of one series at one level within one
/// rollup segment, all statistics in one body (docs/format/rollup.md). Framing (compression,
/// CRC32C) is the sample block's.
enum RollupBlockCodec {
    /// Appends the stored form of buckets `range` of `c`; returns its length.
    static func encode(_ c: RollupColumns, range: Range<Int>, compression: BlockCompression, level: Int,
                       scratch: inout [UInt8], into out: inout [UInt8]) -> Int {
        scratch.removeAll(keepingCapacity: true)
        var col: [UInt8] = []
        ByteWriter.append(to: &scratch) { w in
            w.uvarint(UInt64(range.count))
            col.removeAll(keepingCapacity: true)
            let tc = c.starts[range].withUnsafeBufferPointer { TimestampColumn.encode($0, into: &col) }
            w.u8(tc.rawValue)
            w.uvarintBytes(col)
            func ints(_ v: [Int64]) {
                col.removeAll(keepingCapacity: true)
                let codec = v[range].withUnsafeBufferPointer { IntColumn.encode($0, into: &col) }
                w.u8(codec.rawValue)
                w.uvarintBytes(col)
            }
            func floats(_ v: [Double], last: Bool = false) {
                col.removeAll(keepingCapacity: true)
                let codec = v[range].withUnsafeBufferPointer { FloatColumn.encode($0, into: &col) }
                w.u8(codec.rawValue)
                if last { w.raw(col) } else { w.uvarintBytes(col) }
            }
            ints(c.counts)
            ints(c.firstTimes)
            ints(c.lastTimes)
            if c.type == .float {
                for v in [c.firsts, c.lasts, c.mins, c.maxs, c.sums] { floats(v) }
            } else {
                for v in [c.ifirsts, c.ilasts, c.imins, c.imaxs, c.isums] { ints(v) }
            }
            floats(c.increases, last: true)
        }
        return BlockCodec.frame(scratch, compression: compression, level: level, into: &out)
    }

    /// Verifies and decodes a stored rollup block. Throws `CorruptFileError` naming file and block.
    static func decode(_ block: UnsafeRawBufferPointer, type: ValueType, expectedCount: Int,
                       path: String, blockOffset: Int) throws -> RollupColumns {
        try BlockCodec.unframe(block, path: path, blockOffset: blockOffset) {
            try decodeRaw($0, type: type, expectedCount: expectedCount)
        }
    }

    private static func decodeRaw(_ p: UnsafeRawBufferPointer, type: ValueType, expectedCount: Int) throws -> RollupColumns {
        guard type == .float || type == .integer else { throw EncodingError.corrupt("rollup of a \(type) series") }
        var r = ByteReader(p)
        let n = try r.uvarint()
        guard n == UInt64(expectedCount) else { throw EncodingError.corrupt("count \(n) != index count \(expectedCount)") }
        let count = Int(n)
        var c = RollupColumns(type: type)
        guard let tc = TimestampCodec(rawValue: try r.u8()) else { throw EncodingError.corrupt("timestamp codec") }
        try TimestampColumn.decode(tc, try r.uvarintBytes(), count: count, into: &c.starts)
        func ints(_ out: inout [Int64]) throws {
            guard let codec = ValueCodec(rawValue: try r.u8()) else { throw EncodingError.corrupt("value codec") }
            out.reserveCapacity(count)
            try IntColumn.decode(codec, try r.uvarintBytes(), count: count, into: &out)
        }
        func floats(_ out: inout [Double], last: Bool = false) throws {
            guard let codec = ValueCodec(rawValue: try r.u8()) else { throw EncodingError.corrupt("value codec") }
            out.reserveCapacity(count)
            try FloatColumn.decode(codec, last ? r.rest() : try r.uvarintBytes(), count: count, into: &out)
        }
        try ints(&c.counts)
        try ints(&c.firstTimes)
        try ints(&c.lastTimes)
        if type == .float {
            try floats(&c.firsts); try floats(&c.lasts); try floats(&c.mins); try floats(&c.maxs); try floats(&c.sums)
        } else {
            try ints(&c.ifirsts); try ints(&c.ilasts); try ints(&c.imins); try ints(&c.imaxs); try ints(&c.isums)
        }
        try floats(&c.increases, last: true)
        for i in 1..<max(1, count) where c.starts[i] <= c.starts[i - 1] {
            throw EncodingError.corrupt("bucket starts not ascending")
        }
        for x in c.counts where x < 1 { throw EncodingError.corrupt("bucket count \(x)") }
        return c
    }
}
