import TSSupport
#if canImport(Glibc)
import Glibc
#endif
import TSEncoding

/// The storage engine: databases of series, a shared write-ahead log, in-memory heads and
/// immutable memory-mapped segments.
///
/// Thread-safety: every public method may be called from any thread. Appends are ordered by
/// one lock held while a batch is applied to the head and its WAL record is queued; the fsync
/// happens outside it (group commit). Reads take a snapshot under the lock and decode
/// outside it. Sealing and compaction run one at a time (the maintenance lock).
///
/// Layout of the data directory (docs/format/segment.md, docs/format/wal.md):
/// ```
/// LOCK                      flock'ed while open
/// wal/00000001.wal ...      the write-ahead log
/// db/<name>/segments/<seq>.seg
/// ```
public final class Engine: @unchecked Sendable {
    public let path: String
    public let options: EngineOptions
    /// The file-system layer every file operation goes through (`options.fileSystem`).
    var fs: FileSystem { options.fileSystem }
    let lock = Lock()
    let maintenance = Lock()
    private let wakeup: ConditionVariable
    let wal: WAL
    var databases: [String: Database] = [:]
    var nextSeq: UInt64 = 1
    private let lockFile: FileSystem.File
    var closed = false
    private var maintenanceThread: pthread_t?
    var sealRequested = false
    var seals: UInt64 = 0
    var sealedBytes: UInt64 = 0
    var compactedBytes: UInt64 = 0
    var compactions: UInt64 = 0
    var quarantined: UInt64 = 0
    public let replayReport: WALReplayReport
    /// Set when background maintenance failed; reported by `stats` and the daemon.
    var maintenanceError: String?

    var walDir: String { path + "/wal" }
    var dbRoot: String { path + "/db" }

    /// Opens (creating if needed) the data directory at `path`, loads segments and replays the
    /// WAL. A torn or corrupt WAL tail is truncated at the last good record (logged, counted in
    /// `stats().wal.corruptTailsTruncated`); an unreadable segment is renamed to `*.corrupt` and
    /// skipped.
    public init(path: String, options: EngineOptions = EngineOptions()) throws {
        self.path = path
        self.options = options
        self.wakeup = ConditionVariable(Lock())
        let fs = options.fileSystem
        try fs.makeDirectories(path)
        lockFile = try fs.lockFile(path + "/LOCK")
        try fs.makeDirectories(path + "/wal")
        try fs.makeDirectories(path + "/db")

        // 1. Segments: the persisted series tables and data.
        var maxSeq: UInt64 = 0
        for name in try fs.listDirectory(path + "/db") where fs.isDirectory(path + "/db/" + name) {
            if name.hasPrefix(".dropped-") {
                // A DROP DATABASE interrupted after its rename: finish it.
                try fs.removeTree(path + "/db/" + name)
                continue
            }
            let db = try Engine.loadDatabase(name: name, dir: path + "/db/" + name, blockRange: options.blockRange,
                                             options: options, quarantined: &quarantined)
            try Engine.registerSeries(db.segments, into: &db.catalog)
            if fs.isDirectory(db.dir + "/.levels-converted") {
                // A conversion of legacy levels that finished but had not removed them yet.
                try fs.removeTree(db.dir + "/.levels-converted")
            }
            if fs.isDirectory(db.legacyLevelsDir) {
                // Levels in the legacy format are converted once the WAL is replayed; anything in
                // rollups/ is the output of an interrupted conversion.
                if fs.isDirectory(db.rollupsDir) { try fs.removeTree(db.rollupsDir) }
            } else if fs.isDirectory(db.rollupsDir) {
                for ln in try fs.listDirectory(db.rollupsDir) where fs.isDirectory(db.rollupsDir + "/" + ln) {
                    guard let width = parseDuration(ln), width > 0 else { continue }
                    let level = RollupLevel(name: ln, width: width)
                    let ldb = try Engine.loadDatabase(name: Database.levelName(name, ln), dir: db.rollupsDir + "/" + ln,
                                                      blockRange: level.window, level: level, user: db, options: options, quarantined: &quarantined)
                    // Rollup segments are keyed by the raw series' ids and carry their keys: a
                    // series whose raw data retention removed is still known.
                    try Engine.registerSeries(ldb.segments, into: &db.catalog)
                    db.levels[ln] = ldb
                }
                try Engine.loadNativeIntervals(db, fs)
            }
            databases[name] = db
            for d in db.withLevels { maxSeq = max(maxSeq, d.segments.last?.seq ?? 0) }
        }
        nextSeq = maxSeq + 1

        // 2. WAL replay into the heads.
        let t0 = SystemClock.monotonicNanos()
        var dbs = databases
        let root = path + "/db"
        var decoded = WALDecodedBatch()
        var report = try WALReader.replay(dir: path + "/wal", fileSystem: options.fileSystem) { payload in
            try WALBatchDecoder.decode(payload, into: &decoded)
            let db: Database
            if let d = dbs[decoded.database] {
                db = d
            } else {
                try Database.validate(decoded.database)
                db = Database(name: decoded.database, dir: root + "/" + decoded.database, blockRange: options.blockRange)
                try fs.makeDirectories(db.segmentsDir)
                dbs[decoded.database] = db
            }
            try Engine.replay(decoded, catalog: &db.catalog, head: &db.head)
        }
        databases = dbs
        for d in databases.values {
            d.catalog.finishLoading()
            Engine.readmitAfterReplay(d)
        }
        let replayNanos = SystemClock.monotonicNanos() - t0
        if let cut = report.truncatedAt {
            options.log(.warning, "WAL \(cut.file) truncated at byte \(cut.offset) (\(cut.reason)); later records lost; removed files: \(report.removedFiles)")
        }
        wal = try WAL(dir: path + "/wal", fileSystem: options.fileSystem, nextIndex: report.nextIndex, policy: options.syncPolicy, segmentSize: options.walSegmentSize,
                      observer: options.walObserver)
        report.nextIndex = wal.fileIndex
        replayReport = report
        wal.noteReplay(records: report.records, bytes: report.bytes, nanos: replayNanos, truncated: report.truncatedAt != nil)
        if report.records > 0 {
            options.log(.info, "replayed \(report.records) WAL records (\(report.bytes) bytes) in \(replayNanos / 1_000_000) ms")
        }
        for db in databases.values.sorted(by: { $0.name < $1.name }) where fs.isDirectory(db.legacyLevelsDir) {
            try convertLegacyLevels(db)
            db.catalog.finishLoading()
        }
        // Levels that do not yet cover the raw segments (an older data directory, a new level).
        for db in databases.values { try planBackfill(db) }
        // A DELETE interrupted before its rollups were fixed: finish it now.
        for db in databases.values where db.tombstones.hasPendingRollups {
            maintenance.lock()
            defer { maintenance.unlock() }
            try fixRollupsAfterDelete(db)
        }
        if options.backgroundMaintenance { startMaintenance() }
    }

