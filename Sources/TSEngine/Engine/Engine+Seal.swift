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
        let briefs: [SeriesBrief?] = lock.withLock {
            frozen.series.indices.map { frozen.series[$0].count > 0 ? db.catalog.brief(UInt32($0)) : nil }
        }
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
                    let list = windows[w]!
                    try forEachCanonical(db, list.map { $0.0 }) { n, id, key in
                        let type = briefs[Int(id)]!.type
                        try writer.add(id: id, type: type, canonical: key, columns: frozen.series[Int(id)].columns(type: type, list[n].1))
                    }
                    try writer.finish()
                } catch {
                    writer.abort()
                    throw error
                }
                written.append(try Segment(path: writer.path, fileSystem: fs))
            }
            lock.withLock { sealedBytes += UInt64(written.reduce(0) { $0 + $1.sizeBytes }) }
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
        let dirty = dirtyBuckets(db, frozen, briefs)
        lock.withLock {
            db.segments.append(contentsOf: written)
            db.segments.sort { $0.seq < $1.seq }
            if !dirty.isEmpty { db.rollupPendingMinT = Swift.min(db.rollupPendingMinT ?? .max, frozen.minT) }
            db.frozen = nil
        }
        return dirty
    }

    func windowStart(_ t: Int64, _ r: Int64) -> Int64 { alignDown(t, r) }

    /// Compacts up to `limit` groups of segments: a window that holds several segments, or a
    /// closed tier window (docs/format/tiers.md).
    func compactAll(limit: Int) throws {
        var done = 0
        while done < limit {
            maintenance.lock()
            defer { maintenance.unlock() }
            let now = options.clock()
            let candidate: (Database, [Segment])? = lock.withLock {
                for user in databases.values.sorted(by: { $0.name < $1.name }) {
                    let tiers = tiers(for: user)
                    for db in user.withLevels {
                        if let segs = compactionGroup(db, tiers: db.level == nil ? tiers : [], now: now) { return (db, segs) }
                    }
                }
                return nil
            }
            guard let (db, inputs) = candidate else { return }
            try compact(db, inputs)
            done += 1
        }
    }

    /// The tiers a user database's raw segments use: those that are multiples of the block
    /// range and at most a tenth of the raw retention (so retention, which drops whole
    /// segments, stays within 10 % of its age).
    func tiers(for db: Database) -> [Int64] {
        let retention = options.rollupPolicy(for: db.name).retention["raw"]
        return options.compactionTiers.filter { t in
            t > db.blockRange && t % db.blockRange == 0 && (retention.map { t <= $0 / 10 } ?? true)
        }.sorted()
    }

    /// The earliest group of `db`'s segments worth merging, if any. Each segment belongs to the
    /// largest closed tier window it fits in, else to its block-range window. A tier window is
    /// closed when it ends at or before both `now` and the window of the newest sealed sample,
    /// so in-order data is merged once per tier (write amplification ≤ 1 + tiers) and late data
    /// into a closed window is folded into that window's segment by the next compaction.
    func compactionGroup(_ db: Database, tiers: [Int64], now: Int64) -> [Segment]? {
        guard let newest = db.segments.map(\.maxT).max() else { return nil }
        let horizon = Swift.min(now, windowStart(newest, db.blockRange))
        var groups: [TierWindow: [Segment]] = [:]
        for s in db.segments {
            var key = TierWindow(width: db.blockRange, start: windowStart(s.minT, db.blockRange))
            for t in tiers.reversed() {
                let start = alignDown(s.minT, t)
                guard start <= Int64.max - t else { continue }
                if start + t <= horizon && s.maxT < start + t {
                    key = TierWindow(width: t, start: start)
                    break
                }
            }
            groups[key, default: []].append(s)
        }
        let ready = groups.filter { k, v in v.count >= (k.width == db.blockRange ? Swift.max(2, options.compactionThreshold) : 2) }
        return ready.min { ($0.key.start, $0.key.width) < ($1.key.start, $1.key.width) }?.value
    }

    /// Merges `inputs` (all the segments of one window) into one new segment.
    private func compact(_ db: Database, _ inputs: [Segment]) throws {
        let seq = lock.withLock { () -> UInt64 in defer { nextSeq += 1 }; return nextSeq }
        let kind: SegmentKind = db.level == nil ? .samples : .rollups
        let writer = try SegmentWriter(directory: db.segmentsDir, seq: seq, kind: kind, compression: options.blockCompression,
                                       level: options.compressionLevel, fileSystem: fs)
        writer.replaces = inputs.map { $0.seq }
        do {
            let ids = inputs.count == 1 ? inputs[0].seriesIDs : Array(Set(inputs.flatMap(\.seriesIDs))).sorted()
            let tombstones = lock.withLock { db.tombstones }
            // Keys come from the catalog (segments do not keep them in memory); a level
            // database's series are its user database's.
            try forEachCanonical(db.user ?? db, ids) { _, id, key in
                let e = inputs.lazy.compactMap { $0.entry(id) }.first!
                // The key is not needed to merge; only id and type are.
                let ref = SeriesRef(id: id, key: SeriesKey(measurement: "", field: ""), type: e.type)
                let snap = snapshotOf(ref, in: inputs, tombstones: tombstones)
                switch kind {
                case .samples:
                    let merged = try collect(snap, range: .all)
                    if merged.isEmpty { return }  // everything deleted
                    try writer.add(id: id, type: e.type, canonical: key, columns: merged)
                case .rollups:
                    let merged = try collectRollups(snap, range: .all)
                    if merged.isEmpty { return }
                    try writer.add(id: id, type: e.type, canonical: key, rollups: merged)
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
            if db.level == nil { compactedBytes += UInt64(out.sizeBytes) }
        }
        for s in inputs { try fs.remove(s.path) }
        try fs.syncDirectory(db.segmentsDir)
        try pruneTombstones(db)
    }
}

extension Engine {
    /// Calls `body` with each of `ids` (in order, with its position) and its canonical key from
    /// `keyDB`'s catalog. Keys are copied under the engine lock a few thousand at a time, so a
    /// seal or compaction of 10⁶ series neither holds the lock long nor copies every key at once.
    func forEachCanonical(_ keyDB: Database, _ ids: [UInt32], _ body: (Int, UInt32, UnsafeRawBufferPointer) throws -> Void) throws {
        var arena: [UInt8] = []
        var ends: [Int] = []
        var lo = 0
        while lo < ids.count {
            let hi = Swift.min(ids.count, lo + 4096)
            arena.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            lock.withLock { keyDB.catalog.copyCanonical(ids[lo..<hi], into: &arena, ends: &ends) }
            try arena.withUnsafeBytes { keys in
                var start = 0
                for k in 0..<(hi - lo) {
                    try body(lo + k, ids[lo + k], UnsafeRawBufferPointer(rebasing: keys[start..<ends[k]]))
                    start = ends[k]
                }
            }
            lo = hi
        }
    }

    /// A user database's raw segments per tier: each counted under the narrowest of the block
    /// range and the tiers whose aligned window holds it whole. Call with the lock held.
    func tierCensus(_ db: Database) -> [(width: Int64, segments: Int, bytes: Int)] {
        let widths = [db.blockRange] + tiers(for: db)
        var count = [Int64: (Int, Int)]()
        for s in db.segments {
            let w = widths.first { alignDown(s.minT, $0) == alignDown(s.maxT, $0) } ?? (s.maxT &- s.minT)
            count[w, default: (0, 0)].0 += 1
            count[w, default: (0, 0)].1 += s.sizeBytes
        }
        return count.keys.sorted().map { ($0, count[$0]!.0, count[$0]!.1) }
    }
}

/// A compaction group's window: `width` is the block range or one of the tiers.
struct TierWindow: Hashable {
    var width: Int64
    var start: Int64
}
