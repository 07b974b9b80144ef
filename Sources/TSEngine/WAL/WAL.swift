import TSSupport
#if canImport(Glibc)
import Glibc
#endif
import TSEncoding

/// Per-event callbacks for exporters (histograms need each observation, not just sums).
public struct WALObserver: Sendable {
    public var groupCommitted: @Sendable (_ records: Int) -> Void
    public var fsynced: @Sendable (_ nanoseconds: UInt64) -> Void
    public init(groupCommitted: @escaping @Sendable (Int) -> Void, fsynced: @escaping @Sendable (UInt64) -> Void) {
        self.groupCommitted = groupCommitted
        self.fsynced = fsynced
    }
}

/// Counters the WAL exposes for /metrics and tests.
public struct WALStats: Sendable {
    public var groupCommits: UInt64 = 0
    public var recordsWritten: UInt64 = 0
    public var bytesWritten: UInt64 = 0
    /// Sum and count of fsync latencies, and a histogram with power-of-two microsecond buckets.
    public var fsyncCount: UInt64 = 0
    public var fsyncNanos: UInt64 = 0
    public var fsyncBucketsMicros: [UInt64] = Array(repeating: 0, count: 24)
    /// Records per group commit, power-of-two buckets (1, 2, 4, ...).
    public var groupSizeBuckets: [UInt64] = Array(repeating: 0, count: 24)
    public var corruptTailsTruncated: UInt64 = 0
    /// Group writes refused with ENOSPC/EDQUOT (the group is kept and written once space is back).
    public var noSpaceErrors: UInt64 = 0
    /// The WAL is poisoned (an fsync or write failed): writes are refused until restart.
    public var failed = false
    /// The last group write failed with ENOSPC/EDQUOT and is waiting for space.
    public var outOfSpace = false
    public var replayedRecords: UInt64 = 0
    public var replayedBytes: UInt64 = 0
    public var replayNanos: UInt64 = 0
}

/// The write-ahead log: segmented files of CRC32C-framed records, with group commit.
///
/// Contract: `enqueue` appends a record to the in-memory group and returns its sequence
/// number; it must be called while the caller holds the lock that orders records (the engine
/// lock), so WAL order equals apply order. `waitDurable(seq)` then blocks until the record is
/// as durable as the `SyncPolicy` promises. One waiter at a time becomes the leader: it takes
/// the whole pending group, writes it with one `write(2)` and one `fdatasync`, and wakes the
/// others. An fsync failure poisons the WAL: every later call throws `walFailed`.
///
/// A full disk is not a poison: when the group's `write(2)` fails with ENOSPC or EDQUOT, the
/// file is truncated back to the end of the last good group, the group goes back to the front
/// of the pending records, and the error is thrown to the waiters (their writes are *not*
/// acknowledged). The WAL stays a contiguous run of whole records; the kept group is written by
/// the next leader that finds space (`retryAfterNoSpace`, called before each append), so a
/// refused record may still become durable later, exactly once and in order.
final class WAL: @unchecked Sendable {
    let dir: String
    let fs: FileSystem
    let policy: SyncPolicy
    let segmentSize: Int
    private let cond: ConditionVariable
    private var lock: Lock { cond.lock }

    // All below guarded by `lock`.
    private var file: FileSystem.File
    private(set) var fileIndex: Int
    private var fileBytes: Int
    private var pending: [UInt8] = []
    private var spare: [UInt8] = []
    private var pendingRecords = 0
    private var enqueuedSeq: UInt64 = 0
    private var writtenSeq: UInt64 = 0
    private var syncedSeq: UInt64 = 0
    private var leaderActive = false
    private var failure: String?
    /// Set while the disk is full: the last group write failed with this error and its records
    /// are back in `pending`.
    private var noSpace: FileSystemError?
    private var closed = false
    private var dirtySinceSync = false
    private(set) var stats = WALStats()
    private var syncThread: pthread_t?

    /// Opens a new WAL file with index `nextIndex` in `dir` (replay happens before, see `WALReader`).
    let observer: WALObserver?

    init(dir: String, fileSystem: FileSystem = .posix, nextIndex: Int, policy: SyncPolicy, segmentSize: Int = 64 << 20,
         observer: WALObserver? = nil) throws {
        self.observer = observer
        self.dir = dir
        self.fs = fileSystem
        self.policy = policy
        self.segmentSize = segmentSize
        self.cond = ConditionVariable(Lock())
        self.fileIndex = nextIndex
        self.file = try WAL.createFile(dir: dir, index: nextIndex, fs)
        self.fileBytes = WALFormat.headerSize
        if case .interval(let ns) = policy { startSyncThread(ns) }
    }

    private static func createFile(dir: String, index: Int, _ fs: FileSystem) throws -> FileSystem.File {
        let path = dir + "/" + WALFormat.fileName(index)
        let f = try fs.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        do {
            try fs.writeAll(f, WALFormat.header())
        } catch {
            // A full disk: leave no headerless file behind (replay would stop at it).
            fs.close(f)
            try? fs.remove(path)
            throw error
        }
        try fs.sync(f)
        try fs.syncDirectory(dir)
        return f
    }

