import InfluxQL
import TSEngine
@testable import TSQuery
import XCTest
import TestSupport

final class SelectTests: XCTestCase {
    /// cpu,host=a value=1..6 every 10 s from t0; cpu,host=b value=10,20,30.
    func fixture() throws -> QueryFixture {
        let f = try QueryFixture()
        try f.write("cpu", ["host": "a"], (0..<6).map { (t0 + Int64($0) * 10 * sec, .float(Double($0 + 1))) })
        try f.write("cpu", ["host": "b"], (0..<3).map { (t0 + Int64($0) * 10 * sec, .float(Double($0 + 1) * 10)) })
        return f
    }

    let range = "time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:01:00Z'"

    func testAggregatesWithoutGroupByTime() throws {
        let f = try fixture()
        let r = try f.run("SELECT count(value), sum(value), mean(value), min(value), max(value), spread(value) FROM cpu WHERE \(range)")
        XCTAssertEqual(r.series.count, 1)
        XCTAssertEqual(r.series[0].columns, ["time", "count", "sum", "mean", "min", "max", "spread"])
        XCTAssertEqual(r.series[0].values, [[.i(t0), .i(9), .f(81), .f(9), .f(1), .f(30), .f(29)]])
    }

    func testMedianPercentileStddev() throws {
        let f = try fixture()
        let rows = try f.rows("SELECT median(value), percentile(value, 50), stddev(value), percentile(value, 100) FROM cpu WHERE host = 'a' AND \(range)")
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0][1], .f(3.5))
        XCTAssertEqual(rows[0][2], .f(3))
        XCTAssertEqual(rows[0][3].double!, 3.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(rows[0][4], .f(6))
    }

    func testGroupByTimeAndOffset() throws {
        let f = try fixture()
        let rows = try f.rows("SELECT mean(value) FROM cpu WHERE \(range) GROUP BY time(20s)")
        XCTAssertEqual(rows.map { $0[0] }, [.i(0), .i(20), .i(40)])
        XCTAssertEqual(rows[0][1], .f(8.25))
        XCTAssertEqual(rows[1][1].double!, 37.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(rows[2][1], .f(5.5))
        let off = try f.rows("SELECT count(value) FROM cpu WHERE host = 'a' AND \(range) GROUP BY time(20s, 5s)")
        XCTAssertEqual(off, [[.i(-15), .i(1)], [.i(5), .i(2)], [.i(25), .i(2)], [.i(45), .i(1)]])
    }

    func testGroupByTagsAndStar() throws {
        let f = try fixture()
        for q in ["SELECT sum(value) FROM cpu WHERE \(range) GROUP BY host", "SELECT sum(value) FROM cpu WHERE \(range) GROUP BY *"] {
            let r = try f.run(q)
            XCTAssertEqual(r.series.map { $0.tags.map(\.value) }, [["a"], ["b"]])
            XCTAssertEqual(r.series.map { $0.values[0][1] }, [.f(21), .f(60)])
        }
        let s = try f.run("SELECT sum(value) FROM cpu WHERE \(range) GROUP BY host SLIMIT 1 SOFFSET 1")
        XCTAssertEqual(s.series.map { $0.tags.map(\.value) }, [["b"]])
    }

    func testFillModes() throws {
        let f = try fixture()
        let q = "SELECT mean(value) FROM cpu WHERE host = 'b' AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:01:00Z' GROUP BY time(10s)"
        XCTAssertEqual(try f.rows(q + " fill(null)").map { $0[1] }, [.f(10), .f(20), .f(30), .null, .null, .null])
        XCTAssertEqual(try f.rows(q).count, 6, "fill(null) is the default")
        XCTAssertEqual(try f.rows(q + " fill(none)").map { $0[1] }, [.f(10), .f(20), .f(30)])
        XCTAssertEqual(try f.rows(q + " fill(-1)").map { $0[1] }, [.f(10), .f(20), .f(30), .f(-1), .f(-1), .f(-1)])
        XCTAssertEqual(try f.rows(q + " fill(previous)").map { $0[1] }, [.f(10), .f(20), .f(30), .f(30), .f(30), .f(30)])
        let c = "SELECT count(value) FROM cpu WHERE host = 'b' AND \(range) GROUP BY time(10s)"
        XCTAssertEqual(try f.rows(c).map { $0[1] }, [.i(1), .i(1), .i(1), .i(0), .i(0), .i(0)], "count fills 0 under fill(null)")

        try f.write("gap", [:], [(t0, .float(0)), (t0 + 30 * sec, .float(30))])
        let lin = try f.rows("SELECT mean(value) FROM gap WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:00:40Z' GROUP BY time(10s) fill(linear)")
        XCTAssertEqual(lin.map { $0[1] }, [.f(0), .f(10), .f(20), .f(30)])
    }

    func testSelectorsReportPointTime() throws {
        let f = try fixture()
        XCTAssertEqual(try f.rows("SELECT last(value) FROM cpu WHERE host = 'b'"), [[.i(20), .f(30)]])
        XCTAssertEqual(try f.rows("SELECT max(value) FROM cpu"), [[.i(20), .f(30)]])
        XCTAssertEqual(try f.rows("SELECT first(value) FROM cpu WHERE host = 'a'"), [[.i(0), .f(1)]])
        XCTAssertEqual(try f.rows("SELECT min(value) FROM cpu WHERE host = 'a' AND time >= '2026-01-01T00:00:15Z'"), [[.i(20), .f(3)]])
        // With two fields or GROUP BY time, the bucket start.
        XCTAssertEqual(try f.rows("SELECT first(value), last(value) FROM cpu WHERE host = 'a' AND \(range)"), [[.i(0), .f(1), .f(6)]])
        XCTAssertEqual(try f.rows("SELECT top(value, 2) FROM cpu WHERE host = 'a'"), [[.i(40), .f(5)], [.i(50), .f(6)]])
        XCTAssertEqual(try f.rows("SELECT bottom(value, 2) FROM cpu"), [[.i(0), .f(1)], [.i(10), .f(2)]])
        // Tags beside one selector come from the selected point's series.
        XCTAssertEqual(try f.run("SELECT max(value), host FROM cpu").series[0].values, [[.i(t0 + 20 * sec), .f(30), .string("b")]])
        let top = try f.run("SELECT top(value, host, 2) FROM cpu")
        XCTAssertEqual(top.series[0].columns, ["time", "top", "host"])
        XCTAssertEqual(top.series[0].values, [[.i(t0 + 20 * sec), .f(30), .string("b")], [.i(t0 + 50 * sec), .f(6), .string("a")]])
        // Equal times across series: the series first in key order wins (as InfluxDB).
        XCTAssertEqual(try f.rows("SELECT first(value) FROM cpu"), [[.i(0), .f(1)]])
        XCTAssertEqual(try f.run("SELECT percentile(value, 0) FROM cpu").series, [], "no point selected: no series")
    }

    func testRawSelects() throws {
        let f = try fixture()
        XCTAssertEqual(try f.rows("SELECT value FROM cpu WHERE host = 'b'"), [[.i(0), .f(10)], [.i(10), .f(20)], [.i(20), .f(30)]])
        let star = try f.run("SELECT * FROM cpu WHERE time < '2026-01-01T00:00:10Z'")
        XCTAssertEqual(star.series[0].columns, ["time", "host", "value"])
        XCTAssertEqual(star.series[0].values, [[.i(t0), .string("a"), .f(1)], [.i(t0), .string("b"), .f(10)]])
        XCTAssertEqual(try f.rows("SELECT value FROM cpu WHERE host = 'a' ORDER BY time DESC LIMIT 2"), [[.i(50), .f(6)], [.i(40), .f(5)]])
        XCTAssertEqual(try f.rows("SELECT value FROM cpu WHERE host = 'a' LIMIT 2 OFFSET 1"), [[.i(10), .f(2)], [.i(20), .f(3)]])
        // Two fields of one tag set are joined on time; a missing one is null.
        try f.write("mem", ["host": "a"], field: "used", [(t0, .integer(5)), (t0 + 10 * sec, .integer(6))])
        try f.write("mem", ["host": "a"], field: "free", [(t0 + 10 * sec, .integer(7))])
        XCTAssertEqual(try f.rows("SELECT used, free FROM mem"), [[.i(0), .i(5), .null], [.i(10), .i(6), .i(7)]])
        XCTAssertEqual(try f.rows("SELECT used + free FROM mem"), [[.i(0), .null], [.i(10), .i(13)]])
    }

    func testTagPredicates() throws {
        let f = try fixture()
        func count(_ cond: String) throws -> QValue? { try f.rows("SELECT count(value) FROM cpu WHERE \(cond)").first?[1] }
        XCTAssertEqual(try count("host = 'a'"), .i(6))
        XCTAssertEqual(try count("host != 'a'"), .i(3))
        XCTAssertEqual(try count("host =~ /^a$/ OR host = 'b'"), .i(9))
        XCTAssertEqual(try count("host !~ /a/"), .i(3))
        XCTAssertEqual(try count("(host = 'a' OR host = 'b') AND time >= '2026-01-01T00:00:20Z'"), .i(5))
        XCTAssertEqual(try count("host = 'zzz'"), nil)
        XCTAssertEqual(try count("region = ''"), .i(9), "a missing tag compares as the empty string")
    }

    /// ctr: 100, 150, 30 (a reset), 80, 90 at 0, 10, 20, 30, 40 s.
    func counterFixture() throws -> QueryFixture {
        let f = try QueryFixture()
        try f.write("ctr", ["vm": "x"], zip([0, 10, 20, 30, 40], [100.0, 150, 30, 80, 90]).map { (t0 + Int64($0) * sec, .float($1)) })
        return f
    }

    func testIncreaseRateDeltaAreResetAware() throws {
        let f = try counterFixture()
        XCTAssertEqual(try f.rows("SELECT increase(value) FROM ctr").first?[1], .f(140))
        let b = try f.rows("SELECT increase(value), rate(value) FROM ctr WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:01:00Z' GROUP BY time(20s)")
        XCTAssertEqual(b.map { $0[1] }, [.f(50), .f(80), .f(10)])
        XCTAssertEqual(b.map { $0[2] }, [.f(2.5), .f(4), .f(0.5)])
        // The delta into the first sample of the range comes from the sample before it.
        XCTAssertEqual(try f.rows("SELECT increase(value) FROM ctr WHERE time >= '2026-01-01T00:00:20Z'").first?[1], .f(90))
        XCTAssertEqual(try f.rows("SELECT delta(value) FROM ctr WHERE time >= '2026-01-01T00:00:20Z'").first?[1], .f(-60))
        XCTAssertEqual(try f.rows("SELECT rate(value, 1m) FROM ctr WHERE time >= '2026-01-01T00:00:20Z' AND time < '2026-01-01T00:01:20Z'").first?[1], .f(90))
        // Buckets add up to the whole, also when the lookback crosses a sealed segment.
        try f.engine.flush()
        try f.write("ctr", ["vm": "y"], [(t0, .float(5)), (t0 + 30 * sec, .float(7))])
        let g = try f.run("SELECT increase(value) FROM ctr WHERE time >= '2026-01-01T00:00:10Z' GROUP BY vm")
        XCTAssertEqual(g.series.map { $0.values[0][1] }, [.f(140), .f(2)])
    }

    func testTransformations() throws {
        let f = try fixture()
        let q = "FROM cpu WHERE host = 'a' AND \(range) GROUP BY time(20s)"
        XCTAssertEqual(try f.rows("SELECT derivative(mean(value), 1s) \(q)"), [[.i(20), .f(0.1)], [.i(40), .f(0.1)]])
        XCTAssertEqual(try f.rows("SELECT derivative(mean(value)) \(q)"), [[.i(20), .f(2)], [.i(40), .f(2)]], "unit defaults to the interval")
        XCTAssertEqual(try f.rows("SELECT non_negative_derivative(max(value), 10s) \(q)").map { $0[1] }, [.f(1), .f(1)])
        XCTAssertEqual(try f.rows("SELECT difference(value) FROM cpu WHERE host = 'a'").map { $0[1] }, Array(repeating: .f(1), count: 5))
        XCTAssertEqual(try f.rows("SELECT derivative(value, 10s) FROM cpu WHERE host = 'b'").map { $0[1] }, [.f(10), .f(10)])
        try f.write("dec", [:], [(t0, .float(5)), (t0 + 10 * sec, .float(3)), (t0 + 20 * sec, .float(4))])
        XCTAssertEqual(try f.rows("SELECT non_negative_difference(value) FROM dec"), [[.i(20), .f(1)]])
        XCTAssertEqual(try f.rows("SELECT mean(value) * 2 FROM cpu WHERE host = 'a'").first?[1], .f(7))
        // Over GROUP BY time, the bucket before the range feeds the first row; null buckets are skipped.
        try f.write("gappy", [:], [(t0, .float(1)), (t0 + 10 * sec, .float(2)), (t0 + 40 * sec, .float(5))])
        XCTAssertEqual(try f.rows("SELECT difference(mean(value)) FROM gappy WHERE time >= '2026-01-01T00:00:10Z' AND time < '2026-01-01T00:01:00Z' GROUP BY time(10s)"),
                       [[.i(10), .f(1)], [.i(40), .f(3)]])
        // ORDER BY time DESC walks the stream newest first and stamps the earlier point.
        XCTAssertEqual(try f.rows("SELECT difference(value) FROM gappy ORDER BY time DESC"), [[.i(10), .f(-3)], [.i(0), .f(-1)]])
    }

    func testColumnNamesAndWildcards() throws {
        let f = try fixture()
        XCTAssertEqual(try f.run("SELECT mean(value), mean(value) FROM cpu").series[0].columns, ["time", "mean", "mean_1"])
        XCTAssertEqual(try f.run("SELECT mean(value) AS avg FROM cpu").series[0].columns, ["time", "avg"])
        XCTAssertEqual(try f.run("SELECT count(*) FROM cpu").series[0].columns, ["time", "count_value"])
        XCTAssertEqual(try f.run("SELECT max(/val/) FROM cpu").series[0].columns, ["time", "max_value"])
        XCTAssertEqual(try f.run("SELECT mean(value) + sum(value) FROM cpu").series[0].columns, ["time", "mean_sum"])
    }

    func testIntegersStayIntegers() throws {
        let f = try QueryFixture()
        try f.write("n", [:], [(t0, .integer(1 << 60)), (t0 + sec, .integer(3))])
        let r = try f.rows("SELECT sum(value), max(value), spread(value) FROM n")
        XCTAssertEqual(r[0].dropFirst(), [.i((1 << 60) + 3), .i(1 << 60), .i((1 << 60) - 3)])
    }

    func testGroupByTimeBoundsDefault() throws {
        let f = try fixture()
        // No lower bound: from the earliest point; no upper bound: until now (1 day later).
        let rows = try f.rows("SELECT count(value) FROM cpu GROUP BY time(1h) fill(none)")
        XCTAssertEqual(rows, [[.i(0), .i(9)]])
        XCTAssertEqual(try f.rows("SELECT count(value) FROM cpu GROUP BY time(1h)").count, 25)
        XCTAssertNotNil(try f.error("SELECT count(value) FROM cpu WHERE time > now() - 3650d GROUP BY time(1s)"), "bucket limit")
    }

    func testStatementErrors() throws {
        let f = try fixture()
        XCTAssertEqual(try f.error("SELECT value FROM cpu", db: "nope"), "database not found: nope")
        XCTAssertEqual(try f.error("SELECT value FROM cpu", db: nil), "database name required")
        XCTAssertNotNil(try f.error("SELECT value FROM cpu WHERE value > 3"))
        XCTAssertEqual(try f.error("SELECT value, mean(value) FROM cpu")?.hasPrefix("mixing aggregate"), true)
        XCTAssertEqual(try f.error("SELECT value FROM cpu GROUP BY time(1m)"), "GROUP BY requires at least one aggregate function")
        XCTAssertEqual(try f.error("SELECT foo(value) FROM cpu"), "undefined function foo()")
        XCTAssertEqual(try f.error("SELECT value FROM \"other\".cpu"), "retention policy not found: other")
        XCTAssertNotNil(try f.error("SELECT value FROM cpu WHERE host = 'a' OR time > now()"))
        // Statements fail independently.
        let r = try QueryExecutor(engine: f.engine).execute("SELECT foo(value) FROM cpu; SELECT count(value) FROM cpu", database: "db", options: QueryOptions(now: f.now))
        XCTAssertNotNil(r[0].error)
        XCTAssertEqual(r[1].error, "not executed", "as InfluxDB, statements after a failed one do not run")
        XCTAssertEqual(r[1].statementID, 1)
        XCTAssertThrowsError(try QueryExecutor(engine: f.engine).execute("SELEC x", database: "db", options: QueryOptions(now: f.now)))
    }

    func testSegmentsAndHeadGiveTheSameAnswers() throws {
        let f = try fixture()
        let q = "SELECT mean(value), count(value), last(value) FROM cpu WHERE \(range) GROUP BY time(20s), host"
        let before = try f.run(q)
        try f.engine.flushAndCompact()
        try f.reopen()
        XCTAssertEqual(try f.run(q), before)
    }
}

