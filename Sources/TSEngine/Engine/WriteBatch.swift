import TSSupport
import TSEncoding

/// Samples to append in one call; they reach the WAL as one record and are acknowledged
/// together. Keys are kept in canonical byte form in one arena, so building a batch from
/// parsed protocol bytes allocates per batch, not per sample.
public struct WriteBatch: Sendable {
    public let database: String
    var arena: [UInt8] = []
    var keyEnds: [Int] = []
    var timestamps: [Int64] = []
    var types: [ValueType] = []
    var bits: [UInt64] = []
    var strings: [String] = []

    public init(database: String, reservingCapacity n: Int = 0) {
        self.database = database
        if n > 0 {
            arena.reserveCapacity(n * 64)
            keyEnds.reserveCapacity(n)
            timestamps.reserveCapacity(n)
            types.reserveCapacity(n)
            bits.reserveCapacity(n)
        }
    }

    public var count: Int { timestamps.count }
    public var isEmpty: Bool { timestamps.isEmpty }

    public mutating func append(_ key: SeriesKey, _ timestamp: Int64, _ value: Value) {
        arena.append(contentsOf: key.canonicalBytes)
        finish(timestamp, value)
    }

    /// Appends a sample whose key is `prefix` (canonical measurement + tag count + tags, see
    /// `SeriesKey`) followed by the field name: the form protocol parsers produce per line.
    public mutating func append(canonicalPrefix prefix: UnsafeRawBufferPointer, field: UnsafeRawBufferPointer,
                                timestamp: Int64, value: Value) {
        appendKey(prefix, field)
        finish(timestamp, value)
    }

    /// Hot-path variant for numeric and boolean values given as their bit pattern.
    @inlinable
    public mutating func append(canonicalPrefix prefix: UnsafeRawBufferPointer, field: UnsafeRawBufferPointer,
                                timestamp: Int64, type: ValueType, bits b: UInt64) {
        precondition(type != .string)
        appendKey(prefix, field)
        appendSample(timestamp, type, b)
    }

    @usableFromInline
    mutating func appendKey(_ prefix: UnsafeRawBufferPointer, _ field: UnsafeRawBufferPointer) {
        ByteWriter.append(to: &arena) { w in
            w.raw(prefix)
            w.uvarintBytes(field)
        }
    }

    @usableFromInline
    mutating func appendSample(_ t: Int64, _ type: ValueType, _ b: UInt64) {
        keyEnds.append(arena.count)
        timestamps.append(t)
        types.append(type)
        bits.append(b)
    }

    private mutating func finish(_ t: Int64, _ v: Value) {
        keyEnds.append(arena.count)
        timestamps.append(t)
        types.append(v.type)
        switch v {
        case .float(let d): bits.append(d.bitPattern)
        case .integer(let i): bits.append(UInt64(bitPattern: i))
        case .unsigned(let u): bits.append(u)
        case .boolean(let b): bits.append(b ? 1 : 0)
        case .string(let s):
            bits.append(UInt64(strings.count))
            strings.append(s)
        }
    }

    /// Appends every sample of another batch (same database).
    public mutating func append(contentsOf other: WriteBatch) {
        let base = arena.count
        let strBase = UInt64(strings.count)
        arena.append(contentsOf: other.arena)
        keyEnds.append(contentsOf: other.keyEnds.map { $0 + base })
        timestamps.append(contentsOf: other.timestamps)
        types.append(contentsOf: other.types)
        for (t, b) in zip(other.types, other.bits) { bits.append(t == .string ? b + strBase : b) }
        strings.append(contentsOf: other.strings)
    }

    public mutating func removeAll() {
        arena.removeAll(keepingCapacity: true)
        keyEnds.removeAll(keepingCapacity: true)
        timestamps.removeAll(keepingCapacity: true)
        types.removeAll(keepingCapacity: true)
        bits.removeAll(keepingCapacity: true)
        strings.removeAll(keepingCapacity: true)
    }
}

/// What `append` did with a batch: how many samples were written and which were refused.
public struct AppendResult: Sendable {
    public var written = 0
    /// (index in the batch, reason). Every other sample was written.
    public var rejected: [(index: Int, error: EngineError)] = []
    public init() {}
}