    /// Applies one decoded WAL batch record to a database's catalog and head.
    static func replay(_ d: WALDecodedBatch, catalog: inout SeriesCatalog, head: inout Head) throws {
        for def in d.defs {
            // Ids are handed out in order, so a definition cannot run far past the catalog; a
            // CRC-valid record naming id 4,000,000,000 must not make the catalog that large.
            guard Int(def.id) <= Int(catalog.maxID) + 1 << 20 else {
                throw EncodingError.corrupt("WAL series id \(def.id) is far past the \(catalog.maxID) known")
            }
            let got = def.canonicalKey.withUnsafeBytes { catalog.insert(canonical: $0, type: def.type, id: def.id) }
            guard got == def.id, catalog.type(def.id) == def.type else {
                throw EncodingError.corrupt("WAL series \(def.id) conflicts with a known series")
            }
        }
        for i in 0..<d.count {
            let id = d.ids[i]
            guard catalog.has(id), catalog.type(id) == d.types[i] else {
                throw EncodingError.corrupt("WAL sample for unknown series \(id)")
            }
            if d.types[i] == .string {
                head.append(id, d.timestamps[i], string: d.strings[Int(d.bits[i])])
            } else {
                head.append(id, d.timestamps[i], d.bits[i])
            }
        }
    }

    static func loadDatabase(name: String, dir: String, blockRange: Int64, level: RollupLevel? = nil, user: Database? = nil, options: EngineOptions,
                             quarantined: inout UInt64) throws -> Database {
        let fs = options.fileSystem
        let db = Database(name: name, dir: dir, blockRange: blockRange, level: level, user: user)
        try fs.makeDirectories(db.segmentsDir)
        var segs: [Segment] = []
        for f in try fs.listDirectory(db.segmentsDir) {
            let p = db.segmentsDir + "/" + f
            if f.hasSuffix(".tmp") {
                // An unfinished write: never renamed into place, so never acknowledged.
                try fs.remove(p)
                continue
            }
            guard SegmentFormat.seq(ofFileName: f) != nil else { continue }
            do {
                segs.append(try Segment(path: p, fileSystem: fs))
            } catch {
                options.log(.error, "quarantining unreadable segment \(p): \(error)")
                try fs.rename(p, p + ".corrupt")
                quarantined += 1
            }
        }
        // Remove inputs of a compaction that finished but had not deleted them yet.
        let replaced = Set(segs.flatMap { $0.replaces })
        for s in segs where replaced.contains(s.seq) { try fs.remove(s.path) }
        segs = segs.filter { !replaced.contains($0.seq) }.sorted { $0.seq < $1.seq }
        try fs.syncDirectory(db.segmentsDir)
        db.segments = segs
        try loadTombstones(db, fs)
        return db
    }

    /// Adds the series named in the series tables of `segments` to `catalog` with their ids.
    static func registerSeries(_ segments: [Segment], into catalog: inout SeriesCatalog) throws {
        if let largest = segments.max(by: { $0.seriesCount < $1.seriesCount }) {
            catalog.reserve(series: largest.seriesCount, maxID: segments.map(\.maxSeriesID).max() ?? 0)
        }
        for s in segments {
            try s.forEachKey { id, type, key in
                if catalog.matches(id, canonical: key) { return }
                if catalog.insert(canonical: key, type: type, id: id) != id {
                    throw CorruptFileError(path: s.path, detail: "series \(id) conflicts with the series table of another segment")
                }
            }
        }
    }

