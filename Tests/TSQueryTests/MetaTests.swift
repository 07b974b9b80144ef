import InfluxQL
import TSEngine
@testable import TSQuery
import XCTest

final class MetaTests: XCTestCase {
    func fixture() throws -> QueryFixture {
        let f = try QueryFixture()
        try f.write("cpu_value", ["host": "hv1", "type_instance": "user"], [(t0, .float(1))])
        try f.write("cpu_value", ["host": "hv2", "type_instance": "system"], [(t0, .float(2))])
        try f.write("memory_value", ["host": "hv1"], [(t0, .float(3))])
        try f.write("memory_value", ["host": "hv1"], field: "total", [(t0, .integer(3))])
        try f.write("load", [:], db: "other", [(t0, .float(1))])
        return f
    }

    func testShowStatementsHaveInfluxShapes() throws {
        let f = try fixture()
        XCTAssertEqual(try f.run("SHOW DATABASES", db: nil).series, [ResultSeries(name: "databases", columns: ["name"], values: [[.string("db")], [.string("other")]])])
        XCTAssertEqual(try f.run("SHOW MEASUREMENTS LIMIT 100").series,
                       [ResultSeries(name: "measurements", columns: ["name"], values: [[.string("cpu_value")], [.string("memory_value")]])])
        XCTAssertEqual(try f.run("SHOW MEASUREMENTS WITH MEASUREMENT =~ /cpu/").series[0].values, [[.string("cpu_value")]])
        XCTAssertEqual(try f.run("SHOW MEASUREMENTS WHERE type_instance = 'user'").series[0].values, [[.string("cpu_value")]])
        XCTAssertEqual(try f.run("SHOW TAG KEYS FROM \"cpu_value\"").series,
                       [ResultSeries(name: "cpu_value", columns: ["tagKey"], values: [[.string("host")], [.string("type_instance")]])])
        XCTAssertEqual(try f.run("SHOW TAG KEYS").series.map(\.name), ["cpu_value", "memory_value"])
        XCTAssertEqual(try f.run("SHOW TAG VALUES FROM \"cpu_value\" WITH KEY = \"host\" WHERE \"type_instance\" = 'user'").series,
                       [ResultSeries(name: "cpu_value", columns: ["key", "value"], values: [[.string("host"), .string("hv1")]])])
        XCTAssertEqual(try f.run("SHOW TAG VALUES WITH KEY IN (\"host\", \"type_instance\")").series[0].values.count, 4)
        XCTAssertEqual(try f.run("SHOW TAG VALUES FROM cpu_value WITH KEY IN (\"host\", \"type_instance\") LIMIT 2 OFFSET 1").series[0].values,
                       [[.string("host"), .string("hv2")], [.string("type_instance"), .string("system")]], "keys in order, values by bytes, paged across keys")
        XCTAssertEqual(try f.run("SHOW TAG VALUES FROM cpu_value WITH KEY = \"host\" OFFSET 5").series, [], "a page past the end has no series")
        XCTAssertEqual(try f.run("SHOW FIELD KEYS FROM memory_value").series,
                       [ResultSeries(name: "memory_value", columns: ["fieldKey", "fieldType"], values: [[.string("total"), .string("integer")], [.string("value"), .string("float")]])])
        XCTAssertEqual(try f.run("SHOW SERIES FROM cpu_value").series,
                       [ResultSeries(name: nil, columns: ["key"], values: [[.string("cpu_value,host=hv1,type_instance=user")], [.string("cpu_value,host=hv2,type_instance=system")]])])
        XCTAssertEqual(try f.run("SHOW RETENTION POLICIES ON \"db\"").series[0].columns, ["name", "duration", "shardGroupDuration", "replicaN", "default"])
        XCTAssertEqual(try f.error("SHOW RETENTION POLICIES ON nope"), "database not found: nope")
        XCTAssertEqual(try f.error("SHOW MEASUREMENTS", db: nil), "database name required")
    }

