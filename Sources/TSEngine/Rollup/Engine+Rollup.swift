import TSSupport
import TSEncoding

/// Downsampling rollups: computed when raw data seals, written as rollup segments (one block per
/// series per level and window, docs/format/rollup.md), read by the query planner
/// (docs/rollups.md).
extension Engine {
    /// Coarse buckets (of the coarsest level of each series' measurement) that the frozen head
    /// touches, per series. These buckets are recomputed from raw data after the seal.
    func dirtyBuckets(_ db: Database, _ frozen: Head, _ briefs: [SeriesBrief?]) -> [UInt32: [Int64]] {
        let policy = options.rollupPolicy(for: db.name)
        if policy.levels.isEmpty { return [:] }
        var coarse: [String: Int64] = [:]
        var out: [UInt32: [Int64]] = [:]
        for i in frozen.series.indices where frozen.series[i].count > 0 {
            guard let info = briefs[i], info.type == .float || info.type == .integer else { continue }
            let m = info.measurement
            let w: Int64
            if let c = coarse[m] { w = c } else { w = policy.levels(for: m).last?.width ?? 0; coarse[m] = w }
            if w == 0 { continue }
            let s = frozen.series[i]
            var buckets: [Int64] = []
            var k = 0
            while k < s.count {
                let b = alignDown(s.timestamp(k), w)
                buckets.append(b)
                k = b > Int64.max - w ? s.count : s.lowerBound(b + w)
            }
            out[UInt32(i)] = buckets
        }
        return out
    }

    /// The level database of `db` for `level`, created on first use. Caller holds the engine lock.
    func levelDatabaseLocked(_ db: Database, _ level: RollupLevel) throws -> Database {
        if let d = db.levels[level.name] { return d }
        let d = Database(name: Database.levelName(db.name, level.name), dir: db.rollupsDir + "/" + level.name,
                         blockRange: level.window, level: level, user: db)
        try fs.makeDirectories(d.segmentsDir)
        db.levels[level.name] = d
        return d
    }

    /// Recomputes the rollup buckets of `dirty` (coarse bucket starts per series) from raw data
    /// and writes them as new rollup segments (newer segments win, so recomputation overwrites).
    /// The finest level a series keeps is built from its samples, each coarser one from the level
    /// below. Series are processed in ascending id order and streamed into one writer per level
    /// window, so memory holds the encoded output, not every series' buckets. Runs under the
    /// maintenance lock; reads take the engine lock only for snapshots.
    func computeRollups(_ db: Database, _ dirty: [UInt32: [Int64]]) throws {
        let policy = options.rollupPolicy(for: db.name)
        guard !dirty.isEmpty, !policy.levels.isEmpty else { return }
        let ids = dirty.keys.sorted()
        let briefs: [SeriesBrief?] = lock.withLock { ids.map { db.catalog.brief($0) } }
        let kept = try keptLevels(db, ids: ids, briefs: briefs, dirty: dirty, policy: policy)
        var writers = LevelWriters(engine: self, db: db)
        // Long rebuilds (backfills, imports, deletes over years) log their progress.
        let started = SystemClock.monotonicNanos()
        var lastLog = started
        do {
            try forEachCanonical(db, ids) { n, id, canonical in
                if n & 1023 == 0 {
                    let nowMono = SystemClock.monotonicNanos()
                    if nowMono - lastLog > 5_000_000_000 {
                        lastLog = nowMono
                        options.log(.info, "rollups of \(db.name): \(n)/\(ids.count) series recomputed in \((nowMono - started) / 1_000_000_000) s")
                    }
                }
                guard let info = briefs[n], info.type == .float || info.type == .integer,
                      let coarse = policy.levels(for: info.measurement).last?.width,
                      let levels = kept[info.measurement], let finest = levels.first else { return }
                // The key is not needed to read the samples; only id and type are.
                let ref = SeriesRef(id: id, key: SeriesKey(measurement: "", field: ""), type: info.type)
                var perLevel = levels.map { _ in RollupColumns(type: info.type) }
                for (a, b) in try extendedRanges(db, ref, dirty[id]!, coarse) {
                    var builder = RollupBuilder(width: finest.width, type: info.type)
                    var previous = try lastSample(db.name, ref, before: a)?.value.doubleValue
                    let range = TimeRange(min: a, max: b - 1)
                    try scan(try snapshot(db.name, [ref], range: range)[0], range: range) { cols in
                        switch cols.values {
                        case .float(let vs):
                            for i in 0..<cols.count {
                                builder.add(cols.timestamps[i], float: vs[i], previous: previous)
                                previous = vs[i]
                            }
                        case .integer(let vs):
                            for i in 0..<cols.count {
                                builder.add(cols.timestamps[i], integer: vs[i], previous: previous)
                                previous = Double(vs[i])
                            }
                        default: break
                        }
                        return true
                    }
                    var cols = builder.columns
                    for k in levels.indices {
                        if k > 0 { cols = cols.coarsened(width: levels[k].width) }
                        perLevel[k].append(from: cols, range: 0..<cols.count)
                    }
                }
                for (k, level) in levels.enumerated() where !perLevel[k].isEmpty {
                    try writers.add(level, info, canonical, perLevel[k])
                }
            }
            try writers.finish()
        } catch {
            writers.abort()
            throw error
        }
    }

