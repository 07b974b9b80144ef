import TSEncoding
import TSSupport

/// Encodes and decodes one rollup block: the buckets of one series at one level within one
/// rollup segment, all statistics in one body (docs/format/rollup.md). Framing (compression,
/// CRC32C) is the sample block's.
enum RollupBlockCodec {
    /// How a value column is stored (docs/format/rollup.md, *Reference columns*).
    enum ColumnMode: UInt8 {
        /// Codec byte, varint length, `n` coded values.
        case plain = 0
        /// Bitmap of the buckets whose value equals the reference bit for bit, then the other
        /// values coded as one column.
        case exceptions = 1
        /// Every value equals its reference.
        case reference = 2
    }

    /// The reference a bucket's `increase` is compared with: the difference of its `last` and
    /// the previous bucket's (what a counter without reset in between gives), nil for the first.
    @inline(__always)
    static func increaseReference(_ c: RollupColumns, _ i: Int, first: Int) -> Double? {
        if i == first { return nil }
        return c.type == .float ? c.lasts[i] - c.lasts[i - 1] : Double(c.ilasts[i]) - Double(c.ilasts[i - 1])
    }

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
            /// A value column, plain or as exceptions to a reference, whichever is smaller.
            func column<T>(_ v: [T], same: (Int) -> Bool, _ enc: (UnsafeBufferPointer<T>, inout [UInt8]) -> ValueCodec) {
                col.removeAll(keepingCapacity: true)
                let codec = v[range].withUnsafeBufferPointer { enc($0, &col) }
                let plainSize = 1 + Varint.length(UInt64(col.count)) + col.count
                var bits = [UInt8](repeating: 0, count: (range.count + 7) / 8)
                var rest: [T] = []
                for (k, i) in range.enumerated() {
                    if same(i) { bits[k >> 3] |= 1 << UInt8(k & 7) } else { rest.append(v[i]) }
                }
                if rest.isEmpty {
                    w.u8(ColumnMode.reference.rawValue)
                    return
                }
                if rest.count < range.count {
                    var other: [UInt8] = []
                    let oc = rest.withUnsafeBufferPointer { enc($0, &other) }
                    if bits.count + 1 + Varint.length(UInt64(other.count)) + other.count < plainSize {
                        w.u8(ColumnMode.exceptions.rawValue)
                        w.raw(bits)
                        w.u8(oc.rawValue)
                        w.uvarintBytes(other)
                        return
                    }
                }
                w.u8(ColumnMode.plain.rawValue)
                w.u8(codec.rawValue)
                w.uvarintBytes(col)
            }
            func never(_: Int) -> Bool { false }
            ints(c.counts)
            ints(c.firstTimes)
            ints(c.lastTimes)
            if c.type == .float {
                let float: (UnsafeBufferPointer<Double>, inout [UInt8]) -> ValueCodec = { FloatColumn.encode($0, into: &$1) }
                column(c.firsts, same: never, float)
                column(c.lasts, same: never, float)
                column(c.mins, same: { c.mins[$0].bitPattern == c.firsts[$0].bitPattern }, float)
                column(c.maxs, same: { c.maxs[$0].bitPattern == c.lasts[$0].bitPattern }, float)
                column(c.sums, same: never, float)
            } else {
                let int: (UnsafeBufferPointer<Int64>, inout [UInt8]) -> ValueCodec = { IntColumn.encode($0, into: &$1) }
                column(c.ifirsts, same: never, int)
                column(c.ilasts, same: never, int)
                column(c.imins, same: { c.imins[$0] == c.ifirsts[$0] }, int)
                column(c.imaxs, same: { c.imaxs[$0] == c.ilasts[$0] }, int)
                column(c.isums, same: never, int)
            }
            column(c.increases, same: { increaseReference(c, $0, first: range.lowerBound)?.bitPattern == c.increases[$0].bitPattern }) {
                FloatColumn.encode($0, into: &$1)
            }
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
        try ints(&c.counts)
        try ints(&c.firstTimes)
        try ints(&c.lastTimes)
        /// A value column stored plain or against a reference (nil: no reference for that bucket).
        func column<T>(_ out: inout [T], reference: (Int, [T]) -> T?,
                       _ dec: (ValueCodec, UnsafeRawBufferPointer, Int, inout [T]) throws -> Void) throws {
            guard let mode = ColumnMode(rawValue: try r.u8()) else { throw EncodingError.corrupt("column mode") }
            out.reserveCapacity(count)
            switch mode {
            case .plain:
                guard let codec = ValueCodec(rawValue: try r.u8()) else { throw EncodingError.corrupt("value codec") }
                try dec(codec, try r.uvarintBytes(), count, &out)
            case .reference:
                for i in 0..<count {
                    guard let v = reference(i, out) else { throw EncodingError.corrupt("bucket \(i) has no reference value") }
                    out.append(v)
                }
            case .exceptions:
                let bits = try r.bytes((count + 7) / 8)
                var same = 0
                for i in 0..<count where bits[i >> 3] & (1 << UInt8(i & 7)) != 0 { same += 1 }
                for i in count..<(bits.count * 8) where bits[i >> 3] & (1 << UInt8(i & 7)) != 0 {
                    throw EncodingError.corrupt("bitmap bit \(i) beyond \(count) buckets")
                }
                guard let codec = ValueCodec(rawValue: try r.u8()) else { throw EncodingError.corrupt("value codec") }
                guard same > 0, same < count else { throw EncodingError.corrupt("exception bitmap of \(same) of \(count)") }
                var rest: [T] = []
                try dec(codec, try r.uvarintBytes(), count - same, &rest)
                var k = 0
                for i in 0..<count {
                    if bits[i >> 3] & (1 << UInt8(i & 7)) != 0 {
                        guard let v = reference(i, out) else { throw EncodingError.corrupt("bucket \(i) has no reference value") }
                        out.append(v)
                    } else {
                        out.append(rest[k])
                        k += 1
                    }
                }
            }
        }
        func none<T>(_: Int, _: [T]) -> T? { nil }
        if type == .float {
            let float: (ValueCodec, UnsafeRawBufferPointer, Int, inout [Double]) throws -> Void = { try FloatColumn.decode($0, $1, count: $2, into: &$3) }
            try column(&c.firsts, reference: none, float)
            try column(&c.lasts, reference: none, float)
            try column(&c.mins, reference: { i, _ in c.firsts[i] }, float)
            try column(&c.maxs, reference: { i, _ in c.lasts[i] }, float)
            try column(&c.sums, reference: none, float)
            var increases: [Double] = []
            try column(&increases, reference: { i, _ in increaseReference(c, i, first: 0) }, float)
            c.increases = increases
        } else {
            let int: (ValueCodec, UnsafeRawBufferPointer, Int, inout [Int64]) throws -> Void = { try IntColumn.decode($0, $1, count: $2, into: &$3) }
            try column(&c.ifirsts, reference: none, int)
            try column(&c.ilasts, reference: none, int)
            try column(&c.imins, reference: { i, _ in c.ifirsts[i] }, int)
            try column(&c.imaxs, reference: { i, _ in c.ilasts[i] }, int)
            try column(&c.isums, reference: none, int)
            var increases: [Double] = []
            try column(&increases, reference: { i, _ in increaseReference(c, i, first: 0) }, { try FloatColumn.decode($0, $1, count: $2, into: &$3) })
            c.increases = increases
        }
        guard r.isAtEnd else { throw EncodingError.corrupt("trailing bytes in rollup block") }
        for i in 1..<max(1, count) where c.starts[i] <= c.starts[i - 1] {
            throw EncodingError.corrupt("bucket starts not ascending")
        }
        for x in c.counts where x < 1 { throw EncodingError.corrupt("bucket count \(x)") }
        return c
    }
}
