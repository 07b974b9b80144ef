import TSEncoding

/// Decoded samples of one series over some time: timestamps ascending, unique.
public struct SampleColumns: Sendable {
    public var timestamps: [Int64] = []
    public var values: ColumnValues

    public init(type: ValueType) {
        values = ColumnValues(type: type)
    }

    public init(timestamps: [Int64], values: ColumnValues) {
        self.timestamps = timestamps
        self.values = values
    }

    public var count: Int { timestamps.count }
    public var isEmpty: Bool { timestamps.isEmpty }
}

/// A column of values of one type.
public enum ColumnValues: Sendable, Equatable {
    case float([Double])
    case integer([Int64])
    case unsigned([UInt64])
    case boolean([Bool])
    case string([String])

    public init(type: ValueType) {
        switch type {
        case .float: self = .float([])
        case .integer: self = .integer([])
        case .unsigned: self = .unsigned([])
        case .boolean: self = .boolean([])
        case .string: self = .string([])
        }
    }

    public var type: ValueType {
        switch self {
        case .float: .float
        case .integer: .integer
        case .unsigned: .unsigned
        case .boolean: .boolean
        case .string: .string
        }
    }

    public var count: Int {
        switch self {
        case .float(let v): v.count
        case .integer(let v): v.count
        case .unsigned(let v): v.count
        case .boolean(let v): v.count
        case .string(let v): v.count
        }
    }

    public subscript(i: Int) -> Value {
        switch self {
        case .float(let v): .float(v[i])
        case .integer(let v): .integer(v[i])
        case .unsigned(let v): .unsigned(v[i])
        case .boolean(let v): .boolean(v[i])
        case .string(let v): .string(v[i])
        }
    }

