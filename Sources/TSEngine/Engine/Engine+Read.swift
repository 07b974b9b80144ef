import TSSupport
/// A series chosen by a selector.
public struct SeriesRef: Sendable {
    public let id: UInt32
    public let key: SeriesKey
    public let type: ValueType
}

/// A piece of one series' data in one source, with its precedence for duplicate timestamps.
struct Chunk {
    enum Source {
        case block(Segment, BlockRef)
        case memory(SampleColumns)
    }
    var minT: Int64
    var maxT: Int64
    var precedence: UInt64
    var source: Source
    /// Ranges removed by tombstones (block chunks only).
    var deleted: [TimeRange] = []
}

/// A consistent view of where one series' data lives, taken under the engine lock.
public struct SeriesSnapshot: Sendable {
    public let ref: SeriesRef
    let chunks: [Chunk]
}

extension Chunk: @unchecked Sendable {}

extension Engine {
    /// Series of `database` matching `selector`, sorted by ID.
    public func select(_ database: String, _ selector: SeriesSelector) throws -> [SeriesRef] {
        try lock.withLock {
            let db = try databaseLocked(database, create: false)
            let dropped = db.tombstones.dropped
            return db.catalog.index.select(selector).compactMap { id in
                if !dropped.isEmpty && dropped.contains(id) { return nil }
                return db.catalog.ref(id)
            }
        }
    }

    public func series(_ database: String, id: UInt32) throws -> SeriesRef? {
        try lock.withLock {
            let db = try databaseLocked(database, create: false)
            return db.catalog.ref(id)
        }
    }

    public func measurements(_ database: String, matching name: SeriesSelector.Name = .any) throws -> [String] {
        try lock.withLock { try databaseLocked(database, create: false).catalog.index.measurementNames(matching: name) }
    }

    public func tagKeys(_ database: String, measurement: String) throws -> [String] {
        try lock.withLock { try databaseLocked(database, create: false).catalog.index.tagKeys(measurement) }
    }

    /// Values of tag `key` in `measurement`, each with the sorted IDs of the series carrying it.
    public func tagValues(_ database: String, measurement: String, key: String) throws -> [String: [UInt32]] {
        try lock.withLock { try databaseLocked(database, create: false).catalog.index.tagValues(measurement, key: key) }
    }

    /// Per tag key of `measurement` that `keep` accepts (ascending), its values carried by at
    /// least one series that is not dropped (ascending by bytes): SHOW TAG KEYS/VALUES without
    /// WHERE, answered from the index's postings. Sorted value lists are cached by the index
    /// (sorted under the lock once per new value); dropped series are filtered outside the lock.
    public func liveTagValues(_ database: String, measurement: String,
                              keys keep: (String) throws -> Bool) throws -> [(key: String, values: StringColumn)] {
        let (lists, dropped) = try lock.withLock { () -> ([(String, StringColumn, [String: [UInt32]])], Set<UInt32>) in
            let db = try databaseLocked(database, create: false)
            let keys = try db.catalog.index.tagKeys(measurement).filter(keep)
            let dropped = db.tombstones.dropped
            return (keys.map { k in
                (k, db.catalog.index.sortedTagValues(measurement, key: k), dropped.isEmpty ? [:] : db.catalog.index.tagValues(measurement, key: k))
            }, dropped)
        }
        return lists.compactMap { key, sorted, postings in
            let live = dropped.isEmpty ? sorted : sorted.filter { i in postings[sorted[i]]!.contains { !dropped.contains($0) } }
            return live.isEmpty ? nil : (key, live)
        }
    }

    public func fieldKeys(_ database: String, measurement: String) throws -> [(String, ValueType)] {
        try lock.withLock { try databaseLocked(database, create: false).catalog.index.fields(measurement) }
    }

    /// Takes a snapshot of where the data of `refs` within `range` lives. Decoding happens
    /// later, outside the lock, in `scan`.
    public func snapshot(_ database: String, _ refs: [SeriesRef], range: TimeRange) throws -> [SeriesSnapshot] {
        try lock.withLock {
            let db = try databaseLocked(database, create: false)
            return refs.map { snapshotLocked(db, $0, range: range) }
        }
    }

