import TSSupport
import TSEncoding

/// Downsampling rollups: computed when raw data seals, written as level segments, read by the
/// query planner (docs/rollups.md).
extension Engine {
    /// Coarse buckets (of the coarsest level of each series' measurement) that the frozen head
    /// touches, per series. These buckets are recomputed from raw data after the seal.
    func dirtyBuckets(_ db: Database, _ frozen: Head, _ infos: [SeriesInfo?]) -> [UInt32: [Int64]] {
        let policy = options.rollupPolicy(for: db.name)
        if policy.levels.isEmpty { return [:] }
        var coarse: [String: Int64] = [:]
        var out: [UInt32: [Int64]] = [:]
        for i in frozen.series.indices where frozen.series[i].count > 0 {
            guard let info = infos[i], info.type == .float || info.type == .integer else { continue }
            let m = info.key.measurement
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
        let d = Database(name: Database.levelName(db.name, level.name), dir: db.levelsDir + "/" + level.name,
                         blockRange: level.window, level: level)
        try fs.makeDirectories(d.segmentsDir)
        db.levels[level.name] = d
        return d
    }

    /// Recomputes the rollup buckets of `dirty` (coarse bucket starts per series) from raw data
    /// and writes them as new level segments (newer segments win, so recomputation overwrites).
    /// Runs under the maintenance lock; reads take the engine lock only for snapshots.
    func computeRollups(_ db: Database, _ dirty: [UInt32: [Int64]]) throws {
        let policy = options.rollupPolicy(for: db.name)
        guard !dirty.isEmpty, !policy.levels.isEmpty else { return }
        // Per level: (canonical key, type, columns) of every pseudo-series to write.
        var output: [String: [(key: SeriesKey, type: ValueType, columns: SampleColumns)]] = [:]
        // Long rebuilds (backfills, imports, deletes over years) log their progress.
        let started = SystemClock.monotonicNanos()
        var lastLog = started
        let total = dirty.count
        for (done, id) in dirty.keys.sorted().enumerated() {
            let nowMono = SystemClock.monotonicNanos()
            if nowMono - lastLog > 5_000_000_000 {
                lastLog = nowMono
                options.log(.info, "rollups of \(db.name): \(done)/\(total) series recomputed in \((nowMono - started) / 1_000_000_000) s")
            }
            guard let info = lock.withLock({ db.catalog.info(id) }), info.type == .float || info.type == .integer else { continue }
            let levels = policy.levels(for: info.key.measurement)
            guard let coarse = levels.last?.width else { continue }
            let ref = SeriesRef(id: id, key: info.key, type: info.type)
            for (a, b) in try extendedRanges(db, ref, dirty[id]!, coarse) {
                var builders = levels.map { RollupBuilder(width: $0.width, type: info.type) }
                var previous = try lastSample(db.name, ref, before: a)?.value.doubleValue
                let range = TimeRange(min: a, max: b - 1)
                try scan(try snapshot(db.name, [ref], range: range)[0], range: range) { cols in
                    switch cols.values {
                    case .float(let vs):
                        for i in 0..<cols.count {
                            for k in builders.indices { builders[k].add(cols.timestamps[i], float: vs[i], previous: previous) }
                            previous = vs[i]
                        }
                    case .integer(let vs):
                        for i in 0..<cols.count {
                            for k in builders.indices { builders[k].add(cols.timestamps[i], integer: vs[i], previous: previous) }
                            previous = Double(vs[i])
                        }
                    default: break
                    }
                    return true
                }
                for (k, level) in levels.enumerated() where !builders[k].isEmpty {
                    for stat in RollupStat.allCases {
                        let key = SeriesKey(measurement: info.key.measurement, tags: info.key.tags, field: stat.field(info.key.field))
                        output[level.name, default: []].append((key, stat.type(raw: info.type), builders[k].columns(stat)))
                    }
                }
            }
        }
        for level in policy.levels {
            guard let items = output[level.name] else { continue }
            let ldb = try lock.withLock { try levelDatabaseLocked(db, level) }
            try writeLevel(ldb, items)
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

    /// Writes pseudo-series into a level database, one segment per level window.
    private func writeLevel(_ ldb: Database, _ items: [(key: SeriesKey, type: ValueType, columns: SampleColumns)]) throws {
        // Intern the pseudo-series (no WAL: they persist through the segments' series tables).
        var byWindow: [Int64: [(UInt32, ValueType, [UInt8], SampleColumns)]] = [:]
        try lock.withLock {
            for it in items {
                let canon = it.key.canonicalBytes
                let id: UInt32
                if let got = canon.withUnsafeBytes({ ldb.catalog.lookup($0, hash: SeriesCatalog.hash($0)) }) {
                    id = got
                } else {
                    guard let new = canon.withUnsafeBytes({ ldb.catalog.insert(canonical: $0, type: it.type) }) else {
                        throw EngineError.invalidName("rollup series \(it.key)")
                    }
                    id = new
                }
                // Split the columns by level window.
                let c = it.columns
                var lo = 0
                while lo < c.count {
                    let w = windowStart(c.timestamps[lo], ldb.blockRange)
                    var hi = lo
                    while hi < c.count && c.timestamps[hi] < w + ldb.blockRange { hi += 1 }
                    var piece = SampleColumns(type: c.values.type)
                    piece.timestamps = Array(c.timestamps[lo..<hi])
                    piece.values.append(from: c.values, range: lo..<hi)
                    byWindow[w, default: []].append((id, it.type, canon, piece))
                    lo = hi
                }
            }
        }
        var written: [Segment] = []
        defer {
            let done = written
            lock.withLock {
                ldb.segments.append(contentsOf: done)
                ldb.segments.sort { $0.seq < $1.seq }
            }
        }
        for w in byWindow.keys.sorted() {
            // Several recomputations of one series in one seal: the later range wins; keep one entry per id.
            var perID: [UInt32: (ValueType, [UInt8], SampleColumns)] = [:]
            for (id, type, canon, cols) in byWindow[w]! {
                if var have = perID[id] {
                    have.2 = mergeSorted(have.2, cols)
                    perID[id] = have
                } else {
                    perID[id] = (type, canon, cols)
                }
            }
            let seq = lock.withLock { () -> UInt64 in defer { nextSeq += 1 }; return nextSeq }
            let writer = try SegmentWriter(directory: ldb.segmentsDir, seq: seq, compression: options.blockCompression, level: options.compressionLevel, fileSystem: fs)
            do {
                for id in perID.keys.sorted() {
                    let (type, canon, cols) = perID[id]!
                    try writer.add(id: id, type: type, canonical: canon, columns: cols)
                }
                try writer.finish()
            } catch {
                writer.abort()
                throw error
            }
            written.append(try Segment(path: writer.path, fileSystem: fs))
        }
    }

    /// Two sorted columns of one type with disjoint times, merged.
    private func mergeSorted(_ a: SampleColumns, _ b: SampleColumns) -> SampleColumns {
        var out = SampleColumns(type: a.values.type)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j >= b.count || (i < a.count && a.timestamps[i] < b.timestamps[j]) {
                out.timestamps.append(a.timestamps[i]); out.values.append(from: a.values, at: i); i += 1
            } else {
                if i < a.count && a.timestamps[i] == b.timestamps[j] { i += 1 }
                out.timestamps.append(b.timestamps[j]); out.values.append(from: b.values, at: j); j += 1
            }
        }
        return out
    }

    // MARK: planner API

    /// The levels `measurement` of `database` is rolled up to, and the time before which every
    /// level bucket is complete (later raw data is unsealed or still being rolled up).
    public func rollupLevels(_ database: String, measurement: String) throws
        -> (levels: [RollupLevel], retention: [String: Int64], completeBefore: Int64) {
        try lock.withLock {
            let db = try databaseLocked(database, create: false)
            let policy = options.rollupPolicy(for: database)
            return (policy.levels(for: measurement), policy.retention, db.rollupCompleteBefore)
        }
    }

    /// The pseudo-series holding `stat` of raw series `ref` at `level`; nil when never written.
    public func rollupSeries(_ database: String, level: RollupLevel, _ ref: SeriesRef, _ stat: RollupStat) throws -> SeriesRef? {
        let key = SeriesKey(measurement: ref.key.measurement, tags: ref.key.tags, field: stat.field(ref.key.field))
        let canon = key.canonicalBytes
        return try lock.withLock {
            let db = try databaseLocked(database, create: false)
            guard let ldb = db.levels[level.name],
                  let id = canon.withUnsafeBytes({ ldb.catalog.lookup($0, hash: SeriesCatalog.hash($0)) }) else { return nil }
            return SeriesRef(id: id, key: key, type: ldb.catalog.type(id))
        }
    }

    /// Snapshots of level pseudo-series (see `rollupSeries`) for `scan`.
    public func rollupSnapshot(_ database: String, level: RollupLevel, _ refs: [SeriesRef], range: TimeRange) throws -> [SeriesSnapshot] {
        try lock.withLock {
            let db = try databaseLocked(database, create: false)
            guard let ldb = db.levels[level.name] else { return refs.map { SeriesSnapshot(ref: $0, chunks: []) } }
            return refs.map { snapshotLocked(ldb, $0, range: range) }
        }
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

extension Engine {
    /// Snapshots of the rollup statistics `stats` of every raw series in `refs` at `level`, in one
    /// pass under the lock: `result[i][k]` is stat `k` of `refs[i]`, nil when never rolled up.
    /// Pseudo-series are found by rewriting the field of the raw series' interned canonical key,
    /// without building keys.
    public func rollupSnapshots(_ database: String, level: RollupLevel, _ refs: [SeriesRef], stats: [RollupStat],
                                range: TimeRange) throws -> [[SeriesSnapshot?]] {
        try lock.withLock {
            let db = try databaseLocked(database, create: false)
            guard let ldb = db.levels[level.name] else { return refs.map { _ in stats.map { _ in nil } } }
            var key: [UInt8] = []
            return refs.map { ref -> [SeriesSnapshot?] in
                guard let info = db.catalog.info(ref.id) else { return stats.map { _ in nil } }
                let field = Array(ref.key.field.utf8)
                let suffix = Varint.length(UInt64(field.count)) + field.count
                let prefix = info.canonical[0..<(info.canonical.count - suffix)]
                return stats.map { stat -> SeriesSnapshot? in
                    key.removeAll(keepingCapacity: true)
                    let name = stat.rawValue.utf8
                    ByteWriter.append(to: &key) { w in
                        w.raw(prefix)
                        w.uvarint(UInt64(field.count + 1 + name.count))
                        w.raw(field)
                        w.u8(0)
                        w.raw(name)
                    }
                    guard let id = key.withUnsafeBytes({ ldb.catalog.lookup($0, hash: SeriesCatalog.hash($0)) }) else { return nil }
                    return snapshotLocked(ldb, SeriesRef(id: id, key: ref.key, type: ldb.catalog.type(id)), range: range)
                }
            }
        }
    }
}

// MARK: backfill

extension Engine {
    /// The marker saying a level holds the rollups of every raw segment that existed when it was
    /// configured (`<db>/levels/<level>.backfilled`).
    static func backfillMarker(_ db: Database, _ level: RollupLevel) -> String { db.levelsDir + "/" + level.name + ".backfilled" }

    /// At open, or when a database is created: levels without their marker must be backfilled
    /// from the raw segments (a data directory from before rollups, or a newly configured level).
    /// Until that is done the planner reads raw data for the whole range. Caller holds the lock or
    /// is the constructor.
    func planBackfill(_ db: Database) throws {
        let missing = options.rollupPolicy(for: db.name).levels.filter { !fs.exists(Engine.backfillMarker(db, $0)) }
        if missing.isEmpty { return }
        if db.segments.isEmpty {
            try markBackfilled(db, missing)
        } else {
            db.backfillLevels = missing
            db.rollupPendingMinT = Swift.min(db.rollupPendingMinT ?? .max, db.segments.map(\.minT).min() ?? .max)
        }
    }

    private func markBackfilled(_ db: Database, _ levels: [RollupLevel]) throws {
        try fs.makeDirectories(db.levelsDir)
        for l in levels { try fs.writeFileDurably(Engine.backfillMarker(db, l), Array("backfilled\n".utf8)) }
    }

    /// Computes the rollups of every raw segment of databases that need it, window by window,
    /// then writes the markers. Holds the maintenance lock (called by seals and maintenance).
    func backfillRollupsHoldingMaintenance() throws {
        let todo = lock.withLock { databases.values.filter { !$0.backfillLevels.isEmpty } }
        for db in todo {
            let segs = lock.withLock { db.segments.sorted { $0.minT < $1.minT } }
            let policy = options.rollupPolicy(for: db.name)
            guard let coarse = policy.levels.last?.width else { continue }
            options.log(.info, "backfilling rollups of \(db.name): \(segs.count) raw segments")
            let started = SystemClock.monotonicNanos()
            var lastLog = started
            for (i, seg) in segs.enumerated() {
                var dirty: [UInt32: [Int64]] = [:]
                var buckets: [Int64] = []
                var b = alignDown(seg.minT, coarse)
                while b <= seg.maxT { buckets.append(b); b += coarse }
                for id in seg.seriesIDs { dirty[id] = buckets }
                try computeRollups(db, dirty)
                let now = SystemClock.monotonicNanos()
                if now - lastLog > 5_000_000_000 {
                    lastLog = now
                    options.log(.info, "backfilling rollups of \(db.name): \(i + 1)/\(segs.count) segments in \((now - started) / 1_000_000_000) s")
                }
            }
            let levels = lock.withLock { db.backfillLevels }
            try markBackfilled(db, levels)
            lock.withLock {
                db.backfillLevels = []
                db.rollupPendingMinT = nil
            }
            options.log(.info, "rollups of \(db.name) backfilled in \((SystemClock.monotonicNanos() - started) / 1_000_000) ms")
        }
    }
}
