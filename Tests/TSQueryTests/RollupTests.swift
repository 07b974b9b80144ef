import Foundation
import InfluxQL
@testable import TSEngine
@testable import TSQuery
import XCTest
import TestSupport
import TSSupport

/// Rollups answer exactly what raw data answers (docs/rollups.md): 30 days of 1-minute data with
/// counter resets, gaps, late points, deletes, retention and a failure in the middle of a rollup.
final class RollupTests: XCTestCase {
    static let day: Int64 = 86_400 * sec
    static let minute: Int64 = 60 * sec

    /// A clock the test moves.
    final class Clock: @unchecked Sendable {
        var now: Int64 = t0 + 30 * day
    }

    func fixture(retention: [String: Int64] = [:], clock: Clock = Clock(), fileSystem: FileSystem = .posix) throws -> QueryFixture {
        var o = quietOptions()
        // Exactly 5m and 1h for every measurement (the adaptive default would drop 5m for
        // 1-minute data; AdaptiveLevelsTests covers that).
        o.rollups = try RollupPolicy(levels: [.fiveMinutes, .oneHour], retention: retention, adaptive: false)
        o.clock = { clock.now }
        o.fileSystem = fileSystem
        return try QueryFixture(now: t0 + 30 * Self.day + 3_600 * sec, options: o)
    }

    /// Two hosts × (float gauge, float counter with resets and a gap, integer gauge), one point a
    /// minute for 30 days, sealed every 3 days; then late points into day 5 and an unsealed last hour.
    func load(_ f: QueryFixture) throws {
        var rng = SplitMix64(seed: 42)
        var counter: [String: Double] = ["a": 1e9, "b": 5e8]
        for day in 0..<30 {
            var b = WriteBatch(database: "db")
            for host in ["a", "b"] {
                for m in 0..<1440 {
                    let t = t0 + Int64(day) * Self.day + Int64(m) * Self.minute + (host == "b" ? 7 * sec : 0)
                    let g = Double(rng.next() % 10_000) / 100
                    b.append(SeriesKey("cpu", ["host": host], field: "value"), t, .float(g))
                    b.append(SeriesKey("mem", ["host": host], field: "used"), t, .integer(Int64(rng.next() % 1_000_000)))
                    // Gap: day 10, 02:00-05:00. Resets: day 7 at noon, day 20 at 00:03.
                    if day == 10 && (120..<300).contains(m) { continue }
                    if (day == 7 && m == 720) || (day == 20 && m == 3) { counter[host] = Double(rng.next() % 1000) } else {
                        counter[host]! += Double(rng.next() % 6_000_000_000) / 7
                    }
                    b.append(SeriesKey("virt", ["host": host], field: "value"), t, .float(counter[host]!))
                }
            }
            try f.engine.append(b)
            if day % 3 == 2 { try f.engine.flush() }
        }
        // Late data into sealed day 5 (new points and an overwrite), sealed by the next flush.
        var late = WriteBatch(database: "db")
        late.append(SeriesKey("cpu", ["host": "a"], field: "value"), t0 + 5 * Self.day + 30 * sec, .float(1234.5))
        late.append(SeriesKey("cpu", ["host": "a"], field: "value"), t0 + 5 * Self.day + 2 * Self.minute, .float(-7))
        late.append(SeriesKey("virt", ["host": "a"], field: "value"), t0 + 5 * Self.day + 90 * sec, .float(1))
        try f.engine.append(late)
        try f.engine.flush()
        // An unsealed hour at the end: rollups must not be used for it.
        var fresh = WriteBatch(database: "db")
        for m in 0..<60 {
            fresh.append(SeriesKey("cpu", ["host": "a"], field: "value"), t0 + 30 * Self.day + Int64(m) * Self.minute, .float(Double(m)))
            counter["a"]! += 1e9
            fresh.append(SeriesKey("virt", ["host": "a"], field: "value"), t0 + 30 * Self.day + Int64(m) * Self.minute, .float(counter["a"]!))
        }
        try f.engine.append(fresh)
    }

    static let ranges = [
        "time >= '2026-01-01T00:00:00Z' AND time < '2026-01-31T00:00:00Z'",
        "time >= '2026-01-01T00:07:13Z' AND time <= '2026-01-30T03:00:00Z'",
        "time >= '2026-01-29T00:00:00Z' AND time < '2026-01-31T01:00:00Z'",
    ]

