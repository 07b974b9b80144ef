import TSSupport
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
        var h = ByteWriter(bytes: magic)
        h.le(version)
        return h.bytes
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
    private var defs = ByteWriter()
    private var samples = ByteWriter()

    mutating func reset() {
        buf.removeAll(keepingCapacity: true)
        defs.removeAll()
        samples.removeAll()
        prevTs = 0
        sampleCount = 0
        defCount = 0
    }

    var isEmpty: Bool { sampleCount == 0 && defCount == 0 }

    mutating func addDef(id: UInt32, type: ValueType, canonicalKey: UnsafeRawBufferPointer) {
        defs.uvarint(UInt64(id))
        defs.u8(type.rawValue)
        defs.uvarintBytes(canonicalKey)
        defCount += 1
    }

    @inline(__always)
    mutating func addSample(id: UInt32, timestamp: Int64, type: ValueType, bits: UInt64, string: String?) {
        let delta = Varint.zigzag(timestamp &- prevTs)
        prevTs = timestamp
        sampleCount += 1
        if type == .string {
            samples.uvarint(UInt64(id))
            samples.u8(type.rawValue)
            samples.uvarint(delta)
            samples.uvarintBytes((string ?? "").utf8)
            return
        }
        // Numeric and boolean samples are at most 5 + 1 + 10 + 8 = 24 bytes: build them in a
        // stack buffer and append once (one uniqueness/capacity check instead of four).
        var tmp: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &tmp) { p in
            let base = p.baseAddress!
            var n = Varint.encode(UInt64(id), into: base)
            p[n] = type.rawValue
            n += 1
            n += Varint.encode(delta, into: base + n)
            if type == .boolean {
                p[n] = bits != 0 ? 1 : 0
                n += 1
            } else {
                p.storeBytes(of: bits.littleEndian, toByteOffset: n, as: UInt64.self)
                n += 8
            }
            samples.raw(UnsafeRawBufferPointer(rebasing: p[0..<n]))
        }
    }

    /// Assembles the payload into `buf`.
    mutating func finish(database: String) {
        buf.removeAll(keepingCapacity: true)
        ByteWriter.append(to: &buf) { w in
            w.u8(WALRecordType.batch.rawValue)
            w.uvarintBytes(database.utf8)
            w.uvarint(UInt64(defCount))
            w.raw(defs.bytes)
            w.uvarint(UInt64(sampleCount))
            w.raw(samples.bytes)
        }
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
        var r = ByteReader(p)
        guard p.count >= 1, try r.u8() == WALRecordType.batch.rawValue else { throw EncodingError.corrupt("WAL record type") }
        out.database = try r.uvarintString()
        let nDefs = try r.uvarint(atMost: UInt64(p.count), "WAL def count")
        for _ in 0..<nDefs {
            let id = try r.uvarint()
            guard id > 0, id <= UInt64(UInt32.max), let t = ValueType(rawValue: try r.u8()) else { throw EncodingError.corrupt("WAL def") }
            let key = [UInt8](try r.uvarintBytes())
            out.defs.append(WALSeriesDef(id: UInt32(id), type: t, canonicalKey: key))
        }
        let count = try r.uvarint(atMost: UInt64(p.count), "WAL sample count")
        out.ids.reserveCapacity(count)
        out.timestamps.reserveCapacity(count)
        out.types.reserveCapacity(count)
        out.bits.reserveCapacity(count)
        var prev: Int64 = 0
        for _ in 0..<count {
            let id = try r.uvarint()
            guard id <= UInt64(UInt32.max), let t = ValueType(rawValue: try r.u8()) else { throw EncodingError.corrupt("WAL sample") }
            let ts = prev &+ (try r.varint())
            prev = ts
            var bits: UInt64 = 0
            switch t {
            case .float, .integer, .unsigned:
                bits = try r.le(UInt64.self)
            case .boolean:
                let b = try r.u8()
                guard b <= 1 else { throw EncodingError.corrupt("WAL bool") }
                bits = UInt64(b)
            case .string:
                bits = UInt64(out.strings.count)
                out.strings.append(try r.uvarintString())
            }
            out.ids.append(UInt32(id))
            out.timestamps.append(ts)
            out.types.append(t)
            out.bits.append(bits)
        }
        guard r.isAtEnd else { throw EncodingError.corrupt("WAL trailing bytes") }
    }
}
