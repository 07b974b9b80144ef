import Foundation
import InfluxQL
@testable import TSEngine
@testable import TSQuery
import XCTest
import TestSupport
import TSSupport

/// The default policy (`auto`): a measurement keeps the candidate levels (5m, 1h, 1d) at least
/// 10× coarser than its native interval, learnt from its first sealed data and remembered
/// (docs/rollups.md); answers stay equal to raw whatever was kept.
final class AdaptiveLevelsTests: XCTestCase {
    static let minute: Int64 = 60 * sec

    func fixture() throws -> QueryFixture {
        var o = quietOptions()
        o.rollups = .standard
        XCTAssertTrue(o.rollups.adaptive)
        return try QueryFixture(now: t0 + 3 * 86_400 * sec, options: o)
    }

    /// `fast`: 10 s data; `slow`: 60 s data; two days, sealed twice.
    func load(_ f: QueryFixture) throws {
        for half in 0..<2 {
            var b = WriteBatch(database: "db")
            for s in (half * 8_640)..<((half + 1) * 8_640) {
                let t = t0 + Int64(s) * 10 * sec
                b.append(SeriesKey("fast", ["host": "a"], field: "value"), t, .float(Double(s % 613) / 7))
                if s % 6 == 0 { b.append(SeriesKey("slow", ["host": "a"], field: "value"), t + 3 * sec, .integer(Int64(s * s % 1_000_003))) }
            }
            try f.engine.append(b)
            try f.engine.flush()
        }
    }

    func levels(_ f: QueryFixture, _ m: String) throws -> [String] {
        try f.engine.rollupLevels("db", measurement: m).levels.map(\.name)
    }

    func assertEqualRaw(_ f: QueryFixture, _ q: String, level: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let auto = try f.run(q), raw = try f.run(q, level: .raw)
        XCTAssertEqual(auto.level, level, q, file: file, line: line)
        XCTAssertTrue(RollupTests.equal(auto.series, raw.series), "\(q): \(auto.level ?? "?") differs from raw", file: file, line: line)
    }

    func testLevelsFollowTheNativeInterval() throws {
        let f = try fixture()
        try load(f)
        XCTAssertEqual(try levels(f, "fast"), ["5m", "1h"], "the first two candidates at least 10× a 10 s interval")
        XCTAssertEqual(try levels(f, "slow"), ["1h", "1d"], "5m is only 5× a 60 s interval")
        let r = "time >= '2026-01-01T00:00:00Z' AND time < '2026-01-03T00:00:00Z'"
        try assertEqualRaw(f, "SELECT mean(value), max(value) FROM fast WHERE \(r) GROUP BY time(5m)", level: "5m")
        try assertEqualRaw(f, "SELECT mean(value), max(value) FROM slow WHERE \(r) GROUP BY time(5m)", level: "raw")
        try assertEqualRaw(f, "SELECT sum(value), min(value) FROM slow WHERE \(r) GROUP BY time(1h)", level: "1h")
        try assertEqualRaw(f, "SELECT count(value), last(value) FROM fast WHERE \(r) GROUP BY time(1d)", level: "1h")
        try assertEqualRaw(f, "SELECT count(value), last(value) FROM slow WHERE \(r) GROUP BY time(1d)", level: "1d")
        // No 5m rollups were written for slow: its series is absent from every 5m segment.
        let slowID = try f.engine.select("db", SeriesSelector(measurement: .exact("slow")))[0].id
        let five = f.engine.lock.withLock { f.engine.databases["db"]!.levels["5m"]!.segments }
        XCTAssertFalse(five.isEmpty)
        XCTAssertTrue(five.allSatisfy { $0.entry(slowID) == nil })
        // Remembered across restarts, and kept when later data would suggest otherwise.
        try f.reopen()
        XCTAssertEqual(try levels(f, "slow"), ["1h", "1d"])
        var b = WriteBatch(database: "db")
        for s in 0..<600 { b.append(SeriesKey("slow", ["host": "a"], field: "value"), t0 + 2 * 86_400 * sec + Int64(s) * sec, .integer(Int64(s))) }
        try f.engine.append(b)
        try f.engine.flush()
        XCTAssertEqual(try levels(f, "slow"), ["1h", "1d"])
        try assertEqualRaw(f, "SELECT sum(value) FROM slow WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-03T01:00:00Z' GROUP BY time(1h)", level: "1h")
    }

    /// A first seal with one point per series cannot tell the interval: every candidate level is
    /// computed until a later seal can, so answers from any level stay exact meanwhile.
    func testIntervalUnknownUntilEnoughDataKeepsEveryLevel() throws {
        let f = try fixture()
        try f.write("slow", ["host": "a"], [(t0 - 86_400 * sec, .integer(1))])
        try f.engine.flush()
        XCTAssertEqual(try levels(f, "slow"), ["5m", "1h", "1d"], "not known yet: all candidates")
        let q = "SELECT sum(value) FROM slow WHERE time >= '2025-12-31T00:00:00Z' AND time < '2026-01-03T00:00:00Z' GROUP BY time(5m)"
        XCTAssertEqual(try f.run(q).level, "5m")
        try load(f)
        XCTAssertEqual(try levels(f, "slow"), ["1h", "1d"])
        XCTAssertEqual(try f.run(q).level, "raw")
        try assertEqualRaw(f, q.replacingOccurrences(of: "time(5m)", with: "time(1h)"), level: "1h")
    }

    /// An explicit list or a per-measurement override is kept exactly.
    func testExplicitLevelsAreNotAdapted() throws {
        var o = quietOptions()
        o.rollups = try RollupPolicy.parse(levels: "5m,1h", retention: "")
        XCTAssertFalse(o.rollups.adaptive)
        let f = try QueryFixture(now: t0 + 3 * 86_400 * sec, options: o)
        try load(f)
        XCTAssertEqual(try levels(f, "slow"), ["5m", "1h"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.dir.path + "/db/db/rollups/intervals"))
        var p = try RollupPolicy(measurementLevels: [(try CompiledRegex("^slow$"), ["5m"])])
        XCTAssertFalse(p.isAdaptive("slow"))
        XCTAssertTrue(p.isAdaptive("fast"))
        XCTAssertEqual(p.levels(for: "slow", interval: 60 * sec).map(\.name), ["5m"])
        XCTAssertEqual(p.levels(for: "fast", interval: 60 * sec).map(\.name), ["1h", "1d"])
        p.adaptive = false
        XCTAssertEqual(p.levels(for: "fast", interval: 60 * sec).map(\.name), ["5m", "1h", "1d"])
    }

    func testIntervalsFileRoundTripsAndRejectsDamage() throws {
        let m = ["cpu": 10 * sec, "virt,x": 60 * sec, "": 1]
        let bytes = NativeIntervals.encode(m)
        XCTAssertEqual(try NativeIntervals.decode(bytes, path: "p"), m)
        for i in bytes.indices {
            var bad = bytes
            bad[i] ^= 0x10
            XCTAssertThrowsError(try NativeIntervals.decode(bad, path: "p"), "flipped byte \(i)")
        }
        XCTAssertThrowsError(try NativeIntervals.decode(Array(bytes.dropLast()), path: "p"))
        XCTAssertEqual(NativeIntervals.medianGap([0, 10, 20, 30, 100]), 10)
        XCTAssertNil(NativeIntervals.medianGap([5]))
    }
}
