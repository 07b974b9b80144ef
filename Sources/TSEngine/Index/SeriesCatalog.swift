import TSSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the engine knows of one series.
public struct SeriesInfo: Sendable {
    public let id: UInt32
    public let key: SeriesKey
    public let type: ValueType
    /// The canonical key bytes (see `SeriesKey`), interned.
    public let canonical: [UInt8]
}

/// A series' id, type and measurement: what seals and rollups need of every series they write
/// (no allocation: the measurement is the symbol table's string).
struct SeriesBrief {
    let id: UInt32
    let type: ValueType
    let measurement: String
}

/// Every distinct string of a database's series keys (measurements, tag keys and values,
/// fields), stored once and named by a dense number (Prometheus's index symbol table).
struct SymbolTable {
    /// A string compared and hashed by its UTF-8 bytes: series keys are byte strings, and two
    /// canonically equivalent spellings ("é" and "e\u{301}", equal as Swift Strings) are two
    /// symbols.
    struct Bytes: Hashable {
        let string: String
        static func == (a: Bytes, b: Bytes) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }
        func hash(into h: inout Hasher) {
            if string.utf8.withContiguousStorageIfAvailable({ h.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
                for b in string.utf8 { h.combine(b) }
            }
        }
    }
    private(set) var strings: [String] = []
    private var numbers: [Bytes: UInt32] = [:]

    mutating func intern(_ s: String) -> UInt32 {
        if let n = numbers[Bytes(string: s)] { return n }
        let n = UInt32(strings.count)
        strings.append(s)
        numbers[Bytes(string: s)] = n
        return n
    }

    @inline(__always)
    subscript(_ n: UInt32) -> String { strings[Int(n)] }

    var count: Int { strings.count }
}

/// Interns canonical series keys to dense numeric IDs (1, 2, 3, ...) per database.
///
/// IDs are stable across restarts: they are written with the series' first sample in the WAL
/// and in every segment's series table, and reloaded from there on open. Lookup is an
/// open-addressing hash table over the key bytes, so the ingest path hashes bytes and never
/// builds a String or an Array for a series that already exists.
///
/// Memory per series is flat: its canonical key in one shared arena, a 24-byte record, its key
/// as symbol numbers in one shared array, a hash slot and its index postings; no object per
/// series. `SeriesInfo` and `SeriesKey` values are built on demand from the symbols.
struct SeriesCatalog {
    /// Per id: where its canonical key lies in `keyArena`, its type, and where its symbols start
    /// in `keySymbols` (measurement, field, tag count, then key and value per tag).
    struct Meta {
        var start: Int = 0
        var length: Int32 = 0
        var symStart: UInt32 = 0
        var type: ValueType = .float
    }
    private var keyArena: [UInt8] = []
    private(set) var meta: [Meta] = [Meta()]  // index = id; 0 is never used
    private var slots: [UInt32] = Array(repeating: 0, count: 1024)
    private var count = 0
    private(set) var symbols = SymbolTable()
    private var keySymbols: [UInt32] = []
    var index = TagIndex()

    var seriesCount: Int { count }
    var maxID: UInt32 { UInt32(meta.count - 1) }

