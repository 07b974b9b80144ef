import TSSupport
/// Sealing (head → segments) and compaction (segments → fewer segments).
extension Engine {
    /// Seals every head into segments and returns when they are durable; then removes the
    /// WAL files whose records they hold. Appends continue meanwhile (into a fresh head).
    public func flush() throws {
        try seal()
    }

    /// Seals and then compacts every window with more than one segment.
    public func flushAndCompact() throws {
        try seal()
        try compactAll(limit: .max)
    }

    func seal() throws {
        maintenance.lock()
        defer { maintenance.unlock() }
        try sealHoldingMaintenance()
    }

    /// `seal` for callers that already hold the maintenance lock.
    func sealHoldingMaintenance() throws {
        // Rollups missing for raw segments written before their level existed.
        try backfillRollupsHoldingMaintenance()
        // Freeze: swap each non-empty head for an empty one and rotate the WAL, atomically
        // with respect to appends (both under the engine lock).
        // A database with a frozen head left over from a failed seal and new data in its head
        // cannot freeze that head now (one frozen slot): its WAL records must then outlive this
        // seal, so no WAL file is removed this time (the next seal freezes it).
        let (work, walIndex, headLeft): ([Database], Int, Bool) = try lock.withLock {
            if closed { throw EngineError.closed }
            sealRequested = false
            var work: [Database] = []
            var headLeft = false
            for db in databases.values {
                if db.frozen != nil {
                    work.append(db)  // left over from a failed seal: write it first
                    if !db.head.isEmpty { headLeft = true }
                } else if !db.head.isEmpty {
                    db.frozen = db.head
                    db.head = Head()
                    work.append(db)
                }
            }
            return (work, work.isEmpty ? 0 : try wal.rotate(), headLeft)
        }
        if work.isEmpty { return }
        for db in work {
            var dirty = try writeFrozen(db)
            // Rollups of the sealed data, before the WAL that holds it goes: a crash in between
            // replays the WAL and the next seal recomputes them.
            let retry = lock.withLock { () -> [UInt32: [Int64]] in defer { db.rollupRetry = [:] }; return db.rollupRetry }
            for (id, bs) in retry { dirty[id, default: []] += bs }
            do {
                try computeRollups(db, dirty)
            } catch {
                lock.withLock { db.rollupRetry = dirty }
                throw error
            }
            lock.withLock { db.rollupPendingMinT = nil }
        }
        if headLeft {
            requestSeal()
        } else {
            try wal.removeFiles(below: walIndex)
        }
        lock.withLock { seals += 1 }
    }

    /// Writes a database's frozen head as one segment per time window, then swaps it for them.
    /// Returns the rollup buckets the frozen data touches.
    private func writeFrozen(_ db: Database) throws -> [UInt32: [Int64]] {
        guard var frozen = lock.withLock({ db.frozen }) else { return [:] }
        let infos: [SeriesInfo?] = lock.withLock { db.catalog.infos }
        // Split every series into windows: window start → [(id, lo..<hi)].
        var windows: [Int64: [(UInt32, Range<Int>)]] = [:]
        for i in frozen.series.indices where frozen.series[i].count > 0 {
            frozen.series[i].normalize()
            let s = frozen.series[i]
            var lo = 0
            while lo < s.count {
                let w = windowStart(s.timestamp(lo), db.blockRange)
                let end = w > Int64.max - db.blockRange ? Int64.max : w + db.blockRange
                var hi = s.lowerBound(end)
                if hi <= lo { hi = s.count }
                windows[w, default: []].append((UInt32(i), lo..<hi))
                lo = hi
            }
        }
        var written: [Segment] = []
        do {
            for w in windows.keys.sorted() {
                let seq = lock.withLock { () -> UInt64 in defer { nextSeq += 1 }; return nextSeq }
                let writer = try SegmentWriter(directory: db.segmentsDir, seq: seq, compression: options.blockCompression, level: options.compressionLevel, fileSystem: fs)
                do {
                    for (id, r) in windows[w]! {
                        let info = infos[Int(id)]!
                        let s = frozen.series[Int(id)]
                        let cols = s.columns(type: info.type, r)
                        try writer.add(id: id, type: info.type, canonical: info.canonical, columns: cols)
                    }
                    try writer.finish()
                } catch {
                    writer.abort()
                    throw error
                }
                written.append(try Segment(path: writer.path, fileSystem: fs))
            }
        } catch {
            // Keep the frozen head (still queryable, still in the WAL); a later seal retries.
            // Segments already written hold a copy of some of its data, which is harmless:
            // equal timestamps resolve to equal values, and compaction merges them.
            lock.withLock {
                db.segments.append(contentsOf: written)
                db.segments.sort { $0.seq < $1.seq }
            }
            throw error
        }
        let dirty = dirtyBuckets(db, frozen, infos)
        lock.withLock {
            db.segments.append(contentsOf: written)
            db.segments.sort { $0.seq < $1.seq }
            if !dirty.isEmpty { db.rollupPendingMinT = Swift.min(db.rollupPendingMinT ?? .max, frozen.minT) }
            db.frozen = nil
        }
        return dirty
    }

