import TSEncoding
import TSSupport

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
        var tsBytes: [UInt8] = []
        let tc = timestamps.withUnsafeBufferPointer { p in
            TimestampColumn.encode(UnsafeBufferPointer(rebasing: p[(range.lowerBound - timestamps.startIndex)..<(range.upperBound - timestamps.startIndex)]), into: &tsBytes)
        }
        ByteWriter.append(to: &scratch) { w in
            w.uvarint(UInt64(range.count))
            w.u8(tc.rawValue)
            w.uvarintBytes(tsBytes)
        }
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

        return frame(scratch, compression: compression, level: level, into: &out)
    }

    /// Appends the stored form of a raw block body: compression byte, [raw length], body or its
    /// compressed form (whichever is smaller), CRC32C. Returns the stored length.
    static func frame(_ raw: [UInt8], compression: BlockCompression, level: Int, into out: inout [UInt8]) -> Int {
        let start = out.count
        var stored = false
        if compression != .none && raw.count > 64 {
            var comp: [UInt8] = []
            raw.withUnsafeBytes { BlockCompression.compress($0, method: compression, level: level, into: &comp) }
            var hdr = ByteWriter()
            hdr.u8(compression.rawValue)
            hdr.uvarint(UInt64(raw.count))
            if hdr.count + comp.count < raw.count + 1 {
                out.append(contentsOf: hdr.bytes)
                out.append(contentsOf: comp)
                stored = true
            }
        }
        if !stored {
            out.append(BlockCompression.none.rawValue)
            out.append(contentsOf: raw)
        }
        let crc = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        ByteWriter.append(to: &out) { $0.le(crc) }
        return out.count - start
    }

    /// Verifies and decodes a stored block. Throws `CorruptFileError` naming file and block.
    static func decode(_ block: UnsafeRawBufferPointer, type: ValueType, expectedCount: Int,
                       path: String, blockOffset: Int) throws -> SampleColumns {
        try unframe(block, path: path, blockOffset: blockOffset) { try decodeRaw($0, type: type, expectedCount: expectedCount) }
    }

    /// Verifies a stored block's checksum, decompresses it if needed and passes the raw body to
    /// `decode`. Every error becomes a `CorruptFileError` naming file and block.
    static func unframe<T>(_ block: UnsafeRawBufferPointer, path: String, blockOffset: Int,
                           _ decode: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        func corrupt(_ why: String) -> CorruptFileError {
            CorruptFileError(path: path, detail: "block at offset \(blockOffset): \(why)")
        }
        guard block.count >= 5 else { throw corrupt("too short") }
        let body = UnsafeRawBufferPointer(rebasing: block[..<(block.count - 4)])
        let stored = try ByteReader.le(UInt32.self, block, at: block.count - 4)
        guard CRC32C.checksum(body) == stored else { throw corrupt("checksum mismatch") }
        guard let method = BlockCompression(rawValue: body[0]) else { throw corrupt("unknown compression \(body[0])") }
        do {
            if method == .none {
                return try decode(UnsafeRawBufferPointer(rebasing: body[1...]))
            }
            var r = ByteReader(body, offset: 1)
            let rawLen = try r.uvarint()
            guard rawLen <= 1 << 28 else { throw corrupt("raw length \(rawLen)") }
            var raw: [UInt8] = []
            try BlockCompression.decompress(r.rest(), method: method, decompressedSize: Int(rawLen), into: &raw)
            return try raw.withUnsafeBytes { try decode($0) }
        } catch let e as CorruptFileError {
            throw e
        } catch {
            throw corrupt("\(error)")
        }
    }

    private static func decodeRaw(_ p: UnsafeRawBufferPointer, type: ValueType, expectedCount: Int) throws -> SampleColumns {
        var r = ByteReader(p)
        let n = try r.uvarint()
        guard n == UInt64(expectedCount) else { throw EncodingError.corrupt("count \(n) != index count \(expectedCount)") }
        let count = Int(n)
        guard let tc = TimestampCodec(rawValue: try r.u8()) else { throw EncodingError.corrupt("timestamp codec") }
        let tsBytes = try r.uvarintBytes()
        var cols = SampleColumns(type: type)
        cols.timestamps.reserveCapacity(count)
        try TimestampColumn.decode(tc, tsBytes, count: count, into: &cols.timestamps)
        guard let vc = ValueCodec(rawValue: try r.u8()) else { throw EncodingError.corrupt("value codec") }
        let vb = r.rest()
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
