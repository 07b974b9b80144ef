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
        for id in ids { next.add(Tombstone(id: id, range: range, maxSeq: maxSeq, drop: dropSeries)) }
        try Platform.writeFileDurably(db.tombstonesPath, next.encode())
        lock.withLock { db.tombstones = next }
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
        let trash = dbRoot + "/.dropped-" + String(Platform.monotonicNanos())
        try Platform.rename(db.dir, trash)
        try Platform.syncDirectory(dbRoot)
        try Platform.removeTree(trash)
    }

    /// Rewrites the tombstones file without the tombstones compaction has made redundant.
    func pruneTombstones(_ db: Database) throws {
        var t = lock.withLock { db.tombstones }
        guard !t.isEmpty, t.prune(minLiveSeq: lock.withLock { db.segments.first?.seq }) else { return }
        if t.isEmpty && t.dropped.isEmpty {
            try Platform.remove(db.tombstonesPath)
            try Platform.syncDirectory(db.dir)
        } else {
            try Platform.writeFileDurably(db.tombstonesPath, t.encode())
        }
        lock.withLock {
            // Keep re-admissions that happened meanwhile.
            t.dropped.formIntersection(db.tombstones.dropped)
            db.tombstones = t
        }
    }

    /// Loads a database's tombstones at open.
    static func loadTombstones(_ db: Database) throws {
        guard Platform.exists(db.tombstonesPath) else { return }
        db.tombstones = try Tombstones.decode(try Platform.readFile(db.tombstonesPath), path: db.tombstonesPath)
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
