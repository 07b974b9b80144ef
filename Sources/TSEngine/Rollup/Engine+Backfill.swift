import TSSupport

// Backfill: rollups of raw segments written before a level existed (docs/rollups.md, "Backfill").
extension Engine {
    /// The marker saying a level holds the rollups of every raw segment that existed when it was
    /// configured (`<db>/rollups/<level>.backfilled`).
    static func backfillMarker(_ db: Database, _ level: RollupLevel) -> String { db.rollupsDir + "/" + level.name + ".backfilled" }

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
        try fs.makeDirectories(db.rollupsDir)
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