    /// One series' snapshot; the caller holds the engine lock.
    func snapshotLocked(_ db: Database, _ ref: SeriesRef, range: TimeRange) -> SeriesSnapshot {
        var chunks: [Chunk] = []
        for seg in db.segments where seg.maxT >= range.min && seg.minT <= range.max {
            guard let e = seg.entry(ref.id) else { continue }
            for b in e.blocks where range.overlaps(min: b.minT, max: b.maxT) {
                let del = db.tombstones.isEmpty ? [] : db.tombstones.ranges(ref.id, seq: seg.seq, overlapping: b.minT, b.maxT)
                chunks.append(Chunk(minT: b.minT, maxT: b.maxT, precedence: seg.seq, source: .block(seg, b), deleted: del))
            }
        }
        for prec in [UInt64.max - 1, UInt64.max] {
            let s: HeadSeries?
            if prec == UInt64.max { s = db.head.normalized(ref.id) } else { s = db.frozen?.normalized(ref.id) }
            guard let s, range.overlaps(min: s.minT, max: s.maxT) else { continue }
            let lo = s.lowerBound(range.min)
            let hi = s.upperBound(range.max)
            guard lo < hi else { continue }
            let cols = s.columns(type: ref.type, lo..<hi)
            chunks.append(Chunk(minT: cols.timestamps[0], maxT: cols.timestamps[cols.count - 1], precedence: prec, source: .memory(cols)))
        }
        return SeriesSnapshot(ref: ref, chunks: chunks)
    }

    /// A snapshot of one series over the given segments only (compaction input).
    func snapshotOf(_ ref: SeriesRef, in segments: [Segment], tombstones: Tombstones) -> SeriesSnapshot {
        var chunks: [Chunk] = []
        for seg in segments {
            guard let e = seg.entry(ref.id) else { continue }
            for b in e.blocks {
                let del = tombstones.ranges(ref.id, seq: seg.seq, overlapping: b.minT, b.maxT)
                chunks.append(Chunk(minT: b.minT, maxT: b.maxT, precedence: seg.seq, source: .block(seg, b), deleted: del))
            }
        }
        return SeriesSnapshot(ref: ref, chunks: chunks)
    }

    /// Streams the data of one series in `range` in ascending time, merging the head and
    /// all segments; for a timestamp present in several sources the newest write wins.
    /// `body` receives consecutive, non-overlapping pieces; return false to stop early.
    /// Memory is bounded by the largest group of mutually overlapping blocks.
    public func scan(_ snap: SeriesSnapshot, range: TimeRange, _ body: (SampleColumns) throws -> Bool) throws {
        try Engine.forEachCluster(Engine.splittingMemory(snap.chunks)) { cluster in
            var cols: SampleColumns
            if cluster.count == 1 {
                cols = try load(cluster[cluster.startIndex], type: snap.ref.type)
            } else {
                cols = try merge(cluster.map { ($0.precedence, try load($0, type: snap.ref.type)) }, type: snap.ref.type)
            }
            cols = clip(cols, range)
            return try cols.isEmpty || body(cols)
        }
    }

    /// Calls `body` with each cluster of `chunks` — chunks whose time ranges overlap
    /// transitively — in time order (equal starts in ascending precedence), until it returns
    /// false. Raw scans and rollup scans merge within a cluster only.
    static func forEachCluster(_ chunks: [Chunk], _ body: (ArraySlice<Chunk>) throws -> Bool) rethrows {
        let chunks = chunks.sorted { $0.minT < $1.minT || ($0.minT == $1.minT && $0.precedence < $1.precedence) }
        var i = 0
        while i < chunks.count {
            var j = i + 1
            var clusterMax = chunks[i].maxT
            while j < chunks.count && chunks[j].minT <= clusterMax {
                clusterMax = max(clusterMax, chunks[j].maxT)
                j += 1
            }
            if try !body(chunks[i..<j]) { return }
            i = j
        }
    }

    /// Cuts in-memory chunks (head, frozen head) at the time boundaries of the block chunks.
    /// A head that holds one late sample, or data that a crash during a seal left both in the WAL
    /// and in a segment, spans many blocks; uncut, it would join them all into one cluster, merged
    /// in one piece (all of a series' data at once, sorted). Cut, each piece overlaps only the
    /// blocks it really overlaps, and the scan stays block by block.
    static func splittingMemory(_ chunks: [Chunk]) -> [Chunk] {
        guard chunks.count > 1, chunks.contains(where: { if case .memory = $0.source { true } else { false } }) else { return chunks }
        var cuts: [Int64] = []  // a piece starts at each cut
        for c in chunks {
            guard case .block = c.source else { continue }
            cuts.append(c.minT)
            if c.maxT < .max { cuts.append(c.maxT + 1) }
        }
        if cuts.isEmpty { return chunks }
        cuts.sort()
        var out: [Chunk] = []
        out.reserveCapacity(chunks.count + cuts.count)
        for c in chunks {
            guard case .memory(let cols) = c.source, cols.count > 1 else { out.append(c); continue }
            var lo = 0
            var k = upperBound(cuts, c.minT)  // the first cut after the chunk's first sample
            while k < cuts.count && cuts[k] <= c.maxT && lo < cols.count {
                let cut = cuts[k], start = lo
                let hi = start + partitionPoint(cols.count - start) { cols.timestamps[start + $0] >= cut }
                if hi > lo { out.append(piece(cols, lo..<hi, precedence: c.precedence)) }
                lo = hi
                k += 1
                while k < cuts.count && lo < cols.count && cuts[k] <= cols.timestamps[lo] { k += 1 }
            }
            if lo == 0 {
                out.append(c)
            } else if lo < cols.count {
                out.append(piece(cols, lo..<cols.count, precedence: c.precedence))
            }
        }
        return out
    }