    /// Every statement answered from rollups equals the raw answer (floats within 1e-9 relative).
    func assertRollupsEqualRaw(_ f: QueryFixture, steps: [String] = ["5m", "1h", "1d"], file: StaticString = #filePath, line: UInt = #line) throws {
        var usedLevels: Set<String> = []
        var statements: [String] = []
        for r in Self.ranges {
            for step in steps {
                for agg in ["count", "sum", "mean", "min", "max", "first", "last", "spread"] {
                    statements.append("SELECT \(agg)(value) FROM cpu WHERE \(r) GROUP BY time(\(step)), host")
                }
                statements.append("SELECT sum(used), max(used), mean(used) FROM mem WHERE \(r) GROUP BY time(\(step))")
                statements.append("SELECT increase(value), rate(value, 1h) FROM virt WHERE \(r) GROUP BY time(\(step)), host")
                statements.append("SELECT increase(value) FROM virt WHERE \(r) GROUP BY time(\(step))")
                statements.append("SELECT non_negative_derivative(max(value), 1s), last(value) FROM virt WHERE \(r) GROUP BY time(\(step)) fill(none)")
            }
            // Without GROUP BY time: one bucket over the range, its interior from the coarsest level.
            statements.append("SELECT increase(value), count(value), mean(value) FROM virt WHERE \(r) GROUP BY host")
            statements.append("SELECT last(value), sum(value), spread(value) FROM cpu WHERE \(r)")
            statements.append("SELECT first(value) FROM cpu WHERE \(r) GROUP BY host")
            statements.append("SELECT max(value) FROM cpu WHERE \(r) GROUP BY host")
        }
        for q in statements {
            let auto = try f.run(q, level: .auto)
            let raw = try f.run(q, level: .raw)
            XCTAssertEqual(raw.level, "raw")
            usedLevels.insert(auto.level ?? "?")
            XCTAssertTrue(Self.equal(auto.series, raw.series), "\(q): rollup (\(auto.level ?? "?")) differs from raw", file: file, line: line)
        }
        var expected: Set<String> = []
        if steps.contains("5m") { expected.insert("5m") }
        if steps.contains("1h") || steps.contains("1d") { expected.insert("1h") }
        XCTAssertTrue(usedLevels.isSuperset(of: expected), "levels used: \(usedLevels)", file: file, line: line)
    }