    /// Merges consecutive coarse buckets into ranges, and adds the coarse bucket of the first
    /// sample after each range (its increase depends on the last sample of the range).
    private func extendedRanges(_ db: Database, _ ref: SeriesRef, _ buckets: [Int64], _ w: Int64) throws -> [(Int64, Int64)] {
        var starts = Set(buckets)
        for b in buckets where !starts.contains(b + w) {
            if let t = try firstSample(db.name, ref, atOrAfter: b + w) { starts.insert(alignDown(t, w)) }
        }
        var out: [(Int64, Int64)] = []
        for b in starts.sorted() {
            if let last = out.last, last.1 == b { out[out.count - 1].1 = b + w } else { out.append((b, b + w)) }
        }
        return out
    }

    /// The time of the first sample of `ref` at or after `t`.
    func firstSample(_ database: String, _ ref: SeriesRef, atOrAfter t: Int64) throws -> Int64? {
        let range = TimeRange(min: t, max: .max)
        var found: Int64?
        try scan(try snapshot(database, [ref], range: range)[0], range: range) { cols in
            found = cols.timestamps.first
            return false
        }
        return found
    }

    // MARK: planner API

    /// The levels `measurement` of `database` is rolled up to, and the time before which every
    /// level bucket is complete (later raw data is unsealed or still being rolled up). Under an
    /// adaptive policy these are the levels chosen for the measurement's native interval (all
    /// candidates until it is known: they are all computed until then).
    public func rollupLevels(_ database: String, measurement: String) throws
        -> (levels: [RollupLevel], retention: [String: Int64], completeBefore: Int64) {
        try lock.withLock {
            let db = try databaseLocked(database, create: false)
            let policy = options.rollupPolicy(for: database)
            let levels = policy.levels(for: measurement, interval: db.nativeIntervals[measurement])
            return (levels, policy.retention, db.rollupCompleteBefore)
        }
    }

    /// Where the buckets of each of `refs` (raw series of `database`) at `level` within `range`
    /// live, taken under the lock; decode with `scanRollups`.
    public func rollupSnapshots(_ database: String, level: RollupLevel, _ refs: [SeriesRef], range: TimeRange) throws -> [SeriesSnapshot] {
        try lock.withLock {
            let db = try databaseLocked(database, create: false)
            guard let ldb = db.levels[level.name] else { return refs.map { SeriesSnapshot(ref: $0, chunks: []) } }
            return refs.map { ref in
                var chunks: [Chunk] = []
                for seg in ldb.segments where seg.maxT >= range.min && seg.minT <= range.max {
                    guard let e = seg.entry(ref.id) else { continue }
                    for b in e.blocks where range.overlaps(min: b.minT, max: b.maxT) {
                        let del = ldb.tombstones.isEmpty ? [] : ldb.tombstones.ranges(ref.id, seq: seg.seq, overlapping: b.minT, b.maxT)
                        chunks.append(Chunk(minT: b.minT, maxT: b.maxT, precedence: seg.seq, source: .block(seg, b), deleted: del))
                    }
                }
                return SeriesSnapshot(ref: ref, chunks: chunks)
            }
        }
    }

    /// Streams the buckets of a rollup snapshot whose start lies in `range`, ascending; for a
    /// bucket present in several segments the newest wins. Return false from `body` to stop.
    public func scanRollups(_ snap: SeriesSnapshot, range: TimeRange, _ body: (RollupColumns) throws -> Bool) throws {
        try Engine.forEachCluster(snap.chunks) { cluster in
            var cols: RollupColumns
            if cluster.count == 1 {
                cols = try loadRollups(cluster[cluster.startIndex], type: snap.ref.type)
            } else {
                cols = RollupColumns.merge(try cluster.map { ($0.precedence, try loadRollups($0, type: snap.ref.type)) }, type: snap.ref.type)
            }
            cols = cols.clipped(range)
            return try cols.isEmpty || body(cols)
        }
    }