    private static func piece(_ cols: SampleColumns, _ r: Range<Int>, precedence: UInt64) -> Chunk {
        var p = SampleColumns(type: cols.values.type)
        p.timestamps = Array(cols.timestamps[r])
        p.values.append(from: cols.values, range: r)
        return Chunk(minT: p.timestamps[0], maxT: p.timestamps[p.count - 1], precedence: precedence, source: .memory(p))
    }

    /// All data of one series in `range`, materialized.
    public func read(_ database: String, _ ref: SeriesRef, range: TimeRange = .all) throws -> SampleColumns {
        try collect(try snapshot(database, [ref], range: range)[0], range: range)
    }

    /// Everything `scan` yields, in one piece.
    func collect(_ snap: SeriesSnapshot, range: TimeRange) throws -> SampleColumns {
        var out = SampleColumns(type: snap.ref.type)
        try scan(snap, range: range) { c in
            out.timestamps.append(contentsOf: c.timestamps)
            out.values.append(from: c.values, range: 0..<c.count)
            return true
        }
        return out
    }

    func load(_ c: Chunk, type: ValueType) throws -> SampleColumns {
        switch c.source {
        case .memory(let cols): return cols
        case .block(let seg, let ref):
            let cols = try seg.readBlock(ref, type: type)
            return c.deleted.isEmpty ? cols : Engine.removing(c.deleted, from: cols)
        }
    }

    /// Merges sorted inputs; for equal timestamps the input with the highest precedence wins.
    private func merge(_ inputs: [(UInt64, SampleColumns)], type: ValueType) -> SampleColumns {
        var order: [(t: Int64, p: UInt64, src: Int, idx: Int)] = []
        order.reserveCapacity(inputs.reduce(0) { $0 + $1.1.count })
        for (s, (p, cols)) in inputs.enumerated() {
            for (k, t) in cols.timestamps.enumerated() { order.append((t, p, s, k)) }
        }
        order.sort { $0.t < $1.t || ($0.t == $1.t && $0.p > $1.p) }
        var out = SampleColumns(type: type)
        out.timestamps.reserveCapacity(order.count)
        var last: Int64? = nil
        for o in order where o.t != last {
            last = o.t
            out.timestamps.append(o.t)
            out.values.append(from: inputs[o.src].1.values, at: o.idx)
        }
        return out
    }

    private func clip(_ c: SampleColumns, _ r: TimeRange) -> SampleColumns {
        guard let f = c.timestamps.first, let l = c.timestamps.last else { return c }
        if f >= r.min && l <= r.max { return c }
        let lo = lowerBound(c.timestamps, r.min), hi = upperBound(c.timestamps, r.max)
        var out = SampleColumns(type: c.values.type)
        if lo < hi {
            out.timestamps = Array(c.timestamps[lo..<hi])
            out.values.append(from: c.values, range: lo..<hi)
        }
        return out
    }
}

extension SeriesSnapshot {
    /// The earliest time any source of this snapshot may hold (nil when it has no data).
    public var minTime: Int64? { chunks.map(\.minT).min() }

    /// The latest time any source of this snapshot may hold (nil when it has no data).
    public var maxTime: Int64? { chunks.map(\.maxT).max() }

    /// True when no source holds data of this series in the snapshot's range.
    public var isEmpty: Bool { chunks.isEmpty }
}

extension Engine {
    /// The last sample of `ref` strictly before `t` (the newest write wins for its timestamp),
    /// or nil. Counter functions use it so that the delta into the first sample of a range is
    /// counted and month buckets add up exactly. Loads only the chunks that can hold the answer.
    public func lastSample(_ database: String, _ ref: SeriesRef, before t: Int64) throws -> (time: Int64, value: Value)? {
        guard t > .min else { return nil }
        let range = TimeRange(min: .min, max: t - 1)
        let snap = try snapshot(database, [ref], range: range)[0]
        // Newest candidate first; a chunk can only beat the best so far if its bound is later.
        let order = snap.chunks.sorted { Swift.min($0.maxT, t - 1) > Swift.min($1.maxT, t - 1) || ($0.maxT == $1.maxT && $0.precedence > $1.precedence) }
        var best: (time: Int64, prec: UInt64, value: Value)?
        for c in order {
            let bound = Swift.min(c.maxT, t - 1)
            if let b = best, bound < b.time { break }
            let cols = try load(c, type: ref.type)
            let i = lowerBound(cols.timestamps, t) - 1
            guard i >= 0 else { continue }
            let ct = cols.timestamps[i]
            if best == nil || ct > best!.time || (ct == best!.time && c.precedence > best!.prec) {
                best = (ct, c.precedence, cols.values[i])
            }
        }
        return best.map { ($0.time, $0.value) }
    }
}
