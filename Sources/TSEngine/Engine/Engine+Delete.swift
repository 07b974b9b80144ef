import TSSupport
/// DELETE, DROP SERIES and DROP DATABASE (docs/format/tombstones.md).
extension Engine {
    /// Removes the samples of series `ids` in `range` that were written before this call; with
    /// `dropSeries`, also hides the series until they are written again. Durable on return.
    public func delete(_ database: String, ids: [UInt32], range: TimeRange, dropSeries: Bool) throws {
        if ids.isEmpty || range.isEmpty { return }
        maintenance.lock()
        defer { maintenance.unlock() }
        try sealHoldingMaintenance()
        let db = try lock.withLock { try databaseLocked(database, create: false) }
        var next = lock.withLock { db.tombstones }
        let maxSeq = lock.withLock { nextSeq - 1 }
        let rollups = !options.rollupPolicy(for: database).levels.isEmpty
        for id in ids { next.add(Tombstone(id: id, range: range, maxSeq: maxSeq, drop: dropSeries, rollupsPending: rollups)) }
        try fs.writeFileDurably(db.tombstonesPath, next.encode())
        lock.withLock { db.tombstones = next }
        if rollups { try fixRollupsAfterDelete(db) }
    }

    /// Applies pending deletions to the level databases: their buckets over the deleted ranges
    /// are tombstoned and recomputed from what raw data remains; then the raw tombstones are
    /// marked done. Idempotent, so startup redoes it after a crash. Holds the maintenance lock.
    func fixRollupsAfterDelete(_ db: Database) throws {
        let pending = lock.withLock { db.tombstones.all.filter(\.rollupsPending) }
        if pending.isEmpty { return }
        let policy = options.rollupPolicy(for: db.name)
        var dirty: [UInt32: Set<Int64>] = [:]
        var levelTombs: [String: [Tombstone]] = [:]
        let maxSeq = lock.withLock { nextSeq - 1 }
        for t in pending {
            guard let ref = lock.withLock({ db.catalog.ref(t.id) }) else { continue }
            let levels = policy.levels(for: ref.key.measurement)
            guard let coarse = levels.last?.width else { continue }
            let a = t.range.min == .min ? Int64.min : alignDown(t.range.min, coarse)
            let bEnd = t.range.max == .max ? Int64.max : alignDown(t.range.max, coarse) &+ coarse &- 1
            let expanded = TimeRange(min: a, max: bEnd)
            for level in levels {
                levelTombs[level.name, default: []].append(Tombstone(id: t.id, range: expanded, maxSeq: maxSeq, drop: false))
            }
            // Recompute every coarse bucket that still has raw data, and the one of the next sample.
            var buckets = Set<Int64>()
            try scan(try snapshot(db.name, [ref], range: expanded)[0], range: expanded) { cols in
                for ts in cols.timestamps { buckets.insert(alignDown(ts, coarse)) }
                return true
            }
            if bEnd < .max, let next = try firstSample(db.name, ref, atOrAfter: bEnd + 1) { buckets.insert(alignDown(next, coarse)) }
            dirty[t.id, default: []].formUnion(buckets)
        }
        for (name, tombs) in levelTombs {
            guard let ldb = lock.withLock({ db.levels[name] }) else { continue }
            var next = lock.withLock { ldb.tombstones }
            for t in tombs where !next.all.contains(t) { next.add(t) }
            try fs.writeFileDurably(ldb.tombstonesPath, next.encode())
            lock.withLock { ldb.tombstones = next }
        }
        try computeRollups(db, dirty.mapValues { $0.sorted() })
        let done = lock.withLock { db.tombstones.rollupsDone() }
        try fs.writeFileDurably(db.tombstonesPath, done.encode())
        lock.withLock { db.tombstones = done }
    }

    /// Removes a database and all its data. Writes racing with the drop may recreate it.
    public func dropDatabase(_ name: String) throws {
        maintenance.lock()
        defer { maintenance.unlock() }
        // Seal first so the WAL no longer holds the database's records (they would recreate it on replay).
        try sealHoldingMaintenance()
        let db: Database = try lock.withLock {
            guard let d = databases.removeValue(forKey: name) else { throw EngineError.databaseNotFound(name) }
            return d
        }
        let trash = dbRoot + "/.dropped-" + String(SystemClock.monotonicNanos())
        try fs.rename(db.dir, trash)
        try fs.syncDirectory(dbRoot)
        try fs.removeTree(trash)
    }

    /// Rewrites the tombstones file without the tombstones compaction has made redundant.
    func pruneTombstones(_ db: Database) throws {
        var t = lock.withLock { db.tombstones }
        guard !t.isEmpty, t.prune(minLiveSeq: lock.withLock { db.segments.first?.seq }) else { return }
        if t.isEmpty && t.dropped.isEmpty {
            try fs.remove(db.tombstonesPath)
            try fs.syncDirectory(db.dir)
        } else {
            try fs.writeFileDurably(db.tombstonesPath, t.encode())
        }
        lock.withLock {
            // Keep re-admissions that happened meanwhile.
            t.dropped.formIntersection(db.tombstones.dropped)
            db.tombstones = t
        }
    }

    /// Loads a database's tombstones at open.
    static func loadTombstones(_ db: Database, _ fs: FileSystem) throws {
        guard fs.exists(db.tombstonesPath) else { return }
        db.tombstones = try Tombstones.decode(try fs.readFile(db.tombstonesPath), path: db.tombstonesPath)
    }

    /// After WAL replay: a dropped series with newer data (a later segment or the head) is visible again.
    static func readmitAfterReplay(_ db: Database) {
        for id in db.tombstones.dropped {
            let dropSeq = db.tombstones.bySeries[id]?.filter(\.drop).map(\.maxSeq).max() ?? 0
            if db.head.hasSamples(id) || db.segments.contains(where: { $0.seq > dropSeq && $0.entry(id) != nil }) {
                db.tombstones.dropped.remove(id)
            }
        }
    }

    /// `cols` without the samples in `ranges`.
    static func removing(_ ranges: [TimeRange], from cols: SampleColumns) -> SampleColumns {
        var out = SampleColumns(type: cols.values.type)
        var i = 0
        while i < cols.count {
            if ranges.contains(where: { $0.contains(cols.timestamps[i]) }) { i += 1; continue }
            var j = i + 1
            while j < cols.count && !ranges.contains(where: { $0.contains(cols.timestamps[j]) }) { j += 1 }
            out.timestamps.append(contentsOf: cols.timestamps[i..<j])
            out.values.append(from: cols.values, range: i..<j)
            i = j
        }
        return out
    }
}
