import XCTest
@testable import TSEngine
import TestSupport
import TSSupport

final class TombstoneTests: XCTestCase {
    func testFileRoundTripAndCorruption() throws {
        let t = Tombstones([Tombstone(id: 7, range: TimeRange(min: -5, max: .max), maxSeq: 3, drop: false),
                            Tombstone(id: 9, range: .all, maxSeq: 4, drop: true)])
        let bytes = t.encode()
        let back = try Tombstones.decode(bytes, path: "x")
        XCTAssertEqual(back.all, t.all)
        XCTAssertEqual(back.dropped, [9])
        XCTAssertEqual(back.ranges(7, seq: 3, overlapping: 0, 10), [TimeRange(min: -5, max: .max)])
        XCTAssertEqual(back.ranges(7, seq: 4, overlapping: 0, 10), [], "a later segment is not affected")
        for i in [0, 5, 12, bytes.count - 1] {
            var bad = bytes
            bad[i] ^= 0x10
            XCTAssertThrowsError(try Tombstones.decode(bad, path: "x"), "flip at \(i)")
        }
        XCTAssertThrowsError(try Tombstones.decode(Array(bytes.dropLast()), path: "x"))
    }

    func testCorruptTombstonesStopStartup() throws {
        let dir = TempDir()
        var e: Engine? = try Engine(path: dir.path, options: testOptions())
        try e!.append(database: "d", SeriesKey("m", field: "v"), 1, .float(1))
        try e!.delete("d", ids: try e!.select("d", SeriesSelector("m")).map(\.id), range: .all, dropSeries: false)
        try e!.close()
        e = nil
        let p = dir.path + "/db/d/tombstones"
        var b = try FileSystem.posix.readFile(p)
        b[b.count - 1] ^= 1
        try FileSystem.posix.writeFileDurably(p, b)
        XCTAssertThrowsError(try Engine(path: dir.path, options: testOptions())) { err in
            XCTAssertTrue("\(err)".contains("tombstones"), "\(err)")
        }
    }
}