    static func equal(_ a: [ResultSeries], _ b: [ResultSeries]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.name == y.name, x.tags.map(\.value) == y.tags.map(\.value), x.columns == y.columns, x.values.count == y.values.count else { return false }
            for (r, s) in zip(x.values, y.values) {
                for (u, v) in zip(r, s) {
                    if case .float(let p) = u, case .float(let q) = v {
                        if !(p == q || abs(p - q) <= 1e-9 * max(abs(p), abs(q))) { return false }
                    } else if u != v {
                        return false
                    }
                }
            }
        }
        return true
    }

    func testRollupsEqualRawAcrossResetsGapsLateDataAndRestart() throws {
        let f = try fixture()
        try load(f)
        let stats = f.engine.stats().databases.first { $0.name == "db" }!
        XCTAssertEqual(stats.levels.map(\.name), ["5m", "1h"])
        XCTAssertLessThan(stats.rollupCompleteBefore, Int64.max, "the unsealed hour is not rolled up")
        try assertRollupsEqualRaw(f)
        try f.reopen()  // WAL replay of the unsealed hour; level segments reloaded
        try assertRollupsEqualRaw(f, steps: ["1h"])
        try f.engine.flushAndCompact()  // rolls the last hour up; compacts level segments too
        XCTAssertEqual(f.engine.stats().databases.first { $0.name == "db" }!.rollupCompleteBefore, Int64.max)
        try assertRollupsEqualRaw(f, steps: ["5m", "1d"])
    }

    func testDeletesPropagateToRollups() throws {
        let f = try fixture()
        try load(f)
        _ = try f.run("DELETE FROM virt WHERE host = 'a' AND time >= '2026-01-03T10:02:30Z' AND time < '2026-01-04T00:00:00Z'")
        _ = try f.run("DELETE FROM cpu WHERE time >= '2026-01-12T00:00:00Z' AND time < '2026-01-13T06:00:00Z'")
        try assertRollupsEqualRaw(f, steps: ["5m", "1h"])
        try f.reopen()
        try assertRollupsEqualRaw(f, steps: ["1h"])
    }

    func testRetentionDropsOnlyWhatIsOlder() throws {
        let clock = Clock()
        let f = try fixture(retention: ["raw": 10 * Self.day, "5m": 20 * Self.day], clock: clock)
        try load(f)
        try f.engine.flushAndCompact()
        let q = "SELECT mean(value), max(value), increase(value) FROM virt WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-31T00:00:00Z' GROUP BY time(1h), host"
        let before = try f.run(q, level: .raw)
        clock.now = t0 + 30 * Self.day
        XCTAssertGreaterThan(try f.engine.applyRetention(), 0)
        let s = f.engine.stats().databases.first { $0.name == "db" }!
        XCTAssertGreaterThanOrEqual(s.rawMinTime!, clock.now - 10 * Self.day - 2 * 3_600 * sec, "raw older than 10 days is gone")
        XCTAssertLessThan(s.rawMinTime!, clock.now - 10 * Self.day + 2 * 3_600 * sec, "and nothing newer")
        let five = s.levels.first { $0.name == "5m" }!, hour = s.levels.first { $0.name == "1h" }!
        XCTAssertGreaterThanOrEqual(five.minTime!, clock.now - 20 * Self.day - 48 * 3_600 * sec)
        XCTAssertEqual(hour.minTime, t0, "1 h rollups are kept forever")
        // The 1 h level still answers the whole month, equal to what raw data answered before.
        let after = try f.run(q)
        XCTAssertEqual(after.level, "1h")
        XCTAssertTrue(Self.equal(after.series, before.series))
        XCTAssertEqual(try f.engine.applyRetention(), 0, "idempotent")
        try f.reopen()
        XCTAssertTrue(Self.equal(try f.run(q).series, before.series))
    }

    func testFailureDuringRollupLeavesConsistentLevels() throws {
        // Writes under the levels fail while `failing` is on: the seal's rollup step throws after
        // the raw segments are written; the WAL still holds the data (as after kill -9 then).
        let failing = Switch()
        let f = try fixture(fileSystem: FileSystem(faults: .init(beforeWrite: { path, _ in
            failing.isOn && path.contains("/db/db/rollups/") ? EIO : nil
        })))
        try load(f)
        failing.isOn = true
        var b = WriteBatch(database: "db")
        for m in 0..<240 { b.append(SeriesKey("cpu", ["host": "a"], field: "value"), t0 + 31 * Self.day + Int64(m) * Self.minute, .float(Double(m))) }
        try f.engine.append(b)
        XCTAssertThrowsError(try f.engine.flush())
        failing.isOn = false
        // Still correct in this process: the failed buckets are served raw until retried.
        try assertRollupsEqualRaw(f, steps: ["1h"])
        try f.reopen()
        try f.engine.flush()
        try assertRollupsEqualRaw(f, steps: ["5m"])
    }

    /// A data directory written without rollups (an older tsdbd, or levels turned off) gets its
    /// levels backfilled; until then queries read raw data and stay correct.
    func testBackfillOfExistingRawSegments() throws {
        let dir = TempDir()
        var o = quietOptions()
        o.rollups = .none
        var e = try Engine(path: dir.path, options: o)
        var b = WriteBatch(database: "db")
        for m in 0..<(3 * 1440) { b.append(SeriesKey("cpu", ["host": "a"], field: "value"), t0 + Int64(m) * Self.minute, .float(Double(m % 97))) }
        try e.append(b)
        try e.flush()
        try e.close()
        o.rollups = try RollupPolicy(levels: [.fiveMinutes, .oneHour], adaptive: false)
        e = try Engine(path: dir.path, options: o)
        let q = "SELECT mean(value), max(value) FROM cpu WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-04T00:00:00Z' GROUP BY time(1h)"
        let exec = QueryExecutor(engine: e)
        let before = exec.execute(try InfluxQLParser.parse(q), database: "db", options: QueryOptions(now: t0 + 4 * Self.day))[0]
        XCTAssertEqual(before.level, "raw", "levels not backfilled yet: raw data answers")
        try e.flush()  // runs the backfill
        let after = exec.execute(try InfluxQLParser.parse(q), database: "db", options: QueryOptions(now: t0 + 4 * Self.day))[0]
        XCTAssertEqual(after.level, "1h")
        XCTAssertTrue(Self.equal(after.series, before.series))
        try e.close()
        e = try Engine(path: dir.path, options: o)
        XCTAssertEqual(QueryExecutor(engine: e).execute(try InfluxQLParser.parse(q), database: "db", options: QueryOptions(now: t0 + 4 * Self.day))[0].level, "1h",
                       "the backfill is remembered")
        try e.close()
    }

    func testLevelChoiceAndErrors() throws {
        let f = try fixture()
        try load(f)
        let q = "SELECT mean(value) FROM cpu WHERE time >= '2026-01-02T00:00:00Z' AND time < '2026-01-03T00:00:00Z' GROUP BY time(1h)"
        XCTAssertEqual(try f.run(q).level, "1h")
        XCTAssertEqual(try f.run(q, level: .named("5m")).level, "5m")
        XCTAssertEqual(try f.run(q, level: .raw).level, "raw")
        XCTAssertEqual(try f.run(q.replacingOccurrences(of: "time(1h)", with: "time(10m)")).level, "5m")
        XCTAssertEqual(try f.run(q.replacingOccurrences(of: "time(1h)", with: "time(7m)")).level, "raw")
        XCTAssertEqual(try f.run(q.replacingOccurrences(of: "mean", with: "median")).level, "raw")
        let whole = "SELECT increase(value) FROM virt WHERE time >= '2026-01-02T00:00:00Z' AND time < '2026-01-03T00:00:00Z'"
        XCTAssertEqual(try f.run(whole).level, "1h", "no GROUP BY time: the range's whole buckets")
        XCTAssertEqual(try f.run(whole.replacingOccurrences(of: "increase", with: "max")).level, "raw", "a lone max() reports its point's time")
        let bad = try QueryExecutor(engine: f.engine).execute(q.replacingOccurrences(of: "time(1h)", with: "time(7m)"), database: "db",
                                                              options: QueryOptions(now: f.now, level: .named("5m")))
        XCTAssertNotNil(bad[0].error)
    }
}
