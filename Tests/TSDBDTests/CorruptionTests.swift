import Testing
import Foundation
@testable import TSEngine
#if canImport(Glibc)
import Glibc
import TSSupport
#endif

/// Damaged files under a real tsdbd: the WAL cut or bit-flipped after a kill -9, and
/// segments with flipped bits. Recovery keeps exactly the good prefix and says so in the log and
/// /metrics; a damaged block is a read error naming file and block, never wrong data; an
/// unreadable segment is renamed aside and startup continues. (Every byte offset and every bit
/// position are covered in-process by WALTests and SegmentTests.)
@Suite struct CorruptionTests {
    /// No rollups and no accounting job: the data directory holds only what each test writes.
    static let quiet = ["--rollup-levels", "none", "--accounting-interval", "off"]

    /// Three writes, one WAL record each (one batch per small request), then kill -9.
    /// Returns the daemon's data directory and the WAL file.
    static func threeRecordsThenKill() throws -> (Daemon, String) {
        let d = try Daemon(extraArgs: Self.quiet)
        for i in 1...3 {
            #expect(try HTTP.request(port: d.port, "POST", "/write?db=c", text: "m,r=\(i) v=\(i) \(i)\n").status == 204)
        }
        d.kill9()
        let wal = d.dataDir + "/data/wal"
        let files = try FileManager.default.contentsOfDirectory(atPath: wal).sorted()
        let withRecords = try #require(files.last { (FileSystem.posix.fileSize(path: wal + "/" + $0) ?? 0) > WALFormat.headerSize })
        return (d, wal + "/" + withRecords)
    }

    static func present(_ port: Int) throws -> [Int] {
        let r = try HTTP.request(port: port, "GET", "/query?db=c&q=SELECT%20v%20FROM%20m%20GROUP%20BY%20r")
        return (1...3).filter { r.body.contains(#""r":"\#($0)""#) }
    }

    @Test func cutWALTailKeepsTheGoodPrefixAndSaysSo() throws {
        let (d, wal) = try Self.threeRecordsThenKill()
        defer { d.removeData() }
        let size = FileSystem.posix.fileSize(path: wal)!
        #expect(truncate(wal, off_t(size - 3)) == 0)  // a torn last record
        let r = try Daemon(dataDir: d.dataDir, extraArgs: Self.quiet)
        defer { r.stop() }
        #expect(try Self.present(r.port) == [1, 2])
        #expect(Net.metric(r.port, "tsdbd_wal_corrupt_tails_truncated_total") == 1)
        #expect(Net.metric(r.port, "tsdbd_wal_replayed_records") == 2)
        #expect(r.log().contains("truncated at byte"), "\(r.log())")
    }

    @Test func flippedWALByteStopsReplayAtThatRecord() throws {
        let (d, wal) = try Self.threeRecordsThenKill()
        defer { d.removeData() }
        var b = try Data(contentsOf: URL(fileURLWithPath: wal))
        // The second record starts after the header and the first record's frame.
        let first = Int(b[WALFormat.headerSize]) | Int(b[WALFormat.headerSize + 1]) << 8
        b[WALFormat.headerSize + WALFormat.frameHeaderSize + first + WALFormat.frameHeaderSize + 2] ^= 0x10
        try b.write(to: URL(fileURLWithPath: wal))
        let r = try Daemon(dataDir: d.dataDir, extraArgs: Self.quiet)
        defer { r.stop() }
        #expect(try Self.present(r.port) == [1])
        #expect(Net.metric(r.port, "tsdbd_wal_corrupt_tails_truncated_total") == 1)
        #expect(Net.metric(r.port, "tsdbd_wal_replayed_records") == 1)
        #expect(r.log().contains("truncated at byte"))
    }

    /// Two segments (two flushes), one series each.
    static func twoSegments() throws -> (Daemon, [String]) {
        let d = try Daemon(extraArgs: Self.quiet)
        var body = ""
        for i in 0..<2000 { body += "a v=\(i) \(Int64(i) * 1_000_000_000)\n" }
        #expect(try HTTP.request(port: d.port, "POST", "/write?db=s", text: body).status == 204)
        #expect(try HTTP.request(port: d.port, "POST", "/api/v1/admin/flush").status == 200)
        #expect(try HTTP.request(port: d.port, "POST", "/write?db=s", text: "b v=1 1000000000000000000\n").status == 204)
        #expect(try HTTP.request(port: d.port, "POST", "/api/v1/admin/flush").status == 200)
        d.stop()
        let dir = d.dataDir + "/data/db/s/segments"
        let segs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".seg") }.sorted().map { dir + "/" + $0 }
        #expect(segs.count == 2)
        return (d, segs)
    }

    @Test func flippedSegmentBlockIsAReadErrorNamingFileAndBlock() throws {
        let (d, segs) = try Self.twoSegments()
        defer { d.removeData() }
        var b = try Data(contentsOf: URL(fileURLWithPath: segs[0]))
        b[SegmentFormat.headerSize + 20] ^= 0x01  // inside the first data block
        try b.write(to: URL(fileURLWithPath: segs[0]))
        let r = try Daemon(dataDir: d.dataDir, extraArgs: Self.quiet)
        defer { r.stop() }
        let q = try HTTP.request(port: r.port, "GET", "/query?db=s&q=SELECT%20sum(v)%20FROM%20a")
        #expect(q.body.contains(segs[0]) && q.body.contains("block at offset"), "\(q.body)")
        #expect(!q.body.contains("\"values\""))  // an error, no numbers
        // The other segment still answers, and the daemon is up.
        let ok = try HTTP.request(port: r.port, "GET", "/query?db=s&q=SELECT%20v%20FROM%20b")
        #expect(ok.status == 200 && ok.body.contains("\"values\""), "\(ok.body)")
    }

    @Test func unreadableSegmentIsQuarantinedAndStartupContinues() throws {
        let (d, segs) = try Self.twoSegments()
        defer { d.removeData() }
        var b = try Data(contentsOf: URL(fileURLWithPath: segs[0]))
        b[b.count - 10] ^= 0xff  // the footer
        try b.write(to: URL(fileURLWithPath: segs[0]))
        let r = try Daemon(dataDir: d.dataDir, extraArgs: Self.quiet)
        defer { r.stop() }
        #expect(FileManager.default.fileExists(atPath: segs[0] + ".corrupt"))
        #expect(Net.metric(r.port, "tsdbd_segments_quarantined_total") == 1)
        #expect(r.log().contains("quarantining unreadable segment"))
        let ok = try HTTP.request(port: r.port, "GET", "/query?db=s&q=SELECT%20v%20FROM%20b")
        #expect(ok.status == 200 && ok.body.contains("\"values\""), "\(ok.body)")
    }
}
