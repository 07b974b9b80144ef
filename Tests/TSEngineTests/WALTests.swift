import Testing
import Foundation
import TSEncoding
@testable import TSEngine
import TestSupport
import TSSupport

@Suite struct WALTests {
    /// Writes `n` records of varying size into a fresh WAL file; returns the file path and the
    /// end offset of each record.
    func makeWAL(_ dir: String, records n: Int) throws -> (String, [Int], [[UInt8]]) {
        let wal = try WAL(dir: dir, nextIndex: 1, policy: .always)
        var ends: [Int] = []
        var payloads: [[UInt8]] = []
        var off = WALFormat.headerSize
        for i in 0..<n {
            let p = [UInt8](repeating: UInt8(i), count: 1 + (i * 7) % 40)
            payloads.append(p)
            let seq = try p.withUnsafeBytes { try wal.enqueue($0) }
            try wal.waitDurable(seq)
            off += WALFormat.frameHeaderSize + p.count
            ends.append(off)
        }
        try wal.close()
        return (dir + "/" + WALFormat.fileName(1), ends, payloads)
    }

    func replay(_ dir: String) throws -> ([[UInt8]], WALReplayReport) {
        var got: [[UInt8]] = []
        let r = try WALReader.replay(dir: dir) { got.append(Array($0)) }
        return (got, r)
    }

