import InfluxQL
import XCTest

final class RFC3339Tests: XCTestCase {
    let t0: Int64 = 1_767_225_600_000_000_000

    func testRFC3339Formatting() {
        XCTAssertEqual(RFC3339.format(0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(RFC3339.format(t0), "2026-01-01T00:00:00Z")
        XCTAssertEqual(RFC3339.format(t0 + 500_000_000), "2026-01-01T00:00:00.5Z")
        XCTAssertEqual(RFC3339.format(t0 + 1), "2026-01-01T00:00:00.000000001Z")
        XCTAssertEqual(RFC3339.format(t0 + 120_000), "2026-01-01T00:00:00.00012Z")
        XCTAssertEqual(RFC3339.format(-1), "1969-12-31T23:59:59.999999999Z")
        XCTAssertEqual(RFC3339.format(-86_400_000_000_000), "1969-12-31T00:00:00Z")
        XCTAssertEqual(RFC3339.format(951_782_400_000_000_000), "2000-02-29T00:00:00Z")
        XCTAssertEqual(RFC3339.format(1_709_251_199_000_000_000), "2024-02-29T23:59:59Z")
        XCTAssertEqual(RFC3339.format(4_107_542_400_000_000_000), "2100-03-01T00:00:00Z")
        XCTAssertEqual(RFC3339.format(Int64.max), "2262-04-11T23:47:16.854775807Z")
        XCTAssertEqual(RFC3339.format(Int64.min), "1677-09-21T00:12:43.145224192Z")
    }

    func testParsing() {
        XCTAssertEqual(RFC3339.parse("2026-01-01T00:00:00Z"), t0)
        XCTAssertEqual(RFC3339.parse("2026-01-01"), t0)
        XCTAssertEqual(RFC3339.parse("2026-01-01T01:00:00.5+01:00"), t0 + 500_000_000)
        XCTAssertEqual(RFC3339.parse("2026-01-01T00:00:00.000000001Z"), t0 + 1)
        XCTAssertEqual(RFC3339.parse("1969-12-31T23:59:59.999999999Z"), -1)
        XCTAssertEqual(RFC3339.parse("2024-02-29T23:59:59Z"), 1_709_251_199_000_000_000)
        XCTAssertEqual(RFC3339.parse("2026-01-01 00:00:00.5"), t0 + 500_000_000, "InfluxQL's DateTimeFormat, UTC")
        for bad in ["", "2026-13-01T00:00:00Z", "2025-02-29", "2026-01-01T00:00:00", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z", "x2026-01-01", "2026-01-01T00:00:00Zjunk"] {
            XCTAssertNil(RFC3339.parse(bad), bad)
        }
        for t in [t0, t0 + 1, -1, 0, 951_782_400_000_000_000] { XCTAssertEqual(RFC3339.parse(RFC3339.format(t)), t) }
    }
}

final class BoundParametersTests: XCTestCase {
    func testSubstitution() throws {
        let q = try BoundParameters.substitute(#"SELECT "$x" FROM m WHERE host = $h AND n > $n AND ok = $"b" AND s = '$h'"#,
                                               ["h": .string("it's"), "n": .integer(3), "b": .boolean(true)])
        XCTAssertEqual(q, #"SELECT "$x" FROM m WHERE host = 'it\'s' AND n > 3 AND ok = true AND s = '$h'"#)
        XCTAssertThrowsError(try BoundParameters.substitute("SELECT v FROM m WHERE a = $missing", [:]))
        let stmts = try InfluxQLParser.parse(try BoundParameters.substitute("SELECT v FROM m WHERE a = $a", ["a": .number(1.5)]))
        XCTAssertEqual(stmts.count, 1)
    }
}
