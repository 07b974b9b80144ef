import Foundation
import InfluxQL
@testable import TSEngine
@testable import TSQuery
import XCTest
import TestSupport
import TSSupport

/// A data directory written by a tsdbd from before the compact rollup format (levels as
/// pseudo-series, `Fixtures/make-legacy-levels-v1.py`) is converted at open: its levels answer
/// what they answered before — including buckets whose raw data is gone — in the new format, and
/// an interrupted conversion is redone (docs/format/rollup.md, "Conversion").
final class LegacyLevelsTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/legacy-levels-v1.tar.gz").path

    /// The fixture unpacked into a fresh directory; returns the data directory.
    func unpack(_ dir: TempDir) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/tar")
        p.arguments = ["-xzf", Self.fixture, "-C", dir.path]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return dir.path + "/legacy-levels-v1"
    }

    static func options(_ fs: FileSystem = .posix) throws -> EngineOptions {
        var o = quietOptions()
        o.rollups = try RollupPolicy(levels: [.fiveMinutes, .oneHour], adaptive: false)
        o.fileSystem = fs
        return o
    }

    /// Every query of the fixture, forced to its level, answers what the old tsdbd answered.
    func assertAnswersAsBefore(_ e: Engine, data: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try parseJSON(Array(try Data(contentsOf: URL(fileURLWithPath: data + "/expected.json"))))
        let cases = try XCTUnwrap(expected.arrayValue)
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            let q = try XCTUnwrap(c["q"]?.stringValue), level = try XCTUnwrap(c["level"]?.stringValue)
            let r = QueryExecutor(engine: e).execute(try InfluxQLParser.parse(q), database: "db",
                                                     options: QueryOptions(now: t0 + 3 * 86_400 * sec, level: .named(level)))[0]
            XCTAssertNil(r.error, "\(q): \(r.error ?? "")", file: file, line: line)
            XCTAssertEqual(r.level, level, file: file, line: line)
            var text = ""
            ResultEncoding.statement(r, time: .epoch(unit: 1), into: &text)
            let got = try parseJSON(text)["series"] ?? .array([])
            XCTAssertTrue(Self.close(got, c["series"] ?? .array([])), "\(q) at \(level) differs from the old answer", file: file, line: line)
        }
    }

    /// JSON equality with numbers within 1e-9 relative.
    static func close(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number, .number):
            if a.numberText == b.numberText { return true }
            guard let x = a.doubleValue, let y = b.doubleValue else { return false }
            return abs(x - y) <= 1e-9 * max(abs(x), abs(y))
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { close($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && close($0.value, $1.value) }
        default: return a == b
        }
    }

    func testConversionKeepsEveryAnswerIncludingBucketsWithoutRawData() throws {
        let dir = TempDir()
        let data = try unpack(dir)
        let legacyRawMin = try Engine(path: data, options: Self.options()).stats().databases[0].rawMinTime!
        XCTAssertFalse(FileManager.default.fileExists(atPath: data + "/db/db/levels"), "the legacy levels are gone")
        XCTAssertFalse(FileManager.default.fileExists(atPath: data + "/db/db/.levels-converted"))
        for l in ["5m", "1h"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: data + "/db/db/rollups/\(l).backfilled"), "marker of \(l) carried over")
        }
        let e = try Engine(path: data, options: Self.options())
        let s = e.stats().databases[0]
        XCTAssertEqual(s.levels.map(\.name), ["5m", "1h"])
        XCTAssertEqual(s.levels.map(\.series), [6, 6], "one entry per raw series, not per statistic")
        XCTAssertLessThan(s.levels[0].minTime!, legacyRawMin, "the 5m level reaches back before the oldest raw segment")
        for seg in e.lock.withLock({ e.databases["db"]!.levels["5m"]!.segments }) {
            XCTAssertEqual(seg.kind, .rollups)
            XCTAssertEqual(seg.verify(), [])
        }
        try assertAnswersAsBefore(e, data: data)
        // New data rolls up alongside the converted buckets; compaction keeps them.
        var b = WriteBatch(database: "db")
        for m in 0..<120 { b.append(SeriesKey("cpu", ["host": "a"], field: "value"), t0 + 2 * 86_400 * sec + Int64(m) * 60 * sec, .float(Double(m))) }
        try e.append(b)
        try e.flushAndCompact()
        try assertAnswersAsBefore(e, data: data)
        try e.close()
        let again = try Engine(path: data, options: Self.options())
        try assertAnswersAsBefore(again, data: data)
        try again.close()
    }

    /// A conversion that fails part-way (an I/O error on the second rollup segment written, as a
    /// crash would leave it) leaves the legacy levels authoritative; the next open redoes it.
    func testInterruptedConversionIsRedone() throws {
        let dir = TempDir()
        let data = try unpack(dir)
        let writes = Counter()
        let failing = FileSystem(faults: .init(beforeWrite: { path, _ in
            path.contains("/rollups/") && path.hasSuffix(".seg.tmp") && writes.next() >= 1 ? EIO : nil
        }))
        XCTAssertThrowsError(try Engine(path: data, options: Self.options(failing)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: data + "/db/db/levels/5m/segments"), "legacy levels untouched")
        XCTAssertTrue(FileManager.default.fileExists(atPath: data + "/db/db/rollups"), "a partial conversion was left")
        // Leftovers of both kinds: a partial output and a finished conversion's trash.
        try FileManager.default.createDirectory(atPath: data + "/db/db/.levels-converted/5m", withIntermediateDirectories: true)
        let e = try Engine(path: data, options: Self.options())
        XCTAssertFalse(FileManager.default.fileExists(atPath: data + "/db/db/.levels-converted"))
        try assertAnswersAsBefore(e, data: data)
        try e.close()
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n - 1 }
    }
}