    @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        // FNV-1a over 8-byte words, then a final avalanche (splitmix64 finaliser).
        var h: UInt64 = 0xcbf29ce484222325
        var i = 0
        let n = b.count
        while i + 8 <= n {
            h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100000001b3
            h ^= h >> 29
            i += 8
        }
        while i < n {
            h = (h ^ UInt64(b[i])) &* 0x100000001b3
            i += 1
        }
        h ^= h >> 33
        h = h &* 0xff51afd7ed558ccd
        h ^= h >> 33
        return h
    }

    /// The id of a canonical key, if known.
    @inline(__always)
    func lookup(_ key: UnsafeRawBufferPointer, hash: UInt64) -> UInt32? {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        return keyArena.withUnsafeBytes { arena in
            slots.withUnsafeBufferPointer { slots in
                while true {
                    let id = slots[i]
                    if id == 0 { return nil }
                    let m = meta[Int(id)]
                    let n = Int(m.length)
                    if n == key.count && (n == 0 || memcmp(arena.baseAddress! + m.start, key.baseAddress!, n) == 0) {
                        return id
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    /// The type of series `id` (which must exist).
    @inline(__always)
    func type(_ id: UInt32) -> ValueType { meta[Int(id)].type }

    /// Whether series `id` exists with exactly this canonical key (no hashing: a segment's
    /// series table names series the catalog usually knows already).
    func matches(_ id: UInt32, canonical key: UnsafeRawBufferPointer) -> Bool {
        guard has(id) else { return false }
        let m = meta[Int(id)]
        guard Int(m.length) == key.count else { return false }
        return keyArena.withUnsafeBytes { memcmp($0.baseAddress! + m.start, key.baseAddress!, key.count) == 0 }
    }

    /// Sizes the hash table and per-id records for `n` series (opening a data directory knows
    /// the count from its segments), so loading does not rehash as it grows.
    mutating func reserve(series n: Int, maxID: UInt32) {
        var size = slots.count
        while n * 2 > size { size *= 2 }
        if size > slots.count { rehash(size) }
        meta.reserveCapacity(Swift.min(Int(maxID) + 1, n * 2 + 1024))
    }

    /// Whether `id` names a series (cheap: no SeriesInfo copy).
    @inline(__always)
    func has(_ id: UInt32) -> Bool {
        Int(id) < meta.count && meta[Int(id)].length > 0
    }

    /// The key of series `id`, built from the symbol table (its strings are shared, not copied).
    func key(_ id: UInt32) -> SeriesKey? {
        guard has(id) else { return nil }
        let m = meta[Int(id)]
        var i = Int(m.symStart)
        let measurement = symbols[keySymbols[i]], field = symbols[keySymbols[i + 1]]
        let n = Int(keySymbols[i + 2])
        i += 3
        var tags: [Tag] = []
        tags.reserveCapacity(n)
        for _ in 0..<n {
            tags.append(Tag(symbols[keySymbols[i]], symbols[keySymbols[i + 1]]))
            i += 2
        }
        return SeriesKey(sortedTags: tags, measurement: measurement, field: field)
    }

    /// The measurement of series `id` (which must exist).
    func measurement(_ id: UInt32) -> String { symbols[keySymbols[Int(meta[Int(id)].symStart)]] }

    func brief(_ id: UInt32) -> SeriesBrief? {
        has(id) ? SeriesBrief(id: id, type: meta[Int(id)].type, measurement: measurement(id)) : nil
    }

    /// Appends the canonical keys of `ids` to `arena`, recording where each ends in `ends`.
    func copyCanonical<S: Sequence>(_ ids: S, into arena: inout [UInt8], ends: inout [Int]) where S.Element == UInt32 {
        keyArena.withUnsafeBytes { keys in
            for id in ids {
                precondition(has(id), "series \(id) is not in the catalog")
                let m = meta[Int(id)]
                arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: keys[m.start..<(m.start + Int(m.length))]))
                ends.append(arena.count)
            }
        }
    }

    /// Calls `body` with the canonical key bytes of series `id` (which must exist).
    @inline(__always)
    func withCanonical<R>(_ id: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let m = meta[Int(id)]
        return try keyArena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[m.start..<(m.start + Int(m.length))])) }
    }

    /// A copy of the canonical key bytes of series `id` (which must exist).
    func canonical(_ id: UInt32) -> [UInt8] { withCanonical(id) { [UInt8]($0) } }

    /// Series `id` as queries name it: id, key and type (no copy of the canonical bytes).
    func ref(_ id: UInt32) -> SeriesRef? { key(id).map { SeriesRef(id: id, key: $0, type: type(id)) } }

    func info(_ id: UInt32) -> SeriesInfo? {
        guard let k = key(id) else { return nil }
        return SeriesInfo(id: id, key: k, type: type(id), canonical: canonical(id))
    }

    /// Every series id, ascending.
    var ids: [UInt32] { (0..<UInt32(meta.count)).filter { has($0) } }

    /// Adds a series with the given id (from the WAL or a segment) or the next free id.
    /// Returns nil when the canonical bytes do not decode, or when the given id is 0 or already
    /// names another series (callers report that as a conflict).
    @discardableResult
    mutating func insert(canonical: UnsafeRawBufferPointer, type: ValueType, id wanted: UInt32? = nil) -> UInt32? {
        let h = SeriesCatalog.hash(canonical)
        if let existing = lookup(canonical, hash: h) { return existing }
        guard let key = SeriesKey(canonical: canonical), canonical.count > 0 else { return nil }
        if let wanted, wanted == 0 || has(wanted) { return nil }
        let id = wanted ?? UInt32(meta.count)
        if meta.count <= Int(id) { meta.append(contentsOf: repeatElement(Meta(), count: Int(id) - meta.count + 1)) }
        // The key as symbols; the index gets the interned strings, so each is stored once.
        let symStart = UInt32(keySymbols.count)
        let mSym = symbols.intern(key.measurement), fSym = symbols.intern(key.field)
        keySymbols.append(mSym)
        keySymbols.append(fSym)
        keySymbols.append(UInt32(key.tags.count))
        var tags: [Tag] = []
        tags.reserveCapacity(key.tags.count)
        for t in key.tags {
            let k = symbols.intern(t.key), v = symbols.intern(t.value)
            keySymbols.append(k)
            keySymbols.append(v)
            tags.append(Tag(symbols[k], symbols[v]))
        }
        meta[Int(id)] = Meta(start: keyArena.count, length: Int32(canonical.count), symStart: symStart, type: type)
        keyArena.append(contentsOf: canonical)
        count += 1
        if count * 2 > slots.count { grow() }
        place(id, hash: h)
        index.add(id: id, measurement: symbols[mSym], tags: tags, field: symbols[fSym], type: type)
        return id
    }

    private mutating func place(_ id: UInt32, hash: UInt64) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = id
    }

    private mutating func grow() { rehash(slots.count * 2) }

    /// Rebuilds the hash table with `size` slots (a power of two).
    private mutating func rehash(_ size: Int) {
        slots = Array(repeating: 0, count: size)
        for id in 1..<UInt32(meta.count) where has(id) {
            place(id, hash: withCanonical(id) { SeriesCatalog.hash($0) })
        }
    }

    mutating func finishLoading() { index.sortPostings() }
}