    /// All buckets of `snap` in `range`, in one piece.
    func collectRollups(_ snap: SeriesSnapshot, range: TimeRange) throws -> RollupColumns {
        var out = RollupColumns(type: snap.ref.type)
        try scanRollups(snap, range: range) { c in
            out.append(from: c, range: 0..<c.count)
            return true
        }
        return out
    }

    private func loadRollups(_ c: Chunk, type: ValueType) throws -> RollupColumns {
        guard case .block(let seg, let ref) = c.source else { return RollupColumns(type: type) }
        let cols = try seg.readRollupBlock(ref, type: type)
        return c.deleted.isEmpty ? cols : cols.removing(c.deleted)
    }

    // MARK: retention

    /// Drops whole segments older than each level's retention (and raw data older than the
    /// raw retention), then syncs the directories. Returns the number of segments removed.
    @discardableResult
    public func applyRetention() throws -> Int {
        maintenance.lock()
        defer { maintenance.unlock() }
        let now = options.clock()
        var removed = 0
        let dbs = lock.withLock { databases.values.sorted { $0.name < $1.name } }
        for user in dbs {
            let policy = options.rollupPolicy(for: user.name)
            for db in lock.withLock({ user.withLevels }) {
                guard let age = policy.retention[db.level?.name ?? "raw"] else { continue }
                let cutoff = now > Int64.min + age ? now - age : .min
                let gone: [Segment] = lock.withLock {
                    let old = db.segments.filter { $0.maxT < cutoff }
                    let set = Set(old.map(\.seq))
                    db.segments.removeAll { set.contains($0.seq) }
                    return old
                }
                if gone.isEmpty { continue }
                for s in gone { try fs.remove(s.path) }
                try fs.syncDirectory(db.segmentsDir)
                removed += gone.count
                options.log(.info, "retention removed \(gone.count) segment(s) of \(db.level.map { "level \($0.name) of " } ?? "")\(user.name) older than \(cutoff)")
            }
        }
        return removed
    }
}

/// The rollup segments one `computeRollups` writes: one writer per level and level window,
/// created on first use, fed series in ascending id order.
private struct LevelWriters {
    let engine: Engine
    let db: Database
    private var open: [String: (ldb: Database, writers: [Int64: SegmentWriter])] = [:]

    init(engine: Engine, db: Database) {
        self.engine = engine
        self.db = db
    }

    /// Adds one series' buckets at `level`, split by level window.
    mutating func add(_ level: RollupLevel, _ info: SeriesBrief, _ canonical: UnsafeRawBufferPointer, _ c: RollupColumns) throws {
        if open[level.name] == nil {
            let ldb = try engine.lock.withLock { try engine.levelDatabaseLocked(db, level) }
            open[level.name] = (ldb, [:])
        }
        let ldb = open[level.name]!.ldb
        var lo = 0
        while lo < c.count {
            let w = alignDown(c.starts[lo], ldb.blockRange)
            var hi = lo + 1
            while hi < c.count && c.starts[hi] < w &+ ldb.blockRange { hi += 1 }
            let writer: SegmentWriter
            if let have = open[level.name]!.writers[w] {
                writer = have
            } else {
                let seq = engine.lock.withLock { () -> UInt64 in defer { engine.nextSeq += 1 }; return engine.nextSeq }
                writer = try SegmentWriter(directory: ldb.segmentsDir, seq: seq, kind: .rollups, compression: engine.options.blockCompression,
                                           level: engine.options.compressionLevel, fileSystem: engine.fs)
                open[level.name]!.writers[w] = writer
            }
            if lo == 0 && hi == c.count {
                try writer.add(id: info.id, type: info.type, canonical: canonical, rollups: c)
            } else {
                var piece = RollupColumns(type: c.type)
                piece.append(from: c, range: lo..<hi)
                try writer.add(id: info.id, type: info.type, canonical: canonical, rollups: piece)
            }
            lo = hi
        }
    }

    /// Makes every segment durable and visible. On failure the ones already finished stay (they
    /// hold correct buckets); the rest are discarded.
    mutating func finish() throws {
        for (_, entry) in open.sorted(by: { $0.key < $1.key }) {
            var written: [Segment] = []
            defer {
                let done = written
                engine.lock.withLock {
                    entry.ldb.segments.append(contentsOf: done)
                    entry.ldb.segments.sort { $0.seq < $1.seq }
                }
            }
            for w in entry.writers.keys.sorted() {
                let writer = entry.writers[w]!
                try writer.finish()
                open[entry.ldb.level!.name]!.writers[w] = nil
                written.append(try Segment(path: writer.path, fileSystem: engine.fs))
            }
        }
        open = [:]
    }

    /// Discards the segments not finished.
    mutating func abort() {
        for (_, entry) in open {
            for w in entry.writers.values { w.abort() }
        }
        open = [:]
    }
}
