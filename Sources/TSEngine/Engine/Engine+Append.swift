import TSSupport
import TSEncoding

extension Engine {
    /// Appends a batch and returns once it is durable per the sync policy (by default after
    /// the fsync of the WAL group that carries it).
    ///
    /// Samples are validated one by one: a type conflict or the series limit rejects that
    /// sample only (reported in the result); all others are written. Out-of-order and
    /// duplicate timestamps are accepted; for a repeated timestamp the last write wins.
    /// Throws only when nothing could be written: engine closed, database missing (with
    /// auto-create off), the WAL failed, or the disk is full (`EngineError.io` with ENOSPC or
    /// EDQUOT; not fatal: the batch is not acknowledged, but when it reached the head before
    /// the group write failed it is kept and made durable once space is back, so a refused
    /// batch may still appear — retrying it is safe, the last write of a timestamp wins).
    @discardableResult
    public func append(_ batch: WriteBatch) throws -> AppendResult {
        var result = AppendResult()
        if batch.isEmpty { return result }
        // After a full disk: write the kept WAL group first, or refuse this batch (ENOSPC)
        // before it touches the head.
        try wal.retryAfterNoSpace()
        var enc = WALBatchEncoder()
        let seq: UInt64
        let needSeal: Bool
        lock.lock()
        do {
            defer { lock.unlock() }
            if closed { throw EngineError.closed }
            let db = try databaseLocked(batch.database, create: options.createDatabaseOnWrite)
            Engine.ingest(batch, database: db.name, limit: options.maxSeriesPerDatabase,
                          catalog: &db.catalog, head: &db.head, wal: &enc, result: &result)
            if !db.tombstones.dropped.isEmpty { readmitWritten(batch, db) }
            if enc.isEmpty { return result }
            enc.finish(database: db.name)
            seq = try enc.buf.withUnsafeBytes { try wal.enqueue($0) }
            needSeal = headNeedsSealLocked(db)
        }
        try wal.waitDurable(seq)
        if needSeal { requestSeal() }
        return result
    }

    /// The per-sample loop, over plain `inout` state so the optimizer sees no class accesses.
    /// Two passes: first every sample's series is resolved (lookups, new series, type checks,
    /// WAL definitions); then, with the head's series array grown once, samples are appended
    /// through one mutable buffer (no per-sample uniqueness check of the outer array).
    static func ingest(_ batch: WriteBatch, database: String, limit: Int, catalog: inout SeriesCatalog, head: inout Head,
                       wal enc: inout WALBatchEncoder, result: inout AppendResult) {
        var ids = [UInt32](repeating: 0, count: batch.count)
        var maxID: UInt32 = 0
        batch.arena.withUnsafeBytes { arena in
            var start = 0
            for i in 0..<batch.count {
                let end = batch.keyEnds[i]
                let key = UnsafeRawBufferPointer(rebasing: arena[start..<end])
                start = end
                let type = batch.types[i]
                let h = SeriesCatalog.hash(key)
                let id: UInt32
                if let existing = catalog.lookup(key, hash: h) {
                    id = existing
                    let have = catalog.type(id)
                    if have != type {
                        let k = catalog.key(id)!
                        result.rejected.append((i, .fieldTypeConflict(measurement: k.measurement, field: k.field, input: type, existing: have)))
                        continue
                    }
                } else {
                    if limit > 0 && catalog.seriesCount >= limit {
                        result.rejected.append((i, .seriesLimitExceeded(database: database, limit: limit)))
                        continue
                    }
                    guard let new = catalog.insert(canonical: key, type: type) else {
                        result.rejected.append((i, .invalidName("malformed series key")))
                        continue
                    }
                    id = new
                    enc.addDef(id: id, type: type, canonicalKey: key)
                }
                ids[i] = id
                if id > maxID { maxID = id }
            }
        }
        if maxID == 0 { return }
        head.ensure(maxID)
        var written = 0, bytes = 0
        var lo = head.minT, hi = head.maxT
        head.series.withUnsafeMutableBufferPointer { series in
            for i in 0..<batch.count {
                let id = ids[i]
                if id == 0 { continue }
                let t = batch.timestamps[i]
                let type = batch.types[i]
                if type == .string {
                    let s = batch.strings[Int(batch.bits[i])]
                    series[Int(id)].append(t, string: s)
                    enc.addSample(id: id, timestamp: t, type: type, bits: 0, string: s)
                    bytes += 16 + s.utf8.count
                } else {
                    series[Int(id)].append(t, batch.bits[i])
                    enc.addSample(id: id, timestamp: t, type: type, bits: batch.bits[i], string: nil)
                    bytes += 16
                }
                if t < lo { lo = t }
                if t > hi { hi = t }
                written += 1
            }
        }
        head.noteBatch(samples: written, bytes: bytes, minT: lo, maxT: hi)
        result.written += written
    }

    /// Convenience: append one sample.
    @discardableResult
    public func append(database: String, _ key: SeriesKey, _ timestamp: Int64, _ value: Value) throws -> AppendResult {
        var b = WriteBatch(database: database)
        b.append(key, timestamp, value)
        return try append(b)
    }

    /// A write to a series hidden by DROP SERIES makes it visible again.
    private func readmitWritten(_ batch: WriteBatch, _ db: Database) {
        batch.arena.withUnsafeBytes { arena in
            var start = 0
            for i in 0..<batch.count {
                let key = UnsafeRawBufferPointer(rebasing: arena[start..<batch.keyEnds[i]])
                start = batch.keyEnds[i]
                if let id = db.catalog.lookup(key, hash: SeriesCatalog.hash(key)), db.head.hasSamples(id) {
                    db.tombstones.dropped.remove(id)
                }
            }
        }
    }

    func headNeedsSealLocked(_ db: Database) -> Bool {
        let h = db.head
        if h.isEmpty { return false }
        if h.bytes >= options.headMemoryLimit { return true }
        let span = Double(h.maxT) - Double(h.minT)
        return span > Double(options.blockRange) * options.sealSpanFactor
    }

    func sealNeeded() -> Bool {
        lock.withLock {
            if sealRequested { return true }
            var total = 0
            for d in databases.values {
                if headNeedsSealLocked(d) { return true }
                total += d.head.bytes
            }
            return total >= options.headMemoryLimit
        }
    }

    func requestSeal() {
        lock.withLock { sealRequested = true }
        poke()
    }
}
