import TSEncoding

/// WAL on-disk constants. The format is specified in docs/format/wal.md; keep both in step.
enum WALFormat {
    /// File header: 4 magic bytes "TSWL" then a little-endian UInt32 format version.
    static let magic: [UInt8] = [0x54, 0x53, 0x57, 0x4C]
    static let version: UInt32 = 1
    static let headerSize = 8
    /// Frame header: UInt32 LE payload length, UInt32 LE CRC32C of the payload.
    static let frameHeaderSize = 8
    /// A record larger than this is treated as corruption by the reader.
    static let maxRecordSize = 1 << 30
    /// File names: 8 decimal digits and ".wal", increasing without gaps.
    static func fileName(_ index: Int) -> String {
        var s = String(index)
        while s.count < 8 { s = "0" + s }
        return s + ".wal"
    }
    static func index(ofFileName name: String) -> Int? {
        guard name.hasSuffix(".wal"), name.count == 12 else { return nil }
        return Int(name.prefix(8))
    }

    static func header() -> [UInt8] {
        var h = magic
        withUnsafeBytes(of: version.littleEndian) { h.append(contentsOf: $0) }
        return h
    }
}

/// Record types (first payload byte).
enum WALRecordType: UInt8 {
    /// A write batch: series definitions new in this batch, then samples.
    case batch = 1
}

/// A series definition carried in the batch that first wrote the series.
struct WALSeriesDef {
    var id: UInt32
    var type: ValueType
    var canonicalKey: [UInt8]
}

/// Encodes batch records. Layout (docs/format/wal.md):
/// type(1) · db name (varint len + bytes) · def count (varint) · defs · sample count (varint) · samples,
/// a def = id (varint) · type (1) · canonical key (varint len + bytes),
/// a sample = id (varint) · type (1) · zigzag(ts - previous ts) (varint) · value
/// (8 bytes LE for float/int/uint, 1 byte for bool, varint len + bytes for string).
struct WALBatchEncoder {
    var buf: [UInt8] = []
    private var prevTs: Int64 = 0
    private var sampleCount = 0
    private var defCount = 0
    private var defsBuf: [UInt8] = []
    private var samplesBuf: [UInt8] = []

    mutating func reset() {
        buf.removeAll(keepingCapacity: true)
        defsBuf.removeAll(keepingCapacity: true)
        samplesBuf.removeAll(keepingCapacity: true)
        prevTs = 0
        sampleCount = 0
        defCount = 0
    }

    var isEmpty: Bool { sampleCount == 0 && defCount == 0 }

    mutating func addDef(id: UInt32, type: ValueType, canonicalKey: UnsafeRawBufferPointer) {
        Varint.put(UInt64(id), into: &defsBuf)
        defsBuf.append(type.rawValue)
        Varint.put(UInt64(canonicalKey.count), into: &defsBuf)
        SeriesKeyCoder.appendBytes(canonicalKey, to: &defsBuf)
        defCount += 1
    }

    @inline(__always)
    mutating func addSample(id: UInt32, timestamp: Int64, type: ValueType, bits: UInt64, string: String?) {
        let delta = Varint.zigzag(timestamp &- prevTs)
        prevTs = timestamp
        sampleCount += 1
        if type == .string {
            Varint.put(UInt64(id), into: &samplesBuf)
            samplesBuf.append(type.rawValue)
            Varint.put(delta, into: &samplesBuf)
            let s = string ?? ""
            Varint.put(UInt64(s.utf8.count), into: &samplesBuf)
            samplesBuf.append(contentsOf: s.utf8)
            return
        }
        // Numeric and boolean samples are at most 5 + 1 + 10 + 8 = 24 bytes: build them in a
        // stack buffer and append once (one uniqueness/capacity check instead of a dozen).
        var tmp: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &tmp) { p in
            var n = 0
            @inline(__always) func varint(_ v: UInt64) {
                var v = v
                while v >= 0x80 {
                    p[n] = UInt8(truncatingIfNeeded: v) | 0x80
                    v >>= 7
                    n += 1
                }
                p[n] = UInt8(v)
                n += 1
            }
            varint(UInt64(id))
            p[n] = type.rawValue
            n += 1
            varint(delta)
            if type == .boolean {
                p[n] = bits != 0 ? 1 : 0
                n += 1
            } else {
                p.storeBytes(of: bits.littleEndian, toByteOffset: n, as: UInt64.self)
                n += 8
            }
            SeriesKeyCoder.appendBytes(UnsafeRawBufferPointer(rebasing: p[0..<n]), to: &samplesBuf)
        }
    }

    /// Assembles the payload into `buf`.
    mutating func finish(database: String) {
        buf.removeAll(keepingCapacity: true)
        buf.append(WALRecordType.batch.rawValue)
        Varint.put(UInt64(database.utf8.count), into: &buf)
        buf.append(contentsOf: database.utf8)
        Varint.put(UInt64(defCount), into: &buf)
        buf.append(contentsOf: defsBuf)
        Varint.put(UInt64(sampleCount), into: &buf)
        buf.append(contentsOf: samplesBuf)
    }
}

