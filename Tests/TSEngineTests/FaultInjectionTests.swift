import Testing
import Foundation
import TSEncoding
import TSSupport
@testable import TSEngine
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// Faults injected through the engine's `FileSystem` (`EngineOptions.fileSystem`), the one place
/// every mutating file-system call passes: a full disk (ENOSPC on write), and a simulated power
/// loss that drops everything not yet fsynced. (EIO on fsync is in
/// WALTests.fsyncFailureIsFatalForTheWAL.) Each test's faults reach only its own engine.
@Suite struct FaultInjectionTests {
    let key = SeriesKey("m", ["h": "a"], field: "v")

    func batch(_ i: Int, points: Int = 10) -> WriteBatch {
        var b = WriteBatch(database: "db")
        for j in 0..<points { b.append(key, Int64(i * points + j), .float(Double(i))) }
        return b
    }

    /// A switchable ENOSPC on writes under `prefix`.
    final class DiskFull: @unchecked Sendable {
        let lock = NSLock()
        var full = false
        var refused = 0
        func set(_ v: Bool) { lock.withLock { full = v } }
        func fileSystem(_ prefix: String) -> FileSystem {
            FileSystem(faults: .init(beforeWrite: { [self] path, _ in
                lock.withLock {
                    guard full, path.hasPrefix(prefix) else { return nil }
                    refused += 1
                    return ENOSPC
                }
            }))
        }
    }

    @Test func walKeepsTheGroupOnENOSPCAndWritesItOnceSpaceIsBack() throws {
        let dir = TempDir()
        let disk = DiskFull()
        let wal = try WAL(dir: dir.path, fileSystem: disk.fileSystem(dir.path), nextIndex: 1, policy: .always)
        let s1 = try [UInt8]([1]).withUnsafeBytes { try wal.enqueue($0) }
        try wal.waitDurable(s1)
        disk.set(true)
        let s2 = try [UInt8]([2]).withUnsafeBytes { try wal.enqueue($0) }
        #expect(throws: FileSystemError(op: "write", path: dir.path + "/" + WALFormat.fileName(1), errno: ENOSPC)) { try wal.waitDurable(s2) }
        #expect(!wal.isFailed && wal.isOutOfSpace)
        #expect(throws: FileSystemError.self) { try wal.retryAfterNoSpace() }
        disk.set(false)
        // Space is back: the kept record goes first, then new ones.
        try wal.retryAfterNoSpace()
        #expect(!wal.isOutOfSpace)
        let s3 = try [UInt8]([3]).withUnsafeBytes { try wal.enqueue($0) }
        try wal.waitDurable(s3)
        #expect(wal.snapshotStats().noSpaceErrors == 2)
        try wal.close()
        var got: [[UInt8]] = []
        let r = try WALReader.replay(dir: dir.path) { got.append(Array($0)) }
        #expect(got == [[1], [2], [3]])
        #expect(r.truncatedAt == nil)
    }

    @Test func engineAnswersENOSPCThenResumesWithNothingLost() throws {
        let dir = TempDir()
        let crashed = TempDir()
        try FileManager.default.removeItem(atPath: crashed.path)
        let disk = DiskFull()
        var acked: [Int] = []
        var refused: [Int] = []
        do {
            var o = testOptions()
            o.fileSystem = disk.fileSystem(dir.path)
            let e = try Engine(path: dir.path, options: o)
            for i in 0..<30 {
                disk.set((10..<20).contains(i))
                do {
                    try e.append(batch(i))
                    acked.append(i)
                } catch let err as FileSystemError {
                    guard err.errno == ENOSPC else { Issue.record("unexpected \(err)"); throw err }
                    refused.append(i)
                }
                if i == 15 { #expect(throws: FileSystemError.self) { try e.flush() } }  // a seal cannot write either
            }
            #expect(refused == Array(10..<20))
            #expect(e.stats().wal.noSpaceErrors >= 10 && !e.stats().wal.failed)
            // This seal writes the head frozen by the failed one; the later batches are only
            // in the head and the WAL, so the WAL must not be dropped yet. A crash right after
            // it (the copy, taken without a close) must still have them.
            try e.flush()
            try FileManager.default.copyItem(atPath: dir.path, toPath: crashed.path)
            try e.close()
        }
        let e = try Engine(path: crashed.path, options: testOptions())
        defer { try? e.close() }
        let pts = try e.points("db", key)
        let present = Set(pts.map { Int($0.0) / 10 })
        // Every acknowledged batch is there, whole; the first refused one reached the head
        // before its group write failed, so it was kept and written later (allowed: a refused
        // write may still appear); the others never touched the head.
        for i in acked { #expect(present.contains(i)) }
        #expect(present.subtracting(acked).isSubset(of: [10]))
        #expect(pts.count == present.count * 10)
        #expect(pts.allSatisfy { $0.1 == .float(Double(Int($0.0) / 10)) })
    }

    /// Tracks, per file, the size that the last fsync made durable, and which files a directory
    /// fsync made durable; `crashCopy` then builds the directory a power loss would leave.
    final class PowerLoss: @unchecked Sendable {
        let lock = NSLock()
        var syncedSize: [String: Int] = [:]
        func fileSystem() -> FileSystem {
            FileSystem(faults: .init(beforeSync: { [self] path in
                // Writes and syncs of one WAL file are serialized by its leader, so the size now
                // is the size this fsync makes durable.
                if let n = FileSystem.posix.fileSize(path: path) { lock.withLock { syncedSize[path] = n } }
                return nil
            }))
        }
        /// Copies `from` to `to` keeping only the fsynced prefix of every WAL file.
        func crashCopy(_ from: String, _ to: String) throws {
            let fm = FileManager.default
            try fm.copyItem(atPath: from, toPath: to)
            let wal = to + "/wal"
            for name in try fm.contentsOfDirectory(atPath: wal) {
                let synced = lock.withLock { syncedSize[from + "/wal/" + name] }
                if let n = synced {
                    #expect(truncate(wal + "/" + name, off_t(n)) == 0)
                } else {
                    try fm.removeItem(atPath: wal + "/" + name)
                }
            }
        }
    }

    @Test(arguments: [SyncPolicy.always, .none, .interval(nanoseconds: 2_000_000)])
    func powerLossKeepsAPrefixOfTheAcknowledgedWrites(policy: SyncPolicy) throws {
        let dir = TempDir()
        let copy = TempDir()
        try FileManager.default.removeItem(atPath: copy.path)
        let loss = PowerLoss()
        var o = testOptions(policy)
        o.fileSystem = loss.fileSystem()
        o.walSegmentSize = 4096  // several WAL files, some rotated (and so fsynced) mid-run
        let e = try Engine(path: dir.path, options: o)
        let n = 200
        for i in 0..<n {
            try e.append(batch(i))
            if i % 37 == 0 { usleep(3000) }  // let the interval thread fsync now and then
        }
        try loss.crashCopy(dir.path, copy.path)  // the power goes out here: no close, no seal
        let r = try Engine(path: copy.path, options: testOptions())
        let pts = try r.points("db", key)
        let present = pts.map { Int($0.0) / 10 }
        let batches = Array(Set(present)).sorted()
        // A prefix of the acknowledged batches, each whole, values exact.
        #expect(batches == Array(0..<batches.count))
        #expect(pts.count == batches.count * 10)
        #expect(pts.allSatisfy { $0.1 == .float(Double(Int($0.0) / 10)) })
        if policy == .always { #expect(batches.count == n) }  // nothing acknowledged is lost
        if policy == .none { #expect(batches.count < n) }     // the unsynced tail is gone
        try r.close()
        try e.close()
    }
}