    /// Stops background maintenance, then syncs and closes the WAL (the head stays in the WAL and
    /// is replayed on the next open; call `flush()` first to seal it). Idempotent.
    public func close() throws {
        let already: Bool = lock.withLock {
            defer { closed = true }
            return closed
        }
        if already { return }
        wakeup.lock.withLock { wakeup.broadcast() }
        if let t = maintenanceThread { pthread_join(t, nil) }
        try wal.close()
        fs.close(lockFile)
    }

    deinit {
        if !closed { try? close() }
    }

    // MARK: databases

    public func createDatabase(_ name: String) throws {
        try lock.withLock { _ = try databaseLocked(name, create: true) }
    }

    public func databaseNames() -> [String] {
        lock.withLock { databases.keys.sorted() }
    }

    func databaseLocked(_ name: String, create: Bool) throws -> Database {
        if let d = databases[name] { return d }
        guard create else { throw EngineError.databaseNotFound(name) }
        try Database.validate(name)
        let d = Database(name: name, dir: dbRoot + "/" + name, blockRange: options.blockRange)
        try fs.makeDirectories(d.segmentsDir)
        try planBackfill(d)  // no segments yet: writes the level markers
        databases[name] = d
        return d
    }

    // MARK: stats

    public func stats() -> EngineStats {
        let walStats = wal.snapshotStats()
        var walBytes = 0
        if let names = try? fs.listDirectory(walDir) {
            for n in names { walBytes += fs.fileSize(path: walDir + "/" + n) ?? 0 }
        }
        return lock.withLock {
            let dbs = databases.values.sorted { $0.name < $1.name }.map { d in
                DatabaseStats(name: d.name, series: d.catalog.seriesCount,
                              headSamples: d.head.sampleCount + (d.frozen?.sampleCount ?? 0),
                              headBytes: d.head.bytes + (d.frozen?.bytes ?? 0),
                              segments: d.segments.count,
                              segmentBytes: d.segments.reduce(0) { $0 + $1.sizeBytes },
                              segmentSamples: d.segments.reduce(0) { $0 + $1.sampleCount },
                              tiers: tierCensus(d),
                              levels: d.levels.values.sorted { $0.blockRange < $1.blockRange }.map { l in
                                  LevelStats(name: l.level!.name, series: Set(l.segments.flatMap(\.seriesIDs)).count, segments: l.segments.count,
                                             segmentBytes: l.segments.reduce(0) { $0 + $1.sizeBytes },
                                             minTime: l.segments.map(\.minT).min(), maxTime: l.segments.map(\.maxT).max())
                              },
                              rawMinTime: d.segments.map(\.minT).min(), rawMaxTime: d.segments.map(\.maxT).max(),
                              rollupCompleteBefore: d.rollupCompleteBefore)
            }
            return EngineStats(databases: dbs, wal: walStats, walBytesOnDisk: walBytes, seals: seals,
                               sealedBytes: sealedBytes, compactedBytes: compactedBytes,
                               compactions: compactions, segmentsQuarantined: quarantined)
        }
    }

    // MARK: background maintenance

    private func startMaintenance() {
        let box = Unmanaged.passRetained(MaintenanceArgs(self))
        var t = pthread_t()
        pthread_create(&t, nil, { arg in
            let a = Unmanaged<MaintenanceArgs>.fromOpaque(arg!).takeRetainedValue()
            a.engine?.maintenanceLoop()
            return nil
        }, box.toOpaque())
        maintenanceThread = t
    }

    /// Asks the maintenance thread to look for work now.
    func poke() {
        wakeup.lock.withLock { wakeup.signal() }
    }

    private func maintenanceLoop() {
        while true {
            wakeup.lock.lock()
            wakeup.wait(nanos: options.maintenanceInterval)
            wakeup.lock.unlock()
            if lock.withLock({ closed }) { return }
            do {
                if sealNeeded() || lock.withLock({ databases.values.contains { !$0.backfillLevels.isEmpty } }) { try seal() }
                try compactAll(limit: 1)
                try applyRetention()
                lock.withLock { maintenanceError = nil }
            } catch {
                options.log(.error, "background maintenance failed: \(error)")
                lock.withLock { maintenanceError = "\(error)" }
            }
        }
    }
}

private final class MaintenanceArgs {
    weak var engine: Engine?
    init(_ e: Engine) { engine = e }
}

extension WAL {
    func noteReplay(records: Int, bytes: Int, nanos: UInt64, truncated: Bool) {
        updateStats { s in
            s.replayedRecords = UInt64(records)
            s.replayedBytes = UInt64(bytes)
            s.replayNanos = nanos
            if truncated { s.corruptTailsTruncated += 1 }
        }
    }
}