/// A decoded batch record, column by column; reused across records to avoid allocation.
struct WALDecodedBatch {
    var database = ""
    var defs: [WALSeriesDef] = []
    var ids: [UInt32] = []
    var timestamps: [Int64] = []
    var types: [ValueType] = []
    var bits: [UInt64] = []
    /// String values; for a string sample `bits` is its index here.
    var strings: [String] = []

    var count: Int { ids.count }

    mutating func reset() {
        defs.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        timestamps.removeAll(keepingCapacity: true)
        types.removeAll(keepingCapacity: true)
        bits.removeAll(keepingCapacity: true)
        strings.removeAll(keepingCapacity: true)
    }
}

/// Decodes a batch record payload (after its CRC was verified). Throws on any structural error.
enum WALBatchDecoder {
    static func decode(_ p: UnsafeRawBufferPointer, into out: inout WALDecodedBatch) throws {
        out.reset()
        var pos = 0
        guard p.count >= 1, p[0] == WALRecordType.batch.rawValue else { throw EncodingError.corrupt("WAL record type") }
        pos = 1
        let dbLen = try Int(checkedLength(Varint.get(p, at: &pos), p.count - pos))
        out.database = String(decoding: UnsafeRawBufferPointer(rebasing: p[pos..<pos + dbLen]), as: UTF8.self)
        pos += dbLen
        let nDefs = try Varint.get(p, at: &pos)
        guard nDefs <= UInt64(p.count) else { throw EncodingError.corrupt("WAL def count") }
        for _ in 0..<Int(nDefs) {
            let id = try Varint.get(p, at: &pos)
            guard id > 0, id <= UInt64(UInt32.max), pos < p.count, let t = ValueType(rawValue: p[pos]) else { throw EncodingError.corrupt("WAL def") }
            pos += 1
            let kl = try Int(checkedLength(Varint.get(p, at: &pos), p.count - pos))
            let key = [UInt8](UnsafeRawBufferPointer(rebasing: p[pos..<pos + kl]))
            pos += kl
            out.defs.append(WALSeriesDef(id: UInt32(id), type: t, canonicalKey: key))
        }
        let n = try Varint.get(p, at: &pos)
        guard n <= UInt64(p.count) else { throw EncodingError.corrupt("WAL sample count") }
        let count = Int(n)
        out.ids.reserveCapacity(count)
        out.timestamps.reserveCapacity(count)
        out.types.reserveCapacity(count)
        out.bits.reserveCapacity(count)
        var prev: Int64 = 0
        for _ in 0..<count {
            let id = try Varint.get(p, at: &pos)
            guard id <= UInt64(UInt32.max), pos < p.count, let t = ValueType(rawValue: p[pos]) else { throw EncodingError.corrupt("WAL sample") }
            pos += 1
            let ts = prev &+ Varint.unzigzag(try Varint.get(p, at: &pos))
            prev = ts
            var bits: UInt64 = 0
            switch t {
            case .float, .integer, .unsigned:
                guard p.count - pos >= 8 else { throw EncodingError.truncated }
                bits = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
                pos += 8
            case .boolean:
                guard pos < p.count, p[pos] <= 1 else { throw EncodingError.corrupt("WAL bool") }
                bits = UInt64(p[pos])
                pos += 1
            case .string:
                let l = try Int(checkedLength(Varint.get(p, at: &pos), p.count - pos))
                bits = UInt64(out.strings.count)
                out.strings.append(String(decoding: UnsafeRawBufferPointer(rebasing: p[pos..<pos + l]), as: UTF8.self))
                pos += l
            }
            out.ids.append(UInt32(id))
            out.timestamps.append(ts)
            out.types.append(t)
            out.bits.append(bits)
        }
        guard pos == p.count else { throw EncodingError.corrupt("WAL trailing bytes") }
    }

    @inline(__always)
    static func checkedLength(_ v: UInt64, _ remaining: Int) throws -> UInt64 {
        guard v <= UInt64(max(0, remaining)) else { throw EncodingError.truncated }
        return v
    }
}
