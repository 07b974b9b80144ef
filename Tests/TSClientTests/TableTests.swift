import XCTest
import InfluxQL
import TSClient

final class TableTests: XCTestCase {
    private let t0: Int64 = 1_767_225_600_000_000_000  // 2026-01-01T00:00:00Z

    func testSeriesWithTagsRendersLikeInfluxCLI() {
        let results = [StatementResult(statementID: 0, series: [
            ResultSeries(name: "cpu", tags: [("region", "eu"), ("host", "a")], columns: ["time", "mean", "n"],
                         values: [[.integer(t0), .float(0.5), .integer(3)],
                                  [.integer(t0 + 500_000_000), .null, .integer(12345)],
                                  [.integer(t0 + 10_000_000_000), .float(1e-05), .null]]),
        ])]
        XCTAssertEqual(TableRenderer.render(results, timeFormat: .rfc3339), """
            name: cpu
            tags: host=a, region=eu
            time                   mean  n
            ----                   ----  -
            2026-01-01T00:00:00Z   0.5   3
            2026-01-01T00:00:00.5Z       12345
            2026-01-01T00:00:10Z   1e-05

            """)
    }

    func testEpochFormatAndMultipleSeriesAndStatements() {
        let results = [
            StatementResult(statementID: 0, series: [
                ResultSeries(name: "m", columns: ["time", "v"], values: [[.integer(1), .boolean(true)]]),
                ResultSeries(name: "m", tags: [("k", "x")], columns: ["time", "v"], values: [[.integer(22), .string("s p")]]),
            ]),
            StatementResult(statementID: 1, error: "database not found: x"),
            StatementResult(statementID: 2, series: [
                ResultSeries(name: "databases", columns: ["name"], values: [[.string("_internal")], [.string("metrics")]]),
            ], messages: ["warning: deprecated"]),
        ]
        XCTAssertEqual(TableRenderer.render(results, timeFormat: .epoch), """
            name: m
            time v
            ---- -
            1    true

            name: m
            tags: k=x
            time v
            ---- -
            22   s p

            ERR: database not found: x

            warning: deprecated
            name: databases
            name
            ----
            _internal
            metrics

            """)
    }

    func testEmptyInputRendersNothing() {
        XCTAssertEqual(TableRenderer.render([], timeFormat: .rfc3339), "")
        XCTAssertEqual(TableRenderer.render([StatementResult(statementID: 0)], timeFormat: .rfc3339), "")
    }

    func testTimeIsOnlyFormattedInTheTimeColumn() {
        let results = [StatementResult(statementID: 0, series: [
            ResultSeries(name: "m", columns: ["v", "time"], values: [[.integer(t0), .integer(t0)], [.integer(1), .string("2026-01-01T00:00:00Z")]]),
        ])]
        XCTAssertEqual(TableRenderer.render(results, timeFormat: .rfc3339), """
            name: m
            v                   time
            -                   ----
            1767225600000000000 2026-01-01T00:00:00Z
            1                   2026-01-01T00:00:00Z

            """)
    }

}