    func testCreateAndDropDatabase() throws {
        let f = try fixture()
        _ = try f.run("CREATE DATABASE \"fresh\"")
        XCTAssertTrue(f.engine.databaseNames().contains("fresh"))
        _ = try f.run("DROP DATABASE \"other\"")
        XCTAssertFalse(f.engine.databaseNames().contains("other"))
        try f.reopen()
        XCTAssertEqual(f.engine.databaseNames(), ["db", "fresh"], "the drop survives a restart and the WAL does not bring it back")
        XCTAssertEqual(try f.error("DROP DATABASE nope"), "database not found: nope")
        let ro = try QueryExecutor(engine: f.engine).execute("CREATE DATABASE x", database: nil, options: QueryOptions(now: f.now, allowWrites: false))
        XCTAssertNotNil(ro[0].error)
    }

    func testDeleteRemovesOnlyWhatItNames() throws {
        let f = try QueryFixture()
        try f.write("cpu", ["host": "a"], (0..<6).map { (t0 + Int64($0) * 10 * sec, .float(Double($0))) })
        try f.write("cpu", ["host": "b"], (0..<6).map { (t0 + Int64($0) * 10 * sec, .float(Double($0))) })
        _ = try f.run("DELETE FROM cpu WHERE host = 'a' AND time < '2026-01-01T00:00:30Z'")
        let q = "SELECT count(value) FROM cpu GROUP BY host"
        func counts() throws -> [QValue] { try f.run(q).series.map { $0.values[0][1] } }
        XCTAssertEqual(try counts(), [.i(3), .i(6)])
        // A write after the delete, inside the deleted range, survives.
        try f.write("cpu", ["host": "a"], [(t0 + 5 * sec, .float(99))])
        XCTAssertEqual(try counts(), [.i(4), .i(6)])
        try f.reopen()
        XCTAssertEqual(try counts(), [.i(4), .i(6)], "tombstones survive a restart")
        try f.engine.flushAndCompact()
        try f.reopen()
        XCTAssertEqual(try counts(), [.i(4), .i(6)], "compaction applies them for good")
        XCTAssertEqual(try f.rows("SELECT value FROM cpu WHERE host = 'a' LIMIT 1"), [[.i(5), .f(99)]])
    }

    func testDropSeriesHidesUntilWrittenAgain() throws {
        let f = try fixture()
        _ = try f.run("DROP SERIES FROM cpu_value WHERE host = 'hv2'")
        func series() throws -> [QValue] { try f.run("SHOW SERIES FROM cpu_value").series.first?.values.map { $0[0] } ?? [] }
        XCTAssertEqual(try series(), [.string("cpu_value,host=hv1,type_instance=user")])
        XCTAssertEqual(try f.run("SELECT count(value) FROM cpu_value").series[0].values[0][1], .i(1))
        // SHOW TAG KEYS/VALUES without WHERE come from the index: dropped series' values are hidden
        // there too, and the answers equal those of the series scan (a WHERE that is always true).
        for q in ["SHOW TAG VALUES FROM cpu_value WITH KEY = \"host\"", "SHOW TAG VALUES WITH KEY =~ /./", "SHOW TAG KEYS"] {
            XCTAssertEqual(try f.run(q).series, try f.run(q + " WHERE host =~ /./").series, q)
        }
        XCTAssertEqual(try f.run("SHOW TAG VALUES FROM cpu_value WITH KEY = \"host\"").series.first?.values, [[.string("host"), .string("hv1")]])
        try f.reopen()
        XCTAssertEqual(try series().count, 1, "still hidden after a restart")
        try f.engine.flushAndCompact()
        try f.reopen()
        XCTAssertEqual(try series().count, 1, "still hidden after compaction")
        try f.write("cpu_value", ["host": "hv2", "type_instance": "system"], [(t0 + sec, .float(7))])
        XCTAssertEqual(try series().count, 2)
        XCTAssertEqual(try f.rows("SELECT value FROM cpu_value WHERE host = 'hv2'"), [[.i(1), .f(7)]], "old data stays deleted")
        try f.reopen()
        XCTAssertEqual(try series().count, 2, "re-admitted after restart (its point is in the WAL)")
        XCTAssertNotNil(try f.error("DROP SERIES FROM cpu_value WHERE time > now() - 1h"))
    }
}