final class ParallelGroupTests: XCTestCase {
    /// One group of 40 series is split across cores; the merged answer equals one computed by hand
    /// (ties between series resolved in key order, as a sequential scan does).
    func testSingleGroupSplitAcrossCoresEqualsSequentialDefinition() throws {
        let f = try QueryFixture()
        var all: [(id: Int, t: Int64, v: Double)] = []
        var rng = SplitMix64(seed: 9)
        for id in 0..<40 {
            var pts: [(Int64, Value)] = []
            for k in 0..<50 {
                let v = Double(rng.next() % 1000) / 10
                pts.append((t0 + Int64(k) * 10 * sec, .float(v)))
                all.append((id, t0 + Int64(k) * 10 * sec, v))
            }
            try f.write("s", ["id": String(format: "%02d", id)], pts)
        }
        let row = try f.rows("SELECT count(value), sum(value), min(value), max(value), median(value), spread(value), first(value), last(value) FROM s")[0]
        let vs = all.map(\.v).sorted()
        XCTAssertEqual(row[1], .i(2000))
        XCTAssertEqual(row[2].double!, all.reduce(0) { $0 + $1.v }, accuracy: 1e-6)
        XCTAssertEqual(row[3], .f(vs.first!))
        XCTAssertEqual(row[4], .f(vs.last!))
        XCTAssertEqual(row[5], .f((vs[999] + vs[1000]) / 2))
        XCTAssertEqual(row[6], .f(vs.last! - vs.first!))
        XCTAssertEqual(row[7], .f(all.first { $0.id == 0 && $0.t == t0 }!.v), "first: earliest time, then first series in key order")
        XCTAssertEqual(row[8], .f(all.first { $0.id == 0 && $0.t == t0 + 490 * sec }!.v), "last: latest time, then first series in key order")
        // Selectors keep the series their point came from.
        let mx = try f.run("SELECT max(value), id FROM s").series[0].values[0]
        let best = all.filter { $0.v == vs.last! }.sorted { ($0.t, $0.id) < ($1.t, $1.id) }[0]
        XCTAssertEqual(mx[2], .string(String(format: "%02d", best.id)))
    }
}
