import TSSupport

/// Conversion of level databases written before the compact rollup format: there, each
/// statistic of a bucket was a pseudo-series `<field>\0<stat>` of its own level database in
/// `db/<name>/levels/<level>/` (docs/format/rollup.md, "Conversion").
extension Engine {
    /// Rewrites the legacy levels of `db` as rollup segments in `db/<name>/rollups/`, keyed by
    /// the raw series' ids, with the legacy level tombstones applied; then removes the legacy
    /// directory. Levels hold buckets whose raw data retention may have removed, so they are
    /// converted, not recomputed. Crash-safe: until the legacy directory is renamed away (after
    /// every new segment is durable) it stays authoritative, and an interrupted conversion's
    /// output is deleted and redone at the next open. Runs in `init`, after the WAL replay (new
    /// raw ids must not collide with ids the WAL defines).
    func convertLegacyLevels(_ db: Database) throws {
        let legacy = db.legacyLevelsDir
        let started = SystemClock.monotonicNanos()
        var buckets = 0, skipped = 0
        for ln in try fs.listDirectory(legacy).sorted() where fs.isDirectory(legacy + "/" + ln) {
            guard let width = parseDuration(ln), width > 0 else { continue }
            let level = RollupLevel(name: ln, width: width)
            var q: UInt64 = 0
            let old = try Engine.loadDatabase(name: Database.levelName(db.name, ln), dir: legacy + "/" + ln, blockRange: level.window,
                                              level: level, options: options, quarantined: &q)
            quarantined += q
            try Engine.registerSeries(old.segments, into: &old.catalog)
            let ldb = try levelDatabaseLocked(db, level)
            // The pseudo-series of each raw series, by statistic.
            var byRaw: [[UInt8]: [String: SeriesRef]] = [:]
            for case let info? in old.catalog.ids.map({ old.catalog.info($0) }) {
                guard let nul = info.key.field.utf8.firstIndex(of: 0) else { continue }
                let field = String(info.key.field[..<nul])
                let stat = String(info.key.field[info.key.field.utf8.index(after: nul)...])
                let raw = SeriesKey(measurement: info.key.measurement, tags: info.key.tags, field: field)
                byRaw[raw.canonicalBytes, default: [:]][stat] = SeriesRef(id: info.id, key: info.key, type: info.type)
            }
            var series: [(info: SeriesInfo, stats: [String: SeriesRef])] = []
            for (canonical, stats) in byRaw {
                guard let type = stats["sum"]?.type, type == .float || type == .integer, stats["count"] != nil else { continue }
                guard let id = canonical.withUnsafeBytes({ db.catalog.insert(canonical: $0, type: type) }),
                      db.catalog.type(id) == type, let info = db.catalog.info(id) else {
                    options.log(.warning, "converting level \(ln) of \(db.name): series \(SeriesKey(canonical: canonical).map { "\($0)" } ?? "?") conflicts with a raw series; its buckets are dropped")
                    continue
                }
                series.append((info, stats))
            }
            series.sort { $0.info.id < $1.info.id }
            var windows: [Int64: [Segment]] = [:]
            for s in old.segments { windows[alignDown(s.minT, level.window), default: []].append(s) }
            for w in windows.keys.sorted() {
                let segs = windows[w]!
                let seq = nextSeq
                nextSeq += 1
                let writer = try SegmentWriter(directory: ldb.segmentsDir, seq: seq, kind: .rollups, compression: options.blockCompression,
                                               level: options.compressionLevel, fileSystem: fs)
                do {
                    for s in series {
                        var columns: [String: SampleColumns] = [:]
                        for (stat, ref) in s.stats {
                            columns[stat] = try collect(snapshotOf(ref, in: segs, tombstones: old.tombstones), range: .all)
                        }
                        let (c, missing) = Engine.assembleLegacyBuckets(columns, type: s.info.type)
                        skipped += missing
                        buckets += c.count
                        try writer.add(id: s.info.id, type: s.info.type, canonical: s.info.canonical, rollups: c)
                    }
                    if writer.isEmpty {
                        writer.abort()
                        continue
                    }
                    try writer.finish()
                } catch {
                    writer.abort()
                    throw error
                }
                ldb.segments.append(try Segment(path: writer.path, fileSystem: fs))
            }
            if fs.exists(legacy + "/" + ln + ".backfilled") {
                try fs.writeFileDurably(Engine.backfillMarker(db, level), Array("backfilled\n".utf8))
            }
        }
        // The legacy levels go only now that every new segment is durable.
        let trash = db.dir + "/.levels-converted"
        try fs.rename(legacy, trash)
        try fs.syncDirectory(db.dir)
        try fs.removeTree(trash)
        options.log(.info, "converted the rollup levels of \(db.name) to the compact format: \(buckets) buckets in \((SystemClock.monotonicNanos() - started) / 1_000_000) ms"
                    + (skipped > 0 ? "; \(skipped) incomplete buckets dropped" : ""))
    }

    /// One raw series' buckets from its legacy statistic columns (one sample per bucket start);
    /// a bucket missing any statistic (which the legacy writer never produced) is dropped and
    /// counted.
    static func assembleLegacyBuckets(_ stats: [String: SampleColumns], type: ValueType) -> (RollupColumns, dropped: Int) {
        var out = RollupColumns(type: type)
        guard let counts = stats["count"], case .integer(let cv) = counts.values else { return (out, 0) }
        var cursors: [String: Int] = [:]
        var dropped = 0
        func value(_ stat: String, _ t: Int64) -> Value? {
            guard let c = stats[stat] else { return nil }
            var j = cursors[stat] ?? 0
            while j < c.count && c.timestamps[j] < t { j += 1 }
            cursors[stat] = j
            return j < c.count && c.timestamps[j] == t ? c.values[j] : nil
        }
        for (i, t) in counts.timestamps.enumerated() {
            guard let sum = value("sum", t), let lo = value("min", t), let hi = value("max", t), let first = value("first", t),
                  let last = value("last", t), case .integer(let ft)? = value("first_time", t), case .integer(let lt)? = value("last_time", t),
                  case .float(let inc)? = value("increase", t), cv[i] > 0 else {
                dropped += 1
                continue
            }
            out.starts.append(t)
            out.counts.append(cv[i])
            out.firstTimes.append(ft)
            out.lastTimes.append(lt)
            out.increases.append(inc)
            switch (sum, lo, hi, first, last) {
            case let (.float(s), .float(a), .float(b), .float(f), .float(l)):
                out.sums.append(s); out.mins.append(a); out.maxs.append(b); out.firsts.append(f); out.lasts.append(l)
            case let (.integer(s), .integer(a), .integer(b), .integer(f), .integer(l)):
                out.isums.append(s); out.imins.append(a); out.imaxs.append(b); out.ifirsts.append(f); out.ilasts.append(l)
            default:
                out.starts.removeLast(); out.counts.removeLast(); out.firstTimes.removeLast(); out.lastTimes.removeLast(); out.increases.removeLast()
                dropped += 1
            }
        }
        return (out, dropped)
    }
}