    /// Bit-exact equality (NaN payloads and -0.0 compared by bit pattern).
    public static func == (a: ColumnValues, b: ColumnValues) -> Bool {
        switch (a, b) {
        case let (.float(x), .float(y)): x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern }
        case let (.integer(x), .integer(y)): x == y
        case let (.unsigned(x), .unsigned(y)): x == y
        case let (.boolean(x), .boolean(y)): x == y
        case let (.string(x), .string(y)): x == y
        default: false
        }
    }

    /// Appends one element of `other` (same type) at index `i`.
    ///
    /// The payload is moved out of `self` before appending (`self` is parked on an empty
    /// array), so the array stays uniquely referenced and grows in place. Switching on a tuple
    /// `(self, other)` instead keeps a second reference alive, and every append then copies the
    /// whole array: quadratic merges.
    public mutating func append(from other: ColumnValues, at i: Int) {
        switch self {
        case .float(var a):
            guard case .float(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(b[i]); self = .float(a)
        case .integer(var a):
            guard case .integer(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(b[i]); self = .integer(a)
        case .unsigned(var a):
            guard case .unsigned(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(b[i]); self = .unsigned(a)
        case .boolean(var a):
            guard case .boolean(let b) = other else { preconditionFailure("column type mismatch") }
            self = .float([]); a.append(b[i]); self = .boolean(a)
        case .string(var a):
            guard case .string(let b) = other else { preconditionFailure("column type mismatch") }
            self = .float([]); a.append(b[i]); self = .string(a)
        }
    }

    /// Appends a whole range of `other` (same type), in place as above.
    public mutating func append(from other: ColumnValues, range r: Range<Int>) {
        switch self {
        case .float(var a):
            guard case .float(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(contentsOf: b[r]); self = .float(a)
        case .integer(var a):
            guard case .integer(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(contentsOf: b[r]); self = .integer(a)
        case .unsigned(var a):
            guard case .unsigned(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(contentsOf: b[r]); self = .unsigned(a)
        case .boolean(var a):
            guard case .boolean(let b) = other else { preconditionFailure("column type mismatch") }
            self = .float([]); a.append(contentsOf: b[r]); self = .boolean(a)
        case .string(var a):
            guard case .string(let b) = other else { preconditionFailure("column type mismatch") }
            self = .float([]); a.append(contentsOf: b[r]); self = .string(a)
        }
    }

    /// Builds a column from head storage (bit patterns, or string indexes into `strings`).
    static func from(type: ValueType, bits: ArraySlice<UInt64>, strings: [String]) -> ColumnValues {
        switch type {
        case .float: .float(bits.map { Double(bitPattern: $0) })
        case .integer: .integer(bits.map { Int64(bitPattern: $0) })
        case .unsigned: .unsigned(Array(bits))
        case .boolean: .boolean(bits.map { $0 != 0 })
        case .string: .string(bits.map { strings[Int($0)] })
        }
    }
}

/// Encodes and decodes one block: the samples of one series within one segment.
///
/// Raw layout: count (varint) · timestamp codec (1) · timestamp bytes length (varint) ·
/// timestamp bytes · value codec (1) · value bytes. The stored block is: compression (1) ·
/// [raw length (varint) when compressed] · raw or compressed bytes · CRC32C (4, LE) of all
/// preceding block bytes. See docs/format/segment.md.
enum BlockCodec {
    /// Appends the stored form of a block to `out`; returns its length.
    static func encode(timestamps: ArraySlice<Int64>, values: ColumnValues, range: Range<Int>,
                       compression: BlockCompression, level: Int, scratch: inout [UInt8], into out: inout [UInt8]) -> Int {
        scratch.removeAll(keepingCapacity: true)
        Varint.put(UInt64(range.count), into: &scratch)
        var tsBytes: [UInt8] = []
        let tc = timestamps.withUnsafeBufferPointer { p in
            TimestampColumn.encode(UnsafeBufferPointer(rebasing: p[(range.lowerBound - timestamps.startIndex)..<(range.upperBound - timestamps.startIndex)]), into: &tsBytes)
        }
        scratch.append(tc.rawValue)
        Varint.put(UInt64(tsBytes.count), into: &scratch)
        scratch.append(contentsOf: tsBytes)
        let codecAt = scratch.count
        scratch.append(0)
        let vc: ValueCodec
        switch values {
        case .float(let v): vc = v[range].withUnsafeBufferPointer { FloatColumn.encode($0, into: &scratch) }
        case .integer(let v): vc = v[range].withUnsafeBufferPointer { IntColumn.encode($0, into: &scratch) }
        case .unsigned(let v):
            let asInt = v[range].map { Int64(bitPattern: $0) }
            vc = asInt.withUnsafeBufferPointer { IntColumn.encode($0, into: &scratch) }
        case .boolean(let v): vc = v[range].withUnsafeBufferPointer { BoolColumn.encode($0, into: &scratch) }
        case .string(let v): vc = StringColumn.encode(v[range].map { Array($0.utf8) }, into: &scratch)
        }
        scratch[codecAt] = vc.rawValue

        let start = out.count
        var stored = false
        if compression != .none && scratch.count > 64 {
            var comp: [UInt8] = []
            scratch.withUnsafeBytes { BlockCompression.compress($0, method: compression, level: level, into: &comp) }
            var hdr: [UInt8] = [compression.rawValue]
            Varint.put(UInt64(scratch.count), into: &hdr)
            if hdr.count + comp.count < scratch.count + 1 {
                out.append(contentsOf: hdr)
                out.append(contentsOf: comp)
                stored = true
            }
        }
        if !stored {
            out.append(BlockCompression.none.rawValue)
            out.append(contentsOf: scratch)
        }
        let crc = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        withUnsafeBytes(of: crc.littleEndian) { out.append(contentsOf: $0) }
        return out.count - start
    }

    /// Verifies and decodes a stored block. Throws `EngineError.corrupt` naming file and block.
    static func decode(_ block: UnsafeRawBufferPointer, type: ValueType, expectedCount: Int,
                       path: String, blockOffset: Int) throws -> SampleColumns {
        func corrupt(_ why: String) -> EngineError {
            .corrupt(path: path, detail: "block at offset \(blockOffset): \(why)")
        }
        guard block.count >= 5 else { throw corrupt("too short") }
        let body = UnsafeRawBufferPointer(rebasing: block[..<(block.count - 4)])
        let stored = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: block.count - 4, as: UInt32.self))
        guard CRC32C.checksum(body) == stored else { throw corrupt("checksum mismatch") }
        guard let method = BlockCompression(rawValue: body[0]) else { throw corrupt("unknown compression \(body[0])") }
        do {
            if method == .none {
                return try decodeRaw(UnsafeRawBufferPointer(rebasing: body[1...]), type: type, expectedCount: expectedCount)
            }
            var pos = 1
            let rawLen = try Varint.get(body, at: &pos)
            guard rawLen <= 1 << 28 else { throw corrupt("raw length \(rawLen)") }
            var raw: [UInt8] = []
            try BlockCompression.decompress(UnsafeRawBufferPointer(rebasing: body[pos...]), method: method,
                                            decompressedSize: Int(rawLen), into: &raw)
            return try raw.withUnsafeBytes { try decodeRaw($0, type: type, expectedCount: expectedCount) }
        } catch let e as EngineError {
            throw e
        } catch {
            throw corrupt("\(error)")
        }
    }

    private static func decodeRaw(_ p: UnsafeRawBufferPointer, type: ValueType, expectedCount: Int) throws -> SampleColumns {
        var pos = 0
        let n = try Varint.get(p, at: &pos)
        guard n == UInt64(expectedCount) else { throw EncodingError.corrupt("count \(n) != index count \(expectedCount)") }
        let count = Int(n)
        guard pos < p.count, let tc = TimestampCodec(rawValue: p[pos]) else { throw EncodingError.corrupt("timestamp codec") }
        pos += 1
        let tl = try Varint.get(p, at: &pos)
        guard tl <= UInt64(p.count - pos) else { throw EncodingError.truncated }
        var cols = SampleColumns(type: type)
        cols.timestamps.reserveCapacity(count)
        try TimestampColumn.decode(tc, UnsafeRawBufferPointer(rebasing: p[pos..<(pos + Int(tl))]), count: count, into: &cols.timestamps)
        pos += Int(tl)
        guard pos < p.count, let vc = ValueCodec(rawValue: p[pos]) else { throw EncodingError.corrupt("value codec") }
        pos += 1
        let vb = UnsafeRawBufferPointer(rebasing: p[pos...])
        switch type {
        case .float:
            var v: [Double] = []
            v.reserveCapacity(count)
            try FloatColumn.decode(vc, vb, count: count, into: &v)
            cols.values = .float(v)
        case .integer:
            var v: [Int64] = []
            v.reserveCapacity(count)
            try IntColumn.decode(vc, vb, count: count, into: &v)
            cols.values = .integer(v)
        case .unsigned:
            var v: [Int64] = []
            v.reserveCapacity(count)
            try IntColumn.decode(vc, vb, count: count, into: &v)
            cols.values = .unsigned(v.map { UInt64(bitPattern: $0) })
        case .boolean:
            var v: [Bool] = []
            try BoolColumn.decode(vc, vb, count: count, into: &v)
            cols.values = .boolean(v)
        case .string:
            var v: [[UInt8]] = []
            try StringColumn.decode(vc, vb, count: count, into: &v)
            cols.values = .string(v.map { String(decoding: $0, as: UTF8.self) })
        }
        guard cols.timestamps.count == count, cols.values.count == count else { throw EncodingError.corrupt("decoded count") }
        for i in 1..<max(1, count) where cols.timestamps[i] <= cols.timestamps[i - 1] {
            throw EncodingError.corrupt("timestamps not ascending")
        }
        return cols
    }
}