    func windowStart(_ t: Int64, _ r: Int64) -> Int64 { alignDown(t, r) }

    /// Compacts up to `limit` windows that hold several segments.
    func compactAll(limit: Int) throws {
        var done = 0
        while done < limit {
            maintenance.lock()
            defer { maintenance.unlock() }
            let candidate: (Database, [Segment])? = lock.withLock {
                for db in databases.values.sorted(by: { $0.name < $1.name }).flatMap(\.withLevels) {
                    var byWindow: [Int64: [Segment]] = [:]
                    for s in db.segments { byWindow[windowStart(s.minT, db.blockRange), default: []].append(s) }
                    if let (_, segs) = byWindow.filter({ $0.value.count >= max(2, options.compactionThreshold) }).min(by: { $0.key < $1.key }) {
                        return (db, segs)
                    }
                }
                return nil
            }
            guard let (db, inputs) = candidate else { return }
            try compact(db, inputs)
            done += 1
        }
    }

    /// Merges `inputs` (all the segments of one window) into one new segment.
    private func compact(_ db: Database, _ inputs: [Segment]) throws {
        let seq = lock.withLock { () -> UInt64 in defer { nextSeq += 1 }; return nextSeq }
        let kind: SegmentKind = db.level == nil ? .samples : .rollups
        let writer = try SegmentWriter(directory: db.segmentsDir, seq: seq, kind: kind, compression: options.blockCompression,
                                       level: options.compressionLevel, fileSystem: fs)
        writer.replaces = inputs.map { $0.seq }
        do {
            var ids = Set<UInt32>()
            for s in inputs { ids.formUnion(s.seriesIDs) }
            let tombstones = lock.withLock { db.tombstones }
            for id in ids.sorted() {
                let e = inputs.lazy.compactMap { $0.entry(id) }.first!
                // The key is not needed to merge; only id and type are.
                let ref = SeriesRef(id: id, key: SeriesKey(measurement: "", field: ""), type: e.type)
                let snap = snapshotOf(ref, in: inputs, tombstones: tombstones)
                switch kind {
                case .samples:
                    let merged = try collect(snap, range: .all)
                    if merged.isEmpty { continue }  // everything deleted
                    try writer.add(id: id, type: e.type, canonical: e.canonical, columns: merged)
                case .rollups:
                    let merged = try collectRollups(snap, range: .all)
                    if merged.isEmpty { continue }
                    try writer.add(id: id, type: e.type, canonical: e.canonical, rollups: merged)
                }
            }
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
        let out = try Segment(path: writer.path, fileSystem: fs)
        let gone = Set(inputs.map { $0.seq })
        lock.withLock {
            db.segments = (db.segments.filter { !gone.contains($0.seq) } + [out]).sorted { $0.seq < $1.seq }
            compactions += 1
        }
        for s in inputs { try fs.remove(s.path) }
        try fs.syncDirectory(db.segmentsDir)
        try pruneTombstones(db)
    }
}
