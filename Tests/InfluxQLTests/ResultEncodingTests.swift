@testable import InfluxQL
import TSSupport
import XCTest

final class ResultEncodingTests: XCTestCase {
    func testFloatsLikeGo() {
        XCTAssertEqual(ResultEncoding.formatFloat(2), "2")
        XCTAssertEqual(ResultEncoding.formatFloat(-0.0), "-0")
        XCTAssertEqual(ResultEncoding.formatFloat(0.5), "0.5")
        XCTAssertEqual(ResultEncoding.formatFloat(1e15), "1000000000000000")
        XCTAssertEqual(ResultEncoding.formatFloat(1.5e-7), "1.5e-07")
        XCTAssertNil(ResultEncoding.formatFloat(.nan))
        XCTAssertNil(ResultEncoding.formatFloat(.infinity))
        XCTAssertEqual(ResultEncoding.json(.float(.nan)), "null")
        for v in [0.1, 1.0 / 3, 123456.789, 6.02e23, 5e-324] {
            XCTAssertEqual(Double(ResultEncoding.formatFloat(v)!), v, "round-trips \(v)")
        }
    }

    func testStatementShapes() {
        let s = ResultSeries(name: "cpu", tags: [("host", "a\"b")], columns: ["time", "v"], values: [[.integer(1_500_000_000), .string("x\ny")]])
        let r = [StatementResult(statementID: 0, series: [s], hasTime: true), StatementResult(statementID: 1, error: "boom")]
        XCTAssertEqual(ResultEncoding.json(r, time: .rfc3339),
                       #"{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a\"b"},"columns":["time","v"],"values":[["1970-01-01T00:00:01.5Z","x\ny"]]}]},{"statement_id":1,"error":"boom"}]}"#)
        XCTAssertEqual(ResultEncoding.json(r, time: .epoch(unit: 1_000_000)).contains("[[1500,"), true)
        XCTAssertEqual(ResultEncoding.json(r, time: .epoch(unit: 1_000_000_000)).contains("[[1,"), true, "epoch floors")
        XCTAssertEqual(ResultEncoding.csv(r, time: .rfc3339), "name,tags,time,v\ncpu,\"host=a\"\"b\",1500000000,\"x\ny\"\nerror\nboom\n")
    }

    func testEpochParameter() {
        XCTAssertEqual(TimeEncoding(epoch: nil), .rfc3339)
        XCTAssertEqual(TimeEncoding(epoch: "ms"), .epoch(unit: 1_000_000))
        XCTAssertEqual(TimeEncoding(epoch: "h"), .epoch(unit: 3_600_000_000_000))
        XCTAssertNil(TimeEncoding(epoch: "d"))
    }

    /// Rows stored per row, row-major, or as string columns read the same and encode to the
    /// same bytes (JSON, CSV, chunk slices).
    func testRowStoragesAreEquivalent() {
        let keys = ["host", "host", "type"], vals = ["a\"b", "é", ""]
        let nested = ResultSeries(name: "m", columns: ["key", "value"], values: zip(keys, vals).map { [.string($0), .string($1)] })
        let flat = ResultSeries(name: "m", columns: ["key", "value"], cells: zip(keys, vals).flatMap { [QValue.string($0), .string($1)] })
        let strings = ResultSeries(name: "m", columns: ["key", "value"], strings: [StringColumn(keys), StringColumn(vals)])
        for s in [flat, strings] {
            XCTAssertEqual(s, nested)
            XCTAssertEqual(s.rowCount, 3)
            XCTAssertEqual(s.values, nested.values)
            let r = [StatementResult(statementID: 0, series: [s], hasTime: false)]
            let n = [StatementResult(statementID: 0, series: [nested], hasTime: false)]
            XCTAssertEqual(ResultEncoding.json(r, time: .rfc3339), ResultEncoding.json(n, time: .rfc3339))
            XCTAssertEqual(ResultEncoding.csv(r, time: .rfc3339), ResultEncoding.csv(n, time: .rfc3339))
            XCTAssertEqual(s.rows(1..<3), nested.rows(1..<3))
            XCTAssertEqual(s.rows(1..<3).values, [[.string("host"), .string("é")], [.string("type"), .string("")]])
            XCTAssertEqual(s.rows(3..<3).rowCount, 0)
        }
        XCTAssertEqual(ResultEncoding.json([StatementResult(statementID: 0, series: [strings], hasTime: false)], time: .rfc3339),
                       #"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["key","value"],"values":[["host","a\"b"],["host","é"],["type",""]]}]}]}"#)
        // Appending to a flat series' values turns it into nested rows, keeping the old ones.
        var grown = flat
        grown.values.append([.string("x"), .string("y")])
        XCTAssertEqual(grown.rowCount, 4)
        XCTAssertEqual(grown.values.last, [.string("x"), .string("y")])
    }

    /// Integers are written digit pairs at a time: every length and both extremes.
    func testIntegersAtEveryLength() {
        var ints: [Int64] = [0, -1, Int64.min, Int64.max]
        var p: Int64 = 1
        for _ in 0..<18 {
            p *= 10
            ints += [p - 1, p, p + 1, -p, -(p - 1)]
        }
        var uints: [UInt64] = [0, 9, 10, UInt64.max, UInt64.max - 1, 10_000_000_000_000_000_000, 9_999_999_999_999_999_999]
        uints += ints.filter { $0 >= 0 }.map { UInt64($0) }
        let s = ResultSeries(name: "m", columns: ["time", "v"], values: ints.map { [.integer(1), .integer($0)] } + uints.map { [.integer(1), .unsigned($0)] })
        let json = ResultEncoding.json([StatementResult(statementID: 0, series: [s], hasTime: true)], time: .epoch(unit: 1))
        let expected = (ints.map { "[1,\($0)]" } + uints.map { "[1,\($0)]" }).joined(separator: ",")
        XCTAssertTrue(json.contains("\"values\":[" + expected + "]"), json)
    }
}