    @Test func cutAtEveryByteRecoversExactlyTheCompleteRecords() throws {
        let src = TempDir("walsrc")
        let (file, ends, payloads) = try makeWAL(src.path, records: 12)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(bytes.count == ends.last!)
        let work = TempDir("walcut")
        let target = work.path + "/" + WALFormat.fileName(1)
        for cut in 0...bytes.count {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: target))
            let (got, report) = try replay(work.path)
            let complete = ends.filter { $0 <= cut }.count
            #expect(got == Array(payloads.prefix(complete)), "cut at \(cut)")
            let expectedSize = cut < WALFormat.headerSize ? 0 : (complete == 0 ? WALFormat.headerSize : ends[complete - 1])
            #expect(FileSystem.posix.fileSize(path: target) == expectedSize, "cut at \(cut)")
            #expect((report.truncatedAt != nil) == (cut != expectedSize), "cut at \(cut)")
        }
    }

    @Test func flippedByteStopsReplayAtThatRecord() throws {
        let src = TempDir("walsrc")
        let (file, ends, payloads) = try makeWAL(src.path, records: 8)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let work = TempDir("walflip")
        let target = work.path + "/" + WALFormat.fileName(1)
        for off in 0..<bytes.count {
            var b = bytes
            b[off] ^= 0x40
            try b.write(to: URL(fileURLWithPath: target))
            let (got, _) = try replay(work.path)
            let good = off < WALFormat.headerSize ? 0 : ends.filter { $0 <= off }.count
            #expect(got == Array(payloads.prefix(good)), "flip at \(off)")
        }
    }

    @Test func laterFilesAfterACorruptOneAreRemoved() throws {
        let dir = TempDir()
        _ = try makeWAL(dir.path, records: 3)
        // A second file follows; corrupt the first file's last record.
        let w2 = try WAL(dir: dir.path, nextIndex: 2, policy: .always)
        try w2.waitDurable([UInt8]([1, 2, 3]).withUnsafeBytes { try w2.enqueue($0) })
        try w2.close()
        let f1 = dir.path + "/" + WALFormat.fileName(1)
        var b = try Data(contentsOf: URL(fileURLWithPath: f1))
        b[b.count - 1] ^= 1
        try b.write(to: URL(fileURLWithPath: f1))
        let (got, report) = try replay(dir.path)
        #expect(got.count == 2)
        #expect(report.removedFiles == [WALFormat.fileName(2)])
        #expect(!FileSystem.posix.exists(dir.path + "/" + WALFormat.fileName(2)))
    }

    @Test func groupCommitSharesFsyncs() throws {
        let dir = TempDir()
        let wal = try WAL(dir: dir.path, nextIndex: 1, policy: .always)
        let order = Lock()
        // Eight real threads (GCD would run only as many as there are cores): while one
        // leader fsyncs, the others queue records that the next leader takes as one group.
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                for _ in 0..<50 {
                    let seq = order.withLock { try! [UInt8](repeating: 7, count: 100).withUnsafeBytes { try wal.enqueue($0) } }
                    try! wal.waitDurable(seq)
                }
                group.leave()
            }
        }
        group.wait()
        let s = wal.snapshotStats()
        #expect(s.recordsWritten == 400)
        #expect(s.groupCommits < 400)
        #expect(s.fsyncCount <= s.groupCommits + 1)
        try wal.close()
        let (got, _) = try replay(dir.path)
        #expect(got.count == 400)
    }

    @Test func fsyncFailureIsFatalForTheWAL() throws {
        let dir = TempDir()
        let failing = Switch()
        let fs = FileSystem(faults: .init(beforeSync: { _ in failing.isOn ? EIO : nil }))
        let wal = try WAL(dir: dir.path, fileSystem: fs, nextIndex: 1, policy: .always)
        failing.isOn = true
        let seq = try [UInt8]([1]).withUnsafeBytes { try wal.enqueue($0) }
        #expect(throws: EngineError.self) { try wal.waitDurable(seq) }
        failing.isOn = false
        // No retry-and-continue: the WAL stays failed.
        #expect(throws: EngineError.self) { _ = try [UInt8]([2]).withUnsafeBytes { try wal.enqueue($0) } }
        #expect(wal.isFailed)
    }

    @Test func syncPolicyParsing() {
        #expect(SyncPolicy(parsing: "always") == .always)
        #expect(SyncPolicy(parsing: "none") == SyncPolicy.none)
        #expect(SyncPolicy(parsing: "interval:100ms") == .interval(nanoseconds: 100_000_000))
        #expect(SyncPolicy(parsing: "interval:1m30s") == .interval(nanoseconds: 90_000_000_000))
        #expect(SyncPolicy(parsing: "interval:") == nil)
        #expect(SyncPolicy(parsing: "sometimes") == nil)
        #expect(SyncPolicy.interval(nanoseconds: 2_000_000_000).description == "interval:2s")
    }

    @Test func intervalAndNonePoliciesSurviveProcessCrashSemantics() throws {
        // Records are write(2)-n before acknowledgement under every policy, so a reopen
        // without close (the file is still in the page cache) replays them all.
        for policy in [SyncPolicy.none, .interval(nanoseconds: 5_000_000)] {
            let dir = TempDir()
            let wal = try WAL(dir: dir.path, nextIndex: 1, policy: policy)
            for i in 0..<10 {
                let seq = try [UInt8](repeating: UInt8(i), count: 5).withUnsafeBytes { try wal.enqueue($0) }
                try wal.waitDurable(seq)
            }
            let (got, _) = try replay(dir.path)
            #expect(got.count == 10)
            try wal.close()
        }
    }

    // Found by fuzz/ (target wal, fuzz/corpus/wal/regression-duplicate-def-id): a record defining
    // series 3 twice, with different keys, replayed without error and left two keys on one id in
    // the catalog (the second definition overwrote the first). An id can only name one series.
    // Noted by fuzz/ (target wal): a CRC-valid record defining series 4,000,000,000 would grow the
    // catalog to that many slots. Ids are handed out in order, so one far past the catalog is corrupt.
    @Test func replayRefusesASeriesIDFarPastTheCatalog() throws {
        var e = WALBatchEncoder()
        let a = SeriesKey("m", field: "f").canonicalBytes
        a.withUnsafeBytes { e.addDef(id: 4_000_000_000, type: .float, canonicalKey: $0) }
        e.finish(database: "db")
        var batch = WALDecodedBatch()
        try e.buf.withUnsafeBytes { try WALBatchDecoder.decode($0, into: &batch) }
        var catalog = SeriesCatalog()
        var head = Head()
        #expect(throws: EncodingError.self) { try Engine.replay(batch, catalog: &catalog, head: &head) }
        #expect(catalog.maxID == 0)
    }

    @Test func replayRefusesTwoKeysForOneSeriesID() throws {
        let fuzzed: [UInt8] = [
            0x01, 0x02, 0x64, 0x62, 0x05, 0x40, 0x01, 0x0a, 0x01, 0x6d, 0x01, 0x01, 0x34, 0x01, 0x35, 0x02, 0x66, 0x30,
            0x03, 0x02, 0x0a, 0x01, 0x6d, 0x01, 0x01, 0x74, 0x01, 0x35, 0x02, 0x66, 0x31, 0x03, 0x03, 0x0a, 0x01, 0x6d,
            0x01, 0x01, 0x74, 0x01, 0x32, 0x02, 0x66, 0x31, 0x04, 0x04, 0x0a, 0x01, 0x6d, 0x01, 0x01, 0x74, 0x01, 0x34,
            0x02, 0x66, 0x33, 0x05, 0x05, 0x0a, 0x01, 0x6d, 0x01, 0x01, 0x74, 0x01, 0x34, 0x02, 0x04, 0x02, 0x01, 0x05,
            0x05, 0x02, 0x0d, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x22, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x22,
        ]
        var e = WALBatchEncoder()
        let a = SeriesKey("m", ["t": "5"], field: "f1").canonicalBytes
        let b = SeriesKey("m", ["t": "2"], field: "f1").canonicalBytes
        a.withUnsafeBytes { e.addDef(id: 3, type: .integer, canonicalKey: $0) }
        b.withUnsafeBytes { e.addDef(id: 3, type: .unsigned, canonicalKey: $0) }
        e.finish(database: "db")
        // The same key and id defined again with another type (fuzz/corpus/wal/regression-def-type-conflict).
        var retyped = WALBatchEncoder()
        a.withUnsafeBytes { retyped.addDef(id: 3, type: .integer, canonicalKey: $0) }
        a.withUnsafeBytes { retyped.addDef(id: 3, type: .unsigned, canonicalKey: $0) }
        retyped.finish(database: "db")
        for record in [fuzzed, e.buf, retyped.buf] {
            var batch = WALDecodedBatch()
            try record.withUnsafeBytes { try WALBatchDecoder.decode($0, into: &batch) }
            var catalog = SeriesCatalog()
            var head = Head()
            #expect(throws: EncodingError.self) { try Engine.replay(batch, catalog: &catalog, head: &head) }
        }
        // The catalog keeps the first key of an id, accepts the same definition again, and never uses id 0.
        var catalog = SeriesCatalog()
        #expect(a.withUnsafeBytes { catalog.insert(canonical: $0, type: .integer, id: 3) } == 3)
        #expect(a.withUnsafeBytes { catalog.insert(canonical: $0, type: .integer, id: 3) } == 3)
        #expect(b.withUnsafeBytes { catalog.insert(canonical: $0, type: .unsigned, id: 3) } == nil)
        #expect(b.withUnsafeBytes { catalog.insert(canonical: $0, type: .unsigned, id: 0) } == nil)
        #expect(catalog.info(3)?.canonical == a && catalog.type(3) == .integer)
        #expect(b.withUnsafeBytes { catalog.insert(canonical: $0, type: .unsigned) } == 4)
    }
}