    /// ENOSPC or EDQUOT from a write: the disk (or quota) is full, nothing was made durable.
    static func isNoSpace(_ e: Error) -> Bool {
        guard let io = e as? FileSystemError else { return false }
        return io.op == "write" && io.isNoSpace
    }

    /// Appends a framed record to the pending group. Call with the ordering lock held.
    func enqueue(_ payload: UnsafeRawBufferPointer) throws -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        if let f = failure { throw EngineError.walFailed(f) }
        if closed { throw EngineError.closed }
        ByteWriter.append(to: &pending) { w in
            w.le(UInt32(payload.count))
            w.le(CRC32C.checksum(payload))
            w.raw(payload)
        }
        pendingRecords += 1
        enqueuedSeq += 1
        return enqueuedSeq
    }

    /// Blocks until record `seq` is durable per the policy.
    func waitDurable(_ seq: UInt64) throws {
        lock.lock()
        defer { lock.unlock() }
        let needSync = policy == .always
        var tried = false
        while true {
            if let f = failure { throw EngineError.walFailed(f) }
            if (needSync ? syncedSeq : writtenSeq) >= seq { return }
            if !leaderActive {
                // With the disk full, each waiter tries the write once, then gives up.
                if let e = noSpace, tried { throw e }
                tried = true
                try lead(sync: needSync)
            } else {
                cond.wait()
            }
        }
    }

    /// While the disk is full, writes the kept group (and whatever queued behind it) before a
    /// new append is applied: throws the ENOSPC error again if there is still no space.
    func retryAfterNoSpace() throws {
        lock.lock()
        defer { lock.unlock() }
        guard noSpace != nil else { return }  // the common case: no wait for a leader
        while leaderActive { cond.wait() }
        if let f = failure { throw EngineError.walFailed(f) }
        guard noSpace != nil else { return }
        try lead(sync: policy == .always)
    }

    /// True while the last group write failed for lack of space.
    var isOutOfSpace: Bool { lock.withLock { noSpace != nil } }

    /// Leader step; called with the lock held, releases it around the I/O.
    private func lead(sync: Bool) throws {
        leaderActive = true
        swap(&pending, &spare)
        let records = pendingRecords
        pendingRecords = 0
        let target = enqueuedSeq
        lock.unlock()
        var err: Error?
        var writeErr: Error?
        var fsyncNanos: UInt64 = 0
        do {
            if !spare.isEmpty { try fs.writeAll(file, spare) }
        } catch { writeErr = error }
        if writeErr == nil {
            do {
                if sync {
                    let t0 = SystemClock.monotonicNanos()
                    try fs.sync(file)
                    fsyncNanos = SystemClock.monotonicNanos() - t0
                }
            } catch { err = error }
        }
        lock.lock()
        leaderActive = false
        if let e = writeErr, WAL.isNoSpace(e) {
            try keepGroupAfterNoSpace(e, records: records)
        }
        let written = spare.count
        spare.removeAll(keepingCapacity: true)
        if let e = err ?? writeErr {
            failure = "\(e)"
            cond.broadcast()
            throw EngineError.walFailed("\(e)")
        }
        noSpace = nil
        fileBytes += written
        writtenSeq = target
        stats.bytesWritten += UInt64(written)
        stats.recordsWritten += UInt64(records)
        if records > 0 {
            stats.groupCommits += 1
            observer?.groupCommitted(records)
            stats.groupSizeBuckets[min(23, log2Bucket(UInt64(records)))] += 1
        }
        if sync {
            syncedSeq = target
            noteFsync(fsyncNanos)
        } else if written > 0 {
            dirtySinceSync = true
        }
        if fileBytes >= segmentSize {
            // Out of space for a new file: keep appending to this one and try again later.
            do { try rotateLocked() } catch where WAL.isNoSpace(error) {}
        }
        cond.broadcast()
    }

    /// After a group write failed with ENOSPC (lock held, `spare` holds the group): puts the
    /// group in front of the pending records and throws, through `cutBackAfterNoSpace`.
    private func keepGroupAfterNoSpace(_ e: Error, records: Int) throws {
        spare.append(contentsOf: pending)
        swap(&pending, &spare)
        spare.removeAll(keepingCapacity: true)
        pendingRecords += records
        try cutBackAfterNoSpace(e)
    }

    /// A write failed with ENOSPC/EDQUOT (lock held, the failed records are in `pending`): cuts
    /// the file back to its last whole record, notes the state and throws `e` (not fatal). A
    /// failed cut poisons the WAL: the file's end is then unknown.
    private func cutBackAfterNoSpace(_ e: Error) throws -> Never {
        do {
            try fs.truncate(file, size: fileBytes)
        } catch {
            failure = "\(e); then \(error)"
            cond.broadcast()
            throw EngineError.walFailed(failure!)
        }
        noSpace = e as? FileSystemError
        stats.noSpaceErrors += 1
        cond.broadcast()
        throw e
    }

    private func noteFsync(_ ns: UInt64) {
        observer?.fsynced(ns)
        stats.fsyncCount += 1
        stats.fsyncNanos += ns
        stats.fsyncBucketsMicros[min(23, log2Bucket(ns / 1000))] += 1
    }

    /// Writes and fsyncs everything pending, then starts a new file. Returns the new file's
    /// index: every record enqueued before this call lives in files with smaller indexes.
    /// Call with the ordering lock held so no record slips in between.
    @discardableResult
    func rotate() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        while leaderActive { cond.wait() }
        if let f = failure { throw EngineError.walFailed(f) }
        try flushLocked()
        try rotateLocked()
        cond.broadcast()
        return fileIndex
    }

    /// Writes pending records and fsyncs the current file, lock held, no leader active.
    private func flushLocked() throws {
        do {
            if !pending.isEmpty { try fs.writeAll(file, pending) }
        } catch where WAL.isNoSpace(error) {
            try cutBackAfterNoSpace(error)  // the records stay pending, as a leader's group does
        } catch {
            failure = "\(error)"
            cond.broadcast()
            throw EngineError.walFailed("\(error)")
        }
        noSpace = nil
        do {
            let t0 = SystemClock.monotonicNanos()
            try fs.sync(file)
            noteFsync(SystemClock.monotonicNanos() - t0)
        } catch {
            failure = "\(error)"
            cond.broadcast()
            throw EngineError.walFailed("\(error)")
        }
        fileBytes += pending.count
        stats.bytesWritten += UInt64(pending.count)
        stats.recordsWritten += UInt64(pendingRecords)
        pending.removeAll(keepingCapacity: true)
        pendingRecords = 0
        writtenSeq = enqueuedSeq
        syncedSeq = enqueuedSeq
        dirtySinceSync = false
    }

    /// Closes the current file (already fully written) after an fsync and opens the next. The
    /// next file is created first: without space for it, this throws the ENOSPC error and the
    /// current file stays open (not fatal).
    private func rotateLocked() throws {
        do {
            try fs.sync(file)
            syncedSeq = writtenSeq
        } catch {
            failure = "\(error)"
            throw EngineError.walFailed("\(error)")
        }
        let next: FileSystem.File
        do {
            next = try WAL.createFile(dir: dir, index: fileIndex + 1, fs)
        } catch where WAL.isNoSpace(error) {
            throw error
        } catch {
            failure = "\(error)"
            throw EngineError.walFailed("\(error)")
        }
        fs.close(file)
        fileIndex += 1
        file = next
        fileBytes = WALFormat.headerSize
    }

    /// Makes everything written so far durable (used by the interval policy and by close).
    func sync() throws {
        lock.lock()
        defer { lock.unlock() }
        while leaderActive { cond.wait() }
        if let f = failure { throw EngineError.walFailed(f) }
        if pending.isEmpty && !dirtySinceSync && syncedSeq == enqueuedSeq { return }
        try flushLocked()
        cond.broadcast()
    }

    /// Removes WAL files with an index below `index` (their records are all in segments).
    func removeFiles(below index: Int) throws {
        var removed = false
        for name in try fs.listDirectory(dir) {
            if let i = WALFormat.index(ofFileName: name), i < index {
                try fs.remove(dir + "/" + name)
                removed = true
            }
        }
        if removed { try fs.syncDirectory(dir) }
    }

    func close() throws {
        try sync()
        lock.lock()
        closed = true
        fs.close(file)
        cond.broadcast()
        lock.unlock()
        if let t = syncThread { pthread_join(t, nil) }
    }

    func snapshotStats() -> WALStats {
        lock.withLock {
            var s = stats
            s.failed = failure != nil
            s.outOfSpace = noSpace != nil
            return s
        }
    }

    func updateStats(_ f: (inout WALStats) -> Void) { lock.withLock { f(&stats) } }

    var isFailed: Bool { lock.withLock { failure != nil } }

    // MARK: interval policy

    private func startSyncThread(_ ns: UInt64) {
        let box = Unmanaged.passRetained(SyncThreadArgs(wal: self, interval: ns))
        var t = pthread_t()
        pthread_create(&t, nil, { arg in
            let a = Unmanaged<SyncThreadArgs>.fromOpaque(arg!).takeRetainedValue()
            a.wal.syncLoop(a.interval)
            return nil
        }, box.toOpaque())
        syncThread = t
    }

    private func syncLoop(_ ns: UInt64) {
        while true {
            lock.lock()
            if closed || failure != nil { lock.unlock(); return }
            cond.wait(nanos: ns)
            let stop = closed || failure != nil
            lock.unlock()
            if stop { return }
            try? sync()
        }
    }
}

private final class SyncThreadArgs {
    unowned let wal: WAL
    let interval: UInt64
    init(wal: WAL, interval: UInt64) {
        self.wal = wal
        self.interval = interval
    }
}

@inline(__always)
func log2Bucket(_ v: UInt64) -> Int {
    v == 0 ? 0 : 64 - v.leadingZeroBitCount
}
