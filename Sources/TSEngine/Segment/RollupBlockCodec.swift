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
        if range.count == 1 {
            ByteWriter.append(to: &scratch) { single(c, range.lowerBound, &$0) }
            return BlockCodec.frame(scratch, compression: compression, level: level, into: &out)
        }
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

    /// Marks the single-bucket body; a columnar body starts with its bucket count, never 0.
    static let singleBucket: UInt8 = 0

    /// One bucket without column framing (short-lived and sparse series have one bucket per
    /// level window, where the framing of ten columns would cost more than the values):
    /// `0`, count, first and last time offsets (zz varints), a flags byte
    /// (bit 0: min is first, bit 1: max is last), a byte whose bit k says value k is stored as a
    /// zz varint, then first, last, min and max unless flagged, sum and increase — each a zz
    /// varint or 8 bytes LE (float bits). Integer series' values are zz varints; their increase
    /// is a float like a float series'. The bucket's start is the block's `minT` in the series
    /// table, so it is not repeated.
    private static func single(_ c: RollupColumns, _ i: Int, _ w: inout ByteWriter) {
        w.u8(singleBucket)
        w.uvarint(UInt64(c.counts[i]))
        w.varint(c.firstTimes[i])
        w.varint(c.lastTimes[i])
        var values: [(bits: UInt64, int: Int64?)] = []
        var flags: UInt8 = 0
        if c.type == .float {
            if c.mins[i].bitPattern == c.firsts[i].bitPattern { flags |= 1 }
            if c.maxs[i].bitPattern == c.lasts[i].bitPattern { flags |= 2 }
            for (k, v) in [c.firsts[i], c.lasts[i], c.mins[i], c.maxs[i], c.sums[i]].enumerated()
            where !(k == 2 && flags & 1 != 0) && !(k == 3 && flags & 2 != 0) {
                values.append((v.bitPattern, integral(v)))
            }
        } else {
            if c.imins[i] == c.ifirsts[i] { flags |= 1 }
            if c.imaxs[i] == c.ilasts[i] { flags |= 2 }
            for (k, v) in [c.ifirsts[i], c.ilasts[i], c.imins[i], c.imaxs[i], c.isums[i]].enumerated()
            where !(k == 2 && flags & 1 != 0) && !(k == 3 && flags & 2 != 0) {
                values.append((0, v))
            }
        }
        values.append((c.increases[i].bitPattern, integral(c.increases[i])))
        var asInt: UInt8 = 0
        for (k, v) in values.enumerated() where v.int != nil { asInt |= 1 << UInt8(k) }
        w.u8(flags)
        w.u8(asInt)
        for v in values {
            if let n = v.int { w.varint(n) } else { w.le(v.bits) }
        }
    }

    /// `v` as an integer when converting back gives the same bits (not -0, NaN or fractions) and
    /// its varint is shorter than the 8 bytes of the float.
    @inline(__always) private static func integral(_ v: Double) -> Int64? {
        guard v.isFinite, v == v.rounded(.towardZero), abs(v) < 9.2e18 else { return nil }
        let n = Int64(v)
        return Double(n).bitPattern == v.bitPattern && Varint.length(Varint.zigzag(n)) < 8 ? n : nil
    }

    private static func decodeSingle(_ r: inout ByteReader, type: ValueType, expectedCount: Int, start: Int64) throws -> RollupColumns {
        guard expectedCount == 1 else { throw EncodingError.corrupt("single-bucket body for \(expectedCount) buckets") }
        var c = RollupColumns(type: type)
        c.starts = [start]
        let n = try r.uvarint()
        guard n >= 1, n <= UInt64(Int64.max) else { throw EncodingError.corrupt("bucket count \(n)") }
        c.counts = [Int64(n)]
        c.firstTimes = [try r.varint()]
        c.lastTimes = [try r.varint()]
        let flags = try r.u8(), asInt = try r.u8()
        guard flags & ~3 == 0 else { throw EncodingError.corrupt("single-bucket flags \(flags)") }
        let stored = 6 - (flags & 1) - (flags >> 1 & 1)  // first, last, min, max, sum, increase; min/max not when flagged
        guard asInt >> stored == 0 else { throw EncodingError.corrupt("single-bucket integer bits \(asInt)") }
        var k: UInt8 = 0
        func next(float: Bool) throws -> (Double, Int64) {
            defer { k += 1 }
            if asInt & (1 << k) != 0 {
                let n = try r.varint()
                return (Double(n), n)
            }
            guard float else { throw EncodingError.corrupt("integer statistic stored as float bits") }
            return (Double(bitPattern: try r.le(UInt64.self)), 0)
        }
        let isFloat = type == .float
        let first = try next(float: isFloat), last = try next(float: isFloat)
        let min = flags & 1 != 0 ? first : try next(float: isFloat)
        let max = flags & 2 != 0 ? last : try next(float: isFloat)
        let sum = try next(float: isFloat)
        let increase = try next(float: true)
        if isFloat {
            c.firsts = [first.0]; c.lasts = [last.0]; c.mins = [min.0]; c.maxs = [max.0]; c.sums = [sum.0]
        } else {
            c.ifirsts = [first.1]; c.ilasts = [last.1]; c.imins = [min.1]; c.imaxs = [max.1]; c.isums = [sum.1]
        }
        c.increases = [increase.0]
        guard r.isAtEnd else { throw EncodingError.corrupt("trailing bytes in rollup block") }
        return c
    }

    /// Verifies and decodes a stored rollup block. Throws `CorruptFileError` naming file and block.
    /// `start` is the block's first bucket start from the series table (the single-bucket body
    /// does not repeat it).
    static func decode(_ block: UnsafeRawBufferPointer, type: ValueType, expectedCount: Int, start: Int64,
                       path: String, blockOffset: Int) throws -> RollupColumns {
        try BlockCodec.unframe(block, path: path, blockOffset: blockOffset) {
            try decodeRaw($0, type: type, expectedCount: expectedCount, start: start)
        }
    }

    private static func decodeRaw(_ p: UnsafeRawBufferPointer, type: ValueType, expectedCount: Int, start: Int64) throws -> RollupColumns {
        guard type == .float || type == .integer else { throw EncodingError.corrupt("rollup of a \(type) series") }
        var r = ByteReader(p)
        if p.first == singleBucket {
            _ = try r.u8()
            return try decodeSingle(&r, type: type, expectedCount: expectedCount, start: start)
        }
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
