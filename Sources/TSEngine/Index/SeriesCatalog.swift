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

/// Interns canonical series keys to dense numeric IDs (1, 2, 3, ...) per database.
///
/// IDs are stable across restarts: they are written with the series' first sample in the WAL
/// and in every segment's series table, and reloaded from there on open. Lookup is an
/// open-addressing hash table over the key bytes, so the ingest path hashes bytes and never
/// builds a String or an Array for a series that already exists.
struct SeriesCatalog {
    private(set) var infos: [SeriesInfo?] = [nil]  // index = id; 0 is never used
    /// Hot-path copies: canonical keys back to back, and per id where its key lies and its type,
    /// packed in one 16-byte record so a lookup touches one cache line of metadata.
    struct Meta {
        var start: Int = 0
        var length: Int32 = 0
        var type: ValueType = .float
    }
    private var keyArena: [UInt8] = []
    private(set) var meta: [Meta] = [Meta()]
    private var slots: [UInt32] = Array(repeating: 0, count: 1024)
    private var count = 0
    private(set) var index = TagIndex()

    var seriesCount: Int { count }
    var maxID: UInt32 { UInt32(infos.count - 1) }

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

    /// Whether `id` names a series (cheap: no SeriesInfo copy).
    @inline(__always)
    func has(_ id: UInt32) -> Bool {
        Int(id) < meta.count && meta[Int(id)].length > 0
    }

    func info(_ id: UInt32) -> SeriesInfo? {
        Int(id) < infos.count ? infos[Int(id)] : nil
    }

    /// Adds a series with the given id (from the WAL or a segment) or the next free id.
    /// Returns nil when the canonical bytes do not decode, or when the given id is 0 or already
    /// names another series (callers report that as a conflict).
    @discardableResult
    mutating func insert(canonical: UnsafeRawBufferPointer, type: ValueType, id wanted: UInt32? = nil) -> UInt32? {
        let h = SeriesCatalog.hash(canonical)
        if let existing = lookup(canonical, hash: h) { return existing }
        guard let key = SeriesKey(canonical: canonical) else { return nil }
        if let wanted, wanted == 0 || has(wanted) { return nil }
        let id = wanted ?? UInt32(infos.count)
        while infos.count <= Int(id) {
            infos.append(nil)
            meta.append(Meta())
        }
        meta[Int(id)] = Meta(start: keyArena.count, length: Int32(canonical.count), type: type)
        keyArena.append(contentsOf: canonical)
        let info = SeriesInfo(id: id, key: key, type: type, canonical: [UInt8](canonical))
        infos[Int(id)] = info
        count += 1
        if count * 2 > slots.count { grow() }
        place(id, hash: h)
        index.add(info)
        return id
    }

    private mutating func place(_ id: UInt32, hash: UInt64) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = id
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for case let info? in infos {
            let h = info.canonical.withUnsafeBytes { SeriesCatalog.hash($0) }
            place(info.id, hash: h)
        }
    }

    mutating func finishLoading() { index.sortPostings() }
}
