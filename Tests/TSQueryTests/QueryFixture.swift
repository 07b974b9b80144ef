import Foundation
import TestSupport
import InfluxQL
import TSEngine
@testable import TSQuery
import XCTest

func quietOptions() -> EngineOptions { testOptions(.none) }

let sec: Int64 = 1_000_000_000
/// 2026-01-01T00:00:00Z.
let t0: Int64 = 1_767_225_600 * sec

/// An engine in a temporary directory plus helpers to write points and run InfluxQL.
final class QueryFixture {
    let dir = TempDir()
    var engine: Engine
    let now: Int64

    let options: EngineOptions

    init(now: Int64 = t0 + 86_400 * sec, options: EngineOptions = quietOptions()) throws {
        self.options = options
        engine = try Engine(path: dir.path, options: options)
        self.now = now
    }

    func write(_ m: String, _ tags: [String: String] = [:], field: String = "value", db: String = "db", _ points: [(Int64, Value)]) throws {
        var b = WriteBatch(database: db)
        let key = SeriesKey(m, tags, field: field)
        for (t, v) in points { b.append(key, t, v) }
        let r = try engine.append(b)
        XCTAssertTrue(r.rejected.isEmpty, "\(r.rejected)")
    }

    func reopen() throws {
        try engine.close()
        engine = try Engine(path: dir.path, options: options)
    }

    /// Runs `q` and returns its single statement result, failing on errors.
    func run(_ q: String, db: String? = "db", level: LevelChoice = .auto, file: StaticString = #filePath, line: UInt = #line) throws -> StatementResult {
        let r = try QueryExecutor(engine: engine).execute(q, database: db, options: QueryOptions(now: now, level: level))
        XCTAssertEqual(r.count, 1, file: file, line: line)
        if let e = r[0].error { XCTFail("statement error: \(e)", file: file, line: line) }
        return r[0]
    }

    /// The statement error of `q`.
    func error(_ q: String, db: String? = "db") throws -> String? {
        try QueryExecutor(engine: engine).execute(q, database: db, options: QueryOptions(now: now))[0].error
    }

    /// Rows of the only series (empty when none), with times relative to t0 in seconds.
    func rows(_ q: String, db: String? = "db", file: StaticString = #filePath, line: UInt = #line) throws -> [[QValue]] {
        let r = try run(q, db: db, file: file, line: line)
        XCTAssertLessThanOrEqual(r.series.count, 1, "expected one series", file: file, line: line)
        return r.series.first.map { s in s.values.map { row in [.integer((row[0].timeValue - t0) / sec)] + row.dropFirst() } } ?? []
    }
}

extension QValue {
    static func f(_ d: Double) -> QValue { .float(d) }
    static func i(_ v: Int64) -> QValue { .integer(v) }
}
